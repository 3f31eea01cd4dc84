//! release's integration tests, in one binary (one link instead of one per file).

mod common;

mod codec;
mod drivers;
mod interop;
