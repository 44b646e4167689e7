//! GraphQL documents sent with GITHUB_TOKEN (`gh api graphql -f query=…`,
//! `github.graphql(…)` in `actions/github-script`): the scopes their fields and mutations need.
//!
//! GitHub checks GraphQL like REST: each object a query reads needs the read permission of its
//! kind (a pull request: `pull-requests: read`, a commit: `contents: read`…), each mutation the
//! write permission of what it changes. The table in `rules/permissions/run-commands.toml`
//! (`[[graphql]]`) says which object fields, mutations and inline-fragment types need what;
//! `graphql-no-scope` lists object fields that need nothing of their own (`repository`,
//! `nodes`, `author`…). Scalar fields (no selection set) need nothing. An object field,
//! mutation or fragment type the table does not know makes the document unknown: the rule
//! never guesses a scope. Only the selection of a mutation's result is not read (reading the
//! result of a change needs no more than the change).

use super::run::{CommandTable, GraphqlRule};
use super::{Analysis, Need};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    Name(&'a str),
    Punct(char),
    Spread,
}

/// Tokens of a GraphQL document; strings, comments and numbers are dropped.
fn tokens(src: &str) -> Vec<Tok<'_>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                if src[i..].starts_with("\"\"\"") {
                    i = src[i + 3..]
                        .find("\"\"\"")
                        .map_or(b.len(), |j| i + 3 + j + 3);
                } else {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if src[i..].starts_with("...") => {
                out.push(Tok::Spread);
                i += 3;
            }
            b'{' | b'}' | b'(' | b')' | b':' | b'@' | b'$' | b'=' | b'[' | b']' | b'!' => {
                out.push(Tok::Punct(c as char));
                i += 1;
            }
            _ if c == b'_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                out.push(Tok::Name(&src[start..i]));
            }
            _ => i += 1,
        }
    }
    out
}

/// The index after a balanced `(...)` starting at `i` (or `i` when there is none).
fn skip_parens(toks: &[Tok], mut i: usize) -> usize {
    if toks.get(i) != Some(&Tok::Punct('(')) {
        return i;
    }
    let mut depth = 0;
    while i < toks.len() {
        match toks[i] {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The index after directives (`@include(if: $x)`) starting at `i`.
fn skip_directives(toks: &[Tok], mut i: usize) -> usize {
    while toks.get(i) == Some(&Tok::Punct('@')) {
        i = skip_parens(toks, i + 2);
    }
    i
}

/// Needs of one GraphQL document (a query or a mutation, with its fragments).
pub fn graphql_needs(document: &str) -> Analysis {
    let table = CommandTable::builtin().graphql();
    let toks = tokens(document);
    let mut out = Analysis::default();
    let apply = |kind: &str, name: &str, rule: Option<&GraphqlRule>, out: &mut Analysis| match rule
    {
        Some(r) => {
            if let Some(why) = &r.unknown {
                out.push_unknown(format!("GraphQL {kind} `{name}`: {why}"));
            }
            for (scope, level) in &r.needs {
                out.push(Need {
                    scope: scope.clone(),
                    level: *level,
                    reason: format!("{} (GraphQL `{name}`)", r.reason),
                    source: r.source.clone(),
                });
            }
        }
        None => out.push_unknown(format!(
            "GraphQL {kind} `{name}` is not in wffmt's table; its scopes cannot be told"
        )),
    };
    let mut i = 0;
    while i < toks.len() {
        // One definition: `query|mutation|subscription [Name] [(vars)] {…}`, `{…}` or
        // `fragment Name on Type {…}`.
        let mut mutation = false;
        match toks[i] {
            Tok::Name("mutation") => mutation = true,
            Tok::Name("subscription") => {
                out.push_unknown("a GraphQL subscription".into());
                return out;
            }
            Tok::Name("fragment") => {
                if let Some(Tok::Name(ty)) = toks.get(i + 3) {
                    apply("type", ty, table.types.get(*ty), &mut out);
                }
            }
            _ => {}
        }
        while i < toks.len() && toks[i] != Tok::Punct('{') {
            i += 1;
        }
        // The selection set of the definition.
        let mut depth = 0usize;
        while i < toks.len() {
            match toks[i] {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                Tok::Spread => {
                    // `... on Type {`, or a fragment spread `...Name` (read where defined).
                    if let (Some(Tok::Name("on")), Some(Tok::Name(ty))) =
                        (toks.get(i + 1), toks.get(i + 2))
                    {
                        if !mutation || depth == 1 {
                            apply("type", ty, table.types.get(*ty), &mut out);
                        }
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                Tok::Name(name) => {
                    // `alias: field`
                    let (name, at) = match (toks.get(i + 1), toks.get(i + 2)) {
                        (Some(Tok::Punct(':')), Some(Tok::Name(field))) => (*field, i + 2),
                        _ => (name, i),
                    };
                    let after = skip_directives(&toks, skip_parens(&toks, at + 1));
                    let object = toks.get(after) == Some(&Tok::Punct('{'));
                    if mutation {
                        if depth == 1 {
                            apply("mutation", name, table.mutations.get(name), &mut out);
                        }
                    } else if object && !table.no_scope.contains(name) {
                        apply("field", name, table.fields.get(name), &mut out);
                    }
                    i = after;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::Level;

    fn render(doc: &str) -> String {
        let a = graphql_needs(doc);
        let mut s: Vec<String> = a.scopes().iter().map(|(k, v)| format!("{k}:{v}")).collect();
        if !a.unknown.is_empty() {
            s.push("?".into());
        }
        s.join(" ")
    }

    #[test]
    fn queries() {
        let q = r#"query($number: Int!) {
          repository(owner: "o", name: "r") {
            pullRequest(number: $number) { headRepositoryOwner { login } isDraft state }
          }
        }"#;
        assert_eq!(render(q), "pull-requests:read");
        assert_eq!(
            render("{ repository(owner:\"o\", name:\"r\") { issue(number: 1) { title labels(first: 5) { nodes { name } } } } }"),
            "issues:read"
        );
        assert_eq!(
            render("query { repository(owner:\"o\",name:\"r\") { pullRequest(number:1) { commits(last:1) { nodes { commit { statusCheckRollup { state } } } } } } }"),
            "checks:read contents:read pull-requests:read statuses:read"
        );
        assert_eq!(render("{ viewer { login } rateLimit { remaining } }"), "");
        // An alias, a comment, a string with braces.
        assert_eq!(
            render("# { issue { x } }\n{ pr: repository(name: \"{x}\") { p: pullRequest(number: 1) { title } } }"),
            "pull-requests:read"
        );
        // Unknown object fields are not guessed.
        assert_eq!(render("{ repository { somethingNew { id } } }"), "?");
        // Projects are out of GITHUB_TOKEN's reach.
        assert_eq!(
            render("{ organization(login: \"o\") { projectV2(number: 1) { id } } }"),
            "?"
        );
    }

    #[test]
    fn mutations_and_fragments() {
        let m = "mutation($id: ID!) { addComment(input: {subjectId: $id, body: \"x\"}) { commentEdge { node { id } } } }";
        assert_eq!(render(m), "issues:write pull-requests:write");
        assert_eq!(
            render("mutation { enablePullRequestAutoMerge(input: {pullRequestId: \"x\"}) { clientMutationId } }"),
            "contents:write pull-requests:write"
        );
        assert_eq!(
            render("mutation { createDiscussion(input: {}) { discussion { id } } }"),
            "discussions:write"
        );
        assert_eq!(render("mutation { somethingNew(input: {}) { id } }"), "?");
        assert_eq!(
            render("query($id: ID!) { node(id: $id) { ... on Discussion { title } } }"),
            "discussions:read"
        );
        assert_eq!(render("subscription { x }"), "?");
        let a = graphql_needs("mutation { addLabelsToLabelable(input: {}) { clientMutationId } }");
        assert!(a
            .needs
            .iter()
            .all(|n| n.level == Level::Write && n.reason.contains("addLabelsToLabelable")));
    }

    #[test]
    fn never_panics() {
        for doc in [
            "",
            "{",
            "}",
            "...",
            "query (",
            "mutation {",
            "fragment x on",
            "\"\"\"",
            "{ a(b: \"",
            "@",
        ] {
            let _ = graphql_needs(doc);
        }
    }
}
