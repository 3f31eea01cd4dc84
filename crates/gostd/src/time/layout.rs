//! Go's reference-time layouts (`2006-01-02T15:04:05Z07:00`, `Jan`,
//! `Monday`, `.000`, `MST`, …) for `time.Time.Format` and `time.Parse`,
//! plus civil-calendar arithmetic.  Sprig's `date`, `toDate` and friends
//! hand user layouts straight to Go, so the chunking rules of Go's
//! `nextStdChunk` are reproduced exactly (e.g. `_2006` is `_` + year).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    Iso8601Tz,
    Iso8601SecondsTz,
    Iso8601ShortTz,
    Iso8601ColonTz,
    Iso8601ColonSecondsTz,
    NumTz,
    NumSecondsTz,
    NumShortTz,
    NumColonTz,
    NumColonSecondsTz,
    /// `.000` / `,000`: exactly n digits; separator byte kept.
    Frac0(usize, u8),
    /// `.999`: up to n digits, trailing zeros trimmed.
    Frac9(usize, u8),
}

fn starts(s: &[u8], i: usize, p: &str) -> bool {
    s.len() >= i + p.len() && &s[i..i + p.len()] == p.as_bytes()
}

/// Go's `nextStdChunk`: (literal prefix, std, suffix).
pub fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let l = layout.as_bytes();
    let mut i = 0;
    while i < l.len() {
        let c = l[i];
        let hit: Option<(Std, usize)> = match c {
            b'J' if starts(l, i, "Jan") => {
                if starts(l, i, "January") {
                    Some((Std::LongMonth, 7))
                } else {
                    Some((Std::Month, 3))
                }
            }
            b'M' if starts(l, i, "Mon") => {
                if starts(l, i, "Monday") {
                    Some((Std::LongWeekDay, 6))
                } else {
                    Some((Std::WeekDay, 3))
                }
            }
            b'M' if starts(l, i, "MST") => Some((Std::Tz, 3)),
            b'0' if i + 1 < l.len() && (b'1'..=b'6').contains(&l[i + 1]) => Some((
                [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][(l[i + 1] - b'1') as usize],
                2,
            )),
            b'0' if starts(l, i, "002") => Some((Std::ZeroYearDay, 3)),
            b'1' => {
                if starts(l, i, "15") {
                    Some((Std::Hour, 2))
                } else {
                    Some((Std::NumMonth, 1))
                }
            }
            b'2' => {
                if starts(l, i, "2006") {
                    Some((Std::LongYear, 4))
                } else {
                    Some((Std::Day, 1))
                }
            }
            b'_' if i + 1 < l.len() && l[i + 1] == b'2' => {
                if starts(l, i + 1, "2006") {
                    // `_2006` is a literal `_` followed by the year.
                    return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                }
                Some((Std::UnderDay, 2))
            }
            b'_' if starts(l, i, "__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if starts(l, i, "PM") => Some((Std::PM, 2)),
            b'p' if starts(l, i, "pm") => Some((Std::Pm, 2)),
            b'-' => {
                if starts(l, i, "-070000") {
                    Some((Std::NumSecondsTz, 7))
                } else if starts(l, i, "-07:00:00") {
                    Some((Std::NumColonSecondsTz, 9))
                } else if starts(l, i, "-0700") {
                    Some((Std::NumTz, 5))
                } else if starts(l, i, "-07:00") {
                    Some((Std::NumColonTz, 6))
                } else if starts(l, i, "-07") {
                    Some((Std::NumShortTz, 3))
                } else {
                    None
                }
            }
            b'Z' => {
                if starts(l, i, "Z070000") {
                    Some((Std::Iso8601SecondsTz, 7))
                } else if starts(l, i, "Z07:00:00") {
                    Some((Std::Iso8601ColonSecondsTz, 9))
                } else if starts(l, i, "Z0700") {
                    Some((Std::Iso8601Tz, 5))
                } else if starts(l, i, "Z07:00") {
                    Some((Std::Iso8601ColonTz, 6))
                } else if starts(l, i, "Z07") {
                    Some((Std::Iso8601ShortTz, 3))
                } else {
                    None
                }
            }
            b'.' | b',' if i + 1 < l.len() && (l[i + 1] == b'0' || l[i + 1] == b'9') => {
                let ch = l[i + 1];
                let mut j = i + 1;
                while j < l.len() && l[j] == ch {
                    j += 1;
                }
                // Only a fractional second if not followed by another digit.
                if !(j < l.len() && l[j].is_ascii_digit()) {
                    let n = j - (i + 1);
                    Some((
                        if ch == b'0' {
                            Std::Frac0(n, c)
                        } else {
                            Std::Frac9(n, c)
                        },
                        j - i,
                    ))
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some((std, len)) = hit {
            return (&layout[..i], Some(std), &layout[i + len..]);
        }
        i += 1;
    }
    (layout, None, "")
}

pub const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// (year, month 1-12, day 1-31) of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

pub fn days_in(m: i64, y: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Broken-down wall-clock time in some zone.
pub struct Civil {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    pub nsec: i64,
    pub yday: i64,
    pub wday: i64,
    pub offset: i64,
    pub zone: String,
}

impl Civil {
    /// From Unix seconds + nanos, shifted by `offset` seconds east of UTC.
    pub fn new(unix: i64, nsec: i64, offset: i64, zone: &str) -> Civil {
        let local = unix + offset;
        let days = local.div_euclid(86400);
        let secs = local.rem_euclid(86400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            min: secs % 3600 / 60,
            sec: secs % 60,
            nsec,
            yday: days - days_from_civil(year, 1, 1) + 1,
            wday: (days + 4).rem_euclid(7),
            offset,
            zone: zone.to_string(),
        }
    }
}

fn pad(out: &mut String, n: i64, width: usize) {
    if n < 0 {
        out.push('-');
        out.push_str(&format!("{:0width$}", -n, width = width));
    } else {
        out.push_str(&format!("{:0width$}", n, width = width));
    }
}

/// `time.Time.Format(layout)` for the broken-down time `t`.
pub fn format(t: &Civil, layout: &str) -> String {
    let mut out = String::new();
    let mut layout = layout;
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        out.push_str(prefix);
        let Some(std) = std else { break };
        layout = suffix;
        match std {
            Std::Year => pad(&mut out, t.year.rem_euclid(100), 2),
            Std::LongYear => pad(&mut out, t.year, 4),
            Std::Month => out.push_str(&LONG_MONTHS[(t.month - 1) as usize][..3]),
            Std::LongMonth => out.push_str(LONG_MONTHS[(t.month - 1) as usize]),
            Std::NumMonth => pad(&mut out, t.month, 0),
            Std::ZeroMonth => pad(&mut out, t.month, 2),
            Std::WeekDay => out.push_str(&LONG_DAYS[t.wday as usize][..3]),
            Std::LongWeekDay => out.push_str(LONG_DAYS[t.wday as usize]),
            Std::Day => pad(&mut out, t.day, 0),
            Std::UnderDay => {
                if t.day < 10 {
                    out.push(' ');
                }
                pad(&mut out, t.day, 0)
            }
            Std::ZeroDay => pad(&mut out, t.day, 2),
            Std::UnderYearDay => out.push_str(&format!("{:>3}", t.yday)),
            Std::ZeroYearDay => pad(&mut out, t.yday, 3),
            Std::Hour => pad(&mut out, t.hour, 2),
            Std::Hour12 | Std::ZeroHour12 => {
                let mut h = t.hour % 12;
                if h == 0 {
                    h = 12;
                }
                pad(&mut out, h, if std == Std::Hour12 { 0 } else { 2 })
            }
            Std::Minute => pad(&mut out, t.min, 0),
            Std::ZeroMinute => pad(&mut out, t.min, 2),
            Std::Second => pad(&mut out, t.sec, 0),
            Std::ZeroSecond => pad(&mut out, t.sec, 2),
            Std::PM => out.push_str(if t.hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if t.hour >= 12 { "pm" } else { "am" }),
            Std::Tz => {
                if !t.zone.is_empty() {
                    out.push_str(&t.zone);
                } else {
                    let z = t.offset / 60;
                    out.push(if z < 0 { '-' } else { '+' });
                    pad(&mut out, z.abs() / 60, 2);
                    pad(&mut out, z.abs() % 60, 2);
                }
            }
            Std::Frac0(n, sep) | Std::Frac9(n, sep) => {
                let digits = format!("{:09}", t.nsec);
                let mut d = &digits[..n.min(9)];
                if matches!(std, Std::Frac9(..)) {
                    d = d.trim_end_matches('0');
                    if d.is_empty() {
                        continue;
                    }
                }
                out.push(sep as char);
                out.push_str(d);
            }
            _ => {
                // Numeric / ISO 8601 zones.
                let iso = matches!(
                    std,
                    Std::Iso8601Tz
                        | Std::Iso8601SecondsTz
                        | Std::Iso8601ShortTz
                        | Std::Iso8601ColonTz
                        | Std::Iso8601ColonSecondsTz
                );
                if iso && t.offset == 0 {
                    out.push('Z');
                    continue;
                }
                let mut zone = t.offset / 60;
                let mut abs = t.offset;
                if zone < 0 {
                    out.push('-');
                    zone = -zone;
                    abs = -abs;
                } else {
                    out.push('+');
                }
                pad(&mut out, zone / 60, 2);
                let colon = matches!(
                    std,
                    Std::Iso8601ColonTz
                        | Std::NumColonTz
                        | Std::Iso8601ColonSecondsTz
                        | Std::NumColonSecondsTz
                );
                if colon {
                    out.push(':');
                }
                if !matches!(std, Std::NumShortTz | Std::Iso8601ShortTz) {
                    pad(&mut out, zone % 60, 2);
                }
                if matches!(
                    std,
                    Std::Iso8601SecondsTz
                        | Std::NumSecondsTz
                        | Std::NumColonSecondsTz
                        | Std::Iso8601ColonSecondsTz
                ) {
                    if colon {
                        out.push(':');
                    }
                    pad(&mut out, abs % 60, 2);
                }
            }
        }
    }
    out
}

/// What `parse` found; the caller resolves zones.
pub struct Parsed {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    pub nsec: i64,
    /// `Some(0)` with `utc` for `Z`/`UTC`; otherwise an explicit offset.
    pub offset: Option<i64>,
    pub utc: bool,
    pub zone_name: String,
}

fn quote(s: &str) -> String {
    crate::strconv::quote(s)
}

fn parse_err(layout: &str, value: &str, lelem: &str, velem: &str, msg: &str) -> String {
    if msg.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(value),
            quote(layout),
            quote(velem),
            quote(lelem)
        )
    } else {
        format!("parsing time {}{}", quote(value), msg)
    }
}

fn is_digit(s: &[u8], i: usize) -> bool {
    i < s.len() && s[i].is_ascii_digit()
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !is_digit(b, 0) {
        return None;
    }
    if !is_digit(b, 1) {
        if fixed {
            return None;
        }
        return Some(((b[0] - b'0') as i64, &s[1..]));
    }
    Some((((b[0] - b'0') * 10 + (b[1] - b'0')) as i64, &s[2..]))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let mut n = 0i64;
    let mut i = 0;
    while i < 3 && is_digit(b, i) {
        n = n * 10 + (b[i] - b'0') as i64;
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

fn lookup<'a>(tab: &[&str], val: &'a str, short: bool) -> Option<(i64, &'a str)> {
    for (i, name) in tab.iter().enumerate() {
        let name = if short { &name[..3] } else { name };
        if val.len() >= name.len()
            && val.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return Some((i as i64, &val[name.len()..]));
        }
    }
    None
}

fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Option<&'a str> {
    while !prefix.is_empty() {
        if prefix.starts_with(' ') {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if value.is_empty() || value.as_bytes()[0] != prefix.as_bytes()[0] {
            return None;
        }
        // Advance by one byte; prefixes are compared bytewise like Go.
        let n = prefix.chars().next().map_or(1, char::len_utf8);
        if !value.is_char_boundary(n) || value.as_bytes()[..n] != prefix.as_bytes()[..n] {
            return None;
        }
        prefix = &prefix[n..];
        value = &value[n..];
    }
    Some(value)
}

/// Nanoseconds from `.ddd` (the separator is value[0]); `n` bytes in all.
fn parse_nanos(value: &str, n: usize) -> Option<i64> {
    let b = value.as_bytes();
    if n == 0 || !(b[0] == b'.' || b[0] == b',') {
        return None;
    }
    let digits = &value[1..n.min(10)];
    let mut ns: i64 = digits.parse().ok()?;
    for _ in digits.len()..9 {
        ns *= 10;
    }
    Some(ns)
}

/// Length of a plausible zone abbreviation at the start of `v` (Go's parseTimeZone, simplified).
fn parse_tz_name(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if v.starts_with("ChST") || v.starts_with("MeST") {
        return Some(4);
    }
    if v.starts_with("GMT") {
        let mut n = 3;
        if b.len() > 3 && (b[3] == b'+' || b[3] == b'-') {
            n = 4;
            while n < b.len() && b[n].is_ascii_digit() {
                n += 1;
            }
            if n == 4 {
                return Some(3);
            }
        }
        return Some(n);
    }
    if b[0] == b'+' || b[0] == b'-' {
        let mut n = 1;
        while n < b.len() && n < 5 && b[n].is_ascii_digit() {
            n += 1;
        }
        return if n == 3 || n == 5 { Some(n) } else { None };
    }
    let n = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    match n {
        3 => Some(3),
        4 if b[3] == b'T' => Some(4),
        4 if b[2] == b'T' || b[3] == b'T' => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// `time.Parse` up to zone resolution; errors carry Go's messages.
pub fn parse(alayout: &str, avalue: &str) -> Result<Parsed, String> {
    let mut layout = alayout;
    let mut value = avalue;
    let mut p = Parsed {
        year: 0,
        month: -1,
        day: -1,
        hour: 0,
        min: 0,
        sec: 0,
        nsec: 0,
        offset: None,
        utc: false,
        zone_name: String::new(),
    };
    let mut yday: i64 = -1;
    let (mut pm_set, mut am_set) = (false, false);
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let stdstr = &layout[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix).ok_or_else(|| parse_err(alayout, avalue, prefix, value, ""))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(parse_err(
                    alayout,
                    avalue,
                    "",
                    value,
                    &format!(": extra text: {}", quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err = "";
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    let d = value
                        .get(..2)
                        .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))?;
                    let y: i64 = d.parse().ok()?;
                    p.year = if y >= 69 { y + 1900 } else { y + 2000 };
                    value = &value[2..];
                }
                Std::LongYear => {
                    let d = value
                        .get(..4)
                        .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))?;
                    p.year = d.parse().ok()?;
                    value = &value[4..];
                }
                Std::Month | Std::LongMonth => {
                    let (m, rest) = lookup(&LONG_MONTHS, value, std == Std::Month)?;
                    p.month = m + 1;
                    value = rest;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, rest) = getnum(value, std == Std::ZeroMonth)?;
                    p.month = m;
                    value = rest;
                    if !(1..=12).contains(&m) {
                        range_err = "month";
                    }
                }
                Std::WeekDay | Std::LongWeekDay => {
                    let (_, rest) = lookup(&LONG_DAYS, value, std == Std::WeekDay)?;
                    value = rest;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                    let (d, rest) = getnum(value, std == Std::ZeroDay)?;
                    p.day = d;
                    value = rest;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.starts_with(' ') {
                            value = &value[1..];
                        }
                    }
                    let (d, rest) = getnum3(value, std == Std::ZeroYearDay)?;
                    yday = d;
                    value = rest;
                }
                Std::Hour => {
                    let (h, rest) = getnum(value, false)?;
                    p.hour = h;
                    value = rest;
                    if h >= 24 {
                        range_err = "hour";
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, rest) = getnum(value, std == Std::ZeroHour12)?;
                    p.hour = h;
                    value = rest;
                    if h > 12 {
                        range_err = "hour";
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, rest) = getnum(value, std == Std::ZeroMinute)?;
                    p.min = m;
                    value = rest;
                    if m >= 60 {
                        range_err = "minute";
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, rest) = getnum(value, std == Std::ZeroSecond)?;
                    p.sec = s;
                    value = rest;
                    if s >= 60 {
                        range_err = "second";
                        return Some(());
                    }
                    let b = value.as_bytes();
                    if b.len() >= 2 && (b[0] == b'.' || b[0] == b',') && b[1].is_ascii_digit() {
                        let (_, next, _) = next_std_chunk(layout);
                        if matches!(next, Some(Std::Frac0(..)) | Some(Std::Frac9(..))) {
                            return Some(());
                        }
                        let mut n = 2;
                        while n < b.len() && b[n].is_ascii_digit() {
                            n += 1;
                        }
                        p.nsec = parse_nanos(value, n)?;
                        value = &value[n..];
                    }
                }
                Std::PM | Std::Pm => {
                    let s = value.get(..2)?;
                    match (std, s) {
                        (Std::PM, "PM") | (Std::Pm, "pm") => pm_set = true,
                        (Std::PM, "AM") | (Std::Pm, "am") => am_set = true,
                        _ => return None,
                    }
                    value = &value[2..];
                }
                Std::Tz => {
                    if value.starts_with("UTC") {
                        p.utc = true;
                        value = &value[3..];
                        return Some(());
                    }
                    let n = parse_tz_name(value)?;
                    p.zone_name = value[..n].to_string();
                    value = &value[n..];
                }
                Std::Frac0(n, _) => {
                    let nd = 1 + n;
                    if value.len() < nd {
                        return None;
                    }
                    p.nsec = parse_nanos(value, nd)?;
                    value = &value[nd..];
                }
                Std::Frac9(..) => {
                    let b = value.as_bytes();
                    if b.len() < 2 || !(b[0] == b'.' || b[0] == b',') || !b[1].is_ascii_digit() {
                        return Some(());
                    }
                    let mut i = 0;
                    while i + 1 < b.len() && b[i + 1].is_ascii_digit() {
                        i += 1;
                    }
                    p.nsec = parse_nanos(value, 1 + i)?;
                    value = &value[1 + i..];
                }
                _ => {
                    let iso = matches!(
                        std,
                        Std::Iso8601Tz
                            | Std::Iso8601SecondsTz
                            | Std::Iso8601ShortTz
                            | Std::Iso8601ColonTz
                            | Std::Iso8601ColonSecondsTz
                    );
                    if iso && value.starts_with('Z') {
                        value = &value[1..];
                        p.utc = true;
                        return Some(());
                    }
                    let b = value.as_bytes();
                    let (sign, hh, mm, ss, rest): (u8, &str, &str, &str, &str) = match std {
                        Std::Iso8601ColonTz | Std::NumColonTz => {
                            if b.len() < 6 || b[3] != b':' {
                                return None;
                            }
                            (b[0], value.get(1..3)?, value.get(4..6)?, "00", &value[6..])
                        }
                        Std::NumShortTz | Std::Iso8601ShortTz => {
                            if b.len() < 3 {
                                return None;
                            }
                            (b[0], value.get(1..3)?, "00", "00", &value[3..])
                        }
                        Std::Iso8601ColonSecondsTz | Std::NumColonSecondsTz => {
                            if b.len() < 9 || b[3] != b':' || b[6] != b':' {
                                return None;
                            }
                            (
                                b[0],
                                value.get(1..3)?,
                                value.get(4..6)?,
                                value.get(7..9)?,
                                &value[9..],
                            )
                        }
                        Std::Iso8601SecondsTz | Std::NumSecondsTz => {
                            if b.len() < 7 {
                                return None;
                            }
                            (
                                b[0],
                                value.get(1..3)?,
                                value.get(3..5)?,
                                value.get(5..7)?,
                                &value[7..],
                            )
                        }
                        _ => {
                            if b.len() < 5 {
                                return None;
                            }
                            (b[0], value.get(1..3)?, value.get(3..5)?, "00", &value[5..])
                        }
                    };
                    let hr = getnum(hh, true)?.0;
                    let mi = getnum(mm, true)?.0;
                    let se = getnum(ss, true)?.0;
                    if hr > 24 {
                        range_err = "time zone offset hour";
                    } else if mi > 60 {
                        range_err = "time zone offset minute";
                    } else if se > 60 {
                        range_err = "time zone offset second";
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    p.offset = Some(match sign {
                        b'+' => off,
                        b'-' => -off,
                        _ => return None,
                    });
                    value = rest;
                }
            }
            Some(())
        })();
        if !range_err.is_empty() {
            return Err(parse_err(
                alayout,
                avalue,
                stdstr,
                value,
                &format!(": {range_err} out of range"),
            ));
        }
        if ok.is_none() {
            return Err(parse_err(alayout, avalue, stdstr, hold, ""));
        }
    }
    if pm_set && p.hour < 12 {
        p.hour += 12;
    } else if am_set && p.hour == 12 {
        p.hour = 0;
    }
    if yday >= 0 {
        let mut m = 0;
        let mut d = yday;
        if yday < 1 || yday > 365 + is_leap(p.year) as i64 {
            return Err(parse_err(
                alayout,
                avalue,
                "",
                value,
                ": day-of-year out of range",
            ));
        }
        if p.month < 0 {
            m = 1;
            while d > days_in(m, p.year) {
                d -= days_in(m, p.year);
                m += 1;
            }
        }
        if p.month >= 0 && p.month != m && m != 0 || p.day >= 0 && p.day != d && m != 0 {
            return Err(parse_err(
                alayout,
                avalue,
                "",
                value,
                ": day-of-year does not match month",
            ));
        }
        if m != 0 {
            p.month = m;
            p.day = d;
        }
    } else {
        if p.month < 0 {
            p.month = 1;
        }
        if p.day < 0 {
            p.day = 1;
        }
    }
    if p.day < 1 || p.day > days_in(p.month, p.year) {
        return Err(parse_err(alayout, avalue, "", value, ": day out of range"));
    }
    Ok(p)
}
