//! Chart.yaml and Chart.lock as Helm writes them: `sigs.k8s.io/yaml.Marshal`
//! of the Go structs, i.e. their JSON form (fields with `omitempty` left
//! out when empty) re-emitted as YAML with sorted keys.  Used by
//! `package`, `show chart` and `create --starter`.

use gotmpl::{MapInner, Value};

fn put_str(m: &mut MapInner, key: &str, v: &str, omit_empty: bool) {
    if !(omit_empty && v.is_empty()) {
        m.insert(key.into(), Value::str(v));
    }
}

fn put_list(m: &mut MapInner, key: &str, v: &[String]) {
    if !v.is_empty() {
        m.insert(
            key.into(),
            Value::list(v.iter().map(|s| Value::str(s)).collect()),
        );
    }
}

/// JSON view of a `chart.Dependency`.
pub fn dependency_json(d: &chart::Dependency) -> Value {
    let mut m = MapInner::new();
    put_str(&mut m, "name", &d.name, false);
    put_str(&mut m, "version", &d.version, true);
    put_str(&mut m, "repository", &d.repository, false);
    put_str(&mut m, "condition", &d.condition, true);
    put_list(&mut m, "tags", &d.tags);
    if d.enabled {
        m.insert("enabled".into(), Value::Bool(true));
    }
    if !d.import_values.is_empty() {
        m.insert("import-values".into(), Value::list(d.import_values.clone()));
    }
    put_str(&mut m, "alias", &d.alias, true);
    Value::map(m)
}

/// JSON view of a `chart.Metadata` (`json:"…,omitempty"` on every field).
pub fn metadata_json(md: &chart::Metadata) -> Value {
    let mut m = MapInner::new();
    put_str(&mut m, "name", &md.name, true);
    put_str(&mut m, "home", &md.home, true);
    put_list(&mut m, "sources", &md.sources);
    put_str(&mut m, "version", &md.version, true);
    put_str(&mut m, "description", &md.description, true);
    put_list(&mut m, "keywords", &md.keywords);
    if !md.maintainers.is_empty() {
        let list = md
            .maintainers
            .iter()
            .map(|mt| match mt {
                None => Value::Nil,
                Some(mt) => {
                    let mut mm = MapInner::new();
                    put_str(&mut mm, "name", &mt.name, true);
                    put_str(&mut mm, "email", &mt.email, true);
                    put_str(&mut mm, "url", &mt.url, true);
                    Value::map(mm)
                }
            })
            .collect();
        m.insert("maintainers".into(), Value::list(list));
    }
    put_str(&mut m, "icon", &md.icon, true);
    put_str(&mut m, "apiVersion", &md.api_version, true);
    put_str(&mut m, "condition", &md.condition, true);
    put_str(&mut m, "tags", &md.tags, true);
    put_str(&mut m, "appVersion", &md.app_version, true);
    if md.deprecated {
        m.insert("deprecated".into(), Value::Bool(true));
    }
    if let Some(ann) = md.annotations.as_ref().filter(|a| !a.is_empty()) {
        let am: MapInner = ann
            .iter()
            .map(|(k, v)| (k.clone(), Value::str(v)))
            .collect();
        m.insert("annotations".into(), Value::map(am));
    }
    put_str(&mut m, "kubeVersion", &md.kube_version, true);
    if let Some(deps) = md.dependencies.as_ref().filter(|d| !d.is_empty()) {
        let list = deps
            .iter()
            .map(|d| match d {
                None => Value::Nil,
                Some(d) => dependency_json(d),
            })
            .collect();
        m.insert("dependencies".into(), Value::list(list));
    }
    put_str(&mut m, "type", &md.chart_type, true);
    Value::map(m)
}

/// `yaml.Marshal(chart.Metadata)`.
pub fn marshal_metadata(md: &chart::Metadata) -> Result<String, String> {
    yaml::to_yaml(&metadata_json(md)).map_err(|e| e.to_string())
}

/// `yaml.Marshal(chart.Lock)`.
pub fn marshal_lock(lock: &chart::Lock) -> Result<String, String> {
    let mut m = MapInner::new();
    m.insert("generated".into(), Value::str(&lock.generated));
    m.insert("digest".into(), Value::str(&lock.digest));
    m.insert(
        "dependencies".into(),
        Value::list(lock.dependencies.iter().map(dependency_json).collect()),
    );
    yaml::to_yaml(&Value::map(m)).map_err(|e| e.to_string())
}
