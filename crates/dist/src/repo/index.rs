//! `index.yaml` (pkg/repo/v1/index.go): loading (YAML through
//! sigs.k8s.io/yaml's strict mode, or JSON), dropping invalid entries with
//! Helm's warning, sorting each chart's versions newest first, version
//! lookup (`IndexFile.Get`: exact string first, else the newest version
//! satisfying the constraint), `repo index` generation and `--merge`, and
//! writing (sigs.k8s.io/yaml, i.e. sorted keys, or indented JSON in Go's
//! struct order).
//!
//! Each index is parsed once per command and kept as plain structs; the
//! download path validates the bytes it is about to cache with the same
//! loader, so a cached index always loads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gotmpl::{MapInner, Value};

use super::gojson;
use super::ChartVersion;
use crate::error::Error;
use crate::http::gostd_io;

/// `IndexFile`.
#[derive(Clone, Debug, Default)]
pub struct IndexFile {
    pub api_version: String,
    /// RFC 3339 text, as Go re-marshals it.
    pub generated: String,
    /// Chart name to versions, newest first after [`IndexFile::sort_entries`].
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
    pub public_keys: Vec<String>,
    pub annotations: BTreeMap<String, String>,
}

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

const TOP_FIELDS: &[&str] = &[
    "serverInfo",
    "apiVersion",
    "generated",
    "entries",
    "publicKeys",
    "annotations",
];

const METADATA_FIELDS: &[&str] = chart::metadata::METADATA_FIELDS;

const VERSION_FIELDS: &[&str] = &[
    "urls",
    "created",
    "removed",
    "digest",
    "checksum",
    "engine",
    "tillerVersion",
    "url",
];

/// encoding/json's field matching: exact, else ASCII case-insensitive.
fn match_field<'a>(key: &str, fields: &[&'a str]) -> Option<&'a str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

fn json_kind(v: &Value) -> &'static str {
    yaml::json::kind_word(v)
}

/// Decoding state: the first error wins (encoding/json keeps going and
/// reports the first), strict mode rejects unknown fields (YAML indexes
/// are read with `yaml.UnmarshalStrict`).
struct Decoder {
    strict: bool,
    err: Option<String>,
}

impl Decoder {
    fn fail(&mut self, msg: String) {
        if self.err.is_none() {
            self.err = Some(msg);
        }
    }
    fn type_err(&mut self, v: &Value, field: &str, go_type: &str) {
        self.fail(format!(
            "json: cannot unmarshal {} into Go struct field {field} of type {go_type}",
            json_kind(v)
        ));
    }
    fn unknown(&mut self, key: &str) {
        if self.strict {
            self.fail(format!(
                "json: unknown field {}",
                gostd::strconv::quote(key)
            ));
        }
    }
    fn string(&mut self, v: &Value, field: &str) -> Option<String> {
        match v {
            Value::Nil => None,
            Value::String(s) => Some(s.to_string()),
            // sigs.k8s.io/yaml turns a YAML scalar aimed at a Go string
            // into that string (JSON indexes get Go's type error).
            Value::Bool(b) if self.strict => Some(b.to_string()),
            Value::Int(n, _) if self.strict => Some(n.to_string()),
            Value::Float(f) if self.strict => Some(if f.fract() == 0.0 && f.abs() < 1e21 {
                format!("{}", *f as i64)
            } else {
                gostd::strconv::format_float(*f, b'g', -1)
            }),
            other => {
                self.type_err(other, field, "string");
                None
            }
        }
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
    fn strings(&mut self, v: &Value, field: &str) -> Option<Vec<String>> {
        match v {
            Value::Nil => Some(Vec::new()),
            Value::List(l) => Some(
                l.items()
                    .iter()
                    .map(|i| self.string(i, field).unwrap_or_default())
                    .collect(),
            ),
            other => {
                self.type_err(other, field, "[]string");
                None
            }
        }
    }
    fn time(&mut self, v: &Value, field: &str) -> Option<String> {
        let s = self.string(v, field)?;
        match normalize_time(&s) {
            Some(t) => Some(t),
            None => {
                self.fail(format!(
                    "parsing time {} as \"\\\"2006-01-02T15:04:05Z07:00\\\"\": cannot parse {} as \"2006\"",
                    gostd::strconv::quote(&format!("\"{s}\"")),
                    gostd::strconv::quote(&format!("{s}\""))
                ));
                None
            }
        }
    }
}

/// One YAML document as go-yaml decodes it for sigs.k8s.io/yaml's typed
/// decoding (integers stay integers: a digest of digits only must not
/// become a float), as Chart.yaml is read.
fn parse_yaml_typed(text: &str) -> Result<Value, Error> {
    chart::yamlbridge::parse_typed(text).map_err(Error::input)
}

/// Go's RFC 3339 parse then `RFC3339Nano` format: fractional seconds without
/// trailing zeros, `Z` for a zero offset.  `None` when `s` is not RFC 3339.
pub fn normalize_time(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return None;
    }
    let mut i = 19;
    let mut frac = String::new();
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 9 {
            return None;
        }
        frac = s[start..i].trim_end_matches('0').to_string();
    }
    let zone = &s[i..];
    let zone = if zone == "Z" || zone == "z" {
        "Z".to_string()
    } else {
        let zb = zone.as_bytes();
        if zb.len() != 6
            || !(zb[0] == b'+' || zb[0] == b'-')
            || !zb[1..3].iter().all(u8::is_ascii_digit)
            || zb[3] != b':'
            || !zb[4..6].iter().all(u8::is_ascii_digit)
        {
            return None;
        }
        if &zone[1..] == "00:00" {
            "Z".to_string()
        } else {
            zone.to_string()
        }
    };
    let mut out = format!("{}T{}", &s[..10], &s[11..19]);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    out.push_str(&zone);
    Some(out)
}

impl IndexFile {
    /// `repo.NewIndexFile()`: `apiVersion: v1`, generated now, no entries.
    pub fn new() -> IndexFile {
        IndexFile {
            api_version: "v1".into(),
            generated: crate::now_rfc3339nano(),
            ..IndexFile::default()
        }
    }

    /// `LoadIndexFile(path)`: the read error as Go's `os.ReadFile` words
    /// it, a parse error as `error loading PATH: …`.
    pub fn load_file(path: &Path) -> Result<IndexFile, Error> {
        let data = std::fs::read(path).map_err(|e| {
            let err = Error::io(format!("open {}: {}", path.display(), gostd_io(&e)));
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::not_found(err.message)
            } else {
                err
            }
        })?;
        IndexFile::load(&data, &path.display().to_string())
            .map_err(|e| e.wrap(format!("error loading {}", path.display())))
    }

    /// `loadIndex(data, source)`: JSON when the bytes are valid JSON, else
    /// strict YAML; invalid entries dropped with a warning naming `source`.
    pub fn load(data: &[u8], source: &str) -> Result<IndexFile, Error> {
        if data.is_empty() {
            return Err(Error::input("empty index.yaml file"));
        }
        let text = String::from_utf8_lossy(data);
        let (v, strict, prefix) = match yaml::json::decode(&text) {
            Ok(v) => (v, false, ""),
            Err(_) => (
                parse_yaml_typed(&text)?,
                true,
                "error unmarshaling JSON: while decoding JSON: ",
            ),
        };
        let mut d = Decoder { strict, err: None };
        let mut idx = IndexFile {
            generated: ZERO_TIME.into(),
            ..IndexFile::default()
        };
        match &v {
            Value::Nil => {}
            Value::Map(m) => {
                for (k, val) in m.borrow().iter() {
                    let Some(f) = match_field(k, TOP_FIELDS) else {
                        d.unknown(k);
                        continue;
                    };
                    match f {
                        "apiVersion" => {
                            if let Some(s) = d.string(val, "IndexFile.apiVersion") {
                                idx.api_version = s
                            }
                        }
                        "generated" => {
                            if let Some(s) = d.time(val, "IndexFile.generated") {
                                idx.generated = s
                            }
                        }
                        "publicKeys" => {
                            if let Some(s) = d.strings(val, "IndexFile.publicKeys") {
                                idx.public_keys = s
                            }
                        }
                        "annotations" => match val {
                            Value::Nil => {}
                            Value::Map(am) => {
                                for (ak, av) in am.borrow().iter() {
                                    let s = d.string(av, "IndexFile.annotations");
                                    idx.annotations.insert(ak.clone(), s.unwrap_or_default());
                                }
                            }
                            other => {
                                d.type_err(other, "IndexFile.annotations", "map[string]string")
                            }
                        },
                        "entries" => decode_entries(&mut d, val, &mut idx, source),
                        _ => {}
                    }
                }
            }
            other => d.fail(format!(
                "json: cannot unmarshal {} into Go value of type repo.IndexFile",
                json_kind(other)
            )),
        }
        if let Some(e) = d.err {
            return Err(Error::input(format!("{prefix}{e}")));
        }
        idx.sort_entries();
        if idx.api_version.is_empty() {
            return Err(Error::input("no API version specified"));
        }
        Ok(idx)
    }

    /// Each chart's versions newest first (Masterminds order; versions
    /// that do not parse go last).
    pub fn sort_entries(&mut self) {
        for vs in self.entries.values_mut() {
            sort_versions(vs);
        }
    }

    /// `IndexFile.Get(name, version)`.
    pub fn get(&self, name: &str, version: &str) -> Result<&ChartVersion, String> {
        let vs = self
            .entries
            .get(name)
            .ok_or_else(|| "no chart name found".to_string())?;
        if vs.is_empty() {
            return Err("no chart version found".into());
        }
        let constraint = if version.is_empty() { "*" } else { version };
        gostd::semver::semver_compare(constraint, "0.0.0")?;
        if !version.is_empty() {
            if let Some(v) = vs.iter().find(|v| v.version == version) {
                return Ok(v);
            }
        }
        for v in vs {
            if gostd::semver::semver_compare(constraint, &v.version) == Ok(true) {
                if !version.is_empty() {
                    crate::warn(
                        "unable to find exact version requested; falling back to closest available version",
                        &[("chart", name), ("requested", version), ("selected", &v.version)],
                    );
                }
                return Ok(v);
            }
        }
        Err(format!("no chart version found for {name}-{version}"))
    }

    /// `IndexFile.Has`, without the fallback warning.
    pub fn has(&self, name: &str, version: &str) -> bool {
        let Some(vs) = self.entries.get(name) else {
            return false;
        };
        if vs.is_empty() {
            return false;
        }
        let constraint = if version.is_empty() { "*" } else { version };
        if gostd::semver::semver_compare(constraint, "0.0.0").is_err() {
            return false;
        }
        (!version.is_empty() && vs.iter().any(|v| v.version == version))
            || vs
                .iter()
                .any(|v| gostd::semver::semver_compare(constraint, &v.version) == Ok(true))
    }

    /// `IndexFile.Merge`: versions of `other` this index lacks are added
    /// (this index wins on name+version); leaves the order unsorted.
    pub fn merge(&mut self, other: &IndexFile) {
        for cvs in other.entries.values() {
            for cv in cvs {
                if !self.has(&cv.name, &cv.version) {
                    self.entries
                        .entry(cv.name.clone())
                        .or_default()
                        .push(cv.clone());
                }
            }
        }
    }

    /// `IndexFile.MustAdd(md, filename, baseURL, digest)`.
    pub fn must_add(
        &mut self,
        mut md: chart::Metadata,
        filename: &str,
        base_url: &str,
        digest: &str,
    ) -> Result<(), Error> {
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        md.validate()
            .map_err(|e| Error::input(format!("validate failed for {filename}: {e}")))?;
        let url = if base_url.is_empty() {
            filename.to_string()
        } else {
            let file = filename.rsplit('/').next().unwrap_or(filename);
            super::url::url_join_or_path(base_url, &[file])
        };
        let cv = ChartVersion {
            name: md.name.clone(),
            version: md.version.clone(),
            urls: vec![url],
            digest: digest.to_string(),
            created: crate::now_rfc3339nano(),
            metadata: md,
            ..ChartVersion::default()
        };
        self.entries.entry(cv.name.clone()).or_default().push(cv);
        Ok(())
    }

    /// The names of the charts, one per line (`NAME-charts.txt`).
    pub fn chart_names(&self) -> String {
        let mut s = String::new();
        for n in self.entries.keys() {
            s.push_str(n);
            s.push('\n');
        }
        s
    }

    /// `yaml.Marshal(index)`.
    pub fn to_yaml(&self) -> Result<String, Error> {
        let mut m = MapInner::new();
        m.insert("apiVersion".into(), Value::str(&self.api_version));
        m.insert("generated".into(), Value::str(&self.generated));
        let mut em = MapInner::new();
        for (name, vs) in &self.entries {
            em.insert(
                name.clone(),
                Value::list(vs.iter().map(ChartVersion::to_value).collect()),
            );
        }
        m.insert("entries".into(), Value::map(em));
        if !self.public_keys.is_empty() {
            m.insert(
                "publicKeys".into(),
                Value::string_list(self.public_keys.clone()),
            );
        }
        if !self.annotations.is_empty() {
            m.insert(
                "annotations".into(),
                Value::map(
                    self.annotations
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::str(v)))
                        .collect(),
                ),
            );
        }
        yaml::to_yaml(&Value::map(m)).map_err(|e| Error::input(e.to_string()))
    }

    /// `json.MarshalIndent(index, "", "  ")`.
    pub fn to_json(&self) -> Result<String, Error> {
        let mut fields: Vec<(&str, String)> = vec![
            ("apiVersion", gojson::string(&self.api_version)),
            ("generated", gojson::string(&self.generated)),
        ];
        let mut entries = Vec::new();
        for (name, vs) in &self.entries {
            let items = vs
                .iter()
                .map(ChartVersion::to_json)
                .collect::<Result<Vec<_>, _>>()?;
            entries.push((name.as_str(), gojson::array(&items)));
        }
        fields.push(("entries", gojson::object(&entries)));
        if !self.public_keys.is_empty() {
            fields.push(("publicKeys", gojson::strings(&self.public_keys)));
        }
        if !self.annotations.is_empty() {
            let a: Vec<(&str, String)> = self
                .annotations
                .iter()
                .map(|(k, v)| (k.as_str(), gojson::string(v)))
                .collect();
            fields.push(("annotations", gojson::object(&a)));
        }
        Ok(gojson::indent(&gojson::object(&fields), "  "))
    }

    /// `WriteFile` / `WriteJSONFile` (atomic, mode 0644).  The directory
    /// must exist (Helm creates none here).
    pub fn write(&self, dest: &Path, json: bool) -> Result<(), Error> {
        let data = if json {
            self.to_json()?
        } else {
            self.to_yaml()?
        };
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(Error::io(format!(
                "createtemp {}*: no such file or directory",
                dest.display()
            )));
        }
        crate::fsutil::write_atomic(dest, data.as_bytes(), 0o644)
    }
}

fn sort_versions(vs: &mut [ChartVersion]) {
    let mut keyed: Vec<(Option<gostd::semver::Version>, usize)> = vs
        .iter()
        .enumerate()
        .map(|(i, v)| (gostd::semver::Version::parse(&v.version).ok(), i))
        .collect();
    keyed.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => y.compare(x).cmp(&0),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    let sorted: Vec<ChartVersion> = order.iter().map(|&i| vs[i].clone()).collect();
    vs.clone_from_slice(&sorted);
}

fn decode_entries(d: &mut Decoder, v: &Value, idx: &mut IndexFile, source: &str) {
    let m = match v {
        Value::Nil => return,
        Value::Map(m) => m,
        other => {
            d.type_err(other, "IndexFile.entries", "map[string]repo.ChartVersions");
            return;
        }
    };
    for (name, list) in m.borrow().iter() {
        let items = match list {
            Value::Nil => {
                idx.entries.insert(name.clone(), Vec::new());
                continue;
            }
            Value::List(l) => l,
            other => {
                d.type_err(other, "IndexFile.entries", "repo.ChartVersions");
                continue;
            }
        };
        let mut out = Vec::with_capacity(items.items().len());
        for item in items.items() {
            match item {
                Value::Nil => {
                    crate::warn(
                        &format!(
                            "skipping loading invalid entry for chart {} from {source}: empty entry",
                            gostd::strconv::quote(name)
                        ),
                        &[],
                    );
                }
                Value::Map(_) => {
                    if let Some(cv) = decode_version(d, item) {
                        let mut cv = cv;
                        if cv.metadata.api_version.is_empty() {
                            cv.metadata.api_version = "v1".into();
                        }
                        match cv.metadata.validate() {
                            Err(e)
                                if !e.message.starts_with(
                                    "validation: more than one dependency with name or alias",
                                ) =>
                            {
                                crate::warn(
                                    &format!(
                                        "skipping loading invalid entry for chart {} {} from {source}: {e}",
                                        gostd::strconv::quote(name),
                                        gostd::strconv::quote(&cv.metadata.version)
                                    ),
                                    &[],
                                );
                            }
                            _ => {
                                cv.name = cv.metadata.name.clone();
                                cv.version = cv.metadata.version.clone();
                                out.push(cv);
                            }
                        }
                    }
                }
                other => d.type_err(other, "IndexFile.entries", "repo.ChartVersion"),
            }
        }
        idx.entries.insert(name.clone(), out);
    }
}

fn decode_version(d: &mut Decoder, v: &Value) -> Option<ChartVersion> {
    let Value::Map(m) = v else {
        return None;
    };
    let mut cv = ChartVersion {
        created: ZERO_TIME.into(),
        ..ChartVersion::default()
    };
    for (k, val) in m.borrow().iter() {
        match match_field(k, VERSION_FIELDS) {
            Some("urls") => {
                if let Some(u) = d.strings(val, "ChartVersion.urls") {
                    cv.urls = u
                }
            }
            Some("created") => {
                if let Some(t) = d.time(val, "ChartVersion.created") {
                    cv.created = t
                }
            }
            Some("removed") => {
                if let Some(b) = d.bool(val, "ChartVersion.removed") {
                    cv.removed = b
                }
            }
            Some("digest") => {
                if let Some(s) = d.string(val, "ChartVersion.digest") {
                    cv.digest = s
                }
            }
            Some("checksum") => {
                if let Some(s) = d.string(val, "ChartVersion.checksum") {
                    cv.checksum = s
                }
            }
            Some("engine") => {
                if let Some(s) = d.string(val, "ChartVersion.engine") {
                    cv.engine = s
                }
            }
            Some("tillerVersion") => {
                if let Some(s) = d.string(val, "ChartVersion.tillerVersion") {
                    cv.tiller_version = s
                }
            }
            Some("url") => {
                if let Some(s) = d.string(val, "ChartVersion.url") {
                    cv.url = s
                }
            }
            _ => {
                if match_field(k, METADATA_FIELDS).is_none() {
                    d.unknown(k);
                }
            }
        }
    }
    if let Err(e) = cv.metadata.decode_into(v) {
        let e = e
            .strip_prefix("error unmarshaling JSON: while decoding JSON: ")
            .unwrap_or(&e)
            .to_string();
        d.fail(e);
        return None;
    }
    Some(cv)
}

impl ChartVersion {
    /// The entry as `encoding/json` sees it (metadata fields, then `urls`,
    /// `created`, `removed`, `digest` and the deprecated fields).
    pub fn to_value(&self) -> Value {
        let v = action::chartfile::metadata_json(&self.metadata);
        if let Value::Map(m) = &v {
            m.insert("urls", Value::string_list(self.urls.clone()));
            m.insert("created", Value::str(&self.created));
            if self.removed {
                m.insert("removed", Value::Bool(true));
            }
            for (k, s) in [
                ("digest", &self.digest),
                ("checksum", &self.checksum),
                ("engine", &self.engine),
                ("tillerVersion", &self.tiller_version),
                ("url", &self.url),
            ] {
                if !s.is_empty() {
                    m.insert(k, Value::str(s));
                }
            }
        }
        v
    }

    /// Compact JSON in Go's struct order.
    pub fn to_json(&self) -> Result<String, Error> {
        // The embedded `*chart.Metadata` first (its fields, Go's order:
        // the one encoder in chart::Metadata::go_json), then the entry's own.
        let mut f: Vec<(&str, String)> = Vec::new();
        let s = |k: &'static str, v: &str, f: &mut Vec<(&str, String)>| {
            if !v.is_empty() {
                f.push((k, gojson::string(v)));
            }
        };
        f.push(("urls", gojson::strings(&self.urls)));
        f.push(("created", gojson::string(&self.created)));
        if self.removed {
            f.push(("removed", "true".into()));
        }
        s("digest", &self.digest, &mut f);
        s("checksum", &self.checksum, &mut f);
        s("engine", &self.engine, &mut f);
        s("tillerVersion", &self.tiller_version, &mut f);
        s("url", &self.url, &mut f);
        let meta = self.metadata.go_json();
        let own = gojson::object(&f);
        let meta_fields = &meta[1..meta.len() - 1];
        Ok(if meta_fields.is_empty() {
            own
        } else {
            format!("{{{meta_fields},{}", &own[1..])
        })
    }
}

/// Go's `filepath.Glob(dir/*.tgz)` then `dir/**/*.tgz` (one level down:
/// Go has no `**`), each sorted, as `IndexDirectory` lists archives.
fn archives(dir: &Path) -> Vec<PathBuf> {
    let list = |d: &Path| -> Vec<(String, PathBuf)> {
        let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect();
        v.sort();
        v
    };
    let mut top = Vec::new();
    let mut nested = Vec::new();
    for (name, p) in list(dir) {
        if name.ends_with(".tgz") {
            top.push(p.clone());
        }
        if p.is_dir() {
            for (n2, p2) in list(&p) {
                if n2.ends_with(".tgz") {
                    nested.push(p2);
                }
            }
        }
    }
    top.extend(nested);
    top
}

/// `repo.IndexDirectory(dir, baseURL)`: every loadable archive in `dir`
/// and one level below, with its digest and URL; unsorted.
pub fn index_directory(dir: &Path, base_url: &str) -> Result<IndexFile, Error> {
    let mut index = IndexFile::new();
    for arch in archives(dir) {
        let rel = arch.strip_prefix(dir).unwrap_or(&arch);
        let rel = rel.to_string_lossy().into_owned();
        let (parent, fname) = match rel.rsplit_once('/') {
            Some((p, f)) => (p.to_string(), f.to_string()),
            None => (String::new(), rel.clone()),
        };
        let parent_url = super::url::url_join_or_path(base_url, &[&parent]);
        let Ok(c) = chart::loader::load_file(&arch) else {
            continue;
        };
        let data = std::fs::read(&arch)
            .map_err(|e| Error::io(format!("open {}: {}", arch.display(), gostd_io(&e))))?;
        let digest = crate::sha256_hex(&data);
        index
            .must_add(c.metadata, &fname, &parent_url, &digest)
            .map_err(|e| e.wrap(format!("failed adding to {fname} to index")))?;
    }
    Ok(index)
}

/// `helm repo index DIR [--url URL] [--merge FILE] [--json]`.
pub fn repo_index(dir: &Path, url: &str, merge: Option<&Path>, json: bool) -> Result<(), Error> {
    let out = dir.join("index.yaml");
    let mut i = index_directory(dir, url)?;
    if let Some(m) = merge {
        let i2 = if !m.exists() {
            let i2 = IndexFile::new();
            let _ = i2.write(m, json);
            i2
        } else {
            IndexFile::load_file(m).map_err(|e| e.wrap("merge failed"))?
        };
        i.merge(&i2);
    }
    i.sort_entries();
    i.write(&out, json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_normalize_like_go() {
        assert_eq!(
            normalize_time("2026-12-05T22:38:03.110111126Z").unwrap(),
            "2026-12-05T22:38:03.110111126Z"
        );
        assert_eq!(
            normalize_time("2026-12-05T22:38:03.500+00:00").unwrap(),
            "2026-12-05T22:38:03.5Z"
        );
        assert_eq!(
            normalize_time("2016-10-06T16:23:20.000-06:00").unwrap(),
            "2016-10-06T16:23:20-06:00"
        );
        assert!(normalize_time("yesterday").is_none());
    }
}
