//! `dist::oci` and the OCI half of `dist::downloader`: references, tag
//! ordering, the exact manifest/config/credential bytes (worked out from
//! Go's encoding rules, not copied from Helm's output), and end to end
//! against a real CNCF distribution registry (`docker-registry`) started
//! here on a free loopback port.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dist::oci::reference::{HelmRef, OrasRef};
use dist::oci::{self, Client, ClientOptions};

// ---------------------------------------------------------------------------
// Fixtures

/// A gzipped chart archive built in memory (`NAME/Chart.yaml`, values,
/// one template), as `helm package` lays it out.
fn chart_tgz(chart_yaml: &str) -> Vec<u8> {
    let name = chart_yaml
        .lines()
        .find_map(|l| l.strip_prefix("name: "))
        .unwrap_or("mychart")
        .trim()
        .to_string();
    let mut tar = tar::Builder::new(Vec::new());
    let mut add = |path: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_767_225_600);
        h.set_cksum();
        tar.append_data(&mut h, format!("{name}/{path}"), data)
            .expect("tar entry");
    };
    add("Chart.yaml", chart_yaml.as_bytes());
    add("values.yaml", b"replicaCount: 1\n");
    add(
        "templates/cm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    let raw = tar.into_inner().expect("tar");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).expect("gzip");
    gz.finish().expect("gzip")
}

fn simple_chart(name: &str, version: &str) -> Vec<u8> {
    chart_tgz(&format!(
        "apiVersion: v2\nname: {name}\ndescription: A Helm chart for Kubernetes\ntype: application\nversion: {version}\nappVersion: \"1.16.0\"\n"
    ))
}

fn sha(data: &[u8]) -> String {
    format!("sha256:{}", dist::sha256_hex(data))
}

// ---------------------------------------------------------------------------
// References

#[test]
fn helm_reference_turns_plus_into_underscore() {
    let r = HelmRef::parse("oci://127.0.0.1:5000/charts/model-server:0.5.1+build.7").unwrap();
    assert_eq!(r.registry, "127.0.0.1:5000");
    assert_eq!(r.repository, "charts/model-server");
    assert_eq!(r.tag, "0.5.1_build.7");
    assert_eq!(
        r.string(),
        "127.0.0.1:5000/charts/model-server:0.5.1_build.7"
    );
}

#[test]
fn helm_reference_keeps_the_digest_apart() {
    let d = format!("sha256:{}", "a".repeat(64));
    let r = HelmRef::parse(&format!("r.example.com/a/b:1.0.0@{d}")).unwrap();
    assert_eq!((r.tag.as_str(), r.digest.as_str()), ("1.0.0", d.as_str()));
    // With a tag, Helm's String() drops the digest; without, it shows it.
    assert_eq!(r.string(), "r.example.com/a/b:1.0.0");
    let r = HelmRef::parse(&format!("r.example.com/a/b@{d}")).unwrap();
    assert_eq!(r.string(), format!("r.example.com/a/b@{d}"));
}

#[test]
fn oras_reference_errors_are_orases() {
    let e = |s: &str| OrasRef::parse(s).unwrap_err().message;
    assert_eq!(
        e("r:5000/c:1.2.3+b"),
        "invalid reference: invalid tag \"1.2.3+b\""
    );
    assert_eq!(
        e("justahost"),
        "invalid reference: missing registry or repository"
    );
    assert_eq!(
        e("r:5000/Upper/case"),
        "invalid reference: invalid repository \"Upper/case\""
    );
    assert_eq!(
        e("r:5000/c@sha256:abc"),
        "invalid reference: invalid digest \"sha256:abc\": invalid checksum digest length"
    );
    // `HOST/PATH/NAME`: the registry is what precedes the first `/`.
    assert_eq!(OrasRef::parse("host/path/x").unwrap().repository, "path/x");
    let ok = OrasRef::parse("localhost:5000/a/b/c:1.0.0").unwrap();
    assert_eq!(ok.repository, "a/b/c");
    assert_eq!(ok.string(), "localhost:5000/a/b/c:1.0.0");
    let bad_registry = OrasRef {
        registry: "host/path".into(),
        ..OrasRef::default()
    };
    assert_eq!(
        bad_registry.validate_registry().unwrap_err().message,
        "invalid reference: invalid registry \"host/path\""
    );
}

// ---------------------------------------------------------------------------
// Tags

#[test]
fn tags_are_strict_semver_newest_first_with_plus() {
    let tags: Vec<String> = [
        "1.0.0",
        "latest",
        "2.0.0-rc.1",
        "1.10.0",
        "0.5.1_build.7",
        "v1.2.3",
        "1.2",
        "1.9.0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let sorted = oci::semver_tags(&tags);
    assert_eq!(
        sorted,
        vec!["2.0.0-rc.1", "1.10.0", "1.9.0", "1.0.0", "0.5.1+build.7"]
    );
    // Empty: the newest stable; a range: the newest it admits; an exact
    // tag wins as is.
    assert_eq!(oci::match_tag(&sorted, "").unwrap(), "1.10.0");
    assert_eq!(oci::match_tag(&sorted, "^1.0.0").unwrap(), "1.10.0");
    assert_eq!(oci::match_tag(&sorted, "~1.9").unwrap(), "1.9.0");
    assert_eq!(
        oci::match_tag(&sorted, "0.5.1+build.7").unwrap(),
        "0.5.1+build.7"
    );
    assert_eq!(
        oci::match_tag(&sorted, "^7.0.0").unwrap_err().message,
        "could not locate a version matching provided version string ^7.0.0"
    );
}

// ---------------------------------------------------------------------------
// Bytes

#[test]
fn config_blob_is_go_json_in_struct_order() {
    let archive = chart_tgz(
        "apiVersion: v2\nname: mychart\ndescription: A Helm chart for Kubernetes\ntype: application\nversion: 0.1.0\nappVersion: \"1.16.0\"\n",
    );
    let art = oci::artifact(&archive, None, "2026-01-01T00:00:00Z").unwrap();
    // Field order name, version, description, apiVersion, appVersion, type
    // (Go's struct order), empty fields left out: 141 bytes.
    let expected = r#"{"name":"mychart","version":"0.1.0","description":"A Helm chart for Kubernetes","apiVersion":"v2","appVersion":"1.16.0","type":"application"}"#;
    assert_eq!(String::from_utf8(art.config.clone()).unwrap(), expected);
    assert_eq!(art.config.len(), 141);
}

#[test]
fn config_blob_escapes_html_and_orders_every_field() {
    let archive = chart_tgz(concat!(
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "description: \"<b>fast</b> & small\"\n",
        "home: https://example.com\nsources: [https://git.example.com/web]\n",
        "keywords: [a, b]\nmaintainers:\n  - name: Ann\n    email: ann@example.com\n  - name: Bob\n",
        "icon: https://example.com/i.png\nkubeVersion: \">=1.20.0\"\ndeprecated: true\n",
        "annotations:\n  z: last\n  a: first\n",
        "dependencies:\n  - name: db\n    version: 1.x\n    repository: oci://r/db\n    condition: db.enabled\n    alias: store\n",
    ));
    let art = oci::artifact(&archive, None, "2026-01-01T00:00:00Z").unwrap();
    let expected = concat!(
        r#"{"name":"web","home":"https://example.com","sources":["https://git.example.com/web"],"#,
        r#""version":"1.0.0","description":"\u003cb\u003efast\u003c/b\u003e \u0026 small","#,
        r#""keywords":["a","b"],"maintainers":[{"name":"Ann","email":"ann@example.com"},{"name":"Bob"}],"#,
        r#""icon":"https://example.com/i.png","apiVersion":"v2","deprecated":true,"#,
        r#""annotations":{"a":"first","z":"last"},"kubeVersion":"\u003e=1.20.0","#,
        r#""dependencies":[{"name":"db","version":"1.x","repository":"oci://r/db","condition":"db.enabled","alias":"store"}]}"#
    );
    assert_eq!(String::from_utf8(art.config).unwrap(), expected);
    // Annotations: description/title/version/url/created/source/authors,
    // then the chart's own.
    let mut want = BTreeMap::new();
    for (k, v) in [
        (
            "org.opencontainers.image.description",
            "<b>fast</b> & small",
        ),
        ("org.opencontainers.image.title", "web"),
        ("org.opencontainers.image.version", "1.0.0"),
        ("org.opencontainers.image.url", "https://example.com"),
        ("org.opencontainers.image.created", "2026-01-01T00:00:00Z"),
        (
            "org.opencontainers.image.source",
            "https://git.example.com/web",
        ),
        (
            "org.opencontainers.image.authors",
            "Ann (ann@example.com), Bob",
        ),
        ("a", "first"),
        ("z", "last"),
    ] {
        want.insert(k.to_string(), v.to_string());
    }
    assert_eq!(
        oci::annotations(&art.metadata, "2026-01-01T00:00:00Z"),
        want
    );
}

#[test]
fn manifest_bytes_follow_ocispec_field_order() {
    let archive = simple_chart("mychart", "0.1.0");
    let prov = b"-----BEGIN PGP SIGNED MESSAGE-----\n".to_vec();
    let art = oci::artifact(&archive, Some(&prov), "2026-01-01T00:00:00Z").unwrap();
    let config = art.config.clone();
    let mut layers = [
        (
            sha(&archive),
            archive.len(),
            "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
        ),
        (
            sha(&prov),
            prov.len(),
            "application/vnd.cncf.helm.chart.provenance.v1.prov",
        ),
    ];
    layers.sort();
    let layer_json: Vec<String> = layers
        .iter()
        .map(|(d, n, mt)| format!(r#"{{"mediaType":"{mt}","digest":"{d}","size":{n}}}"#))
        .collect();
    let expected = format!(
        concat!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"{}","size":{}}},"#,
            r#""layers":[{}],"annotations":{{"org.opencontainers.image.created":"2026-01-01T00:00:00Z","#,
            r#""org.opencontainers.image.description":"A Helm chart for Kubernetes","#,
            r#""org.opencontainers.image.title":"mychart","org.opencontainers.image.version":"0.1.0"}}}}"#
        ),
        sha(&config),
        config.len(),
        layer_json.join(",")
    );
    assert_eq!(art.manifest, expected);
}

// ---------------------------------------------------------------------------
// Credentials file

fn tmpdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn credentials_file_is_tab_indented_and_keeps_other_entries() {
    let d = tmpdir();
    let path = d.path().join("registry").join("config.json");
    let store = dist::oci::credentials::Store {
        path: path.clone(),
        docker: None,
    };
    let cred = dist::oci::credentials::Credential::basic("alice", "s3cret");
    store.put("localhost:5000", &cred).unwrap();
    // base64("alice:s3cret") = YWxpY2U6czNjcmV0
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\n\t\"auths\": {\n\t\t\"localhost:5000\": {\n\t\t\t\"auth\": \"YWxpY2U6czNjcmV0\"\n\t\t}\n\t}\n}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(store.get("localhost:5000").unwrap(), cred);
    store.delete("localhost:5000").unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\n\t\"auths\": {}\n}"
    );

    // Other tools' keys and entries stay, their inner order untouched.
    std::fs::write(
        &path,
        r#"{"psFormat":"table","auths":{"other.io":{"username":"u","auth":"dTpw"}}}"#,
    )
    .unwrap();
    store.put("localhost:5000", &cred).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        concat!(
            "{\n\t\"auths\": {\n",
            "\t\t\"localhost:5000\": {\n\t\t\t\"auth\": \"YWxpY2U6czNjcmV0\"\n\t\t},\n",
            "\t\t\"other.io\": {\n\t\t\t\"username\": \"u\",\n\t\t\t\"auth\": \"dTpw\"\n\t\t}\n",
            "\t},\n\t\"psFormat\": \"table\"\n}"
        )
    );
    // A legacy key with a scheme and path still matches its host.
    std::fs::write(
        &path,
        r#"{"auths":{"https://legacy.example.com/v1/":{"auth":"dTpw"}}}"#,
    )
    .unwrap();
    let c = store.get("legacy.example.com").unwrap();
    assert_eq!((c.username.as_str(), c.password.as_str()), ("u", "p"));
}

#[test]
fn docker_config_is_a_read_only_fallback() {
    let d = tmpdir();
    let docker = d.path().join("docker.json");
    std::fs::write(&docker, r#"{"auths":{"r.io":{"auth":"YTpi"}}}"#).unwrap();
    let store = dist::oci::credentials::Store {
        path: d.path().join("helm.json"),
        docker: Some(docker.clone()),
    };
    let c = store.get("r.io").unwrap();
    assert_eq!((c.username.as_str(), c.password.as_str()), ("a", "b"));
    assert!(store.get("elsewhere.io").unwrap().is_empty());
    assert!(!d.path().join("helm.json").exists());
}

// ---------------------------------------------------------------------------
// A real registry

/// A `docker-registry serve` on a free loopback port with storage in a
/// temporary directory; killed when dropped.
struct Registry {
    child: Child,
    host: String,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(bin))
            .find(|f| f.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Registry {
    /// `None` (after saying why) when the binary is missing; with
    /// `CAPSTAN_REQUIRE_SHARED=1` that is a failure instead.
    fn start(auth: Option<(&str, &str)>) -> Option<Registry> {
        let bin = match which("docker-registry").or_else(|| which("registry")) {
            Some(b) => b,
            None => {
                capstan_testkit::skip(
                    "skipping: no docker-registry on PATH (apt-get install docker-registry)",
                );
                return None;
            }
        };
        let dir = tmpdir();
        let port = free_port();
        let mut cfg = format!(
            "version: 0.1\nlog: {{level: error, accesslog: {{disabled: true}}}}\nstorage: {{filesystem: {{rootdirectory: {}}}, delete: {{enabled: true}}}}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: capstan-test\n",
            dir.path().join("data").display()
        );
        if let Some((user, pass)) = auth {
            let htpasswd = match which("htpasswd") {
                Some(h) => h,
                None => {
                    capstan_testkit::skip(
                        "skipping: no htpasswd on PATH (apt-get install apache2-utils)",
                    );
                    return None;
                }
            };
            let out = Command::new(htpasswd)
                .args(["-Bbn", user, pass])
                .output()
                .expect("htpasswd");
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).unwrap();
            cfg.push_str(&format!(
                "auth:\n  htpasswd: {{realm: capstan-test, path: {}}}\n",
                file.display()
            ));
        }
        let cfg_path = dir.path().join("config.yml");
        std::fs::write(&cfg_path, cfg).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .arg(&cfg_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let reg = Registry {
            child,
            host: format!("127.0.0.1:{port}"),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let http = reqwest::blocking::Client::new();
        while Instant::now() < deadline {
            if let Ok(r) = http.get(format!("http://{}/v2/", reg.host)).send() {
                if r.status().as_u16() == 200 || r.status().as_u16() == 401 {
                    return Some(reg);
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("docker-registry did not answer on {}", reg.host);
    }
}

fn client(creds: &Path) -> Client {
    Client::new(ClientOptions {
        plain_http: true,
        credentials_file: creds.to_path_buf(),
        ..ClientOptions::default()
    })
    .unwrap()
}

#[test]
fn push_pull_resolve_against_a_registry() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let d = tmpdir();
    let c = client(&d.path().join("config.json"));
    let host = &reg.host;
    let mtime = std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    let mut digests = BTreeMap::new();
    for v in ["18.1.0", "18.2.1", "19.0.0", "20.0.0-rc.1"] {
        let p = c
            .push(
                &simple_chart("redis", v),
                None,
                &format!("oci://{host}/deps"),
                Some(mtime),
            )
            .unwrap();
        assert_eq!(
            p.messages,
            format!("Pushed: {host}/deps/redis:{v}\nDigest: {}\n", p.digest)
        );
        assert_eq!(p.digest, sha(&p.manifest));
        digests.insert(v, p.digest);
    }
    // Pushing the same archive with the same mtime gives the same digest.
    let again = c
        .push(
            &simple_chart("redis", "18.2.1"),
            None,
            &format!("oci://{host}/deps"),
            Some(mtime),
        )
        .unwrap();
    assert_eq!(again.digest, digests["18.2.1"]);

    assert_eq!(
        c.tags(&format!("{host}/deps/redis")).unwrap(),
        vec!["20.0.0-rc.1", "19.0.0", "18.2.1", "18.1.0"]
    );
    let url = format!("oci://{host}/deps/redis");
    let r = c.resolve_chart(&url, "^18.0.0").unwrap();
    assert_eq!(r.reference, format!("{host}/deps/redis:18.2.1"));
    assert_eq!(r.file_name, "redis-18.2.1.tgz");
    assert_eq!(
        c.resolve(&url, "").unwrap(),
        format!("{host}/deps/redis:19.0.0")
    );
    assert_eq!(
        c.resolve_chart(&format!("{url}:18.1.0"), "18.2.1")
            .unwrap_err()
            .message,
        "chart reference and version mismatch: 18.2.1 is not 18.1.0"
    );

    let pulled = c.pull(&format!("{host}/deps/redis:18.2.1"), false).unwrap();
    assert_eq!(pulled.chart, simple_chart("redis", "18.2.1"));
    assert_eq!(
        (pulled.name.as_str(), pulled.version.as_str()),
        ("redis", "18.2.1")
    );
    assert_eq!(
        pulled.messages(),
        format!(
            "Pulled: {host}/deps/redis:18.2.1\nDigest: {}\n",
            digests["18.2.1"]
        )
    );

    // By digest: the quirky file name, the digest form in `Pulled:`.
    let dg = &digests["18.2.1"];
    let r = c.resolve_chart(&format!("{url}@{dg}"), "").unwrap();
    assert_eq!(r.file_name, format!("redis@{}.tgz", dg.replace(':', "-")));
    let p = c.pull(&r.reference, false).unwrap();
    assert_eq!(p.reference, format!("{host}/deps/redis@{dg}"));
    // Tag and digest: checked against each other.
    let r = c.resolve_chart(&format!("{url}:18.2.1@{dg}"), "").unwrap();
    assert_eq!(r.digest, *dg);
    assert_eq!(
        c.resolve_chart(&format!("{url}:18.2.1@{}", digests["19.0.0"]), "")
            .unwrap_err()
            .message,
        format!(
            "chart reference digest mismatch: {dg} is not {}",
            digests["19.0.0"]
        )
    );

    // Missing things, in oras' words.
    assert_eq!(
        c.pull(&format!("{host}/deps/redis:9.9.9"), false)
            .unwrap_err()
            .message,
        format!(
            "failed to perform \"FetchReference\" on source: {host}/deps/redis:9.9.9: not found"
        )
    );
    let e = c
        .resolve_chart(&format!("oci://{host}/deps/nope"), "^1")
        .unwrap_err();
    assert!(
        e.message.starts_with(&format!(
            "GET \"http://{host}/v2/deps/nope/tags/list\": response status code 404: name unknown: "
        )),
        "{}",
        e.message
    );
    assert_eq!(
        c.resolve_chart(&format!("oci://{host}/deps/redis:1.2.3+b"), "")
            .unwrap_err()
            .message,
        "invalid reference: invalid tag \"1.2.3+b\""
    );
}

#[test]
fn build_metadata_versions_and_provenance_layers() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let d = tmpdir();
    let c = client(&d.path().join("config.json"));
    let host = &reg.host;
    let archive = simple_chart("model-server", "0.5.1+build.7");
    let prov = b"signed\n".to_vec();
    let p = c
        .push(&archive, Some(&prov), &format!("oci://{host}/shared"), None)
        .unwrap();
    let r = format!("{host}/shared/model-server:0.5.1_build.7");
    assert_eq!(
        p.messages,
        format!(
            "Pushed: {r}\nDigest: {}\n{r} contains an underscore.\n{}\n",
            p.digest,
            oci::UNDERSCORE_MESSAGE
        )
    );
    assert_eq!(
        c.all_tags(&format!("{host}/shared/model-server")).unwrap(),
        vec!["0.5.1_build.7"]
    );
    let res = c
        .resolve_chart(
            &format!("oci://{host}/shared/model-server"),
            "0.5.1+build.7",
        )
        .unwrap();
    assert_eq!(res.file_name, "model-server-0.5.1+build.7.tgz");
    let pulled = c.pull(&res.reference, true).unwrap();
    assert_eq!(pulled.chart, archive);
    assert_eq!(pulled.prov.as_deref(), Some(prov.as_slice()));
    assert!(pulled.messages().contains("contains an underscore."));
    let only = c.pull_prov(&res.reference).unwrap();
    assert!(only.chart.is_empty());
    assert_eq!(only.prov, Some(prov));

    // Without a provenance layer, a provenance-only pull fails as Helm's.
    c.push(
        &simple_chart("plain", "1.0.0"),
        None,
        &format!("oci://{host}/shared"),
        None,
    )
    .unwrap();
    assert_eq!(
        c.pull_prov(&format!("{host}/shared/plain:1.0.0")).unwrap_err().message,
        "manifest does not contain a layer with mediatype application/vnd.cncf.helm.chart.provenance.v1.prov"
    );
}

#[test]
fn non_chart_artifacts_are_refused() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let http = reqwest::blocking::Client::new();
    let base = format!("http://{}", reg.host);
    let blob = |data: &[u8]| {
        let r = http
            .post(format!("{base}/v2/misc/img/blobs/uploads/"))
            .send()
            .unwrap();
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let loc = if loc.starts_with("http") {
            loc
        } else {
            format!("{base}{loc}")
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let digest = sha(data);
        let put = http
            .put(format!("{loc}{sep}digest={digest}"))
            .body(data.to_vec())
            .send()
            .unwrap();
        assert_eq!(put.status().as_u16(), 201);
        (digest, data.len())
    };
    let (cd, cn) = blob(b"{\"architecture\":\"amd64\",\"os\":\"linux\"}");
    let (ld, ln) = blob(b"not a chart");
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{cd}","size":{cn}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{ld}","size":{ln}}}]}}"#
    );
    let r = http
        .put(format!("{base}/v2/misc/img/manifests/1.0.0"))
        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        .body(manifest)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let d = tmpdir();
    let c = client(&d.path().join("config.json"));
    assert_eq!(
        c.pull(&format!("{}/misc/img:1.0.0", reg.host), false)
            .unwrap_err()
            .message,
        "manifest does not contain minimum number of descriptors (2), descriptors found: 1"
    );

    // Helm's config with the chart in the deprecated layer type: pulled,
    // with Helm's warning before the usual lines.
    let archive = simple_chart("old", "0.1.0");
    let config = br#"{"name":"old","version":"0.1.0"}"#;
    let (cd, cn) = blob(config);
    let (ld, ln) = blob(&archive);
    let manifest = format!(
        r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"{cd}","size":{cn}}},"layers":[{{"mediaType":"application/tar+gzip","digest":"{ld}","size":{ln}}}]}}"#
    );
    let r = http
        .put(format!("{base}/v2/misc/img/manifests/0.1.0"))
        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        .body(manifest.clone())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let p = c
        .pull(&format!("{}/misc/img:0.1.0", reg.host), false)
        .unwrap();
    assert_eq!(p.chart, archive);
    assert_eq!(
        p.messages(),
        format!(
            "Warning: chart media type application/tar+gzip is deprecated\nPulled: {}/misc/img:0.1.0\nDigest: {}\n",
            reg.host,
            sha(manifest.as_bytes())
        )
    );
}

#[test]
fn login_push_logout_with_basic_auth() {
    let Some(reg) = Registry::start(Some(("alice", "s3cret-pw"))) else {
        return;
    };
    let d = tmpdir();
    let creds = d.path().join("registry").join("config.json");
    let c = client(&creds);
    let host = &reg.host;
    let archive = simple_chart("fraud-model", "1.4.2");
    let manifest_digest =
        sha(
            oci::artifact(&archive, None, &oci::rfc3339_local(std::time::UNIX_EPOCH))
                .unwrap()
                .manifest
                .as_bytes(),
        );
    let e = c
        .push(
            &archive,
            None,
            &format!("oci://{host}/charts"),
            Some(std::time::UNIX_EPOCH),
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        format!("failed to perform \"Exists\" on destination: HEAD \"http://{host}/v2/charts/fraud-model/manifests/{manifest_digest}\": basic credential not found")
    );
    assert_eq!(
        c.login(host, "alice", "wrong").unwrap_err().message,
        format!("authenticating to \"{host}\": GET \"http://{host}/v2/\": response status code 401: unauthorized: authentication required")
    );
    assert!(!creds.exists(), "a failed login writes nothing");
    c.login(host, "alice", "s3cret-pw").unwrap();
    assert_eq!(
        std::fs::read_to_string(&creds).unwrap(),
        format!("{{\n\t\"auths\": {{\n\t\t\"{host}\": {{\n\t\t\t\"auth\": \"YWxpY2U6czNjcmV0LXB3\"\n\t\t}}\n\t}}\n}}")
    );
    // A fresh client reads the stored credential.
    let c = client(&creds);
    let p = c
        .push(
            &archive,
            None,
            &format!("oci://{host}/charts"),
            Some(std::time::UNIX_EPOCH),
        )
        .unwrap();
    assert_eq!(p.digest, manifest_digest);
    assert_eq!(
        c.pull(&format!("{host}/charts/fraud-model:1.4.2"), false)
            .unwrap()
            .chart,
        archive
    );
    c.logout(host).unwrap();
    assert_eq!(
        std::fs::read_to_string(&creds).unwrap(),
        "{\n\t\"auths\": {}\n}"
    );
    let c = client(&creds);
    assert_eq!(
        c.pull(&format!("{host}/charts/fraud-model:1.4.2"), false).unwrap_err().message,
        format!("failed to perform \"FetchReference\" on source: GET \"http://{host}/v2/charts/fraud-model/manifests/1.4.2\": basic credential not found")
    );
    // --username/--password on the command line work without a login.
    let c = Client::new(ClientOptions {
        plain_http: true,
        credentials_file: creds.clone(),
        http: dist::http::Options {
            username: "alice".into(),
            password: "s3cret-pw".into(),
            ..Default::default()
        },
    })
    .unwrap();
    assert_eq!(
        c.tags(&format!("{host}/charts/fraud-model")).unwrap(),
        vec!["1.4.2"]
    );
}

#[test]
fn downloader_pulls_untars_and_caches() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let d = tmpdir();
    let settings = dist::paths::Settings {
        config_home: d.path().join("config"),
        cache_home: d.path().join("cache"),
        data_home: d.path().join("data"),
        repository_config: d.path().join("config/repositories.yaml"),
        repository_cache: d.path().join("cache/repository"),
        content_cache: d.path().join("cache/content"),
        registry_config: d.path().join("config/registry/config.json"),
    };
    let c = client(&settings.registry_config);
    let host = &reg.host;
    let archive = simple_chart("redis", "18.2.1");
    let pushed = c
        .push(&archive, None, &format!("oci://{host}/deps"), None)
        .unwrap();

    let chart_opts = dist::downloader::ChartPathOptions {
        version: "18.2.1".into(),
        plain_http: true,
        ..Default::default()
    };
    let dest = d.path().join("out");
    std::fs::create_dir_all(&dest).unwrap();
    let opts = dist::downloader::PullOptions {
        chart: chart_opts.clone(),
        untar: true,
        untar_dir: "unpacked".into(),
        dest_dir: dest.display().to_string(),
        ..Default::default()
    };
    let mut out = Vec::new();
    let url = format!("oci://{host}/deps/redis");
    dist::downloader::pull(&settings, &opts, &url, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(
            "Pulled: {host}/deps/redis:18.2.1\nDigest: {}\n",
            pushed.digest
        )
    );
    assert_eq!(
        std::fs::read(dest.join("unpacked/redis/Chart.yaml")).unwrap(),
        b"apiVersion: v2\nname: redis\ndescription: A Helm chart for Kubernetes\ntype: application\nversion: 18.2.1\nappVersion: \"1.16.0\"\n"
    );
    assert!(dest.join("unpacked/redis/templates/cm.yaml").is_file());
    // pull never writes the content cache.
    assert!(!settings.content_cache.exists());
    let e = dist::downloader::pull(&settings, &opts, &url, &mut Vec::new()).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "failed to untar: a file or directory with the name {}/unpacked/redis already exists",
            dest.display()
        )
    );

    // LocateChart: into the content cache, keyed by the archive's sha256.
    let mut out = Vec::new();
    let loc = dist::downloader::locate_chart(&settings, &chart_opts, &url, &mut out).unwrap();
    let key = dist::sha256_hex(&archive);
    let want = settings
        .content_cache
        .join(&key[..2])
        .join(format!("{key}.chart"));
    assert_eq!(loc, dist::downloader::Located::Downloaded(want.clone()));
    assert_eq!(std::fs::read(&want).unwrap(), archive);
    assert!(String::from_utf8(out).unwrap().starts_with("Pulled: "));
    // Local paths are returned as they are.
    let local = dist::downloader::locate_chart(
        &settings,
        &chart_opts,
        &dest.join("unpacked/redis").display().to_string(),
        &mut Vec::new(),
    )
    .unwrap();
    assert!(matches!(local, dist::downloader::Located::Local(_)));
}

// ---------------------------------------------------------------------------
// Token authentication (ghcr, Harbor, Docker Hub): a tiny fake registry

/// Serves `/v2/` and a tag list behind a Bearer challenge, with its token
/// endpoint (Docker's GET flow and OAuth2's POST) on the same port.
/// Returns the host and a log of `METHOD PATH AUTH` lines.
fn fake_token_registry() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = listener.local_addr().expect("addr").to_string();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (h, l) = (host.clone(), log.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let path = parts.next().unwrap_or("").to_string();
            let (mut auth, mut len) = (String::new(), 0usize);
            loop {
                let mut hl = String::new();
                if reader.read_line(&mut hl).unwrap_or(0) == 0 || hl == "\r\n" {
                    break;
                }
                let (k, v) = hl.split_once(':').unwrap_or(("", ""));
                match k.to_ascii_lowercase().as_str() {
                    "authorization" => auth = v.trim().to_string(),
                    "content-length" => len = v.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            let body = String::from_utf8_lossy(&body).into_owned();
            l.lock().unwrap().push(format!("{method} {path} {auth}"));
            let good_basic = "Basic YWxpY2U6cHc="; // alice:pw
            let challenge = format!(
                "Bearer realm=\"http://{h}/token\",service=\"fake\",scope=\"repository:x:pull\""
            );
            let (status, headers, out): (&str, Vec<String>, String) = if path.starts_with("/token")
            {
                let ok = if method == "POST" {
                    body.contains("grant_type=password") && body.contains("password=pw")
                } else {
                    auth == good_basic
                };
                if ok {
                    let key = if method == "POST" {
                        "access_token"
                    } else {
                        "token"
                    };
                    ("200 OK", vec![], format!("{{\"{key}\":\"tok\"}}"))
                } else {
                    ("401 Unauthorized", vec![], "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}".into())
                }
            } else if auth != "Bearer tok" {
                (
                    "401 Unauthorized",
                    vec![format!("WWW-Authenticate: {challenge}")],
                    "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\",\"detail\":null}]}".into(),
                )
            } else if path == "/v2/" {
                ("200 OK", vec![], "{}".into())
            } else if path == "/v2/x/tags/list" {
                (
                    "200 OK",
                    vec!["Link: </v2/x/tags/list?last=1.0.0>; rel=\"next\"".into()],
                    "{\"name\":\"x\",\"tags\":[\"1.0.0\",\"latest\"]}".into(),
                )
            } else if path == "/v2/x/tags/list?last=1.0.0" {
                (
                    "200 OK",
                    vec![],
                    "{\"name\":\"x\",\"tags\":[\"1.1.0\"]}".into(),
                )
            } else {
                ("404 Not Found", vec![], "{}".into())
            };
            let mut resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                out.len()
            );
            for hd in headers {
                resp.push_str(&hd);
                resp.push_str("\r\n");
            }
            resp.push_str("\r\n");
            resp.push_str(&out);
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    (host, log)
}

#[test]
fn bearer_tokens_from_the_realm() {
    let (host, log) = fake_token_registry();
    let d = tmpdir();
    let creds = d.path().join("config.json");
    let with_creds = |user: &str, pass: &str| {
        Client::new(ClientOptions {
            plain_http: true,
            credentials_file: creds.clone(),
            http: dist::http::Options {
                username: user.into(),
                password: pass.into(),
                ..Default::default()
            },
        })
        .unwrap()
    };
    // Docker's token flow (GET with basic auth), and Link pagination.
    let c = with_creds("alice", "pw");
    assert_eq!(
        c.tags(&format!("{host}/x")).unwrap(),
        vec!["1.1.0", "1.0.0"]
    );
    assert!(log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("GET /token?scope=repository%3Ax%3Apull&service=fake Basic")));
    // A refused token request is reported with the request it was for.
    let e = with_creds("alice", "nope")
        .tags(&format!("{host}/x"))
        .unwrap_err();
    assert!(
        e.message.starts_with(&format!(
            "GET \"http://{host}/v2/x/tags/list\": GET \"http://{host}/token?"
        )),
        "{}",
        e.message
    );
    assert!(
        e.message
            .ends_with("response status code 401: unauthorized: bad credentials"),
        "{}",
        e.message
    );
    // login: OAuth2's password grant first, then the credentials stored.
    log.lock().unwrap().clear();
    client(&creds).login(&host, "alice", "pw").unwrap();
    assert!(log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("POST /token")));
    let stored = dist::oci::credentials::Store {
        path: creds.clone(),
        docker: None,
    }
    .get(&host)
    .unwrap();
    assert_eq!(
        (stored.username.as_str(), stored.password.as_str()),
        ("alice", "pw")
    );
    // A fresh client finds them.
    assert_eq!(
        client(&creds).tags(&format!("{host}/x")).unwrap(),
        vec!["1.1.0", "1.0.0"]
    );
}
