//! `capstan history RELEASE`: Helm's `history` command.

use capstan_lifecycle as lc;
use clap::Args;

use crate::cluster::{connect, runtime, Ctx};
use crate::flags::output_format;

#[derive(Args, Debug)]
pub struct HistoryArgs {
    pub release: String,
    #[arg(long = "max", default_value_t = 256, allow_hyphen_values = true)]
    pub max: i64,
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

pub fn run(a: &HistoryArgs, ctx: &Ctx) -> Result<String, String> {
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        let hist = lc::history(&cfg, &a.release, crate::flags::count(a.max))
            .await
            .map_err(|e| e.to_string())?;
        let format = output_format(&a.output)?;
        Ok(capstan_printer::table::history(&hist, format)?)
    })
}
