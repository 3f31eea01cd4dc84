//! capstan-dist's integration tests: one binary, one module per area.

// The workspace calls this crate `dist`; so do the tests.
extern crate capstan_dist as dist;

mod deps;
mod oci;
mod provenance;
mod repo;
