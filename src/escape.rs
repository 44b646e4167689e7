//! The one notation in which wffmt shows characters it must not copy as they are (into a
//! terminal, into a comment it writes): `\n`, `\r`, `\e`, `\x07` for ASCII, `\u{2028}` beyond.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every character for which `escaped` holds written as a visible escape;
/// borrowed when there is none.
pub fn visible_escapes(text: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !escaped(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c if c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}
