//! Chart.yaml: `Metadata`, `Maintainer`, `Dependency`, `Lock`.
//!
//! Helm decodes Chart.yaml with `sigs.k8s.io/yaml` into a Go struct: YAML
//! becomes JSON (numbers/bools aimed at `string` fields are turned into
//! strings, floats via `FormatFloat(f, 'g', -1, 32)`, so `appVersion: 1.10`
//! is `"1.1"`), then `encoding/json` fills the struct (field names matched
//! exactly or case-insensitively, type mismatches reported as
//! `json: cannot unmarshal string into Go struct field Metadata.keywords of
//! type []string`).  [`Metadata::decode_into`] reproduces that from the
//! parsed YAML [`Value`].
//!
//! Templates see the metadata as Helm v4 gives it to them: a
//! `map[string]interface{}` with Go struct field names (`structToMap`), see
//! [`Metadata::to_value`].

use gotmpl::{ElemKind, Map, MapInner, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::error::Error;
use crate::semver;

/// A chart maintainer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Maintainer {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// One entry of Chart.yaml `dependencies:` (or requirements.yaml).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Dependency {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    pub repository: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enabled: bool,
    /// Each item is a string (`exports.X` shorthand) or a `{child, parent}`
    /// map; after dependency processing every item is a
    /// `map[string]string{child, parent}` (as Helm rewrites them).
    #[serde(rename = "import-values", skip)]
    pub import_values: Vec<Value>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub alias: String,
}

/// Chart.yaml.  Slices are `Option` where Go distinguishes nil from empty
/// (only `dependencies` matters to Helm's logic).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Metadata {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// `None` items are YAML nulls (rejected by validation).
    #[serde(skip)]
    pub maintainers: Vec<Option<Maintainer>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon: String,
    #[serde(rename = "apiVersion", skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tags: String,
    #[serde(rename = "appVersion", skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// `None` = nil map (prints `map[]` all the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(rename = "kubeVersion", skip_serializing_if = "String::is_empty")]
    pub kube_version: String,
    /// `None` = no `dependencies:` key (Helm then skips dependency
    /// processing for this chart entirely); `Some(vec![])` = `[]`.
    /// `None` items are YAML nulls (rejected by validation).
    #[serde(skip)]
    pub dependencies: Option<Vec<Option<Dependency>>>,
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub chart_type: String,
}

/// Chart.lock / requirements.lock.
#[derive(Clone, Debug, Default)]
pub struct Lock {
    /// RFC 3339 text as written.
    pub generated: String,
    pub digest: String,
    pub dependencies: Vec<Dependency>,
}

/// Chart.yaml's JSON field names, in `chart.Metadata`'s declaration order
/// (index entries embed the same struct, so they decode the same names).
pub const METADATA_FIELDS: &[&str] = &[
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

pub const API_VERSION_V1: &str = "v1";
pub const API_VERSION_V2: &str = "v2";

// ---------------------------------------------------------------------------
// Decoding (sigs.k8s.io/yaml + encoding/json semantics)

/// First JSON type error wins, like encoding/json's `d.savedError`.
struct Decoder {
    err: Option<String>,
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Int(..) | Value::Float(_) => "number",
        Value::String(_) | Value::Bytes(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) | Value::Object(_) => "object",
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`.
pub(crate) fn format_float32_g(f: f64) -> String {
    let f32v = f as f32;
    if f32v.is_nan() {
        return "NaN".into();
    }
    if f32v.is_infinite() {
        return if f32v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f32v == 0.0 {
        return if f32v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits for f32.
    let s = format!("{:e}", f32v);
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.as_str()),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        // %e form: d.ddde±XX
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

impl Decoder {
    fn type_err(&mut self, v: &Value, field: &str, go_type: &str) {
        if self.err.is_none() {
            self.err = Some(format!(
                "json: cannot unmarshal {} into Go struct field {} of type {}",
                json_type(v),
                field,
                go_type
            ));
        }
    }

    /// A YAML scalar aimed at a Go `string`: `None` leaves the field as is.
    fn string(&mut self, v: &Value, field: &str) -> Option<String> {
        match v {
            Value::Nil => None,
            Value::String(s) => Some(s.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(n, _) => Some(n.to_string()),
            Value::Float(f) => Some(format_float32_g(*f)),
            other => {
                self.type_err(other, field, "string");
                None
            }
        }
    }

    fn string_elem(&mut self, v: &Value, field: &str) -> String {
        self.string(v, field).unwrap_or_default()
    }

    fn bool(&mut self, v: &Value, field: &str) -> Option<bool> {
        match v {
            Value::Nil => None,
            Value::Bool(b) => Some(*b),
            other => {
                self.type_err(other, field, "bool");
                None
            }
        }
    }

    /// `None`: leave unchanged; `Some(None)`: set nil.
    fn string_list(&mut self, v: &Value, field: &str) -> Option<Vec<String>> {
        match v {
            Value::Nil => Some(Vec::new()),
            Value::List(l) => Some(
                l.items()
                    .iter()
                    .map(|i| self.string_elem(i, field))
                    .collect(),
            ),
            other => {
                self.type_err(other, field, "[]string");
                None
            }
        }
    }

    fn maintainer(&mut self, v: &Value) -> Option<Maintainer> {
        let m = match v {
            Value::Nil => return None,
            Value::Map(m) => m,
            other => {
                self.type_err(other, "Metadata.maintainers", "v2.Maintainer");
                return Some(Maintainer::default());
            }
        };
        let mut out = Maintainer::default();
        for (k, val) in sorted_entries(m) {
            match match_field(&k, &["name", "email", "url"]) {
                Some("name") => {
                    if let Some(s) = self.string(&val, "Metadata.maintainers.name") {
                        out.name = s
                    }
                }
                Some("email") => {
                    if let Some(s) = self.string(&val, "Metadata.maintainers.email") {
                        out.email = s
                    }
                }
                Some("url") => {
                    if let Some(s) = self.string(&val, "Metadata.maintainers.url") {
                        out.url = s
                    }
                }
                _ => {}
            }
        }
        Some(out)
    }

    fn dependency(&mut self, v: &Value, prefix: &str) -> Option<Dependency> {
        let m = match v {
            Value::Nil => return None,
            Value::Map(m) => m,
            other => {
                self.type_err(other, prefix, "v2.Dependency");
                return Some(Dependency::default());
            }
        };
        let mut d = Dependency::default();
        const FIELDS: &[&str] = &[
            "name",
            "version",
            "repository",
            "condition",
            "tags",
            "enabled",
            "import-values",
            "alias",
        ];
        for (k, val) in sorted_entries(m) {
            let Some(f) = match_field(&k, FIELDS) else {
                continue;
            };
            let field = format!("{prefix}.{f}");
            match f {
                "name" => set_opt(&mut d.name, self.string(&val, &field)),
                "version" => set_opt(&mut d.version, self.string(&val, &field)),
                "repository" => set_opt(&mut d.repository, self.string(&val, &field)),
                "condition" => set_opt(&mut d.condition, self.string(&val, &field)),
                "alias" => set_opt(&mut d.alias, self.string(&val, &field)),
                "tags" => set_opt(&mut d.tags, self.string_list(&val, &field)),
                "enabled" => set_opt(&mut d.enabled, self.bool(&val, &field)),
                "import-values" => match &val {
                    Value::Nil => d.import_values = Vec::new(),
                    Value::List(l) => d.import_values = l.items().to_vec(),
                    other => self.type_err(other, &field, "[]interface {}"),
                },
                _ => {}
            }
        }
        Some(d)
    }

    fn dependency_list(
        &mut self,
        v: &Value,
        field: &str,
    ) -> Option<Option<Vec<Option<Dependency>>>> {
        match v {
            Value::Nil => Some(None),
            Value::List(l) => Some(Some(
                l.items()
                    .iter()
                    .map(|i| self.dependency(i, field))
                    .collect(),
            )),
            other => {
                self.type_err(other, field, "[]*v2.Dependency");
                None
            }
        }
    }
}

fn set_opt<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}

fn sorted_entries(m: &Map) -> Vec<(String, Value)> {
    m.borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// encoding/json field matching: exact name first, else ASCII case-insensitive.
fn match_field<'a>(key: &str, fields: &[&'a str]) -> Option<&'a str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

impl Metadata {
    /// Decode a parsed Chart.yaml (or requirements.yaml, which Helm decodes
    /// into the same struct) over `self`, as `yaml.Unmarshal(data, md)`.
    /// The error text is what follows `cannot load Chart.yaml: `.
    pub fn decode_into(&mut self, v: &Value) -> Result<(), String> {
        let m = match v {
            Value::Nil => return Ok(()),
            Value::Map(m) => m,
            other => {
                return Err(format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type v2.Metadata",
                    json_type(other)
                ))
            }
        };
        let mut d = Decoder { err: None };
        for (k, val) in sorted_entries(m) {
            let Some(f) = match_field(&k, METADATA_FIELDS) else {
                continue;
            };
            let field = format!("Metadata.{f}");
            match f {
                "name" => set_opt(&mut self.name, d.string(&val, &field)),
                "home" => set_opt(&mut self.home, d.string(&val, &field)),
                "version" => set_opt(&mut self.version, d.string(&val, &field)),
                "description" => set_opt(&mut self.description, d.string(&val, &field)),
                "icon" => set_opt(&mut self.icon, d.string(&val, &field)),
                "apiVersion" => set_opt(&mut self.api_version, d.string(&val, &field)),
                "condition" => set_opt(&mut self.condition, d.string(&val, &field)),
                "tags" => set_opt(&mut self.tags, d.string(&val, &field)),
                "appVersion" => set_opt(&mut self.app_version, d.string(&val, &field)),
                "kubeVersion" => set_opt(&mut self.kube_version, d.string(&val, &field)),
                "type" => set_opt(&mut self.chart_type, d.string(&val, &field)),
                "sources" => set_opt(&mut self.sources, d.string_list(&val, &field)),
                "keywords" => set_opt(&mut self.keywords, d.string_list(&val, &field)),
                "deprecated" => set_opt(&mut self.deprecated, d.bool(&val, &field)),
                "maintainers" => match &val {
                    Value::Nil => self.maintainers = Vec::new(),
                    Value::List(l) => {
                        self.maintainers = l.items().iter().map(|i| d.maintainer(i)).collect()
                    }
                    other => d.type_err(other, &field, "[]*v2.Maintainer"),
                },
                "annotations" => match &val {
                    Value::Nil => self.annotations = None,
                    Value::Map(am) => {
                        let mut out = self.annotations.take().unwrap_or_default();
                        for (ak, av) in sorted_entries(am) {
                            let s = d.string_elem(&av, &field);
                            out.insert(ak, s);
                        }
                        self.annotations = Some(out);
                    }
                    other => d.type_err(other, &field, "map[string]string"),
                },
                "dependencies" => {
                    if let Some(deps) = d.dependency_list(&val, &field) {
                        self.dependencies = deps;
                    }
                }
                _ => {}
            }
        }
        match d.err {
            Some(e) => Err(format!("error unmarshaling JSON: while decoding JSON: {e}")),
            None => Ok(()),
        }
    }

    /// Helm's `Metadata.Validate`: sanitizes strings in place, then checks
    /// required fields, semver, type, maintainers and dependencies.
    pub fn validate(&mut self) -> Result<(), Error> {
        self.name = sanitize(&self.name);
        self.description = sanitize(&self.description);
        self.home = sanitize(&self.home);
        self.icon = sanitize(&self.icon);
        self.condition = sanitize(&self.condition);
        self.tags = sanitize(&self.tags);
        self.app_version = sanitize(&self.app_version);
        self.kube_version = sanitize(&self.kube_version);
        for s in self.sources.iter_mut() {
            *s = sanitize(s);
        }
        for s in self.keywords.iter_mut() {
            *s = sanitize(s);
        }
        if self.api_version.is_empty() {
            return Err(Error::validation("chart.metadata.apiVersion is required"));
        }
        if self.name.is_empty() {
            return Err(Error::validation("chart.metadata.name is required"));
        }
        if self.name != go_base(&self.name) {
            return Err(Error::validation(format!(
                "chart.metadata.name {} is invalid",
                crate::error::go_quote(&self.name)
            )));
        }
        if self.version.is_empty() {
            return Err(Error::validation("chart.metadata.version is required"));
        }
        if semver::Version::parse(&self.version).is_err() {
            return Err(Error::validation(format!(
                "chart.metadata.version {} is invalid",
                crate::error::go_quote(&self.version)
            )));
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            return Err(Error::validation(
                "chart.metadata.type must be application or library",
            ));
        }
        for m in self.maintainers.iter_mut() {
            match m {
                None => {
                    return Err(Error::validation(
                        "maintainers must not contain empty or null nodes",
                    ))
                }
                Some(m) => {
                    m.name = sanitize(&m.name);
                    m.email = sanitize(&m.email);
                    m.url = sanitize(&m.url);
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for dep in self.dependencies.iter_mut().flatten() {
            let Some(dep) = dep else {
                return Err(Error::validation(
                    "dependencies must not contain empty or null nodes",
                ));
            };
            dep.validate()?;
            let key = if dep.alias.is_empty() {
                dep.name.clone()
            } else {
                dep.alias.clone()
            };
            if !seen.insert(key.clone()) {
                return Err(Error::validation(format!(
                    "more than one dependency with name or alias {}",
                    crate::error::go_quote(&key)
                )));
            }
        }
        Ok(())
    }

    /// The declared dependencies (null entries, which validation rejects,
    /// are skipped).
    pub fn deps(&self) -> impl Iterator<Item = &Dependency> {
        self.dependencies.iter().flatten().flatten()
    }

    /// `.Chart` as Helm v4 hands it to templates: Go's `structToMap` of
    /// the struct, i.e. a `map[string]interface{}` keyed by Go field names
    /// (`Name`, `AppVersion`, `APIVersion`, `Annotations` …).  Slices become
    /// `[]interface{}` (never nil: `[]`), `Annotations` stays a
    /// `map[string]string`, maintainers and dependencies become maps.
    pub fn to_value(&self) -> Value {
        let mut m = MapInner::new();
        let s = |x: &str| Value::str(x);
        let slist = |v: &[String]| Value::list(v.iter().map(|x| Value::str(x)).collect());
        m.insert("Name".into(), s(&self.name));
        m.insert("Home".into(), s(&self.home));
        m.insert("Sources".into(), slist(&self.sources));
        m.insert("Version".into(), s(&self.version));
        m.insert("Description".into(), s(&self.description));
        m.insert("Keywords".into(), slist(&self.keywords));
        m.insert(
            "Maintainers".into(),
            Value::list(
                self.maintainers
                    .iter()
                    .map(|mt| match mt {
                        None => Value::Nil,
                        Some(mt) => {
                            let mut mm = MapInner::new();
                            mm.insert("Name".into(), s(&mt.name));
                            mm.insert("Email".into(), s(&mt.email));
                            mm.insert("URL".into(), s(&mt.url));
                            Value::map(mm)
                        }
                    })
                    .collect(),
            ),
        );
        m.insert("Icon".into(), s(&self.icon));
        m.insert("APIVersion".into(), s(&self.api_version));
        m.insert("Condition".into(), s(&self.condition));
        m.insert("Tags".into(), s(&self.tags));
        m.insert("AppVersion".into(), s(&self.app_version));
        m.insert("Deprecated".into(), Value::Bool(self.deprecated));
        let ann: MapInner = self
            .annotations
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), Value::str(v)))
            .collect();
        m.insert(
            "Annotations".into(),
            Value::Map(Map::with_elem(ann, ElemKind::String)),
        );
        m.insert("KubeVersion".into(), s(&self.kube_version));
        m.insert(
            "Dependencies".into(),
            Value::list(
                self.dependencies
                    .iter()
                    .flatten()
                    .map(|d| match d {
                        None => Value::Nil,
                        Some(d) => d.to_value(),
                    })
                    .collect(),
            ),
        );
        m.insert("Type".into(), s(&self.chart_type));
        Value::map(m)
    }

    /// One field of [`Metadata::to_value`] by Go name (`Name`, `AppVersion` …).
    pub fn field(&self, go_name: &str) -> Option<Value> {
        match &self.to_value() {
            Value::Map(m) => m.get(go_name),
            _ => None,
        }
    }

    /// `true` for `type: library` (case-insensitive, as Helm's `IsLibraryChart`).
    pub fn is_library(&self) -> bool {
        self.chart_type.eq_ignore_ascii_case("library")
    }
}

impl Dependency {
    fn validate(&mut self) -> Result<(), Error> {
        self.name = sanitize(&self.name);
        self.version = sanitize(&self.version);
        self.repository = sanitize(&self.repository);
        self.condition = sanitize(&self.condition);
        for t in self.tags.iter_mut() {
            *t = sanitize(t);
        }
        if !self.alias.is_empty()
            && !self
                .alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Error::validation(format!(
                "dependency {} has disallowed characters in the alias",
                crate::error::go_quote(&self.name)
            )));
        }
        Ok(())
    }

    /// structToMap of a `*Dependency`.
    pub fn to_value(&self) -> Value {
        let mut m = MapInner::new();
        m.insert("Name".into(), Value::str(&self.name));
        m.insert("Version".into(), Value::str(&self.version));
        m.insert("Repository".into(), Value::str(&self.repository));
        m.insert("Condition".into(), Value::str(&self.condition));
        m.insert(
            "Tags".into(),
            Value::list(self.tags.iter().map(|t| Value::str(t)).collect()),
        );
        m.insert("Enabled".into(), Value::Bool(self.enabled));
        m.insert(
            "ImportValues".into(),
            Value::list(self.import_values.clone()),
        );
        m.insert("Alias".into(), Value::str(&self.alias));
        Value::map(m)
    }
}

impl Lock {
    /// Lenient decode of Chart.lock (Helm only stores it).
    pub fn decode(v: &Value) -> Result<Lock, String> {
        let mut lock = Lock::default();
        let m = match v {
            Value::Nil => return Ok(lock),
            Value::Map(m) => m,
            other => {
                return Err(format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type v2.Lock",
                    json_type(other)
                ))
            }
        };
        let mut d = Decoder { err: None };
        for (k, val) in sorted_entries(m) {
            match match_field(&k, &["generated", "digest", "dependencies"]) {
                Some("generated") => set_opt(&mut lock.generated, d.string(&val, "Lock.generated")),
                Some("digest") => set_opt(&mut lock.digest, d.string(&val, "Lock.digest")),
                Some("dependencies") => {
                    if let Some(Some(deps)) = d.dependency_list(&val, "Lock.dependencies") {
                        lock.dependencies = deps.into_iter().flatten().collect();
                    }
                }
                _ => {}
            }
        }
        match d.err {
            Some(e) => Err(format!("error unmarshaling JSON: while decoding JSON: {e}")),
            None => Ok(lock),
        }
    }
}

/// Helm's `sanitizeString`: whitespace becomes ' ', non-printables go.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
            {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// Go's `filepath.Base` (Unix).
fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // 3.14159 stands for a user's float appVersion, not for π.
    #[allow(clippy::approx_constant)]
    #[test]
    fn float32_formatting() {
        assert_eq!(format_float32_g(1.10), "1.1");
        assert_eq!(format_float32_g(1.0), "1");
        assert_eq!(format_float32_g(0.0001), "0.0001");
        assert_eq!(format_float32_g(0.00001), "1e-05");
        assert_eq!(format_float32_g(1234567.0), "1.234567e+06");
        assert_eq!(format_float32_g(123456.0), "123456");
        assert_eq!(format_float32_g(3.14159), "3.14159");
    }
}

// ---------------------------------------------------------------------------
// Encoding: Go's `json.Marshal` of the structs (field order and `omitempty`
// as Helm's JSON tags declare them, HTML characters escaped).  The OCI
// config blob, the provenance body and Chart.lock's digest are all hashed
// or compared byte for byte, so this is the one encoder for all three.

struct GoObject {
    out: String,
    first: bool,
}

impl GoObject {
    fn new() -> GoObject {
        GoObject {
            out: String::from("{"),
            first: true,
        }
    }
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        yaml::json::write_string(&mut self.out, k, true);
        self.out.push(':');
    }
    fn str(&mut self, k: &str, v: &str, omitempty: bool) {
        if omitempty && v.is_empty() {
            return;
        }
        self.key(k);
        yaml::json::write_string(&mut self.out, v, true);
    }
    fn strs(&mut self, k: &str, v: &[String]) {
        if v.is_empty() {
            return;
        }
        self.key(k);
        self.out.push('[');
        for (i, s) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            yaml::json::write_string(&mut self.out, s, true);
        }
        self.out.push(']');
    }
    fn bool(&mut self, k: &str, v: bool) {
        if v {
            self.key(k);
            self.out.push_str("true");
        }
    }
    fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.push_str(v);
    }
    fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

impl Metadata {
    /// `json.Marshal(chart.Metadata)`: compact, struct field order, all
    /// fields `omitempty` (the OCI config blob; the provenance body is its
    /// YAML form).
    pub fn go_json(&self) -> String {
        let mut o = GoObject::new();
        o.str("name", &self.name, true);
        o.str("home", &self.home, true);
        o.strs("sources", &self.sources);
        o.str("version", &self.version, true);
        o.str("description", &self.description, true);
        o.strs("keywords", &self.keywords);
        if !self.maintainers.is_empty() {
            let items: Vec<String> = self
                .maintainers
                .iter()
                .map(|m| match m {
                    None => "null".to_string(),
                    Some(m) => {
                        let mut mo = GoObject::new();
                        mo.str("name", &m.name, true);
                        mo.str("email", &m.email, true);
                        mo.str("url", &m.url, true);
                        mo.finish()
                    }
                })
                .collect();
            o.raw("maintainers", &format!("[{}]", items.join(",")));
        }
        o.str("icon", &self.icon, true);
        o.str("apiVersion", &self.api_version, true);
        o.str("condition", &self.condition, true);
        o.str("tags", &self.tags, true);
        o.str("appVersion", &self.app_version, true);
        o.bool("deprecated", self.deprecated);
        if let Some(ann) = self.annotations.as_ref().filter(|a| !a.is_empty()) {
            let mut ao = GoObject::new();
            for (k, v) in ann {
                ao.str(k, v, false);
            }
            o.raw("annotations", &ao.finish());
        }
        o.str("kubeVersion", &self.kube_version, true);
        if let Some(deps) = self.dependencies.as_ref().filter(|d| !d.is_empty()) {
            let items: Vec<String> = deps
                .iter()
                .map(|d| {
                    d.as_ref()
                        .map_or_else(|| "null".to_string(), Dependency::go_json)
                })
                .collect();
            o.raw("dependencies", &format!("[{}]", items.join(",")));
        }
        o.str("type", &self.chart_type, true);
        o.finish()
    }
}

impl Dependency {
    /// `json.Marshal(*chart.Dependency)`: `name` and `repository` always,
    /// the rest `omitempty`; import-values maps with sorted keys.
    pub fn go_json(&self) -> String {
        let mut o = GoObject::new();
        o.str("name", &self.name, false);
        o.str("version", &self.version, true);
        o.str("repository", &self.repository, false);
        o.str("condition", &self.condition, true);
        o.strs("tags", &self.tags);
        o.bool("enabled", self.enabled);
        if !self.import_values.is_empty() {
            let items: Vec<String> = self
                .import_values
                .iter()
                .map(|v| yaml::json::encode(v, true, None).unwrap_or_else(|_| "null".into()))
                .collect();
            o.raw("import-values", &format!("[{}]", items.join(",")));
        }
        o.str("alias", &self.alias, true);
        o.finish()
    }
}

#[cfg(test)]
mod go_json_tests {
    use super::*;

    #[test]
    fn helm_create_metadata_is_the_141_byte_config_blob() {
        // helm create's Chart.yaml, as the spec's config-blob example.
        let m = Metadata {
            name: "mychart".into(),
            version: "0.1.0".into(),
            description: "A Helm chart for Kubernetes".into(),
            api_version: "v2".into(),
            app_version: "1.16.0".into(),
            chart_type: "application".into(),
            ..Metadata::default()
        };
        let j = m.go_json();
        assert_eq!(j.len(), 141);
        assert!(j.starts_with(r#"{"name":"mychart","version":"0.1.0","#));
        assert!(j.ends_with(r#""appVersion":"1.16.0","type":"application"}"#));
    }

    #[test]
    fn dependency_json_escapes_html_and_keeps_empty_repository() {
        let d = Dependency {
            name: "monitoring".into(),
            version: ">=0.2.0 <1.0.0".into(),
            ..Dependency::default()
        };
        assert_eq!(
            d.go_json(),
            r#"{"name":"monitoring","version":"\u003e=0.2.0 \u003c1.0.0","repository":""}"#
        );
    }
}
