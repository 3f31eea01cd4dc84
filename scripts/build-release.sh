#!/usr/bin/env bash
# The release binary: statically linked (glibc), position-dependent.
#
# Why: a short `capstan` run is mostly process start-up. A dynamic PIE pays
# for ld.so resolving every libc/OpenSSL symbol and applying ~60,000
# relative relocations (each touching a page) before `main`; a static,
# non-PIE binary has neither (measured: `--version` 4.0 -> 1.6 ms, page
# faults 598 -> 184; the scaffold chart's `template` 6.6 -> 3.7 ms).
#
#   scripts/build-release.sh            # -> target/static/capstan
#
# `--target` keeps the static flags off build scripts and proc-macros (they
# must stay dynamic); `relocation-model=static` makes rustc link with
# `-static` instead of `-static-pie`; OpenSSL (funcs' RSA/X.509) links from
# libssl.a/libcrypto.a (Debian's libssl-dev has them). Host names resolve
# through glibc's built-in `files` and `dns` NSS modules.
#
# Plain `cargo build --release` still works and gives a dynamic non-PIE
# binary (crates/cli/build.rs); tests use that.
set -euo pipefail
cd "$(dirname "$0")/.."
triple=$(rustc -vV | sed -n 's/^host: //p')
case "$triple" in
  *-linux-gnu) ;;
  *) echo "build-release.sh: static linking is set up for *-linux-gnu only (host: $triple)" >&2
     exec cargo build --release -p capstan-cli ;;
esac
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
OPENSSL_STATIC=1 \
  cargo build --release --target "$triple" -p capstan-cli "$@"
mkdir -p target/static
cp -f "target/$triple/release/capstan" target/static/capstan
echo "target/static/capstan"
