"""Drives real Helm v4 (helm_python, the Go SDK) for the release-record interop tests.

Run by tests/interop.rs with the oracle's interpreter:
    PY helm_interop.py SERVER CHART_DIR MODE
MODE "write": Helm installs, upgrades and rolls back release "hr" in
namespace "default" (secret driver) and installs "hcm" with the configmap driver.
MODE "read": Helm reads the releases capstan wrote ("cap" with the secret
driver, "capcm" with the configmap driver), then upgrades "cap".
Prints one JSON object on the last line of stdout.
"""
import json
import sys

import helm_python as helm


def config(server, **kw):
    return helm.Config(kube_apiserver=server, kube_token="x", namespace="default", **kw)


def main():
    server, chart, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    out = {}
    if mode == "write":
        with config(server) as cfg:
            cfg.install(chart, "hr", {
                "message": "hi",
                "note": "hi <&> \u00e9 \u2028 \t \"q\" \u0001",
                "replicaCount": 2,
                "ratio": 0.25,
                "huge": 1e21,
                "tiny": 1e-7,
                "list": [1, "two", None, True, {"k": "v"}],
            }, labels={"team": "data", "tier": "gold"}, description="first <install>")
            cfg.upgrade(chart, "hr", {"message": "v2", "nested": {"a": {"b": [0.5]}}})
            cfg.rollback("hr", version=1)
        with config(server, storage_driver="configmap") as cfg:
            cfg.install(chart, "hcm", {"message": "cm"})
        out["ok"] = True
    elif mode == "read":
        with config(server) as cfg:
            out["history"] = cfg.history("cap")
            out["status"] = cfg.status("cap")
            out["get_all"] = cfg.get_all("cap")
            out["values"] = cfg.get_values("cap")
            out["metadata"] = cfg.get_metadata("cap")
            out["upgrade"] = cfg.upgrade(chart, "cap", {"message": "helm upgraded"})
            out["history_after"] = cfg.history("cap")
        with config(server, storage_driver="configmap") as cfg:
            out["cm_history"] = cfg.history("capcm")
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
