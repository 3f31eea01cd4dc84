//! Every failure path of install, upgrade, rollback and uninstall, in
//! process: the fake cluster of [`crate::testing`] and the memory storage
//! driver, as Helm's `pkg/action` tests use `kubefake.FailingKubeClient`
//! and `storage.Init(driver.NewMemory())` (pkg/action/action_test.go).
//!
//! Each test asserts the error text and the stored history (revision,
//! status, description). The texts follow Helm 4's actions:
//! - install (pkg/action/install.go `performInstall`, `failRelease`):
//!   `failed pre-install: …`, `Release "NAME" failed: …`, `release NAME
//!   failed, and has been uninstalled due to rollback-on-failure being set: …`;
//! - upgrade (upgrade.go `releasingUpgrade`, `failRelease`): `pre-upgrade
//!   hooks failed: …`, `Upgrade "NAME" failed: …`, `release NAME failed, and
//!   has been rolled back due to rollback-on-failure being set: …`, `an error
//!   occurred while rolling back the release. original upgrade error: …: …`;
//! - rollback (rollback.go `performRollback`): `Rollback "NAME" failed: …`
//!   for a failed apply (capstan uses it for every rollback failure; see the
//!   ignored `helm_*` tests at the end for where Helm differs);
//! - uninstall (uninstall.go `Run`): the pre-delete hook's error as is,
//!   `uninstallation completed with N error(s): …`.
//!
//! A hook Job that fails reads as the cluster layer words it (Helm 4's
//! status watcher): `resource Job/NS/NAME not ready. status: Failed,
//! message: Job Failed. failed: 1/1`.

use std::sync::Arc;

use capstan_release::driver::{Memory, WriteOp};
use capstan_release::{Driver, ErrorKind, Release, Status, Storage};

use crate::testing::{FakeCluster, Op, RecordingReporter};
use crate::{
    install, rollback, uninstall, upgrade, Config, DeployOptions, InstallOptions, RollbackOptions,
    UninstallOptions, UpgradeOptions, WaitSpec, WaitStrategy,
};

const NS: &str = "default";

/// A chart with one ConfigMap, an optional second one (`extra: true`) and
/// a hook Job for every install/upgrade/rollback/delete event, named
/// `RELEASE-EVENT`, whose logs are shown when it fails.
const CHART: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        "apiVersion: v2\nname: tiny\nversion: 0.1.0\n",
    ),
    ("values.yaml", "extra: false\n"),
    (
        "templates/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  revision: \"{{ .Release.Revision }}\"\n",
    ),
    (
        "templates/extra.yaml",
        "{{- if .Values.extra }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\n{{- end }}\n",
    ),
    (
        "templates/hooks.yaml",
        r#"{{- range $e := list "pre-install" "post-install" "pre-upgrade" "post-upgrade" "pre-rollback" "post-rollback" "pre-delete" "post-delete" }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $.Release.Name }}-{{ $e }}
  annotations:
    "helm.sh/hook": {{ $e }}
    "helm.sh/hook-output-log-policy": hook-failed
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
{{- end }}
"#,
    ),
];

struct Env {
    cfg: Config,
    kube: Arc<FakeCluster>,
    reporter: Arc<RecordingReporter>,
    chart: String,
    _dir: tempfile::TempDir,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("tiny");
    for (path, text) in CHART {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write chart file");
    }
    let kube = Arc::new(FakeCluster::new(NS));
    let reporter = Arc::new(RecordingReporter::default());
    let mut cfg = Config::new(
        kube.clone(),
        Storage::new(Driver::memory().in_namespace(NS)),
    );
    cfg.reporter = reporter.clone();
    // One attempt per record write, unless a test says otherwise.
    cfg.record_retry = std::time::Duration::ZERO;
    Env {
        cfg,
        kube,
        reporter,
        chart: root.to_string_lossy().into_owned(),
        _dir: dir,
    }
}

/// The failure text of hook Job `name`.
fn job_failed(name: &str) -> String {
    format!("resource Job/{NS}/{name} not ready. status: Failed, message: Job Failed. failed: 1/1")
}

impl Env {
    fn memory(&self) -> &Memory {
        match &self.cfg.storage.driver {
            Driver::Memory(m) => m,
            _ => unreachable!("the tests use the memory driver"),
        }
    }

    /// Make record writes of `op` fail when `when` says so.
    fn fail_writes(
        &self,
        op: WriteOp,
        when: impl Fn(&str, Option<&Release>) -> bool + Send + Sync + 'static,
    ) {
        self.memory().set_write_fault(Some(Arc::new(
            move |o: WriteOp, key: &str, r: Option<&Release>| {
                (o == op && when(key, r)).then(|| {
                    capstan_release::Error::new(ErrorKind::Kube, "etcdserver: request timed out")
                })
            },
        )));
    }

    fn deploy(&self, set: &[&str]) -> DeployOptions {
        DeployOptions {
            chart: self.chart.clone(),
            values: chart::cli_values::ValueOptions {
                values: set.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn install_opts(&self, set: &[&str]) -> InstallOptions {
        InstallOptions {
            name: "t".into(),
            deploy: self.deploy(set),
            ..Default::default()
        }
    }

    fn upgrade_opts(&self, set: &[&str]) -> UpgradeOptions {
        UpgradeOptions {
            name: "t".into(),
            deploy: self.deploy(set),
            ..Default::default()
        }
    }

    async fn install_ok(&self, set: &[&str]) {
        install(&self.cfg, &self.install_opts(set))
            .await
            .expect("install");
    }

    async fn upgrade_ok(&self, set: &[&str]) {
        upgrade(&self.cfg, &self.upgrade_opts(set))
            .await
            .expect("upgrade");
    }

    /// `(revision, status, description)`, oldest first; empty when purged.
    async fn history(&self) -> Vec<(i64, Status, String)> {
        let mut h: Vec<(i64, Status, String)> = self
            .cfg
            .storage
            .history("t")
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.version, r.info.status, r.info.description))
            .collect();
        h.sort_by_key(|e| e.0);
        h
    }

    fn has(&self, kind: &str, name: &str) -> bool {
        self.kube.exists(&format!("{kind}/{NS}/{name}"))
    }

    /// Whether the cluster saw `op` on `Kind/ns/name`.
    fn called(&self, op: &str, id: &str) -> bool {
        self.called_since(0, op, id)
    }

    /// The same, among the calls after the first `n`.
    fn called_since(&self, n: usize, op: &str, id: &str) -> bool {
        let want = format!("{op} {id}");
        self.kube.calls().iter().skip(n).any(|c| c == &want)
    }
}

fn h(entries: &[(i64, Status, &str)]) -> Vec<(i64, Status, String)> {
    entries
        .iter()
        .map(|(v, s, d)| (*v, *s, d.to_string()))
        .collect()
}

// ---------------------------------------------------------------- install

#[tokio::test]
async fn install_pre_install_hook_fails() {
    let e = env();
    e.kube.fail_job("t-pre-install");
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    let msg = format!("failed pre-install: {}", job_failed("t-pre-install"));
    assert_eq!(err.message, msg);
    assert_eq!(
        err.release.as_ref().map(|r| r.info.status),
        Some(Status::Failed)
    );
    assert_eq!(
        e.history().await,
        h(&[(1, Status::Failed, &format!("Release \"t\" failed: {msg}"))])
    );
    // Nothing of the release was applied after the hook failed.
    assert!(!e.has("ConfigMap", "t-config"));
    assert!(!e.called("apply", "Job/default/t-post-install"));
    // The failed hook's logs were shown (its output-log policy).
    assert_eq!(
        e.reporter.hook_logs(),
        vec!["t-pre-install: log of t-pre-install\n".to_string()]
    );
}

#[tokio::test]
async fn install_post_install_hook_fails() {
    let e = env();
    e.kube.fail_job("t-post-install");
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    let msg = format!("failed post-install: {}", job_failed("t-post-install"));
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[(1, Status::Failed, &format!("Release \"t\" failed: {msg}"))])
    );
    // The release's objects were applied before the hook ran.
    assert!(e.has("ConfigMap", "t-config"));
}

#[tokio::test]
async fn install_apply_fails() {
    let e = env();
    e.kube.fail(
        Op::Apply,
        Some("t-config"),
        "admission webhook denied the request",
    );
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    assert_eq!(err.message, "admission webhook denied the request");
    assert_eq!(
        e.history().await,
        h(&[(
            1,
            Status::Failed,
            "Release \"t\" failed: admission webhook denied the request"
        )])
    );
    // The post-install hook never ran.
    assert!(!e.called("apply", "Job/default/t-post-install"));
}

#[tokio::test]
async fn install_wait_fails() {
    let e = env();
    e.kube.never_ready("t-config");
    let mut o = e.install_opts(&[]);
    o.deploy.wait.strategy = WaitStrategy::Watcher;
    let err = install(&e.cfg, &o).await.unwrap_err();
    let msg = "resource ConfigMap/default/t-config not ready. status: InProgress, message: Resource not ready\ncontext deadline exceeded";
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[(1, Status::Failed, &format!("Release \"t\" failed: {msg}"))])
    );
    assert!(!e.called("apply", "Job/default/t-post-install"));
}

#[tokio::test]
async fn install_record_create_fails() {
    // Helm: "We could try to recover gracefully here, but since nothing
    // has been installed yet, this is probably safer" — the storage error
    // as is, and the cluster untouched.
    let e = env();
    e.fail_writes(WriteOp::Create, |_, _| true);
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    assert_eq!(err.message, "etcdserver: request timed out");
    assert_eq!(e.history().await, h(&[]));
    assert!(!e.kube.calls().iter().any(|c| c.starts_with("apply ")));
}

#[tokio::test]
async fn install_final_record_fails() {
    // Helm's "tricky case": the release is installed but `deployed` cannot
    // be recorded; the error is logged, the install succeeds, the record
    // stays as it was last written.
    let e = env();
    e.fail_writes(WriteOp::Update, |_, r| {
        r.is_some_and(|r| r.info.status == Status::Deployed)
    });
    let rel = install(&e.cfg, &e.install_opts(&[]))
        .await
        .expect("install");
    assert_eq!(rel.info.status, Status::Deployed);
    assert_eq!(
        e.reporter.warnings(),
        vec![
            "failed to record the release: etcdserver: request timed out".to_string(),
            format!(
                "revision 1 of \"t\" may still be recorded as pending, which blocks later upgrades; \
                 once the cluster answers again, record the state it is in with \
                 \"capstan rollback t 1 -n {NS}\""
            )
        ]
    );
    assert_eq!(
        e.history().await,
        h(&[(1, Status::PendingInstall, "Initial install underway")])
    );
}

#[tokio::test]
async fn final_record_is_retried_until_it_lands() {
    // A status write that fails twice (an API server restarting) lands on
    // the third try: the release is not left pending, and nothing is said.
    let mut e = env();
    e.cfg.record_retry = std::time::Duration::from_secs(30);
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = failures.clone();
    e.fail_writes(WriteOp::Update, move |_, r| {
        r.is_some_and(|r| r.info.status == Status::Deployed)
            && seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2
    });
    let rel = install(&e.cfg, &e.install_opts(&[]))
        .await
        .expect("install");
    assert_eq!(rel.info.status, Status::Deployed);
    assert_eq!(failures.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(e.reporter.warnings(), Vec::<String>::new());
    assert_eq!(
        e.history().await,
        h(&[(1, Status::Deployed, "Install complete")])
    );
}

#[tokio::test]
async fn install_rollback_on_failure_uninstalls() {
    let e = env();
    e.kube.fail_job("t-post-install");
    let mut o = e.install_opts(&[]);
    o.deploy.rollback_on_failure = true;
    let err = install(&e.cfg, &o).await.unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "release t failed, and has been uninstalled due to rollback-on-failure being set: failed post-install: {}",
            job_failed("t-post-install")
        )
    );
    // Uninstalled without keeping history: no record, no objects.
    assert_eq!(e.history().await, h(&[]));
    assert!(!e.has("ConfigMap", "t-config"));
    assert!(e.called("apply", "Job/default/t-pre-delete"));
}

#[tokio::test]
async fn install_rollback_on_failure_uninstall_fails() {
    let e = env();
    e.kube.fail_job("t-post-install");
    e.kube.fail_job("t-pre-delete");
    let mut o = e.install_opts(&[]);
    o.deploy.rollback_on_failure = true;
    let err = install(&e.cfg, &o).await.unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "an error occurred while uninstalling the release. original install error: failed post-install: {}: {}",
            job_failed("t-post-install"),
            job_failed("t-pre-delete")
        )
    );
    // The uninstall stopped at its pre-delete hook, which had recorded the
    // release as uninstalling (Helm's execHook records each hook's start).
    assert_eq!(
        e.history().await,
        h(&[(
            1,
            Status::Uninstalling,
            "Deletion in progress (or silently failed)"
        )])
    );
    assert!(e.has("ConfigMap", "t-config"));
}

#[tokio::test]
async fn install_refuses_an_object_owned_by_another_release() {
    // Helm's existingResourceConflict (pkg/action/validate.go) before
    // anything is recorded or written.
    let e = env();
    e.kube.put(
        "ConfigMap/default/t-config",
        serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {
                "name": "t-config", "namespace": "default",
                "labels": {"app.kubernetes.io/managed-by": "Helm"},
                "annotations": {
                    "meta.helm.sh/release-name": "other",
                    "meta.helm.sh/release-namespace": "default"
                }
            }
        }),
    );
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    assert_eq!(
        err.message,
        "unable to continue with install: ConfigMap \"t-config\" in namespace \"default\" exists and cannot be imported into the current release: invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"t\": current value is \"other\""
    );
    assert_eq!(e.history().await, h(&[]));
    assert!(!e.kube.calls().iter().any(|c| c.starts_with("apply ")));
}

#[tokio::test]
async fn install_namespace_creation_fails() {
    let e = env();
    // Helm 4 server-side applies the namespace (field manager `helm`).
    e.kube.fail(Op::Apply, Some(NS), "namespaces is forbidden");
    let mut o = e.install_opts(&[]);
    o.deploy.create_namespace = true;
    let err = install(&e.cfg, &o).await.unwrap_err();
    assert_eq!(err.message, "namespaces is forbidden");
    assert_eq!(e.history().await, h(&[]));
    // An existing namespace is fine (applying it again changes nothing).
    e.kube.clear_faults();
    e.kube.put("Namespace/default", serde_json::json!({}));
    install(&e.cfg, &o).await.expect("install");
    assert!(e.called("apply", "Namespace/default"));
}

// ---------------------------------------------------------------- upgrade

#[tokio::test]
async fn upgrade_pre_upgrade_hook_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail_job("t-pre-upgrade");
    let err = upgrade(&e.cfg, &e.upgrade_opts(&[])).await.unwrap_err();
    let msg = format!("pre-upgrade hooks failed: {}", job_failed("t-pre-upgrade"));
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Deployed, "Install complete"),
            (2, Status::Failed, &format!("Upgrade \"t\" failed: {msg}")),
        ])
    );
}

#[tokio::test]
async fn upgrade_post_upgrade_hook_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail_job("t-post-upgrade");
    let err = upgrade(&e.cfg, &e.upgrade_opts(&[])).await.unwrap_err();
    let msg = format!(
        "post-upgrade hooks failed: {}",
        job_failed("t-post-upgrade")
    );
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Deployed, "Install complete"),
            (2, Status::Failed, &format!("Upgrade \"t\" failed: {msg}")),
        ])
    );
}

#[tokio::test]
async fn upgrade_apply_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube
        .fail(Op::Apply, Some("t-config"), "the server rejected it");
    let err = upgrade(&e.cfg, &e.upgrade_opts(&[])).await.unwrap_err();
    let msg = "failed to update ConfigMap default/t-config: the server rejected it";
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Deployed, "Install complete"),
            (2, Status::Failed, &format!("Upgrade \"t\" failed: {msg}")),
        ])
    );
    assert!(!e.called("apply", "Job/default/t-post-upgrade"));
}

#[tokio::test]
async fn upgrade_wait_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.never_ready("t-config");
    let mut o = e.upgrade_opts(&[]);
    o.deploy.wait = WaitSpec {
        strategy: WaitStrategy::Watcher,
        ..Default::default()
    };
    let err = upgrade(&e.cfg, &o).await.unwrap_err();
    let msg = "resource ConfigMap/default/t-config not ready. status: InProgress, message: Resource not ready\ncontext deadline exceeded";
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Deployed, "Install complete"),
            (2, Status::Failed, &format!("Upgrade \"t\" failed: {msg}")),
        ])
    );
}

#[tokio::test]
async fn upgrade_record_create_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.fail_writes(WriteOp::Create, |_, _| true);
    let calls = e.kube.calls().len();
    let err = upgrade(&e.cfg, &e.upgrade_opts(&[])).await.unwrap_err();
    assert_eq!(err.message, "etcdserver: request timed out");
    assert_eq!(
        e.history().await,
        h(&[(1, Status::Deployed, "Install complete")])
    );
    // Nothing was written to the cluster after the record failed.
    assert!(!e.kube.calls()[calls..]
        .iter()
        .any(|c| c.starts_with("apply ") || c.starts_with("delete ")));
}

#[tokio::test]
async fn upgrade_cleanup_on_fail_deletes_created_objects() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail_job("t-post-upgrade");
    let mut o = e.upgrade_opts(&["extra=true"]);
    o.cleanup_on_fail = true;
    let n = e.kube.calls().len();
    let err = upgrade(&e.cfg, &o).await.unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "post-upgrade hooks failed: {}",
            job_failed("t-post-upgrade")
        )
    );
    // The object this upgrade created is gone; the one it updated stays.
    assert!(e.called_since(n, "apply", "ConfigMap/default/t-extra"));
    assert!(e.called_since(n, "delete", "ConfigMap/default/t-extra"));
    assert!(!e.has("ConfigMap", "t-extra"));
    assert!(e.has("ConfigMap", "t-config"));
    assert_eq!(e.history().await[1].1, Status::Failed);
}

#[tokio::test]
async fn upgrade_without_cleanup_keeps_created_objects() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail_job("t-post-upgrade");
    upgrade(&e.cfg, &e.upgrade_opts(&["extra=true"]))
        .await
        .unwrap_err();
    assert!(e.has("ConfigMap", "t-extra"));
}

#[tokio::test]
async fn upgrade_rollback_on_failure_rolls_back() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail_job("t-post-upgrade");
    let mut o = e.upgrade_opts(&[]);
    o.deploy.rollback_on_failure = true;
    let err = upgrade(&e.cfg, &o).await.unwrap_err();
    let msg = format!(
        "post-upgrade hooks failed: {}",
        job_failed("t-post-upgrade")
    );
    assert_eq!(
        err.message,
        format!("release t failed, and has been rolled back due to rollback-on-failure being set: {msg}")
    );
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Failed, &format!("Upgrade \"t\" failed: {msg}")),
            (3, Status::Deployed, "Rollback to 1"),
        ])
    );
    // The rollback ran its own hooks, not the upgrade's.
    assert!(e.called("apply", "Job/default/t-pre-rollback"));
    assert!(e.called("apply", "Job/default/t-post-rollback"));
}

#[tokio::test]
async fn upgrade_rollback_on_failure_when_the_rollback_fails_too() {
    let e = env();
    e.install_ok(&[]).await;
    // Every write of the ConfigMap fails: the upgrade's, then the rollback's.
    e.kube
        .fail(Op::Apply, Some("t-config"), "the server rejected it");
    let mut o = e.upgrade_opts(&[]);
    o.deploy.rollback_on_failure = true;
    let err = upgrade(&e.cfg, &o).await.unwrap_err();
    let apply = "failed to update ConfigMap default/t-config: the server rejected it";
    assert_eq!(
        err.message,
        format!(
            "an error occurred while rolling back the release. original upgrade error: {apply}: {apply}"
        )
    );
    assert_eq!(
        e.history().await,
        h(&[
            // The rollback failed before superseding the deployed revision;
            // Helm's performRollback marks the revision it rolled back from
            // superseded and the new one failed.
            (1, Status::Deployed, "Install complete"),
            (
                2,
                Status::Superseded,
                &format!("Upgrade \"t\" failed: {apply}")
            ),
            (
                3,
                Status::Failed,
                &format!("Rollback \"t\" failed: {apply}")
            ),
        ])
    );
}

// --------------------------------------------------------------- rollback

/// Revision 1 installed, revision 2 upgraded (the ConfigMap `t-extra`
/// only in `rev1_set`'s revision 1 when given).
async fn two_revisions(e: &Env, rev1_set: &[&str]) {
    e.install_ok(rev1_set).await;
    e.upgrade_ok(&["extra=false"]).await;
}

fn rollback_to_1() -> RollbackOptions {
    RollbackOptions {
        version: 1,
        ..Default::default()
    }
}

// capstan's current behaviour; Helm's is `helm_rollback_hook_failure_leaves_pending_rollback`.
#[tokio::test]
async fn rollback_pre_rollback_hook_fails() {
    let e = env();
    two_revisions(&e, &[]).await;
    e.kube.fail_job("t-pre-rollback");
    let err = rollback(&e.cfg, "t", &rollback_to_1()).await.unwrap_err();
    let msg = format!(
        "pre-rollback hooks failed: {}",
        job_failed("t-pre-rollback")
    );
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Superseded, "Upgrade complete"),
            (3, Status::Failed, &format!("Rollback \"t\" failed: {msg}")),
        ])
    );
}

#[tokio::test]
async fn rollback_post_rollback_hook_fails() {
    let e = env();
    two_revisions(&e, &[]).await;
    e.kube.fail_job("t-post-rollback");
    let err = rollback(&e.cfg, "t", &rollback_to_1()).await.unwrap_err();
    let msg = format!(
        "post-rollback hooks failed: {}",
        job_failed("t-post-rollback")
    );
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Superseded, "Upgrade complete"),
            (3, Status::Failed, &format!("Rollback \"t\" failed: {msg}")),
        ])
    );
}

#[tokio::test]
async fn rollback_apply_fails() {
    let e = env();
    two_revisions(&e, &[]).await;
    e.kube
        .fail(Op::Apply, Some("t-config"), "the server rejected it");
    let err = rollback(&e.cfg, "t", &rollback_to_1()).await.unwrap_err();
    let msg = "failed to update ConfigMap default/t-config: the server rejected it";
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Superseded, "Upgrade complete"),
            (3, Status::Failed, &format!("Rollback \"t\" failed: {msg}")),
        ])
    );
}

// capstan's current behaviour; Helm's is `helm_rollback_wait_failure`.
#[tokio::test]
async fn rollback_wait_fails() {
    let e = env();
    two_revisions(&e, &[]).await;
    e.kube.never_ready("t-config");
    let mut o = rollback_to_1();
    o.wait.strategy = WaitStrategy::Watcher;
    let err = rollback(&e.cfg, "t", &o).await.unwrap_err();
    let msg = "resource ConfigMap/default/t-config not ready. status: InProgress, message: Resource not ready\ncontext deadline exceeded";
    assert_eq!(err.message, msg);
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Superseded, "Upgrade complete"),
            (3, Status::Failed, &format!("Rollback \"t\" failed: {msg}")),
        ])
    );
}

#[tokio::test]
async fn rollback_record_create_fails() {
    let e = env();
    two_revisions(&e, &[]).await;
    e.fail_writes(WriteOp::Create, |_, _| true);
    let err = rollback(&e.cfg, "t", &rollback_to_1()).await.unwrap_err();
    assert_eq!(err.message, "etcdserver: request timed out");
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Deployed, "Upgrade complete"),
        ])
    );
}

#[tokio::test]
async fn rollback_cleanup_on_fail_deletes_created_objects() {
    let e = env();
    // Revision 1 has t-extra, revision 2 dropped it: rolling back re-creates it.
    two_revisions(&e, &["extra=true"]).await;
    assert!(!e.has("ConfigMap", "t-extra"));
    e.kube.fail_job("t-post-rollback");
    let mut o = rollback_to_1();
    o.cleanup_on_fail = true;
    let n = e.kube.calls().len();
    rollback(&e.cfg, "t", &o).await.unwrap_err();
    assert!(e.called_since(n, "apply", "ConfigMap/default/t-extra"));
    assert!(e.called_since(n, "delete", "ConfigMap/default/t-extra"));
    assert!(!e.has("ConfigMap", "t-extra"));
    assert!(e.has("ConfigMap", "t-config"));
}

// -------------------------------------------------------------- uninstall

#[tokio::test]
async fn uninstall_pre_delete_hook_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail_job("t-pre-delete");
    let err = uninstall(&e.cfg, "t", &UninstallOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.message, job_failed("t-pre-delete"));
    assert_eq!(
        e.history().await,
        h(&[(
            1,
            Status::Uninstalling,
            "Deletion in progress (or silently failed)"
        )])
    );
    assert!(e.has("ConfigMap", "t-config"));
}

#[tokio::test]
async fn uninstall_post_delete_hook_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail_job("t-post-delete");
    let err = uninstall(&e.cfg, "t", &UninstallOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "uninstallation completed with 1 error(s): {}",
            job_failed("t-post-delete")
        )
    );
    // The records are purged and the objects deleted all the same.
    assert_eq!(e.history().await, h(&[]));
    assert!(!e.has("ConfigMap", "t-config"));
}

#[tokio::test]
async fn uninstall_delete_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail(
        Op::Delete,
        Some("t-config"),
        "configmaps \"t-config\" is forbidden",
    );
    let o = UninstallOptions {
        keep_history: true,
        ..Default::default()
    };
    let err = uninstall(&e.cfg, "t", &o).await.unwrap_err();
    assert_eq!(
        err.message,
        "uninstallation completed with 1 error(s): configmaps \"t-config\" is forbidden"
    );
    assert_eq!(
        e.history().await,
        h(&[(1, Status::Uninstalled, "Uninstallation complete")])
    );
    assert!(e.has("ConfigMap", "t-config"));
}

#[tokio::test]
async fn uninstall_purge_fails() {
    let e = env();
    e.install_ok(&[]).await;
    e.fail_writes(WriteOp::Delete, |_, _| true);
    let err = uninstall(&e.cfg, "t", &UninstallOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.message,
        "uninstall: Failed to purge the release: etcdserver: request timed out"
    );
}

// ------------------------------------------------------------ the happy path

#[tokio::test]
async fn install_upgrade_rollback_uninstall_succeed() {
    let e = env();
    e.install_ok(&[]).await;
    e.upgrade_ok(&["extra=true"]).await;
    rollback(&e.cfg, "t", &rollback_to_1())
        .await
        .expect("rollback");
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Superseded, "Upgrade complete"),
            (3, Status::Deployed, "Rollback to 1"),
        ])
    );
    // The rollback deleted what revision 1 does not have.
    assert!(!e.has("ConfigMap", "t-extra"));
    uninstall(&e.cfg, "t", &UninstallOptions::default())
        .await
        .expect("uninstall");
    assert_eq!(e.history().await, h(&[]));
    assert!(!e.has("ConfigMap", "t-config"));
    assert!(
        e.reporter.warnings().is_empty(),
        "{:?}",
        e.reporter.warnings()
    );
}

// ------------------------------------------- where capstan differs from Helm
//
// Helm 4's own code (pkg/action/rollback.go `performRollback`, upgrade.go
// `failRelease`) behaves differently from capstan on these paths. The
// tests below state Helm's behaviour and are ignored until capstan
// follows it; the tests above pin capstan's current behaviour.

#[tokio::test]
#[ignore = "capstan wraps rollback hook errors (`pre-rollback hooks failed: …`) and records the revisions failed/superseded; Helm 4's performRollback returns the hook's error as is and records nothing more"]
async fn helm_rollback_hook_failure_leaves_pending_rollback() {
    let e = env();
    two_revisions(&e, &[]).await;
    e.kube.fail_job("t-pre-rollback");
    let err = rollback(&e.cfg, "t", &rollback_to_1()).await.unwrap_err();
    assert_eq!(err.message, job_failed("t-pre-rollback"));
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Deployed, "Upgrade complete"),
            (3, Status::PendingRollback, "Rollback to 1"),
        ])
    );
}

#[tokio::test]
#[ignore = "capstan records a rollback's wait failure as `Rollback \"t\" failed: …` and supersedes the current revision; Helm 4's performRollback records `Release \"t\" failed: …`, leaves the current revision as it was and returns `release t failed: …`"]
async fn helm_rollback_wait_failure() {
    let e = env();
    two_revisions(&e, &[]).await;
    e.kube.never_ready("t-config");
    let mut o = rollback_to_1();
    o.wait.strategy = WaitStrategy::Watcher;
    let err = rollback(&e.cfg, "t", &o).await.unwrap_err();
    let msg = "resource ConfigMap/default/t-config not ready. status: InProgress, message: Resource not ready\ncontext deadline exceeded";
    assert_eq!(err.message, format!("release t failed: {msg}"));
    assert_eq!(
        e.history().await,
        h(&[
            (1, Status::Superseded, "Install complete"),
            (2, Status::Deployed, "Upgrade complete"),
            (3, Status::Failed, &format!("Release \"t\" failed: {msg}")),
        ])
    );
}

#[tokio::test]
#[ignore = "capstan only warns when --cleanup-on-fail cannot delete; Helm 4's upgrade failRelease returns `an error occurred while cleaning up resources. original upgrade error: …: unable to cleanup resources: …`"]
async fn helm_upgrade_cleanup_failure_is_an_error() {
    let e = env();
    e.install_ok(&[]).await;
    e.kube.fail_job("t-post-upgrade");
    e.kube.fail(Op::Delete, Some("t-extra"), "forbidden");
    let mut o = e.upgrade_opts(&["extra=true"]);
    o.cleanup_on_fail = true;
    let err = upgrade(&e.cfg, &o).await.unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "an error occurred while cleaning up resources. original upgrade error: post-upgrade hooks failed: {}: unable to cleanup resources: forbidden",
            job_failed("t-post-upgrade")
        )
    );
}

#[tokio::test]
#[ignore = "capstan words it `… attempting to rollback: ERR`; Helm 4's upgrade failRelease says `… attempting to rollback. original upgrade error: ERR`"]
async fn helm_upgrade_rollback_on_failure_without_a_successful_revision() {
    let e = env();
    e.kube.fail_job("t-post-install");
    install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    e.kube.fail_job("t-post-upgrade");
    let mut o = e.upgrade_opts(&[]);
    o.deploy.rollback_on_failure = true;
    let err = upgrade(&e.cfg, &o).await.unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "unable to find a previously successful release when attempting to rollback. original upgrade error: post-upgrade hooks failed: {}",
            job_failed("t-post-upgrade")
        )
    );
}

/// A library caller tells failures apart by kind, not by parsing text, and
/// reaches the render path's error (with its partial manifest) as the
/// source.
#[tokio::test]
async fn error_kinds_let_callers_branch() {
    use crate::ErrorKind as K;

    let e = env();
    e.kube.fail_job("t-pre-install");
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    assert_eq!(err.kind(), K::ResourceFailed);

    let e = env();
    e.kube.never_ready("t-config");
    let mut o = e.install_opts(&[]);
    o.deploy.wait.strategy = WaitStrategy::Watcher;
    let err = install(&e.cfg, &o).await.unwrap_err();
    assert!(err.is_timeout(), "{:?}", err.kind());

    let e = env();
    e.fail_writes(WriteOp::Create, |_, _| true);
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    assert_eq!(err.kind(), K::Storage);

    let e = env();
    let mut o = e.install_opts(&[]);
    o.name = "Not_A_Name".into();
    let err = install(&e.cfg, &o).await.unwrap_err();
    assert_eq!(err.kind(), K::InvalidInput);

    let e = env();
    e.install_ok(&[]).await;
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    assert_eq!(err.kind(), K::Conflict);

    let e = env();
    let err = upgrade(&e.cfg, &e.upgrade_opts(&[])).await.unwrap_err();
    assert!(
        matches!(err.kind(), K::ReleaseNotFound | K::NoDeployedReleases),
        "{:?}: {err}",
        err.kind()
    );

    // A template failure: kind Render, and the render path's own error
    // (with Helm's partial manifest) as the source.
    let e = env();
    std::fs::write(
        std::path::Path::new(&e.chart).join("templates/bad.yaml"),
        "x: {{ fail \"broken on purpose\" }}\n",
    )
    .expect("write template");
    let err = install(&e.cfg, &e.install_opts(&[])).await.unwrap_err();
    assert_eq!(err.kind(), K::Render);
    assert!(err.to_string().contains("broken on purpose"), "{err}");
    let source = std::error::Error::source(&err).expect("a source");
    let render = source
        .downcast_ref::<engine::resources::Error>()
        .expect("the render path's error");
    assert_eq!(render.kind(), engine::resources::ErrorKind::Template);
    assert_eq!(render.partial_manifest(), Some(""));
}

#[tokio::test]
async fn list_all_namespaces_reads_every_namespace() {
    let e = env();
    install(&e.cfg, &e.install_opts(&[])).await.unwrap();
    let elsewhere = Storage::new(e.cfg.storage.driver.in_namespace("other"));
    let mut r = Release {
        name: "o".into(),
        namespace: "other".into(),
        version: 1,
        ..Default::default()
    };
    r.info.status = Status::Deployed;
    elsewhere.create(&r).await.unwrap();
    let names = |rels: Vec<Release>| -> Vec<String> {
        rels.into_iter()
            .map(|r| format!("{}/{}", r.namespace, r.name))
            .collect()
    };
    let mut o = crate::ListOptions::default();
    let here = crate::list(&e.cfg, &o).await.unwrap();
    assert_eq!(names(here), [format!("{NS}/t")]);
    o.all_namespaces = true;
    let all = crate::list(&e.cfg, &o).await.unwrap();
    assert_eq!(names(all), ["other/o".to_string(), format!("{NS}/t")]);
}
