//! `dependency update` / `dependency build` (pkg/downloader/manager.go,
//! internal/resolver): resolve Chart.yaml's dependencies against chart
//! repositories, `oci://` registries and `file://` paths, download them
//! into `charts/`, write `Chart.lock`.
//!
//! What Helm does, kept: `@name`/`alias:name` repositories (rewritten to
//! the URL), repository URLs matched to added repositories with
//! `urlutil.Equal`, other URLs used as unmanaged repositories, the
//! resolver's rules (newest index version satisfying the constraint; an
//! exact `oci://` version taken as is, a range resolved over the tag
//! list), downloads into `CHART/tmpcharts-PID` moved into `charts/` only
//! when every download worked (outdated archives deleted, unpacked
//! directories and repository-less dependencies kept), `Chart.lock`
//! rewritten only when its digest changes, and every line Helm prints.
//!
//! What capstan does better, on purpose: only the repositories this chart
//! uses are refreshed (Helm refreshes every added repository and then
//! parses every cached index), each index is parsed once, refreshes use
//! conditional requests, downloads run in parallel (output still in
//! Helm's order), unmanaged repositories' indexes stay in memory instead
//! of leaving `helm-manager-*` files in the cache, and `build` fetches a
//! lock's unmanaged repositories as `update` does instead of failing.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::paths::Settings;
use crate::repo::{self, cache, Entry, IndexFile, RepoFile};

pub mod lock;

pub use lock::hash_req;

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

/// Helm's `defaultKeyring()`: `$GNUPGHOME/pubring.gpg`, else
/// `~/.gnupg/pubring.gpg`.
pub fn default_keyring() -> String {
    match std::env::var("GNUPGHOME").ok().filter(|v| !v.is_empty()) {
        Some(h) => format!("{h}/pubring.gpg"),
        None => {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{home}/.gnupg/pubring.gpg")
        }
    }
}

/// Where a dependency comes from.
#[derive(Clone, Debug)]
enum Source {
    /// No repository: an unpacked chart in `charts/NAME`.
    Charts,
    /// `file://PATH`.
    File,
    /// `oci://HOST/PATH`.
    Oci,
    /// A repository of `repositories.yaml`.
    Added(Entry),
    /// A URL no added repository has (Helm's `helm-manager-<sha256>`).
    Unmanaged(String),
}

const MANAGER_PREFIX: &str = "helm-manager-";

/// Removes `CHART/tmpcharts-PID` however the command ends.
struct TmpDir(PathBuf);

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Manager<'a> {
    settings: &'a Settings,
    chart_dir: PathBuf,
    opts: &'a Options,
    repos: RepoFile,
    /// Parsed indexes: added repositories by name, unmanaged by URL.
    indexes: HashMap<String, IndexFile>,
    out: &'a mut dyn Write,
}

fn go_q(s: &str) -> String {
    gostd::strconv::quote(s)
}

fn out_err(e: std::io::Error) -> Error {
    Error::io(format!("write: {e}"))
}

/// `loadChartDir`.
fn load_chart_dir(dir: &Path) -> Result<chart::Chart, Error> {
    match std::fs::metadata(dir) {
        Err(e) => Err(Error::io(format!(
            "could not find {}: stat {}: {}",
            dir.display(),
            dir.display(),
            crate::http::gostd_io(&e)
        ))),
        Ok(md) if !md.is_dir() => Err(Error::input("only unpacked charts can be updated")),
        Ok(_) => Ok(chart::load_dir(dir)?),
    }
}

/// `resolver.GetLocalPath(repo, chartpath)`.
fn local_path(repository: &str, chart_dir: &Path) -> Result<PathBuf, Error> {
    let p = repository.strip_prefix("file://").unwrap_or(repository);
    let dep = if p.starts_with('/') {
        PathBuf::from(chart::loader::clean_path(p))
    } else {
        PathBuf::from(chart::loader::clean_path(&format!(
            "{}/{p}",
            chart_dir.display()
        )))
    };
    if !dep.exists() {
        return Err(Error::not_found(format!(
            "directory {} not found",
            dep.display()
        )));
    }
    Ok(dep)
}

impl<'a> Manager<'a> {
    fn new(
        settings: &'a Settings,
        chart_dir: &Path,
        opts: &'a Options,
        out: &'a mut dyn Write,
    ) -> Result<Manager<'a>, Error> {
        let repos = RepoFile::load(&settings.repository_config)?;
        let chart_dir = std::path::absolute(chart_dir).unwrap_or_else(|_| chart_dir.to_path_buf());
        Ok(Manager {
            settings,
            chart_dir,
            opts,
            repos,
            indexes: HashMap::new(),
            out,
        })
    }

    fn oci_options(&self) -> crate::oci::ClientOptions {
        let p = |s: &Option<String>| s.as_ref().filter(|s| !s.is_empty()).map(PathBuf::from);
        crate::oci::ClientOptions {
            http: crate::http::Options {
                ca_file: p(&self.opts.ca_file),
                cert_file: p(&self.opts.cert_file),
                key_file: p(&self.opts.key_file),
                insecure_skip_tls_verify: self.opts.insecure_skip_tls_verify,
                username: self.opts.username.clone().unwrap_or_default(),
                password: self.opts.password.clone().unwrap_or_default(),
                pass_credentials_all: false,
                timeout: None,
            },
            plain_http: self.opts.plain_http,
            credentials_file: self.settings.registry_config.clone(),
        }
    }

    /// TLS options for unmanaged HTTP repositories (Helm passes none;
    /// capstan lets `--ca-file` and friends reach them too).
    fn unmanaged_http(&self) -> crate::http::Options {
        let mut o = self.oci_options().http;
        o.username.clear();
        o.password.clear();
        o
    }

    /// `resolveRepoNames`: where each dependency comes from; `@name` and
    /// `alias:name` repositories are rewritten to the repository's URL.
    fn resolve_repo_names(&self, req: &mut [chart::Dependency]) -> Result<Vec<Source>, Error> {
        let mut out = Vec::with_capacity(req.len());
        let mut missing = Vec::new();
        for d in req.iter_mut() {
            if d.repository.is_empty() {
                out.push(Source::Charts);
                continue;
            }
            if d.repository.starts_with("file://") {
                local_path(&d.repository, &self.chart_dir)?;
                out.push(Source::File);
                continue;
            }
            if d.repository.starts_with("oci://") {
                out.push(Source::Oci);
                continue;
            }
            let alias = d
                .repository
                .strip_prefix('@')
                .or_else(|| d.repository.strip_prefix("alias:"));
            let found = self.repos.entries.iter().find(|r| match alias {
                Some(a) if a == r.name => true,
                _ => repo::url::url_equal(&r.url, &d.repository),
            });
            match found {
                Some(r) => {
                    if alias == Some(r.name.as_str()) {
                        d.repository = r.url.clone();
                    }
                    out.push(Source::Added(r.clone()));
                }
                None if repo::url::is_request_uri(&d.repository) => {
                    out.push(Source::Unmanaged(d.repository.clone()))
                }
                None => {
                    missing.push(d.repository.clone());
                    out.push(Source::Charts);
                }
            }
        }
        if !missing.is_empty() {
            let mut msg = format!(
                "no repository definition for {}. Please add them via 'helm repo add'",
                missing.join(", ")
            );
            if missing
                .iter()
                .any(|r| !r.contains("//") && !r.starts_with('@') && !r.starts_with("alias:"))
            {
                msg.push_str(
                    "\nNote that repositories must be URLs or aliases. For example, to refer to the \"example\"\nrepository, use \"https://charts.example.com/\" or \"@example\" instead of\n\"example\". Don't forget to add the repo, too ('helm repo add').",
                );
            }
            return Err(Error::not_found(msg));
        }
        Ok(out)
    }

    /// The sources of a lock's dependencies (`build`).
    fn lock_sources(&self, deps: &[chart::Dependency]) -> Vec<Source> {
        deps.iter()
            .map(|d| {
                if d.repository.is_empty() {
                    Source::Charts
                } else if d.repository.starts_with("file://") {
                    Source::File
                } else if d.repository.starts_with("oci://") {
                    Source::Oci
                } else {
                    let want = d.repository.trim_end_matches('/');
                    match self
                        .repos
                        .entries
                        .iter()
                        .find(|r| repo::url::url_equal(&r.url, want))
                    {
                        Some(r) => Source::Added(r.clone()),
                        None => Source::Unmanaged(d.repository.clone()),
                    }
                }
            })
            .collect()
    }

    /// Refreshes the indexes of the repositories in `sources` (unless
    /// `--skip-refresh`), in parallel, printing Helm's lines.
    fn refresh(&mut self, sources: &[Source]) -> Result<(), Error> {
        let mut added: Vec<Entry> = Vec::new();
        let mut unmanaged: Vec<String> = Vec::new();
        for s in sources {
            match s {
                Source::Added(e) if !added.iter().any(|x| x.name == e.name) => {
                    added.push(e.clone())
                }
                Source::Unmanaged(u) if !unmanaged.contains(u) => unmanaged.push(u.clone()),
                _ => {}
            }
        }
        if self.opts.skip_refresh {
            return Ok(());
        }
        let settings = self.settings;
        let cache_dir = settings.repository_cache.clone();
        let http_opts = self.unmanaged_http();
        type Got = Result<Option<cache::Download>, Error>;
        let (added_res, unmanaged_res): (Vec<Got>, Vec<Result<Vec<u8>, Error>>) =
            std::thread::scope(|s| {
                let a: Vec<_> = added
                    .iter()
                    .map(|e| {
                        let cache_dir = &cache_dir;
                        s.spawn(move || {
                            cache::fetch(
                                settings,
                                e,
                                cache_dir,
                                Some(std::time::Duration::from_secs(120)),
                                true,
                            )
                        })
                    })
                    .collect();
                let u: Vec<_> = unmanaged
                    .iter()
                    .map(|url| {
                        let o = http_opts.clone();
                        s.spawn(move || fetch_index_bytes(url, &o))
                    })
                    .collect();
                (
                    a.into_iter()
                        .map(|h| {
                            h.join()
                                .unwrap_or_else(|_| Err(Error::transport("download failed")))
                        })
                        .collect(),
                    u.into_iter()
                        .map(|h| {
                            h.join()
                                .unwrap_or_else(|_| Err(Error::transport("download failed")))
                        })
                        .collect(),
                )
            });
        if !unmanaged.is_empty() {
            writeln!(
                self.out,
                "Getting updates for unmanaged Helm repositories..."
            )
            .map_err(out_err)?;
            for (url, r) in unmanaged.iter().zip(unmanaged_res) {
                match r.and_then(|b| IndexFile::load(&b, url)) {
                    Ok(idx) => {
                        self.indexes.insert(url.clone(), idx);
                        writeln!(
                            self.out,
                            "...Successfully got an update from the {} chart repository",
                            go_q(url)
                        )
                        .map_err(out_err)?;
                    }
                    Err(e) => writeln!(
                        self.out,
                        "...Unable to get an update from the {} chart repository:\n\t{e}",
                        go_q(url)
                    )
                    .map_err(out_err)?,
                }
            }
        }
        if !added.is_empty() {
            writeln!(
                self.out,
                "Hang tight while we grab the latest from your chart repositories..."
            )
            .map_err(out_err)?;
            for (e, r) in added.iter().zip(added_res) {
                let r = r.and_then(|d| match d {
                    None => cache::keep(e, &cache_dir).map(|_| None),
                    Some(d) => cache::store(settings, e, &cache_dir, d).map(Some),
                });
                match r {
                    Ok(idx) => {
                        if let Some(idx) = idx {
                            self.indexes.insert(e.name.clone(), idx);
                        }
                        writeln!(
                            self.out,
                            "...Successfully got an update from the {} chart repository",
                            go_q(&e.name)
                        )
                        .map_err(out_err)?
                    }
                    Err(err) => writeln!(
                        self.out,
                        "...Unable to get an update from the {} chart repository ({}):\n\t{err}",
                        go_q(&e.name),
                        e.url
                    )
                    .map_err(out_err)?,
                }
            }
            writeln!(self.out, "Update Complete. ⎈Happy Helming!⎈").map_err(out_err)?;
        }
        Ok(())
    }

    /// The index of an HTTP source, parsed at most once per command.
    fn index(&mut self, src: &Source) -> Result<&IndexFile, Error> {
        let (key, cache_name) = match src {
            Source::Added(e) => (e.name.clone(), e.name.clone()),
            Source::Unmanaged(u) => (
                u.clone(),
                format!("{MANAGER_PREFIX}{}", crate::sha256_hex(u.as_bytes())),
            ),
            _ => return Err(Error::input("not a chart repository")),
        };
        if !self.indexes.contains_key(&key) {
            let path = self.settings.cache_index(&cache_name);
            let loaded = match IndexFile::load_file(&path) {
                Ok(i) => Ok(i),
                Err(e) => match src {
                    // Never fetched here (--skip-refresh, or `build`
                    // without a refresh): fetch it now, in memory.
                    Source::Unmanaged(u) if self.opts.skip_refresh => {
                        fetch_index_bytes(u, &self.unmanaged_http())
                            .and_then(|b| IndexFile::load(&b, u))
                            .map_err(|_| e)
                    }
                    _ => Err(e),
                },
            };
            let idx = loaded.map_err(|e| {
                e.wrap(format!(
                    "no cached repository for {cache_name} found. (try 'helm repo update')"
                ))
            })?;
            self.indexes.insert(key.clone(), idx);
        }
        Ok(&self.indexes[&key])
    }

    /// `Resolver.Resolve`: the locked dependencies (name, repository, version).
    fn resolve(
        &mut self,
        req: &[chart::Dependency],
        sources: &[Source],
    ) -> Result<Vec<chart::Dependency>, Error> {
        let mut locked = Vec::with_capacity(req.len());
        let mut missing = Vec::new();
        // Tag lists of oci:// ranges, fetched in parallel up front.
        let oci_ranges: Vec<String> = req
            .iter()
            .zip(sources)
            .filter(|(d, s)| {
                matches!(s, Source::Oci) && gostd::semver::Version::parse(&d.version).is_err()
            })
            .map(|(d, _)| oci_repo_ref(d))
            .collect();
        let mut tags = self.oci_tags(&oci_ranges);
        for (d, src) in req.iter().zip(sources) {
            gostd::semver::semver_compare(&d.version, "0.0.0").map_err(|e| {
                Error::input(format!(
                    "dependency {} has an invalid version/constraint format: {e}",
                    go_q(&d.name)
                ))
            })?;
            let check = |v: &str| gostd::semver::semver_compare(&d.version, v) == Ok(true);
            let lock = |version: &str| chart::Dependency {
                name: d.name.clone(),
                repository: d.repository.clone(),
                version: version.to_string(),
                ..chart::Dependency::default()
            };
            let miss = || {
                format!(
                    "{} (repository {}, version {})",
                    go_q(&d.name),
                    go_q(&d.repository),
                    go_q(&d.version)
                )
            };
            match src {
                Source::Charts => {
                    local_path(&format!("charts/{}", d.name), &self.chart_dir)?;
                    locked.push(lock(&d.version));
                }
                Source::File => {
                    let p = local_path(&d.repository, &self.chart_dir)?;
                    let ch = chart::load_dir(&p)?;
                    if gostd::semver::Version::parse(&ch.metadata.version).is_err()
                        || !check(&ch.metadata.version)
                    {
                        missing.push(miss());
                        continue;
                    }
                    locked.push(lock(&ch.metadata.version));
                }
                Source::Oci => {
                    if gostd::semver::Version::parse(&d.version).is_ok() {
                        if check(&d.version) {
                            locked.push(lock(&d.version));
                        } else {
                            missing.push(miss());
                        }
                        continue;
                    }
                    let list = match tags.remove(&oci_repo_ref(d)) {
                        Some(Ok(l)) => l,
                        Some(Err(e)) => {
                            return Err(e.wrap(format!(
                                "could not retrieve list of tags for repository {}",
                                d.repository
                            )))
                        }
                        None => Vec::new(),
                    };
                    // Put back for another dependency on the same chart.
                    tags.insert(oci_repo_ref(d), Ok(list.clone()));
                    match list
                        .iter()
                        .find(|t| gostd::semver::Version::parse(t).is_ok() && check(t))
                    {
                        Some(t) => locked.push(lock(t)),
                        None => missing.push(miss()),
                    }
                }
                Source::Added(_) | Source::Unmanaged(_) => {
                    let idx = self.index(src)?;
                    let Some(vs) = idx.entries.get(&d.name) else {
                        return Err(Error::not_found(format!(
                            "{} chart not found in repo {}",
                            d.name, d.repository
                        )));
                    };
                    match vs.iter().find(|v| {
                        !v.urls.is_empty()
                            && gostd::semver::Version::parse(&v.version).is_ok()
                            && check(&v.version)
                    }) {
                        Some(v) => locked.push(lock(&v.version)),
                        None => missing.push(miss()),
                    }
                }
            }
        }
        if !missing.is_empty() {
            return Err(Error::not_found(format!(
                "can't get a valid version for {} subchart(s): {}. Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml",
                missing.len(),
                missing.join(", ")
            )));
        }
        Ok(locked)
    }

    /// Tag lists of `HOST/PATH/NAME` repositories, fetched in parallel.
    fn oci_tags(&self, repos: &[String]) -> HashMap<String, Result<Vec<String>, Error>> {
        let mut uniq: Vec<&String> = Vec::new();
        for r in repos {
            if !uniq.contains(&r) {
                uniq.push(r);
            }
        }
        let copts = self.oci_options();
        std::thread::scope(|s| {
            let hs: Vec<_> = uniq
                .iter()
                .map(|r| {
                    let copts = copts.clone();
                    let r = (*r).clone();
                    s.spawn(move || {
                        let res = crate::oci::Client::new(copts).and_then(|c| c.tags(&r));
                        (r, res)
                    })
                })
                .collect();
            hs.into_iter()
                .filter_map(|h| h.join().ok())
                .collect::<HashMap<_, _>>()
        })
    }

    /// `downloadAll`: every locked dependency into `charts/` (through
    /// `CHART/tmpcharts-PID`), printing Helm's lines.
    fn download_all(
        &mut self,
        deps: &mut [chart::Dependency],
        sources: &[Source],
    ) -> Result<(), Error> {
        let dest = self.chart_dir.join("charts");
        match std::fs::metadata(&dest) {
            Ok(md) if !md.is_dir() => {
                return Err(Error::input(format!(
                    "{} is not a directory",
                    go_q(&dest.display().to_string())
                )))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(&dest)
                .map_err(|e| {
                    Error::io(format!(
                        "mkdir {}: {}",
                        dest.display(),
                        crate::http::gostd_io(&e)
                    ))
                })?,
            Err(e) => {
                return Err(Error::io(format!(
                    "unable to retrieve file info for '{}': {}",
                    dest.display(),
                    crate::http::gostd_io(&e)
                )))
            }
        }
        let tmp = TmpDir(
            self.chart_dir
                .join(format!("tmpcharts-{}", std::process::id())),
        );
        std::fs::create_dir_all(&tmp.0).map_err(|e| {
            Error::io(format!(
                "mkdir {}: {}",
                tmp.0.display(),
                crate::http::gostd_io(&e)
            ))
        })?;
        writeln!(self.out, "Saving {} charts", deps.len()).map_err(out_err)?;

        // Plan (no network): what each dependency needs.
        enum Step {
            Done,
            Fail(Error),
            Fetch(usize),
            Already,
        }
        let mut jobs: Vec<Job> = Vec::new();
        let mut steps = Vec::with_capacity(deps.len());
        let mut churls: Vec<String> = Vec::new();
        for (d, src) in deps.iter_mut().zip(sources) {
            let step = match src {
                Source::Charts => {
                    let p = dest.join(&d.name);
                    let ch = chart::load_dir(&p).map_err(|e| {
                        Error::input(format!("unable to load chart '{}': {e}", p.display()))
                    })?;
                    gostd::semver::semver_compare(&d.version, "0.0.0").map_err(|e| {
                        Error::input(format!(
                            "dependency {} has an invalid version/constraint format: {e}",
                            d.name
                        ))
                    })?;
                    gostd::semver::Version::parse(&ch.metadata.version).map_err(|e| {
                        Error::input(format!(
                            "invalid version {} for dependency {}: {e}",
                            d.version, d.name
                        ))
                    })?;
                    if gostd::semver::semver_compare(&d.version, &ch.metadata.version) != Ok(true) {
                        Step::Fail(Error::input(format!(
                            "dependency {} at version {} does not satisfy the constraint {}",
                            d.name, ch.metadata.version, d.version
                        )))
                    } else {
                        Step::Done
                    }
                }
                Source::File => match tar_from_local_dir(&self.chart_dir, d, &tmp.0) {
                    Ok(v) => {
                        d.version = v;
                        Step::Done
                    }
                    Err(e) => Step::Fail(e),
                },
                _ => match self.find_chart_url(d, src) {
                    Err(e) => Step::Fail(e.wrap("could not find ")),
                    Ok(job) => {
                        if churls.contains(&job.churl) {
                            Step::Already
                        } else {
                            churls.push(job.churl.clone());
                            jobs.push(job);
                            Step::Fetch(jobs.len() - 1)
                        }
                    }
                },
            };
            steps.push(step);
        }

        // Fetch (network), in parallel.
        let verify = self.opts.verify;
        let copts = self.oci_options();
        let results: Vec<Result<Fetched, Error>> = std::thread::scope(|s| {
            let hs: Vec<_> = jobs
                .iter()
                .map(|j| {
                    let copts = copts.clone();
                    s.spawn(move || j.run(verify, copts))
                })
                .collect();
            hs.into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::transport("download failed")))
                })
                .collect()
        });
        let mut results: Vec<Option<Result<Fetched, Error>>> =
            results.into_iter().map(Some).collect();

        // Emit, in order, as Helm's sequential loop would.
        let keyring = self.opts.keyring.clone().unwrap_or_else(default_keyring);
        let mut save_error: Option<Error> = None;
        for (d, step) in deps.iter().zip(steps) {
            match step {
                Step::Done => {}
                Step::Fail(e) => {
                    save_error = Some(e);
                    break;
                }
                Step::Already => {
                    writeln!(
                        self.out,
                        "Already downloaded {} from repo {}",
                        d.name, d.repository
                    )
                    .map_err(out_err)?;
                }
                Step::Fetch(i) => {
                    writeln!(
                        self.out,
                        "Downloading {} from repo {}",
                        d.name, d.repository
                    )
                    .map_err(out_err)?;
                    let job = &jobs[i];
                    let res = results[i]
                        .take()
                        .unwrap_or_else(|| Err(Error::transport("download failed")));
                    let res = res.and_then(|f| {
                        if let Some(m) = &f.messages {
                            self.out.write_all(m.as_bytes()).map_err(out_err)?;
                        }
                        let path = tmp.0.join(&job.file_name);
                        crate::fsutil::write_atomic(&path, &f.chart, 0o644)?;
                        if verify {
                            let prov = f.prov.ok_or_else(|| {
                                Error::not_found(format!(
                                    "failed to fetch provenance {}",
                                    go_q(&format!("{}.prov", job.churl))
                                ))
                            })?;
                            let pp = tmp.0.join(format!("{}.prov", job.file_name));
                            crate::fsutil::write_atomic(&pp, &prov, 0o644)?;
                            crate::provenance::verify_archive(
                                &path,
                                Some(&prov),
                                Path::new(&keyring),
                            )?;
                        }
                        Ok(())
                    });
                    if let Err(e) = res {
                        save_error = Some(e.wrap(format!("could not download {}", job.churl)));
                        break;
                    }
                }
            }
        }
        if let Some(e) = save_error {
            writeln!(self.out, "Save error occurred:  {e}").map_err(out_err)?;
            return Err(e);
        }
        self.safe_move_deps(deps, &tmp.0, &dest)
    }

    /// `findChartURL`: the archive URL of a locked dependency and how to
    /// reach it.
    fn find_chart_url(&mut self, d: &chart::Dependency, src: &Source) -> Result<Job, Error> {
        match src {
            Source::Oci => Ok(Job {
                churl: format!("{}/{}", d.repository, d.name),
                file_name: format!("{}-{}.tgz", d.name, d.version),
                kind: JobKind::Oci {
                    version: d.version.clone(),
                },
            }),
            Source::Added(e) => {
                let e = e.clone();
                let content = self.settings.content_cache.clone();
                let idx = self.index(src)?;
                let vs = idx
                    .entries
                    .get(&d.name)
                    .ok_or_else(|| Error::not_found("entry not found"))?;
                let v = vs
                    .iter()
                    .find(|v| !v.urls.is_empty() && version_equals(&d.version, &v.version))
                    .ok_or_else(|| Error::not_found("no matching version"))?;
                let churl =
                    repo::url::normalize_url(&d.repository, &v.urls[0]).map_err(Error::input)?;
                let mut o = e.http_options();
                o.timeout = Some(std::time::Duration::from_secs(120));
                Ok(Job {
                    file_name: file_name_of(&churl),
                    churl,
                    kind: JobKind::Http {
                        opts: o,
                        auth_host: repo::url::GoUrl::parse(&e.url)
                            .ok()
                            .map(|u| repo::host_of(&u.authority)),
                        cached: content_cache_entry(&content, &v.digest),
                    },
                })
            }
            Source::Unmanaged(url) => {
                let url = url.clone();
                let http = self.unmanaged_http();
                let content = self.settings.content_cache.clone();
                let idx = self.index(src).map_err(|e| {
                    Error::not_found(format!("chart {} not found in {url}: {e}", d.name))
                })?;
                let cv = idx.get(&d.name, &d.version).map_err(|_| {
                    Error::not_found(format!(
                        "chart {} not found in {url}: chart {} version {} not found in {url} repository",
                        d.name,
                        go_q(&d.name),
                        go_q(&d.version)
                    ))
                })?;
                let first = cv.urls.first().ok_or_else(|| {
                    Error::not_found(format!(
                        "chart {} version {} has no downloadable URLs",
                        go_q(&d.name),
                        go_q(&d.version)
                    ))
                })?;
                let churl = repo::url::resolve_reference(&url, first)
                    .map_err(|e| Error::input(format!("failed to make chart URL absolute: {e}")))?;
                Ok(Job {
                    file_name: file_name_of(&churl),
                    churl,
                    kind: JobKind::Http {
                        opts: http,
                        auth_host: None,
                        cached: content_cache_entry(&content, &cv.digest),
                    },
                })
            }
            _ => Err(Error::input("not a remote dependency")),
        }
    }

    /// `safeMoveDeps`: the downloads into `charts/`, then archives of
    /// charts that are no longer dependencies deleted.
    fn safe_move_deps(
        &mut self,
        deps: &[chart::Dependency],
        source: &Path,
        dest: &Path,
    ) -> Result<(), Error> {
        let read = |d: &Path| -> Result<Vec<(String, bool)>, Error> {
            let mut v: Vec<(String, bool)> = std::fs::read_dir(d)
                .map_err(|e| {
                    Error::io(format!(
                        "open {}: {}",
                        d.display(),
                        crate::http::gostd_io(&e)
                    ))
                })?
                .flatten()
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        e.file_type().map(|t| t.is_dir()).unwrap_or(false),
                    )
                })
                .collect();
            v.sort();
            Ok(v)
        };
        let source_files = read(source)?;
        let dest_files = read(dest)?;
        let local: Vec<&str> = deps
            .iter()
            .filter(|d| d.repository.is_empty())
            .map(|d| d.name.as_str())
            .collect();
        let mut in_source = std::collections::HashSet::new();
        for (name, is_dir) in &source_files {
            if *is_dir {
                continue;
            }
            let src = source.join(name);
            in_source.insert(name.clone());
            if let Err(e) = chart::loader::load_file(&src) {
                write!(
                    self.out,
                    "Could not verify {} for moving: {e} (Skipping)",
                    src.display()
                )
                .map_err(out_err)?;
                continue;
            }
            if let Err(e) = std::fs::rename(&src, dest.join(name)) {
                write!(
                    self.out,
                    "Unable to move {} to charts dir {} (Skipping)",
                    src.display(),
                    crate::http::gostd_io(&e)
                )
                .map_err(out_err)?;
            }
        }
        writeln!(self.out, "Deleting outdated charts").map_err(out_err)?;
        for (name, is_dir) in &dest_files {
            if *is_dir || in_source.contains(name) {
                continue;
            }
            let f = dest.join(name);
            match chart::loader::load_file(&f) {
                Err(e) => writeln!(
                    self.out,
                    "Could not verify {} for deletion: {e} (Skipping)",
                    f.display()
                )
                .map_err(out_err)?,
                Ok(ch) => {
                    if local.contains(&ch.name()) {
                        continue;
                    }
                    if let Err(e) = std::fs::remove_file(&f) {
                        write!(
                            self.out,
                            "Could not delete {}: {} (Skipping)",
                            f.display(),
                            crate::http::gostd_io(&e)
                        )
                        .map_err(out_err)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// `HOST/PATH/NAME` of an `oci://HOST/PATH` dependency.
fn oci_repo_ref(d: &chart::Dependency) -> String {
    format!(
        "{}/{}",
        d.repository
            .trim_start_matches("oci://")
            .trim_end_matches('/'),
        d.name
    )
}

/// `versionEquals`: semver equality, else string equality.
fn version_equals(a: &str, b: &str) -> bool {
    match gostd::semver::Version::parse(a) {
        Err(_) => a == b,
        Ok(va) => gostd::semver::Version::parse(b)
            .map(|vb| va.compare(&vb) == 0)
            .unwrap_or(false),
    }
}

/// Where the content cache keeps the archive of `digest` (plain sha256
/// hex): `CONTENT/<first byte hex>/<digest>.chart`.
fn content_cache_entry(content: &Path, digest: &str) -> Option<(PathBuf, String)> {
    let d = digest.trim_start_matches("sha256:").to_ascii_lowercase();
    if d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((content.join(&d[..2]).join(format!("{d}.chart")), d))
}

/// The file name a downloaded archive gets: the URL path's last element.
fn file_name_of(url: &str) -> String {
    let path = repo::url::GoUrl::parse(url)
        .map(|u| u.path)
        .unwrap_or_else(|_| url.to_string());
    let base = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if base.is_empty() {
        ".".into()
    } else {
        base.to_string()
    }
}

/// GET `URL/index.yaml` (for unmanaged repositories: no cache, no auth).
fn fetch_index_bytes(url: &str, o: &crate::http::Options) -> Result<Vec<u8>, Error> {
    let index_url = repo::url::resolve_reference(url, "index.yaml").map_err(Error::input)?;
    let mut o = o.clone();
    o.timeout = Some(std::time::Duration::from_secs(120));
    let client = crate::http::client(&o)?;
    crate::http::fetch(&client, &index_url, &o, None)
}

/// `tarFromLocalDir`: a `file://` dependency packaged into `dest`.
fn tar_from_local_dir(
    chart_dir: &Path,
    d: &chart::Dependency,
    dest: &Path,
) -> Result<String, Error> {
    let orig = local_path(&d.repository, chart_dir)?;
    let ch = chart::load_dir(&orig)?;
    gostd::semver::semver_compare(&d.version, "0.0.0").map_err(|e| {
        Error::input(format!(
            "dependency {} has an invalid version/constraint format: {e}",
            d.name
        ))
    })?;
    gostd::semver::Version::parse(&ch.metadata.version).map_err(Error::input)?;
    if gostd::semver::semver_compare(&d.version, &ch.metadata.version) == Ok(true) {
        action::package::save_archive(&ch, dest, None)?;
        return Ok(ch.metadata.version.clone());
    }
    Err(Error::not_found(format!(
        "can't get a valid version for dependency {}",
        d.name
    )))
}

enum JobKind {
    Http {
        opts: crate::http::Options,
        auth_host: Option<String>,
        /// The content cache's copy (`CONTENT/<hex[..2]>/<sha256>.chart`)
        /// and the digest it must have, when the index names one.
        cached: Option<(PathBuf, String)>,
    },
    Oci {
        version: String,
    },
}

/// One archive to fetch.
struct Job {
    /// What Helm names in messages (`could not download CHURL`).
    churl: String,
    file_name: String,
    kind: JobKind,
}

/// A fetched archive.
struct Fetched {
    chart: Vec<u8>,
    prov: Option<Vec<u8>>,
    /// The registry client's `Pulled:`/`Digest:` lines.
    messages: Option<String>,
}

impl Job {
    fn run(&self, verify: bool, copts: crate::oci::ClientOptions) -> Result<Fetched, Error> {
        match &self.kind {
            JobKind::Http {
                opts,
                auth_host,
                cached,
            } => {
                let client = crate::http::client(opts)?;
                // Helm 4's content cache, read by digest: an archive
                // another command downloaded is not fetched again.
                let hit = cached.as_ref().and_then(|(p, digest)| {
                    std::fs::read(p)
                        .ok()
                        .filter(|b| &crate::sha256_hex(b) == digest)
                });
                let chart = match hit {
                    Some(b) => b,
                    None => crate::http::fetch(&client, &self.churl, opts, auth_host.as_deref())?,
                };
                let prov = if verify {
                    crate::http::fetch(
                        &client,
                        &format!("{}.prov", self.churl),
                        opts,
                        auth_host.as_deref(),
                    )
                    .ok()
                } else {
                    None
                };
                Ok(Fetched {
                    chart,
                    prov,
                    messages: None,
                })
            }
            JobKind::Oci { version } => {
                let client = crate::oci::Client::new(copts)?;
                let reference = client.resolve(&self.churl, version)?;
                let p = client.pull(&reference, verify)?;
                Ok(Fetched {
                    messages: Some(p.messages()),
                    chart: p.chart,
                    prov: p.prov,
                })
            }
        }
    }
}

/// `helm dependency update CHART`.
pub fn update(
    settings: &Settings,
    chart_dir: &Path,
    opts: &Options,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let c = load_chart_dir(chart_dir)?;
    if c.metadata.dependencies.is_none() {
        return Ok(());
    }
    let mut m = Manager::new(settings, chart_dir, opts, out)?;
    update_loaded(&mut m, &c)
}

fn update_loaded(m: &mut Manager<'_>, c: &chart::Chart) -> Result<(), Error> {
    let mut req: Vec<chart::Dependency> = c.metadata.deps().cloned().collect();
    let sources = m.resolve_repo_names(&mut req)?;
    m.refresh(&sources)?;
    let mut locked = m.resolve(&req, &sources)?;
    m.download_all(&mut locked, &sources)?;
    let digest = lock::hash_req(&req, &locked)?;
    if c.lock.as_ref().is_some_and(|l| l.digest == digest) {
        return Ok(());
    }
    let lk = chart::Lock {
        generated: crate::now_rfc3339nano(),
        digest,
        dependencies: locked,
    };
    lock::write(&m.chart_dir, &lk, &c.metadata.api_version)
}

/// `helm dependency build CHART`.
pub fn build(
    settings: &Settings,
    chart_dir: &Path,
    opts: &Options,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let c = load_chart_dir(chart_dir)?;
    let mut m = Manager::new(settings, chart_dir, opts, out)?;
    let Some(lk) = c.lock.clone() else {
        if c.metadata.dependencies.is_none() {
            return Ok(());
        }
        return update_loaded(&mut m, &c);
    };
    let mut req: Vec<chart::Dependency> = c.metadata.deps().cloned().collect();
    let v1 = c.metadata.api_version == chart::metadata::API_VERSION_V1;
    let v2_sum = if v1 {
        Some(lock::hash_v2_req(&req)?)
    } else {
        None
    };
    m.resolve_repo_names(&mut req)?;
    let sum = lock::hash_req(&req, &lk.dependencies)?;
    if sum != lk.digest {
        if v1 {
            eprintln!(
                "warning: a valid Helm v3 hash was not found. Checking against Helm v2 hash..."
            );
            if v2_sum.as_deref() != Some(lk.digest.as_str()) {
                return Err(Error::input("the lock file (requirements.lock) is out of sync with the dependencies file (requirements.yaml). Please update the dependencies"));
            }
        } else {
            return Err(Error::input("the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies with 'helm dependency update'"));
        }
    }
    let mut deps = lk.dependencies.clone();
    let sources = m.lock_sources(&deps);
    m.refresh(&sources)?;
    m.download_all(&mut deps, &sources)
}
