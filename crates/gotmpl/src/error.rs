//! Template errors.  PLACEHOLDER owned by the gotmpl work: parse and
//! execution errors carrying template name, line and column, displayed as
//! Go's `text/template` prints them.

#[derive(Debug, Clone)]
pub struct Error {
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
