//! `capstan test RELEASE`: Helm's `test` command.

use capstan_lifecycle as lc;
use capstan_printer::status::{self, Show};
use clap::Args;

use crate::cluster::{connect_bounded, runtime, Ctx};
use crate::flags::duration;

#[derive(Args, Debug)]
pub struct TestArgs {
    pub release: String,
    #[arg(long = "timeout", default_value = "5m0s", allow_hyphen_values = true)]
    pub timeout: String,
    /// Dump the logs from test pods.
    #[arg(long = "logs")]
    pub logs: bool,
    /// name=NAME to include, !name=NAME to exclude (repeatable).
    #[arg(long = "filter", value_delimiter = ',')]
    pub filter: Vec<String>,
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
}

impl TestArgs {
    /// The library's options: `--filter name=X` includes, `!name=X` excludes.
    fn options(&self) -> Result<lc::TestOptions, String> {
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for f in &self.filter {
            if let Some(n) = f.strip_prefix("!name=") {
                exclude.push(n.to_string());
            } else if let Some(n) = f.strip_prefix("name=") {
                include.push(n.to_string());
            }
        }
        Ok(lc::TestOptions {
            timeout: duration(&self.timeout)?,
            include,
            exclude,
        })
    }
}

pub fn run(a: &TestArgs, ctx: &Ctx) -> Result<String, String> {
    let opts = a.options()?;
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect_bounded(ctx, 0, Some(opts.timeout)).await?;
        // Helm prints the status (and then the logs) even when a test fails.
        let (rel, err) = match lc::test(&cfg, &a.release, &opts).await {
            Ok(rel) => (rel, None),
            Err(e) => match e.release.clone() {
                Some(rel) => (*rel, Some(e.to_string())),
                None => return Err(e.to_string()),
            },
        };
        let mut out = status::table(
            &rel,
            Show {
                hide_notes: a.hide_notes,
                ..Show::default()
            },
        );
        if a.logs {
            out.push('\n');
            for (pod, log) in lc::test_logs(&cfg, &rel, &opts)
                .await
                .map_err(|e| e.to_string())?
            {
                out.push_str(&format!("POD LOGS: {pod}\n{log}\n"));
            }
        }
        match err {
            None => Ok(out),
            Some(e) => {
                print!("{out}");
                Err(e)
            }
        }
    })
}
