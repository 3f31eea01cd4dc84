//! Fuzz Chart.lock reading as `dependency build` and the loader read it
//! (YAML → Lock), and the digest computed over what was read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(v) = yaml::from_yaml(text) else { return };
    if let Ok(lock) = chart::Lock::decode(&v) {
        let _ = dist::deps::lock::hash_req(&lock.dependencies, &lock.dependencies);
        let _ = dist::deps::lock::marshal(&lock);
    }
});
