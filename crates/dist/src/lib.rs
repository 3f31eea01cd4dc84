//! Chart distribution, as Helm v4.2.3 does it: chart repositories
//! (`repositories.yaml`, `index.yaml`, the repository cache), OCI registries
//! (push, pull, login, Helm's media types), dependency resolution
//! (`Chart.lock`), the digest-keyed content cache and provenance files.
//!
//! Why one crate: these share one configuration (Helm's paths and
//! credentials), one HTTP layer (CA files, client certificates, basic auth,
//! Go-shaped error texts) and one policy for writing files (temp file, then
//! rename, so a failure never leaves a half-written `Chart.lock`, `charts/`,
//! `repositories.yaml` or cache file).  It sits after `action` (it packages
//! `file://` dependencies with `action::package`) and before the command
//! line, which stays flags and printing only.
//!
//! Modules:
//! * [`paths`]: `HELM_*_HOME`, XDG defaults and the files under them;
//! * [`http`]: the getter (TLS options, basic auth) with Go's error wording;
//! * [`fsutil`]: atomic writes and the `repositories.lock` file lock;
//! * [`repo`]: repositories file, index files, repository cache, search;
//! * [`oci`]: the registry client, Helm's chart artifact, credentials;
//! * [`downloader`]: chart references (`oci://`, `REPO/CHART`, `--repo`,
//!   URLs, paths) to a local archive through the content cache;
//! * [`deps`]: `dependency update/build` and `Chart.lock`;
//! * [`provenance`]: `.prov` files (OpenPGP clearsign) and `verify`.

#![forbid(unsafe_code)]

pub mod deps;
pub mod downloader;
mod error;
pub mod fsutil;
pub mod http;
pub mod oci;
pub mod paths;
pub mod provenance;
pub mod repo;

pub use error::Error;

/// Lower-case hex of bytes (digests are printed this way everywhere).
pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// `hex(sha256(data))`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}
