//! Regression tests over small charts for hostile-input findings (a
//! reliability probe against Helm v4.2.3): huge `printf` precisions, huge
//! certificate lifetimes, non-UTF-8 file contents, `tpl` recursion and
//! huge random-string sizes.  Expected outputs were taken from Helm
//! (`helm template`) on the same charts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::resources::{render_release, RenderRequest};

/// A fresh chart directory holding `files` (Chart.yaml and an empty
/// values.yaml unless given).
fn chart_dir(files: &[(&str, &[u8])]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "capstan-probe-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(dir.join("values.yaml"), "").unwrap();
    for (name, data) in files {
        std::fs::write(dir.join(name), data).unwrap();
    }
    dir
}

/// Render the chart made of `files`: template path → output, or the error.
fn render(files: &[(&str, &[u8])]) -> Result<BTreeMap<String, String>, String> {
    let dir = chart_dir(files);
    let chart = dir.display().to_string();
    let r = crate::run_with_big_stack(move || {
        let req = RenderRequest {
            chart,
            render_only: true,
            ..Default::default()
        };
        render_release(&req)
            .map(|r| r.per_file)
            .map_err(|e| e.to_string())
    });
    std::fs::remove_dir_all(&dir).ok();
    r
}

/// What `helm template` prints for the chart made of `files`, or the error.
fn render_manifests(files: &[(&str, &[u8])]) -> Result<String, String> {
    let dir = chart_dir(files);
    let chart = dir.display().to_string();
    let r = crate::run_with_big_stack(move || {
        let req = RenderRequest {
            chart,
            ..Default::default()
        };
        render_release(&req)
            .map(|r| r.manifest)
            .map_err(|e| e.to_string())
    });
    std::fs::remove_dir_all(&dir).ok();
    r
}

/// The output of the single template `templates/t.yaml`.
fn render_one(template: &str, files: &[(&str, &[u8])]) -> Result<String, String> {
    let mut all: Vec<(&str, &[u8])> = vec![("templates/t.yaml", template.as_bytes())];
    all.extend_from_slice(files);
    render(&all).map(|m| m["c/templates/t.yaml"].clone())
}

#[test]
fn huge_printf_precisions_render_as_in_go() {
    // Helm's output (sha256 of the formatted text) for each line.
    let got = render_one(
        concat!(
            "x: {{ printf \"%.70000f\" 1.0 | len }}\n",
            "y: {{ printf \"%.70000f\" 1.0 | sha256sum }}\n",
            "z: {{ printf \"%.70000e\" 1.0 | sha256sum }}\n",
            "w: {{ printf \"%.65536g\" 1.0 | sha256sum }}\n",
            "v: {{ printf \"%.*f\" 100000 1.0 | sha256sum }}\n",
            "u: {{ printf \"%.2000000f\" 1.0 | len }}\n",
            "t: {{ printf \"%.20000000f\" 1.0 | len }}\n",
            "s: {{ printf \"%.1100f\" 5e-324 | sha256sum }}\n",
            "r: {{ printf \"%.70000U\" 65 | len }}\n",
            "q: {{ printf \"%70000d\" 5 | len }}\n",
            "p: {{ printf \"%*d\" 100000 5 | len }}\n",
            "o: {{ printf \"%.70000x\" 1.5 | len }}\n",
            "n: {{ printf \"%.1000g\" 5e-324 | sha256sum }}\n",
            "m: {{ printf \"%.1000e\" 0.1 | sha256sum }}\n",
        ),
        &[],
    )
    .unwrap();
    assert_eq!(
        got,
        concat!(
            "x: 70002\n",
            "y: 111b1d8a8599d9a9275598ded2d51c657faf999bcf8f783ffcd6e5551abca677\n",
            "z: a7d06e2e1ff734171fcbcd8d231ebade99dcf4f1cf26239b13ca4af597cca368\n",
            "w: 6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b\n",
            "v: d999c0bbb3ca4d27b305943f35f05cafabfde258fd930cfad557758b2a7e9f9b\n",
            "u: 2000002\n",
            "t: 29\n",
            "s: efbe9d8d9be26a02dc675f0b2c31287dbc91f42936ab4be919b4bb063c5fdfb6\n",
            "r: 70002\n",
            "q: 70000\n",
            "p: 100000\n",
            "o: 70008\n",
            "n: 2198de8c8c837525f1589888efaa929d1e9930ed3f6d882fa10fbe6af3de9d79\n",
            "m: 2805090ae137612f2cbded0fb7f08be9bd726acb67e16955f10b6b9eda39c971\n",
        )
    );
}

#[test]
fn huge_certificate_lifetimes_do_not_panic() {
    // Helm returns certificates whose NotAfter wrapped around int64
    // nanoseconds; capstan used to panic.
    let got = render_one(
        concat!(
            "a: {{ (genCA \"x\" 1000000000).Cert | len | lt 100 }}\n",
            "b: {{ (genCA \"x\" -1000000000).Cert | len | lt 100 }}\n",
            "c: {{ (genSelfSignedCert \"x\" nil nil 1000000000).Cert | len | lt 100 }}\n",
        ),
        &[],
    )
    .unwrap();
    assert_eq!(got, "a: true\nb: true\nc: true\n");
}

#[test]
fn tpl_feeding_itself_stops_with_an_error() {
    // Helm recurses until Go's stack overflows (37 s, 4.4 GB).
    let start = std::time::Instant::now();
    let e = render(&[
        ("values.yaml", b"x: \"{{ tpl .Values.x . }}\"\n"),
        ("templates/t.yaml", b"x: {{ tpl .Values.x . }}\n"),
    ])
    .unwrap_err();
    assert!(
        e.contains(
            "tpl calls nested more than 1000 deep (a template given to tpl keeps calling tpl): giving up on template \"{{ tpl .Values.x . }}\""
        ),
        "{e}"
    );
    assert!(e.contains("c/templates/t.yaml"), "{e}");
    // Reported once, not wrapped by each of the thousand levels.
    assert!(e.len() < 1000, "{} bytes: {}", e.len(), &e[..1000]);
    assert!(start.elapsed().as_secs() < 20);
    // Mutual recursion through two values is bounded the same way.
    let e = render(&[
        (
            "values.yaml",
            b"a: \"{{ tpl .Values.b . }}\"\nb: \"{{ tpl .Values.a . }}\"\n",
        ),
        ("templates/t.yaml", b"x: {{ tpl .Values.a . }}\n"),
    ])
    .unwrap_err();
    assert!(e.contains("tpl calls nested more than 1000 deep"), "{e}");
    // Legitimate nesting still works.
    let got = render_one(
        "x: {{ tpl .Values.a . }}\n",
        &[(
            "values.yaml",
            b"a: \"{{ tpl .Values.b . }}\"\nb: \"{{ tpl .Values.c . }}\"\nc: deep\n",
        )],
    )
    .unwrap();
    assert_eq!(got, "x: deep\n");
}

#[test]
fn huge_random_strings_are_refused() {
    for f in [
        "randBytes",
        "randAlpha",
        "randAlphaNum",
        "randNumeric",
        "randAscii",
    ] {
        let e = render_one(&format!("x: {{{{ {f} 100000000000 }}}}\n"), &[]).unwrap_err();
        assert!(
            e.contains(&format!("error calling {f}: {f}: 100000000000 ")),
            "{e}"
        );
        assert!(e.contains("longer than the 1 GiB limit"), "{e}");
    }
}

/// Go strings are bytes: a binary file read with `.Files.Get` keeps its
/// bytes through the functions that read them (all 26 lines compared with
/// Helm's output for the same chart).
#[test]
fn binary_files_keep_their_bytes() {
    let bin: Vec<u8> = (0..=255u8).collect();
    let got = render_one(
        r#"a: {{ .Files.Get "k.bin" | b64enc | sha256sum }}
b: {{ .Files.Get "k.bin" | sha256sum }}
c: {{ .Files.Get "k.bin" | sha1sum }}
d: {{ .Files.Get "k.bin" | adler32sum }}
e: {{ .Files.Get "k.bin" | len }}
f: {{ .Files.Get "k.bin" | quote | sha256sum }}
g: {{ .Files.Get "k.bin" | upper | sha256sum }}
h: {{ .Files.Get "k.bin" | toJson | sha256sum }}
i: {{ .Files.Get "k.bin" | printf "%x" | sha256sum }}
j: {{ .Files.Get "k.bin" | printf "%q" | sha256sum }}
k: {{ .Files.Get "k.bin" | typeOf }} {{ .Files.Get "k.bin" | kindOf }} {{ printf "%T" (.Files.Get "k.bin") }}
l: {{ .Files.Get "k.bin" | b32enc | sha256sum }}
m: {{ .Files.Get "k.bin" | sha512sum | sha256sum }}
n: {{ (.Files.Glob "*.bin").AsSecrets | sha256sum }}
o: {{ .Files.Get "k.bin" | trunc 200 | sha256sum }}
p: {{ .Files.Get "k.bin" | b64enc | b64dec | sha256sum }}
q: {{ .Files.Get "k.bin" | toString | sha256sum }}
r: {{ .Files.Get "k.bin" | squote | sha256sum }}
s: {{ .Files.Get "k.bin" | cat | sha256sum }}
t: {{ print (.Files.Get "k.bin") | sha256sum }}
u: {{ .Files.Get "k.bin" | substr 100 200 | sha256sum }}
v: {{ .Files.Get "k.bin" | trim | sha256sum }}
w: {{ .Files.Lines "k.bin" | len }} {{ index (.Files.Lines "k.bin") 1 | sha256sum }}
x: {{ eq (.Files.Get "k.bin") (.Files.Get "k.bin") }} {{ lt (.Files.Get "k.bin") "a" }} {{ index (.Files.Get "k.bin") 200 }}
y: {{ printf "%.3s|%5.1s|" (.Files.Get "k.bin" | trimPrefix (.Files.Get "k.bin" | trunc 127)) | b64enc }}
z: "{{ .Files.Get "k.bin" | trunc -3 | urlquery }} {{ "é" | trunc 1 | len }} {{ "é" | trunc 1 | b64enc }} {{ .Files.Get "k.bin" | trunc -1 | toJson | b64enc }}"
"#,
        &[("k.bin", &bin)],
    )
    .unwrap();
    assert_eq!(
        got,
        r#"a: ab7727e21f4bbba6508dd72804d97435a78eb44a1e277af1c0f65a8522de382e
b: 40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880
c: 4916d6bdb7f78e6803698cab32d1586ea457dfc8
d: 2918612865
e: 256
f: 0fc77a8a1561fa1ec27ee14f4b2c0617e95011fb37dd0a43161a69a17c99af9c
g: 7cf8fa0a556ce0dae52f346aedc6183f14d3abdef0c9759c61e81a3c63b82c13
h: 055ac1dcefc276373b2830ef1a7b29d835fffcb521d442af9bb17765f47381c9
i: 27c42d288cbbe6d00a4271cfd2ffece908818b629437be956bb70e2a20ac20b8
j: 0fc77a8a1561fa1ec27ee14f4b2c0617e95011fb37dd0a43161a69a17c99af9c
k: string string string
l: ede2f8a34f1672dbb0cab185c66fccc425752bf14b360a21f77a6feef99d9088
m: 0a71c739afbac4b2e382f38edc249c76119549e41df00d9df25a95258fc41212
n: fb4e76f72f2dd170aa8d1493d6de077527fad06972446ae7dc1e823ed1654ab6
o: 1901da1c9f699b48f6b2636e65cbf73abf99d0441ef67f5c540a42f7051dec6f
p: 40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880
q: 40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880
r: ef54efc86e7428a371b014b3c88252e2d5270034cc974fd1ef4b977bf62950d6
s: 40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880
t: 40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880
u: dc51c9546d5998caf68ce165eccafcb7db043b226364a7b2c99c31f3ae658735
v: 40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880
w: 2 202dda8783d4beaca2b533b1ac4231c5510193ee9d107fd087f1c8b7f0e10a69
x: true true 200
y: f4CBfCUhcyhNSVNTSU5HKXw=
z: "%FD%FE%FF 1 ww== Ilx1ZmZmZCI="
"#
    );
}

/// A template that is not UTF-8 fails where Helm's manifest parsing
/// fails on its bytes; inside a template comment they are harmless.
#[test]
fn templates_that_are_not_utf8_fail_as_in_helm() {
    let e =
        render_manifests(&[("templates/t.yaml", b"x: \"\xff\"\ny: {{ \"a\" }}\n")]).unwrap_err();
    assert_eq!(
        e,
        "YAML parse error on c/templates/t.yaml: error converting YAML to JSON: yaml: invalid leading UTF-8 octet"
    );
    // Through an include of a partial too.
    let e = render_manifests(&[
        ("templates/_h.tpl", b"{{ define \"h\" }}\xe9t\xe9{{ end }}"),
        ("templates/t.yaml", b"x: {{ include \"h\" . }}\n"),
    ])
    .unwrap_err();
    assert!(e.ends_with("yaml: invalid trailing UTF-8 octet"), "{e}");
    let got = render_manifests(&[("templates/t.yaml", b"{{/* \xff */}}x: 1\n")]).unwrap();
    assert_eq!(got, "---\n# Source: c/templates/t.yaml\nx: 1\n\n");
    // Not a manifest: printed, with U+FFFD for the byte.
    let got = render(&[("templates/NOTES.txt", b"n\xff\n")]).unwrap();
    assert_eq!(got["c/templates/NOTES.txt"], "n\u{FFFD}\n");
}
