//! The deprecated workflow commands: their table, and reading `::name prop=K::` prefixes and
//! the values printed after them.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::migrations::{self, Date};

const BUILTIN: &str = include_str!("../../../rules/migrations/deprecated-commands.toml");
const BUILTIN_NAME: &str = "rules/migrations/deprecated-commands.toml";

/// One deprecated command.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CommandRow {
    pub name: String,
    pub file: String,
    pub deprecated: Date,
    pub disabled: Option<Date>,
    pub source: String,
}

impl CommandRow {
    /// `add-path` takes a path, the others a `name` property and a value.
    pub fn is_path(&self) -> bool {
        self.file == "GITHUB_PATH"
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Table {
    pub single_line: Vec<String>,
    pub command: Vec<CommandRow>,
}

/// `[deprecated-commands]` in `wffmt.toml`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DeprecatedCommandsConfig {
    /// More expressions and variables whose values never span lines (see the data file).
    pub single_line: Vec<String>,
}

pub fn table() -> &'static Result<Table, String> {
    static TABLE: OnceLock<Result<Table, String>> = OnceLock::new();
    TABLE.get_or_init(|| migrations::parse_table(BUILTIN_NAME, BUILTIN))
}

/// The command named `name` (case-insensitive, as the runner reads them).
pub fn row(name: &str) -> Option<&'static CommandRow> {
    table()
        .as_ref()
        .ok()?
        .command
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
}

/// Every place in `script` where a deprecated command starts (`::set-output`...), with its row.
pub fn occurrences(script: &str) -> Vec<(usize, &'static CommandRow)> {
    let mut out = Vec::new();
    let lower = script.to_ascii_lowercase();
    let Ok(table) = table() else {
        return out;
    };
    for c in &table.command {
        let needle = format!("::{}", c.name);
        let mut from = 0;
        while let Some(i) = lower[from..].find(&needle) {
            let at = from + i;
            let after = lower.as_bytes().get(at + needle.len());
            // The name ends at a blank or `::`, or where a quote or a backslash splits the word
            // the shell prints (`echo "::set-output" "name=k::v"`).
            if matches!(
                after,
                None | Some(b' ' | b':' | b'\t' | b'"' | b'\'' | b'\\')
            ) {
                out.push((at, c));
            }
            from = at + needle.len();
        }
    }
    out.sort_by_key(|(at, _)| *at);
    out
}

/// Whether `text` holds `::` followed by a command's name in any case: the start of every
/// occurrence [`occurrences`] finds in a value read from `text` as written.
pub fn mentioned(text: &str) -> bool {
    let Ok(table) = table() else {
        return false;
    };
    let bytes = text.as_bytes();
    let mut next = 0;
    for i in memchr::memmem::find_iter(bytes, b"::") {
        if i < next {
            // Inside a run of colons already looked at.
            continue;
        }
        // In a run of colons only the last two can start a command.
        let mut name_at = i + 2;
        while bytes.get(name_at) == Some(&b':') {
            name_at += 1;
        }
        let rest = &bytes[name_at..];
        let starts = |name: &str| {
            rest.get(..name.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(name.as_bytes()))
        };
        if table.command.iter().any(|c| starts(&c.name)) {
            return true;
        }
        next = name_at;
    }
    false
}

/// A parsed `::name name=K::` (or `::add-path::`) prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Prefix {
    pub row: &'static CommandRow,
    /// The `name` property; empty for `add-path`.
    pub key: String,
    /// Length of the prefix text, `::` to `::` included.
    pub len: usize,
}

/// Reads the prefix at the start of `text` (literal text, as printed). `Err` says why it cannot
/// be rewritten.
pub fn parse_prefix(text: &str) -> Result<Prefix, String> {
    let rest = text
        .strip_prefix("::")
        .ok_or("no `::` where the command starts")?;
    let end = rest
        .find("::")
        .ok_or("the command has no `::` before its value")?;
    let info = &rest[..end];
    let (name, props) = match info.split_once([' ', '\t']) {
        Some((n, p)) => (n, p.trim()),
        None => (info, ""),
    };
    let row = row(name).ok_or_else(|| format!("`{name}` is not a deprecated command"))?;
    let len = 2 + end + 2;
    if row.is_path() {
        if !props.is_empty() {
            return Err("`add-path` with properties".into());
        }
        return Ok(Prefix {
            row,
            key: String::new(),
            len,
        });
    }
    let key = props
        .strip_prefix("name=")
        .ok_or_else(|| format!("`{}` without a plain `name=` property", row.name))?;
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if !valid {
        return Err(format!("the name `{key}` is not a plain identifier"));
    }
    Ok(Prefix {
        row,
        key: key.to_string(),
        len,
    })
}

/// What a printed value may hold, as far as the rewrite is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueFacts {
    /// Expansions whose values are not known to stay on one line (variables, command
    /// substitutions, expressions, globs).
    pub multi_line: Vec<String>,
    /// The printed text holds `%0A`, `%0D` or `%25`, which the old command decoded.
    pub escapes: bool,
}

impl ValueFacts {
    /// Escapes the old command decoded in its value (`%0D`, `%0A`, then `%25`, as the runner).
    pub fn check_escapes(&mut self, printed: &str) {
        if ["%0D", "%0A", "%25"].iter().any(|e| printed.contains(e)) {
            self.escapes = true;
        }
    }
}

/// Whether an expression or variable is known to hold a single line (see the data file).
pub fn is_single_line(name: &str, extra: &[String]) -> bool {
    let name = name.trim();
    let listed = |list: &[String]| list.iter().any(|s| s == name);
    table().as_ref().is_ok_and(|t| listed(&t.single_line)) || listed(extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads() {
        let t = table().as_ref().expect("loads");
        assert_eq!(t.command.len(), 4);
        assert!(t.command.iter().all(|c| c.source.starts_with("https://")));
    }

    #[test]
    fn prefixes() {
        let p = parse_prefix("::set-output name=dir::/tmp").unwrap();
        assert_eq!(
            (p.row.file.as_str(), p.key.as_str(), p.len),
            ("GITHUB_OUTPUT", "dir", 23)
        );
        let p = parse_prefix("::add-path::/opt/bin").unwrap();
        assert_eq!((p.row.file.as_str(), p.len), ("GITHUB_PATH", 12));
        assert_eq!(
            parse_prefix("::SET-ENV name=A::1").unwrap().row.file,
            "GITHUB_ENV"
        );
        assert!(parse_prefix("::set-output name=$K::v").is_err());
        assert!(parse_prefix("::set-output::v").is_err());
        assert!(parse_prefix("::set-output name=a").is_err());
    }

    #[test]
    fn finds_occurrences() {
        let s = "echo ::set-output name=a::1\necho '::ADD-PATH::x'\necho ::set-output-x\necho \"::save-state\" \"name=a::1\"\n";
        let found: Vec<&str> = occurrences(s)
            .iter()
            .map(|(_, c)| c.name.as_str())
            .collect();
        assert_eq!(found, ["set-output", "add-path", "save-state"]);
    }

    #[test]
    fn mentions_cover_occurrences() {
        for (text, mentioned_here) in [
            ("echo ::set-output name=a::1", true),
            ("echo ':::SET-ENV name=a::1'", true),
            ("a:::add-path::x", true),
            ("::save-state", true),
            // Mentioned but no occurrence: the name goes on.
            ("echo ::set-output-x", true),
            ("echo ::error::x; echo ::", false),
            ("a::b::c:::", false),
            ("set-output", false),
            ("", false),
        ] {
            assert_eq!(mentioned(text), mentioned_here, "{text:?}");
            assert!(mentioned(text) || occurrences(text).is_empty(), "{text:?}");
        }
    }
}
