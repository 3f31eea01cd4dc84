//! `capstan status RELEASE`: Helm's `status` command.

use capstan_lifecycle as lc;
use capstan_printer::status::{self, Show, StatusOptions};
use capstan_printer::OutputFormat;
use clap::Args;

use crate::cluster::{connect, runtime, Ctx};
use crate::flags::output_format;

#[derive(Args, Debug)]
pub struct StatusArgs {
    pub release: String,
    #[arg(long = "revision", default_value_t = 0)]
    pub revision: i64,
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

pub fn run(a: &StatusArgs, ctx: &Ctx) -> Result<String, String> {
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        let rel = lc::status(&cfg, &a.release, a.revision)
            .await
            .map_err(|e| e.to_string())?;
        let format = output_format(&a.output)?;
        if format == OutputFormat::Table {
            // Helm 4 always shows the release's live objects in the table.
            let resources = lc::resources_block(&cfg, &rel)
                .await
                .map_err(|e| e.to_string())?;
            return Ok(status::table(
                &rel,
                Show {
                    resources: &resources,
                    ..Show::default()
                },
            ));
        }
        Ok(status::print(
            &rel,
            format,
            StatusOptions {
                strip_chart: true,
                ..StatusOptions::default()
            },
        )?)
    })
}
