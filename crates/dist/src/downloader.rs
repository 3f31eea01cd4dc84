//! Chart references to local archives (pkg/downloader/chart_downloader.go,
//! pkg/action `LocateChart`): `oci://…`, `REPO/CHART`, `CHART --repo URL`,
//! `https://…/chart.tgz` and paths, through the content cache.
//!
//! Being written.
