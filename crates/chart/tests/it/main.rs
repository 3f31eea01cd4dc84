//! chart's integration tests, in one binary (one link instead of one per file).

mod archive;
mod chart;
mod schema_quick;
mod strvals;
