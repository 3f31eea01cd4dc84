//! Storage errors with Helm's texts.
//!
//! Helm's callers test these errors by identity (`errors.Is(err,
//! driver.ErrReleaseNotFound)`) and users see their text
//! (`Error: UPGRADE FAILED: "x" has no deployed releases`), so each kind
//! prints exactly what Helm's `storage/driver` package prints.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `release: not found`
    NotFound,
    /// `release: already exists`
    AlreadyExists,
    /// `"NAME" has no deployed releases`
    NoDeployed,
    /// `release: invalid key`
    InvalidKey,
    /// The Kubernetes API failed (message says which operation).
    Kube,
    /// A record could not be encoded or decoded.
    Codec,
    /// Something Helm supports that capstan does not (the SQL driver).
    Unsupported,
}

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
    pub fn not_found() -> Error {
        Error::new(ErrorKind::NotFound, "release: not found")
    }
    pub fn already_exists() -> Error {
        Error::new(ErrorKind::AlreadyExists, "release: already exists")
    }
    pub fn invalid_key() -> Error {
        Error::new(ErrorKind::InvalidKey, "release: invalid key")
    }
    /// Helm's `StorageDriverError{name, ErrNoDeployedReleases}`.
    pub fn no_deployed(name: &str) -> Error {
        Error::new(
            ErrorKind::NoDeployed,
            format!("{} has no deployed releases", gotmpl::fmt::quote(name)),
        )
    }
    pub fn codec(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Codec, message)
    }
    pub fn kube(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Kube, message)
    }
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
