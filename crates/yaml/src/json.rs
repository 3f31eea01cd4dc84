//! Go's `encoding/json` as Helm's functions observe it.
//!
//! Encoding: map keys sorted byte-wise, `<`, `>`, `&` escaped as `\u003c`…
//! unless disabled (Sprig's `toRawJson`), U+2028/U+2029 always escaped,
//! floats in Go's format (`1e+21`, `1e-7`), `[]byte` as base64, NaN/Inf an
//! error.  Decoding: Go's scanner error messages (the whole input is
//! validated before anything is decoded, as `json.Unmarshal` does), every
//! number a `float64`.

use gotmpl::{MapInner, Value};

use crate::float::format_json;

/// Decoding: `encoding/json`'s `maxNestingDepth`.
const MAX_DEPTH: usize = 10000;
/// Encoding has no depth limit; like Go's encoder, it starts looking for
/// cycles (a map that contains itself) this many maps and slices down.
const START_DETECTING_CYCLES_AFTER: usize = 1000;

/// `json.Marshal` (or `MarshalIndent(v, "", indent)` when `indent` is given).
pub fn encode(v: &Value, escape_html: bool, indent: Option<&str>) -> Result<String, String> {
    let mut out = String::new();
    let mut enc = Encoder {
        out: &mut out,
        escape_html,
        indent,
        depth: 0,
        level: 0,
        seen: std::collections::HashSet::new(),
    };
    enc.value(v)?;
    Ok(out)
}

struct Encoder<'a> {
    out: &'a mut String,
    escape_html: bool,
    indent: Option<&'a str>,
    depth: usize,
    /// Maps and slices being encoded (Go's `ptrLevel`).
    level: usize,
    /// Those past [`START_DETECTING_CYCLES_AFTER`], by address.
    seen: std::collections::HashSet<usize>,
}

/// A map's or slice's identity for cycle detection: the map's storage, or
/// the slice's data pointer and length (as Go keys it).
fn identity(v: &Value) -> Option<(usize, &'static str)> {
    match v {
        Value::Map(m) => Some((
            &*m.borrow() as *const MapInner as usize,
            "map[string]interface {}",
        )),
        Value::List(l) => Some((
            (l.items().as_ptr() as usize) ^ l.items().len().rotate_left(48),
            "[]interface {}",
        )),
        _ => None,
    }
}

impl Encoder<'_> {
    fn newline(&mut self) {
        if let Some(ind) = self.indent {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str(ind);
            }
        }
    }

    fn value(&mut self, v: &Value) -> Result<(), String> {
        let Some((id, type_name)) = identity(v) else {
            return self.value_inner(v);
        };
        let check = self.level > START_DETECTING_CYCLES_AFTER;
        if check && !self.seen.insert(id) {
            return Err(format!(
                "json: unsupported value: encountered a cycle via {type_name}"
            ));
        }
        self.level += 1;
        let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.value_inner(v));
        self.level -= 1;
        if check {
            self.seen.remove(&id);
        }
        r
    }

    fn value_inner(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::Nil => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n, k) => {
                if *k == gotmpl::IntKind::Uint64 {
                    self.out.push_str(&(*n as u64).to_string())
                } else {
                    self.out.push_str(&n.to_string())
                }
            }
            Value::Float(f) => {
                if !f.is_finite() {
                    return Err(format!(
                        "json: unsupported value: {}",
                        crate::float::format_g(*f, false)
                    ));
                }
                self.out.push_str(&format_json(*f));
            }
            Value::String(s) => write_string(self.out, s, self.escape_html),
            Value::Bytes(b) => {
                use base64::Engine;
                self.out.push('"');
                self.out
                    .push_str(&base64::engine::general_purpose::STANDARD.encode(&b[..]));
                self.out.push('"');
            }
            Value::List(l) => {
                if l.items().is_empty() {
                    self.out.push_str("[]");
                    return Ok(());
                }
                self.out.push('[');
                self.depth += 1;
                for (i, item) in l.items().iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline();
                    self.value(item)?;
                }
                self.depth -= 1;
                self.newline();
                self.out.push(']');
            }
            Value::Map(m) => {
                let m = m.borrow();
                if m.is_empty() {
                    self.out.push_str("{}");
                    return Ok(());
                }
                self.out.push('{');
                self.depth += 1;
                for (i, (k, item)) in m.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline();
                    write_string(self.out, k, self.escape_html);
                    self.out.push(':');
                    if self.indent.is_some() {
                        self.out.push(' ');
                    }
                    self.value(item)?;
                }
                self.depth -= 1;
                self.newline();
                self.out.push('}');
            }
            Value::Object(o) => {
                let data = o.to_data();
                if let Value::Object(_) = data {
                    self.out.push_str("{}");
                } else {
                    self.value(&data)?;
                }
            }
        }
        Ok(())
    }
}

/// A JSON string literal with Go's escaping rules.
pub fn write_string(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `quoteChar` for scanner messages.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c => {
            let q = match c {
                '\n' => "\\n".to_string(),
                '\r' => "\\r".to_string(),
                '\t' => "\\t".to_string(),
                '\\' => "\\\\".to_string(),
                '\u{7}' => "\\a".to_string(),
                '\u{8}' => "\\b".to_string(),
                '\u{c}' => "\\f".to_string(),
                '\u{b}' => "\\v".to_string(),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("\\x{:02x}", c as u32),
                c if (0x80..0xa0).contains(&(c as u32)) => format!("\\u{:04x}", c as u32),
                c => c.to_string(),
            };
            format!("'{q}'")
        }
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    /// First number that does not fit a float64 (a type error Go reports
    /// only after the whole input validated).
    range_err: Option<String>,
}

type SynErr = String;

const EOF_MSG: &str = "unexpected end of JSON input";

impl Scanner<'_> {
    fn err_at(&self, ctx: &str) -> SynErr {
        match self.b.get(self.i) {
            None => EOF_MSG.into(),
            Some(&c) => {
                // The scanner works on bytes; Go's quoteChar sees the byte as a rune.
                format!("invalid character {} {ctx}", quote_char(c as char))
            }
        }
    }

    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Value, SynErr> {
        self.ws();
        // Go's scanner refuses the bracket that opens level 10001 (a
        // scalar that deep is fine).
        if depth >= MAX_DEPTH && matches!(self.peek(), Some(b'{' | b'[')) {
            return Err(self.err_at("exceeded max depth"));
        }
        match self.peek() {
            None => Err(EOF_MSG.into()),
            Some(b'{') => {
                self.i += 1;
                let mut m = MapInner::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::map(m));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.err_at("looking for beginning of object key string"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return Err(self.err_at("after object key"));
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    m.insert(k, v);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::map(m));
                        }
                        _ => return Err(self.err_at("after object key:value pair")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::list(items));
                        }
                        _ => return Err(self.err_at("after array element")),
                    }
                }
            }
            Some(b'"') => Ok(Value::string(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            Some(_) => Err(self.err_at("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, SynErr> {
        let w = word.as_bytes();
        self.i += 1;
        for &expect in &w[1..] {
            if self.peek() != Some(expect) {
                return Err(self.err_at(&format!(
                    "in literal {word} (expecting '{}')",
                    expect as char
                )));
            }
            self.i += 1;
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, SynErr> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
            match self.peek() {
                Some(c) if c.is_ascii_digit() => {}
                _ => return Err(self.err_at("in numeric literal")),
            }
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else {
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(self.err_at("after decimal point in numeric literal"));
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e') | Some(b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+') | Some(b'-')) {
                self.i += 1;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(self.err_at("in exponent of numeric literal"));
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                if self.range_err.is_none() {
                    self.range_err = Some(text.to_string());
                }
                Ok(Value::Float(0.0))
            }
        }
    }

    fn string(&mut self) -> Result<String, SynErr> {
        self.i += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(EOF_MSG.into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(EOF_MSG.into());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let r = self.hex4()?;
                            let ch = if (0xD800..0xDC00).contains(&r) {
                                // A surrogate pair, if a valid low half follows.
                                let save = self.i;
                                if self.b.get(self.i) == Some(&b'\\')
                                    && self.b.get(self.i + 1) == Some(&b'u')
                                {
                                    self.i += 2;
                                    let r2 = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&r2) {
                                        char::from_u32(
                                            0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00),
                                        )
                                    } else {
                                        self.i = save;
                                        None
                                    }
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(r)
                            };
                            let ch = ch.unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err_at("in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.err_at("in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SynErr> {
        let mut r = 0u32;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err(EOF_MSG.into());
            };
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err_at("in \\u hexadecimal character escape"))?;
            r = r * 16 + d;
            self.i += 1;
        }
        Ok(r)
    }
}

/// `json.Unmarshal` into `interface{}`.
pub fn decode(text: &str) -> Result<Value, String> {
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
        range_err: None,
    };
    let v = s.value(0)?;
    s.ws();
    if s.i < s.b.len() {
        return Err(s.err_at("after top-level value"));
    }
    if let Some(num) = s.range_err {
        return Err(format!(
            "json: cannot unmarshal number {num} into Go value of type float64"
        ));
    }
    Ok(v)
}

/// The JSON type word Go's decoder uses in `cannot unmarshal WORD into …`.
pub fn kind_word(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "array",
        Value::Map(_) => "object",
        Value::String(_) => "string",
        Value::Float(_) | Value::Int(..) => "number",
        Value::Bool(_) => "bool",
        _ => "null",
    }
}

/// `json.Unmarshal` into `map[string]interface{}` (Helm's `fromJson`):
/// null leaves an empty map; other non-objects are type errors.
pub fn decode_map(text: &str) -> Result<Value, String> {
    let v = decode(text)?;
    match v {
        Value::Map(_) => Ok(v),
        Value::Nil => Ok(Value::empty_map()),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            kind_word(&other)
        )),
    }
}

/// `json.Unmarshal` into `[]interface{}` (Helm's `fromJsonArray`).
pub fn decode_list(text: &str) -> Result<Value, String> {
    let v = decode(text)?;
    match v {
        Value::List(_) => Ok(v),
        Value::Nil => Ok(Value::list(Vec::new())),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            kind_word(&other)
        )),
    }
}

/// Go's `json.Indent(dst, src, "", ind)`: JSON re-laid out one element per
/// line (insignificant whitespace dropped; empty objects and arrays stay
/// `{}` and `[]`).
pub fn indent(compact: &str, ind: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let mut need_indent = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    };
    for c in compact.chars() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        if need_indent && c != ']' && c != '}' {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                need_indent = true;
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '}' | ']' => {
                if need_indent {
                    // An empty object or array stays `{}` / `[]`.
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &Value) -> String {
        encode(v, true, None).unwrap()
    }

    #[test]
    fn encode_basics() {
        let mut m = MapInner::new();
        m.insert("b".into(), Value::Float(1.0));
        m.insert(
            "a".into(),
            Value::list(vec![Value::str("<x>&"), Value::Bool(true), Value::Nil]),
        );
        let v = Value::map(m);
        assert_eq!(enc(&v), r#"{"a":["\u003cx\u003e\u0026",true,null],"b":1}"#);
        assert_eq!(
            encode(&v, false, None).unwrap(),
            r#"{"a":["<x>&",true,null],"b":1}"#
        );
        assert_eq!(
            encode(&v, true, Some("  ")).unwrap(),
            "{\n  \"a\": [\n    \"\\u003cx\\u003e\\u0026\",\n    true,\n    null\n  ],\n  \"b\": 1\n}"
        );
        assert_eq!(enc(&Value::Float(1e21)), "1e+21");
        assert_eq!(enc(&Value::Float(1e-7)), "1e-7");
        assert_eq!(
            enc(&Value::str("\u{2028}\u{1}\u{7f}")),
            "\"\\u2028\\u0001\u{7f}\""
        );
        assert_eq!(
            encode(&Value::Float(f64::NAN), true, None).unwrap_err(),
            "json: unsupported value: NaN"
        );
        assert_eq!(
            enc(&Value::Bytes(std::rc::Rc::from(&b"hi"[..]))),
            "\"aGk=\""
        );
        assert_eq!(encode(&Value::empty_map(), true, Some("  ")).unwrap(), "{}");
    }

    #[test]
    fn decode_values_and_errors() {
        let v = decode(r#" {"a": [1, 2.5, null, true], "s": "\u00e9\ud83d\ude00"} "#).unwrap();
        assert_eq!(
            format!("{v:?}"),
            r#"{"a": [1.0, 2.5, nil, true], "s": "é😀"}"#
        );
        assert_eq!(
            decode("{bad").unwrap_err(),
            "invalid character 'b' looking for beginning of object key string"
        );
        assert_eq!(decode("").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(decode("[1,2").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(
            decode("[1 2]").unwrap_err(),
            "invalid character '2' after array element"
        );
        assert_eq!(
            decode("{\"a\" 1}").unwrap_err(),
            "invalid character '1' after object key"
        );
        assert_eq!(
            decode("{\"a\":1 x").unwrap_err(),
            "invalid character 'x' after object key:value pair"
        );
        assert_eq!(
            decode("1 2").unwrap_err(),
            "invalid character '2' after top-level value"
        );
        assert_eq!(decode("tru").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(
            decode("trx").unwrap_err(),
            "invalid character 'x' in literal true (expecting 'u')"
        );
        assert_eq!(
            decode("-x").unwrap_err(),
            "invalid character 'x' in numeric literal"
        );
        assert_eq!(
            decode("1.x").unwrap_err(),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            decode("'a'").unwrap_err(),
            "invalid character '\\'' looking for beginning of value"
        );
        assert_eq!(
            decode("1e400").unwrap_err(),
            "json: cannot unmarshal number 1e400 into Go value of type float64"
        );
        assert_eq!(
            decode("[1e400, x]").unwrap_err(),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            decode_map("[1,2]").unwrap_err(),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        assert_eq!(
            decode_list("{}").unwrap_err(),
            "json: cannot unmarshal object into Go value of type []interface {}"
        );
    }
}
