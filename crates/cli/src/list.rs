//! `capstan list`: Helm's `list` command.

use capstan_lifecycle as lc;
use capstan_printer::table::{self, ListStyle};
use capstan_printer::OutputFormat;
use clap::Args;

use crate::cluster::{connect, runtime, Ctx};
use crate::flags::output_format;

#[derive(Args, Debug)]
pub struct ListArgs {
    #[arg(short = 'q', long = "short")]
    pub short: bool,
    #[arg(long = "no-headers")]
    pub no_headers: bool,
    #[arg(long = "time-format")]
    pub time_format: Option<String>,
    #[arg(short = 'd', long = "date")]
    pub date: bool,
    #[arg(short = 'r', long = "reverse")]
    pub reverse: bool,
    #[arg(long = "uninstalled")]
    pub uninstalled: bool,
    #[arg(long = "superseded")]
    pub superseded: bool,
    #[arg(long = "uninstalling")]
    pub uninstalling: bool,
    #[arg(long = "deployed")]
    pub deployed: bool,
    #[arg(long = "failed")]
    pub failed: bool,
    #[arg(long = "pending")]
    pub pending: bool,
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    #[arg(short = 'm', long = "max", default_value_t = 256)]
    pub max: usize,
    #[arg(long = "offset", default_value_t = 0)]
    pub offset: usize,
    #[arg(short = 'f', long = "filter")]
    pub filter: Option<String>,
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

impl ListArgs {
    /// The library's options for these flags.
    fn options(&self) -> lc::ListOptions {
        lc::ListOptions {
            states: lc::StateMask {
                deployed: self.deployed,
                failed: self.failed,
                pending: self.pending,
                superseded: self.superseded,
                uninstalled: self.uninstalled,
                uninstalling: self.uninstalling,
            },
            filter: self.filter.clone(),
            selector: self.selector.clone(),
            by_date: self.date,
            reverse: self.reverse,
            limit: self.max,
            offset: self.offset,
            all_namespaces: self.all_namespaces,
        }
    }
}

pub fn run(a: &ListArgs, ctx: &Ctx) -> Result<String, String> {
    let opts = a.options();
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        let rels = lc::list(&cfg, &opts).await.map_err(|e| e.to_string())?;
        if a.short {
            // capstan has always printed plain names for `-q` with a format
            // it does not know (Helm rejects the flag value up front).
            let format = OutputFormat::parse(&a.output).unwrap_or(OutputFormat::Table);
            return Ok(table::list_names(&rels, format)?);
        }
        let format = output_format(&a.output)?;
        let style = ListStyle {
            no_headers: a.no_headers,
            time_format: a.time_format.clone(),
        };
        Ok(table::list(&rels, &style, format)?)
    })
}
