//! `capstan show chart|values|readme|crds|all CHART` over `action::show`.

use action::show::ShowFormat;
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(subcommand)]
    pub what: ShowWhat,
}

#[derive(Subcommand, Debug)]
pub enum ShowWhat {
    /// Show all information of the chart.
    All { chart: String },
    /// Show the chart's definition.
    Chart { chart: String },
    /// Show the chart's values.
    Values { chart: String },
    /// Show the chart's README.
    Readme { chart: String },
    /// Show the chart's CRDs.
    Crds { chart: String },
}

pub fn run(a: &ShowArgs) -> Result<String, String> {
    let (chart, fmt) = match &a.what {
        ShowWhat::All { chart } => (chart, ShowFormat::All),
        ShowWhat::Chart { chart } => (chart, ShowFormat::Chart),
        ShowWhat::Values { chart } => (chart, ShowFormat::Values),
        ShowWhat::Readme { chart } => (chart, ShowFormat::Readme),
        ShowWhat::Crds { chart } => (chart, ShowFormat::Crds),
    };
    action::show::show(chart, fmt).map_err(String::from)
}
