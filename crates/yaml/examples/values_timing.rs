//! `values_timing RUNS FILE...`: best wall time (µs) of `load_values` on
//! each file, for profiling the YAML path alone.
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = a[0].parse().expect("RUNS");
    for f in &a[1..] {
        let text = std::fs::read_to_string(f).expect("read");
        let mut best = f64::MAX;
        for _ in 0..runs {
            let t = std::time::Instant::now();
            let v = capstan_yaml::load_values(&text);
            best = best.min(t.elapsed().as_secs_f64());
            drop(v);
        }
        println!(
            "{f}: {} bytes, {:.1} µs, {:.1} MB/s",
            text.len(),
            best * 1e6,
            text.len() as f64 / best / 1e6
        );
    }
}
