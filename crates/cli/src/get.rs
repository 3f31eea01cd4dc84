//! `capstan get all|hooks|manifest|notes|metadata|values RELEASE`: Helm's
//! `get` commands; the views are `capstan_release`'s, the printers
//! `capstan_printer::get`'s.

use capstan_lifecycle as lc;
use capstan_printer::get as printer;
use capstan_printer::status::{self, Show};
use clap::{Args, Subcommand};

use crate::cluster::{connect, runtime, Ctx};
use crate::flags::output_format;

#[derive(Args, Debug)]
pub struct GetArgs {
    #[command(subcommand)]
    pub what: GetWhat,
}

#[derive(Args, Debug)]
pub struct GetCommon {
    pub release: String,
    #[arg(long = "revision", default_value_t = 0)]
    pub revision: i64,
}

#[derive(Subcommand, Debug)]
pub enum GetWhat {
    /// Download all information for a named release.
    All {
        #[command(flatten)]
        c: GetCommon,
        /// Go template for formatting the output (accepted; not supported yet).
        #[arg(long = "template")]
        template: Option<String>,
    },
    /// Download all hooks for a named release.
    Hooks {
        #[command(flatten)]
        c: GetCommon,
    },
    /// Download the manifest for a named release.
    Manifest {
        #[command(flatten)]
        c: GetCommon,
    },
    /// Download the notes for a named release.
    Notes {
        #[command(flatten)]
        c: GetCommon,
    },
    /// Fetch metadata for a given release.
    Metadata {
        #[command(flatten)]
        c: GetCommon,
        #[arg(short = 'o', long = "output", default_value = "table")]
        output: String,
    },
    /// Download the values file for a named release.
    Values {
        #[command(flatten)]
        c: GetCommon,
        /// Dump all (computed) values.
        #[arg(short = 'a', long = "all")]
        all: bool,
        #[arg(short = 'o', long = "output", default_value = "table")]
        output: String,
    },
}

impl GetWhat {
    fn common(&self) -> &GetCommon {
        match self {
            GetWhat::All { c, .. }
            | GetWhat::Hooks { c }
            | GetWhat::Manifest { c }
            | GetWhat::Notes { c }
            | GetWhat::Metadata { c, .. }
            | GetWhat::Values { c, .. } => c,
        }
    }
}

pub fn run(a: &GetArgs, ctx: &Ctx) -> Result<String, String> {
    let c = a.what.common();
    let rt = runtime()?;
    let rel = rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        lc::get(&cfg, &c.release, c.revision)
            .await
            .map_err(|e| e.to_string())
    })?;
    match &a.what {
        GetWhat::Manifest { .. } => Ok(printer::manifest(&rel)),
        GetWhat::Notes { .. } => Ok(printer::notes(&rel)),
        GetWhat::Hooks { .. } => Ok(printer::hooks(&rel)),
        GetWhat::Values { all, output, .. } => {
            let v = if *all {
                capstan_release::computed_values(&rel)
            } else {
                rel.config_json()
            };
            Ok(printer::values(&v, *all, output_format(output)?)?)
        }
        GetWhat::Metadata { output, .. } => {
            let m = capstan_release::Metadata::of(&rel);
            Ok(printer::metadata(&m, output_format(output)?)?)
        }
        GetWhat::All { template, .. } => {
            if let Some(t) = template {
                return Ok(printer::release_template(&rel, t)?);
            }
            // Helm: the status printer with debug and chart metadata on.
            Ok(status::table(
                &rel,
                Show {
                    debug: true,
                    metadata: true,
                    ..Show::default()
                },
            ))
        }
    }
}
