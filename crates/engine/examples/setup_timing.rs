//! `setup_timing`: what building Helm's function map and an empty
//! template set costs (paid once per render).
#[global_allocator]
static GLOBAL: capstan_alloc::Alloc = capstan_alloc::Alloc;

fn main() {
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let fm = std::rc::Rc::new(capstan_engine::helmfuncs::helm_funcs(Default::default()));
        let set = gotmpl::Template::new("gotpl", fm);
        std::hint::black_box(&set);
    }
    println!(
        "helm_funcs + Template::new: {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let caps_t = std::time::Instant::now();
    for _ in 0..n {
        let c = capstan_engine::Capabilities::new(None, &[]);
        std::hint::black_box(&c);
    }
    println!(
        "Capabilities::new: {:.1} µs",
        caps_t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
