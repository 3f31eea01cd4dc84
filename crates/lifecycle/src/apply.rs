//! Putting a release's objects on the cluster: ownership metadata, the
//! adoption check, create/update by apply method, and deleting what a new
//! revision no longer renders (Helm's `KubeClient.Update`).
//!
//! Like Helm's batch, kinds go one after another in Helm's install order and
//! the objects of one kind concurrently (bounded by
//! [`capstan_kube::MAX_IN_FLIGHT`]); what exists is read once for all
//! objects ([`crate::KubeClient::get_many`]: a LIST per kind), not with a
//! GET before every write.

use capstan_kube::{
    check_ownership, ownership_conflict, sort_for_install, ApplyOptions, Propagation, Resource,
};
use serde_json::Value as Json;

use crate::{split_release_manifest, Config, Error, ErrorKind, Result};

/// How objects are written (Helm 4's `apply_method` plus the force flags).
#[derive(Debug, Clone, Default)]
pub struct ApplyMode {
    /// Server-side apply (`ssa`) or client-side merge (`csa`).
    pub server_side: bool,
    /// `--force-conflicts`: take over fields owned by other managers.
    pub force_conflicts: bool,
    /// `--force-replace`: PUT instead of patching.
    pub force_replace: bool,
    /// `dryRun=All` on every write.
    pub dry_run: bool,
    /// The release was written client-side before: hand its fields over
    /// to server-side apply first (Helm 4's managed-fields upgrade).
    pub migrate_from_csa: bool,
}

/// Build objects from `(source, doc)` pairs and stamp Helm's ownership
/// label and annotations on them (`setMetadataVisitor`).
pub async fn build_owned(
    cfg: &Config,
    docs: &[(String, String)],
    name: &str,
    namespace: &str,
) -> Result<Vec<Resource>> {
    let mut res = cfg.cluster.build(docs).await.map_err(|e| {
        Error::new(format!(
            "unable to build kubernetes objects from release manifest: {e}"
        ))
    })?;
    for r in &mut res {
        r.set_label("app.kubernetes.io/managed-by", "Helm");
        r.set_annotation("meta.helm.sh/release-name", name);
        r.set_annotation("meta.helm.sh/release-namespace", namespace);
    }
    Ok(res)
}

/// Build the objects of a stored manifest (no ownership stamping needed:
/// they are only compared and deleted).
pub async fn build_manifest(cfg: &Config, manifest: &str) -> Result<Vec<Resource>> {
    let docs = split_release_manifest(manifest);
    if docs.is_empty() {
        return Ok(Vec::new());
    }
    cfg.cluster.build(&docs).await.map_err(|e| {
        Error::new(format!(
            "unable to build kubernetes objects from current release manifest: {e}"
        ))
    })
}

/// The same object: kind (and API group), namespace and name.
pub fn same_object(a: &Resource, b: &Resource) -> bool {
    a.name == b.name
        && a.namespace == b.namespace
        && a.kind() == b.kind()
        && a.api_resource.group == b.api_resource.group
}

/// Helm's `existingResourceConflict`: objects that already exist must
/// belong to this release (unless `--take-ownership`); returns those that exist.
pub async fn existing_conflicts(
    cfg: &Config,
    res: &[Resource],
    name: &str,
    namespace: &str,
    take_ownership: bool,
) -> Result<Vec<Resource>> {
    let mut existing = Vec::new();
    let lives = cfg.cluster.get_many(res).await.map_err(|e| {
        // The error names the object ("Kind ns/name: …"), as Helm's does.
        Error::new(format!("could not get information about the resource {e}"))
    })?;
    for (r, live) in res.iter().zip(lives) {
        if let Some(live) = live {
            if !take_ownership {
                if let Err(why) = check_ownership(&live, name, namespace) {
                    return Err(Error::with_kind(
                        ErrorKind::Conflict,
                        ownership_conflict(r, &why),
                    ));
                }
            }
            existing.push(r.clone());
        }
    }
    Ok(existing)
}

fn apply_options(cfg: &Config, mode: &ApplyMode) -> ApplyOptions {
    ApplyOptions {
        field_manager: cfg.field_manager.clone(),
        force: mode.force_conflicts,
        dry_run: mode.dry_run,
    }
}

/// Write one object the way `mode` says; `old` is the object as the
/// previous revision rendered it (for the client-side merge).
async fn write(
    cfg: &Config,
    r: &Resource,
    old: Option<&Json>,
    exists: bool,
    mode: &ApplyMode,
) -> Result<()> {
    let opts = apply_options(cfg, mode);
    if mode.force_replace && !mode.dry_run {
        cfg.cluster.replace(r).await?;
    } else if mode.server_side || mode.dry_run {
        cfg.cluster.apply(r, &opts).await?;
    } else if exists {
        cfg.cluster.merge_update(r, old, &opts).await?;
    } else {
        cfg.cluster.create(r, &opts).await?;
    }
    Ok(())
}

/// Runs of one kind in a kind-sorted list.
fn kind_batches(sorted: &[Resource]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || sorted[i].kind() != sorted[start].kind() {
            if i > start {
                out.push(start..i);
            }
            start = i;
        }
    }
    out
}

/// Run `f` over one kind's objects concurrently (bounded); results in order.
async fn concurrently<'a, T, F, Fut>(items: &'a [Resource], f: F) -> Vec<T>
where
    F: Fn(usize, &'a Resource) -> Fut,
    Fut: std::future::Future<Output = T> + 'a,
{
    use futures::stream::{self, StreamExt};
    stream::iter(items.iter().enumerate().map(|(i, r)| f(i, r)))
        .buffered(capstan_kube::MAX_IN_FLIGHT)
        .collect()
        .await
}

/// Create (or adopt) every object of a fresh install: kinds in install
/// order, one kind's objects at once; the first failure (in order) ends it.
pub async fn create_all(cfg: &Config, res: &[Resource], mode: &ApplyMode) -> Result<()> {
    let mut sorted = res.to_vec();
    sort_for_install(&mut sorted);
    let exists = if mode.server_side {
        vec![None; sorted.len()]
    } else {
        cfg.cluster.get_many(&sorted).await?
    };
    for batch in kind_batches(&sorted) {
        let items = &sorted[batch.clone()];
        let results = concurrently(items, |i, r| {
            let exists = exists[batch.start + i].is_some();
            async move { write(cfg, r, None, exists, mode).await }
        })
        .await;
        results.into_iter().collect::<Result<Vec<()>>>()?;
    }
    Ok(())
}

/// What an update did, for `--cleanup-on-fail`.
#[derive(Debug, Default)]
pub struct Updated {
    pub created: Vec<Resource>,
}

/// Helm's `KubeClient.Update(current, target)`: write every target object
/// (creating new ones), then delete current objects the target no longer
/// has, unless they carry `helm.sh/resource-policy: keep`.
pub async fn update(
    cfg: &Config,
    current: &[Resource],
    target: &[Resource],
    mode: &ApplyMode,
    updated: &mut Updated,
) -> Result<()> {
    let mut sorted = target.to_vec();
    sort_for_install(&mut sorted);
    let lives = cfg.cluster.get_many(&sorted).await?;
    let migrate = mode.server_side && mode.migrate_from_csa && !mode.dry_run;
    for batch in kind_batches(&sorted) {
        let items = &sorted[batch.clone()];
        let results = concurrently(items, |i, r| {
            let live = lives[batch.start + i].as_ref();
            let exists = live.is_some();
            async move {
                if let (true, Some(live)) = (migrate, live) {
                    cfg.cluster
                        .upgrade_managed_fields(r, &cfg.field_manager, live)
                        .await?;
                }
                let old = current
                    .iter()
                    .find(|c| same_object(c, r))
                    .map(|c| &c.object);
                write(cfg, r, old, exists, mode).await.map_err(|e| {
                    Error::new(format!(
                        "failed to {} {}: {}",
                        if exists { "update" } else { "create" },
                        r.describe(),
                        e.message
                    ))
                })
            }
        })
        .await;
        // Objects that did not exist count as created even when their
        // write failed (Helm records them before creating).
        for (i, r) in items.iter().enumerate() {
            if lives[batch.start + i].is_none() {
                updated.created.push(r.clone());
            }
        }
        results.into_iter().collect::<Result<Vec<()>>>()?;
    }
    if mode.dry_run {
        return Ok(());
    }
    let gone: Vec<Resource> = current
        .iter()
        .filter(|c| !target.iter().any(|t| same_object(t, c)))
        .cloned()
        .collect();
    for r in gone {
        let keep = r
            .object
            .pointer("/metadata/annotations/helm.sh~1resource-policy")
            .and_then(Json::as_str)
            .is_some_and(|p| p == "keep");
        if keep {
            continue;
        }
        if let Err(e) = cfg.cluster.delete(&r, Propagation::Background).await {
            cfg.reporter
                .warn(&format!("failed to delete {}: {e}", r.describe()));
        }
    }
    Ok(())
}

/// Delete a release's objects in uninstall order, keeping those with the
/// keep policy. Returns the kept ones' descriptions and the errors.
pub async fn delete_release_objects(
    cfg: &Config,
    res: &[Resource],
    propagation: Propagation,
) -> (Vec<Resource>, Vec<String>, Vec<String>) {
    let (kept, gone): (Vec<Resource>, Vec<Resource>) = res.iter().cloned().partition(|r| {
        r.object
            .pointer("/metadata/annotations/helm.sh~1resource-policy")
            .and_then(Json::as_str)
            .is_some_and(|p| p == "keep")
    });
    let kept_desc = kept
        .iter()
        .map(|r| format!("[{}] {}", r.kind(), r.name))
        .collect();
    match cfg.cluster.delete_all(&gone, propagation).await {
        Ok(_) => (gone, kept_desc, Vec::new()),
        Err(e) => (
            gone,
            kept_desc,
            e.message.lines().map(str::to_string).collect(),
        ),
    }
}
