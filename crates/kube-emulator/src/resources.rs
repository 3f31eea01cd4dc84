//! The resource registry: which group/version/resources the emulator serves,
//! their kinds, scope and discovery metadata. Built-in kinds are a static
//! table; every established CustomResourceDefinition adds its served versions.

use serde_json::Value;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ResInfo {
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Main-resource writes leave `.status` alone; `/status` writes only `.status`.
    pub has_status: bool,
    pub has_scale: bool,
    /// Served from a CRD (strategic merge patch is unsupported, like real apiservers).
    pub custom: bool,
}

impl ResInfo {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    /// Does `metadata.generation` track spec changes for this kind?
    pub fn tracks_generation(&self) -> bool {
        !(self.group.is_empty()
            && matches!(
                self.resource.as_str(),
                "configmaps" | "secrets" | "serviceaccounts" | "events" | "endpoints"
            ))
    }
    pub fn verbs(&self) -> Vec<&'static str> {
        let mut v = vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ];
        if self.group.is_empty() && self.resource == "namespaces" {
            v.retain(|x| *x != "deletecollection");
        }
        v
    }
}

struct B(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    bool,
    bool,
);

// group, version, resource, kind, namespaced, shortNames, status, scale
const BUILTIN: &[B] = &[
    B(
        "",
        "v1",
        "namespaces",
        "Namespace",
        false,
        &["ns"],
        true,
        false,
    ),
    B(
        "",
        "v1",
        "configmaps",
        "ConfigMap",
        true,
        &["cm"],
        false,
        false,
    ),
    B("", "v1", "secrets", "Secret", true, &[], false, false),
    B("", "v1", "services", "Service", true, &["svc"], true, false),
    B(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
        &["sa"],
        false,
        false,
    ),
    B("", "v1", "pods", "Pod", true, &["po"], true, false),
    B(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        &["pvc"],
        true,
        false,
    ),
    B(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
        &["pv"],
        true,
        false,
    ),
    B("", "v1", "events", "Event", true, &["ev"], false, false),
    B(
        "",
        "v1",
        "endpoints",
        "Endpoints",
        true,
        &["ep"],
        false,
        false,
    ),
    B("", "v1", "nodes", "Node", false, &["no"], true, false),
    B(
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        true,
        &["rc"],
        true,
        true,
    ),
    B(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
        &["quota"],
        true,
        false,
    ),
    B(
        "",
        "v1",
        "limitranges",
        "LimitRange",
        true,
        &["limits"],
        false,
        false,
    ),
    B(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
        &["deploy"],
        true,
        true,
    ),
    B(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
        &["sts"],
        true,
        true,
    ),
    B(
        "apps",
        "v1",
        "daemonsets",
        "DaemonSet",
        true,
        &["ds"],
        true,
        false,
    ),
    B(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        true,
        &["rs"],
        true,
        true,
    ),
    B(
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
        &[],
        false,
        false,
    ),
    B("batch", "v1", "jobs", "Job", true, &[], true, false),
    B(
        "batch",
        "v1",
        "cronjobs",
        "CronJob",
        true,
        &["cj"],
        true,
        false,
    ),
    B(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        true,
        false,
    ),
    B(
        "autoscaling",
        "v1",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        true,
        false,
    ),
    B(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        &["pdb"],
        true,
        false,
    ),
    B(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
        &["ing"],
        true,
        false,
    ),
    B(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        &["netpol"],
        false,
        false,
    ),
    B(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
        &[],
        false,
        false,
    ),
    B(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
        &[],
        false,
        false,
    ),
    B(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        &[],
        false,
        false,
    ),
    B(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        &[],
        false,
        false,
    ),
    B(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        &[],
        false,
        false,
    ),
    B(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
        true,
        false,
    ),
    B(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
        &[],
        false,
        false,
    ),
    B(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
        &[],
        false,
        false,
    ),
    B(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        false,
        &[],
        true,
        false,
    ),
    B(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        false,
        &[],
        false,
        false,
    ),
    B(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        &["sc"],
        false,
        false,
    ),
    B(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        &["pc"],
        false,
        false,
    ),
    B(
        "coordination.k8s.io",
        "v1",
        "leases",
        "Lease",
        true,
        &[],
        false,
        false,
    ),
    B(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        true,
        &[],
        false,
        false,
    ),
];

fn categories_for(group: &str, resource: &str) -> Vec<String> {
    let all = matches!(
        (group, resource),
        ("", "pods" | "services" | "replicationcontrollers")
            | (
                "apps",
                "deployments" | "statefulsets" | "daemonsets" | "replicasets"
            )
            | ("batch", "jobs" | "cronjobs")
            | ("autoscaling", "horizontalpodautoscalers")
    );
    if all {
        vec!["all".into()]
    } else {
        vec![]
    }
}

pub fn builtin() -> Vec<Arc<ResInfo>> {
    BUILTIN
        .iter()
        .map(|b| {
            Arc::new(ResInfo {
                group: b.0.into(),
                version: b.1.into(),
                resource: b.2.into(),
                kind: b.3.into(),
                singular: b.3.to_lowercase(),
                namespaced: b.4,
                short_names: b.5.iter().map(|s| s.to_string()).collect(),
                categories: categories_for(b.0, b.2),
                has_status: b.6,
                has_scale: b.7,
                custom: false,
            })
        })
        .collect()
}

/// The resources a CRD object serves (one per served version), or nothing
/// when the CRD is malformed.
pub fn from_crd(crd: &Value) -> Vec<Arc<ResInfo>> {
    let spec = match crd.get("spec") {
        Some(s) => s,
        None => return vec![],
    };
    let s = |p: &[&str]| {
        crate::util::get_path(spec, p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let group = s(&["group"]);
    let plural = s(&["names", "plural"]);
    let kind = s(&["names", "kind"]);
    if group.is_empty() || plural.is_empty() || kind.is_empty() {
        return vec![];
    }
    let singular = {
        let x = s(&["names", "singular"]);
        if x.is_empty() {
            kind.to_lowercase()
        } else {
            x
        }
    };
    let namespaced = s(&["scope"]) != "Cluster";
    let list = |p: &[&str]| -> Vec<String> {
        crate::util::get_path(spec, p)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let short_names = list(&["names", "shortNames"]);
    let categories = list(&["names", "categories"]);
    let mut out = vec![];
    for v in spec
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = v.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() || v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let has_status = v
            .get("subresources")
            .and_then(|s| s.get("status"))
            .is_some();
        let has_scale = v.get("subresources").and_then(|s| s.get("scale")).is_some();
        out.push(Arc::new(ResInfo {
            group: group.clone(),
            version: name.to_string(),
            resource: plural.clone(),
            kind: kind.clone(),
            singular: singular.clone(),
            namespaced,
            short_names: short_names.clone(),
            categories: categories.clone(),
            has_status,
            has_scale,
            custom: true,
        }));
    }
    out
}
