//! The offline operations' error: a kind a caller can branch on, Helm's
//! message (what `Display` prints) and the error it came from.

use std::fmt;
use std::sync::Arc;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad arguments: names, flags, versions.
    InvalidInput,
    /// The chart cannot be loaded or is invalid (Chart.yaml, values,
    /// dependencies, schema).
    InvalidChart,
    /// A template failed, or its output is not valid YAML.
    Render,
    /// Reading or writing files.
    Io,
    /// Anything else.
    Other,
}

/// An offline operation's error.
#[derive(Clone, Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind` with Helm's `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }
    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// Helm's message (the same as `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }
    fn from_source(kind: ErrorKind, e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error {
            kind,
            message: e.to_string(),
            source: Some(Arc::new(e)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Text from the many helpers that word Helm's messages themselves.
impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::new(ErrorKind::Other, message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Error {
        Error::new(ErrorKind::Other, message)
    }
}

impl From<chart::Error> for Error {
    fn from(e: chart::Error) -> Error {
        Error::from_source(ErrorKind::InvalidChart, e)
    }
}

impl From<engine::resources::Error> for Error {
    fn from(e: engine::resources::Error) -> Error {
        use engine::resources::ErrorClass as C;
        let kind = match e.kind().class() {
            C::Render => ErrorKind::Render,
            C::Input => ErrorKind::InvalidInput,
            C::Chart => ErrorKind::InvalidChart,
        };
        Error::from_source(kind, e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::from_source(ErrorKind::Io, e)
    }
}

/// The command line prints errors as text (`Error: MESSAGE`).
impl From<Error> for String {
    fn from(e: Error) -> String {
        e.message
    }
}
