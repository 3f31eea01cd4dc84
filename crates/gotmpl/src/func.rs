//! Template functions as `text/template` sees them: a name, a Go signature
//! (checked by the executor exactly as `reflect` would, so arity and type
//! errors read like Go's) and a Rust body.
//!
//! The executor converts and checks every argument against [`ParamType`]
//! before the body runs, so bodies can rely on e.g. `args[0]` being a
//! `Value::String` when the parameter is `ParamType::String`.

use std::collections::HashMap;
use std::rc::Rc;

use crate::value::Value;

/// Go parameter types that function signatures use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// `interface{}`: any value, nil included.
    Any,
    /// Go `string`, for bodies that read its text: a string that is not
    /// UTF-8 (a [`crate::ByteString`]) arrives as `Value::String` of its
    /// lossy text.
    String,
    /// Go `string`, for bodies that read its bytes (`b64enc`, `sha256sum`,
    /// …): arrives as `Value::String` or, when not UTF-8, as the
    /// [`crate::ByteString`] itself (see [`Value::go_str_bytes`]).
    StringBytes,
    Bool,
    /// Go `int`.
    Int,
    Int64,
    Float64,
    /// `[]byte`
    Bytes,
    /// `[]interface{}`
    List,
    /// `[]string`
    StringList,
    /// `map[string]interface{}`
    Map,
}

/// Why a function failed.  Displayed after Go's `error calling NAME: `.
#[derive(Debug, Clone)]
pub enum FuncError {
    /// The function returned a non-nil `error` (or panicked: Go's
    /// text/template recovers panics and reports them the same way).
    Msg(String),
    /// A nested template execution failed (Helm's `include`/`tpl`); the
    /// engine keeps the inner error's structure for Helm's error chains.
    Template(Box<crate::Error>),
}

impl FuncError {
    pub fn msg(m: impl Into<String>) -> FuncError {
        FuncError::Msg(m.into())
    }
}

impl std::fmt::Display for FuncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FuncError::Msg(m) => f.write_str(m),
            FuncError::Template(e) => write!(f, "{e}"),
        }
    }
}

impl From<String> for FuncError {
    fn from(s: String) -> Self {
        FuncError::Msg(s)
    }
}
impl From<&str> for FuncError {
    fn from(s: &str) -> Self {
        FuncError::Msg(s.to_string())
    }
}

/// What a function body may ask of the running executor (Helm's `include`
/// and `tpl` need to run templates).  Plain Sprig functions ignore it.
pub trait Context {
    /// Run the defined template `name` with `data` and return its output.
    fn execute_named(&mut self, name: &str, data: &Value) -> Result<String, FuncError>;
    /// Parse `text` as a template called `name` that shares the current
    /// set's definitions, run it with `data` and return its output.
    fn execute_text(&mut self, name: &str, text: &str, data: &Value) -> Result<String, FuncError>;
}

pub type FuncImpl = Rc<dyn Fn(&mut dyn Context, &[Value]) -> Result<Value, FuncError>>;

/// One function with its Go signature.
#[derive(Clone)]
pub struct Function {
    /// Static: a function map is built for every render, so its ~250
    /// entries should not each allocate a copy of their signature.
    pub params: &'static [ParamType],
    /// Type of the `...T` tail, if the function is variadic.
    pub variadic: Option<ParamType>,
    pub body: FuncImpl,
}

/// Name → function, like Go's `template.FuncMap`.
#[derive(Clone, Default)]
pub struct FuncMap {
    pub(crate) funcs: HashMap<String, Function>,
}

impl FuncMap {
    pub fn new() -> FuncMap {
        // Sized for Helm's map (Sprig's functions and Helm's own), so
        // building it, once per render, does not keep rehashing.
        FuncMap {
            funcs: HashMap::with_capacity(320),
        }
    }

    /// Register a function that does not need the executor.
    pub fn add(
        &mut self,
        name: &str,
        params: &'static [ParamType],
        variadic: Option<ParamType>,
        body: impl Fn(&[Value]) -> Result<Value, FuncError> + 'static,
    ) {
        self.funcs.insert(
            name.to_string(),
            Function {
                params,
                variadic,
                body: Rc::new(move |_, a| body(a)),
            },
        );
    }

    /// Register a function that needs the executor (`include`, `tpl`).
    pub fn add_ctx(
        &mut self,
        name: &str,
        params: &'static [ParamType],
        variadic: Option<ParamType>,
        body: impl Fn(&mut dyn Context, &[Value]) -> Result<Value, FuncError> + 'static,
    ) {
        self.funcs.insert(
            name.to_string(),
            Function {
                params,
                variadic,
                body: Rc::new(body),
            },
        );
    }

    pub fn get(&self, name: &str) -> Option<&Function> {
        self.funcs.get(name)
    }

    pub fn remove(&mut self, name: &str) {
        self.funcs.remove(name);
    }

    pub fn extend(&mut self, other: FuncMap) {
        self.funcs.extend(other.funcs);
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.keys().map(|s| s.as_str())
    }
}
