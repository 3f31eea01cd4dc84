//! Rendering a chart tree, as Helm's `engine.Render` does.
//!
//! Every template of the chart and of its (already enabled) subcharts is
//! parsed into one template set named `gotpl`, deepest paths first so that
//! a parent's `define` wins over a subchart's.  Each non-partial file then
//! runs with its own chart's scope: `.Values` is the subchart's section of
//! its parent's values, `.Chart` its metadata plus `IsRoot`, `.Files` its
//! files, `.Subcharts` its children's scopes, `.Template` the file's name.
//! `<no value>` is stripped from the output, as Helm does.
//!
//! Execution recurses once per nested `include`/`template`; callers run it
//! on a thread with a large stack (see `capstan_engine::run_with_big_stack`).

use std::collections::BTreeMap;
use std::rc::Rc;

use gotmpl::{MissingKey, Template, Value};

use crate::errors::{self, RenderError};
use crate::helmfuncs::{helm_funcs, FuncOptions};
use crate::objects::{Capabilities, Files};

/// A chart as the renderer needs it.
#[derive(Debug, Clone)]
pub struct RenderChart {
    /// `Chart.Name()`: the alias when the dependency has one.
    pub name: String,
    /// `.Chart` without `IsRoot` (see `chart::Metadata::to_value`).
    pub metadata: Value,
    /// Template files: path relative to the chart root (`templates/x.yaml`) and text.
    pub templates: Vec<(String, String)>,
    /// Non-template files for `.Files`.
    pub files: Files,
    /// Library charts contribute only their partials.
    pub is_library: bool,
    pub dependencies: Vec<RenderChart>,
    /// Some template of this chart or of a dependency is not UTF-8: its
    /// invalid bytes are in `templates` as raw-byte characters (see
    /// [`template_text`]).
    pub raw_sources: bool,
}

/// First of the private-use characters U+10FF00…U+10FFFF that stand, in a
/// template's text, for the bytes 0x00…0xFF of a template file that is not
/// UTF-8 (only 0x80…0xFF occur).  Go's templates are byte strings and copy
/// such bytes to the output, where Helm's manifest parsing rejects them
/// (`yaml: invalid leading UTF-8 octet`); the characters let the render
/// carry them that far.  No chart uses these code points.
const RAW_BYTE_BASE: u32 = 0x10FF00;

/// A template file's text: its bytes when UTF-8 (the usual case), else
/// each invalid byte as its raw-byte character; and whether it was not UTF-8.
pub fn template_text(data: &[u8]) -> (String, bool) {
    match std::str::from_utf8(data) {
        Ok(s) => (s.to_string(), false),
        Err(_) => {
            let mut out = String::with_capacity(data.len() * 2);
            for chunk in data.utf8_chunks() {
                out.push_str(chunk.valid());
                for &b in chunk.invalid() {
                    out.extend(char::from_u32(RAW_BYTE_BASE + b as u32));
                }
            }
            (out, true)
        }
    }
}

fn raw_byte(c: char) -> Option<u8> {
    (c as u32)
        .checked_sub(RAW_BYTE_BASE)
        .and_then(|b| u8::try_from(b).ok())
}

/// Whether `text` holds raw-byte characters.
pub fn has_raw_bytes(text: &str) -> bool {
    // Their UTF-8 encodings all start with 0xF4 (rare in real text).
    text.as_bytes().contains(&0xF4) && text.chars().any(|c| raw_byte(c).is_some())
}

/// The bytes `text` stands for (raw-byte characters as their bytes).
pub fn raw_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match raw_byte(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out
}

/// `text` as printable text: raw-byte characters become U+FFFD (Helm
/// would print the bytes themselves).
pub fn without_raw_bytes(text: &str) -> String {
    text.chars()
        .map(|c| if raw_byte(c).is_some() { '\u{FFFD}' } else { c })
        .collect()
}

/// What goes into `.Release` and `.Capabilities`.
#[derive(Debug, Clone)]
pub struct ReleaseInfo {
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_install: bool,
    pub is_upgrade: bool,
    pub service: String,
}

impl Default for ReleaseInfo {
    /// Helm's `template` release: `release-name` in `default`, installing.
    fn default() -> Self {
        ReleaseInfo::install("release-name", "default")
    }
}

impl ReleaseInfo {
    pub fn install(name: &str, namespace: &str) -> ReleaseInfo {
        ReleaseInfo {
            name: name.to_string(),
            namespace: namespace.to_string(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
            service: "Helm".to_string(),
        }
    }

    fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert("Name".into(), Value::str(&self.name));
        m.insert("Namespace".into(), Value::str(&self.namespace));
        m.insert("Revision".into(), Value::int(self.revision));
        m.insert("IsInstall".into(), Value::Bool(self.is_install));
        m.insert("IsUpgrade".into(), Value::Bool(self.is_upgrade));
        m.insert("Service".into(), Value::str(&self.service));
        Value::map(m)
    }
}

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// `missingkey=error` (lint --strict).
    pub strict: bool,
    /// `required`/`fail` only log (lint).
    pub lint_mode: bool,
    /// `lookup` against a live cluster (install/upgrade); `None` = Helm's
    /// offline behaviour (an empty map), as in `template` and client dry runs.
    pub lookup: Option<crate::helmfuncs::Lookup>,
    /// The process ends right after this render (`capstan template`): the
    /// parsed templates are left for the OS to reclaim at exit instead of
    /// being freed node by node, which costs about a tenth of a render.
    /// (Go's Helm never frees them either: its CLI exits before a GC.)
    pub one_shot: bool,
    /// A helper thread to share parsing with (else one is started).
    pub worker: Option<gotmpl::Worker>,
    /// Leave the raw-byte characters of templates that are not UTF-8 (see
    /// [`RenderChart::raw_sources`]) in the output, for
    /// [`crate::manifest::sort_manifests_checked`] to reject as Helm does;
    /// else they come out as U+FFFD.
    pub keep_raw_bytes: bool,
}

struct Renderable {
    text: Rc<str>,
    /// The chart scope (`Values`, `Chart`, …) shared by the chart's files.
    scope: gotmpl::Map,
    base_path: String,
}

fn map_get(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Map(m) => m.get(key),
        _ => None,
    }
}

fn collect(
    chart: &RenderChart,
    full_path: &str,
    parent_scope: &gotmpl::Map,
    is_root: bool,
    out: &mut BTreeMap<String, Renderable>,
) -> Value {
    let mut chart_meta = match &chart.metadata {
        Value::Map(m) => m.borrow().clone(),
        _ => Default::default(),
    };
    chart_meta.insert("IsRoot".into(), Value::Bool(is_root));
    let subcharts = gotmpl::Map::new(Default::default());
    let scope = gotmpl::Map::new(Default::default());
    scope.insert("Chart", Value::map(chart_meta));
    scope.insert("Files", Value::Object(Rc::new(chart.files.clone())));
    scope.insert("Release", parent_scope.get("Release").unwrap_or_default());
    scope.insert(
        "Capabilities",
        parent_scope.get("Capabilities").unwrap_or_default(),
    );
    let values = if is_root {
        parent_scope.get("Values").unwrap_or_else(Value::empty_map)
    } else {
        // `vals.Table("Values." + name)`: the section when it is a map.
        match parent_scope
            .get("Values")
            .and_then(|v| map_get(&v, &chart.name))
        {
            Some(v @ Value::Map(_)) => v,
            _ => Value::empty_map(),
        }
    };
    scope.insert("Values", values);
    scope.insert("Subcharts", Value::Map(subcharts.clone()));
    for dep in &chart.dependencies {
        let child_path = format!("{full_path}/charts/{}", dep.name);
        let child = collect(dep, &child_path, &scope, false, out);
        subcharts.insert(dep.name.clone(), child);
    }
    for (name, text) in &chart.templates {
        if chart.is_library && !name.rsplit('/').next().unwrap_or(name).starts_with('_') {
            continue;
        }
        out.insert(
            format!("{full_path}/{name}"),
            Renderable {
                text: Rc::from(text.as_str()),
                scope: scope.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    Value::Map(scope)
}

/// Helm's `sortTemplates`: more path segments first; equal depth in
/// reverse lexical order.
fn sorted_names(t: &BTreeMap<String, Renderable>) -> Vec<String> {
    let mut keys: Vec<String> = t.keys().cloned().collect();
    keys.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
    keys
}

/// Below this many bytes of self-contained files, overlapping their
/// parsing with execution is not worth a helper thread.
const PIPELINE_MIN_BYTES: usize = 8 * 1024;

/// Render every template of `chart`; returns file path → text for the
/// non-partial files.  `values` is the coalesced tree (`.Values` of the root).
pub fn render(
    chart: &RenderChart,
    values: &Value,
    release: &ReleaseInfo,
    caps: &Capabilities,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    let top = gotmpl::Map::new(Default::default());
    top.insert("Values", values.clone());
    top.insert("Release", release.to_value());
    top.insert("Capabilities", Value::Object(Rc::new(caps.clone())));
    let mut tpls = BTreeMap::new();
    collect(chart, &chart.name, &top, true, &mut tpls);

    let mut fm = helm_funcs(FuncOptions {
        lint_mode: opts.lint_mode,
    });
    if let Some(l) = &opts.lookup {
        crate::helmfuncs::add_lookup(&mut fm, l.clone());
    }
    let funcs = Rc::new(fm);
    let mut set = Template::new("gotpl", funcs);
    set.set_missing_key(if opts.strict {
        MissingKey::Error
    } else {
        MissingKey::Zero
    });
    let order = sorted_names(&tpls);
    let partial = |n: &str| n.rsplit('/').next().unwrap_or(n).starts_with('_');
    // Files that may define templates (conservatively: any mention of
    // `define` or `block`) and partials are parsed first; the others only
    // define themselves, so each can be parsed on a helper thread while
    // earlier files already run (gotmpl's `parse_pipelined`).
    let (early, late): (Vec<&String>, Vec<&String>) = order.iter().partition(|n| {
        partial(n) || tpls[*n].text.contains("define") || tpls[*n].text.contains("block")
    });
    let late_bytes: usize = late.iter().map(|n| tpls[*n].text.len()).sum();
    let all: Vec<(&str, Rc<str>)> = order
        .iter()
        .map(|n| (n.as_str(), tpls[n].text.clone()))
        .collect();
    if late.len() < 2 || late_bytes < PIPELINE_MIN_BYTES {
        match &opts.worker {
            // Everything parsed before anything runs, in file order,
            // shared with the render's helper (no thread to start).
            Some(w) if order.len() > 1 => {
                let queue: Vec<(String, Rc<str>)> = order
                    .iter()
                    .map(|n| (n.clone(), tpls[n].text.clone()))
                    .collect();
                set.parse_pipelined(queue, order.len(), Some(w));
                set.finish_prefix(order.len())
                    .map_err(|(i, e)| RenderError::at(errors::parse_error(&order[i], &e), &e))?;
            }
            _ => set
                .parse_batch(&all)
                .map_err(|(i, e)| RenderError::at(errors::parse_error(&order[i], &e), &e))?,
        }
    } else {
        // One queue, defining files first: the helper starts on it at once.
        let queue: Vec<(String, Rc<str>)> = early
            .iter()
            .chain(late.iter())
            .map(|n| ((*n).clone(), tpls[*n].text.clone()))
            .collect();
        set.parse_pipelined(queue, early.len(), opts.worker.as_ref());
        let prefix_failed = set.finish_prefix(early.len()).is_err();
        if prefix_failed || late.iter().any(|n| set.has(n)) {
            // A parse error (Go reports the first failing file in file
            // order, which may be one not parsed yet), or a definition
            // named like a file (then Go's order of additions matters):
            // parse everything the plain way.
            set = Template::new("gotpl", set.funcs_rc());
            set.set_missing_key(if opts.strict {
                MissingKey::Error
            } else {
                MissingKey::Zero
            });
            set.parse_batch(&all)
                .map_err(|(i, e)| RenderError::at(errors::parse_error(&order[i], &e), &e))?;
        }
    }
    // Parse errors come before anything that running templates produced.
    let parse_failure = |set: &mut Template| {
        set.finish_pipeline()
            .err()
            .map(|(i, e)| RenderError::at(errors::parse_error(late[i - early.len()], &e), &e))
    };
    let mut rendered = BTreeMap::new();
    for name in &order {
        if partial(name) {
            continue;
        }
        if set.ensure_parsed(name).is_err() {
            return Err(parse_failure(&mut set)
                .unwrap_or_else(|| RenderError::from(format!("parse error in {name}"))));
        }
        let r = &tpls[name];
        let mut t = BTreeMap::new();
        t.insert("Name".to_string(), Value::str(name));
        t.insert("BasePath".to_string(), Value::str(&r.base_path));
        r.scope.insert("Template", Value::map(t));
        let out = match set.execute(name, &Value::Map(r.scope.clone())) {
            Ok(out) => out,
            Err(e) => {
                return Err(parse_failure(&mut set)
                    .unwrap_or_else(|| RenderError::at(errors::exec_error(name, &e), &e)))
            }
        };
        let out = if out.contains("<no value>") {
            out.replace("<no value>", "")
        } else {
            out
        };
        rendered.insert(name.clone(), out);
    }
    if let Some(e) = parse_failure(&mut set) {
        return Err(e);
    }
    if chart.raw_sources && !opts.keep_raw_bytes {
        for out in rendered.values_mut() {
            if has_raw_bytes(out) {
                *out = without_raw_bytes(out);
            }
        }
    }
    if opts.one_shot {
        std::mem::forget(set);
    }
    Ok(rendered)
}
