//! Helm's `pkg/strvals`: the `--set` family's little language.
//!
//! `a.b=c,d[0].e=f,g={x,y}`; `\` escapes the next character in keys and
//! values; `--set` infers `true`/`false`/`null`/int64 (no leading zero),
//! `--set-string` keeps strings, `--set-json` takes a JSON value per key,
//! `--set-literal` takes the rest of the line verbatim, `--set-file` reads
//! each value from a file.  Errors and edge cases follow Helm's parser,
//! including its quirks (an unterminated `a[1` is silently ignored, a
//! type clash reports Go's `interface conversion` panic text).

use gotmpl::{IntKind, Map, MapInner, Value};
use yaml::value_json::JsonError;

/// Helm's `MaxIndex`.
pub const MAX_INDEX: i64 = 65536;
/// Helm's `MaxNestedNameLevel`.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// A parse error; `eof` marks errors wrapping `io.EOF` (which end parsing
/// silently at top level, as in Go).
#[derive(Clone, Debug)]
struct PErr {
    msg: String,
    eof: bool,
}

impl PErr {
    fn eof() -> PErr {
        PErr {
            msg: "EOF".into(),
            eof: true,
        }
    }
    fn msg(m: impl Into<String>) -> PErr {
        PErr {
            msg: m.into(),
            eof: false,
        }
    }
    fn wrap(self, prefix: &str) -> PErr {
        PErr {
            msg: format!("{prefix}: {}", self.msg),
            eof: self.eof,
        }
    }
}

type ValueReader<'a> = dyn FnMut(&str) -> Result<Value, String> + 'a;

enum Mode<'a> {
    Typed { string_only: bool },
    Json,
    File(Box<ValueReader<'a>>),
    Literal,
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    mode: Mode<'a>,
}

fn go_type_name(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        other => other.type_name(),
    }
}

fn conversion_panic(v: &Value, want: &str) -> PErr {
    PErr::msg(format!(
        "unable to parse key: interface conversion: interface {{}} is {}, not {}",
        go_type_name(v),
        want
    ))
}

/// `typedVal`.
fn typed_val(s: &str, string_only: bool) -> Value {
    if string_only {
        return Value::str(s);
    }
    if s.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if s.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if s == "0" {
        return Value::Int(0, IntKind::Int64);
    }
    if !s.is_empty() && !s.starts_with('0') {
        if let Some(n) = go_parse_int(s) {
            return Value::Int(n, IntKind::Int64);
        }
    }
    Value::str(s)
}

/// `strconv.ParseInt(s, 10, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// `strconv.Atoi` with Go's error text.
fn go_atoi(s: &str) -> Result<i64, PErr> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PErr::msg(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            crate::error::go_quote(s)
        )));
    }
    s.parse::<i64>().map_err(|_| {
        PErr::msg(format!(
            "strconv.Atoi: parsing {}: value out of range",
            crate::error::go_quote(s)
        ))
    })
}

fn quote_runes(r: &[char]) -> String {
    crate::error::go_quote(&r.iter().collect::<String>())
}

/// Go's `%q` of a `[]rune`: each rune as a quoted character, `['b' 'c']`.
fn quote_rune_slice(r: &[char]) -> String {
    let parts: Vec<String> = r
        .iter()
        .map(|&c| gostd::strconv::quote_rune(c, false))
        .collect();
    format!("[{}]", parts.join(" "))
}

fn list_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) if l.elem == gotmpl::ElemKind::Any => Some(l.items().to_vec()),
        _ => None,
    }
}

fn set(data: &Map, key: &str, val: Value) {
    if key.is_empty() {
        return;
    }
    data.insert(key, val);
}

fn set_index(
    mut list: Vec<Value>,
    index: i64,
    val: Value,
) -> Result<Vec<Value>, (Vec<Value>, PErr)> {
    if index < 0 {
        return Err((
            list,
            PErr::msg(format!("negative {index} index not allowed")),
        ));
    }
    if index > MAX_INDEX {
        return Err((
            list,
            PErr::msg(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            )),
        ));
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Value::Nil);
    }
    list[i] = val;
    Ok(list)
}

impl<'a> Parser<'a> {
    fn new(s: &str, mode: Mode<'a>) -> Parser<'a> {
        Parser {
            chars: s.chars().collect(),
            pos: 0,
            mode,
        }
    }

    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        if self.pos > 0 {
            self.pos -= 1;
        }
    }

    fn literal(&self) -> bool {
        matches!(self.mode, Mode::Literal)
    }

    /// `runesUntil`: (runes, stop rune, hit EOF).
    fn runes_until(&mut self, stop: &[char]) -> (Vec<char>, Option<char>, bool) {
        let mut v = Vec::new();
        let literal = self.literal();
        loop {
            match self.read() {
                None => return (v, None, true),
                Some(r) if stop.contains(&r) => return (v, Some(r), false),
                Some('\\') if !literal => match self.read() {
                    None => return (v, None, true),
                    Some(n) => v.push(n),
                },
                Some(r) => v.push(r),
            }
        }
    }

    fn parse(&mut self, data: &Map) -> Result<(), PErr> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(e) if e.eof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    fn read_value(&mut self, rs: &[char]) -> Result<Value, PErr> {
        let s: String = rs.iter().collect();
        match &mut self.mode {
            Mode::Typed { string_only } => Ok(typed_val(&s, *string_only)),
            Mode::File(f) => f(&s).map_err(PErr::msg),
            Mode::Literal | Mode::Json => Ok(Value::str(&s)),
        }
    }

    fn key(&mut self, data: &Map, mut level: usize) -> Result<(), PErr> {
        let stop: &[char] = if self.literal() {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (k, last, eof) = self.runes_until(stop);
        let ks: String = k.iter().collect();
        if eof {
            if k.is_empty() {
                return Err(PErr::eof());
            }
            return Err(PErr::msg(format!("key {} has no value", quote_runes(&k))));
        }
        match last {
            Some('[') => {
                let i = self
                    .key_index()
                    .map_err(|e| e.wrap("error parsing index"))?;
                let list = match data.get(&ks) {
                    None => Vec::new(),
                    Some(v) => {
                        list_items(&v).ok_or_else(|| conversion_panic(&v, "[]interface {}"))?
                    }
                };
                let (list, res) = match self.list_item(list, i, level) {
                    Ok(l) => (l, Ok(())),
                    Err((l, e)) => (l, Err(e)),
                };
                if let Some(list) = list {
                    set(data, &ks, Value::list(list));
                } else {
                    set(data, &ks, Value::Nil);
                }
                res
            }
            Some('=') => {
                if matches!(self.mode, Mode::Literal) {
                    let (v, _, _) = self.runes_until(&[]);
                    set(data, &ks, Value::string(v.iter().collect()));
                    return Ok(());
                }
                if matches!(self.mode, Mode::Json) {
                    if self.empty_val() {
                        set(data, &ks, Value::Nil);
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    set(data, &ks, v);
                    self.empty_val();
                    return Ok(());
                }
                match self.val_list() {
                    Ok(vl) => {
                        set(data, &ks, Value::list(vl));
                        Ok(())
                    }
                    Err(ListErr::Eof) => {
                        set(data, &ks, Value::str(""));
                        Err(PErr::eof())
                    }
                    Err(ListErr::NotList) => {
                        let (rs, _, _) = self.runes_until(&[',']);
                        let v = self.read_value(&rs);
                        match v {
                            Ok(v) => {
                                set(data, &ks, v);
                                Ok(())
                            }
                            Err(e) => {
                                set(data, &ks, Value::Nil);
                                Err(e)
                            }
                        }
                    }
                    Err(ListErr::Other(e)) => Err(e),
                }
            }
            Some(',') => {
                set(data, &ks, Value::str(""));
                Err(PErr::msg(format!(
                    "key {} has no value (cannot end with ,)",
                    quote_runes(&k)
                )))
            }
            Some('.') => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(PErr::msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = match data.get(&ks) {
                    None => Map::new(MapInner::new()),
                    Some(Value::Map(m)) if m.elem == gotmpl::ElemKind::Any => m,
                    Some(v) => return Err(conversion_panic(&v, "map[string]interface {}")),
                };
                let e = self.key(&inner, level);
                if e.is_ok() && inner.is_empty() {
                    return Err(PErr::msg(format!(
                        "key map {} has no value",
                        quote_runes(&k)
                    )));
                }
                if !inner.is_empty() {
                    set(data, &ks, Value::Map(inner));
                }
                e
            }
            _ => Err(PErr::eof()),
        }
    }

    fn key_index(&mut self) -> Result<i64, PErr> {
        let (v, _, eof) = self.runes_until(&[']']);
        if eof {
            return Err(PErr::eof());
        }
        go_atoi(&v.iter().collect::<String>())
    }

    /// Returns the new list (None = Go's nil list) or the list and an error.
    #[allow(clippy::type_complexity)]
    fn list_item(
        &mut self,
        list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> Result<Option<Vec<Value>>, (Option<Vec<Value>>, PErr)> {
        if i < 0 {
            return Err((
                Some(list),
                PErr::msg(format!("negative {i} index not allowed")),
            ));
        }
        let (k, last, eof) = self.runes_until(&['[', '.', '=']);
        if !k.is_empty() {
            return Err((
                Some(list),
                PErr::msg(format!(
                    "unexpected data at end of array index: {}",
                    quote_rune_slice(&k)
                )),
            ));
        }
        if eof {
            return Err((Some(list), PErr::eof()));
        }
        let wrap = |r: Result<Vec<Value>, (Vec<Value>, PErr)>| match r {
            Ok(l) => Ok(Some(l)),
            Err((l, e)) => Err((Some(l), e)),
        };
        match last {
            Some('=') => {
                if matches!(self.mode, Mode::Literal) {
                    let (v, _, _) = self.runes_until(&[]);
                    return wrap(set_index(list, i, Value::string(v.iter().collect())));
                }
                if matches!(self.mode, Mode::Json) {
                    if self.empty_val() {
                        return wrap(set_index(list, i, Value::Nil));
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return Err((Some(list), e)),
                    };
                    let l = match set_index(list, i, v) {
                        Ok(l) => l,
                        Err((l, e)) => return Err((Some(l), e)),
                    };
                    self.empty_val();
                    return Ok(Some(l));
                }
                match self.val_list() {
                    Ok(vl) => wrap(set_index(list, i, Value::list(vl))),
                    Err(ListErr::Eof) => wrap(set_index(list, i, Value::str(""))),
                    Err(ListErr::NotList) => {
                        let (rs, _, _) = self.runes_until(&[',']);
                        match self.read_value(&rs) {
                            Ok(v) => wrap(set_index(list, i, v)),
                            Err(e) => Err((Some(list), e)),
                        }
                    }
                    Err(ListErr::Other(e)) => Err((Some(list), e)),
                }
            }
            Some('[') => {
                let next_i = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return Err((Some(list), e.wrap("error parsing index"))),
                };
                let mut crt = Vec::new();
                if (list.len() as i64) > i {
                    let existed = &list[i as usize];
                    if !existed.is_nil() {
                        match list_items(existed) {
                            Some(items) => crt = items,
                            None => {
                                let e = conversion_panic(existed, "[]interface {}");
                                return Err((Some(list), e));
                            }
                        }
                    }
                }
                match self.list_item(crt, next_i, level) {
                    Ok(l2) => {
                        let v = match l2 {
                            Some(l) => Value::list(l),
                            None => Value::Nil,
                        };
                        wrap(set_index(list, i, v))
                    }
                    Err((_, e)) => Err((Some(list), e)),
                }
            }
            Some('.') => {
                let mut list = list;
                let mut inner = Map::new(MapInner::new());
                if (list.len() as i64) > i {
                    match &list[i as usize] {
                        Value::Map(m) if m.elem == gotmpl::ElemKind::Any => inner = m.clone(),
                        _ => {
                            list[i as usize] = Value::Map(inner.clone());
                        }
                    }
                }
                if let Err(e) = self.key(&inner, level) {
                    return Err((Some(list), e));
                }
                wrap(set_index(list, i, Value::Map(inner)))
            }
            _ => Err((None, PErr::msg("parse error: unexpected token"))),
        }
    }

    /// `emptyVal`: skip spaces; true at a comma (consumed) or EOF.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None => return true,
                Some(',') => return true,
                Some(c) if c.is_whitespace() => continue,
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    fn val_list(&mut self) -> Result<Vec<Value>, ListErr> {
        match self.read() {
            None => return Err(ListErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(ListErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last, eof) = self.runes_until(&[',', '}']);
            if eof {
                return Err(ListErr::Other(PErr::msg("list must terminate with '}'")));
            }
            match last {
                Some('}') => {
                    match self.read() {
                        Some(',') | None => {}
                        Some(_) => self.unread(),
                    }
                    let v = self.read_value(&rs).map_err(ListErr::Other)?;
                    list.push(v);
                    return Ok(list);
                }
                _ => {
                    let v = self.read_value(&rs).map_err(ListErr::Other)?;
                    list.push(v);
                }
            }
        }
    }

    /// Decode one JSON value from the rest of the input (Go's
    /// `json.Decoder.Decode` + `InputOffset`).
    fn json_value(&mut self) -> Result<Value, PErr> {
        let rest: String = self.chars[self.pos..].iter().collect();
        if rest.trim_start_matches([' ', '\t', '\n', '\r']).is_empty() {
            return Err(PErr::eof());
        }
        // Go's nesting limit (10000), not serde_json's (128).
        match yaml::value_json::go_json_value(&rest, true) {
            Err(JsonError::Syntax(e)) => Err(PErr::msg(json_err_text(&e, &rest))),
            Err(e) => Err(PErr::msg(e.to_string())),
            Ok((v, consumed)) => {
                self.pos += rest[..consumed].chars().count();
                Ok(v)
            }
        }
    }
}

enum ListErr {
    Eof,
    NotList,
    Other(PErr),
}

fn json_err_text(e: &serde_json::Error, input: &str) -> String {
    if e.is_eof() {
        return "unexpected EOF".into();
    }
    // Go: "invalid character 'x' looking for beginning of value"
    let col = e.column().saturating_sub(1);
    let line_start: usize = input
        .lines()
        .take(e.line().saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    let c = input[line_start.min(input.len())..].chars().nth(col);
    match c {
        Some(c) => format!("invalid character '{c}' looking for beginning of value"),
        None => e.to_string(),
    }
}

/// JSON data as Go's `encoding/json` gives it to `interface{}`: numbers
/// are float64.
pub use yaml::value_json::go_unmarshal as json_to_value;

fn run(s: &str, dest: &Value, mode: Mode<'_>) -> Result<(), String> {
    let Value::Map(m) = dest else {
        return Err("destination is not a map".into());
    };
    let mut p = Parser::new(s, mode);
    p.parse(m).map_err(|e| e.msg)
}

/// `strvals.ParseInto`: `--set` into `dest` (a map, mutated).
pub fn parse_into(s: &str, dest: &Value) -> Result<(), String> {
    run(s, dest, Mode::Typed { string_only: false })
}

/// `strvals.ParseIntoString`: `--set-string`.
pub fn parse_into_string(s: &str, dest: &Value) -> Result<(), String> {
    run(s, dest, Mode::Typed { string_only: true })
}

/// `strvals.ParseJSON`: `--set-json key=JSON,…`.
pub fn parse_json(s: &str, dest: &Value) -> Result<(), String> {
    run(s, dest, Mode::Json)
}

/// `strvals.ParseLiteralInto`: `--set-literal`.
pub fn parse_literal_into(s: &str, dest: &Value) -> Result<(), String> {
    run(s, dest, Mode::Literal)
}

/// `strvals.ParseIntoFile`: `--set-file`; `reader` maps a value (a path)
/// to the value to store.
pub fn parse_into_file(
    s: &str,
    dest: &Value,
    reader: &mut dyn FnMut(&str) -> Result<Value, String>,
) -> Result<(), String> {
    run(s, dest, Mode::File(Box::new(reader)))
}

/// `strvals.Parse`: a fresh map.
pub fn parse(s: &str) -> Result<Value, String> {
    let v = Value::empty_map();
    parse_into(s, &v)?;
    Ok(v)
}

/// `strvals.ParseString`.
pub fn parse_string(s: &str) -> Result<Value, String> {
    let v = Value::empty_map();
    parse_into_string(s, &v)?;
    Ok(v)
}

/// `strvals.ParseLiteral`.
pub fn parse_literal(s: &str) -> Result<Value, String> {
    let v = Value::empty_map();
    parse_literal_into(s, &v)?;
    Ok(v)
}
