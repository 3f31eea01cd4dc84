//! `fast_decline FILE...`: for each YAML file the fast path declines, the
//! first line whose inclusion makes it decline (prefixes cut at lines) —
//! to find which construct sends a values file to libyaml.
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).expect("read");
        if capstan_yaml::fast_path_accepts(&text) {
            println!("{path}: accepted");
            continue;
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut ok = 0;
        for n in 1..=lines.len() {
            let prefix: String = lines[..n].concat();
            if capstan_yaml::fast_path_accepts(&prefix) {
                ok = n;
            } else if n > ok + 3 {
                break;
            }
        }
        let bad = (ok + 1).min(lines.len());
        println!(
            "{path}: declines at line {bad}: {}",
            lines.get(bad - 1).unwrap_or(&"").trim_end()
        );
    }
}
