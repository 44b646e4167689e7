//! Needs of one step that uses an action, from its knowledge-base entry.
//!
//! Rules, in order:
//! 0. When a `nothing-when` condition holds for literal values, the step needs nothing (an
//!    expression never counts: what it will be cannot be told).
//! 1. The entry's `needs` apply.
//! 2. Each `when` table applies when its condition holds on the step: a literal value is compared
//!    (trimmed, case-insensitive); an expression (`${{ ... }}`, or a value given as `None`)
//!    takes the conservative branch, i.e. the condition applies and the reason says it was
//!    assumed; a missing input uses the table's `default`, else `equals` fails, `unless` holds
//!    and "is set" fails. `equals`/`unless` values may start or end with `*` (any text there).
//!    A value that is exactly `${{ env.NAME }}` reads `NAME` from the step's environment when it
//!    is a literal there. `events` restricts a table to workflows triggered by those events;
//!    unknown events count as matching.
//! 3. When the token input (or variable) is set to another credential (another secret, a step
//!    output such as an App token, a literal), or the entry pushes with the checkout's
//!    credentials and no checkout left GITHUB_TOKEN, the write scopes that came through the
//!    token are dropped. Read scopes stay (a read scope is never worth a broken job) and so does
//!    `id-token` (requesting an OIDC token is not done with the token). The entry's `unknown`
//!    (e.g. `actions/github-script`: whatever the script calls) is dropped too: what the action
//!    does with another token does not concern GITHUB_TOKEN.
//! 4. An entry with `script-input` reads a literal script in that input (Octokit calls for
//!    `github-script`, commands for `shell`) instead of reporting its `unknown`.
//! 5. One need per scope: the highest level wins; at equal level the first reason is kept.

use super::entry::{ActionEntry, Conditional};
use super::run::{run_needs, GitAuth};
use super::script::github_script_needs;
use super::token::{classify_with, TokenSource};
use super::{Analysis, Level, Need};

/// What the step says that can change an action's needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepContext<'a> {
    /// `with:` inputs: name and value. `Some(text)` is the scalar's text (text containing
    /// `${{` is an expression; its text lets a token input be recognised as another token);
    /// `None` is an expression whose text is not given.
    pub with: &'a [(String, Option<String>)],
    /// Effective environment of the step (workflow, job and step `env:`), names and values.
    pub env: &'a [(String, String)],
    /// Events that trigger the workflow; `None` when unknown (e.g. a reusable workflow).
    pub events: Option<&'a [String]>,
    /// The credentials `git` uses in this job (from its earlier checkouts).
    pub git: GitAuth,
}

/// Needs of one step that uses an action, given its literal `with:` inputs (value `None` = an
/// expression, which takes the conservative branch: the conditional applies).
pub fn action_needs(entry: &ActionEntry, with: &[(String, Option<String>)]) -> Vec<Need> {
    analyze_action(
        entry,
        &StepContext {
            with,
            ..StepContext::default()
        },
    )
    .needs
}

/// Needs of one step that uses an action, plus what cannot be told (e.g. a script input).
pub fn analyze_action(entry: &ActionEntry, ctx: &StepContext<'_>) -> Analysis {
    if entry
        .nothing_when
        .iter()
        .any(|c| matches!(applies(c, ctx), Applies::Yes))
    {
        return Analysis::default();
    }
    let mut collected: Vec<(Need, bool)> = Vec::new();
    for (scope, level) in &entry.needs {
        collected.push((
            Need {
                scope: scope.clone(),
                level: *level,
                reason: entry.reason.clone(),
                source: entry.source.clone(),
            },
            true,
        ));
    }
    for cond in &entry.when {
        let assumed = match applies(cond, ctx) {
            Applies::No => continue,
            Applies::Yes => None,
            Applies::Assumed(why) => Some(why),
        };
        for (scope, level) in &cond.needs {
            let reason = match &assumed {
                Some(why) => format!("{} (assumed: {why})", cond.reason),
                None => cond.reason.clone(),
            };
            collected.push((
                Need {
                    scope: scope.clone(),
                    level: *level,
                    reason,
                    source: entry.source.clone(),
                },
                cond.via_token,
            ));
        }
    }

    // A literal script input is read instead of giving up.
    let mut script_unknown: Option<Vec<String>> = None;
    if let (Some(input), Some(lang)) = (&entry.script_input, &entry.script_language) {
        // Expressions inside a script only fill in values; a script that is one whole
        // expression (`${{ inputs.script }}`) cannot be read.
        let code = ctx
            .with
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(input))
            .and_then(|(_, v)| v.as_deref())
            .filter(|v| !is_whole_expression(v));
        if let Some(code) = code {
            let a = match lang.as_str() {
                "github-script" => github_script_needs(code),
                _ => run_needs(code, ctx.env),
            };
            let via_token = lang == "github-script";
            for n in a.needs {
                collected.push((n, via_token));
            }
            script_unknown = Some(a.unknown);
        }
    }

    let other_token = token_source(entry, ctx) == Some(TokenSource::Other)
        || (entry.checkout_credentials && ctx.git == GitAuth::NotPersisted);
    if other_token {
        collected.retain(|(n, via_token)| {
            !(*via_token && n.level == Level::Write && n.scope != "id-token")
        });
    }

    let mut out = Analysis::default();
    for (need, _) in collected {
        match out.needs.iter_mut().find(|n| n.scope == need.scope) {
            Some(existing) if need.level > existing.level => *existing = need,
            Some(_) => {}
            None => out.needs.push(need),
        }
    }
    // What cannot be told is what the action does with its token: with another token, it is
    // not GITHUB_TOKEN's business.
    match script_unknown {
        Some(list) => {
            if !other_token || entry.script_language.as_deref() == Some("shell") {
                for why in list {
                    out.push_unknown(format!("{}: {why}", entry.uses));
                }
            }
        }
        None => {
            if let Some(why) = entry.unknown.as_ref().filter(|_| !other_token) {
                out.push_unknown(format!("{}: {why}", entry.uses));
            }
        }
    }
    out
}

enum Applies {
    No,
    Yes,
    Assumed(String),
}

enum Value<'a> {
    Absent,
    Expression,
    Literal(&'a str),
}

fn input_value<'a>(ctx: &StepContext<'a>, name: &str) -> Value<'a> {
    match ctx
        .with
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
    {
        None => Value::Absent,
        Some((_, None)) => Value::Expression,
        Some((_, Some(v))) if v.contains("${{") => match env_reference(v) {
            // `${{ env.REGISTRY }}` with a literal `REGISTRY` in the environment.
            Some(var) => match env_value(ctx, var) {
                Value::Literal(l) => Value::Literal(l),
                _ => Value::Expression,
            },
            None => Value::Expression,
        },
        Some((_, Some(v))) => Value::Literal(v.as_str()),
    }
}

/// `text` is a single `${{ ... }}` expression and nothing else.
fn is_whole_expression(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 5
        && t.starts_with("${{")
        && t.ends_with("}}")
        && t[3..].find("}}") == Some(t.len() - 5)
}

/// `NAME` when `text` is exactly one `${{ env.NAME }}` expression.
fn env_reference(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("${{")?.strip_suffix("}}")?.trim();
    let name = inner.strip_prefix("env.")?;
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(name)
        .filter(|n| !n.is_empty())
}

/// Case-insensitive comparison; `*` at either end of the pattern matches any text there.
fn value_matches(pattern: &str, value: &str) -> bool {
    let p = pattern.trim().to_ascii_lowercase();
    let v = value.trim().to_ascii_lowercase();
    match (p.strip_prefix('*'), p.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') && !rest.is_empty() => {
            v.contains(&rest[..rest.len() - 1])
        }
        (Some(rest), _) => v.ends_with(rest),
        (None, Some(rest)) => v.starts_with(rest),
        (None, None) => p == v,
    }
}

fn env_value<'a>(ctx: &StepContext<'a>, name: &str) -> Value<'a> {
    match ctx.env.iter().rev().find(|(k, _)| k == name) {
        None => Value::Absent,
        Some((_, v)) if v.contains("${{") => Value::Expression,
        Some((_, v)) => Value::Literal(v.as_str()),
    }
}

fn applies(cond: &Conditional, ctx: &StepContext<'_>) -> Applies {
    if let (Some(wanted), Some(events)) = (&cond.events, ctx.events) {
        if !events
            .iter()
            .any(|e| wanted.iter().any(|w| w.eq_ignore_ascii_case(e)))
        {
            return Applies::No;
        }
    }
    let value = match (&cond.input, &cond.env) {
        (Some(i), _) => input_value(ctx, i),
        (None, Some(e)) => env_value(ctx, e),
        (None, None) => return Applies::Yes,
    };
    let test = |v: &str| -> bool {
        let v = v.trim();
        let eq = |list: &Vec<String>| list.iter().any(|x| value_matches(x, v));
        match (&cond.equals, &cond.unless) {
            (Some(list), _) => eq(list),
            (None, Some(list)) => !eq(list),
            (None, None) => !v.is_empty(),
        }
    };
    let holds = match value {
        Value::Expression => {
            let name = match (&cond.input, &cond.env) {
                (Some(i), _) => format!("input `{i}`"),
                (None, e) => format!("`{}`", e.as_deref().unwrap_or_default()),
            };
            return Applies::Assumed(format!("{name} is an expression"));
        }
        Value::Literal(v) => test(v),
        Value::Absent => match &cond.default {
            Some(d) => test(d),
            None => cond.equals.is_none() && cond.unless.is_some(),
        },
    };
    if holds {
        Applies::Yes
    } else {
        Applies::No
    }
}

/// Where the action's token comes from, when the entry says which input or variable carries it
/// and the step sets it. `None`: the default (GITHUB_TOKEN) or not set.
fn token_source(entry: &ActionEntry, ctx: &StepContext<'_>) -> Option<TokenSource> {
    let lookup = |name: &str| {
        ctx.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut result: Option<TokenSource> = None;
    if let Some(input) = &entry.token_input {
        if let Some((_, v)) = ctx
            .with
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(input))
        {
            result = match v {
                None => Some(TokenSource::Unknown),
                Some(text) => classify_with(text, &lookup, 0),
            };
        }
    }
    if result.is_none() {
        if let Some(var) = &entry.token_env {
            if let Some(v) = lookup(var) {
                result = classify_with(v, &lookup, 0);
            }
        }
    }
    result
}
