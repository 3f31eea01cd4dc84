//! Private keys and X.509 certificates for Sprig's `genPrivateKey`,
//! `genCA`, `genCAWithKey`, `genSelfSignedCert(WithKey)`,
//! `genSignedCert(WithKey)` and `buildCustomCert`.
//!
//! Shapes follow Sprig: RSA-2048 keys for certificates (PEM `RSA PRIVATE
//! KEY`), SHA-256 signatures, CN subject, IP and DNS SANs, server+client
//! extended key usage, a random 128-bit serial, validity from now for
//! `daysValid` days; the result is a `certificate` struct with `.Cert` and
//! `.Key` PEM strings.  Key types for `genPrivateKey`: rsa (4096 bits,
//! PKCS#1), ecdsa (P-256, SEC1 `EC PRIVATE KEY`), ed25519 (PKCS#8).
//! Not supported: `dsa` (reported as a generation failure).

use std::rc::Rc;

use gotmpl::{FuncMap, Object, ParamType as P, Value};
use rand::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber,
};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};

/// Sprig's `certificate{Cert, Key}`.
#[derive(Debug, Clone)]
pub(crate) struct Certificate {
    cert: String,
    key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> String {
        "sprig.certificate".into()
    }
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    fn call(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Cert" => Some(Ok(Value::str(&self.cert))),
            "Key" => Some(Ok(Value::str(&self.key))),
            _ => None,
        }
    }
    fn format_v(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
    fn to_data(&self) -> Value {
        let mut m = gotmpl::MapInner::new();
        m.insert("Cert".into(), Value::str(&self.cert));
        m.insert("Key".into(), Value::str(&self.key));
        Value::map(m)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A fresh RSA key.  Prime generation runs in OpenSSL: pure-Rust bignum
/// key generation takes ~0.5 s per 2048-bit key, which dominated the render
/// time of every chart that calls `genCA`/`genSelfSignedCert`.  2048-bit
/// keys come from the prewarmed pool when [`prewarm_rsa_keys`] was called.
fn rsa_key(bits: usize) -> Result<rsa::RsaPrivateKey, String> {
    let der = match (bits == POOL_BITS as usize).then(take_pooled).flatten() {
        Some(der) => der,
        None => generate_der(u32::try_from(bits).map_err(|e| e.to_string())?)?,
    };
    rsa::RsaPrivateKey::from_pkcs1_der(&der).map_err(|e| e.to_string())
}

fn generate_der(bits: u32) -> Result<Vec<u8>, String> {
    openssl::rsa::Rsa::generate(bits).and_then(|k| k.private_key_to_der()).map_err(|e| e.to_string())
}

/// Size of the keys Sprig's certificate functions generate.
const POOL_BITS: u32 = 2048;

/// Keys generated ahead of use by background threads.  Every key is fresh
/// randomness used once, so generating it earlier changes nothing in the
/// output; it only moves the (random-length) prime search off the render
/// thread and onto idle cores.
static POOL: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

fn take_pooled() -> Option<Vec<u8>> {
    let key = POOL.lock().ok()?.pop()?;
    PLANNED.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    Some(key)
}

/// Keys pooled or being generated (so repeated renders in one process
/// top the pool up instead of piling up work).
static PLANNED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Make sure about `count` RSA-2048 keys are ready or under way, generated
/// by at most one background thread per spare core.  Call before rendering
/// templates that use `genCA`, `genSelfSignedCert` or `genSignedCert`.
pub fn prewarm_rsa_keys(count: usize) {
    use std::sync::atomic::Ordering::SeqCst;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let spare = cores.saturating_sub(1);
    let missing = count.saturating_sub(PLANNED.load(SeqCst));
    if spare == 0 || missing == 0 {
        return;
    }
    PLANNED.fetch_add(missing, SeqCst);
    let workers = missing.min(spare);
    for w in 0..workers {
        let share = missing / workers + usize::from(w < missing % workers);
        let _ = std::thread::Builder::new().name("rsa-prewarm".into()).spawn(move || {
            for _ in 0..share {
                match generate_der(POOL_BITS) {
                    Ok(der) => match POOL.lock() {
                        Ok(mut p) => p.push(der),
                        Err(_) => return,
                    },
                    Err(_) => return,
                }
            }
        });
    }
}

/// PEM of a fresh key of `kind`; `None` for an unknown kind.
pub(crate) fn generate_key_pem(kind: &str) -> Option<Result<String, String>> {
    Some(match kind {
        "rsa" => rsa_key(4096).and_then(|k| {
            k.to_pkcs1_pem(LineEnding::LF).map(|p| p.to_string()).map_err(|e| e.to_string())
        }),
        "ecdsa" => {
            let k = p256::SecretKey::random(&mut rand::thread_rng());
            k.to_sec1_pem(LineEnding::LF).map(|p| p.to_string()).map_err(|e| e.to_string())
        }
        "ed25519" => {
            let mut seed = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut seed);
            let k = ed25519_dalek::SigningKey::from_bytes(&seed);
            k.to_pkcs8_pem(LineEnding::LF).map(|p| p.to_string()).map_err(|e| e.to_string())
        }
        "dsa" => Err("DSA keys are not supported".into()),
        _ => return None,
    })
}

/// A PEM private key (PKCS#1 RSA, SEC1 EC or PKCS#8) as an rcgen key pair.
fn key_pair_from_pem(pem: &str) -> Result<KeyPair, String> {
    let bad = || "error parsing private key".to_string();
    let pkcs8 = if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        let k = rsa::RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| bad())?;
        k.to_pkcs8_pem(LineEnding::LF).map_err(|_| bad())?.to_string()
    } else if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
        let k = p256::SecretKey::from_sec1_pem(pem).map_err(|_| bad())?;
        k.to_pkcs8_pem(LineEnding::LF).map_err(|_| bad())?.to_string()
    } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
        pem.to_string()
    } else {
        return Err(bad());
    };
    if rsa::RsaPrivateKey::from_pkcs8_pem(&pkcs8).is_ok() {
        return KeyPair::from_pkcs8_pem_and_sign_algo(&pkcs8, &rcgen::PKCS_RSA_SHA256).map_err(|e| e.to_string());
    }
    KeyPair::from_pem(&pkcs8).map_err(|e| e.to_string())
}

/// A new RSA-2048 key: (PKCS#1 PEM as Sprig returns it, signing key pair).
fn new_rsa_pair() -> Result<(String, KeyPair), String> {
    let k = rsa_key(2048)?;
    let pem = k.to_pkcs1_pem(LineEnding::LF).map_err(|e| e.to_string())?.to_string();
    let kp = key_pair_from_pem(&pem)?;
    Ok((pem, kp))
}

fn base_params(cn: &str, ips: &[Value], dns: &[Value], days: i64) -> Result<CertificateParams, String> {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    let mut serial = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut serial);
    serial[0] &= 0x7f;
    p.serial_number = Some(SerialNumber::from_slice(&serial));
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now;
    p.not_after = now + time::Duration::days(days);
    for ip in ips {
        let s = match ip {
            Value::String(s) => s.to_string(),
            other => return Err(format!("error parsing ip: {} is not a string", gotmpl::fmt::format_v(other))),
        };
        let addr: std::net::IpAddr = s.parse().map_err(|_| format!("error parsing ip: {s}"))?;
        p.subject_alt_names.push(SanType::IpAddress(addr));
    }
    for d in dns {
        let s = match d {
            Value::String(s) => s.to_string(),
            other => return Err(format!("error processing alternate dns name: {} is not a string", gotmpl::fmt::format_v(other))),
        };
        let name = s.as_str().try_into().map_err(|e: rcgen::Error| e.to_string())?;
        p.subject_alt_names.push(SanType::DnsName(name));
    }
    p.key_usages = vec![KeyUsagePurpose::KeyEncipherment, KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
    Ok(p)
}

fn gen_ca(cn: &str, days: i64, key: Option<&str>) -> Result<Certificate, String> {
    let (key_pem, kp) = match key {
        Some(k) => (k.to_string(), key_pair_from_pem(k)?),
        None => new_rsa_pair()?,
    };
    let mut p = base_params(cn, &[], &[], days)?;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages.push(KeyUsagePurpose::KeyCertSign);
    let cert = p.self_signed(&kp).map_err(|e| format!("error generating certificate: {e}"))?;
    Ok(Certificate { cert: cert.pem(), key: key_pem })
}

fn gen_self_signed(cn: &str, ips: &[Value], dns: &[Value], days: i64, key: Option<&str>) -> Result<Certificate, String> {
    let (key_pem, kp) = match key {
        Some(k) => (k.to_string(), key_pair_from_pem(k)?),
        None => new_rsa_pair()?,
    };
    let p = base_params(cn, ips, dns, days)?;
    let cert = p.self_signed(&kp).map_err(|e| format!("error generating certificate: {e}"))?;
    Ok(Certificate { cert: cert.pem(), key: key_pem })
}

fn ca_arg(v: &Value) -> Result<Certificate, String> {
    match v {
        Value::Object(o) => o
            .as_any()
            .downcast_ref::<Certificate>()
            .cloned()
            .ok_or_else(|| format!("wrong type for value; expected sprig.certificate; got {}", o.type_name())),
        other => Err(format!("wrong type for value; expected sprig.certificate; got {}", other.type_name())),
    }
}

fn gen_signed(
    cn: &str,
    ips: &[Value],
    dns: &[Value],
    days: i64,
    ca: &Certificate,
    key: Option<&str>,
) -> Result<Certificate, String> {
    let ca_params = CertificateParams::from_ca_cert_pem(&ca.cert).map_err(|e| format!("error parsing ca: {e}"))?;
    let ca_key = key_pair_from_pem(&ca.key).map_err(|e| format!("error parsing ca key: {e}"))?;
    let issuer = ca_params.self_signed(&ca_key).map_err(|e| format!("error parsing ca: {e}"))?;
    let (key_pem, kp) = match key {
        Some(k) => (k.to_string(), key_pair_from_pem(k)?),
        None => new_rsa_pair()?,
    };
    let p = base_params(cn, ips, dns, days)?;
    let cert = p.signed_by(&kp, &issuer, &ca_key).map_err(|e| format!("error generating certificate: {e}"))?;
    Ok(Certificate { cert: cert.pem(), key: key_pem })
}

/// `buildCustomCert`: base64 PEM cert and key, validated and returned as-is.
fn build_custom(cert_b64: &str, key_b64: &str) -> Result<Certificate, String> {
    let cert = super::go_b64_decode(cert_b64)?;
    let key = super::go_b64_decode(key_b64)?;
    let cert = String::from_utf8(cert).map_err(|_| "unable to decode base64 certificate".to_string())?;
    let key = String::from_utf8(key).map_err(|_| "unable to decode base64 private key".to_string())?;
    if !cert.contains("-----BEGIN CERTIFICATE-----") {
        return Err("error decoding certificate".into());
    }
    key_pair_from_pem(&key).map_err(|_| "error parsing private key".to_string())?;
    Ok(Certificate { cert, key })
}

fn obj(c: Certificate) -> Value {
    Value::Object(Rc::new(c))
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.items.to_vec(),
        _ => Vec::new(),
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n, _) => *n,
        _ => 0,
    }
}

pub(crate) fn register(m: &mut FuncMap) {
    m.add("genCA", &[P::String, P::Int], None, |a| Ok(obj(gen_ca(s(&a[0]), int(&a[1]), None)?)));
    m.add("genCAWithKey", &[P::String, P::Int, P::String], None, |a| {
        Ok(obj(gen_ca(s(&a[0]), int(&a[1]), Some(s(&a[2])))?))
    });
    m.add("genSelfSignedCert", &[P::String, P::List, P::List, P::Int], None, |a| {
        Ok(obj(gen_self_signed(s(&a[0]), &list(&a[1]), &list(&a[2]), int(&a[3]), None)?))
    });
    m.add("genSelfSignedCertWithKey", &[P::String, P::List, P::List, P::Int, P::String], None, |a| {
        Ok(obj(gen_self_signed(s(&a[0]), &list(&a[1]), &list(&a[2]), int(&a[3]), Some(s(&a[4])))?))
    });
    m.add("genSignedCert", &[P::String, P::List, P::List, P::Int, P::Any], None, |a| {
        let ca = ca_arg(&a[4])?;
        Ok(obj(gen_signed(s(&a[0]), &list(&a[1]), &list(&a[2]), int(&a[3]), &ca, None)?))
    });
    m.add("genSignedCertWithKey", &[P::String, P::List, P::List, P::Int, P::Any, P::String], None, |a| {
        let ca = ca_arg(&a[4])?;
        Ok(obj(gen_signed(s(&a[0]), &list(&a[1]), &list(&a[2]), int(&a[3]), &ca, Some(s(&a[5])))?))
    });
    m.add("buildCustomCert", &[P::String, P::String], None, |a| Ok(obj(build_custom(s(&a[0]), s(&a[1]))?)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_certs() {
        let ec = generate_key_pem("ecdsa").unwrap().unwrap();
        assert!(ec.starts_with("-----BEGIN EC PRIVATE KEY-----"));
        let ed = generate_key_pem("ed25519").unwrap().unwrap();
        assert!(ed.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(generate_key_pem("nope").is_none());
        // Certificates with a supplied (fast) EC key.
        let ca = gen_ca("my-ca", 365, Some(&ec)).unwrap();
        assert!(ca.cert.starts_with("-----BEGIN CERTIFICATE-----"));
        let leaf = gen_signed(
            "svc",
            &[Value::str("10.0.0.1")],
            &[Value::str("svc.ns.svc")],
            30,
            &ca,
            Some(&generate_key_pem("ecdsa").unwrap().unwrap()),
        )
        .unwrap();
        assert!(leaf.cert.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(gen_self_signed("x", &[Value::str("nope")], &[], 1, Some(&ec)).is_err());
    }
}
