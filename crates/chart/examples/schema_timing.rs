//! `schema_timing RUNS CHART_DIR`: best wall time (ms) of validating the
//! chart's own values.yaml against its values.schema.json (compile
//! included), for profiling schema validation alone.
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = a[0].parse().expect("RUNS");
    let dir = std::path::Path::new(&a[1]);
    let values = capstan_chart::load_values(&std::fs::read(dir.join("values.yaml")).expect("values.yaml")).expect("values");
    let schema = std::fs::read(dir.join("values.schema.json")).expect("values.schema.json");
    let mut best = f64::MAX;
    for i in 0..runs {
        let t = std::time::Instant::now();
        let r = capstan_chart::schema::validate_single(&values, &schema);
        let dt = t.elapsed().as_secs_f64();
        if i == 0 {
            println!("first run {:.3} ms ({:?})", dt * 1e3, r.as_ref().map(|o| o.is_some()));
        }
        best = best.min(dt);
    }
    println!("best {:.3} ms", best * 1e3);
}
