//! Go's predefined template functions (`and`, `or`, `not`, `len`, `index`,
//! `slice`, `eq`…`ge`, `print*`, `html`, `js`, `urlquery`, `call`) with
//! Go 1.24's semantics and error texts, plus small Go-compatible helpers
//! (`strconv.Quote`, `unicode.IsPrint`).
//!
//! In Go these take `reflect.Value` arguments, so they can tell an
//! interface-typed nil (a missing map entry) from an untyped nil; the
//! executor passes them [`Val`]s that keep that distinction.

use crate::exec::Val;
use crate::value::{ElemKind, IntKind, List, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Print,
    Printf,
    Println,
    Html,
    Js,
    Urlquery,
    Call,
}

impl Builtin {
    pub fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "len" => Builtin::Len,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::Urlquery,
            "call" => Builtin::Call,
            _ => return None,
        })
    }

    /// (number of fixed parameters, variadic?) of the Go signature.
    pub fn arity(self) -> (usize, bool) {
        match self {
            Builtin::And
            | Builtin::Or
            | Builtin::Index
            | Builtin::Slice
            | Builtin::Eq
            | Builtin::Call => (1, true),
            Builtin::Printf => (1, true),
            Builtin::Not | Builtin::Len => (1, false),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => (2, false),
            Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::Urlquery => {
                (0, true)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Go helpers

/// `unicode.IsPrint`, approximated without Unicode tables: printable
/// unless a control, a space other than U+0020, a format character,
/// private use or a noncharacter.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let cp = c as u32;
    !matches!(cp,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF
        | 0xE0000..=0xE007F | 0xF0000..=0x10FFFF)
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    crate::fmt::quote(s)
}

/// Go's `reflect.Type.String()` for the static type of a [`Val`].
pub fn val_type(v: &Val) -> String {
    if v.iface {
        "interface {}".into()
    } else {
        v.v.type_name()
    }
}

// ---------------------------------------------------------------------------
// truth and comparisons

/// Go's `isTrue` on an (indirected) value.
pub fn truth(v: &Value) -> bool {
    v.truthy()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
    Uint,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_, IntKind::Uint8 | IntKind::Uint64) => Kind::Uint,
        Value::Int(..) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::String(_) => Kind::String,
        Value::Object(_) if v.as_byte_string().is_some() => Kind::String,
        _ => Kind::Invalid,
    }
}

/// The bytes of a value of kind String.
fn str_bytes(v: &Value) -> &[u8] {
    v.go_str_bytes().unwrap_or_default()
}

fn as_i64(v: &Value) -> i64 {
    match v {
        Value::Int(n, _) => *n,
        _ => 0,
    }
}

fn as_u64(v: &Value) -> u64 {
    match v {
        Value::Int(n, _) => *n as u64,
        _ => 0,
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

fn is_valid(v: &Value) -> bool {
    !v.is_nil()
}

/// Go's `isNil` on an indirected value.
fn is_nil_value(v: &Value) -> bool {
    matches!(v, Value::Nil)
}

pub fn eq(arg1: &Value, rest: &[Val]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(arg1);
    for a in rest {
        let arg = &a.v;
        let k2 = basic_kind(arg);
        let mut t = false;
        if k1 != k2 {
            match (k1, k2) {
                (Kind::Int, Kind::Uint) => {
                    t = as_i64(arg1) >= 0 && as_i64(arg1) as u64 == as_u64(arg)
                }
                (Kind::Uint, Kind::Int) => {
                    t = as_i64(arg) >= 0 && as_u64(arg1) == as_i64(arg) as u64
                }
                _ => {
                    if is_valid(arg1) && is_valid(arg) {
                        return Err(format!(
                            "incompatible types for comparison: {} and {}",
                            arg1.type_name(),
                            arg.type_name()
                        ));
                    }
                }
            }
        } else {
            t = match k1 {
                Kind::Bool => matches!((arg1, arg), (Value::Bool(a), Value::Bool(b)) if a == b),
                Kind::Float => as_f64(arg1) == as_f64(arg),
                Kind::Int => as_i64(arg1) == as_i64(arg),
                Kind::String => str_bytes(arg1) == str_bytes(arg),
                Kind::Uint => as_u64(arg1) == as_u64(arg),
                Kind::Invalid => {
                    // Both are non-basic: maps, slices, objects or nil.
                    let same_kind = std::mem::discriminant(arg1) == std::mem::discriminant(arg);
                    if !same_kind && is_valid(arg1) && is_valid(arg) {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            crate::fmt::sprintf("%s", std::slice::from_ref(arg1)),
                            arg1.type_name(),
                            arg.type_name(),
                            crate::fmt::format_v(arg)
                        ));
                    }
                    if is_nil_value(arg1) || is_nil_value(arg) {
                        is_nil_value(arg) == is_nil_value(arg1)
                    } else {
                        match (arg1, arg) {
                            (Value::Object(x), Value::Object(y)) => std::rc::Rc::ptr_eq(x, y),
                            _ => {
                                return Err(format!(
                                    "non-comparable type {}: {}",
                                    crate::fmt::sprintf("%s", std::slice::from_ref(arg)),
                                    arg.type_name()
                                ))
                            }
                        }
                    }
                }
            };
        }
        if t {
            return Ok(true);
        }
    }
    Ok(false)
}

pub fn lt(arg1: &Value, arg2: &Value) -> Result<bool, String> {
    let k1 = basic_kind(arg1);
    if k1 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    let k2 = basic_kind(arg2);
    if k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Kind::Int, Kind::Uint) => Ok(as_i64(arg1) < 0 || (as_i64(arg1) as u64) < as_u64(arg2)),
            (Kind::Uint, Kind::Int) => Ok(as_i64(arg2) >= 0 && as_u64(arg1) < as_i64(arg2) as u64),
            _ => Err(format!(
                "incompatible types for comparison: {} and {}",
                arg1.type_name(),
                arg2.type_name()
            )),
        };
    }
    Ok(match k1 {
        Kind::Bool | Kind::Invalid => return Err("invalid type for comparison".into()),
        Kind::Float => as_f64(arg1) < as_f64(arg2),
        Kind::Int => as_i64(arg1) < as_i64(arg2),
        Kind::String => str_bytes(arg1) < str_bytes(arg2),
        Kind::Uint => as_u64(arg1) < as_u64(arg2),
    })
}

pub fn le(a: &Value, b: &Value) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(
        a,
        &[Val {
            v: b.clone(),
            iface: false,
        }],
    )
}

// ---------------------------------------------------------------------------
// len, index, slice

pub fn length(item: &Val) -> Result<Value, String> {
    if item.iface && item.v.is_nil() {
        return Err("len of nil pointer".into());
    }
    let n = match &item.v {
        Value::String(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.items.len(),
        Value::Map(m) => m.len(),
        Value::Object(_) if item.v.as_byte_string().is_some() => str_bytes(&item.v).len(),
        Value::Object(o) if o.as_collection().is_some() => {
            return length(&Val {
                v: o.as_collection().unwrap_or_default(),
                iface: false,
            })
        }
        // Go calls Type() on the zero reflect.Value and recovers the panic.
        Value::Nil => return Err("reflect: call of reflect.Value.Type on zero Value".into()),
        other => return Err(format!("len of type {}", other.type_name())),
    };
    Ok(Value::int(n as i64))
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i64 = match index {
        Value::Int(n, _) => *n,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ))
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

/// A byte of a string (`uint8`).
fn string_index(s: &[u8], index: &Value) -> Result<Val, String> {
    let x = index_arg(index, s.len())?;
    if x == s.len() {
        return Err("reflect: string index out of range".into());
    }
    Ok(Val {
        v: Value::Int(s[x] as i64, IntKind::Uint8),
        iface: false,
    })
}

pub fn index(item: &Val, indexes: &[Val]) -> Result<Val, String> {
    let mut item = Val {
        v: item.v.clone(),
        iface: false,
    };
    if item.v.is_nil() {
        return Err("index of untyped nil".into());
    }
    for idx in indexes {
        let index = &idx.v;
        if item.v.is_nil() {
            // An interface-typed nil reached through a previous index.
            return Err("index of nil pointer".into());
        }
        if let Value::Object(o) = &item.v {
            if let Some(c) = o.as_collection() {
                item.v = c;
            }
        }
        item = match &item.v {
            Value::List(l) => {
                let x = index_arg(index, l.items.len())?;
                if x == l.items.len() {
                    return Err("reflect: slice index out of range".into());
                }
                Val {
                    v: l.items[x].clone(),
                    iface: l.elem == ElemKind::Any,
                }
            }
            Value::Bytes(b) => {
                let x = index_arg(index, b.len())?;
                if x == b.len() {
                    return Err("reflect: slice index out of range".into());
                }
                Val {
                    v: Value::Int(b[x] as i64, IntKind::Uint8),
                    iface: false,
                }
            }
            Value::String(_) => string_index(str_bytes(&item.v), index)?,
            Value::Object(_) if item.v.as_byte_string().is_some() => {
                string_index(str_bytes(&item.v), index)?
            }
            Value::Map(m) => {
                let key = match index {
                    Value::String(k) => k.clone(),
                    Value::Nil => return Err("value is nil; should be of type string".into()),
                    other => {
                        return Err(format!(
                            "value has type {}; should be string",
                            other.type_name()
                        ))
                    }
                };
                match m.get(&key) {
                    Some(v) => Val {
                        v,
                        iface: m.elem == ElemKind::Any,
                    },
                    None => match m.elem {
                        ElemKind::Any => Val {
                            v: Value::Nil,
                            iface: true,
                        },
                        ElemKind::String => Val {
                            v: Value::str(""),
                            iface: false,
                        },
                    },
                }
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

pub fn slice(item: &Val, indexes: &[Val]) -> Result<Value, String> {
    let item = &item.v;
    if item.is_nil() {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let is_string = basic_kind(item) == Kind::String;
    let len = match item {
        _ if is_string => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            str_bytes(item).len()
        }
        Value::List(l) => l.items.len(),
        Value::Bytes(b) => b.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0usize, len, len];
    for (i, x) in indexes.iter().enumerate() {
        idx[i] = index_arg(&x.v, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let (a, b) = (idx[0], idx[1]);
    Ok(match item {
        // Go slices strings by bytes: the cut may fall inside a character.
        _ if is_string => Value::from_go_bytes(&str_bytes(item)[a..b]),
        Value::List(l) => Value::List(List {
            items: std::rc::Rc::new(l.items[a..b].to_vec()),
            elem: l.elem,
        }),
        Value::Bytes(bs) => Value::Bytes(std::rc::Rc::from(&bs[a..b])),
        _ => Value::Nil,
    })
}

// ---------------------------------------------------------------------------
// escapers

/// Go's `evalArgs`: the single-string fast path, else `fmt.Sprint` with
/// nil printed as `<no value>`.
pub fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    crate::fmt::sprint(&no_value_nils(args))
}

/// [`eval_args`] as a Go string (byte strings keep their bytes).
pub fn eval_args_value(args: &[Value]) -> Value {
    if let [v] = args {
        if v.go_str_bytes().is_some() {
            return v.clone();
        }
    }
    crate::fmt::sprint_value(&no_value_nils(args))
}

fn no_value_nils(args: &[Value]) -> Vec<Value> {
    args.iter()
        .map(|a| {
            if a.is_nil() {
                Value::str("<no value>")
            } else {
                a.clone()
            }
        })
        .collect()
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if c.is_ascii() => out.push(c),
            c if is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape` (of a string's bytes).
pub fn url_query_escape(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(go_quote("a\"b\n"), "\"a\\\"b\\n\"");
        assert_eq!(go_quote("\u{1}"), "\"\\x01\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }

    #[test]
    fn escapers() {
        assert_eq!(
            url_query_escape("a b&c=d/é".as_bytes()),
            "a+b%26c%3Dd%2F%C3%A9"
        );
        assert_eq!(js_escape("a'<\n"), "a\\'\\u003C\\u000A");
        assert_eq!(html_escape("<a href='x'>"), "&lt;a href=&#39;x&#39;&gt;");
    }
}
