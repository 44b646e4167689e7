//! The lossless, tolerant YAML concrete syntax tree.
//!
//! - [`lexer`]: tokens that tile the input exactly (trivia included);
//! - [`parser`]: never fails, builds the [`tree::SyntaxTree`] with error nodes and diagnostics;
//! - [`tree`]: the node arena, navigation and the trivia-ownership rule;
//! - [`views`]: typed read-only views for workflows and action metadata;
//! - [`comment`]: text made safe for the comments wffmt writes.
//!
//! Invariant: `parse(x).print() == x` for every UTF-8 input.

pub mod comment;
pub mod lexer;
pub mod parser;
pub mod token;
pub mod tree;
pub mod views;

pub use comment::comment_text;
pub use parser::{parse, parse_owned};
pub use token::{Token, TokenKind};
pub use tree::{Diagnostic, NodeId, NodeKind, Role, SyntaxTree};
