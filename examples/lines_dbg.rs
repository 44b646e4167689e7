fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let tree = wffmt::syntax::parse(&text);
    println!("{:?}", tree.line_starts());
    for t in tree.tokens().iter().take(12) {
        println!(
            "{:?} {:?} col={} flags={}",
            t.kind,
            t.text(&text),
            t.col,
            t.flags
        );
    }
}
