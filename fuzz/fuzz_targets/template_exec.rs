//! Parse and run arbitrary templates against a small values tree: errors
//! are fine, panics and hangs are not.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // Keep inputs small so one run stays fast (loops over `until` etc.).
        if text.len() > 512 {
            return;
        }
        let mut t = gotmpl::Template::new("gotpl", Rc::new(funcs::sprig()));
        if t.parse("t.yaml", text).is_ok() {
            let values = yaml::from_yaml("a: 1\nb: [x, 2.5, true]\nc: {d: null, e: str}\n").unwrap_or_default();
            let _ = t.execute("t.yaml", &values);
        }
    }
});
