//! Helm's own template functions, layered over Sprig's (`pkg/engine/funcs.go`
//! and the late-bound ones in `engine.go`): `include`, `tpl`, `required`,
//! `fail`, the YAML/JSON/TOML converters and an offline `lookup`.
//!
//! `fail` and `required` wrap their message in `HELM_ERR_START…HELM_ERR_END`
//! exactly as Helm does: the error formatter (errors.rs) looks for that
//! marker anywhere in the error chain to print `execution error at (…)`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gotmpl::{Context, ErrorKind, FuncError, FuncMap, ParamType as P, Value};

/// Helm's `recursionMaxNums`: how deep one name may be included in itself.
pub const INCLUDE_MAX_DEPTH: usize = 1000;

/// How deep `tpl` calls may nest (a template given to `tpl` that calls
/// `tpl`, …).  Helm sets no bound: a value that feeds itself to `tpl`
/// recurses until Go's stack overflows (after half a minute and gigabytes).
/// Real charts nest a few levels; the bound matches `include`'s.
pub const TPL_MAX_DEPTH: usize = 1000;

pub const WARN_START: &str = "HELM_ERR_START";
pub const WARN_END: &str = "HELM_ERR_END";

/// Options that change Helm's functions.
#[derive(Clone, Copy, Debug, Default)]
pub struct FuncOptions {
    /// Lint mode: `required` and `fail` only log.
    pub lint_mode: bool,
}

/// Sprig's map without `env`/`expandenv`, plus Helm's functions.
pub fn helm_funcs(opts: FuncOptions) -> FuncMap {
    let mut m = funcs::sprig();
    m.remove("env");
    m.remove("expandenv");
    add_converters(&mut m);
    add_late_bound(&mut m, opts);
    m.add(
        "lookup",
        &[P::String, P::String, P::String, P::String],
        None,
        |_| Ok(Value::empty_map()),
    );
    m
}

/// Helm's `lookup apiVersion kind namespace name` served by a live
/// cluster: the object (or, with an empty name, the list) as a map; an
/// empty map when it does not exist.
#[derive(Clone)]
pub struct Lookup(pub Rc<LookupFn>);

/// `lookup`'s signature: (apiVersion, kind, namespace, name) → object.
pub type LookupFn = dyn Fn(&str, &str, &str, &str) -> Result<Value, String>;

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lookup")
    }
}

/// Replace the offline `lookup` with one that asks the cluster.
pub fn add_lookup(m: &mut FuncMap, l: Lookup) {
    m.add(
        "lookup",
        &[P::String, P::String, P::String, P::String],
        None,
        move |a| {
            let s = |i: usize| a[i].as_str().unwrap_or_default().to_string();
            (l.0)(&s(0), &s(1), &s(2), &s(3)).map_err(FuncError::msg)
        },
    );
}

fn go_quote(s: &str) -> String {
    gotmpl::fmt::quote(s)
}

fn add_converters(m: &mut FuncMap) {
    m.add("toYaml", &[P::Any], None, |a| {
        // Helm swallows marshalling errors inside templates.
        Ok(Value::string(
            yaml::to_yaml(&a[0]).map(trim_nl).unwrap_or_default(),
        ))
    });
    m.add("mustToYaml", &[P::Any], None, |a| {
        yaml::to_yaml(&a[0])
            .map(|s| Value::string(trim_nl(s)))
            .map_err(|e| FuncError::msg(e.to_string()))
    });
    m.add("toYamlPretty", &[P::Any], None, |a| {
        Ok(Value::string(
            yaml::to_yaml_pretty(&a[0]).map(trim_nl).unwrap_or_default(),
        ))
    });
    m.add("fromYaml", &[P::String], None, |a| {
        Ok(yaml::from_yaml_map(a[0].as_str().unwrap_or_default())
            .unwrap_or_else(|e| error_map(e.to_string())))
    });
    m.add("fromYamlArray", &[P::String], None, |a| {
        Ok(yaml::from_yaml_list(a[0].as_str().unwrap_or_default())
            .unwrap_or_else(|e| Value::list(vec![Value::string(e.to_string())])))
    });
    m.add("toJson", &[P::Any], None, |a| {
        Ok(Value::string(
            funcs::json_encode(&a[0], true, None).unwrap_or_default(),
        ))
    });
    m.add("mustToJson", &[P::Any], None, |a| {
        funcs::json_encode(&a[0], true, None)
            .map(Value::string)
            .map_err(FuncError::msg)
    });
    m.add("fromJson", &[P::String], None, |a| {
        Ok(yaml::json::decode_map(a[0].as_str().unwrap_or_default()).unwrap_or_else(error_map))
    });
    m.add("fromJsonArray", &[P::String], None, |a| {
        Ok(yaml::json::decode_list(a[0].as_str().unwrap_or_default())
            .unwrap_or_else(|e| Value::list(vec![Value::string(e)])))
    });
    m.add("toToml", &[P::Any], None, |a| {
        // Encoder errors are Helm's output text; a nil input panics in Go.
        yaml::toml::to_toml_helm(&a[0])
            .map(Value::string)
            .map_err(FuncError::msg)
    });
    m.add("fromToml", &[P::String], None, |a| {
        Ok(yaml::toml::decode(a[0].as_str().unwrap_or_default()).unwrap_or_else(error_map))
    });
}

fn trim_nl(s: String) -> String {
    match s.strip_suffix('\n') {
        Some(t) => t.to_string(),
        None => s,
    }
}

fn error_map(msg: String) -> Value {
    let m = Value::empty_map();
    if let Value::Map(map) = &m {
        map.insert("Error", Value::string(msg));
    }
    m
}

fn add_late_bound(m: &mut FuncMap, opts: FuncOptions) {
    let included: Rc<RefCell<HashMap<String, usize>>> = Rc::default();
    m.add_ctx("include", &[P::String, P::Any], None, move |ctx: &mut dyn Context, a| {
        let name = a[0].as_str().unwrap_or_default().to_string();
        {
            let mut counts = included.borrow_mut();
            let n = counts.entry(name.clone()).or_insert(0);
            if *n > INCLUDE_MAX_DEPTH {
                return Err(FuncError::msg(format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                )));
            }
            *n += 1;
        }
        let result = ctx.execute_named(&name, &a[1]);
        if let Some(n) = included.borrow_mut().get_mut(&name) {
            *n -= 1;
        }
        result.map(Value::string)
    });
    // Nesting of `tpl` calls, and the error once it went too deep: that
    // error passes up through every enclosing `tpl` unwrapped (wrapping
    // it a thousand times would quote the text a thousand times over).
    let tpl_depth: Rc<RefCell<(usize, Option<String>)>> = Rc::default();
    m.add_ctx(
        "tpl",
        &[P::String, P::Map],
        None,
        move |ctx: &mut dyn Context, a| {
            let text = a[0].as_str().unwrap_or_default();
            {
                let mut st = tpl_depth.borrow_mut();
                if st.0 >= TPL_MAX_DEPTH {
                    let msg = format!(
                        "tpl calls nested more than {TPL_MAX_DEPTH} deep (a template given to tpl keeps calling tpl): giving up on template {}",
                        go_quote(text)
                    );
                    st.1 = Some(msg.clone());
                    return Err(FuncError::msg(msg));
                }
                st.0 += 1;
            }
            let result = ctx.execute_text("gotpl", text, &a[1]);
            let too_deep = {
                let mut st = tpl_depth.borrow_mut();
                st.0 -= 1;
                if st.0 == 0 {
                    // The outermost tpl: report it once, and forget it.
                    st.1.take().filter(|_| result.is_err())
                } else if result.is_err() {
                    st.1.clone()
                } else {
                    None
                }
            };
            if let Some(msg) = too_deep {
                return Err(FuncError::msg(msg));
            }
            match result {
                Ok(out) => Ok(Value::string(out.replace("<no value>", ""))),
                Err(FuncError::Template(e)) if e.kind == ErrorKind::Parse => Err(FuncError::msg(
                    format!("cannot parse template {}: {e}", go_quote(text)),
                )),
                Err(e) => Err(FuncError::msg(format!(
                    "error during tpl function execution for {}: {e}",
                    go_quote(text)
                ))),
            }
        },
    );
    m.add("required", &[P::String, P::Any], None, move |a| {
        let missing = match &a[1] {
            Value::Nil => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        };
        if missing {
            if opts.lint_mode {
                return Ok(Value::str(""));
            }
            return Err(FuncError::msg(format!(
                "{WARN_START}{}{WARN_END}",
                a[0].as_str().unwrap_or_default()
            )));
        }
        Ok(a[1].clone())
    });
    m.add("fail", &[P::String], None, move |a| {
        if opts.lint_mode {
            return Ok(Value::str(""));
        }
        Err(FuncError::msg(format!(
            "{WARN_START}{}{WARN_END}",
            a[0].as_str().unwrap_or_default()
        )))
    });
}
