#!/usr/bin/env python3
"""Speed as a user meets it: whole `capstan` processes against Helm v4.2.3.

    bench/speed.py [--capstan BIN] [--reps 3] [--startup] [--render] [--deploy]
                   [--latency 2,20] [--wait both] [--helm-unthrottled]

Three modes (all by default except --deploy, which takes ~10 minutes):

* --startup: `capstan --version` and `capstan template` of the scaffold
  chart, whole process, median of 200 runs per repetition (a repeated-run
  timer: fork+exec+wait from here), plus peak RSS. Also times a static C
  "hello" built here with gcc, the floor of this machine for any process.
* --render: ../shared/bench/render-compare (every corpus case; Helm
  in-process through its Go SDK, capstan as a whole process) `--reps`
  times; prints each run's total/median/worst ratio and their medians.
* --deploy: ../shared/bench/deploy-bench (a 500-resource chart installed,
  upgraded twice, rolled back, uninstalled against the emulator, equal work
  checked after every step) with `--reps`; its per-operation ratios are
  printed as it prints them. --helm-unthrottled passes --helm-qps 1000
  --helm-burst 1000 (Helm without client-side throttling).

BIN defaults to target/static/capstan (scripts/build-release.sh), else
target/release/capstan. Needs ../shared for --render and --deploy. Not a
test: ratios on a shared VM vary by +-30% between runs; take medians.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared")
SCAFFOLD = os.path.join(SHARED, "corpus", "charts", "helm-create-scaffold")


def default_binary():
    for p in ("target/static/capstan", "target/release/capstan"):
        full = os.path.join(ROOT, p)
        if os.path.exists(full):
            return full
    sys.exit("speed.py: no capstan binary; run scripts/build-release.sh")


def time_runs(cmd, n):
    """Median wall time (ms) of `n` runs of `cmd`, output discarded."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def hello_binary(tmp):
    src = os.path.join(tmp, "hello.c")
    out = os.path.join(tmp, "hello")
    with open(src, "w") as f:
        f.write('#include <stdio.h>\nint main(void){puts("x");return 0;}\n')
    r = subprocess.run(["gcc", "-O2", "-static", "-no-pie", src, "-o", out], capture_output=True)
    return out if r.returncode == 0 else None


def startup(binary, reps):
    with tempfile.TemporaryDirectory() as tmp:
        hello = hello_binary(tmp)
        rows = [("--version", [binary, "--version"])]
        if os.path.isdir(SCAFFOLD):
            rows.append(("template scaffold", [binary, "template", "x", SCAFFOLD]))
        else:
            print(f"(no {SCAFFOLD}: scaffold template skipped)")
        if hello:
            rows.append(("static C hello (floor)", [hello]))
        print(f"{'start-up (median of 200 runs)':32} " + " ".join(f"rep{i + 1:<5}" for i in range(reps)) + "  median")
        for name, cmd in rows:
            meds = [time_runs(cmd, 200) for _ in range(reps)]
            print(f"{name:32} " + " ".join(f"{m:8.2f}" for m in meds) + f"  {statistics.median(meds):6.2f} ms")
        # Peak RSS by GNU time (a forked Python child would count the
        # interpreter's own pages from before the exec).
        if os.path.exists("/usr/bin/time"):
            for name, cmd in rows[:2]:
                r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
                kib = int(r.stderr.strip().splitlines()[-1])
                print(f"peak RSS {name:23} {kib / 1024:6.1f} MiB")
        else:
            print("(no /usr/bin/time: peak RSS not measured)")


def oracle_python():
    return subprocess.run([os.path.join(SHARED, "oracle", "setup")], capture_output=True, text=True,
                          check=True).stdout.strip()


def render(binary, reps):
    py = oracle_python()
    script = os.path.join(SHARED, "bench", "render-compare")
    lasts, totals = [], []
    for i in range(reps):
        out = subprocess.run([py, script, "--capstan", binary], capture_output=True, text=True, check=True).stdout
        lines = out.strip().splitlines()
        total = next(l for l in lines if l.startswith("total over"))
        print(f"run {i + 1}: {total}\n       {lines[-1]}")
        totals.append(float(total.rsplit("=", 1)[1].strip().rstrip("x")))
        parts = lines[-1].split("median", 1)[1].split(",")
        lasts.append([float(p.split()[-1 if j == 0 else 1].rstrip("x")) for j, p in enumerate(parts[:2])])
    print(f"render (whole process) medians over {reps} runs: total {statistics.median(totals):.1f}x, "
          f"median {statistics.median(m for m, _ in lasts):.1f}x, worst {statistics.median(w for _, w in lasts):.1f}x")


def deploy(binary, reps, latency, wait, unthrottled):
    cmd = [sys.executable, os.path.join(SHARED, "bench", "deploy-bench"), "--capstan", binary,
           "--latency", latency, "--wait", wait, "--reps", str(reps)]
    emulator = os.path.join(ROOT, "target", "release", "kube-emulator")
    if os.path.exists(emulator):
        cmd += ["--emulator", emulator]
    if unthrottled:
        cmd += ["--helm-qps", "1000", "--helm-burst", "1000"]
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd).returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capstan", default=None)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--startup", action="store_true")
    ap.add_argument("--render", action="store_true")
    ap.add_argument("--deploy", action="store_true")
    ap.add_argument("--latency", default="2,20")
    ap.add_argument("--wait", default="both")
    ap.add_argument("--helm-unthrottled", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.capstan or default_binary())
    modes = [m for m in ("startup", "render", "deploy") if getattr(a, m)] or ["startup", "render"]
    needs_shared = [m for m in modes if m != "startup"]
    if needs_shared and not os.path.isdir(SHARED):
        sys.exit(f"speed.py: {', '.join(needs_shared)} need ../shared beside the repository")
    rc = 0
    if "startup" in modes:
        startup(binary, a.reps)
    if "render" in modes:
        render(binary, a.reps)
    if "deploy" in modes:
        rc = deploy(binary, a.reps, a.latency, a.wait, a.helm_unthrottled)
    sys.exit(rc)


if __name__ == "__main__":
    main()
