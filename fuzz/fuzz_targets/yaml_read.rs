//! Any bytes must read as YAML or fail with an error, never panic; what
//! reads must also serialise back.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(v) = yaml::from_yaml(text) {
            let _ = yaml::to_yaml(&v);
            let _ = yaml::json::encode(&v, true, None);
        }
        let _ = yaml::from_yaml_documents(text);
    }
});
