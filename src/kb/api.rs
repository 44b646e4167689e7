//! REST API calls made from scripts (`gh api`, `curl`, `wget`): method + path -> scopes.
//!
//! The table follows GitHub's "Permissions required for GitHub Apps" reference
//! (<https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps>), which
//! is also what GITHUB_TOKEN obeys. `GET`/`HEAD` need read, every other method write. Paths are
//! matched by their first segments after `repos/{owner}/{repo}`; placeholders (`{owner}`,
//! `:repo`, `$GITHUB_REPOSITORY`, `${{ github.repository }}`) are fine. Anything the table does
//! not know, or that GITHUB_TOKEN cannot be granted (webhooks, secrets, collaborators...), is
//! reported as unknown, never guessed.

use super::Level;

/// Reference for the path table.
pub const SOURCE: &str =
    "https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps";

/// What a REST call needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiNeeds {
    /// These scopes.
    Scopes(Vec<(&'static str, Level)>),
    /// Nothing beyond the always-granted metadata read (or a public endpoint).
    Nothing,
    /// Cannot be told or cannot be granted: why.
    Unknown(String),
}

/// Strips a scheme/host/API prefix from a URL or `gh api` argument and returns the path part
/// (no leading `/`, no query). `None` when the text does not look like a GitHub API address.
pub fn api_path(text: &str) -> Option<&str> {
    let markers = [
        "api.github.com",
        "github.api_url }}",
        "github.api_url}}",
        "${GITHUB_API_URL}",
        "$GITHUB_API_URL",
        "/api/v3",
    ];
    let (idx, len) = markers
        .iter()
        .filter_map(|m| text.find(m).map(|i| (i, m.len())))
        .min_by_key(|(i, _)| *i)?;
    Some(clean_path(&text[idx + len..]))
}

/// Webhook payload fields that hold API URLs (`${{ github.event.pull_request.url }}`), and
/// the path shape each stands for.
const EVENT_URLS: &[(&str, &str)] = &[
    (
        "pull_request.comments_url",
        "repos/{owner}/{repo}/issues/{number}/comments",
    ),
    (
        "issue.comments_url",
        "repos/{owner}/{repo}/issues/{number}/comments",
    ),
    (
        "pull_request.review_comments_url",
        "repos/{owner}/{repo}/pulls/{number}/comments",
    ),
    (
        "pull_request.commits_url",
        "repos/{owner}/{repo}/pulls/{number}/commits",
    ),
    (
        "pull_request.statuses_url",
        "repos/{owner}/{repo}/statuses/{sha}",
    ),
    (
        "pull_request.issue_url",
        "repos/{owner}/{repo}/issues/{number}",
    ),
    ("pull_request.url", "repos/{owner}/{repo}/pulls/{number}"),
    ("issue.url", "repos/{owner}/{repo}/issues/{number}"),
    ("release.url", "repos/{owner}/{repo}/releases/{id}"),
    (
        "release.assets_url",
        "repos/{owner}/{repo}/releases/{id}/assets",
    ),
    ("comment.url", "repos/{owner}/{repo}/issues/comments/{id}"),
    ("repository.url", "repos/{owner}/{repo}"),
];

/// The path a webhook URL field stands for, when `text` is one (`${{ github.event.issue.url }}`).
pub fn event_url_path(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("github.event.") {
        return None;
    }
    EVENT_URLS
        .iter()
        .find(|(field, _)| {
            let needle = format!("github.event.{field}");
            lower.find(&needle).is_some_and(|i| {
                !lower[i + needle.len()..]
                    .starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric())
            })
        })
        .map(|(_, path)| *path)
}

/// A short, stable rendering of a path for reasons: `repos/{owner}/{repo}/issues/{…}/comments`.
pub fn display_path(path: &str) -> String {
    let path = clean_path(path.trim());
    let mut segs: Vec<String> = Vec::new();
    let mut parts = path.split('/').filter(|s| !s.is_empty()).peekable();
    if parts
        .peek()
        .is_some_and(|p| p.eq_ignore_ascii_case("repos"))
    {
        parts.next();
        segs.push("repos/{owner}/{repo}".into());
        let owner = parts.next().unwrap_or("");
        let whole = owner.to_ascii_lowercase();
        if !(whole.contains("github.repository") || whole.contains("github_repository")) {
            parts.next();
        }
    }
    for p in parts {
        let simple = p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '{' | '}'));
        segs.push(if simple {
            p.to_string()
        } else {
            "{…}".to_string()
        });
        if segs.len() > 8 {
            segs.push("…".into());
            break;
        }
    }
    segs.join("/")
}

fn clean_path(p: &str) -> &str {
    let p = p.split(['?', '#']).next().unwrap_or("");
    p.trim_start_matches('/')
}

fn level(method: &str) -> Level {
    if method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD") {
        Level::Read
    } else {
        Level::Write
    }
}

/// Needs of `method path` (path relative to the API root, e.g. `repos/o/r/pulls`).
pub fn rest_needs(method: &str, path: &str) -> ApiNeeds {
    let lvl = level(method);
    let path = clean_path(path.trim());
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let Some(first) = segs.first() else {
        return ApiNeeds::Unknown("an empty API path".into());
    };
    let one = |scope: &'static str| ApiNeeds::Scopes(vec![(scope, lvl)]);
    let read_only = |what: &str| {
        if lvl == Level::Read {
            ApiNeeds::Nothing
        } else {
            ApiNeeds::Unknown(format!(
                "{method} {what}: not a change GITHUB_TOKEN can make"
            ))
        }
    };
    let cannot = |what: &str| {
        ApiNeeds::Unknown(format!(
            "{what}: needs rights GITHUB_TOKEN cannot be given; another token is needed"
        ))
    };

    match first.as_str() {
        "repos" => {}
        "graphql" => {
            return ApiNeeds::Unknown("a GraphQL call: its scopes depend on the query".into())
        }
        "orgs" | "users" | "user" if segs.iter().any(|s| s == "packages") => {
            return one("packages")
        }
        "user" | "users" | "orgs" | "search" | "rate_limit" | "meta" | "emojis" | "gitignore"
        | "licenses" | "octocat" | "zen" | "codes_of_conduct" | "events" | "feeds" | "gists"
        | "versions" | "markdown" => {
            // Public or user-level reads; a POST to `markdown` only renders text.
            if first == "markdown" {
                return ApiNeeds::Nothing;
            }
            return read_only(first);
        }
        _ => return ApiNeeds::Unknown(format!("`{path}` is not a repository API path we know")),
    }

    // repos/{owner}/{repo}/<rest>
    let rest: &[String] = match segs.get(1) {
        Some(s) if s.contains("github.repository") || s.contains("github_repository") => &segs[2..],
        Some(_) if segs.len() >= 3 => &segs[3..],
        _ => return ApiNeeds::Unknown(format!("`{path}` names no repository")),
    };
    let Some(res) = rest.first() else {
        return read_only("the repository itself");
    };
    let sub = rest.get(1).map(String::as_str).unwrap_or("");
    let third = rest.get(2).map(String::as_str).unwrap_or("");
    let has = |name: &str| rest.iter().any(|s| s == name);
    if res.starts_with('$') || (res.starts_with('{') && res != "{owner}") {
        return ApiNeeds::Unknown(format!("`{path}`: the endpoint is a variable"));
    }
    match res.as_str() {
        "actions" => match sub {
            "secrets" | "variables" | "permissions" | "runners" | "oidc" | "runner-groups" => {
                cannot("Actions secrets, variables and settings")
            }
            _ => one("actions"),
        },
        "issues" => {
            // `issues/{number}/...` also serves pull requests, whose permission is separate.
            if rest.len() >= 2 {
                ApiNeeds::Scopes(vec![("issues", lvl), ("pull-requests", lvl)])
            } else {
                one("issues")
            }
        }
        "labels" | "milestones" | "assignees" => one("issues"),
        "pulls" => {
            if third == "merge" || third == "update-branch" {
                ApiNeeds::Scopes(vec![("contents", lvl), ("pull-requests", lvl)])
            } else {
                one("pull-requests")
            }
        }
        "commits" => match third {
            "check-runs" | "check-suites" => one("checks"),
            "status" | "statuses" => one("statuses"),
            "pulls" => one("pull-requests"),
            _ => one("contents"),
        },
        "branches" | "tags" if has("protection") => cannot("branch or tag protection"),
        "contents" | "git" | "branches" | "tags" | "releases" | "merges" | "compare"
        | "zipball" | "tarball" | "readme" | "dispatches" | "merge-upstream" | "comments"
        | "codeowners" | "license" | "dependency-graph" => one("contents"),
        "check-runs" | "check-suites" => one("checks"),
        "statuses" => one("statuses"),
        "deployments" => one("deployments"),
        "environments" => {
            if lvl == Level::Read {
                ApiNeeds::Scopes(vec![("actions", Level::Read)])
            } else {
                cannot("changing environments")
            }
        }
        "pages" => one("pages"),
        "code-scanning" => one("security-events"),
        "attestations" => one("attestations"),
        "dependabot" if sub == "alerts" => ApiNeeds::Unknown(
            "Dependabot alerts need `vulnerability-alerts: read`, a scope common linters still \
             reject; add it in the repository's configuration"
                .into(),
        ),
        "dependabot"
        | "secret-scanning"
        | "hooks"
        | "keys"
        | "collaborators"
        | "invitations"
        | "rulesets"
        | "vulnerability-alerts"
        | "automated-security-fixes"
        | "traffic"
        | "autolinks"
        | "interaction-limits"
        | "transfer"
        | "private-vulnerability-reporting"
        | "security-advisories"
        | "projects"
        | "teams"
        | "notifications"
        | "forks" => {
            if res == "forks" || res == "teams" {
                read_only(res)
            } else {
                cannot(res)
            }
        }
        "languages" | "contributors" | "stargazers" | "subscribers" | "watchers" | "events"
        | "topics" | "activity" | "properties" | "rules" | "community" => read_only(res),
        _ => ApiNeeds::Unknown(format!("`{path}` is not an endpoint we know")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(m: &str, p: &str) -> Vec<(&'static str, Level)> {
        match rest_needs(m, p) {
            ApiNeeds::Scopes(s) => s,
            other => panic!("{m} {p}: {other:?}"),
        }
    }

    #[test]
    fn repository_paths() {
        assert_eq!(
            scopes("POST", "repos/{owner}/{repo}/issues"),
            vec![("issues", Level::Write)]
        );
        assert_eq!(
            scopes("POST", "/repos/o/r/issues/12/comments"),
            vec![("issues", Level::Write), ("pull-requests", Level::Write)]
        );
        assert_eq!(
            scopes("GET", "repos/${{ github.repository }}/pulls?state=open"),
            vec![("pull-requests", Level::Read)]
        );
        assert_eq!(
            scopes("PUT", "repos/:owner/:repo/pulls/3/merge"),
            vec![("contents", Level::Write), ("pull-requests", Level::Write)]
        );
        assert_eq!(
            scopes("POST", "repos/o/r/dispatches"),
            vec![("contents", Level::Write)]
        );
        assert_eq!(
            scopes("POST", "repos/o/r/statuses/abc"),
            vec![("statuses", Level::Write)]
        );
        assert_eq!(
            scopes("GET", "repos/o/r/commits/abc/check-runs"),
            vec![("checks", Level::Read)]
        );
        assert_eq!(
            scopes("DELETE", "repos/o/r/actions/caches?key=x"),
            vec![("actions", Level::Write)]
        );
        assert_eq!(
            scopes("DELETE", "orgs/o/packages/container/x/versions/1"),
            vec![("packages", Level::Write)]
        );
    }

    #[test]
    fn nothing_and_unknown() {
        assert_eq!(rest_needs("GET", "repos/o/r"), ApiNeeds::Nothing);
        assert_eq!(rest_needs("GET", "user"), ApiNeeds::Nothing);
        assert!(matches!(
            rest_needs("PATCH", "repos/o/r"),
            ApiNeeds::Unknown(_)
        ));
        assert!(matches!(
            rest_needs("POST", "graphql"),
            ApiNeeds::Unknown(_)
        ));
        assert!(matches!(
            rest_needs("PUT", "repos/o/r/actions/secrets/X"),
            ApiNeeds::Unknown(_)
        ));
        assert!(matches!(
            rest_needs("GET", "repos/o/r/dependabot/alerts"),
            ApiNeeds::Unknown(_)
        ));
        assert!(matches!(
            rest_needs("GET", "repos/o/r/$X"),
            ApiNeeds::Unknown(_)
        ));
        assert!(matches!(rest_needs("GET", ""), ApiNeeds::Unknown(_)));
        assert!(matches!(
            rest_needs("GET", "whatever"),
            ApiNeeds::Unknown(_)
        ));
    }

    #[test]
    fn event_urls_and_display() {
        assert_eq!(
            event_url_path("${{ github.event.pull_request.comments_url }}"),
            Some("repos/{owner}/{repo}/issues/{number}/comments")
        );
        assert_eq!(
            event_url_path("${{ github.event.pull_request.url }}"),
            Some("repos/{owner}/{repo}/pulls/{number}")
        );
        assert_eq!(
            event_url_path("${{ github.event.pull_request.html_url }}"),
            None
        );
        assert_eq!(event_url_path("${{ env.X }}"), None);
        assert_eq!(
            display_path("repos/$GITHUB_REPOSITORY/issues/${{ github.event.number }}/comments?x=1"),
            "repos/{owner}/{repo}/issues/{…}/comments"
        );
        assert_eq!(
            display_path("/repos/o/r/pulls/$(jq .n f)"),
            "repos/{owner}/{repo}/pulls/{…}"
        );
        assert_eq!(display_path("user"), "user");
    }

    #[test]
    fn paths_from_urls() {
        assert_eq!(
            api_path("https://api.github.com/repos/o/r/releases?x=1"),
            Some("repos/o/r/releases")
        );
        assert_eq!(
            api_path("${{ github.api_url }}/repos/o/r/issues"),
            Some("repos/o/r/issues")
        );
        assert_eq!(
            api_path("$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/pulls"),
            Some("repos/$GITHUB_REPOSITORY/pulls")
        );
        assert_eq!(
            api_path("https://ghe.example.com/api/v3/repos/o/r"),
            Some("repos/o/r")
        );
        assert_eq!(api_path("https://example.com/x"), None);
    }
}
