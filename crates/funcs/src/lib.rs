//! Sprig's template functions as Helm v4 exposes them (Sprig's
//! `TxtFuncMap` minus `env` and `expandenv`), with Go's semantics and
//! error messages.  Helm's own functions (`include`, `tpl`, `toYaml`, …)
//! are registered by the engine, which owns the template set.
//!
//! One module per Sprig family; each has `register(&mut FuncMap)`.
//! FUNCTIONS.md at the repository root lists every name with its status.

#![forbid(unsafe_code)]

use gotmpl::FuncMap;

mod cast;
mod conv;
mod crypto;
mod date;
mod defaults;
mod dicts;
mod encoding;
mod lists;
mod math;
mod misc;
mod network;
mod paths;
mod random;
mod reflect;
mod regex;
mod semver;
mod strings;
mod uni;
mod url;

pub use date::format_go_time;
pub use encoding::json_encode;

/// Largest string a function builds from a size in its arguments (`repeat`,
/// `indent`, `randAlpha`, `randBytes`…).  Go tries any size and the process
/// dies of memory exhaustion; a template asking for more than this is
/// refused instead.
pub(crate) const MAX_OUTPUT_BYTES: usize = 1 << 30;

/// The error for a size past [`MAX_OUTPUT_BYTES`].
pub(crate) fn too_large(func: &str, what: &str, n: i64) -> String {
    format!("{func}: {n} {what} would make a string longer than the 1 GiB limit")
}

/// Sprig's text function map as Helm uses it.
pub fn sprig() -> FuncMap {
    let mut m = FuncMap::new();
    strings::register(&mut m);
    conv::register(&mut m);
    defaults::register(&mut m);
    dicts::register(&mut m);
    lists::register(&mut m);
    math::register(&mut m);
    reflect::register(&mut m);
    regex::register(&mut m);
    url::register(&mut m);
    encoding::register(&mut m);
    paths::register(&mut m);
    misc::register(&mut m);
    semver::register(&mut m);
    date::register(&mut m);
    crypto::register(&mut m);
    random::register(&mut m);
    network::register(&mut m);
    m
}

#[cfg(test)]
pub(crate) mod testutil {
    use gotmpl::{Context, FuncError, Value};

    struct NoCtx;
    impl Context for NoCtx {
        fn execute_named(&mut self, _: &str, _: &Value) -> Result<String, FuncError> {
            Err("no executor in unit tests".into())
        }
        fn execute_text(&mut self, _: &str, _: &str, _: &Value) -> Result<String, FuncError> {
            Err("no executor in unit tests".into())
        }
    }

    thread_local! {
        static MAP: gotmpl::FuncMap = crate::sprig();
    }

    /// Call a registered function body directly (arguments pre-checked by hand).
    pub fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
        MAP.with(|m| {
            let f = m
                .get(name)
                .unwrap_or_else(|| panic!("{name} not registered"));
            (f.body)(&mut NoCtx, args)
        })
    }

    /// `%v` of a successful call.
    pub fn v(name: &str, args: &[Value]) -> String {
        gotmpl::fmt::format_v(&call(name, args).unwrap())
    }

    /// Message of a failed call.
    pub fn err(name: &str, args: &[Value]) -> String {
        call(name, args).unwrap_err().to_string()
    }
}
