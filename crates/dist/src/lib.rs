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

/// Go's `time.Now()` marshalled by `encoding/json` (RFC 3339 with
/// nanoseconds, trailing zeros dropped), in UTC: the `generated:` and
/// `created:` stamps of index files and `Chart.lock`.
pub fn now_rfc3339nano() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    gostd::time::format_go_time(
        d.as_secs() as i64,
        d.subsec_nanos() as i64,
        0,
        "UTC",
        "2006-01-02T15:04:05.999999999Z07:00",
    )
}

/// One line of Go's `slog.TextHandler` as Helm 4 configures it (no time):
/// `level=WARN msg="…" key=value …`, values quoted only when they need it.
pub fn slog_line(level: &str, msg: &str, attrs: &[(&str, &str)]) -> String {
    fn needs_quoting(s: &str) -> bool {
        s.is_empty()
            || s.chars()
                .any(|c| c == ' ' || c == '=' || c == '"' || !gostd::strconv::is_print(c))
    }
    let val = |s: &str| {
        if needs_quoting(s) {
            gostd::strconv::quote(s)
        } else {
            s.to_string()
        }
    };
    let mut out = format!("level={level} msg={}", val(msg));
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push('=');
        out.push_str(&val(v));
    }
    out
}

/// Helm's `slog.Warn(msg, attrs…)`: one line on stderr.
pub fn warn(msg: &str, attrs: &[(&str, &str)]) {
    eprintln!("{}", slog_line("WARN", msg, attrs));
}
