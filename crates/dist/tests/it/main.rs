//! capstan-dist's integration tests (one binary for the crate).

// The crate is `dist` everywhere else in the workspace.
extern crate capstan_dist as dist;

mod provenance;
