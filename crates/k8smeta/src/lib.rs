//! Kubernetes facts that need no client, shared by the renderer, the
//! linter and the cluster layer: Helm's kind orders ([`kinds`]), name
//! rules with apimachinery's wording ([`names`]) and the API deprecation
//! table Helm's linter uses ([`deprecations`]).
//!
//! This crate sits low in the graph and depends on nothing, so that the
//! cluster layer (`capstan-kube`) need not depend on the render engine
//! for a constant.

#![forbid(unsafe_code)]

pub mod deprecations;
pub mod kinds;
pub mod names;

pub use names::validate_release_name;
