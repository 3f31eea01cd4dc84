//! `capstan lint [CHART…]` over `action::lint`.

use clap::Args;

use crate::ValueArgs;

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Chart paths (default: the current directory).
    pub paths: Vec<String>,
    #[command(flatten)]
    pub values: ValueArgs,
    /// Fail on lint warnings.
    #[arg(long)]
    pub strict: bool,
    /// Lint dependent charts.
    #[arg(long = "with-subcharts")]
    pub with_subcharts: bool,
    /// Print only warnings and errors.
    #[arg(long)]
    pub quiet: bool,
    /// Disable JSON schema validation.
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// Kubernetes version used for capabilities and deprecation checks.
    #[arg(long = "kube-version")]
    pub kube_version: Option<String>,
}

/// Prints the report itself; `Err` carries Helm's failure summary.
pub fn run(a: &LintArgs, namespace: &str) -> Result<String, String> {
    let req = action::lint::LintRequest {
        paths: a.paths.clone(),
        values: a.values.to_options(),
        namespace: namespace.to_string(),
        strict: a.strict,
        with_subcharts: a.with_subcharts,
        quiet: a.quiet,
        kube_version: a.kube_version.clone(),
        skip_schema_validation: a.skip_schema_validation,
    };
    let out = action::lint::run(&req)?;
    match out.result {
        Ok(()) => Ok(out.stdout),
        Err(summary) => {
            use std::io::Write;
            let mut so = std::io::stdout().lock();
            let _ = so.write_all(out.stdout.as_bytes());
            let _ = so.flush();
            Err(summary)
        }
    }
}
