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
