//! `print(parse(x)) == x`, byte for byte, on every input we can find, plus the token-tiling
//! invariant and fuzzed inputs.

mod common;

use proptest::prelude::*;
use wffmt::syntax::{parse, TokenKind};

fn check(name: &str, text: &str) {
    let tree = parse(text);
    let printed = tree.print();
    assert!(printed == text, "round trip changed {name}");
    let mut pos = 0usize;
    for t in tree.tokens() {
        assert_eq!(
            t.start as usize, pos,
            "{name}: tokens do not tile the input"
        );
        assert!(t.end > t.start, "{name}: empty token");
        assert!(
            text.is_char_boundary(t.end as usize),
            "{name}: token ends inside a character"
        );
        if t.kind == TokenKind::Bom {
            assert_eq!(t.start, 0);
        }
        pos = t.end as usize;
    }
    assert_eq!(pos, text.len(), "{name}: tokens stop before the end");
}

fn check_file_variants(path: &std::path::Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let Ok(text) = String::from_utf8(bytes) else {
        return 0;
    };
    let name = path.display().to_string();
    check(&name, &text);
    check(&format!("{name} (CRLF)"), &common::to_crlf(&text));
    check(&format!("{name} (BOM)"), &common::with_bom(&text));
    check(
        &format!("{name} (BOM+CRLF)"),
        &common::with_bom(&common::to_crlf(&text)),
    );
    1
}

#[test]
fn own_corpus_round_trips() {
    let files = common::own_corpus();
    assert!(!files.is_empty(), "corpus/ has no YAML files");
    let n: usize = files.iter().map(|f| check_file_variants(f)).sum();
    eprintln!("round trip: {n} files of corpus/ (x4 variants)");
}

#[test]
fn shared_workflows_round_trip() {
    let files = common::shared_workflows();
    let n: usize = files.iter().map(|f| check_file_variants(f)).sum();
    eprintln!("round trip: {n} shared workflow files (x4 variants)");
}

#[test]
fn yaml_test_suite_round_trips() {
    let files = common::yaml_test_suite();
    let n: usize = files.iter().map(|f| check_file_variants(f)).sum();
    eprintln!("round trip: {n} yaml-test-suite inputs (x4 variants)");
}

fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(" ".to_string()),
        Just("  ".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\t".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("? ".to_string()),
        Just("#c".to_string()),
        Just("key".to_string()),
        Just("'q''x".to_string()),
        Just("\"d\\\"".to_string()),
        Just("|2-".to_string()),
        Just(">+".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(",".to_string()),
        Just("&a".to_string()),
        Just("*a".to_string()),
        Just("!t".to_string()),
        Just("---".to_string()),
        Just("...".to_string()),
        Just("%YAML 1.2".to_string()),
        Just("\u{feff}".to_string()),
        Just("é日".to_string()),
        Just("@`%".to_string()),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn random_yamlish_round_trips(text in yamlish()) {
        check("random", &text);
    }

    #[test]
    fn random_unicode_round_trips(text in "\\PC{0,200}") {
        check("random", &text);
    }
}

/// Mutations of real files: delete, duplicate or swap byte ranges at char boundaries.
#[test]
fn mutated_corpus_files_round_trip() {
    let mut files = common::own_corpus();
    files.extend(common::shared_workflows().into_iter().take(60));
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        for _ in 0..40 {
            let mut a = (next() as usize) % text.len();
            let mut b = (next() as usize) % text.len();
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            while !text.is_char_boundary(b) {
                b -= 1;
            }
            let (a, b) = (a.min(b), a.max(b));
            let mutated = match next() % 3 {
                0 => format!("{}{}", &text[..a], &text[b..]),
                1 => format!("{}{}{}", &text[..b], &text[a..b], &text[b..]),
                _ => format!("{}{}{}", &text[..a], &text[b..], &text[a..b]),
            };
            check("mutation", &mutated);
        }
    }
}
