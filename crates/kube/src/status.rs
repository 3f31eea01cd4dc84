//! Readiness of one live object, after kstatus (fluxcd/cli-utils
//! `kstatus/status/core.go`) as Helm 4's waits use it, with Helm's hook
//! rules for Jobs and Pods (Complete/Succeeded = ready, Failed = failed).
//!
//! Generic rules first: a deletion timestamp means Terminating (in
//! progress), a stale `observedGeneration` means in progress, conditions
//! `Reconciling=True`/`Stalled=True` mean in progress/failed. Then per kind.

use serde_json::Value as Json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Current,
    InProgress,
    Failed,
    Terminating,
    NotFound,
}

impl Status {
    /// kstatus' spelling (`Current`, `InProgress`, …) used in Helm's errors.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Current => "Current",
            Status::InProgress => "InProgress",
            Status::Failed => "Failed",
            Status::Terminating => "Terminating",
            Status::NotFound => "NotFound",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceStatus {
    pub status: Status,
    pub message: String,
}

fn rs(status: Status, message: impl Into<String>) -> ResourceStatus {
    ResourceStatus {
        status,
        message: message.into(),
    }
}

fn int(v: &Json, path: &str) -> Option<i64> {
    v.pointer(path).and_then(Json::as_i64)
}

fn string<'a>(v: &'a Json, path: &str) -> &'a str {
    v.pointer(path).and_then(Json::as_str).unwrap_or("")
}

fn condition<'a>(v: &'a Json, t: &str) -> Option<&'a Json> {
    v.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Json::as_str) == Some(t))
}

fn cond_true(v: &Json, t: &str) -> bool {
    condition(v, t).is_some_and(|c| c.get("status").and_then(Json::as_str) == Some("True"))
}

/// Status of a hook object under Helm's hook readers: Jobs until
/// Complete, Pods until Succeeded (a running, Ready Pod is still in
/// progress); every other kind is ready as soon as it exists.
pub fn hook_status_of(obj: &Json) -> ResourceStatus {
    match string(obj, "/kind") {
        "Job" => job(obj),
        "Pod" => pod(obj),
        _ => rs(Status::Current, "Resource is current"),
    }
}

/// Status of `obj` (a full object as JSON, with `kind`) under kstatus'
/// rules, as Helm's `--wait` reads it.
pub fn status_of(obj: &Json) -> ResourceStatus {
    let kind = string(obj, "/kind");
    if obj
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null())
    {
        return rs(Status::Terminating, "Resource scheduled for deletion");
    }
    match kind {
        "Job" => return job(obj),
        "Pod" => return kstatus_pod(obj),
        _ => {}
    }
    if let (Some(g), Some(og)) = (
        int(obj, "/metadata/generation"),
        int(obj, "/status/observedGeneration"),
    ) {
        if g != og {
            return rs(
                Status::InProgress,
                format!("{kind} generation is {g}, but latest observed generation is {og}"),
            );
        }
    }
    if cond_true(obj, "Reconciling") {
        return rs(Status::InProgress, cond_message(obj, "Reconciling"));
    }
    if cond_true(obj, "Stalled") {
        return rs(Status::Failed, cond_message(obj, "Stalled"));
    }
    match kind {
        "Deployment" => deployment(obj),
        "StatefulSet" => statefulset(obj),
        "DaemonSet" => daemonset(obj),
        "ReplicaSet" => replicaset(obj),
        "Service" => service(obj),
        "PersistentVolumeClaim" => {
            if string(obj, "/status/phase") == "Bound" {
                rs(Status::Current, "PVC is Bound")
            } else {
                rs(Status::InProgress, "PVC is not Bound")
            }
        }
        "CustomResourceDefinition" => crd(obj),
        "ConfigMap" | "Secret" | "CronJob" | "ServiceAccount" | "Namespace" => {
            rs(Status::Current, "Resource is current")
        }
        _ => generic(obj),
    }
}

fn cond_message(obj: &Json, t: &str) -> String {
    condition(obj, t)
        .and_then(|c| c.get("message"))
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string()
}

fn deployment(obj: &Json) -> ResourceStatus {
    let want = int(obj, "/spec/replicas").unwrap_or(1);
    let replicas = int(obj, "/status/replicas").unwrap_or(0);
    let updated = int(obj, "/status/updatedReplicas").unwrap_or(0);
    let ready = int(obj, "/status/readyReplicas").unwrap_or(0);
    let available = int(obj, "/status/availableReplicas").unwrap_or(0);
    if let Some(c) = condition(obj, "Progressing") {
        if c.get("reason").and_then(Json::as_str) == Some("ProgressDeadlineExceeded") {
            return rs(Status::Failed, "Progress deadline exceeded");
        }
    }
    if obj.pointer("/spec/progressDeadlineSeconds").is_some() {
        let ok = condition(obj, "Progressing").is_some_and(|c| {
            c.get("status").and_then(Json::as_str) == Some("True")
                && c.get("reason").and_then(Json::as_str) == Some("NewReplicaSetAvailable")
        });
        if !ok {
            return rs(Status::InProgress, "Deployment is progressing");
        }
    }
    if want > replicas {
        return rs(Status::InProgress, format!("Replicas: {replicas}/{want}"));
    }
    if want > updated {
        return rs(Status::InProgress, format!("Updated: {updated}/{want}"));
    }
    if replicas > want {
        return rs(
            Status::InProgress,
            format!("Pending termination: {}", replicas - want),
        );
    }
    if updated > available {
        return rs(
            Status::InProgress,
            format!("Available: {available}/{updated}"),
        );
    }
    if want > ready {
        return rs(Status::InProgress, format!("Ready: {ready}/{want}"));
    }
    if !cond_true(obj, "Available") {
        return rs(Status::InProgress, "Deployment not Available");
    }
    rs(
        Status::Current,
        format!("Deployment is available. Replicas: {replicas}"),
    )
}

fn statefulset(obj: &Json) -> ResourceStatus {
    if string(obj, "/spec/updateStrategy/type") == "OnDelete" {
        return rs(
            Status::Current,
            "StatefulSet is using the OnDelete update strategy",
        );
    }
    let want = int(obj, "/spec/replicas").unwrap_or(1);
    let replicas = int(obj, "/status/replicas").unwrap_or(0);
    let ready = int(obj, "/status/readyReplicas").unwrap_or(0);
    let current = int(obj, "/status/currentReplicas").unwrap_or(0);
    let updated = int(obj, "/status/updatedReplicas").unwrap_or(0);
    if want > replicas {
        return rs(Status::InProgress, format!("Replicas: {replicas}/{want}"));
    }
    if want > ready {
        return rs(Status::InProgress, format!("Ready: {ready}/{want}"));
    }
    if let Some(partition) = int(obj, "/spec/updateStrategy/rollingUpdate/partition") {
        if updated < want - partition {
            return rs(
                Status::InProgress,
                format!("updated: {updated}/{}", want - partition),
            );
        }
        return rs(
            Status::Current,
            format!("Partition rollout complete. updated: {updated}"),
        );
    }
    if want > current {
        return rs(Status::InProgress, format!("current: {current}/{want}"));
    }
    if string(obj, "/status/currentRevision") != string(obj, "/status/updateRevision") {
        return rs(
            Status::InProgress,
            "Waiting for updated revision to match current",
        );
    }
    rs(
        Status::Current,
        format!("All replicas scheduled as expected. Replicas: {replicas}"),
    )
}

fn daemonset(obj: &Json) -> ResourceStatus {
    if int(obj, "/metadata/generation").is_none()
        || int(obj, "/status/observedGeneration").is_none()
    {
        return rs(
            Status::InProgress,
            "Missing generation or observedGeneration",
        );
    }
    let Some(desired) = int(obj, "/status/desiredNumberScheduled") else {
        return rs(Status::InProgress, "Missing .status.desiredNumberScheduled");
    };
    for (field, label) in [
        ("currentNumberScheduled", "Current"),
        ("updatedNumberScheduled", "Updated"),
        ("numberAvailable", "Available"),
        ("numberReady", "Ready"),
    ] {
        let n = int(obj, &format!("/status/{field}")).unwrap_or(0);
        if desired > n {
            return rs(Status::InProgress, format!("{label}: {n}/{desired}"));
        }
    }
    rs(
        Status::Current,
        format!("All replicas scheduled as expected. Replicas: {desired}"),
    )
}

fn replicaset(obj: &Json) -> ResourceStatus {
    if cond_true(obj, "ReplicaFailure") {
        return rs(Status::InProgress, "Replica Failure condition. Check Pods");
    }
    let want = int(obj, "/spec/replicas").unwrap_or(1);
    for (field, label) in [
        ("fullyLabeledReplicas", "Labelled"),
        ("availableReplicas", "Available"),
        ("readyReplicas", "Ready"),
    ] {
        let n = int(obj, &format!("/status/{field}")).unwrap_or(0);
        if want > n {
            return rs(Status::InProgress, format!("{label}: {n}/{want}"));
        }
    }
    rs(
        Status::Current,
        format!("ReplicaSet is available. Replicas: {want}"),
    )
}

fn service(obj: &Json) -> ResourceStatus {
    if string(obj, "/spec/type") == "LoadBalancer" {
        let has_ingress = obj
            .pointer("/status/loadBalancer/ingress")
            .and_then(Json::as_array)
            .is_some_and(|a| !a.is_empty());
        if string(obj, "/spec/clusterIP").is_empty() || !has_ingress {
            return rs(Status::InProgress, "Pending LoadBalancer ingress");
        }
    }
    rs(Status::Current, "Service is ready")
}

fn crd(obj: &Json) -> ResourceStatus {
    if let Some(c) = condition(obj, "NamesAccepted") {
        if c.get("status").and_then(Json::as_str) == Some("False") {
            return rs(Status::Failed, cond_message(obj, "NamesAccepted"));
        }
    }
    if cond_true(obj, "Established") {
        rs(Status::Current, "CRD is established")
    } else {
        rs(Status::InProgress, "Install in progress")
    }
}

fn job(obj: &Json) -> ResourceStatus {
    let succeeded = int(obj, "/status/succeeded").unwrap_or(0);
    let failed = int(obj, "/status/failed").unwrap_or(0);
    let active = int(obj, "/status/active").unwrap_or(0);
    let completions = int(obj, "/spec/completions").unwrap_or(1);
    if cond_true(obj, "Complete") {
        return rs(
            Status::Current,
            format!("Job Completed. succeeded: {succeeded}/{completions}"),
        );
    }
    if cond_true(obj, "Failed") {
        return rs(
            Status::Failed,
            format!("Job Failed. failed: {failed}/{completions}"),
        );
    }
    rs(
        Status::InProgress,
        format!("Job in progress. success:{succeeded}, active: {active}, failed: {failed}"),
    )
}

fn pod(obj: &Json) -> ResourceStatus {
    match string(obj, "/status/phase") {
        "Succeeded" => rs(Status::Current, "Pod has completed successfully"),
        "Failed" => rs(Status::Failed, "Pod has completed, but not successfully"),
        p => rs(
            Status::InProgress,
            format!("Pod phase is {}", if p.is_empty() { "Pending" } else { p }),
        ),
    }
}

/// kstatus: a Pod is current once Ready (or finished successfully).
fn kstatus_pod(obj: &Json) -> ResourceStatus {
    match string(obj, "/status/phase") {
        "Succeeded" => rs(Status::Current, "Pod has completed successfully"),
        "Failed" => rs(Status::Failed, "Pod has completed, but not successfully"),
        _ if cond_true(obj, "Ready") => rs(Status::Current, "Pod is Ready"),
        p => rs(
            Status::InProgress,
            format!("Pod phase is {}", if p.is_empty() { "Pending" } else { p }),
        ),
    }
}

fn generic(obj: &Json) -> ResourceStatus {
    if let Some(c) = condition(obj, "Ready") {
        return match c.get("status").and_then(Json::as_str) {
            Some("True") => rs(Status::Current, "Resource is Ready"),
            _ => rs(Status::InProgress, cond_message(obj, "Ready")),
        };
    }
    rs(Status::Current, "Resource is current")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_rules() {
        let mut d = json!({"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1}});
        assert_eq!(status_of(&d).status, Status::InProgress);
        d["status"] = json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2,
            "availableReplicas": 2, "conditions": [{"type": "Available", "status": "True"}]});
        assert_eq!(status_of(&d).status, Status::Current);
        d["status"]["readyReplicas"] = json!(1);
        assert_eq!(status_of(&d).message, "Ready: 1/2");
    }

    #[test]
    fn jobs_pods_services_pvcs() {
        let j = json!({"kind": "Job", "status": {"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}});
        assert_eq!(status_of(&j), rs(Status::Failed, "Job Failed. failed: 1/1"));
        let p = json!({"kind": "Pod", "status": {"phase": "Succeeded"}});
        assert_eq!(status_of(&p).status, Status::Current);
        let running = json!({"kind": "Pod", "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}});
        assert_eq!(status_of(&running).status, Status::Current);
        assert_eq!(hook_status_of(&running).status, Status::InProgress);
        assert_eq!(
            hook_status_of(&json!({"kind": "ConfigMap"})).status,
            Status::Current
        );
        let s =
            json!({"kind": "Service", "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1"}});
        assert_eq!(status_of(&s).status, Status::InProgress);
        let c = json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Bound"}});
        assert_eq!(status_of(&c).status, Status::Current);
        let cm = json!({"kind": "ConfigMap"});
        assert_eq!(status_of(&cm).status, Status::Current);
        let cr = json!({"kind": "Widget", "status": {"conditions": [{"type": "Ready", "status": "False", "message": "x"}]}});
        assert_eq!(status_of(&cr), rs(Status::InProgress, "x"));
    }
}
