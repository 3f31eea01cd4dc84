//! Provenance files (pkg/provenance): OpenPGP clearsigned chart metadata
//! plus the archive's sha256, made by `package --sign` and checked by
//! `verify` and `--verify`.
//!
//! Being written; until then these fail with "not implemented yet".
