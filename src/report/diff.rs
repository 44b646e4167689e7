//! Unified diffs that `git apply` and `patch -p1` accept, and their colouring.
//!
//! The diff is built here from `similar`'s line operations rather than with its ready-made
//! formatter, because what matters is that applying the diff reproduces the fixed file *byte for
//! byte*, and that needs control over three details:
//! - **Lines end at `\n` only.** A `\r` before it stays part of the line, so CRLF files diff and
//!   patch as CRLF files; a lone `\r` is just a character. (Splitting at `\r` as well would emit
//!   lines that patch tools cannot parse.)
//! - **A last line without a newline** is followed by `\ No newline at end of file`, on the old
//!   side, the new side or both, exactly as GNU diff does.
//! - **Empty sides** get GNU's hunk ranges (`@@ -0,0 +1,2 @@`). The headers are `--- a/PATH` and
//!   `+++ b/PATH` even then, never `/dev/null`: the file exists before and after (it is edited in
//!   place, not created or deleted).
//!
//! A path with a control character, `"` or `\` is written C-quoted (`"a/x\ty.yml"`), as git
//! writes it; git and GNU patch both read that form. A path with a space is followed by a tab,
//! again as git does it, because GNU patch otherwise takes the name to end at the space.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use owo_colors::OwoColorize;
use similar::DiffOp;

use super::line_diff::line_ops;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// Past this, the diff algorithm settles for a correct but possibly longer diff.
const DEADLINE: Duration = Duration::from_millis(100);

/// A unified diff from `old` to `new` for the file shown as `path` (see the module docs).
/// Empty when the texts are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    // The algorithm compares and hashes lines many times: it runs on one number per distinct
    // line instead (equal numbers = equal lines, so the diff is the same).
    let (old_ids, new_ids, distinct) = line_ids(&old_lines, &new_lines);
    // Patience anchors on lines that occur once on each side; the sections between anchors
    // use Myers unless they share no line (see `line_diff`).
    let ops = line_ops(
        &old_ids,
        &new_ids,
        distinct,
        Instant::now().checked_add(DEADLINE),
    );

    // Like git, end a name holding a space with a tab: GNU patch otherwise stops at the space.
    let tab = if path.contains(' ') { "\t" } else { "" };
    let mut out = String::with_capacity(old.len().max(new.len()) / 2 + 64);
    out.push_str(&format!("--- {}{tab}\n", quote_path(&format!("a/{path}"))));
    out.push_str(&format!("+++ {}{tab}\n", quote_path(&format!("b/{path}"))));

    for group in similar::group_diff_ops(ops, CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        if group.iter().all(|op| matches!(op, DiffOp::Equal { .. })) {
            continue;
        }
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            hunk_range(old_range.start, old_range.len()),
            hunk_range(new_range.start, new_range.len())
        ));
        for op in &group {
            let (_, old_r, new_r) = op.as_tag_tuple();
            match op {
                DiffOp::Equal { .. } => push_lines(&mut out, ' ', &old_lines[old_r]),
                DiffOp::Delete { .. } => push_lines(&mut out, '-', &old_lines[old_r]),
                DiffOp::Insert { .. } => push_lines(&mut out, '+', &new_lines[new_r]),
                DiffOp::Replace { .. } => {
                    push_lines(&mut out, '-', &old_lines[old_r]);
                    push_lines(&mut out, '+', &new_lines[new_r]);
                }
            }
        }
    }
    out
}

/// Numbers the distinct lines of both sides; the third value is how many there are.
fn line_ids<'a>(old: &[&'a str], new: &[&'a str]) -> (Vec<u32>, Vec<u32>, usize) {
    let mut ids: foldhash::HashMap<&'a str, u32> = foldhash::HashMap::default();
    ids.reserve(old.len());
    let mut number = |line: &'a str| -> u32 {
        let next = ids.len() as u32;
        *ids.entry(line).or_insert(next)
    };
    let old_ids = old.iter().map(|l| number(l)).collect();
    let new_ids = new.iter().map(|l| number(l)).collect();
    (old_ids, new_ids, ids.len())
}

/// Lines including their `\n` (the last one may lack it). `""` has no lines.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::with_capacity(text.len() / 32 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[start..=end]);
        start = end + 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// GNU's range format: `start,len`, `start` alone when `len` is 1, and for an empty range the
/// line *before* it (0 at the top of the file).
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{}", start + 1, len),
    }
}

fn push_lines(out: &mut String, prefix: char, lines: &[&str]) {
    for line in lines {
        out.push(prefix);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// Git's quoting of a path in a diff header: unchanged unless it holds a control character, `"`
/// or `\`, else wrapped in `"` with C escapes (octal for other control bytes).
fn quote_path(path: &str) -> String {
    if !path
        .chars()
        .any(|c| c.is_control() || c == '"' || c == '\\')
    {
        return path.to_string();
    }
    let mut out = String::with_capacity(path.len() + 2);
    out.push('"');
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{byte:03o}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A diff as printed on standard output: coloured when asked, ending in a newline; nothing for
/// an empty diff.
pub fn printable_diff(diff: &str, color: bool) -> Cow<'_, str> {
    if diff.is_empty() {
        return Cow::Borrowed("");
    }
    let mut out = if color {
        Cow::Owned(colorize_diff(diff))
    } else {
        Cow::Borrowed(diff)
    };
    if !diff.ends_with('\n') {
        out.to_mut().push('\n');
    }
    out
}

/// Colours a diff made by [`unified_diff`] for a terminal: file headers bold, removed lines red,
/// added lines green, hunk headers cyan. A `\r` at the end of a line is kept after the colour
/// reset so the terminal does not carry the colour over.
pub fn colorize_diff(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() * 2);
    for line in diff.split_inclusive('\n') {
        let (body, ending) = split_ending(line);
        if body.starts_with("--- ") || body.starts_with("+++ ") {
            out.push_str(&body.bold().to_string());
        } else if body.starts_with("@@") {
            out.push_str(&body.cyan().to_string());
        } else if body.starts_with('-') {
            out.push_str(&body.red().to_string());
        } else if body.starts_with('+') {
            out.push_str(&body.green().to_string());
        } else if body.starts_with('\\') {
            out.push_str(&body.dimmed().to_string());
        } else {
            out.push_str(body);
        }
        out.push_str(ending);
    }
    out
}

fn split_ending(line: &str) -> (&str, &str) {
    let trimmed = line.trim_end_matches(['\n', '\r']);
    (trimmed, &line[trimmed.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn have(tool: &str) -> bool {
        Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// Writes `old` at `path` in a fresh directory, applies `diff` with `cmd`, returns the file.
    fn apply(cmd: &[&str], path: &str, old: &str, diff: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, old).unwrap();
        let patch = dir.path().join("fix.patch");
        std::fs::write(&patch, diff).unwrap();
        let out = Command::new(cmd[0])
            .args(&cmd[1..])
            .arg(&patch)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}\n{}\n--- diff:\n{diff}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&file).unwrap()
    }

    const GIT: &[&str] = &["git", "apply", "--whitespace=nowarn"];
    const PATCH: &[&str] = &["patch", "-p1", "--quiet", "--batch", "-i"];

    fn check(old: &str, new: &str) {
        check_at(".github/workflows/ci.yml", old, new);
    }

    fn check_at(path: &str, old: &str, new: &str) {
        let diff = unified_diff(path, old, new);
        assert_eq!(diff.is_empty(), old == new);
        if old == new {
            return;
        }
        if have("git") {
            assert_eq!(
                String::from_utf8_lossy(&apply(GIT, path, old, &diff)),
                new,
                "git apply\n{diff}"
            );
        }
        if have("patch") {
            assert_eq!(
                String::from_utf8_lossy(&apply(PATCH, path, old, &diff)),
                new,
                "patch -p1\n{diff}"
            );
        }
    }

    fn numbered(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn lines_are_split_as_split_inclusive_splits_them() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "\n\nx\n\n",
            "é\nü",
        ] {
            let expected: Vec<&str> = text.split_inclusive('\n').collect();
            assert_eq!(split_lines(text), expected, "{text:?}");
        }
    }

    #[test]
    fn equal_texts_give_an_empty_diff() {
        assert_eq!(unified_diff("x", "a\n", "a\n"), "");
        assert_eq!(unified_diff("x", "", ""), "");
    }

    #[test]
    fn format_of_a_middle_change() {
        let old = numbered(10);
        let new = old.replace("line 5\n", "line five\n");
        assert_eq!(
            unified_diff("w.yml", &old, &new),
            "--- a/w.yml\n+++ b/w.yml\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n"
        );
    }

    #[test]
    fn applies_change_in_the_middle_start_and_end() {
        let old = numbered(20);
        check(&old, &old.replace("line 10\n", "line ten\nextra\n"));
        check(&old, &old.replace("line 1\n", ""));
        check(&old, &format!("first\n{old}"));
        check(&old, &old.replace("line 20\n", "last\n"));
        check(&old, &format!("{old}appended\n"));
        // Two hunks, and hunks whose context touches.
        check(
            &old,
            &old.replace("line 2\n", "two\n").replace("line 18\n", "x\n"),
        );
        check(
            &old,
            &old.replace("line 5\n", "five\n").replace("line 11\n", ""),
        );
    }

    #[test]
    fn applies_missing_final_newline_before_and_after() {
        let with = numbered(6);
        let without = with.trim_end_matches('\n').to_string();
        check(&with, &without);
        check(&without, &with);
        check(&without, &without.replace("line 6", "six"));
        check(&without, &without.replace("line 1", "one"));
        check("a", "b");
        check("a", "a\n");
        let diff = unified_diff("f", "a\nb", "a\nc");
        assert_eq!(
            diff,
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn applies_crlf_lines() {
        let old = "on: push\r\njobs:\r\n  a:\r\n    runs-on: x\r\n";
        check(old, &old.replace("runs-on: x", "runs-on: y"));
        check(old, &old.replace("\r\n", "\n"));
        check(&old.replace("\r\n", "\n"), old);
        check(old, old.trim_end_matches("\r\n"));
        check("a\r\nb\rc\r\n", "a\r\nb\rd\r\n");
        let diff = unified_diff("f", "a\r\n", "b\r\n");
        assert_eq!(diff, "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\r\n+b\r\n");
    }

    #[test]
    fn applies_empty_to_content_and_back() {
        check("", "on: push\njobs: {}\n");
        check("on: push\njobs: {}\n", "");
        check("", "no newline");
        check("no newline", "");
        assert_eq!(
            unified_diff("f", "", "a\n"),
            "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+a\n"
        );
    }

    #[test]
    fn applies_with_unusual_paths() {
        let old = numbered(3);
        let new = old.replace("line 2", "two");
        check_at("dir with space/action.yml", &old, &new);
        check_at("é/ü.yml", &old, &new);
        assert_eq!(quote_path("a/x\"y\\z\t"), "\"a/x\\\"y\\\\z\\t\"");
        assert_eq!(quote_path("a/\u{1}"), "\"a/\\001\"");
        if have("git") {
            let path = "q\"uote.yml";
            let diff = unified_diff(path, &old, &new);
            assert!(diff.starts_with("--- \"a/q\\\"uote.yml\"\n"));
            assert_eq!(String::from_utf8_lossy(&apply(GIT, path, &old, &diff)), new);
        }
    }

    #[test]
    fn applies_many_random_edits() {
        // A small deterministic generator: no dependency, reproducible failures.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let pieces = ["a\n", "b\n", "c\r\n", "  - run: x\n", "\n", "z"];
        let gen = |next: &mut dyn FnMut(u64) -> u64| -> String {
            let len = next(12);
            let mut text = String::new();
            for _ in 0..len {
                let piece = pieces[next(pieces.len() as u64) as usize];
                text.push_str(piece.trim_end_matches('z'));
                if piece == "z" {
                    text.push_str("tail");
                }
            }
            text
        };
        if !have("git") {
            return;
        }
        // Batch the cases into one repository-less directory per case (git apply is fast).
        for _ in 0..40 {
            let old = gen(&mut next);
            let new = gen(&mut next);
            check(&old, &new);
        }
    }

    #[test]
    fn colours() {
        let diff = unified_diff("f", "a\r\nb\n", "a\r\nc\n");
        let coloured = colorize_diff(&diff);
        assert!(coloured.contains("\u{1b}[31m-b\u{1b}[39m\n"));
        assert!(coloured.contains("\u{1b}[32m+c\u{1b}[39m\n"));
        assert!(coloured.contains("\u{1b}[36m@@ -1,2 +1,2 @@\u{1b}[39m\n"));
        assert!(coloured.contains("\u{1b}[1m--- a/f\u{1b}[0m\n"));
        assert!(coloured.contains(" a\r\n"));
        assert_eq!(colorize_diff(""), "");
    }
}
