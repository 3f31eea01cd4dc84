//! Masterminds/semver v3 as chart loading uses it (`version:` validation,
//! matching `charts/` subcharts to Chart.yaml dependencies): the one
//! implementation in `gostd::semver`, shared with Sprig's `semverCompare`.

pub use gostd::semver::{constraint_valid, is_compatible_range, is_strict_semver, Version};
