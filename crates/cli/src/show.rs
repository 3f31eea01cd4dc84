//! `capstan show chart|values|readme|crds|all CHART` over `action::show`;
//! the chart may be a reference (`oci://…`, `REPO/CHART`, `--repo URL`),
//! found and fetched as Helm's `LocateChart` does.

use action::show::ShowFormat;
use clap::{Args, Subcommand};

use crate::flags::ChartPathArgs;

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(subcommand)]
    pub what: ShowWhat,
}

/// The chart argument and the flags that locate it.
#[derive(Args, Debug)]
pub struct ShowChart {
    /// [CHART]
    pub chart: String,
    #[command(flatten)]
    pub chart_path: ChartPathArgs,
}

#[derive(Subcommand, Debug)]
pub enum ShowWhat {
    /// Show all information of the chart.
    All(ShowChart),
    /// Show the chart's definition.
    Chart(ShowChart),
    /// Show the chart's values.
    Values(ShowChart),
    /// Show the chart's README.
    Readme(ShowChart),
    /// Show the chart's CRDs.
    Crds(ShowChart),
}

pub fn run(a: &ShowArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    let (c, fmt) = match &a.what {
        ShowWhat::All(c) => (c, ShowFormat::All),
        ShowWhat::Chart(c) => (c, ShowFormat::Chart),
        ShowWhat::Values(c) => (c, ShowFormat::Values),
        ShowWhat::Readme(c) => (c, ShowFormat::Readme),
        ShowWhat::Crds(c) => (c, ShowFormat::Crds),
    };
    let path = c.chart_path.locate(&c.chart, settings)?;
    action::show::show(&path, fmt).map_err(String::from)
}
