#!/usr/bin/env python3
"""Distribution speed: capstan vs Helm where users wait, in the same run.

    bench/dist_bench.py --capstan BIN [--helm CMD] [--runs N] [--index-mb M]

Serves three chart repositories from loopback (a threaded static HTTP
server in this script), one of them with a ~20 MB index.yaml (60k chart
versions, like the big public indexes users complain about), and times,
for each tool in its own HELM_CONFIG_HOME/HELM_CACHE_HOME:

  1. `dependency update` of an umbrella chart whose three dependencies come
     from the three repositories (all three `repo add`ed first);
  2. `repo update` of the big repository (the index unchanged on the server:
     the common case for a CI job that updates before every build);
  3. `search repo` of a keyword over the big index.

The reference Helm is ../shared/distribution/helm-dist (Helm v4.2.3's
library through helm_python).  Caveat, printed with the results: helm-dist
runs Helm's own code for `dependency update` (downloader.Manager) and for
fetching/validating an index, but its `repo update` bookkeeping and
`search repo` are Python emulations of Helm's source, so those two ratios
compare against an emulation, not the Go binary.  Each figure is the median
wall time of N runs (default 5); ratio = Helm time / capstan time (higher is
better for capstan).  Not a test: run by hand.
"""
import argparse
import hashlib
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def serve(root):
    handler = lambda *a, **k: Quiet(*a, directory=root, **k)  # noqa: E731
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def write_chart(d, name, version):
    os.makedirs(os.path.join(d, "templates"), exist_ok=True)
    with open(os.path.join(d, "Chart.yaml"), "w") as f:
        f.write(f"apiVersion: v2\nname: {name}\nversion: {version}\ndescription: {name} for the bench\n")
    with open(os.path.join(d, "values.yaml"), "w") as f:
        f.write("replicaCount: 1\n")
    with open(os.path.join(d, "templates", "cm.yaml"), "w") as f:
        f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-" + name + "\n")


def entry(name, version, url, digest, desc):
    return (f"  - apiVersion: v2\n    appVersion: \"{version}\"\n    created: \"2026-01-01T00:00:00Z\"\n"
            f"    description: {desc}\n    digest: {digest}\n    name: {name}\n"
            f"    type: application\n    urls:\n    - {url}\n    version: {version}\n")


def make_repo(root, url, real, filler_mb, tool):
    """index.yaml with the real archives in `real` [(name, version)] plus
    filler entries up to about filler_mb megabytes."""
    os.makedirs(root, exist_ok=True)
    charts = {}
    for n, v in real:
        src = os.path.join(root, "src", f"{n}-{v}")
        write_chart(src, n, v)
        subprocess.run(tool + ["package", src, "-d", root], check=True, capture_output=True)
        tgz = os.path.join(root, f"{n}-{v}.tgz")
        with open(tgz, "rb") as f:
            dg = hashlib.sha256(f.read()).hexdigest()
        charts.setdefault(n, []).append(entry(n, v, f"{url}/{n}-{v}.tgz", dg, f"{n} for the bench"))
    size, i = 0, 0
    while size < filler_mb * 1024 * 1024:
        n = f"filler-{i // 20:05d}"
        v = f"{i % 20}.{i % 7}.{i % 3}"
        e = entry(n, v, f"{url}/{n}-{v}.tgz", "0" * 64, f"filler chart number {i} with a longer description to look real")
        charts.setdefault(n, []).append(e)
        size += len(e)
        i += 1
    with open(os.path.join(root, "index.yaml"), "w") as f:
        f.write("apiVersion: v1\nentries:\n")
        for n in sorted(charts):
            f.write(f"  {n}:\n")
            for e in charts[n]:
                f.write(e)
        f.write("generated: \"2026-01-01T00:00:00Z\"\n")
    return os.path.getsize(os.path.join(root, "index.yaml"))


def timed(argv, env, cwd):
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr[:500]}")
    return dt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capstan", required=True)
    ap.add_argument("--helm", default=os.path.join(SHARED, "distribution", "helm-dist"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--index-mb", type=float, default=20)
    a = ap.parse_args()
    capstan = [os.path.abspath(a.capstan)]
    helm = [a.helm]
    tmp = tempfile.mkdtemp(prefix="dist-bench-")
    try:
        servers = []
        urls = {}
        sizes = {}
        for name, real, mb in [("big", [("redis", "18.1.0"), ("redis", "18.2.1")], a.index_mb),
                               ("ml", [("fraud-model", "1.4.2")], 0.05),
                               ("ops", [("monitoring", "0.3.0")], 0.05)]:
            root = os.path.join(tmp, "repos", name)
            os.makedirs(root)
            srv, url = serve(root)
            servers.append(srv)
            urls[name] = url
            sizes[name] = make_repo(root, url, real, mb, helm)
        umb = os.path.join(tmp, "umbrella")
        write_chart(umb, "umbrella", "1.0.0")
        with open(os.path.join(umb, "Chart.yaml"), "a") as f:
            f.write("dependencies:\n"
                    f"  - name: redis\n    version: \"18.x.x\"\n    repository: \"{urls['big']}\"\n"
                    f"  - name: fraud-model\n    version: \"1.4.x\"\n    repository: \"{urls['ml']}\"\n"
                    f"  - name: monitoring\n    version: \">=0.2.0 <1.0.0\"\n    repository: \"{urls['ops']}\"\n")
        results = {}
        for label, tool in (("helm", helm), ("capstan", capstan)):
            home = os.path.join(tmp, label)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "XDG_"))}
            env.update(HELM_CONFIG_HOME=os.path.join(home, "config"), HELM_CACHE_HOME=os.path.join(home, "cache"),
                       HELM_DATA_HOME=os.path.join(home, "data"), NO_PROXY="*")
            os.makedirs(home)
            for name in ("big", "ml", "ops"):
                timed(tool + ["repo", "add", name, urls[name]], env, home)
            chart = os.path.join(home, "umbrella")
            shutil.copytree(umb, chart)
            r = {"dependency update": [], "repo update": [], "search repo": []}
            for _ in range(a.runs):
                shutil.rmtree(os.path.join(chart, "charts"), ignore_errors=True)
                r["dependency update"].append(timed(tool + ["dependency", "update", chart], env, home))
                r["repo update"].append(timed(tool + ["repo", "update", "big"], env, home))
                r["search repo"].append(timed(tool + ["search", "repo", "redis"], env, home))
            results[label] = {k: statistics.median(v) for k, v in r.items()}
        print(f"indexes: big {sizes['big'] / 1e6:.1f} MB, ml {sizes['ml'] / 1e3:.0f} kB, ops {sizes['ops'] / 1e3:.0f} kB; "
              f"median of {a.runs} runs")
        print(f"{'operation':<20} {'helm s':>9} {'capstan s':>10} {'ratio':>7}")
        for op in ("dependency update", "repo update", "search repo"):
            hs, cs = results["helm"][op], results["capstan"][op]
            print(f"{op:<20} {hs:>9.3f} {cs:>10.3f} {hs / cs:>6.1f}x")
        print("note: helm-dist's `repo update` bookkeeping and `search repo` emulate Helm's source in Python;"
              " `dependency update` runs Helm's own downloader.Manager.")
        for s in servers:
            s.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
