//! No input makes wffmt panic, hang or write a broken file: every rule over mutated real files,
//! and pathological nesting through the command line.

mod common;

use wffmt::app::select_rules;
use wffmt::config::Config;
use wffmt::discover::FileKind;
use wffmt::passes::Rule;
use wffmt::pipeline::process;
use wffmt::syntax::parse;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() as usize) % n.max(1)
    }
}

/// Line-level damage that formatters meet in real life: a line dropped, duplicated, indented
/// more or less, or its indentation turned into a tab.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(lines.len());
        match rng.below(5) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => lines[i] = format!("  {}", lines[i]),
            3 => lines[i] = lines[i].strip_prefix("  ").unwrap_or(&lines[i]).to_string(),
            _ => lines[i] = lines[i].replacen("  ", "\t", 1),
        }
        if lines.is_empty() {
            break;
        }
    }
    lines.concat()
}

#[test]
fn rules_never_panic_and_stay_verified_on_mutated_files() {
    let mut files = common::own_corpus();
    files.extend(common::shared_workflows().into_iter().step_by(4));
    let rules = select_rules(
        &[
            "quote-patterns".into(),
            "permissions".into(),
            "layout".into(),
        ],
        &[],
    )
    .unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let config = Config::default();
    let mut rng = Rng(0x2545f4914f6cdd1d);
    let (mut runs, mut refused) = (0, 0);
    let mut unstable = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for _ in 0..8 {
            let input = mutate(&text, &mut rng);
            runs += 1;
            let out = process(&input, FileKind::Workflow, "m.yml", None, &config, &refs);
            match &out.error {
                Some(e) => {
                    refused += 1;
                    eprintln!("refused: {}: {}", f.display(), e.message);
                    assert_eq!(out.output, input, "a refused file must be left as it was");
                    if e.message.contains("not stable") {
                        unstable.push(format!("{}: {}", f.display(), e.message));
                    }
                }
                None => {
                    // Whatever was produced parses back to itself and has no new errors.
                    assert_eq!(parse(&out.output).print(), out.output);
                    let again = process(
                        &out.output,
                        FileKind::Workflow,
                        "m.yml",
                        None,
                        &config,
                        &refs,
                    );
                    assert_eq!(
                        again.output,
                        out.output,
                        "{}: second run differs",
                        f.display()
                    );
                }
            }
        }
    }
    eprintln!("mutations: {runs} runs, {refused} refused by verification");
    assert!(unstable.is_empty(), "{}", unstable.join("\n"));
}

#[test]
fn deep_nesting_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    let flow = format!(
        "on: push\nx: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    std::fs::write(wf.join("flow.yml"), &flow).unwrap();
    let mut block = String::from("on: push\n");
    for i in 0..3_000 {
        block.push_str(&" ".repeat(i * 2));
        block.push_str("k:\n");
    }
    std::fs::write(wf.join("block.yml"), &block).unwrap();
    let unclosed = format!("on:\n  push:\n    paths: {}\n", "[{".repeat(10_000));
    std::fs::write(wf.join("unclosed.yml"), &unclosed).unwrap();
    let out = common::run::Wffmt::in_dir(dir.path())
        .args(["--check", "--select", "quote-patterns,permissions,layout"])
        .output();
    // Any verdict is fine; a crash is not.
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
