//! Helm 4's wording of template errors (`cleanupParseError`,
//! `cleanupExecError` and Helm 4's multi-line traces).
//!
//! * parse errors: `parse error at (FILE:LINE): MESSAGE`;
//! * `fail`/`required` anywhere in the chain: `execution error at
//!   (OUTERMOST LOCATION): MESSAGE`;
//! * a failed function other than `include` (`error calling div: …`, `tpl`
//!   failures, include's own recursion guard): Go's one-line text;
//! * everything else: one block per template in the include chain,
//!   `FILE:LINE:COL\n  executing "NAME" at <NODE>:\n    MESSAGE`.

use gotmpl::{Error, ErrorKind, FuncError};

/// Where a template failed: the template file being rendered and the
/// position of the failing action (or of the parse error) in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The template's name (`CHART/templates/FILE`).
    pub template: String,
    pub line: usize,
    /// 0 when the error has no column (most parse errors).
    pub column: usize,
}

/// A render failure: Helm's text (what `Display` prints) and, when a
/// template failed, where.
#[derive(Debug, Clone)]
pub struct RenderError {
    message: String,
    location: Option<Location>,
}

impl RenderError {
    /// Helm's `message` for the template error `err`, located where `err` is.
    pub fn at(message: String, err: &Error) -> RenderError {
        RenderError {
            message,
            location: Some(Location {
                template: err.name.clone(),
                line: err.line,
                column: err.col,
            }),
        }
    }
    /// Where the template failed, when known.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }
    /// Helm's message (the same as `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<String> for RenderError {
    fn from(message: String) -> RenderError {
        RenderError {
            message,
            location: None,
        }
    }
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {}

use crate::helmfuncs::{WARN_END, WARN_START};

/// Format a parse error of template file `filename` as Helm does.
pub fn parse_error(filename: &str, err: &Error) -> String {
    let text = err.to_string();
    let tokens: Vec<&str> = text.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({filename}): {text}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

/// Format an execution error of template file `filename` as Helm 4 does.
pub fn exec_error(filename: &str, err: &Error) -> String {
    if err.kind == ErrorKind::Parse {
        return parse_error(filename, err);
    }
    let text = err.to_string();
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return format!("execution error in ({filename}): {text}");
    }
    if let Some(msg) = warning(tokens[2]) {
        return format!("execution error at ({}): {msg}", tokens[1]);
    }
    trace(err).unwrap_or(text)
}

/// The text between the first `HELM_ERR_START` and the last `HELM_ERR_END`.
fn warning(s: &str) -> Option<&str> {
    let start = s.find(WARN_START)? + WARN_START.len();
    let end = s.rfind(WARN_END)?;
    (end >= start).then(|| &s[start..end])
}

/// Helm 4's multi-line trace, or None when Helm keeps Go's one-line text.
fn trace(err: &Error) -> Option<String> {
    let mut out = String::new();
    let mut level = err;
    loop {
        let header = format!(
            "{}:{}:{}\n  executing \"{}\" at <{}>:\n    ",
            level.name, level.line, level.col, level.exec_name, level.node
        );
        match &level.func {
            None => {
                out.push_str(&header);
                out.push_str(&level.message);
                return Some(out);
            }
            Some((name, cause)) if name == "include" => match cause {
                FuncError::Template(inner) if inner.kind == ErrorKind::Exec => {
                    out.push_str(&header);
                    out.push_str("error calling include:\n");
                    level = inner;
                }
                // A plain error from Go's ExecuteTemplate (no such template).
                FuncError::Msg(m) if m.starts_with("template: ") => {
                    out.push_str(&header);
                    out.push_str("error calling include:\n");
                    out.push_str(m);
                    return Some(out);
                }
                _ => return None,
            },
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(
        name: &str,
        line: usize,
        col: usize,
        node: &str,
        msg: &str,
        func: Option<(String, FuncError)>,
    ) -> Error {
        Error {
            kind: ErrorKind::Exec,
            name: name.into(),
            line,
            col,
            exec_name: name.into(),
            node: node.into(),
            message: msg.into(),
            func,
        }
    }

    #[test]
    fn warn_marker_uses_outer_location() {
        let inner = exec(
            "a/_h.tpl",
            3,
            4,
            "fail \"x\"",
            &format!("error calling fail: {WARN_START}boom{WARN_END}"),
            None,
        );
        let outer = exec(
            "a/t.yaml",
            1,
            3,
            "include \"h\" .",
            &format!("error calling include: {inner}"),
            Some(("include".into(), FuncError::Template(Box::new(inner)))),
        );
        assert_eq!(
            exec_error("a/t.yaml", &outer),
            "execution error at (a/t.yaml:1:3): boom"
        );
    }

    #[test]
    fn function_errors_stay_on_one_line() {
        let e = exec(
            "a/t.yaml",
            1,
            3,
            "div 1 0",
            "error calling div: boom",
            Some(("div".into(), FuncError::msg("boom"))),
        );
        assert_eq!(exec_error("a/t.yaml", &e), e.to_string());
    }

    #[test]
    fn plain_errors_become_blocks() {
        let e = exec(
            "a/t.yaml",
            2,
            5,
            ".x.y",
            "nil pointer evaluating interface {}.y",
            None,
        );
        assert_eq!(exec_error("a/t.yaml", &e), "a/t.yaml:2:5\n  executing \"a/t.yaml\" at <.x.y>:\n    nil pointer evaluating interface {}.y");
    }

    #[test]
    fn parse_errors_keep_location_and_last_message() {
        let e = Error {
            kind: ErrorKind::Parse,
            name: "a/t.yaml".into(),
            line: 3,
            col: 0,
            exec_name: String::new(),
            node: String::new(),
            message: "unclosed action started at a/t.yaml:2".into(),
            func: None,
        };
        assert_eq!(
            parse_error("a/t.yaml", &e),
            "parse error at (a/t.yaml:3): unclosed action started at a/t.yaml:2"
        );
    }
}
