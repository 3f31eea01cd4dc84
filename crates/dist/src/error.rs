//! One error type: Helm's errors are wrapped strings (`fmt.Errorf("…: %w")`)
//! and the command line prints them after `Error: `, so the text is the
//! contract.  The kind lets callers branch without matching on text.

use std::fmt;

/// What went wrong, coarsely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input from the user: a reference, a flag, a file.
    Input,
    /// Something that should exist does not (repository, chart, version, tag).
    NotFound,
    /// Network, TLS or an unexpected server answer.
    Transport,
    /// Authentication was missing or refused.
    Auth,
    /// Digest or signature checks failed.
    Integrity,
    /// The local file system.
    Io,
}

#[derive(Clone, Debug)]
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
    pub fn input(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Input, m)
    }
    pub fn not_found(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotFound, m)
    }
    pub fn transport(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Transport, m)
    }
    pub fn io(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Io, m)
    }
    /// `prefix: self`, keeping the kind (Go's `fmt.Errorf("prefix: %w")`).
    pub fn wrap(self, prefix: impl fmt::Display) -> Error {
        Error {
            kind: self.kind,
            message: format!("{prefix}: {}", self.message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<Error> for String {
    fn from(e: Error) -> String {
        e.message
    }
}

impl From<chart::Error> for Error {
    fn from(e: chart::Error) -> Error {
        Error::input(e.to_string())
    }
}

impl From<action::Error> for Error {
    fn from(e: action::Error) -> Error {
        Error::input(e.to_string())
    }
}
