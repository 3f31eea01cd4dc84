//! Go's `fmt` package as templates use it (`print`, `printf`, `println`,
//! printing of pipeline results) and `strconv.FormatFloat`.
//!
//! STUB: the API below is stable; the bodies are a rough first cut to be
//! replaced by an exact reimplementation (verbs, flags, width/precision,
//! `%!verb(type=value)` errors, Sprint's operand spacing rules).

use crate::value::{ElemKind, Value};

/// `strconv.FormatFloat(f, fmt, prec, 64)`; `prec == -1` means shortest.
pub fn format_float(f: f64, fmt: u8, prec: i32) -> String {
    let _ = (fmt, prec);
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f.is_nan() {
        return "NaN".into();
    }
    format!("{f}")
}

/// `fmt.Sprint("%v", v)`.
pub fn format_v(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n, _) => n.to_string(),
        Value::Float(f) => format_float(*f, b'g', -1),
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => {
            let parts: Vec<String> = b.iter().map(|x| x.to_string()).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::List(l) => {
            let parts: Vec<String> = l.items.iter().map(format_v).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(m) => {
            let _ = ElemKind::Any;
            let parts: Vec<String> =
                m.inner.borrow().iter().map(|(k, v)| format!("{k}:{}", format_v(v))).collect();
            format!("map[{}]", parts.join(" "))
        }
        Value::Object(o) => o.format_v(),
    }
}

/// `fmt.Sprint(args...)`: spaces between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::String(_)) && !matches!(args[i - 1], Value::String(_)) {
            out.push(' ');
        }
        out.push_str(&format_v(a));
    }
    out
}

/// `fmt.Sprintln(args...)`: always spaces, trailing newline.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(format_v).collect();
    format!("{}\n", parts.join(" "))
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let _ = args;
    format.to_string()
}
