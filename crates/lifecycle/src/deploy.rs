//! What install, upgrade and rollback share around their `perform`s (which
//! stay one per operation, as Helm's `performInstall`, `releasingUpgrade`
//! and `performRollback` do): the preflight checks, the apply-method
//! policy, the wait settings, and the bridge to the offline render
//! (capabilities, `lookup`, the rendering thread, Ctrl-C).

use std::time::Duration;

use capstan_kube::Resource;

use crate::prepare::{prepare, PrepareRequest, Prepared};
use crate::{Config, DryRun, Error, ErrorKind, Result, WaitStrategy};

/// `--wait`, `--wait-for-jobs` and `--timeout` (Helm 4's `WaitStrategy`,
/// `WaitForJobs` and `Timeout` fields of install, upgrade and rollback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitSpec {
    pub strategy: WaitStrategy,
    pub for_jobs: bool,
    /// Also the hooks' timeout.
    pub timeout: Duration,
}

impl Default for WaitSpec {
    fn default() -> Self {
        WaitSpec {
            strategy: WaitStrategy::HookOnly,
            for_jobs: false,
            timeout: Duration::from_secs(300),
        }
    }
}

/// The release's objects ready, Jobs only with `--wait-for-jobs`; nothing
/// to do for the default `hookOnly` (Helm 4's `waiter.Wait` /
/// `waiter.WaitWithJobs`, pkg/action/install.go `performInstall`).
pub(crate) async fn wait_release(cfg: &Config, res: &[Resource], wait: &WaitSpec) -> Result<()> {
    if !wait.strategy.waits() {
        return Ok(());
    }
    let targets: Vec<Resource> = res
        .iter()
        .filter(|r| wait.for_jobs || r.kind() != "Job")
        .cloned()
        .collect();
    cfg.cluster
        .wait_ready(&targets, &cfg.wait_options(wait.timeout))
        .await?;
    Ok(())
}

/// The checks install and upgrade make before rendering, each called
/// where Helm's action makes it (Helm 4 pkg/action/install.go
/// `RunWithContext`, upgrade.go `prepareUpgrade`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Preflight {
    pub dry_run: DryRun,
    pub hide_secret: bool,
}

impl Preflight {
    /// Helm's `IsReachable`, unless nothing talks to the server
    /// (`--dry-run=client`). The caller words the error.
    pub async fn reachable(&self, cfg: &Config) -> Result<()> {
        if self.dry_run == DryRun::Client {
            return Ok(());
        }
        cfg.check_reachable().await
    }

    /// `--hide-secret` needs a dry run; then the cluster's version and API
    /// versions for `.Capabilities` (none offline).
    pub async fn capabilities(
        &self,
        cfg: &Config,
    ) -> Result<(Option<String>, Option<Vec<String>>)> {
        if self.hide_secret && !self.dry_run.is_dry() {
            return Err(Error::with_kind(
                ErrorKind::InvalidInput,
                "Hiding Kubernetes secrets requires a dry-run mode",
            ));
        }
        if self.dry_run == DryRun::Client {
            return Ok((None, None));
        }
        cluster_capabilities(cfg).await
    }
}

/// Helm 4's apply method: `--server-side` when given, else the method the
/// release was recorded with (`ssa` latches; install passes its default);
/// `--force-replace` cannot go with server-side apply.
pub(crate) fn server_side_apply(
    flag: Option<bool>,
    recorded: Option<&str>,
    force_replace: bool,
) -> Result<bool> {
    let server_side = flag.unwrap_or_else(|| recorded == Some("ssa"));
    if force_replace && server_side {
        return Err(Error::with_kind(
            ErrorKind::InvalidInput,
            "invalid operation: force-replace can not be used with server-side apply",
        ));
    }
    Ok(server_side)
}

/// The cluster's version and API versions for `.Capabilities`.
pub(crate) async fn cluster_capabilities(
    cfg: &Config,
) -> Result<(Option<String>, Option<Vec<String>>)> {
    let v = cfg.cluster.server_version().await?;
    let av = cfg.cluster.api_versions().await?;
    Ok((Some(v.git_version), Some(av)))
}

/// `lookup` talks to the cluster except in a client dry run (as in Helm).
pub(crate) fn lookup_source(cfg: &Config, dry_run: DryRun) -> Option<crate::prepare::LookupSource> {
    if dry_run == DryRun::Client {
        return None;
    }
    Some(crate::prepare::LookupSource {
        handle: tokio::runtime::Handle::current(),
        cluster: std::sync::Arc::new(capstan_kube::Cluster::from_client(
            cfg.cluster.client().clone(),
            cfg.namespace(),
        )),
    })
}

pub(crate) async fn prepare_async(req: PrepareRequest) -> Result<Prepared> {
    tokio::task::spawn_blocking(move || prepare(req))
        .await
        .map_err(|e| Error::new(format!("rendering thread failed: {e}")))?
        .map_err(Error::from)
}

/// Wait for Ctrl-C or SIGTERM (never returns when signals are not caught).
pub(crate) async fn interrupted(catch: bool) {
    if !catch {
        std::future::pending::<()>().await;
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_method_latch() {
        assert!(server_side_apply(Some(true), None, false).unwrap());
        assert!(!server_side_apply(None, Some("csa"), false).unwrap());
        assert!(server_side_apply(None, Some("ssa"), false).unwrap());
        assert!(!server_side_apply(None, None, true).unwrap());
        assert_eq!(
            server_side_apply(None, Some("ssa"), true)
                .unwrap_err()
                .message,
            "invalid operation: force-replace can not be used with server-side apply"
        );
    }
}
