//! What the job's `actions/checkout` steps put in the workspace, read in step order:
//! - which credentials `git` uses afterwards (GITHUB_TOKEN persisted for this repository, or
//!   not: another token, another repository, `persist-credentials: false`), so that a later
//!   `git push` is granted `contents: write` only when it can use GITHUB_TOKEN;
//! - which repository and ref sit under each `path:`, so that `uses: ./p/x` after a checkout
//!   to `path: p` is found: in this repository's files, or in the other repository at that ref.

use crate::kb::{classify_token_value, GitAuth, TokenSource};

/// Which repository a checkout step fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutRepo {
    /// The workflow's own repository (no `repository:`, `${{ github.repository }}`, or its
    /// name).
    Own,
    /// `owner/name` written out, known to be another repository.
    Other(String),
    /// `owner/name` written out, while this repository's name is unknown: it may be this one.
    Named(String),
    /// An expression other than `github.repository`: it cannot be told.
    Expression(String),
}

/// One `actions/checkout` step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// `path:` relative to the workspace, normalized (`""` = the workspace itself).
    pub path: String,
    pub repo: CheckoutRepo,
    /// `ref:` when written out.
    pub git_ref: Option<String>,
    /// GITHUB_TOKEN stays in git's configuration for this repository afterwards.
    pub persists_github_token: bool,
}

impl Checkout {
    /// Reads a step's `uses:` and `with:` (literal values; `None` for an expression whose
    /// text is not given). `None` when the step is not `actions/checkout`. `identity` is this
    /// repository's `owner/name`, when known.
    pub fn from_step(
        uses: &str,
        with: &[(String, Option<String>)],
        identity: Option<&str>,
    ) -> Option<Checkout> {
        let name = uses.split('@').next()?.trim();
        if !name.eq_ignore_ascii_case("actions/checkout") {
            return None;
        }
        let get = |k: &str| {
            with.iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone().unwrap_or_else(|| "${{ unknown }}".into()))
        };
        let repo = match get("repository") {
            None => CheckoutRepo::Own,
            Some(r) => classify_repository(r.trim(), identity),
        };
        let token_is_other =
            get("token").is_some_and(|t| classify_token_value(&t) == Some(TokenSource::Other));
        let persisted = get("persist-credentials").is_none_or(|v| v.trim() != "false");
        Some(Checkout {
            path: normalize(&get("path").unwrap_or_default()),
            persists_github_token: persisted
                && !token_is_other
                && !matches!(repo, CheckoutRepo::Other(_)),
            repo,
            git_ref: get("ref").filter(|r| !r.trim().is_empty()),
        })
    }
}

fn classify_repository(r: &str, identity: Option<&str>) -> CheckoutRepo {
    if r.contains("${{") {
        let inner: String = r
            .trim_start_matches("${{")
            .trim_end_matches("}}")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if inner.eq_ignore_ascii_case("github.repository") {
            return CheckoutRepo::Own;
        }
        return CheckoutRepo::Expression(r.to_string());
    }
    match identity {
        Some(id) if id.eq_ignore_ascii_case(r) => CheckoutRepo::Own,
        Some(_) => CheckoutRepo::Other(r.to_string()),
        None => CheckoutRepo::Named(r.to_string()),
    }
}

/// `./a//b/` -> `a/b`; `.` and empty -> `""`. `..` is kept (it leaves the workspace).
pub fn normalize(path: &str) -> String {
    path.trim()
        .split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Where a local action (`uses: ./p/x`) is, given the checkouts before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// In this repository, at this path relative to its root.
    Own(String),
    /// In another repository (or this one named by `owner/name`), at a ref (`None`: the
    /// default branch).
    Remote {
        repo: String,
        path: String,
        git_ref: Option<String>,
    },
    /// It cannot be told: why.
    Unknown(String),
}

/// The checkouts of a job so far, in step order.
#[derive(Debug, Clone, Default)]
pub struct Checkouts {
    list: Vec<Checkout>,
}

impl Checkouts {
    pub fn push(&mut self, c: Checkout) {
        self.list.push(c);
    }

    /// How `git` authenticates now. Without any checkout it cannot be told (a script may set
    /// GITHUB_TOKEN up itself), so GITHUB_TOKEN is assumed.
    pub fn git_auth(&self) -> GitAuth {
        if self.list.is_empty() || self.list.iter().any(|c| c.persists_github_token) {
            GitAuth::GithubToken
        } else {
            GitAuth::NotPersisted
        }
    }

    /// Where `uses: ./path` points: under the latest checkout with the longest `path:` that
    /// contains it. Without any checkout, this repository's own files (they may have come from
    /// elsewhere, but the file is the best guess and is read as written).
    pub fn locate(&self, uses_path: &str) -> Location {
        let path = normalize(uses_path);
        if path == ".." || path.starts_with("../") {
            return Location::Unknown(format!(
                "./{path} is outside the checked-out files; what a script put there cannot be told"
            ));
        }
        let within = |c: &Checkout| {
            c.path.is_empty() || path == c.path || path.starts_with(&format!("{}/", c.path))
        };
        let best = self
            .list
            .iter()
            .enumerate()
            .filter(|(_, c)| within(c))
            .max_by_key(|(i, c)| (c.path.len(), *i))
            .map(|(_, c)| c);
        let Some(c) = best else {
            return Location::Own(path);
        };
        let rest = path[c.path.len()..].trim_start_matches('/').to_string();
        match &c.repo {
            CheckoutRepo::Own => Location::Own(rest),
            CheckoutRepo::Other(repo) | CheckoutRepo::Named(repo) => Location::Remote {
                repo: repo.clone(),
                path: rest,
                git_ref: c.git_ref.clone(),
            },
            CheckoutRepo::Expression(e) => Location::Unknown(format!(
                "./{path} comes from the repository an earlier step checks out as `{e}`, which cannot be told"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect()
    }

    fn checkout(pairs: &[(&str, &str)]) -> Checkout {
        Checkout::from_step("actions/checkout@v4", &with(pairs), Some("acme/app")).unwrap()
    }

    #[test]
    fn credentials() {
        assert!(checkout(&[]).persists_github_token);
        assert!(checkout(&[("token", "${{ github.token }}")]).persists_github_token);
        assert!(checkout(&[("token", "${{ inputs.token }}")]).persists_github_token);
        assert!(!checkout(&[("token", "${{ secrets.PAT }}")]).persists_github_token);
        assert!(!checkout(&[("persist-credentials", "false")]).persists_github_token);
        assert!(!checkout(&[("repository", "other/repo")]).persists_github_token);
        assert!(checkout(&[("repository", "Acme/App")]).persists_github_token);
        // Without this repository's name, a name written out may be this repository.
        let named = Checkout::from_step(
            "actions/checkout@v4",
            &with(&[("repository", "other/repo")]),
            None,
        )
        .unwrap();
        assert!(named.persists_github_token);
        assert!(
            checkout(&[(
                "repository",
                "${{ github.event.pull_request.head.repo.full_name }}"
            )])
            .persists_github_token
        );
        assert!(Checkout::from_step("actions/setup-node@v4", &[], None).is_none());

        let mut cs = Checkouts::default();
        assert_eq!(cs.git_auth(), GitAuth::GithubToken);
        cs.push(checkout(&[("persist-credentials", "false")]));
        assert_eq!(cs.git_auth(), GitAuth::NotPersisted);
        cs.push(checkout(&[("path", "b")]));
        assert_eq!(cs.git_auth(), GitAuth::GithubToken);
    }

    #[test]
    fn locations() {
        let mut cs = Checkouts::default();
        assert_eq!(
            cs.locate("./.github/actions/x"),
            Location::Own(".github/actions/x".into())
        );
        cs.push(checkout(&[]));
        cs.push(checkout(&[("path", "./src/app/")]));
        cs.push(checkout(&[
            ("repository", "tools/kit"),
            ("path", "kit"),
            ("ref", "v2"),
        ]));
        cs.push(checkout(&[
            ("repository", "${{ inputs.repo }}"),
            ("path", "dyn"),
        ]));
        assert_eq!(
            cs.locate("./src/app/.github/actions/x"),
            Location::Own(".github/actions/x".into())
        );
        assert_eq!(
            cs.locate("./src/application"),
            Location::Own("src/application".into())
        );
        assert_eq!(
            cs.locate("./kit/setup"),
            Location::Remote {
                repo: "tools/kit".into(),
                path: "setup".into(),
                git_ref: Some("v2".into())
            }
        );
        assert!(matches!(cs.locate("./dyn/x"), Location::Unknown(_)));
        assert!(matches!(
            cs.locate("./../action/init"),
            Location::Unknown(_)
        ));
        // A later checkout to the same path wins.
        cs.push(checkout(&[("path", "kit")]));
        assert_eq!(cs.locate("./kit/setup"), Location::Own("setup".into()));
    }
}
