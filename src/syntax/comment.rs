//! Text that wffmt writes into a YAML comment.
//!
//! Comments wffmt adds quote what files say (a step's `uses:` value, its name, a reason read
//! from an action's metadata). A double-quoted value can hold any character through its escapes
//! (`"\L"`, `"\N"`, `"\e"`), so copied into a comment as decoded, it could end the comment
//! early: YAML 1.1 readers (PyYAML, and the Ruby and Go libraries of that generation) take
//! U+2028, U+2029 and U+0085 as line breaks, so the text after one is read as YAML; and a
//! character YAML does not allow at all (ESC, BEL, U+FFFE) makes every reader reject the file.
//! [`comment_text`] is the one place that makes such text safe; every writer of comments uses
//! it.

use std::borrow::Cow;

use crate::escape::visible_escapes;

/// `text` made safe for the body of a YAML comment on one line: every character a reader could
/// take as a line break (`\n`, `\r`, U+0085, U+2028, U+2029), every character YAML forbids in a
/// stream (C0 controls but tab, DEL, the C1 controls, U+FFFE, U+FFFF), the byte order mark and
/// the bidirectional controls that reorder what an editor shows (U+202A..U+202E,
/// U+2066..U+2069, U+200E, U+200F, U+061C) are written as visible escapes, in the notation
/// messages use (`\n`, `\e`, `\x07`, `\u{2028}`). Everything else is kept.
pub fn comment_text(text: &str) -> Cow<'_, str> {
    visible_escapes(text, is_unsafe_to_write)
}

/// Whether `c` is never written as it is into a file from text the file (or a remote) supplied:
/// it goes into comments escaped (see [`comment_text`]) and into double-quoted scalars as a
/// YAML escape.
pub fn is_unsafe_to_write(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{feff}'
                | '\u{fffe}'
                | '\u{ffff}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_kept() {
        for text in [
            "step 1 (actions/checkout@v4)",
            "tab\there",
            "é ü 日本 🙂",
            "a # b",
        ] {
            assert!(matches!(comment_text(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn breaks_controls_and_overrides_become_visible() {
        assert_eq!(
            comment_text("a\u{2028}b\u{2029}c\u{85}d\ne\rf"),
            "a\\u{2028}b\\u{2029}c\\u{0085}d\\ne\\rf"
        );
        assert_eq!(
            comment_text("\u{1b}[31mRED\u{7}\u{7f}"),
            "\\e[31mRED\\x07\\x7f"
        );
        assert_eq!(
            comment_text("\u{feff}x\u{202e}y\u{2066}\u{fffe}"),
            "\\u{feff}x\\u{202e}y\\u{2066}\\u{fffe}"
        );
        let hostile: String = (0u32..0x3000)
            .chain([0xfeff, 0xfffe, 0xffff])
            .filter_map(char::from_u32)
            .collect();
        let safe = comment_text(&hostile);
        assert!(!safe.chars().any(is_unsafe_to_write), "{safe:?}");
    }
}
