//! Go's standard-library semantics that capstan reproduces byte for byte,
//! in one place low in the crate graph: [`strconv`] quoting and [`time`]
//! (layouts, `Time.Format`, `Duration`).  Everything above — templates,
//! Sprig's functions, release records, flag parsing — uses these instead
//! of its own copy, so a fix to Go's rules lands once.
//!
//! Two Go packages outside the standard library live here for the same
//! reason: [`semver`] (Masterminds) and [`uitable`] (gosuri/uitable, the
//! padding of Helm's tables, shared by the offline `dependency list` and
//! the release printers).
//!
//! [`flate`] is Go's `compress/flate` compressor and `compress/gzip`
//! framing, so chart archives come out byte-identical to Helm's.

#![forbid(unsafe_code)]

pub mod flate;
pub mod path;
pub mod semver;
pub mod strconv;
pub mod time;
pub mod uitable;
