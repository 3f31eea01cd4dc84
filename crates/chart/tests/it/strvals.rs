//! `--set*` parsing.  Expected texts were confirmed against Helm v4.2.3
//! (helm-ref `strvals`, and `template` for the `ValueOptions` ones).

use capstan_chart::cli_values::ValueOptions;
use capstan_chart::strvals;
use gotmpl::Value;

fn depth_of(mut v: Value) -> usize {
    let mut d = 0;
    loop {
        v = match v {
            Value::List(l) => l.items().first().cloned().unwrap_or(Value::Nil),
            Value::Map(m) => m.borrow().values().next().cloned().unwrap_or(Value::Nil),
            _ => return d,
        };
        d += 1;
    }
}

fn nested(n: usize) -> String {
    "[".repeat(n) + &"]".repeat(n)
}

#[test]
fn set_json_nests_as_deep_as_go_json_allows() {
    // serde_json's default limit (128) refused these; Go's is 10000.
    let dest = Value::empty_map();
    strvals::parse_json(&format!("a={},b=1", nested(10000)), &dest).unwrap();
    assert_eq!(depth_of(dest.clone()), 10001);
    let err = strvals::parse_json(&format!("a={}", nested(10001)), &Value::empty_map());
    assert_eq!(err.unwrap_err(), "invalid character '[' exceeded max depth");
    let maps = format!("a={}", r#"{"k":"#.repeat(10001));
    let err = strvals::parse_json(&maps, &Value::empty_map());
    assert_eq!(err.unwrap_err(), "invalid character '{' exceeded max depth");
    // A syntax error before the first bracket too deep comes first.
    let early = format!("a=[[[[[x{}", "[".repeat(10001));
    let err = strvals::parse_json(&early, &Value::empty_map());
    assert_eq!(
        err.unwrap_err(),
        "invalid character 'x' looking for beginning of value"
    );

    // The `{…}` form is one json.Unmarshal.
    let opts = |j: String| ValueOptions {
        json_values: vec![j],
        ..Default::default()
    };
    let ok = opts(format!(r#"{{"a": {}}}"#, nested(9999)))
        .merge()
        .unwrap();
    assert_eq!(depth_of(ok), 10000);
    let deep = format!(r#"{{"a": {}}}"#, nested(10000));
    assert_eq!(
        opts(deep.clone()).merge().unwrap_err().to_string(),
        format!("failed parsing --set-json data JSON: {deep}")
    );
}

#[test]
fn set_error_wording_is_helms() {
    let err = |s: &str| strvals::parse(s).unwrap_err();
    // `%q` of the runes left over: Go quotes each rune of the slice.
    assert_eq!(
        err("a[1]b=1"),
        "unexpected data at end of array index: ['b']"
    );
    assert_eq!(
        err("a[1]bc=1"),
        "unexpected data at end of array index: ['b' 'c']"
    );
    assert_eq!(
        err("a[1]'=1"),
        r"unexpected data at end of array index: ['\'']"
    );
    assert_eq!(
        err(r"a[1]\=1"),
        "unexpected data at end of array index: ['=' '1']"
    );
    assert_eq!(
        err("a[1]\t=1"),
        r"unexpected data at end of array index: ['\t']"
    );
    // Keys are strings: `%q` of a string.
    assert_eq!(err("a,b=1"), r#"key "a" has no value (cannot end with ,)"#);
    assert_eq!(err("a.b"), r#"key "b" has no value"#);
    assert_eq!(err("a..b=1"), r#"key map "a" has no value"#);
    assert_eq!(
        err("a[ 1]=1"),
        r#"error parsing index: strconv.Atoi: parsing " 1": invalid syntax"#
    );
}
