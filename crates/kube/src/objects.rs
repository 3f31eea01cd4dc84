//! Building Kubernetes objects from rendered manifests, and Helm's kind orders.
//!
//! Manifests arrive as `(source template, YAML text)` pairs. Each document is
//! decoded the way Helm's builder does (sigs.k8s.io/yaml: YAML 1.1 scalars
//! through JSON, integers stay integers), mapped to an API resource through
//! discovery, and given the release namespace when its kind is namespaced
//! and it names none. Cluster-scoped objects lose any namespace they carry.

use kube::core::ApiResource;
use serde_json::Value as Json;

use crate::error::{Error, ErrorKind, Result};

pub use k8smeta::kinds::{INSTALL_ORDER, UNINSTALL_ORDER};

/// One object ready to send: its mapping, scope and JSON body.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Template that produced it (`chart/templates/x.yaml`); may be empty.
    pub source: String,
    pub api_resource: ApiResource,
    pub namespaced: bool,
    pub name: String,
    /// `Some` exactly when the kind is namespaced.
    pub namespace: Option<String>,
    /// The full object (apiVersion, kind, metadata, …) as JSON.
    pub object: Json,
}

impl Resource {
    pub fn kind(&self) -> &str {
        &self.api_resource.kind
    }
    /// `Deployment ns/name`, or `ClusterRole name` for cluster-scoped kinds.
    pub fn describe(&self) -> String {
        describe(self.kind(), self.namespace.as_deref(), &self.name)
    }
    /// Helm's kstatus identifier: `Job/ns/name` (cluster-scoped: `Kind/name`).
    pub fn id(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind(), ns, self.name),
            None => format!("{}/{}", self.kind(), self.name),
        }
    }
    /// Set `metadata.annotations[key] = value` (Helm's ownership annotations).
    pub fn set_annotation(&mut self, key: &str, value: &str) {
        set_meta_map(&mut self.object, "annotations", key, value);
    }
    pub fn set_label(&mut self, key: &str, value: &str) {
        set_meta_map(&mut self.object, "labels", key, value);
    }
}

fn set_meta_map(obj: &mut Json, field: &str, key: &str, value: &str) {
    if !obj.is_object() {
        return;
    }
    let meta = obj.as_object_mut().map(|o| {
        o.entry("metadata")
            .or_insert_with(|| Json::Object(Default::default()))
    });
    let Some(meta) = meta.and_then(|m| m.as_object_mut()) else {
        return;
    };
    let map = meta
        .entry(field)
        .or_insert_with(|| Json::Object(Default::default()));
    if !map.is_object() {
        *map = Json::Object(Default::default());
    }
    if let Some(m) = map.as_object_mut() {
        m.insert(key.to_string(), Json::String(value.to_string()));
    }
}

/// Helm's ownership check of a live object before adopting it
/// (`checkOwnership`): label `app.kubernetes.io/managed-by=Helm` and the
/// release name/namespace annotations. The error text is Helm 4.2.3's
/// (`invalid ownership metadata; ` then the problems joined by `; `),
/// checked against helm-ref's SDK.
pub fn check_ownership(live: &Json, release: &str, release_namespace: &str) -> Result<(), String> {
    let get = |field: &str, key: &str| {
        live.pointer(&format!("/metadata/{field}"))
            .and_then(|m| m.get(key))
            .and_then(Json::as_str)
    };
    let require = |field: &str, key: &str, want: &str| match get(field, key) {
        None => Some(format!("missing key {key:?}: must be set to {want:?}")),
        Some(v) if v != want => Some(format!(
            "key {key:?} must equal {want:?}: current value is {v:?}"
        )),
        Some(_) => None,
    };
    let mut errs = Vec::new();
    if let Some(e) = require("labels", "app.kubernetes.io/managed-by", "Helm") {
        errs.push(format!("label validation error: {e}"));
    }
    if let Some(e) = require("annotations", "meta.helm.sh/release-name", release) {
        errs.push(format!("annotation validation error: {e}"));
    }
    if let Some(e) = require(
        "annotations",
        "meta.helm.sh/release-namespace",
        release_namespace,
    ) {
        errs.push(format!("annotation validation error: {e}"));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!("invalid ownership metadata; {}", errs.join("; ")))
    }
}

/// Helm's `ownershipConflict` text: `Kind "name" in namespace "ns" exists
/// and cannot be imported into the current release: <why>`.
pub fn ownership_conflict(r: &Resource, why: &str) -> String {
    format!(
        "{} {:?} in namespace {:?} exists and cannot be imported into the current release: {why}",
        r.kind(),
        r.name,
        r.namespace.as_deref().unwrap_or("")
    )
}

pub(crate) fn describe(kind: &str, ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) if !ns.is_empty() => format!("{kind} {ns}/{name}"),
        _ => format!("{kind} {name}"),
    }
}

/// A decoded document before mapping.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub source: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub object: Json,
}

/// Decode every document of every `(source, text)` pair; `List` kinds with
/// `items` are flattened as kubectl's builder does.
pub(crate) fn decode(manifests: &[(String, String)]) -> Result<Vec<Doc>> {
    let mut out = Vec::new();
    for (source, text) in manifests {
        let docs = yaml::from_yaml_documents(text).map_err(|e| {
            Error::new(ErrorKind::Manifest, format!("error parsing {source}: {e}"))
                .with_source(source)
        })?;
        for v in docs {
            let json = to_json(&v);
            if json.is_null() {
                continue;
            }
            push_doc(&mut out, source, json, 0)?;
        }
    }
    Ok(out)
}

fn push_doc(out: &mut Vec<Doc>, source: &str, json: Json, depth: usize) -> Result<()> {
    let err = |m: String| Error::new(ErrorKind::Manifest, m).with_source(source);
    if !json.is_object() {
        return Err(err(format!(
            "error validating {source:?}: the document is not an object: {json}"
        )));
    }
    let s = |p: &str| {
        json.pointer(p)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (api_version, kind) = (s("/apiVersion"), s("/kind"));
    if kind.is_empty() {
        return Err(err(format!("Object 'Kind' is missing in '{json}'")));
    }
    if api_version.is_empty() {
        return Err(err(format!("Object 'apiVersion' is missing in '{json}'")));
    }
    if kind.ends_with("List") && depth < 4 {
        if let Some(items) = json.get("items").and_then(Json::as_array) {
            for item in items.clone() {
                push_doc(out, source, item, depth + 1)?;
            }
            return Ok(());
        }
    }
    let name = s("/metadata/name");
    if name.is_empty() {
        return Err(err(format!(
            "error validating {source:?}: {kind} has no metadata.name"
        )));
    }
    out.push(Doc {
        source: source.to_string(),
        namespace: s("/metadata/namespace"),
        api_version,
        kind,
        name,
        object: json,
    });
    Ok(())
}

/// gotmpl `Value` (sigs.k8s.io/yaml decoding) → JSON as Kubernetes keeps
/// it (integral floats become integers).
pub use yaml::value_json::unstructured as to_json;

fn order_index(order: &[&str], kind: &str) -> Option<usize> {
    order.iter().position(|k| *k == kind)
}

/// Helm's `lessByKind`: known kinds by list position, unknown kinds after
/// them alphabetically; stable otherwise.
pub fn sort_by_kind<T>(items: &mut [T], order: &[&str], kind: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| {
        let (ka, kb) = (kind(a), kind(b));
        match (order_index(order, ka), order_index(order, kb)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => ka.cmp(kb),
        }
    });
}

/// Sort resources into Helm's install order.
pub fn sort_for_install(res: &mut [Resource]) {
    sort_by_kind(res, INSTALL_ORDER, |r| r.kind());
}

/// Sort resources into Helm's uninstall order.
pub fn sort_for_uninstall(res: &mut [Resource]) {
    sort_by_kind(res, UNINSTALL_ORDER, |r| r.kind());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_yaml11_and_integers() {
        let docs = decode(&[(
            "c/templates/a.yaml".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: \"1\"\nspec:\n  replicas: 3\n  enabled: yes\n---\n# empty\n".into(),
        )])
        .unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].object["spec"]["replicas"], Json::from(3));
        assert_eq!(docs[0].object["spec"]["enabled"], Json::Bool(true));
    }

    #[test]
    fn missing_kind_names_problem() {
        let e = decode(&[(
            "t.yaml".into(),
            "apiVersion: v1\nmetadata:\n  name: a\n".into(),
        )])
        .unwrap_err();
        assert!(e.message.contains("Object 'Kind' is missing"), "{e}");
        assert_eq!(e.source_path.as_deref(), Some("t.yaml"));
    }

    #[test]
    fn lists_flatten() {
        let docs = decode(&[(
            "l.yaml".into(),
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n".into(),
        )])
        .unwrap();
        assert_eq!(
            docs.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(),
            ["ConfigMap", "Secret"]
        );
    }

    #[test]
    fn ownership() {
        // Texts confirmed with helm-ref's SDK (Helm 4.2.3): problems joined by "; ".
        let bare = serde_json::json!({"metadata": {"name": "bare"}});
        assert_eq!(
            check_ownership(&bare, "b", "default").unwrap_err(),
            "invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"b\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"default\""
        );
        let live = serde_json::json!({"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "other"}}});
        assert_eq!(
            check_ownership(&live, "demo", "default").unwrap_err(),
            "invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"demo\": current value is \"other\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"default\""
        );
        let ok = serde_json::json!({"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "demo", "meta.helm.sh/release-namespace": "default"}}});
        assert!(check_ownership(&ok, "demo", "default").is_ok());
    }

    #[test]
    fn kind_orders() {
        let mut k = vec![
            "Zed",
            "Deployment",
            "Service",
            "Alpha",
            "ConfigMap",
            "Namespace",
        ];
        sort_by_kind(&mut k, INSTALL_ORDER, |s| s);
        assert_eq!(
            k,
            [
                "Namespace",
                "ConfigMap",
                "Service",
                "Deployment",
                "Alpha",
                "Zed"
            ]
        );
        sort_by_kind(&mut k, UNINSTALL_ORDER, |s| s);
        assert_eq!(
            k,
            [
                "Service",
                "Deployment",
                "ConfigMap",
                "Namespace",
                "Alpha",
                "Zed"
            ]
        );
    }
}
