//! Splitting rendered files into documents and ordering them the way Helm
//! prints and installs them (`pkg/release/v1/util`: `SplitManifests`,
//! `SortManifests`, the kind orders).

use gotmpl::Value;

pub use k8smeta::kinds::INSTALL_ORDER;

/// Hook events Helm recognises (`test-success` is the Helm 2 name of `test`).
pub const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
];

pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
pub const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

/// One non-hook document.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Template path (`chart/templates/x.yaml`).
    pub name: String,
    pub content: String,
    pub api_version: String,
    pub kind: String,
    pub metadata_name: String,
}

/// One hook document.
#[derive(Debug, Clone)]
pub struct Hook {
    pub name: String,
    pub kind: String,
    pub path: String,
    pub manifest: String,
    pub events: Vec<String>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
    pub output_log_policies: Vec<String>,
}

/// Split a file on YAML document separators as Helm's `SplitManifests`
/// does: the regex `(?:^|\s*\n)---\s*` on the left-trimmed text, empty
/// pieces dropped, each piece left-trimmed (trailing space is kept).
pub fn split_manifests(text: &str) -> Vec<String> {
    let text = text.trim_start();
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut start = 0; // start of the current document
    let mut i = 0;
    // The regex alternates `^` (only at offset 0) and `\s*\n` before `---`.
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    while i <= bytes.len() {
        // Candidate separator at i: either i == 0 with `---`, or a run of
        // whitespace ending in '\n' followed by `---`.
        let mut matched = None;
        if i == 0 && text.starts_with("---") {
            matched = Some((0, 3));
        } else if i < bytes.len() && is_space(bytes[i]) {
            // Find the longest whitespace run from i whose last newline is followed by ---.
            let mut j = i;
            let mut last_nl_then_dash = None;
            while j < bytes.len() && is_space(bytes[j]) {
                if bytes[j] == b'\n' && text[j + 1..].starts_with("---") {
                    last_nl_then_dash = Some(j + 1);
                }
                j += 1;
            }
            if let Some(dash) = last_nl_then_dash {
                matched = Some((i, dash + 3));
            }
        }
        if let Some((s, mut e)) = matched {
            while e < bytes.len() && is_space(bytes[e]) {
                e += 1;
            }
            docs.push(&text[start..s]);
            start = e;
            i = e.max(s + 1);
            continue;
        }
        if i == bytes.len() {
            break;
        }
        i += 1;
    }
    docs.push(&text[start..]);
    docs.into_iter()
        .filter(|d| !d.is_empty())
        .map(|d| d.trim_start().to_string())
        .collect()
}

fn kind_rank(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

/// Stable sort by kind in install order; unknown kinds last, by name.
fn sort_by_kind<T>(items: &mut [T], kind: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| {
        let (ka, kb) = (kind(a), kind(b));
        match (kind_rank(ka), kind_rank(kb)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => ka.cmp(kb),
        }
    });
}

fn str_at(v: &Value, path: &[&str]) -> Option<Value> {
    let mut cur = v.clone();
    for key in path {
        cur = match cur {
            Value::Map(m) => m.get(key)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn as_string(v: Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

/// Helm's `SortManifests`: files in path order, partials and blank files
/// skipped, each document classified as hook or manifest, both lists then
/// stably sorted by kind.  Errors read `YAML parse error on PATH: …`.
pub fn sort_manifests(
    files: &std::collections::BTreeMap<String, String>,
) -> Result<(Vec<Hook>, Vec<Manifest>), String> {
    sort_manifests_checked(files, false)
}

/// [`sort_manifests`] over output that may hold raw bytes of templates
/// that are not UTF-8 (`raw`; see [`crate::RenderChart::raw_sources`]):
/// a document holding them fails as Go's YAML reader fails on them.
pub fn sort_manifests_checked(
    files: &std::collections::BTreeMap<String, String>,
    raw: bool,
) -> Result<(Vec<Hook>, Vec<Manifest>), String> {
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            if raw && crate::render::has_raw_bytes(&doc) {
                let msg = chart::values::yaml_utf8_error(&crate::render::raw_bytes(&doc))
                    .unwrap_or("invalid leading UTF-8 octet");
                return Err(format!(
                    "YAML parse error on {path}: error converting YAML to JSON: yaml: {msg}"
                ));
            }
            let head =
                yaml::from_yaml(&doc).map_err(|e| format!("YAML parse error on {path}: {e}"))?;
            // Helm decodes each document into a struct (`SimpleHead`): a
            // document that is a string, number, bool or list is an error.
            if !matches!(head, Value::Map(_) | Value::Nil) {
                return Err(format!(
                    "YAML parse error on {path}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type util.SimpleHead",
                    yaml::json::kind_word(&head)
                ));
            }
            let kind = as_string(str_at(&head, &["kind"]));
            let api_version = as_string(str_at(&head, &["apiVersion"]));
            let metadata_name = as_string(str_at(&head, &["metadata", "name"]));
            let annotations = match str_at(&head, &["metadata", "annotations"]) {
                Some(Value::Map(m)) => Some(m),
                _ => None,
            };
            let hook_types = annotations.as_ref().and_then(|a| a.get(HOOK_ANNOTATION));
            let Some(hook_types) = hook_types else {
                generic.push(Manifest {
                    name: path.clone(),
                    content: doc,
                    api_version,
                    kind,
                    metadata_name,
                });
                continue;
            };
            let annotations = annotations.expect("hook annotation came from the map");
            let hook_types = as_string(Some(hook_types));
            let mut events = Vec::new();
            let mut unknown = false;
            for t in hook_types.split(',') {
                let t = t.trim().to_lowercase();
                let t = if t == "test-success" {
                    "test".to_string()
                } else {
                    t
                };
                if HOOK_EVENTS.contains(&t.as_str()) {
                    events.push(t);
                } else {
                    unknown = true;
                    break;
                }
            }
            if unknown {
                continue; // Helm logs "skipping unknown hooks" and drops it.
            }
            let weight = as_string(annotations.get(HOOK_WEIGHT_ANNOTATION))
                .parse::<i64>()
                .unwrap_or(0);
            let list = |key: &str| -> Vec<String> {
                match annotations.get(key) {
                    Some(v) => as_string(Some(v))
                        .split(',')
                        .map(|p| p.trim().to_lowercase())
                        .collect(),
                    None => Vec::new(),
                }
            };
            hooks.push(Hook {
                name: metadata_name,
                kind,
                path: path.clone(),
                manifest: doc,
                events,
                weight,
                delete_policies: list(HOOK_DELETE_ANNOTATION),
                output_log_policies: list(HOOK_OUTPUT_LOG_ANNOTATION),
            });
        }
    }
    sort_by_kind(&mut hooks, |h| &h.kind);
    sort_by_kind(&mut generic, |m| &m.kind);
    Ok((hooks, generic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_that_are_not_maps_are_helms_simplehead_error() {
        // helm-ref: a string, number, bool or list document fails the
        // release; null, `~`, `{}` and comment-only documents do not; the
        // first failure in path order wins, YAML syntax errors included.
        let files = |docs: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
            docs.iter()
                .map(|(p, c)| (p.to_string(), c.to_string()))
                .collect()
        };
        let err = |docs: &[(&str, &str)]| sort_manifests(&files(docs)).err();
        let want = |path: &str, kind: &str| {
            Some(format!("YAML parse error on {path}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value of type util.SimpleHead"))
        };
        assert_eq!(
            err(&[("c/templates/t.yaml", "plain string\n")]),
            want("c/templates/t.yaml", "string")
        );
        assert_eq!(
            err(&[("c/templates/t.yaml", "- a\n- b\n")]),
            want("c/templates/t.yaml", "array")
        );
        assert_eq!(
            err(&[("c/templates/t.yaml", "1.5\n")]),
            want("c/templates/t.yaml", "number")
        );
        assert_eq!(
            err(&[("c/templates/t.yaml", "true\n")]),
            want("c/templates/t.yaml", "bool")
        );
        assert_eq!(
            err(&[("c/templates/t.yaml", "kind: ConfigMap\n---\n[]\n")]),
            want("c/templates/t.yaml", "array")
        );
        for ok in ["null\n", "~\n", "{}\n", "# only a comment\n"] {
            assert_eq!(err(&[("c/templates/t.yaml", ok)]), None, "{ok}");
        }
        assert_eq!(
            err(&[
                ("c/templates/b.yaml", "plain\n"),
                ("c/templates/c.yaml", "a: [\n")
            ]),
            want("c/templates/b.yaml", "string")
        );
        assert!(err(&[
            ("c/templates/c.yaml", "a: [\n"),
            ("c/templates/d.yaml", "plain\n")
        ])
        .unwrap()
        .contains("did not find expected node content"));
    }

    #[test]
    fn split_keeps_trailing_space_of_last_doc_only() {
        let docs = split_manifests("\n---\na: 1\n\n---\nb: 2\n");
        assert_eq!(docs, vec!["a: 1".to_string(), "b: 2\n".to_string()]);
    }

    #[test]
    fn split_handles_glued_separator() {
        // `---apiVersion` is split too: the regex eats `---` and following space.
        let docs = split_manifests("a: 1\n---apiVersion: v1");
        assert_eq!(docs, vec!["a: 1".to_string(), "apiVersion: v1".to_string()]);
    }

    #[test]
    fn split_single_doc_without_separator() {
        assert_eq!(split_manifests("  x: 1\n"), vec!["x: 1\n".to_string()]);
    }

    #[test]
    fn kinds_sort_in_install_order_unknown_last() {
        let mut v = vec!["Zeta", "Deployment", "Alpha", "Service", "Namespace"];
        sort_by_kind(&mut v, |k| k);
        assert_eq!(
            v,
            vec!["Namespace", "Service", "Deployment", "Alpha", "Zeta"]
        );
    }
}
