//! `upgrade`: Helm 4's upgrade action — refuse while another operation is
//! pending, pick the values per `--reuse-values`/`--reset-values`, render
//! as revision N+1, record `pending-upgrade`, run pre-upgrade hooks, apply
//! (creating, updating, deleting what the chart dropped), wait, post-upgrade
//! hooks, then supersede the old revision. On failure the new revision is
//! `failed`; with `--rollback-on-failure` the last good revision is rolled
//! back to; with `--cleanup-on-fail` objects it created are deleted.

use capstan_kube::Propagation;
use capstan_release::{Release, Status, Time};
use serde_json::Value as Json;

use crate::apply::{self, ApplyMode, Updated};
use crate::deploy::{
    interrupted, lookup_source, prepare_async, server_side_apply, wait_release, Preflight,
};
use crate::hooks::exec_hooks;
use crate::install::{install, DeployOptions, InstallOptions};
use crate::lock::Lock;
use crate::prepare::{Pending, PrepareRequest, ValuesBase};
use crate::rollback::{rollback, RollbackOptions};
use crate::{Config, DryRun, Error, ErrorKind, Result};

/// Helm's error for a release whose last revision is still `pending-*`.
pub const ERR_PENDING: &str = "another operation (install/upgrade/rollback) is in progress";

#[derive(Debug, Clone, Default)]
pub struct UpgradeOptions {
    pub name: String,
    pub deploy: DeployOptions,
    /// `--install`: install when the release does not exist.
    pub install: bool,
    pub reuse_values: bool,
    pub reset_values: bool,
    pub reset_then_reuse_values: bool,
    pub cleanup_on_fail: bool,
    /// `--server-side`: `None` = `auto` (latch the release's apply method).
    pub server_side: Option<bool>,
}

/// What an upgrade did: with `--install` on a new name, `installed` is set.
#[derive(Debug, Clone)]
pub struct Upgraded {
    pub release: Release,
    pub installed: bool,
}

pub async fn upgrade(cfg: &Config, o: &UpgradeOptions) -> Result<Upgraded> {
    crate::check_name(&o.name, "release name is invalid: ")?;
    let preflight = Preflight {
        dry_run: o.deploy.dry_run,
        hide_secret: o.deploy.hide_secret,
    };
    preflight.reachable(cfg).await?;
    if o.deploy.dry_run.is_dry() {
        return upgrade_locked(cfg, o, Lock::default()).await;
    }
    cfg.locked(&o.name, |lock| upgrade_locked(cfg, o, lock))
        .await
}

async fn upgrade_locked(cfg: &Config, o: &UpgradeOptions, lock: Lock) -> Result<Upgraded> {
    let preflight = Preflight {
        dry_run: o.deploy.dry_run,
        hide_secret: o.deploy.hide_secret,
    };
    if o.install {
        // Helm: install when there is no history, or when the newest
        // revision is an uninstalled one kept by --keep-history (replacing it).
        let hist = match cfg.storage.history(&o.name).await {
            Ok(h) => h,
            Err(e) if e.kind == capstan_release::ErrorKind::NotFound => Vec::new(),
            // Unreadable is not empty: installing over it would collide.
            Err(e) => return Err(e.into()),
        };
        let uninstalled = hist
            .iter()
            .max_by_key(|r| r.version)
            .is_some_and(|r| r.info.status == Status::Uninstalled);
        if hist.is_empty() || uninstalled {
            let io = InstallOptions {
                name: o.name.clone(),
                deploy: o.deploy.clone(),
                replace: uninstalled,
                server_side: o.server_side.unwrap_or(true),
            };
            return Ok(Upgraded {
                release: install(cfg, &io).await?,
                installed: true,
            });
        }
    }

    // The last revision decides: pending = locked; otherwise the deployed
    // one (or a failed/superseded last one when nothing is deployed).
    let last = match cfg.storage.last(&o.name).await {
        Ok(r) => r,
        Err(e) if e.kind == capstan_release::ErrorKind::NotFound => {
            return Err(Error::with_kind(
                ErrorKind::NoDeployedReleases,
                format!("{:?} has no deployed releases", o.name),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let last = match (last.info.status.is_pending(), &lock.abandoned_by) {
        (false, _) => last,
        // Its client died (its lock expired): not in progress but abandoned.
        (true, Some(holder)) => cfg.abandon(last, holder).await?,
        (true, None) => return Err(Error::with_kind(ErrorKind::Conflict, ERR_PENDING)),
    };
    let current = if last.info.status == Status::Deployed {
        last.clone()
    } else {
        match cfg.storage.deployed(&o.name).await {
            Ok(r) => r,
            Err(_) if matches!(last.info.status, Status::Failed | Status::Superseded) => {
                last.clone()
            }
            Err(e) => return Err(e.into()),
        }
    };

    let base = if o.reset_values {
        ValuesBase::Fresh
    } else if o.reuse_values {
        ValuesBase::Reuse {
            old_config: current.config_json(),
            old_chart_values: current
                .chart
                .as_ref()
                .map(|c| c.values_json())
                .unwrap_or(Json::Null),
        }
    } else if o.reset_then_reuse_values {
        ValuesBase::ResetThenReuse {
            old_config: current.config_json(),
        }
    } else {
        ValuesBase::Default {
            old_config: current.config_json(),
        }
    };
    let revision = last.version + 1;
    let client_only = o.deploy.dry_run == DryRun::Client;
    let (kv, av) = preflight.capabilities(cfg).await?;
    let prepared = prepare_async(PrepareRequest {
        chart: o.deploy.chart.clone(),
        values: o.deploy.values.clone(),
        base,
        name: o.name.clone(),
        namespace: current.namespace.clone(),
        revision,
        is_upgrade: true,
        kube_version: kv,
        api_versions: av,
        skip_schema_validation: o.deploy.skip_schema_validation,
        subchart_notes: o.deploy.subchart_notes,
        hide_secret: o.deploy.hide_secret,
        lookup: lookup_source(cfg, o.deploy.dry_run),
    })
    .await?;
    for w in &prepared.warnings {
        cfg.reporter.warn(w);
    }

    // Helm 4 latches the apply method of the release being upgraded.
    let server_side = server_side_apply(
        o.server_side,
        current.apply_method.as_deref(),
        o.deploy.force_replace,
    )?;
    let mut labels = capstan_release::driver::filter_system_labels(&current.labels);
    labels.extend(o.deploy.labels.clone());
    let mut rel = prepared.pending_release(Pending {
        name: &o.name,
        namespace: &current.namespace,
        version: revision,
        first_deployed: current.info.first_deployed,
        last_deployed: Time::now(),
        status: Status::PendingUpgrade,
        description: "Preparing upgrade",
        labels,
        server_side,
    });
    if let Some(p) = &o.deploy.preview {
        if !p.proceed(Some(&current), &rel) {
            rel.info.description = "Dry run complete".into();
            return Ok(Upgraded {
                release: rel,
                installed: false,
            });
        }
    }
    if client_only {
        rel.info.description = "Dry run complete".into();
        return Ok(Upgraded {
            release: rel,
            installed: false,
        });
    }

    let current_res = apply::build_manifest(cfg, &current.manifest).await?;
    let target = apply::build_owned(cfg, &prepared.manifests, &o.name, &current.namespace).await?;
    // Objects new to this revision must not belong to someone else.
    let fresh: Vec<_> = target
        .iter()
        .filter(|t| !current_res.iter().any(|c| apply::same_object(c, t)))
        .cloned()
        .collect();
    apply::existing_conflicts(
        cfg,
        &fresh,
        &o.name,
        &current.namespace,
        o.deploy.take_ownership,
    )
    .await
    .map_err(|e| e.context("unable to continue with update"))?;

    let mode = ApplyMode {
        server_side,
        force_conflicts: o.deploy.force_conflicts,
        force_replace: o.deploy.force_replace,
        dry_run: o.deploy.dry_run == DryRun::Server,
        migrate_from_csa: current.apply_method.as_deref() != Some("ssa"),
    };
    if o.deploy.dry_run == DryRun::Server {
        let mut u = Updated::default();
        apply::update(cfg, &current_res, &target, &mode, &mut u).await?;
        rel.info.description = "Dry run complete".into();
        return Ok(Upgraded {
            release: rel,
            installed: false,
        });
    }

    cfg.storage.create(&rel).await?;
    let mut updated = Updated::default();
    let result = tokio::select! {
        r = perform(cfg, o, &mut rel, &current_res, &target, &mode, &mut updated) => r,
        _ = interrupted(o.deploy.catch_signals) => Err(Error::with_kind(ErrorKind::Interrupted, "context canceled")),
    };
    match result {
        Ok(()) => {
            let mut old = current;
            old.info.status = Status::Superseded;
            cfg.record(&old).await;
            rel.info.status = Status::Deployed;
            rel.info.description = o
                .deploy
                .description
                .clone()
                .unwrap_or_else(|| "Upgrade complete".into());
            cfg.record(&rel).await;
            Ok(Upgraded {
                release: rel,
                installed: false,
            })
        }
        Err(e) => Err(fail(cfg, o, rel, updated, e).await),
    }
}

async fn perform(
    cfg: &Config,
    o: &UpgradeOptions,
    rel: &mut Release,
    current: &[capstan_kube::Resource],
    target: &[capstan_kube::Resource],
    mode: &ApplyMode,
    updated: &mut Updated,
) -> Result<()> {
    if !o.deploy.no_hooks {
        exec_hooks(cfg, rel, "pre-upgrade", o.deploy.wait.timeout)
            .await
            .map_err(|e| e.context("pre-upgrade hooks failed"))?;
    }
    apply::update(cfg, current, target, mode, updated).await?;
    wait_release(cfg, target, &o.deploy.effective_wait()).await?;
    if !o.deploy.no_hooks {
        exec_hooks(cfg, rel, "post-upgrade", o.deploy.wait.timeout)
            .await
            .map_err(|e| e.context("post-upgrade hooks failed"))?;
    }
    Ok(())
}

/// Helm's upgrade `failRelease`.
async fn fail(
    cfg: &Config,
    o: &UpgradeOptions,
    mut rel: Release,
    updated: Updated,
    err: Error,
) -> Error {
    rel.info.status = Status::Failed;
    rel.info.description = format!("Upgrade {:?} failed: {}", rel.name, err.message);
    cfg.record(&rel).await;
    if o.cleanup_on_fail && !updated.created.is_empty() {
        if let Err(e) = cfg
            .cluster
            .delete_all(&updated.created, Propagation::Background)
            .await
        {
            cfg.reporter.warn(&format!("cleanup on fail: {e}"));
        }
    }
    if !o.deploy.rollback_on_failure {
        return err.with_release(&rel);
    }
    // A history that cannot be read is not one without a good revision.
    let hist = match cfg.storage.history(&rel.name).await {
        Ok(h) => h,
        Err(e) => {
            return Error::new(format!(
                "an error occurred while rolling back the release. original upgrade error: {}: {}",
                err.message, e.message
            ))
            .with_release(&rel)
        }
    };
    let Some(good) = hist
        .iter()
        .filter(|r| matches!(r.info.status, Status::Superseded | Status::Deployed))
        .max_by_key(|r| r.version)
    else {
        return Error::new(format!(
            "unable to find a previously successful release when attempting to rollback: {}",
            err.message
        ))
        .with_release(&rel);
    };
    let ro = RollbackOptions {
        version: good.version,
        wait: o.deploy.effective_wait(),
        force_replace: o.deploy.force_replace,
        cleanup_on_fail: o.cleanup_on_fail,
        ..Default::default()
    };
    if let Err(re) = rollback(cfg, &rel.name, &ro).await {
        return Error::new(format!(
            "an error occurred while rolling back the release. original upgrade error: {}: {}",
            err.message, re.message
        ))
        .with_release(&rel);
    }
    Error::new(format!(
        "release {} failed, and has been rolled back due to rollback-on-failure being set: {}",
        rel.name, err.message
    ))
    .with_release(&rel)
}
