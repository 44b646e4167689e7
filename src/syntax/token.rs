//! Token kinds and the token record shared by the lexer, the parser and the tree.

/// What a token is. Tokens tile the input exactly: concatenating the text of every token gives
/// back the input, byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A byte order mark at the very start of the input.
    Bom,
    /// Spaces and tabs (never line breaks).
    Whitespace,
    /// `\n`, `\r\n` or a lone `\r`.
    Newline,
    /// `#` up to (not including) the line break.
    Comment,
    /// A `%YAML` / `%TAG` directive line (without its comment or line break).
    Directive,
    /// `---` at column 0.
    DocStart,
    /// `...` at column 0.
    DocEnd,
    /// `-` introducing a block sequence entry.
    Dash,
    /// `?` introducing an explicit key.
    Question,
    /// `:` value indicator.
    Colon,
    /// `,` in a flow collection.
    Comma,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    /// `&name`
    Anchor,
    /// `*name`
    Alias,
    /// `!`, `!!str`, `!<verbatim>`, `!local` …
    Tag,
    /// A plain scalar, possibly spanning several lines (continuation lines included).
    Plain,
    /// A single-quoted scalar, quotes included, possibly multi-line.
    SingleQuoted,
    /// A double-quoted scalar, quotes included, possibly multi-line.
    DoubleQuoted,
    /// `|` or `>` with its indentation and chomping indicators.
    BlockHeader,
    /// The lines of a block scalar, from the first body line through the line break of its last
    /// content line (and, for `+` chomping, the trailing empty lines that are part of the value).
    BlockBody,
    /// Text the lexer cannot classify (unterminated quote, reserved indicator, …).
    Error,
}

impl TokenKind {
    /// Whitespace, line breaks, comments and the BOM: tokens that carry no data.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Bom | TokenKind::Whitespace | TokenKind::Newline | TokenKind::Comment
        )
    }

    /// Tokens that are scalar content on their own.
    pub fn is_scalar(self) -> bool {
        matches!(
            self,
            TokenKind::Plain | TokenKind::SingleQuoted | TokenKind::DoubleQuoted
        )
    }

    /// Node properties that precede a node.
    pub fn is_property(self) -> bool {
        matches!(self, TokenKind::Anchor | TokenKind::Tag)
    }
}

/// The token is the first non-whitespace token on its line.
pub const FIRST_ON_LINE: u8 = 1;
/// The lexer abandoned an unclosed flow collection at this token (a line that looks like block
/// content at or left of the enclosing block's indentation). The parser closes its flow frames here.
pub const FLOW_RESET: u8 = 2;

/// One token: a kind and a byte range, plus the byte column of its start and a few flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
    /// Byte offset of `start` from the beginning of its line.
    pub col: u32,
    pub flags: u8,
}

impl Token {
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn first_on_line(&self) -> bool {
        self.flags & FIRST_ON_LINE != 0
    }

    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.range()]
    }
}
