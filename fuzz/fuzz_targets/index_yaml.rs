//! Fuzz index.yaml loading (YAML or JSON, Helm's validation, sorting,
//! lookups): any bytes give an index or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(idx) = dist::repo::index::IndexFile::load(data, "fuzz") {
        // Exercise the lookups the downloader and search make.
        let _ = idx.get("redis", "");
        let _ = idx.get("redis", "^18.0.0");
    }
});
