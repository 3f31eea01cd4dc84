//! Running hooks as Helm 4's `execHookCore` does: hooks of one event
//! sorted by weight then name (stable over the kind order they were
//! rendered in), each one deleted first by `before-hook-creation` (the
//! default policy), created, recorded as Running, watched until done
//! (Jobs Complete, Pods Succeeded); logs shown by the output-log policy;
//! `hook-failed`/`hook-succeeded` deletions after the fact.

use std::time::Duration;

use capstan_kube::{Propagation, Resource, WaitOptions};
use capstan_release::{Hook, Release, Time};

use crate::{Config, Error, Result};

const BEFORE_CREATION: &str = "before-hook-creation";
const SUCCEEDED: &str = "hook-succeeded";
const FAILED: &str = "hook-failed";

async fn build_hook(
    cfg: &Config,
    h: &Hook,
) -> std::result::Result<Vec<Resource>, capstan_kube::Error> {
    cfg.cluster
        .build(&[(h.path.clone(), h.manifest.clone())])
        .await
}

/// Delete a hook's objects when it has `policy` (never CRDs), and wait
/// until they are gone so a re-creation does not collide.
async fn delete_by_policy(cfg: &Config, h: &Hook, policy: &str, timeout: Duration) -> Result<()> {
    if h.kind == "CustomResourceDefinition" || !h.delete_policies.iter().any(|p| p == policy) {
        return Ok(());
    }
    let res = build_hook(cfg, h).await.map_err(|e| {
        Error::new(format!(
            "unable to build kubernetes object for deleting hook {}: {e}",
            h.path
        ))
    })?;
    cfg.cluster
        .delete_all(&res, Propagation::Background)
        .await?;
    cfg.cluster
        .wait_deleted(&res, &WaitOptions::timeout(timeout))
        .await?;
    Ok(())
}

/// Show a hook's Pod logs when it has the output-log `policy`.
async fn output_logs(cfg: &Config, h: &Hook, namespace: &str, policy: &str) {
    if !h.output_log_policies.iter().any(|p| p == policy) {
        return;
    }
    show_logs(cfg, h, namespace).await;
}

/// The logs of a Job's or Pod's containers, through the reporter.
async fn show_logs(cfg: &Config, h: &Hook, namespace: &str) {
    let ns = hook_namespace(h).unwrap_or_else(|| namespace.to_string());
    let logs = match h.kind.as_str() {
        "Job" => cfg.cluster.job_logs(&ns, &h.name).await,
        "Pod" => cfg.cluster.pod_logs(&ns, &h.name).await,
        _ => return,
    };
    match logs {
        Ok(logs) => {
            for l in logs {
                cfg.reporter.hook_log(&l.pod, &l.container, &l.log);
            }
        }
        Err(e) => cfg
            .reporter
            .warn(&format!("error outputting logs for hook {}: {e}", h.path)),
    }
}

fn hook_namespace(h: &Hook) -> Option<String> {
    let v = yaml::from_yaml(&h.manifest).ok()?;
    let ns = capstan_kube::to_json(&v)
        .pointer("/metadata/namespace")?
        .as_str()?
        .to_string();
    (!ns.is_empty()).then_some(ns)
}

/// Run every hook of `event`; the record is updated as each one starts.
/// Errors are the hook's own (the caller adds `pre-upgrade hooks failed: …`).
pub async fn exec_hooks(
    cfg: &Config,
    rel: &mut Release,
    event: &str,
    timeout: Duration,
) -> Result<()> {
    let mut idx: Vec<usize> = (0..rel.hooks.len())
        .filter(|&i| rel.hooks[i].events.iter().any(|e| e == event))
        .collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (&rel.hooks[a], &rel.hooks[b]);
        x.weight.cmp(&y.weight).then_with(|| x.name.cmp(&y.name))
    });
    let namespace = rel.namespace.clone();
    for (n, &i) in idx.iter().enumerate() {
        if rel.hooks[i].delete_policies.is_empty() {
            rel.hooks[i].delete_policies = vec![BEFORE_CREATION.to_string()];
        }
        let h = rel.hooks[i].clone();
        delete_by_policy(cfg, &h, BEFORE_CREATION, timeout).await?;
        let res = build_hook(cfg, &h).await.map_err(|e| {
            Error::new(format!(
                "unable to build kubernetes object for {event} hook {}: {e}",
                h.path
            ))
        })?;
        rel.hooks[i].last_run.started_at = Time::now();
        rel.hooks[i].last_run.completed_at = Time::zero();
        rel.hooks[i].last_run.phase = "Running".into();
        cfg.record(rel).await;
        rel.hooks[i].last_run.phase = "Unknown".into();

        let mut created = Ok(());
        for r in &res {
            let opts = capstan_kube::ApplyOptions {
                field_manager: cfg.field_manager.clone(),
                ..Default::default()
            };
            if let Err(e) = cfg.cluster.apply(r, &opts).await {
                created = Err(e);
                break;
            }
        }
        if let Err(e) = created {
            rel.hooks[i].last_run.completed_at = Time::now();
            rel.hooks[i].last_run.phase = "Failed".into();
            let prefix = format!("warning: Hook {event} {} failed", h.path);
            return Err(Error::from(e).context(&prefix));
        }
        let waited = cfg
            .cluster
            .wait_hooks(&res, &cfg.wait_options(timeout))
            .await;
        rel.hooks[i].last_run.completed_at = Time::now();
        if let Err(e) = waited {
            rel.hooks[i].last_run.phase = "Failed".into();
            output_logs(cfg, &h, &namespace, FAILED).await;
            if let Err(d) = delete_by_policy(cfg, &rel.hooks[i].clone(), FAILED, timeout).await {
                cfg.reporter.warn(&format!(
                    "error deleting the hook resource on hook failure: {d}"
                ));
            }
            for &j in &idx[..n] {
                delete_by_policy(cfg, &rel.hooks[j].clone(), SUCCEEDED, timeout).await?;
            }
            // The wait's kind (timeout, failed Job) carries through.
            return Err(Error::from(e));
        }
        rel.hooks[i].last_run.phase = "Succeeded".into();
    }
    for &i in idx.iter().rev() {
        let h = rel.hooks[i].clone();
        output_logs(cfg, &h, &namespace, SUCCEEDED).await;
        delete_by_policy(cfg, &h, SUCCEEDED, timeout).await?;
    }
    Ok(())
}
