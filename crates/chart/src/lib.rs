//! capstan-chart: Helm v4.2.3's chart model, loader, dependency
//! processing, values coalescing, `--set` parsing and schema validation.
//!
//! # Pipeline (what `helm template/install` does, in order)
//!
//! ```text
//! let mut chart = chart::load("path/or/chart.tgz")?;            // loader
//! chart::check_dependencies(&chart)?;                            // CLI: missing charts/ deps
//! let user = chart::cli_values::ValueOptions { .. }.merge()?;   // -f/--set…
//! let warnings = chart::process_dependencies(&mut chart, &user)?; // conditions/tags/alias/import-values
//! let vals = chart::coalesce_values(&chart, &user)?;             // .Values of the top chart
//! chart::schema::validate_against_schema(&chart, &vals)?;       // unless skipped
//! ```
//!
//! Then for every chart in the tree (`chart.dependencies`, recursively):
//! its templates are named `chart.full_path() + "/" + file.name`
//! (`t/charts/sub/templates/x.yaml`); its `.Values` is the coalesced tree
//! scoped down by subchart names ([`values::scoped_values`]); its `.Chart`
//! is [`Metadata::to_value`] (Helm v4 hands templates a
//! `map[string]interface{}` with Go field names); `.Files` are
//! `chart.files`.  Library charts (`chart.is_library()`) are loaded and
//! coalesced like others; Helm renders only their partials.
//!
//! Values are [`gotmpl::Value`] trees: maps are `map[string]interface{}`,
//! numbers from YAML/JSON are `Float` (float64), `--set` integers are
//! `Int(_, Int64)`.

#![forbid(unsafe_code)]

pub mod chart;
pub mod cli_values;
pub mod deps;
pub mod error;
pub mod ignore;
pub mod loader;
pub mod metadata;
pub mod schema;
pub mod semver;
pub mod strvals;
pub mod values;
pub mod yamlbridge;

pub use chart::{Chart, File};
pub use deps::{check_dependencies, process_dependencies};
pub use error::{Error, ErrorKind};
pub use loader::{load, load_archive, load_dir, load_files, load_with};
pub use metadata::{Dependency, Lock, Maintainer, Metadata};
pub use values::{coalesce_values, coalesce_values_warn, load_values, merge_maps, Warnings};
