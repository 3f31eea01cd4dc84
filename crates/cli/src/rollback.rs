//! `capstan rollback RELEASE [REVISION]`: Helm's `rollback` command.

use capstan_lifecycle as lc;
use clap::Args;

use crate::cluster::{connect_bounded, runtime, Ctx};
use crate::flags::{dry_run_flag, duration, server_side_flag, wait_flag};

#[derive(Args, Debug)]
pub struct RollbackArgs {
    pub release: String,
    pub revision: Option<i64>,
    #[arg(long = "description")]
    pub description: Option<String>,
    #[arg(long = "force-replace")]
    pub force_replace: bool,
    #[arg(long = "force")]
    pub force: bool,
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    #[arg(long = "server-side")]
    pub server_side: Option<String>,
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    #[arg(long = "timeout", default_value = "5m0s", allow_hyphen_values = true)]
    pub timeout: String,
    #[arg(long = "wait", num_args = 0..=1, require_equals = true, default_missing_value = "watcher")]
    pub wait: Option<String>,
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    #[arg(long = "cleanup-on-fail")]
    pub cleanup_on_fail: bool,
    #[arg(
        long = "history-max",
        env = "HELM_MAX_HISTORY",
        default_value_t = 10,
        allow_hyphen_values = true
    )]
    pub history_max: i64,
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub dry_run: Option<String>,
    /// Print what the rollback will change first (as `capstan diff rollback` would);
    /// with --dry-run print only that report.
    #[arg(long = "diff")]
    pub diff: bool,
}

impl RollbackArgs {
    /// The library's options for these flags.
    fn options(&self) -> Result<lc::RollbackOptions, String> {
        Ok(lc::RollbackOptions {
            version: self.revision.unwrap_or(0),
            wait: lc::WaitSpec {
                strategy: wait_flag(self.wait.as_deref())?,
                for_jobs: self.wait_for_jobs,
                timeout: duration(&self.timeout)?,
            },
            no_hooks: self.no_hooks,
            force_replace: self.force_replace || self.force,
            force_conflicts: self.force_conflicts,
            server_side: server_side_flag(self.server_side.as_deref())?,
            cleanup_on_fail: self.cleanup_on_fail,
            dry_run: dry_run_flag(self.dry_run.as_deref())?,
            description: self.description.clone(),
            preview: self.diff.then(|| crate::diff::preview(self.report_only())),
        })
    }

    fn report_only(&self) -> bool {
        self.diff && dry_run_flag(self.dry_run.as_deref()).is_ok_and(|d| d.is_dry())
    }
}

pub fn run(a: &RollbackArgs, ctx: &Ctx) -> Result<String, String> {
    if (a.force_replace || a.force) && a.force_conflicts {
        return Err("invalid operation: force-conflicts can not be used with force-replace".into());
    }
    let opts = a.options()?;
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect_bounded(
            ctx,
            crate::flags::count(a.history_max),
            Some(opts.wait.timeout),
        )
        .await?;
        lc::rollback(&cfg, &a.release, &opts)
            .await
            .map_err(|e| e.to_string())?;
        if a.report_only() {
            return Ok(String::new());
        }
        Ok("Rollback was a success! Happy Helming!\n".to_string())
    })
}
