//! `load_timing RUNS CHART`: best wall time (ms) of `chart::load`, for
//! profiling the loader alone.
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = a[0].parse().unwrap();
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let c = capstan_chart::load(&a[1]).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        drop(c);
    }
    println!("{:.3}", best * 1e3);
}
