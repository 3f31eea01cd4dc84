//! helm-diff's `manifest.Parse`: a manifest stream → objects keyed
//! `"<namespace>, <name>, <Kind> (<group>)"`.
//!
//! The splitting is deliberately not YAML's: helm-diff cuts on the exact
//! bytes `\n---\n` (after prepending a newline), so `--- ` with a trailing
//! space or `--- # c` does not separate documents, and each object's text
//! is the trimmed piece, comments and all.  The object's identity comes
//! from go-yaml v2 decoding the piece into a small struct, so scalars of
//! any type become their text and a structure where a string belongs is a
//! fatal error, as in Go.

use std::collections::BTreeMap;

use yaml::parse::{go_string_lossy, YValue};

/// One object of a manifest stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: String,
    /// The text diffed: the trimmed piece (or its normalised form).
    pub content: String,
    /// `helm.sh/resource-policy` (`keep` objects are never "removed").
    pub resource_policy: String,
}

/// Objects by key; a `BTreeMap` iterates in Go's `sort.Strings` order.
pub type Index = BTreeMap<String, Object>;

/// How to read a stream.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Namespace of objects that name none (cluster-scoped ones too).
    pub namespace: String,
    /// Keep `helm.sh/hook: test` / `test-success` objects.
    pub include_tests: bool,
    /// `--normalize-manifests`: go-yaml v2 round trip of every object.
    pub normalize: bool,
}

/// A piece helm-diff cannot read (it exits through `log.Fatalf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// The result of [`parse`]: the objects and what helm-diff would log.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub index: Index,
    /// `Error: Found duplicate key "…" in manifest` lines (stderr).
    pub warnings: Vec<String>,
}

/// The identity fields helm-diff decodes.
#[derive(Default)]
struct Meta {
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
    annotations: BTreeMap<String, String>,
}

impl Meta {
    fn key(&self) -> String {
        let group = match self.api_version.rfind('/') {
            Some(i) => &self.api_version[..i],
            None => &self.api_version,
        };
        let name = self
            .annotations
            .get("helm-diff/base-name")
            .unwrap_or(&self.name);
        format!("{}, {}, {} ({})", self.namespace, name, self.kind, group)
    }
}

/// Split a stream as helm-diff's scanner does: pieces between `\n---\n`,
/// trimmed, empty ones dropped.
pub fn split(manifest: &str) -> Vec<&str> {
    // The leading newline helm-diff prepends only matters for a stream
    // that starts with `---\n`: that first line is a separator then.
    let body = manifest.strip_prefix("---\n").unwrap_or(manifest);
    body.split("\n---\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// helm-diff's `manifest.Parse`.
pub fn parse(manifest: &str, opts: &ParseOptions) -> Result<Parsed, ParseError> {
    let mut out = Parsed::default();
    for piece in split(manifest) {
        for (key, obj) in parse_content(piece.to_string(), opts)? {
            match out.index.entry(key) {
                std::collections::btree_map::Entry::Occupied(e) => out.warnings.push(format!(
                    "Error: Found duplicate key {:?} in manifest",
                    e.key()
                )),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(obj);
                }
            }
        }
    }
    Ok(out)
}

fn unmarshal_error(err: &yaml::Error, content: &str) -> ParseError {
    ParseError {
        message: format!("YAML unmarshal error: {err}\nCan't unmarshal {content}"),
    }
}

fn parse_content(
    content: String,
    opts: &ParseOptions,
) -> Result<Vec<(String, Object)>, ParseError> {
    let doc = yaml::parse::decode_first(&content).map_err(|e| unmarshal_error(&e, &content))?;
    let doc = doc.unwrap_or(YValue::Null);
    let meta = decode_meta(&doc).map_err(|e| unmarshal_error(&yaml::Error::msg(e), &content))?;
    if meta.api_version.is_empty() && meta.kind.is_empty() {
        return Ok(Vec::new());
    }
    if meta.kind.ends_with("List") {
        let mut out = Vec::new();
        for item in list_items(&doc).map_err(|e| unmarshal_error(&yaml::Error::msg(e), &content))? {
            // Each item is marshalled as a yaml.MapSlice: its own keys in
            // order, nested maps sorted.
            let text = yaml::emit::marshal_yvalue_v2(item, true)
                .map_err(|e| unmarshal_error(&e, &content))?;
            out.extend(parse_content(text, opts)?);
        }
        return Ok(out);
    }
    let content = if opts.normalize {
        yaml::emit::marshal_yvalue_v2(&doc, false).map_err(|e| ParseError {
            message: format!("YAML marshal error: {e}"),
        })?
    } else {
        content
    };
    if !opts.include_tests {
        if let Some(h) = meta.annotations.get("helm.sh/hook") {
            if h == "test" || h == "test-success" {
                return Ok(Vec::new());
            }
        }
    }
    let mut meta = meta;
    if meta.namespace.is_empty() {
        meta.namespace = opts.namespace.clone();
    }
    let resource_policy = meta
        .annotations
        .get("helm.sh/resource-policy")
        .cloned()
        .unwrap_or_default();
    Ok(vec![(
        meta.key(),
        Object {
            kind: meta.kind,
            content,
            resource_policy,
        },
    )])
}

/// go-yaml v2 decoding a scalar into a Go `string`: any scalar gives its
/// text, null gives "", a collection is a type error.
fn scalar_text(v: &YValue, what: &str) -> Result<String, String> {
    Ok(match v {
        YValue::Null => String::new(),
        YValue::Bool(b) => b.to_string(),
        YValue::Int(i) => i.to_string(),
        YValue::Uint(u) => u.to_string(),
        YValue::Float(f) => yaml::float::format_g(*f, false),
        YValue::Str(s) => go_string_lossy(s),
        YValue::Seq(_) => {
            return Err(format!(
                "yaml: unmarshal errors:\n  cannot unmarshal !!seq into {what}"
            ))
        }
        YValue::Map(_) => {
            return Err(format!(
                "yaml: unmarshal errors:\n  cannot unmarshal !!map into {what}"
            ))
        }
    })
}

fn map_get<'a>(m: &'a yaml::parse::YMap, key: &str) -> Option<&'a YValue> {
    m.entries
        .iter()
        .rev()
        .find(|(k, _)| matches!(k, YValue::Str(s) if s == key.as_bytes()))
        .map(|(_, v)| v)
}

fn decode_meta(doc: &YValue) -> Result<Meta, String> {
    let mut meta = Meta::default();
    let m = match doc {
        YValue::Null => return Ok(meta),
        YValue::Map(m) => m,
        YValue::Seq(_) => {
            return Err(
                "yaml: unmarshal errors:\n  cannot unmarshal !!seq into manifest.metadata".into(),
            )
        }
        other => {
            return Err(format!(
                "yaml: unmarshal errors:\n  cannot unmarshal {} `{}` into manifest.metadata",
                match other {
                    YValue::Bool(_) => "!!bool",
                    YValue::Int(_) | YValue::Uint(_) => "!!int",
                    YValue::Float(_) => "!!float",
                    _ => "!!str",
                },
                scalar_text(other, "")?
            ))
        }
    };
    if let Some(v) = map_get(m, "apiVersion") {
        meta.api_version = scalar_text(v, "string")?;
    }
    if let Some(v) = map_get(m, "kind") {
        meta.kind = scalar_text(v, "string")?;
    }
    match map_get(m, "metadata") {
        None | Some(YValue::Null) => {}
        Some(YValue::Map(md)) => {
            if let Some(v) = map_get(md, "namespace") {
                meta.namespace = scalar_text(v, "string")?;
            }
            if let Some(v) = map_get(md, "name") {
                meta.name = scalar_text(v, "string")?;
            }
            match map_get(md, "annotations") {
                None | Some(YValue::Null) => {}
                Some(YValue::Map(a)) => {
                    for (k, v) in &a.entries {
                        meta.annotations
                            .insert(scalar_text(k, "string")?, scalar_text(v, "string")?);
                    }
                }
                Some(_) => {
                    return Err(
                        "yaml: unmarshal errors:\n  cannot unmarshal into map[string]string".into(),
                    )
                }
            }
        }
        Some(_) => return Err("yaml: unmarshal errors:\n  cannot unmarshal into struct".into()),
    }
    Ok(meta)
}

/// `items` of a `…List` object, each a map (yaml.MapSlice).
fn list_items(doc: &YValue) -> Result<Vec<&YValue>, String> {
    let YValue::Map(m) = doc else {
        return Ok(Vec::new());
    };
    match map_get(m, "items") {
        None | Some(YValue::Null) => Ok(Vec::new()),
        Some(YValue::Seq(items)) => items
            .iter()
            .map(|i| match i {
                YValue::Map(_) | YValue::Null => Ok(i),
                _ => Err(
                    "yaml: unmarshal errors:\n  cannot unmarshal into yaml.MapSlice".to_string(),
                ),
            })
            .collect(),
        Some(_) => Err("yaml: unmarshal errors:\n  cannot unmarshal into []yaml.MapSlice".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(ns: &str) -> ParseOptions {
        ParseOptions {
            namespace: ns.into(),
            ..Default::default()
        }
    }

    #[test]
    fn splits_only_on_exact_separator() {
        assert_eq!(split("a: 1\n--- \nb: 2"), vec!["a: 1\n--- \nb: 2"]);
        assert_eq!(split("---\na: 1\n---\nb: 2\n"), vec!["a: 1", "b: 2"]);
        assert_eq!(split("a\n---\n---\nb"), vec!["a", "---\nb"]);
        assert_eq!(split("a\n---\r\nb"), vec!["a\n---\r\nb"]);
    }

    #[test]
    fn keys_and_namespaces() {
        let text = "# Source: c/templates/cr.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: other\n";
        let p = parse(text, &opts("team-x")).unwrap();
        let keys: Vec<_> = p.index.keys().cloned().collect();
        assert_eq!(
            keys,
            vec![
                "other, web, Service (v1)",
                "team-x, reader, ClusterRole (rbac.authorization.k8s.io)"
            ]
        );
        assert_eq!(
            p.index["team-x, reader, ClusterRole (rbac.authorization.k8s.io)"].content,
            "# Source: c/templates/cr.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader"
        );
    }

    #[test]
    fn comments_only_and_null_are_skipped() {
        let p = parse("# just a comment\n---\nnull\n---\nfoo: bar\n", &opts("d")).unwrap();
        assert!(p.index.is_empty());
    }

    #[test]
    fn tests_dropped_unless_included() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: u\n  annotations:\n    helm.sh/hook: test,post-install\n";
        let p = parse(text, &opts("d")).unwrap();
        assert_eq!(p.index.keys().collect::<Vec<_>>(), vec!["d, u, Pod (v1)"]);
        let mut o = opts("d");
        o.include_tests = true;
        assert_eq!(parse(text, &o).unwrap().index.len(), 2);
    }

    #[test]
    fn lists_are_expanded_with_key_order_kept() {
        let text = "apiVersion: v1\nkind: ConfigMapList\nitems:\n- kind: ConfigMap\n  apiVersion: v1\n  metadata:\n    name: a\n  data:\n    z: \"1\"\n    b: x\n";
        let p = parse(text, &opts("d")).unwrap();
        assert_eq!(
            p.index["d, a, ConfigMap (v1)"].content,
            "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: a\ndata:\n  b: x\n  z: \"1\"\n"
        );
    }

    #[test]
    fn base_name_duplicates_and_policy() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s-abc\n  annotations:\n    helm-diff/base-name: s\n    helm.sh/resource-policy: keep\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s-def\n  annotations:\n    helm-diff/base-name: s\n";
        let p = parse(text, &opts("d")).unwrap();
        assert_eq!(p.index.len(), 1);
        assert_eq!(p.index["d, s, Secret (v1)"].resource_policy, "keep");
        assert!(p.index["d, s, Secret (v1)"].content.contains("s-abc"));
        assert_eq!(
            p.warnings,
            vec!["Error: Found duplicate key \"d, s, Secret (v1)\" in manifest"]
        );
    }

    #[test]
    fn normalize_sorts_and_drops_comments() {
        let mut o = opts("d");
        o.normalize = true;
        let p = parse(
            "# Source: x\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\n",
            &o,
        )
        .unwrap();
        assert_eq!(
            p.index["d, a, ConfigMap (v1)"].content,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
        );
    }

    #[test]
    fn scalars_of_any_type_are_text_and_structures_fail() {
        let p = parse(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 42\n",
            &opts("d"),
        )
        .unwrap();
        assert!(p.index.contains_key("d, 42, ConfigMap (v1)"));
        let e = parse("apiVersion: v1\nkind: [a]\n", &opts("d")).unwrap_err();
        assert!(e.message.starts_with("YAML unmarshal error: "), "{e}");
        let e = parse("a: [\n", &opts("d")).unwrap_err();
        assert!(e.message.contains("Can't unmarshal a: ["), "{e}");
    }
}
