//! In-process render timing for the benchmark (bench/corpus_bench.py):
//! `render_timing RUNS RELEASE NAMESPACE CHART [VALUES_FILE…]` loads and
//! renders the chart RUNS times (what `helm template` does before
//! printing: load, merge values, process dependencies, coalesce, render)
//! and prints the best wall time in milliseconds. `RENDER_TIMING_WARMUP=N`
//! first renders N untimed times (the benchmark gives Helm's side the same).
//! For diagnosis: `RENDER_TIMING_ALL=1` prints every run to stderr,
//! `RENDER_TIMING_ONE_SHOT=0` frees the parsed templates after each run
//! (a long-lived process would), `RENDER_TIMING_SKIP_SCHEMA=1` skips
//! values-schema validation.

use std::time::Instant;

#[global_allocator]
static GLOBAL: capstan_alloc::Alloc = capstan_alloc::Alloc;

fn main() {
    // As `capstan` itself does.
    capstan_alloc::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: render_timing RUNS RELEASE NAMESPACE CHART [VALUES_FILE...]");
        std::process::exit(2);
    }
    let runs: usize = args[0].parse().expect("RUNS");
    let req = capstan_action::TemplateRequest {
        release_name: Some(args[1].clone()),
        namespace: args[2].clone(),
        chart: args[3].clone(),
        values: capstan_action::ValueOptions {
            value_files: args[4..].to_vec(),
            ..Default::default()
        },
        render_only: true,
        skip_schema_validation: std::env::var("RENDER_TIMING_SKIP_SCHEMA").is_ok_and(|v| v == "1"),
        // As `capstan template` renders (each timed run leaks its parsed
        // templates, a few MB at most).
        one_shot: std::env::var("RENDER_TIMING_ONE_SHOT").map_or(true, |v| v != "0"),
        ..Default::default()
    };
    let warmup: usize = std::env::var("RENDER_TIMING_WARMUP")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    let best = engine::run_with_big_stack(move || {
        for _ in 0..warmup {
            let _ = capstan_action::template(&req);
        }
        let mut best = f64::MAX;
        for _ in 0..runs {
            let t0 = Instant::now();
            let out = capstan_action::template(&req);
            let dt = t0.elapsed().as_secs_f64();
            if let Err(e) = out {
                eprintln!("render failed: {e}");
                std::process::exit(1);
            }
            if std::env::var_os("RENDER_TIMING_ALL").is_some() {
                eprint!("{:.3} ", dt * 1e3);
            }
            best = best.min(dt);
        }
        best
    });
    println!("{:.3}", best * 1e3);
}
