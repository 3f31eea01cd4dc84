//! The repository cache (pkg/repo/v1/chartrepo.go `DownloadIndexFile`):
//! `CACHE/NAME-index.yaml` holds the index bytes exactly as served (once
//! they load), `CACHE/NAME-charts.txt` the chart names, both written
//! atomically (charts list first, as Helm does).
//!
//! capstan adds conditional requests, which Helm does not make: the ETag
//! and a strong `Last-Modified` of the last download are kept in a small
//! sidecar file, sent back as `If-None-Match`/`If-Modified-Since`, and a
//! `304 Not Modified` keeps the cached index without downloading or
//! parsing it again (multi-megabyte indexes are the common complaint).
//! The sidecars live outside the repository cache directory
//! (`CACHE_HOME/capstan/index-validators/`), so the cache directory holds
//! exactly Helm's files; a sidecar is trusted only while the cached
//! index still has the bytes it describes and the URL is the same.

use std::path::{Path, PathBuf};

use super::index::IndexFile;
use super::Entry;
use crate::error::{Error, ErrorKind};
use crate::http;
use crate::paths::Settings;

/// What a download did.
#[derive(Debug)]
pub enum Fetched {
    /// New bytes, validated, written to the cache.
    Updated(Box<IndexFile>),
    /// The server said the cached copy is current (`304`).
    NotModified,
}

#[derive(Debug, Default, PartialEq)]
struct Validators {
    url: String,
    sha256: String,
    etag: String,
    last_modified: String,
}

fn sidecar_path(settings: &Settings, index_path: &Path) -> PathBuf {
    let abs = std::path::absolute(index_path).unwrap_or_else(|_| index_path.to_path_buf());
    let key = crate::sha256_hex(abs.to_string_lossy().as_bytes());
    settings
        .cache_home
        .join("capstan")
        .join("index-validators")
        .join(key)
}

impl Validators {
    fn parse(text: &str) -> Validators {
        let mut v = Validators::default();
        for line in text.lines() {
            if let Some((k, val)) = line.split_once(": ") {
                match k {
                    "url" => v.url = val.into(),
                    "sha256" => v.sha256 = val.into(),
                    "etag" => v.etag = val.into(),
                    "last-modified" => v.last_modified = val.into(),
                    _ => {}
                }
            }
        }
        v
    }
    fn render(&self) -> String {
        format!(
            "url: {}\nsha256: {}\netag: {}\nlast-modified: {}\n",
            self.url, self.sha256, self.etag, self.last_modified
        )
    }
}

/// The validators of the cached index at `index_path`, if the cache still
/// holds the bytes they were recorded for and the URL matches.
fn current_validators(settings: &Settings, index_path: &Path, url: &str) -> Option<Validators> {
    let text = std::fs::read_to_string(sidecar_path(settings, index_path)).ok()?;
    let v = Validators::parse(&text);
    if v.url != url || (v.etag.is_empty() && v.last_modified.is_empty()) {
        return None;
    }
    let cached = std::fs::read(index_path).ok()?;
    (crate::sha256_hex(&cached) == v.sha256).then_some(v)
}

/// Drops the sidecar of a cached index (with `repo remove`).
pub fn forget(settings: &Settings, index_path: &Path) {
    let _ = std::fs::remove_file(sidecar_path(settings, index_path));
}

fn header(r: &http::Response, name: &str) -> String {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// HTTP dates (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds.
fn http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: i64 = parts[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])? as i64
        + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<i64> = parts[4]
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<Vec<_>>>()?;
    if hms.len() != 3 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
}

/// A `Last-Modified` is only a safe validator when it is at least a
/// second older than the response (RFC 9110 §8.8.2.2): a file changed
/// twice within its second would otherwise look unchanged.
fn strong_last_modified(r: &http::Response) -> String {
    let lm = header(r, "last-modified");
    let (Some(l), Some(d)) = (http_date(&lm), http_date(&header(r, "date"))) else {
        return String::new();
    };
    if d - l >= 2 {
        lm
    } else {
        String::new()
    }
}

/// A downloaded index, not yet validated or cached.
#[derive(Debug)]
pub struct Download {
    pub body: Vec<u8>,
    validators: Validators,
}

/// The network half of `DownloadIndexFile`: GET `URL/index.yaml` for
/// `entry` (conditionally when `conditional` and the cache has
/// validators).  `Ok(None)`: `304`, the cached index is current.  Makes
/// no file changes, so it can run on any thread.
pub fn fetch(
    settings: &Settings,
    entry: &Entry,
    cache_dir: &Path,
    timeout: Option<std::time::Duration>,
    conditional: bool,
) -> Result<Option<Download>, Error> {
    let index_url =
        super::url::resolve_reference(&entry.url, "index.yaml").map_err(Error::input)?;
    let mut opts = entry.http_options();
    opts.timeout = timeout;
    let client = http::client(&opts)?;
    let index_path = cache_dir.join(format!("{}-index.yaml", entry.name));
    let prior = if conditional {
        current_validators(settings, &index_path, &index_url)
    } else {
        None
    };
    let mut extra = Vec::new();
    if let Some(v) = &prior {
        if !v.etag.is_empty() {
            extra.push(("If-None-Match", v.etag.clone()));
        }
        if !v.last_modified.is_empty() {
            extra.push(("If-Modified-Since", v.last_modified.clone()));
        }
    }
    let auth_host = super::url::GoUrl::parse(&entry.url)
        .ok()
        .map(|u| super::host_of(&u.authority));
    let resp = http::get(&client, &index_url, &opts, auth_host.as_deref(), &extra)?;
    if resp.status == 304 && prior.is_some() {
        return Ok(None);
    }
    if resp.status != 200 {
        let kind = match resp.status {
            401 | 403 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            _ => ErrorKind::Transport,
        };
        return Err(Error::new(
            kind,
            format!("failed to fetch {index_url} : {}", resp.status_text),
        ));
    }
    let validators = Validators {
        url: index_url,
        sha256: crate::sha256_hex(&resp.body),
        etag: header(&resp, "etag"),
        last_modified: strong_last_modified(&resp),
    };
    Ok(Some(Download {
        body: resp.body,
        validators,
    }))
}

/// The file half of `DownloadIndexFile`: validate the bytes (Helm's
/// `loadIndex`), then write `NAME-charts.txt` and `NAME-index.yaml`.
pub fn store(
    settings: &Settings,
    entry: &Entry,
    cache_dir: &Path,
    d: Download,
) -> Result<IndexFile, Error> {
    let index = IndexFile::load(&d.body, &entry.url)?;
    let index_path = cache_dir.join(format!("{}-index.yaml", entry.name));
    let charts_path = cache_dir.join(format!("{}-charts.txt", entry.name));
    crate::fsutil::write_atomic(&charts_path, index.chart_names().as_bytes(), 0o644)?;
    crate::fsutil::write_atomic(&index_path, &d.body, 0o644)?;
    let side = sidecar_path(settings, &index_path);
    if d.validators.etag.is_empty() && d.validators.last_modified.is_empty() {
        let _ = std::fs::remove_file(&side);
    } else {
        let _ = crate::fsutil::write_atomic(&side, d.validators.render().as_bytes(), 0o644);
    }
    Ok(index)
}

/// After a `304`: make sure `NAME-charts.txt` exists beside the kept index.
pub fn keep(entry: &Entry, cache_dir: &Path) -> Result<(), Error> {
    let charts_path = cache_dir.join(format!("{}-charts.txt", entry.name));
    if !charts_path.exists() {
        let idx = IndexFile::load_file(&cache_dir.join(format!("{}-index.yaml", entry.name)))?;
        crate::fsutil::write_atomic(&charts_path, idx.chart_names().as_bytes(), 0o644)?;
    }
    Ok(())
}

/// `ChartRepository.DownloadIndexFile` for `entry` into `cache_dir`:
/// [`fetch`], then [`store`] (or [`keep`] on `304`).
pub fn download_index(
    settings: &Settings,
    entry: &Entry,
    cache_dir: &Path,
    timeout: Option<std::time::Duration>,
    conditional: bool,
) -> Result<Fetched, Error> {
    match fetch(settings, entry, cache_dir, timeout, conditional)? {
        None => {
            keep(entry, cache_dir)?;
            Ok(Fetched::NotModified)
        }
        Some(d) => Ok(Fetched::Updated(Box::new(store(
            settings, entry, cache_dir, d,
        )?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784111777));
        assert_eq!(http_date("garbage"), None);
    }

    #[test]
    fn validators_round_trip() {
        let v = Validators {
            url: "http://h/index.yaml".into(),
            sha256: "ab".into(),
            etag: "\"x\"".into(),
            last_modified: "Sun, 06 Nov 1994 08:49:37 GMT".into(),
        };
        assert_eq!(Validators::parse(&v.render()), v);
    }
}
