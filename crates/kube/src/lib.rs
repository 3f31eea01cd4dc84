//! capstan's cluster layer: everything the release lifecycle needs from a
//! Kubernetes API server, on kube-rs.
//!
//! - [`ClientOptions`] + [`Cluster::connect`]: kubeconfig like kubectl/Helm.
//! - [`Cluster::build`]: rendered manifests → [`Resource`]s (discovery-mapped,
//!   namespace-defaulted), with Helm's error for unknown kinds.
//! - [`Cluster::apply_all`] / [`Cluster::delete_all`]: server-side apply in
//!   Helm's install order, deletes in its uninstall order.
//! - [`Cluster::wait_ready`]: kstatus-like readiness with a timeout.
//! - [`Cluster::wait_job`] / [`Cluster::job_logs`]: hooks.
//!
//! All operations are async; callers run them on one tokio runtime
//! (see [`runtime`]).

mod cluster;
mod config;
mod error;
mod objects;
mod status;
mod wait;

pub use cluster::{ApplyOptions, Cluster, Deleted, Propagation};
pub use config::{load_config, ClientOptions};
pub use error::{Error, ErrorKind, Result};
pub use objects::{sort_by_kind, sort_for_install, sort_for_uninstall, to_json, Resource, INSTALL_ORDER, UNINSTALL_ORDER};
pub use status::{hook_status_of, status_of, ResourceStatus, Status};
pub use wait::{PodLog, WaitOptions};

pub use kube;

/// A single-threaded tokio runtime with IO and timers, for synchronous callers.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(ErrorKind::Other, format!("cannot start the async runtime: {e}")))
}
