//! `capstan upgrade RELEASE CHART`: Helm's `upgrade` command (with
//! `--install`); the upgrade itself is `capstan_lifecycle`'s.

use capstan_lifecycle as lc;
use capstan_printer::status::{self, StatusOptions};
use capstan_printer::OutputFormat;
use clap::Args;

use crate::cluster::{connect_bounded, runtime, Ctx};
use crate::flags::{output_format, DeployArgs};

#[derive(Args, Debug)]
pub struct UpgradeArgs {
    pub release: String,
    pub chart: String,
    /// Install the release when it does not exist.
    #[arg(short = 'i', long = "install")]
    pub install: bool,
    /// Reset the values to the ones built into the chart.
    #[arg(long = "reset-values")]
    pub reset_values: bool,
    /// Reuse the last release's values and merge in any overrides.
    #[arg(long = "reuse-values")]
    pub reuse_values: bool,
    /// Reset to the chart's values, then merge the last release's and the overrides.
    #[arg(long = "reset-then-reuse-values")]
    pub reset_then_reuse_values: bool,
    /// Delete new resources created in this upgrade when it fails.
    #[arg(long = "cleanup-on-fail")]
    pub cleanup_on_fail: bool,
    /// Limit the number of revisions kept per release (0 = no limit).
    #[arg(
        long = "history-max",
        env = "HELM_MAX_HISTORY",
        default_value_t = 10,
        allow_hyphen_values = true
    )]
    pub history_max: i64,
    #[command(flatten)]
    pub deploy: DeployArgs,
}

impl UpgradeArgs {
    /// The library's options for these flags.
    fn options(&self, chart: String) -> Result<lc::UpgradeOptions, String> {
        let d = &self.deploy;
        Ok(lc::UpgradeOptions {
            name: self.release.clone(),
            deploy: d.options(chart)?,
            install: self.install,
            reuse_values: self.reuse_values,
            reset_values: self.reset_values,
            reset_then_reuse_values: self.reset_then_reuse_values,
            cleanup_on_fail: self.cleanup_on_fail,
            server_side: d.server_side()?,
        })
    }
}

pub fn run(a: &UpgradeArgs, ctx: &Ctx, settings: &dist::paths::Settings) -> Result<String, String> {
    let d = &a.deploy;
    d.check()?;
    // LocateChart (a download for chart references) before the cluster
    // is contacted, outside the async runtime; Helm returns its errors
    // unwrapped.
    let chart = d.chart_path.locate(&a.chart, settings)?;
    let opts = a.options(chart)?;
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect_bounded(
            ctx,
            crate::flags::count(a.history_max),
            Some(opts.deploy.wait.timeout),
        )
        .await?;
        let up = lc::upgrade(&cfg, &opts)
            .await
            .map_err(|e| format!("UPGRADE FAILED: {e}"))?;
        if d.report_only() {
            return Ok(String::new());
        }
        let format = output_format(&d.output)?;
        let mut out = String::new();
        if format == OutputFormat::Table {
            if up.installed {
                out.push_str(&format!(
                    "Release {:?} does not exist. Installing it now.\n",
                    a.release
                ));
            } else {
                out.push_str(&format!(
                    "Release {:?} has been upgraded. Happy Helming!\n",
                    a.release
                ));
            }
        }
        out.push_str(&status::print(
            &up.release,
            format,
            StatusOptions {
                hide_notes: d.hide_notes,
                debug: ctx.debug,
                strip_chart: false,
            },
        )?);
        Ok(out)
    })
}
