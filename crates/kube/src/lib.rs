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
//! (see [`runtime`]). A release operation looks like:
//!
//! ```no_run
//! use capstan_kube::{ApplyOptions, ClientOptions, Cluster, Propagation, WaitOptions};
//! # fn main() -> Result<(), capstan_kube::Error> {
//! let rt = capstan_kube::runtime()?;
//! rt.block_on(async {
//!     let cluster = Cluster::connect(&ClientOptions { namespace: Some("prod".into()), ..Default::default() }).await?;
//!     let manifests = vec![("web/templates/cm.yaml".to_string(),
//!         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n".to_string())];
//!     let mut objects = cluster.build(&manifests).await?;
//!     for o in &mut objects {
//!         o.set_annotation("meta.helm.sh/release-name", "web");
//!         o.set_annotation("meta.helm.sh/release-namespace", "prod");
//!     }
//!     cluster.apply_all(&objects, &ApplyOptions { field_manager: "helm".into(), force: false, dry_run: false }).await?;
//!     cluster.wait_ready(&objects, &WaitOptions::default()).await?;
//!     cluster.delete_all(&objects, Propagation::Background).await?;
//!     Ok(())
//! })
//! # }
//! ```
//!
//! Waits poll (GET every `WaitOptions::interval`) instead of watching; the
//! per-kind rules are in [`status_of`] (kstatus, for `--wait`) and
//! [`hook_status_of`] (Helm's hook readers).

#![forbid(unsafe_code)]

mod cluster;
mod config;
mod error;
pub mod lease;
mod objects;
pub mod retry;
mod status;
pub mod throttle;
mod wait;

pub use cluster::{merge_patch, ApplyOptions, Cluster, Deleted, Propagation, MAX_IN_FLIGHT};
pub use config::{load_config, ClientOptions};
pub use error::{Error, ErrorKind, Result};
pub use lease::LeaseState;
pub use objects::{
    check_ownership, ownership_conflict, sort_by_kind, sort_for_install, sort_for_uninstall,
    to_json, Resource, INSTALL_ORDER, UNINSTALL_ORDER,
};
pub use status::{hook_status_of, status_of, ResourceStatus, Status};
pub use wait::{PodLog, Progress, WaitOptions};

pub use kube;

/// A single-threaded tokio runtime with IO and timers, for synchronous callers.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::Other,
                format!("cannot start the async runtime: {e}"),
            )
        })
}
