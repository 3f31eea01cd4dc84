//! What the cluster holds for a release's objects, for previews that
//! compare against the live state (`capstan diff --three-way-merge`,
//! `--take-ownership`) rather than the stored release.
//!
//! The "after" side of a live comparison is a server-side-apply dry run
//! (`dryRun=All`, the lifecycle's field manager, forced as an upgrade with
//! `--force-conflicts` would be): the API server defaults and merges it, so
//! fields other managers own and the rendered object does not mention stay
//! as they are, and the result is exactly what an apply would persist.

use capstan_kube::{ApplyOptions, Resource};
use capstan_release::Release;
use serde_json::Value as Json;

use crate::apply;
use crate::{split_release_manifest, Config, Result};

/// One rendered object and its live counterpart.
#[derive(Debug, Clone)]
pub struct LiveObject {
    /// The object as rendered (no ownership metadata stamped).
    pub rendered: Resource,
    /// The object in the cluster; `None` when it does not exist.
    pub live: Option<Json>,
    /// The server's answer to a dry-run apply of the release's version of
    /// it (only for objects that exist, and only when asked for).
    pub applied: Option<Json>,
}

/// The live state of every object `next` renders.
pub async fn live_objects(
    cfg: &Config,
    next: &Release,
    dry_run_apply: bool,
) -> Result<Vec<LiveObject>> {
    let docs = split_release_manifest(&next.manifest);
    if docs.is_empty() {
        return Ok(Vec::new());
    }
    let rendered = cfg.cluster.build(&docs).await.map_err(|e| {
        crate::Error::new(format!(
            "unable to build kubernetes objects from new release manifest: {e}"
        ))
    })?;
    let owned = apply::build_owned(cfg, &docs, &next.name, &next.namespace).await?;
    let opts = ApplyOptions {
        field_manager: cfg.field_manager.clone(),
        force: true,
        dry_run: true,
    };
    let lives = cfg.cluster.get_many(&rendered).await?;
    let mut out = Vec::with_capacity(rendered.len());
    for ((r, o), live) in rendered.into_iter().zip(owned).zip(lives) {
        let applied = match (&live, dry_run_apply) {
            (Some(_), true) => Some(cfg.cluster.apply(&o, &opts).await?),
            _ => None,
        };
        out.push(LiveObject {
            rendered: r,
            live,
            applied,
        });
    }
    Ok(out)
}

/// The objects of a stored release's manifest.
pub async fn release_objects(cfg: &Config, rel: &Release) -> Result<Vec<Resource>> {
    apply::build_manifest(cfg, &rel.manifest).await
}

/// Whether two objects are the same cluster object.
pub fn same_object(a: &Resource, b: &Resource) -> bool {
    apply::same_object(a, b)
}

/// Drop what the server adds and a comparison should not show:
/// `status`, server-managed metadata, Helm's ownership annotations and the
/// Deployment revision counter (an empty `annotations` goes too).
pub fn tidy(obj: &mut Json) {
    let Some(o) = obj.as_object_mut() else { return };
    o.remove("status");
    if let Some(md) = o.get_mut("metadata").and_then(Json::as_object_mut) {
        for k in [
            "managedFields",
            "generation",
            "creationTimestamp",
            "resourceVersion",
            "uid",
        ] {
            md.remove(k);
        }
        let mut empty = false;
        if let Some(a) = md.get_mut("annotations").and_then(Json::as_object_mut) {
            for k in [
                "meta.helm.sh/release-name",
                "meta.helm.sh/release-namespace",
                "deployment.kubernetes.io/revision",
            ] {
                a.remove(k);
            }
            empty = a.is_empty();
        }
        if empty {
            md.remove("annotations");
        }
    }
}

/// `NAMESPACE/RELEASE` from a live object's Helm annotations; "" for an
/// object no release owns.
pub fn owner_of(live: &Json) -> String {
    let ann = |k: &str| {
        live.pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1")))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (ns, name) = (
        ann("meta.helm.sh/release-namespace"),
        ann("meta.helm.sh/release-name"),
    );
    if ns.is_empty() && name.is_empty() {
        return String::new();
    }
    format!("{ns}/{name}")
}
