//! Sprig's date functions (`now`, `date`, `dateInZone`, `toDate`,
//! `dateModify`, `ago`, `duration`, …) over a Go-like `time.Time`.
//!
//! `time.Time` is a `Value::Object` (type `time.Time`, kind `struct`) that
//! prints like Go (`2024-03-05 00:00:00 +0000 UTC`) and answers the methods
//! templates call (`.Year`, `.Unix`, `.Format`, `.UTC`, …).  Layout
//! formatting/parsing is Go's, from `gostd::time`; zones come from `chrono-tz`.
//! "Local" is the `TZ` environment variable (UTC when unset or unknown),
//! which is what Helm sees in the tests (TZ=UTC).
//!
//! Gap: Go checks `time.Time` parameters (`dateModify`, `unixEpoch`) in the
//! executor ("wrong type for value; expected time.Time"); `ParamType` has no
//! object type, so those are `Any` and a mismatch is reported as a function
//! error with the same text.

pub use gostd::time::format_go_time;
use gostd::time::layout as date_layout;
use gostd::time::{duration_string, parse_duration};

use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use date_layout::Civil;
use gotmpl::{FuncMap, IntKind, Object, ParamType as P, Value};

/// A time zone as Go's `*time.Location`.
#[derive(Clone, Debug)]
enum Loc {
    Utc,
    Local,
    Tz(Tz),
    /// `FixedZone(name, offset)` from parsing an offset that is not local.
    Fixed(i64, String),
}

fn local_tz() -> Option<Tz> {
    static L: OnceLock<Option<Tz>> = OnceLock::new();
    *L.get_or_init(|| {
        let tz = std::env::var("TZ").ok()?;
        let tz = tz.trim_start_matches(':');
        if tz.is_empty() || tz == "UTC" {
            return None;
        }
        tz.parse::<Tz>().ok()
    })
}

impl Loc {
    /// `time.LoadLocation`.
    fn load(name: &str) -> Option<Loc> {
        match name {
            "" | "UTC" => Some(Loc::Utc),
            "Local" => Some(Loc::Local),
            _ => name.parse::<Tz>().ok().map(Loc::Tz),
        }
    }

    fn resolve(&self) -> Loc {
        match self {
            Loc::Local => local_tz().map_or(Loc::Utc, Loc::Tz),
            other => other.clone(),
        }
    }

    /// (offset east of UTC in seconds, abbreviation) in effect at `unix`.
    fn zone_at(&self, unix: i64) -> (i64, String) {
        match self.resolve() {
            Loc::Tz(tz) => match chrono::DateTime::from_timestamp(unix, 0) {
                Some(dt) => {
                    let off = tz.offset_from_utc_datetime(&dt.naive_utc());
                    (off.fix().local_minus_utc() as i64, off.to_string())
                }
                None => (0, "UTC".into()),
            },
            Loc::Fixed(o, n) => (o, n),
            _ => (0, "UTC".into()),
        }
    }

    /// Unix seconds of a wall-clock time in this zone (Go's `time.Date`).
    fn unix_of(&self, wall: i64) -> i64 {
        match self.resolve() {
            Loc::Tz(tz) => match chrono::DateTime::from_timestamp(wall, 0) {
                Some(dt) => match tz.offset_from_local_datetime(&dt.naive_utc()).earliest() {
                    Some(off) => wall - off.fix().local_minus_utc() as i64,
                    None => wall - self.zone_at(wall).0,
                },
                None => wall,
            },
            Loc::Fixed(o, _) => wall - o,
            _ => wall,
        }
    }

    fn name(&self) -> String {
        match self {
            Loc::Utc => "UTC".into(),
            Loc::Local => "Local".into(),
            Loc::Tz(tz) => tz.name().to_string(),
            Loc::Fixed(_, n) => n.clone(),
        }
    }
}

/// Go's `time.Time`.
#[derive(Clone, Debug)]
pub(crate) struct Time {
    unix: i64,
    nsec: i64,
    loc: Loc,
    /// Monotonic reading (seconds since process start) for `now`.
    mono: Option<f64>,
}

const NS: i64 = 1_000_000_000;

impl Time {
    fn now() -> Time {
        static START: OnceLock<Instant> = OnceLock::new();
        let start = *START.get_or_init(Instant::now);
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Time {
            unix: d.as_secs() as i64,
            nsec: d.subsec_nanos() as i64,
            loc: Loc::Local,
            mono: Some(start.elapsed().as_secs_f64()),
        }
    }

    fn unix(secs: i64) -> Time {
        Time {
            unix: secs,
            nsec: 0,
            loc: Loc::Local,
            mono: None,
        }
    }

    /// Go's zero Time (January 1, year 1, 00:00:00 UTC).
    fn zero() -> Time {
        Time {
            unix: date_layout::days_from_civil(1, 1, 1) * 86400,
            nsec: 0,
            loc: Loc::Utc,
            mono: None,
        }
    }

    fn civil(&self) -> Civil {
        let (off, name) = self.loc.zone_at(self.unix);
        Civil::new(self.unix, self.nsec, off, &name)
    }

    fn format(&self, layout: &str) -> String {
        date_layout::format(&self.civil(), layout)
    }

    fn in_loc(&self, loc: Loc) -> Time {
        Time {
            loc,
            ..self.clone()
        }
    }

    /// Total nanoseconds since the epoch (saturating; for Sub/Since).
    fn nanos(&self) -> i128 {
        self.unix as i128 * NS as i128 + self.nsec as i128
    }

    fn add(&self, d: i64) -> Time {
        let total = self.nanos() + d as i128;
        Time {
            unix: total.div_euclid(NS as i128) as i64,
            nsec: total.rem_euclid(NS as i128) as i64,
            loc: self.loc.clone(),
            mono: self.mono.map(|m| m + d as f64 / 1e9),
        }
    }

    fn since_ns(&self) -> i64 {
        let now = Time::now().nanos();
        (now - self.nanos()).clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }

    /// `time.Date(...)` in `loc`, normalising out-of-range fields.
    #[allow(clippy::too_many_arguments)]
    fn from_civil(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ns: i64, loc: Loc) -> Time {
        let m0 = mo - 1;
        let y = y + m0.div_euclid(12);
        let mo = m0.rem_euclid(12) + 1;
        let days = date_layout::days_from_civil(y, mo, 1) + d - 1;
        let wall = days * 86400 + h * 3600 + mi * 60 + s + ns.div_euclid(NS);
        Time {
            unix: loc.unix_of(wall),
            nsec: ns.rem_euclid(NS),
            loc,
            mono: None,
        }
    }
}

impl Object for Time {
    fn type_name(&self) -> String {
        "time.Time".into()
    }
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let c = || self.civil();
        let int = |n: i64| Ok(Value::int(n));
        Some(match name {
            "Year" => int(c().year),
            "Month" => Ok(Value::Object(Rc::new(Named::Month(c().month)))),
            "Day" => int(c().day),
            "Hour" => int(c().hour),
            "Minute" => int(c().min),
            "Second" => int(c().sec),
            "Nanosecond" => int(self.nsec),
            "YearDay" => int(c().yday),
            "Weekday" => Ok(Value::Object(Rc::new(Named::Weekday(c().wday)))),
            "Unix" => Ok(Value::int64(self.unix)),
            "UnixMilli" => Ok(Value::int64(self.unix * 1000 + self.nsec / 1_000_000)),
            "UnixMicro" => Ok(Value::int64(self.unix * 1_000_000 + self.nsec / 1000)),
            "UnixNano" => Ok(Value::int64(
                (self.nanos()).clamp(i64::MIN as i128, i64::MAX as i128) as i64,
            )),
            "String" => Ok(Value::string(self.format_v())),
            "IsZero" => Ok(Value::Bool(
                self.unix == Time::zero().unix && self.nsec == 0,
            )),
            "UTC" => Ok(time_value(Time {
                mono: None,
                ..self.in_loc(Loc::Utc)
            })),
            "Local" => Ok(time_value(Time {
                mono: None,
                ..self.in_loc(Loc::Local)
            })),
            "Location" => Ok(Value::string(self.loc.name())),
            "Format" => match args.first() {
                Some(Value::String(l)) => Ok(Value::string(self.format(l))),
                _ => Err("wrong number of args for Format: want 1 got 0".into()),
            },
            "Add" => match args.first() {
                Some(Value::Int(n, _)) => Ok(time_value(self.add(*n))),
                Some(Value::Object(o)) => match o.as_any().downcast_ref::<Duration>() {
                    Some(d) => Ok(time_value(self.add(d.0))),
                    None => Err(format!(
                        "wrong type for value; expected time.Duration; got {}",
                        o.type_name()
                    )),
                },
                _ => Err("wrong number of args for Add: want 1 got 0".into()),
            },
            "AddDate" => match args {
                [Value::Int(y, _), Value::Int(m, _), Value::Int(d, _)] => {
                    let cv = c();
                    let t = Time::from_civil(
                        cv.year + y,
                        cv.month + m,
                        cv.day + d,
                        cv.hour,
                        cv.min,
                        cv.sec,
                        self.nsec,
                        self.loc.clone(),
                    );
                    Ok(time_value(t))
                }
                _ => Err(format!(
                    "wrong number of args for AddDate: want 3 got {}",
                    args.len()
                )),
            },
            "Sub" | "Before" | "After" | "Equal" | "Compare" => {
                let Some(o) = arg_time(args) else {
                    return Some(Err("wrong type for value; expected time.Time".into()));
                };
                let (a, b) = (self.nanos(), o.nanos());
                match name {
                    "Sub" => Ok(duration_value(
                        (a - b).clamp(i64::MIN as i128, i64::MAX as i128) as i64,
                    )),
                    "Before" => Ok(Value::Bool(a < b)),
                    "After" => Ok(Value::Bool(a > b)),
                    "Equal" => Ok(Value::Bool(a == b)),
                    _ => int(a.cmp(&b) as i64),
                }
            }
            _ => return None,
        })
    }
    fn format_v(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            s.push_str(&format!(" m=+{m:.9}"));
        }
        s
    }
    fn to_data(&self) -> Value {
        // encoding/json uses RFC 3339 with nanoseconds.
        Value::string(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `time.Month` / `time.Weekday`: integers that print as names.
#[derive(Debug)]
enum Named {
    Month(i64),
    Weekday(i64),
}

impl Object for Named {
    fn type_name(&self) -> String {
        match self {
            Named::Month(_) => "time.Month".into(),
            Named::Weekday(_) => "time.Weekday".into(),
        }
    }
    fn kind_name(&self) -> &'static str {
        "int"
    }
    fn call(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        (name == "String").then(|| Ok(Value::string(self.format_v())))
    }
    fn format_v(&self) -> String {
        match self {
            Named::Month(m) => date_layout::LONG_MONTHS
                .get((*m - 1) as usize)
                .map_or("%!Month", |s| s)
                .to_string(),
            Named::Weekday(d) => date_layout::LONG_DAYS
                .get(*d as usize)
                .map_or("%!Weekday", |s| s)
                .to_string(),
        }
    }
    fn to_data(&self) -> Value {
        match self {
            Named::Month(n) | Named::Weekday(n) => Value::int(*n),
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `time.Duration` (nanoseconds).
#[derive(Debug)]
pub(crate) struct Duration(i64);

impl Object for Duration {
    fn type_name(&self) -> String {
        "time.Duration".into()
    }
    fn kind_name(&self) -> &'static str {
        "int64"
    }
    fn call(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(match name {
            "String" => Ok(Value::string(duration_string(self.0))),
            "Seconds" => Ok(Value::Float(self.0 as f64 / 1e9)),
            "Minutes" => Ok(Value::Float(self.0 as f64 / 6e10)),
            "Hours" => Ok(Value::Float(self.0 as f64 / 3.6e12)),
            "Milliseconds" => Ok(Value::int64(self.0 / 1_000_000)),
            "Nanoseconds" => Ok(Value::int64(self.0)),
            _ => return None,
        })
    }
    fn format_v(&self) -> String {
        duration_string(self.0)
    }
    fn to_data(&self) -> Value {
        Value::int64(self.0)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn time_value(t: Time) -> Value {
    Value::Object(Rc::new(t))
}

fn duration_value(d: i64) -> Value {
    Value::Object(Rc::new(Duration(d)))
}

fn arg_time(args: &[Value]) -> Option<Time> {
    match args.first() {
        Some(Value::Object(o)) => o.as_any().downcast_ref::<Time>().cloned(),
        _ => None,
    }
}

/// Go's `Duration.Round(m)` (halves away from zero).
fn round_duration(d: i64, m: i64) -> i64 {
    let r = d % m;
    if d < 0 {
        let r = -r;
        if r + r < m {
            d + r
        } else {
            d.checked_sub(m - r).unwrap_or(i64::MIN)
        }
    } else if r + r < m {
        d - r
    } else {
        d.checked_add(m - r).unwrap_or(i64::MAX)
    }
}

/// Sprig's date argument: time.Time, or int/int32/int64 Unix seconds;
/// anything else means "now".
fn date_arg(v: &Value) -> Time {
    match v {
        Value::Object(o) => o
            .as_any()
            .downcast_ref::<Time>()
            .cloned()
            .unwrap_or_else(Time::now),
        Value::Int(n, IntKind::Int | IntKind::Int64 | IntKind::Int32) => Time::unix(*n),
        _ => Time::now(),
    }
}

fn date_in_zone(fmt: &str, date: &Value, zone: &str) -> String {
    let loc = Loc::load(zone).unwrap_or(Loc::Utc);
    date_arg(date).in_loc(loc).format(fmt)
}

fn require_time(v: &Value) -> Result<Time, String> {
    match v {
        Value::Object(o) => match o.as_any().downcast_ref::<Time>() {
            Some(t) => Ok(t.clone()),
            None => Err(format!(
                "wrong type for value; expected time.Time; got {}",
                o.type_name()
            )),
        },
        other => Err(format!(
            "wrong type for value; expected time.Time; got {}",
            other.type_name()
        )),
    }
}

/// `time.ParseInLocation(layout, value, time.Local)`.
fn parse_in_local(layout: &str, value: &str) -> Result<Time, String> {
    let p = date_layout::parse(layout, value)?;
    if p.utc {
        return Ok(Time::from_civil(
            p.year,
            p.month,
            p.day,
            p.hour,
            p.min,
            p.sec,
            p.nsec,
            Loc::Utc,
        ));
    }
    if let Some(off) = p.offset {
        let t = Time::from_civil(
            p.year,
            p.month,
            p.day,
            p.hour,
            p.min,
            p.sec,
            p.nsec,
            Loc::Fixed(off, String::new()),
        );
        let (loff, lname) = Loc::Local.zone_at(t.unix);
        if loff == off && (p.zone_name.is_empty() || p.zone_name == lname) {
            return Ok(t.in_loc(Loc::Local));
        }
        return Ok(t.in_loc(Loc::Fixed(off, p.zone_name)));
    }
    if !p.zone_name.is_empty() {
        let t = Time::from_civil(
            p.year,
            p.month,
            p.day,
            p.hour,
            p.min,
            p.sec,
            p.nsec,
            Loc::Utc,
        );
        let (loff, lname) = Loc::Local.zone_at(t.unix);
        if lname == p.zone_name {
            return Ok(Time {
                unix: t.unix - loff,
                ..t.in_loc(Loc::Local)
            });
        }
        let mut off = 0;
        if p.zone_name.len() > 3 && p.zone_name.starts_with("GMT") {
            off = p.zone_name[3..].parse::<i64>().unwrap_or(0) * 3600;
        }
        return Ok(Time {
            unix: t.unix - off,
            ..t.in_loc(Loc::Fixed(off, p.zone_name))
        });
    }
    Ok(Time::from_civil(
        p.year,
        p.month,
        p.day,
        p.hour,
        p.min,
        p.sec,
        p.nsec,
        Loc::Local,
    ))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

pub(crate) fn register(m: &mut FuncMap) {
    m.add("now", &[], None, |_| Ok(time_value(Time::now())));
    m.add("date", &[P::String, P::Any], None, |a| {
        Ok(Value::string(date_in_zone(s(&a[0]), &a[1], "Local")))
    });
    for name in ["dateInZone", "date_in_zone"] {
        m.add(name, &[P::String, P::Any, P::String], None, |a| {
            Ok(Value::string(date_in_zone(s(&a[0]), &a[1], s(&a[2]))))
        });
    }
    m.add("htmlDate", &[P::Any], None, |a| {
        Ok(Value::string(date_in_zone("2006-01-02", &a[0], "Local")))
    });
    m.add("htmlDateInZone", &[P::Any, P::String], None, |a| {
        Ok(Value::string(date_in_zone("2006-01-02", &a[0], s(&a[1]))))
    });
    for name in ["dateModify", "date_modify"] {
        m.add(name, &[P::String, P::Any], None, |a| {
            let t = require_time(&a[1])?;
            Ok(time_value(match parse_duration(s(&a[0])) {
                Ok(d) => t.add(d),
                Err(_) => t,
            }))
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        m.add(name, &[P::String, P::Any], None, |a| {
            let t = require_time(&a[1])?;
            Ok(time_value(t.add(parse_duration(s(&a[0]))?)))
        });
    }
    m.add("ago", &[P::Any], None, |a| {
        let t = match &a[0] {
            Value::Int(n, IntKind::Int | IntKind::Int64) => Time::unix(*n),
            other => date_arg(other),
        };
        Ok(Value::string(duration_string(round_duration(
            t.since_ns(),
            NS,
        ))))
    });
    m.add("duration", &[P::Any], None, |a| {
        let n: i64 = match &a[0] {
            Value::String(v) => v.parse().unwrap_or(0),
            Value::Int(n, IntKind::Int64) => *n,
            _ => 0,
        };
        Ok(Value::string(duration_string(n.wrapping_mul(NS))))
    });
    m.add("durationRound", &[P::Any], None, |a| {
        let d: i64 = match &a[0] {
            Value::String(v) => parse_duration(v).unwrap_or(0),
            Value::Int(n, IntKind::Int64) => *n,
            Value::Object(o) => o.as_any().downcast_ref::<Time>().map_or(0, Time::since_ns),
            _ => 0,
        };
        Ok(Value::string(duration_round(d)))
    });
    m.add("toDate", &[P::String, P::String], None, |a| {
        Ok(time_value(
            parse_in_local(s(&a[0]), s(&a[1])).unwrap_or_else(|_| Time::zero()),
        ))
    });
    m.add("mustToDate", &[P::String, P::String], None, |a| {
        Ok(time_value(parse_in_local(s(&a[0]), s(&a[1]))?))
    });
    m.add("unixEpoch", &[P::Any], None, |a| {
        Ok(Value::string(require_time(&a[0])?.unix.to_string()))
    });
}

/// Sprig's coarse `durationRound`: the largest whole unit (y, mo, d, h, m, s).
fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const H: u64 = 3_600_000_000_000;
    let units: [(u64, &str); 6] = [
        (H * 24 * 365, "y"),
        (H * 24 * 30, "mo"),
        (H * 24, "d"),
        (H, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (size, name) in units {
        if u > size {
            return format!("{}{name}", u / size);
        }
    }
    "0s".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(secs: i64) -> Time {
        Time::unix(secs).in_loc(Loc::Utc)
    }

    #[test]
    fn formats() {
        let t = utc(1_700_000_000);
        assert_eq!(
            t.format("2006-01-02T15:04:05Z07:00"),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            t.format("Mon Jan _2 3:04PM MST 06"),
            "Tue Nov 14 10:13PM UTC 23"
        );
        assert_eq!(
            t.format("Monday January 2 15:04:05.000 -07:00 __2 002"),
            "Tuesday November 14 22:13:20.000 +00:00 318 318"
        );
        assert_eq!(t.format("_2006"), "_2023");
        assert_eq!(utc(0).format_v(), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(Time::zero().format_v(), "0001-01-01 00:00:00 +0000 UTC");
    }

    #[test]
    fn parses() {
        // These expectations assume Local = UTC (TZ unset or UTC), as in CI.
        if local_tz().is_some() {
            return;
        }
        let t = parse_in_local("2006-01-02", "2024-03-05").unwrap();
        assert_eq!(t.unix, 1_709_596_800);
        let t = parse_in_local(
            "2006-01-02T15:04:05.999999999Z07:00",
            "2024-03-05T01:02:03.5Z",
        )
        .unwrap();
        assert_eq!(
            t.in_loc(Loc::Utc).format_v(),
            "2024-03-05 01:02:03.5 +0000 UTC"
        );
        let t = parse_in_local("2006-01-02 15:04 -0700", "2024-03-05 10:00 +0100").unwrap();
        assert_eq!(t.unix, 1_709_596_800 + 9 * 3600);
        assert_eq!(t.format_v(), "2024-03-05 10:00:00 +0100 +0100");
        assert_eq!(
            parse_in_local("2006-01-02", "not a date").unwrap_err(),
            "parsing time \"not a date\" as \"2006-01-02\": cannot parse \"not a date\" as \"2006\""
        );
        assert_eq!(
            parse_in_local("2006-01-02", "2024-13-01").unwrap_err(),
            "parsing time \"2024-13-01\": month out of range"
        );
        assert_eq!(
            parse_in_local("2006-01-02", "2024-01-01x").unwrap_err(),
            "parsing time \"2024-01-01x\": extra text: \"x\""
        );
        assert_eq!(
            parse_in_local("Jan 2, 2006 at 3:04pm", "Feb 3, 2013 at 7:54pm")
                .unwrap()
                .in_loc(Loc::Utc)
                .format_v(),
            "2013-02-03 19:54:00 +0000 UTC"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration_string(3600 * NS), "1h0m0s");
        assert_eq!(duration_string(90 * NS + NS / 2), "1m30.5s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(duration_string(-2_000), "-2µs");
        assert_eq!(duration_string(7), "7ns");
        assert_eq!(parse_duration("1h2m3.5s").unwrap(), 3723 * NS + NS / 2);
        assert_eq!(parse_duration("-48h").unwrap(), -48 * 3600 * NS);
        assert_eq!(
            parse_duration("bogus").unwrap_err(),
            "time: invalid duration \"bogus\""
        );
        assert_eq!(
            parse_duration("1").unwrap_err(),
            "time: missing unit in duration \"1\""
        );
        assert_eq!(
            parse_duration("1x").unwrap_err(),
            "time: unknown unit \"x\" in duration \"1x\""
        );
        assert_eq!(duration_round(3 * 3600 * NS + 5), "3h");
        assert_eq!(duration_round(40 * 24 * 3600 * NS), "1mo");
        assert_eq!(round_duration(1_500_000_000, NS), 2 * NS);
    }
}
