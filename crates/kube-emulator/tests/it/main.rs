//! kube-emulator's integration tests, in one binary (one link instead of one per file).

mod common;

mod api;
mod real_clients;
