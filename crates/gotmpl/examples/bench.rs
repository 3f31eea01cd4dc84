//! Dev tool: rough render throughput of a helm-create-like template.
use std::rc::Rc;
use std::time::Instant;

use capstan_gotmpl::{FuncMap, MissingKey, ParamType as P, Template, Value};

const TPL: &str = r#"{{- define "t.name" -}}{{ default .Chart.Name .Values.nameOverride | trunc 63 }}{{- end }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "t.name" . }}
  labels:
    {{- range $k, $v := .Values.labels }}
    {{ $k }}: {{ $v | quote }}
    {{- end }}
spec:
  {{- if not .Values.autoscaling }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default "latest" }}"
          {{- with .Values.ports }}
          ports:
            {{- range . }}
            - containerPort: {{ .port }}
              name: {{ .name | quote }}
            {{- end }}
          {{- end }}
"#;

fn main() {
    let mut m = FuncMap::new();
    m.add("default", &[P::Any], Some(P::Any), |a| {
        Ok(if a.len() > 1 && a[1].truthy() {
            a[1].clone()
        } else {
            a[0].clone()
        })
    });
    m.add("trunc", &[P::Int, P::String], None, |a| Ok(a[1].clone()));
    m.add("quote", &[], Some(P::Any), |a| {
        Ok(Value::string(format!(
            "{:?}",
            capstan_gotmpl::fmt::format_v(&a[0])
        )))
    });
    m.add_ctx("include", &[P::String, P::Any], None, |c, a| {
        c.execute_named(a[0].as_str().unwrap_or(""), &a[1])
            .map(Value::string)
    });
    let vals: serde_yaml::Value = serde_yaml::from_str(
        "replicaCount: 2\nlabels: {a: x, b: y, c: z}\nimage: {repository: nginx, tag: '1.2'}\nports: [{port: 80, name: http}, {port: 443, name: https}]\n",
    )
    .unwrap();
    let data = conv(
        &serde_yaml::from_str(&format!(
            "Values: {}\nChart: {{Name: t}}\n",
            serde_json::to_string(&vals).unwrap()
        ))
        .unwrap(),
    );
    let funcs = Rc::new(m);
    let n = 20000;
    let start = Instant::now();
    let mut total = 0;
    for _ in 0..n {
        let mut t = Template::new("gotpl", funcs.clone());
        t.set_missing_key(MissingKey::Zero);
        t.parse("t", TPL).unwrap();
        total += t.execute("t", &data).unwrap().len();
    }
    let el = start.elapsed();
    println!(
        "{n} parse+render in {el:?} ({:?} each), {total} bytes",
        el / n
    );
    let mut t = Template::new("gotpl", funcs.clone());
    t.set_missing_key(MissingKey::Zero);
    t.parse("t", TPL).unwrap();
    let start = Instant::now();
    for _ in 0..n {
        total += t.execute("t", &data).unwrap().len();
    }
    let el = start.elapsed();
    println!(
        "{n} renders in {el:?} ({:?} each), {total} bytes total",
        el / n
    );
}

fn conv(y: &serde_yaml::Value) -> Value {
    match y {
        serde_yaml::Value::Null => Value::Nil,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_yaml::Value::String(s) => Value::str(s),
        serde_yaml::Value::Sequence(s) => Value::list(s.iter().map(conv).collect()),
        serde_yaml::Value::Mapping(m) => Value::map(
            m.iter()
                .map(|(k, v)| (k.as_str().unwrap_or("").to_string(), conv(v)))
                .collect(),
        ),
        serde_yaml::Value::Tagged(t) => conv(&t.value),
    }
}
