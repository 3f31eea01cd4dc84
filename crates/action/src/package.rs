//! `package`: Helm's `helm package` — load a chart directory and write it
//! as `NAME-VERSION.tgz` the way Helm's `chartutil.Save` does.
//!
//! Layout (what Helm 4 writes, checked against the oracle): entries under
//! `NAME/`, in the order Chart.yaml (re-marshalled from the metadata),
//! Chart.lock, values.yaml, values.schema.json, templates, other files,
//! then each subchart expanded under `NAME/charts/SUB/`.  Regular files
//! only, no directory entries, mode 0644, uid/gid 0, USTAR headers (PAX
//! for names USTAR cannot hold, as Go's tar writer does), each entry's
//! mtime the source file's mtime (Chart.lock's: the lock's `generated`).
//! The gzip header carries Helm's extra field and the comment `Helm`, with
//! no timestamp.  So packaging the same directory twice gives the same
//! bytes, and they are Helm's bytes: the deflate stream comes from
//! `gostd::flate`, Go's compressor fed the same `Write` calls Go's tar
//! writer makes.  (Except where Helm's own output varies: it orders two
//! or more subchart directories by Go map iteration, i.e. randomly; ours
//! is one of its orders.)
//!
//! `.helmignore` is honoured through the directory loader.

use std::path::{Path, PathBuf};

use crate::chartfile;

/// Helm's gzip extra-field bytes (`headerBytes` in Helm's save.go).
const HELM_GZIP_EXTRA: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";

#[derive(Debug, Clone, Default)]
pub struct PackageRequest {
    pub path: String,
    /// `--destination` (default `.`).
    pub destination: String,
    /// `--version`: overrides Chart.yaml's version.
    pub version: Option<String>,
    /// `--app-version`: overrides Chart.yaml's appVersion.
    pub app_version: Option<String>,
    /// `--dependency-update`: fill `charts/` first (local `file://`
    /// repositories only, see [`crate::dependency::update_local`]; the
    /// command line runs `dist::deps::update` instead and passes `false`).
    pub dependency_update: bool,
}

/// Package one chart; returns the archive path (what Helm prints).
pub fn package(req: &PackageRequest) -> Result<PathBuf, crate::Error> {
    let path = Path::new(&req.path);
    std::fs::metadata(path).map_err(|e| format!("stat {}: {}", req.path, io_text(&e)))?;
    let abs = std::path::absolute(path).map_err(|e| e.to_string())?;
    if req.dependency_update {
        crate::dependency::update_local(&abs)?;
    }
    let mut ch = chart::load_dir(&abs)?;
    if let Some(v) = req.version.as_ref().filter(|v| !v.is_empty()) {
        ch.metadata.version = v.clone();
    }
    chart::semver::Version::parse(&ch.metadata.version)?;
    if let Some(v) = req.app_version.as_ref().filter(|v| !v.is_empty()) {
        ch.metadata.app_version = v.clone();
    }
    if ch.metadata.dependencies.is_some() {
        let missing: Vec<&str> = ch
            .metadata
            .deps()
            .filter(|r| !ch.dependencies.iter().any(|d| d.name() == r.name))
            .map(|r| r.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "found in Chart.yaml, but missing in charts/ directory: {}",
                missing.join(", ")
            )
            .into());
        }
    }
    let dest = if req.destination.is_empty() || req.destination == "." {
        std::env::current_dir().map_err(|e| e.to_string())?
    } else {
        PathBuf::from(&req.destination)
    };
    save_archive(&ch, &dest, None)
        .map_err(|e| crate::Error::new(e.kind(), format!("failed to save: {e}")))
}

fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Helm's `chartutil.Save`: write `dir/NAME-VERSION.tgz`.  `now` is the
/// mtime for entries with no source file (tests pass a fixed one).
pub fn save_archive(
    ch: &chart::Chart,
    dir: &Path,
    now: Option<i64>,
) -> Result<PathBuf, crate::Error> {
    let mut md = ch.metadata.clone();
    md.validate()
        .map_err(|e| format!("chart validation: {e}"))?;
    let filename = dir.join(format!("{}-{}.tgz", ch.name(), ch.metadata.version));
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(dir)
            .map_err(|e| format!("mkdir {}: {}", dir.display(), io_text(&e)))?,
        Err(e) => return Err(format!("stat {}: {}", dir.display(), io_text(&e)).into()),
        Ok(m) if !m.is_dir() => return Err(format!("is not a directory: {}", dir.display()).into()),
        Ok(_) => {}
    }
    let bytes = archive_bytes(ch, now)?;
    let tmp = filename.with_extension("tgz.tmp");
    std::fs::write(&tmp, &bytes).map_err(|e| format!("open {}: {}", tmp.display(), io_text(&e)))?;
    std::fs::rename(&tmp, &filename)
        .map_err(|e| format!("rename {}: {}", filename.display(), io_text(&e)))?;
    Ok(filename)
}

/// The `.tgz` bytes of a chart (see the module docs for the layout).
pub fn archive_bytes(ch: &chart::Chart, now: Option<i64>) -> Result<Vec<u8>, crate::Error> {
    let now = now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    });
    let mut tar_data = Vec::new();
    write_chart(&mut tar_data, ch, "", now)?;
    // Two zero blocks end the archive; Go's writer pads nothing more.
    tar_data.extend_from_slice(&[0u8; 1024]);
    let mut gz = gostd::flate::GzipWriter::new(&gostd::flate::GzipHeader {
        extra: Some(HELM_GZIP_EXTRA.to_vec()),
        comment: "Helm".into(),
        ..Default::default()
    })?;
    for chunk in go_tar_writes(&tar_data) {
        gz.write(chunk);
    }
    Ok(gz.finish())
}

/// The tar stream cut into the `Write` calls Go's `archive/tar` makes on
/// the gzip writer: each 512-byte header block, then the entry's data in
/// one call, then its padding in one call; the two closing zero blocks one
/// at a time.  Go's deflate output depends on these boundaries (see
/// `gostd::flate`), so they are replayed exactly.  Anything unparsable
/// goes out as one final call.
fn go_tar_writes(tar: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = tar;
    while rest.len() >= 512 {
        let (block, tail) = rest.split_at(512);
        out.push(block);
        rest = tail;
        if block.iter().all(|&b| b == 0) {
            continue;
        }
        // Header-only entry types carry no data.
        let size = if matches!(block[156], b'1'..=b'6') {
            Some(0)
        } else {
            tar_size(&block[124..136])
        };
        let Some(size) = size.filter(|&n| n <= rest.len()) else {
            break;
        };
        let (data, tail) = rest.split_at(size);
        if !data.is_empty() {
            out.push(data);
        }
        rest = tail;
        let pad = (512 - size % 512) % 512;
        if pad > 0 {
            if pad > rest.len() {
                break;
            }
            let (p, tail) = rest.split_at(pad);
            out.push(p);
            rest = tail;
        }
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// A tar header's octal size field (NUL/space padded).
fn tar_size(field: &[u8]) -> Option<usize> {
    let s = std::str::from_utf8(field).ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    usize::from_str_radix(s, 8).ok()
}

fn raw_mtime(ch: &chart::Chart, name: &str, now: i64) -> i64 {
    ch.raw
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.modtime)
        .unwrap_or(now)
}

/// Helm 4 stamps the `Chart.lock` entry with the lock's `generated` time
/// (not the file's mtime), which Go's tar writer rounds to the second.
/// `None` when the field is absent or not RFC 3339.
fn rfc3339_rounded(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    let mut round_up = false;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        round_up = b[start] >= b'5';
    }
    let offset = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let v = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    // Days from the civil date (proleptic Gregorian).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset + i64::from(round_up))
}

/// Go's `validateName`: the chart name must be a single path element.
fn validate_name(name: &str) -> Result<(), String> {
    let base = name.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if base != name || name.is_empty() || name == "." || name == ".." {
        return Err(format!("\"{name}\" is not a valid chart name"));
    }
    Ok(())
}

fn write_chart(out: &mut Vec<u8>, ch: &chart::Chart, prefix: &str, now: i64) -> Result<(), String> {
    validate_name(ch.name())?;
    let base = if prefix.is_empty() {
        ch.name().to_string()
    } else {
        format!("{prefix}/{}", ch.name())
    };
    let mut md = ch.metadata.clone();
    if md.api_version == chart::metadata::API_VERSION_V1 {
        md.dependencies = None;
    }
    let cdata = chartfile::marshal_metadata(&md)?;
    write_entry(
        out,
        &format!("{base}/Chart.yaml"),
        cdata.as_bytes(),
        raw_mtime(ch, "Chart.yaml", now),
    )?;
    if ch.metadata.api_version == chart::metadata::API_VERSION_V2 {
        if let Some(lock) = &ch.lock {
            let l = chartfile::marshal_lock(lock)?;
            write_entry(
                out,
                &format!("{base}/Chart.lock"),
                l.as_bytes(),
                rfc3339_rounded(&lock.generated)
                    .unwrap_or_else(|| raw_mtime(ch, "Chart.lock", now)),
            )?;
        }
    }
    for f in ch.raw.iter().filter(|f| f.name == "values.yaml") {
        write_entry(
            out,
            &format!("{base}/values.yaml"),
            &f.data,
            f.modtime.unwrap_or(now),
        )?;
    }
    if let Some(schema) = &ch.schema {
        if schema.json().is_none() {
            return Err("Invalid JSON in values.schema.json".into());
        }
        write_entry(
            out,
            &format!("{base}/values.schema.json"),
            schema.bytes(),
            raw_mtime(ch, "values.schema.json", now),
        )?;
    }
    for f in ch.templates.iter().chain(ch.files.iter()) {
        write_entry(
            out,
            &format!("{base}/{}", f.name),
            &f.data,
            f.modtime.unwrap_or(now),
        )?;
    }
    for dep in &ch.dependencies {
        write_chart(out, dep, &format!("{base}/charts"), now)?;
    }
    Ok(())
}

/// One regular-file entry, USTAR when the name fits (splitting a long
/// name into prefix and name as Go does), else with a PAX `path` record.
fn write_entry(out: &mut Vec<u8>, name: &str, data: &[u8], mtime: i64) -> Result<(), String> {
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(data.len() as u64);
    h.set_mtime(mtime.max(0) as u64);
    h.set_entry_type(tar::EntryType::Regular);
    // Go writes USTAR when the name is ASCII and fits the name field or
    // splits into prefix and name (the longest prefix that fits, as the
    // tar crate also splits); otherwise PAX.
    if !name.is_ascii() || h.set_path(name).is_err() || name.len() > 255 {
        // PAX: an extended header carrying the full path, then the entry
        // with the (ASCII-only) name cut to the 100-byte field, no prefix.
        let rec = pax_record("path", name);
        out.extend_from_slice(&go_pax_header_block(name, rec.len()));
        pad_data(out, rec.as_bytes());
        let field = go_name_field(&go_ascii(name));
        h.as_mut_bytes()[..100].copy_from_slice(&field);
        h.as_mut_bytes()[345..500].fill(0);
    }
    go_cksum(&mut h);
    out.extend_from_slice(h.as_bytes());
    pad_data(out, data);
    Ok(())
}

/// Go's `toASCII`: the name with non-ASCII characters and NULs dropped.
fn go_ascii(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii() && *c != '\0').collect()
}

/// A 100-byte name field as Go's formatter fills it: the first 100 bytes,
/// and when that cut ends in `/`, the trailing slashes blanked out.
fn go_name_field(s: &str) -> [u8; 100] {
    let mut f = [0u8; 100];
    let b = s.as_bytes();
    let n = b.len().min(100);
    f[..n].copy_from_slice(&b[..n]);
    if b.len() > 100 && f[99] == b'/' {
        let keep = b[..99]
            .iter()
            .rposition(|&c| c != b'/')
            .map_or(0, |i| i + 1);
        f[keep] = 0;
    }
    f
}

/// The extended-header block Go's `writeRawFile` writes before a PAX
/// entry: name `DIR/PaxHeaders.0/FILE` (ASCII, cut to 100 bytes, no
/// trailing slash), mode, ids and mtime zero, the records' size, type
/// `x`, USTAR magic, and nothing else.
fn go_pax_header_block(name: &str, size: usize) -> [u8; 512] {
    let (dir, file) = match name.rfind('/') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => ("", name),
    };
    let joined = if dir.is_empty() {
        format!("PaxHeaders.0/{file}")
    } else {
        format!("{dir}/PaxHeaders.0/{file}")
    };
    let mut hname = go_ascii(&joined);
    hname.truncate(100);
    let hname = hname.trim_end_matches('/');
    let mut b = [0u8; 512];
    b[..hname.len()].copy_from_slice(hname.as_bytes());
    b[100..108].copy_from_slice(b"0000000\0");
    b[108..116].copy_from_slice(b"0000000\0");
    b[116..124].copy_from_slice(b"0000000\0");
    b[124..136].copy_from_slice(format!("{:011o}\0", size & 0o77_777_777_777).as_bytes());
    b[136..148].copy_from_slice(b"00000000000\0");
    b[156] = b'x';
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    b[148..156].copy_from_slice(b"        ");
    let sum: u32 = b.iter().map(|&c| u32::from(c)).sum();
    b[148..156].copy_from_slice(format!("{:06o}\0 ", sum & 0o777777).as_bytes());
    b
}

fn pad_data(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    let rem = data.len() % 512;
    if rem != 0 {
        out.extend(std::iter::repeat_n(0u8, 512 - rem));
    }
}

/// A PAX record: `"%d %s=%s\n"` where the length counts itself.
fn pax_record(key: &str, value: &str) -> String {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    loop {
        let total = len.to_string().len() + body.len();
        if total == len {
            return format!("{len}{body}");
        }
        len = total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_generated_times() {
        assert_eq!(rfc3339_rounded("1970-01-01T00:00:00Z"), Some(0));
        // Rounded to the nearest second, as Go's tar writer does.
        assert_eq!(
            rfc3339_rounded("2025-08-13T19:31:58.340987883Z"),
            Some(1_755_113_518)
        );
        assert_eq!(
            rfc3339_rounded("2025-08-13T19:31:58.5Z"),
            Some(1_755_113_519)
        );
        assert_eq!(
            rfc3339_rounded("2025-08-13T21:31:58+02:00"),
            Some(1_755_113_518)
        );
        assert_eq!(rfc3339_rounded(""), None);
        assert_eq!(rfc3339_rounded("yesterday"), None);
    }

    #[test]
    fn tar_writes_follow_gos_tar_writer() {
        let mut tar = Vec::new();
        write_entry(&mut tar, "c/a", b"hello", 0).unwrap();
        write_entry(&mut tar, "c/b", &[7u8; 512], 0).unwrap();
        tar.extend_from_slice(&[0u8; 1024]);
        let lens: Vec<usize> = go_tar_writes(&tar).iter().map(|c| c.len()).collect();
        assert_eq!(lens, [512, 5, 507, 512, 512, 512, 512]);
    }

    #[test]
    fn long_and_non_ascii_names_get_gos_pax_headers() {
        let long = format!("c/files/{}", "g".repeat(110));
        let mut out = Vec::new();
        write_entry(&mut out, &long, b"x", 7).unwrap();
        // Extended header, its records, the entry, the entry's data.
        assert_eq!(out.len(), 4 * 512);
        let x = &out[..512];
        let want = format!("c/files/PaxHeaders.0/{}", "g".repeat(110));
        assert_eq!(&x[..100], &want.as_bytes()[..100]);
        assert_eq!(&x[100..108], b"0000000\0");
        assert_eq!(&x[136..148], b"00000000000\0");
        assert_eq!(x[156], b'x');
        assert_eq!(&x[329..345], &[0u8; 16], "no device fields");
        let rec = pax_record("path", &long);
        assert_eq!(&out[512..512 + rec.len()], rec.as_bytes());
        // The entry: the name's first 100 bytes, no prefix.
        let e = &out[1024..1536];
        assert_eq!(&e[..100], &long.as_bytes()[..100]);
        assert_eq!(&e[345..500], &[0u8; 155][..]);
        assert_eq!(&e[329..337], b"0000000\0");

        // Short but not ASCII: PAX too, the entry's name without the
        // non-ASCII characters.
        let mut out = Vec::new();
        write_entry(&mut out, "c/naïve.txt", b"x", 7).unwrap();
        assert_eq!(out[156], b'x');
        assert_eq!(&out[1024..1024 + 11], b"c/nave.txt\0");
    }

    #[test]
    fn pax_lengths() {
        // The length counts itself: "9 path=a\n" is nine bytes.
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        let long = "x".repeat(300);
        let r = pax_record("path", &long);
        let n: usize = r.split(' ').next().unwrap().parse().unwrap();
        assert_eq!(n, r.len());
    }
}

/// Finishes a USTAR header as Go's `archive/tar` does: device numbers
/// written as octal zeros, and the checksum as six octal digits, NUL,
/// space (the tar crate leaves the device fields empty and writes seven
/// digits and a NUL; both are valid tar, only Go's is Helm's bytes).
fn go_cksum(h: &mut tar::Header) {
    let _ = h.set_device_major(0);
    let _ = h.set_device_minor(0);
    let bytes = h.as_mut_bytes();
    bytes[148..156].copy_from_slice(b"        ");
    let sum: u32 = bytes.iter().map(|&b| u32::from(b)).sum();
    let field = format!("{:06o}\0 ", sum & 0o777777);
    bytes[148..156].copy_from_slice(field.as_bytes());
}

#[cfg(test)]
mod go_header_tests {
    #[test]
    fn ustar_header_is_gos_devices_zero_and_six_digit_checksum() {
        let mut out = Vec::new();
        super::write_entry(
            &mut out,
            "fraud/Chart.yaml",
            b"name: fraud\n",
            1_767_225_600,
        )
        .unwrap();
        let h = &out[..512];
        // devmajor / devminor: "0000000\0" each, as Go writes them.
        assert_eq!(&h[329..337], b"0000000\0");
        assert_eq!(&h[337..345], b"0000000\0");
        // checksum: six octal digits, NUL, space; and it is the sum of the
        // header with the field read as spaces.
        assert_eq!(h[154], 0);
        assert_eq!(h[155], b' ');
        let field = std::str::from_utf8(&h[148..154]).unwrap();
        let mut blank = h.to_vec();
        blank[148..156].copy_from_slice(b"        ");
        let sum: u32 = blank.iter().map(|&b| u32::from(b)).sum();
        assert_eq!(u32::from_str_radix(field, 8).unwrap(), sum);
    }
}
