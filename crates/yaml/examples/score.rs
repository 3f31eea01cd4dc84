//! Dev-only scorer: runs the conformance vectors whose template is one of a
//! few fixed shapes that only exercise this crate (values loading,
//! `toYaml`/`toJson`/`toYamlPretty`/`toToml` of `.Values`, printing of
//! values with `%v`), and reports pass/fail.
//!
//! Usage: `cargo run -p capstan-yaml --example score [CASES.jsonl] [-v]`
//! (default: `../shared/conformance/cases.jsonl` from the repo root).

use capstan_yaml as y;
use gotmpl::Value;

fn fmt_v(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n, _) => n.to_string(),
        Value::Float(f) => y::float::format_g(*f, false),
        Value::String(s) => s.to_string(),
        Value::List(l) => format!(
            "[{}]",
            l.items().iter().map(fmt_v).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(m) => format!(
            "map[{}]",
            m.borrow()
                .iter()
                .map(|(k, v)| format!("{k}:{}", fmt_v(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => format!("{other:?}"),
    }
}

fn type_of(v: &Value) -> String {
    v.type_name()
}

fn render(template: &str, values: &Value) -> Option<Result<String, String>> {
    let trim = |s: String| s.strip_suffix('\n').map(str::to_string).unwrap_or(s);
    Some(match template {
        "{{ toYaml .Values }}" => Ok(y::to_yaml(values).map(trim).unwrap_or_default()),
        "{{ toYamlPretty .Values }}" => Ok(y::to_yaml_pretty(values).map(trim).unwrap_or_default()),
        "{{ toJson .Values }}" => Ok(y::json::encode(values, true, None).unwrap_or_default()),
        "{{ toToml .Values }}" => y::toml::to_toml_helm(values),
        "{{ .Values }}" => Ok(fmt_v(values)),
        "[{{ .Values }}]" => Ok(format!("[{}]", fmt_v(values))),
        "x" => Ok("x".into()),
        "{{ range $k, $v := .Values }}{{ $k }}={{ $v }} ({{ typeOf $v }})\n{{ end }}" => {
            let Value::Map(m) = values else { return None };
            let mut out = String::new();
            for (k, v) in m.borrow().iter() {
                out.push_str(&format!("{k}={} ({})\n", fmt_v(v), type_of(v)));
            }
            Ok(out)
        }
        t => {
            // Templates made only of `{{ .Values.NAME }}` actions and text.
            let Value::Map(m) = values else { return None };
            let mut out = String::new();
            let mut rest = t;
            while let Some(i) = rest.find("{{") {
                out.push_str(&rest[..i]);
                let j = rest[i..].find("}}")? + i;
                let action = rest[i + 2..j].trim();
                let name = action.strip_prefix(".Values.")?;
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return None;
                }
                out.push_str(&fmt_v(&m.get(name).unwrap_or(Value::Nil)).replace("<nil>", ""));
                rest = &rest[j + 2..];
            }
            out.push_str(rest);
            Ok(out)
        }
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let path = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_else(|| "../shared/conformance/cases.jsonl".into());
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("no vectors at {path}; skipping");
        return;
    };
    let (mut pass, mut fail, mut skipped) = (0, 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(Value::Map(case)) = y::json::decode(line) else {
            continue;
        };
        let get = |k: &str| case.get(k).and_then(|v| v.as_str().map(str::to_string));
        let (Some(id), Some(template)) = (get("id"), get("template")) else {
            continue;
        };
        if case.get("files").is_some() {
            skipped += 1;
            continue;
        }
        let values_text = get("values").unwrap_or_default();
        let got = match y::load_values(&values_text) {
            Err(e) => Err(format!("cannot load values.yaml: {e}")),
            Ok(values) => match render(&template, &values) {
                Some(r) => r,
                None => {
                    skipped += 1;
                    continue;
                }
            },
        };
        let ok = match (get("expect"), get("error"), &got) {
            (Some(exp), _, Ok(out)) => &exp == out,
            (_, Some(err), Err(e)) => &err == e,
            _ => false,
        };
        if ok {
            pass += 1;
        } else {
            fail += 1;
            if verbose {
                println!(
                    "FAIL {id}\n  want: {:?}\n  got:  {:?}",
                    get("expect").or(get("error")),
                    got
                );
            }
        }
    }
    println!("skipped {skipped}");
    println!("{pass} passed, {fail} failed");
}
