//! Unit tests of the public API.  Expected texts were confirmed against
//! Helm v4.2.3 (helm-ref) while writing them.
use super::*;

fn m(pairs: &[(&str, Value)]) -> Value {
    let mut inner = MapInner::new();
    for (k, v) in pairs {
        inner.insert(k.to_string(), v.clone());
    }
    Value::map(inner)
}

fn s(x: &str) -> Value {
    Value::str(x)
}

fn dbg(v: &Value) -> String {
    format!("{v:?}")
}

#[test]
fn parse_scalars_yaml11() {
    let v = from_yaml("a: yes\nb: Off\nc: y\nd: ~\ne: 0x1f\nf: 010\ng: 1_0\nh: .5\ni: 2021-02-03\nj: 3:20\nk: 'no'\n")
        .unwrap();
    assert_eq!(
        dbg(&v),
        r#"{"a": true, "b": false, "c": true, "d": nil, "e": 31.0, "f": 8.0, "g": 10.0, "h": 0.5, "i": "2021-02-03", "j": "3:20", "k": "no"}"#
    );
}

#[test]
fn parse_tags_and_binary() {
    let v = from_yaml("a: !!str 12\nb: !!float '3'\nc: !!binary aGVsbG8=\nd: !foo bar\n").unwrap();
    assert_eq!(
        dbg(&v),
        r#"{"a": "12", "b": 3.0, "c": "hello", "d": "bar"}"#
    );
    let e = from_yaml("a: !!int x\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: cannot decode !!str `x` as a !!int"
    );
    let e = from_yaml("a: !!binary '%%'\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: !!binary value contains invalid base64 data"
    );
}

#[test]
fn parse_anchors_merges_duplicates() {
    let v = from_yaml(
        "base: &b {p: 1, q: 2}\nx:\n  <<: *b\n  q: 3\nw:\n  q: 3\n  <<: *b\nz: *b\nd: 1\nd: 2\n",
    )
    .unwrap();
    assert_eq!(
        dbg(&v),
        r#"{"base": {"p": 1.0, "q": 2.0}, "d": 2.0, "w": {"p": 1.0, "q": 2.0}, "x": {"p": 1.0, "q": 3.0}, "z": {"p": 1.0, "q": 2.0}}"#
    );
    let e = from_yaml("a: *nope\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: unknown anchor 'nope' referenced"
    );
    let e = from_yaml("a:\n  <<: 1\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value"
    );
}

#[test]
fn parse_keys_stringified() {
    let v = from_yaml("1: a\n2.5: b\ntrue: c\n1e2: d\n").unwrap();
    assert_eq!(
        dbg(&v),
        r#"{"1": "a", "100": "d", "2.5": "b", "true": "c"}"#
    );
    let e = from_yaml("~: x\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"x\""
    );
    let e = from_yaml("[a]: b\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: invalid map key: []interface {}{\"a\"}"
    );
}

#[test]
fn parse_errors_have_go_messages() {
    let e = from_yaml("a:\n\tb: 1\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: line 2: found character that cannot start any token"
    );
    assert_eq!(e.line, Some(2));
    let e = from_yaml("x: 1\ny: [1, 2\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: line 2: did not find expected ',' or ']'"
    );
    let e = from_yaml("a:\n  b: 1\n c: 2\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: line 2: did not find expected key"
    );
    let e = from_yaml("a: .inf\n").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: json: unsupported value: +Inf"
    );
}

#[test]
fn map_and_list_targets() {
    assert_eq!(dbg(&from_yaml_map("").unwrap()), "{}");
    assert_eq!(dbg(&from_yaml_map("# only a comment\n").unwrap()), "{}");
    assert_eq!(
        from_yaml_map("- 1\n").unwrap_err().message,
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
    );
    assert_eq!(
        from_yaml_map("7\n").unwrap_err().message,
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go value of type map[string]interface {}"
    );
    assert_eq!(dbg(&from_yaml_list("").unwrap()), "[]");
    assert_eq!(dbg(&from_yaml_list("[1, on]").unwrap()), "[1.0, true]");
    // Only the first document counts for Unmarshal.
    assert_eq!(
        dbg(&from_yaml_map("a: 1\n---\nb: 2\n").unwrap()),
        r#"{"a": 1.0}"#
    );
    assert_eq!(
        dbg(&Value::list(
            from_yaml_documents("a: 1\n---\n---\nb: [x]\n").unwrap()
        )),
        r#"[{"a": 1.0}, nil, {"b": ["x"]}]"#
    );
}

#[test]
fn values_files_merge_documents() {
    let v = load_values("a: 1\nm: {x: 1}\n--- # c\nm: {w: 2}\n---\na: 3\n").unwrap();
    assert_eq!(dbg(&v), r#"{"a": 3.0, "m": {"w": 2.0, "x": 1.0}}"#);
    let e = load_values("a: 1\n---\nb: [\n").unwrap_err();
    assert_eq!(
        e.message,
        "cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 1: did not find expected node content"
    );
    let e = load_values("a: 1\n--- x\n").unwrap_err();
    assert_eq!(
        e.message,
        "error reading yaml document: invalid Yaml document separator: x"
    );
    assert_eq!(
        dbg(&load_values("\u{feff}k: 1\r\n").unwrap()),
        r#"{"k": 1.0}"#
    );
}

fn y(v: &Value) -> String {
    to_yaml(v).unwrap()
}

#[test]
fn to_yaml_layout() {
    let v = m(&[
        (
            "list",
            Value::list(vec![
                Value::Float(1.0),
                m(&[("b", s("x")), ("a", Value::list(vec![]))]),
            ]),
        ),
        ("empty", Value::empty_map()),
        ("nested", Value::list(vec![Value::list(vec![s("q")])])),
        ("n", Value::Nil),
    ]);
    assert_eq!(
        y(&v),
        "empty: {}\nlist:\n- 1\n- a: []\n  b: x\n\"n\": null\nnested:\n- - q\n"
    );
    assert_eq!(y(&Value::Nil), "null\n");
    assert_eq!(y(&Value::empty_map()), "{}\n");
    assert_eq!(y(&s("plain")), "plain\n");
}

#[test]
fn to_yaml_numbers_go_through_json() {
    let v = Value::list(vec![
        Value::Float(1e6),
        Value::Float(1e21),
        Value::Float(1e-7),
        Value::Float(1e20),
        Value::Float(-0.0),
        Value::int64(42),
        Value::Float(12345678901234567890.0),
    ]);
    assert_eq!(
        y(&v),
        "- 1000000\n- 1e+21\n- 1e-07\n- 1e+20\n- 0\n- 42\n- 12345678901234567000\n"
    );
    assert_eq!(
        to_yaml(&Value::Float(f64::NAN)).unwrap_err().message,
        "error marshaling into JSON: json: unsupported value: NaN"
    );
}

#[test]
fn to_yaml_string_styles() {
    let v = m(&[
        ("a", s("x  \ny")),
        ("b", s("trail \n")),
        ("c", s("\n")),
        ("d", s(" lead\nx")),
        ("e", s("a\n\n")),
        ("f", s("on")),
        ("g", s("2020-01-01")),
        ("h", s("- x")),
        ("i", s("it's")),
        ("j", s("'q")),
        ("k", s("tab\t")),
    ]);
    assert_eq!(
        y(&v),
        "a: \"x  \\ny\"\nb: \"trail \\n\"\nc: |2+\n\nd: |2-\n   lead\n  x\ne: |+\n  a\n\nf: \"on\"\ng: \"2020-01-01\"\nh: '- x'\ni: it's\nj: '''q'\nk: \"tab\\t\"\n"
    );
    assert_eq!(
        to_yaml(&s("del\u{7f}")).unwrap_err().message,
        "error converting JSON to YAML: yaml: control characters are not allowed"
    );
}

#[test]
fn to_yaml_key_order_and_complex_keys() {
    let v = m(&[
        ("b2", Value::Float(1.0)),
        ("b10", Value::Float(2.0)),
        ("B", Value::Float(3.0)),
        ("_", Value::Float(4.0)),
    ]);
    assert_eq!(y(&v), "_: 4\nB: 3\nb2: 1\nb10: 2\n");
    let long = "k ".repeat(70);
    let v = m(&[(long.trim_end(), s("v"))]);
    let out = y(&v);
    assert!(out.starts_with("? k k k"), "{out}");
    assert!(out.ends_with("\n: v\n"), "{out}");
}

#[test]
fn to_yaml_folds_long_lines() {
    let text = "word ".repeat(20);
    let v = m(&[("k", s(text.trim_end()))]);
    assert_eq!(
        y(&v),
        format!(
            "k: {}\n  word word word word\n",
            "word ".repeat(16).trim_end()
        )
    );
}

#[test]
fn to_yaml_pretty_v3_flavour() {
    let v = m(&[
        ("l", Value::list(vec![Value::Float(1e6), Value::int(7)])),
        ("s", s("yes")),
    ]);
    assert_eq!(
        to_yaml_pretty(&v).unwrap(),
        "l:\n  - 1e+06\n  - 7\ns: \"yes\"\n"
    );
}

#[test]
fn json_round_trip() {
    let v = m(&[
        ("a", Value::list(vec![Value::Float(1.5), Value::Nil])),
        ("b", s("<&>")),
    ]);
    let text = json::encode(&v, true, None).unwrap();
    assert_eq!(text, r#"{"a":[1.5,null],"b":"\u003c\u0026\u003e"}"#);
    assert_eq!(dbg(&json::decode(&text).unwrap()), dbg(&v));
    assert_eq!(
        json::encode(&s("\u{8}\u{c}\u{1}"), true, None).unwrap(),
        r#""\b\f\u0001""#
    );
}

#[test]
fn toml_layout() {
    let v = m(&[
        ("b", Value::Bool(true)),
        ("f", Value::Float(1.0)),
        ("big", Value::Float(1e6)),
        (
            "t",
            m(&[("k", s("v")), ("sub", m(&[("d", Value::int(1))]))]),
        ),
        (
            "arr",
            Value::list(vec![m(&[("x", Value::int(1))]), m(&[("x", Value::int(2))])]),
        ),
        ("skip", Value::Nil),
        ("key with space", s("a\nb")),
    ]);
    assert_eq!(
        toml::encode(&v).unwrap(),
        "b = true\nbig = 1e+06\nf = 1.0\n\"key with space\" = \"a\\nb\"\n\n[[arr]]\n  x = 1\n\n[[arr]]\n  x = 2\n\n[t]\n  k = \"v\"\n  [t.sub]\n    d = 1\n"
    );
    assert_eq!(
        toml::encode(&Value::list(vec![Value::int(1), s("x")])).unwrap(),
        "[1, \"x\"]"
    );
    assert_eq!(
        toml::to_toml_helm(&Value::Nil).unwrap_err(),
        toml::NIL_PANIC
    );
    assert_eq!(
        toml::to_toml_helm(&m(&[("a", Value::list(vec![Value::int(1), Value::Nil]))])).unwrap(),
        "toml: cannot encode array with nil element"
    );
}

#[test]
fn to_toml_of_deep_lists_checks_nils_and_is_linear() {
    // A nil deep inside nested lists is still Go's error.
    let inner = Value::list(vec![Value::int(1), Value::Nil]);
    let v = m(&[("a", Value::list(vec![Value::list(vec![inner])]))]);
    assert_eq!(
        toml::to_toml_helm(&v).unwrap(),
        "toml: cannot encode array with nil element"
    );
    // Lists 20000 deep (quadratic before: the type of every level was
    // worked out all the way down again).
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(|| {
            let mut v = Value::int(1);
            for _ in 0..20000 {
                v = Value::list(vec![v]);
            }
            let out = toml::to_toml_helm(&m(&[("a", v)])).unwrap();
            assert_eq!(
                out,
                format!("a = {}1{}\n", "[".repeat(20000), "]".repeat(20000))
            );
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn to_toml_of_deep_maps_has_no_depth_limit() {
    // Go's encoder has none (capstan stopped at 1000 levels); checked
    // byte for byte against helm-ref at 1500 levels by hand.
    let mut v = m(&[("leaf", Value::int(1))]);
    for _ in 0..1500 {
        v = m(&[("k", v)]);
    }
    let out = toml::to_toml_helm(&v).unwrap();
    let deepest = format!("[{}]\n", vec!["k"; 1500].join("."));
    assert!(out.contains(&deepest));
    assert!(
        out.ends_with(&format!("{}leaf = 1\n", "  ".repeat(1500))),
        "{}",
        &out[out.len() - 40..]
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    // Run with a roomy stack: Go's own limits (10000 levels) are honoured,
    // and recursion that deep needs more than a test thread's default.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let deep = "[".repeat(5000) + &"]".repeat(5000);
            assert!(from_yaml(&deep).is_ok());
            let mut v = Value::Nil;
            for _ in 0..20000 {
                v = Value::list(vec![v]);
            }
            // helm-ref: encoding/json and go-yaml v3's encoder have no depth
            // limit; toYaml's go-yaml re-read of the JSON has (10000).
            assert_eq!(
                to_yaml(&v).unwrap_err().message,
                "yaml: exceeded max depth of 10000"
            );
            assert_eq!(to_yaml_pretty(&v).unwrap().trim_end().len(), 40004);
            assert_eq!(json::encode(&v, true, None).unwrap().len(), 40000 + 4);
            assert!(toml::encode(&v).is_err());
            let deep_json = "[".repeat(20000) + &"]".repeat(20000);
            assert_eq!(
                json::decode(&deep_json).unwrap_err(),
                "invalid character '[' exceeded max depth"
            );
            // helm-ref: 10000 levels decode, the bracket of the 10001st fails.
            let at_limit = "[".repeat(10000) + "1" + &"]".repeat(10000);
            assert!(json::decode(&at_limit).is_ok());
            let maps = r#"{"a":"#.repeat(10001) + "1" + &"}".repeat(10001);
            assert_eq!(
                json::decode(&maps).unwrap_err(),
                "invalid character '{' exceeded max depth"
            );
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn nel_is_folded_by_the_json_round_trip() {
    // JSON leaves U+0085 raw and go-yaml reads it as a line break.
    assert_eq!(y(&m(&[("f", s("\u{85}x"))])), "f: ' x'\n");
}

#[test]
fn pretty_nested_and_quoted_complex_key() {
    let v = m(&[(
        "m",
        m(&[(
            "a",
            Value::list(vec![m(&[("x", Value::int(1)), ("y", Value::int(2))])]),
        )]),
    )]);
    assert_eq!(
        to_yaml_pretty(&v).unwrap(),
        "m:\n  a:\n    - x: 1\n      \"y\": 2\n"
    );
    let v = m(&[(&"k ".repeat(70), s("v"))]);
    assert_eq!(
        y(&v),
        format!("? '{}k\n  {}'\n: v\n", "k ".repeat(39), "k ".repeat(30))
    );
}

#[test]
fn toml_decode_types() {
    let v = toml::decode("a = 1\nf = 1.5\n[b]\nc = \"d\"\n").unwrap();
    assert_eq!(dbg(&v), r#"{"a": 1:int64, "b": {"c": "d"}, "f": 1.5}"#);
    assert!(toml::decode("bad =")
        .unwrap_err()
        .starts_with("toml: line 1"));
}

/// Generators for the nesting-limit tests (same shapes as the helm-ref runs).
mod nest {
    /// `n` block maps, one key each, indented by one space a level.
    pub fn block_maps(n: usize, leaf: &str) -> String {
        let mut s = String::new();
        for i in 0..n - 1 {
            s.push_str(&" ".repeat(i));
            s.push_str("k:\n");
        }
        s.push_str(&" ".repeat(n - 1));
        s.push_str("k: ");
        s.push_str(leaf);
        s.push('\n');
        s
    }
    pub fn flow_seqs(n: usize) -> String {
        "[".repeat(n) + &"]".repeat(n)
    }
    pub fn flow_maps(n: usize) -> String {
        r#"{"a":"#.repeat(n) + "1" + &"}".repeat(n)
    }
}

#[test]
fn nesting_limits_are_go_yamls_and_encoding_jsons() {
    // Confirmed with helm-ref (Helm v4.2.3).  go-yaml's scanner allows 10000
    // open flow collections and 10000 block indentation levels; whatever
    // it lets through, encoding/json then refuses past 10000 levels.  This
    // runs on a test thread's ordinary stack: nothing may overflow it.
    let depth_err = |n: usize| {
        format!("error converting YAML to JSON: yaml: line {n}: exceeded max depth of 10000")
    };
    let flow_err = "error converting YAML to JSON: yaml: exceeded max depth of 10000";
    let json_err = |c: char| {
        format!("error unmarshaling JSON: while decoding JSON: invalid character '{c}' exceeded max depth")
    };
    let err = |t: &str| from_yaml(t).unwrap_err().message;

    assert!(from_yaml(&nest::flow_seqs(10000)).is_ok());
    assert_eq!(err(&nest::flow_seqs(10001)), flow_err);
    assert!(from_yaml(&format!(r#"{{"a": {}}}"#, nest::flow_seqs(9999))).is_ok());
    assert_eq!(
        err(&format!(r#"{{"a": {}}}"#, nest::flow_seqs(10000))),
        flow_err
    );
    assert!(from_yaml(&nest::flow_maps(10000)).is_ok());
    assert_eq!(err(&nest::flow_maps(10001)), flow_err);
    // A flow collection split over lines reports the line it went too deep on.
    let lines = "[\n".repeat(10001) + &"]\n".repeat(10001);
    assert_eq!(err(&lines), depth_err(10001));
    // Block style: one indentation level per key.
    assert!(from_yaml(&nest::block_maps(10000, "1")).is_ok());
    assert_eq!(err(&nest::block_maps(10001, "1")), depth_err(10001));
    assert_eq!(err(&("- ".repeat(10001) + "1\n")), flow_err);
    // The two scanner limits are separate; JSON's counts both.
    assert!(from_yaml(&nest::block_maps(5000, &nest::flow_seqs(5000))).is_ok());
    assert_eq!(
        err(&nest::block_maps(6000, &nest::flow_seqs(6000))),
        json_err('[')
    );
    assert_eq!(
        err(&nest::block_maps(5001, &nest::flow_maps(5000))),
        json_err('{')
    );
    // Aliases nest without the scanner seeing it.
    let alias = |a: usize, b: usize| {
        format!(
            "a: &a {}\nb: {}*a{}\n",
            nest::flow_seqs(a),
            "[".repeat(b),
            "]".repeat(b)
        )
    };
    assert!(from_yaml(&alias(7999, 2000)).is_ok());
    assert_eq!(err(&alias(8000, 2000)), json_err('['));
    // Two branches too deep: the first in encoding/json's (sorted) order counts.
    let two = format!(
        "b: {}\na:\n{}",
        nest::flow_maps(10000),
        nest::block_maps(5000, &nest::flow_seqs(5000))
            .lines()
            .map(|l| format!(" {l}\n"))
            .collect::<String>()
    );
    assert_eq!(err(&two), json_err('['));
    // Values files go the same way.
    assert_eq!(
        load_values(&nest::block_maps(10001, "1"))
            .unwrap_err()
            .message,
        format!("cannot unmarshal yaml document: {}", depth_err(10001))
    );
    assert!(load_values(&nest::block_maps(4000, "1")).is_ok());
}

#[test]
fn deep_flow_nesting_is_rejected_without_rescanning_the_stack() {
    // 100000 open flow levels under a key used to take libyaml's scanner
    // ~100 s (every token rescanned every open level); go-yaml's limit
    // stops at the 10001st, and the bookkeeping per token is constant.
    let text = format!(r#"{{"a": {}}}"#, nest::flow_seqs(100_000));
    assert_eq!(
        from_yaml(&text).unwrap_err().message,
        "error converting YAML to JSON: yaml: exceeded max depth of 10000"
    );
    // Wide content deep inside flow collections.
    let wide = format!(
        r#"{{"a": {}{}{}}}"#,
        "[".repeat(9000),
        vec!["1"; 200_000].join(","),
        "]".repeat(9000)
    );
    assert!(from_yaml(&wide).is_ok());
}

#[test]
fn encoders_nest_as_deep_as_go_and_find_cycles_as_go_does() {
    // helm-ref: `list` wrapped n times, through toYaml / toJson / toYamlPretty.
    let nested = |n: usize| {
        let mut v = Value::list(Vec::new());
        for _ in 0..n {
            v = Value::list(vec![v]);
        }
        v
    };
    let at_limit = nested(9999); // 10000 lists
    assert_eq!(to_yaml(&at_limit).unwrap().trim_end().len(), 20000);
    let past = nested(10000);
    assert_eq!(
        to_yaml(&past).unwrap_err().message,
        "yaml: exceeded max depth of 10000"
    );
    assert_eq!(json::encode(&past, true, None).unwrap().len(), 20002);
    assert_eq!(to_yaml_pretty(&past).unwrap().trim_end().len(), 20002);
    // A dict that contains itself: json.Marshal's cycle error, also
    // through toYaml (Marshal runs before go-yaml sees anything).
    let d = Value::empty_map();
    if let Value::Map(m) = &d {
        m.borrow_mut().insert("a".into(), d.clone());
    }
    let cycle = "json: unsupported value: encountered a cycle via map[string]interface {}";
    assert_eq!(json::encode(&d, true, None).unwrap_err(), cycle);
    assert_eq!(
        to_yaml(&d).unwrap_err().message,
        format!("error marshaling into JSON: {cycle}")
    );
    assert!(to_yaml_pretty(&d).is_err());
    if let Value::Map(m) = &d {
        m.borrow_mut().clear(); // (let the Rc cycle go)
    }
}
