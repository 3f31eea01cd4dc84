//! `package --sign` / `verify` round trips with a real OpenPGP key made by
//! GnuPG (as Helm users make theirs), and Helm's refusals.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Keys {
    _dir: tempfile::TempDir,
    secring: PathBuf,
    pubring: PathBuf,
}

/// A fresh RSA key exported as binary keyrings, or None without `gpg`.
fn keys() -> Option<Keys> {
    if Command::new("gpg").arg("--version").output().is_err() {
        capstan_testkit::skip("gpg is not installed: provenance tests need a key made by GnuPG");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("gnupg");
    std::fs::create_dir(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .env("GNUPGHOME", &home)
            .arg("--batch")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        "Capstan Test <capstan-test@example.com>",
        "rsa2048",
        "sign",
        "never",
    ]);
    let secring = dir.path().join("secring.gpg");
    let pubring = dir.path().join("pubring.gpg");
    std::fs::write(&secring, gpg(&["--export-secret-keys"])).unwrap();
    std::fs::write(&pubring, gpg(&["--export"])).unwrap();
    Some(Keys {
        _dir: dir,
        secring,
        pubring,
    })
}

fn package(dir: &Path, name: &str, version: &str) -> PathBuf {
    let src = dir.join(format!("src-{name}-{version}"));
    std::fs::create_dir_all(src.join("templates")).unwrap();
    std::fs::write(
        src.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: {version}\ndescription: <signed> & sealed\nappVersion: \"1.0\"\nmaintainers:\n  - name: ML Platform Team\n    email: ml@example.com\n"),
    )
    .unwrap();
    std::fs::write(src.join("values.yaml"), "a: 1\n").unwrap();
    let c = chart::load_dir(&src).unwrap();
    action::package::save_archive(&c, &dir.join("out"), None).unwrap()
}

#[test]
fn sign_then_verify_and_the_prov_is_helms_message() {
    let Some(k) = keys() else { return };
    let dir = tempfile::tempdir().unwrap();
    let archive = package(dir.path(), "fraud-model", "1.4.2");
    dist::provenance::sign_archive(&archive, "Capstan Test", &k.secring, None).unwrap();
    let prov = std::fs::read_to_string(archive.with_extension("tgz.prov")).unwrap();
    let sum = dist::sha256_hex(&std::fs::read(&archive).unwrap());
    // Helm's message: clearsign header, SHA512, the metadata as
    // sigs.k8s.io/yaml (sorted keys, `<` and `&` kept literal in YAML),
    // `...`, the files map; then the signature block.  Lines starting
    // with `-` are dash-escaped (`- - email`), as every clearsigner does.
    let expected_body = format!(
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\napiVersion: v2\nappVersion: \"1.0\"\ndescription: <signed> & sealed\nmaintainers:\n- - email: ml@example.com\n  name: ML Platform Team\nname: fraud-model\nversion: 1.4.2\n\n...\nfiles:\n  fraud-model-1.4.2.tgz: sha256:{sum}\n\n-----BEGIN PGP SIGNATURE-----\n"
    );
    assert!(prov.starts_with(&expected_body), "{prov}");
    assert!(prov.ends_with("-----END PGP SIGNATURE-----"), "{prov}");
    let v = dist::provenance::verify_archive(&archive, None, &k.pubring).unwrap();
    assert_eq!(
        v.signed_by,
        vec!["Capstan Test <capstan-test@example.com>".to_string()]
    );
    assert_eq!(v.file_hash, format!("sha256:{sum}"));
    assert_eq!(v.fingerprint.len(), 40);
    assert!(v
        .fingerprint
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
}

#[test]
fn tampered_archive_unknown_key_and_bad_input_are_refused_in_helms_words() {
    let Some(k) = keys() else { return };
    let dir = tempfile::tempdir().unwrap();
    let archive = package(dir.path(), "fraud-model", "1.4.2");
    dist::provenance::sign_archive(&archive, "Capstan", &k.secring, None).unwrap();
    // Another chart under the signed name: the hash check fails.
    let other = package(dir.path(), "fraud-model", "1.4.0");
    let tampered_dir = dir.path().join("tampered");
    std::fs::create_dir(&tampered_dir).unwrap();
    let tampered = tampered_dir.join("fraud-model-1.4.2.tgz");
    std::fs::copy(&other, &tampered).unwrap();
    std::fs::copy(
        archive.with_extension("tgz.prov"),
        tampered.with_extension("tgz.prov"),
    )
    .unwrap();
    let e = dist::provenance::verify_archive(&tampered, None, &k.pubring).unwrap_err();
    let other_sum = dist::sha256_hex(&std::fs::read(&other).unwrap());
    let sum = dist::sha256_hex(&std::fs::read(&archive).unwrap());
    assert_eq!(
        e.to_string(),
        format!("sha256 sum does not match for fraud-model-1.4.2.tgz: \"sha256:{sum}\" != \"sha256:{other_sum}\"")
    );
    // A keyring without the signer.
    let Some(k2) = keys() else { return };
    let e = dist::provenance::verify_archive(&archive, None, &k2.pubring).unwrap_err();
    assert!(
        e.to_string().contains("signature made by unknown entity"),
        "{e}"
    );
    // No .prov, a directory, not a .tgz, a public keyring for signing.
    let e = dist::provenance::verify_archive(&other, None, &k.pubring).unwrap_err();
    assert!(
        e.to_string().starts_with("could not load provenance file "),
        "{e}"
    );
    let e = dist::provenance::verify_archive(dir.path(), None, &k.pubring).unwrap_err();
    assert_eq!(e.to_string(), "unpacked charts cannot be verified");
    let txt = dir.path().join("chart.tar");
    std::fs::write(&txt, b"x").unwrap();
    let e = dist::provenance::verify_archive(&txt, None, &k.pubring).unwrap_err();
    assert_eq!(e.to_string(), "chart must be a tgz file");
    let e = dist::provenance::sign_archive(&archive, "Capstan", &k.pubring, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "provided key is not a private key. Try providing a keyring with secret keys"
    );
    let e = dist::provenance::sign_archive(&archive, "Nobody", &k.secring, None).unwrap_err();
    assert_eq!(e.to_string(), "private key not found");
    // A .prov with no signature block.
    std::fs::write(archive.with_extension("tgz.prov"), "not signed\n").unwrap();
    let e = dist::provenance::verify_archive(&archive, None, &k.pubring).unwrap_err();
    assert_eq!(e.to_string(), "signature block not found");
}
