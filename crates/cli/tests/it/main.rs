//! cli's integration tests, in one binary (one link instead of one per file).

mod architecture;
mod broken_charts;
mod corpus_hooks;
mod diff;
mod distribution;
mod distribution_errors;
mod examples;
mod interop_helm;
mod lifecycle;
mod naming;
mod reliability;
mod shared_scores;
mod snapshots;
