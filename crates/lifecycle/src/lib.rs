//! The release lifecycle, in the spirit of Helm's `action` package: each
//! operation (install, upgrade, rollback, uninstall, test, and the read-only
//! history/list/status/get) takes a [`Config`] and an options struct and
//! returns the release record it produced; the command line only parses
//! flags and prints.
//!
//! Data flows one way: a chart is loaded and rendered offline
//! ([`prepare`], on a big-stack thread, because template values are not
//! `Send`), the rendered manifests become cluster objects
//! (`capstan_kube`), and every step is recorded in Helm-compatible release
//! records (`capstan_release`), so Helm and capstan can take turns on the
//! same release.
//!
//! Crash safety follows Helm: a record in `pending-*` is written before the
//! cluster is touched and is the lock; an operation that fails marks its
//! revision `failed`; an interrupted one leaves `pending-*`, which refuses
//! further upgrades (Helm's message) but lets `rollback` recover.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub use capstan_kube::{ClientOptions, Cluster, Progress, Status as KubeStatus, WaitOptions};
pub use capstan_release::{Driver, Release, Status, Storage};

mod apply;
mod deploy;
mod hooks;
mod install;
mod kube_client;
pub mod live;
mod lock;
pub mod prepare;
mod query;
mod rollback;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod uninstall;
mod upgrade;

pub use deploy::WaitSpec;
pub use engine::resources::{generate_name, name_and_chart, template_name, NameOptions};
pub use install::{install, DeployOptions, InstallOptions};
pub use kube_client::{BoxFuture, KubeClient, KubeResult, ServerVersion};
pub use lock::LOCK_TTL;
pub use query::{
    get, history, list, resources_block, status, test, test_logs, ListOptions, StateMask,
    TestOptions,
};
pub use rollback::{rollback, RollbackOptions};
pub use uninstall::{parse_cascade, uninstall, UninstallOptions, UninstallResult};
pub use upgrade::{upgrade, UpgradeOptions, Upgraded, ERR_PENDING};

/// A look at an install, upgrade or rollback between its render and its
/// first change to the cluster (`--diff`, and `capstan diff`, which are
/// built on the operation itself so they show exactly what it applies).
/// It gets the release being replaced (`None` for an install) and the
/// pending one; returning `false` ends the operation there, unapplied, with
/// the pending release described as a dry run.
#[derive(Clone)]
pub struct Preview(Arc<PreviewFn>);

/// `(release being replaced, pending release) -> go on?`
type PreviewFn = dyn Fn(Option<&Release>, &Release) -> bool + Send + Sync;

impl Preview {
    pub fn new(f: impl Fn(Option<&Release>, &Release) -> bool + Send + Sync + 'static) -> Preview {
        Preview(Arc::new(f))
    }
    pub(crate) fn proceed(&self, current: Option<&Release>, next: &Release) -> bool {
        (self.0)(current, next)
    }
}

impl std::fmt::Debug for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Preview(..)")
    }
}

/// What went wrong in a cluster operation, for callers that branch on it
/// (a library user telling "release not found" from "timeout"); the text
/// stays Helm's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad names, flags or revisions.
    InvalidInput,
    /// The chart cannot be used: unreadable, a library chart, missing
    /// dependencies, values that break its schema.
    InvalidChart,
    /// A template failed, or its output is not valid Kubernetes YAML (the
    /// source is the render path's error, with the partial manifest).
    Render,
    /// No such release (`release: not found`).
    ReleaseNotFound,
    /// The release has no deployed revision to upgrade or roll back from.
    NoDeployedReleases,
    /// A name in use, an object owned by another release, another
    /// operation in progress, an object that already exists.
    Conflict,
    /// The cluster could not be reached.
    ClusterUnreachable,
    /// A wait (`--wait`, hooks) ran out of `--timeout`.
    Timeout,
    /// A watched resource failed (a hook Job or Pod ended Failed).
    ResourceFailed,
    /// The API server refused or failed a request.
    Cluster,
    /// A release record could not be read or written.
    Storage,
    /// The operation was interrupted (Ctrl-C, SIGTERM).
    Interrupted,
    /// Anything else.
    Other,
}

/// A cluster operation's error: a kind, Helm's message (what `Display`
/// prints), the release as it was recorded when the operation failed (for
/// callers that print it), and the error it came from.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    pub message: String,
    /// The release as it was recorded when the operation failed.
    pub release: Option<Box<Release>>,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of kind [`ErrorKind::Other`].
    pub fn new(message: impl Into<String>) -> Error {
        Error::with_kind(ErrorKind::Other, message)
    }
    /// An error of `kind` with Helm's `message`.
    pub fn with_kind(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            release: None,
            source: None,
        }
    }
    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// `release: not found` (Helm's `driver.ErrReleaseNotFound`).
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::ReleaseNotFound
    }
    /// A wait ran out of time.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }
    fn with_release(mut self, r: &Release) -> Error {
        self.release = Some(Box::new(r.clone()));
        self
    }
    fn with_source(mut self, e: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(std::sync::Arc::new(e));
        self
    }
    /// `PREFIX: MESSAGE`, keeping the kind; the original is the source.
    pub(crate) fn context(self, prefix: &str) -> Error {
        Error {
            kind: self.kind,
            message: format!("{prefix}: {}", self.message),
            release: self.release.clone(),
            source: Some(std::sync::Arc::new(self)),
        }
    }
    /// The same error with another kind.
    pub(crate) fn kind_of(mut self, kind: ErrorKind) -> Error {
        self.kind = kind;
        self
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<String> for Error {
    fn from(s: String) -> Error {
        Error::new(s)
    }
}
impl From<capstan_kube::Error> for Error {
    fn from(e: capstan_kube::Error) -> Error {
        use capstan_kube::ErrorKind as K;
        let kind = match &e.kind {
            K::Timeout => ErrorKind::Timeout,
            K::Failed => ErrorKind::ResourceFailed,
            K::Config | K::Discovery => ErrorKind::ClusterUnreachable,
            K::NoMapping | K::Manifest => ErrorKind::InvalidChart,
            K::Api { code: 409, .. } => ErrorKind::Conflict,
            K::Api { .. } | K::Other => ErrorKind::Cluster,
        };
        Error::with_kind(kind, e.to_string()).with_source(e)
    }
}
impl From<capstan_release::Error> for Error {
    fn from(e: capstan_release::Error) -> Error {
        use capstan_release::ErrorKind as K;
        let kind = match e.kind {
            K::NotFound => ErrorKind::ReleaseNotFound,
            K::NoDeployed => ErrorKind::NoDeployedReleases,
            K::AlreadyExists => ErrorKind::Conflict,
            K::InvalidKey => ErrorKind::InvalidInput,
            _ => ErrorKind::Storage,
        };
        Error::with_kind(kind, e.to_string()).with_source(e)
    }
}
impl From<engine::resources::Error> for Error {
    fn from(e: engine::resources::Error) -> Error {
        use engine::resources::ErrorClass as C;
        let kind = match e.kind().class() {
            C::Render => ErrorKind::Render,
            C::Input => ErrorKind::InvalidInput,
            C::Chart => ErrorKind::InvalidChart,
        };
        Error::with_kind(kind, e.to_string()).with_source(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Helm 4's `--wait` strategies. Absent flag = `HookOnly`; bare `--wait` = `Watcher`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitStrategy {
    #[default]
    HookOnly,
    Watcher,
    Legacy,
}

impl WaitStrategy {
    /// Parse the flag's value as Helm 4 does (`true`/`false` are the deprecated forms).
    pub fn parse(s: &str) -> std::result::Result<WaitStrategy, String> {
        match s {
            "" | "watcher" | "true" => Ok(WaitStrategy::Watcher),
            "legacy" => Ok(WaitStrategy::Legacy),
            "hookOnly" | "false" => Ok(WaitStrategy::HookOnly),
            other => Err(format!(
                "invalid wait strategy {other:?}; valid values are watcher, legacy, hookOnly"
            )),
        }
    }
    fn waits(&self) -> bool {
        !matches!(self, WaitStrategy::HookOnly)
    }
}

/// `--dry-run[=client|server]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

impl DryRun {
    pub fn parse(s: &str) -> std::result::Result<DryRun, String> {
        match s {
            "none" | "false" => Ok(DryRun::None),
            "" | "client" | "true" => Ok(DryRun::Client),
            "server" => Ok(DryRun::Server),
            other => Err(format!(
                "invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\""
            )),
        }
    }
    pub fn is_dry(&self) -> bool {
        !matches!(self, DryRun::None)
    }
}

/// Where operations report what Helm prints besides its result: warnings,
/// hook logs, wait progress.
pub trait Reporter: Send + Sync {
    fn warn(&self, msg: &str);
    /// Logs of a hook's Pod under its output-log policy.
    fn hook_log(&self, pod: &str, container: &str, log: &str);
    /// Resources still not ready after a poll (empty when all are).
    fn progress(&self, _pending: &[(String, capstan_kube::Status, String)]) {}
}

/// Prints warnings and hook logs to stderr, as Helm's CLI does (its hook
/// output writer is the standard logger).
pub struct StdReporter;

impl Reporter for StdReporter {
    fn warn(&self, msg: &str) {
        eprintln!("WARNING: {msg}");
    }
    fn hook_log(&self, _pod: &str, _container: &str, log: &str) {
        eprint!("{log}");
    }
}

/// What every operation needs: the cluster, the release storage and who
/// to tell (Helm's `action.Configuration`, whose `KubeClient` is an
/// interface too, so tests can hand it a fake).
pub struct Config {
    pub cluster: Arc<dyn KubeClient>,
    pub storage: Storage,
    /// The field manager for applies (Helm's CLI: `helm`).
    pub field_manager: String,
    pub reporter: Arc<dyn Reporter>,
    /// How long a release record's final status write is retried before
    /// the operation gives up on it (see [`Config::record`]).
    pub record_retry: Duration,
    /// Releases whose lock this process holds (see the `lock` module).
    held: Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>,
}

impl Config {
    /// Connect like Helm: kubeconfig flags, then the storage driver named
    /// by `driver` (`HELM_DRIVER`: secret (default), configmap, memory).
    pub async fn connect(opts: &ClientOptions, driver: &str, max_history: usize) -> Result<Config> {
        let cluster = Cluster::connect(opts).await?;
        let driver = Driver::from_name(driver, cluster.client().clone(), cluster.namespace())?;
        Ok(Config::new(
            Arc::new(cluster),
            Storage {
                driver,
                max_history,
            },
        ))
    }

    /// A config over any cluster client and storage (tests pass a fake
    /// cluster and the memory driver, as Helm's action tests do).
    pub fn new(cluster: Arc<dyn KubeClient>, storage: Storage) -> Config {
        Config {
            cluster,
            storage,
            field_manager: "helm".into(),
            reporter: Arc::new(StdReporter),
            record_retry: Duration::from_secs(30),
            held: Default::default(),
        }
    }

    /// Helm's reachability check, run first by every cluster operation.
    pub async fn check_reachable(&self) -> Result<()> {
        Ok(self.cluster.check_reachable().await?)
    }

    /// A config for a different namespace (list -A reads all; install into `ns`).
    pub fn namespace(&self) -> &str {
        self.cluster.namespace()
    }

    fn wait_options(&self, timeout: Duration) -> WaitOptions {
        let r = self.reporter.clone();
        WaitOptions {
            timeout,
            progress: Some(Arc::new(
                move |p: &[(String, capstan_kube::Status, String)]| r.progress(p),
            )),
            ..Default::default()
        }
    }

    /// Helm's `recordRelease`: a failure is reported, not fatal. Unlike
    /// Helm, the write is retried (with backoff, for `record_retry`) first:
    /// a status that never lands leaves the release `pending-*`, which
    /// blocks every later upgrade. When it still fails, the warning says
    /// what to run once the cluster answers again.
    async fn record(&self, r: &Release) {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(200);
        let err = loop {
            match self.storage.update(r).await {
                Ok(()) => return,
                // Answers that a retry cannot change.
                Err(e)
                    if matches!(
                        e.kind,
                        capstan_release::ErrorKind::NotFound | capstan_release::ErrorKind::Codec
                    ) =>
                {
                    break e
                }
                Err(e) if started.elapsed() + pause > self.record_retry => break e,
                Err(_) => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        };
        self.reporter
            .warn(&format!("failed to record the release: {err}"));
        if matches!(r.info.status, Status::Deployed | Status::Failed)
            && err.kind != capstan_release::ErrorKind::NotFound
        {
            let to = if r.info.status == Status::Deployed {
                format!(" {}", r.version)
            } else {
                String::new()
            };
            self.reporter.warn(&format!(
                "revision {} of {:?} may still be recorded as pending, which blocks later upgrades; \
                 once the cluster answers again, record the state it is in with \
                 \"capstan rollback {}{to} -n {}\"",
                r.version, r.name, r.name, r.namespace
            ));
        }
    }
}

/// Helm's name check outside install, which reports only the name:
/// `{prefix}{NAME}` (`release name is invalid: `, `uninstall: Release name
/// is invalid: `, …, as each Helm action words it).
fn check_name(name: &str, prefix: &str) -> Result<()> {
    k8smeta::validate_release_name(name)
        .map_err(|_| Error::with_kind(ErrorKind::InvalidInput, format!("{prefix}{name}")))
}

/// Go's `time.ParseDuration` (`5m0s`, `300s`, `1h30m`, `1.5s`, `0`) as a
/// timeout: a negative duration has already expired.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let ns = gostd::time::parse_duration(s)?;
    Ok(Duration::from_nanos(ns.max(0) as u64))
}

/// Split a release manifest (`---\n# Source: path\n…`) back into
/// `(source, document)` pairs for building objects.
pub fn split_release_manifest(manifest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for doc in engine::manifest::split_manifests(manifest) {
        let (source, body) = match doc.strip_prefix("# Source: ") {
            Some(rest) => match rest.split_once('\n') {
                Some((src, body)) => (src.to_string(), body.to_string()),
                None => (rest.to_string(), String::new()),
            },
            None => (String::new(), doc.clone()),
        };
        if !body.trim().is_empty() {
            // Helm hands the kube client the whole release manifest, where
            // every (trimmed) document is followed by a newline; without it
            // a `|` block scalar that ends a document loses its final line
            // break on the way to the cluster.
            let mut body = body;
            if !body.ends_with('\n') {
                body.push('\n');
            }
            out.push((source, body));
        }
    }
    out
}

/// Release labels from `--labels k=v,…` (Helm's StringToString).
pub fn parse_labels(items: &[String]) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for item in items {
        for kv in item.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("{kv} must be formatted as key=value"))?;
            out.insert(k.to_string(), v.to_string());
        }
    }
    const SYSTEM: [&str; 6] = [
        "name",
        "owner",
        "status",
        "version",
        "createdAt",
        "modifiedAt",
    ];
    if out.keys().any(|k| SYSTEM.contains(&k.as_str())) {
        return Err(format!(
            "user supplied labels contains system reserved label name. System labels: [{}]",
            SYSTEM.join(" ")
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod failure_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("5m0s").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn manifest_round_trip() {
        let m = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n";
        let docs = split_release_manifest(m);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].0, "c/templates/a.yaml");
        assert!(docs[0].1.contains("kind: ConfigMap"));
        assert_eq!(docs[1].0, "c/templates/b.yaml");
    }

    #[test]
    fn wait_and_dry_run_flags() {
        assert_eq!(WaitStrategy::parse("").unwrap(), WaitStrategy::Watcher);
        assert_eq!(
            WaitStrategy::parse("hookOnly").unwrap(),
            WaitStrategy::HookOnly
        );
        assert!(WaitStrategy::parse("x").is_err());
        assert_eq!(DryRun::parse("server").unwrap(), DryRun::Server);
        assert!(DryRun::parse("x").is_err());
    }

    #[test]
    fn labels() {
        let l = parse_labels(&["a=1,b=2".into()]).unwrap();
        assert_eq!(l.get("b").map(String::as_str), Some("2"));
        assert!(parse_labels(&["owner=me".into()]).is_err());
        assert!(parse_labels(&["novalue".into()]).is_err());
    }
}
