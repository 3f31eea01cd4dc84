//! Sprig's random-string functions (`randAlphaNum`, `randAlpha`,
//! `randNumeric`, `randAscii`), `randInt` and `uuidv4`.
//!
//! Output is random by nature, so only the shapes are Go's: the character
//! sets of goutils' `CryptoRandom*`, `randInt`'s `rand.Intn` panic text, and
//! RFC 4122 version-4 UUIDs in lower-case hex.  (`randBytes` lives in
//! crypto.rs with the rest of Sprig's crypto.go; `shuffle` is a string
//! function.)

use gotmpl::{FuncMap, ParamType as P, Value};
use rand::Rng;

const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const DIGITS: &[u8] = b"0123456789";

/// Refuse counts past the output limit (Go would try to allocate them
/// and abort the process).
fn check_count(func: &str, count: i64) -> Result<(), String> {
    if count > 0 && count as u64 > crate::MAX_OUTPUT_BYTES as u64 {
        return Err(crate::too_large(func, "characters", count));
    }
    Ok(())
}

/// `count` characters drawn from `set`; negative counts give "" (goutils
/// returns an error that Sprig discards).
fn random_from(func: &str, count: i64, set: &[u8]) -> Result<String, String> {
    check_count(func, count)?;
    if count <= 0 {
        return Ok(String::new());
    }
    let mut rng = rand::thread_rng();
    Ok((0..count)
        .map(|_| set[rng.gen_range(0..set.len())] as char)
        .collect())
}

/// Printable ASCII, space through tilde (goutils' `CryptoRandomAscii`).
fn random_ascii(count: i64) -> Result<String, String> {
    check_count("randAscii", count)?;
    if count <= 0 {
        return Ok(String::new());
    }
    let mut rng = rand::thread_rng();
    Ok((0..count)
        .map(|_| rng.gen_range(32u8..=126) as char)
        .collect())
}

/// A random version-4 UUID, e.g. `1b4e28ba-2fa1-4d2f-883f-0016d3cca427`.
pub(crate) fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn int_arg(v: &Value) -> i64 {
    match v {
        Value::Int(n, _) => *n,
        _ => 0,
    }
}

pub(crate) fn register(m: &mut FuncMap) {
    m.add("randAlphaNum", &[P::Int], None, |a| {
        Ok(Value::string(random_from(
            "randAlphaNum",
            int_arg(&a[0]),
            ALNUM,
        )?))
    });
    m.add("randAlpha", &[P::Int], None, |a| {
        Ok(Value::string(random_from(
            "randAlpha",
            int_arg(&a[0]),
            ALPHA,
        )?))
    });
    m.add("randNumeric", &[P::Int], None, |a| {
        Ok(Value::string(random_from(
            "randNumeric",
            int_arg(&a[0]),
            DIGITS,
        )?))
    });
    m.add("randAscii", &[P::Int], None, |a| {
        Ok(Value::string(random_ascii(int_arg(&a[0]))?))
    });
    m.add("randInt", &[P::Int, P::Int], None, |a| {
        let (min, max) = (int_arg(&a[0]), int_arg(&a[1]));
        // rand.Intn(max-min) panics unless the span is positive.
        let span = max
            .checked_sub(min)
            .filter(|s| *s > 0)
            .ok_or("invalid argument to Intn")?;
        let n = rand::thread_rng().gen_range(0..span);
        Ok(Value::int(n.wrapping_add(min)))
    });
    m.add("uuidv4", &[], None, |_| Ok(Value::string(uuid_v4())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let s = random_from("randAlphaNum", 16, ALNUM).unwrap();
        assert_eq!(s.len(), 16);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(random_from("randAlpha", -1, ALPHA).unwrap(), "");
        assert!(random_ascii(50)
            .unwrap()
            .bytes()
            .all(|b| (32..=126).contains(&b)));
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(uuid_v4(), uuid_v4());
    }

    /// A hundred billion characters: refused at once, not allocated.
    #[test]
    fn huge_counts_are_refused() {
        let huge = 100_000_000_000;
        assert_eq!(
            random_from("randAlpha", huge, ALPHA).unwrap_err(),
            "randAlpha: 100000000000 characters would make a string longer than the 1 GiB limit"
        );
        assert!(random_from("randNumeric", i64::MAX, DIGITS).is_err());
        assert!(random_ascii(huge).is_err());
    }
}
