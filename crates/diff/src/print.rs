//! Printers, one per `--output` format, writing exactly what helm-diff's
//! do (colours included: mgutz/ansi codes, headers wrapped whole).

use std::rc::Rc;

use gotmpl::{FuncMap, MapInner, ParamType, Template, Value};

use crate::lcs::{Delta, Record};
use crate::report::{Change, Entry, Options, Report};

const RESET: &str = "\x1b[0m";

fn code(color: &str) -> &'static str {
    match color {
        "red" => "\x1b[0;31m",
        "green" => "\x1b[0;32m",
        "yellow" => "\x1b[0;33m",
        "magenta" => "\x1b[0;35m",
        "blue+h" => "\x1b[0;94m",
        _ => "",
    }
}

/// `ansi.Color(s, color)`, or `s` when colours are off.
fn paint(s: &str, color: &str, on: bool) -> String {
    if on {
        format!("{}{s}{RESET}", code(color))
    } else {
        s.to_string()
    }
}

fn style(c: Change, simple: bool) -> (&'static str, &'static str) {
    match (c, simple) {
        (Change::Add, false) => ("green", "has been added:"),
        (Change::Remove, false) => ("red", "has been removed:"),
        (Change::Modify, false) => ("yellow", "has changed:"),
        (Change::Ownership, false) => ("magenta", "changed ownership:"),
        (Change::Add, true) => ("green", "to be added."),
        (Change::Remove, true) => ("red", "to be removed."),
        (Change::Modify, true) => ("yellow", "to be changed."),
        (Change::Ownership, true) => ("magenta", "to change ownership."),
        (Change::ModifySuppressed, _) => (
            "blue+h",
            "has changed, but diff is empty after suppression.",
        ),
    }
}

/// The report in the format `o.output` names.  Errors are for a custom
/// template (`HELM_DIFF_TPL`) that does not load or run.
pub fn print(r: &Report, o: &Options) -> Result<String, String> {
    Ok(match o.output.as_str() {
        "simple" => simple(r, o),
        "template" => {
            let (name, text) = match &o.template_file {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| {
                        format!("open {}: {}", path.display(), crate::io_error_text(&e))
                    })?;
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (name, text)
                }
                None => ("entries".to_string(), DEFAULT_TEMPLATE.to_string()),
            };
            template(r, &name, &text)?
        }
        "json" => template(r, "entries", DEFAULT_TEMPLATE)?,
        "structured" => {
            let entries: Vec<_> = r
                .entries
                .iter()
                .map(|e| match &e.structured {
                    Some(s) => {
                        let mut s = s.clone();
                        if s.change_type.is_empty() {
                            s.change_type = e.change.as_str().into();
                        }
                        s
                    }
                    None => crate::structured::StructuredEntry {
                        name: e.key.clone(),
                        change_type: e.change.as_str().into(),
                        ..Default::default()
                    },
                })
                .collect();
            crate::structured::print(&entries)
        }
        "dyff" => crate::dyff::print(r, o),
        _ => diff(r, o),
    })
}

fn diff(r: &Report, o: &Options) -> String {
    let mut out = String::new();
    for e in &r.entries {
        let (color, msg) = style(e.change, false);
        out.push_str(&paint(&format!("{} {msg}", e.key), color, o.color));
        out.push('\n');
        records(&mut out, e, o);
    }
    out
}

fn records(out: &mut String, e: &Entry, o: &Options) {
    if o.suppressed_kinds.contains(&e.kind) {
        out.push_str(&paint(
            &format!(
                "+ Changes suppressed on sensitive content of type {}\n",
                e.kind
            ),
            "yellow",
            o.color,
        ));
        return;
    }
    let context = if e.change == Change::Ownership {
        0
    } else {
        o.context
    };
    if context < 0 {
        for d in &e.diffs {
            record(out, d, o.color);
        }
        return;
    }
    let dist = distances(&e.diffs);
    let mut omitting = false;
    for (d, dist) in e.diffs.iter().zip(dist) {
        if dist > context {
            if !omitting {
                out.push_str("...\n");
                omitting = true;
            }
        } else {
            omitting = false;
            record(out, d, o.color);
        }
    }
}

fn record(out: &mut String, d: &Record, color: bool) {
    match d.delta {
        Delta::RightOnly => out.push_str(&paint(&format!("+ {}", d.payload), "green", color)),
        Delta::LeftOnly => out.push_str(&paint(&format!("- {}", d.payload), "red", color)),
        Delta::Common if d.payload.is_empty() => {}
        Delta::Common => {
            out.push_str("  ");
            out.push_str(&d.payload);
        }
    }
    out.push('\n');
}

/// Distance of every line to the nearest change.
fn distances(d: &[Record]) -> Vec<i64> {
    let mut out = vec![i64::from(i32::MAX); d.len()];
    let mut last: Option<usize> = None;
    for (i, r) in d.iter().enumerate() {
        if r.delta != Delta::Common {
            last = Some(i);
        }
        if let Some(c) = last {
            out[i] = (i - c) as i64;
        }
    }
    let mut next: Option<usize> = None;
    for i in (0..d.len()).rev() {
        if d[i].delta != Delta::Common {
            next = Some(i);
        }
        if let Some(c) = next {
            out[i] = out[i].min((c - i) as i64);
        }
    }
    out
}

fn simple(r: &Report, o: &Options) -> String {
    let mut out = String::new();
    let (mut add, mut modify, mut remove, mut own) = (0, 0, 0, 0);
    for e in &r.entries {
        let (color, msg) = style(e.change, true);
        out.push_str(&paint(&format!("{} {msg}", e.key), color, o.color));
        out.push('\n');
        match e.change {
            Change::Add => add += 1,
            Change::Modify => modify += 1,
            Change::Remove => remove += 1,
            Change::Ownership => own += 1,
            Change::ModifySuppressed => {}
        }
    }
    out.push_str(&format!(
        "Plan: {add} to add, {modify} to change, {remove} to destroy, {own} to change ownership.\n"
    ));
    out
}

/// helm-diff's built-in template (`--output json`, and `template`
/// without `HELM_DIFF_TPL`).
pub const DEFAULT_TEMPLATE: &str = "[\n{{- $global := . -}}\n{{- range $idx, $entry := . -}}\n{\n  \"api\": \"{{ $entry.API }}\",\n  \"kind\": \"{{ $entry.Kind }}\",\n  \"namespace\": \"{{ $entry.Namespace }}\",\n  \"name\": \"{{ $entry.Name }}\",\n  \"change\": \"{{ $entry.Change }}\"\n}{{ if not (last $idx  $global) }},{{ end }}\n{{- end }}]";

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i, _) => Some(*i),
        Value::Float(f) => Some(*f as i64),
        _ => None,
    }
}

fn template(r: &Report, name: &str, text: &str) -> Result<String, String> {
    let mut funcs = FuncMap::new();
    funcs.add("last", &[ParamType::Any, ParamType::Any], None, |a| {
        let x = as_i64(&a[0]).unwrap_or(-2);
        let len = match &a[1] {
            Value::List(l) => l.items().len() as i64,
            Value::Map(m) => m.borrow().len() as i64,
            Value::String(s) => s.len() as i64,
            _ => 0,
        };
        Ok(Value::Bool(x == len - 1))
    });
    let mut t = Template::new(name, Rc::new(funcs));
    t.parse(name, text).map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    for e in &r.entries {
        // Entries whose key is not `ns, name, Kind (api)` (diff release's
        // template paths) are left out, as helm-diff logs and skips them.
        let Some((ns, n, kind, api)) = crate::structured::key_fields(&e.key) else {
            continue;
        };
        let mut m = MapInner::new();
        m.insert("Namespace".into(), Value::string(ns));
        m.insert("Name".into(), Value::string(n));
        m.insert("Kind".into(), Value::string(kind));
        m.insert("API".into(), Value::string(api));
        m.insert(
            "Change".into(),
            Value::string(e.change.as_str().to_string()),
        );
        items.push(Value::map(m));
    }
    let data = if items.is_empty() {
        Value::Nil
    } else {
        Value::list(items)
    };
    // A failing execution leaves what was written; helm-diff ignores the error.
    let mut out = t.execute(name, &data).unwrap_or_default();
    out.push('\n');
    Ok(out)
}

/// Lines helm-diff logs while printing (for stderr).
pub fn print_warnings(r: &Report, o: &Options) -> Vec<String> {
    let mut w = Vec::new();
    if matches!(o.output.as_str(), "template" | "json") {
        for e in &r.entries {
            if crate::structured::key_fields(&e.key).is_none() {
                w.push("error processing report entry".to_string());
            }
        }
    }
    w
}
