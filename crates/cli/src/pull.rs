//! `capstan pull` (alias `fetch`): Helm's `pull` command over
//! `dist::downloader::pull` — download a chart from a registry, a
//! repository or a URL, optionally with its provenance, optionally
//! unpacked.

use clap::Args;

use crate::flags::ChartPathArgs;

#[derive(Args, Debug)]
pub struct PullArgs {
    /// [chart URL | repo/chartname] [...]
    #[arg(required = true)]
    pub charts: Vec<String>,
    /// If set to true, will untar the chart after downloading it.
    #[arg(long = "untar")]
    pub untar: bool,
    /// Fetch the provenance file, but don't perform verification.
    #[arg(long = "prov")]
    pub prov: bool,
    /// If untar is specified, this flag specifies the name of the directory
    /// into which the chart is expanded.
    #[arg(long = "untardir", default_value = ".")]
    pub untardir: String,
    /// Location to write the chart. If this and untardir are specified,
    /// untardir is appended to this.
    #[arg(short = 'd', long = "destination", default_value = ".")]
    pub destination: String,
    /// Maximum size for a decompressed chart (accepted; capstan's limit is
    /// Helm's default).
    #[arg(long = "max-chart-size", hide = true)]
    pub max_chart_size: Option<String>,
    /// Maximum size for a single file in a chart (accepted; capstan's
    /// limit is Helm's default).
    #[arg(long = "max-file-size", hide = true)]
    pub max_file_size: Option<String>,
    #[command(flatten)]
    pub chart_path: ChartPathArgs,
}

pub fn run(a: &PullArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    let opts = dist::downloader::PullOptions {
        chart: a.chart_path.options(),
        prov: a.prov,
        untar: a.untar,
        untar_dir: a.untardir.clone(),
        dest_dir: a.destination.clone(),
    };
    // Messages (the registry's `Pulled:`/`Digest:` lines, warnings,
    // `--verify`'s report) go to stdout as they happen, as Helm prints them.
    let mut out = std::io::stdout().lock();
    for chart in &a.charts {
        dist::downloader::pull(settings, &opts, chart, &mut out)?;
    }
    Ok(String::new())
}
