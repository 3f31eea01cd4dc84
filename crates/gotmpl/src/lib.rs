//! Go's `text/template`, reimplemented: lexer → parser → AST → executor.
//!
//! This crate knows nothing of Helm.  It provides the dynamic [`Value`]
//! model shared by the whole workspace, the function-call contract
//! ([`FuncMap`]), Go's `fmt` formatting (needed by `print`/`printf`) and
//! the template language itself with Go's exact error messages.
//!
//! Entry point: [`Template`] (a set of named templates sharing a FuncMap).
//! Execution recurses; run it on a thread with a large stack (512 MiB is
//! plenty for Go's 100000-deep template recursion limit).

// Template errors are returned by value, as Go returns them; they are
// rare and end the work at hand, so their size costs nothing that matters.
#![allow(clippy::result_large_err)]

mod ast;
mod builtins;
mod error;
mod exec;
mod fasthash;
pub mod fmt;
mod func;
mod lex;
mod parse;
mod value;
mod worker;

pub use error::{Error, ErrorKind};
pub use exec::{MissingKey, Template};
pub use func::{Context, FuncError, FuncMap, Function, ParamType};
pub use value::{
    go_lossy, go_runes, ByteString, ElemKind, IntKind, List, Map, MapInner, Object, Value,
};
pub use worker::{share_work, Worker};

/// Go's `strconv.underscoreOK`: whether the `_` digit separators in the
/// number literal `s` sit only between digits (or right after a base
/// prefix such as `0x`).  Sprig's number casts reject the others.
pub fn digit_separators_ok(s: &str) -> bool {
    parse::underscore_ok(s)
}

/// Whether the machine has more than one core to work with (for the few
/// places that share work with a helper thread).  Asked once:
/// `available_parallelism` reads cgroup files on every call.
pub fn has_spare_core() -> bool {
    static SPARE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SPARE.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get() > 1)
            .unwrap_or(false)
    })
}
