//! Fuzz the chart archive loader: any bytes must give a chart or an
//! error, never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = chart::load_archive(data);
    // Also through gzip, so the fuzzer reaches the tar layer quickly.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if std::io::Write::write_all(&mut gz, data).is_ok() {
        if let Ok(bytes) = gz.finish() {
            let _ = chart::load_archive(&bytes);
        }
    }
});
