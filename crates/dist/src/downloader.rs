//! Chart references to local archives (pkg/downloader/chart_downloader.go,
//! pkg/action `ChartPathOptions.LocateChart` and `Pull.Run`): `oci://…`,
//! `REPO/CHART`, `CHART --repo URL`, `https://…/chart.tgz` and paths.
//!
//! Two ways out, as in Helm:
//! * [`Downloader::download_to`] (`pull`): the archive lands in a directory under its
//!   own name; the content cache is read (when the digest is known in
//!   advance) but never written;
//! * [`Downloader::download_to_cache`] (install/upgrade/template/show through
//!   [`locate_chart`]): the archive lands in the content cache,
//!   `CONTENT/<first byte hex>/<sha256 hex>.chart` (`.prov` beside it),
//!   keyed by the index's digest, the manifest digest a reference pins, or
//!   else the archive's own sha256.
//!
//! Whatever the registry client prints (`Pulled:`/`Digest:`) goes to the
//! `out` writer as it happens, as Helm's registry client writes to stdout.
//! Every file is written whole (temporary file, then rename).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind};
use crate::http;
use crate::oci;
use crate::paths::Settings;
use crate::provenance::{self, Verification};
use crate::repo;

/// Helm's `ChartPathOptions`: the flags every chart-taking command has.
#[derive(Clone, Debug, Default)]
pub struct ChartPathOptions {
    /// `--version` (a version or constraint; `--devel` is the caller's
    /// `>0.0.0-0` when this is empty).
    pub version: String,
    /// `--repo`.
    pub repo_url: String,
    pub username: String,
    pub password: String,
    /// `--pass-credentials`.
    pub pass_credentials_all: bool,
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    pub plain_http: bool,
    /// `--verify`.
    pub verify: bool,
    /// `--keyring`.
    pub keyring: PathBuf,
}

impl ChartPathOptions {
    /// The getter options these flags imply.
    pub fn http_options(&self) -> http::Options {
        http::Options {
            ca_file: self.ca_file.clone(),
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            username: self.username.clone(),
            password: self.password.clone(),
            pass_credentials_all: self.pass_credentials_all,
            timeout: None,
        }
    }

    /// The registry client these flags imply (Helm's `newRegistryClient`).
    pub fn registry_options(&self, settings: &Settings) -> oci::ClientOptions {
        oci::ClientOptions {
            http: self.http_options(),
            plain_http: self.plain_http,
            credentials_file: settings.registry_config.clone(),
        }
    }
}

/// When to check provenance (Helm's `VerificationStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verify {
    Never,
    /// `--verify`: fail without a valid `.prov`.
    Always,
    /// `pull --prov`: fetch the `.prov`, do not check it.
    Later,
}

/// Where a resolved chart comes from.
#[derive(Clone, Debug)]
enum Source {
    Oci {
        /// Without `oci://`.
        reference: String,
    },
    Http {
        url: String,
        opts: http::Options,
        /// Send credentials only to this host (unless passing them to all).
        auth_host: Option<String>,
    },
}

#[derive(Clone, Debug)]
struct Resolution {
    /// Hex digest known in advance (index digest, pinned manifest digest).
    hash: String,
    source: Source,
    /// The archive's file name (`NAME-VERSION.tgz`, or the URL's last part).
    file_name: String,
    /// What Helm shows for `URL.prov` (`oci://…:TAG.prov`, `https://….prov`).
    url: String,
}

/// One download session: flags, settings, and where messages go.
pub struct Downloader<'a> {
    pub settings: &'a Settings,
    pub opts: ChartPathOptions,
    pub verify: Verify,
    registry: Option<oci::Client>,
}

/// Go's `encoding/hex` decode, with its error texts.
fn hex_decode(s: &str) -> Result<Vec<u8>, String> {
    let val = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 2);
    let mut i = 0;
    while i + 1 < b.len() {
        let hi = val(b[i]).ok_or_else(|| invalid_byte(s, i))?;
        let lo = val(b[i + 1]).ok_or_else(|| invalid_byte(s, i + 1))?;
        out.push(hi << 4 | lo);
        i += 2;
    }
    if b.len() % 2 == 1 {
        if val(b[b.len() - 1]).is_none() {
            return Err(invalid_byte(s, b.len() - 1));
        }
        return Err("encoding/hex: odd length hex string".into());
    }
    Ok(out)
}

fn invalid_byte(s: &str, i: usize) -> String {
    let c = s[i..].chars().next().unwrap_or('?');
    format!("encoding/hex: invalid byte: U+{:04X} {c:?}", c as u32)
}

/// The content cache file for a digest (Helm's `DiskCache.fileName`): the
/// digest is a 32-byte key, zero-padded or cut as Go's `copy` does.
pub fn cache_file(settings: &Settings, digest: &[u8], ext: &str) -> PathBuf {
    let mut key = [0u8; 32];
    let n = digest.len().min(32);
    key[..n].copy_from_slice(&digest[..n]);
    let hex = crate::hex(&key);
    settings
        .content_cache
        .join(&hex[..2])
        .join(format!("{hex}{ext}"))
}

fn cache_get(settings: &Settings, digest: &[u8], ext: &str) -> Option<PathBuf> {
    if digest.is_empty() {
        return None;
    }
    let p = cache_file(settings, digest, ext);
    p.is_file().then_some(p)
}

fn cache_put(settings: &Settings, digest: &[u8], ext: &str, data: &[u8]) -> Result<PathBuf, Error> {
    let p = cache_file(settings, digest, ext);
    crate::fsutil::write_atomic(&p, data, 0o644)?;
    Ok(p)
}

/// The last element of a URL's path.
fn url_base(url: &str) -> String {
    let path = reqwest::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| url.to_string());
    let p = path.trim_end_matches('/');
    match p.rfind('/') {
        Some(i) => p[i + 1..].to_string(),
        None if p.is_empty() => ".".into(),
        None => p.to_string(),
    }
}

/// Scheme, host and path of a reference the way Go's `url.Parse` splits an
/// absolute URL; `None` for anything without `scheme://`.
fn split_url(r: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = r.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    Some((scheme, host, path))
}

fn host_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
}

impl<'a> Downloader<'a> {
    pub fn new(settings: &'a Settings, opts: ChartPathOptions, verify: Verify) -> Downloader<'a> {
        Downloader {
            settings,
            opts,
            verify,
            registry: None,
        }
    }

    fn registry(&mut self) -> Result<&oci::Client, Error> {
        if self.registry.is_none() {
            self.registry = Some(oci::Client::new(self.opts.registry_options(self.settings))?);
        }
        match &self.registry {
            Some(c) => Ok(c),
            None => Err(Error::transport("missing registry client")),
        }
    }

    /// Helm's `ResolveChartVersion`.
    fn resolve(&mut self, reference: &str, version: &str) -> Result<Resolution, Error> {
        if reference.starts_with("oci://") {
            let r = self.registry()?.resolve_chart(reference, version)?;
            let hash = r
                .digest
                .split_once(':')
                .map(|x| x.1.to_string())
                .unwrap_or_default();
            return Ok(Resolution {
                hash,
                url: format!("oci://{}", r.reference),
                source: Source::Oci {
                    reference: r.reference,
                },
                file_name: r.file_name,
            });
        }
        if let Some((scheme, host, path)) = split_url(reference) {
            if !host.is_empty() && !path.is_empty() {
                self.check_scheme(scheme)?;
                let mut opts = self.opts.http_options();
                opts.pass_credentials_all = true;
                return Ok(Resolution {
                    hash: String::new(),
                    url: reference.to_string(),
                    file_name: url_base(reference),
                    source: Source::Http {
                        url: reference.to_string(),
                        opts,
                        auth_host: None,
                    },
                });
            }
        }
        let (repo_name, chart_name) = match reference.split_once('/') {
            Some(x) => x,
            None => {
                return Err(Error::input(format!(
                "non-absolute URLs should be in form of repo_name/path_to_chart, got: {reference}"
            )))
            }
        };
        let (entry, cv) = repo::find_in_cached_repo(self.settings, repo_name, chart_name, version)?;
        let first = match cv.urls.first() {
            Some(u) => u,
            None => {
                return Err(Error::not_found(format!(
                    "chart {reference:?} has no downloadable URLs"
                )))
            }
        };
        let url = repo::resolve_reference_url(&entry.url, first)
            .map_err(|_| Error::input(format!("invalid chart URL format: {reference}")))?;
        if let Some((scheme, _, _)) = split_url(&url) {
            self.check_scheme(scheme)?;
        }
        // The flags' options, with the repository's TLS files and
        // credentials taking over when it has them.
        let mut opts = self.opts.http_options();
        if !entry.cert_file.is_empty() || !entry.key_file.is_empty() || !entry.ca_file.is_empty() {
            let p = |s: &str| (!s.is_empty()).then(|| PathBuf::from(s));
            opts.cert_file = p(&entry.cert_file);
            opts.key_file = p(&entry.key_file);
            opts.ca_file = p(&entry.ca_file);
        }
        if !entry.username.is_empty() && !entry.password.is_empty() {
            opts.username = entry.username.clone();
            opts.password = entry.password.clone();
            opts.pass_credentials_all = entry.pass_credentials_all;
        }
        let auth_host = if opts.pass_credentials_all {
            None
        } else {
            host_of(&entry.url)
        };
        Ok(Resolution {
            hash: cv.digest.clone(),
            file_name: url_base(&url),
            url: url.clone(),
            source: Source::Http {
                url,
                opts,
                auth_host,
            },
        })
    }

    fn check_scheme(&self, scheme: &str) -> Result<(), Error> {
        match scheme {
            "http" | "https" | "oci" => Ok(()),
            s => Err(Error::input(format!("scheme {s:?} not supported"))),
        }
    }

    fn get_http(
        url: &str,
        opts: &http::Options,
        auth_host: Option<&str>,
        accept: bool,
    ) -> Result<Vec<u8>, Error> {
        let client = http::client(opts)?;
        let extra: Vec<(&str, String)> = if accept {
            vec![(
                "Accept",
                "application/gzip,application/octet-stream".to_string(),
            )]
        } else {
            Vec::new()
        };
        let r = http::get(&client, url, opts, auth_host, &extra)?;
        if r.status != 200 {
            let kind = match r.status {
                401 | 403 => ErrorKind::Auth,
                404 => ErrorKind::NotFound,
                _ => ErrorKind::Transport,
            };
            return Err(Error::new(
                kind,
                format!("failed to fetch {url} : {}", r.status_text),
            ));
        }
        Ok(r.body)
    }

    fn fetch(&mut self, res: &Resolution, out: &mut dyn Write) -> Result<Vec<u8>, Error> {
        match &res.source {
            Source::Oci { reference } => {
                let reference = reference.clone();
                let p = self.registry()?.pull(&reference, false)?;
                let _ = out.write_all(p.messages().as_bytes());
                let _ = out.flush();
                Ok(p.chart)
            }
            Source::Http {
                url,
                opts,
                auth_host,
            } => Self::get_http(url, opts, auth_host.as_deref(), true),
        }
    }

    fn fetch_prov(&mut self, res: &Resolution, out: &mut dyn Write) -> Result<Vec<u8>, Error> {
        match &res.source {
            Source::Oci { reference } => {
                let reference = reference.clone();
                let p = self.registry()?.pull_prov(&reference)?;
                let _ = out.write_all(p.messages().as_bytes());
                let _ = out.flush();
                Ok(p.prov.unwrap_or_default())
            }
            Source::Http {
                url,
                opts,
                auth_host,
            } => Self::get_http(&format!("{url}.prov"), opts, auth_host.as_deref(), false),
        }
    }

    /// The `.prov` for a download, or `None` after Helm's warning when it
    /// is missing and not required.
    fn provenance(
        &mut self,
        reference: &str,
        res: &Resolution,
        out: &mut dyn Write,
    ) -> Result<Option<Vec<u8>>, Error> {
        match self.fetch_prov(res, out) {
            Ok(p) => Ok(Some(p)),
            Err(e) if self.verify == Verify::Always => Err(Error::new(
                e.kind,
                format!("failed to fetch provenance \"{}.prov\"", res.url),
            )),
            Err(e) => {
                let _ = writeln!(out, "WARNING: Verification not found for {reference}: {e}");
                Ok(None)
            }
        }
    }

    /// Helm's `DownloadTo` (`pull`): the archive (and `.prov` when asked)
    /// written into `dest` under its file name.
    pub fn download_to(
        &mut self,
        reference: &str,
        version: &str,
        dest: &Path,
        out: &mut dyn Write,
    ) -> Result<(PathBuf, Option<Verification>), Error> {
        let res = self.resolve(reference, version)?;
        let digest = if res.hash.is_empty() {
            Vec::new()
        } else {
            hex_decode(&res.hash).map_err(Error::input)?
        };
        let cached =
            cache_get(self.settings, &digest, ".chart").and_then(|p| std::fs::read(p).ok());
        let data = match cached {
            Some(d) => d,
            None => self.fetch(&res, out)?,
        };
        let destfile = dest.join(&res.file_name);
        // Helm writes into the destination as it is (its temporary file
        // beside the target): a missing directory is an error, not made.
        if !dest.is_dir() {
            return Err(Error::io(format!(
                "open {}: no such file or directory",
                destfile.display()
            )));
        }
        crate::fsutil::write_atomic(&destfile, &data, 0o644)?;
        if self.verify == Verify::Never {
            return Ok((destfile, None));
        }
        let cached = cache_get(self.settings, &digest, ".prov").and_then(|p| std::fs::read(p).ok());
        let prov = match cached {
            Some(p) => p,
            None => match self.provenance(reference, &res, out)? {
                Some(p) => p,
                None => return Ok((destfile, None)),
            },
        };
        let provfile = PathBuf::from(format!("{}.prov", destfile.display()));
        crate::fsutil::write_atomic(&provfile, &prov, 0o644)?;
        if self.verify == Verify::Later {
            return Ok((destfile, None));
        }
        let v = provenance::verify_archive(&destfile, None, &self.opts.keyring)?;
        Ok((destfile, Some(v)))
    }

    /// Helm's `DownloadToCache`: the archive in the content cache.
    pub fn download_to_cache(
        &mut self,
        reference: &str,
        version: &str,
        out: &mut dyn Write,
    ) -> Result<(PathBuf, Option<Verification>), Error> {
        let res = self.resolve(reference, version)?;
        let mut digest = hex_decode(&res.hash)
            .map_err(|e| Error::input(format!("unable to decode digest: {e}")))?;
        let path = match cache_get(self.settings, &digest, ".chart") {
            Some(p) => p,
            None => {
                let data = self.fetch(&res, out)?;
                if digest.is_empty() {
                    use sha2::Digest;
                    digest = sha2::Sha256::digest(&data).to_vec();
                }
                cache_put(self.settings, &digest, ".chart", &data)?
            }
        };
        if self.verify == Verify::Never {
            return Ok((path, None));
        }
        let prov_path = match cache_get(self.settings, &digest, ".prov") {
            Some(p) => p,
            None => match self.provenance(reference, &res, out)? {
                Some(p) => cache_put(self.settings, &digest, ".prov", &p)?,
                None => return Ok((path, None)),
            },
        };
        if self.verify == Verify::Later {
            return Ok((path, None));
        }
        // Provenance files name the archive: verify a copy under its name.
        let prov = std::fs::read(&prov_path).map_err(|e| {
            Error::io(format!(
                "open {}: {}",
                prov_path.display(),
                http::gostd_io(&e)
            ))
        })?;
        let data = std::fs::read(&path)
            .map_err(|e| Error::io(format!("open {}: {}", path.display(), http::gostd_io(&e))))?;
        let tmp = tempfile::Builder::new()
            .prefix(".verify-")
            .tempdir_in(&self.settings.content_cache)
            .map_err(|e| {
                Error::io(format!(
                    "mkdir {}: {}",
                    self.settings.content_cache.display(),
                    http::gostd_io(&e)
                ))
            })?;
        let named = tmp.path().join(&res.file_name);
        crate::fsutil::write_atomic(&named, &data, 0o644)?;
        let v = provenance::verify_archive(&named, Some(&prov), &self.opts.keyring)?;
        Ok((path, Some(v)))
    }
}

/// What [`locate_chart`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Located {
    /// A path on disk, as given (or missing: the caller reports it).
    Local(String),
    /// A downloaded archive in the content cache.
    Downloaded(PathBuf),
}

impl Located {
    /// The path to load the chart from.
    pub fn path(&self) -> String {
        match self {
            Located::Local(s) => s.clone(),
            Located::Downloaded(p) => p.display().to_string(),
        }
    }
}

/// Helm's `ChartPathOptions.LocateChart`: a local path as is (verified
/// with `--verify`), anything else downloaded into the content cache.
/// Paths that look like paths (absolute, or starting with `.`) but do not
/// exist are returned as they are, for the caller's own error.
pub fn locate_chart(
    settings: &Settings,
    opts: &ChartPathOptions,
    name: &str,
    out: &mut dyn Write,
) -> Result<Located, Error> {
    let name = name.trim();
    let version = opts.version.trim().to_string();
    if Path::new(name).exists() {
        if opts.verify {
            let abs = std::path::absolute(name).unwrap_or_else(|_| PathBuf::from(name));
            provenance::verify_archive(&abs, None, &opts.keyring)?;
        }
        return Ok(Located::Local(name.to_string()));
    }
    if Path::new(name).is_absolute() || name.starts_with('.') {
        return Ok(Located::Local(name.to_string()));
    }
    let verify = if opts.verify {
        Verify::Always
    } else {
        Verify::Never
    };
    let mut dl_opts = opts.clone();
    let mut reference = name.to_string();
    if !opts.repo_url.is_empty() {
        let cv = repo::find_in_repo_url(
            settings,
            &opts.repo_url,
            &opts.http_options(),
            name,
            &version,
        )?;
        reference = chart_url_in_repo(&opts.repo_url, name, &version, &cv)?;
        // Credentials go to the chart's host only when it is the
        // repository's (or when told to pass them everywhere).
        let same = |a: &str| {
            reqwest::Url::parse(a).ok().map(|u| {
                (
                    u.scheme().to_string(),
                    u.host_str().map(String::from),
                    u.port(),
                )
            })
        };
        if !(opts.pass_credentials_all || same(&opts.repo_url) == same(&reference)) {
            dl_opts.username.clear();
            dl_opts.password.clear();
        }
    }
    let _ = std::fs::create_dir_all(&settings.repository_cache);
    let mut dl = Downloader::new(settings, dl_opts, verify);
    let (path, _) = dl.download_to_cache(&reference, &version, out)?;
    Ok(Located::Downloaded(
        std::path::absolute(&path).unwrap_or(path),
    ))
}

/// The absolute URL of a chart found in a repository's index
/// (`repo.FindChartInRepoURL`'s last step).
fn chart_url_in_repo(
    repo_url: &str,
    name: &str,
    version: &str,
    cv: &repo::ChartVersion,
) -> Result<String, Error> {
    match cv.urls.first() {
        Some(u) => repo::resolve_reference_url(repo_url, u),
        None => Err(Error::not_found(format!(
            "chart {name:?} version {version:?} has no downloadable URLs"
        ))),
    }
}

/// `pull`'s own flags.
#[derive(Clone, Debug, Default)]
pub struct PullOptions {
    pub chart: ChartPathOptions,
    /// `--prov`.
    pub prov: bool,
    pub untar: bool,
    pub untar_dir: String,
    pub dest_dir: String,
}

/// Go's `filepath.Join(a, b)` (cleaned).
fn join_clean(a: &str, b: &str) -> String {
    gostd::path::join(&[a, b])
}

/// Helm's `chartutil.ExpandFile`: the archive's files, verbatim, under
/// `dir/NAME` (NAME from its Chart.yaml).
pub fn expand(dir: &Path, archive: &[u8]) -> Result<PathBuf, Error> {
    let files = chart::loader::load_archive_files(archive)?;
    let mut name = String::new();
    for f in &files {
        if f.name == "Chart.yaml" {
            name = chart::loader::parse_metadata(&f.data)?.name;
        }
    }
    if name.is_empty() {
        return Err(Error::input("chart name not specified"));
    }
    if name.contains('/') || name == ".." || name == "." {
        return Err(Error::input(format!(
            "chart name {name:?} is not a directory name"
        )));
    }
    let chart_dir = dir.join(&name);
    for f in &files {
        crate::fsutil::write_atomic(&chart_dir.join(&f.name), &f.data, 0o644)?;
    }
    Ok(chart_dir)
}

/// Helm's `Pull.Run` for one chart reference: messages go to `out` as
/// they happen (registry `Pulled:` lines, warnings), then `Signed by:` …
/// for `--verify`.
pub fn pull(
    settings: &Settings,
    opts: &PullOptions,
    chart_ref: &str,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let verify = if opts.chart.verify {
        Verify::Always
    } else if opts.prov {
        Verify::Later
    } else {
        Verify::Never
    };
    let tmp;
    let dest: PathBuf = if opts.untar {
        tmp = tempfile::Builder::new()
            .prefix("helm-")
            .tempdir()
            .map_err(|e| Error::io(format!("failed to untar: {}", http::gostd_io(&e))))?;
        tmp.path().to_path_buf()
    } else {
        PathBuf::from(&opts.dest_dir)
    };
    let version = opts.chart.version.clone();
    let mut source = chart_ref.to_string();
    if !opts.chart.repo_url.is_empty() {
        let cv = repo::find_in_repo_url(
            settings,
            &opts.chart.repo_url,
            &opts.chart.http_options(),
            chart_ref,
            &version,
        )?;
        source = chart_url_in_repo(&opts.chart.repo_url, chart_ref, &version, &cv)?;
    }
    let mut dl = Downloader::new(settings, opts.chart.clone(), verify);
    let (saved, ver) = dl.download_to(&source, &version, &dest, out)?;
    if let (true, Some(v)) = (opts.chart.verify, ver) {
        for who in &v.signed_by {
            let _ = writeln!(out, "Signed by: {who}");
        }
        let _ = writeln!(
            out,
            "Using Key With Fingerprint: {}",
            v.fingerprint.to_uppercase()
        );
        let _ = writeln!(out, "Chart Hash Verified: {}", v.file_hash);
    }
    if opts.untar {
        let ud = if Path::new(&opts.untar_dir).is_absolute() {
            opts.untar_dir.clone()
        } else {
            join_clean(&opts.dest_dir, &opts.untar_dir)
        };
        let chart_name = chart_ref.rsplit('/').next().unwrap_or(chart_ref);
        let ud_check = if ud == "." {
            chart_name.to_string()
        } else {
            join_clean(&ud, chart_name)
        };
        if Path::new(&ud_check).exists() {
            return Err(Error::io(format!(
                "failed to untar: a file or directory with the name {ud_check} already exists"
            )));
        }
        std::fs::create_dir_all(&ud_check).map_err(|e| {
            Error::io(format!(
                "failed to untar (mkdir): mkdir {ud_check}: {}",
                http::gostd_io(&e)
            ))
        })?;
        let data = std::fs::read(&saved)
            .map_err(|e| Error::io(format!("open {}: {}", saved.display(), http::gostd_io(&e))))?;
        expand(Path::new(&ud), &data)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_hex() {
        assert_eq!(hex_decode("0aff").unwrap(), vec![10, 255]);
        assert_eq!(
            hex_decode("sha256:00").unwrap_err(),
            "encoding/hex: invalid byte: U+0073 's'"
        );
        assert_eq!(
            hex_decode("abc").unwrap_err(),
            "encoding/hex: odd length hex string"
        );
    }

    #[test]
    fn joins() {
        assert_eq!(join_clean(".", "unpacked"), "unpacked");
        assert_eq!(join_clean("/tmp/x", "."), "/tmp/x");
        assert_eq!(join_clean(".", "."), ".");
    }

    #[test]
    fn url_bases() {
        assert_eq!(url_base("http://h:1/charts/a-1.0.0.tgz"), "a-1.0.0.tgz");
        assert_eq!(split_url("ml/fraud"), None);
        assert_eq!(split_url("https://h/x.tgz"), Some(("https", "h", "/x.tgz")));
    }
}
