//! Rewriting deprecated commands printed by bash and sh scripts.
//!
//! Rewritten: `echo` (with `-e`/`-E`) and `printf` with a literal format ending in `\n`, when
//! the command prefix is literal text at the start of what is printed, and the command's output
//! reaches the step's output (no pipe or redirection, not inside a loop, a function or a command
//! substitution). Everything else is reported.
//!
//! - A value of literal text (and expansions known to hold one line) keeps the simple form:
//!   `echo "::set-output name=K::V"` -> `echo "K=V" >> "$GITHUB_OUTPUT"` (safe).
//! - Any other value may span lines, which the old command cut at the first line break: the
//!   `K<<DELIMITER` form keeps it whole, as an unsafe fix:
//!   `{ echo "K<<ghadelimiter_…"; echo "$V"; echo "ghadelimiter_…"; } >> "$GITHUB_OUTPUT"`.

use crate::edit::Edit;
use crate::shell::{Command, Construct, Script};

use super::command::{is_single_line, parse_prefix, ValueFacts};
use super::Outcome;

/// One word as the shell prints it, and what it expands.
struct Word {
    printed: String,
    /// Offset in `printed` -> offset in the raw word, for the literal parts.
    raw_of: Vec<usize>,
    facts: ValueFacts,
}

/// Reads a raw word: quotes removed, expansions noted (and left in `printed` as written).
fn read_word(raw: &str, extra_single_line: &[String]) -> Word {
    let mut w = Word {
        printed: String::new(),
        raw_of: Vec::new(),
        facts: ValueFacts::default(),
    };
    let b = raw.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let push = |w: &mut Word, s: &str, at: usize| {
        for k in 0..s.len() {
            w.raw_of.push(at + k);
        }
        w.printed.push_str(s);
    };
    while i < b.len() {
        let c = b[i];
        if raw[i..].starts_with("${{") {
            let end = raw[i + 3..].find("}}").map_or(raw.len(), |e| i + 3 + e + 2);
            let inner = raw[i + 3..end.saturating_sub(2).max(i + 3)]
                .trim()
                .to_string();
            if !is_single_line(&inner, extra_single_line) {
                w.facts.multi_line.push(format!("${{{{ {inner} }}}}"));
            }
            push(&mut w, &raw[i..end], i);
            i = end;
            continue;
        }
        match (quote, c) {
            (Some(b'\''), b'\'') | (Some(b'"'), b'"') => {
                quote = None;
                i += 1;
            }
            (Some(b'\''), _) => {
                let n = next_char(raw, i);
                push(&mut w, &raw[i..n], i);
                i = n;
            }
            (None, b'\'' | b'"') => {
                quote = Some(c);
                i += 1;
            }
            (_, b'\\') => {
                let next = b.get(i + 1).copied();
                let escapes = match quote {
                    None => next.is_some(),
                    _ => matches!(next, Some(b'$' | b'`' | b'"' | b'\\' | b'\n')),
                };
                if escapes {
                    let n = next_char(raw, i + 1);
                    push(&mut w, &raw[i + 1..n], i + 1);
                    i = n;
                } else {
                    push(&mut w, "\\", i);
                    i += 1;
                }
            }
            (_, b'$') | (_, b'`') => {
                let end = expansion_end(raw, i);
                let text = &raw[i..end];
                let var = text
                    .trim_start_matches('$')
                    .trim_start_matches('{')
                    .trim_end_matches('}');
                let plain_var = !var.is_empty()
                    && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && c == b'$';
                if !(plain_var && is_single_line(var, extra_single_line)) {
                    w.facts.multi_line.push(text.to_string());
                }
                push(&mut w, text, i);
                i = end.max(i + 1);
            }
            (None, b'*' | b'?' | b'[') => {
                w.facts.multi_line.push(format!("the glob `{}`", raw));
                push(&mut w, &raw[i..i + 1], i);
                i += 1;
            }
            _ => {
                let n = next_char(raw, i);
                push(&mut w, &raw[i..n], i);
                i = n;
            }
        }
    }
    w.raw_of.push(raw.len());
    w
}

fn next_char(s: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() && !s.is_char_boundary(j) {
        j += 1;
    }
    j.min(s.len())
}

/// The end of a `$NAME`, `${...}`, `$(...)` or backtick expansion starting at `i`.
fn expansion_end(raw: &str, i: usize) -> usize {
    let b = raw.as_bytes();
    if b[i] == b'`' {
        return raw[i + 1..].find('`').map_or(raw.len(), |e| i + 1 + e + 1);
    }
    match b.get(i + 1) {
        Some(b'{') => raw[i..].find('}').map_or(raw.len(), |e| i + e + 1),
        Some(b'(') => {
            let mut depth = 0;
            for (k, ch) in raw[i + 1..].char_indices() {
                match ch {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1 + k + 1;
                        }
                    }
                    _ => {}
                }
            }
            raw.len()
        }
        _ => {
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j == i + 1 && j < b.len() && b"@*#?$!-0123456789".contains(&b[j]) {
                j += 1;
            }
            j
        }
    }
}

/// Analyses the command that prints the occurrence at `at` (script offset).
pub fn analyze(
    script: &str,
    parsed: &Script,
    at: usize,
    is_sh: bool,
    extra_single_line: &[String],
) -> Outcome {
    let inside = |ranges: &[std::ops::Range<usize>]| ranges.iter().any(|r| r.contains(&at));
    if inside(&parsed.comments) {
        return Outcome::Comment;
    }
    if inside(&parsed.heredoc_bodies) {
        return Outcome::report("it is printed from a here-document");
    }
    if inside(&parsed.substitution_spans) {
        return Outcome::report("it is inside a command substitution, whose output is captured");
    }
    let Some(cmd) = parsed.commands.iter().find(|c| c.span.contains(&at)) else {
        return Outcome::report("it is not part of a command wffmt can read");
    };
    if cmd.context.contains(&Construct::Loop) {
        return Outcome::report("it is printed inside a loop (a command built at run time)");
    }
    if cmd.context.contains(&Construct::Function) {
        return Outcome::report(
            "it is printed inside a shell function (a command built at run time)",
        );
    }
    if cmd.output_diverted {
        return Outcome::report("the command's output goes to a pipe or a file");
    }
    let program = cmd.words.first().map(String::as_str).unwrap_or("");
    match program {
        "echo" => echo(script, cmd, at, is_sh, extra_single_line),
        "printf" => printf(script, cmd, at, extra_single_line),
        _ => Outcome::report(&format!(
            "it is printed by `{program}`, not by `echo` or `printf`"
        )),
    }
}

fn echo(script: &str, cmd: &Command, at: usize, is_sh: bool, extra: &[String]) -> Outcome {
    // Options, then the words echo joins with one space.
    let mut first = 1;
    let mut interprets = is_sh;
    while let Some(w) = cmd.words.get(first) {
        if w.len() > 1 && w.starts_with('-') && w[1..].chars().all(|c| "neE".contains(c)) {
            if w.contains('n') {
                return Outcome::report("`echo -n` prints no line break after the command");
            }
            if w.contains('e') {
                interprets = true;
            }
            first += 1;
        } else {
            break;
        }
    }
    let Some(first_span) = cmd.word_spans.get(first) else {
        return Outcome::report("the command is not in the first word `echo` prints");
    };
    if at < first_span.start || at > first_span.start + 1 {
        return Outcome::report("the command is not at the start of what `echo` prints");
    }
    // What echo prints, word by word.
    let words: Vec<Word> = cmd.word_spans[first..]
        .iter()
        .map(|r| read_word(&script[r.clone()], extra))
        .collect();
    let printed: String = words
        .iter()
        .map(|w| w.printed.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    // The prefix can span the first two words when unquoted (`echo ::set-output name=a::b`).
    let prefix = match parse_prefix(&printed) {
        Ok(p) => p,
        Err(why) => return Outcome::report(&why),
    };
    let (prefix_end, facts) = match raw_end_of_prefix(script, cmd, first, &words, prefix.len) {
        Some(end) => end,
        None => return Outcome::report("the command's name is not written as plain text"),
    };
    let raw_prefix = &script[first_span.start..prefix_end];
    if raw_prefix.contains(['$', '`', '\\']) {
        return Outcome::report("the command's name is not written as plain text");
    }
    // The raw prefix starts after an opening quote, if any.
    let prefix_start = at;
    let value = &printed[prefix.len..];
    let mut value_facts = facts;
    value_facts.check_escapes(value);
    if prefix.row.is_path() && value.is_empty() {
        return Outcome::report("`add-path` without a path");
    }
    let backslash = interprets && value.contains('\\');
    // A literal value's `%25` is written as the `%` the old command decoded it to.
    let mut decode = Vec::new();
    if value_facts.multi_line.is_empty() && !value.contains("%0A") && !value.contains("%0D") {
        let end = cmd.word_spans.last().map_or(prefix_end, |r| r.end);
        let mut from = prefix_end;
        while let Some(i) = script[from..end].find("%25") {
            decode.push(Edit::replace(from + i..from + i + 3, "%"));
            from += i + 3;
        }
        if !decode.is_empty() {
            value_facts.escapes = false;
        }
    }
    let mut outcome = build(
        script,
        cmd,
        prefix_start..prefix_end,
        &prefix,
        value_facts,
        backslash,
    );
    if let Outcome::Fix { edits, .. } = &mut outcome {
        edits.extend(decode);
    }
    outcome
}

/// The raw offset just after the prefix's last character (a quote that closes there stays
/// outside), and the facts of what follows it.
fn raw_end_of_prefix(
    script: &str,
    cmd: &Command,
    first: usize,
    words: &[Word],
    prefix_len: usize,
) -> Option<(usize, ValueFacts)> {
    let last = prefix_len.checked_sub(1)?;
    let mut end = None;
    let mut consumed = 0;
    for (k, w) in words.iter().enumerate() {
        let span = &cmd.word_spans[first + k];
        let start = consumed + usize::from(k > 0);
        let word_end = start + w.printed.len();
        if end.is_none() && (start..word_end).contains(&last) {
            end = Some(span.start + *w.raw_of.get(last - start)? + 1);
        }
        if word_end >= prefix_len {
            let raw = *w.raw_of.get(prefix_len - start)?;
            let mut facts = ValueFacts::default();
            // Facts of the rest: this word's expansions after the prefix, and later words'.
            let rest_raw = &script[span.start + raw..span.end];
            let rest = read_word_tail(rest_raw, &w.facts);
            facts.multi_line.extend(rest);
            for later in &words[k + 1..] {
                facts
                    .multi_line
                    .extend(later.facts.multi_line.iter().cloned());
            }
            return Some((end?, facts));
        }
        consumed = word_end;
    }
    None
}

/// The multi-line expansions of a word that appear in its raw tail.
fn read_word_tail(tail: &str, facts: &ValueFacts) -> Vec<String> {
    facts
        .multi_line
        .iter()
        .filter(|e| tail.contains(e.as_str()) || e.starts_with("the glob"))
        .cloned()
        .collect()
}

fn printf(script: &str, cmd: &Command, at: usize, extra: &[String]) -> Outcome {
    let Some(span) = cmd.word_spans.get(1) else {
        return Outcome::report("`printf` without a format");
    };
    let raw = &script[span.clone()];
    let quote = raw.as_bytes().first().copied();
    if !matches!(quote, Some(b'\'' | b'"')) || !raw.ends_with(quote.map(char::from).unwrap_or(' '))
    {
        return Outcome::report("the `printf` format is not one quoted string");
    }
    if at != span.start + 1 {
        return Outcome::report("the command is not at the start of the `printf` format");
    }
    let inner = &raw[1..raw.len() - 1];
    if inner.contains(['$', '`', '"', '\'']) {
        return Outcome::report("the `printf` format is not plain text");
    }
    let Some(body) = inner.strip_suffix("\\n") else {
        return Outcome::report("the `printf` format does not end with `\\n`");
    };
    if body.contains("\\n") || body.contains("\\r") || body.contains("\\c") {
        return Outcome::report("the `printf` format prints more than one line");
    }
    let prefix = match parse_prefix(body) {
        Ok(p) => p,
        Err(why) => return Outcome::report(&why),
    };
    let value = &body[prefix.len..];
    let mut facts = ValueFacts::default();
    let args = &cmd.word_spans[2..];
    if !args.is_empty() || value.contains('%') {
        if value.replace("%%", "").contains('%') || !args.is_empty() {
            facts
                .multi_line
                .push("the arguments `printf` formats".to_string());
        }
        for a in args {
            let w = read_word(&script[a.clone()], extra);
            facts.multi_line.extend(w.facts.multi_line);
        }
    }
    // printf turns `%%` into `%` and `\\` into `\`.
    let printed = value.replace("%%", "%").replace("\\\\", "\\");
    facts.check_escapes(&printed);
    build(script, cmd, at..at + prefix.len, &prefix, facts, false)
}

/// The edits for one command: the simple form, or the delimiter form when the value may span
/// lines.
fn build(
    script: &str,
    cmd: &Command,
    prefix_range: std::ops::Range<usize>,
    prefix: &super::command::Prefix,
    facts: ValueFacts,
    backslash: bool,
) -> Outcome {
    let file = &prefix.row.file;
    let target = format!(" >> \"${file}\"");
    // Quotes that open or close inside the prefix (`echo ::set-output name=k::"a b"`,
    // `echo "::set-output name=k::"`) stay, so that the rest of the word keeps its quoting.
    let quotes: String = script[prefix_range.clone()]
        .chars()
        .filter(|c| matches!(c, '\'' | '"'))
        .collect();
    let mut reasons = Vec::new();
    let multi = !facts.multi_line.is_empty();
    if multi {
        let mut list = facts.multi_line.clone();
        list.dedup();
        reasons.push(format!(
            "the value ({}) may span lines: the old command kept only its first line, the new form keeps all of it",
            list.join(", ")
        ));
    }
    if facts.escapes {
        reasons.push(
            "the value holds `%0A`, `%0D` or `%25`, which the old command decoded and the new form writes as they are"
                .to_string(),
        );
    }
    if backslash {
        reasons.push("`echo` interprets the backslashes of this value".to_string());
    }
    let reason = (!reasons.is_empty()).then(|| reasons.join("; "));
    let edits = if multi && !prefix.row.is_path() {
        let delimiter = delimiter(script, &prefix.key);
        vec![
            Edit::insert(
                cmd.span.start,
                format!("{{ echo \"{}<<{delimiter}\"; ", prefix.key),
            ),
            Edit::replace(prefix_range, quotes),
            Edit::insert(cmd.span.end, format!("; echo \"{delimiter}\"; }}{target}")),
        ]
    } else {
        let replacement = if prefix.row.is_path() {
            quotes
        } else {
            format!("{}={quotes}", prefix.key)
        };
        vec![
            Edit::replace(prefix_range, replacement),
            Edit::insert(cmd.span.end, target),
        ]
    };
    Outcome::Fix {
        edits,
        unsafe_reason: reason,
    }
}

/// A delimiter that does not occur in the script: `ghadelimiter_` and a hash of the script and
/// the name, so that it is the same on every run.
pub fn delimiter(script: &str, key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut seed = 0u64;
    loop {
        for b in script.bytes().chain(key.bytes()).chain(seed.to_le_bytes()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let d = format!("ghadelimiter_{hash:016x}");
        if !script.contains(&d) {
            return d;
        }
        seed += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell;

    fn run(script: &str) -> String {
        let parsed = shell::parse(script);
        let at = super::super::command::occurrences(script)[0].0;
        analyze(script, &parsed, at, false, &[]).describe(script, true)
    }

    #[test]
    fn literal_values_keep_the_simple_form() {
        assert_eq!(
            run("echo \"::set-output name=dir::/tmp/x\""),
            "SAFE echo \"dir=/tmp/x\" >> \"$GITHUB_OUTPUT\""
        );
        assert_eq!(
            run("echo '::save-state name=pid::42'"),
            "SAFE echo 'pid=42' >> \"$GITHUB_STATE\""
        );
        assert_eq!(
            run("echo ::set-env name=MODE::release"),
            "SAFE echo MODE=release >> \"$GITHUB_ENV\""
        );
        assert_eq!(
            run("echo \"::add-path::/opt/tool/bin\""),
            "SAFE echo \"/opt/tool/bin\" >> \"$GITHUB_PATH\""
        );
        assert_eq!(
            run("echo \"::set-output name=sha::${{ github.sha }}\" && ls"),
            "SAFE echo \"sha=${{ github.sha }}\" >> \"$GITHUB_OUTPUT\" && ls"
        );
        // Quotes that open or close inside the command's name stay.
        assert_eq!(
            run("echo ::set-output name=w::\"a b\""),
            "SAFE echo w=\"a b\" >> \"$GITHUB_OUTPUT\""
        );
        assert_eq!(
            run("echo \"::set-output name=e::\""),
            "SAFE echo \"e=\" >> \"$GITHUB_OUTPUT\""
        );
        assert_eq!(
            run("printf '::set-output name=v::1.0\\n'"),
            "SAFE printf 'v=1.0\\n' >> \"$GITHUB_OUTPUT\""
        );
    }

    #[test]
    fn values_that_may_span_lines_get_the_delimiter_form() {
        let out = run("echo \"::set-output name=log::$(git log -1)\"");
        assert!(
            out.starts_with("UNSAFE { echo \"log<<ghadelimiter_"),
            "{out}"
        );
        assert!(
            out.contains("; echo \"$(git log -1)\"; echo \"ghadelimiter_"),
            "{out}"
        );
        assert!(out.contains("\"; } >> \"$GITHUB_OUTPUT\""), "{out}");
        assert_eq!(
            run("echo \"::set-output name=v::100%25\""),
            "SAFE echo \"v=100%\" >> \"$GITHUB_OUTPUT\""
        );
        assert!(run("echo \"::set-output name=v::a%0Ab\"").starts_with("UNSAFE echo \"v=a%0Ab\""));
    }

    #[test]
    fn what_is_only_reported() {
        for (script, why) in [
            (
                "for f in *; do echo \"::set-output name=f::$f\"; done",
                "loop",
            ),
            ("f() { echo \"::set-output name=a::b\"; }", "function"),
            ("echo \"::set-output name=a::b\" | tee x", "pipe"),
            ("echo -n \"::set-output name=a::b\"", "echo -n"),
            ("cat <<EOF\n::set-output name=a::b\nEOF", "here-document"),
            ("X=$(echo \"::set-output name=a::b\")", "substitution"),
            ("echo \"::set-output name=$K::b\"", "plain identifier"),
            (
                "printf \"::set-output name=%s::%s\\n\" a b",
                "plain identifier",
            ),
            ("python -c 'print(\"::set-output name=a::b\")'", "python"),
        ] {
            let out = run(script);
            assert!(
                out.starts_with("REPORT") && out.contains(why),
                "{script}: {out}"
            );
        }
        assert_eq!(run("# echo \"::set-output name=a::b\""), "COMMENT");
    }
}
