//! `template`: Helm's client-side dry-run install — load, merge values,
//! render, split and sort, and print as `helm template` does.

use std::collections::BTreeMap;
use std::path::Path;

use gotmpl::Value;

use engine::manifest::{self, Hook};
use engine::{render, Capabilities, Files, ReleaseInfo, RenderChart, RenderOptions};

/// Helm's value flags, in the order they were given per kind.
#[derive(Debug, Clone, Default)]
pub struct ValueOptions {
    pub files: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub set_file: Vec<String>,
    pub set_json: Vec<String>,
    pub set_literal: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TemplateRequest {
    /// `None` with `--generate-name`/`--name-template`.
    pub release_name: Option<String>,
    pub name_template: Option<String>,
    pub chart: String,
    pub namespace: String,
    pub values: ValueOptions,
    pub is_upgrade: bool,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    pub skip_schema_validation: bool,
    pub include_crds: bool,
    pub no_hooks: bool,
    pub skip_tests: bool,
    pub show_only: Vec<String>,
    pub debug: bool,
    /// Stop after rendering (`--per-file`): the engine's output as Helm's
    /// `engine.Render` returns it, without release-name checks, manifest
    /// parsing or sorting.
    pub render_only: bool,
    /// The process exits after this (see `engine::RenderOptions::one_shot`).
    pub one_shot: bool,
}

#[derive(Debug, Clone, Default)]
pub struct TemplateOutput {
    pub release_name: String,
    /// What `helm template` prints.
    pub manifest: String,
    /// Engine output per template file (hooks and NOTES included).
    pub per_file: BTreeMap<String, String>,
    pub notes: String,
    pub hooks: Vec<Hook>,
    pub manifests: Vec<manifest::Manifest>,
    /// CRD files (path, text) in Helm's order.
    pub crds: Vec<(String, String)>,
    /// Warnings Helm prints to stderr (coalescing, unknown hooks, …).
    pub warnings: Vec<String>,
}

/// Merge the user's values as Helm's `values.Options.MergeValues` does.
pub fn user_values(opts: &ValueOptions) -> Result<Value, String> {
    chart::cli_values::ValueOptions {
        value_files: opts.files.clone(),
        values: opts.set.clone(),
        string_values: opts.set_string.clone(),
        file_values: opts.set_file.clone(),
        json_values: opts.set_json.clone(),
        literal_values: opts.set_literal.clone(),
    }
    .merge()
    .map_err(|e| e.to_string())
}

/// Helm's release-name rule (DNS-1123 subdomain, at most 53 characters).
pub fn validate_release_name(name: &str) -> Result<(), String> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.is_empty() || name.len() > 53 || !name.split('.').all(label_ok) {
        return Err(format!(
            "release name {name:?}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
        ));
    }
    Ok(())
}

/// Convert a loaded (dependency-processed) chart into the renderer's view.
pub fn render_chart(c: &chart::Chart) -> RenderChart {
    RenderChart {
        name: c.name().to_string(),
        metadata: c.metadata.to_value(),
        templates: c
            .templates
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    chart::values::utf8_text(&f.data).into_owned(),
                )
            })
            .collect(),
        files: Files::new(c.files.iter().map(|f| (f.name.clone(), &f.data[..]))),
        is_library: c.is_library(),
        dependencies: c.dependencies.iter().map(render_chart).collect(),
    }
}

fn generate_name(chart_name: &str) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let base = if chart_name.len() > 42 {
        &chart_name[..42]
    } else {
        chart_name
    };
    format!("{}-{secs}", base.trim_end_matches('-'))
}

/// Why `helm template` failed, and what Helm's install action attaches to
/// the release it returns along with the error.
#[derive(Debug, Clone)]
pub struct TemplateFailure {
    pub message: String,
    /// `Some` when the failure happened while rendering or splitting the
    /// output (Helm then returns a partial release with the error): the
    /// release manifest Helm attaches — empty for template errors, every
    /// non-blank rendered file for output that is not valid YAML.  The CLI
    /// prints it under `--debug`, and otherwise adds a hint to the error.
    pub partial_manifest: Option<String>,
}

impl From<String> for TemplateFailure {
    fn from(message: String) -> Self {
        TemplateFailure {
            message,
            partial_manifest: None,
        }
    }
}

impl From<&str> for TemplateFailure {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

/// `helm template`: load, merge values, render, split and sort, and build
/// the text Helm prints.
pub fn template(req: &TemplateRequest) -> Result<TemplateOutput, String> {
    template_detailed(req).map_err(|f| f.message)
}

/// [`template`], telling render-stage failures apart (see [`TemplateFailure`]).
pub fn template_detailed(req: &TemplateRequest) -> Result<TemplateOutput, TemplateFailure> {
    // The helper thread for the render (reads, then parsing).
    let worker = gotmpl::Worker::shared();
    let mut ch =
        chart::load_with(Path::new(&req.chart), worker.as_ref()).map_err(|e| e.to_string())?;
    let user = user_values(&req.values)?;
    let name = match (&req.release_name, &req.name_template) {
        (Some(n), _) => n.clone(),
        (None, Some(_tpl)) => generate_name(ch.name()),
        (None, None) => generate_name(ch.name()),
    };
    if !req.render_only {
        validate_release_name(&name)?;
    }
    if ch.is_library() {
        return Err(
            "validation: chart.metadata.type is \"library\", library charts are not installable"
                .into(),
        );
    }
    chart::check_dependencies(&ch).map_err(|e| e.to_string())?;
    let mut w = chart::process_dependencies(&mut ch, &user).map_err(|e| e.to_string())?;
    let coalesced = chart::coalesce_values_warn(&ch, &user, &mut w).map_err(|e| e.to_string())?;
    let warnings: Vec<String> = w.iter().map(|x| x.to_string()).collect();
    // Schema validation (compiling the schemas is the costly part) runs on
    // another thread while the chart renders; its verdict still comes
    // first, as in Helm, where it happens before rendering.
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
                        .map_err(|e| e.to_string())?;
                    None
                }
            }
        } else {
            pending.run().map_err(|e| e.to_string())?;
            None
        }
    };
    let rendered = (|| -> Result<BTreeMap<String, String>, TemplateFailure> {
        let caps = Capabilities::new(req.kube_version.as_deref(), &req.api_versions)?;
        let release = ReleaseInfo {
            is_install: !req.is_upgrade,
            is_upgrade: req.is_upgrade,
            ..ReleaseInfo::install(&name, &req.namespace)
        };
        let rc = render_chart(&ch);
        render(
            &rc,
            &coalesced,
            &release,
            &caps,
            &RenderOptions {
                one_shot: req.one_shot,
                worker: worker.clone(),
                ..Default::default()
            },
        )
        .map_err(|message| TemplateFailure {
            message,
            partial_manifest: Some(String::new()),
        })
    })();
    if let Some(h) = schema_check {
        match h.join() {
            Ok(r) => r.map_err(|e| e.to_string())?,
            Err(_) => return Err("values schema validation failed unexpectedly".into()),
        }
    }
    let mut files = rendered?;
    if req.render_only {
        return Ok(TemplateOutput {
            release_name: name,
            per_file: files,
            ..Default::default()
        });
    }
    let per_file = files.clone();

    // NOTES.txt: only the parent chart's, and never a manifest.
    let notes_key = format!("{}/templates/NOTES.txt", ch.name());
    let notes = files.get(&notes_key).cloned().unwrap_or_default();
    files.retain(|k, _| !k.ends_with("NOTES.txt"));

    let (hooks, manifests) = manifest::sort_manifests(&files).map_err(|message| {
        // Helm attaches every non-blank rendered file (in Go's map order;
        // ours is sorted) so that `--debug` can show the invalid output.
        let mut blob = String::new();
        for (path, content) in &files {
            if !content.trim().is_empty() {
                blob.push_str(&format!("---\n# Source: {path}\n{content}\n"));
            }
        }
        TemplateFailure {
            message,
            partial_manifest: Some(blob),
        }
    })?;
    let crds = collect_crds(&ch);

    // `rel.Manifest` as Helm's install action builds it…
    let mut rel_manifest = String::new();
    if req.include_crds {
        for (path, text) in &crds {
            rel_manifest.push_str(&format!("---\n# Source: {path}\n{text}\n"));
        }
    }
    for m in &manifests {
        rel_manifest.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
    }
    // …then `helm template` prints it trimmed, and appends the hooks.
    let mut out = format!("{}\n", rel_manifest.trim());
    if !req.no_hooks {
        for h in &hooks {
            if req.skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
    }
    let manifest = if req.show_only.is_empty() {
        out
    } else {
        show_only(&out, &req.show_only)?
    };
    Ok(TemplateOutput {
        release_name: name,
        manifest,
        per_file,
        notes,
        hooks,
        manifests,
        crds,
        warnings,
    })
}

/// CRDs of the chart and its subcharts (`Chart.CRDObjects`): parent first,
/// then each dependency recursively.
pub fn collect_crds(c: &chart::Chart) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = c
        .crd_files()
        .map(|f| {
            (
                format!("{}/{}", c.full_path(), f.name),
                String::from_utf8_lossy(&f.data).into_owned(),
            )
        })
        .collect();
    for d in &c.dependencies {
        out.extend(collect_crds(d));
    }
    out
}

/// `--show-only`: keep the documents whose `# Source:` path (without the
/// chart name) matches one of the globs, in the order of the globs.
fn show_only(manifest: &str, patterns: &[String]) -> Result<String, String> {
    let docs = manifest::split_manifests(manifest);
    let mut out = String::new();
    for pat in patterns {
        let pat = pat.replace('\\', "/");
        let matcher = globset::GlobBuilder::new(&pat)
            .literal_separator(true)
            .build()
            .map_err(|e| e.to_string())?
            .compile_matcher();
        let mut missing = true;
        for doc in &docs {
            let Some(rest) = doc
                .find("# Source: ")
                .map(|i| &doc[i + "# Source: ".len()..])
            else {
                continue;
            };
            let line = rest.lines().next().unwrap_or("");
            let Some((_, path)) = line.split_once('/') else {
                continue;
            };
            if matcher.is_match(path) {
                out.push_str(&format!("---\n{doc}\n"));
                missing = false;
            }
        }
        if missing {
            return Err(format!("could not find template {pat} in chart"));
        }
    }
    Ok(out)
}

/// `--output-dir`: one file per template path, documents appended.
pub fn write_output_dir(
    out: &TemplateOutput,
    dir: &str,
    use_release_name: bool,
) -> std::io::Result<()> {
    let base = if use_release_name {
        Path::new(dir).join(&out.release_name)
    } else {
        Path::new(dir).to_path_buf()
    };
    let mut written: BTreeMap<String, bool> = BTreeMap::new();
    let mut write = |name: &str, content: &str| -> std::io::Result<()> {
        let path = base.join(name);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        let append = written.contains_key(name);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(&path)?;
        use std::io::Write;
        write!(f, "---\n# Source: {name}\n{content}\n")?;
        written.insert(name.to_string(), true);
        println!("wrote {}", path.display());
        Ok(())
    };
    for m in &out.manifests {
        write(&m.name, &m.content)?;
    }
    for h in &out.hooks {
        write(&h.path, &h.manifest)?;
    }
    Ok(())
}
