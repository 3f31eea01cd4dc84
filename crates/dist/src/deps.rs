//! `dependency update` / `dependency build` (pkg/downloader/manager.go,
//! internal/resolver): resolve Chart.yaml's dependencies against chart
//! repositories, `oci://` registries and `file://` paths, download them
//! into `charts/`, write `Chart.lock`.
//!
//! Being written; until then these fail with "not implemented yet".

use std::io::Write;
use std::path::Path;

use crate::error::Error;
use crate::paths::Settings;

/// Flags of `dependency update/build` (and `package --dependency-update`).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub skip_refresh: bool,
    pub verify: bool,
    pub keyring: Option<String>,
    pub plain_http: bool,
    pub ca_file: Option<String>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub insecure_skip_tls_verify: bool,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// `helm dependency update CHART`.
pub fn update(
    _settings: &Settings,
    _chart_dir: &Path,
    _opts: &Options,
    _out: &mut dyn Write,
) -> Result<(), Error> {
    Err(Error::transport("dependency update: not implemented yet"))
}

/// `helm dependency build CHART`.
pub fn build(
    _settings: &Settings,
    _chart_dir: &Path,
    _opts: &Options,
    _out: &mut dyn Write,
) -> Result<(), Error> {
    Err(Error::transport("dependency build: not implemented yet"))
}
