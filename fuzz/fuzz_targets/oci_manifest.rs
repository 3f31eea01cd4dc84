//! Fuzz OCI manifest handling on pull: any manifest bytes (as a hostile or
//! broken registry might serve) give the chart's layers or Helm's error,
//! never a panic.
#![no_main]

use dist::oci::{
    pick_layers, CHART_LAYER_MEDIA_TYPE, CONFIG_MEDIA_TYPE, LEGACY_CHART_LAYER_MEDIA_TYPE,
    PROV_LAYER_MEDIA_TYPE,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let allowed = [
        CONFIG_MEDIA_TYPE,
        CHART_LAYER_MEDIA_TYPE,
        LEGACY_CHART_LAYER_MEDIA_TYPE,
        PROV_LAYER_MEDIA_TYPE,
    ];
    let manifests = vec![data.to_vec()];
    for (chart, prov) in [(true, false), (true, true), (false, false)] {
        let _ = pick_layers(Vec::new(), &manifests, &allowed, chart, prov);
    }
});
