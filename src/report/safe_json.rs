//! JSON for a terminal: serde_json's pretty printer, except that the characters
//! [`super::terminal_safe`] makes visible are written as `\uXXXX` escapes.
//!
//! serde_json escapes the C0 controls itself but writes DEL, the C1 controls (U+009B acts as
//! ESC `[` on some terminals) and the bidirectional overrides as they are. A report is often
//! printed straight into a terminal or a CI log; escaped, the document decodes to the same
//! strings and cannot drive the terminal.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::text::needs_escape;

/// `serde_json::to_string_pretty`, terminal-safe.
pub fn to_string_pretty<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, SafeFormatter(PrettyFormatter::new()));
    value.serialize(&mut serializer)?;
    // The serializer writes whole UTF-8 strings and ASCII escapes only.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

struct SafeFormatter<'a>(PrettyFormatter<'a>);

impl Formatter for SafeFormatter<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if needs_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every such character is in the Basic Multilingual Plane: one escape.
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // The layout is the pretty printer's.
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_layout_and_value_with_terminal_controls_escaped() {
        let value = serde_json::json!({
            "plain": ["é 日本", {"n": 1, "empty": {}, "list": []}],
            "hostile": "a\u{1b}[2J\u{7f}\u{9b}31m\u{202e}x\u{2028}\n",
        });
        let safe = to_string_pretty(&value).unwrap();
        let plain = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(
            safe,
            plain
                .replace('\u{7f}', "\\u007f")
                .replace('\u{9b}', "\\u009b")
                .replace('\u{202e}', "\\u202e")
                .replace('\u{2028}', "\\u2028")
        );
        assert!(!safe.chars().any(|c| c != '\n' && needs_escape(c)));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe).unwrap(),
            value
        );
    }
}
