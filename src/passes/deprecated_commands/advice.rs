//! What to write instead of a command the rule does not rewrite, in the terms of the step's
//! shell: `>>` in bash, `$env:` in PowerShell, `%VAR%` in cmd, `os.environ` in Python, and a
//! description of the file for any other program.

use super::command::CommandRow;
use super::step_shell::Shell;

/// The help of a finding about `row` in a step run by `shell`.
pub fn help(row: &CommandRow, shell: &Shell) -> String {
    let file = &row.file;
    // What one line of the file holds.
    let line = if row.is_path() { "DIR" } else { "NAME=VALUE" };
    let instead = match shell {
        Shell::Bash | Shell::Sh => format!("write `echo \"{line}\" >> \"${file}\"`"),
        Shell::Pwsh => format!("write `\"{line}\" >> $env:{file}`"),
        Shell::Powershell51 => {
            format!("write `\"{line}\" | Out-File -FilePath $env:{file} -Encoding utf8 -Append`")
        }
        // The redirection first: `echo X=1>>F` would read `1>>` as a redirection of stdout,
        // and a space before `>>` would end up in the value.
        Shell::Other(p) if p == "cmd" => format!("write `>>\"%{file}%\" echo {line}`"),
        Shell::Other(p) if matches!(p.as_str(), "python" | "python3" | "py") => {
            format!("write `with open(os.environ[\"{file}\"], \"a\") as f: f.write(\"{line}\\n\")`")
        }
        Shell::Other(_) | Shell::Unknown(_) => {
            if row.is_path() {
                format!(
                    "append the directory as a line to the file named by the `{file}` \
                     environment variable"
                )
            } else {
                format!(
                    "append a `{line}` line to the file named by the `{file}` environment \
                     variable"
                )
            }
        }
    };
    let multi_line = if row.is_path() {
        ""
    } else {
        " (or `NAME<<DELIMITER` lines for values that span lines)"
    };
    format!("{instead} instead{multi_line}; see {}", row.source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::deprecated_commands::command;

    fn advice(name: &str, shell: Shell) -> String {
        let help = help(command::row(name).unwrap(), &shell);
        help.split("; see ").next().unwrap().to_string()
    }

    #[test]
    fn each_shell_gets_its_own_syntax() {
        assert_eq!(
            advice("set-output", Shell::Bash),
            "write `echo \"NAME=VALUE\" >> \"$GITHUB_OUTPUT\"` instead (or `NAME<<DELIMITER` lines for values that span lines)"
        );
        assert_eq!(
            advice("add-path", Shell::Sh),
            "write `echo \"DIR\" >> \"$GITHUB_PATH\"` instead"
        );
        assert_eq!(
            advice("save-state", Shell::Pwsh),
            "write `\"NAME=VALUE\" >> $env:GITHUB_STATE` instead (or `NAME<<DELIMITER` lines for values that span lines)"
        );
        assert!(advice("set-env", Shell::Powershell51)
            .starts_with("write `\"NAME=VALUE\" | Out-File -FilePath $env:GITHUB_ENV -Encoding utf8 -Append` instead"));
        assert!(advice("set-output", Shell::Other("cmd".into()))
            .starts_with("write `>>\"%GITHUB_OUTPUT%\" echo NAME=VALUE` instead"));
        assert!(advice("set-output", Shell::Other("python".into())).starts_with(
            "write `with open(os.environ[\"GITHUB_OUTPUT\"], \"a\") as f: f.write(\"NAME=VALUE\\n\")` instead"
        ));
        assert!(advice("set-output", Shell::Other("perl".into())).starts_with(
            "append a `NAME=VALUE` line to the file named by the `GITHUB_OUTPUT` environment variable instead"
        ));
        assert_eq!(
            advice("add-path", Shell::Unknown("?".into())),
            "append the directory as a line to the file named by the `GITHUB_PATH` environment variable instead"
        );
    }

    #[test]
    fn code_spans_are_balanced() {
        let shells = [
            Shell::Bash,
            Shell::Sh,
            Shell::Pwsh,
            Shell::Powershell51,
            Shell::Other("cmd".into()),
            Shell::Other("python".into()),
            Shell::Other("node".into()),
            Shell::Unknown("?".into()),
        ];
        for r in &command::table().as_ref().unwrap().command {
            for shell in &shells {
                let help = help(r, shell);
                assert_eq!(help.matches('`').count() % 2, 0, "{help}");
                // No span holds the prose around it.
                for (i, span) in help.split('`').enumerate().filter(|(i, _)| i % 2 == 1) {
                    assert!(!span.contains(" instead"), "span {i} of {help}");
                }
            }
        }
    }
}
