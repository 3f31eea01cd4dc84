//! `KUBECONFIG` path lists (own test binary: it sets the process environment).

use capstan_kube::{ClientOptions, Cluster};
use capstan_kube_emulator::{Emulator, Options};

#[tokio::test]
async fn kubeconfig_lists_merge_first_wins() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("capstan-kube-env-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let emu_kc = dir.join("emu");
    let emu = Emulator::start(Options {
        kubeconfig: Some(emu_kc.clone()),
        ..Options::default()
    })
    .expect("emulator");
    let first = dir.join("first");
    std::fs::write(
        &first,
        "apiVersion: v1\nkind: Config\ncurrent-context: mine\ncontexts:\n- name: mine\n  context:\n    cluster: kube-emulator\n    user: kube-emulator\n    namespace: merged-ns\n",
    )
    .expect("write");
    let list = std::env::join_paths([&first, &emu_kc]).expect("join");
    std::env::set_var("KUBECONFIG", &list);

    let c = Cluster::connect(&ClientOptions::default())
        .await
        .expect("connect through the merged list");
    assert_eq!(
        c.namespace(),
        "merged-ns",
        "current-context comes from the first file"
    );
    c.server_version()
        .await
        .expect("the cluster entry of the second file is used");

    let c = Cluster::connect(&ClientOptions {
        context: Some("kube-emulator".into()),
        ..Default::default()
    })
    .await
    .expect("--kube-context");
    assert_eq!(c.namespace(), "default");
    c.server_version().await.expect("version");

    // The CA file flag: a kubeconfig without CA data plus --kube-ca-file.
    let tls_kc = dir.join("tls");
    let tls = Emulator::start(Options {
        tls: true,
        kubeconfig: Some(tls_kc),
        ..Options::default()
    })
    .expect("tls emulator");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, tls.ca_pem.clone().expect("ca")).expect("write ca");
    let bare = dir.join("bare");
    std::fs::write(&bare, format!("apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster:\n    server: {}\ncontexts:\n- name: x\n  context:\n    cluster: x\n    user: x\ncurrent-context: x\nusers:\n- name: x\n  user:\n    token: t\n", tls.url)).expect("write");
    let c = Cluster::connect(&ClientOptions {
        kubeconfig: Some(bare.clone()),
        ..Default::default()
    })
    .await
    .expect("connect");
    assert!(
        c.server_version().await.is_err(),
        "an unknown CA is refused"
    );
    let c = Cluster::connect(&ClientOptions {
        kubeconfig: Some(bare),
        kube_ca_file: Some(ca),
        ..Default::default()
    })
    .await
    .expect("connect");
    c.server_version()
        .await
        .expect("verified with --kube-ca-file");

    drop(emu);
    drop(tls);
    let _ = std::fs::remove_dir_all(&dir);
}
