//! Small template cases; expectations were checked against Helm v4.2.3
//! (helm-ref) by hand.  Only builtins plus a few local stand-in functions.

use std::rc::Rc;

use capstan_gotmpl as gotmpl;

use gotmpl::{FuncError, FuncMap, MissingKey, ParamType as P, Template, Value};

fn funcs() -> FuncMap {
    let mut m = FuncMap::new();
    m.add("upper", &[P::String], None, |a| {
        Ok(Value::string(a[0].as_str().unwrap_or("").to_uppercase()))
    });
    m.add("list", &[], Some(P::Any), |a| Ok(Value::list(a.to_vec())));
    m.add("fail", &[P::String], None, |a| {
        Err(FuncError::msg(a[0].as_str().unwrap_or("")))
    });
    m.add_ctx("include", &[P::String, P::Any], None, |ctx, a| {
        ctx.execute_named(a[0].as_str().unwrap_or(""), &a[1])
            .map(Value::string)
    });
    m.add_ctx("tpl", &[P::String, P::Any], None, |ctx, a| {
        ctx.execute_text("gotpl", a[0].as_str().unwrap_or(""), &a[1])
            .map(Value::string)
    });
    m
}

fn values() -> Value {
    let mut vals = std::collections::BTreeMap::new();
    vals.insert("num".to_string(), Value::Float(5.0));
    vals.insert("s".to_string(), Value::str("abc"));
    vals.insert(
        "l".to_string(),
        Value::list(vec![Value::Float(1.0), Value::str("x")]),
    );
    let mut top = std::collections::BTreeMap::new();
    top.insert("Values".to_string(), Value::map(vals));
    Value::map(top)
}

fn render(text: &str) -> Result<String, String> {
    let mut t = Template::new("gotpl", Rc::new(funcs()));
    t.set_missing_key(MissingKey::Zero);
    t.parse("t.yaml", text).map_err(|e| e.to_string())?;
    t.execute("t.yaml", &values()).map_err(|e| e.to_string())
}

fn ok(text: &str, want: &str) {
    assert_eq!(render(text).as_deref(), Ok(want), "template {text:?}");
}

fn err(text: &str, want: &str) {
    assert_eq!(render(text), Err(want.to_string()), "template {text:?}");
}

#[test]
fn text_and_trim() {
    ok("a  {{- 1 -}}  b", "a1b");
    ok("a {{1}}\n{{- 2 }}", "a 12");
    ok("x {{- /* c */ -}} y", "xy");
    ok("{{ 1 }} {{- 2 }} {{ 3 -}} {{ 4 }}", "12 34");
    ok("a\n{{- if true }}\nb\n{{- end }}\n", "a\nb\n");
}

#[test]
fn literals() {
    ok(
        "{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ 'a' }} {{ -7 }} {{ +7 }}",
        "31 15 15 5 1000 97 -7 7",
    );
    ok("{{ \"a\\tb\" }}|{{ `r\\n` }}|{{ true }}", "a\tb|r\\n|true");
    ok("{{ 1.5 }}", "1.5");
}

#[test]
fn variables_and_scope() {
    ok(
        "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}",
        "2",
    );
    ok(
        "{{ range $i, $v := list 4 5 }}{{ $i }}={{ $v }};{{ end }}",
        "0=4;1=5;",
    );
    ok("{{ range $v := list 4 5 }}{{ $v }}{{ end }}", "45");
    ok("{{ range 3 }}{{ . }}{{ end }}", "012");
    ok(
        "{{ range $k, $v := .Values }}{{ $k }},{{ end }}",
        "l,num,s,",
    );
    ok("{{ range list }}x{{ else }}empty{{ end }}", "empty");
    ok("{{ range list 1 2 3 }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 3 }}{{ break }}{{ end }}{{ . }}{{ end }}", "1");
}

#[test]
fn control() {
    ok("{{ if 0 }}a{{ else if \"\" }}b{{ else }}c{{ end }}", "c");
    ok("{{ with .Values.s }}{{ . }}{{ end }}", "abc");
    ok(
        "{{ with .Values.nope }}x{{ else with .Values.s }}{{ . }}{{ end }}",
        "abc",
    );
    ok(
        "{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" 3 }}",
        "[3]",
    );
    ok("{{ block \"b\" 1 }}<{{ . }}>{{ end }}", "<1>");
    ok(
        "{{ include \"x\" 2 }}{{ define \"x\" }}i{{ . }}{{ end }}",
        "i2",
    );
    ok("{{ define \"d\" }}D{{ end }}{{ tpl \"{{ define \\\"d\\\" }}X{{ end }}{{ include \\\"d\\\" . }}\" . }}{{ include \"d\" . }}", "XD");
}

#[test]
fn builtins() {
    ok("{{ and 1 0 2 }} {{ or 0 \"\" 3 }} {{ not 0 }}", "0 3 true");
    ok(
        "{{ len \"héllo\" }} {{ len .Values.l }} {{ index .Values.l 1 }} {{ index \"abc\" 1 }}",
        "6 2 x 98",
    );
    ok(
        "{{ eq 1 2 1 }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt 1 2 }} {{ ge 2 3 }}",
        "true true true true false false",
    );
    ok(
        "{{ html \"<a&'>\" }} {{ js \"a'b<\" }} {{ urlquery \"a b&\" }}",
        "&lt;a&amp;&#39;&gt; a\\'b\\u003C a+b%26",
    );
    ok("{{ slice (list 1 2 3) 1 }}", "[2 3]");
}

#[test]
fn nil_and_missing() {
    ok("[{{ .Values.missing }}]", "[<no value>]");
    ok("{{ eq .Values.a .Values.b }}", "true");
    ok("{{ not .Values.missing }}", "true");
}

#[test]
fn exec_errors() {
    err("{{ upper }}", "template: t.yaml:1:3: executing \"t.yaml\" at <upper>: wrong number of args for upper: want 1 got 0");
    err(
        "{{ .Values.num | upper }}",
        "template: t.yaml:1:17: executing \"t.yaml\" at <upper>: wrong type for value; expected string; got float64",
    );
    err(
        "ok\n{{ .Values.num.y.z }}",
        "template: t.yaml:2:10: executing \"t.yaml\" at <.Values.num.y.z>: can't evaluate field y in type interface {}",
    );
    err(
        "{{ .Values.missing.x }}",
        "template: t.yaml:1:10: executing \"t.yaml\" at <.Values.missing.x>: nil pointer evaluating interface {}.x",
    );
    err("{{ (list 1).x }}", "template: t.yaml:1:9: executing \"t.yaml\" at <1>: can't evaluate field x in type []interface {}");
    err(
        "{{ fail 3 }}",
        "template: t.yaml:1:8: executing \"t.yaml\" at <3>: expected string; found 3",
    );
    err(
        "{{ index (list) 3 }}",
        "template: t.yaml:1:3: executing \"t.yaml\" at <index (list) 3>: error calling index: index out of range: 3",
    );
    err("{{ eq 1 1.0 }}", "template: t.yaml:1:3: executing \"t.yaml\" at <eq 1 1.0>: error calling eq: incompatible types for comparison: int and float64");
    err("{{ template \"nope\" }}", "template: t.yaml:1:12: executing \"t.yaml\" at <{{template \"nope\"}}>: template \"nope\" not defined");
    err(
        "{{ range \"abc\" }}{{ end }}",
        "template: t.yaml:1:9: executing \"t.yaml\" at <\"abc\">: range can't iterate over abc",
    );
    err(
        "{{ $y = 1 }}",
        "template: t.yaml:1:8: executing \"t.yaml\" at <1>: undefined variable: $y",
    );
    err(
        "{{ nil }}",
        "template: t.yaml:1:3: executing \"t.yaml\" at <nil>: nil is not a command",
    );
}

#[test]
fn parse_errors() {
    err("{{ .Values.x", "template: t.yaml:1: unclosed action");
    err(
        "ok\n{{ .Values.x\n",
        "template: t.yaml:3: unclosed action started at t.yaml:2",
    );
    err("{{ if true }}x", "template: t.yaml:1: unexpected EOF");
    err("{{ end }}", "template: t.yaml:1: unexpected {{end}}");
    err(
        "{{ foo 1 }}",
        "template: t.yaml:1: function \"foo\" not defined",
    );
    err(
        "{{ .a.my-key }}",
        "template: t.yaml:1: bad character U+002D '-'",
    );
    err("{{ (1 }}", "template: t.yaml:1: unclosed left paren");
    err(
        "{{ \"a\".b }}",
        "template: t.yaml:1: unexpected . after term \"\\\"a\\\"\"",
    );
    err(
        "{{ 1 := 2 }}",
        "template: t.yaml:1: unexpected \":=\" in operand",
    );
    err("{{ $y }}", "template: t.yaml:1: undefined variable \"$y\"");
    err(
        "{{ break }}",
        "template: t.yaml:1: {{break}} outside {{range}}",
    );
    err(
        "{{ 'ab' }}",
        "template: t.yaml:1: malformed character constant: 'ab'",
    );
    err(
        "{{ 1.x }}",
        "template: t.yaml:1: bad number syntax: \"1.x\"",
    );
    err(
        "{{ define \"a\" }}{{ define \"b\" }}{{ end }}",
        "template: t.yaml:1: unexpected <define> in command",
    );
}

#[test]
fn checked_with_helm() {
    err(
        "{{/* a\nb */}}\n{{ nope }}",
        "template: t.yaml:3: function \"nope\" not defined",
    );
    ok("[{{-\t1}}] [{{- 1\t-}} ]", "[1] [1]");
    err(
        "{{ len (.Values.missing) }}",
        "template: t.yaml:1:3: executing \"t.yaml\" at <len (.Values.missing)>: error calling len: reflect: call of reflect.Value.Type on zero Value",
    );
    err(
        "{{ .Values.missing | len }}",
        "template: t.yaml:1:21: executing \"t.yaml\" at <len>: error calling len: reflect: call of reflect.Value.Type on zero Value",
    );
    err("{{ len .Values.missing }}", "template: t.yaml:1:3: executing \"t.yaml\" at <len .Values.missing>: error calling len: len of nil pointer");
    err(
        "{{ upper .Values.missing }}",
        "template: t.yaml:1:16: executing \"t.yaml\" at <.Values.missing>: wrong type for value; expected string; got interface {}",
    );
    err(
        "{{ .Values.missing | upper }}",
        "template: t.yaml:1:21: executing \"t.yaml\" at <upper>: invalid value; expected string",
    );
    ok(
        "{{ html .Values.missing }}|{{ print nil }}|{{ js nil }}|{{ urlquery .Values.missing 1 }}",
        "&lt;no value&gt;|<nil>|\\u003Cno value\\u003E|%3Cno+value%3E1",
    );
    ok(
        "{{ $i := 0 }}{{ $v := 0 }}{{ range $i, $v = list 7 8 }}{{ end }}{{ $i }}{{ $v }}",
        "18",
    );
    ok("[{{ tpl \"\" . }}][{{ tpl \"  \" . }}]", "[][  ]");
    ok(
        "{{ define \"x\" }}[{{ .a }}]{{ end }}{{ template \"x\" }}",
        "[<no value>]",
    );
    err(
        "{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}",
        "template: t.yaml:1: template: multiple definition of template \"a\"",
    );
    err(
        "{{ index .Values nil }}",
        "template: t.yaml:1:3: executing \"t.yaml\" at <index .Values nil>: error calling index: value is nil; should be of type string",
    );
    err("{{ eq (list) (list) }}", "template: t.yaml:1:3: executing \"t.yaml\" at <eq (list) (list)>: error calling eq: non-comparable type []: []interface {}");
    err(
        "{{ range 2.5 }}{{ end }}",
        "template: t.yaml:1:9: executing \"t.yaml\" at <2.5>: range can't iterate over 2.5",
    );
    err(
        "{{ printf 3 }}",
        "template: t.yaml:1:10: executing \"t.yaml\" at <3>: expected string; found 3",
    );
    err("{{ .Values.num 1 }}", "template: t.yaml:1:10: executing \"t.yaml\" at <.Values.num>: num is not a method but has arguments");
    err("{{ $x := 1 }}{{ $x 2 }}", "template: t.yaml:1:16: executing \"t.yaml\" at <$x>: can't give argument to non-function $x");
}

#[test]
fn deep_recursion_is_an_error() {
    let h = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(|| render("{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}"))
        .unwrap();
    let r = h.join().unwrap();
    assert_eq!(
        r,
        Err::<String, String>("template: t.yaml:1:28: executing \"r\" at <{{template \"r\" .}}>: exceeded maximum template depth (100000)".into())
    );
}

#[derive(Debug)]
struct Files;

impl gotmpl::Object for Files {
    fn type_name(&self) -> String {
        "files.Files".into()
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Get" => Some(Ok(Value::string(format!(
                "content of {}",
                args[0].as_str().unwrap_or("")
            )))),
            "Loose" => Some(Ok(Value::int(args.len() as i64))),
            "Field" => Some(Ok(Value::str("f"))),
            _ => None,
        }
    }
    fn format_v(&self) -> String {
        "{}".into()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn method_sig(&self, name: &str) -> Option<(Vec<P>, Option<P>)> {
        (name == "Get").then(|| (vec![P::String], None))
    }
}

#[test]
fn objects() {
    let mut t = Template::new("gotpl", Rc::new(funcs()));
    t.parse(
        "a",
        "{{ .Files.Get \"x\" }}|{{ \"y\" | .Files.Get }}|{{ .Files.Loose 1 2 }}|{{ .Files.Field }}",
    )
    .unwrap();
    t.parse("b", "{{ .Files.Get }}").unwrap();
    t.parse("c", "{{ .Files.Get 1 }}").unwrap();
    t.parse("d", "{{ .Files.Nope }}").unwrap();
    let mut top = std::collections::BTreeMap::new();
    top.insert("Files".to_string(), Value::Object(Rc::new(Files)));
    let data = Value::map(top);
    assert_eq!(
        t.execute("a", &data).unwrap(),
        "content of x|content of y|2|f"
    );
    assert_eq!(
        t.execute("b", &data).unwrap_err().to_string(),
        "template: b:1:9: executing \"b\" at <.Files.Get>: wrong number of args for Get: want 1 got 0"
    );
    assert_eq!(
        t.execute("c", &data).unwrap_err().to_string(),
        "template: c:1:14: executing \"c\" at <1>: expected string; found 1"
    );
    assert_eq!(
        t.execute("d", &data).unwrap_err().to_string(),
        "template: d:1:9: executing \"d\" at <.Files.Nope>: can't evaluate field Nope in type interface {}"
    );
    assert_eq!(
        t.execute("zz", &data).unwrap_err().to_string(),
        "template: no template \"zz\" associated with template \"gotpl\""
    );
}

/// A batch large enough to be shared with the helper thread gives what
/// parsing each text in turn gives: later definitions win in batch order,
/// functions resolve, and the error is the first failing text's.
#[test]
fn parse_batch_matches_sequential_parsing() {
    // ~100 KB: above the threshold for using a helper thread.
    let filler = "{{/* padding */}}x{{ upper \"y\" }}\n".repeat(60);
    let texts: Vec<(String, Rc<str>)> = (0..60)
        .map(|i| {
            let t = format!("{filler}{{{{define \"shared\"}}}}from {i}{{{{end}}}}{{{{ include \"shared\" . }}}}-{i}");
            (format!("t{i:02}.yaml"), Rc::from(t.as_str()))
        })
        .collect();
    let batch: Vec<(&str, Rc<str>)> = texts.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let mut par = Template::new("gotpl", Rc::new(funcs()));
    par.parse_batch(&batch).unwrap();
    let mut seq = Template::new("gotpl", Rc::new(funcs()));
    for (n, t) in &batch {
        seq.parse_shared(n, t.clone()).unwrap();
    }
    for (i, (n, _)) in batch.iter().enumerate() {
        let want = seq.execute(n, &values()).unwrap();
        assert_eq!(par.execute(n, &values()).unwrap(), want);
        // The last definition of "shared" wins, for every file.
        assert!(
            want.ends_with(&format!("Y\nfrom 59-{i}")),
            "{n}: {:?}",
            &want[want.len() - 20..]
        );
    }
    // Two broken texts: the earlier one is reported, whatever thread got it.
    let mut broken = batch.clone();
    broken[41].1 = Rc::from("{{ nosuchfunc }}");
    broken[17].1 = Rc::from(format!("{filler}{{{{ if }}}}").as_str());
    let mut t = Template::new("gotpl", Rc::new(funcs()));
    let (i, e) = t.parse_batch(&broken).unwrap_err();
    assert_eq!(i, 17);
    assert_eq!(e.to_string(), "template: t17.yaml:61: missing value for if");
}

/// Files parsed while earlier ones run give what parsing everything first
/// gives: an earlier file can include a later one (Helm's checksum idiom),
/// and a later parse error is reported even though an earlier file ran.
#[test]
fn pipelined_parsing_matches_parsing_first() {
    let pad = "# some text to parse\n".repeat(200);
    let helpers: Rc<str> = Rc::from("{{ define \"h\" }}helper{{ end }}");
    let files: Vec<(String, Rc<str>)> = vec![
        ("c/templates/a.yaml".into(), Rc::from(format!("{pad}a: {{{{ include \"c/templates/z.yaml\" . | upper }}}} {{{{ include \"h\" . }}}}").as_str())),
        ("c/templates/m.yaml".into(), Rc::from(format!("{pad}m: {{{{ .Values.s }}}}").as_str())),
        ("c/templates/z.yaml".into(), Rc::from(format!("{pad}z: last").as_str())),
    ];
    let mut queue = vec![("c/templates/_helpers.tpl".to_string(), helpers.clone())];
    queue.extend(files.iter().cloned());
    let mut piped = Template::new("gotpl", Rc::new(funcs()));
    piped.parse_pipelined(queue.clone(), 1, gotmpl::Worker::shared().as_ref());
    piped.finish_prefix(1).unwrap();
    let mut plain = Template::new("gotpl", Rc::new(funcs()));
    let all: Vec<(&str, Rc<str>)> = queue.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    plain.parse_batch(&all).unwrap();
    for (name, _) in &files {
        piped.ensure_parsed(name).unwrap();
        assert_eq!(
            piped.execute(name, &values()).unwrap(),
            plain.execute(name, &values()).unwrap(),
            "{name}"
        );
    }
    piped.finish_pipeline().unwrap();
    assert!(plain
        .execute("c/templates/a.yaml", &values())
        .unwrap()
        .ends_with("Z: LAST helper"));

    // A broken last file: its error is the pipeline's, whatever ran before.
    let mut broken = queue.clone();
    broken[3].1 = Rc::from(format!("{pad}{{{{ if }}}}").as_str());
    let mut t = Template::new("gotpl", Rc::new(funcs()));
    t.parse_pipelined(broken, 1, None);
    t.finish_prefix(1).unwrap();
    t.ensure_parsed("c/templates/a.yaml").unwrap();
    assert!(
        t.execute("c/templates/a.yaml", &values()).is_err(),
        "z.yaml is missing from the set"
    );
    let (i, e) = t.finish_pipeline().unwrap_err();
    assert_eq!(i, 3);
    assert_eq!(
        e.to_string(),
        "template: c/templates/z.yaml:201: missing value for if"
    );
}

/// Words end where the lexer's bytewise shortcuts and Go's rune-by-rune
/// scan agree: after ASCII, after non-ASCII letters, at `}}`, `|`, `)`.
#[test]
fn word_boundaries() {
    ok("{{ $héllo := 1 }}{{ $héllo }}", "1");
    ok("{{ $xé1 := 2 }}{{ $xé1 }}", "2");
    ok("{{.Values.s}}", "abc");
    ok("{{.Values.num|printf \"%v\"}}", "5");
    ok("{{(.Values.s)}}", "abc");
    ok("{{- .Values.s -}}", "abc");
    err(
        "{{ .Values.s§ }}",
        "template: t.yaml:1: bad character U+00A7 '§'",
    );
    err(
        "{{ $a§ := 1 }}",
        "template: t.yaml:1: bad character U+00A7 '§'",
    );
    err("{{ len§ }}", "template: t.yaml:1: bad character U+00A7 '§'");
}
