//! A small, fast hasher (rustc's Fx hash) for the parser's and executor's
//! internal name tables.  Keys there are short identifiers chosen by the
//! chart author, looked up thousands of times per render; SipHash's DoS
//! resistance buys nothing in a single-user CLI and costs a few percent of
//! the whole render, and Fx hashes a word at a time where FNV goes byte by
//! byte.

pub type FastMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;
