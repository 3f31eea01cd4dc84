//! Test support for capstan's crates (a dev-dependency only).
//!
//! Tests that compare with Helm read the reference data in `../shared`
//! (the oracle, conformance vectors, the corpus) and skip, saying why,
//! when it is absent — so a plain clone still tests green.  In CI the data
//! is there, and a skip would hide a broken setup: `.ci/run` sets
//! `CAPSTAN_REQUIRE_SHARED=1` whenever `../shared` exists, and then every
//! skip fails instead.

#![forbid(unsafe_code)]

use std::path::PathBuf;

/// Whether a missing `../shared` (or a part of it) must fail the test.
pub fn shared_required() -> bool {
    std::env::var("CAPSTAN_REQUIRE_SHARED").is_ok_and(|v| v == "1")
}

/// Report a skipped comparison: print why, or panic with the reason when
/// `CAPSTAN_REQUIRE_SHARED=1`.
#[track_caller]
pub fn skip(why: impl std::fmt::Display) {
    if shared_required() {
        panic!("CAPSTAN_REQUIRE_SHARED=1, but a test would skip: {why}");
    }
    eprintln!("{why}");
}

/// `../shared` beside the repository, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_shared_relative_to_the_repository() {
        // The path is fixed at build time: crates/testkit/../../../shared.
        let p = super::shared_dir();
        if let Some(p) = p {
            assert!(p.ends_with("shared"));
        }
    }
}
