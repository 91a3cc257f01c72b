#!/usr/bin/env bash
# Runs every Lathe test: formatting, lints, unit and engine tests, then the host tests that
# load the built bundles in pedalboard (VST3) and clack-host (CLAP).
# Needs the system packages listed in the README; creates .venv for the Python host tests.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --release --workspace --all-targets -- -D warnings

echo "== bundle every plugin (release)"
cargo xtask bundle-all --release

echo "== unit, engine and CLI tests (release)"
cargo test --release --workspace

echo "== host tests (bundles in pedalboard and clack-host)"
bash tests/run-host-tests.sh

echo "== benchmarks compile"
cargo bench --workspace --no-run

echo "All tests passed."
