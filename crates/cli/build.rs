//! Link `capstan` as a position-dependent executable on Linux: a short
//! process then skips the ~60,000 relative relocations (and the
//! copy-on-write faults they cause) a PIE pays at every start (measured:
//! `--version` 5.1 → 4.0 ms, page faults 984 → 598). The objects are
//! position-independent anyway, which a non-PIE link accepts; full RELRO
//! stays (lazy binding measured no faster). `CAPSTAN_PIE=1` keeps a PIE.

fn main() {
    println!("cargo:rerun-if-env-changed=CAPSTAN_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if linux && std::env::var("CAPSTAN_PIE").as_deref() != Ok("1") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
