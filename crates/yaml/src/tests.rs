//! Unit tests of the public API (expectations confirmed against Helm).
use super::*;
