//! The seam between the lifecycle and the cluster, as Helm's
//! `kube.Interface` (pkg/kube/interface.go) is for `pkg/action`: exactly
//! what install, upgrade, rollback, uninstall and test need from a
//! Kubernetes API server. [`capstan_kube::Cluster`] implements it for real;
//! the in-memory `testing::FakeCluster` implements it for unit tests that
//! inject a failure at any step (Helm's `kubefake.FailingKubeClient`,
//! pkg/kube/fake/failing_kube_client.go).
//!
//! The methods return boxed futures so the trait stays object-safe
//! (`Config` holds an `Arc<dyn KubeClient>`).

use std::future::Future;
use std::pin::Pin;

use capstan_kube::{
    ApplyOptions, Cluster, Deleted, LeaseState, PodLog, Propagation, Resource, WaitOptions,
};
use serde_json::Value as Json;

/// A boxed future borrowing the client and the arguments.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The cluster layer's result type.
pub type KubeResult<T> = capstan_kube::Result<T>;

/// What `GET /version` tells `.Capabilities.KubeVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    pub git_version: String,
}

/// Everything the release lifecycle asks of the cluster.
pub trait KubeClient: Send + Sync {
    /// The effective namespace (`-n`, else the context's, else `default`).
    fn namespace(&self) -> &str;
    /// The raw client, for the storage drivers and for `lookup` while
    /// rendering (which talks to the API directly).
    fn client(&self) -> &capstan_kube::kube::Client;

    /// Helm's `IsReachable`.
    fn check_reachable(&self) -> BoxFuture<'_, KubeResult<()>>;
    /// `GET /version`.
    fn server_version(&self) -> BoxFuture<'_, KubeResult<ServerVersion>>;
    /// `.Capabilities.APIVersions`.
    fn api_versions(&self) -> BoxFuture<'_, KubeResult<Vec<String>>>;
    /// Forget cached discovery (after CRDs were installed).
    fn refresh_discovery(&self) -> BoxFuture<'_, KubeResult<()>>;

    /// Rendered `(source, YAML)` documents → mapped, namespace-defaulted objects.
    fn build<'a>(
        &'a self,
        manifests: &'a [(String, String)],
    ) -> BoxFuture<'a, KubeResult<Vec<Resource>>>;
    /// The live object; `None` when it does not exist (existence and
    /// ownership checks).
    fn get<'a>(&'a self, r: &'a Resource) -> BoxFuture<'a, KubeResult<Option<Json>>>;
    /// The object as a server-side `Table` (`helm status`'s resources).
    fn get_table<'a>(&'a self, r: &'a Resource) -> BoxFuture<'a, KubeResult<Option<Json>>>;

    /// The live objects of `rs`, in order (`None`: not found). The real
    /// cluster reads one LIST per kind and namespace; this default reads
    /// one object after another.
    fn get_many<'a>(&'a self, rs: &'a [Resource]) -> BoxFuture<'a, KubeResult<Vec<Option<Json>>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(rs.len());
            for r in rs {
                out.push(self.get(r).await?);
            }
            Ok(out)
        })
    }

    /// `POST`, as `opts.field_manager`.
    fn create<'a>(
        &'a self,
        r: &'a Resource,
        opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>>;
    /// Server-side apply.
    fn apply<'a>(
        &'a self,
        r: &'a Resource,
        opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>>;
    /// `PUT` over the live object (`--force-replace`).
    fn replace<'a>(&'a self, r: &'a Resource) -> BoxFuture<'a, KubeResult<Json>>;
    /// Client-side update by merge patch from `old`.
    fn merge_update<'a>(
        &'a self,
        r: &'a Resource,
        old: Option<&'a Json>,
        opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>>;
    /// Hand client-side-owned fields over to server-side apply (`live`:
    /// the object as just read).
    fn upgrade_managed_fields<'a>(
        &'a self,
        r: &'a Resource,
        manager: &'a str,
        live: &'a Json,
    ) -> BoxFuture<'a, KubeResult<bool>>;

    /// Delete one object (404 is [`Deleted::NotFound`]).
    fn delete<'a>(
        &'a self,
        r: &'a Resource,
        propagation: Propagation,
    ) -> BoxFuture<'a, KubeResult<Deleted>>;
    /// Delete in uninstall order; every object is attempted.
    fn delete_all<'a>(
        &'a self,
        rs: &'a [Resource],
        propagation: Propagation,
    ) -> BoxFuture<'a, KubeResult<Vec<(String, Deleted)>>>;

    /// `--wait`: every object ready.
    fn wait_ready<'a>(
        &'a self,
        rs: &'a [Resource],
        opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>>;
    /// Hooks: Jobs Complete, Pods Succeeded.
    fn wait_hooks<'a>(
        &'a self,
        rs: &'a [Resource],
        opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>>;
    /// Every object gone.
    fn wait_deleted<'a>(
        &'a self,
        rs: &'a [Resource],
        opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>>;

    /// The logs of a hook Job's Pods.
    fn job_logs<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, KubeResult<Vec<PodLog>>>;
    /// The logs of a hook (or test) Pod.
    fn pod_logs<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, KubeResult<Vec<PodLog>>>;

    /// Take release `release`'s lock (a Lease, see `capstan_kube::lease`)
    /// for `holder`. A client without locks (the default) answers
    /// `Unsupported`, which means Helm's behaviour: no lock.
    fn acquire_lock<'a>(
        &'a self,
        _namespace: &'a str,
        _release: &'a str,
        _holder: &'a str,
        _ttl: std::time::Duration,
        _is_dead: &'a (dyn Fn(&str) -> bool + Sync),
    ) -> BoxFuture<'a, KubeResult<LeaseState>> {
        Box::pin(async { Ok(LeaseState::Unsupported) })
    }
    /// Renew a lock taken by [`KubeClient::acquire_lock`].
    fn renew_lock<'a>(
        &'a self,
        _namespace: &'a str,
        _release: &'a str,
        _holder: &'a str,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(async { Ok(()) })
    }
    /// Give a lock up.
    fn release_lock<'a>(
        &'a self,
        _namespace: &'a str,
        _release: &'a str,
        _holder: &'a str,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(async { Ok(()) })
    }
}

impl KubeClient for Cluster {
    fn acquire_lock<'a>(
        &'a self,
        namespace: &'a str,
        release: &'a str,
        holder: &'a str,
        ttl: std::time::Duration,
        is_dead: &'a (dyn Fn(&str) -> bool + Sync),
    ) -> BoxFuture<'a, KubeResult<LeaseState>> {
        Box::pin(Cluster::acquire_lease(
            self, namespace, release, holder, ttl, is_dead,
        ))
    }
    fn renew_lock<'a>(
        &'a self,
        namespace: &'a str,
        release: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(Cluster::renew_lease(self, namespace, release, holder))
    }
    fn release_lock<'a>(
        &'a self,
        namespace: &'a str,
        release: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(Cluster::release_lease(self, namespace, release, holder))
    }
    fn namespace(&self) -> &str {
        Cluster::namespace(self)
    }
    fn client(&self) -> &capstan_kube::kube::Client {
        Cluster::client(self)
    }
    fn check_reachable(&self) -> BoxFuture<'_, KubeResult<()>> {
        Box::pin(Cluster::check_reachable(self))
    }
    fn server_version(&self) -> BoxFuture<'_, KubeResult<ServerVersion>> {
        Box::pin(async move {
            let v = Cluster::server_version(self).await?;
            Ok(ServerVersion {
                git_version: v.git_version,
            })
        })
    }
    fn api_versions(&self) -> BoxFuture<'_, KubeResult<Vec<String>>> {
        Box::pin(Cluster::api_versions(self))
    }
    fn refresh_discovery(&self) -> BoxFuture<'_, KubeResult<()>> {
        Box::pin(async move { Cluster::refresh_discovery(self).await.map(|_| ()) })
    }
    fn build<'a>(
        &'a self,
        manifests: &'a [(String, String)],
    ) -> BoxFuture<'a, KubeResult<Vec<Resource>>> {
        Box::pin(Cluster::build(self, manifests))
    }
    fn get<'a>(&'a self, r: &'a Resource) -> BoxFuture<'a, KubeResult<Option<Json>>> {
        Box::pin(Cluster::get(self, r))
    }
    fn get_table<'a>(&'a self, r: &'a Resource) -> BoxFuture<'a, KubeResult<Option<Json>>> {
        Box::pin(Cluster::get_table(self, r))
    }
    fn get_many<'a>(&'a self, rs: &'a [Resource]) -> BoxFuture<'a, KubeResult<Vec<Option<Json>>>> {
        Box::pin(Cluster::get_many(self, rs))
    }
    fn create<'a>(
        &'a self,
        r: &'a Resource,
        opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>> {
        Box::pin(Cluster::create(self, r, opts))
    }
    fn apply<'a>(
        &'a self,
        r: &'a Resource,
        opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>> {
        Box::pin(Cluster::apply(self, r, opts))
    }
    fn replace<'a>(&'a self, r: &'a Resource) -> BoxFuture<'a, KubeResult<Json>> {
        Box::pin(Cluster::replace(self, r))
    }
    fn merge_update<'a>(
        &'a self,
        r: &'a Resource,
        old: Option<&'a Json>,
        opts: &'a ApplyOptions,
    ) -> BoxFuture<'a, KubeResult<Json>> {
        Box::pin(Cluster::merge_update(self, r, old, opts))
    }
    fn upgrade_managed_fields<'a>(
        &'a self,
        r: &'a Resource,
        manager: &'a str,
        live: &'a Json,
    ) -> BoxFuture<'a, KubeResult<bool>> {
        Box::pin(Cluster::upgrade_managed_fields(self, r, manager, live))
    }
    fn delete<'a>(
        &'a self,
        r: &'a Resource,
        propagation: Propagation,
    ) -> BoxFuture<'a, KubeResult<Deleted>> {
        Box::pin(Cluster::delete(self, r, propagation))
    }
    fn delete_all<'a>(
        &'a self,
        rs: &'a [Resource],
        propagation: Propagation,
    ) -> BoxFuture<'a, KubeResult<Vec<(String, Deleted)>>> {
        Box::pin(Cluster::delete_all(self, rs, propagation))
    }
    fn wait_ready<'a>(
        &'a self,
        rs: &'a [Resource],
        opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(Cluster::wait_ready(self, rs, opts))
    }
    fn wait_hooks<'a>(
        &'a self,
        rs: &'a [Resource],
        opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(Cluster::wait_hooks(self, rs, opts))
    }
    fn wait_deleted<'a>(
        &'a self,
        rs: &'a [Resource],
        opts: &'a WaitOptions,
    ) -> BoxFuture<'a, KubeResult<()>> {
        Box::pin(Cluster::wait_deleted(self, rs, opts))
    }
    fn job_logs<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, KubeResult<Vec<PodLog>>> {
        Box::pin(Cluster::job_logs(self, namespace, name))
    }
    fn pod_logs<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, KubeResult<Vec<PodLog>>> {
        Box::pin(Cluster::pod_logs(self, namespace, name))
    }
}
