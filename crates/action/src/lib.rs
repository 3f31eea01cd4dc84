//! The operations behind the command line, in the spirit of Helm's
//! `action` package: each takes a request struct and returns data; the CLI
//! only parses flags and prints.

#![forbid(unsafe_code)]

pub mod chartfile;
pub mod create;
pub mod dependency;
mod error;
pub mod lint;
pub mod package;
mod scaffold;
pub mod show;
pub mod template;

pub use error::{Error, ErrorKind};
pub use template::{template, TemplateOutput, TemplateRequest, ValueOptions};
