//! YAML → `Value`, the way `sigs.k8s.io/yaml.Unmarshal` does it.
//!
//! Three stages, mirroring the Go code path Helm runs:
//! 1. libyaml's scanner/parser (`crate::libyaml`: unsafe-libyaml, a faithful port
//!    of the C library go-yaml itself was transliterated from, so token
//!    rules and error texts/positions agree) produces events, which we
//!    compose into a node tree as go-yaml v2's `parser.go` does (anchors,
//!    aliases, only the first document for `Unmarshal`);
//! 2. the nodes are decoded into go-yaml's `interface{}` model
//!    ([`YValue`]): implicit typing, tags, `<<` merges, last key wins;
//! 3. that is converted to JSON-able data (non-string keys stringified,
//!    NaN/Inf rejected) and read back as `encoding/json` would: every
//!    number becomes `float64`.
//!
//! Error messages carry the same prefixes sigs.k8s.io/yaml adds
//! (`error converting YAML to JSON: yaml: line N: …`).

use std::collections::HashMap;
use std::mem::MaybeUninit;

use crate::libyaml as unsafe_ly;
use gotmpl::{MapInner, Value};

use crate::resolve::{self, Scalar, BINARY_TAG, MERGE_TAG};
use crate::Error;

/// Go's `encoding/json` refuses input nested deeper than this; every
/// value sigs.k8s.io/yaml decodes passes through it.  (go-yaml's own limits,
/// 10000 open flow collections and 10000 block indentation levels, are the
/// scanner's: see `libyaml`.)
pub const JSON_MAX_DEPTH: usize = 10000;

/// Recursion here follows the document's nesting, which the limits above
/// allow to reach 20000 levels (and aliases deeper still): grow the stack
/// instead of overflowing it.
fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, f)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Quoted,
}

#[derive(Debug)]
enum NodeKind {
    Scalar {
        value: String,
        tag: String,
        implicit: bool,
        style: Style,
    },
    Seq(Vec<usize>),
    Map(Vec<usize>),
    Alias {
        name: String,
        target: usize,
    },
}

#[derive(Debug)]
struct Node {
    kind: NodeKind,
}

/// One composed document: an arena of nodes and the root (None when the
/// document has no content at all).
struct Doc {
    nodes: Vec<Node>,
    root: Option<usize>,
}

/// Owned copy of the libyaml events we care about.
enum Ev {
    StreamEnd,
    DocStart,
    DocEnd,
    Alias(String),
    Scalar {
        anchor: Option<String>,
        tag: String,
        value: String,
        implicit: bool,
        style: Style,
    },
    SeqStart {
        anchor: Option<String>,
    },
    SeqEnd,
    MapStart {
        anchor: Option<String>,
    },
    MapEnd,
    StreamStart,
}

struct Parser {
    raw: Box<MaybeUninit<unsafe_ly::yaml_parser_t>>,
    _input: Vec<u8>,
}

impl Drop for Parser {
    fn drop(&mut self) {
        // SAFETY: initialised in `new` and never used after this.
        unsafe { unsafe_ly::yaml_parser_delete(self.raw.as_mut_ptr()) }
    }
}

/// A copy of libyaml's NUL-terminated message (`None` for null).
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that stays valid for
/// the call (libyaml's static problem/context texts).
unsafe fn cstr(p: *const u8) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut n = 0;
    // SAFETY: the caller guarantees a NUL-terminated string: every byte up
    // to and including the NUL is readable.
    unsafe {
        while *p.add(n) != 0 {
            n += 1;
        }
        Some(String::from_utf8_lossy(std::slice::from_raw_parts(p, n)).into_owned())
    }
}

impl Parser {
    fn new(text: &str) -> Result<Parser, Error> {
        // go-yaml replaces empty input by a single newline.
        let input: Vec<u8> = if text.is_empty() {
            b"\n".to_vec()
        } else {
            text.as_bytes().to_vec()
        };
        let mut raw = Box::new(MaybeUninit::<unsafe_ly::yaml_parser_t>::uninit());
        // SAFETY: libyaml initialises the struct; the input buffer lives in
        // `self._input` (heap, never moved) for the parser's lifetime.
        unsafe {
            if unsafe_ly::yaml_parser_initialize(raw.as_mut_ptr()).fail {
                return Err(Error::msg("yaml: failed to initialize parser"));
            }
            unsafe_ly::yaml_parser_set_input_string(
                raw.as_mut_ptr(),
                input.as_ptr(),
                input.len() as _,
            );
        }
        Ok(Parser { raw, _input: input })
    }

    /// go-yaml's `parser.fail()` message.
    fn failure(&self) -> Error {
        // SAFETY: the parser is initialised; fields are plain data.
        let p = unsafe { &*self.raw.as_ptr() };
        let problem = unsafe { cstr(p.problem as *const u8) }.unwrap_or_default();
        let scanner = p.error == unsafe_ly::YAML_SCANNER_ERROR;
        let mut line = 0usize;
        let mut column = None;
        if p.problem_mark.line != 0 {
            line = p.problem_mark.line as usize;
            if scanner {
                line += 1;
            }
            column = Some(p.problem_mark.column as usize + 1);
        } else if p.context_mark.line != 0 {
            line = p.context_mark.line as usize;
            column = Some(p.context_mark.column as usize + 1);
        }
        let msg = if problem.is_empty() {
            "unknown problem parsing YAML content".to_string()
        } else {
            problem
        };
        if line != 0 {
            Error {
                line: Some(line),
                column,
                message: format!("yaml: line {line}: {msg}"),
            }
        } else {
            Error::msg(format!("yaml: {msg}"))
        }
    }

    fn next(&mut self) -> Result<Ev, Error> {
        let mut ev = MaybeUninit::<unsafe_ly::yaml_event_t>::uninit();
        // SAFETY: on success libyaml fills `ev`; we copy out what we need
        // and free it with yaml_event_delete before returning.
        unsafe {
            if unsafe_ly::yaml_parser_parse(self.raw.as_mut_ptr(), ev.as_mut_ptr()).fail {
                return Err(self.failure());
            }
            let e = ev.as_mut_ptr();
            let out = match (*e).type_ {
                unsafe_ly::YAML_STREAM_START_EVENT => Ev::StreamStart,
                unsafe_ly::YAML_STREAM_END_EVENT => Ev::StreamEnd,
                unsafe_ly::YAML_DOCUMENT_START_EVENT => Ev::DocStart,
                unsafe_ly::YAML_DOCUMENT_END_EVENT => Ev::DocEnd,
                unsafe_ly::YAML_ALIAS_EVENT => {
                    Ev::Alias(cstr((*e).data.alias.anchor).unwrap_or_default())
                }
                unsafe_ly::YAML_SCALAR_EVENT => {
                    let s = (*e).data.scalar;
                    let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                    Ev::Scalar {
                        anchor: cstr(s.anchor),
                        tag: cstr(s.tag).unwrap_or_default(),
                        value: String::from_utf8_lossy(bytes).into_owned(),
                        implicit: s.plain_implicit,
                        style: if s.style == unsafe_ly::YAML_PLAIN_SCALAR_STYLE {
                            Style::Plain
                        } else {
                            Style::Quoted
                        },
                    }
                }
                unsafe_ly::YAML_SEQUENCE_START_EVENT => Ev::SeqStart {
                    anchor: cstr((*e).data.sequence_start.anchor),
                },
                unsafe_ly::YAML_SEQUENCE_END_EVENT => Ev::SeqEnd,
                unsafe_ly::YAML_MAPPING_START_EVENT => Ev::MapStart {
                    anchor: cstr((*e).data.mapping_start.anchor),
                },
                unsafe_ly::YAML_MAPPING_END_EVENT => Ev::MapEnd,
                _ => Ev::StreamEnd,
            };
            unsafe_ly::yaml_event_delete(e);
            Ok(out)
        }
    }
}

/// Compose up to `max_docs` documents (all when None) from `text`.
fn compose(text: &str, max_docs: Option<usize>) -> Result<Vec<Doc>, Error> {
    let mut p = Parser::new(text)?;
    let mut docs = Vec::new();
    match p.next()? {
        Ev::StreamStart => {}
        _ => return Err(Error::msg("yaml: expected STREAM-START")),
    }
    loop {
        if max_docs.is_some_and(|m| docs.len() >= m) {
            break;
        }
        match p.next()? {
            Ev::StreamEnd => break,
            Ev::DocStart => {}
            _ => return Err(Error::msg("yaml: unexpected event")),
        }
        let mut nodes: Vec<Node> = Vec::new();
        let mut anchors: HashMap<String, usize> = HashMap::new();
        // Stack of open collections: node index.
        let mut stack: Vec<usize> = Vec::new();
        let mut root = None;
        loop {
            let ev = p.next()?;
            let (idx, open) = match ev {
                Ev::DocEnd => break,
                Ev::StreamEnd | Ev::StreamStart | Ev::DocStart => {
                    return Err(Error::msg("yaml: unexpected event"));
                }
                Ev::SeqEnd | Ev::MapEnd => {
                    stack.pop();
                    continue;
                }
                Ev::Alias(name) => {
                    let Some(&target) = anchors.get(&name) else {
                        return Err(Error::msg(format!(
                            "yaml: unknown anchor '{name}' referenced"
                        )));
                    };
                    nodes.push(Node {
                        kind: NodeKind::Alias { name, target },
                    });
                    (nodes.len() - 1, false)
                }
                Ev::Scalar {
                    anchor,
                    tag,
                    value,
                    implicit,
                    style,
                } => {
                    nodes.push(Node {
                        kind: NodeKind::Scalar {
                            value,
                            tag,
                            implicit,
                            style,
                        },
                    });
                    let i = nodes.len() - 1;
                    if let Some(a) = anchor {
                        anchors.insert(a, i);
                    }
                    (i, false)
                }
                Ev::SeqStart { anchor } => {
                    nodes.push(Node {
                        kind: NodeKind::Seq(Vec::new()),
                    });
                    let i = nodes.len() - 1;
                    if let Some(a) = anchor {
                        anchors.insert(a, i);
                    }
                    (i, true)
                }
                Ev::MapStart { anchor } => {
                    nodes.push(Node {
                        kind: NodeKind::Map(Vec::new()),
                    });
                    let i = nodes.len() - 1;
                    if let Some(a) = anchor {
                        anchors.insert(a, i);
                    }
                    (i, true)
                }
            };
            match stack.last() {
                Some(&parent) => match &mut nodes[parent].kind {
                    NodeKind::Seq(c) | NodeKind::Map(c) => c.push(idx),
                    _ => {}
                },
                None => root = Some(idx),
            }
            if open {
                stack.push(idx);
            }
        }
        docs.push(Doc { nodes, root });
    }
    Ok(docs)
}

/// go-yaml's decoded `interface{}` model.
#[derive(Debug, Clone)]
pub enum YValue {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// Go strings may hold arbitrary bytes (`!!binary`).
    Str(Vec<u8>),
    Seq(Vec<YValue>),
    Map(YMap),
}

/// A `map[interface{}]interface{}`: insertion-ordered, last key wins.
#[derive(Debug, Clone, Default)]
pub struct YMap {
    pub entries: Vec<(YValue, YValue)>,
    /// Key → entry, built once the map is too big to scan (most YAML
    /// maps have a handful of keys, and hashing each would cost more).
    index: Option<HashMap<KeyRepr, usize>>,
}

/// Maps up to this size find duplicate keys by scanning.
const SCAN_MAX: usize = 16;

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
enum KeyRepr {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(Vec<u8>),
    /// NaN and other never-equal keys.
    Unique(usize),
}

impl YMap {
    fn repr(k: &YValue, unique: usize) -> KeyRepr {
        match k {
            YValue::Null => KeyRepr::Null,
            YValue::Bool(b) => KeyRepr::Bool(*b),
            YValue::Int(i) => KeyRepr::Int(*i),
            YValue::Uint(u) => KeyRepr::Uint(*u),
            YValue::Float(f) if f.is_nan() => KeyRepr::Unique(unique),
            // +0 and -0 are the same Go map key.
            YValue::Float(f) => KeyRepr::Float(if *f == 0.0 { 0 } else { f.to_bits() }),
            YValue::Str(s) => KeyRepr::Str(s.clone()),
            _ => KeyRepr::Unique(unique),
        }
    }

    /// Go map key equality, as [`KeyRepr`] has it.
    fn same_key(a: &YValue, b: &YValue) -> bool {
        match (a, b) {
            (YValue::Null, YValue::Null) => true,
            (YValue::Bool(x), YValue::Bool(y)) => x == y,
            (YValue::Int(x), YValue::Int(y)) => x == y,
            (YValue::Uint(x), YValue::Uint(y)) => x == y,
            (YValue::Float(x), YValue::Float(y)) => !x.is_nan() && !y.is_nan() && x == y,
            (YValue::Str(x), YValue::Str(y)) => x == y,
            _ => false,
        }
    }

    pub(crate) fn insert(&mut self, k: YValue, v: YValue) {
        let n = self.entries.len();
        if let Some(index) = &mut self.index {
            let repr = Self::repr(&k, n);
            if let Some(&i) = index.get(&repr) {
                self.entries[i].1 = v;
            } else {
                index.insert(repr, n);
                self.entries.push((k, v));
            }
            return;
        }
        if let Some(e) = self.entries.iter_mut().find(|e| Self::same_key(&e.0, &k)) {
            e.1 = v;
            return;
        }
        self.entries.push((k, v));
        if self.entries.len() > SCAN_MAX {
            let index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (Self::repr(k, i), i))
                .collect();
            self.index = Some(index);
        }
    }
}

struct Decoder<'a> {
    doc: &'a Doc,
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
    in_alias: Vec<usize>,
}

fn allowed_alias_ratio(decode_count: usize) -> f64 {
    if decode_count <= 400_000 {
        0.99
    } else if decode_count >= 4_000_000 {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - 400_000) as f64 / 3_600_000.0)
    }
}

fn fail(msg: impl Into<String>) -> Error {
    Error::msg(format!("yaml: {}", msg.into()))
}

impl Decoder<'_> {
    fn decode(&mut self, n: usize, depth: usize) -> Result<YValue, Error> {
        deep(|| self.decode_node(n, depth))
    }

    fn decode_node(&mut self, n: usize, depth: usize) -> Result<YValue, Error> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(fail("document contains excessive aliasing"));
        }
        match &self.doc.nodes[n].kind {
            NodeKind::Scalar {
                value,
                tag,
                implicit,
                style,
            } => decode_scalar(value, tag, *implicit, *style),
            NodeKind::Alias { name, target } => {
                if self.in_alias.contains(&n) {
                    return Err(fail(format!("anchor '{name}' value contains itself")));
                }
                self.in_alias.push(n);
                self.alias_depth += 1;
                let r = self.decode(*target, depth + 1);
                self.alias_depth -= 1;
                self.in_alias.pop();
                r
            }
            NodeKind::Seq(children) => {
                let mut out = Vec::with_capacity(children.len());
                for &c in children {
                    out.push(self.decode(c, depth + 1)?);
                }
                Ok(YValue::Seq(out))
            }
            NodeKind::Map(_) => {
                let mut m = YMap::default();
                self.decode_map_into(n, &mut m, depth)?;
                Ok(YValue::Map(m))
            }
        }
    }

    fn is_merge(&self, n: usize) -> bool {
        match &self.doc.nodes[n].kind {
            NodeKind::Scalar {
                value,
                tag,
                implicit,
                ..
            } => value == "<<" && (*implicit || tag == MERGE_TAG),
            _ => false,
        }
    }

    fn decode_map_into(&mut self, n: usize, m: &mut YMap, depth: usize) -> Result<(), Error> {
        let NodeKind::Map(children) = &self.doc.nodes[n].kind else {
            return Ok(());
        };
        let mut i = 0;
        while i + 1 < children.len() {
            let (k, v) = (children[i], children[i + 1]);
            i += 2;
            if self.is_merge(k) {
                self.merge(v, m, depth + 1)?;
                continue;
            }
            let key = self.decode(k, depth + 1)?;
            if matches!(key, YValue::Map(_) | YValue::Seq(_)) {
                return Err(fail(format!("invalid map key: {}", go_sharp_v(&key))));
            }
            let val = self.decode(v, depth + 1)?;
            m.insert(key, val);
        }
        Ok(())
    }

    /// Follow aliases to the node they stand for.
    fn target(&self, n: usize) -> usize {
        match &self.doc.nodes[n].kind {
            NodeKind::Alias { target, .. } => *target,
            _ => n,
        }
    }

    fn merge_one(&mut self, n: usize, m: &mut YMap, depth: usize) -> Result<(), Error> {
        // Unmarshal the mapping (or alias to one) into the same map.
        if let NodeKind::Alias { name, .. } = &self.doc.nodes[n].kind {
            if self.in_alias.contains(&n) {
                return Err(fail(format!("anchor '{name}' value contains itself")));
            }
            self.in_alias.push(n);
            self.alias_depth += 1;
            self.decode_count += 1;
            let t = self.target(n);
            let r = self.decode_map_into(t, m, depth + 1);
            self.alias_depth -= 1;
            self.in_alias.pop();
            return r;
        }
        self.decode_count += 1;
        self.decode_map_into(n, m, depth)
    }

    fn merge(&mut self, n: usize, m: &mut YMap, depth: usize) -> Result<(), Error> {
        const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";
        let is_map = |d: &Self, i: usize| matches!(d.doc.nodes[d.target(i)].kind, NodeKind::Map(_));
        match &self.doc.nodes[n].kind {
            NodeKind::Map(_) => self.merge_one(n, m, depth),
            NodeKind::Alias { .. } => {
                if !is_map(self, n) {
                    return Err(fail(WANT_MAP));
                }
                self.merge_one(n, m, depth)
            }
            NodeKind::Seq(children) => {
                // Earlier maps take precedence: apply from the last one.
                for &c in children.iter().rev() {
                    if !is_map(self, c) {
                        return Err(fail(WANT_MAP));
                    }
                    self.merge_one(c, m, depth)?;
                }
                Ok(())
            }
            _ => Err(fail(WANT_MAP)),
        }
    }
}

/// An untagged plain scalar, typed by go-yaml v2's implicit resolution.
pub(crate) fn plain_scalar(value: &str) -> Result<YValue, Error> {
    decode_scalar(value, "", true, Style::Plain)
}

fn decode_scalar(value: &str, tag: &str, implicit: bool, style: Style) -> Result<YValue, Error> {
    let _ = style;
    if tag.is_empty() && !implicit {
        return Ok(YValue::Str(value.as_bytes().to_vec()));
    }
    if tag == BINARY_TAG {
        return match base64_std_decode(value) {
            Some(b) => Ok(YValue::Str(b)),
            None => Err(fail("!!binary value contains invalid base64 data")),
        };
    }
    let r = resolve::resolve_tagged(tag, value).map_err(fail)?;
    Ok(match r {
        Scalar::Null => YValue::Null,
        Scalar::Bool(b) => YValue::Bool(b),
        Scalar::Int(i) => YValue::Int(i),
        Scalar::Uint(u) => YValue::Uint(u),
        Scalar::Float(f) => YValue::Float(f),
        Scalar::Str(s) => YValue::Str(s.into_bytes()),
        // Timestamps stay strings when decoding into interface{}.
        Scalar::Timestamp(s) => YValue::Str(s.into_bytes()),
        Scalar::Merge => YValue::Str(b"<<".to_vec()),
    })
}

/// Go's `base64.StdEncoding.DecodeString` (ignores CR/LF, needs padding).
fn base64_std_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    use base64::engine::DecodePaddingMode;
    use base64::Engine;
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    engine.decode(cleaned).ok()
}

/// A rough `%#v` of a decoded YAML value (used in go-yaml's key errors).
fn go_sharp_v(v: &YValue) -> String {
    match v {
        YValue::Null => "interface {}(nil)".into(),
        YValue::Bool(b) => b.to_string(),
        YValue::Int(i) => i.to_string(),
        YValue::Uint(u) => format!("0x{u:x}"),
        YValue::Float(f) => crate::float::format_g(*f, false),
        YValue::Str(s) => go_quote(&String::from_utf8_lossy(s)),
        YValue::Seq(items) => {
            let parts: Vec<String> = items.iter().map(go_sharp_v).collect();
            format!("[]interface {{}}{{{}}}", parts.join(", "))
        }
        YValue::Map(m) => {
            let parts: Vec<String> = m
                .entries
                .iter()
                .map(|(k, v)| format!("{}:{}", go_sharp_v(k), go_sharp_v(v)))
                .collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", parts.join(", "))
        }
    }
}

/// Go's `strconv.Quote` for the common cases.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Decode the first document of `text` into go-yaml's model (None: no document).
pub fn decode_first(text: &str) -> Result<Option<YValue>, Error> {
    let docs = compose(text, Some(1))?;
    match docs.into_iter().next() {
        Some(doc) => decode_doc(&doc),
        None => Ok(None),
    }
}

fn decode_doc(doc: &Doc) -> Result<Option<YValue>, Error> {
    match doc.root {
        None => Ok(Some(YValue::Null)),
        Some(r) => {
            let mut d = Decoder {
                doc,
                decode_count: 0,
                alias_count: 0,
                alias_depth: 0,
                in_alias: Vec::new(),
            };
            d.decode(r, 0).map(Some)
        }
    }
}

/// Decode every document of a stream.
pub fn decode_all(text: &str) -> Result<Vec<YValue>, Error> {
    let docs = compose(text, None)?;
    let mut out = Vec::new();
    for d in &docs {
        if let Some(v) = decode_doc(d)? {
            out.push(v);
        }
    }
    Ok(out)
}

/// Go's JSON encoding of a byte string: invalid UTF-8 bytes become U+FFFD one by one.
pub fn go_string_lossy(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::new();
            let mut i = 0;
            while i < b.len() {
                let w = match b[i] {
                    0x00..=0x7f => 1,
                    0xc2..=0xdf => 2,
                    0xe0..=0xef => 3,
                    0xf0..=0xf4 => 4,
                    _ => 0,
                };
                if w > 0 && i + w <= b.len() {
                    if let Ok(s) = std::str::from_utf8(&b[i..i + w]) {
                        out.push_str(s);
                        i += w;
                        continue;
                    }
                }
                out.push('\u{FFFD}');
                i += 1;
            }
            out
        }
    }
}

/// sigs.k8s.io/yaml's `convertToJSONableObject` followed by `json.Marshal`
/// and `json.Unmarshal` into `interface{}` (`depth`: how deep `v` sits in
/// the JSON document, 0 for the whole document).  Nesting past
/// [`JSON_MAX_DEPTH`] is `encoding/json`'s syntax error.
pub fn to_json_value(v: &YValue, depth: usize) -> Result<Value, Error> {
    let mut too_deep = false;
    let out = convert(v, depth, &mut too_deep)?;
    if too_deep {
        if let Some(c) = json_too_deep(&out, depth) {
            return Err(Error::msg(format!(
                "error unmarshaling JSON: while decoding JSON: invalid character '{c}' exceeded max depth"
            )));
        }
    }
    Ok(out)
}

/// The first collection, in `json.Marshal`'s order (map keys sorted), that
/// `json.Unmarshal` finds nested past [`JSON_MAX_DEPTH`]: `[` or `{`.
/// `depth` counts the collections around `v`.
fn json_too_deep(v: &Value, depth: usize) -> Option<char> {
    let (c, inner) = match v {
        Value::List(l) => ('[', l.items().to_vec()),
        Value::Map(m) => ('{', m.borrow().values().cloned().collect()),
        _ => return None,
    };
    if depth >= JSON_MAX_DEPTH {
        return Some(c);
    }
    deep(|| inner.iter().find_map(|x| json_too_deep(x, depth + 1)))
}

fn convert(v: &YValue, depth: usize, too_deep: &mut bool) -> Result<Value, Error> {
    if depth >= JSON_MAX_DEPTH && matches!(v, YValue::Seq(_) | YValue::Map(_)) {
        *too_deep = true;
    }
    deep(|| convert_node(v, depth, too_deep))
}

fn convert_node(v: &YValue, depth: usize, too_deep: &mut bool) -> Result<Value, Error> {
    Ok(match v {
        YValue::Null => Value::Nil,
        YValue::Bool(b) => Value::Bool(*b),
        YValue::Int(i) => Value::Float(*i as f64),
        YValue::Uint(u) => Value::Float(*u as f64),
        YValue::Float(f) => {
            if !f.is_finite() {
                return Err(Error::msg(format!(
                    "error converting YAML to JSON: json: unsupported value: {}",
                    crate::float::format_g(*f, false)
                )));
            }
            Value::Float(*f)
        }
        YValue::Str(s) => Value::string(go_string_lossy(s)),
        YValue::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(convert(i, depth + 1, too_deep)?);
            }
            Value::list(out)
        }
        YValue::Map(m) => {
            let mut out = MapInner::new();
            for (k, val) in &m.entries {
                let key = match k {
                    YValue::Str(s) => go_string_lossy(s),
                    YValue::Int(i) => i.to_string(),
                    YValue::Uint(u) => u.to_string(),
                    YValue::Float(f) => match crate::float::format_g(*f, true).as_str() {
                        "+Inf" => ".inf".into(),
                        "-Inf" => "-.inf".into(),
                        "NaN" => ".nan".into(),
                        s => s.to_string(),
                    },
                    YValue::Bool(b) => b.to_string(),
                    other => {
                        return Err(Error::msg(format!(
                            "error converting YAML to JSON: unsupported map key of type: {}, key: {}, value: {}",
                            match other {
                                YValue::Null => "%!s(<nil>)",
                                _ => "interface {}",
                            },
                            match other {
                                YValue::Null => "<nil>".to_string(),
                                o => go_sharp_v(o),
                            },
                            go_sharp_v(val)
                        )))
                    }
                };
                out.insert(key, convert(val, depth + 1, too_deep)?);
            }
            Value::map(out)
        }
    })
}

/// Prefix a go-yaml failure the way sigs.k8s.io/yaml.Unmarshal does.
pub fn wrap_yaml_err(mut e: Error) -> Error {
    if e.message.starts_with("yaml: ") {
        e.message = format!("error converting YAML to JSON: {}", e.message);
    }
    e
}
