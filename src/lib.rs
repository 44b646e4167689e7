//! wffmt: a lossless formatter and codemod runner for GitHub Actions workflow files.
//!
//! One file flows one way: bytes -> CST ([`syntax`]) -> each selected rule ([`passes`]) proposes
//! fixes ([`edit`]) -> fixes applied -> re-parse -> [`verify`] -> diff or write ([`report`]).

pub mod app;
pub mod cli;
pub mod config;
pub mod config_schema;
pub mod discover;
pub mod docs;
pub mod early;
pub mod edit;
pub mod escape;
pub mod exclude;
pub mod finding;
pub mod init;
pub mod interrupt;
pub mod kb;
pub mod memo;
pub mod migrations;
pub mod passes;
pub mod pipeline;
pub mod progress;
pub mod read;
pub mod report;
pub mod resolve;
pub mod shell;
pub mod suppress;
pub mod syntax;
pub mod verify;
pub mod write;
