//! Offline half of install/upgrade: load the chart, merge values the way
//! Helm's install and upgrade actions do, render, split and sort.
//!
//! Template values are `Rc`-based (not `Send`) and deep templates need a
//! big stack, so everything here runs on the engine's big-stack thread and
//! hands back only plain data: the chart record, the user-supplied values
//! as JSON, manifests, hooks and notes.

use std::collections::BTreeMap;
use std::sync::Arc;

use capstan_release::{values_map, values_to_json, ChartRecord, Hook, HookExecution};
use engine::resources::{self, CapabilitiesFrom, RenderRequest};
use engine::ReleaseInfo;
use gotmpl::Value;
use serde_json::Value as Json;

/// How an upgrade combines the new flags with the deployed release's values.
#[derive(Debug, Clone, Default)]
pub enum ValuesBase {
    /// Install, or upgrade with `--reset-values`.
    #[default]
    Fresh,
    /// Upgrade without value flags: reuse the deployed config when no new
    /// values are given (Helm's default).
    Default { old_config: Json },
    /// `--reuse-values`: the old chart values under the old config become
    /// the chart's defaults; the old config is merged under the new values.
    Reuse {
        old_config: Json,
        old_chart_values: Json,
    },
    /// `--reset-then-reuse-values`: new chart defaults, old config under new values.
    ResetThenReuse { old_config: Json },
}

/// Serves Helm's `lookup` from the cluster while rendering. Rendering runs
/// on its own thread; each lookup blocks on the operation's runtime, which
/// keeps driving IO while it awaits the rendering thread.
#[derive(Clone)]
pub struct LookupSource {
    pub handle: tokio::runtime::Handle,
    pub cluster: Arc<capstan_kube::Cluster>,
}

impl std::fmt::Debug for LookupSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LookupSource")
    }
}

impl LookupSource {
    /// Helm's `lookup`: one object (or the list, with no name); an empty
    /// map when it does not exist; namespaced kinds with no namespace are
    /// listed across namespaces.
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String> {
        let c = self.cluster.clone();
        let (av, k, ns, n) = (
            api_version.to_string(),
            kind.to_string(),
            namespace.to_string(),
            name.to_string(),
        );
        let json = self.handle.block_on(async move {
            let Some((ar, namespaced)) = c.resolve(&av, &k).await.map_err(|e| e.to_string())? else {
                return Err(format!("unable to get apiresource from unstructured: {av}, Kind={k}: no matches for kind {k:?} in version {av:?}"));
            };
            let api = c.api(&ar, if namespaced && !ns.is_empty() { Some(ns.as_str()) } else { None });
            if n.is_empty() {
                let list = api.list(&Default::default()).await.map_err(|e| e.to_string())?;
                let items: Vec<Json> = list.items.into_iter().map(|o| serde_json::to_value(o).unwrap_or(Json::Null)).collect();
                Ok(serde_json::json!({"apiVersion": av, "kind": format!("{k}List"), "metadata": {}, "items": items}))
            } else {
                match api.get_opt(&n).await.map_err(|e| e.to_string())? {
                    Some(o) => Ok(serde_json::to_value(o).unwrap_or(Json::Null)),
                    None => Ok(Json::Object(Default::default())),
                }
            }
        })?;
        Ok(yaml::value_json::from_unstructured(&json))
    }
}

#[derive(Debug, Clone, Default)]
pub struct PrepareRequest {
    pub chart: String,
    pub values: chart::cli_values::ValueOptions,
    pub base: ValuesBase,
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_upgrade: bool,
    /// The cluster's version (`GitVersion`) and API versions; `None` = Helm's
    /// offline defaults (client dry-run).
    pub kube_version: Option<String>,
    pub api_versions: Option<Vec<String>>,
    pub skip_schema_validation: bool,
    /// `--render-subchart-notes`.
    pub subchart_notes: bool,
    /// `--hide-secret`: Secrets are left out of the manifest (dry runs).
    pub hide_secret: bool,
    /// `lookup` against the cluster (`None`: offline, an empty map).
    pub lookup: Option<LookupSource>,
}

#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub chart: Option<ChartRecord>,
    /// The user-supplied values as recorded in the release (`config`).
    pub config: BTreeMap<String, Json>,
    /// `(template path, document)` in install order.
    pub manifests: Vec<(String, String)>,
    /// The release manifest text (`---\n# Source: …`).
    pub manifest: String,
    pub hooks: Vec<Hook>,
    pub notes: String,
    /// CRD files from `crds/` of the chart and its subcharts.
    pub crds: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// What install and upgrade record before touching the cluster.
pub struct Pending<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub version: i64,
    pub first_deployed: capstan_release::Time,
    pub last_deployed: capstan_release::Time,
    pub status: capstan_release::Status,
    pub description: &'a str,
    pub labels: BTreeMap<String, String>,
    pub server_side: bool,
}

impl Prepared {
    /// The `pending-*` release record for this rendering.
    pub fn pending_release(&self, p: Pending) -> capstan_release::Release {
        capstan_release::Release {
            name: p.name.to_string(),
            namespace: p.namespace.to_string(),
            version: p.version,
            info: capstan_release::Info {
                first_deployed: p.first_deployed,
                last_deployed: p.last_deployed,
                status: p.status,
                description: p.description.to_string(),
                notes: self.notes.clone(),
                ..Default::default()
            },
            chart: self.chart.clone(),
            config: self.config.clone(),
            manifest: self.manifest.clone(),
            hooks: self.hooks.clone(),
            labels: p.labels,
            apply_method: Some(if p.server_side { "ssa" } else { "csa" }.into()),
        }
    }
}

/// Run [`prepare_here`] on a big-stack thread.
pub fn prepare(req: PrepareRequest) -> Result<Prepared, engine::resources::Error> {
    engine::run_with_big_stack(move || prepare_here(&req))
}

/// The release render on this thread, through the one render path
/// ([`engine::resources::render_release`]), turned into plain data.
pub fn prepare_here(req: &PrepareRequest) -> Result<Prepared, engine::resources::Error> {
    let base = match &req.base {
        ValuesBase::Fresh => resources::ValuesBase::Fresh,
        ValuesBase::Default { old_config } => resources::ValuesBase::Default {
            old_config: values_map(old_config),
        },
        ValuesBase::Reuse {
            old_config,
            old_chart_values,
        } => resources::ValuesBase::Reuse {
            old_config: values_map(old_config),
            old_chart_values: values_map(old_chart_values),
        },
        ValuesBase::ResetThenReuse { old_config } => resources::ValuesBase::ResetThenReuse {
            old_config: values_map(old_config),
        },
    };
    let capabilities = match &req.kube_version {
        Some(kv) => CapabilitiesFrom::Cluster {
            git_version: kv.clone(),
            api_versions: req.api_versions.clone(),
        },
        None => CapabilitiesFrom::default(),
    };
    let lookup = req.lookup.clone().map(|src| {
        engine::helmfuncs::Lookup(std::rc::Rc::new(
            move |a: &str, k: &str, ns: &str, n: &str| src.lookup(a, k, ns, n),
        ))
    });
    let r = resources::render_release(&RenderRequest {
        chart: req.chart.clone(),
        values: req.values.clone(),
        base,
        release: ReleaseInfo {
            name: req.name.clone(),
            namespace: req.namespace.clone(),
            revision: req.revision,
            is_install: !req.is_upgrade,
            is_upgrade: req.is_upgrade,
            service: "Helm".into(),
        },
        capabilities,
        skip_schema_validation: req.skip_schema_validation,
        subchart_notes: req.subchart_notes,
        hide_secret: req.hide_secret,
        lookup,
        ..Default::default()
    })?;
    let config = match values_to_json(&r.config) {
        Json::Object(m) => m.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    Ok(Prepared {
        chart: r.chart.as_ref().map(ChartRecord::from_chart),
        config,
        manifests: r
            .manifests
            .into_iter()
            .map(|m| {
                // As in the release manifest Helm builds objects from:
                // each document followed by a newline (see
                // `split_release_manifest`).
                let mut c = m.content;
                if !c.ends_with('\n') {
                    c.push('\n');
                }
                (m.name, c)
            })
            .collect(),
        manifest: r.manifest,
        hooks: r
            .hooks
            .into_iter()
            .map(|h| Hook {
                name: h.name,
                kind: h.kind,
                path: h.path,
                manifest: h.manifest,
                events: h.events,
                last_run: HookExecution::default(),
                weight: h.weight,
                delete_policies: h.delete_policies,
                output_log_policies: h.output_log_policies,
            })
            .collect(),
        notes: r.notes,
        crds: r.crds,
        warnings: r.warnings,
    })
}
