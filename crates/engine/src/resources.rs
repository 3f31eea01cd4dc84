//! The one release-render path: Helm's `NameAndChart`, the CLI's
//! `CheckDependencies` step and `Configuration.renderResources`, shared by
//! `template`, `install`, `upgrade` and every later command that renders
//! a release (diff, plan, remote charts).
//!
//! Why one place: the pipeline used to exist twice (the offline `template`
//! action and the lifecycle's prepare step) and the copies drifted apart —
//! different release-name generation, an ignored `--name-template`, and
//! the missing-dependency error in two wordings.  Everything a command
//! needs to tell apart (a template error from a bad chart, a schema
//! violation from unreadable values) is in [`Error`]'s [`ErrorKind`],
//! while its `Display` stays Helm's exact text.

use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use chart::cli_values::ValueOptions;
use gotmpl::Value;

pub use crate::errors::Location;
use crate::manifest::{self, Hook, Manifest};
use crate::objects::{KubeVersion, VersionSet};
use crate::{render, Capabilities, Files, ReleaseInfo, RenderChart, RenderOptions};

/// What went wrong, for callers that branch on it (the text is Helm's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `NameAndChart`: conflicting name flags, or a bad `--name-template`.
    Name,
    /// The chart could not be loaded (missing, unreadable, invalid).
    ChartLoad,
    /// `--show-only` named a template the chart does not render.
    TemplateNotFound,
    /// A library chart was asked to render as a release.
    NotInstallable,
    /// Declared dependencies are missing from `charts/`.
    MissingDependencies,
    /// User values (files, `--set` flags) could not be read or merged.
    Values,
    /// Dependency processing or coalescing failed.
    Coalesce,
    /// The values do not meet the chart's `values.schema.json`.
    Schema,
    /// `--kube-version` (or the cluster's version) is not valid.
    Capabilities,
    /// A template failed to parse or execute.
    Template,
    /// The rendered output is not valid Kubernetes YAML.
    Manifest,
}

/// Whose fault a render failure is, for callers that map [`ErrorKind`]s
/// onto their own coarser kinds (the offline actions, the lifecycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The caller's names, flags or values.
    Input,
    /// The chart: unreadable, not installable, missing dependencies,
    /// values that break its schema.
    Chart,
    /// A template failed, or its output is not valid YAML.
    Render,
}

impl ErrorKind {
    /// Whose fault it is.
    pub fn class(self) -> ErrorClass {
        match self {
            ErrorKind::Template | ErrorKind::Manifest => ErrorClass::Render,
            ErrorKind::Name
            | ErrorKind::Values
            | ErrorKind::Capabilities
            | ErrorKind::TemplateNotFound => ErrorClass::Input,
            ErrorKind::ChartLoad
            | ErrorKind::NotInstallable
            | ErrorKind::MissingDependencies
            | ErrorKind::Coalesce
            | ErrorKind::Schema => ErrorClass::Chart,
        }
    }
}

/// A release-render failure: a kind, Helm's message, and — for failures
/// while rendering or splitting — the partial manifest Helm attaches to
/// the release it returns with the error.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    partial_manifest: Option<String>,
    location: Option<Location>,
}

impl Error {
    /// A failure of `kind` with Helm's `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            partial_manifest: None,
            location: None,
        }
    }

    /// For a template failure: the template and the position where it
    /// failed (parse errors and failing actions).
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Helm's message (the same as `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `Some` when the failure happened while rendering or splitting the
    /// output (Helm then returns a partial release with the error): empty
    /// for template errors, every non-blank rendered file for output that
    /// is not valid YAML.  `helm template --debug` prints it.
    pub fn partial_manifest(&self) -> Option<&str> {
        self.partial_manifest.as_deref()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

fn err(kind: ErrorKind) -> impl Fn(String) -> Error {
    move |m| Error::new(kind, m)
}

// ---------- names ----------

/// The name flags of `install` and `template` (Helm's `Install` fields).
#[derive(Debug, Clone, Default)]
pub struct NameOptions {
    /// The name used when only CHART is given and no flag decides
    /// (`helm template` sets `release-name`; `install` has none).
    pub default_name: Option<String>,
    /// `--generate-name`.
    pub generate_name: bool,
    /// `--name-template`.
    pub name_template: Option<String>,
}

/// Helm's `Install.NameAndChart`: the release name and chart reference
/// from `[NAME] CHART` and the name flags.  With one argument a
/// `--name-template` wins, then the default name, then `--generate-name`.
pub fn name_and_chart(args: &[String], o: &NameOptions) -> Result<(String, String), Error> {
    let name_err = err(ErrorKind::Name);
    match args {
        [] => Err(name_err("requires at least 1 argument".into())),
        [name, chart] => {
            if o.generate_name {
                return Err(name_err(
                    "cannot set --generate-name and also specify a name".into(),
                ));
            }
            if o.name_template.as_deref().is_some_and(|t| !t.is_empty()) {
                return Err(name_err(
                    "cannot set --name-template and also specify a name".into(),
                ));
            }
            Ok((name.clone(), chart.clone()))
        }
        [chart] => {
            if let Some(tpl) = o.name_template.as_deref().filter(|t| !t.is_empty()) {
                return Ok((template_name(tpl)?, chart.clone()));
            }
            if let Some(n) = o.default_name.as_deref().filter(|n| !n.is_empty()) {
                return Ok((n.to_string(), chart.clone()));
            }
            if !o.generate_name {
                return Err(name_err(
                    "must either provide a name or specify --generate-name".into(),
                ));
            }
            Ok((generate_name(chart), chart.clone()))
        }
        [_, _, rest @ ..] => Err(name_err(format!(
            "expected at most two arguments, unexpected arguments: {}",
            rest.join(", ")
        ))),
    }
}

/// `--generate-name`: the chart reference's base name (Go's
/// `filepath.Base`) cut at its first `.`, a dash and the Unix time.
pub fn generate_name(chart_ref: &str) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("{}-{secs}", generated_base(chart_ref))
}

/// The name part of [`generate_name`].
fn generated_base(chart_ref: &str) -> &str {
    // Go's filepath.Base: trailing slashes go, "" becomes ".", all
    // slashes become "/".
    let trimmed = chart_ref.trim_end_matches('/');
    let base = if chart_ref.is_empty() {
        "."
    } else if trimmed.is_empty() {
        "/"
    } else {
        trimmed.rsplit('/').next().unwrap_or(trimmed)
    };
    let base = if base == "." || base.is_empty() {
        "chart"
    } else {
        base
    };
    match base.find('.') {
        Some(i) => &base[..i],
        None => base,
    }
}

/// Helm's `TemplateName`: `--name-template` run as a Go template with
/// Sprig's functions and no data.
pub fn template_name(tpl: &str) -> Result<String, Error> {
    let mut t = gotmpl::Template::new("name-template", Rc::new(funcs::sprig()));
    t.parse("name-template", tpl)
        .map_err(|e| Error::new(ErrorKind::Name, e.to_string()))?;
    t.execute("name-template", &Value::Nil)
        .map_err(|e| Error::new(ErrorKind::Name, e.to_string()))
}

// ---------- the render ----------

/// How an upgrade combines the new value flags with the deployed
/// release's (Helm's `Upgrade.reuseValues`).
#[derive(Debug, Clone, Default)]
pub enum ValuesBase {
    /// Install, or upgrade with `--reset-values`.
    #[default]
    Fresh,
    /// Upgrade without `--reuse-values`/`--reset-values`: the deployed
    /// config is reused when no new values are given (Helm's default).
    Default { old_config: Value },
    /// `--reuse-values`: the old chart values under the old config become
    /// the chart's defaults; the old config is merged under the new values.
    Reuse {
        old_config: Value,
        old_chart_values: Value,
    },
    /// `--reset-then-reuse-values`: new chart defaults, old config under
    /// the new values.
    ResetThenReuse { old_config: Value },
}

/// Where `.Capabilities` comes from.
#[derive(Debug, Clone)]
pub enum CapabilitiesFrom {
    /// Helm's offline defaults (`template`, client dry runs), with
    /// `--kube-version` and extra `--api-versions`.
    Offline {
        kube_version: Option<String>,
        extra_api_versions: Vec<String>,
    },
    /// The cluster's version (`GitVersion`) and, when known, its API
    /// versions (replacing the defaults).
    Cluster {
        git_version: String,
        api_versions: Option<Vec<String>>,
    },
}

impl Default for CapabilitiesFrom {
    fn default() -> Self {
        CapabilitiesFrom::Offline {
            kube_version: None,
            extra_api_versions: Vec::new(),
        }
    }
}

impl CapabilitiesFrom {
    fn build(&self) -> Result<Capabilities, String> {
        match self {
            CapabilitiesFrom::Offline {
                kube_version,
                extra_api_versions,
            } => Capabilities::new(kube_version.as_deref(), extra_api_versions),
            CapabilitiesFrom::Cluster {
                git_version,
                api_versions,
            } => {
                let mut c = Capabilities::new(None, &[])?;
                c.kube_version = Rc::new(KubeVersion::parse(git_version)?);
                if let Some(av) = api_versions {
                    c.api_versions = Rc::new(VersionSet(av.clone()));
                }
                Ok(c)
            }
        }
    }
}

/// One release render.
#[derive(Default)]
pub struct RenderRequest {
    /// The chart's path (directory or archive).
    pub chart: String,
    /// Check `.Release.Name` against Helm's release-name rule where
    /// Helm's install action does (`availableName`).
    pub validate_name: bool,
    /// The user's value flags.
    pub values: ValueOptions,
    /// How they combine with a deployed release's values.
    pub base: ValuesBase,
    /// `.Release` (name, namespace, revision, install/upgrade).
    pub release: ReleaseInfo,
    pub capabilities: CapabilitiesFrom,
    pub skip_schema_validation: bool,
    /// `--render-subchart-notes`: the subcharts' NOTES.txt too.
    pub subchart_notes: bool,
    /// `--hide-secret` (dry runs): Secrets left out of the manifests.
    pub hide_secret: bool,
    /// `--include-crds`: the CRD files head the release manifest.
    pub include_crds: bool,
    /// Stop after rendering: the engine's output per file, as Helm's
    /// `engine.Render` returns it (`--per-file`).
    pub render_only: bool,
    /// `lookup` against a cluster (`None`: Helm's offline empty map).
    pub lookup: Option<crate::helmfuncs::Lookup>,
    /// The process exits after this render (see [`RenderOptions::one_shot`]).
    pub one_shot: bool,
}

/// A rendered release, before anything touches a cluster.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The chart after dependency processing (what the record stores).
    pub chart: Option<chart::Chart>,
    /// The user-supplied values after [`ValuesBase`] (the record's `config`).
    pub config: Value,
    /// The engine's output per template file; only with `render_only`.
    pub per_file: BTreeMap<String, String>,
    /// NOTES.txt (the parent's, plus the subcharts' when asked for).
    pub notes: String,
    /// Hooks in Helm's order.
    pub hooks: Vec<Hook>,
    /// Manifests in install order (Secrets gone with `hide_secret`).
    pub manifests: Vec<Manifest>,
    /// CRD files of the chart and its subcharts, `(path, text)`.
    pub crds: Vec<(String, String)>,
    /// `rel.Manifest`: `---\n# Source: …` documents (CRDs first with
    /// `include_crds`).
    pub manifest: String,
    /// Warnings Helm logs (coalescing, dependency processing).
    pub warnings: Vec<String>,
}

/// Helm's CLI check before installing, in v4.2.3's words
/// (`pkg/cmd/install.go`, `upgrade.go`).
fn check_dependencies(ch: &chart::Chart) -> Result<(), Error> {
    chart::check_dependencies(ch).map_err(|e| {
        Error::new(
            ErrorKind::MissingDependencies,
            format!(
                "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: {e}"
            ),
        )
    })
}

fn is_empty_map(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.borrow().is_empty(),
        Value::Nil => true,
        _ => false,
    }
}

/// Load, check, merge values, validate, render, split and sort: Helm's
/// install/upgrade pipeline up to the point where a release record is
/// built.  Runs on the calling thread (use a big stack: see
/// [`crate::run_with_big_stack`]).
pub fn render_release(req: &RenderRequest) -> Result<Rendered, Error> {
    // The helper thread for the render (reads, then parsing).
    let worker = gotmpl::Worker::shared();
    let load = || {
        chart::load_with(Path::new(&req.chart), worker.as_ref())
            .map_err(|e| Error::new(ErrorKind::ChartLoad, e.to_string()))
    };
    let merge = || {
        req.values
            .merge()
            .map_err(|e| Error::new(ErrorKind::Values, e.to_string()))
    };
    // Helm's order: locate the chart, merge the user's values, load it.
    let (mut ch, mut user) = if Path::new(&req.chart).exists() {
        let user = merge()?;
        (load()?, user)
    } else {
        // Not there: the loader's error comes first.
        let ch = load()?;
        (ch, merge()?)
    };
    if ch.is_library() {
        return Err(Error::new(
            ErrorKind::NotInstallable,
            "validation: chart.metadata.type is \"library\", library charts are not installable",
        ));
    }
    check_dependencies(&ch)?;
    if req.validate_name {
        k8smeta::validate_release_name(&req.release.name)
            .map_err(|m| Error::new(ErrorKind::Name, m))?;
    }
    match &req.base {
        ValuesBase::Fresh => {}
        ValuesBase::Default { old_config } => {
            if is_empty_map(&user) {
                user = old_config.clone();
            }
        }
        ValuesBase::Reuse {
            old_config,
            old_chart_values,
        } => {
            ch.values = chart::values::coalesced_copy(old_config, old_chart_values);
            user = chart::values::coalesced_copy(&user, old_config);
        }
        ValuesBase::ResetThenReuse { old_config } => {
            user = chart::values::coalesced_copy(&user, old_config);
        }
    }
    let coalesce = err(ErrorKind::Coalesce);
    let mut w = chart::process_dependencies(&mut ch, &user).map_err(|e| coalesce(e.to_string()))?;
    let coalesced =
        chart::coalesce_values_warn(&ch, &user, &mut w).map_err(|e| coalesce(e.to_string()))?;
    let warnings: Vec<String> = w.iter().map(|x| x.to_string()).collect();

    // Schema validation (compiling the schemas is the costly part) runs on
    // another thread while the chart renders; its verdict still comes
    // first, as in Helm, where it happens before rendering.
    let schema = err(ErrorKind::Schema);
    let schema_check = if req.skip_schema_validation {
        None
    } else {
        let pending = chart::schema::prepare_validation(&ch, &coalesced);
        if pending.has_checks() {
            match std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || pending.run())
            {
                Ok(h) => Some(h),
                // No thread available: validate here.
                Err(_) => {
                    chart::schema::validate_against_schema(&ch, &coalesced)
                        .map_err(|e| schema(e.to_string()))?;
                    None
                }
            }
        } else {
            pending.run().map_err(|e| schema(e.to_string()))?;
            None
        }
    };
    // Whether templates that are not UTF-8 left raw bytes in the output.
    let mut raw_sources = false;
    let rendered = (|| -> Result<BTreeMap<String, String>, Error> {
        let caps = req
            .capabilities
            .build()
            .map_err(err(ErrorKind::Capabilities))?;
        let rc = render_chart(&ch);
        raw_sources = rc.raw_sources;
        render(
            &rc,
            &coalesced,
            &req.release,
            &caps,
            &RenderOptions {
                one_shot: req.one_shot,
                worker: worker.clone(),
                lookup: req.lookup.clone(),
                keep_raw_bytes: true,
                ..Default::default()
            },
        )
        .map_err(|e| Error {
            kind: ErrorKind::Template,
            message: e.message().to_string(),
            partial_manifest: Some(String::new()),
            location: e.location().cloned(),
        })
    })();
    if let Some(h) = schema_check {
        match h.join() {
            Ok(r) => r.map_err(|e| schema(e.to_string()))?,
            Err(_) => {
                return Err(schema(
                    "values schema validation failed unexpectedly".into(),
                ))
            }
        }
    }
    let mut files = rendered?;
    // Printed output is text: raw bytes of templates that are not UTF-8
    // come out as U+FFFD there (Helm prints the bytes).
    let printable = |files: &mut BTreeMap<String, String>| {
        for out in files.values_mut() {
            if crate::render::has_raw_bytes(out) {
                *out = crate::render::without_raw_bytes(out);
            }
        }
    };
    if req.render_only {
        if raw_sources {
            printable(&mut files);
        }
        return Ok(Rendered {
            per_file: files,
            config: user,
            warnings,
            ..Default::default()
        });
    }

    // NOTES.txt: the parent's, plus the subcharts' with
    // --render-subchart-notes (Helm walks a Go map; we go in path order);
    // never a manifest.
    let notes_key = format!("{}/templates/NOTES.txt", ch.name());
    let mut notes = files.get(&notes_key).cloned().unwrap_or_default();
    if req.subchart_notes {
        for (_, v) in files
            .iter()
            .filter(|(k, _)| k.ends_with("NOTES.txt") && **k != notes_key)
        {
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(v);
        }
    }
    files.retain(|k, _| !k.ends_with("NOTES.txt"));

    if raw_sources && crate::render::has_raw_bytes(&notes) {
        notes = crate::render::without_raw_bytes(&notes);
    }
    let sorted = manifest::sort_manifests_checked(&files, raw_sources);
    if raw_sources {
        printable(&mut files);
    }
    let (hooks, mut manifests) = sorted.map_err(|message| {
        // Helm attaches every non-blank rendered file (in Go's map order;
        // ours is sorted) so that `--debug` can show the invalid output.
        let mut blob = String::new();
        for (path, content) in &files {
            if !content.trim().is_empty() {
                blob.push_str(&format!("---\n# Source: {path}\n{content}\n"));
            }
        }
        Error {
            kind: ErrorKind::Manifest,
            message,
            partial_manifest: Some(blob),
            location: None,
        }
    })?;
    if req.hide_secret {
        manifests.retain(|m| m.kind != "Secret");
    }
    let crds = collect_crds(&ch);
    let mut text = String::new();
    if req.include_crds {
        for (path, crd) in &crds {
            text.push_str(&format!("---\n# Source: {path}\n{crd}\n"));
        }
    }
    for m in &manifests {
        text.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
    }
    Ok(Rendered {
        chart: Some(ch),
        config: user,
        per_file: BTreeMap::new(),
        notes,
        hooks,
        manifests,
        crds,
        manifest: text,
        warnings,
    })
}

/// A loaded (dependency-processed) chart in the renderer's view.
pub fn render_chart(c: &chart::Chart) -> RenderChart {
    let mut raw_sources = false;
    let templates = c
        .templates
        .iter()
        .map(|f| {
            let (text, raw) = crate::render::template_text(&f.data);
            raw_sources |= raw;
            (f.name.clone(), text)
        })
        .collect();
    let dependencies: Vec<RenderChart> = c.dependencies.iter().map(render_chart).collect();
    raw_sources |= dependencies.iter().any(|d| d.raw_sources);
    RenderChart {
        name: c.name().to_string(),
        metadata: c.metadata.to_value(),
        templates,
        files: Files::new(c.files.iter().map(|f| (f.name.clone(), &f.data[..]))),
        is_library: c.is_library(),
        dependencies,
        raw_sources,
    }
}

/// CRDs of the chart and its subcharts (`Chart.CRDObjects`): parent first,
/// then each dependency recursively.
pub fn collect_crds(c: &chart::Chart) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = c
        .crd_files()
        .map(|f| {
            (
                format!("{}/{}", c.full_path(), f.name),
                chart::values::utf8_text(&f.data).into_owned(),
            )
        })
        .collect();
    for d in &c.dependencies {
        out.extend(collect_crds(d));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn template_failures_say_where() {
        let dir = std::env::temp_dir().join(format!("capstan-loc-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(
            dir.join("Chart.yaml"),
            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("templates/t.yaml"),
            "a: 1\nb: {{ fail \"stop\" }}\n",
        )
        .unwrap();
        let chart = dir.display().to_string();
        let e = crate::run_with_big_stack(move || {
            let req = RenderRequest {
                chart,
                ..Default::default()
            };
            render_release(&req).unwrap_err()
        });
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(e.kind(), ErrorKind::Template);
        assert_eq!(
            e.to_string(),
            "execution error at (c/templates/t.yaml:2:6): stop"
        );
        let at = e.location().expect("a location");
        assert_eq!(
            (at.template.as_str(), at.line, at.column),
            ("c/templates/t.yaml", 2, 6)
        );
    }

    #[test]
    fn generated_names_cut_at_the_first_dot() {
        // Helm: filepath.Base, then everything from the first '.' goes.
        assert_eq!(generated_base("examples/fraud-model"), "fraud-model");
        assert_eq!(generated_base("fraud-model-1.4.2.tgz"), "fraud-model-1");
        assert_eq!(generated_base("charts/nginx/"), "nginx");
        assert_eq!(generated_base("."), "chart");
        assert_eq!(generated_base(""), "chart");
        assert_eq!(generated_base("./.hidden"), "");
        let n = generate_name("x/fraud-model");
        let (base, secs) = n.rsplit_once('-').unwrap();
        assert_eq!(base, "fraud-model");
        assert!(secs.parse::<u64>().unwrap() > 1_700_000_000);
    }

    #[test]
    fn name_and_chart_follows_helms_precedence() {
        let tpl = NameOptions {
            name_template: Some("abc-{{ \"x\" }}".into()),
            default_name: Some("release-name".into()),
            ..Default::default()
        };
        assert_eq!(
            name_and_chart(&args(&["c"]), &tpl).unwrap(),
            ("abc-x".to_string(), "c".to_string())
        );
        // `helm template --generate-name CHART`: the default name wins.
        let gen_tpl = NameOptions {
            generate_name: true,
            default_name: Some("release-name".into()),
            ..Default::default()
        };
        assert_eq!(
            name_and_chart(&args(&["c"]), &gen_tpl).unwrap().0,
            "release-name"
        );
        let install = NameOptions::default();
        assert_eq!(
            name_and_chart(&args(&["c"]), &install)
                .unwrap_err()
                .to_string(),
            "must either provide a name or specify --generate-name"
        );
        let gen = NameOptions {
            generate_name: true,
            ..Default::default()
        };
        assert!(name_and_chart(&args(&["dir/c.tgz"]), &gen)
            .unwrap()
            .0
            .starts_with("c-"));
        let e = name_and_chart(&args(&["n", "c"]), &gen).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Name);
        assert_eq!(
            e.to_string(),
            "cannot set --generate-name and also specify a name"
        );
        assert_eq!(
            name_and_chart(&args(&["n", "c"]), &tpl)
                .unwrap_err()
                .to_string(),
            "cannot set --name-template and also specify a name"
        );
        let bad = NameOptions {
            name_template: Some("{{ fail \"no\" }}".into()),
            ..Default::default()
        };
        assert_eq!(
            name_and_chart(&args(&["c"]), &bad).unwrap_err().kind(),
            ErrorKind::Name
        );
    }
}
