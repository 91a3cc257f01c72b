#!/usr/bin/env bash
# Runs every Lathe test: formatting, lints, unit and engine tests, then the host tests that
# load the built bundles in pedalboard (VST3) and clack-host (CLAP).
# First installs whatever is missing (scripts/setup.sh test: system packages through apt,
# rustfmt/clippy, the .venv with pedalboard), so it works on a fresh Debian machine with Rust.
set -euo pipefail
cd "$(dirname "$0")/.."
# Plugins created by the tests read the user's default preset from the config directory: point
# it at an empty one so a developer's own presets never change a test.
export XDG_CONFIG_HOME="${LATHE_TEST_CONFIG_HOME:-$PWD/target/test-config}"

echo "== setup (installs only what is missing)"
bash scripts/setup.sh test

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --profile ci-test --workspace --all-targets -- -D warnings

echo "== bundle every plugin (release)"
cargo xtask bundle-all --release

# The tests build with the ci-test profile: release optimisation without LTO, so the ~35 test
# binaries link in a second instead of 10–20 s each (the bundles above keep their thin LTO).
# Where the CPU has AVX2 and FMA (CI's machine does), a SIMD test that finds no SIMD path
# fails instead of printing SKIPPED.
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then
    export LATHE_REQUIRE_SIMD=1
fi
echo "== unit, engine and CLI tests (ci-test profile: optimised, no LTO)"
cargo test --profile ci-test --workspace

echo "== host tests (bundles in pedalboard and clack-host)"
LATHE_WORKSPACE_TESTED=1 bash tests/run-host-tests.sh

echo "== benchmarks compile"
cargo bench --profile ci-test --workspace --no-run

echo "All tests passed."
