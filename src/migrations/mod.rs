//! What the migration rules (`deprecated-commands`, `outdated-actions`, `runner-labels`,
//! `archived-actions`) share: their data tables in `rules/migrations/` (embedded at build time,
//! extended from `wffmt.toml`), dates, and how a fix that may change behaviour is proposed.
//!
//! Every fix of a migration rule has an applicability: *safe* when it keeps what the workflow
//! does (or the workflow cannot run at all as it is), *unsafe* with a reason when it may change
//! behaviour. See [`propose`].

pub mod date;
pub mod uses;

pub use date::Date;

use std::fmt::Write as _;

use serde::de::DeserializeOwned;

use crate::edit::{Edit, Fix};
use crate::passes::Output;
use crate::syntax::comment::is_unsafe_to_write;
use crate::syntax::{NodeId, SyntaxTree, TokenKind};

/// Parses an embedded or configured table; the error names the line and column.
pub fn parse_table<T: DeserializeOwned>(origin: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| crate::kb::entry::toml_error(origin, text, &e))
}

/// Proposes `fix`, reported at `at` (a byte offset). `unsafe_reason`: what the fix may change;
/// `None` for a safe fix. The pipeline applies unsafe fixes only with `--unsafe-fixes` and
/// otherwise reports them with the suggested change.
pub fn propose(out: &mut Output, fix: Fix, unsafe_reason: Option<String>, at: usize) {
    out.fixes.push(match unsafe_reason {
        None => fix.at(at),
        Some(reason) => fix.unsafe_because(reason).at(at),
    });
}

/// An edit that replaces a plain or quoted scalar's value with `value`, keeping its quoting.
/// `None` for block scalars, or when `value` could not be written plain, or single-quoted
/// (which has no escapes) when it holds a character that is not safe to write as it is (a line
/// break, a control character; see [`is_unsafe_to_write`]): a double-quoted value gets those
/// as escapes.
pub fn replace_scalar(tree: &SyntaxTree, node: NodeId, value: &str) -> Option<Edit> {
    let tok = tree.content_tokens(node).next()?;
    let text = match tok.kind {
        TokenKind::Plain if is_safe_plain(value) => value.to_string(),
        TokenKind::SingleQuoted if !value.chars().any(is_unsafe_to_write) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        TokenKind::DoubleQuoted => double_quoted(value),
        _ => return None,
    };
    Some(Edit::replace(tok.range(), text))
}

/// `value` as a double-quoted scalar, with escapes for `\`, `"` and every character that is not
/// safe to write as it is.
fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if is_unsafe_to_write(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `value` reads back as the same string when written as a plain scalar in any
/// context (block or flow). Conservative: the values the migrations write (labels, `uses`
/// refs) pass.
fn is_safe_plain(value: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "-_./@+".contains(c);
    !value.is_empty()
        && value.chars().all(ok_char)
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        )
        && value.parse::<f64>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn replacing_scalars_keeps_their_quoting() {
        let src = "a: x\nb: 'x'\nc: \"x\"\nd: |\n  x\n";
        let tree = parse(src);
        let root = tree.first_root().unwrap();
        let get = |k| tree.map_get(root, k).unwrap();
        let edit = |k, v| replace_scalar(&tree, get(k), v).map(|e| e.replacement);
        assert_eq!(edit("a", "ubuntu-24.04").as_deref(), Some("ubuntu-24.04"));
        assert_eq!(edit("b", "it's").as_deref(), Some("'it''s'"));
        assert_eq!(edit("c", "a\"b").as_deref(), Some("\"a\\\"b\""));
        assert_eq!(
            edit("c", "a\u{2028}b\u{1b}").as_deref(),
            Some("\"a\\u2028b\\u001B\"")
        );
        assert_eq!(edit("b", "a\u{2028}b"), None);
        assert_eq!(edit("d", "y"), None);
        assert_eq!(edit("a", "3.10"), None);
        assert_eq!(edit("a", "yes"), None);
        assert_eq!(edit("a", "a: b"), None);
    }
}
