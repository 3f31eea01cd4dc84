//! Waiting: readiness with a timeout, deletions, hook Jobs/Pods, and the
//! logs of a Job's Pods.
//!
//! Waits poll with plain GETs rather than holding watches open: a poll is
//! cheap, behaves identically on every server (no watch-list negotiation),
//! and the per-kind rules live in [`crate::status`]. Errors use Helm 4's
//! status-watcher text: `resource Kind/ns/name not ready. status: S,
//! message: M`, one line per unready resource, then `context deadline
//! exceeded` on a timeout.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use kube::core::ApiResource;
use serde_json::Value as Json;

use crate::cluster::Cluster;
use crate::error::{Error, ErrorKind, Result};
use crate::objects::{describe, Resource};
use crate::status::{hook_status_of, status_of, ResourceStatus, Status};

/// Called after every poll with the resources still not ready: `(id, status, message)`.
pub type Progress = std::sync::Arc<dyn Fn(&[(String, Status, String)]) + Send + Sync>;

#[derive(Clone)]
pub struct WaitOptions {
    pub timeout: Duration,
    /// Time between polls.
    pub interval: Duration,
    /// Where to report what is still pending (the CLI's progress display).
    pub progress: Option<Progress>,
}

impl std::fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .field("interval", &self.interval)
            .finish()
    }
}

impl Default for WaitOptions {
    fn default() -> Self {
        // Helm's CLI default timeout is 5 minutes.
        WaitOptions {
            timeout: Duration::from_secs(300),
            interval: Duration::from_millis(250),
            progress: None,
        }
    }
}

impl WaitOptions {
    pub fn timeout(timeout: Duration) -> WaitOptions {
        WaitOptions {
            timeout,
            ..Default::default()
        }
    }
}

/// Logs of one container of a Job's Pod.
#[derive(Debug, Clone)]
pub struct PodLog {
    pub pod: String,
    pub container: String,
    pub log: String,
}

fn not_ready_line(id: &str, st: &ResourceStatus) -> String {
    format!(
        "resource {id} not ready. status: {}, message: {}",
        st.status.as_str(),
        st.message
    )
}

fn status_from(live: Option<Json>, hook: bool) -> ResourceStatus {
    match live {
        Some(obj) if hook => hook_status_of(&obj),
        Some(obj) => status_of(&obj),
        None => ResourceStatus {
            status: Status::NotFound,
            message: "Resource not found".into(),
        },
    }
}

impl Cluster {
    /// Wait until every resource is ready (see the `status` module); fails
    /// early when one reaches a failed state, and on timeout names every
    /// resource still not ready and why.
    pub async fn wait_ready(&self, resources: &[Resource], opts: &WaitOptions) -> Result<()> {
        self.wait_until(resources, opts, false).await
    }

    /// Helm's hook rule: Jobs until Complete, Pods until Succeeded, anything
    /// else is ready as soon as it exists.
    pub async fn wait_hooks(&self, resources: &[Resource], opts: &WaitOptions) -> Result<()> {
        self.wait_until(resources, opts, true).await
    }

    async fn wait_until(
        &self,
        resources: &[Resource],
        opts: &WaitOptions,
        hook: bool,
    ) -> Result<()> {
        let deadline = Instant::now() + opts.timeout;
        let report = Mutex::new(Vec::new());
        by_deadline(
            deadline,
            &report,
            self.wait_until_by(resources, opts, hook, deadline, &report),
        )
        .await
    }

    async fn wait_until_by(
        &self,
        resources: &[Resource],
        opts: &WaitOptions,
        hook: bool,
        deadline: Instant,
        report: &Mutex<Vec<String>>,
    ) -> Result<()> {
        let mut pending: Vec<&Resource> = resources.iter().collect();
        let mut last: Vec<ResourceStatus> = Vec::new();
        // What the watches last delivered for each pending object, when
        // they delivered something for every one of them: no read needed.
        let mut seen: Option<Vec<Option<Json>>> = None;
        loop {
            let lives = match seen.take() {
                Some(lives) => lives,
                // One read per kind and namespace per round (see `get_many`).
                None => {
                    let owned: Vec<Resource> = pending.iter().map(|r| (*r).clone()).collect();
                    self.get_many(&owned).await?
                }
            };
            let mut next = Vec::new();
            let mut versions = Vec::new();
            last.clear();
            let mut failed = Vec::new();
            for (r, live) in pending.iter().zip(lives) {
                let rv = live
                    .as_ref()
                    .and_then(|o| o.pointer("/metadata/resourceVersion"))
                    .and_then(Json::as_str)
                    .map(str::to_string);
                let st = status_from(live, hook);
                if st.status == Status::Failed {
                    failed.push(not_ready_line(&r.id(), &st));
                } else if st.status != Status::Current {
                    next.push(*r);
                    versions.push(rv);
                    last.push(st);
                }
            }
            if !failed.is_empty() {
                return Err(Error::new(ErrorKind::Failed, failed.join("\n")));
            }
            pending = next;
            if let Some(p) = &opts.progress {
                let report: Vec<(String, Status, String)> = pending
                    .iter()
                    .zip(&last)
                    .map(|(r, st)| (r.id(), st.status, st.message.clone()))
                    .collect();
                p(&report);
            }
            if pending.is_empty() {
                return Ok(());
            }
            let lines: Vec<String> = pending
                .iter()
                .zip(&last)
                .map(|(r, st)| not_ready_line(&r.id(), st))
                .collect();
            *report.lock().unwrap_or_else(|e| e.into_inner()) = lines.clone();
            let now = Instant::now();
            if now >= deadline {
                let mut lines = lines;
                lines.push("context deadline exceeded".into());
                return Err(Error::new(ErrorKind::Timeout, lines.join("\n")));
            }
            seen = self
                .until_changed(&pending, &versions, deadline - now, opts.interval, hook)
                .await;
        }
    }

    /// Block until one of a few pending objects is done, failed or gone
    /// (watches from the versions just read, as Helm's watchers do: a hook
    /// Job is seen done the moment it is, not at the next poll), at most
    /// `left`. Events that leave an object in progress (a Job's pod
    /// starting) keep the same watches open. Returns the last object each
    /// watch delivered when every pending object has one (the caller then
    /// needs no read), else `None`. Many objects, an object not yet
    /// created, or a watch the server refuses: sleep `interval` instead,
    /// and poll again.
    async fn until_changed(
        &self,
        pending: &[&Resource],
        versions: &[Option<String>],
        left: Duration,
        interval: Duration,
        hook: bool,
    ) -> Option<Vec<Option<Json>>> {
        use futures::StreamExt;
        use kube::api::WatchEvent;
        const MAX_WATCHES: usize = 4;
        // Re-read at least this often even while watching, in case a
        // proxy swallows events.
        const REPOLL: Duration = Duration::from_secs(5);
        let sleep = || tokio::time::sleep(interval.min(left));
        if pending.len() > MAX_WATCHES || versions.iter().any(Option::is_none) {
            sleep().await;
            return None;
        }
        let cap = left.min(REPOLL);
        let secs = cap.as_secs().clamp(1, 290) as u32;
        let mut streams = Vec::new();
        for (i, (r, rv)) in pending.iter().zip(versions).enumerate() {
            let wp = kube::api::WatchParams::default()
                .fields(&format!("metadata.name={}", r.name))
                .timeout(secs);
            let api = self.api(&r.api_resource, r.namespace.as_deref());
            match api.watch(&wp, rv.as_deref().unwrap_or("0")).await {
                Ok(s) => streams.push(s.map(move |e| (i, e)).boxed()),
                Err(_) => {
                    sleep().await;
                    return None;
                }
            }
        }
        let mut events = futures::stream::select_all(streams);
        let mut latest: Vec<Option<Option<Json>>> = vec![None; pending.len()];
        let watch = async {
            while let Some((i, event)) = events.next().await {
                let live = match event {
                    Ok(WatchEvent::Added(o)) | Ok(WatchEvent::Modified(o)) => {
                        Some(crate::cluster::to_json(o))
                    }
                    Ok(WatchEvent::Deleted(_)) => None,
                    Ok(WatchEvent::Bookmark(_)) => continue,
                    // The server ended the watch with an error (e.g. a
                    // version too old): read again.
                    Ok(WatchEvent::Error(_)) | Err(_) => return false,
                };
                let settled = matches!(
                    status_from(live.clone(), hook).status,
                    Status::Current | Status::Failed | Status::NotFound
                );
                latest[i] = Some(live);
                if settled {
                    return true;
                }
            }
            // Every watch ended (its timeout): read again.
            false
        };
        match tokio::time::timeout(cap, watch).await {
            Ok(true) => latest.into_iter().collect(),
            Ok(false) => {
                sleep().await;
                None
            }
            Err(_) => None,
        }
    }

    /// Wait until every resource is gone (404).
    pub async fn wait_deleted(&self, resources: &[Resource], opts: &WaitOptions) -> Result<()> {
        let deadline = Instant::now() + opts.timeout;
        let report = Mutex::new(
            resources
                .iter()
                .map(|r| not_ready_line(&r.id(), &still_exists()))
                .collect(),
        );
        by_deadline(
            deadline,
            &report,
            self.wait_deleted_by(resources, opts, deadline, &report),
        )
        .await
    }

    async fn wait_deleted_by(
        &self,
        resources: &[Resource],
        opts: &WaitOptions,
        deadline: Instant,
        report: &Mutex<Vec<String>>,
    ) -> Result<()> {
        let mut pending: Vec<&Resource> = resources.iter().collect();
        loop {
            let owned: Vec<Resource> = pending.iter().map(|r| (*r).clone()).collect();
            let found = self.get_many(&owned).await?;
            let mut next = Vec::new();
            for (r, f) in pending.iter().zip(found) {
                if f.is_some() {
                    next.push(*r);
                }
            }
            pending = next;
            if pending.is_empty() {
                return Ok(());
            }
            let lines: Vec<String> = pending
                .iter()
                .map(|r| not_ready_line(&r.id(), &still_exists()))
                .collect();
            *report.lock().unwrap_or_else(|e| e.into_inner()) = lines.clone();
            let now = Instant::now();
            if now >= deadline {
                let mut lines = lines;
                lines.push("context deadline exceeded".into());
                return Err(Error::new(ErrorKind::Timeout, lines.join("\n")));
            }
            tokio::time::sleep(opts.interval.min(deadline - now)).await;
        }
    }

    async fn job_resource(&self) -> Result<ApiResource> {
        match self.resolve("batch/v1", "Job").await? {
            Some((ar, _)) => Ok(ar),
            None => Err(Error::new(
                ErrorKind::NoMapping,
                "the server does not serve batch/v1 Jobs",
            )),
        }
    }

    /// Watch a Job until it is Complete (Ok) or Failed (error `resource
    /// Job/ns/name not ready. status: Failed, message: Job Failed. failed: n/m`,
    /// plus the Job's failure reason on a second line when it gives one).
    pub async fn wait_job(&self, namespace: &str, name: &str, opts: &WaitOptions) -> Result<()> {
        let ar = self.job_resource().await?;
        let api = self.api(&ar, Some(namespace));
        let id = format!("Job/{namespace}/{name}");
        let deadline = Instant::now() + opts.timeout;
        let report = Mutex::new(Vec::new());
        by_deadline(deadline, &report, async {
            loop {
                let obj = api
                    .get_opt(name)
                    .await
                    .map_err(|e| Error::from_kube(&describe("Job", Some(namespace), name), e))?;
                let st = match &obj {
                    Some(o) => hook_status_of(&crate::cluster::to_json(o.clone())),
                    None => ResourceStatus {
                        status: Status::NotFound,
                        message: "Resource not found".into(),
                    },
                };
                match st.status {
                    Status::Current => return Ok(()),
                    Status::Failed => {
                        let mut msg = not_ready_line(&id, &st);
                        if let Some(reason) = obj
                            .as_ref()
                            .and_then(|o| failure_reason(&crate::cluster::to_json(o.clone())))
                        {
                            msg.push_str(&format!("\nJob {namespace}/{name} failed: {reason}"));
                        }
                        return Err(Error::new(ErrorKind::Failed, msg));
                    }
                    _ => {}
                }
                *report.lock().unwrap_or_else(|e| e.into_inner()) = vec![not_ready_line(&id, &st)];
                let now = Instant::now();
                if now >= deadline {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!("{}\ncontext deadline exceeded", not_ready_line(&id, &st)),
                    ));
                }
                tokio::time::sleep(opts.interval.min(deadline - now)).await;
            }
        })
        .await
    }

    /// Logs of every container of the Pods a Job created (found through
    /// their owner reference, or the `job-name` labels), Pods by name.
    pub async fn job_logs(&self, namespace: &str, name: &str) -> Result<Vec<PodLog>> {
        let ar = self.job_resource().await?;
        let what = describe("Job", Some(namespace), name);
        let job = self
            .api(&ar, Some(namespace))
            .get(name)
            .await
            .map_err(|e| Error::from_kube(&what, e))?;
        let uid = job.metadata.uid.clone().unwrap_or_default();
        let pods: Api<Pod> = Api::namespaced(self.client().clone(), namespace);
        let list = pods
            .list(&ListParams::default())
            .await
            .map_err(|e| Error::from_kube(&what, e))?;
        let mut mine: Vec<Pod> = list
            .items
            .into_iter()
            .filter(|p| {
                let owned = p
                    .metadata
                    .owner_references
                    .as_ref()
                    .is_some_and(|o| o.iter().any(|r| !uid.is_empty() && r.uid == uid));
                let labelled = p.metadata.labels.as_ref().is_some_and(|l| {
                    l.get("job-name").map(String::as_str) == Some(name)
                        || l.get("batch.kubernetes.io/job-name").map(String::as_str) == Some(name)
                });
                owned || labelled
            })
            .collect();
        mine.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        let mut out = Vec::new();
        for p in mine {
            let pod = p.metadata.name.clone().unwrap_or_default();
            let containers: Vec<String> = p
                .spec
                .as_ref()
                .map(|s| s.containers.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default();
            for container in containers {
                let lp = LogParams {
                    container: Some(container.clone()),
                    ..Default::default()
                };
                let log = pods.logs(&pod, &lp).await.map_err(|e| {
                    Error::from_kube(&format!("Pod {namespace}/{pod} container {container}"), e)
                })?;
                out.push(PodLog {
                    pod: pod.clone(),
                    container,
                    log,
                });
            }
        }
        Ok(out)
    }
}

impl Cluster {
    /// Logs of every container of one Pod (test hooks, `--logs`).
    pub async fn pod_logs(&self, namespace: &str, name: &str) -> Result<Vec<PodLog>> {
        let pods: Api<Pod> = Api::namespaced(self.client().clone(), namespace);
        let what = describe("Pod", Some(namespace), name);
        let p = pods
            .get(name)
            .await
            .map_err(|e| Error::from_kube(&what, e))?;
        let containers: Vec<String> = p
            .spec
            .as_ref()
            .map(|s| s.containers.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        for container in containers {
            let lp = LogParams {
                container: Some(container.clone()),
                ..Default::default()
            };
            let log = pods.logs(name, &lp).await.map_err(|e| {
                Error::from_kube(&format!("Pod {namespace}/{name} container {container}"), e)
            })?;
            out.push(PodLog {
                pod: name.to_string(),
                container,
                log,
            });
        }
        Ok(out)
    }
}

fn failure_reason(job: &Json) -> Option<String> {
    let c = job
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Json::as_str) == Some("Failed"))?;
    let reason = c.get("reason").and_then(Json::as_str).unwrap_or("");
    let message = c.get("message").and_then(Json::as_str).unwrap_or("");
    match (reason.is_empty(), message.is_empty()) {
        (true, true) => None,
        (false, true) => Some(reason.to_string()),
        (true, false) => Some(message.to_string()),
        (false, false) => Some(format!("{reason}: {message}")),
    }
}

fn still_exists() -> ResourceStatus {
    ResourceStatus {
        status: Status::Terminating,
        message: "Resource still exists".into(),
    }
}

/// Bound a wait, its requests included, by its deadline: an API server that
/// stops answering makes the wait fail at `--timeout` with Helm's `context
/// deadline exceeded` (after what was last known to be pending), where it
/// used to block until the server came back and then report success.
async fn by_deadline<F>(deadline: Instant, report: &Mutex<Vec<String>>, wait: F) -> Result<()>
where
    F: std::future::Future<Output = Result<()>>,
{
    match tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), wait).await {
        Ok(r) => r,
        Err(_) => {
            let mut lines = report.lock().unwrap_or_else(|e| e.into_inner()).clone();
            lines.push("context deadline exceeded".into());
            Err(Error::new(ErrorKind::Timeout, lines.join("\n")))
        }
    }
}
