//! capstan-yaml (to be written)
