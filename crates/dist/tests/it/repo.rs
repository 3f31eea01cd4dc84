//! Chart repositories: `repositories.yaml` bytes, index generation, merge,
//! loading and lookup, search scoring, and `repo add/update/remove`
//! against a real HTTP server started here.
//!
//! Expected bytes are derived from the rules Helm follows (sigs.k8s.io/yaml
//! marshals the Go structs: JSON field names, sorted keys, the zero
//! `time.Time` as `0001-01-01T00:00:00Z`), not copied from Helm's output.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use dist::repo::{self, commands, IndexFile};

/// A small static HTTP/1.1 file server (one thread per connection,
/// `Connection: close`), with optional basic auth and ETags, counting the
/// requests it answers with 200 and 304.
pub mod server {
    use super::*;

    pub struct Server {
        pub url: String,
        stop: Arc<AtomicBool>,
        addr: std::net::SocketAddr,
        pub ok: Arc<AtomicUsize>,
        pub not_modified: Arc<AtomicUsize>,
    }

    impl Server {
        pub fn start(root: &Path, auth: Option<(&str, &str)>) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let addr = listener.local_addr().expect("addr");
            let stop = Arc::new(AtomicBool::new(false));
            let ok = Arc::new(AtomicUsize::new(0));
            let nm = Arc::new(AtomicUsize::new(0));
            let expect_auth = auth.map(|(u, p)| {
                use base64::Engine;
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
                )
            });
            let root = root.to_path_buf();
            let (s2, ok2, nm2) = (stop.clone(), ok.clone(), nm.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if s2.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (root, auth, ok, nm) =
                        (root.clone(), expect_auth.clone(), ok2.clone(), nm2.clone());
                    std::thread::spawn(move || handle(conn, &root, auth.as_deref(), &ok, &nm));
                }
            });
            Server {
                url: format!("http://{addr}"),
                stop,
                addr,
                ok,
                not_modified: nm,
            }
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect(self.addr);
        }
    }

    fn handle(
        conn: TcpStream,
        root: &Path,
        auth: Option<&str>,
        ok: &AtomicUsize,
        nm: &AtomicUsize,
    ) {
        let mut reader = BufReader::new(conn.try_clone().expect("clone"));
        let mut first = String::new();
        if reader.read_line(&mut first).is_err() {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut l = String::new();
            if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" || l == "\n" {
                break;
            }
            if let Some((k, v)) = l.trim_end().split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let h = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
        let path = path.split('?').next().unwrap_or("/").to_string();
        let mut out = conn;
        let reply = |out: &mut TcpStream, status: &str, extra: &str, body: &[u8]| {
            let _ = write!(
                out,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
                body.len()
            );
            let _ = out.write_all(body);
        };
        if let Some(want) = auth {
            if h("authorization").as_deref() != Some(want) {
                reply(
                    &mut out,
                    "401 Unauthorized",
                    "WWW-Authenticate: Basic realm=\"charts\"\r\n",
                    b"",
                );
                return;
            }
        }
        let file = root.join(path.trim_start_matches('/'));
        let Ok(mut f) = std::fs::File::open(&file) else {
            reply(&mut out, "404 Not Found", "", b"404 page not found\n");
            return;
        };
        let mut body = Vec::new();
        let _ = f.read_to_end(&mut body);
        let etag = format!("\"{}\"", dist::sha256_hex(&body));
        if h("if-none-match").as_deref() == Some(etag.as_str()) {
            nm.fetch_add(1, Ordering::SeqCst);
            reply(
                &mut out,
                "304 Not Modified",
                &format!("ETag: {etag}\r\n"),
                b"",
            );
            return;
        }
        ok.fetch_add(1, Ordering::SeqCst);
        reply(&mut out, "200 OK", &format!("ETag: {etag}\r\n"), &body);
    }
}

/// A chart archive `NAME-VERSION.tgz` in `dir`, made the way `package` makes it.
pub fn make_chart(dir: &Path, name: &str, version: &str, extra: &str) -> PathBuf {
    let chart_yaml = format!(
        "apiVersion: v2\nname: {name}\nversion: {version}\ndescription: {name} chart for tests\nkeywords: [web, test]\nappVersion: \"{version}\"\n{extra}"
    );
    let c = chart::load_files(vec![
        chart::File::new("Chart.yaml", chart_yaml.into_bytes()),
        chart::File::new("values.yaml", b"replicas: 1\n".to_vec()),
        chart::File::new(
            "templates/cm.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n".to_vec(),
        ),
    ])
    .expect("chart loads");
    action::package::save_archive(&c, dir, Some(1_767_225_600)).expect("archive")
}

pub fn settings(home: &Path) -> dist::paths::Settings {
    dist::paths::Settings {
        config_home: home.join("config"),
        cache_home: home.join("cache"),
        data_home: home.join("data"),
        repository_config: home.join("config/repositories.yaml"),
        repository_cache: home.join("cache/repository"),
        content_cache: home.join("cache/content"),
        registry_config: home.join("config/registry/config.json"),
    }
}

/// Strips the values of `generated:`/`created:` lines (they hold now).
pub fn untime(s: &str) -> String {
    s.lines()
        .map(|l| {
            let t = l.trim_start();
            for k in ["generated: ", "created: "] {
                if let Some(rest) = t.strip_prefix(k) {
                    let rest = rest.trim_matches('"');
                    assert!(
                        dist::repo::index::normalize_time(rest).is_some(),
                        "not an RFC 3339 time: {rest}"
                    );
                    return format!("{}{k}TIME", &l[..l.len() - t.len()]);
                }
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn repositories_yaml_bytes_as_go_marshals_the_struct() {
    // `repo add` into a missing file: a zero repo.File (apiVersion "",
    // zero time) plus the entry, every Entry field present (no
    // omitempty), keys sorted byte-wise; empty strings and the
    // timestamp-looking time are quoted by the YAML emitter.
    let mut f = repo::RepoFile::default();
    f.update(repo::Entry {
        name: "ml".into(),
        url: "http://127.0.0.1:8080".into(),
        ..Default::default()
    });
    let want = "apiVersion: \"\"\n\
generated: \"0001-01-01T00:00:00Z\"\n\
repositories:\n\
- caFile: \"\"\n  certFile: \"\"\n  insecure_skip_tls_verify: false\n  keyFile: \"\"\n  name: ml\n  pass_credentials_all: false\n  password: \"\"\n  url: http://127.0.0.1:8080\n  username: \"\"\n";
    assert_eq!(f.to_yaml().unwrap(), want);
    // Read back, the same bytes again; removing the last entry leaves `[]`.
    let mut g = repo::RepoFile::parse(want.as_bytes()).unwrap();
    assert_eq!(g.to_yaml().unwrap(), want);
    assert!(g.remove("ml"));
    assert!(!g.remove("ml"));
    assert!(g.to_yaml().unwrap().ends_with("repositories: []\n"));
}

#[test]
fn index_generation_urls_digests_order_and_merge() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("charts");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let a1 = make_chart(&dir, "alpha", "1.0.0", "");
    let a2 = make_chart(&dir, "alpha", "1.10.0", "");
    let a3 = make_chart(&dir, "alpha", "1.9.0", "");
    let b = make_chart(&dir.join("sub"), "beta", "0.1.0", "");
    std::fs::write(dir.join("not-a-chart.tgz"), b"junk").unwrap();
    // Two levels down is not indexed (Go's Glob has no `**`).
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    make_chart(&dir.join("sub/deeper"), "gamma", "1.0.0", "");

    let idx = dist::repo::index::index_directory(&dir, "https://example.com/charts/").unwrap();
    let mut idx = idx;
    idx.sort_entries();
    let alpha: Vec<&str> = idx.entries["alpha"]
        .iter()
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(
        alpha,
        ["1.10.0", "1.9.0", "1.0.0"],
        "newest first, by semver"
    );
    assert!(!idx.entries.contains_key("gamma"));
    let beta = &idx.entries["beta"][0];
    assert_eq!(beta.urls, ["https://example.com/charts/sub/beta-0.1.0.tgz"]);
    assert_eq!(
        beta.digest,
        dist::sha256_hex(&std::fs::read(&b).unwrap()),
        "plain sha256 hex of the archive"
    );
    assert_eq!(
        idx.entries["alpha"][0].urls,
        ["https://example.com/charts/alpha-1.10.0.tgz"]
    );
    let _ = (a1, a2, a3);

    // Without --url: file names relative to the directory.
    let plain = dist::repo::index::index_directory(&dir, "").unwrap();
    assert_eq!(plain.entries["beta"][0].urls, ["sub/beta-0.1.0.tgz"]);
    assert_eq!(plain.entries["alpha"].len(), 3);

    // The YAML: sorted keys, each entry's Chart.yaml fields plus created,
    // digest and urls.
    let y = untime(&idx.to_yaml().unwrap());
    assert!(y.starts_with("apiVersion: v1\nentries:\n  alpha:\n  - apiVersion: v2\n    appVersion: 1.10.0\n    created: TIME\n    description: alpha chart for tests\n    digest: "), "{y}");
    assert!(y.ends_with("generated: TIME"), "{y}");

    // --merge: entries of the old index that the directory lacks are
    // added; the directory's own entries win.
    let out = t.path().join("index.yaml");
    let other = t.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    make_chart(&other, "alpha", "1.10.0", "home: https://other\n");
    make_chart(&other, "delta", "2.0.0", "");
    dist::repo::index::repo_index(&other, "https://other.example.com", None, false).unwrap();
    std::fs::copy(other.join("index.yaml"), &out).unwrap();
    dist::repo::index::repo_index(&dir, "https://example.com/charts", Some(&out), false).unwrap();
    let merged = IndexFile::load_file(&dir.join("index.yaml")).unwrap();
    assert_eq!(
        merged.entries["delta"][0].urls,
        ["https://other.example.com/delta-2.0.0.tgz"]
    );
    let a110 = merged.get("alpha", "1.10.0").unwrap();
    assert_eq!(a110.urls, ["https://example.com/charts/alpha-1.10.0.tgz"]);
    assert_eq!(a110.metadata.home, "", "the directory's entry won");

    // --merge with a missing file creates an empty index there.
    let missing = t.path().join("fresh.yaml");
    dist::repo::index::repo_index(&other, "", Some(&missing), false).unwrap();
    let fresh = IndexFile::load_file(&missing).unwrap();
    assert!(fresh.entries.is_empty());

    // --json: Go's MarshalIndent, struct order (apiVersion before generated).
    dist::repo::index::repo_index(&other, "", None, true).unwrap();
    let j = std::fs::read_to_string(other.join("index.yaml")).unwrap();
    assert!(
        j.starts_with("{\n  \"apiVersion\": \"v1\",\n  \"generated\": \""),
        "{j}"
    );
    assert!(
        j.contains("\n        \"name\": \"delta\",\n        \"version\": \"2.0.0\","),
        "{j}"
    );
    assert!(j.contains("\n        \"name\": \"alpha\",\n        \"home\": \"https://other\",\n        \"version\": \"1.10.0\","), "{j}");
    let back = IndexFile::load(j.as_bytes(), "test").unwrap();
    assert_eq!(back.entries["delta"][0].version, "2.0.0");
}

#[test]
fn index_loading_drops_invalid_entries_and_sorts() {
    let y = b"apiVersion: v1
entries:
  web:
  - name: web
    version: 1.2.0
    urls: [web-1.2.0.tgz]
  - name: web
    version: not-semver
    urls: [x.tgz]
  - null
  - name: web
    version: 2.0.0-rc.1
    urls: [web-2.0.0-rc.1.tgz]
  - name: web
    version: 1.10.0
    urls: [web-1.10.0.tgz]
  - name: web
    version: 1.3.0
    digest: 12345
generated: \"2020-01-02T03:04:05.500Z\"
";
    let idx = IndexFile::load(y, "test").unwrap();
    let v: Vec<&str> = idx.entries["web"]
        .iter()
        .map(|c| c.version.as_str())
        .collect();
    assert_eq!(v, ["2.0.0-rc.1", "1.10.0", "1.3.0", "1.2.0"]);
    assert_eq!(idx.generated, "2020-01-02T03:04:05.5Z");
    // A YAML number aimed at a string field becomes that string
    // (sigs.k8s.io/yaml), integers exactly.
    assert_eq!(idx.get("web", "1.3.0").unwrap().digest, "12345");
    // Get: exact string first, else the newest match; "" is newest stable.
    assert_eq!(idx.get("web", "").unwrap().version, "1.10.0");
    assert_eq!(idx.get("web", "1.2.0").unwrap().version, "1.2.0");
    assert_eq!(idx.get("web", "~1.2").unwrap().version, "1.2.0");
    assert_eq!(idx.get("web", ">1.0.0-0").unwrap().version, "2.0.0-rc.1");
    assert_eq!(
        idx.get("web", "9.9.9").unwrap_err(),
        "no chart version found for web-9.9.9"
    );
    assert_eq!(idx.get("nope", "").unwrap_err(), "no chart name found");
    assert!(idx.has("web", "1.3.0") && !idx.has("web", "1.4.0"));

    // JSON indexes are read too (json.Valid first).
    let j =
        br#"{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"0.1.0","urls":["a.tgz"]}]}}"#;
    assert_eq!(
        IndexFile::load(j, "j").unwrap().entries["a"][0].urls,
        ["a.tgz"]
    );

    // Helm's errors.
    assert_eq!(
        IndexFile::load(b"", "x").unwrap_err().message,
        "empty index.yaml file"
    );
    assert_eq!(
        IndexFile::load(b"entries: {}\n", "x").unwrap_err().message,
        "no API version specified"
    );
    // YAML is read strictly: unknown fields fail.
    assert_eq!(
        IndexFile::load(b"apiVersion: v1\nbogus: 1\n", "x")
            .unwrap_err()
            .message,
        "error unmarshaling JSON: while decoding JSON: json: unknown field \"bogus\""
    );
    assert!(IndexFile::load_file(Path::new("/nonexistent/index.yaml"))
        .unwrap_err()
        .message
        .starts_with("open /nonexistent/index.yaml: no such file or directory"));
}

#[test]
fn search_scores_sorts_and_filters_like_helm() {
    use dist::repo::search::{apply_constraint, sort_score, SearchIndex, MAX_SCORE};
    let y = b"apiVersion: v1
entries:
  nginx:
  - {name: nginx, version: 1.0.0, description: A web server, keywords: [http], urls: [a]}
  - {name: nginx, version: 1.1.0, description: A web server, keywords: [http], urls: [a]}
  - {name: nginx, version: 2.0.0-beta, description: A web server, keywords: [http], urls: [a]}
  webapp:
  - {name: webapp, version: 0.3.0, description: Something, keywords: [nginx], urls: [a]}
  other:
  - {name: other, version: 0.1.0, description: uses nginx inside, urls: [a]}
";
    let idx = IndexFile::load(y, "t").unwrap();
    let mut si = SearchIndex::new();
    si.add_repo("stable", &idx, true);
    let mut r = si.search("NGINX", MAX_SCORE, false).unwrap();
    sort_score(&mut r);
    let got: Vec<(String, usize, String)> = r
        .iter()
        .map(|x| (x.name.clone(), x.score, x.chart.version.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("stable/nginx".to_string(), 0, "2.0.0-beta".to_string()),
            ("stable/nginx".into(), 0, "1.1.0".into()),
            ("stable/nginx".into(), 0, "1.0.0".into()),
            ("stable/other".into(), 2, "0.1.0".into()),
            ("stable/webapp".into(), 3, "0.3.0".into()),
        ]
    );
    // Without --versions: the newest stable version per chart.
    let one = apply_constraint(r.clone(), ">0.0.0", false).unwrap();
    assert_eq!(one.len(), 3);
    assert_eq!(one[0].chart.version, "1.1.0");
    let devel = apply_constraint(r.clone(), ">0.0.0-0", false).unwrap();
    assert_eq!(devel[0].chart.version, "2.0.0-beta");
    assert_eq!(
        apply_constraint(r, "nonsense", false).unwrap_err().message,
        "an invalid version/constraint format: improper constraint: \"nonsense\""
    );
    // Regexp search scores by the first match.
    let rr = si.search("^web", MAX_SCORE, true).unwrap();
    assert_eq!(rr.len(), 1);
    assert_eq!(rr[0].score, 0);
    assert!(si.search("(", MAX_SCORE, true).is_err());
}

#[test]
fn repo_add_update_remove_against_a_server() {
    let t = tempfile::tempdir().unwrap();
    let served = t.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    make_chart(&served, "web", "1.0.0", "");
    make_chart(&served, "db", "2.1.0", "");
    dist::repo::index::repo_index(&served, "", None, false).unwrap();
    let srv = server::Server::start(&served, None);
    let s = settings(&t.path().join("home"));

    let add = |name: &str, url: &str| {
        commands::add(
            &s,
            &commands::AddOptions {
                name: name.into(),
                url: url.into(),
                ..Default::default()
            },
        )
    };
    assert_eq!(
        add("ml", &srv.url).unwrap(),
        "\"ml\" has been added to your repositories\n"
    );
    assert_eq!(
        add("ml", &srv.url).unwrap(),
        "\"ml\" already exists with the same configuration, skipping\n"
    );
    assert_eq!(
        add("ml", &format!("{}/other", srv.url))
            .unwrap_err()
            .message,
        "repository name (ml) already exists, please specify a different name"
    );
    assert_eq!(
        add("a/b", &srv.url).unwrap_err().message,
        "repository name (a/b) contains '/', please specify a different name without '/'"
    );
    let e = add("gone", &format!("{}/missing", srv.url)).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "looks like \"{0}/missing\" is not a valid chart repository or cannot be reached: failed to fetch {0}/missing/index.yaml : 404 Not Found",
            srv.url
        )
    );
    // The cache holds the served bytes and the chart names.
    let served_index = std::fs::read(served.join("index.yaml")).unwrap();
    assert_eq!(std::fs::read(s.cache_index("ml")).unwrap(), served_index);
    let mut names: Vec<String> = std::fs::read_to_string(s.cache_charts("ml"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    names.sort();
    assert_eq!(names, ["db", "web"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&s.repository_config)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(s.repository_config.with_extension("lock").exists());

    // Update: a conditional request; an unchanged index is a 304 and the
    // cache stays as it was.
    let before = srv.ok.load(Ordering::SeqCst);
    let mut out = Vec::new();
    commands::update(&s, &[], None, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Hang tight while we grab the latest from your chart repositories...\n...Successfully got an update from the \"ml\" chart repository\nUpdate Complete. ⎈Happy Helming!⎈\n"
    );
    assert_eq!(srv.not_modified.load(Ordering::SeqCst), 1);
    assert_eq!(srv.ok.load(Ordering::SeqCst), before);
    // A changed index is downloaded again.
    make_chart(&served, "web", "1.1.0", "");
    dist::repo::index::repo_index(&served, "", None, false).unwrap();
    commands::update(&s, &["ml".to_string()], None, &mut Vec::new()).unwrap();
    assert_eq!(
        std::fs::read(s.cache_index("ml")).unwrap(),
        std::fs::read(served.join("index.yaml")).unwrap()
    );
    assert_eq!(
        commands::update(&s, &["nope".to_string()], None, &mut Vec::new())
            .unwrap_err()
            .message,
        "no repositories found matching 'nope'.  Nothing will be updated"
    );

    // Lookups other commands make.
    let (entry, cv) = repo::find_in_cached_repo(&s, "ml", "web", "").unwrap();
    assert_eq!(entry.url, srv.url);
    assert_eq!(cv.version, "1.1.0");
    assert_eq!(
        repo::find_in_cached_repo(&s, "nosuchrepo", "web", "")
            .unwrap_err()
            .message,
        "repo nosuchrepo not found"
    );
    assert_eq!(
        repo::find_in_cached_repo(&s, "ml", "web", "9.9.9").unwrap_err().message,
        "chart \"web\" matching 9.9.9 not found in ml index. (try 'helm repo update'): no chart version found for web-9.9.9"
    );
    let cv = repo::find_in_repo_url(&s, &srv.url, &Default::default(), "db", "2.1.0").unwrap();
    assert_eq!(cv.urls, ["db-2.1.0.tgz"]);
    assert_eq!(
        repo::find_in_repo_url(&s, &srv.url, &Default::default(), "db", "3.0.0")
            .unwrap_err()
            .message,
        format!(
            "chart \"db\" version \"3.0.0\" not found in {} repository",
            srv.url
        )
    );

    // Remove: the entry and both cache files go.
    let mut out = Vec::new();
    commands::remove(&s, &["ml".to_string()], &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\"ml\" has been removed from your repositories\n"
    );
    let left: Vec<String> = std::fs::read_dir(&s.repository_cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        commands::remove(&s, &["ml".to_string()], &mut Vec::new())
            .unwrap_err()
            .message,
        "no repositories configured"
    );
}

#[test]
fn repo_add_with_basic_auth() {
    let t = tempfile::tempdir().unwrap();
    let served = t.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    make_chart(&served, "web", "1.0.0", "");
    dist::repo::index::repo_index(&served, "", None, false).unwrap();
    let srv = server::Server::start(&served, Some(("alice", "pw")));
    let s = settings(&t.path().join("home"));
    let opts = |pw: &str| commands::AddOptions {
        name: "secure".into(),
        url: srv.url.clone(),
        username: "alice".into(),
        password: pw.into(),
        ..Default::default()
    };
    let e = commands::add(&s, &opts("wrong")).unwrap_err();
    assert!(
        e.message.ends_with("/index.yaml : 401 Unauthorized"),
        "{}",
        e.message
    );
    assert!(!s.repository_config.exists(), "nothing written on failure");
    commands::add(&s, &opts("pw")).unwrap();
    let y = std::fs::read_to_string(&s.repository_config).unwrap();
    assert!(
        y.contains("  password: pw\n") && y.contains("  username: alice\n"),
        "{y}"
    );
}
