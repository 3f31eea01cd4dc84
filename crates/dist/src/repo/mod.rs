//! HTTP chart repositories (pkg/repo/v1 and the `repo`/`search` commands):
//! `repositories.yaml` ([`RepoFile`]), `index.yaml` ([`index`]), the
//! repository cache ([`cache`]) and `search repo` ([`search`]).
//!
//! Why these shapes: every byte Helm writes here is read back by other
//! tools (Helm itself, CI scripts diffing `repositories.yaml`, mirrors
//! serving a generated `index.yaml`), so files are produced the way Helm's
//! Go structs marshal (sigs.k8s.io/yaml: JSON field set, sorted keys) and
//! written atomically; and the lookups other commands make
//! ([`find_in_cached_repo`], [`find_in_repo_url`]) keep Helm's error texts.

use std::path::{Path, PathBuf};

use gotmpl::{MapInner, Value};

use crate::error::{Error, ErrorKind};
use crate::http;
use crate::paths::Settings;

pub mod cache;
pub mod commands;
pub mod gojson;
pub mod index;
pub mod search;
pub mod url;

pub use index::IndexFile;

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

    /// The entry as `repositories.yaml` holds it (every field, always).
    fn to_value(&self) -> Value {
        let mut m = MapInner::new();
        for (k, v) in [
            ("name", &self.name),
            ("url", &self.url),
            ("username", &self.username),
            ("password", &self.password),
            ("certFile", &self.cert_file),
            ("keyFile", &self.key_file),
            ("caFile", &self.ca_file),
        ] {
            m.insert(k.into(), Value::str(v));
        }
        m.insert(
            "insecure_skip_tls_verify".into(),
            Value::Bool(self.insecure_skip_tls_verify),
        );
        m.insert(
            "pass_credentials_all".into(),
            Value::Bool(self.pass_credentials_all),
        );
        Value::map(m)
    }
}

/// `repositories.yaml`.
#[derive(Clone, Debug, Default)]
pub struct RepoFile {
    pub entries: Vec<Entry>,
    /// `apiVersion` as read (`""` for a file `repo add` created).
    pub api_version: String,
    /// `generated` as Go re-marshals it (`""` = the zero time).
    pub generated: String,
}

const ENTRY_FIELDS: &[&str] = &[
    "name",
    "url",
    "username",
    "password",
    "certFile",
    "keyFile",
    "caFile",
    "insecure_skip_tls_verify",
    "pass_credentials_all",
];

fn field<'a>(key: &str, fields: &[&'a str]) -> Option<&'a str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

fn decode_err(v: &Value, field: &str, ty: &str) -> Error {
    Error::input(format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type {ty}",
        yaml::json::kind_word(v)
    ))
}

fn decode_string(v: &Value, field: &str) -> Result<Option<String>, Error> {
    match v {
        Value::Nil => Ok(None),
        Value::String(s) => Ok(Some(s.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Float(f) => Ok(Some(gostd::strconv::format_float(*f, b'g', -1))),
        Value::Int(n, _) => Ok(Some(n.to_string())),
        other => Err(decode_err(other, field, "string")),
    }
}

impl RepoFile {
    /// Reads the file; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<RepoFile, Error> {
        Ok(RepoFile::load_opt(path)?.unwrap_or_default())
    }

    /// Reads the file; `None` when it does not exist.  Errors are Helm's
    /// `repo.LoadFile` texts.
    pub fn load_opt(path: &Path) -> Result<Option<RepoFile>, Error> {
        match std::fs::read(path) {
            Ok(b) => RepoFile::parse(&b).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!(
                "couldn't load repositories file ({}): open {}: {}",
                path.display(),
                path.display(),
                http::gostd_io(&e)
            ))),
        }
    }

    /// `yaml.Unmarshal(bytes, &repo.File{})`.
    pub fn parse(data: &[u8]) -> Result<RepoFile, Error> {
        let v = yaml::from_yaml(&String::from_utf8_lossy(data))
            .map_err(|e| Error::input(e.to_string()))?;
        let mut f = RepoFile::default();
        let m = match &v {
            Value::Nil => return Ok(f),
            Value::Map(m) => m,
            other => {
                return Err(Error::input(format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type repo.File",
                    yaml::json::kind_word(other)
                )))
            }
        };
        for (k, val) in m.borrow().iter() {
            match field(k, &["apiVersion", "generated", "repositories"]) {
                Some("apiVersion") => {
                    if let Some(s) = decode_string(val, "File.apiVersion")? {
                        f.api_version = s;
                    }
                }
                Some("generated") => {
                    if let Some(s) = decode_string(val, "File.generated")? {
                        f.generated = index::normalize_time(&s).ok_or_else(|| {
                            Error::input(format!(
                                "error unmarshaling JSON: while decoding JSON: parsing time {} as \"\\\"2006-01-02T15:04:05Z07:00\\\"\": cannot parse {} as \"2006\"",
                                gostd::strconv::quote(&format!("\"{s}\"")),
                                gostd::strconv::quote(&format!("{s}\""))
                            ))
                        })?;
                    }
                }
                Some("repositories") => match val {
                    Value::Nil => {}
                    Value::List(l) => {
                        for item in l.items() {
                            match item {
                                Value::Nil => {}
                                Value::Map(em) => f.entries.push(decode_entry(em)?),
                                other => {
                                    return Err(decode_err(
                                        other,
                                        "File.repositories",
                                        "repo.Entry",
                                    ))
                                }
                            }
                        }
                    }
                    other => return Err(decode_err(other, "File.repositories", "[]*repo.Entry")),
                },
                _ => {}
            }
        }
        Ok(f)
    }

    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// `File.Update`: replaces the entry of the same name, else appends.
    pub fn update(&mut self, e: Entry) {
        match self.entries.iter_mut().find(|x| x.name == e.name) {
            Some(slot) => *slot = e,
            None => self.entries.push(e),
        }
    }

    /// `File.Remove`: whether an entry of that name was there.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.name != name);
        self.entries.len() != before
    }

    /// `yaml.Marshal(file)`: sorted keys, every entry field present.
    pub fn to_yaml(&self) -> Result<String, Error> {
        let mut m = MapInner::new();
        m.insert("apiVersion".into(), Value::str(&self.api_version));
        let generated = if self.generated.is_empty() {
            "0001-01-01T00:00:00Z"
        } else {
            &self.generated
        };
        m.insert("generated".into(), Value::str(generated));
        m.insert(
            "repositories".into(),
            Value::list(self.entries.iter().map(Entry::to_value).collect()),
        );
        yaml::to_yaml(&Value::map(m)).map_err(|e| Error::input(e.to_string()))
    }

    /// `File.WriteFile(path, mode)`, atomically (Helm truncates in place).
    pub fn write(&self, path: &Path, mode: u32) -> Result<(), Error> {
        crate::fsutil::write_atomic(path, self.to_yaml()?.as_bytes(), mode)
    }
}

fn decode_entry(m: &gotmpl::Map) -> Result<Entry, Error> {
    let mut e = Entry::default();
    for (k, v) in m.borrow().iter() {
        let Some(f) = field(k, ENTRY_FIELDS) else {
            continue;
        };
        let fname = format!("File.repositories.{f}");
        match f {
            "insecure_skip_tls_verify" | "pass_credentials_all" => {
                let b = match v {
                    Value::Nil => continue,
                    Value::Bool(b) => *b,
                    other => return Err(decode_err(other, &fname, "bool")),
                };
                if f == "insecure_skip_tls_verify" {
                    e.insecure_skip_tls_verify = b;
                } else {
                    e.pass_credentials_all = b;
                }
            }
            _ => {
                let Some(s) = decode_string(v, &fname)? else {
                    continue;
                };
                match f {
                    "name" => e.name = s,
                    "url" => e.url = s,
                    "username" => e.username = s,
                    "password" => e.password = s,
                    "certFile" => e.cert_file = s,
                    "keyFile" => e.key_file = s,
                    _ => e.ca_file = s,
                }
            }
        }
    }
    Ok(e)
}

/// One chart version in an index.
#[derive(Clone, Debug, Default)]
pub struct ChartVersion {
    /// `metadata.name` (the chart's own name, not the index key).
    pub name: String,
    /// `metadata.version`.
    pub version: String,
    pub urls: Vec<String>,
    /// Plain sha256 hex of the archive (may be empty).
    pub digest: String,
    /// The Chart.yaml fields of the entry.
    pub metadata: chart::Metadata,
    /// RFC 3339 text (`0001-01-01T00:00:00Z` when absent).
    pub created: String,
    pub removed: bool,
    /// Deprecated fields, kept so that a merged index round-trips.
    pub checksum: String,
    pub engine: String,
    pub tiller_version: String,
    pub url: String,
}

/// The cached index of `repo` (`CACHE/REPO-index.yaml`), loaded.
pub fn load_cached_index(settings: &Settings, repo: &str) -> Result<IndexFile, Error> {
    IndexFile::load_file(&settings.cache_index(repo))
}

/// Looks `name` up in the cached index of repository `repo` and returns
/// the chart version matching `version` (exact first, else the newest
/// satisfying the constraint; empty = newest stable), with Helm's errors
/// (`repo REPO not found`, `no cached repo found. (try 'helm repo update'):
/// …`, `chart "C" matching V not found in REPO index. (try 'helm repo
/// update'): …`).
pub fn find_in_cached_repo(
    settings: &Settings,
    repo: &str,
    name: &str,
    version: &str,
) -> Result<(Entry, ChartVersion), Error> {
    let rf = RepoFile::load(&settings.repository_config)?;
    let entry = rf
        .get(repo)
        .cloned()
        .ok_or_else(|| Error::not_found(format!("repo {repo} not found")))?;
    let idx = load_cached_index(settings, repo).map_err(|e| {
        Error::new(
            ErrorKind::NotFound,
            format!("no cached repo found. (try 'helm repo update'): {e}"),
        )
    })?;
    let cv = idx.get(name, version).map_err(|e| {
        Error::not_found(format!(
            "chart {} matching {version} not found in {repo} index. (try 'helm repo update'): {e}",
            gostd::strconv::quote(name)
        ))
    })?;
    if cv.urls.is_empty() {
        return Err(Error::not_found(format!(
            "chart {} has no downloadable URLs",
            gostd::strconv::quote(&format!("{repo}/{name}"))
        )));
    }
    Ok((entry, cv.clone()))
}

/// `--repo URL`: downloads URL's index (held in memory: Helm's temporary
/// cache file is deleted again at once), finds `name`/`version` in it
/// (`chart "C" version "V" not found in URL repository`).
pub fn find_in_repo_url(
    _settings: &Settings,
    url: &str,
    opts: &http::Options,
    name: &str,
    version: &str,
) -> Result<ChartVersion, Error> {
    let index_url = url::resolve_reference(url, "index.yaml").map_err(Error::input)?;
    let unreachable = |e: Error| {
        e.wrap(format!(
            "looks like {} is not a valid chart repository or cannot be reached",
            gostd::strconv::quote(url)
        ))
    };
    let client = http::client(opts).map_err(unreachable)?;
    let host = url::GoUrl::parse(url).ok().map(|u| host_of(&u.authority));
    let body = http::fetch(&client, &index_url, opts, host.as_deref()).map_err(unreachable)?;
    let idx = IndexFile::load(&body, url).map_err(unreachable)?;
    let mut what = format!("chart {}", gostd::strconv::quote(name));
    if !version.is_empty() {
        what = format!("{what} version {}", gostd::strconv::quote(version));
    }
    let cv = idx
        .get(name, version)
        .map_err(|_| Error::not_found(format!("{what} not found in {url} repository")))?;
    if cv.urls.is_empty() {
        return Err(Error::not_found(format!("{what} has no downloadable URLs")));
    }
    Ok(cv.clone())
}

/// The host of an authority (`user@host:port` → `host`), as the getter
/// compares it to decide where basic auth may go.
pub fn host_of(authority: &str) -> String {
    let h = authority.rsplit('@').next().unwrap_or("");
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_string();
    }
    h.rsplit_once(':').map(|x| x.0).unwrap_or(h).to_string()
}

/// Helm's `repo.ResolveReferenceURL(base, ref)`: a chart URL in an index
/// relative to the repository URL.
pub fn resolve_reference_url(base: &str, reference: &str) -> Result<String, Error> {
    url::resolve_reference(base, reference).map_err(Error::input)
}
