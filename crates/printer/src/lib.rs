//! Helm's printers as a library, so every command that shows a release —
//! `install`, `upgrade`, `status`, `history`, `list`, `get`, `test`, and a
//! future `diff` or `plan` — prints it the same way, byte for byte:
//! - [`OutputFormat`]: `-o table|json|yaml`, parsed once;
//! - [`codec`]: Go's `json.Encoder` and sigs.k8s.io/yaml's `Marshal`;
//! - [`status`]: Helm's `statusPrinter` (table, or the whole record);
//! - [`table`]: gosuri/uitable, and the `history` and `list` printers;
//! - [`get`]: `get values`, `get metadata`, `get all --template`.
//!
//! Times are formatted by the record's own type
//! ([`capstan_release::Time::format_ansic`],
//! [`capstan_release::Time::format_rfc3339`]).  Nothing here talks to a
//! cluster: callers fetch the release and hand it over.

#![forbid(unsafe_code)]

pub mod codec;
pub mod get;
pub mod status;
pub mod table;

use std::fmt;
use std::str::FromStr;

/// Helm's `output.Format`: what `-o/--output` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Yaml,
}

impl OutputFormat {
    /// Helm's `output.ParseFormat`; the error prints as capstan always has
    /// (`invalid format type "xml"`).
    pub fn parse(s: &str) -> Result<OutputFormat, Error> {
        match s {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "yaml" => Ok(OutputFormat::Yaml),
            other => Err(Error::InvalidFormat(other.to_string())),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Yaml => "yaml",
        }
    }
}

impl FromStr for OutputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<OutputFormat, Error> {
        OutputFormat::parse(s)
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can go wrong while printing; `Display` is the text the CLI shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `-o` named no known format.
    InvalidFormat(String),
    /// A value could not be encoded (JSON or YAML).
    Encode(String),
    /// `get all --template`: the template did not parse or execute.
    Template(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidFormat(s) => write!(f, "invalid format type {s:?}"),
            Error::Encode(m) | Error::Template(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for String {
    fn from(e: Error) -> String {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_once() {
        assert_eq!("json".parse::<OutputFormat>(), Ok(OutputFormat::Json));
        assert_eq!(OutputFormat::parse("yaml"), Ok(OutputFormat::Yaml));
        assert_eq!(OutputFormat::parse("table"), Ok(OutputFormat::Table));
        assert_eq!(
            OutputFormat::parse("xml").unwrap_err().to_string(),
            "invalid format type \"xml\""
        );
        assert_eq!(OutputFormat::Yaml.to_string(), "yaml");
    }
}
