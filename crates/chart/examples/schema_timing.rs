//! `schema_timing RUNS CHART_DIR`: best wall times (ms) of checking the
//! chart's own values.yaml against its values.schema.json: parsing the
//! schema, the quick check (`schema::quick`), and the full validator
//! (compile included), for profiling schema validation alone.
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = a[0].parse().expect("RUNS");
    let dir = std::path::Path::new(&a[1]);
    let values =
        capstan_chart::load_values(&std::fs::read(dir.join("values.yaml")).expect("values.yaml"))
            .expect("values");
    let schema = std::fs::read(dir.join("values.schema.json")).expect("values.schema.json");
    let best = |f: &mut dyn FnMut()| {
        let mut best = f64::MAX;
        for _ in 0..runs {
            let t = std::time::Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        best * 1e3
    };
    let parsed: serde_json::Value = serde_json::from_slice(&schema).expect("schema JSON");
    println!(
        "parse {:.3} ms",
        best(&mut || drop(std::hint::black_box(serde_json::from_slice::<
            serde_json::Value,
        >(&schema))))
    );
    println!(
        "quick check {:.3} ms ({:?})",
        best(&mut || {
            std::hint::black_box(capstan_chart::schema::quick::check(&values, &parsed));
        }),
        capstan_chart::schema::quick::check(&values, &parsed)
    );
    let r = capstan_chart::schema::validate_single(&values, &schema);
    if std::env::var_os("NOFULL").is_some() {
        return;
    }
    println!(
        "full validator {:.3} ms (errors: {:?})",
        best(&mut || drop(std::hint::black_box(
            capstan_chart::schema::validate_single(&values, &schema)
        ))),
        r.as_ref().map(|o| o.is_some())
    );
}
