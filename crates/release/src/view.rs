//! Read-only views of a release record, as Helm's library builds them for
//! its readers: the values a release ran with (`CoalesceValues`), the
//! record with its Go field names for `helm get all --template`, and
//! `helm get metadata`'s record (Helm's `action.Metadata`,
//! pkg/action/get_metadata.go).  Printing them is `capstan_printer`'s job.

use std::collections::BTreeMap;

use gotmpl::Value;
use serde::Serialize;

use crate::codec::{json_to_values, values_map, values_to_json};
use crate::{Json, Release};

/// `get values --all` and the status printer's `COMPUTED VALUES:`: the
/// chart's defaults coalesced under the release's user-supplied values
/// (Helm's `chartutil.CoalesceValues(rel.Chart, rel.Config)`).
pub fn computed_values(rel: &Release) -> Json {
    let chart_values = rel
        .chart
        .as_ref()
        .map(|c| c.values_json())
        .unwrap_or(Json::Null);
    values_to_json(&chart::values::coalesced_copy(
        &values_map(&rel.config_json()),
        &values_map(&chart_values),
    ))
}

/// The release as Go's text/template sees a `*release.Release`: Helm's Go
/// field names (`.Info.Status`, `.Chart.Metadata.Version`, …). Times are
/// their Go `String()`; a whole struct prints as a map, not Go's `&{…}`
/// (a known gap).  `helm get all --template` executes over
/// `{"Release": template_value(rel)}`.
pub fn template_value(rel: &Release) -> Value {
    use Value as V;
    let map = |items: Vec<(&str, V)>| {
        V::map(items.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    let strs = |m: &BTreeMap<String, String>| {
        V::map(m.iter().map(|(k, v)| (k.clone(), V::str(v))).collect())
    };
    let json = |j: Json| json_to_values(&j);
    let md = rel
        .chart
        .as_ref()
        .and_then(|c| c.metadata.clone())
        .unwrap_or_default();
    let chart = map(vec![
        (
            "Metadata",
            map(vec![
                ("Name", V::str(&md.name)),
                ("Version", V::str(&md.version)),
                ("AppVersion", V::str(&md.app_version)),
                ("Description", V::str(&md.description)),
                ("APIVersion", V::str(&md.api_version)),
                ("Type", V::str(&md.chart_type)),
                ("KubeVersion", V::str(&md.kube_version)),
                ("Home", V::str(&md.home)),
                ("Icon", V::str(&md.icon)),
                ("Annotations", strs(&md.annotations)),
            ]),
        ),
        (
            "Values",
            json(
                rel.chart
                    .as_ref()
                    .map(|c| c.values_json())
                    .unwrap_or_default(),
            ),
        ),
    ]);
    let info = map(vec![
        (
            "FirstDeployed",
            V::string(rel.info.first_deployed.go_string()),
        ),
        (
            "LastDeployed",
            V::string(rel.info.last_deployed.go_string()),
        ),
        ("Deleted", V::string(rel.info.deleted.go_string())),
        ("Description", V::str(&rel.info.description)),
        ("Status", V::str(rel.info.status.as_str())),
        ("Notes", V::str(&rel.info.notes)),
    ]);
    let hooks = V::list(
        rel.hooks
            .iter()
            .map(|h| {
                map(vec![
                    ("Name", V::str(&h.name)),
                    ("Kind", V::str(&h.kind)),
                    ("Path", V::str(&h.path)),
                    ("Manifest", V::str(&h.manifest)),
                    (
                        "Events",
                        V::list(h.events.iter().map(|e| V::str(e)).collect()),
                    ),
                    ("Weight", V::int(h.weight)),
                    (
                        "DeletePolicies",
                        V::list(h.delete_policies.iter().map(|e| V::str(e)).collect()),
                    ),
                    (
                        "LastRun",
                        map(vec![
                            ("StartedAt", V::string(h.last_run.started_at.go_string())),
                            (
                                "CompletedAt",
                                V::string(h.last_run.completed_at.go_string()),
                            ),
                            ("Phase", V::str(&h.last_run.phase)),
                        ]),
                    ),
                ])
            })
            .collect(),
    );
    map(vec![
        ("Name", V::str(&rel.name)),
        ("Namespace", V::str(&rel.namespace)),
        ("Version", V::int(rel.version)),
        ("Info", info),
        ("Chart", chart),
        ("Config", json(rel.config_json())),
        ("Manifest", V::str(&rel.manifest)),
        ("Hooks", hooks),
        ("Labels", strs(&rel.labels)),
        (
            "ApplyMethod",
            V::str(rel.apply_method.as_deref().unwrap_or("")),
        ),
    ])
}

/// `helm get metadata`'s record (Helm's `action.Metadata`), with its JSON
/// field names and omission rules.
#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    pub name: String,
    pub chart: String,
    pub version: String,
    #[serde(rename = "appVersion")]
    pub app_version: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// The record object's labels as storage returns them (Helm 4.2.3
    /// keeps its system labels here).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The chart's `dependencies` as Chart.yaml's JSON.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Json>,
    pub namespace: String,
    pub revision: i64,
    pub status: String,
    /// `time.RFC3339`.
    #[serde(rename = "deployedAt")]
    pub deployed_at: String,
    #[serde(rename = "applyMethod", skip_serializing_if = "Option::is_none")]
    pub apply_method: Option<String>,
}

impl Metadata {
    /// Helm's `GetMetadata.Run` over a fetched release.
    pub fn of(rel: &Release) -> Metadata {
        let md = rel
            .chart
            .as_ref()
            .and_then(|c| c.metadata.clone())
            .unwrap_or_default();
        let deps = serde_json::to_value(&md)
            .ok()
            .and_then(|v| v.get("dependencies").and_then(|d| d.as_array().cloned()))
            .unwrap_or_default();
        Metadata {
            name: rel.name.clone(),
            chart: md.name.clone(),
            version: md.version.clone(),
            app_version: md.app_version.clone(),
            annotations: md.annotations.clone(),
            labels: rel.labels.clone(),
            dependencies: deps,
            namespace: rel.namespace.clone(),
            revision: rel.version,
            status: rel.info.status.as_str().to_string(),
            deployed_at: rel.info.last_deployed.format_rfc3339(),
            apply_method: rel.apply_method.clone(),
        }
    }

    /// Helm's `Metadata.FormattedDepNames`: the dependencies' names, sorted,
    /// comma-separated.
    pub fn formatted_dep_names(&self) -> String {
        let mut deps: Vec<&str> = self
            .dependencies
            .iter()
            .filter_map(|d| d.get("name").and_then(|n| n.as_str()))
            .collect();
        deps.sort();
        deps.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Time;

    #[test]
    fn metadata_time_is_whole_seconds() {
        let mut rel = Release::default();
        rel.info.last_deployed = Time::from_unix_utc(1_700_000_000, 123_456_789);
        let m = Metadata::of(&rel);
        assert_eq!(m.deployed_at, "2023-11-14T22:13:20Z");
        assert_eq!(m.formatted_dep_names(), "");
    }

    #[test]
    fn computed_values_without_chart_are_the_config() {
        let rel = Release::default();
        assert_eq!(computed_values(&rel), Json::Object(Default::default()));
    }
}
