//! capstan-dist's integration tests, in one binary (one link instead of
//! one per file).

extern crate capstan_dist as dist;

mod deps;
mod repo;
