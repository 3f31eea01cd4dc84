//! `capstan install [NAME] CHART`: Helm's `install` command — name
//! resolution and the install itself are `capstan_lifecycle`'s.

use capstan_lifecycle as lc;
use capstan_printer::status::{self, StatusOptions};
use clap::Args;

use crate::cluster::{connect_bounded, runtime, Ctx};
use crate::flags::{output_format, DeployArgs};

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// [NAME] CHART
    #[arg(num_args = 1..=2, required = true)]
    pub args: Vec<String>,
    /// Generate the name (and omit the NAME parameter).
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// Re-use the given name if it belongs to a failed or uninstalled release.
    #[arg(long = "replace")]
    pub replace: bool,
    /// A Go template (with Sprig) that names the release.
    #[arg(long = "name-template")]
    pub name_template: Option<String>,
    #[command(flatten)]
    pub deploy: DeployArgs,
}

impl InstallArgs {
    /// The library's options, once the name and chart are known.
    fn options(&self, name: String, chart: String) -> Result<lc::InstallOptions, String> {
        Ok(lc::InstallOptions {
            name,
            deploy: self.deploy.options(chart)?,
            replace: self.replace,
            server_side: self.deploy.server_side()?.unwrap_or(true),
        })
    }
}

pub fn run(a: &InstallArgs, ctx: &Ctx, settings: &dist::paths::Settings) -> Result<String, String> {
    let d = &a.deploy;
    d.check()?;
    // Helm's runInstall: NameAndChart first; its errors are install failures.
    let (name, chart) = lc::name_and_chart(
        &a.args,
        &lc::NameOptions {
            default_name: None,
            generate_name: a.generate_name,
            name_template: a.name_template.clone(),
        },
    )
    .map_err(|e| format!("INSTALLATION FAILED: {e}"))?;
    // LocateChart (a download for chart references) happens before the
    // cluster is contacted, outside the async runtime.
    let chart = d
        .chart_path
        .locate(&chart, settings)
        .map_err(|e| format!("INSTALLATION FAILED: {e}"))?;
    let opts = a.options(name, chart)?;
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect_bounded(ctx, 0, Some(opts.deploy.wait.timeout)).await?;
        let rel = lc::install(&cfg, &opts)
            .await
            .map_err(|e| format!("INSTALLATION FAILED: {e}"))?;
        if d.report_only() {
            return Ok(String::new());
        }
        let format = output_format(&d.output)?;
        Ok(status::print(
            &rel,
            format,
            StatusOptions {
                hide_notes: d.hide_notes,
                debug: ctx.debug,
                strip_chart: false,
            },
        )?)
    })
}
