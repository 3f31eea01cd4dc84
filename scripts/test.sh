#!/usr/bin/env bash
# The project's one test command (README.md; .ci/run calls it).
# Builds everything and runs every test. Tests that need ../shared (Helm's
# oracle, conformance vectors, corpus) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x ../shared/oracle/setup ]; then
  # Installs Helm's reference SDK into a private venv (idempotent).
  ../shared/oracle/setup >/dev/null || echo "warning: helm-ref setup failed; oracle comparisons will skip" >&2
fi
cargo build --profile ci -p capstan-cli
cargo test --workspace --profile ci --no-fail-fast
