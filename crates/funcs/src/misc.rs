//! Sprig's odds and ends: `fail` (Helm keeps Sprig's version).

use gotmpl::{FuncMap, ParamType as P, Value};

use crate::cast::arg_str;

pub fn register(m: &mut FuncMap) {
    m.add(
        "fail",
        &[P::String],
        None,
        |a| -> Result<Value, gotmpl::FuncError> { Err(arg_str(&a[0]).into()) },
    );
}
