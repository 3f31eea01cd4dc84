//! `lint`: Helm v4.2.3's chart linter (`pkg/chart/v2/lint`) and the
//! `helm lint` command's output.
//!
//! The rules run in Helm's order — Chart.yaml, values, templates,
//! dependencies, CRDs — each finding a message `[SEVERITY] path: text`.
//! Severities and texts follow Helm; where Helm delegates to libraries
//! (govalidator for e-mails and URLs, apimachinery for names) the checks
//! here are reimplementations of the cases charts hit (see the notes on
//! each function).  Deprecated APIs come from [`k8smeta::deprecations`].

use std::path::{Path, PathBuf};

use gotmpl::Value;

use crate::template::{render_chart, ValueOptions};
use k8smeta::deprecations::DEPRECATIONS;
use k8smeta::names::name_errors;

pub const UNKNOWN: u8 = 0;
pub const INFO: u8 = 1;
pub const WARNING: u8 = 2;
pub const ERROR: u8 = 3;

/// The Kubernetes version Helm's deprecation check assumes by default.
const DEFAULT_DEPRECATION_VERSION: (u32, u32) = (1, 36);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub severity: u8,
    pub path: String,
    pub err: String,
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = ["UNKNOWN", "INFO", "WARNING", "ERROR"]
            .get(self.severity as usize)
            .copied()
            .unwrap_or("UNKNOWN");
        write!(f, "[{sev}] {}: {}", self.path, self.err)
    }
}

#[derive(Debug, Clone, Default)]
pub struct LintRequest {
    pub paths: Vec<String>,
    pub values: ValueOptions,
    pub namespace: String,
    pub strict: bool,
    pub with_subcharts: bool,
    pub quiet: bool,
    pub kube_version: Option<String>,
    pub skip_schema_validation: bool,
}

/// Helm's `action.LintResult`.
#[derive(Debug, Clone, Default)]
pub struct LintResult {
    pub total_charts_linted: usize,
    pub messages: Vec<Message>,
    pub errors: Vec<String>,
}

/// What `helm lint` prints, and whether it fails (`Err(summary)`).
pub struct LintOutput {
    pub stdout: String,
    pub result: Result<(), String>,
}

#[derive(Default)]
struct Linter {
    messages: Vec<Message>,
    chart_dir: PathBuf,
}

impl Linter {
    fn rule(&mut self, severity: u8, path: &str, r: Result<(), String>) -> bool {
        match r {
            Ok(()) => true,
            Err(e) => {
                self.messages.push(Message {
                    severity,
                    path: path.to_string(),
                    err: e,
                });
                false
            }
        }
    }
}

/// `helm lint`: lint each path (and with `--with-subcharts` every chart
/// under `charts/`), print Helm's report.
pub fn run(req: &LintRequest) -> Result<LintOutput, crate::Error> {
    let mut paths: Vec<String> = if req.paths.is_empty() {
        vec![".".into()]
    } else {
        req.paths.clone()
    };
    let kube = match &req.kube_version {
        Some(k) if !k.is_empty() => {
            Some(parse_kube_version(k).map_err(|e| format!("invalid kube version '{k}': {e}"))?)
        }
        _ => None,
    };
    if req.with_subcharts {
        let mut extra = Vec::new();
        for p in &paths {
            walk_subcharts(&Path::new(p).join("charts"), &mut extra, 0);
        }
        paths.extend(extra);
    }
    // Helm's `values.Options.MergeValues`.
    let vals = req.values.merge().map_err(|e| e.to_string())?;
    let mut out = String::new();
    let mut failed = 0;
    let mut errors_or_warnings = 0;
    for path in &paths {
        let result = lint_paths(std::slice::from_ref(path), &vals, req, kube.clone());
        let has = result.messages.iter().any(|m| m.severity > INFO) || !result.errors.is_empty();
        if has {
            errors_or_warnings += 1;
        }
        if req.quiet && !has {
            continue;
        }
        out.push_str(&format!("==> Linting {path}\n"));
        if result.messages.is_empty() {
            for e in &result.errors {
                out.push_str(&format!("Error {e}\n"));
            }
        }
        for m in &result.messages {
            if !req.quiet || m.severity > INFO {
                out.push_str(&format!("{m}\n"));
            }
        }
        if !result.errors.is_empty() {
            failed += 1;
        }
        out.push('\n');
    }
    let summary = format!(
        "{} chart(s) linted, {} chart(s) failed",
        paths.len(),
        failed
    );
    if failed > 0 {
        return Ok(LintOutput {
            stdout: out,
            result: Err(summary),
        });
    }
    if !req.quiet || errors_or_warnings > 0 {
        out.push_str(&summary);
        out.push('\n');
    }
    Ok(LintOutput {
        stdout: out,
        result: Ok(()),
    })
}

/// Go's `filepath.Walk` over `charts/` collecting chart dirs and archives.
fn walk_subcharts(dir: &Path, out: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    let Ok(md) = std::fs::metadata(dir) else {
        return;
    };
    if !md.is_dir() {
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for n in names {
        let p = dir.join(&n);
        let ps = p.display().to_string();
        if n == "Chart.yaml" {
            out.push(dir.display().to_string());
        } else if ps.ends_with(".tgz") || ps.ends_with(".tar.gz") {
            out.push(ps.clone());
        }
        if std::fs::symlink_metadata(&p)
            .map(|m| m.is_dir())
            .unwrap_or(false)
        {
            walk_subcharts(&p, out, depth + 1);
        }
    }
}

/// Helm's `action.Lint.Run`.
pub fn lint_paths(
    paths: &[String],
    vals: &Value,
    req: &LintRequest,
    kube: Option<(u32, u32, String)>,
) -> LintResult {
    let lowest = if req.strict { WARNING } else { ERROR };
    let mut result = LintResult::default();
    let ns = if req.namespace.is_empty() {
        "default"
    } else {
        req.namespace.as_str()
    };
    for p in paths {
        match lint_chart(p, vals, ns, kube.clone(), req.skip_schema_validation) {
            Err(e) => result.errors.push(e),
            Ok(msgs) => {
                result.total_charts_linted += 1;
                for m in &msgs {
                    if m.severity >= lowest {
                        result.errors.push(m.err.clone());
                    }
                }
                result.messages.extend(msgs);
            }
        }
    }
    result
}

/// `--kube-version`: `v1.30`, `1.30.2` … → (major, minor, text).
fn parse_kube_version(s: &str) -> Result<(u32, u32, String), String> {
    let v = chart::semver::Version::parse(s)?;
    let body = s.strip_prefix('v').unwrap_or(s);
    let mut it = body.split(['.', '-', '+']);
    let major = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    let minor = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    let _ = v;
    Ok((major, minor, s.to_string()))
}

/// Unpack an archive into a temporary directory (Helm's `chartutil.Expand`).
fn expand_archive(path: &str) -> Result<(tempdir::TempDir, PathBuf), String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("unable to open tarball: open {path}: {e}"))?;
    let files = chart::loader::load_archive_files(&bytes)
        .map_err(|e| format!("unable to extract tarball: {e}"))?;
    let dir = tempdir::TempDir::new()?;
    // The chart directory's name is the archive's first path component;
    // the loader strips it, so use the chart name from Chart.yaml.
    let name = files
        .iter()
        .find(|f| f.name == "Chart.yaml")
        .and_then(|f| chart::loader::parse_metadata(&f.data).ok())
        .map(|m| m.name)
        .filter(|n| !n.is_empty() && !n.contains('/') && n != ".." && n != ".")
        .unwrap_or_else(|| "chart".into());
    let root = dir.path.join(name);
    for f in files {
        let p = root.join(&f.name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&p, &f.data).map_err(|e| e.to_string())?;
    }
    Ok((dir, root))
}

/// A directory removed on drop.
mod tempdir {
    use std::path::PathBuf;
    pub struct TempDir {
        pub path: PathBuf,
    }
    impl TempDir {
        pub fn new() -> Result<TempDir, String> {
            let base = std::env::temp_dir();
            for i in 0..1000u32 {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0);
                let p = base.join(format!("capstan-lint-{}-{nanos}-{i}", std::process::id()));
                if std::fs::create_dir(&p).is_ok() {
                    return Ok(TempDir { path: p });
                }
            }
            Err("unable to create temp dir to extract tarball".into())
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Helm's `lintChart` + `lint.RunAll` for one path.
pub fn lint_chart(
    path: &str,
    vals: &Value,
    namespace: &str,
    kube: Option<(u32, u32, String)>,
    skip_schema: bool,
) -> Result<Vec<Message>, String> {
    let mut _guard = None;
    let chart_path = if path.ends_with(".tgz") || path.ends_with(".tar.gz") {
        let (g, root) = expand_archive(path)?;
        _guard = Some(g);
        root
    } else {
        PathBuf::from(path)
    };
    if let Err(e) = std::fs::metadata(chart_path.join("Chart.yaml")) {
        return Err(format!(
            "unable to check Chart.yaml file in chart: stat {}: {}",
            chart_path.join("Chart.yaml").display(),
            io_text(&e)
        ));
    }
    let abs = std::path::absolute(&chart_path).map_err(|e| e.to_string())?;
    let mut l = Linter {
        chart_dir: abs,
        ..Default::default()
    };
    rules_chartfile(&mut l);
    rules_values(&mut l, vals, skip_schema);
    rules_templates(&mut l, namespace, vals, kube.as_ref(), skip_schema);
    rules_dependencies(&mut l);
    rules_crds(&mut l);
    Ok(l.messages)
}

fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotADirectory => "not a directory".into(),
        _ => e.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Chart.yaml

const METADATA_FIELDS: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];
const MAINTAINER_FIELDS: &[&str] = &["name", "email", "url"];
const DEPENDENCY_FIELDS: &[&str] = &[
    "name",
    "version",
    "repository",
    "condition",
    "tags",
    "enabled",
    "import-values",
    "alias",
];

fn known_field(key: &str, fields: &[&str]) -> bool {
    fields
        .iter()
        .any(|f| *f == key || f.eq_ignore_ascii_case(key))
}

/// `yaml.UnmarshalStrict` into `chart.Metadata`: the first unknown field
/// (keys in sorted order, as the JSON round trip visits them).
fn strict_unknown_field(v: &Value) -> Option<String> {
    let Value::Map(m) = v else { return None };
    let entries: Vec<(String, Value)> = {
        let inner = m.borrow();
        let mut e: Vec<(String, Value)> =
            inner.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        e.sort_by(|a, b| a.0.cmp(&b.0));
        e
    };
    for (k, val) in entries {
        if !known_field(&k, METADATA_FIELDS) {
            return Some(k);
        }
        let sub: Option<&[&str]> = if k.eq_ignore_ascii_case("maintainers") {
            Some(MAINTAINER_FIELDS)
        } else if k.eq_ignore_ascii_case("dependencies") {
            Some(DEPENDENCY_FIELDS)
        } else {
            None
        };
        if let (Some(fields), Value::List(items)) = (sub, &val) {
            for it in items.items().iter() {
                if let Value::Map(im) = it {
                    let mut keys: Vec<String> = im.borrow().keys().cloned().collect();
                    keys.sort();
                    if let Some(bad) = keys.into_iter().find(|k| !known_field(k, fields)) {
                        return Some(bad);
                    }
                }
            }
        }
    }
    None
}

/// Go's `%T` of a sigs.k8s.io/yaml-decoded value.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(..) | Value::Float(_) => "float64",
        Value::String(_) | Value::Bytes(_) => "string",
        Value::List(_) => "[]interface {}",
        _ => "map[string]interface {}",
    }
}

fn rules_chartfile(l: &mut Linter) {
    let file = "Chart.yaml";
    let path = l.chart_dir.join(file);
    let is_dir = std::fs::metadata(&path)
        .map(|m| m.is_dir())
        .unwrap_or(false);
    l.rule(
        ERROR,
        file,
        if is_dir {
            Err("should be a file, not a directory".into())
        } else {
            Ok(())
        },
    );
    let loaded = std::fs::read(&path)
        .map_err(|e| format!("open {}: {}", path.display(), io_text(&e)))
        .and_then(|data| {
            chart::loader::parse_metadata(&data)
                .map(|md| (md, data))
                .map_err(|e| {
                    e.to_string()
                        .trim_start_matches("cannot load Chart.yaml: ")
                        .to_string()
                })
        });
    let (md, data) = match loaded {
        Ok(x) => x,
        Err(e) => {
            l.rule(ERROR, file, Err(format!("unable to parse YAML\n\t{e}")));
            return;
        }
    };
    let generic = yaml::from_yaml(&String::from_utf8_lossy(&data)).unwrap_or(Value::Nil);
    if let Some(bad) = strict_unknown_field(&generic) {
        l.rule(
            WARNING,
            file,
            Err(format!(
                "failed to strictly parse chart metadata file\n\terror unmarshaling JSON: while decoding JSON: json: unknown field \"{bad}\""
            )),
        );
    }
    let get = |k: &str| match &generic {
        Value::Map(m) => m.get(k),
        _ => None,
    };
    // name
    let r = if md.name.is_empty() {
        Err("name is required".to_string())
    } else if md.name.rsplit('/').next() != Some(md.name.as_str())
        || md.name == "."
        || md.name == ".."
    {
        Err(format!(
            "chart name {} is invalid",
            chart::error::go_quote(&md.name)
        ))
    } else {
        Ok(())
    };
    l.rule(ERROR, file, r);
    // apiVersion
    let r = if md.api_version.is_empty() {
        Err("apiVersion is required. The value must be either \"v1\" or \"v2\"".to_string())
    } else if md.api_version != "v1" && md.api_version != "v2" {
        Err(format!(
            "apiVersion '{}' is not valid. The value must be either \"v1\" or \"v2\"",
            md.api_version
        ))
    } else {
        Ok(())
    };
    l.rule(ERROR, file, r);
    let type_check = |key: &str| -> Result<(), String> {
        match get(key) {
            None => Ok(()),
            Some(v) => {
                let t = go_type(&v);
                if t == "string" {
                    Ok(())
                } else {
                    Err(format!(
                        "{key} should be of type string but it's of type {t}"
                    ))
                }
            }
        }
    };
    l.rule(ERROR, file, type_check("version"));
    let r = if md.version.is_empty() {
        Err("version is required".to_string())
    } else if chart::semver::Version::parse(&md.version).is_err() {
        Err(format!("version '{}' is not a valid SemVer", md.version))
    } else {
        Ok(())
    };
    l.rule(ERROR, file, r);
    l.rule(ERROR, file, type_check("appVersion"));
    let mut r = Ok(());
    for mt in &md.maintainers {
        match mt {
            None => {
                r = Err("a maintainer entry is empty".to_string());
                break;
            }
            Some(mt) if mt.name.is_empty() => {
                r = Err("each maintainer requires a name".to_string());
                break;
            }
            Some(mt) if !mt.email.is_empty() && !is_email(&mt.email) => {
                r = Err(format!(
                    "invalid email '{}' for maintainer '{}'",
                    mt.email, mt.name
                ));
                break;
            }
            Some(mt) if !mt.url.is_empty() && !is_url(&mt.url) => {
                r = Err(format!(
                    "invalid url '{}' for maintainer '{}'",
                    mt.url, mt.name
                ));
                break;
            }
            _ => {}
        }
    }
    l.rule(ERROR, file, r);
    let r = match md
        .sources
        .iter()
        .find(|s| s.is_empty() || !is_request_url(s))
    {
        Some(s) => Err(format!("invalid source URL '{s}'")),
        None => Ok(()),
    };
    l.rule(ERROR, file, r);
    l.rule(
        INFO,
        file,
        if md.icon.is_empty() {
            Err("icon is recommended".into())
        } else {
            Ok(())
        },
    );
    l.rule(
        ERROR,
        file,
        if !md.icon.is_empty() && !is_request_url(&md.icon) {
            Err(format!("invalid icon URL '{}'", md.icon))
        } else {
            Ok(())
        },
    );
    l.rule(
        ERROR,
        file,
        if !md.chart_type.is_empty() && md.api_version != "v2" {
            Err(format!(
                "chart type is not valid in apiVersion '{}'. It is valid in apiVersion 'v2'",
                md.api_version
            ))
        } else {
            Ok(())
        },
    );
    let has_deps = md
        .dependencies
        .as_ref()
        .map(|d| !d.is_empty())
        .unwrap_or(false);
    l.rule(
        ERROR,
        file,
        if has_deps && md.api_version != "v2" {
            Err(format!(
                "dependencies are not valid in the Chart file with apiVersion '{}'. They are valid in apiVersion 'v2'",
                md.api_version
            ))
        } else {
            Ok(())
        },
    );
    l.rule(
        WARNING,
        file,
        if chart::semver::is_strict_semver(&md.version) {
            Ok(())
        } else {
            Err(format!("version '{}' is not a valid SemVerV2", md.version))
        },
    );
}

/// govalidator's `IsEmail`, approximated: `local@domain.tld` without spaces.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !s.chars().any(|c| c.is_whitespace())
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// govalidator's `IsRequestURL`: `url.ParseRequestURI` succeeds and there
/// is a scheme.
fn is_request_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .map(|c| c.is_ascii_alphabetic())
        .unwrap_or(false)
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.');
    scheme_ok && !rest.is_empty() && !s.chars().any(|c| c.is_control() || c == ' ')
}

/// govalidator's `IsURL`, approximated: a request URL, or a host-like
/// string without spaces.
fn is_url(s: &str) -> bool {
    if s.is_empty() || s.len() >= 2083 || s.chars().any(|c| c.is_whitespace()) || s.starts_with('.')
    {
        return false;
    }
    is_request_url(s) || s.contains('.')
}

// ---------------------------------------------------------------------------
// values.yaml

fn rules_values(l: &mut Linter, overrides: &Value, skip_schema: bool) {
    let file = "values.yaml";
    let vf = l.chart_dir.join(file);
    if std::fs::metadata(&vf).is_err() {
        l.rule(INFO, file, Err("file does not exist".into()));
        return;
    }
    let r = (|| -> Result<(), String> {
        let data =
            std::fs::read(&vf).map_err(|e| format!("unable to parse YAML: {}", io_text(&e)))?;
        let values = chart::load_values(&data).map_err(|e| {
            let t = e.to_string();
            format!(
                "unable to parse YAML: {}",
                t.strip_prefix("cannot unmarshal yaml document: ")
                    .unwrap_or(&t)
            )
        })?;
        let schema_path = l.chart_dir.join("values.schema.json");
        let schema = std::fs::read(&schema_path).unwrap_or_default();
        if schema.is_empty() || skip_schema {
            return Ok(());
        }
        let mut w = chart::Warnings::default();
        let dst = gotmpl::Map::new(Default::default());
        if let Some(o) = chart::values::as_table(overrides) {
            chart::values::coalesce_tables(&mut w, &dst, o);
        }
        if let Some(v) = chart::values::as_table(&values) {
            chart::values::coalesce_tables(&mut w, &dst, v);
        }
        match chart::schema::validate_single(&Value::Map(dst), &schema)? {
            None => Ok(()),
            Some(e) => Err(e),
        }
    })();
    l.rule(ERROR, file, r);
}

// ---------------------------------------------------------------------------
// templates

fn rules_templates(
    l: &mut Linter,
    namespace: &str,
    vals: &Value,
    kube: Option<&(u32, u32, String)>,
    skip_schema: bool,
) {
    let dir = "templates/";
    let tpath = l.chart_dir.join("templates");
    let md = std::fs::metadata(&tpath);
    if !l.rule(
        WARNING,
        dir,
        if md.is_err() {
            Err("directory does not exist".into())
        } else {
            Ok(())
        },
    ) {
        return;
    }
    if !l.rule(
        ERROR,
        dir,
        if md.map(|m| m.is_dir()).unwrap_or(false) {
            Ok(())
        } else {
            Err("not a directory".into())
        },
    ) {
        return;
    }
    let mut ch = match chart::load(&l.chart_dir) {
        Ok(c) => c,
        Err(e) => {
            l.rule(ERROR, dir, Err(e.to_string()));
            return;
        }
    };
    if chart::process_dependencies(&mut ch, vals).is_err() {
        return;
    }
    let Ok(cvals) = chart::coalesce_values(&ch, vals) else {
        return;
    };
    if !skip_schema {
        if let Err(e) = chart::schema::validate_against_schema(&ch, &cvals) {
            l.rule(ERROR, dir, Err(e.to_string()));
            return;
        }
    }
    let caps = match engine::Capabilities::new(kube.map(|k| k.2.as_str()), &[]) {
        Ok(c) => c,
        Err(e) => {
            l.rule(ERROR, dir, Err(e));
            return;
        }
    };
    let release = engine::ReleaseInfo::install("test-release", namespace);
    let rc = render_chart(&ch);
    let opts = engine::RenderOptions {
        lint_mode: true,
        ..Default::default()
    };
    let rendered = match engine::render(&rc, &cvals, &release, &caps, &opts) {
        Ok(r) => r,
        Err(e) => {
            l.rule(ERROR, dir, Err(e.to_string()));
            return;
        }
    };
    let dep_version = kube
        .map(|k| (k.0, k.1))
        .unwrap_or(DEFAULT_DEPRECATION_VERSION);
    for t in &ch.templates {
        let name = t.name.as_str();
        let ext = go_ext(name);
        l.rule(
            ERROR,
            name,
            if [".yaml", ".yml", ".tpl", ".txt"].contains(&ext) {
                Ok(())
            } else {
                Err(format!("file extension '{ext}' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"))
            },
        );
        let lext = ext.to_ascii_lowercase();
        if lext != ".yaml" && lext != ".yml" {
            continue;
        }
        let content = rendered
            .get(&format!("{}/{}", ch.name(), name))
            .cloned()
            .unwrap_or_default();
        if content.trim().is_empty() {
            continue;
        }
        l.rule(WARNING, name, validate_top_indent(&content));
        let docs = match yaml::split_documents(&content) {
            Ok(d) => d,
            Err(e) => {
                l.rule(ERROR, name, Err(format!("unable to parse YAML: {e}")));
                return;
            }
        };
        for doc in docs {
            let obj = match decode_k8s(&doc) {
                Ok(o) => o,
                Err(e) => {
                    l.rule(ERROR, name, Err(format!("unable to parse YAML: {e}")));
                    return;
                }
            };
            let Some(obj) = obj else { continue };
            l.rule(WARNING, name, validate_metadata_name(&obj));
            l.rule(WARNING, name, validate_no_deprecations(&obj, dep_version));
            l.rule(ERROR, name, validate_match_selector(&obj, &content));
            l.rule(ERROR, name, validate_list_annotations(&obj, &content));
        }
    }
}

/// Go's `filepath.Ext`.
fn go_ext(name: &str) -> &str {
    let base_start = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    match name[base_start..].rfind('.') {
        Some(i) => &name[base_start + i..],
        None => "",
    }
}

fn validate_top_indent(content: &str) -> Result<(), String> {
    for line in content.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            return Err(format!(
                "document starts with an illegal indent: {}, which may cause parsing problems",
                chart::error::go_quote(line)
            ));
        }
        return Ok(());
    }
    Ok(())
}

/// `k8sYamlStruct`: the fields the linter looks at.
#[derive(Debug, Default, Clone)]
struct K8sObject {
    api_version: String,
    kind: String,
    name: String,
}

/// Decode one document into `k8sYamlStruct` as sigs.k8s.io/yaml does:
/// `None` for an empty document, Go's JSON errors for wrong types.
fn decode_k8s(doc: &str) -> Result<Option<K8sObject>, String> {
    let v = yaml::from_yaml(doc).map_err(|e| e.to_string())?;
    let prefix = "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal";
    let kind_word = yaml::json::kind_word;
    let m = match &v {
        Value::Nil => return Ok(None),
        Value::Map(m) => m.clone(),
        other => {
            return Err(format!(
                "{prefix} {} into Go value of type rules.k8sYamlStruct",
                kind_word(other)
            ))
        }
    };
    let lookup = |m: &gotmpl::Map, key: &str| -> Option<Value> {
        m.get(key).or_else(|| {
            let inner = m.borrow();
            inner
                .iter()
                .rfind(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        })
    };
    let string_field = |val: Option<Value>, field: &str| -> Result<String, String> {
        match val {
            None | Some(Value::Nil) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(other) => Err(format!(
                "{prefix} {} into Go struct field k8sYamlStruct.{field} of type string",
                kind_word(&other)
            )),
        }
    };
    let mut o = K8sObject {
        api_version: string_field(lookup(&m, "apiVersion"), "apiVersion")?,
        kind: string_field(lookup(&m, "Kind"), "Kind")?,
        ..Default::default()
    };
    match lookup(&m, "Metadata") {
        None | Some(Value::Nil) => {}
        Some(Value::Map(md)) => {
            o.name = string_field(lookup(&md, "Name"), "Metadata.Name")?;
            string_field(lookup(&md, "Namespace"), "Metadata.Namespace")?;
        }
        Some(other) => {
            return Err(format!(
            "{prefix} {} into Go struct field k8sYamlStruct.Metadata of type rules.k8sYamlMetadata",
            kind_word(&other)
        ))
        }
    }
    Ok(Some(o))
}

fn validate_metadata_name(o: &K8sObject) -> Result<(), String> {
    let errs: Vec<String> = name_errors(&o.kind, &o.name)
        .into_iter()
        .map(|m| {
            format!(
                "metadata.name: Invalid value: {}: {m}",
                chart::error::go_quote(&o.name)
            )
        })
        .collect();
    match errs.len() {
        0 => Ok(()),
        1 => Err(format!(
            "object name does not conform to Kubernetes naming requirements: {}: {}",
            chart::error::go_quote(&o.name),
            errs[0]
        )),
        _ => Err(format!(
            "object name does not conform to Kubernetes naming requirements: {}: [{}]",
            chart::error::go_quote(&o.name),
            errs.join(", ")
        )),
    }
}

fn validate_no_deprecations(o: &K8sObject, current: (u32, u32)) -> Result<(), String> {
    if o.api_version.is_empty() || o.kind.is_empty() {
        return Ok(());
    }
    let Some((gv, kind, dep, removed, repl)) = DEPRECATIONS
        .iter()
        .find(|d| d.0 == o.api_version && d.1 == o.kind)
    else {
        return Ok(());
    };
    if current < *dep && current < *removed {
        return Ok(());
    }
    let mut msg = format!(
        "{gv} {kind} is deprecated in v{}.{}+, unavailable in v{}.{}+",
        dep.0, dep.1, removed.0, removed.1
    );
    if let Some((rg, rk)) = repl {
        msg.push_str(&format!("; use {rg} {rk}"));
    }
    Err(msg)
}

fn validate_match_selector(o: &K8sObject, manifest: &str) -> Result<(), String> {
    if matches!(
        o.kind.as_str(),
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet"
    ) && !manifest.contains("matchLabels")
        && !manifest.contains("matchExpressions")
    {
        return Err(format!(
            "a {} must contain matchLabels or matchExpressions, and {} does not",
            o.kind,
            chart::error::go_quote(&o.name)
        ));
    }
    Ok(())
}

fn validate_list_annotations(o: &K8sObject, manifest: &str) -> Result<(), String> {
    if o.kind != "List" {
        return Ok(());
    }
    let v = yaml::from_yaml(manifest).map_err(|e| format!("unable to parse YAML: {e}"))?;
    let items = match &v {
        Value::Map(m) => m.get("items").or_else(|| m.get("Items")),
        _ => None,
    };
    if let Some(Value::List(items)) = items {
        for it in items.items().iter() {
            let ann = match it {
                Value::Map(m) => m.get("metadata").and_then(|md| match md {
                    Value::Map(mm) => mm.get("annotations"),
                    _ => None,
                }),
                _ => None,
            };
            if let Some(Value::Map(a)) = ann {
                if a.get("helm.sh/resource-policy").is_some() {
                    return Err(
                        "annotation 'helm.sh/resource-policy' within List objects are ignored"
                            .into(),
                    );
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// dependencies and CRDs

fn rules_dependencies(l: &mut Linter) {
    let c = match chart::load_dir(&l.chart_dir) {
        Ok(c) => c,
        Err(e) => {
            l.rule(ERROR, "", Err(format!("unable to load chart\n\t{e}")));
            return;
        }
    };
    let dir = l.chart_dir.display().to_string();
    let declared: Vec<&chart::Dependency> = c.metadata.deps().collect();
    let missing_meta: Vec<String> = c
        .dependencies
        .iter()
        .filter(|d| !declared.iter().any(|r| r.name == d.name()))
        .map(|d| d.name().to_string())
        .collect();
    l.rule(
        ERROR,
        &dir,
        if missing_meta.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "chart metadata is missing these dependencies: {}",
                missing_meta.join(",")
            ))
        },
    );
    let mut seen = std::collections::HashSet::new();
    let mut shadow = Vec::new();
    for d in &declared {
        let key = if d.alias.is_empty() {
            d.name.clone()
        } else {
            d.alias.clone()
        };
        if !seen.insert(key.clone()) {
            shadow.push(key);
        }
    }
    l.rule(
        ERROR,
        &dir,
        if shadow.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "multiple dependencies with name or alias: {}",
                shadow.join(",")
            ))
        },
    );
    let missing: Vec<String> = declared
        .iter()
        .filter(|r| !c.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.clone())
        .collect();
    l.rule(
        WARNING,
        &dir,
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "chart directory is missing these dependencies: {}",
                missing.join(",")
            ))
        },
    );
}

fn crd_objects(c: &chart::Chart, out: &mut Vec<chart::File>) {
    for f in c.crd_files() {
        let ext = go_ext(&f.name);
        if [".yaml", ".yml", ".json"].contains(&ext) {
            out.push(f.clone());
        }
    }
    for d in &c.dependencies {
        crd_objects(d, out);
    }
}

fn rules_crds(l: &mut Linter) {
    let dir = "crds/";
    let p = l.chart_dir.join("crds");
    let Ok(md) = std::fs::metadata(&p) else {
        return;
    };
    if !l.rule(
        ERROR,
        dir,
        if md.is_dir() {
            Ok(())
        } else {
            Err("not a directory".into())
        },
    ) {
        return;
    }
    let c = match chart::load(&l.chart_dir) {
        Ok(c) => c,
        Err(e) => {
            l.rule(ERROR, dir, Err(e.to_string()));
            return;
        }
    };
    let mut crds = Vec::new();
    crd_objects(&c, &mut crds);
    for f in crds {
        let text = String::from_utf8_lossy(&f.data).to_string();
        let docs = match yaml::split_documents(&text) {
            Ok(d) => d,
            Err(e) => {
                l.rule(ERROR, &f.name, Err(format!("unable to parse YAML: {e}")));
                return;
            }
        };
        for doc in docs {
            let obj = match decode_k8s(&doc) {
                Ok(o) => o,
                Err(e) => {
                    l.rule(ERROR, &f.name, Err(format!("unable to parse YAML: {e}")));
                    return;
                }
            };
            let Some(o) = obj else { continue };
            l.rule(
                ERROR,
                &f.name,
                if o.api_version.starts_with("apiextensions.k8s.io") {
                    Ok(())
                } else {
                    Err("apiVersion is not in 'apiextensions.k8s.io'".into())
                },
            );
            l.rule(
                ERROR,
                &f.name,
                if o.kind == "CustomResourceDefinition" {
                    Ok(())
                } else {
                    Err("object kind is not 'CustomResourceDefinition'".into())
                },
            );
        }
    }
}
