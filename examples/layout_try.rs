//! Runs one rule on a file and prints the result (a debugging aid):
//! `cargo run --example layout_try -- RULE FILE`
use wffmt::config::Config;
use wffmt::discover::FileKind;
use wffmt::edit::apply_fixes;
use wffmt::passes::{all_rules, Context, Setup};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (rule_name, path) = (&args[1], &args[2]);
    let text = std::fs::read_to_string(path).expect("readable UTF-8 file");
    let config = Config::default();
    let rules = all_rules(&Setup::default());
    let rule = rules
        .iter()
        .find(|r| r.name() == rule_name)
        .expect("a rule");
    let tree = wffmt::syntax::parse(&text);
    let cx = Context {
        tree: &tree,
        path,
        file: None,
        kind: FileKind::Workflow,
        config: &config,
        suppressions: &Default::default(),
        memo: &Default::default(),
    };
    let out = rule.run(&cx);
    let applied = apply_fixes(&text, out.fixes);
    for c in &applied.conflicts {
        eprintln!("conflict: {c:?}");
    }
    print!("{}", applied.text);
}
