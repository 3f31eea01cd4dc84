//! `template`: Helm's client-side dry-run install — load, merge values,
//! render, split and sort, and print as `helm template` does.

use std::collections::BTreeMap;
use std::path::Path;

use engine::manifest::{self, Hook};
use engine::resources::{self, CapabilitiesFrom, Error, ErrorKind, NameOptions, RenderRequest};
use engine::ReleaseInfo;

pub use chart::cli_values::ValueOptions;

#[derive(Debug, Clone, Default)]
pub struct TemplateRequest {
    /// NAME when given (`helm template NAME CHART`).
    pub release_name: Option<String>,
    /// `--generate-name` (`helm template` still names the release
    /// `release-name` then, as Helm does).
    pub generate_name: bool,
    /// `--name-template`.
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
    /// Engine output per template file (hooks and NOTES included); only
    /// with `render_only`.
    pub per_file: BTreeMap<String, String>,
    pub notes: String,
    pub hooks: Vec<Hook>,
    pub manifests: Vec<manifest::Manifest>,
    /// CRD files (path, text) in Helm's order.
    pub crds: Vec<(String, String)>,
    /// Warnings Helm prints to stderr (coalescing, unknown hooks, …).
    pub warnings: Vec<String>,
}

/// Why `helm template` failed (the render path's error: a kind, Helm's
/// text, and the partial manifest Helm attaches to render failures).
pub type TemplateFailure = Error;

pub use resources::{collect_crds, render_chart};

/// `helm template`: load, merge values, render, split and sort, and build
/// the text Helm prints.
pub fn template(req: &TemplateRequest) -> Result<TemplateOutput, String> {
    template_detailed(req).map_err(|f| f.to_string())
}

/// [`template`], keeping the failure's kind and partial manifest.
pub fn template_detailed(req: &TemplateRequest) -> Result<TemplateOutput, TemplateFailure> {
    let args: Vec<String> = req
        .release_name
        .iter()
        .cloned()
        .chain(std::iter::once(req.chart.clone()))
        .collect();
    let (name, chart) = resources::name_and_chart(
        &args,
        &NameOptions {
            // `helm template` sets ReleaseName before NameAndChart runs.
            default_name: Some("release-name".into()),
            generate_name: req.generate_name,
            name_template: req.name_template.clone(),
        },
    )?;
    let rendered = resources::render_release(&RenderRequest {
        chart,
        validate_name: !req.render_only,
        values: req.values.clone(),
        release: ReleaseInfo {
            is_install: !req.is_upgrade,
            is_upgrade: req.is_upgrade,
            ..ReleaseInfo::install(&name, &req.namespace)
        },
        capabilities: CapabilitiesFrom::Offline {
            kube_version: req.kube_version.clone(),
            extra_api_versions: req.api_versions.clone(),
        },
        skip_schema_validation: req.skip_schema_validation,
        include_crds: req.include_crds,
        render_only: req.render_only,
        one_shot: req.one_shot,
        ..Default::default()
    })?;
    if req.render_only {
        return Ok(TemplateOutput {
            release_name: name,
            per_file: rendered.per_file,
            warnings: rendered.warnings,
            ..Default::default()
        });
    }
    // `rel.Manifest` as Helm's install action builds it, printed trimmed;
    // then the hooks.
    let mut out = format!("{}\n", rendered.manifest.trim());
    if !req.no_hooks {
        for h in &rendered.hooks {
            if req.skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
    }
    let manifest = if req.show_only.is_empty() {
        out
    } else {
        show_only(&out, &req.show_only).map_err(|m| Error::new(ErrorKind::TemplateNotFound, m))?
    };
    Ok(TemplateOutput {
        release_name: name,
        manifest,
        per_file: BTreeMap::new(),
        notes: rendered.notes,
        hooks: rendered.hooks,
        manifests: rendered.manifests,
        crds: rendered.crds,
        warnings: rendered.warnings,
    })
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
