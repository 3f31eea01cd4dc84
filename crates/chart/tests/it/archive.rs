//! Hostile chart archives, built in memory: each must be refused by the
//! loader with its own message (never a panic, never a partial chart).

use std::io::Write;

/// A raw USTAR header with any name (the tar crate refuses `..` and
/// absolute paths, which is exactly what these tests need to write).
fn header(name: &str, size: usize, typeflag: u8, link: &str) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len().min(100)].copy_from_slice(&name.as_bytes()[..name.len().min(100)]);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = typeflag;
    h[157..157 + link.len().min(100)].copy_from_slice(&link.as_bytes()[..link.len().min(100)]);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| *b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

enum E<'a> {
    File(&'a str, &'a [u8]),
    Link(&'a str, &'a str, u8),
    /// A header claiming `size` bytes with no data behind it.
    Claim(&'a str, u64),
}

fn tgz(entries: &[E]) -> Vec<u8> {
    let mut t = Vec::new();
    for e in entries {
        match e {
            E::File(n, d) => {
                t.extend_from_slice(&header(n, d.len(), b'0', ""));
                t.extend_from_slice(d);
                t.resize(t.len().div_ceil(512) * 512, 0);
            }
            E::Link(n, target, ty) => t.extend_from_slice(&header(n, 0, *ty, target)),
            E::Claim(n, size) => t.extend_from_slice(&header(n, *size as usize, b'0', "")),
        }
    }
    t.extend_from_slice(&[0u8; 1024]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&t).unwrap();
    gz.finish().unwrap()
}

const CHART: &[u8] = b"apiVersion: v2\nname: c\nversion: 0.1.0\n";

fn refused(bytes: &[u8]) -> String {
    match capstan_chart::load_archive(bytes) {
        Ok(_) => panic!("hostile archive was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn well_formed_archive_loads() {
    let c = capstan_chart::load_archive(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::File("c/templates/a.yaml", b"x: 1\n"),
    ]))
    .unwrap();
    assert_eq!(c.name(), "c");
    assert_eq!(c.templates.len(), 1);
}

#[test]
fn parent_directory_traversal() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::File("c/../../etc/passwd", b"x"),
    ]));
    assert!(
        e.contains("chart illegally references parent directory"),
        "{e}"
    );
}

#[test]
fn absolute_path() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::File("c//etc/passwd", b"x"),
    ]));
    assert!(e.contains("chart illegally contains absolute paths"), "{e}");
}

#[test]
fn windows_drive_path() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::File("c/C:/Windows/win.ini", b"x"),
    ]));
    assert!(e.contains("chart contains illegally named files"), "{e}");
}

#[test]
fn backslash_traversal() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::File("c\\..\\..\\evil", b"x"),
    ]));
    assert!(
        e.contains("chart illegally references parent directory"),
        "{e}"
    );
}

#[test]
fn content_outside_base_directory() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::File("stray", b"x"),
    ]));
    assert!(e.contains("outside the base directory"), "{e}");
}

#[test]
fn chart_yaml_not_in_base_directory() {
    let e = refused(&tgz(&[E::File("Chart.yaml/x", CHART)]));
    assert!(e.contains("chart yaml not in base directory"), "{e}");
}

#[test]
fn escaping_symlink() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::Link("c/templates/x.yaml", "../../../etc/shadow", b'2'),
    ]));
    assert!(
        e.contains("symlink") && e.contains("pointing outside the chart"),
        "{e}"
    );
}

#[test]
fn absolute_symlink() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::Link("c/values.yaml", "/etc/passwd", b'2'),
    ]));
    assert!(e.contains("symlink") && e.contains("/etc/passwd"), "{e}");
}

#[test]
fn escaping_hard_link() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::Link("c/a", "c/../../outside", b'1'),
    ]));
    assert!(
        e.contains("hard link") && e.contains("pointing outside the chart"),
        "{e}"
    );
}

#[test]
fn duplicate_entries() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::File("c/values.yaml", b"a: 1\n"),
        E::File("c/./values.yaml", b"a: 2\n"),
    ]));
    assert!(e.contains("duplicate entry"), "{e}");
}

#[test]
fn file_over_size_limit() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::Claim("c/big.bin", 6 * 1024 * 1024),
    ]));
    assert!(
        e.contains("is larger than the maximum file size 5242880"),
        "{e}"
    );
}

#[test]
fn total_over_size_limit() {
    let e = refused(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::Claim("c/huge.bin", 200 * 1024 * 1024),
    ]));
    assert!(
        e.contains("decompressed chart is larger than the maximum size 104857600"),
        "{e}"
    );
}

#[test]
fn not_gzip() {
    let e = refused(b"this is not a gzip stream at all");
    assert!(e.contains("gzip: invalid header"), "{e}");
}

#[test]
fn truncated_gzip() {
    let full = tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::File("c/values.yaml", &[b'a'; 4000]),
    ]);
    let e = refused(&full[..full.len() / 2]);
    assert!(!e.is_empty());
}

#[test]
fn empty_archive() {
    let e = refused(&tgz(&[]));
    assert!(e.contains("no files in chart archive"), "{e}");
}

#[test]
fn not_a_file_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.tgz");
    std::fs::write(&p, b"plain text").unwrap();
    let e = capstan_chart::load(&p).unwrap_err().to_string();
    assert!(e.contains("does not appear to be a gzipped archive"), "{e}");
}

#[test]
fn in_chart_symlink_is_allowed() {
    let c = capstan_chart::load_archive(&tgz(&[
        E::File("c/Chart.yaml", CHART),
        E::Link("c/templates/l.yaml", "../values.yaml", b'2'),
    ]));
    assert!(c.is_ok(), "{:?}", c.err());
}
