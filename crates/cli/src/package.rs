//! `capstan package CHART…` over `action::package`.

use clap::Args;

#[derive(Args, Debug)]
pub struct PackageArgs {
    /// Chart directories to package.
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// Location to write the chart.
    #[arg(short = 'd', long = "destination", default_value = ".")]
    pub destination: String,
    /// Set the version on the chart to this semver version.
    #[arg(long = "version")]
    pub version: Option<String>,
    /// Set the appVersion on the chart to this version.
    #[arg(long = "app-version")]
    pub app_version: Option<String>,
    /// Update dependencies from Chart.yaml to charts/ before packaging.
    #[arg(short = 'u', long = "dependency-update")]
    pub dependency_update: bool,
}

pub fn run(a: &PackageArgs) -> Result<String, String> {
    use std::io::Write;
    for p in &a.paths {
        let req = action::package::PackageRequest {
            path: p.clone(),
            destination: a.destination.clone(),
            version: a.version.clone(),
            app_version: a.app_version.clone(),
            dependency_update: a.dependency_update,
        };
        let out = action::package::package(&req)?;
        // Printed as each chart is done, as Helm does.
        let mut so = std::io::stdout().lock();
        let _ = writeln!(
            so,
            "Successfully packaged chart and saved it to: {}",
            out.display()
        );
    }
    Ok(String::new())
}
