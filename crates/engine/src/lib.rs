//! Helm's rendering engine: a chart tree and its values in, rendered files
//! out — with Helm's own template functions, Helm's error wording, and the
//! splitting/sorting of manifests and hooks that `helm template` prints.

#![forbid(unsafe_code)]

pub mod errors;
pub mod glob;
pub mod helmfuncs;
pub mod manifest;
pub mod objects;
pub mod render;
pub mod resources;

#[cfg(test)]
mod probe_tests;

pub use errors::{Location, RenderError};
pub use objects::{Capabilities, Files};
pub use render::{render, ReleaseInfo, RenderChart, RenderOptions};
pub use resources::{render_release, RenderRequest, Rendered};

/// Run `f` with a stack large enough for Go's template depth limits
/// (100000 nested `template` calls, 1000 nested `include`s of one name)
/// and return its result. The stack is reserved, not committed, and `f`
/// runs on the calling thread: switching stacks costs a mapping, where a
/// thread costs a clone, a futex wait and the runtime's per-thread set-up
/// (measured: a sixth of a small `template` run).
pub fn run_with_big_stack<T>(f: impl FnOnce() -> T) -> T {
    const STACK: usize = 4 << 30;
    stacker::grow(STACK, f)
}
