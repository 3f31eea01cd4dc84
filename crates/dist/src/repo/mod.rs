//! HTTP chart repositories (pkg/repo/v1): `repositories.yaml`, `index.yaml`,
//! the repository cache and `search repo`.
//!
//! CONTRACT (other modules call exactly these; the bodies are being
//! written — until then calls fail with "not implemented yet").

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::http;
use crate::paths::Settings;

/// One entry of `repositories.yaml`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entry {
    pub name: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub cert_file: String,
    pub key_file: String,
    pub ca_file: String,
    pub insecure_skip_tls_verify: bool,
    pub pass_credentials_all: bool,
}

impl Entry {
    /// The getter options this entry implies.
    pub fn http_options(&self) -> http::Options {
        let p = |s: &str| (!s.is_empty()).then(|| PathBuf::from(s));
        http::Options {
            ca_file: p(&self.ca_file),
            cert_file: p(&self.cert_file),
            key_file: p(&self.key_file),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            username: self.username.clone(),
            password: self.password.clone(),
            pass_credentials_all: self.pass_credentials_all,
            timeout: None,
        }
    }
}

/// `repositories.yaml`.
#[derive(Clone, Debug, Default)]
pub struct RepoFile {
    pub entries: Vec<Entry>,
}

fn not_yet() -> Error {
    Error::transport("chart repositories: not implemented yet")
}

impl RepoFile {
    /// Reads the file; a missing file is an empty list.
    pub fn load(_path: &Path) -> Result<RepoFile, Error> {
        Err(not_yet())
    }
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

/// One chart version in an index.
#[derive(Clone, Debug, Default)]
pub struct ChartVersion {
    pub name: String,
    pub version: String,
    pub urls: Vec<String>,
    /// Plain sha256 hex of the archive (may be empty).
    pub digest: String,
}

/// Looks `name` up in the cached index of repository `repo` and returns
/// the chart version matching `version` (exact first, else the newest
/// satisfying the constraint; empty = newest stable), with Helm's errors
/// (`repo REPO not found`, `no cached repo found. (try 'helm repo update'):
/// …`, `chart "C" matching V not found in REPO index. (try 'helm repo
/// update'): …`).
pub fn find_in_cached_repo(
    _settings: &Settings,
    _repo: &str,
    _name: &str,
    _version: &str,
) -> Result<(Entry, ChartVersion), Error> {
    Err(not_yet())
}

/// `--repo URL`: downloads URL's index to a temporary cache file, finds
/// `name`/`version` in it (`chart "C" version "V" not found in URL
/// repository`), deletes the file.
pub fn find_in_repo_url(
    _settings: &Settings,
    _url: &str,
    _opts: &http::Options,
    _name: &str,
    _version: &str,
) -> Result<ChartVersion, Error> {
    Err(not_yet())
}

/// Helm's `repo.ResolveReferenceURL(base, ref)`: a chart URL in an index
/// relative to the repository URL.
pub fn resolve_reference_url(base: &str, reference: &str) -> Result<String, Error> {
    let base_url = reqwest::Url::parse(&format!("{}/", base.trim_end_matches('/')))
        .map_err(|e| Error::input(format!("failed to parse {base} as URL: {e}")))?;
    base_url
        .join(reference)
        .map(|u| u.to_string())
        .map_err(|e| Error::input(format!("failed to parse {reference} as URL: {e}")))
}
