//! A quick check of values against a schema, with nothing compiled.
//!
//! Validating with the `jsonschema` crate means compiling the schema
//! first: every `$ref`'d definition wherever it is used, every pattern, and
//! on first use in a process the draft's metaschema (20–260 ms). For the
//! big schemas charts ship (300 KB for gpu-operator) that compiling costs
//! more than rendering the chart, while the values almost always conform.
//! So this module walks the values and the schema together and answers
//! [`Verdict::Valid`] only when the full validator is certain to report no
//! error. Anything else — an error to word, a keyword or construct it does
//! not cover — is left to the full validator, which decides and words the
//! message as before. A wrong `Valid` would let bad values through, so the
//! rules are one-sided:
//!
//! * `Valid` only if the crate, as `schema::validate_json` calls it, would
//!   find the schema well-formed (it checks it against the draft's
//!   metaschema and compiles every `$ref` up front) and the values valid;
//! * `Invalid` (used under `not`, `oneOf` and `if`) only if the crate would
//!   certainly reject this instance;
//! * otherwise `Unsure`.
//!
//! Covered: the keywords real charts use (`type`, `enum`, `const`,
//! `required`, `properties`, `patternProperties`, `additionalProperties`,
//! single-schema `items`, `minItems`/`maxItems`/`uniqueItems`, numeric
//! bounds, `minLength`/`maxLength`, `pattern`, `format` where the crate
//! ignores it, `allOf`/`anyOf`/`oneOf`/`not`, `if`/`then`/`else`, and local
//! `$ref`s). Every other validation keyword makes the whole schema
//! `Unsure`. Patterns use a conservative subset of regex syntax, compiled
//! by `regex-lite` (cheap to compile; its `\d`, `\w`, `\s` are ASCII, as in
//! RE2 and ECMA), and are matched only against ASCII strings, where those
//! agree with the crate's Unicode-aware ones.

use std::collections::{HashMap, HashSet};

use gotmpl::Value;
use serde_json::Value as J;

/// What the quick check concluded (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid,
    Unsure,
}

use Verdict::*;

/// The drafts the crate tells apart (ordered by age).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Draft {
    D4,
    D6,
    D7,
    D2019,
    D2020,
}

/// Deeper than this (values nesting plus `$ref` hops) is left to the crate.
const MAX_DEPTH: usize = 200;

/// Check `values` against the parsed schema `schema`.
pub fn check(values: &Value, schema: &J) -> Verdict {
    let Some(draft) = draft_of(schema) else {
        return Unsure;
    };
    let mut c = Checker {
        root: schema,
        draft,
        patterns: HashMap::new(),
        formed: HashSet::new(),
        refs: HashMap::new(),
    };
    if !c.well_formed(schema, true, 0) {
        return Unsure;
    }
    c.validate(schema, values, 0)
}

/// The draft as `validate_json` ends up using it: a `$schema` the crate
/// does not know is dropped and the crate's default (2020-12) applies.
fn draft_of(schema: &J) -> Option<Draft> {
    let Some(s) = schema.get("$schema") else {
        return Some(Draft::D2020);
    };
    let s = s.as_str()?;
    Some(match s.trim_end_matches('#') {
        "http://json-schema.org/draft-04/schema" => Draft::D4,
        "http://json-schema.org/draft-06/schema" => Draft::D6,
        "http://json-schema.org/draft-07/schema" => Draft::D7,
        "https://json-schema.org/draft/2019-09/schema" => Draft::D2019,
        _ => Draft::D2020,
    })
}

struct Checker<'s> {
    root: &'s J,
    draft: Draft,
    /// Compiled patterns; `None`: outside the covered syntax.
    patterns: HashMap<&'s str, Option<regex_lite::Regex>>,
    /// Subschemas already found well-formed (by address).
    formed: HashSet<*const J>,
    /// `$ref` targets resolved so far.
    refs: HashMap<&'s str, Option<&'s J>>,
}

/// Format names the crate validates (in drafts 4, 6 and 7, where it
/// validates formats by default); others it ignores.
const CHECKED_FORMATS: &[&str] = &[
    "date",
    "date-time",
    "duration",
    "email",
    "hostname",
    "idn-email",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "iri",
    "iri-reference",
    "json-pointer",
    "regex",
    "relative-json-pointer",
    "time",
    "uri",
    "uri-reference",
    "uri-template",
    "uuid",
];

const TYPE_NAMES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// The instance as `schema::to_json` presents it to the crate.
enum Inst<'v> {
    Null,
    Bool(bool),
    Int(i64),
    /// Not a whole number below 9e15 (those become integers).
    Num(f64),
    Str(&'v str),
    Arr(&'v [Value]),
    Obj(&'v gotmpl::Map),
}

/// `None` for what this module leaves to the crate (`Bytes`, `Object`).
fn inst(v: &Value) -> Option<Inst<'_>> {
    Some(match v {
        Value::Nil => Inst::Null,
        Value::Bool(b) => Inst::Bool(*b),
        Value::Int(n, _) => Inst::Int(*n),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Inst::Int(*f as i64)
            } else if f.is_finite() {
                Inst::Num(*f)
            } else {
                Inst::Null
            }
        }
        Value::String(s) => Inst::Str(s),
        Value::List(l) => Inst::Arr(l.items()),
        Value::Map(m) => Inst::Obj(m),
        Value::Bytes(_) | Value::Object(_) => return None,
    })
}

/// Integers up to 2^53 convert to `f64` exactly.
const EXACT: i64 = 1 << 53;

/// A schema number as `f64`, when that is exact.
fn exact_f64(n: &serde_json::Number) -> Option<f64> {
    if let Some(i) = n.as_i64() {
        (i.abs() <= EXACT).then_some(i as f64)
    } else if n.as_u64().is_some() {
        None
    } else {
        n.as_f64()
    }
}

/// The instance number as `f64`, when that is exact.
fn inst_f64(i: &Inst) -> Option<f64> {
    match i {
        Inst::Int(n) => (n.abs() <= EXACT).then_some(*n as f64),
        Inst::Num(f) => Some(*f),
        _ => None,
    }
}

/// JSON-Schema equality of an instance and a schema constant (`enum`,
/// `const`): `Some` when certain.
fn eq_const(v: &Value, c: &J, depth: usize) -> Option<bool> {
    if depth > MAX_DEPTH {
        return None;
    }
    let i = inst(v)?;
    Some(match (&i, c) {
        (Inst::Null, J::Null) => true,
        (Inst::Bool(a), J::Bool(b)) => a == b,
        (Inst::Str(a), J::String(b)) => *a == b.as_str(),
        (Inst::Int(a), J::Number(b)) if b.as_i64().is_some() => Some(*a) == b.as_i64(),
        (Inst::Int(_) | Inst::Num(_), J::Number(b)) => {
            let (a, b) = (inst_f64(&i)?, exact_f64(b)?);
            a == b
        }
        (Inst::Arr(a), J::Array(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            let mut all = true;
            for (x, y) in a.iter().zip(b) {
                match eq_const(x, y, depth + 1)? {
                    true => {}
                    false => all = false,
                }
            }
            all
        }
        (Inst::Obj(m), J::Object(b)) => {
            let m = m.borrow();
            if m.len() != b.len() {
                return Some(false);
            }
            let mut all = true;
            for (k, x) in m.iter() {
                match b.get(k) {
                    None => all = false,
                    Some(y) => {
                        if !eq_const(x, y, depth + 1)? {
                            all = false
                        }
                    }
                }
            }
            all
        }
        _ => false,
    })
}

/// Equality of two instances (`uniqueItems`): `Some` when certain.
fn eq_inst(a: &Value, b: &Value, depth: usize) -> Option<bool> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (x, y) = (inst(a)?, inst(b)?);
    Some(match (&x, &y) {
        (Inst::Null, Inst::Null) => true,
        (Inst::Bool(p), Inst::Bool(q)) => p == q,
        (Inst::Str(p), Inst::Str(q)) => p == q,
        (Inst::Int(p), Inst::Int(q)) => p == q,
        (Inst::Int(_) | Inst::Num(_), Inst::Int(_) | Inst::Num(_)) => {
            inst_f64(&x)? == inst_f64(&y)?
        }
        (Inst::Arr(p), Inst::Arr(q)) => {
            if p.len() != q.len() {
                return Some(false);
            }
            let mut all = true;
            for (s, t) in p.iter().zip(q.iter()) {
                if !eq_inst(s, t, depth + 1)? {
                    all = false
                }
            }
            all
        }
        (Inst::Obj(p), Inst::Obj(q)) => {
            let (p, q) = (p.borrow(), q.borrow());
            if p.len() != q.len() {
                return Some(false);
            }
            let mut all = true;
            for ((k1, v1), (k2, v2)) in p.iter().zip(q.iter()) {
                if k1 != k2 || !eq_inst(v1, v2, depth + 1)? {
                    all = false
                }
            }
            all
        }
        _ => false,
    })
}

/// A pattern in the syntax both this module and the crate read alike:
/// ASCII, no `(?…)` groups or flags, no `{,n}`, no POSIX classes, and
/// escapes only of punctuation, `\d\D\w\W\s\S\b\B` and `\n\t\r\f\v`.
fn plain_pattern(p: &str) -> bool {
    if !p.is_ascii() || p.contains("(?") || p.contains("{,") || p.contains("[:") {
        return false;
    }
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match b.get(i + 1) {
                Some(c)
                    if b"dDwWsSbBntrfv".contains(c) || (c.is_ascii_punctuation() && *c != b'_') => {
                }
                _ => return false,
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    true
}

/// `$ref`s this module follows: a JSON pointer into the same document.
fn plain_ref(r: &str) -> bool {
    r.strip_prefix('#').is_some_and(|p| {
        (p.is_empty() || p.starts_with('/'))
            && p.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-._~/$:@".contains(&c))
    })
}

/// A root `$id` the crate is sure to take as its base URI: URI characters
/// only, and no fragment beyond an empty one (the metaschemas' rule).
fn plain_id(id: &str) -> bool {
    let body = id.strip_suffix('#').unwrap_or(id);
    !body.is_empty()
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b":/?[]@!$&'()*+,;=-._~%".contains(&c))
}

fn u64_of(v: &J) -> Option<u64> {
    v.as_u64()
}

impl<'s> Checker<'s> {
    fn pattern(&mut self, p: &'s str) -> Option<&regex_lite::Regex> {
        self.patterns
            .entry(p)
            .or_insert_with(|| {
                if !plain_pattern(p) {
                    return None;
                }
                regex_lite::Regex::new(p).ok()
            })
            .as_ref()
    }

    /// The target of a local `$ref` (a JSON pointer into the document).
    fn resolve(&mut self, r: &'s str) -> Option<&'s J> {
        if let Some(t) = self.refs.get(r) {
            return *t;
        }
        let t = self.lookup(r);
        self.refs.insert(r, t);
        t
    }

    fn lookup(&self, r: &str) -> Option<&'s J> {
        let ptr = r.strip_prefix('#')?;
        let mut at = self.root;
        if ptr.is_empty() {
            return Some(at);
        }
        for tok in ptr.strip_prefix('/')?.split('/') {
            let tok: std::borrow::Cow<str> = if tok.contains('~') {
                tok.replace("~1", "/").replace("~0", "~").into()
            } else {
                tok.into()
            };
            at = match at {
                J::Object(m) => m.get(tok.as_ref())?,
                J::Array(a) => a.get(tok.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(at)
    }

    /// Whether `s` is a schema the crate accepts (its metaschema, and what
    /// compiling needs), judged strictly: `false` also for anything this
    /// module does not cover.
    fn well_formed(&mut self, s: &'s J, is_root: bool, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        if !self.formed.insert(s as *const J) {
            return true;
        }
        let o = match s {
            J::Bool(_) => return self.draft >= Draft::D6,
            J::Object(o) => o,
            _ => return false,
        };
        let d = self.draft;
        let schema = |c: &mut Self, v: &'s J| c.well_formed(v, false, depth + 1);
        let schema_map = |c: &mut Self, v: &'s J| match v {
            J::Object(m) => m.values().all(|x| c.well_formed(x, false, depth + 1)),
            _ => false,
        };
        let schema_list = |c: &mut Self, v: &'s J| match v {
            J::Array(a) => !a.is_empty() && a.iter().all(|x| c.well_formed(x, false, depth + 1)),
            _ => false,
        };
        for (k, v) in o {
            let ok = match k.as_str() {
                "$schema" => is_root && v.is_string(),
                "$id" => is_root && v.as_str().is_some_and(plain_id),
                "id" if d == Draft::D4 => is_root && v.as_str().is_some_and(plain_id),
                "title" | "description" | "$comment" | "format" => v.is_string(),
                "default" => true,
                "examples" => v.is_array() || d == Draft::D4,
                "readOnly" | "writeOnly" | "deprecated" => v.is_boolean(),
                "definitions" | "$defs" | "properties" => schema_map(self, v),
                "patternProperties" => match v {
                    J::Object(m) => m.iter().all(|(p, x)| {
                        self.pattern(p).is_some() && self.well_formed(x, false, depth + 1)
                    }),
                    _ => false,
                },
                "additionalProperties" | "not" => schema(self, v),
                "items" => !v.is_array() && schema(self, v),
                "if" | "then" | "else" => d >= Draft::D7 && schema(self, v),
                "allOf" | "anyOf" | "oneOf" => schema_list(self, v),
                "type" => match v {
                    J::String(t) => TYPE_NAMES.contains(&t.as_str()),
                    J::Array(ts) => {
                        !ts.is_empty()
                            && ts.iter().enumerate().all(|(i, t)| {
                                t.as_str().is_some_and(|t| TYPE_NAMES.contains(&t))
                                    && !ts[..i].contains(t)
                            })
                    }
                    _ => false,
                },
                "enum" => match v {
                    // Distinct members, as drafts 4 and 6 require (strings
                    // and other scalars only: comparing is then trivial).
                    J::Array(a) => {
                        !a.is_empty()
                            && a.iter().all(|x| {
                                matches!(x, J::String(_) | J::Bool(_) | J::Null)
                                    || x.as_i64().is_some()
                            })
                            && a.iter().enumerate().all(|(i, x)| !a[..i].contains(x))
                    }
                    _ => false,
                },
                "const" => d >= Draft::D6,
                "required" => match v {
                    J::Array(a) => {
                        (d > Draft::D4 || !a.is_empty())
                            && a.iter()
                                .enumerate()
                                .all(|(i, x)| x.is_string() && !a[..i].contains(x))
                    }
                    _ => false,
                },
                "minItems" | "maxItems" | "minLength" | "maxLength" => u64_of(v).is_some(),
                "uniqueItems" => v.is_boolean(),
                "minimum" | "maximum" => v.as_number().and_then(exact_f64).is_some(),
                "exclusiveMinimum" | "exclusiveMaximum" => {
                    if d == Draft::D4 {
                        // Draft 4's metaschema wants its bound beside it.
                        let bound = if k == "exclusiveMinimum" {
                            "minimum"
                        } else {
                            "maximum"
                        };
                        v.is_boolean() && o.contains_key(bound)
                    } else {
                        v.as_number().and_then(exact_f64).is_some()
                    }
                }
                "pattern" => v.as_str().is_some_and(|p| self.pattern(p).is_some()),
                "$ref" => match v.as_str() {
                    Some(r) if plain_ref(r) => match self.resolve(r) {
                        Some(t) => self.well_formed(t, false, depth + 1),
                        None => false,
                    },
                    _ => false,
                },
                // Validation keywords and identifiers this module leaves
                // to the crate.
                "additionalItems"
                | "contains"
                | "minContains"
                | "maxContains"
                | "propertyNames"
                | "dependencies"
                | "dependentRequired"
                | "dependentSchemas"
                | "minProperties"
                | "maxProperties"
                | "multipleOf"
                | "prefixItems"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "contentMediaType"
                | "contentEncoding"
                | "contentSchema"
                | "$dynamicRef"
                | "$dynamicAnchor"
                | "$recursiveRef"
                | "$recursiveAnchor"
                | "$anchor"
                | "$vocabulary"
                | "id"
                | "disallow"
                | "extends"
                | "divisibleBy" => false,
                // Anything else is an annotation to every draft.
                _ => true,
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// Validate one instance against a well-formed subschema.
    fn validate(&mut self, s: &'s J, v: &Value, depth: usize) -> Verdict {
        if depth > MAX_DEPTH {
            return Unsure;
        }
        let o = match s {
            J::Bool(true) => return Valid,
            J::Bool(false) => return Invalid,
            J::Object(o) => o,
            _ => return Unsure,
        };
        let Some(i) = inst(v) else { return Unsure };
        let mut verdict = Valid;
        // Drafts up to 7 ignore every keyword beside a `$ref`.
        if self.draft <= Draft::D7 {
            if let Some(r) = o.get("$ref") {
                return match r.as_str().and_then(|r| self.resolve(r)) {
                    Some(t) => self.validate(t, v, depth + 1),
                    None => Unsure,
                };
            }
        }
        for (k, kv) in o {
            let r = match k.as_str() {
                "$ref" => match kv.as_str().and_then(|r| self.resolve(r)) {
                    Some(t) => self.validate(t, v, depth + 1),
                    None => Unsure,
                },
                "type" => {
                    let one = |t: &str| -> Verdict {
                        let hit = match (t, &i) {
                            ("null", Inst::Null)
                            | ("boolean", Inst::Bool(_))
                            | ("object", Inst::Obj(_))
                            | ("array", Inst::Arr(_))
                            | ("string", Inst::Str(_))
                            | ("number", Inst::Int(_) | Inst::Num(_))
                            | ("integer", Inst::Int(_)) => Some(true),
                            // A whole number too big to have become an integer.
                            ("integer", Inst::Num(f)) if f.fract() == 0.0 => None,
                            _ => Some(false),
                        };
                        match hit {
                            Some(true) => Valid,
                            Some(false) => Invalid,
                            None => Unsure,
                        }
                    };
                    match kv {
                        J::String(t) => one(t),
                        J::Array(ts) => any_of(ts.iter().map(|t| t.as_str().map_or(Unsure, one))),
                        _ => Unsure,
                    }
                }
                "enum" => match kv {
                    J::Array(opts) => any_of(opts.iter().map(|c| match eq_const(v, c, 0) {
                        Some(true) => Valid,
                        Some(false) => Invalid,
                        None => Unsure,
                    })),
                    _ => Unsure,
                },
                "const" => match eq_const(v, kv, 0) {
                    Some(true) => Valid,
                    Some(false) => Invalid,
                    None => Unsure,
                },
                "allOf" => match kv {
                    J::Array(subs) => {
                        all_of(subs.iter().map(|sub| self.validate(sub, v, depth + 1)))
                    }
                    _ => Unsure,
                },
                "anyOf" => match kv {
                    J::Array(subs) => {
                        any_of(subs.iter().map(|sub| self.validate(sub, v, depth + 1)))
                    }
                    _ => Unsure,
                },
                "oneOf" => match kv {
                    J::Array(subs) => {
                        let (mut valid, mut unsure) = (0, false);
                        for sub in subs {
                            match self.validate(sub, v, depth + 1) {
                                Valid => valid += 1,
                                Unsure => unsure = true,
                                Invalid => {}
                            }
                        }
                        match (valid, unsure) {
                            (2.., _) => Invalid,
                            (_, true) => Unsure,
                            (1, false) => Valid,
                            (_, false) => Invalid,
                        }
                    }
                    _ => Unsure,
                },
                "not" => match self.validate(kv, v, depth + 1) {
                    Valid => Invalid,
                    Invalid => Valid,
                    Unsure => Unsure,
                },
                "if" => match self.validate(kv, v, depth + 1) {
                    Valid => o
                        .get("then")
                        .map_or(Valid, |t| self.validate(t, v, depth + 1)),
                    Invalid => o
                        .get("else")
                        .map_or(Valid, |e| self.validate(e, v, depth + 1)),
                    Unsure => Unsure,
                },
                "format" => match (&i, kv.as_str()) {
                    (Inst::Str(_), Some(f))
                        if self.draft <= Draft::D7 && CHECKED_FORMATS.contains(&f) =>
                    {
                        Unsure
                    }
                    _ => Valid,
                },
                _ => self.validate_typed(k, kv, o, &i, depth),
            };
            verdict = and(verdict, r);
            if verdict == Invalid {
                return Invalid;
            }
        }
        verdict
    }

    /// The keywords that apply to one instance type only.
    fn validate_typed(
        &mut self,
        k: &str,
        kv: &'s J,
        o: &'s serde_json::Map<String, J>,
        i: &Inst,
        depth: usize,
    ) -> Verdict {
        match (k, i) {
            ("minLength", Inst::Str(s)) => bound(kv, s.chars().count(), |n, l| n >= l),
            ("maxLength", Inst::Str(s)) => bound(kv, s.chars().count(), |n, l| n <= l),
            ("pattern", Inst::Str(s)) => {
                if !s.is_ascii() {
                    return Unsure;
                }
                let Some(p) = kv.as_str() else { return Unsure };
                match self.pattern(p) {
                    Some(re) => verdict_of(re.is_match(s)),
                    None => Unsure,
                }
            }
            ("minItems", Inst::Arr(a)) => bound(kv, a.len(), |n, l| n >= l),
            ("maxItems", Inst::Arr(a)) => bound(kv, a.len(), |n, l| n <= l),
            ("uniqueItems", Inst::Arr(a)) => {
                if kv.as_bool() != Some(true) {
                    return Valid;
                }
                let mut acc = Valid;
                for (n, x) in a.iter().enumerate() {
                    for y in &a[..n] {
                        match eq_inst(x, y, 0) {
                            Some(false) => {}
                            Some(true) => return Invalid,
                            None => acc = Unsure,
                        }
                    }
                }
                acc
            }
            ("items", Inst::Arr(a)) => all_of(a.iter().map(|x| self.validate(kv, x, depth + 1))),
            (
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum",
                Inst::Int(_) | Inst::Num(_),
            ) => self.numeric_bound(k, kv, o, i),
            ("required", Inst::Obj(m)) => match kv {
                J::Array(names) => {
                    let m = m.borrow();
                    verdict_of(
                        names
                            .iter()
                            .all(|n| n.as_str().is_some_and(|n| m.contains_key(n))),
                    )
                }
                _ => Unsure,
            },
            ("properties", Inst::Obj(m)) => {
                let J::Object(props) = kv else { return Unsure };
                let m = m.borrow();
                let mut acc = Valid;
                // Walk the smaller side.
                if props.len() <= m.len() {
                    for (name, sub) in props {
                        if let Some(x) = m.get(name) {
                            acc = and(acc, self.validate(sub, x, depth + 1));
                            if acc == Invalid {
                                break;
                            }
                        }
                    }
                } else {
                    for (name, x) in m.iter() {
                        if let Some(sub) = props.get(name) {
                            acc = and(acc, self.validate(sub, x, depth + 1));
                            if acc == Invalid {
                                break;
                            }
                        }
                    }
                }
                acc
            }
            ("patternProperties", Inst::Obj(m)) => {
                let J::Object(pats) = kv else { return Unsure };
                let m = m.borrow();
                let mut acc = Valid;
                for (name, x) in m.iter() {
                    for (p, sub) in pats {
                        match self.key_matches(p, name) {
                            Some(true) => acc = and(acc, self.validate(sub, x, depth + 1)),
                            Some(false) => {}
                            None => acc = and(acc, Unsure),
                        }
                        if acc == Invalid {
                            return Invalid;
                        }
                    }
                }
                acc
            }
            ("additionalProperties", Inst::Obj(m)) => {
                let props = o.get("properties").and_then(J::as_object);
                let pats = o.get("patternProperties").and_then(J::as_object);
                let m = m.borrow();
                let mut acc = Valid;
                for (name, x) in m.iter() {
                    if props.is_some_and(|p| p.contains_key(name)) {
                        continue;
                    }
                    let mut matched = Some(false);
                    if let Some(pats) = pats {
                        for p in pats.keys() {
                            match self.key_matches(p, name) {
                                Some(true) => {
                                    matched = Some(true);
                                    break;
                                }
                                Some(false) => {}
                                None => matched = None,
                            }
                        }
                    }
                    match matched {
                        Some(true) => {}
                        Some(false) => acc = and(acc, self.validate(kv, x, depth + 1)),
                        None => acc = and(acc, Unsure),
                    }
                    if acc == Invalid {
                        return Invalid;
                    }
                }
                acc
            }
            // Annotations, `then`/`else` (read by `if`), and keywords that
            // do not apply to this instance's type.
            _ => Valid,
        }
    }

    fn key_matches(&mut self, p: &'s str, key: &str) -> Option<bool> {
        if !key.is_ascii() {
            return None;
        }
        self.pattern(p).map(|re| re.is_match(key))
    }

    fn numeric_bound(&self, k: &str, kv: &J, o: &serde_json::Map<String, J>, i: &Inst) -> Verdict {
        let Some(x) = inst_f64(i) else { return Unsure };
        let limit = |v: &J| v.as_number().and_then(exact_f64);
        if self.draft == Draft::D4 {
            // `exclusiveMinimum: true` turns `minimum` exclusive.
            let excl = |key: &str| o.get(key).and_then(J::as_bool).unwrap_or(false);
            return match k {
                "minimum" => match limit(kv) {
                    Some(l) => verdict_of(if excl("exclusiveMinimum") {
                        x > l
                    } else {
                        x >= l
                    }),
                    None => Unsure,
                },
                "maximum" => match limit(kv) {
                    Some(l) => verdict_of(if excl("exclusiveMaximum") {
                        x < l
                    } else {
                        x <= l
                    }),
                    None => Unsure,
                },
                // Only read with `minimum`/`maximum`; alone the crate
                // may treat it differently.
                _ => {
                    let partner = if k == "exclusiveMinimum" {
                        "minimum"
                    } else {
                        "maximum"
                    };
                    if o.contains_key(partner) {
                        Valid
                    } else {
                        Unsure
                    }
                }
            };
        }
        let Some(l) = limit(kv) else { return Unsure };
        verdict_of(match k {
            "minimum" => x >= l,
            "maximum" => x <= l,
            "exclusiveMinimum" => x > l,
            _ => x < l,
        })
    }
}

fn verdict_of(ok: bool) -> Verdict {
    if ok {
        Valid
    } else {
        Invalid
    }
}

/// Both must hold.
fn and(a: Verdict, b: Verdict) -> Verdict {
    match (a, b) {
        (Invalid, _) | (_, Invalid) => Invalid,
        (Valid, Valid) => Valid,
        _ => Unsure,
    }
}

/// Every one holds (stops at the first certain failure).
fn all_of(vs: impl Iterator<Item = Verdict>) -> Verdict {
    let mut acc = Valid;
    for v in vs {
        acc = and(acc, v);
        if acc == Invalid {
            break;
        }
    }
    acc
}

/// At least one holds (stops at the first certain success).
fn any_of(vs: impl Iterator<Item = Verdict>) -> Verdict {
    let mut acc = Invalid;
    for v in vs {
        match v {
            Valid => return Valid,
            Unsure => acc = Unsure,
            Invalid => {}
        }
    }
    acc
}

/// A length bound (`kv` a non-negative integer limit).
fn bound(kv: &J, n: usize, ok: fn(u64, u64) -> bool) -> Verdict {
    match kv.as_u64() {
        Some(l) => verdict_of(ok(n as u64, l)),
        None => Unsure,
    }
}
