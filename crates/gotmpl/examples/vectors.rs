//! Dev tool: run the shared conformance vectors that need only the
//! template engine (plus tiny stand-ins for a few Sprig functions and
//! Helm's include/tpl/required/fail; cases needing others fail) and print pass/fail per group.
//!
//! Usage: cargo run -p capstan-gotmpl --example vectors [-- -v] [GROUP...]
//! Skips cleanly when ../shared/conformance/cases.jsonl is absent.
//! Error cases pass when we fail and our message's essentials appear in
//! Helm's (Helm re-formats errors; exact formatting is the engine's job).

// `gotmpl::Error` is returned by value, as the crate does (see its lib.rs).
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::rc::Rc;

use capstan_gotmpl as gotmpl;

use gotmpl::{ErrorKind, FuncError, FuncMap, ParamType as P, Template, Value};

fn yaml_to_value(y: &serde_yaml::Value) -> Value {
    match y {
        serde_yaml::Value::Null => Value::Nil,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_yaml::Value::String(s) => Value::str(s),
        serde_yaml::Value::Sequence(s) => Value::list(s.iter().map(yaml_to_value).collect()),
        serde_yaml::Value::Mapping(m) => {
            let mut out = BTreeMap::new();
            for (k, v) in m {
                let key = match k {
                    serde_yaml::Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                let v = yaml_to_value(v);
                if !v.is_nil() {
                    out.insert(key, v);
                }
            }
            Value::map(out)
        }
        serde_yaml::Value::Tagged(t) => yaml_to_value(&t.value),
    }
}

fn strmap(pairs: &[(&str, Value)]) -> Value {
    Value::map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn funcs() -> FuncMap {
    let mut m = FuncMap::new();
    m.add("list", &[], Some(P::Any), |a| Ok(Value::list(a.to_vec())));
    m.add("dict", &[], Some(P::Any), |a| {
        let mut out = BTreeMap::new();
        for kv in a.chunks(2) {
            let k = gotmpl::fmt::format_v(&kv[0]);
            out.insert(k, kv.get(1).cloned().unwrap_or_default());
        }
        Ok(Value::map(out))
    });
    m.add("upper", &[P::String], None, |a| {
        Ok(Value::string(a[0].as_str().unwrap_or("").to_uppercase()))
    });
    m.add("quote", &[], Some(P::Any), |a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("{:?}", gotmpl::fmt::format_v(v)))
            .collect();
        Ok(Value::string(parts.join(" ")))
    });
    m.add("toString", &[P::Any], None, |a| {
        Ok(Value::string(gotmpl::fmt::format_v(&a[0])))
    });
    m.add("typeOf", &[P::Any], None, |a| {
        Ok(Value::string(a[0].type_name()))
    });
    m.add("kindOf", &[P::Any], None, |a| {
        Ok(Value::str(a[0].kind_name()))
    });
    m.add("default", &[P::Any], Some(P::Any), |a| {
        Ok(if a.len() > 1 && a[1].truthy() {
            a[1].clone()
        } else {
            a[0].clone()
        })
    });
    m.add("int", &[P::Any], None, |a| {
        Ok(Value::int(match &a[0] {
            Value::Int(n, _) => *n,
            Value::Float(f) => *f as i64,
            Value::String(s) => s.parse().unwrap_or(0),
            _ => 0,
        }))
    });
    m.add("int64", &[P::Any], None, |a| {
        Ok(Value::int64(match &a[0] {
            Value::Int(n, _) => *n,
            Value::Float(f) => *f as i64,
            _ => 0,
        }))
    });
    m.add_ctx("include", &[P::String, P::Any], None, |ctx, a| {
        ctx.execute_named(a[0].as_str().unwrap_or(""), &a[1])
            .map(Value::string)
    });
    m.add_ctx("tpl", &[P::String, P::Any], None, |ctx, a| {
        ctx.execute_text("gotpl", a[0].as_str().unwrap_or(""), &a[1])
            .map(|s| Value::string(s.replace("<no value>", "")))
    });
    m.add("required", &[P::String, P::Any], None, |a| {
        if a[1].is_nil() || a[1].as_str() == Some("") {
            return Err(FuncError::msg(a[0].as_str().unwrap_or("")));
        }
        Ok(a[1].clone())
    });
    m.add("fail", &[P::String], None, |a| {
        Err(FuncError::msg(a[0].as_str().unwrap_or("")))
    });
    m
}

fn main() {
    // Execution recurses: give it a big stack, as the engine must.
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(real_main)
        .expect("thread")
        .join()
        .expect("join");
}

fn real_main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let groups: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/cases.jsonl"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        println!("no vectors at {path}; skipping");
        return;
    };
    let funcs = Rc::new(funcs());
    let mut stats: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for line in text.lines() {
        let case: serde_json::Value = serde_json::from_str(line).expect("json");
        let id = case["id"].as_str().unwrap_or("").to_string();
        let group = id.split('/').next().unwrap_or("").to_string();
        if !groups.is_empty() && !groups.iter().any(|g| **g == group) {
            continue;
        }
        let entry = stats.entry(group.clone()).or_default();
        let files = case["files"].as_object().cloned().unwrap_or_default();
        if files
            .keys()
            .any(|k| !(k.starts_with("templates/") && k.ends_with(".tpl")))
            || case.get("chart_yaml").is_some()
        {
            entry.2 += 1;
            continue;
        }
        let values: serde_yaml::Value =
            match serde_yaml::from_str(case["values"].as_str().unwrap_or("")) {
                Ok(v) => v,
                Err(_) => {
                    entry.2 += 1;
                    continue;
                }
            };
        let mut vals = yaml_to_value(&values);
        if vals.is_nil() {
            vals = Value::empty_map();
        }
        let data = strmap(&[
            ("Values", vals),
            (
                "Release",
                strmap(&[
                    ("Name", Value::str("rel")),
                    ("Namespace", Value::str("ns")),
                    ("Service", Value::str("Helm")),
                    ("IsInstall", Value::Bool(true)),
                    ("IsUpgrade", Value::Bool(false)),
                    ("Revision", Value::int(1)),
                ]),
            ),
            (
                "Chart",
                strmap(&[("Name", Value::str("t")), ("Version", Value::str("0.1.0"))]),
            ),
            (
                "Template",
                strmap(&[
                    ("Name", Value::str("t/templates/t.yaml")),
                    ("BasePath", Value::str("t/templates")),
                ]),
            ),
        ]);
        let mut set = Template::new("gotpl", funcs.clone());
        set.set_missing_key(gotmpl::MissingKey::Zero);
        let mut result = Ok(String::new());
        let mut names: Vec<(String, String)> = files
            .iter()
            .map(|(k, v)| (format!("t/{k}"), v.as_str().unwrap_or("").to_string()))
            .collect();
        names.push((
            "t/templates/t.yaml".into(),
            case["template"].as_str().unwrap_or("").to_string(),
        ));
        names.sort();
        for (n, t) in &names {
            if let Err(e) = set.parse(n, t) {
                result = Err(e);
                break;
            }
        }
        let result = result.and_then(|_| set.execute("t/templates/t.yaml", &data));
        let ok = match (&result, case.get("expect").and_then(|e| e.as_str())) {
            (Ok(out), Some(exp)) => out.replace("<no value>", "") == exp,
            (Err(e), None) => {
                let exp = case["error"].as_str().unwrap_or("");
                let last = e.message.rsplit(": ").next().unwrap_or(&e.message);
                let loc = match e.kind {
                    ErrorKind::Parse => format!("{}:{}", e.name, e.line),
                    _ => format!("{}:{}:{}", e.name, e.line, e.col),
                };
                exp.contains(last) && (exp.contains(&loc) || e.kind == ErrorKind::Other)
            }
            _ => false,
        };
        if ok {
            entry.0 += 1;
        } else {
            entry.1 += 1;
            if verbose {
                println!(
                    "FAIL {id}\n  template: {:?}",
                    case["template"].as_str().unwrap_or("")
                );
                match &result {
                    Ok(out) => println!("  got:    {:?}", out.replace("<no value>", "")),
                    Err(e) => println!("  got err: {e}"),
                }
                println!("  expect: {:?}", case.get("expect").or(case.get("error")));
            }
        }
    }
    let (mut p, mut f, mut s) = (0, 0, 0);
    for (g, (gp, gf, gs)) in &stats {
        println!("{g:16} {gp:4} passed {gf:4} failed {gs:4} skipped");
        p += gp;
        f += gf;
        s += gs;
    }
    println!("TOTAL {p} passed, {f} failed, {s} skipped");
}
