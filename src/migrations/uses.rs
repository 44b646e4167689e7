//! `uses:` values for the rules that move an action to another name or release: where they are,
//! what they name, their version comment, and the edits that rewrite them. The sites of a file
//! are found once per tree and shared with `pin` ([`file_sites`]).

use std::sync::{Arc, Mutex};

use crate::discover::FileKind;
use crate::edit::Edit;
use crate::passes::pin::{uses_sites, UsesSite};
use crate::passes::{Context, FileMemo};
use crate::resolve::{RemoteUses, UsesRef};
use crate::syntax::{NodeId, NodeKind, SyntaxTree};

/// A `uses:` of another repository.
pub struct Site<'a> {
    pub node: NodeId,
    /// The value as written (quotes removed).
    pub value: &'a str,
    pub remote: &'a RemoteUses,
    /// The comment after the value on its line (token index), outside flow collections.
    pub comment: Option<usize>,
    /// [`Site::name`], which every rule looks up in its table.
    name: String,
}

impl<'a> Site<'a> {
    fn new(tree: &SyntaxTree, site: &'a UsesSite, remote: &'a RemoteUses) -> Site<'a> {
        let mut name = full_name(remote);
        name.make_ascii_lowercase();
        Site {
            comment: in_block(tree, site.node)
                .then(|| tree.trailing_comment(site.node))
                .flatten(),
            node: site.node,
            value: &site.value,
            remote,
            name,
        }
    }

    /// `owner/repo[/path]`, lower case (GitHub names are case-insensitive; paths are not, see
    /// [`Site::full_name`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `owner/repo[/path]` as written.
    pub fn full_name(&self) -> String {
        full_name(self.remote)
    }

    /// The comment's text (`# v4.2.2`), if any.
    pub fn comment_text<'t>(&self, tree: &'t SyntaxTree) -> Option<&'t str> {
        self.comment
            .map(|i| tree.tokens()[i].text(tree.text()).trim_end())
    }

    /// The ref the site stands for: the ref itself, or for a SHA pin the version in its comment.
    pub fn version(&self, tree: &SyntaxTree) -> Option<String> {
        if self.remote.is_pinned() {
            self.comment_text(tree).and_then(version_in_comment)
        } else {
            Some(self.remote.git_ref.clone())
        }
    }
}

fn full_name(remote: &RemoteUses) -> String {
    let mut name = format!("{}/{}", remote.owner, remote.repo);
    if let Some(path) = &remote.path {
        name.push('/');
        name.push_str(path);
    }
    name
}

/// The `uses:` of a workflow or an action.
pub struct FileSites {
    /// Every one of them, in document order (`pin`).
    pub all: Vec<UsesSite>,
}

impl FileSites {
    /// Those of another repository (the migration rules); `tree` is the tree the sites were
    /// found in.
    pub fn remote<'a>(&'a self, tree: &SyntaxTree) -> Vec<Site<'a>> {
        self.all
            .iter()
            .filter_map(|s| match &s.uses {
                UsesRef::Remote(remote) => Some(Site::new(tree, s, remote)),
                _ => None,
            })
            .collect()
    }
}

impl FileSites {
    /// The sites of `tree`, found afresh (for callers outside a rule's run on the file).
    pub fn find(tree: &SyntaxTree, kind: FileKind) -> FileSites {
        FileSites {
            all: uses_sites(tree, kind),
        }
    }
}

/// The sites of the tree last asked for, kept in the file's memo. A file's rules run one after
/// another over the same tree, so `pin`, `outdated-actions` and `archived-actions` share one
/// search instead of walking the tree and parsing every value each.
#[derive(Default)]
struct Found(Mutex<Option<(u64, FileKind, Arc<FileSites>)>>);

/// The `uses:` of the file a rule reads, found once per tree.
pub fn file_sites(cx: &Context) -> Arc<FileSites> {
    sites_in(cx.memo, cx.tree, cx.kind)
}

fn sites_in(memo: &FileMemo, tree: &SyntaxTree, kind: FileKind) -> Arc<FileSites> {
    let found = memo.get::<Found>();
    let mut last = found.0.lock().unwrap_or_else(|e| e.into_inner());
    // Keyed by the tree's id, which no other tree has: a rewritten text is a new tree.
    if let Some((id, k, sites)) = &*last {
        if *id == tree.id() && *k == kind {
            return Arc::clone(sites);
        }
    }
    let sites = Arc::new(FileSites::find(tree, kind));
    *last = Some((tree.id(), kind, Arc::clone(&sites)));
    sites
}

fn in_block(tree: &SyntaxTree, node: NodeId) -> bool {
    let mut n = node;
    while let Some(p) = tree.parent(n) {
        if matches!(tree.kind(p), NodeKind::FlowMap | NodeKind::FlowSeq) {
            return false;
        }
        n = p;
    }
    true
}

/// The version a pin comment names: `# v4.2.2`, `# tag=v4.2.2`, `# pin @v4.2.2`,
/// `# ratchet:owner/repo@v4` -> `v4.2.2` / `v4`. `None` when the comment names none.
pub fn version_in_comment(comment: &str) -> Option<String> {
    let text = comment.trim_start_matches('#').trim();
    let first = text.split_whitespace().next()?;
    let word = if first == "pin" {
        text.split_whitespace().nth(1)?
    } else {
        first
    };
    let word = word
        .strip_prefix("tag=")
        .or_else(|| {
            word.strip_prefix("ratchet:")
                .map(|r| r.rsplit('@').next().unwrap_or(r))
        })
        .unwrap_or(word);
    let word = word
        .trim_start_matches('@')
        .trim_end_matches([',', ';', ')']);
    let looks_like_version = word
        .trim_start_matches(['v', 'V'])
        .starts_with(|c: char| c.is_ascii_digit());
    looks_like_version.then(|| word.to_string())
}

/// Edits that make the site `new_value`, keeping its quoting; and when `comment` is given, the
/// version in the comment becomes `comment` (the rest of the comment is kept).
pub fn rewrite(
    tree: &SyntaxTree,
    site: &Site,
    new_value: &str,
    comment: Option<(&str, &str)>,
) -> Option<Vec<Edit>> {
    let mut edits = vec![super::replace_scalar(tree, site.node, new_value)?];
    if let (Some((old, new)), Some(i)) = (comment, site.comment) {
        let tok = tree.tokens()[i];
        let text = tok.text(tree.text());
        let at = text.find(old)?;
        let start = tok.start as usize + at;
        edits.push(Edit::replace(start..start + old.len(), new));
    }
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn sites_follow_the_tree() {
        let text = |v| {
            format!("jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v{v} # v{v}\n      - uses: ./local\n")
        };
        let memo = FileMemo::default();
        let refs = |tree: &SyntaxTree| -> Vec<String> {
            let sites = sites_in(&memo, tree, FileKind::Workflow);
            assert_eq!(sites.all.len(), 2);
            let remote = sites.remote(tree);
            remote
                .iter()
                .map(|s| format!("{} {}", s.name(), s.version(tree).unwrap()))
                .collect()
        };
        let (one, two) = (parse(&text(3)), parse(&text(4)));
        // Trees of texts of the same length, read in turn: each gets its own sites.
        for _ in 0..2 {
            assert_eq!(refs(&one), ["actions/checkout v3"]);
            assert_eq!(refs(&two), ["actions/checkout v4"]);
        }
        // The rules reading one tree share one search.
        let first = sites_in(&memo, &two, FileKind::Workflow);
        assert!(Arc::ptr_eq(
            &first,
            &sites_in(&memo, &two, FileKind::Workflow)
        ));
        // A rewritten text replacing the old tree in place is a new tree.
        let mut current = parse(&text(5));
        assert_eq!(refs(&current), ["actions/checkout v5"]);
        current = parse(&text(6));
        assert_eq!(refs(&current), ["actions/checkout v6"]);
    }

    #[test]
    fn versions_in_comments() {
        let v = |c| version_in_comment(c);
        assert_eq!(v("# v4.2.2").as_deref(), Some("v4.2.2"));
        assert_eq!(v("#v4").as_deref(), Some("v4"));
        assert_eq!(v("# tag=v3.0.0").as_deref(), Some("v3.0.0"));
        assert_eq!(v("# pin @v2.1.0").as_deref(), Some("v2.1.0"));
        assert_eq!(v("# ratchet:actions/checkout@v4").as_deref(), Some("v4"));
        assert_eq!(v("# 1.2.3 (latest)").as_deref(), Some("1.2.3"));
        assert_eq!(v("# main"), None);
        assert_eq!(v("# see issue 12"), None);
    }
}
