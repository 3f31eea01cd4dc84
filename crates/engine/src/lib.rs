//! capstan-engine (to be written)
