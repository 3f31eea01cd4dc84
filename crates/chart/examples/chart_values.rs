//! Print a chart's coalesced values as JSON (like `helm-ref values`).
//! Usage: chart_values CHART [-f FILE]... [--set E]... [--set-string E]... [--set-json E]...
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = capstan_chart::cli_values::ValueOptions::default();
    let mut chart_path = None;
    let mut no_deps = false;
    let mut i = 0;
    while i < args.len() {
        let next = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--no-deps" => no_deps = true,
            "-f" => {
                opts.value_files.push(next);
                i += 1
            }
            "--set" => {
                opts.values.push(next);
                i += 1
            }
            "--set-string" => {
                opts.string_values.push(next);
                i += 1
            }
            "--set-json" => {
                opts.json_values.push(next);
                i += 1
            }
            "--set-literal" => {
                opts.literal_values.push(next);
                i += 1
            }
            p => chart_path = Some(p.to_string()),
        }
        i += 1;
    }
    let run = || -> Result<serde_json::Value, capstan_chart::Error> {
        let user = opts.merge()?;
        let Some(p) = chart_path.clone() else {
            return Ok(capstan_chart::values::to_json(&user));
        };
        let mut chart = capstan_chart::load(&p)?;
        if !no_deps {
            capstan_chart::process_dependencies(&mut chart, &user)?;
        }
        let vals = capstan_chart::coalesce_values(&chart, &user)?;
        capstan_chart::schema::validate_against_schema(&chart, &vals)?;
        Ok(capstan_chart::values::to_json(&vals))
    };
    match run() {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v).unwrap()),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1)
        }
    }
}
