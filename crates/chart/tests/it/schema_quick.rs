//! The quick schema check (`schema::quick`) against the full validator.
//!
//! Soundness is what matters: whenever the quick check answers `Valid`,
//! the full validator must find no error (else bad values would pass), and
//! whenever it answers `Invalid` the full validator must find one (the
//! quick check relies on that under `not`, `oneOf` and `if`). Hand-written
//! cases cover each keyword; a differential test runs every schema in the
//! corpus against its values and thousands of mutations of them.

use capstan_chart::schema::quick::{check, Verdict};
use capstan_chart::schema::validate_single;
use gotmpl::Value;

fn values(yaml: &str) -> Value {
    capstan_chart::load_values(yaml.as_bytes()).expect("values")
}

/// The quick verdict, after checking it against the full validator.
fn verdict(schema: &str, vals: &Value) -> Verdict {
    let parsed: serde_json::Value = serde_json::from_str(schema).expect("schema JSON");
    let quick = check(vals, &parsed);
    let full = validate_single(vals, schema.as_bytes());
    match quick {
        Verdict::Valid => assert!(
            matches!(full, Ok(None)),
            "quick Valid, full validator: {full:?}\nschema {schema}"
        ),
        Verdict::Invalid => {
            assert!(
                !matches!(full, Ok(None)),
                "quick Invalid, full validator found nothing\nschema {schema}"
            )
        }
        Verdict::Unsure => {}
    }
    quick
}

fn v(schema: &str, yaml: &str) -> Verdict {
    verdict(schema, &values(yaml))
}

use Verdict::*;

#[test]
fn keywords_real_charts_use() {
    let s = r#"{"type":"object","properties":{
        "replicas":{"type":"integer","minimum":1,"maximum":10},
        "name":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"},
        "mode":{"enum":["a","b"]},
        "kind":{"const":"x"},
        "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3,"uniqueItems":true},
        "ratio":{"type":"number","exclusiveMaximum":1}
      },"required":["replicas"]}"#;
    assert_eq!(
        v(
            s,
            "replicas: 3\nname: abc\nmode: a\nkind: x\ntags: [p, q]\nratio: 0.5\n"
        ),
        Valid
    );
    assert_eq!(v(s, "replicas: 0\n"), Invalid);
    assert_eq!(v(s, "replicas: 11\n"), Invalid);
    assert_eq!(v(s, "replicas: '3'\n"), Invalid);
    assert_eq!(v(s, "replicas: 1.5\n"), Invalid);
    assert_eq!(v(s, "name: abc\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\nname: a\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\nname: abcdef\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\nname: ABC\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\nmode: c\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\nkind: y\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\ntags: []\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\ntags: [a, b, c, d]\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\ntags: [a, a]\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\ntags: [1]\n"), Invalid);
    assert_eq!(v(s, "replicas: 3\nratio: 1\n"), Invalid);
    // Non-ASCII text against a pattern is left to the full validator.
    assert_eq!(v(s, "replicas: 3\nname: äb\n"), Unsure);
}

#[test]
fn composition_and_conditionals() {
    let s = r#"{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{
        "a":{"oneOf":[{"type":"string"},{"type":"integer"}]},
        "b":{"anyOf":[{"type":"string"},{"type":"null"}]},
        "c":{"allOf":[{"type":"integer"},{"minimum":2}]},
        "d":{"not":{"type":"string"}},
        "e":{"type":"object","if":{"properties":{"enabled":{"const":true}}},"then":{"required":["port"]},"else":{"required":["why"]}}
      }}"#;
    assert_eq!(
        v(
            s,
            "a: x\nb: null\nc: 3\nd: 1\ne: {enabled: true, port: 1}\n"
        ),
        Valid
    );
    assert_eq!(v(s, "a: [1]\n"), Invalid);
    assert_eq!(v(s, "b: 1\n"), Invalid);
    assert_eq!(v(s, "c: 1\n"), Invalid);
    assert_eq!(v(s, "d: x\n"), Invalid);
    assert_eq!(v(s, "e: {enabled: true}\n"), Invalid);
    assert_eq!(v(s, "e: {enabled: false}\n"), Invalid);
    assert_eq!(v(s, "e: {enabled: false, why: x}\n"), Valid);
    // Both branches of a oneOf match.
    let both = r#"{"oneOf":[{"type":"integer"},{"minimum":0}]}"#;
    assert_eq!(verdict(both, &Value::Int(3, gotmpl::IntKind::Int)), Invalid);
}

#[test]
fn additional_and_pattern_properties() {
    let s = r#"{"type":"object","properties":{"a":{"type":"integer"}},
        "patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}"#;
    assert_eq!(v(s, "a: 1\nx-y: z\n"), Valid);
    assert_eq!(v(s, "a: 1\nx-y: 2\n"), Invalid);
    assert_eq!(v(s, "a: 1\nb: 2\n"), Invalid);
    let t = r#"{"type":"object","additionalProperties":{"type":"boolean"}}"#;
    assert_eq!(v(t, "p: true\nq: false\n"), Valid);
    assert_eq!(v(t, "p: 1\n"), Invalid);
}

#[test]
fn refs_follow_the_draft() {
    let defs = r##"{"definitions":{"port":{"type":"integer","maximum":65535}},
        "type":"object","properties":{"p":{"$ref":"#/definitions/port","minimum":100}}}"##;
    // Draft 7 ignores keywords beside `$ref`; 2020-12 applies them.
    let d7 = defs.replacen(
        '{',
        r#"{"$schema":"http://json-schema.org/draft-07/schema#","#,
        1,
    );
    assert_eq!(v(&d7, "p: 80\n"), Valid);
    assert_eq!(v(&d7, "p: 70000\n"), Invalid);
    assert_eq!(v(defs, "p: 80\n"), Invalid);
    assert_eq!(v(defs, "p: 8080\n"), Valid);
    // `$defs`, and pointers with escapes.
    let s = r##"{"$defs":{"a/b":{"type":"string"}},"properties":{"q":{"$ref":"#/$defs/a~1b"}}}"##;
    assert_eq!(v(s, "q: x\n"), Valid);
    assert_eq!(v(s, "q: 1\n"), Invalid);
}

#[test]
fn formats_as_the_crate_treats_them() {
    // Draft 7 validates known formats (left to the crate); unknown ones
    // and 2020-12's are annotations.
    let d7 = r#"{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"t":{"type":"string","format":"date-time"},"n":{"type":"integer","format":"int32"}}}"#;
    assert_eq!(v(d7, "t: yesterday\n"), Unsure);
    assert_eq!(v(d7, "n: 5\n"), Valid);
    let d2020 = r#"{"properties":{"t":{"type":"string","format":"date-time"}}}"#;
    assert_eq!(v(d2020, "t: yesterday\n"), Valid);
}

#[test]
fn what_it_leaves_to_the_full_validator() {
    for s in [
        // Keywords it does not cover, anywhere in the schema.
        r#"{"properties":{"a":{"multipleOf":2}}}"#,
        r#"{"definitions":{"x":{"propertyNames":{"maxLength":3}}}}"#,
        r#"{"unevaluatedProperties":false}"#,
        r#"{"items":[{"type":"string"}]}"#,
        // Refs it does not follow, or that lead nowhere.
        r##"{"properties":{"a":{"$ref":"other.json#/x"}}}"##,
        r##"{"properties":{"a":{"$ref":"#/definitions/missing"}}}"##,
        // Malformed keywords (the crate rejects the schema).
        r#"{"type":"strng"}"#,
        r#"{"required":true}"#,
        r#"{"properties":{"a":{"minLength":-1}}}"#,
        r#"{"enum":[]}"#,
        // A nested resource with its own base; a root id that is not a
        // plain URI.
        r#"{"properties":{"a":{"$id":"http://x/y","type":"string"}}}"#,
        r#"{"$id":"not a uri","properties":{"a":{"type":"string"}}}"#,
        // Draft 4: an exclusive bound without its bound.
        r#"{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"b":{"exclusiveMinimum":true}}}"#,
        r#"{"$id":"http://x/y#frag","properties":{"a":{"type":"string"}}}"#,
        // Boolean schemas in draft 4; patterns outside the plain subset.
        r#"{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"a":true}}"#,
        r#"{"properties":{"a":{"pattern":"(?i)abc"}}}"#,
        r#"{"properties":{"a":{"pattern":"\\p{L}+"}}}"#,
    ] {
        assert_eq!(v(s, "a: abc\n"), Unsure, "{s}");
    }
}

#[test]
fn a_plain_root_id_is_fine() {
    let s = r##"{"$id":"https://example.com/values.schema.json","definitions":{"n":{"type":"integer"}},"properties":{"a":{"$ref":"#/definitions/n"}}}"##;
    assert_eq!(v(s, "a: 1\n"), Valid);
    assert_eq!(v(s, "a: x\n"), Invalid);
}

#[test]
fn numbers_compare_exactly() {
    let s = r#"{"properties":{"a":{"enum":[1,2]},"b":{"minimum":0.5},"c":{"type":"integer"}}}"#;
    assert_eq!(v(s, "a: 2\nb: 0.5\nc: 4.0\n"), Valid);
    assert_eq!(v(s, "a: 3\n"), Invalid);
    assert_eq!(v(s, "b: 0.49\n"), Invalid);
    assert_eq!(v(s, "c: 4.5\n"), Invalid);
}

/// A small deterministic generator (xorshift) for the mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every node's path (map keys and list indices) in `v`.
fn paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match v {
        Value::Map(m) => {
            for (k, x) in m.borrow().iter() {
                at.push(k.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        Value::List(l) => {
            for (i, x) in l.items().iter().enumerate() {
                at.push(i.to_string());
                paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// A replacement for a node, of a kind chosen at random.
fn replacement(rng: &mut Rng, old: &Value) -> Option<Value> {
    use gotmpl::IntKind;
    Some(match rng.below(12) {
        0 => Value::Nil,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::Int(rng.below(200) as i64 - 100, IntKind::Int64),
        3 => Value::Int(70000, IntKind::Int64),
        4 => Value::Float(0.5),
        5 => Value::str(""),
        6 => Value::str("some-text"),
        7 => Value::str("UPPER case"),
        8 => Value::list(vec![old.clone()]),
        9 => Value::list(vec![]),
        10 => {
            let mut m = gotmpl::MapInner::new();
            m.insert("unexpected".to_string(), old.clone());
            Value::map(m)
        }
        // Delete the node.
        _ => return None,
    })
}

/// `v` with the node at `path` replaced (`None`: removed).
fn mutated(v: &Value, path: &[String], new: Option<Value>) -> Option<Value> {
    let Some((key, rest)) = path.split_first() else {
        return new;
    };
    Some(match v {
        Value::Map(m) => {
            let mut inner = m.borrow().clone();
            match inner.get(key).and_then(|child| mutated(child, rest, new)) {
                Some(x) => inner.insert(key.clone(), x),
                None => inner.remove(key),
            };
            Value::map(inner)
        }
        Value::List(l) => {
            let mut items: Vec<Value> = l.items().to_vec();
            let i: usize = key.parse().expect("index");
            match items.get(i).and_then(|child| mutated(child, rest, new)) {
                Some(x) => items[i] = x,
                None => {
                    items.remove(i);
                }
            }
            Value::list(items)
        }
        other => other.clone(),
    })
}

#[test]
fn agrees_with_the_full_validator_on_the_corpus() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/charts");
    if !root.is_dir() {
        capstan_testkit::skip(format_args!(
            "../shared/corpus not present; skipping the differential schema test"
        ));
        return;
    }
    let mut schemas = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "values.schema.json") {
                schemas.push(p);
            }
        }
    }
    schemas.sort();
    assert!(!schemas.is_empty());
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let (mut valid, mut invalid, mut unsure) = (0, 0, 0);
    for schema_path in &schemas {
        let dir = schema_path.parent().expect("dir");
        let schema = std::fs::read_to_string(schema_path).expect("schema");
        let Ok(base) =
            capstan_chart::load_values(&std::fs::read(dir.join("values.yaml")).unwrap_or_default())
        else {
            continue;
        };
        let mut all = Vec::new();
        paths(&base, &mut Vec::new(), &mut all);
        let mut cases = vec![base.clone()];
        for _ in 0..150 {
            let path = &all[rng.below(all.len())];
            let old = {
                let mut at = base.clone();
                for k in path {
                    let next = match &at {
                        Value::Map(m) => m.borrow().get(k).cloned(),
                        Value::List(l) => l
                            .items()
                            .get(k.parse::<usize>().unwrap_or(usize::MAX))
                            .cloned(),
                        _ => None,
                    };
                    at = next.unwrap_or(Value::Nil);
                }
                at
            };
            let new = replacement(&mut rng, &old);
            cases.push(mutated(&base, path, new).unwrap_or(Value::Nil));
        }
        for case in &cases {
            match verdict(&schema, case) {
                Valid => valid += 1,
                Invalid => invalid += 1,
                Unsure => unsure += 1,
            }
        }
    }
    eprintln!(
        "quick check over {} schemas: {valid} valid, {invalid} invalid, {unsure} unsure",
        schemas.len()
    );
    // The corpus's own values are valid and cheap to tell: most cases must
    // be decided without the full validator, both ways.
    assert!(
        valid > 500 && invalid > 300,
        "valid {valid}, invalid {invalid}, unsure {unsure}"
    );
}
