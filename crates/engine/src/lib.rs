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

pub use errors::{Location, RenderError};
pub use objects::{Capabilities, Files};
pub use render::{render, ReleaseInfo, RenderChart, RenderOptions};
pub use resources::{render_release, RenderRequest, Rendered};

/// Run `f` on a thread with a stack large enough for Go's template depth
/// limits (100000 nested `template` calls, 1000 nested `include`s of one
/// name) and return its result.  The stack is reserved, not committed.
pub fn run_with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    const STACK: usize = 4 << 30;
    match std::thread::Builder::new()
        .name("render".into())
        .stack_size(STACK)
        .spawn(f)
    {
        Ok(h) => match h.join() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(e) => panic!("cannot start the render thread: {e}"),
    }
}
