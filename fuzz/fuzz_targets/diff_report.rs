//! Fuzz helm-diff's manifest parser and the report: the input is split in
//! two manifest streams (old, new) and diffed in every output format with
//! the flags that change the code path; any bytes give a report or an
//! error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (old, new) = match text.find("\n===\n") {
        Some(i) => (&text[..i], &text[i + 5..]),
        None => (&text[..], ""),
    };
    let flags = data.first().copied().unwrap_or(0);
    let p = diff::ParseOptions {
        namespace: "ns".into(),
        include_tests: flags & 1 != 0,
        normalize: flags & 2 != 0,
    };
    for output in ["diff", "simple", "json", "structured", "dyff"] {
        let o = diff::Options {
            output: output.into(),
            context: if flags & 4 != 0 { 1 } else { -1 },
            show_secrets_decoded: flags & 8 != 0,
            find_renames: if flags & 16 != 0 { 0.5 } else { 0.0 },
            suppress_line_regex: if flags & 32 != 0 { vec!["a".into()] } else { vec![] },
            suppressed_kinds: if flags & 64 != 0 { vec!["Secret".into()] } else { vec![] },
            strip_trailing_cr: flags & 128 != 0,
            ..Default::default()
        };
        let _ = diff::diff_manifests(old, new, &p, &o);
    }
});
