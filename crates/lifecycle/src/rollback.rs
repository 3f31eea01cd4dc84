//! `rollback NAME [REVISION]`: Helm's rollback action — a *new* revision
//! (last + 1) copying the chart, values, manifest and hooks of the target
//! revision, applied over the current objects; every deployed revision is
//! then superseded. Works from a `pending-*` last revision, which is how an
//! interrupted operation is recovered.

use capstan_kube::Propagation;
use capstan_release::{Info, Release, Status, Time};

use crate::apply::{self, ApplyMode, Updated};
use crate::deploy::{server_side_apply, wait_release, WaitSpec};
use crate::hooks::exec_hooks;
use crate::lock::Lock;
use crate::{split_release_manifest, Config, DryRun, Error, ErrorKind, Result};

#[derive(Debug, Clone)]
pub struct RollbackOptions {
    /// 0 = the revision before the last one.
    pub version: i64,
    /// `--wait`, `--wait-for-jobs`, `--timeout`.
    pub wait: WaitSpec,
    pub no_hooks: bool,
    pub force_replace: bool,
    pub force_conflicts: bool,
    /// `None` = `auto`: the target revision's apply method.
    pub server_side: Option<bool>,
    pub cleanup_on_fail: bool,
    pub dry_run: DryRun,
    pub description: Option<String>,
    /// Called with the current and the target release before anything is applied (`--diff`).
    pub preview: Option<crate::Preview>,
}

impl Default for RollbackOptions {
    fn default() -> Self {
        RollbackOptions {
            version: 0,
            wait: WaitSpec::default(),
            no_hooks: false,
            force_replace: false,
            force_conflicts: false,
            server_side: None,
            cleanup_on_fail: false,
            dry_run: DryRun::None,
            description: None,
            preview: None,
        }
    }
}

pub async fn rollback(cfg: &Config, name: &str, o: &RollbackOptions) -> Result<Release> {
    cfg.check_reachable().await?;
    crate::check_name(name, "prepareRollback: Release name is invalid: ")?;
    if o.version < 0 {
        return Err(Error::with_kind(
            ErrorKind::InvalidInput,
            "invalid release revision",
        ));
    }
    if o.dry_run.is_dry() {
        return rollback_locked(cfg, name, o, Lock::default()).await;
    }
    cfg.locked(name, |lock| rollback_locked(cfg, name, o, lock))
        .await
}

async fn rollback_locked(
    cfg: &Config,
    name: &str,
    o: &RollbackOptions,
    lock: Lock,
) -> Result<Release> {
    let mut current = cfg.storage.last(name).await?;
    if let (true, Some(holder)) = (current.info.status.is_pending(), &lock.abandoned_by) {
        current = cfg.abandon(current, holder).await?;
    }
    let previous_version = if o.version == 0 {
        current.version - 1
    } else {
        o.version
    };
    let hist = cfg.storage.history(name).await?;
    if !hist.iter().any(|r| r.version == previous_version) {
        return Err(Error::new(format!(
            "release has no {previous_version} version"
        )));
    }
    let previous = cfg.storage.get(name, previous_version).await?;
    let server_side = server_side_apply(
        o.server_side,
        previous.apply_method.as_deref(),
        o.force_replace,
    )?;

    let mut target = Release {
        name: name.to_string(),
        namespace: previous.namespace.clone(),
        version: current.version + 1,
        info: Info {
            first_deployed: current.info.first_deployed,
            last_deployed: Time::now(),
            status: Status::PendingRollback,
            notes: previous.info.notes.clone(),
            description: o
                .description
                .clone()
                .unwrap_or_else(|| format!("Rollback to {previous_version}")),
            ..Info::default()
        },
        chart: previous.chart.clone(),
        config: previous.config.clone(),
        manifest: previous.manifest.clone(),
        hooks: previous.hooks.clone(),
        labels: capstan_release::driver::filter_system_labels(&previous.labels),
        apply_method: Some(if server_side { "ssa" } else { "csa" }.into()),
    };
    if let Some(p) = &o.preview {
        if !p.proceed(Some(&current), &target) {
            return Ok(target);
        }
    }
    if o.dry_run.is_dry() {
        return Ok(target);
    }

    let current_res = apply::build_manifest(cfg, &current.manifest).await?;
    let target_res = apply::build_owned(
        cfg,
        &split_release_manifest(&target.manifest),
        name,
        &target.namespace,
    )
    .await?;
    cfg.storage.create(&target).await?;

    // Helm 4's rollback always asks for the managed-fields upgrade.
    let mode = ApplyMode {
        server_side,
        force_conflicts: o.force_conflicts,
        force_replace: o.force_replace,
        dry_run: false,
        migrate_from_csa: true,
    };
    let mut updated = Updated::default();
    let result = perform(
        cfg,
        o,
        &mut target,
        &current_res,
        &target_res,
        &mode,
        &mut updated,
    )
    .await;
    if let Err(e) = result {
        let msg = format!("Rollback {name:?} failed: {}", e.message);
        let mut cur = current;
        cur.info.status = Status::Superseded;
        target.info.status = Status::Failed;
        target.info.description = msg.clone();
        cfg.record(&cur).await;
        cfg.record(&target).await;
        if o.cleanup_on_fail && !updated.created.is_empty() {
            let _ = cfg
                .cluster
                .delete_all(&updated.created, Propagation::Background)
                .await;
        }
        return Err(e.with_release(&target));
    }

    // Supersede every deployed revision (Helm issue #2941).
    if let Ok(all) = cfg.storage.deployed_all(name).await {
        for mut r in all {
            if r.version != target.version {
                r.info.status = Status::Superseded;
                cfg.record(&r).await;
            }
        }
    }
    target.info.status = Status::Deployed;
    cfg.record(&target).await;
    Ok(target)
}

async fn perform(
    cfg: &Config,
    o: &RollbackOptions,
    target: &mut Release,
    current: &[capstan_kube::Resource],
    target_res: &[capstan_kube::Resource],
    mode: &ApplyMode,
    updated: &mut Updated,
) -> Result<()> {
    if !o.no_hooks {
        exec_hooks(cfg, target, "pre-rollback", o.wait.timeout)
            .await
            .map_err(|e| e.context("pre-rollback hooks failed"))?;
    }
    apply::update(cfg, current, target_res, mode, updated).await?;
    wait_release(cfg, target_res, &o.wait).await?;
    if !o.no_hooks {
        exec_hooks(cfg, target, "post-rollback", o.wait.timeout)
            .await
            .map_err(|e| e.context("post-rollback hooks failed"))?;
    }
    Ok(())
}
