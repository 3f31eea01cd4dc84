#!/usr/bin/env python3
"""Render speed: capstan vs Helm on every corpus case, in the same run.

    bench/corpus_bench.py [--runs N] [--only ID,...]

Both run in-process, on the same inputs, in the same run: Helm through
helm-ref's library (Helm v4.2.3's Go SDK: chart load + render, what
`helm template` does before printing), capstan through the
`render_timing` example (load, values, dependencies, coalescing, render —
the same work; capstan shares it with one helper thread, as `capstan
template` does). Each figure is the best of N runs. `--cli` also times the
whole `capstan template` process (start-up and printing included). Prints a table, then the median and
worst ratios (Helm time / capstan time; higher is better for capstan).

Needs ../shared (corpus and oracle) beside the repository and a release
build (`cargo build --release -p capstan-cli` and `cargo build --release
-p capstan-action --example render_timing`), taken from $CARGO_TARGET_DIR
when set, else target/. Not a test: run by hand.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared")
CORPUS = os.path.join(SHARED, "corpus")


def reexec_in_oracle_venv():
    if os.environ.get("CAPSTAN_BENCH_IN_VENV"):
        return
    py = subprocess.run([os.path.join(SHARED, "oracle", "setup")], capture_output=True, text=True, check=True).stdout.strip()
    os.environ["CAPSTAN_BENCH_IN_VENV"] = "1"
    os.execv(py, [py] + sys.argv)


def best(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs per case, on both sides, before timing")
    ap.add_argument("--only", default="")
    ap.add_argument("--cli", action="store_true", help="also time the capstan process")
    args = ap.parse_args()
    if not os.path.isdir(CORPUS):
        sys.exit("bench: ../shared/corpus is not present")
    reexec_in_oracle_venv()
    import helm_python as helm

    # CARGO_TARGET_DIR picks the build to time (default: ROOT/target).
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    binary = os.path.join(target, "release", "capstan")
    timing = os.path.join(target, "release", "examples", "render_timing")
    if not os.path.exists(binary) or not os.path.exists(timing):
        sys.exit("bench: build first: cargo build --release -p capstan-cli && cargo build --release -p capstan-action --example render_timing")
    cases = json.load(open(os.path.join(CORPUS, "corpus.json")))
    only = set(filter(None, args.only.split(",")))
    rows = []
    for c in cases:
        if only and c["id"] not in only:
            continue
        if c["expect"].endswith(".error"):
            continue
        chart = os.path.join(CORPUS, c["chart"])
        vals = {}
        for v in c["values"]:
            vals.update(helm.values_from_yaml(open(os.path.join(CORPUS, v)).read()) or {})

        def run_helm():
            with helm.Chart.load(chart) as ch:
                ch.render(vals, name=c["release"], namespace=c["namespace"], is_install=True)

        cmd = [binary, "template", c["release"], chart, "-n", c["namespace"], "--per-file"]
        for v in c["values"]:
            cmd += ["-f", os.path.join(CORPUS, v)]

        def run_capstan():
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

        try:
            for _ in range(args.warmup):
                run_helm()
            th = best(run_helm, args.runs)
        except Exception as e:  # Helm itself refuses the case
            print(f"{c['id']}/{c['case']}: helm failed: {e}", file=sys.stderr)
            continue
        tcmd = [timing, str(args.runs), c["release"], c["namespace"], chart] + [os.path.join(CORPUS, v) for v in c["values"]]
        p = subprocess.run(tcmd, capture_output=True, text=True, env=dict(os.environ, RENDER_TIMING_WARMUP=str(args.warmup)))
        if p.returncode != 0:
            print(f"{c['id']}/{c['case']}: capstan failed: {p.stderr.strip()[:200]}", file=sys.stderr)
            continue
        tc = float(p.stdout.strip()) / 1e3
        tcli = best(run_capstan, args.runs) if args.cli else None
        rows.append((f"{c['id']}/{c['case']}", th, tc, th / tc, tcli))
    print(f"{'case':60} {'helm ms':>9} {'capstan ms':>11} {'ratio':>7}" + ("  cli ms" if args.cli else ""))
    for name, th, tc, r, tcli in rows:
        extra = f" {tcli*1e3:7.2f}" if tcli is not None else ""
        print(f"{name:60} {th*1e3:9.2f} {tc*1e3:11.2f} {r:7.1f}x{extra}")
    ratios = [r for _, _, _, r, _ in rows]
    if ratios:
        print(f"median ratio {statistics.median(ratios):.1f}x, worst {min(ratios):.1f}x, best {max(ratios):.1f}x over {len(ratios)} cases")


if __name__ == "__main__":
    main()
