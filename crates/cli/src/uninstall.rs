//! `capstan uninstall RELEASE...`: Helm's `uninstall` command.

use capstan_lifecycle as lc;
use clap::Args;

use crate::cluster::{connect_bounded, runtime, Ctx};
use crate::flags::{duration, wait_flag};

#[derive(Args, Debug)]
pub struct UninstallArgs {
    #[arg(required = true)]
    pub releases: Vec<String>,
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    #[arg(long = "ignore-not-found")]
    pub ignore_not_found: bool,
    #[arg(long = "keep-history")]
    pub keep_history: bool,
    #[arg(long = "cascade", default_value = "background")]
    pub cascade: String,
    #[arg(long = "timeout", default_value = "5m0s", allow_hyphen_values = true)]
    pub timeout: String,
    #[arg(long = "wait", num_args = 0..=1, require_equals = true, default_missing_value = "watcher")]
    pub wait: Option<String>,
    #[arg(long = "description")]
    pub description: Option<String>,
}

impl UninstallArgs {
    /// The library's options for these flags.
    fn options(&self) -> Result<lc::UninstallOptions, String> {
        Ok(lc::UninstallOptions {
            keep_history: self.keep_history,
            no_hooks: self.no_hooks,
            dry_run: self.dry_run,
            ignore_not_found: self.ignore_not_found,
            wait: wait_flag(self.wait.as_deref())?,
            timeout: duration(&self.timeout)?,
            cascade: lc::parse_cascade(&self.cascade)?,
            description: self.description.clone(),
        })
    }
}

pub fn run(a: &UninstallArgs, ctx: &Ctx) -> Result<String, String> {
    let opts = a.options()?;
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect_bounded(ctx, 0, Some(opts.timeout)).await?;
        let mut out = String::new();
        for name in &a.releases {
            let res = lc::uninstall(&cfg, name, &opts)
                .await
                .map_err(|e| e.to_string())?;
            if !res.info.is_empty() {
                out.push_str(&res.info);
                out.push('\n');
            }
            out.push_str(&format!("release {name:?} uninstalled\n"));
        }
        Ok(out)
    })
}
