//! Any text must parse or fail with an error, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut t = gotmpl::Template::new("gotpl", Rc::new(funcs::sprig()));
        let _ = t.parse("t.yaml", text);
    }
});
