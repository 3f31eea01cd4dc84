//! `install`: Helm 4's install action — render against the cluster's
//! capabilities, refuse names in use and objects owned by others, install
//! CRDs first, record `pending-install`, run pre-install hooks, apply,
//! wait, run post-install hooks, record `deployed`; on failure record
//! `failed` and, with `--rollback-on-failure`, uninstall.

use std::collections::BTreeMap;
use std::time::Duration;

use capstan_release::{Release, Status, Time};

use crate::apply::{self, ApplyMode};
use crate::deploy::{
    cluster_capabilities, interrupted, lookup_source, prepare_async, server_side_apply,
    wait_release, Preflight, WaitSpec,
};
use crate::hooks::exec_hooks;
use crate::prepare::{Pending, PrepareRequest, ValuesBase};
use crate::uninstall::{uninstall, UninstallOptions};
use crate::{Config, DryRun, Error, ErrorKind, Result, WaitStrategy};

/// What install and upgrade share: the chart, its values and how the
/// release is put on the cluster.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub chart: String,
    pub values: chart::cli_values::ValueOptions,
    pub create_namespace: bool,
    /// `--wait`, `--wait-for-jobs`, `--timeout`.
    pub wait: WaitSpec,
    pub rollback_on_failure: bool,
    pub dry_run: DryRun,
    pub description: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub no_hooks: bool,
    pub take_ownership: bool,
    pub force_conflicts: bool,
    pub force_replace: bool,
    pub skip_crds: bool,
    pub skip_schema_validation: bool,
    /// `--render-subchart-notes`: append the subcharts' NOTES.txt.
    pub subchart_notes: bool,
    /// `--hide-secret` (dry runs only): leave Secrets out of the manifest.
    pub hide_secret: bool,
    /// Treat Ctrl-C/SIGTERM as a failure of the operation (Helm 4's CLI does).
    pub catch_signals: bool,
    /// Called with the render before anything is applied (`--diff`).
    pub preview: Option<crate::Preview>,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            chart: String::new(),
            values: Default::default(),
            create_namespace: false,
            wait: WaitSpec::default(),
            rollback_on_failure: false,
            dry_run: DryRun::None,
            description: None,
            labels: BTreeMap::new(),
            no_hooks: false,
            take_ownership: false,
            force_conflicts: false,
            force_replace: false,
            skip_crds: false,
            skip_schema_validation: false,
            subchart_notes: false,
            hide_secret: false,
            catch_signals: false,
            preview: None,
        }
    }
}

impl DeployOptions {
    /// The wait install and upgrade perform: `--rollback-on-failure` forces
    /// a real wait (`watcher`) when none was asked for, as Helm 4's actions
    /// do before running (pkg/action/install.go `RunWithContext`,
    /// upgrade.go `RunWithContext`), so a library caller gets Helm's
    /// behaviour without repeating the rule.
    pub fn effective_wait(&self) -> WaitSpec {
        let mut wait = self.wait;
        if self.rollback_on_failure && wait.strategy == WaitStrategy::HookOnly {
            wait.strategy = WaitStrategy::Watcher;
        }
        wait
    }
}

#[derive(Debug, Clone)]
pub struct InstallOptions {
    pub name: String,
    pub deploy: DeployOptions,
    pub replace: bool,
    /// Helm 4 installs with server-side apply unless `--server-side=false`.
    pub server_side: bool,
}

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            name: String::new(),
            deploy: DeployOptions::default(),
            replace: false,
            server_side: true,
        }
    }
}

pub async fn install(cfg: &Config, o: &InstallOptions) -> Result<Release> {
    // Helm 4.2.3 reports name problems as `release name check failed: …`.
    k8smeta::validate_release_name(&o.name).map_err(|e| {
        Error::with_kind(
            ErrorKind::InvalidInput,
            format!("release name check failed: {e}"),
        )
    })?;
    let namespace = cfg.namespace().to_string();
    let preflight = Preflight {
        dry_run: o.deploy.dry_run,
        hide_secret: o.deploy.hide_secret,
    };
    preflight.reachable(cfg).await.map_err(|e| {
        e.context("cluster reachability check failed")
            .kind_of(ErrorKind::ClusterUnreachable)
    })?;
    server_side_apply(Some(o.server_side), None, o.deploy.force_replace)?;
    let client_only = o.deploy.dry_run == DryRun::Client;
    let (kv, av) = preflight.capabilities(cfg).await?;

    // A name still in use is refused (unless --replace over a failed/uninstalled one).
    let mut version = 1;
    let mut previous: Option<Release> = None;
    if !o.deploy.dry_run.is_dry() {
        let hist = match cfg.storage.history(&o.name).await {
            Ok(h) => h,
            Err(e) if e.kind == capstan_release::ErrorKind::NotFound => Vec::new(),
            // Unreadable is not empty: installing over it would collide.
            Err(e) => return Err(e.into()),
        };
        if let Some(last) = hist.into_iter().max_by_key(|r| r.version) {
            let reusable = matches!(last.info.status, Status::Uninstalled | Status::Failed);
            if !(o.replace && reusable) {
                // Helm says only this; a user stuck after a killed install
                // also needs to know the way out.
                let way_out = match last.info.status {
                    Status::PendingInstall => {
                        Some("its install never finished: uninstall it first")
                    }
                    Status::Failed => Some("use \"upgrade\", or \"install --replace\""),
                    Status::Deployed
                    | Status::Superseded
                    | Status::PendingUpgrade
                    | Status::PendingRollback => Some("use \"upgrade\" to change it"),
                    Status::Uninstalling => Some("run \"uninstall\" again to finish removing it"),
                    _ => None,
                };
                if let Some(way) = way_out {
                    cfg.reporter.warn(&format!(
                        "release {:?} already exists (revision {}: {}); {way}",
                        o.name,
                        last.version,
                        last.info.status.as_str()
                    ));
                }
                return Err(Error::with_kind(
                    ErrorKind::Conflict,
                    "release name check failed: cannot reuse a name that is still in use",
                ));
            }
            version = last.version + 1;
            previous = Some(last);
        }
    }

    let mut req = PrepareRequest {
        chart: o.deploy.chart.clone(),
        values: o.deploy.values.clone(),
        base: ValuesBase::Fresh,
        name: o.name.clone(),
        namespace: namespace.clone(),
        revision: version,
        is_upgrade: false,
        kube_version: kv,
        api_versions: av,
        skip_schema_validation: o.deploy.skip_schema_validation,
        subchart_notes: o.deploy.subchart_notes,
        hide_secret: o.deploy.hide_secret,
        lookup: lookup_source(cfg, o.deploy.dry_run),
    };
    let mut prepared = prepare_async(req.clone()).await?;
    for w in &prepared.warnings {
        cfg.reporter.warn(w);
    }

    let now = Time::now();
    let pending = |prepared: &crate::prepare::Prepared| {
        prepared.pending_release(Pending {
            name: &o.name,
            namespace: &namespace,
            version,
            first_deployed: now,
            last_deployed: now,
            status: Status::PendingInstall,
            description: "Initial install underway",
            labels: o.deploy.labels.clone(),
            server_side: o.server_side,
        })
    };
    // The preview sees the first render: CRDs are not installed for a
    // preview that stops here.
    if let Some(p) = &o.deploy.preview {
        let mut draft = pending(&prepared);
        if !p.proceed(None, &draft) {
            draft.info.description = "Dry run complete".into();
            return Ok(draft);
        }
    }

    // CRDs first, then render again so `.Capabilities` sees them.
    if !o.deploy.dry_run.is_dry() && !o.deploy.skip_crds && !prepared.crds.is_empty() {
        install_crds(cfg, &prepared.crds, o.server_side).await?;
        let (kv, av) = cluster_capabilities(cfg).await?;
        req.kube_version = kv;
        req.api_versions = av;
        prepared = prepare_async(req).await?;
    }
    let mut rel = pending(&prepared);

    if client_only {
        rel.info.description = "Dry run complete".into();
        return Ok(rel);
    }

    let resources = apply::build_owned(cfg, &prepared.manifests, &o.name, &namespace).await?;
    let existing = apply::existing_conflicts(
        cfg,
        &resources,
        &o.name,
        &namespace,
        o.deploy.take_ownership,
    )
    .await
    .map_err(|e| e.context("unable to continue with install"))?;

    let mode = ApplyMode {
        server_side: o.server_side,
        force_conflicts: o.deploy.force_conflicts,
        force_replace: o.deploy.force_replace,
        dry_run: o.deploy.dry_run == DryRun::Server,
        migrate_from_csa: false,
    };
    if o.deploy.dry_run == DryRun::Server {
        // Beyond Helm 4.2.3: every object is validated by the server.
        apply::create_all(cfg, &resources, &mode).await?;
        rel.info.description = "Dry run complete".into();
        return Ok(rel);
    }

    if o.deploy.create_namespace {
        create_namespace(cfg, &namespace, o.server_side).await?;
    }
    if let Some(mut last) = previous {
        if last.info.status != Status::Failed {
            last.info.status = Status::Superseded;
            cfg.record(&last).await;
        }
    }
    cfg.storage.create(&rel).await?;

    let result = tokio::select! {
        r = perform(cfg, o, &mut rel, &resources, &existing, &mode) => r,
        _ = interrupted(o.deploy.catch_signals) => Err(Error::with_kind(ErrorKind::Interrupted, "context canceled")),
    };
    match result {
        Ok(()) => {
            rel.info.status = Status::Deployed;
            rel.info.description = o
                .deploy
                .description
                .clone()
                .unwrap_or_else(|| "Install complete".into());
            cfg.record(&rel).await;
            Ok(rel)
        }
        Err(e) => Err(fail(cfg, o, rel, e).await),
    }
}

async fn perform(
    cfg: &Config,
    o: &InstallOptions,
    rel: &mut Release,
    resources: &[capstan_kube::Resource],
    existing: &[capstan_kube::Resource],
    mode: &ApplyMode,
) -> Result<()> {
    if !o.deploy.no_hooks {
        exec_hooks(cfg, rel, "pre-install", o.deploy.wait.timeout)
            .await
            .map_err(|e| e.context("failed pre-install"))?;
    }
    if existing.is_empty() {
        apply::create_all(cfg, resources, mode).await?;
    } else {
        let mut updated = apply::Updated::default();
        apply::update(cfg, existing, resources, mode, &mut updated).await?;
    }
    wait_release(cfg, resources, &o.deploy.effective_wait()).await?;
    if !o.deploy.no_hooks {
        exec_hooks(cfg, rel, "post-install", o.deploy.wait.timeout)
            .await
            .map_err(|e| e.context("failed post-install"))?;
    }
    Ok(())
}

/// Helm's `failRelease` for install.
async fn fail(cfg: &Config, o: &InstallOptions, mut rel: Release, err: Error) -> Error {
    rel.info.status = Status::Failed;
    rel.info.description = format!("Release {:?} failed: {}", rel.name, err.message);
    cfg.record(&rel).await;
    if o.deploy.rollback_on_failure {
        let u = UninstallOptions {
            timeout: o.deploy.wait.timeout,
            wait: o.deploy.effective_wait().strategy,
            ..Default::default()
        };
        if let Err(ue) = uninstall(cfg, &rel.name, &u).await {
            return Error::new(format!(
                "an error occurred while uninstalling the release. original install error: {}: {}",
                err.message, ue.message
            ))
            .with_release(&rel);
        }
        return Error::new(format!(
            "release {} failed, and has been uninstalled due to rollback-on-failure being set: {}",
            rel.name, err.message
        ));
    }
    err.with_release(&rel)
}

/// How Helm 4 puts CRDs and the `--create-namespace` namespace on the
/// cluster: server-side applied as its field manager (a create, also as
/// that manager, for a client-side install).
async fn put(
    cfg: &Config,
    r: &capstan_kube::Resource,
    server_side: bool,
) -> capstan_kube::Result<()> {
    let opts = capstan_kube::ApplyOptions {
        field_manager: cfg.field_manager.clone(),
        force: false,
        dry_run: false,
    };
    if server_side {
        cfg.cluster.apply(r, &opts).await.map(|_| ())
    } else {
        cfg.cluster.create(r, &opts).await.map(|_| ())
    }
}

async fn install_crds(cfg: &Config, crds: &[(String, String)], server_side: bool) -> Result<()> {
    let res = cfg
        .cluster
        .build(crds)
        .await
        .map_err(|e| Error::new(format!("failed to install CRD {e}")))?;
    for r in &res {
        match put(cfg, r, server_side).await {
            Ok(_) => {}
            Err(e) if e.is_already_exists() => {}
            Err(e) => {
                return Err(Error::new(format!(
                    "failed to install CRD {}: {e}",
                    r.source
                )))
            }
        }
    }
    cfg.cluster
        .wait_ready(
            &res,
            &capstan_kube::WaitOptions::timeout(Duration::from_secs(60)),
        )
        .await?;
    cfg.cluster.refresh_discovery().await?;
    Ok(())
}

async fn create_namespace(cfg: &Config, ns: &str, server_side: bool) -> Result<()> {
    let doc = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    name: {ns}\n"
    );
    let res = cfg.cluster.build(&[(String::new(), doc)]).await?;
    for r in &res {
        match put(cfg, r, server_side).await {
            Ok(_) => {}
            Err(e) if e.is_already_exists() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_on_failure_forces_a_real_wait() {
        let mut o = DeployOptions::default();
        assert_eq!(o.effective_wait().strategy, WaitStrategy::HookOnly);
        o.rollback_on_failure = true;
        assert_eq!(o.effective_wait().strategy, WaitStrategy::Watcher);
        o.wait.strategy = WaitStrategy::Legacy;
        assert_eq!(o.effective_wait().strategy, WaitStrategy::Legacy);
        assert_eq!(o.effective_wait().timeout, o.wait.timeout);
    }
}
