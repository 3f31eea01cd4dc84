//! `Chart.lock` (pkg/chart/v2/dependency.go `Lock`) and its digest
//! (internal/resolver `HashReq`): `"sha256:" + hex(sha256(json.Marshal(
//! [2][]*Dependency{chartYamlDeps, lockedDeps})))`.  The JSON is Go's:
//! struct field order `name, version, repository, condition, tags,
//! enabled, import-values, alias` (omitempty except name and repository),
//! maps inside import-values with sorted keys, compact, HTML-escaped — so
//! a constraint `>=0.2.0 <1.0.0` hashes as `\u003e=0.2.0 \u003c1.0.0`.
//! A lock another tool wrote must verify here, and one written here must
//! verify in Helm, so every byte of that JSON matters.

use std::path::Path;

use crate::error::Error;
use crate::repo::gojson;

fn deps_json(deps: &[chart::Dependency]) -> Result<String, Error> {
    // One Go-JSON encoder for dependencies (chart::Dependency::go_json)
    // serves the lock digest, index entries and OCI config blobs.
    let items: Vec<String> = deps.iter().map(chart::Dependency::go_json).collect();
    Ok(gojson::array(&items))
}

/// `resolver.HashReq(req, lock)`.
pub fn hash_req(req: &[chart::Dependency], locked: &[chart::Dependency]) -> Result<String, Error> {
    let data = format!("[{},{}]", deps_json(req)?, deps_json(locked)?);
    Ok(format!("sha256:{}", crate::sha256_hex(data.as_bytes())))
}

/// `resolver.HashV2Req(req)`: Helm 2's digest of requirements.yaml.
pub fn hash_v2_req(req: &[chart::Dependency]) -> Result<String, Error> {
    let data = format!("{{\"dependencies\":{}}}", deps_json(req)?);
    Ok(format!("sha256:{}", crate::sha256_hex(data.as_bytes())))
}

/// The lock file's name for a chart's apiVersion.
pub fn lock_file_name(api_version: &str) -> &'static str {
    if api_version == chart::metadata::API_VERSION_V1 {
        "requirements.lock"
    } else {
        "Chart.lock"
    }
}

/// `yaml.Marshal(lock)`: `dependencies` (name, repository, version),
/// `digest`, `generated`.
pub fn marshal(lock: &chart::Lock) -> Result<String, Error> {
    action::chartfile::marshal_lock(lock).map_err(Error::input)
}

/// `writeLock`: refuses a symlinked lock file (Helm would write through
/// it), then writes the file atomically (mode 0644).
pub fn write(chart_dir: &Path, lock: &chart::Lock, api_version: &str) -> Result<(), Error> {
    let name = lock_file_name(api_version);
    let dest = chart_dir.join(name);
    match std::fs::symlink_metadata(&dest) {
        Ok(md) if md.file_type().is_symlink() => {
            let target = std::fs::read_link(&dest)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            return Err(Error::input(format!(
                "the {name} file is a symlink to {}",
                gostd::strconv::quote(&target)
            )));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::io(format!(
                "error getting info for {}: {}",
                gostd::strconv::quote(&dest.display().to_string()),
                crate::http::gostd_io(&e)
            )))
        }
    }
    crate::fsutil::write_atomic(&dest, marshal(lock)?.as_bytes(), 0o644)
}
