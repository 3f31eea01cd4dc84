//! capstan-chart (to be written)
