//! Per-kind admission: validation (422 Invalid), immutability and the
//! defaulting the real apiserver applies (enough that diffs, waits and the
//! simulated controllers see realistic objects). Only the rules clients and
//! charts commonly trip over are modelled; anything else is accepted.

use crate::resources::ResInfo;
use crate::store::Inner;
use crate::util::*;
use serde_json::{json, Value};

fn inv(info: &ResInfo, name: &str, field: &str, msg: &str) -> ApiError {
    ApiError::invalid(&info.group, &info.kind, name, field, msg)
}

fn is_dns_label(s: &str) -> bool {
    s.len() <= 63 && !s.contains('.') && is_dns_subdomain(s)
}

fn containers(spec: Option<&Value>) -> Vec<&Value> {
    spec.and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn check_containers(
    info: &ResInfo,
    name: &str,
    spec: Option<&Value>,
    prefix: &str,
) -> ApiResult<()> {
    let cs = containers(spec);
    if cs.is_empty() {
        return Err(inv(
            info,
            name,
            &format!("{prefix}.containers"),
            "Required value",
        ));
    }
    for (i, c) in cs.iter().enumerate() {
        if c.get("name").and_then(Value::as_str).map(is_dns_label) != Some(true) {
            return Err(inv(
                info,
                name,
                &format!("{prefix}.containers[{i}].name"),
                "Required value: a lowercase RFC 1123 label is required",
            ));
        }
        if c.get("image")
            .and_then(Value::as_str)
            .map(|s| s.trim().is_empty())
            .unwrap_or(true)
        {
            return Err(inv(
                info,
                name,
                &format!("{prefix}.containers[{i}].image"),
                "Required value",
            ));
        }
    }
    Ok(())
}

/// Validates a new or updated object; `old` is the live object on updates.
pub fn validate(info: &ResInfo, obj: &Value, old: Option<&Value>) -> ApiResult<()> {
    let name = meta_str(obj, "name");
    let name_ok = match (info.group.as_str(), info.resource.as_str()) {
        ("rbac.authorization.k8s.io", _) => {
            !name.is_empty()
                && !name.contains('/')
                && !name.contains('%')
                && name != "."
                && name != ".."
        }
        ("", "namespaces") | ("", "services") => is_dns_label(name),
        _ => is_dns_subdomain(name),
    };
    if !name_ok {
        return Err(inv(info, name, "metadata.name", &format!("Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")));
    }
    if let Some(l) = labels(obj) {
        for (k, v) in l {
            if !is_label_key(k) {
                return Err(inv(info, name, "metadata.labels", &format!("Invalid value: {k:?}: name part must consist of alphanumeric characters, '-', '_' or '.'")));
            }
            match v.as_str() {
                Some(s) if is_label_value(s) => {}
                _ => return Err(inv(info, name, "metadata.labels", &format!("Invalid value: {v}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"))),
            }
        }
    }
    if let Some(a) = meta(obj)
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
    {
        for (k, v) in a {
            if !is_label_key(k) || !v.is_string() {
                return Err(inv(
                    info,
                    name,
                    "metadata.annotations",
                    &format!("Invalid value: {k:?}"),
                ));
            }
        }
    }
    let spec = obj.get("spec");
    match (info.group.as_str(), info.resource.as_str()) {
        ("apps", "deployments" | "replicasets" | "statefulsets" | "daemonsets") => {
            let sel = spec.and_then(|s| s.get("selector"));
            if sel
                .map(|s| s.as_object().map(|m| m.is_empty()).unwrap_or(true))
                .unwrap_or(true)
            {
                return Err(inv(info, name, "spec.selector", "Required value"));
            }
            let tmpl = spec.and_then(|s| s.get("template"));
            let sel =
                crate::selector::LabelSelector::from_label_selector(sel.unwrap_or(&Value::Null));
            let tl = json!({"metadata": {"labels": tmpl.and_then(|t| get_path(t, &["metadata", "labels"])).cloned().unwrap_or(json!({}))}});
            if !sel.matches(&tl) {
                return Err(inv(
                    info,
                    name,
                    "spec.template.metadata.labels",
                    "Invalid value: `selector` does not match template `labels`",
                ));
            }
            check_containers(
                info,
                name,
                tmpl.and_then(|t| t.get("spec")),
                "spec.template.spec",
            )?;
            if let (Some(o), "deployments" | "statefulsets" | "daemonsets") =
                (old, info.resource.as_str())
            {
                if get_path(o, &["spec", "selector"]) != get_path(obj, &["spec", "selector"]) {
                    return Err(inv(
                        info,
                        name,
                        "spec.selector",
                        "Invalid value: field is immutable",
                    ));
                }
            }
        }
        ("batch", "jobs") => {
            let tspec = spec.and_then(|s| get_path(s, &["template", "spec"]));
            check_containers(info, name, tspec, "spec.template.spec")?;
            match tspec
                .and_then(|s| s.get("restartPolicy"))
                .and_then(Value::as_str)
            {
                Some("Never") | Some("OnFailure") => {}
                _ => {
                    return Err(inv(
                        info,
                        name,
                        "spec.template.spec.restartPolicy",
                        "Required value: valid values: \"OnFailure\", \"Never\"",
                    ))
                }
            }
            if let Some(o) = old {
                if get_path(o, &["spec", "template"]) != get_path(obj, &["spec", "template"]) {
                    return Err(inv(
                        info,
                        name,
                        "spec.template",
                        "Invalid value: field is immutable",
                    ));
                }
            }
        }
        ("batch", "cronjobs")
            if spec
                .and_then(|s| s.get("schedule"))
                .and_then(Value::as_str)
                .map(str::is_empty)
                .unwrap_or(true) =>
        {
            return Err(inv(info, name, "spec.schedule", "Required value"));
        }
        ("", "pods") => {
            check_containers(info, name, spec, "spec")?;
            if let Some(o) = old {
                let strip = |v: &Value| {
                    let mut s = v.get("spec").cloned().unwrap_or(Value::Null);
                    if let Some(m) = s.as_object_mut() {
                        // Fields the apiserver lets pods change in place.
                        m.remove("activeDeadlineSeconds");
                        m.remove("tolerations");
                        if let Some(cs) = m.get_mut("containers").and_then(Value::as_array_mut) {
                            for c in cs {
                                if let Some(cm) = c.as_object_mut() {
                                    cm.remove("image");
                                }
                            }
                        }
                    }
                    s
                };
                if strip(o) != strip(obj) {
                    return Err(inv(info, name, "spec", "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds` or `spec.tolerations`"));
                }
            }
        }
        ("", "services") => {
            let ty = spec
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP");
            let headless = spec
                .and_then(|s| s.get("clusterIP"))
                .and_then(Value::as_str)
                == Some("None");
            let ports = spec
                .and_then(|s| s.get("ports"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if ports.is_empty() && ty != "ExternalName" && !headless {
                return Err(inv(info, name, "spec.ports", "Required value"));
            }
            for (i, p) in ports.iter().enumerate() {
                let n = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                if !(1..=65535).contains(&n) {
                    return Err(inv(
                        info,
                        name,
                        &format!("spec.ports[{i}].port"),
                        "Invalid value: must be between 1 and 65535, inclusive",
                    ));
                }
            }
            if !matches!(
                ty,
                "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
            ) {
                return Err(inv(
                    info,
                    name,
                    "spec.type",
                    &format!("Unsupported value: {ty:?}"),
                ));
            }
            if let Some(o) = old {
                let oip = get_path(o, &["spec", "clusterIP"])
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let nip = get_path(obj, &["spec", "clusterIP"])
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if !oip.is_empty() && !nip.is_empty() && oip != nip {
                    return Err(inv(
                        info,
                        name,
                        "spec.clusterIPs[0]",
                        "Invalid value: field is immutable",
                    ));
                }
            }
        }
        ("", "configmaps") => {
            if let Some(d) = obj.get("data") {
                let ok = d.is_null()
                    || d.as_object()
                        .map(|m| m.values().all(Value::is_string))
                        .unwrap_or(false);
                if !ok {
                    return Err(ApiError::bad_request("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal non-string into Go struct field ConfigMap.data of type string"));
                }
            }
            immutable_data(info, obj, old)?;
        }
        ("", "secrets") => {
            if let Some(d) = obj.get("data").and_then(Value::as_object) {
                use base64::Engine;
                for (k, v) in d {
                    let ok = v
                        .as_str()
                        .map(|s| base64::engine::general_purpose::STANDARD.decode(s).is_ok())
                        .unwrap_or(false);
                    if !ok {
                        return Err(ApiError::bad_request(format!("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data in data[{k:?}]")));
                    }
                }
            }
            immutable_data(info, obj, old)?;
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            let s = |p: &[&str]| {
                spec.and_then(|x| get_path(x, p))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let (group, plural) = (s(&["group"]), s(&["names", "plural"]));
            if group.is_empty() || plural.is_empty() || s(&["names", "kind"]).is_empty() {
                return Err(inv(
                    info,
                    name,
                    "spec",
                    "Required value: group, names.plural and names.kind are required",
                ));
            }
            if name != format!("{plural}.{group}") {
                return Err(inv(
                    info,
                    name,
                    "metadata.name",
                    &format!("Invalid value: {name:?}: must be spec.names.plural+\".\"+spec.group"),
                ));
            }
            let versions = spec
                .and_then(|x| x.get("versions"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if versions.is_empty() {
                return Err(inv(info, name, "spec.versions", "Required value"));
            }
        }
        _ => {}
    }
    Ok(())
}

fn immutable_data(info: &ResInfo, obj: &Value, old: Option<&Value>) -> ApiResult<()> {
    if let Some(o) = old {
        if o.get("immutable").and_then(Value::as_bool) == Some(true)
            && (o.get("data") != obj.get("data")
                || o.get("binaryData") != obj.get("binaryData")
                || obj.get("immutable") != o.get("immutable"))
        {
            return Err(inv(
                info,
                meta_str(obj, "name"),
                "data",
                "Forbidden: field is immutable when `immutable` is set",
            ));
        }
    }
    Ok(())
}

fn default_pod_spec(spec: &mut Value) {
    default_path(spec, &["restartPolicy"], json!("Always"));
    default_path(spec, &["dnsPolicy"], json!("ClusterFirst"));
    default_path(spec, &["schedulerName"], json!("default-scheduler"));
    default_path(spec, &["terminationGracePeriodSeconds"], json!(30));
    default_path(spec, &["securityContext"], json!({}));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs {
                let image = c
                    .get("image")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let latest = !image.contains(':') || image.ends_with(":latest");
                default_path(
                    c,
                    &["imagePullPolicy"],
                    json!(if latest { "Always" } else { "IfNotPresent" }),
                );
                default_path(
                    c,
                    &["terminationMessagePath"],
                    json!("/dev/termination-log"),
                );
                default_path(c, &["terminationMessagePolicy"], json!("File"));
                default_path(c, &["resources"], json!({}));
                if let Some(ps) = c.get_mut("ports").and_then(Value::as_array_mut) {
                    for p in ps {
                        default_path(p, &["protocol"], json!("TCP"));
                    }
                }
            }
        }
    }
}

/// Applies apiserver defaulting. `old` is the live object on updates.
pub fn default(info: &ResInfo, obj: &mut Value, old: Option<&Value>, inner: &mut Inner) {
    match (info.group.as_str(), info.resource.as_str()) {
        ("apps", "deployments") => {
            default_path(obj, &["spec", "replicas"], json!(1));
            default_path(obj, &["spec", "progressDeadlineSeconds"], json!(600));
            default_path(obj, &["spec", "revisionHistoryLimit"], json!(10));
            default_path(
                obj,
                &["spec", "strategy"],
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
            );
            if let Some(s) = obj
                .get_mut("spec")
                .and_then(|s| s.get_mut("template"))
                .and_then(|t| t.get_mut("spec"))
            {
                default_pod_spec(s);
            }
        }
        ("apps", "statefulsets") => {
            default_path(obj, &["spec", "replicas"], json!(1));
            default_path(obj, &["spec", "podManagementPolicy"], json!("OrderedReady"));
            default_path(obj, &["spec", "revisionHistoryLimit"], json!(10));
            default_path(
                obj,
                &["spec", "updateStrategy"],
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            );
            if let Some(s) = obj
                .get_mut("spec")
                .and_then(|s| s.get_mut("template"))
                .and_then(|t| t.get_mut("spec"))
            {
                default_pod_spec(s);
            }
        }
        ("apps", "daemonsets") => {
            default_path(obj, &["spec", "revisionHistoryLimit"], json!(10));
            default_path(
                obj,
                &["spec", "updateStrategy"],
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
            );
            if let Some(s) = obj
                .get_mut("spec")
                .and_then(|s| s.get_mut("template"))
                .and_then(|t| t.get_mut("spec"))
            {
                default_pod_spec(s);
            }
        }
        ("apps", "replicasets") => {
            default_path(obj, &["spec", "replicas"], json!(1));
        }
        ("batch", "jobs") => {
            default_path(obj, &["spec", "parallelism"], json!(1));
            default_path(obj, &["spec", "completions"], json!(1));
            default_path(obj, &["spec", "backoffLimit"], json!(6));
            default_path(obj, &["spec", "completionMode"], json!("NonIndexed"));
            default_path(obj, &["spec", "suspend"], json!(false));
            if old.is_none() {
                let uid = meta_str(obj, "uid").to_string();
                let name = meta_str(obj, "name").to_string();
                if get_path(obj, &["spec", "selector"]).is_none() && !uid.is_empty() {
                    set_path(
                        obj,
                        &["spec", "selector"],
                        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
                    );
                    for (k, v) in [
                        ("batch.kubernetes.io/controller-uid", &uid),
                        ("batch.kubernetes.io/job-name", &name),
                        ("controller-uid", &uid),
                        ("job-name", &name),
                    ] {
                        set_path(
                            obj,
                            &["spec", "template", "metadata", "labels", k],
                            json!(v),
                        );
                    }
                }
            }
            if let Some(s) = obj
                .get_mut("spec")
                .and_then(|s| s.get_mut("template"))
                .and_then(|t| t.get_mut("spec"))
            {
                default_pod_spec(s);
            }
        }
        ("batch", "cronjobs") => {
            default_path(obj, &["spec", "concurrencyPolicy"], json!("Allow"));
            default_path(obj, &["spec", "suspend"], json!(false));
            default_path(obj, &["spec", "successfulJobsHistoryLimit"], json!(3));
            default_path(obj, &["spec", "failedJobsHistoryLimit"], json!(1));
        }
        ("", "pods") => {
            if let Some(s) = obj.get_mut("spec") {
                default_pod_spec(s);
            }
            if old.is_none() {
                obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
        }
        ("", "services") => {
            let ty = get_path(obj, &["spec", "type"])
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP")
                .to_string();
            default_path(obj, &["spec", "type"], json!("ClusterIP"));
            if ty != "ExternalName" {
                default_path(obj, &["spec", "sessionAffinity"], json!("None"));
                let old_ip = old
                    .and_then(|o| get_path(o, &["spec", "clusterIP"]))
                    .and_then(Value::as_str)
                    .map(String::from);
                let cur = get_path(obj, &["spec", "clusterIP"])
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let ip = if !cur.is_empty() {
                    cur
                } else if let Some(o) = old_ip {
                    o
                } else {
                    inner.next_ip += 1;
                    format!(
                        "10.96.{}.{}",
                        (inner.next_ip / 250) % 250,
                        inner.next_ip % 250 + 1
                    )
                };
                set_path(obj, &["spec", "clusterIP"], json!(ip));
                set_path(obj, &["spec", "clusterIPs"], json!([ip]));
                default_path(obj, &["spec", "ipFamilies"], json!(["IPv4"]));
                default_path(obj, &["spec", "ipFamilyPolicy"], json!("SingleStack"));
                default_path(obj, &["spec", "internalTrafficPolicy"], json!("Cluster"));
            }
            let old_ports = old
                .and_then(|o| get_path(o, &["spec", "ports"]))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let need_node_port = ty == "NodePort" || ty == "LoadBalancer";
            if let Some(ps) = obj
                .get_mut("spec")
                .and_then(|s| s.get_mut("ports"))
                .and_then(Value::as_array_mut)
            {
                for p in ps {
                    default_path(p, &["protocol"], json!("TCP"));
                    if let Some(port) = p.get("port").cloned() {
                        default_path(p, &["targetPort"], port);
                    }
                    if need_node_port && p.get("nodePort").is_none() {
                        let prev = old_ports
                            .iter()
                            .find(|o| o.get("port") == p.get("port"))
                            .and_then(|o| o.get("nodePort"))
                            .cloned();
                        let np = prev.unwrap_or_else(|| {
                            inner.next_node_port += 1;
                            json!(inner.next_node_port)
                        });
                        p["nodePort"] = np;
                    }
                }
            }
            if old.is_none() {
                obj["status"] = json!({"loadBalancer": {}});
            }
        }
        ("", "namespaces") => {
            let name = meta_str(obj, "name").to_string();
            set_path(
                obj,
                &["metadata", "labels", "kubernetes.io/metadata.name"],
                json!(name),
            );
            default_path(obj, &["spec", "finalizers"], json!(["kubernetes"]));
            obj["status"] = json!({"phase": "Active"});
        }
        ("", "secrets") => {
            default_path(obj, &["type"], json!("Opaque"));
            if let Some(sd) = obj.as_object_mut().and_then(|m| m.remove("stringData")) {
                use base64::Engine;
                if let Some(sd) = sd.as_object() {
                    for (k, v) in sd {
                        let enc = base64::engine::general_purpose::STANDARD
                            .encode(v.as_str().unwrap_or("").as_bytes());
                        set_path(obj, &["data", k], json!(enc));
                    }
                }
            }
        }
        ("", "persistentvolumeclaims") => {
            default_path(obj, &["spec", "volumeMode"], json!("Filesystem"));
            if old.is_none() {
                obj["status"] = json!({"phase": "Pending"});
            }
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            let names = get_path(obj, &["spec", "names"])
                .cloned()
                .unwrap_or(json!({}));
            let stored: Vec<Value> = get_path(obj, &["spec", "versions"])
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                        .filter_map(|v| v.get("name").cloned())
                        .collect()
                })
                .unwrap_or_default();
            let now = now_rfc3339();
            obj["status"] = json!({
                "acceptedNames": names,
                "storedVersions": stored,
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now}
                ]
            });
            default_path(obj, &["spec", "conversion"], json!({"strategy": "None"}));
        }
        _ => {}
    }
}

/// Does this change bump `metadata.generation`? (Anything but metadata/status.)
pub fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| {
        let mut c = v.clone();
        if let Some(m) = c.as_object_mut() {
            m.remove("metadata");
            m.remove("status");
        }
        c
    };
    strip(old) != strip(new)
}
