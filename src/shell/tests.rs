//! Tests of the shell reader: words, spans, contexts and odd input.

use super::*;

fn words(src: &str) -> Vec<Vec<String>> {
    parse(src).commands.into_iter().map(|c| c.words).collect()
}

fn w(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn separators_and_quotes() {
    assert_eq!(
        words("echo 'a b' \"c $X\" && gh pr create --fill; ls | wc -l"),
        w(&[
            &["echo", "a b", "c $X"],
            &["gh", "pr", "create", "--fill"],
            &["ls"],
            &["wc", "-l"],
        ])
    );
}

#[test]
fn expressions_stay_whole() {
    assert_eq!(
        words("gh release create ${{ github.ref_name }} --notes \"${{ steps.x.outputs.y }}\""),
        w(&[&[
            "gh",
            "release",
            "create",
            "${{ github.ref_name }}",
            "--notes",
            "${{ steps.x.outputs.y }}"
        ]])
    );
}

#[test]
fn continuation_comments_redirections() {
    assert_eq!(
        words("git push \\\n  origin main # push it\n# all comment\necho hi >/dev/null 2>&1 > out.txt"),
        w(&[&["git", "push", "origin", "main"], &["echo", "hi"]])
    );
    assert_eq!(words("cat a.txt 2> err &> all"), w(&[&["cat", "a.txt"]]));
}

#[test]
fn heredoc_bodies_are_data() {
    let s = "cat <<EOF > notes.md\ngit push\ngh pr merge\nEOF\necho done\ncat <<-'X'\n\tgh release create\n\tX\nls";
    assert_eq!(
        words(s),
        w(&[&["cat"], &["echo", "done"], &["cat"], &["ls"]])
    );
    // Unterminated: the rest is body.
    assert_eq!(words("cat <<EOF\ngit push\n"), w(&[&["cat"]]));
}

#[test]
fn substitutions_are_returned() {
    let p = parse("URL=$(gh pr view 1 --json url -q .url)\nV=`git describe`\nN=$((1 + 2))");
    assert_eq!(
        p.substitutions,
        vec!["gh pr view 1 --json url -q .url", "git describe"]
    );
    assert_eq!(p.commands.len(), 3);
    let p = parse("echo \"$(gh api user | jq -r '.login')\"");
    assert_eq!(p.substitutions, vec!["gh api user | jq -r '.login'"]);
}

#[test]
fn case_and_functions() {
    let s = "case \"$x\" in\n  a|b) gh pr close 1 ;;\n  *) echo no ;;\nesac\nf() {\n  git push\n}\n(cd dir && make)";
    let cmds = words(s);
    assert!(cmds.contains(&vec![
        "gh".to_string(),
        "pr".into(),
        "close".into(),
        "1".into()
    ]));
    assert!(cmds.contains(&vec!["git".to_string(), "push".into()]));
    assert!(cmds.contains(&vec!["make".to_string()]));
    assert!(!cmds.iter().any(|c| c == &vec!["a".to_string()]));
    assert!(!cmds.iter().any(|c| c == &vec!["f".to_string()]));
    let p = parse("f() { :; }\nfunction g {\n  :\n}\nfunction h() { :; }");
    assert_eq!(p.functions, vec!["f", "g", "h"]);
}

#[test]
fn arrays_arithmetic_and_powershell() {
    assert_eq!(
        words("args=(--a \"b c\")\nargs+=(d)\n(( n > 0 )) && echo yes"),
        w(&[&["args=(--a \"b c\")"], &["args+=(d)"], &["echo", "yes"]])
    );
    assert_eq!(
        words("if (( ${A:-0} + 1 > 2 )); then\n  echo big\nfi"),
        w(&[&["if"], &["then"], &["echo", "big"], &["fi"]])
    );
    assert_eq!(
        words("gh release upload $env:TAG `\n  --clobber `\r\n  a.msi\nls"),
        w(&[
            &["gh", "release", "upload", "$env:TAG", "--clobber", "a.msi"],
            &["ls"]
        ])
    );
}

#[test]
fn heredoc_inside_substitution() {
    let p = parse("gh pr create --body \"$(cat <<'EOF'\nYou've got (mail\nEOF\n)\" --fill\nls");
    assert_eq!(p.commands.len(), 2, "{p:?}");
    assert_eq!(p.commands[0].words[0..3], ["gh", "pr", "create"]);
    assert_eq!(p.commands[1].words, ["ls"]);
    assert_eq!(p.substitutions.len(), 1);
}

#[test]
fn never_panics_on_odd_input() {
    for s in [
        "",
        "\\",
        "'",
        "\"",
        "$(",
        "`",
        "${{",
        "<<",
        "<<-",
        ">",
        "2>&",
        "((",
        "))",
        "é$(é",
        "\"\\",
        "a\\\r\nb",
        "$((",
        "f(",
        "<<'",
        "\"$(\"",
        "x ${{ a }} ${{",
    ] {
        let _ = parse(s);
    }
}

fn spans(src: &str) -> Vec<&str> {
    parse(src)
        .commands
        .iter()
        .map(|c| &src[c.span.clone()])
        .collect()
}

#[test]
fn command_and_word_spans_point_into_the_script() {
    let src = "echo \"a b\" >> \"$OUT\" # note\nif [ -f x ]; then cat x | wc -l; fi";
    assert_eq!(
        spans(src),
        [
            "echo \"a b\" >> \"$OUT\"",
            "if [ -f x ]",
            "then cat x",
            "wc -l",
            "fi"
        ]
    );
    let p = parse(src);
    let first = &p.commands[0];
    let raw: Vec<&str> = first.word_spans.iter().map(|r| &src[r.clone()]).collect();
    assert_eq!(raw, ["echo", "\"a b\""]);
    assert_eq!(first.redirects.len(), 1);
    assert_eq!(first.redirects[0].op, ">>");
    assert_eq!(first.redirects[0].target.as_deref(), Some("$OUT"));
    assert_eq!(&src[first.redirects[0].span.clone()], ">> \"$OUT\"");
    assert_eq!(&src[p.comments[0].clone()], "# note");
}

#[test]
fn powershell_continuations_keep_offsets() {
    let src = "Write-Output a `\n  b\nls";
    let p = parse(src);
    assert_eq!(p.commands[0].words, ["Write-Output", "a", "b"]);
    assert_eq!(&src[p.commands[1].span.clone()], "ls");
}

#[test]
fn conditional_expressions_keep_their_operators() {
    assert_eq!(
        words("if [[ \"$A\" == x && \"$B\" == y ]]; then echo ok; fi"),
        w(&[
            &["if", "[[", "$A", "==", "x", "&&", "$B", "==", "y", "]]"],
            &["then", "echo", "ok"],
            &["fi"]
        ])
    );
    assert_eq!(
        words("[[ -n \"$A\" || ( -z $B && $C < 3 ) ]] && gh pr merge"),
        w(&[
            &["[[", "-n", "$A", "||", "(", "-z", "$B", "&&", "$C", "<", "3", ")", "]]"],
            &["gh", "pr", "merge"]
        ])
    );
    // `[[` as an argument is a word like any other.
    assert_eq!(words("echo [[ && ls"), w(&[&["echo", "[["], &["ls"]]));
}

#[test]
fn contexts_of_commands() {
    let src = "for f in *; do\n  echo $f\ndone\nf() {\n  echo in\n}\nwhile read l; do echo $l; done < list\n( echo sub )\n{ echo grp; }\necho top";
    let p = parse(src);
    let ctx = |text: &str| -> Vec<Construct> {
        p.commands
            .iter()
            .find(|c| &src[c.span.clone()] == text)
            .unwrap_or_else(|| panic!("no command {text:?} in {:?}", spans(src)))
            .context
            .clone()
    };
    assert_eq!(ctx("echo $f"), [Construct::Loop]);
    assert_eq!(ctx("echo in"), [Construct::Function]);
    assert_eq!(ctx("do echo $l"), [Construct::Loop]);
    assert_eq!(ctx("echo sub"), [Construct::Subshell]);
    assert_eq!(ctx("{ echo grp"), [Construct::Group]);
    assert_eq!(ctx("echo top"), []);
    assert_eq!(p.functions, ["f"]);
}

#[test]
fn diverted_output() {
    let src = "echo a | tee x\necho b > f\necho c 2>/dev/null\n{ echo d; } > g\nfor i in 1; do echo e; done | cat\n( echo f ) >> h\necho g >&2\necho h 2>&1\necho i";
    let p = parse(src);
    let diverted: Vec<(&str, bool)> = p
        .commands
        .iter()
        .map(|c| (&src[c.span.clone()], c.output_diverted))
        .collect();
    assert_eq!(
        diverted,
        [
            ("echo a", true),
            ("tee x", false),
            ("echo b > f", true),
            ("echo c 2>/dev/null", false),
            ("{ echo d", true),
            ("} > g", true),
            ("for i in 1", true),
            ("do echo e", true),
            ("done", true),
            ("cat", false),
            ("echo f", true),
            ("echo g >&2", true),
            ("echo h 2>&1", false),
            ("echo i", false),
        ]
    );
    let p = parse("echo a\nexec > log 2>&1\necho b");
    assert!(!p.commands[0].output_diverted);
    assert!(p.commands[2].output_diverted);
}

#[test]
fn process_substitutions_and_heredoc_bodies() {
    let src = "while read l; do echo $l; done < <(git tag)\ncat <<EOF\nbody\nEOF\nls";
    let p = parse(src);
    assert_eq!(p.substitutions, ["git tag"]);
    assert_eq!(&src[p.substitution_spans[0].clone()], "git tag");
    assert_eq!(&src[p.heredoc_bodies[0].clone()], "body\n");
    assert_eq!(p.commands.last().unwrap().words, ["ls"]);
    assert!(!p
        .commands
        .iter()
        .any(|c| c.words.first().is_some_and(|w| w == "git")));
}

#[test]
fn builtins_and_environment_setup() {
    assert!(is_plain_builtin("shopt"));
    assert!(!is_plain_builtin("eval"));
    assert!(!is_plain_builtin("gh"));
    assert!(is_plain_builtin(":") && is_plain_builtin("[[") && is_plain_builtin("wait"));
    let v = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert!(prints_env_setup(&v("/opt/homebrew/bin/brew shellenv")));
    assert!(prints_env_setup(&v("ssh-agent -s")));
    assert!(prints_env_setup(&v("conda shell.bash hook")));
    assert!(!prints_env_setup(&v("brew install jq")));
    assert!(!prints_env_setup(&v("curl -s https://example.com/x.sh")));
}

proptest::proptest! {
    /// The compact reading has the words, functions and substitutions of the full one.
    #[test]
    fn compact_reading_has_the_same_words(src in "[a-z \\n;|&<>(){}\\[\\]'\"`$\\\\#=é-]{0,60}") {
        let full = parse(&src);
        let compact = commands(&src);
        let words: Vec<Vec<&str>> = compact.each().map(Iterator::collect).collect();
        let expected: Vec<Vec<&str>> = full
            .commands
            .iter()
            .map(|c| c.words.iter().map(String::as_str).collect())
            .collect();
        proptest::prop_assert_eq!(words, expected);
        proptest::prop_assert_eq!(&compact.functions, &full.functions);
        proptest::prop_assert_eq!(&compact.substitutions, &full.substitutions);
    }

    /// Whatever the input, every span lies inside the script on character boundaries, and
    /// commands come in order.
    #[test]
    fn spans_are_always_valid(src in "[a-z \\n;|&<>(){}\\[\\]'\"`$\\\\#=é-]{0,60}") {
        let p = parse(&src);
        let ok = |r: &std::ops::Range<usize>| {
            r.start <= r.end && r.end <= src.len()
                && src.is_char_boundary(r.start) && src.is_char_boundary(r.end)
        };
        let mut last = 0;
        for c in &p.commands {
            proptest::prop_assert!(ok(&c.span), "{:?}", c);
            proptest::prop_assert!(c.span.start >= last);
            last = c.span.start;
            for r in c.word_spans.iter().chain(c.redirects.iter().map(|r| &r.span)) {
                proptest::prop_assert!(ok(r));
                proptest::prop_assert!(c.span.start <= r.start && r.end <= c.span.end);
            }
        }
        for r in p.substitution_spans.iter().chain(&p.heredoc_bodies).chain(&p.comments) {
            proptest::prop_assert!(ok(r));
        }
    }
}
