//! Provenance files (pkg/provenance): OpenPGP clearsigned chart metadata
//! plus the archive's sha256, made by `package --sign` and checked by
//! `verify` and `--verify`.
//!
//! Being written; until then these fail with "not implemented yet".

use std::path::Path;

use crate::error::Error;

/// `package --sign`: clearsigns the archive's metadata and sha256 with the
/// key named `key` (a user-id substring) from the binary `keyring`
/// (`gpg --export-secret-keys`), writing `ARCHIVE.prov` atomically.
/// `passphrase`: from `--passphrase-file` (None = unencrypted key).
pub fn sign_archive(
    _archive: &Path,
    _key: &str,
    _keyring: &Path,
    _passphrase: Option<&str>,
) -> Result<(), Error> {
    Err(Error::input("package --sign: not implemented yet"))
}

/// What `verify` learned: printed as `Signed by: …`, `Using Key With
/// Fingerprint: …`, `Chart Hash Verified: …`.
#[derive(Clone, Debug)]
pub struct Verification {
    pub signed_by: Vec<String>,
    pub fingerprint: String,
    pub file_hash: String,
}

/// `verify ARCHIVE --keyring PUBRING` (and `--verify` on pull/install):
/// checks `ARCHIVE.prov` (or `prov` when given) against the keyring.
pub fn verify_archive(
    _archive: &Path,
    _prov: Option<&[u8]>,
    _keyring: &Path,
) -> Result<Verification, Error> {
    Err(Error::input("verify: not implemented yet"))
}
