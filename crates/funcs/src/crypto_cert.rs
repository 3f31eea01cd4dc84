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
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType, SerialNumber,
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

/// A fresh RSA key.  Prime generation runs on OpenSSL's bignums (see
/// [`rsa_keygen`]): pure-Rust bignum key generation takes ~0.5 s per
/// 2048-bit key, which dominated the render time of every chart that calls
/// `genCA`/`genSelfSignedCert`.  (Generating keys ahead, on a spare core,
/// was tried and removed: most charts that mention these functions never
/// call them, and the speculative work slowed their renders down.)
fn rsa_key(bits: usize) -> Result<rsa::RsaPrivateKey, String> {
    let der = generate_der(u32::try_from(bits).map_err(|e| e.to_string())?)?;
    rsa::RsaPrivateKey::from_pkcs1_der(&der).map_err(|e| e.to_string())
}

fn generate_der(bits: u32) -> Result<Vec<u8>, String> {
    rsa_keygen::generate_der(bits).map_err(|e| e.to_string())
}

/// RSA key generation on OpenSSL's bignum arithmetic, with our own prime
/// search.  OpenSSL 3's `RSA_generate_key` insists on 64 Miller-Rabin
/// rounds per prime plus constant-time FIPS machinery (~200 ms per 2048-bit
/// key here, ~6× Go's `rsa.GenerateKey`).  The search below is the classic
/// one: a random odd candidate with the top two bits set (so `p·q` has
/// exactly `bits` bits), an incremental sieve over the small primes, then
/// Miller-Rabin — base 2 first (cheap, rejects almost every composite),
/// then random bases, [`MR_ROUNDS`] in all, which is above FIPS 186-4's
/// table C.3 requirement (5 rounds for 1024-bit primes, 4 for 2048-bit)
/// for a 2^-100 error bound.  e = 65537 and `e ∤ p-1`, as Go does.
mod rsa_keygen {
    use std::cmp::Ordering;
    use std::sync::OnceLock;

    use openssl::bn::{BigNum, BigNumContext, BigNumRef, MsbOption};
    use openssl::error::ErrorStack;

    const MR_ROUNDS: usize = 6;
    /// How far an incremental search may walk from its random start.
    const MAX_DELTA: u32 = 1 << 20;
    const E: u32 = 65537;

    /// Odd primes below 2^14 (about 1900 of them), for the sieve.
    fn small_primes() -> &'static [u32] {
        static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
        PRIMES.get_or_init(|| {
            const LIMIT: usize = 1 << 14;
            let mut composite = vec![false; LIMIT];
            let mut out = Vec::new();
            for i in 2..LIMIT {
                if composite[i] {
                    continue;
                }
                if i > 2 {
                    out.push(i as u32);
                }
                let mut j = i * i;
                while j < LIMIT {
                    composite[j] = true;
                    j += i;
                }
            }
            out
        })
    }

    fn probable_prime(bits: i32, ctx: &mut BigNumContext) -> Result<BigNum, ErrorStack> {
        let primes = small_primes();
        loop {
            let mut start = BigNum::new()?;
            start.rand(bits, MsbOption::TWO_ONES, true)?;
            let residues: Vec<u32> = primes
                .iter()
                .map(|&p| start.mod_word(p).map(|r| r as u32))
                .collect::<Result<_, _>>()?;
            let e_residue = start.mod_word(E)? as u32;
            let mut delta = 0u32;
            'search: while delta < MAX_DELTA {
                for (&p, &r) in primes.iter().zip(&residues) {
                    if (r + delta).is_multiple_of(p) {
                        delta += 2;
                        continue 'search;
                    }
                }
                // gcd(e, p-1) must be 1: p ≢ 1 (mod e).
                if (e_residue + delta) % E == 1 {
                    delta += 2;
                    continue;
                }
                let mut cand = start.to_owned()?;
                cand.add_word(delta)?;
                if cand.num_bits() != bits {
                    break; // walked past the top: start again
                }
                if miller_rabin(&cand, ctx)? {
                    return Ok(cand);
                }
                delta += 2;
            }
        }
    }

    fn miller_rabin(n: &BigNumRef, ctx: &mut BigNumContext) -> Result<bool, ErrorStack> {
        let one = BigNum::from_u32(1)?;
        let mut n1 = BigNum::new()?;
        n1.checked_sub(n, &one)?;
        let mut s = 1;
        while !n1.is_bit_set(s) {
            s += 1;
        }
        let mut d = BigNum::new()?;
        d.rshift(&n1, s)?;
        for round in 0..MR_ROUNDS {
            let a = if round == 0 {
                BigNum::from_u32(2)?
            } else {
                // Uniform enough in [2, n-2]: fewer bits than n, at least 2.
                let mut a = BigNum::new()?;
                a.rand(n.num_bits() - 1, MsbOption::MAYBE_ZERO, false)?;
                if a.num_bits() < 2 {
                    a.add_word(2)?;
                }
                a
            };
            let mut x = BigNum::new()?;
            x.mod_exp(&a, &d, n, ctx)?;
            if x.ucmp(&one) == Ordering::Equal || x.ucmp(&n1) == Ordering::Equal {
                continue;
            }
            let mut witness = true;
            for _ in 1..s {
                let mut y = BigNum::new()?;
                y.mod_sqr(&x, n, ctx)?;
                x = y;
                if x.ucmp(&n1) == Ordering::Equal {
                    witness = false;
                    break;
                }
                if x.ucmp(&one) == Ordering::Equal {
                    return Ok(false);
                }
            }
            if witness {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A PKCS#1 DER RSA private key of `bits` bits (e = 65537).
    pub(super) fn generate_der(bits: u32) -> Result<Vec<u8>, ErrorStack> {
        let bits = bits.clamp(512, 16384) as i32;
        let mut ctx = BigNumContext::new()?;
        let parallel = gotmpl::has_spare_core();
        loop {
            // The two primes are independent searches: with a spare core,
            // look for one on another thread (about halves the wait).
            let other = parallel
                .then(|| {
                    std::thread::Builder::new()
                        .name("rsa-prime".into())
                        .spawn(move || -> Result<Vec<u8>, ErrorStack> {
                            let mut ctx = BigNumContext::new()?;
                            Ok(probable_prime(bits - bits / 2, &mut ctx)?.to_vec())
                        })
                        .ok()
                })
                .flatten();
            let b = probable_prime(bits / 2, &mut ctx)?;
            let a = match other.map(|h| h.join()) {
                Some(Ok(r)) => BigNum::from_slice(&r?)?,
                _ => probable_prime(bits - bits / 2, &mut ctx)?,
            };
            let (p, q) = match a.ucmp(&b) {
                Ordering::Equal => continue,
                Ordering::Greater => (a, b),
                Ordering::Less => (b, a),
            };
            let mut n = BigNum::new()?;
            n.checked_mul(&p, &q, &mut ctx)?;
            if n.num_bits() != bits {
                continue;
            }
            let one = BigNum::from_u32(1)?;
            let (mut p1, mut q1) = (BigNum::new()?, BigNum::new()?);
            p1.checked_sub(&p, &one)?;
            q1.checked_sub(&q, &one)?;
            // d = e⁻¹ mod λ(n), λ = lcm(p-1, q-1).
            let (mut g, mut phi, mut lambda, mut rem) = (
                BigNum::new()?,
                BigNum::new()?,
                BigNum::new()?,
                BigNum::new()?,
            );
            g.gcd(&p1, &q1, &mut ctx)?;
            phi.checked_mul(&p1, &q1, &mut ctx)?;
            lambda.checked_div(&phi, &g, &mut ctx)?;
            rem.checked_rem(&phi, &g, &mut ctx)?;
            debug_assert!(rem.num_bits() == 0);
            let e = BigNum::from_u32(E)?;
            let mut d = BigNum::new()?;
            d.mod_inverse(&e, &lambda, &mut ctx)?;
            let (mut dmp1, mut dmq1, mut iqmp) = (BigNum::new()?, BigNum::new()?, BigNum::new()?);
            dmp1.checked_rem(&d, &p1, &mut ctx)?;
            dmq1.checked_rem(&d, &q1, &mut ctx)?;
            iqmp.mod_inverse(&q, &p, &mut ctx)?;
            let key = openssl::rsa::Rsa::from_private_components(n, e, d, p, q, dmp1, dmq1, iqmp)?;
            return key.private_key_to_der();
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn keys_are_valid_and_sized() {
            for bits in [1024u32, 2048] {
                let der = super::generate_der(bits).unwrap();
                let k = openssl::rsa::Rsa::private_key_from_der(&der).unwrap();
                assert!(k.check_key().unwrap());
                assert_eq!(k.n().num_bits(), bits as i32);
                assert_eq!(k.e().to_dec_str().unwrap().to_string(), "65537");
                // The rsa crate (which signs the certificates) accepts it too.
                use rsa::pkcs1::DecodeRsaPrivateKey;
                let r = rsa::RsaPrivateKey::from_pkcs1_der(&der).unwrap();
                r.validate().unwrap();
            }
        }

        #[test]
        fn small_primes_sieve() {
            let p = super::small_primes();
            assert_eq!(&p[..5], &[3, 5, 7, 11, 13]);
            assert_eq!(*p.last().unwrap(), 16381);
        }
    }
}

/// PEM of a fresh key of `kind`; `None` for an unknown kind.
pub(crate) fn generate_key_pem(kind: &str) -> Option<Result<String, String>> {
    Some(match kind {
        "rsa" => rsa_key(4096).and_then(|k| {
            k.to_pkcs1_pem(LineEnding::LF)
                .map(|p| p.to_string())
                .map_err(|e| e.to_string())
        }),
        "ecdsa" => ecdsa_sec1_pem(),
        "ed25519" => {
            // Go's MarshalPKCS8PrivateKey: PKCS#8 v1, the seed only (v2 with
            // the public key is refused by OpenSSL and Python's cryptography).
            let mut seed = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut seed);
            ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: seed,
                public_key: None,
            }
            .to_pkcs8_pem(LineEnding::LF)
            .map(|p| p.to_string())
            .map_err(|e| e.to_string())
        }
        "dsa" => dsa_pem(),
        _ => return None,
    })
}

/// Go's `x509.MarshalECPrivateKey` of a P-256 key: SEC1 with the curve's
/// OID and the public key (tools reject the key without the OID).
fn ecdsa_sec1_pem() -> Result<String, String> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use sec1::der::EncodePem;
    let k = p256::SecretKey::random(&mut rand::thread_rng());
    let secret = k.to_bytes();
    let public = k.public_key().to_encoded_point(false);
    let key = sec1::EcPrivateKey {
        private_key: &secret,
        parameters: Some(sec1::EcParameters::NamedCurve(
            sec1::der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7"),
        )),
        public_key: Some(public.as_bytes()),
    };
    key.to_pem(LineEnding::LF).map_err(|e| e.to_string())
}

/// Sprig's DSA key: parameters L1024N160, then OpenSSL's traditional
/// `DSA PRIVATE KEY` (version, p, q, g, y, x) as Go's asn1 writes it.
fn dsa_pem() -> Result<String, String> {
    use sec1::der::asn1::{SequenceOf, UintRef};
    use sec1::der::Encode;
    let mut rng = rand::thread_rng();
    // Sprig's size, deprecated as weak: the function exists for
    // compatibility, not for new keys.
    #[allow(deprecated)]
    let size = dsa::KeySize::DSA_1024_160;
    let components = dsa::Components::generate(&mut rng, size);
    let key = dsa::SigningKey::generate(&mut rng, components);
    let vk = key.verifying_key();
    let c = vk.components();
    let parts = [
        vec![0u8],
        c.p().to_bytes_be(),
        c.q().to_bytes_be(),
        c.g().to_bytes_be(),
        vk.y().to_bytes_be(),
        key.x().to_bytes_be(),
    ];
    // A SEQUENCE OF six INTEGERs is byte for byte Go's struct of six.
    let mut seq: SequenceOf<UintRef<'_>, 6> = SequenceOf::new();
    for part in &parts {
        seq.add(UintRef::new(part).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let der = seq.to_der().map_err(|e| e.to_string())?;
    sec1::der::pem::encode_string("DSA PRIVATE KEY", LineEnding::LF, &der)
        .map_err(|e| e.to_string())
}

/// A PEM private key (PKCS#1 RSA, SEC1 EC or PKCS#8) as an rcgen key pair.
fn key_pair_from_pem(pem: &str) -> Result<KeyPair, String> {
    let bad = || "error parsing private key".to_string();
    let pkcs8 = if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        let k = rsa::RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| bad())?;
        k.to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| bad())?
            .to_string()
    } else if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
        let k = p256::SecretKey::from_sec1_pem(pem).map_err(|_| bad())?;
        k.to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| bad())?
            .to_string()
    } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
        pem.to_string()
    } else {
        return Err(bad());
    };
    if rsa::RsaPrivateKey::from_pkcs8_pem(&pkcs8).is_ok() {
        return KeyPair::from_pkcs8_pem_and_sign_algo(&pkcs8, &rcgen::PKCS_RSA_SHA256)
            .map_err(|e| e.to_string());
    }
    KeyPair::from_pem(&pkcs8).map_err(|e| e.to_string())
}

/// A new RSA-2048 key: (PKCS#1 PEM as Sprig returns it, signing key pair).
fn new_rsa_pair() -> Result<(String, KeyPair), String> {
    let k = rsa_key(2048)?;
    let pem = k
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?
        .to_string();
    let kp = key_pair_from_pem(&pem)?;
    Ok((pem, kp))
}

/// Sprig's `time.Now().Add(time.Hour * 24 * time.Duration(days))`: the
/// nanosecond count wraps around int64 as Go's integer multiplication
/// does (a billion days lands in 1882), so any `days` gives a date within
/// about 292 years of now and never fails.
fn not_after(now: time::OffsetDateTime, days: i64) -> time::OffsetDateTime {
    const NANOS_PER_DAY: i64 = 24 * 3600 * 1_000_000_000;
    let d = time::Duration::nanoseconds(days.wrapping_mul(NANOS_PER_DAY));
    now.checked_add(d).unwrap_or(now)
}

fn base_params(
    cn: &str,
    ips: &[Value],
    dns: &[Value],
    days: i64,
) -> Result<CertificateParams, String> {
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
    p.not_after = not_after(now, days);
    for ip in ips {
        let s = match ip {
            Value::String(s) => s.to_string(),
            other => {
                return Err(format!(
                    "error parsing ip: {} is not a string",
                    gotmpl::fmt::format_v(other)
                ))
            }
        };
        let addr: std::net::IpAddr = s.parse().map_err(|_| format!("error parsing ip: {s}"))?;
        p.subject_alt_names.push(SanType::IpAddress(addr));
    }
    for d in dns {
        let s = match d {
            Value::String(s) => s.to_string(),
            other => {
                return Err(format!(
                    "error processing alternate dns name: {} is not a string",
                    gotmpl::fmt::format_v(other)
                ))
            }
        };
        let name = s
            .as_str()
            .try_into()
            .map_err(|e: rcgen::Error| e.to_string())?;
        p.subject_alt_names.push(SanType::DnsName(name));
    }
    p.key_usages = vec![
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
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
    let cert = p
        .self_signed(&kp)
        .map_err(|e| format!("error generating certificate: {e}"))?;
    Ok(Certificate {
        cert: cert.pem(),
        key: key_pem,
    })
}

fn gen_self_signed(
    cn: &str,
    ips: &[Value],
    dns: &[Value],
    days: i64,
    key: Option<&str>,
) -> Result<Certificate, String> {
    let (key_pem, kp) = match key {
        Some(k) => (k.to_string(), key_pair_from_pem(k)?),
        None => new_rsa_pair()?,
    };
    let p = base_params(cn, ips, dns, days)?;
    let cert = p
        .self_signed(&kp)
        .map_err(|e| format!("error generating certificate: {e}"))?;
    Ok(Certificate {
        cert: cert.pem(),
        key: key_pem,
    })
}

fn ca_arg(v: &Value) -> Result<Certificate, String> {
    match v {
        Value::Object(o) => o
            .as_any()
            .downcast_ref::<Certificate>()
            .cloned()
            .ok_or_else(|| {
                format!(
                    "wrong type for value; expected sprig.certificate; got {}",
                    o.type_name()
                )
            }),
        other => Err(format!(
            "wrong type for value; expected sprig.certificate; got {}",
            other.type_name()
        )),
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
    let ca_params = CertificateParams::from_ca_cert_pem(&ca.cert)
        .map_err(|e| format!("error parsing ca: {e}"))?;
    let ca_key = key_pair_from_pem(&ca.key).map_err(|e| format!("error parsing ca key: {e}"))?;
    let issuer = ca_params
        .self_signed(&ca_key)
        .map_err(|e| format!("error parsing ca: {e}"))?;
    let (key_pem, kp) = match key {
        Some(k) => (k.to_string(), key_pair_from_pem(k)?),
        None => new_rsa_pair()?,
    };
    let p = base_params(cn, ips, dns, days)?;
    let cert = p
        .signed_by(&kp, &issuer, &ca_key)
        .map_err(|e| format!("error generating certificate: {e}"))?;
    Ok(Certificate {
        cert: cert.pem(),
        key: key_pem,
    })
}

/// `buildCustomCert`: base64 PEM cert and key, validated and returned as-is.
fn build_custom(cert_b64: &str, key_b64: &str) -> Result<Certificate, String> {
    let cert = super::go_b64_decode(cert_b64)?;
    let key = super::go_b64_decode(key_b64)?;
    let cert =
        String::from_utf8(cert).map_err(|_| "unable to decode base64 certificate".to_string())?;
    let key =
        String::from_utf8(key).map_err(|_| "unable to decode base64 private key".to_string())?;
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
        Value::List(l) => l.items().to_vec(),
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
    m.add("genCA", &[P::String, P::Int], None, |a| {
        Ok(obj(gen_ca(s(&a[0]), int(&a[1]), None)?))
    });
    m.add("genCAWithKey", &[P::String, P::Int, P::String], None, |a| {
        Ok(obj(gen_ca(s(&a[0]), int(&a[1]), Some(s(&a[2])))?))
    });
    m.add(
        "genSelfSignedCert",
        &[P::String, P::List, P::List, P::Int],
        None,
        |a| {
            Ok(obj(gen_self_signed(
                s(&a[0]),
                &list(&a[1]),
                &list(&a[2]),
                int(&a[3]),
                None,
            )?))
        },
    );
    m.add(
        "genSelfSignedCertWithKey",
        &[P::String, P::List, P::List, P::Int, P::String],
        None,
        |a| {
            Ok(obj(gen_self_signed(
                s(&a[0]),
                &list(&a[1]),
                &list(&a[2]),
                int(&a[3]),
                Some(s(&a[4])),
            )?))
        },
    );
    m.add(
        "genSignedCert",
        &[P::String, P::List, P::List, P::Int, P::Any],
        None,
        |a| {
            let ca = ca_arg(&a[4])?;
            Ok(obj(gen_signed(
                s(&a[0]),
                &list(&a[1]),
                &list(&a[2]),
                int(&a[3]),
                &ca,
                None,
            )?))
        },
    );
    m.add(
        "genSignedCertWithKey",
        &[P::String, P::List, P::List, P::Int, P::Any, P::String],
        None,
        |a| {
            let ca = ca_arg(&a[4])?;
            Ok(obj(gen_signed(
                s(&a[0]),
                &list(&a[1]),
                &list(&a[2]),
                int(&a[3]),
                &ca,
                Some(s(&a[5])),
            )?))
        },
    );
    m.add("buildCustomCert", &[P::String, P::String], None, |a| {
        Ok(obj(build_custom(s(&a[0]), s(&a[1]))?))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DER inside a PEM block.
    fn der_of(pem: &str) -> Vec<u8> {
        let (_, der) = sec1::der::pem::decode_vec(pem.as_bytes()).unwrap();
        der
    }

    #[test]
    fn private_keys_are_laid_out_as_gos() {
        // SEC1 with the P-256 OID in [0] and the public key in [1] (Go's
        // MarshalECPrivateKey); 121 bytes, as helm-ref's.
        let ec = der_of(&generate_key_pem("ecdsa").unwrap().unwrap());
        assert_eq!(ec.len(), 121);
        let oid = [
            0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ];
        assert!(ec.windows(oid.len()).any(|w| w == oid));
        // PKCS#8 v1 of the seed alone: 48 bytes, version 0.
        let ed = der_of(&generate_key_pem("ed25519").unwrap().unwrap());
        assert_eq!(ed.len(), 48);
        assert_eq!(&ed[2..5], &[0x02, 0x01, 0x00]);
        // DSA: a sequence of six integers, version 0, 1024-bit p, 160-bit q.
        let pem = generate_key_pem("dsa").unwrap().unwrap();
        assert!(
            pem.starts_with("-----BEGIN DSA PRIVATE KEY-----\n"),
            "{pem}"
        );
        let dsa = der_of(&pem);
        use sec1::der::Decode;
        let ints: sec1::der::asn1::SequenceOf<sec1::der::asn1::UintRef<'_>, 6> =
            sec1::der::asn1::SequenceOf::from_der(&dsa).unwrap();
        let ints: Vec<_> = ints.iter().collect();
        assert_eq!(ints.len(), 6);
        assert_eq!(ints[0].as_bytes(), &[0]);
        assert_eq!(ints[1].as_bytes().len(), 128);
        assert_eq!(ints[2].as_bytes().len(), 20);
    }

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

    /// Years of validity past int64 nanoseconds wrap as Go's Duration
    /// arithmetic does (Helm: a billion days ends in 1882, minus a billion
    /// in 2171, 106752 days in 1734) instead of panicking.
    #[test]
    fn huge_validity_wraps_like_go() {
        let ec = generate_key_pem("ecdsa").unwrap().unwrap();
        let now = time::OffsetDateTime::now_utc().year();
        for (days, years) in [
            (1_000_000_000i64, -144),
            (-1_000_000_000, 144),
            (106_752, -292),
            (106_751, 292),
            (i64::MAX, 0),
            (i64::MIN, 0),
        ] {
            let ca = gen_ca("x", days, Some(&ec)).unwrap();
            let self_signed = gen_self_signed("x", &[], &[], days, Some(&ec)).unwrap();
            for pem in [&ca.cert, &self_signed.cert] {
                let c = openssl::x509::X509::from_pem(pem.as_bytes()).unwrap();
                let end = c.not_after().to_string();
                // "Oct  9 00:20:38 1882 GMT"
                let year: i32 = end.split_whitespace().nth(3).unwrap().parse().unwrap();
                assert!((year - now - years).abs() <= 1, "{days}: {end}");
            }
        }
    }
}
