//! Template errors, structured so callers (Helm's engine) can re-format
//! them, and displayed exactly as Go's `text/template` prints them:
//!
//! * parse: `template: NAME:LINE: MESSAGE`
//! * exec:  `template: NAME:LINE:COL: executing "EXEC" at <NODE>: MESSAGE`
//!   where MESSAGE is `error calling FUNC: …` for a failed function call.

use crate::func::FuncError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Parse,
    Exec,
    /// An error without template location, e.g. Go's
    /// `template: no template "x" associated with template "gotpl"`;
    /// displayed as `message` alone.
    Other,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    /// Name of the template (file) holding the failing text: `t/templates/t.yaml`.
    pub name: String,
    /// 1-based line of the failing node (parse: line where the lexer/parser stopped).
    pub line: usize,
    /// 1-based column (bytes, as Go's `ErrorContext`); 0 for parse errors.
    pub col: usize,
    /// Template being executed (`executing "EXEC"`): a file name or a `define` name.
    pub exec_name: String,
    /// Source text of the failing node (`at <NODE>`), as Go abbreviates it.
    pub node: String,
    /// The message (without any location prefix).  For a function failure
    /// this is the full `error calling FUNC: …` text.
    pub message: String,
    /// Set when a function call failed: its name and error (which for
    /// `include`/`tpl` may carry the nested template error).
    pub func: Option<(String, FuncError)>,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            ErrorKind::Parse => {
                write!(f, "template: {}:{}: {}", self.name, self.line, self.message)
            }
            ErrorKind::Exec => write!(
                f,
                "template: {}:{}:{}: executing \"{}\" at <{}>: {}",
                self.name, self.line, self.col, self.exec_name, self.node, self.message
            ),
            ErrorKind::Other => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}
