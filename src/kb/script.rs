//! Needs of a literal `actions/github-script` script: its Octokit calls.
//!
//! The script's client exposes GitHub's REST API as `github.rest.<namespace>.<method>` (older
//! scripts use `github.<namespace>.<method>`). Each call is mapped to a scope by namespace (with
//! a few method-level exceptions) and to a level by its verb: `get`/`list`/`check`/`compare`/
//! `download`/`search` read, everything else writes. `github.request("POST /repos/...")` is
//! mapped by its route like any REST call; `github.graphql` documents are read like any GraphQL
//! document ([`super::graphql`]); a route or document we cannot read, loading
//! code from files, or running commands is reported as unknown. Calls on an issue number also
//! count for pull requests (the same endpoints serve both).

use super::api::{self, ApiNeeds};
use super::graphql;
use super::{Analysis, Level, Need};

const SOURCE: &str = "https://octokit.github.io/rest.js/";

/// Octokit namespaces we recognise after a `.`.
const NAMESPACES: &[&str] = &[
    "actions",
    "activity",
    "apps",
    "billing",
    "checks",
    "codeScanning",
    "codesOfConduct",
    "codespaces",
    "dependabot",
    "dependencyGraph",
    "emojis",
    "gists",
    "git",
    "gitignore",
    "interactions",
    "issues",
    "licenses",
    "markdown",
    "meta",
    "migrations",
    "oidc",
    "orgs",
    "packages",
    "projects",
    "pulls",
    "rateLimit",
    "reactions",
    "repos",
    "search",
    "secretScanning",
    "securityAdvisories",
    "teams",
    "users",
];

/// Issue methods that do not take an issue number (so they concern issues only).
const ISSUES_ONLY: &[&str] = &[
    "create",
    "listForRepo",
    "createLabel",
    "updateLabel",
    "deleteLabel",
    "getLabel",
    "listLabelsForRepo",
    "createMilestone",
    "updateMilestone",
    "deleteMilestone",
    "getMilestone",
    "listMilestones",
    "listAssignees",
    "checkUserCanBeAssigned",
    "listCommentsForRepo",
    "listEventsForRepo",
];

fn is_read(method: &str) -> bool {
    [
        "get", "list", "check", "compare", "download", "search", "export",
    ]
    .iter()
    .any(|p| method.starts_with(p))
}

enum Mapped {
    Scopes(Vec<(&'static str, Level)>),
    Nothing,
    Unknown(String),
}

fn map_call(ns: &str, method: &str) -> Mapped {
    let lvl = if is_read(method) {
        Level::Read
    } else {
        Level::Write
    };
    let one = |s: &'static str| Mapped::Scopes(vec![(s, lvl)]);
    let cannot = || {
        Mapped::Unknown(format!(
            "`{ns}.{method}` needs rights GITHUB_TOKEN cannot be given"
        ))
    };
    let has = |words: &[&str]| words.iter().any(|w| method.contains(w));
    match ns {
        "issues" => {
            if ISSUES_ONLY.contains(&method) {
                one("issues")
            } else {
                Mapped::Scopes(vec![("issues", lvl), ("pull-requests", lvl)])
            }
        }
        "pulls" => {
            if method == "merge" || method == "updateBranch" {
                Mapped::Scopes(vec![("contents", lvl), ("pull-requests", lvl)])
            } else {
                one("pull-requests")
            }
        }
        "repos" => {
            if has(&["CommitStatus", "StatusForRef", "StatusesForRef"]) {
                one("statuses")
            } else if has(&["Deployment"])
                && !has(&["DeploymentBranchPolic", "DeploymentProtection"])
            {
                one("deployments")
            } else if method == "createDispatchEvent" {
                one("contents")
            } else if method == "requestPagesBuild" || (lvl == Level::Read && has(&["Pages"])) {
                one("pages")
            } else if matches!(
                method,
                "get"
                    | "getCollaboratorPermissionLevel"
                    | "listLanguages"
                    | "listContributors"
                    | "getAllTopics"
                    | "listTags"
                    | "listTeams"
                    | "getCommunityProfileMetrics"
            ) {
                if method == "listTags" {
                    one("contents")
                } else {
                    Mapped::Nothing
                }
            } else if has(&[
                "Webhook",
                "Collaborator",
                "Invitation",
                "Protection",
                "Ruleset",
                "DeployKey",
                "Autolink",
                "Fork",
                "transfer",
                "VulnerabilityAlerts",
                "SecurityFixes",
                "Topics",
                "Pages",
                "Environment",
                "Secret",
                "Variable",
            ]) || matches!(
                method,
                "update" | "delete" | "createInOrg" | "createForAuthenticatedUser"
            ) {
                cannot()
            } else {
                one("contents")
            }
        }
        "actions" => {
            if has(&[
                "Secret",
                "Variable",
                "Permission",
                "Runner",
                "Oidc",
                "Environment",
            ]) {
                cannot()
            } else {
                one("actions")
            }
        }
        "checks" => one("checks"),
        "git" | "dependencyGraph" => one("contents"),
        "reactions" => {
            if method.contains("CommitComment") || method.contains("Release") {
                one("contents")
            } else if method.contains("Discussion") {
                one("discussions")
            } else {
                Mapped::Scopes(vec![("issues", lvl), ("pull-requests", lvl)])
            }
        }
        "packages" => one("packages"),
        "codeScanning" => one("security-events"),
        "search" | "users" | "meta" | "rateLimit" | "markdown" | "emojis" | "licenses"
        | "gitignore" | "codesOfConduct" => Mapped::Nothing,
        "activity" if lvl == Level::Read => Mapped::Nothing,
        _ => cannot(),
    }
}

/// Needs of a github-script `script` given as literal text.
pub fn github_script_needs(js: &str) -> Analysis {
    let mut out = Analysis::default();
    let bytes = js.as_bytes();
    let mut i = 0;
    while let Some(off) = js[i..].find('.') {
        let dot = i + off;
        i = dot + 1;
        let rest = &js[dot + 1..];
        let Some(ns) = NAMESPACES
            .iter()
            .find(|n| rest.starts_with(*n) && rest[n.len()..].starts_with('.'))
        else {
            continue;
        };
        // The thing before the dot must be an identifier (`rest`, `github`, `octokit`...).
        if dot == 0 || !(bytes[dot - 1].is_ascii_alphanumeric() || bytes[dot - 1] == b'_') {
            continue;
        }
        let after = &rest[ns.len() + 1..];
        let method: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if method.is_empty() || !method.starts_with(|c: char| c.is_ascii_lowercase()) {
            continue;
        }
        match map_call(ns, &method) {
            Mapped::Scopes(scopes) => {
                for (scope, level) in scopes {
                    out.push(Need {
                        scope: scope.into(),
                        level,
                        reason: format!("github-script calls `{ns}.{method}`"),
                        source: SOURCE.into(),
                    });
                }
            }
            Mapped::Nothing => {}
            Mapped::Unknown(why) => out.push_unknown(why),
        }
    }
    for route in request_routes(js, &mut out) {
        let (method, path) = route;
        match api::rest_needs(&method, &path) {
            ApiNeeds::Scopes(scopes) => {
                for (scope, level) in scopes {
                    out.push(Need {
                        scope: scope.into(),
                        level,
                        reason: format!(
                            "github-script requests `{method} {}`",
                            api::display_path(&path)
                        ),
                        source: api::SOURCE.into(),
                    });
                }
            }
            ApiNeeds::Nothing => {}
            ApiNeeds::Unknown(why) => out.push_unknown(format!("`{method} {path}`: {why}")),
        }
    }
    // `const { issues } = github.rest`, `github.rest[name](...)`: the calls go through an
    // alias or a computed name that the pattern above cannot follow.
    let compact: String = js.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("=github.rest;")
        || compact.contains("=github.rest\n")
        || compact.ends_with("=github.rest")
        || compact.contains(".rest[")
        || computed_method(&compact)
        || compact.contains("}=github.rest")
        || compact.contains("}=octokit.rest")
    {
        out.push_unknown(
            "github-script reaches the API through an alias or a computed method name".into(),
        );
    }
    for document in graphql_documents(js, &mut out) {
        let a = graphql::graphql_needs(&document);
        for mut n in a.needs {
            n.reason = format!("github-script: {}", n.reason);
            out.push(n);
        }
        for why in a.unknown {
            out.push_unknown(format!("github-script: {why}"));
        }
    }
    if loads_local_code(js) {
        out.push_unknown(
            "github-script loads code from a file; what it calls cannot be told".into(),
        );
    }
    if js.contains("exec.exec")
        || js.contains("execSync")
        || js.contains("getExecOutput")
        || js.contains("child_process")
    {
        out.push_unknown("github-script runs commands; what they do cannot be told".into());
    }
    if js.contains("getIDToken") {
        out.push(Need {
            scope: "id-token".into(),
            level: Level::Write,
            reason: "github-script requests an OIDC token".into(),
            source: "https://github.com/actions/toolkit/tree/main/packages/core#oidc-token".into(),
        });
    }
    out
}

/// The GraphQL documents of `github.graphql(…)` calls: a literal string or template, or a
/// variable assigned one in the script. A call whose document cannot be found is unknown.
fn graphql_documents(js: &str, out: &mut Analysis) -> Vec<String> {
    let mut docs = Vec::new();
    for (i, _) in js.match_indices(".graphql") {
        let after = &js[i + ".graphql".len()..];
        let arg = match after.strip_prefix('(') {
            Some(a) => a.trim_start(),
            None if after.starts_with('`') => after,
            None => continue,
        };
        let found = match string_literal(arg) {
            Some(doc) => Some(doc),
            None => {
                let name: String = arg
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
                    .collect();
                (!name.is_empty())
                    .then(|| assigned_string(js, &name))
                    .flatten()
            }
        };
        match found {
            Some(doc) => docs.push(doc),
            None => out.push_unknown(
                "github-script runs a GraphQL query wffmt cannot read; its scopes depend on the query"
                    .into(),
            ),
        }
    }
    docs
}

/// The text of a string literal or template at the start of `s` (`'…'`, `"…"`, `` `…` ``).
fn string_literal(s: &str) -> Option<String> {
    let quote = s.chars().next().filter(|c| matches!(c, '\'' | '"' | '`'))?;
    let body = &s[1..];
    let end = body.find(quote)?;
    Some(body[..end].to_string())
}

/// The string assigned to `name` (`const name = \`…\``, `let`, `var`, or a plain assignment).
fn assigned_string(js: &str, name: &str) -> Option<String> {
    js.match_indices(name).find_map(|(i, _)| {
        let before = js[..i].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            return None;
        }
        let rest = js[i + name.len()..].trim_start();
        let rest = rest.strip_prefix('=')?;
        if rest.starts_with('=') {
            return None;
        }
        string_literal(rest.trim_start())
    })
}

/// `require`/`import` of a file (not of a Node module such as `fs`).
fn loads_local_code(js: &str) -> bool {
    ["require(", "import(", "import "].iter().any(|kw| {
        js.match_indices(kw).any(|(i, _)| {
            let arg = js[i + kw.len()..].trim_start();
            let arg = arg.strip_prefix("from").map_or(arg, str::trim_start);
            let arg = arg.trim_start_matches(['\'', '"', '`']);
            arg.starts_with('.')
                || arg.starts_with('/')
                || arg.starts_with("${")
                || arg.starts_with("process.env")
                || arg.starts_with("path.")
        })
    })
}

/// `github.request("METHOD /path", ...)` routes; an unreadable route is reported as unknown.
fn request_routes(js: &str, out: &mut Analysis) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    let mut rest = js;
    while let Some(i) = rest.find(".request(") {
        let after = rest[i + ".request(".len()..].trim_start();
        rest = &rest[i + 1..];
        let Some(q) = after
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))
        else {
            out.push_unknown("github-script calls `request` with a route we cannot read".into());
            continue;
        };
        let body = &after[1..];
        let Some(end) = body.find(q) else { continue };
        let route = body[..end].trim();
        let (method, path) = match route.split_once(' ') {
            Some((m, p)) if m.chars().all(|c| c.is_ascii_uppercase()) => (m, p.trim()),
            _ => ("GET", route),
        };
        routes.push((method.to_string(), path.to_string()));
    }
    routes
}

/// `github.rest.<namespace>[...]`: a method chosen at run time.
fn computed_method(js: &str) -> bool {
    js.match_indices("rest.").any(|(i, m)| {
        let rest = &js[i + m.len()..];
        let ns_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        ns_len > 0 && rest[ns_len..].starts_with('[')
    })
}

#[cfg(test)]
mod alias_tests {
    use super::*;

    #[test]
    fn calls_through_aliases_are_unknown() {
        for js in [
            "const { issues } = github.rest; await issues.createComment({})",
            "await github.rest.issues[method]({})",
        ] {
            assert!(!github_script_needs(js).unknown.is_empty(), "{js}");
        }
        assert!(
            github_script_needs("await github.rest.issues.createComment({})")
                .unknown
                .is_empty()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(a: &Analysis) -> String {
        let mut s: Vec<String> = a.scopes().iter().map(|(k, v)| format!("{k}:{v}")).collect();
        if !a.unknown.is_empty() {
            s.push("?".into());
        }
        s.join(" ")
    }

    #[test]
    fn calls_map_to_scopes() {
        let cases = [
            (
                "await github.rest.issues.createComment({ ...context.repo, issue_number: 1, body: 'x' })",
                "issues:write pull-requests:write",
            ),
            ("github.issues.create({title})", "issues:write"),
            ("const { data } = await github.rest.pulls.get({ pull_number })", "pull-requests:read"),
            ("await github.rest.pulls.merge({})", "contents:write pull-requests:write"),
            ("github.rest.actions.createWorkflowDispatch({})", "actions:write"),
            (
                "const arts = await github.paginate(github.rest.actions.listWorkflowRunArtifacts, {})",
                "actions:read",
            ),
            ("github.rest.repos.createCommitStatus({state: 'success'})", "statuses:write"),
            ("github.rest.repos.getContent({path: 'x'})", "contents:read"),
            ("github.rest.repos.getCollaboratorPermissionLevel({})", ""),
            ("github.rest.checks.create({})", "checks:write"),
            ("github.rest.reactions.createForIssueComment({})", "issues:write pull-requests:write"),
            ("github.rest.search.issuesAndPullRequests({q})", ""),
            ("console.log(context.issue.number); context.repo.owner", ""),
            ("github.request('POST /repos/{owner}/{repo}/dispatches', {})", "contents:write"),
            ("github.rest.repos.createWebhook({})", "?"),
            ("github.rest.actions.createOrUpdateRepoSecret({})", "?"),
            ("await github.graphql(`query { viewer { login } }`)", ""),
            ("const query = `query($n: Int!) { repository(owner: \"o\", name: \"r\") { pullRequest(number: $n) { isDraft } } }`;\nconst r = await github.graphql(query, { n: 1 });", "pull-requests:read"),
            ("await github.graphql(buildQuery())", "?"),
            ("await github.graphql(`mutation { createDiscussion(input: {}) { discussion { id } } }`)", "discussions:write"),
            ("const s = require('./.github/scripts/x.js'); await s({github, context})", "?"),
            ("const t = await core.getIDToken('aud')", "id-token:write"),
            ("github.request(route)", "?"),
            ("const fs = require('fs'); github.rest.issues.create({})", "issues:write"),
            ("const run = require(`${process.env.GITHUB_WORKSPACE}/x.js`)", "?"),
            ("const { execSync } = require('child_process')", "?"),
        ];
        for (js, want) in cases {
            assert_eq!(render(&github_script_needs(js)), want, "{js}");
        }
    }

    #[test]
    fn odd_input() {
        for s in [
            "",
            ".",
            "a.",
            "x.issues.",
            "x.issues.(",
            ".request(",
            ".request('",
            "é.issues.é",
        ] {
            let _ = github_script_needs(s);
        }
    }
}
