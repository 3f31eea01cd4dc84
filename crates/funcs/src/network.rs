//! Sprig's `getHostByName`.
//!
//! Helm replaces Sprig's DNS lookup with a stub returning "" unless DNS
//! lookups are enabled (`--enable-dns`), which capstan does not offer:
//! rendering stays hermetic.

use gotmpl::{FuncMap, ParamType as P, Value};

pub(crate) fn register(m: &mut FuncMap) {
    m.add("getHostByName", &[P::String], None, |_| Ok(Value::str("")));
}
