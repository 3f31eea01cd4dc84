//! The crate's error type.
//!
//! Helm reports chart problems as flat strings built by wrapping
//! (`cannot load values.yaml: cannot unmarshal yaml document: …`), and the
//! CLI prints them after `Error: `.  Byte-exact messages are the product, so
//! the error is just that message; `kind` lets callers branch without
//! parsing text.

use std::fmt;

/// What went wrong, coarsely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Reading files, archives, sizes, illegal paths.
    Load,
    /// Chart.yaml / dependency validation (`validation: …`).
    Validation,
    /// values.yaml / -f files / --set parsing.
    Values,
    /// Coalescing or dependency processing.
    Coalesce,
    /// JSON-schema validation failures.
    Schema,
    /// Missing dependencies in charts/.
    Dependencies,
}

/// An error carrying Helm's exact message text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }
    pub fn load(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Load, message)
    }
    pub fn validation(message: impl Into<String>) -> Error {
        Error::new(
            ErrorKind::Validation,
            format!("validation: {}", message.into()),
        )
    }
    /// Prefix the message the way Go's `errors.Wrap(err, prefix)` does.
    pub fn wrap(mut self, prefix: &str) -> Error {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Go's `strconv.Quote` / `%q` for the strings Helm quotes in messages.
pub fn go_quote(s: &str) -> String {
    gotmpl::fmt::quote(s)
}
