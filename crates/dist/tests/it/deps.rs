//! `dependency update/build`: the `Chart.lock` digest computed from Go's
//! JSON rules by hand, and the whole flow against a real HTTP repository
//! (unmanaged URL, `@alias` of an added repository, `file://`).

use std::path::Path;

use crate::repo::{make_chart, server::Server, settings, untime};

#[test]
fn lock_digest_is_sha256_of_go_json_html_escaped() {
    let d = |name: &str, version: &str, repo: &str| chart::Dependency {
        name: name.into(),
        version: version.into(),
        repository: repo.into(),
        ..Default::default()
    };
    let mut a = d("a", ">=0.2.0 <1.0.0", "https://x/charts");
    a.condition = "a.enabled".into();
    a.tags = vec!["t1".into()];
    a.alias = "aa".into();
    let mut iv = gotmpl::MapInner::new();
    iv.insert("parent".into(), gotmpl::Value::str("p"));
    iv.insert("child".into(), gotmpl::Value::str("c"));
    a.import_values = vec![gotmpl::Value::map(iv), gotmpl::Value::str("data")];
    let b = d("b", "", "");
    let req = vec![a, b];
    let locked = vec![d("a", "0.9.1", "https://x/charts"), d("b", "", "")];
    // Struct order name, version, repository, condition, tags, enabled,
    // import-values, alias; omitempty except name and repository; map
    // keys sorted; <, > and & escaped.
    let json = concat!(
        r#"[[{"name":"a","version":"\u003e=0.2.0 \u003c1.0.0","repository":"https://x/charts","#,
        r#""condition":"a.enabled","tags":["t1"],"import-values":[{"child":"c","parent":"p"},"data"],"alias":"aa"},"#,
        r#"{"name":"b","repository":""}],"#,
        r#"[{"name":"a","version":"0.9.1","repository":"https://x/charts"},{"name":"b","repository":""}]]"#
    );
    assert_eq!(
        dist::deps::hash_req(&req, &locked).unwrap(),
        format!("sha256:{}", dist::sha256_hex(json.as_bytes()))
    );
}

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

fn listing(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                dist::sha256_hex(&std::fs::read(e.path()).unwrap()),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn update_then_build_from_the_lock() {
    let t = tempfile::tempdir().unwrap();
    let served = t.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    for v in ["1.4.0", "1.4.2", "1.5.0", "2.0.0-rc.1"] {
        make_chart(&served, "web", v, "");
    }
    for v in ["0.9.1", "0.9.3"] {
        make_chart(&served, "proxy", v, "");
    }
    dist::repo::index::repo_index(&served, "", None, false).unwrap();
    let srv = Server::start(&served, None);
    let s = settings(&t.path().join("home"));
    dist::repo::commands::add(
        &s,
        &dist::repo::commands::AddOptions {
            name: "ml".into(),
            url: srv.url.clone(),
            ..Default::default()
        },
    )
    .unwrap();

    let app = t.path().join("app");
    write(
        &t.path().join("lib/Chart.yaml"),
        "apiVersion: v2\nname: lib\nversion: 0.2.0\n",
    );
    // A second server URL for the same files, unknown to repositories.yaml.
    let other = Server::start(&served, None);
    write(
        &app.join("Chart.yaml"),
        &format!(
            "{}{}{}{}{}",
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n",
            "  - name: web\n    version: \"1.4.x\"\n    repository: \"@ml\"\n    alias: front\n",
            "  - name: proxy\n    version: \"~0.9.0\"\n    repository: \"",
            other.url,
            "\"\n  - name: lib\n    version: \">0.1.0\"\n    repository: \"file://../lib\"\n",
        ),
    );
    let mut out = Vec::new();
    dist::deps::update(&s, &app, &Default::default(), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out,
        format!(
            "Getting updates for unmanaged Helm repositories...\n\
...Successfully got an update from the \"{o}\" chart repository\n\
Hang tight while we grab the latest from your chart repositories...\n\
...Successfully got an update from the \"ml\" chart repository\n\
Update Complete. ⎈Happy Helming!⎈\n\
Saving 3 charts\n\
Downloading web from repo {u}\n\
Downloading proxy from repo {o}\n\
Deleting outdated charts\n",
            u = srv.url,
            o = other.url
        )
    );
    let lock = std::fs::read_to_string(app.join("Chart.lock")).unwrap();
    assert_eq!(
        untime(&lock),
        format!(
            "dependencies:\n- name: web\n  repository: {u}\n  version: 1.4.2\n\
- name: proxy\n  repository: {o}\n  version: 0.9.3\n\
- name: lib\n  repository: file://../lib\n  version: 0.2.0\n\
digest: {d}\ngenerated: TIME",
            u = srv.url,
            o = other.url,
            d = lock
                .lines()
                .find_map(|l| l.strip_prefix("digest: "))
                .unwrap()
        )
    );
    assert!(lock.contains("generated: \""), "{lock}");
    let charts = listing(&app.join("charts"));
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["lib-0.2.0.tgz", "proxy-0.9.3.tgz", "web-1.4.2.tgz"]);
    assert_eq!(
        charts[2].1,
        dist::sha256_hex(&std::fs::read(served.join("web-1.4.2.tgz")).unwrap()),
        "the served archive, byte for byte"
    );
    // No helm-manager files left in the cache, no tmpcharts dir.
    let cache: Vec<String> = std::fs::read_dir(&s.repository_cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(cache.iter().all(|n| n.starts_with("ml-")), "{cache:?}");
    assert!(std::fs::read_dir(&app)
        .unwrap()
        .flatten()
        .all(|e| !e.file_name().to_string_lossy().starts_with("tmpcharts")));

    // Same digest: the lock is not rewritten.
    let stamp = std::fs::metadata(app.join("Chart.lock"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    dist::deps::update(&s, &app, &Default::default(), &mut Vec::new()).unwrap();
    assert_eq!(
        std::fs::metadata(app.join("Chart.lock"))
            .unwrap()
            .modified()
            .unwrap(),
        stamp
    );

    // build: the locked versions again, the lock untouched; an outdated
    // archive is deleted.
    std::fs::remove_dir_all(app.join("charts")).unwrap();
    std::fs::create_dir_all(app.join("charts")).unwrap();
    std::fs::copy(
        served.join("web-1.5.0.tgz"),
        app.join("charts/web-1.5.0.tgz"),
    )
    .unwrap();
    let mut out = Vec::new();
    dist::deps::build(
        &s,
        &app,
        &dist::deps::Options {
            skip_refresh: true,
            ..Default::default()
        },
        &mut out,
    )
    .unwrap();
    assert_eq!(listing(&app.join("charts")), charts);
    assert_eq!(
        std::fs::read_to_string(app.join("Chart.lock")).unwrap(),
        lock
    );

    // Out of sync.
    let y = std::fs::read_to_string(app.join("Chart.yaml")).unwrap();
    std::fs::write(app.join("Chart.yaml"), y.replace("1.4.x", "1.5.x")).unwrap();
    assert_eq!(
        dist::deps::build(&s, &app, &Default::default(), &mut Vec::new())
            .unwrap_err()
            .message,
        "the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies with 'helm dependency update'"
    );
    // No version matches: Helm's error, nothing changed.
    std::fs::write(app.join("Chart.yaml"), y.replace("1.4.x", "9.x")).unwrap();
    let e = dist::deps::update(&s, &app, &Default::default(), &mut Vec::new()).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "can't get a valid version for 1 subchart(s): \"web\" (repository \"{}\", version \"9.x\"). Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml",
            srv.url
        )
    );
    assert_eq!(listing(&app.join("charts")), charts);
    // An alias nobody added.
    std::fs::write(app.join("Chart.yaml"), y.replace("@ml", "@nope")).unwrap();
    assert_eq!(
        dist::deps::update(&s, &app, &Default::default(), &mut Vec::new())
            .unwrap_err()
            .message,
        "no repository definition for @nope. Please add them via 'helm repo add'"
    );
}

#[test]
fn content_cache_is_read_by_digest() {
    let t = tempfile::tempdir().unwrap();
    let served = t.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let arch = make_chart(&served, "web", "1.0.0", "");
    dist::repo::index::repo_index(&served, "", None, false).unwrap();
    let srv = Server::start(&served, None);
    let s = settings(&t.path().join("home"));
    // The archive is in the content cache under its digest, and gone from
    // the server: the update must take the cached copy.
    let bytes = std::fs::read(&arch).unwrap();
    let digest = dist::sha256_hex(&bytes);
    let cached = s
        .content_cache
        .join(&digest[..2])
        .join(format!("{digest}.chart"));
    std::fs::create_dir_all(cached.parent().unwrap()).unwrap();
    std::fs::write(&cached, &bytes).unwrap();
    std::fs::remove_file(&arch).unwrap();
    let app = t.path().join("app");
    write(
        &app.join("Chart.yaml"),
        &format!(
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: web\n    version: \"1.x\"\n    repository: \"{}\"\n",
            srv.url
        ),
    );
    dist::deps::update(&s, &app, &Default::default(), &mut Vec::new()).unwrap();
    assert_eq!(
        std::fs::read(app.join("charts/web-1.0.0.tgz")).unwrap(),
        bytes
    );
    // A corrupt cache entry is not used: the download is attempted (and
    // fails here, the server no longer has the file).
    std::fs::write(&cached, b"corrupt").unwrap();
    std::fs::remove_dir_all(app.join("charts")).unwrap();
    let e = dist::deps::update(&s, &app, &Default::default(), &mut Vec::new()).unwrap_err();
    assert!(e.message.contains("404 Not Found"), "{}", e.message);
}
