//! `uninstall NAME`: Helm's uninstall action — mark `uninstalling`, run
//! pre-delete hooks, delete the release's objects in uninstall order
//! (keeping `helm.sh/resource-policy: keep`), optionally wait for them to
//! go, run post-delete hooks, then purge the records or (with
//! `--keep-history`) keep them as `uninstalled`.

use std::time::Duration;

use capstan_kube::Propagation;
use capstan_release::{Release, Status, Time};

use crate::apply::{build_manifest, delete_release_objects};
use crate::hooks::exec_hooks;
use crate::{Config, Error, ErrorKind, Result, WaitStrategy};

#[derive(Debug, Clone)]
pub struct UninstallOptions {
    pub keep_history: bool,
    pub no_hooks: bool,
    pub dry_run: bool,
    pub ignore_not_found: bool,
    pub wait: WaitStrategy,
    pub timeout: Duration,
    pub cascade: Propagation,
    pub description: Option<String>,
}

impl Default for UninstallOptions {
    fn default() -> Self {
        UninstallOptions {
            keep_history: false,
            no_hooks: false,
            dry_run: false,
            ignore_not_found: false,
            wait: WaitStrategy::HookOnly,
            timeout: Duration::from_secs(300),
            cascade: Propagation::Background,
            description: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct UninstallResult {
    pub release: Option<Release>,
    /// "These resources were kept due to the resource policy:\n…" or empty.
    pub info: String,
}

/// Parse `--cascade`.
pub fn parse_cascade(s: &str) -> std::result::Result<Propagation, String> {
    match s {
        "background" => Ok(Propagation::Background),
        "foreground" => Ok(Propagation::Foreground),
        "orphan" => Ok(Propagation::Orphan),
        _ => Err("invalid cascade value (".to_string()
            + s
            + "). Must be \"background\", \"foreground\", or \"orphan\""),
    }
}

/// Delete every record of the release, all at once (one round trip, not
/// one per revision); the first failure is reported.
async fn purge(cfg: &Config, rels: &[Release]) -> Result<()> {
    let results =
        futures::future::join_all(rels.iter().map(|r| cfg.storage.delete(&r.name, r.version)))
            .await;
    for r in results {
        r.map_err(|e| Error::from(e).context("uninstall: Failed to purge the release"))?;
    }
    Ok(())
}

pub async fn uninstall(cfg: &Config, name: &str, o: &UninstallOptions) -> Result<UninstallResult> {
    cfg.check_reachable().await?;
    crate::check_name(name, "uninstall: Release name is invalid: ")?;
    if o.dry_run {
        let r = cfg.storage.deployed(name).await?;
        return Ok(UninstallResult {
            release: Some(r),
            info: String::new(),
        });
    }
    cfg.locked(name, |_| uninstall_locked(cfg, name, o)).await
}

async fn uninstall_locked(
    cfg: &Config,
    name: &str,
    o: &UninstallOptions,
) -> Result<UninstallResult> {
    let mut rels = match cfg.storage.history(name).await {
        Ok(h) if !h.is_empty() => h,
        Ok(_) | Err(_) if o.ignore_not_found => {
            return Ok(UninstallResult {
                release: None,
                info: String::new(),
            })
        }
        Ok(_) => {
            return Err(Error::new(format!(
                "uninstall: Release not loaded: {name}: release: not found"
            )))
        }
        Err(e) => {
            return Err(Error::new(format!(
                "uninstall: Release not loaded: {name}: {e}"
            )))
        }
    };
    rels.sort_by_key(|r| r.version);
    let mut rel = rels
        .last()
        .cloned()
        .ok_or_else(|| Error::with_kind(ErrorKind::InvalidInput, "no release provided"))?;

    if rel.info.status == Status::Uninstalled {
        if !o.keep_history {
            purge(cfg, &rels).await?;
            return Ok(UninstallResult {
                release: Some(rel),
                info: String::new(),
            });
        }
        return Err(Error::new(format!(
            "the release named {name:?} is already deleted"
        )));
    }

    rel.info.status = Status::Uninstalling;
    rel.info.deleted = Time::now();
    rel.info.description = "Deletion in progress (or silently failed)".into();
    let mut errs: Vec<String> = Vec::new();
    if !o.no_hooks {
        if let Err(e) = exec_hooks(cfg, &mut rel, "pre-delete", o.timeout).await {
            return Err(e.with_release(&rel));
        }
    }
    cfg.record(&rel).await;

    let resources = match build_manifest(cfg, &rel.manifest).await {
        Ok(r) => r,
        Err(e) => {
            errs.push(format!(
                "unable to build kubernetes objects for delete: {}",
                e.message
            ));
            Vec::new()
        }
    };
    let (deleted, kept, delete_errs) = delete_release_objects(cfg, &resources, o.cascade).await;
    errs.extend(delete_errs);
    let info = if kept.is_empty() {
        String::new()
    } else {
        format!(
            "These resources were kept due to the resource policy:\n{}\n",
            kept.join("\n")
        )
    };
    if o.wait.waits() {
        if let Err(e) = cfg
            .cluster
            .wait_deleted(&deleted, &cfg.wait_options(o.timeout))
            .await
        {
            errs.push(e.to_string());
        }
    }
    if !o.no_hooks {
        if let Err(e) = exec_hooks(cfg, &mut rel, "post-delete", o.timeout).await {
            errs.push(e.message);
        }
    }
    rel.info.status = Status::Uninstalled;
    rel.info.description = o
        .description
        .clone()
        .unwrap_or_else(|| "Uninstallation complete".into());

    if !o.keep_history {
        purge(cfg, &rels).await?;
    } else {
        cfg.storage
            .update(&rel)
            .await
            .map_err(|e| Error::from(e).context("uninstall: Failed to update the release"))?;
    }
    if !errs.is_empty() {
        return Err(Error::new(format!(
            "uninstallation completed with {} error(s): {}",
            errs.len(),
            errs.join("; ")
        )));
    }
    Ok(UninstallResult {
        release: Some(rel),
        info,
    })
}
