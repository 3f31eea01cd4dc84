//! Go's `text/template`, reimplemented: lexer → parser → AST → executor.
//!
//! This crate knows nothing of Helm.  It provides the dynamic [`Value`]
//! model shared by the whole workspace, the function-call contract
//! ([`FuncMap`]), Go's `fmt` formatting (needed by `print`/`printf`) and
//! the template language itself with Go's exact error messages.

pub mod error;
pub mod fmt;
pub mod func;
pub mod value;

pub use error::{Error, ErrorKind};
pub use func::{Context, FuncError, FuncMap, Function, ParamType};
pub use value::{ElemKind, IntKind, List, Map, MapInner, Object, Value};
