//! `repo add`, `repo update`, `repo list`, `repo remove` (pkg/cmd/repo_*.go)
//! as library operations: the command line only parses flags and prints
//! what these return or write.  Messages are Helm's, byte for byte.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::{cache, Entry, RepoFile};
use crate::error::Error;
use crate::fsutil::FileLock;
use crate::paths::Settings;

/// Flags of `repo add`.
#[derive(Clone, Debug, Default)]
pub struct AddOptions {
    pub name: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub force_update: bool,
    pub allow_deprecated_repos: bool,
    pub cert_file: String,
    pub key_file: String,
    pub ca_file: String,
    pub insecure_skip_tls_verify: bool,
    pub pass_credentials_all: bool,
    pub timeout: Option<Duration>,
}

/// Repositories that were permanently deleted.
const DEPRECATED: &[(&str, &str)] = &[
    (
        "//kubernetes-charts.storage.googleapis.com",
        "https://charts.helm.sh/stable",
    ),
    (
        "//kubernetes-charts-incubator.storage.googleapis.com",
        "https://charts.helm.sh/incubator",
    ),
];

fn q(s: &str) -> String {
    gostd::strconv::quote(s)
}

fn io_err(e: std::io::Error) -> Error {
    Error::io(format!("write: {e}"))
}

/// Reads `repositories.yaml` for `repo add`: missing is empty.
fn read_for_add(path: &Path) -> Result<RepoFile, Error> {
    match std::fs::read(path) {
        Ok(b) => RepoFile::parse(&b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RepoFile::default()),
        Err(e) => Err(Error::io(format!(
            "open {}: {}",
            path.display(),
            crate::http::gostd_io(&e)
        ))),
    }
}

/// Whether a URL's scheme has a getter (`http`, `https`).
fn check_scheme(url: &str) -> Result<(), Error> {
    let u = super::url::GoUrl::parse(url)
        .map_err(|_| Error::input(format!("invalid chart URL format: {url}")))?;
    match u.scheme.as_str() {
        "http" | "https" => Ok(()),
        // Helm's OCI getter answers for oci:// and fails on the index.
        "oci" => Err(Error::input(format!(
            "looks like {} is not a valid chart repository or cannot be reached: failed to perform \"FetchReference\" on source: invalid reference",
            q(url)
        ))),
        s => Err(Error::input(format!(
            "could not find protocol handler for: {s}"
        ))),
    }
}

/// `helm repo add`: the line it prints.
pub fn add(settings: &Settings, o: &AddOptions) -> Result<String, Error> {
    if !o.allow_deprecated_repos {
        for (old, new) in DEPRECATED {
            if o.url.contains(old) {
                return Err(Error::input(format!(
                    "repo {} is no longer available; try {} instead",
                    q(&o.url),
                    q(new)
                )));
            }
        }
    }
    let repo_file = &settings.repository_config;
    if let Some(dir) = repo_file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::io(format!(
                "mkdir {}: {}",
                dir.display(),
                crate::http::gostd_io(&e)
            ))
        })?;
    }
    let _lock = FileLock::acquire(repo_file)?;
    let mut f = read_for_add(repo_file)?;
    let entry = Entry {
        name: o.name.clone(),
        url: o.url.clone(),
        username: o.username.clone(),
        password: o.password.clone(),
        cert_file: o.cert_file.clone(),
        key_file: o.key_file.clone(),
        ca_file: o.ca_file.clone(),
        insecure_skip_tls_verify: o.insecure_skip_tls_verify,
        pass_credentials_all: o.pass_credentials_all,
    };
    if o.name.contains('/') {
        return Err(Error::input(format!(
            "repository name ({}) contains '/', please specify a different name without '/'",
            o.name
        )));
    }
    if !o.force_update {
        if let Some(existing) = f.get(&o.name) {
            if *existing != entry {
                return Err(Error::input(format!(
                    "repository name ({}) already exists, please specify a different name",
                    o.name
                )));
            }
            return Ok(format!(
                "{} already exists with the same configuration, skipping\n",
                q(&o.name)
            ));
        }
    }
    check_scheme(&o.url)?;
    cache::download_index(
        settings,
        &entry,
        &settings.repository_cache,
        Some(o.timeout.unwrap_or(Duration::from_secs(120))),
        true,
    )
    .map_err(|e| {
        e.wrap(format!(
            "looks like {} is not a valid chart repository or cannot be reached",
            q(&o.url)
        ))
    })?;
    f.update(entry);
    f.write(repo_file, 0o600)?;
    Ok(format!(
        "{} has been added to your repositories\n",
        q(&o.name)
    ))
}

/// `helm repo update [NAME…]`: refreshes in parallel, writing Helm's lines
/// to `out` as each repository finishes.
pub fn update(
    settings: &Settings,
    names: &[String],
    timeout: Option<Duration>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let no_repos = || Error::input("no repositories found. You must add one before updating");
    let f = match RepoFile::load_opt(&settings.repository_config) {
        Ok(None) => return Err(no_repos()),
        Ok(Some(f)) => f,
        Err(e) => {
            return Err(Error::input(format!(
                "failed loading file: {}: {e}",
                settings.repository_config.display()
            )))
        }
    };
    if f.entries.is_empty() {
        return Err(no_repos());
    }
    for n in names {
        if !f.entries.iter().any(|e| &e.name == n) {
            return Err(Error::not_found(format!(
                "no repositories found matching '{n}'.  Nothing will be updated"
            )));
        }
    }
    let repos: Vec<&Entry> = f
        .entries
        .iter()
        .filter(|e| names.is_empty() || names.contains(&e.name))
        .collect();
    for e in &repos {
        check_scheme(&e.url)?;
    }
    writeln!(
        out,
        "Hang tight while we grab the latest from your chart repositories..."
    )
    .map_err(io_err)?;
    let timeout = Some(timeout.unwrap_or(Duration::from_secs(120)));
    let cache_dir = settings.repository_cache.clone();
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<(), Error>)>();
    let mut failed: Vec<String> = Vec::new();
    std::thread::scope(|s| -> Result<(), Error> {
        for (i, e) in repos.iter().enumerate() {
            let tx = tx.clone();
            let cache_dir = &cache_dir;
            s.spawn(move || {
                let r = cache::download_index(settings, e, cache_dir, timeout, true).map(|_| ());
                let _ = tx.send((i, r));
            });
        }
        drop(tx);
        for (i, r) in rx {
            let e = repos[i];
            match r {
                Ok(()) => writeln!(
                    out,
                    "...Successfully got an update from the {} chart repository",
                    q(&e.name)
                )
                .map_err(io_err)?,
                Err(err) => {
                    writeln!(
                        out,
                        "...Unable to get an update from the {} chart repository ({}):\n\t{err}",
                        q(&e.name),
                        e.url
                    )
                    .map_err(io_err)?;
                    failed.push(e.url.clone());
                }
            }
            out.flush().map_err(io_err)?;
        }
        Ok(())
    })?;
    if !failed.is_empty() {
        return Err(Error::transport(format!(
            "failed to update the following repositories: [{}]",
            failed.join(" ")
        )));
    }
    writeln!(out, "Update Complete. ⎈Happy Helming!⎈").map_err(io_err)?;
    Ok(())
}

/// `helm repo remove NAME…`, writing a line per removed repository.
pub fn remove(settings: &Settings, names: &[String], out: &mut dyn Write) -> Result<(), Error> {
    let mut f = match RepoFile::load_opt(&settings.repository_config) {
        Ok(Some(f)) if !f.entries.is_empty() => f,
        Ok(_) => return Err(Error::not_found("no repositories configured")),
        Err(e) => return Err(e),
    };
    for n in names {
        if !f.remove(n) {
            return Err(Error::not_found(format!("no repo named {} found", q(n))));
        }
        f.write(&settings.repository_config, 0o600)?;
        let charts = settings.cache_charts(n);
        if charts.exists() {
            let _ = std::fs::remove_file(&charts);
        }
        let idx = settings.cache_index(n);
        cache::forget(settings, &idx);
        match std::fs::remove_file(&idx) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::io(format!(
                    "can't remove index file {}: {}",
                    idx.display(),
                    crate::http::gostd_io(&e)
                )))
            }
        }
        writeln!(out, "{} has been removed from your repositories", q(n)).map_err(io_err)?;
    }
    Ok(())
}

/// `helm repo list`'s rows (name, URL); errors reading the file are
/// ignored as Helm ignores them.
pub fn list(settings: &Settings) -> Vec<(String, String)> {
    RepoFile::load(&settings.repository_config)
        .map(|f| f.entries.into_iter().map(|e| (e.name, e.url)).collect())
        .unwrap_or_default()
}

/// `helm repo list` output: `table` (uitable, tab-separated), `json`
/// (Go's encoder: compact, newline) or `yaml`.
pub fn render_list(
    rows: &[(String, String)],
    format: &str,
    no_headers: bool,
) -> Result<String, Error> {
    use super::gojson;
    match format {
        "json" => {
            let items: Vec<String> = rows
                .iter()
                .map(|(n, u)| {
                    gojson::object(&[("name", gojson::string(n)), ("url", gojson::string(u))])
                })
                .collect();
            Ok(format!("{}\n", gojson::array(&items)))
        }
        "yaml" => {
            let v = gotmpl::Value::list(
                rows.iter()
                    .map(|(n, u)| {
                        let mut m = gotmpl::MapInner::new();
                        m.insert("name".into(), gotmpl::Value::str(n));
                        m.insert("url".into(), gotmpl::Value::str(u));
                        gotmpl::Value::map(m)
                    })
                    .collect(),
            );
            yaml::to_yaml(&v).map_err(|e| Error::input(e.to_string()))
        }
        _ => {
            let mut t = Vec::new();
            if !no_headers {
                t.push(vec!["NAME".to_string(), "URL".to_string()]);
            }
            for (n, u) in rows {
                t.push(vec![n.clone(), u.clone()]);
            }
            Ok(format!("{}\n", gostd::uitable::table(&t, 0)))
        }
    }
}
