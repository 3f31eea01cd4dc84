//! Go's `time.Time` as release records carry it.
//!
//! A Go time is an instant plus a location; when it goes through JSON only
//! the UTC offset survives (`2026-11-21T21:12:42.557769518Z`,
//! `…+02:00`).  Records must round-trip byte for byte, so [`Time`] keeps
//! the instant *and* the offset it was written with, and prints exactly as
//! Go's `MarshalJSON` (RFC 3339 with trailing zeros of the fraction
//! trimmed), `String()` and `Format(time.ANSIC)` do.

use std::fmt;

use chrono::{DateTime, FixedOffset, Local, NaiveDate, Offset, TimeZone, Utc};
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
        Time {
            dt: now.with_timezone(&now.offset().fix()),
        }
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
            Some(t) => Time {
                dt: t.fixed_offset(),
            },
            None => Time::zero_fallback(),
        }
    }

    /// A time from Unix seconds shown in the local zone (what Go's
    /// `os.Stat().ModTime()` gives).
    pub fn from_unix_local(secs: i64, nanos: u32) -> Time {
        match Local.timestamp_opt(secs, nanos.min(999_999_999)).single() {
            Some(t) => Time {
                dt: t.with_timezone(&t.offset().fix()),
            },
            None => Time::from_unix_utc(secs, nanos),
        }
    }

    /// The same instant shown with another UTC offset (seconds east of UTC).
    pub fn with_offset(&self, offset_seconds: i32) -> Time {
        match FixedOffset::east_opt(offset_seconds) {
            Some(o) => Time {
                dt: self.dt.with_timezone(&o),
            },
            None => *self,
        }
    }

    fn zero_fallback() -> Time {
        // Built without chrono's timestamp path so it cannot recurse.
        let d = NaiveDate::from_ymd_opt(1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        Time {
            dt: d.and_utc().fixed_offset(),
        }
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
        if b[4] != b'-'
            || b[7] != b'-'
            || !(b[10] == b'T' || b[10] == b't')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let (month, day, hour, min, sec) = (
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
        );
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
        let naive =
            NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(hour, min, sec, nanos)?;
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

    /// Go's `Format(time.RFC3339)`: whole seconds, `Z` for a zero offset
    /// (`helm get metadata`'s `DEPLOYED_AT`).
    pub fn format_rfc3339(&self) -> String {
        let s = self.rfc3339_nano();
        match s.find('.') {
            Some(dot) => {
                let end = s[dot + 1..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map(|i| dot + 1 + i)
                    .unwrap_or(s.len());
                format!("{}{}", &s[..dot], &s[end..])
            }
            None => s,
        }
    }

    /// Go's `Format(time.ANSIC)`: `Mon Jan _2 15:04:05 2006`.
    pub fn format_ansic(&self) -> String {
        self.format_go("Mon Jan _2 15:04:05 2006")
    }
}

impl Time {
    /// Go's `Format(layout)` (Go's layout engine, `gostd::time::format_go_time`).
    /// After JSON a Go time keeps only its offset: a zero offset is `UTC`,
    /// any other is an unnamed fixed zone.
    pub fn format_go(&self, layout: &str) -> String {
        let off = self.offset_seconds() as i64;
        let zone = if off == 0 { "UTC" } else { "" };
        gostd::time::format_go_time(self.unix(), self.nanosecond() as i64, off, zone, layout)
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
        (
            self.dt.timestamp(),
            self.dt.timestamp_subsec_nanos(),
            self.offset_seconds(),
        )
            .cmp(&(
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
        assert_eq!(
            t.format_go("2006-01-02 15:04:05Z0700"),
            "2026-03-04 05:06:07Z"
        );
        assert_eq!(
            t.format_go("Jan _2 3:04PM .000 .999 Monday"),
            "Mar  4 5:06AM .120 .12 Wednesday"
        );
        assert_eq!(
            t.format_go("2006-01-02T15:04:05-07:00"),
            "2026-03-04T05:06:07+00:00"
        );
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
        assert!(Time::parse_rfc3339("0001-01-01T00:00:00Z")
            .unwrap()
            .is_zero());
        assert!(Time::parse_rfc3339("2024-13-01T00:00:00Z").is_none());
        assert!(Time::parse_rfc3339("2024-01-01T00:00:00").is_none());
        assert!(Time::parse_rfc3339("").is_none());
    }
}
