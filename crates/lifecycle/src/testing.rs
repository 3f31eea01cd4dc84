//! Test support (built for this crate's tests, or with the `testing`
//! feature): an in-memory cluster that records every call and fails at
//! any chosen step, in the spirit of Helm's `kubefake.FailingKubeClient`
//! (pkg/kube/fake/failing_kube_client.go), and a reporter that keeps what
//! it was told. Storage is the memory driver
//! ([`capstan_release::Driver::memory`]), whose record writes can be made
//! to fail with `Memory::set_write_fault`.
//!
//! The fake keeps objects by `Kind/namespace/name`. Hook Jobs and Pods
//! complete as soon as they are written unless [`FakeCluster::fail_job`]
//! named them, in which case they report Kubernetes' failed status and the
//! hook wait fails with the same text the real cluster layer gives.
//! Everything else is ready at once unless [`FakeCluster::never_ready`]
//! named it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, OnceLock};

use capstan_kube::kube::core::ApiResource;
use capstan_kube::{
    hook_status_of, status_of, ApplyOptions, Deleted, ErrorKind, PodLog, Propagation, Resource,
    ResourceStatus, Status as KubeStatus, WaitOptions,
};
use serde_json::{json, Value as Json};

use crate::kube_client::{BoxFuture, KubeClient, KubeResult, ServerVersion};
use crate::Reporter;

/// A step of the cluster interface, to fail on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Reachable,
    ServerVersion,
    ApiVersions,
    Build,
    Get,
    Create,
    Apply,
    Replace,
    MergeUpdate,
    UpgradeManagedFields,
    Delete,
    WaitReady,
    WaitHooks,
    WaitDeleted,
    Logs,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Reachable => "reachable",
            Op::ServerVersion => "server_version",
            Op::ApiVersions => "api_versions",
            Op::Build => "build",
            Op::Get => "get",
            Op::Create => "create",
            Op::Apply => "apply",
            Op::Replace => "replace",
            Op::MergeUpdate => "merge_update",
            Op::UpgradeManagedFields => "upgrade_managed_fields",
            Op::Delete => "delete",
            Op::WaitReady => "wait_ready",
            Op::WaitHooks => "wait_hooks",
            Op::WaitDeleted => "wait_deleted",
            Op::Logs => "logs",
        }
    }
}

struct Fault {
    op: Op,
    /// Only calls about an object of this name (`None`: every call).
    name: Option<String>,
    message: String,
}

#[derive(Default)]
struct State {
    /// `Kind/ns/name` (cluster-scoped: `Kind/name`) → live object.
    objects: BTreeMap<String, Json>,
    calls: Vec<String>,
    faults: Vec<Fault>,
    failed_jobs: BTreeSet<String>,
    unready: BTreeSet<String>,
}

/// An in-memory cluster (see the module docs).
pub struct FakeCluster {
    namespace: String,
    client: OnceLock<capstan_kube::kube::Client>,
    state: Mutex<State>,
}

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
];

fn api_error(message: &str) -> capstan_kube::Error {
    capstan_kube::Error::new(
        ErrorKind::Api {
            code: 500,
            reason: "InternalError".into(),
        },
        message,
    )
}

fn not_ready_line(id: &str, st: &ResourceStatus) -> String {
    format!(
        "resource {id} not ready. status: {}, message: {}",
        st.status.as_str(),
        st.message
    )
}

impl FakeCluster {
    pub fn new(namespace: &str) -> FakeCluster {
        FakeCluster {
            namespace: namespace.to_string(),
            client: OnceLock::new(),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every later `op` call (about an object named `name`, or any) fails
    /// with `message` as the cluster layer's error text.
    pub fn fail(&self, op: Op, name: Option<&str>, message: &str) {
        self.lock().faults.push(Fault {
            op,
            name: name.map(str::to_string),
            message: message.to_string(),
        });
    }

    /// Forget every fault (the cluster heals).
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The Job (or Pod) of this name fails when it runs: its status says
    /// `Failed` and waiting on it reports so.
    pub fn fail_job(&self, name: &str) {
        self.lock().failed_jobs.insert(name.to_string());
    }

    /// The object of this name never becomes ready (`--wait` times out).
    pub fn never_ready(&self, name: &str) {
        self.lock().unready.insert(name.to_string());
    }

    /// The calls made so far, oldest first: `op Kind/ns/name[,…]`.
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    /// The live objects' ids (`Kind/ns/name`), sorted.
    pub fn object_ids(&self) -> Vec<String> {
        self.lock().objects.keys().cloned().collect()
    }

    /// Whether `Kind/ns/name` (or `Kind/name`) exists.
    pub fn exists(&self, id: &str) -> bool {
        self.lock().objects.contains_key(id)
    }

    /// The live object `Kind/ns/name`.
    pub fn object(&self, id: &str) -> Option<Json> {
        self.lock().objects.get(id).cloned()
    }

    /// Put an object on the cluster behind the release's back (for
    /// ownership conflicts).
    pub fn put(&self, id: &str, object: Json) {
        self.lock().objects.insert(id.to_string(), object);
    }

    /// Log the call, then fail it when a fault matches.
    fn enter(&self, op: Op, names: &[&str], ids: &str) -> KubeResult<()> {
        let mut st = self.lock();
        st.calls.push(if ids.is_empty() {
            op.name().to_string()
        } else {
            format!("{} {ids}", op.name())
        });
        let hit = st.faults.iter().find(|f| {
            f.op == op
                && match f.name.as_deref() {
                    None => true,
                    Some(n) => names.contains(&n),
                }
        });
        match hit {
            Some(f) => Err(api_error(&f.message)),
            None => Ok(()),
        }
    }

    fn enter_one(&self, op: Op, r: &Resource) -> KubeResult<()> {
        self.enter(op, &[r.name.as_str()], &r.id())
    }

    fn enter_many(&self, op: Op, rs: &[Resource]) -> KubeResult<()> {
        let names: Vec<&str> = rs.iter().map(|r| r.name.as_str()).collect();
        let ids: Vec<String> = rs.iter().map(Resource::id).collect();
        self.enter(op, &names, &ids.join(","))
    }

    /// Store an object as the API server would after a write: hook Jobs
    /// and Pods have already finished, failed when told so.
    fn store(&self, r: &Resource) -> Json {
        let mut st = self.lock();
        let mut obj = r.object.clone();
        let failed = st.failed_jobs.contains(&r.name);
        if let Some(o) = obj.as_object_mut() {
            match r.kind() {
                "Job" if failed => {
                    o.insert(
                        "status".into(),
                        json!({"failed": 1, "conditions": [
                            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}
                        ]}),
                    );
                }
                "Job" => {
                    o.insert(
                        "status".into(),
                        json!({"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}),
                    );
                }
                "Pod" => {
                    let phase = if failed { "Failed" } else { "Succeeded" };
                    o.insert("status".into(), json!({ "phase": phase }));
                }
                _ => {}
            }
        }
        st.objects.insert(r.id(), obj.clone());
        obj
    }

    fn status(&self, r: &Resource, hook: bool) -> ResourceStatus {
        let st = self.lock();
        match st.objects.get(&r.id()) {
            None => ResourceStatus {
                status: KubeStatus::NotFound,
                message: "Resource not found".into(),
            },
            Some(_) if st.unready.contains(&r.name) => ResourceStatus {
                status: KubeStatus::InProgress,
                message: "Resource not ready".into(),
            },
            Some(obj) if hook => hook_status_of(obj),
            Some(obj) if matches!(r.kind(), "Job" | "Pod") => status_of(obj),
            Some(_) => ResourceStatus {
                status: KubeStatus::Current,
                message: "Resource is current".into(),
            },
        }
    }

    /// The real layer's wait outcome in one poll: failed objects fail at
    /// once, anything else not ready is reported as at the deadline.
    fn wait_outcome(&self, rs: &[Resource], hook: bool) -> KubeResult<()> {
        let mut failed = Vec::new();
        let mut pending = Vec::new();
        for r in rs {
            let st = self.status(r, hook);
            match st.status {
                KubeStatus::Failed => failed.push(not_ready_line(&r.id(), &st)),
                KubeStatus::Current => {}
                _ => pending.push(not_ready_line(&r.id(), &st)),
            }
        }
        if !failed.is_empty() {
            return Err(capstan_kube::Error::new(
                ErrorKind::Failed,
                failed.join("\n"),
            ));
        }
        if !pending.is_empty() {
            pending.push("context deadline exceeded".into());
            return Err(capstan_kube::Error::new(
                ErrorKind::Timeout,
                pending.join("\n"),
            ));
        }
        Ok(())
    }

    fn build_one(&self, source: &str, doc: &str) -> KubeResult<Resource> {
        let bad = |m: String| capstan_kube::Error::new(ErrorKind::Manifest, m);
        let v = yaml::from_yaml(doc).map_err(|e| bad(e.to_string()))?;
        let mut object = capstan_kube::to_json(&v);
        let text = |p: &str| {
            object
                .pointer(p)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (api_version, kind, name, ns) = (
            text("/apiVersion"),
            text("/kind"),
            text("/metadata/name"),
            text("/metadata/namespace"),
        );
        if kind.is_empty() || name.is_empty() {
            return Err(bad(format!("{source}: object has no kind or name")));
        }
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.clone()),
        };
        let namespaced = !CLUSTER_SCOPED.contains(&kind.as_str());
        let namespace = if namespaced {
            let ns = if ns.is_empty() {
                self.namespace.clone()
            } else {
                ns
            };
            if let Some(meta) = object.get_mut("metadata").and_then(Json::as_object_mut) {
                meta.insert("namespace".into(), Json::String(ns.clone()));
            }
            Some(ns)
        } else {
            None
        };
        Ok(Resource {
            source: source.to_string(),
            api_resource: ApiResource {
                group,
                version,
                api_version,
                plural: format!("{}s", kind.to_lowercase()),
                kind,
            },
            namespaced,
            name,
            namespace,
            object,
        })
    }

    fn remove(&self, r: &Resource) -> Deleted {
        match self.lock().objects.remove(&r.id()) {
            Some(_) => Deleted::Deleted,
            None => Deleted::NotFound,
        }
    }

    fn logs(&self, namespace: &str, name: &str) -> KubeResult<Vec<PodLog>> {
        self.enter(Op::Logs, &[name], &format!("{namespace}/{name}"))?;
        Ok(vec![PodLog {
            pod: name.to_string(),
            container: "main".into(),
            log: format!("log of {name}\n"),
        }])
    }
}

impl KubeClient for FakeCluster {
    fn namespace(&self) -> &str {
        &self.namespace
    }

    /// A client whose every request fails (only `lookup` would use it).
    fn client(&self) -> &capstan_kube::kube::Client {
        self.client.get_or_init(|| {
            let svc = tower::service_fn(
                |_req: http::Request<capstan_kube::kube::client::Body>| async {
                    Err::<http::Response<capstan_kube::kube::client::Body>, _>(
                        std::io::Error::other("the fake cluster serves no HTTP"),
                    )
                },
            );
            capstan_kube::kube::Client::new(svc, self.namespace.clone())
        })
    }

    fn check_reachable(&self) -> BoxFuture<'_, KubeResult<()>> {
        Box::pin(async move { self.enter(Op::Reachable, &[], "") })
    }

    fn server_version(&self) -> BoxFuture<'_, KubeResult<ServerVersion>> {
        Box::pin(async move {
            self.enter(Op::ServerVersion, &[], "")?;
            Ok(ServerVersion {
                git_version: "v1.31.0".into(),
            })
        })
    }

    fn api_versions(&self) -> BoxFuture<'_, KubeResult<Vec<String>>> {
        Box::pin(async move {
            self.enter(Op::ApiVersions, &[], "")?;
            Ok(["apps/v1", "batch/v1", "v1"]
                .iter()
                .map(|s| s.to_string())
                .collect())
        })
    }

    fn refresh_discovery(&self) -> BoxFuture<'_, KubeResult<()>> {
        Box::pin(async move { Ok(()) })
    }

    fn build<'a>(
        &'a self,
        manifests: &'a [(String, String)],
    ) -> BoxFuture<'a, KubeResult<Vec<Resource>>> {
        Box::pin(async move {
            let res = manifests
                .iter()
                .map(|(s, d)| self.build_one(s, d))
                .collect::<KubeResult<Vec<Resource>>>()?;
            self.enter_many(Op::Build, &res)?;
            Ok(res)
        })
    }

    fn get<'a>(&'a self, r: &'a Resource) -> BoxFuture<'a, KubeResult<Option<Json>>> {
        Box::pin(async move {
            self.enter_one(Op::Get, r)?;
            Ok(self.lock().objects.get(&r.id()).cloned())
        })
    }

    fn get_table<'a>(&'a self, _r: &'a Resource) -> BoxFuture<'a, KubeResult<Option<Json>>> {
        Box::pin(async move { Ok(None) })
    }

    fn create<'a>(
        &'a self,
        r: &'a Resource,
        _opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>> {
        Box::pin(async move {
            self.enter_one(Op::Create, r)?;
            if self.exists(&r.id()) {
                return Err(capstan_kube::Error::new(
                    ErrorKind::Api {
                        code: 409,
                        reason: "AlreadyExists".into(),
                    },
                    format!("{}: {:?} already exists", r.describe(), r.name),
                ));
            }
            Ok(self.store(r))
        })
    }

    fn apply<'a>(
        &'a self,
        r: &'a Resource,
        opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>> {
        Box::pin(async move {
            self.enter_one(Op::Apply, r)?;
            if opts.dry_run {
                return Ok(r.object.clone());
            }
            Ok(self.store(r))
        })
    }

    fn replace<'a>(&'a self, r: &'a Resource) -> BoxFuture<'a, KubeResult<Json>> {
        Box::pin(async move {
            self.enter_one(Op::Replace, r)?;
            Ok(self.store(r))
        })
    }

    fn merge_update<'a>(
        &'a self,
        r: &'a Resource,
        _old: Option<&'a Json>,
        opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>> {
        Box::pin(async move {
            self.enter_one(Op::MergeUpdate, r)?;
            if opts.dry_run {
                return Ok(r.object.clone());
            }
            Ok(self.store(r))
        })
    }

    fn upgrade_managed_fields<'a>(
        &'a self,
        r: &'a Resource,
        _manager: &'a str,
        _live: &'a Json,
    ) -> BoxFuture<'a, KubeResult<bool>> {
        Box::pin(async move {
            self.enter_one(Op::UpgradeManagedFields, r)?;
            Ok(false)
        })
    }

    fn delete<'a>(
        &'a self,
        r: &'a Resource,
        _propagation: Propagation,
    ) -> BoxFuture<'a, KubeResult<Deleted>> {
        Box::pin(async move {
            self.enter_one(Op::Delete, r)?;
            Ok(self.remove(r))
        })
    }

    fn delete_all<'a>(
        &'a self,
        rs: &'a [Resource],
        _propagation: Propagation,
    ) -> BoxFuture<'a, KubeResult<Vec<(String, Deleted)>>> {
        Box::pin(async move {
            let mut sorted = rs.to_vec();
            capstan_kube::sort_for_uninstall(&mut sorted);
            let mut out = Vec::new();
            let mut errs = Vec::new();
            for r in &sorted {
                match self.enter_one(Op::Delete, r) {
                    Ok(()) => out.push((r.describe(), self.remove(r))),
                    Err(e) => errs.push(e.message),
                }
            }
            if errs.is_empty() {
                Ok(out)
            } else {
                Err(api_error(&errs.join("\n")))
            }
        })
    }

    fn wait_ready<'a>(
        &'a self,
        rs: &'a [Resource],
        _opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(async move {
            self.enter_many(Op::WaitReady, rs)?;
            self.wait_outcome(rs, false)
        })
    }

    fn wait_hooks<'a>(
        &'a self,
        rs: &'a [Resource],
        _opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(async move {
            self.enter_many(Op::WaitHooks, rs)?;
            self.wait_outcome(rs, true)
        })
    }

    fn wait_deleted<'a>(
        &'a self,
        rs: &'a [Resource],
        _opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(async move {
            self.enter_many(Op::WaitDeleted, rs)?;
            let mut lines: Vec<String> = rs
                .iter()
                .filter(|r| self.exists(&r.id()))
                .map(|r| {
                    not_ready_line(
                        &r.id(),
                        &ResourceStatus {
                            status: KubeStatus::Terminating,
                            message: "Resource still exists".into(),
                        },
                    )
                })
                .collect();
            if lines.is_empty() {
                return Ok(());
            }
            lines.push("context deadline exceeded".into());
            Err(capstan_kube::Error::new(
                ErrorKind::Timeout,
                lines.join("\n"),
            ))
        })
    }

    fn job_logs<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, KubeResult<Vec<PodLog>>> {
        Box::pin(async move { self.logs(namespace, name) })
    }

    fn pod_logs<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, KubeResult<Vec<PodLog>>> {
        Box::pin(async move { self.logs(namespace, name) })
    }
}

/// A reporter that keeps warnings and hook logs for assertions.
#[derive(Default)]
pub struct RecordingReporter {
    pub warnings: Mutex<Vec<String>>,
    pub hook_logs: Mutex<Vec<String>>,
}

impl RecordingReporter {
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
    pub fn hook_logs(&self) -> Vec<String> {
        self.hook_logs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Reporter for RecordingReporter {
    fn warn(&self, msg: &str) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(msg.to_string());
    }
    fn hook_log(&self, pod: &str, _container: &str, log: &str) {
        self.hook_logs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{pod}: {log}"));
    }
}
