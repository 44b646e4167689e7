//! The safety net: proof that a rewritten document means the same as the original, except
//! where a rule declared it may change something.
//!
//! Why: wffmt edits text, never re-serialises, so a bug in an edit (a block scalar re-indented
//! by one column too many, a quote added around `3.10`, a key inserted into the wrong mapping)
//! would silently change what GitHub runs. Like Black's `--safe`, every rewrite is re-parsed by
//! an independent YAML parser (yaml-rust2) and its data compared with the original's; any
//! difference that the rule did not declare means the file is not written.
//!
//! What "the same" means:
//! - Both texts are read as events (not loaded values, which would merge duplicate keys and drop
//!   tags); see module `stream`.
//! - Mappings are ordered lists of pairs (duplicates kept, order significant); sequences are
//!   ordered; collections carry their tag and anchor; aliases must point at the corresponding
//!   anchor. Comments and layout are invisible here (the CST-side checks compare comments).
//! - A scalar's style is invisible, its meaning is not: quoted and block scalars are strings,
//!   plain ones are resolved under YAML 1.2 core (GitHub) *and* YAML 1.1 (yamllint, PyYAML) and
//!   must agree under both, so `'x'` == `"x"` == `x`, `3.10` == `3.1`, but `3.10` != `"3.10"`
//!   and `yes` != `'yes'`. One exception, explained at its code: the root key `on` may be quoted.
//!   See module `schema`.
//! - A rule's [`RoutePattern`]s name routes where anything may differ: the value, or the key
//!   being there at all. Everything around them must still match, in order. See module `compare`.
//! - Multi-document streams are compared document by document.
//!
//! If yaml-rust2 rejects the *original*, no semantic comparison is possible and the caller falls
//! back to a token comparison ([`Outcome::OriginalRejected`]). yaml-rust2 is stricter than
//! the YAML spec in places (a tab after `key:`, flow collections nested deeper than 255), so
//! this can happen on files GitHub accepts. If it rejects only the *rewrite*, the rewrite broke
//! the file.
//!
//! Cost: one event parse per text plus a linear walk that only resolves scalars whose texts
//! differ; no recursion anywhere, so 10,000-deep inputs are fine on a small thread stack.

mod compare;
mod divergence;
mod pattern;
mod schema;
mod stream;

use std::fmt;

pub use pattern::RoutePattern;

/// The result of a comparison that found no difference (or could not run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Same meaning (outside the allowed routes).
    Equivalent,
    /// yaml-rust2 rejects the original, so no semantic comparison was possible (the caller falls
    /// back to a token comparison). Carries yaml-rust2's message with line/column.
    OriginalRejected(String),
}

/// The first difference found, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Where, e.g. `jobs.build.steps[2].with.path` (`(root)` for a document itself). Keys with
    /// special characters are quoted as in [`RoutePattern`] syntax.
    pub route: String,
    /// What was and what is, e.g. `value was "foo" (str), now 3 (int)`.
    pub detail: String,
    /// Byte offset in the original text of the node that differs (0 when the difference is not
    /// at one node, such as a different number of documents).
    pub offset: usize,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.route, self.detail)
    }
}

impl std::error::Error for Mismatch {}

/// Compare the data of two YAML texts. A leading BOM is ignored.
pub fn compare(
    original: &str,
    rewritten: &str,
    allowed: &[RoutePattern],
) -> Result<Outcome, Mismatch> {
    compare_reading(original, None, rewritten, allowed).0
}

/// A text as yaml-rust2 read it. A caller that rewrites a text several times in a row keeps
/// the reading of each rewrite, so that the comparison with the next rewrite reads only the
/// new text.
pub struct Reading(stream::Stream);

/// [`compare`], where `known` is the [`Reading`] of `original` if the caller has it (it must be
/// the reading of exactly that text). Also returns the reading of `rewritten` when the texts
/// are equivalent, for the next comparison.
pub fn compare_reading(
    original: &str,
    known: Option<Reading>,
    rewritten: &str,
    allowed: &[RoutePattern],
) -> (Result<Outcome, Mismatch>, Option<Reading>) {
    let bom = original.len() - strip_bom(original).len();
    let original_text = strip_bom(original);
    let rewritten_text = strip_bom(rewritten);
    let original = match known {
        Some(Reading(stream)) => stream,
        None => match stream::read(original_text) {
            Ok(s) => s,
            Err(rejection) => return (Ok(Outcome::OriginalRejected(rejection.message)), None),
        },
    };
    let rewritten = match stream::read(rewritten_text) {
        Ok(s) => s,
        Err(rejection) => {
            let route = if rejection.route.is_empty() {
                compare::ROOT.to_string()
            } else {
                rejection.route
            };
            let place = if rejection.document > 0 {
                format!(" (document {})", rejection.document + 1)
            } else {
                String::new()
            };
            let mismatch = Mismatch {
                offset: 0,
                route,
                detail: format!(
                    "yaml-rust2 rejects the rewritten text{place}: {}",
                    rejection.message
                ),
            };
            return (Err(mismatch), None);
        }
    };
    match compare::streams(
        original.with(original_text),
        rewritten.with(rewritten_text),
        allowed,
    ) {
        Ok(()) => (Ok(Outcome::Equivalent), Some(Reading(rewritten))),
        Err(d) => {
            let mismatch = Mismatch {
                offset: d
                    .node
                    .and_then(|n| original.with(original_text).node(n))
                    .map_or(0, |n| byte_offset(original_text, n.offset) + bom),
                route: d.route,
                detail: d.detail,
            };
            (Err(mismatch), None)
        }
    }
}

/// The canonical event dump of a text, one line per node (`+MAP`, `=VAL int/int "3"`, `-MAP`,
/// anchors renumbered in order): what [`compare`] compares, for debugging and for showing two
/// texts' data side by side. `Err` carries yaml-rust2's message if it rejects the text.
pub fn canonical_events(text: &str) -> Result<String, String> {
    stream::read(strip_bom(text))
        .map(|s| s.with(strip_bom(text)).dump())
        .map_err(|r| r.message)
}

/// The byte offset of character `index` of `text`: yaml-rust2's markers count characters.
fn byte_offset(text: &str, index: usize) -> usize {
    text.char_indices()
        .nth(index)
        .map_or(text.len(), |(at, _)| at)
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(list: &[&str]) -> Vec<RoutePattern> {
        list.iter()
            .map(|p| RoutePattern::parse(p).unwrap())
            .collect()
    }

    /// A chain of rewrites compared with the reading handed on from one comparison to the
    /// next gives the answers of comparisons that read both texts, mismatch offsets included.
    #[test]
    fn a_kept_reading_gives_the_same_answers() {
        let texts = [
            "\u{feff}on: push\njobs:\n  a: {runs-on: x}\n",
            "on: push\njobs:\n  a:\n    runs-on: x\n",
            "on: push\njobs:\n  a:\n    runs-on: 'x'\n",
            "on: push\njobs:\n  a:\n    runs-on: y\n",
            "on: push\njobs:\n  a:\n    runs-on: 'y'\n",
        ];
        let mut kept = None;
        for pair in texts.windows(2) {
            let (outcome, reading) = compare_reading(pair[0], kept.take(), pair[1], &[]);
            assert_eq!(outcome, compare(pair[0], pair[1], &[]), "{pair:?}");
            assert_eq!(reading.is_some(), outcome == Ok(Outcome::Equivalent));
            kept = reading;
        }
    }

    fn same(a: &str, b: &str) {
        assert_eq!(
            compare(a, b, &[]),
            Ok(Outcome::Equivalent),
            "\n{a}\n---vs---\n{b}"
        );
    }

    /// The mismatch between `a` and `b`, its offset cleared (`offsets` tests those).
    fn differ(a: &str, b: &str, allowed: &[&str]) -> Mismatch {
        match compare(a, b, &patterns(allowed)) {
            Err(m) => Mismatch { offset: 0, ..m },
            Ok(o) => panic!("expected a mismatch, got {o:?}\n{a}\n---vs---\n{b}"),
        }
    }

    fn mismatch(route: &str, detail: &str) -> Mismatch {
        Mismatch {
            route: route.into(),
            detail: detail.into(),
            offset: 0,
        }
    }

    const WORKFLOW: &str = "\
name: CI
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          echo one
          echo two
      - uses: actions/setup-python@v5
        with:
          python-version: 3.10
";

    #[test]
    fn offsets_point_at_the_original_node() {
        let offset = |a: &str, b: &str| compare(a, b, &[]).unwrap_err().offset;
        let a = "a: 1\nb:\n  c: [x, y]\n";
        assert_eq!(offset(a, "a: 1\nb:\n  c: [x, z]\n"), a.find("y").unwrap());
        // A removed key: at the key.
        assert_eq!(offset(a, "a: 1\n"), a.find("b:").unwrap());
        // The value of a block scalar: at its first line (yaml-rust2's marker); a BOM counts.
        let a = "\u{feff}x: 1\nrun: |\n  one\n  two\n";
        assert_eq!(
            offset(a, "x: 1\nrun: |\n  one\n  three\n"),
            a.find("one").unwrap()
        );
        // Characters before the node that take several bytes.
        let a = "é: ü\nb: [x, y]\n";
        assert_eq!(offset(a, "é: ü\nb: [x, z]\n"), a.find("y").unwrap());
    }

    #[test]
    fn long_values_show_where_they_differ() {
        let script = |last: &str| format!("run: |\n{}  {last}\n", "  echo step\n".repeat(40));
        let m = differ(&script("done"), &script("gone"), &[]);
        assert_eq!(
            m.detail,
            "value was …\"echo step\\necho step\\ndone\\n\" (str), now …\"echo step\\necho step\\ngone\\n\" (str); they differ from character 401"
        );
        // Short values are shown whole.
        assert_eq!(
            differ("a: 'x y'\n", "a: 'x z'\n", &[]).detail,
            "value was \"x y\" (str), now \"x z\" (str)"
        );
    }

    #[test]
    fn style_changes_are_equivalent() {
        same(
            WORKFLOW,
            "\
name: \"CI\"
'on':
  push: {branches: ['main']}
jobs:
  build:
      runs-on: \"ubuntu-latest\"
      steps:
      -   uses: 'actions/checkout@v4'
      -   run: \"echo one\\necho two\\n\"
      - {uses: actions/setup-python@v5, with: {python-version: 3.1}}
",
        );
        same("a: 'x'\nb: x\n", "a: \"x\"\nb: 'x'\n");
        same("a: 1\nb: ~\nc:\n", "a: 0x1\nb: null\nc: ~\n");
        same("a: 0x1F\n", "a: 31\n");
        // `0o17` is a string for YAML 1.1.
        differ("a: 0o17\n", "a: 15\n", &[]);
    }

    #[test]
    fn indentation_and_comments_are_invisible() {
        same(
            "a:\n  b:\n    - 1\n    - 2 # two\n",
            "# header\na:\n    b:\n    - 1\n    - 2\n",
        );
    }

    #[test]
    fn quoting_a_float_is_a_mismatch() {
        let m = differ(WORKFLOW, &WORKFLOW.replace("3.10", "'3.10'"), &[]);
        assert_eq!(
            m,
            mismatch(
                "jobs.build.steps[2].with.python-version",
                "value was 3.10 (float), now \"3.10\" (str)"
            )
        );
        let m = differ("a: true\n", "a: 'true'\n", &[]);
        assert_eq!(m.detail, "value was true (bool), now \"true\" (str)");
    }

    #[test]
    fn yaml_11_meaning_counts() {
        // `on` is the string "on" for GitHub; the trigger key may be quoted.
        same(WORKFLOW, &WORKFLOW.replace("\non:", "\n'on':"));
        same("\"on\": push\n", "on: push\n");
        // `yes` is a string under 1.2 but a boolean under 1.1.
        let m = differ("flag: yes\n", "flag: 'yes'\n", &[]);
        assert_eq!(m.route, "flag");
        assert_eq!(
            m.detail,
            "value was \"yes\" (str; YAML 1.1: bool), now \"yes\" (str) \
             (the same under YAML 1.2, different under YAML 1.1)"
        );
        // Elsewhere `on` is a YAML 1.1 boolean like any other.
        assert_eq!(
            differ("a:\n  on: 1\n", "a:\n  'on': 1\n", &[]).route,
            "a.on"
        );
        assert_eq!(differ("a: on\n", "a: 'on'\n", &[]).route, "a");
        let m = differ("mode: 0755\n", "mode: 755\n", &[]);
        assert!(m.detail.ends_with("different under YAML 1.1)"), "{m}");
        differ("t: 12:30\n", "t: '12:30'\n", &[]);
        differ("d: 2024-01-01\n", "d: \"2024-01-01\"\n", &[]);
        differ("n: 1_000\n", "n: '1_000'\n", &[]);
        differ("f: 1e3\n", "f: 1000.0\n", &[]); // 1.1 reads `1e3` as a string
    }

    #[test]
    fn block_scalars() {
        let original = "steps:\n  - run: |\n      echo a\n        indented\n      echo b\n";
        same(
            original,
            "steps:\n- run: |\n    echo a\n      indented\n    echo b\n",
        );
        let m = differ(
            original,
            "steps:\n- run: |\n    echo a\n    indented\n    echo b\n",
            &[],
        );
        assert_eq!(m.route, "steps[0].run");
        assert!(
            m.detail.starts_with("value was \"echo a\\n  indented"),
            "{m}"
        );
        // Keep chomping at the end of the file.
        same("a: |+\n  x\n\n", "a: |+\n    x\n\n");
        differ("a: |+\n  x\n\n", "a: |+\n  x\n", &[]);
        differ("a: >\n  x\n  y\n", "a: |\n  x\n  y\n", &[]);
    }

    #[test]
    fn anchors_and_aliases() {
        same(
            "base: &b {x: 1}\nuse: *b\n",
            "base: &other\n  x: 1\nuse: *other\n",
        );
        assert_eq!(
            differ(
                "a: &x 1\nb: &y 2\nc: *x\n",
                "a: &x 1\nb: &y 2\nc: *y\n",
                &[]
            ),
            mismatch("c", "the alias refers to a different anchor")
        );
        assert_eq!(
            differ("a: &x 1\nb: *x\n", "a: 1\nb: 1\n", &[]),
            mismatch("a", "the anchor was removed")
        );
        assert_eq!(
            differ("a: &x 1\nb: *x\n", "a: &x 1\nb: 1\n", &[]).detail,
            "was an alias, now 1 (int)"
        );
        assert_eq!(
            differ(
                "permissions: &p {}\njobs: {a: {permissions: *p}}\n",
                "permissions: &p {x: 1}\njobs: {a: {permissions: *p}}\n",
                &["permissions"]
            ),
            mismatch(
                "jobs.a.permissions",
                "the alias refers to an anchor under a route the rule may change"
            )
        );
        // A redefined anchor name: aliases follow the latest definition.
        same(
            "- &a x\n- &a y\n- *a\n",
            "- &first x\n- &second y\n- *second\n",
        );
    }

    #[test]
    fn tags() {
        same("a: !!str 3\n", "a: !!str '3'\n");
        same("a: !!str 3\n", "a: !<tag:yaml.org,2002:str> 3\n");
        assert_eq!(
            differ("a: !!str 3\n", "a: 3\n", &[]),
            mismatch("a", "tag was !!str, now none")
        );
        assert_eq!(
            differ("a: !custom 3\n", "a: !other 3\n", &[]).detail,
            "tag was !custom, now !other"
        );
        differ("a: !!set {x}\n", "a: {x}\n", &[]);
        differ("a: !!str 010\n", "a: !!str 10\n", &[]);
    }

    #[test]
    fn duplicate_keys_are_kept() {
        same("a: 1\na: 2\n", "a: 1\na: 2\n");
        assert_eq!(
            differ("a: 1\na: 2\n", "a: 1\n", &[]),
            mismatch("a", "key \"a\" was removed")
        );
        assert_eq!(
            differ("a: 1\na: 2\n", "a: 2\na: 1\n", &[]),
            mismatch("a", "value was 1 (int), now 2 (int)")
        );
    }

    #[test]
    fn key_order_and_key_changes() {
        assert_eq!(
            differ("a: 1\nb: 2\n", "b: 2\na: 1\n", &[]),
            mismatch(
                "a",
                "the keys are in a different order: \"a\" now comes after \"b\""
            )
        );
        assert_eq!(
            differ(
                "job:\n  a: 1\n  env: {}\n  b: 2\n",
                "job:\n  a: 1\n  b: 2\n",
                &[]
            ),
            mismatch("job.env", "key \"env\" was removed")
        );
        assert_eq!(
            differ("a: 1\nb: 2\n", "a: 1\nx: 0\nb: 2\n", &[]),
            mismatch("x", "key \"x\" was added")
        );
        assert_eq!(
            differ("a: 1\nb: 2\n", "a: 1\nc: 2\n", &[]),
            mismatch("b", "key \"b\" was replaced by \"c\"")
        );
        assert_eq!(
            differ("a: 1\n", "a: 1\nb: 2\n", &[]),
            mismatch("b", "key \"b\" was added")
        );
        assert_eq!(
            differ("a: [1, 2]\n", "a: [1]\n", &[]),
            mismatch("a[1]", "an item was removed (it was 2 (int))")
        );
        assert_eq!(
            differ("a: {x: 1}\n", "a: [x]\n", &[]),
            mismatch("a", "was a mapping, now a sequence")
        );
        same("? [k]\n: 1\n", "[k]: 1\n");
        assert_eq!(
            differ("[k]: 1\n", "[j]: 1\n", &[]).route,
            "(sequence key)[0]"
        );
        assert_eq!(differ("\"a.b\": 1\n", "\"a.b\": 2\n", &[]).route, "\"a.b\"");
    }

    #[test]
    fn allowed_routes() {
        let with_permissions =
            WORKFLOW.replace("jobs:\n", "permissions:\n  contents: read\njobs:\n");
        same(WORKFLOW, WORKFLOW);
        assert_eq!(
            compare(WORKFLOW, &with_permissions, &patterns(&["permissions"])),
            Ok(Outcome::Equivalent)
        );
        // Inserted at the top or at the end of the mapping as well.
        let at_top = format!("permissions: {{}}\n{WORKFLOW}");
        let at_end = format!("{WORKFLOW}permissions: read-all\n");
        for text in [&at_top, &at_end] {
            assert_eq!(
                compare(WORKFLOW, text, &patterns(&["permissions"])),
                Ok(Outcome::Equivalent)
            );
        }
        assert_eq!(
            differ(WORKFLOW, &with_permissions, &["jobs.*.permissions"]),
            mismatch("permissions", "key \"permissions\" was added")
        );
        // Into a job.
        let job = WORKFLOW.replace(
            "    runs-on: ubuntu-latest\n",
            "    permissions:\n      contents: read\n    runs-on: ubuntu-latest\n",
        );
        assert_eq!(
            compare(WORKFLOW, &job, &patterns(&["jobs.*.permissions"])),
            Ok(Outcome::Equivalent)
        );
        assert_eq!(
            differ(WORKFLOW, &job, &["permissions"]),
            mismatch("jobs.build.permissions", "key \"permissions\" was added")
        );
        // A value change, and removal.
        let pinned = WORKFLOW.replace("checkout@v4", "checkout@0123456789abcdef # v4");
        let uses = ["jobs.*.steps[*].uses"];
        assert_eq!(
            compare(WORKFLOW, &pinned, &patterns(&uses)),
            Ok(Outcome::Equivalent)
        );
        assert_eq!(
            differ(WORKFLOW, &pinned, &[]),
            mismatch(
                "jobs.build.steps[0].uses",
                "value was \"actions/checkout@v4\" (str), now \"actions/checkout@0123456789abcdef\" (str)"
            )
        );
        // Changes next to an allowed route are still found.
        let both = pinned.replace("echo two", "echo 2");
        assert_eq!(
            differ(WORKFLOW, &both, &uses).route,
            "jobs.build.steps[1].run"
        );
        // Everything under an allowed route may differ; sequence items too.
        same("a: [1]\n", "a: [1]\n");
        assert_eq!(
            compare("a: [1, 2]\nb: 1\n", "a: [3]\nb: 1\n", &patterns(&["a[*]"])),
            Ok(Outcome::Equivalent)
        );
        assert_eq!(
            compare("a: [1, 2, 3]\n", "a: [1, 9, 3]\n", &patterns(&["a[1]"])),
            Ok(Outcome::Equivalent)
        );
        assert_eq!(
            compare(
                "on:\n  push:\n    paths: [a/**]\n",
                "on:\n  push:\n    paths: ['a/**', 'b']\n",
                &patterns(&["on.*.paths[*]"])
            ),
            Ok(Outcome::Equivalent)
        );
    }

    #[test]
    fn disallowed_order_change_under_an_allowed_sibling() {
        let a = "permissions: {}\nname: x\non: push\n";
        let b = "on: push\nname: x\n";
        assert_eq!(
            differ(a, b, &["permissions"]),
            mismatch(
                "name",
                "the keys are in a different order: \"name\" now comes after \"on\""
            )
        );
    }

    #[test]
    fn multiple_documents() {
        same("a: 1\n---\nb: 2\n", "---\na: 1\n...\n---\nb: 2\n");
        assert_eq!(
            differ("a: 1\n---\nb: 2\n", "a: 1\n", &[]),
            mismatch(
                "(root)",
                "the original has 2 document(s), the rewritten text 1"
            )
        );
        assert_eq!(
            differ("a: 1\n---\nb: 2\n", "a: 1\n---\nb: 3\n", &[]),
            mismatch("b", "in document 2: value was 2 (int), now 3 (int)")
        );
        assert_eq!(
            compare(
                "a: 1\n---\nb: 2\n",
                "a: 1\npermissions: {}\n---\nb: 2\npermissions: {}\n",
                &patterns(&["permissions"])
            ),
            Ok(Outcome::Equivalent)
        );
        same("", "# only a comment\n");
        differ("", "---\n", &[]);
        same("--- x\n", "x\n");
    }

    #[test]
    fn original_rejected() {
        let original = "on:\n  push:\n    paths:\n      - **/README.md\n";
        assert_eq!(
            compare(original, original, &[]),
            Ok(Outcome::OriginalRejected(
                "while parsing node, found unknown anchor at line 4 column 9".into()
            ))
        );
        assert!(matches!(
            compare("a:\tb\n", "a: b\n", &[]),
            Ok(Outcome::OriginalRejected(_))
        ));
    }

    #[test]
    fn rewritten_rejected() {
        let broken = WORKFLOW.replace("          echo two\n", "          echo two\n     bad: [\n");
        let m = differ(WORKFLOW, &broken, &[]);
        assert_eq!(m.route, "jobs.build");
        assert!(
            m.detail
                .starts_with("yaml-rust2 rejects the rewritten text: "),
            "{m}"
        );
        let m = differ("a: [1]\n", "a: [1\n", &[]);
        assert_eq!(m.route, "a[1]");
        assert!(
            m.detail
                .starts_with("yaml-rust2 rejects the rewritten text: "),
            "{m}"
        );
        let m = differ("a: 1\n---\nb: 1\n", "a: 1\n---\nb: *x\n", &[]);
        assert_eq!(m.route, "b");
        assert!(m.detail.contains("(document 2)"), "{m}");
    }

    #[test]
    fn bom_is_ignored() {
        same("\u{feff}name: x\n", "name: x\n");
        same("name: x\n", "\u{feff}name: x\n");
        assert_eq!(
            canonical_events("\u{feff}a: 1\n"),
            canonical_events("a: 1\n")
        );
    }

    /// Run `f` on a thread with the default 2 MiB stack of spawned threads (smaller than the
    /// main thread's 8 MiB): surviving there is the strongest claim.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn deep_flow_nesting() {
        on_small_stack(|| {
            // yaml-rust2 refuses flow nesting beyond 255 levels: the original is rejected.
            let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
            match compare(&deep, &deep, &[]) {
                Ok(Outcome::OriginalRejected(m)) => assert!(m.contains("recursion limit"), "{m}"),
                other => panic!("{other:?}"),
            }
            // Unterminated, and as deep as it may be.
            let open = "[".repeat(10_000);
            assert!(matches!(
                compare(&open, &open, &[]),
                Ok(Outcome::OriginalRejected(_))
            ));
            let ok = format!("{}x{}", "[".repeat(255), "]".repeat(255));
            same(&ok, &ok.replace('x', "'x'"));
            let m = differ(&ok, &ok.replace('x', "y"), &[]);
            assert_eq!(m.route, "[0]".repeat(255));
        });
    }

    #[test]
    fn deep_block_nesting() {
        on_small_stack(|| {
            // 10,000 nested block mappings (explicit keys) and sequences, linear in size.
            let maps = format!("{}x\n", "? ".repeat(10_000));
            same(&maps, &maps.replace('x', "\"x\""));
            differ(&maps, &maps.replace('x', "y"), &[]);
            let seqs = format!("{}x\n", "- ".repeat(10_000));
            same(&seqs, &seqs);
            let m = differ(&seqs, &seqs.replace('x', "'y'"), &[]);
            assert_eq!(m.route.len(), 3 * 10_000);
            // Indentation-nested mappings (quadratic in size, so less deep).
            let mut nested = String::new();
            for level in 0..2_000 {
                nested.push_str(&" ".repeat(level));
                nested.push_str("k:\n");
            }
            same(&nested, &nested);
            let m = differ(&nested, &format!("{nested}x: 1\n"), &[]);
            assert_eq!(m, mismatch("x", "key \"x\" was added"));
            // Mismatch at the bottom of the deep mapping.
            let changed = format!("{nested}{}v: 1\n", " ".repeat(2_000));
            let m = differ(&nested, &changed, &[]);
            assert!(m.route.starts_with("k.k.k."), "{}", &m.route[..20]);
            assert_eq!(m.detail, "was empty (null), now a mapping");
        });
    }

    #[test]
    fn canonical_dump() {
        assert_eq!(
            canonical_events("a: yes\nb: 'x'\n").unwrap(),
            "+DOC\n+MAP\n=VAL str/str \"a\"\n=VAL str/bool \"yes\"\n=VAL str/str \"b\"\n\
             =VAL str \"x\"\n-MAP\n"
        );
        assert!(canonical_events("- *x\n").is_err());
    }

    #[test]
    fn no_panic_on_odd_inputs() {
        let inputs = [
            "",
            "\u{feff}",
            "---",
            "...",
            "- ",
            ":",
            "? ",
            "!",
            "&a",
            "*",
            "%YAML 1.2\n---\n",
            "a: &a *a\n",
            "[",
            "{",
            "}",
            "]",
            "'",
            "\"",
            "|",
            ">",
            "a: |0\n",
            "\t",
            "\0",
            "é: é\n",
            "- - - - -\n",
            "{a: [b, {c: d}]}",
            "? : \n",
            "!!int &a x\n",
            "%TAG ! x\n--- !a b\n",
        ];
        for a in inputs {
            for b in inputs {
                let _ = compare(a, b, &patterns(&["*", "[*]", "a.b"]));
            }
        }
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(RoutePattern::parse("jobs..x").is_err());
        assert_eq!(
            "jobs.*.steps[*].uses"
                .parse::<RoutePattern>()
                .map(|p| p.to_string()),
            Ok("jobs.*.steps[*].uses".to_string())
        );
    }
}
