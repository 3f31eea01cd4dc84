//! The Go structs Helm puts in front of templates: `.Capabilities`,
//! `.Files`, and the typed-nil maps of chart metadata.
//!
//! `.Chart`, `.Release`, `.Template` and `.Values` are plain maps in Helm 4
//! (their `typeOf` is a map type), so only these need Go-object behaviour:
//! methods with arguments (`.Files.Get "x"`, `.Capabilities.APIVersions.Has
//! "v1"`), a `String()` method (`{{ .Capabilities.KubeVersion }}` prints
//! `v1.36.0`) and struct-style `%v` output.

use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;

use gotmpl::{ElemKind, List, Object, ParamType, Value};

/// Kubernetes version Helm 4.2.3 assumes when no cluster is asked.
pub const DEFAULT_KUBE_VERSION: &str = "v1.36.0";

/// The group/versions Helm 4.2.3's client-go scheme knows, in its order
/// (Helm's `DefaultVersionSet`, printed by `{{ .Capabilities.APIVersions }}`).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// Helm's version as its SDK build reports it to templates.
pub const HELM_VERSION: &str = "v4.2";
pub const HELM_GO_VERSION: &str = "go1.26.6";
pub const HELM_KUBE_CLIENT_VERSION: &str = "v1.36";

fn wrong_args(name: &str, want: usize, got: usize) -> Result<Value, String> {
    Err(format!(
        "wrong number of args for {name}: want {want} got {got}"
    ))
}

fn no_args(name: &str, args: &[Value]) -> Option<Result<(), String>> {
    if args.is_empty() {
        Some(Ok(()))
    } else {
        Some(Err(format!("{name} is not a method but has arguments")))
    }
}

/// `common.KubeVersion`: Version/Major/Minor fields and a `String()` method.
#[derive(Debug, Clone)]
pub struct KubeVersion {
    pub version: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Parse `v1.29.3` / `1.29` the way Helm's `--kube-version` does
    /// (semver, a missing patch allowed); Helm keeps the `v`-prefixed text.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let t = text.trim_start_matches('v');
        let core = t.split(['-', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if parts.len() < 2 || parts.len() > 3 || !parts.iter().all(|p| numeric(p)) {
            return Err(format!(
                "invalid kube version '{text}': Invalid Semantic Version"
            ));
        }
        let patch = parts.get(2).copied().unwrap_or("0");
        let rest = &t[core.len()..];
        Ok(KubeVersion {
            version: format!("v{}.{}.{}{}", parts[0], parts[1], patch, rest),
            major: parts[0].to_string(),
            minor: parts[1].to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let v = match name {
            "Version" | "GitVersion" | "String" => self.version.clone(),
            "Major" => self.major.clone(),
            "Minor" => self.minor.clone(),
            _ => return None,
        };
        if !args.is_empty() {
            return Some(match name {
                "GitVersion" | "String" => wrong_args(name, 0, args.len()),
                _ => Err(format!("{name} is not a method but has arguments")),
            });
        }
        Some(Ok(Value::string(v)))
    }
    fn format_v(&self) -> String {
        self.version.clone()
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert("Version".to_string(), Value::str(&self.version));
        m.insert("Major".to_string(), Value::str(&self.major));
        m.insert("Minor".to_string(), Value::str(&self.minor));
        ordered_struct(&["Version", "Major", "Minor"], m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Go structs marshal to JSON in field order, not sorted; the JSON encoder
/// sorts map keys.  We only have maps, so struct data is returned as a map
/// and the few places where order is visible accept Go's sorted-map form.
fn ordered_struct(_order: &[&str], m: BTreeMap<String, Value>) -> Value {
    Value::map(m)
}

/// `common.VersionSet`: a `[]string` with a `Has` method.
#[derive(Debug, Clone)]
pub struct VersionSet(pub Vec<String>);

impl Object for VersionSet {
    fn method_sig(&self, name: &str) -> Option<(Vec<ParamType>, Option<ParamType>)> {
        (name == "Has").then(|| (vec![ParamType::String], None))
    }
    fn type_name(&self) -> String {
        "common.VersionSet".into()
    }
    fn kind_name(&self) -> &'static str {
        "slice"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Has" => Some(match args {
                [Value::String(s)] => Ok(Value::Bool(self.0.iter().any(|v| v == &**s))),
                [other] => Err(format!(
                    "wrong type for value; expected string; got {}",
                    other.type_name()
                )),
                _ => wrong_args("Has", 1, args.len()),
            }),
            _ => None,
        }
    }
    fn format_v(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn to_data(&self) -> Value {
        Value::string_list(self.0.clone())
    }
    fn as_collection(&self) -> Option<Value> {
        Some(self.to_data())
    }
    fn truthy(&self) -> bool {
        !self.0.is_empty()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `version.BuildInfo` as the SDK reports it.
#[derive(Debug, Clone)]
pub struct HelmVersion;

impl Object for HelmVersion {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let v = match name {
            "Version" => HELM_VERSION,
            "GitCommit" | "GitTreeState" => "",
            "GoVersion" => HELM_GO_VERSION,
            "KubeClientVersion" => HELM_KUBE_CLIENT_VERSION,
            _ => return None,
        };
        Some(no_args(name, args)?.map(|_| Value::str(v)))
    }
    fn format_v(&self) -> String {
        format!("{{{HELM_VERSION}   {HELM_GO_VERSION} {HELM_KUBE_CLIENT_VERSION}}}")
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert("version".into(), Value::str(HELM_VERSION));
        m.insert("go_version".into(), Value::str(HELM_GO_VERSION));
        m.insert(
            "kube_client_version".into(),
            Value::str(HELM_KUBE_CLIENT_VERSION),
        );
        Value::map(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `*common.Capabilities`.
#[derive(Debug, Clone)]
pub struct Capabilities {
    pub kube_version: Rc<KubeVersion>,
    pub api_versions: Rc<VersionSet>,
}

impl Capabilities {
    /// Helm's defaults plus any `--api-versions`, with an optional `--kube-version`.
    pub fn new(
        kube_version: Option<&str>,
        extra_api_versions: &[String],
    ) -> Result<Capabilities, String> {
        let kv = KubeVersion::parse(kube_version.unwrap_or(DEFAULT_KUBE_VERSION))?;
        let mut versions: Vec<String> =
            DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
        versions.extend(extra_api_versions.iter().cloned());
        Ok(Capabilities {
            kube_version: Rc::new(kv),
            api_versions: Rc::new(VersionSet(versions)),
        })
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*common.Capabilities".into()
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let v = match name {
            "KubeVersion" => Value::Object(self.kube_version.clone()),
            "APIVersions" => Value::Object(self.api_versions.clone()),
            "HelmVersion" => Value::Object(Rc::new(HelmVersion)),
            _ => return None,
        };
        Some(no_args(name, args)?.map(|_| v))
    }
    fn format_v(&self) -> String {
        let kv = &self.kube_version;
        format!(
            "&{{{{{} {} {}}} {} {}}}",
            kv.version,
            kv.major,
            kv.minor,
            self.api_versions.format_v(),
            HelmVersion.format_v()
        )
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert("KubeVersion".into(), self.kube_version.to_data());
        m.insert("APIVersions".into(), self.api_versions.to_data());
        m.insert("HelmVersion".into(), HelmVersion.to_data());
        Value::map(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `engine.files`: the chart's non-template files, by path.
#[derive(Debug, Clone, Default)]
pub struct Files(pub Rc<BTreeMap<String, Rc<[u8]>>>);

impl Files {
    /// The chart's files, by name (each copied once).
    pub fn new<'a>(files: impl IntoIterator<Item = (String, &'a [u8])>) -> Files {
        Files(Rc::new(
            files.into_iter().map(|(k, v)| (k, Rc::from(v))).collect(),
        ))
    }

    /// `Get`: the file as a Go string, its bytes unchanged (a
    /// `ByteString` when they are not UTF-8, e.g. a keystore).
    fn get_string(&self, name: &str) -> Value {
        match self.0.get(name) {
            Some(b) => Value::from_go_bytes(b),
            None => Value::str(""),
        }
    }

    /// `Glob`: gobwas/glob semantics with `/` as separator (`*` does not
    /// cross directories, `**` does).
    fn glob(&self, pattern: &str) -> Result<Files, String> {
        let matcher = crate::glob::Glob::new(pattern)?;
        Ok(Files(Rc::new(
            self.0
                .iter()
                .filter(|(k, _)| matcher.is_match(k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )))
    }

    /// `AsConfig`/`AsSecrets`: a YAML map of base name → content, through
    /// Helm's `toYaml`.
    fn as_map(&self, secrets: bool) -> Value {
        let mut m = BTreeMap::new();
        for (k, v) in self.0.iter() {
            let base = k.rsplit('/').next().unwrap_or(k).to_string();
            let text = if secrets {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(v)
            } else {
                // Through encoding/json: each invalid byte is U+FFFD.
                gotmpl::go_lossy(v)
            };
            m.insert(base, Value::string(text));
        }
        Value::map(m)
    }
}

fn one_string_arg(name: &str, args: &[Value]) -> Result<String, String> {
    match args {
        [Value::String(s)] => Ok(s.to_string()),
        [other] => Err(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        )),
        _ => Err(format!(
            "wrong number of args for {name}: want 1 got {}",
            args.len()
        )),
    }
}

impl Object for Files {
    fn method_sig(&self, name: &str) -> Option<(Vec<ParamType>, Option<ParamType>)> {
        match name {
            "Get" | "GetBytes" | "Lines" | "Glob" => Some((vec![ParamType::String], None)),
            "AsConfig" | "AsSecrets" => Some((vec![], None)),
            _ => None,
        }
    }
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    fn kind_name(&self) -> &'static str {
        "map"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        Some(match name {
            "Get" => one_string_arg(name, args).map(|p| self.get_string(&p)),
            "GetBytes" => one_string_arg(name, args).map(|p| {
                Value::Bytes(
                    self.0
                        .get(&p)
                        .cloned()
                        .unwrap_or_else(|| Rc::from(Vec::new())),
                )
            }),
            "Lines" => one_string_arg(name, args)
                .map(|p| {
                    let Some(data) = self.0.get(&p) else {
                        return Ok(Value::List(List::new(vec![], ElemKind::String)));
                    };
                    // Helm drops one trailing newline, then splits; an empty
                    // file makes Go index s[-1] and panic.  Lines keep
                    // their bytes (Go strings).
                    let body = match data.last() {
                        None => return Err("runtime error: index out of range [-1]".to_string()),
                        Some(b'\n') => &data[..data.len() - 1],
                        Some(_) => &data[..],
                    };
                    Ok(Value::List(List::new(
                        body.split(|&b| b == b'\n')
                            .map(Value::from_go_bytes)
                            .collect(),
                        ElemKind::String,
                    )))
                })
                .and_then(|r| r),
            "Glob" => one_string_arg(name, args)
                .and_then(|p| self.glob(&p))
                .map(|f| Value::Object(Rc::new(f))),
            "AsConfig" | "AsSecrets" => {
                if !args.is_empty() {
                    return Some(wrong_args(name, 0, args.len()));
                }
                match yaml::to_yaml(&self.as_map(name == "AsSecrets")) {
                    Ok(s) => Ok(Value::string(s.trim_end_matches('\n').to_string())),
                    Err(_) => Ok(Value::str("")),
                }
            }
            _ => {
                // A map type: `.Files.x` indexes the map (a []byte or nil).
                if !args.is_empty() {
                    return Some(Err(format!("{name} is not a method but has arguments")));
                }
                Ok(self
                    .0
                    .get(name)
                    .map(|b| Value::Bytes(b.clone()))
                    .unwrap_or(Value::Nil))
            }
        })
    }
    fn format_v(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.iter().map(|b| b.to_string()).collect();
                format!("{k}:[{}]", bytes.join(" "))
            })
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn to_data(&self) -> Value {
        Value::map(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Value::Bytes(v.clone())))
                .collect(),
        )
    }
    fn as_collection(&self) -> Option<Value> {
        Some(self.to_data())
    }
    fn truthy(&self) -> bool {
        !self.0.is_empty()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A nil map of a concrete Go type (e.g. `Annotations` of chart metadata
/// when Chart.yaml has none): prints `map[]`, marshals to `null`, and
/// indexing it yields nil.
#[derive(Debug, Clone)]
pub struct NilMap(pub &'static str);

impl Object for NilMap {
    fn type_name(&self) -> String {
        self.0.to_string()
    }
    fn kind_name(&self) -> &'static str {
        "map"
    }
    fn call(&self, _name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if !args.is_empty() {
            return None;
        }
        Some(Ok(Value::Nil))
    }
    fn format_v(&self) -> String {
        "map[]".into()
    }
    fn truthy(&self) -> bool {
        false
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
