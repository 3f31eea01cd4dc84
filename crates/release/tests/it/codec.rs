//! Record encoding: shapes Helm 3 and Helm 4 wrote, the envelope, bad input.

use crate::common;

use std::collections::BTreeMap;

use base64::Engine;
use capstan_release::*;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn sample() -> Release {
    let t = Time::parse_rfc3339("2025-02-03T04:05:06.7+01:00").unwrap();
    let mut config = BTreeMap::new();
    config.insert("replicas".into(), Json::from(3));
    config.insert("ratio".into(), Json::from(0.5));
    config.insert("html".into(), Json::from("<b>&</b>"));
    Release {
        name: "web".into(),
        info: Info {
            first_deployed: t,
            last_deployed: t,
            description: "Upgrade complete".into(),
            status: Status::PendingUpgrade,
            notes: "hello\n".into(),
            ..Default::default()
        },
        chart: Some(ChartRecord {
            metadata: Some(MetadataRecord {
                name: "web".into(),
                version: "1.2.3".into(),
                app_version: "4.5".into(),
                api_version: "v2".into(),
                maintainers: vec![
                    Some(MaintainerRecord {
                        name: "m".into(),
                        ..Default::default()
                    }),
                    None,
                ],
                ..Default::default()
            }),
            templates: Some(vec![FileRecord {
                name: "templates/a.yaml".into(),
                data: b"a: 1\n".to_vec(),
                modtime: t,
            }]),
            values: Some(
                serde_json::json!({"a": {"b": 1}})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
            ..Default::default()
        }),
        config,
        manifest: "---\nkind: X\n".into(),
        hooks: vec![Hook {
            name: "h".into(),
            kind: "Job".into(),
            events: vec!["pre-install".into()],
            weight: 3,
            delete_policies: vec!["before-hook-creation".into()],
            ..Default::default()
        }],
        version: 4,
        namespace: "prod".into(),
        labels: BTreeMap::from([("x".into(), "y".into())]),
        apply_method: Some("csa".into()),
    }
}

#[test]
fn encode_decode_round_trip() {
    let r = sample();
    let enc = encode(&r).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&enc)
        .unwrap();
    assert_eq!(&raw[..3], &[0x1f, 0x8b, 0x08], "gzipped");
    let mut back = decode(&enc).unwrap();
    // Labels are not part of the JSON.
    assert!(back.labels.is_empty());
    back.labels = r.labels.clone();
    assert_eq!(back, r);
    assert_eq!(to_json(&back), to_json(&r));
    assert_eq!(make_key("web", 4), "sh.helm.release.v1.web.v4");
    assert_eq!(r.key(), "sh.helm.release.v1.web.v4");
}

#[test]
fn json_layout_is_gos() {
    let r = sample();
    let j = to_json(&r);
    let chart_tail = r#""values":{"a":{"b":1}},"schema":null,"schemamodtime":"0001-01-01T00:00:00Z","files":null}"#;
    assert!(j.starts_with(r#"{"name":"web","info":{"first_deployed":"2025-02-03T04:05:06.7+01:00","last_deployed":"2025-02-03T04:05:06.7+01:00","description":"Upgrade complete","status":"pending-upgrade","notes":"hello\n"},"chart":{"metadata":{"name":"web","version":"1.2.3","maintainers":[{"name":"m"},null],"apiVersion":"v2","appVersion":"4.5"},"lock":null,"templates":[{"name":"templates/a.yaml","data":"YTogMQo=","modtime":"2025-02-03T04:05:06.7+01:00"}],"#), "{j}");
    assert!(j.contains(chart_tail), "{j}");
    assert!(j.ends_with(r#""config":{"html":"\u003cb\u003e\u0026\u003c/b\u003e","ratio":0.5,"replicas":3},"manifest":"---\nkind: X\n","hooks":[{"name":"h","kind":"Job","events":["pre-install"],"last_run":{"phase":""},"weight":3,"delete_policies":["before-hook-creation"]}],"version":4,"namespace":"prod","apply_method":"csa"}"#), "{j}");
}

#[test]
fn helm3_shape_decodes() {
    // Helm 3 wrote zero times (deleted, hook runs) and no apply_method.
    let h3 = r#"{"name":"old","info":{"first_deployed":"2021-05-06T07:08:09.123456789-07:00","last_deployed":"2021-05-06T07:08:09.123456789-07:00","deleted":"0001-01-01T00:00:00Z","description":"Install complete","status":"deployed"},"chart":{"metadata":{"name":"old","version":"0.1.0","apiVersion":"v1"},"lock":null,"templates":[{"name":"templates/x.yaml","data":"eDogMQo="}],"values":null,"schema":null,"files":[]},"config":{"n":1.5},"manifest":"m","hooks":[{"name":"t","kind":"Pod","path":"old/templates/t.yaml","manifest":"x","events":["test"],"last_run":{"started_at":"0001-01-01T00:00:00Z","completed_at":"","phase":""}}],"version":7,"namespace":"ns","unknown_field":{"ignored":true}}"#;
    let r = from_json(h3.as_bytes()).unwrap();
    assert_eq!(r.name, "old");
    assert_eq!(r.version, 7);
    assert_eq!(r.info.status, Status::Deployed);
    assert!(r.info.deleted.is_zero());
    assert_eq!(r.info.first_deployed.offset_seconds(), -7 * 3600);
    assert_eq!(
        r.info.first_deployed.rfc3339_nano(),
        "2021-05-06T07:08:09.123456789-07:00"
    );
    assert_eq!(r.apply_method, None);
    assert_eq!(r.info.rollback_revision, 0);
    assert!(r.hooks[0].last_run.started_at.is_zero());
    let c = r.chart.as_ref().unwrap();
    assert_eq!(
        (c.name(), c.version(), c.app_version()),
        ("old", "0.1.0", "")
    );
    assert_eq!(c.files.as_deref().map(<[FileRecord]>::len), Some(0));
    assert!(c.values().truthy_map_is_empty());
    // Re-encoded in Helm 4's shape: zero times are omitted.
    let j = to_json(&r);
    assert!(
        !j.contains("deleted") && !j.contains("started_at") && !j.contains("completed_at"),
        "{j}"
    );
    assert!(
        j.contains(r#""files":[]"#),
        "empty (non-nil) slices stay []: {j}"
    );
    assert!(!j.contains("apply_method"));
}

/// `gotmpl::Value` has no is-empty helper for maps; a tiny one for the test.
trait EmptyMap {
    fn truthy_map_is_empty(&self) -> bool;
}
impl EmptyMap for gotmpl::Value {
    fn truthy_map_is_empty(&self) -> bool {
        match self {
            gotmpl::Value::Map(m) => m.borrow().is_empty(),
            _ => false,
        }
    }
}

#[test]
fn legacy_uncompressed_records_decode() {
    let r = sample();
    let legacy = b64(to_json(&r).as_bytes());
    let mut back = decode(&legacy).unwrap();
    back.labels = r.labels.clone();
    assert_eq!(back, r);
}

#[test]
fn bad_records_are_errors_not_panics() {
    let gz_garbage = b64(&[0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5]);
    let not_json = b64(b"{\"name\": ");
    let wrong_type = b64(b"{\"version\": \"seven\"}");
    let array = b64(b"[1,2]");
    let bad_time = b64(br#"{"info":{"first_deployed":"yesterday"}}"#);
    let bad_bytes = b64(br#"{"chart":{"templates":[{"name":"a","data":"%%%"}]}}"#);
    for bad in [
        "%%%not base64",
        "",
        gz_garbage.as_str(),
        not_json.as_str(),
        wrong_type.as_str(),
        array.as_str(),
        bad_time.as_str(),
        bad_bytes.as_str(),
    ] {
        let e = decode(bad).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Codec, "{bad}: {e}");
    }
    // Invalid UTF-8 inside strings is replaced, as Go does.
    let r = from_json(b"{\"name\":\"a\xffb\"}").unwrap();
    assert_eq!(r.name, "a\u{fffd}b");
}

#[test]
fn values_conversions() {
    use gotmpl::Value;
    let mut m = gotmpl::MapInner::new();
    m.insert("i".into(), Value::int64(5));
    m.insert("f".into(), Value::Float(2.0));
    m.insert("big".into(), Value::Float(1e21));
    m.insert(
        "l".into(),
        Value::list(vec![Value::Nil, Value::Bool(true), Value::str("<")]),
    );
    m.insert("b".into(), Value::Bytes(std::rc::Rc::from(&b"hi"[..])));
    let v = Value::map(m);
    let j = values_to_json(&v);
    let s = String::from_utf8(codec::marshal(&j).unwrap()).unwrap();
    assert_eq!(
        s,
        r#"{"b":"aGk=","big":1e+21,"f":2,"i":5,"l":[null,true,"\u003c"]}"#
    );
    // Back: every number is a float64.
    let back = json_to_values(&j);
    let Value::Map(m) = back else { panic!("map") };
    assert!(matches!(m.borrow()["i"], Value::Float(f) if f == 5.0));
    let cfg = config_from_values(&v);
    assert_eq!(cfg["i"], 5);
}

#[test]
fn status_and_time_texts() {
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
    }
    assert_eq!(Status::PendingRollback.as_str(), "pending-rollback");
    assert!(Status::PendingInstall.is_pending() && !Status::Deployed.is_pending());
    let t = Time::parse_rfc3339("2006-01-02T15:04:05Z").unwrap();
    assert_eq!(t.format_ansic(), "Mon Jan  2 15:04:05 2006");
    assert_eq!(t.go_string(), "2006-01-02 15:04:05 +0000 UTC");
    assert_eq!(t.unix(), 1136214245);
    assert!(!Time::now().is_zero());
}

#[test]
fn error_texts_are_helms() {
    assert_eq!(Error::not_found().to_string(), "release: not found");
    assert_eq!(
        Error::already_exists().to_string(),
        "release: already exists"
    );
    assert_eq!(Error::invalid_key().to_string(), "release: invalid key");
    assert_eq!(
        Error::no_deployed("web").to_string(),
        "\"web\" has no deployed releases"
    );
}

/// The record Helm 4 wrote in the kube-clients study (pretty-printed by
/// Python there, so compared token by token: same fields, same order, same
/// omissions, same strings and numbers).
#[test]
fn reference_record_keeps_helms_layout() {
    let Some(shared) = common::shared_dir() else {
        capstan_testkit::skip(format_args!(
            "reference_record_keeps_helms_layout: skipped: ../shared is absent"
        ));
        return;
    };
    let path = shared.join("kube-clients/reference/release-keep-v1.decoded.json");
    let Ok(text) = std::fs::read(&path) else {
        capstan_testkit::skip(format_args!(
            "reference_record_keeps_helms_layout: skipped: {} missing",
            path.display()
        ));
        return;
    };
    let r = from_json(&text).unwrap();
    assert_eq!(r.name, "keep");
    assert_eq!(r.apply_method.as_deref(), Some("ssa"));
    let ours = to_json(&r);
    assert_eq!(tokens(ours.as_bytes()), tokens(&text));
}

/// JSON tokens with strings decoded (escaping styles differ between Python and Go).
fn tokens(s: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            b' ' | b'\n' | b'\t' | b'\r' => i += 1,
            b'{' | b'}' | b'[' | b']' | b':' | b',' => {
                out.push((c as char).to_string());
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while s[i] != b'"' {
                    if s[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                let v: String = serde_json::from_slice(&s[start..i]).unwrap();
                out.push(format!("s:{v}"));
            }
            _ => {
                let start = i;
                while i < s.len() && !b" \n\t\r,}]".contains(&s[i]) {
                    i += 1;
                }
                out.push(String::from_utf8_lossy(&s[start..i]).into_owned());
            }
        }
    }
    out
}
