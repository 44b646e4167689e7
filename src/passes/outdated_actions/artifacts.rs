//! The workflow checks under which the artifact actions' v4 changes cannot matter.
//!
//! v4 artifacts are immutable: a second upload to a name fails. So the upgrade is safe when
//! every `actions/upload-artifact` step of the workflow uses a name no other step uses, and no
//! job with a matrix uploads a name that does not vary with the matrix. From v4.4 hidden files
//! are left out unless `include-hidden-files: true`: safe when every `path` names files with an
//! extension (`dist/*.whl`, `report.xml`), which cannot be hidden directories' contents.

use crate::discover::FileKind;
use crate::syntax::views::{ActionMeta, Step, Workflow};
use crate::syntax::{NodeId, SyntaxTree};

/// One upload-artifact step.
pub struct Upload {
    /// The `uses:` value node.
    pub uses: NodeId,
    /// `name` as written, or `artifact` (the default).
    name: String,
    /// The job has a `strategy.matrix`.
    in_matrix: bool,
    /// `path` as written.
    path: String,
    include_hidden: bool,
}

/// Every `actions/upload-artifact` step of the file.
pub fn uploads(tree: &SyntaxTree, kind: FileKind) -> Vec<Upload> {
    let mut out = Vec::new();
    let mut add = |step: &Step, in_matrix: bool| {
        let Some(uses) = step.uses() else {
            return;
        };
        let value = tree.scalar_value(uses).unwrap_or_default();
        let name = value.split('@').next().unwrap_or("").to_ascii_lowercase();
        if name != "actions/upload-artifact" {
            return;
        }
        let input = |key: &str| {
            step.with()
                .into_iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| tree.scalar_value(v).map(|s| s.into_owned()))
        };
        out.push(Upload {
            uses,
            name: input("name").unwrap_or_else(|| "artifact".to_string()),
            in_matrix,
            path: input("path").unwrap_or_default(),
            include_hidden: input("include-hidden-files")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
        });
    };
    match kind {
        FileKind::Workflow => {
            if let Some(wf) = Workflow::new(tree) {
                for job in wf.jobs() {
                    let in_matrix = job
                        .get("strategy")
                        .and_then(|s| tree.map_get(s, "matrix"))
                        .is_some();
                    for step in job.steps() {
                        add(&step, in_matrix);
                    }
                }
            }
        }
        FileKind::Action => {
            if let Some(action) = ActionMeta::new(tree) {
                for step in action.steps() {
                    add(&step, false);
                }
            }
        }
    }
    out
}

/// Why the uploads' names may clash in v4, or `None` when they cannot.
pub fn name_clash(uploads: &[Upload]) -> Option<String> {
    for (i, u) in uploads.iter().enumerate() {
        if u.in_matrix && !u.name.contains("matrix.") {
            return Some(format!(
                "a matrix job uploads the constant name `{}` once per combination",
                u.name
            ));
        }
        if uploads[..i].iter().any(|o| o.name == u.name) {
            return Some(format!("two steps upload the name `{}`", u.name));
        }
    }
    None
}

/// Whether the step cannot upload a hidden file.
pub fn no_hidden_files(upload: &Upload) -> bool {
    if upload.include_hidden {
        return true;
    }
    let lines: Vec<&str> = upload
        .path
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('!'))
        .collect();
    !lines.is_empty() && lines.iter().all(|l| names_files_with_extension(l))
}

/// `dist/*.whl`, `report.xml`: the last component has an extension and no component is hidden.
fn names_files_with_extension(path: &str) -> bool {
    if path.contains("${{") {
        return false;
    }
    let components: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .collect();
    let Some(last) = components.last() else {
        return false;
    };
    let hidden = components.iter().any(|c| c.starts_with('.'));
    let extension = last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric())
    });
    !hidden && extension
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn uploads_of(src: &str) -> Vec<Upload> {
        uploads(&parse(src), FileKind::Workflow)
    }

    #[test]
    fn names_must_be_unique_and_vary_with_the_matrix() {
        let ok = "on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        os: [x, y]\n    steps:\n      - uses: actions/upload-artifact@v3\n        with:\n          name: dist-${{ matrix.os }}\n          path: dist/*.whl\n  b:\n    steps:\n      - uses: actions/upload-artifact@v3\n        with:\n          path: report.xml\n";
        let u = uploads_of(ok);
        assert_eq!(u.len(), 2);
        assert_eq!(name_clash(&u), None);
        assert!(u.iter().all(no_hidden_files));
        let matrix_constant = ok.replace("dist-${{ matrix.os }}", "dist");
        assert!(name_clash(&uploads_of(&matrix_constant))
            .unwrap()
            .contains("matrix job"));
        let twice = ok
            .replace("dist-${{ matrix.os }}", "artifact")
            .replace("    strategy:\n      matrix:\n        os: [x, y]\n", "");
        assert!(name_clash(&uploads_of(&twice))
            .unwrap()
            .contains("two steps"));
    }

    #[test]
    fn hidden_files() {
        for (path, safe) in [
            ("dist/*.whl", true),
            ("report.xml\ncoverage/lcov.info", true),
            ("dist/", false),
            ("build", false),
            (".coverage/x.xml", false),
            ("${{ env.OUT }}/a.txt", false),
            ("*", false),
        ] {
            let u = Upload {
                uses: 0,
                name: "a".into(),
                in_matrix: false,
                path: path.into(),
                include_hidden: false,
            };
            assert_eq!(no_hidden_files(&u), safe, "{path}");
        }
    }
}
