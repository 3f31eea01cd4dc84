//! `capstan dependency list CHART` over `action::dependency`.

use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct DependencyArgs {
    #[command(subcommand)]
    pub what: DependencyWhat,
}

#[derive(Subcommand, Debug)]
pub enum DependencyWhat {
    /// List the dependencies for the given chart.
    #[command(alias = "ls")]
    List {
        /// Chart directory (default: the current directory).
        #[arg(default_value = ".")]
        chart: String,
        /// Maximum column width for output table.
        #[arg(long = "max-col-width", default_value_t = 80)]
        max_col_width: usize,
    },
}

pub fn run(a: &DependencyArgs) -> Result<String, String> {
    match &a.what {
        DependencyWhat::List {
            chart,
            max_col_width,
        } => action::dependency::list(chart, *max_col_width).map_err(String::from),
    }
}
