//! `parse_timing RUNS DIR`: best wall time (ms) of parsing, on one thread,
//! every file under DIR whose path contains `/templates/`, with Helm's
//! function map — for profiling the template parser alone.
use std::rc::Rc;

#[global_allocator]
static GLOBAL: capstan_alloc::Alloc = capstan_alloc::Alloc;

fn collect(dir: &std::path::Path, out: &mut Vec<(String, Rc<str>)>) {
    let mut ents: Vec<_> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .collect();
    ents.sort_by_key(|e| e.file_name());
    for e in ents {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.to_string_lossy().contains("/templates/") {
            if let Ok(t) = std::fs::read_to_string(&p) {
                out.push((p.to_string_lossy().into_owned(), Rc::from(t.as_str())));
            }
        }
    }
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = a[0].parse().expect("RUNS");
    let mut files = Vec::new();
    collect(std::path::Path::new(&a[1]), &mut files);
    let funcs = Rc::new(capstan_engine::helmfuncs::helm_funcs(Default::default()));
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mut best = f64::MAX;
    for _ in 0..runs {
        let mut set = gotmpl::Template::new("gotpl", funcs.clone());
        let t = std::time::Instant::now();
        for (n, text) in &files {
            if let Err(e) = set.parse_shared(n, text.clone()) {
                eprintln!("{e}");
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} files, {} bytes, {:.3} ms, {:.1} MB/s",
        files.len(),
        bytes,
        best * 1e3,
        bytes as f64 / best / 1e6
    );
}
