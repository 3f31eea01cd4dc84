//! Provenance files (pkg/provenance): an OpenPGP clearsigned message whose
//! body is the chart's metadata (sigs.k8s.io/yaml of `chart.Metadata`),
//! `...`, and the archive's sha256 — made by `package --sign`, checked by
//! `verify` and `--verify`.  rpgp does the cryptography; this module only
//! builds Helm's message and reproduces its policy and error texts, so a
//! `.prov` made here verifies with Helm and Helm's verify here.

use std::path::Path;

use pgp::composed::cleartext::CleartextSignedMessage;
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::types::PublicKeyTrait;
use pgp::{ArmorOptions, SignedPublicKey, SignedSecretKey};

use crate::error::{Error, ErrorKind};
use crate::fsutil::write_atomic;
use crate::http::gostd_io;

fn integrity(m: impl Into<String>) -> Error {
    Error::new(ErrorKind::Integrity, m)
}

/// One keyring entry: its primary key as public, its secret form when
/// the keyring holds one, its user ids.
struct Entity {
    public: SignedPublicKey,
    secret: Option<SignedSecretKey>,
    identities: Vec<String>,
}

/// Go's `openpgp.ReadKeyRing` of a binary keyring (`gpg --export` /
/// `--export-secret-keys`); armored keyrings are accepted too.
fn load_keyring(path: &Path) -> Result<Vec<Entity>, Error> {
    let data = std::fs::read(path)
        .map_err(|e| Error::io(format!("open {}: {}", path.display(), gostd_io(&e))))?;
    let items: Vec<pgp::PublicOrSecret> = if data.starts_with(b"-----BEGIN") {
        let (it, _) = pgp::composed::signed_key::from_armor_many(std::io::Cursor::new(&data))
            .map_err(|e| integrity(format!("openpgp: invalid data: {e}")))?;
        it.collect::<Result<_, _>>()
            .map_err(|e| integrity(format!("openpgp: invalid data: {e}")))?
    } else {
        pgp::composed::signed_key::from_bytes_many(std::io::Cursor::new(&data))
            .collect::<Result<_, _>>()
            .map_err(|e| integrity(format!("openpgp: invalid data: {e}")))?
    };
    let mut out = Vec::new();
    for item in items {
        let (public, secret) = match item {
            pgp::PublicOrSecret::Public(p) => (p, None),
            pgp::PublicOrSecret::Secret(s) => (SignedPublicKey::from(s.clone()), Some(s)),
        };
        let identities = public
            .details
            .users
            .iter()
            .map(|u| String::from_utf8_lossy(u.id.id()).into_owned())
            .collect();
        out.push(Entity {
            public,
            secret,
            identities,
        });
    }
    Ok(out)
}

/// Helm's message block: metadata YAML, `\n...\n`, then `files:` with the
/// archive's `sha256:HEX` under its base name.
pub fn message_block(
    archive: &[u8],
    filename: &str,
    metadata: &chart::Metadata,
) -> Result<String, Error> {
    let json = metadata.go_json();
    let v = yaml::json::decode(&json).map_err(Error::input)?;
    let mut body = yaml::to_yaml(&v).map_err(|e| Error::input(e.to_string()))?;
    body.push_str("\n...\n");
    let mut files = gotmpl::MapInner::new();
    files.insert(
        filename.to_string(),
        gotmpl::Value::str(&format!("sha256:{}", crate::sha256_hex(archive))),
    );
    let mut sums = gotmpl::MapInner::new();
    sums.insert("files".into(), gotmpl::Value::map(files));
    body.push_str(
        &yaml::to_yaml(&gotmpl::Value::map(sums)).map_err(|e| Error::input(e.to_string()))?,
    );
    Ok(body)
}

/// `package --sign`: clearsigns the archive's metadata and sha256 with the
/// key whose user id is or contains `key`, from the binary `keyring`
/// (`gpg --export-secret-keys`), writing `ARCHIVE.prov` atomically.
/// `passphrase`: from `--passphrase-file` (None = unencrypted key).
pub fn sign_archive(
    archive: &Path,
    key: &str,
    keyring: &Path,
    passphrase: Option<&str>,
) -> Result<(), Error> {
    let ring = load_keyring(keyring)?;
    let entity = find_entity(&ring, key)?.ok_or_else(|| Error::input("private key not found"))?;
    let secret = entity.secret.as_ref().ok_or_else(|| {
        Error::input("provided key is not a private key. Try providing a keyring with secret keys")
    })?;
    let data = std::fs::read(archive)
        .map_err(|e| Error::io(format!("open {}: {}", archive.display(), gostd_io(&e))))?;
    let chart = chart::load_archive(&data)?;
    let filename = archive
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = message_block(&data, &filename, &chart.metadata)?;
    let prov = clearsign(&text, secret, passphrase.unwrap_or(""))?;
    let mut target = archive.as_os_str().to_owned();
    target.push(".prov");
    write_atomic(Path::new(&target), prov.as_bytes(), 0o644)
}

/// Go's `NewFromKeyring(keyring, id)`: an exact user id wins, else the one
/// entity whose user id contains `id` (more than one is an error).
fn find_entity<'a>(ring: &'a [Entity], id: &str) -> Result<Option<&'a Entity>, Error> {
    let mut candidate = None;
    let mut vague = false;
    for e in ring {
        for n in &e.identities {
            if n == id {
                return Ok(Some(e));
            }
            if n.contains(id) {
                if candidate.is_some() {
                    vague = true;
                }
                candidate = Some(e);
            }
        }
    }
    if vague {
        return Err(Error::input(format!(
            "more than one key contain the id {}",
            gostd::strconv::quote(id)
        )));
    }
    Ok(candidate)
}

/// OpenPGP clearsign with SHA-512 (Helm's `defaultPGPConfig`), armored as
/// Go's clearsign writes it: no armor checksum, no newline after the end
/// line.
fn clearsign(text: &str, key: &SignedSecretKey, passphrase: &str) -> Result<String, Error> {
    let mut config = SignatureConfig::v4(
        SignatureType::Text,
        key.algorithm(),
        HashAlgorithm::SHA2_512,
    );
    config.hashed_subpackets = vec![
        Subpacket::regular(SubpacketData::SignatureCreationTime(chrono_now_seconds())),
        Subpacket::regular(SubpacketData::IssuerFingerprint(key.fingerprint())),
    ];
    config.unhashed_subpackets = vec![Subpacket::regular(SubpacketData::Issuer(key.key_id()))];
    let pw = passphrase.to_string();
    let msg = CleartextSignedMessage::new(text, config, key, move || pw)
        .map_err(|e| Error::input(format!("failed to either sign or armor message block: {e}")))?;
    let out = msg
        .to_armored_string(ArmorOptions {
            headers: None,
            include_checksum: false,
        })
        .map_err(|e| Error::input(format!("failed to either sign or armor message block: {e}")))?;
    Ok(out.trim_end_matches('\n').to_string())
}

fn chrono_now_seconds() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(0)
}

/// What `verify` learned: printed as `Signed by: …`, `Using Key With
/// Fingerprint: …`, `Chart Hash Verified: …`.
#[derive(Clone, Debug)]
pub struct Verification {
    pub signed_by: Vec<String>,
    /// Upper-case hex of the signer's primary key fingerprint.
    pub fingerprint: String,
    /// `sha256:HEX` of the archive.
    pub file_hash: String,
}

impl Verification {
    /// `helm verify`'s output.
    pub fn report(&self) -> String {
        let mut s = String::new();
        for n in &self.signed_by {
            s.push_str(&format!("Signed by: {n}\n"));
        }
        s.push_str(&format!(
            "Using Key With Fingerprint: {}\n",
            self.fingerprint
        ));
        s.push_str(&format!("Chart Hash Verified: {}\n", self.file_hash));
        s
    }
}

/// Helm's `VerifyChart(path, provfile, keyring)`: `ARCHIVE.prov` (or `prov`
/// when the caller fetched it) checked against `keyring`.
pub fn verify_archive(
    archive: &Path,
    prov: Option<&[u8]>,
    keyring: &Path,
) -> Result<Verification, Error> {
    match std::fs::metadata(archive) {
        Err(e) => {
            return Err(Error::io(format!(
                "stat {}: {}",
                archive.display(),
                gostd_io(&e)
            )))
        }
        Ok(m) if m.is_dir() => return Err(Error::input("unpacked charts cannot be verified")),
        Ok(_) => {}
    }
    let is_tgz = archive
        .extension()
        .map(|e| e.to_string_lossy().eq_ignore_ascii_case("tgz"))
        .unwrap_or(false);
    if !is_tgz {
        return Err(Error::input("chart must be a tgz file"));
    }
    let mut prov_path = archive.as_os_str().to_owned();
    prov_path.push(".prov");
    let prov_data = match prov {
        Some(p) => p.to_vec(),
        None => std::fs::read(&prov_path).map_err(|e| {
            Error::io(format!(
                "could not load provenance file {}: stat {}: {}",
                Path::new(&prov_path).display(),
                Path::new(&prov_path).display(),
                gostd_io(&e)
            ))
        })?,
    };
    let ring = load_keyring(keyring).map_err(|e| e.wrap("failed to load keyring"))?;
    let data = std::fs::read(archive)
        .map_err(|e| Error::io(format!("open {}: {}", archive.display(), gostd_io(&e))))?;
    let filename = archive
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    verify_bytes(&data, &prov_data, &filename, &ring)
}

fn verify_bytes(
    archive: &[u8],
    prov: &[u8],
    filename: &str,
    ring: &[Entity],
) -> Result<Verification, Error> {
    let text = String::from_utf8_lossy(prov);
    let msg = match CleartextSignedMessage::from_string(&text) {
        Ok((m, _)) => m,
        Err(_) => return Err(integrity("signature block not found")),
    };
    let signer = ring
        .iter()
        .find(|e| {
            msg.verify(&e.public.primary_key).is_ok()
                || e.public
                    .public_subkeys
                    .iter()
                    .any(|k| msg.verify(&k.key).is_ok())
        })
        .ok_or_else(|| integrity("openpgp: signature made by unknown entity"))?;
    let sum = format!("sha256:{}", crate::sha256_hex(archive));
    let plain = msg.signed_text();
    let plain = plain.replace("\r\n", "\n");
    let Some((_, sums)) = plain.split_once("\n...\n") else {
        return Err(integrity("message block must have at least two parts"));
    };
    let files = yaml::from_yaml(sums).map_err(|e| integrity(e.to_string()))?;
    let listed = match &files {
        gotmpl::Value::Map(m) => match m.get("files") {
            Some(gotmpl::Value::Map(f)) => f.get(filename).and_then(|v| match v {
                gotmpl::Value::String(s) => Some(s.to_string()),
                _ => None,
            }),
            _ => None,
        },
        _ => None,
    };
    match listed {
        None => Err(integrity(format!(
            "provenance does not contain a SHA for a file named {}",
            gostd::strconv::quote(filename)
        ))),
        Some(sha) if sha != sum => Err(integrity(format!(
            "sha256 sum does not match for {filename}: {} != {}",
            gostd::strconv::quote(&sha),
            gostd::strconv::quote(&sum)
        ))),
        Some(_) => Ok(Verification {
            signed_by: signer.identities.clone(),
            fingerprint: crate::hex(signer.public.primary_key.fingerprint().as_bytes())
                .to_uppercase(),
            file_hash: sum,
        }),
    }
}

/// Helm's default keyring (pkg/cmd `defaultKeyring`):
/// `$GNUPGHOME/pubring.gpg`, else `~/.gnupg/pubring.gpg`.
pub fn default_keyring() -> std::path::PathBuf {
    match std::env::var("GNUPGHOME").ok().filter(|v| !v.is_empty()) {
        Some(g) => Path::new(&g).join("pubring.gpg"),
        None => {
            let home = std::env::var("HOME").unwrap_or_default();
            Path::new(&home).join(".gnupg").join("pubring.gpg")
        }
    }
}
