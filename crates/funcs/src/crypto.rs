//! Sprig's crypto.go: hashes (`sha1sum`, `sha256sum`, `sha512sum`,
//! `adler32sum`), `bcrypt`/`htpasswd`, `derivePassword` (the Master
//! Password algorithm), `encryptAES`/`decryptAES`, `randBytes`,
//! `genPrivateKey` and the certificate helpers (`genCA`, `genSelfSignedCert`,
//! `genSignedCert`, their `…WithKey` variants and `buildCustomCert`).
//!
//! Deterministic functions are byte-exact with Go, including the panic
//! texts Go's template engine reports (e.g. `decryptAES` on short input).
//! Random outputs (keys, certificates, salts, IVs) have Go's shapes: the
//! same key types, PEM block names and certificate fields.
//! Certificates are in crypto_cert.rs.

#[path = "crypto_cert.rs"]
mod crypto_cert;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine;
use gotmpl::{FuncMap, ParamType as P, Value};
use hmac::Mac;
use rand::RngCore;
use sha1::Digest;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The bytes of a `ParamType::StringBytes` argument.
fn bytes(v: &Value) -> &[u8] {
    v.go_str_bytes().unwrap_or_default()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// zlib's Adler-32.
fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// `bcrypt.GenerateFromPassword(input, 10)` as Sprig reports it.
fn bcrypt_hash(input: &str) -> String {
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(input, 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MP_SEED: &str = "com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Master Password: scrypt(password, seed‖len(user)‖user) keys an
/// HMAC-SHA256 over seed‖len(site)‖site‖counter; the MAC picks a template
/// and its characters.
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MP_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = match scrypt::Params::new(15, 8, 2, 64) {
        Ok(p) => p,
        Err(e) => return format!("failed to derive password: {e}"),
    };
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut msg = MP_SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return "failed to derive password".into();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let template = templates[seed[0] as usize % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(c);
            chars[seed[i + 1] as usize % chars.len()] as char
        })
        .collect()
}

/// Go's `base64.StdEncoding.DecodeString`, with its error offsets.
pub(crate) fn go_b64_decode(s: &str) -> Result<Vec<u8>, String> {
    let bytes: Vec<(usize, u8)> = s
        .bytes()
        .enumerate()
        .filter(|(_, c)| *c != b'\n' && *c != b'\r')
        .collect();
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let err = |i: usize| format!("illegal base64 data at input byte {i}");
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    let mut k = 0;
    while k < bytes.len() {
        let mut quad = [0u32; 4];
        let mut n = 0;
        while n < 4 {
            if k + n >= bytes.len() {
                if n == 0 {
                    break;
                }
                // Missing padding: Go reports the start of the quantum.
                return Err(err(bytes[k].0));
            }
            let (pos, c) = bytes[k + n];
            if c == b'=' {
                // Padding: allowed only in positions 2 and 3 of the last quantum.
                match n {
                    0 | 1 => return Err(err(pos)),
                    2 => {
                        // "==" expected; the first "=" is at `pos`.
                        if k + 3 >= bytes.len() {
                            return Err(err(s.len()));
                        }
                        if bytes[k + 3].1 != b'=' {
                            return Err(err(pos));
                        }
                        if k + 4 < bytes.len() {
                            return Err(err(bytes[k + 4].0));
                        }
                    }
                    _ => {
                        if k + 4 < bytes.len() {
                            return Err(err(bytes[k + 4].0));
                        }
                    }
                }
                break;
            }
            quad[n] = val(c).ok_or_else(|| err(pos))?;
            n += 1;
        }
        let v = (quad[0] << 18) | (quad[1] << 12) | (quad[2] << 6) | quad[3];
        let b = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        match n {
            4 => out.extend_from_slice(&b),
            3 => out.extend_from_slice(&b[..2]),
            2 => out.push(b[0]),
            _ => {}
        }
        if n < 4 {
            break;
        }
        k += 4;
    }
    Ok(out)
}

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    key[..n].copy_from_slice(&p[..n]);
    key
}

fn encrypt_aes(password: &str, plaintext: &[u8]) -> Result<String, String> {
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let mut content = plaintext.to_vec();
    let padding = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(padding as u8, padding));
    let mut iv = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut iv);
    let mut enc = cbc::Encryptor::<aes::Aes256>::new(&aes_key(password).into(), &iv.into());
    for block in content.chunks_mut(16) {
        enc.encrypt_block_mut(block.into());
    }
    let mut out = iv.to_vec();
    out.extend_from_slice(&content);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

/// The plaintext's bytes (a Go string: not necessarily UTF-8).
fn decrypt_aes(password: &str, crypt64: &str) -> Result<Vec<u8>, String> {
    if crypt64.is_empty() {
        return Ok(Vec::new());
    }
    let crypt = go_b64_decode(crypt64)?;
    // Go slices a buffer of capacity DecodedLen(len(input)); reproduce its
    // bounds panics for short input.
    let cap = crypt64.len() / 4 * 3;
    if crypt.len() < 16 {
        if cap < 16 {
            return Err(format!(
                "runtime error: slice bounds out of range [:16] with capacity {cap}"
            ));
        }
        return Err(format!(
            "runtime error: slice bounds out of range [16:{}]",
            crypt.len()
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let mut dec = body.to_vec();
    let mut d = cbc::Decryptor::<aes::Aes256>::new(&aes_key(password).into(), iv.into());
    for block in dec.chunks_mut(16) {
        d.decrypt_block_mut(block.into());
    }
    let Some(&last) = dec.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let end = dec.len() as i64 - last as i64;
    if end < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{end}]"));
    }
    dec.truncate(end as usize);
    Ok(dec)
}

/// `genPrivateKey`: PEM of a new key, or Go's message for an unknown type.
fn gen_private_key(kind: &str) -> String {
    match crypto_cert::generate_key_pem(kind) {
        Some(Ok(pem)) => pem,
        Some(Err(e)) => format!("failed to generate private key: {e}"),
        None => format!("Unknown type {kind}"),
    }
}

fn rand_bytes(count: i64) -> Result<String, String> {
    if count < 0 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    // The result is the base64 text: 4 bytes for every 3.
    if count as u64 > crate::MAX_OUTPUT_BYTES as u64 / 4 * 3 {
        return Err(crate::too_large("randBytes", "random bytes", count));
    }
    let mut b = vec![0u8; count as usize];
    rand::thread_rng().fill_bytes(&mut b);
    Ok(base64::engine::general_purpose::STANDARD.encode(b))
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n, _) => *n,
        _ => 0,
    }
}

pub(crate) fn register(m: &mut FuncMap) {
    // Hashes read the string's bytes (a binary file's, unchanged).
    m.add("sha1sum", &[P::StringBytes], None, |a| {
        Ok(Value::string(hex(&sha1::Sha1::digest(bytes(&a[0])))))
    });
    m.add("sha256sum", &[P::StringBytes], None, |a| {
        Ok(Value::string(hex(&sha2::Sha256::digest(bytes(&a[0])))))
    });
    m.add("sha512sum", &[P::StringBytes], None, |a| {
        Ok(Value::string(hex(&sha2::Sha512::digest(bytes(&a[0])))))
    });
    m.add("adler32sum", &[P::StringBytes], None, |a| {
        Ok(Value::string(adler32(bytes(&a[0])).to_string()))
    });
    m.add("bcrypt", &[P::String], None, |a| {
        Ok(Value::string(bcrypt_hash(s(&a[0]))))
    });
    m.add("htpasswd", &[P::String, P::String], None, |a| {
        let user = s(&a[0]);
        if user.contains(':') {
            return Ok(Value::string(format!("invalid username: {user}")));
        }
        Ok(Value::string(format!("{user}:{}", bcrypt_hash(s(&a[1])))))
    });
    // Go's parameter is uint32; the executor converts template ints.
    m.add(
        "derivePassword",
        &[P::Int, P::String, P::String, P::String, P::String],
        None,
        |a| {
            Ok(Value::string(derive_password(
                int(&a[0]) as u32,
                s(&a[1]),
                s(&a[2]),
                s(&a[3]),
                s(&a[4]),
            )))
        },
    );
    m.add("encryptAES", &[P::String, P::StringBytes], None, |a| {
        Ok(Value::string(encrypt_aes(s(&a[0]), bytes(&a[1]))?))
    });
    m.add("decryptAES", &[P::String, P::String], None, |a| {
        Ok(Value::from_go_vec(decrypt_aes(s(&a[0]), s(&a[1]))?))
    });
    m.add("randBytes", &[P::Int], None, |a| {
        Ok(Value::string(rand_bytes(int(&a[0]))?))
    });
    m.add("genPrivateKey", &[P::String], None, |a| {
        Ok(Value::string(gen_private_key(s(&a[0]))))
    });
    crypto_cert::register(m);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes() {
        assert_eq!(adler32(b"hello"), 103547413);
        assert_eq!(
            hex(&sha1::Sha1::digest(b"hello")),
            "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
        );
    }

    #[test]
    fn master_password() {
        // Expectations confirmed with Helm (Sprig's derivePassword).
        assert_eq!(derive_password(1, "pin", "p", "u", "s").len(), 4);
        assert_eq!(
            derive_password(1, "x", "p", "u", "s"),
            "cannot find password template x"
        );
    }

    #[test]
    fn aes_roundtrip_and_errors() {
        let c = encrypt_aes("secretkey", b"plaintext").unwrap();
        assert_eq!(decrypt_aes("secretkey", &c).unwrap(), b"plaintext");
        assert_eq!(
            decrypt_aes("k", "not-base64!").unwrap_err(),
            "illegal base64 data at input byte 3"
        );
        assert_eq!(
            decrypt_aes("k", "YWJj").unwrap_err(),
            "runtime error: slice bounds out of range [:16] with capacity 3"
        );
        assert_eq!(
            decrypt_aes("k", "YWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJj").unwrap_err(),
            "crypto/cipher: input not full blocks"
        );
        assert_eq!(encrypt_aes("k", b"").unwrap(), "");
        // Go's CorruptInputError offsets and slice panics (checked with Helm).
        for (input, want) in [
            ("YWJ", "illegal base64 data at input byte 0"),
            ("YW=a", "illegal base64 data at input byte 2"),
            ("YW==YWJj", "illegal base64 data at input byte 4"),
            ("YWJj=", "illegal base64 data at input byte 4"),
            ("YWJjYQ", "illegal base64 data at input byte 4"),
            (
                "YW==",
                "runtime error: slice bounds out of range [:16] with capacity 3",
            ),
        ] {
            assert_eq!(decrypt_aes("k", input).unwrap_err(), want, "{input}");
        }
    }

    #[test]
    fn bcrypt_shape() {
        let h = bcrypt_hash("pass");
        assert!(h.starts_with("$2a$10$") && h.len() == 60, "{h}");
        assert!(bcrypt_hash(&"a".repeat(80)).ends_with("exceeds 72 bytes"));
    }

    #[test]
    fn rand_bytes_len() {
        assert_eq!(rand_bytes(12).unwrap().len(), 16);
        assert!(rand_bytes(-1).is_err());
        assert_eq!(
            rand_bytes(100_000_000_000).unwrap_err(),
            "randBytes: 100000000000 random bytes would make a string longer than the 1 GiB limit"
        );
    }
}
