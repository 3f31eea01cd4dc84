//! One error type for the cluster layer.
//!
//! Helm's messages name the object (`Deployment ns/name`) and carry the API
//! server's own message; the release layer wraps them with its operation
//! prefix (`unable to build kubernetes objects from release manifest: …`).
//! The [`ErrorKind`] lets callers branch (404 on delete is fine, a 409 on
//! create-namespace is fine) without parsing text.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// kubeconfig / client construction.
    Config,
    /// Discovery requests failed.
    Discovery,
    /// `apiVersion`+`kind` unknown to the server (no CRD yet).
    NoMapping,
    /// A manifest is not a valid Kubernetes object (YAML, missing fields).
    Manifest,
    /// The API server answered with a `Status` failure.
    Api { code: u16, reason: String },
    /// A wait ran out of time.
    Timeout,
    /// A watched resource reached a failed state (Job Failed, Pod Failed, …).
    Failed,
    /// Transport or other client-side failures.
    Other,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// Source template of the offending manifest, when known
    /// (`chart/templates/x.yaml`). Helm's own texts do not always print it.
    pub source_path: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source_path: None,
        }
    }
    pub fn with_source(mut self, path: &str) -> Error {
        if !path.is_empty() {
            self.source_path = Some(path.to_string());
        }
        self
    }
    /// HTTP status code of an API error (404, 409, …).
    pub fn code(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }
    pub fn is_conflict(&self) -> bool {
        self.code() == Some(409)
    }
    /// 409 with `reason: AlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        matches!(&self.kind, ErrorKind::Api { code: 409, reason } if reason == "AlreadyExists")
    }

    /// Wrap a kube-rs error about `what` (e.g. `Deployment ns/name`):
    /// `<what>: <server message>`, keeping the status code in the kind.
    pub(crate) fn from_kube(what: &str, e: kube::Error) -> Error {
        match e {
            kube::Error::Api(s) => {
                let msg = if s.message.is_empty() {
                    format!("{} ({})", s.reason, s.code)
                } else {
                    s.message.clone()
                };
                Error::new(
                    ErrorKind::Api {
                        code: s.code,
                        reason: s.reason.clone(),
                    },
                    prefixed(what, &msg),
                )
            }
            // The request outlived the operation's `--timeout`
            // (`ClientOptions::request_timeout`): Go's words for it.
            other if timed_out(&other) => Error::new(
                ErrorKind::Timeout,
                prefixed(what, "context deadline exceeded"),
            ),
            other => {
                let text = transport_text(&other).unwrap_or_else(|| other.to_string());
                Error::new(ErrorKind::Other, prefixed(what, &text))
            }
        }
    }

    pub(crate) fn prefix(mut self, what: &str) -> Error {
        self.message = prefixed(what, &self.message);
        self
    }
}

/// Go's words for a transport failure that outlived the retries
/// (`connect: connection refused`, `read: connection reset by peer`,
/// `EOF`), where kube-rs says `ServiceError: client error (Connect)`.
pub(crate) fn transport_text(e: &kube::Error) -> Option<String> {
    use std::io::ErrorKind as K;
    let mut lost = false;
    for err in sources(e) {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            let text = match io.kind() {
                K::ConnectionRefused => "connect: connection refused",
                K::ConnectionReset => "read: connection reset by peer",
                K::ConnectionAborted | K::BrokenPipe => "write: broken pipe",
                K::UnexpectedEof => "unexpected EOF",
                K::TimedOut => "i/o timeout",
                _ => return None,
            };
            return Some(text.to_string());
        }
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            lost |= h.is_incomplete_message() || h.is_closed() || h.is_canceled();
        }
    }
    // The server closed the connection before answering: Go reads EOF.
    lost.then(|| "EOF".to_string())
}

fn timed_out(e: &kube::Error) -> bool {
    sources(e).any(|err| err.is::<tower::timeout::error::Elapsed>())
}

/// `e` and its sources, outermost first.
pub(crate) fn sources<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |err| err.source())
}

fn prefixed(what: &str, msg: &str) -> String {
    if what.is_empty() {
        msg.to_string()
    } else {
        format!("{what}: {msg}")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_read_as_gos() {
        let io = |k| kube::Error::Service(Box::new(std::io::Error::new(k, "os says so")));
        let e = Error::from_kube("Deployment ns/x", io(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(e.message, "Deployment ns/x: connect: connection refused");
        let e = Error::from_kube("", io(std::io::ErrorKind::ConnectionReset));
        assert_eq!(e.message, "read: connection reset by peer");
        // Anything else keeps kube-rs's text.
        let e = Error::from_kube("", io(std::io::ErrorKind::Other));
        assert!(e.message.contains("os says so"), "{}", e.message);
    }
}
