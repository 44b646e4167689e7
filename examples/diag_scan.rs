//! Prints the syntax diagnostics of each file given on the command line (a debugging aid).
fn main() {
    for path in std::env::args().skip(1) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let tree = wffmt::syntax::parse(&text);
        for d in tree.diagnostics() {
            let (l, c) = tree.line_col(d.offset);
            println!("{path}:{l}:{c}: {}", d.message);
        }
    }
}
