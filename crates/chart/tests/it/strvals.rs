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
