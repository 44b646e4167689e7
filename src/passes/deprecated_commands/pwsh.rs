//! Rewriting deprecated commands printed by PowerShell scripts (`pwsh`, `powershell`).
//!
//! Rewritten: a statement alone on its line, `Write-Output`, `Write-Host` or `echo` followed by
//! one string literal that starts with the command. The new statement writes to the file the
//! way GitHub documents: `"K=V" >> $env:GITHUB_OUTPUT` for PowerShell Core, and
//! `"K=V" | Out-File -FilePath $env:GITHUB_OUTPUT -Encoding utf8 -Append` for Windows
//! PowerShell 5.1, whose `>>` writes UTF-16. A value with `$` expansions may span lines: the
//! `K<<DELIMITER` form, as an unsafe fix.

use crate::edit::Edit;

use super::bash::delimiter;
use super::command::{parse_prefix, ValueFacts};
use super::Outcome;

const PRINTERS: [&str; 3] = ["write-output", "write-host", "echo"];

/// Analyses the statement that prints the occurrence at `at` (script offset).
pub fn analyze(script: &str, at: usize, windows_powershell: bool) -> Outcome {
    let line_start = script[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = script[at..].find('\n').map_or(script.len(), |i| at + i);
    let line = script[line_start..line_end].trim_end_matches('\r');
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') {
        return Outcome::Comment;
    }
    let stmt_start = line_start + (line.len() - trimmed.len());
    let stmt = trimmed.trim_end().trim_end_matches(';').trim_end();
    let stmt_end = stmt_start + stmt.len();
    let Some((cmd, rest)) = stmt.split_once([' ', '\t']) else {
        return Outcome::report("it is not printed by a statement wffmt can read");
    };
    if !PRINTERS.contains(&cmd.to_ascii_lowercase().as_str()) {
        return Outcome::report(&format!(
            "it is printed by `{cmd}`, not by `Write-Output`, `Write-Host` or `echo`"
        ));
    }
    let literal = rest.trim_start();
    let lit_start = stmt_end - literal.len();
    let quote = literal.chars().next().unwrap_or(' ');
    if !matches!(quote, '\'' | '"') || literal.len() < 2 || !literal.ends_with(quote) {
        return Outcome::report("the command is not one string literal");
    }
    let inner = &literal[1..literal.len() - 1];
    // One literal: no unescaped quote of the same kind inside.
    let lone_quote = match quote {
        '\'' => inner.replace("''", "").contains('\''),
        _ => inner.replace("`\"", "").replace("\"\"", "").contains('"'),
    };
    if lone_quote {
        return Outcome::report("the command is not one string literal");
    }
    if at != lit_start + 1 {
        return Outcome::report("the command is not at the start of the string");
    }
    let printed = match quote {
        '\'' => inner.replace("''", "'"),
        _ => inner.replace("\"\"", "\""),
    };
    let prefix = match parse_prefix(&printed) {
        Ok(p) => p,
        Err(why) => return Outcome::report(&why),
    };
    if inner.len() < prefix.len || inner[..prefix.len] != printed[..prefix.len] {
        return Outcome::report("the command's name is not written as plain text");
    }
    let value_raw = &inner[prefix.len..];
    let mut facts = ValueFacts::default();
    if quote == '"' && value_raw.contains(['$', '`']) {
        facts
            .multi_line
            .push(format!("the expansions of `{value_raw}`"));
    }
    facts.check_escapes(&printed[prefix.len..]);
    let file = &prefix.row.file;
    let sink = if windows_powershell {
        format!("| Out-File -FilePath $env:{file} -Encoding utf8 -Append")
    } else {
        format!(">> $env:{file}")
    };
    let mut reasons = Vec::new();
    let multi = !facts.multi_line.is_empty();
    if multi {
        reasons.push(format!(
            "the value ({}) may span lines: the old command kept only its first line, the new form keeps all of it",
            facts.multi_line.join(", ")
        ));
    }
    if facts.escapes {
        reasons.push(
            "the value holds `%0A`, `%0D` or `%25`, which the old command decoded and the new form writes as they are"
                .to_string(),
        );
    }
    let new = if multi && !prefix.row.is_path() {
        let d = delimiter(script, &prefix.key);
        format!(
            "\"{}<<{d}\", {quote}{value_raw}{quote}, \"{d}\" {sink}",
            prefix.key
        )
    } else {
        let key = if prefix.row.is_path() {
            String::new()
        } else {
            format!("{}=", prefix.key)
        };
        format!("{quote}{key}{value_raw}{quote} {sink}")
    };
    Outcome::Fix {
        edits: vec![Edit::replace(stmt_start..stmt_end, new)],
        unsafe_reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(script: &str, windows_powershell: bool) -> String {
        let at = super::super::command::occurrences(script)[0].0;
        analyze(script, at, windows_powershell).describe(script, false)
    }

    #[test]
    fn statements() {
        assert_eq!(
            run("  Write-Output \"::set-output name=dir::C:\\tmp\"\n", false),
            "SAFE   \"dir=C:\\tmp\" >> $env:GITHUB_OUTPUT\n"
        );
        assert_eq!(
            run("echo '::add-path::C:\\tools';", false),
            "SAFE 'C:\\tools' >> $env:GITHUB_PATH;"
        );
        assert_eq!(
            run("Write-Host \"::set-env name=A::1\"", true),
            "SAFE \"A=1\" | Out-File -FilePath $env:GITHUB_ENV -Encoding utf8 -Append"
        );
        let out = run("Write-Output \"::set-output name=v::$version\"", false);
        assert!(out.starts_with("UNSAFE \"v<<ghadelimiter_"), "{out}");
        assert!(out.contains("\", \"$version\", \"ghadelimiter_"), "{out}");
        assert!(out.ends_with("\" >> $env:GITHUB_OUTPUT"), "{out}");
        assert!(run("Write-Output \"a\" \"::set-output name=v::1\"", false).starts_with("REPORT"));
        assert!(
            run("Write-Host -NoNewline \"::set-output name=v::1\"", false).starts_with("REPORT")
        );
        assert!(
            run("[Console]::WriteLine(\"::set-output name=v::1\")", false).starts_with("REPORT")
        );
        assert_eq!(
            run("# Write-Output \"::set-output name=v::1\"", false),
            "COMMENT"
        );
    }
}
