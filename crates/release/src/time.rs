//! Go's `time.Time` as release records carry it.
//!
//! A Go time is an instant plus a location; when it goes through JSON only
//! the UTC offset survives (`2026-11-21T21:12:42.557769518Z`,
//! `…+02:00`).  Records must round-trip byte for byte, so [`Time`] keeps
//! the instant *and* the offset it was written with, and prints exactly as
//! Go's `MarshalJSON` (RFC 3339 with trailing zeros of the fraction
//! trimmed), `String()` and `Format(time.ANSIC)` do.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, Local, NaiveDate, Offset, TimeZone, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant with the UTC offset it is shown in (Go's `time.Time` after JSON).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Time {
    dt: DateTime<FixedOffset>,
}

/// Go's zero time, `0001-01-01T00:00:00Z`, as seconds since the Unix epoch.
const ZERO_UNIX: i64 = -62_135_596_800;

impl Time {
    /// The current time in the local zone (Go's `time.Now()`).
    pub fn now() -> Time {
        let now = Local::now();
        Time { dt: now.with_timezone(&now.offset().fix()) }
    }

    /// Go's zero `time.Time` (`0001-01-01 00:00:00 +0000 UTC`).
    pub fn zero() -> Time {
        Time::from_unix_utc(ZERO_UNIX, 0)
    }

    /// Go's `IsZero`: the instant is January 1, year 1, 00:00:00 UTC (any offset).
    pub fn is_zero(&self) -> bool {
        self.dt.timestamp() == ZERO_UNIX && self.dt.timestamp_subsec_nanos() == 0
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.dt.timestamp()
    }

    /// Nanoseconds within the second.
    pub fn nanosecond(&self) -> u32 {
        self.dt.timestamp_subsec_nanos()
    }

    /// The UTC offset in seconds east of UTC.
    pub fn offset_seconds(&self) -> i32 {
        self.dt.offset().local_minus_utc()
    }

    /// A UTC time from Unix seconds and nanoseconds (out-of-range input gives the zero time).
    pub fn from_unix_utc(secs: i64, nanos: u32) -> Time {
        match Utc.timestamp_opt(secs, nanos.min(999_999_999)).single() {
            Some(t) => Time { dt: t.fixed_offset() },
            None => Time::zero_fallback(),
        }
    }

    /// A time from Unix seconds shown in the local zone (what Go's
    /// `os.Stat().ModTime()` gives).
    pub fn from_unix_local(secs: i64, nanos: u32) -> Time {
        match Local.timestamp_opt(secs, nanos.min(999_999_999)).single() {
            Some(t) => Time { dt: t.with_timezone(&t.offset().fix()) },
            None => Time::from_unix_utc(secs, nanos),
        }
    }

    /// The same instant shown with another UTC offset (seconds east of UTC).
    pub fn with_offset(&self, offset_seconds: i32) -> Time {
        match FixedOffset::east_opt(offset_seconds) {
            Some(o) => Time { dt: self.dt.with_timezone(&o) },
            None => *self,
        }
    }

    fn zero_fallback() -> Time {
        // Built without chrono's timestamp path so it cannot recurse.
        let d = NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
        Time { dt: d.and_utc().fixed_offset() }
    }

    /// Parses RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)`), as Go's
    /// `time.Time.UnmarshalJSON` does; the offset is kept.
    pub fn parse_rfc3339(s: &str) -> Option<Time> {
        let b = s.as_bytes();
        if b.len() < 20 {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(r)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(part).ok()?.parse().ok()
        };
        let year = num(0..4)? as i32;
        if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (month, day, hour, min, sec) = (num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
        let mut i = 19;
        let mut nanos: u32 = 0;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start || end - start > 9 {
                return None;
            }
            let digits = std::str::from_utf8(&b[start..end]).ok()?;
            nanos = digits.parse::<u32>().ok()? * 10u32.pow(9 - (end - start) as u32);
            i = end;
        }
        let offset = match b.get(i)? {
            b'Z' | b'z' if i + 1 == b.len() => 0,
            c @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
                let (h, m) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let o = (h * 3600 + m * 60) as i32;
                if *c == b'-' {
                    -o
                } else {
                    o
                }
            }
            _ => return None,
        };
        if hour > 23 || min > 59 || sec > 59 {
            return None;
        }
        let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(hour, min, sec, nanos)?;
        let tz = FixedOffset::east_opt(offset)?;
        let dt = tz.from_local_datetime(&naive).single()?;
        Some(Time { dt })
    }

    /// Go's `RFC3339Nano` (what `MarshalJSON` writes): fraction without
    /// trailing zeros, `Z` for a zero offset.
    pub fn rfc3339_nano(&self) -> String {
        self.format_go("2006-01-02T15:04:05.999999999Z07:00")
    }

    /// Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
    /// The zone abbreviation is `UTC` for a zero offset; other offsets have
    /// no name after JSON, so Go repeats the numeric offset (`+0200 +0200`).
    pub fn go_string(&self) -> String {
        self.format_go("2006-01-02 15:04:05.999999999 -0700 MST")
    }

    /// Go's `Format(time.ANSIC)`: `Mon Jan _2 15:04:05 2006`.
    pub fn format_ansic(&self) -> String {
        self.format_go("Mon Jan _2 15:04:05 2006")
    }
}

impl Time {
    /// Go's `Format(layout)` for the reference-time layouts people pass to
    /// `helm list --time-format` (`2006-01-02 15:04:05Z0700`, `Jan _2`,
    /// `.000`, `PM`, …). Text that is not a layout element is copied.
    pub fn format_go(&self, layout: &str) -> String {
        const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        const MONTHS: [&str; 12] =
            ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
        let d = &self.dt;
        let off = self.offset_seconds();
        let hour12 = match d.hour() % 12 {
            0 => 12,
            h => h,
        };
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            // Fractional seconds: `.000` (fixed) or `.999` (trimmed), also with `,`.
            let b = rest.as_bytes();
            if (b[0] == b'.' || b[0] == b',') && b.len() > 1 && (b[1] == b'0' || b[1] == b'9') {
                let digit = b[1];
                let n = b[1..].iter().take_while(|&&c| c == digit).count();
                let after = b.get(1 + n).copied();
                if !after.is_some_and(|c| c.is_ascii_digit()) {
                    let frac = format!("{:09}", d.nanosecond() % 1_000_000_000);
                    let mut f = frac[..n.min(9)].to_string();
                    if digit == b'9' {
                        f = f.trim_end_matches('0').to_string();
                    }
                    if !f.is_empty() {
                        out.push(b[0] as char);
                        out.push_str(&f);
                    }
                    rest = &rest[1 + n..];
                    continue;
                }
            }
            let elems: [(&str, String); 27] = [
                ("January", MONTHS[d.month0() as usize].to_string()),
                ("Jan", MONTHS[d.month0() as usize][..3].to_string()),
                ("Monday", DAYS[d.weekday().num_days_from_monday() as usize].to_string()),
                ("Mon", DAYS[d.weekday().num_days_from_monday() as usize][..3].to_string()),
                ("MST", if off == 0 { "UTC".to_string() } else { offset_text(off, false) }),
                ("2006", format!("{:04}", d.year())),
                ("Z07:00", if off == 0 { "Z".into() } else { offset_text(off, true) }),
                ("Z0700", if off == 0 { "Z".into() } else { offset_text(off, false) }),
                ("-07:00", offset_text(off, true)),
                ("-0700", offset_text(off, false)),
                ("Z07", if off == 0 { "Z".into() } else { offset_text(off, false)[..3].to_string() }),
                ("-07", offset_text(off, false)[..3].to_string()),
                ("002", format!("{:03}", d.ordinal())),
                ("__2", format!("{:>3}", d.ordinal())),
                ("01", format!("{:02}", d.month())),
                ("02", format!("{:02}", d.day())),
                ("_2", format!("{:>2}", d.day())),
                ("06", format!("{:02}", d.year() % 100)),
                ("15", format!("{:02}", d.hour())),
                ("03", format!("{:02}", hour12)),
                ("04", format!("{:02}", d.minute())),
                ("05", format!("{:02}", d.second())),
                ("PM", if d.hour() >= 12 { "PM".into() } else { "AM".into() }),
                ("pm", if d.hour() >= 12 { "pm".into() } else { "am".into() }),
                ("1", d.month().to_string()),
                ("2", d.day().to_string()),
                ("3", hour12.to_string()),
            ];
            let extra: [(&str, String); 2] = [("4", d.minute().to_string()), ("5", d.second().to_string())];
            if let Some((k, v)) = elems.iter().chain(extra.iter()).find(|(k, _)| rest.starts_with(k)) {
                out.push_str(v);
                rest = &rest[k.len()..];
            } else {
                let c = rest.chars().next().unwrap_or(' ');
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }
}

/// `+hh:mm` (colon) or `+hhmm`.
fn offset_text(off: i32, colon: bool) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs();
    let (h, m) = (a / 3600, (a % 3600) / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

impl Default for Time {
    fn default() -> Time {
        Time::zero()
    }
}

impl fmt::Debug for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339_nano())
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.go_string())
    }
}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Time) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Time {
    /// By instant (then offset, to stay consistent with `Eq`).
    fn cmp(&self, other: &Time) -> std::cmp::Ordering {
        (self.dt.timestamp(), self.dt.timestamp_subsec_nanos(), self.offset_seconds()).cmp(&(
            other.dt.timestamp(),
            other.dt.timestamp_subsec_nanos(),
            other.offset_seconds(),
        ))
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339_nano())
    }
}

impl<'de> Deserialize<'de> for Time {
    /// An RFC 3339 string; `null` and `""` are the zero time (Helm's
    /// `Info`/`HookExecution` unmarshalers treat `""` that way).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s.as_deref() {
            None | Some("") => Ok(Time::zero()),
            Some(t) => Time::parse_rfc3339(t).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "parsing time {t:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse as RFC 3339"
                ))
            }),
        }
    }
}

#[cfg(test)]
mod go_layout_tests {
    use super::Time;

    #[test]
    fn go_layouts() {
        let t = Time::parse_rfc3339("2026-03-04T05:06:07.120000000Z").unwrap();
        assert_eq!(t.format_go("2006-01-02 15:04:05Z0700"), "2026-03-04 05:06:07Z");
        assert_eq!(t.format_go("Jan _2 3:04PM .000 .999 Monday"), "Mar  4 5:06AM .120 .12 Wednesday");
        assert_eq!(t.format_go("2006-01-02T15:04:05-07:00"), "2026-03-04T05:06:07+00:00");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = Time::parse_rfc3339("2026-11-21T21:12:42.557769518Z").unwrap();
        assert_eq!(t.rfc3339_nano(), "2026-11-21T21:12:42.557769518Z");
        assert_eq!(t.go_string(), "2026-11-21 21:12:42.557769518 +0000 UTC");
        assert_eq!(t.format_ansic(), "Sat Nov 21 21:12:42 2026");
        let t = Time::parse_rfc3339("2024-03-05T01:02:03.500+02:00").unwrap();
        assert_eq!(t.rfc3339_nano(), "2024-03-05T01:02:03.5+02:00");
        assert_eq!(t.go_string(), "2024-03-05 01:02:03.5 +0200 +0200");
        assert_eq!(t.format_ansic(), "Tue Mar  5 01:02:03 2024");
        assert_eq!(Time::zero().rfc3339_nano(), "0001-01-01T00:00:00Z");
        assert!(Time::zero().is_zero());
        assert!(Time::parse_rfc3339("0001-01-01T00:00:00Z").unwrap().is_zero());
        assert!(Time::parse_rfc3339("2024-13-01T00:00:00Z").is_none());
        assert!(Time::parse_rfc3339("2024-01-01T00:00:00").is_none());
        assert!(Time::parse_rfc3339("").is_none());
    }
}
