#!/usr/bin/env bash
# Host-level tests: loads the bundles built by `cargo xtask bundle-all --release` in hosts written
# by others — clack-host (CLAP, Rust) and Spotify's pedalboard (VST3, Python/JUCE).
# Assumes the bundles exist; creates .venv from tests/requirements.txt when missing.
set -euo pipefail

cd "$(dirname "$0")/.."
# Plugins created by the tests read the user's default preset from the config directory: point
# it at an empty one so a developer's own presets never change a test.
export XDG_CONFIG_HOME="${LATHE_TEST_CONFIG_HOME:-$PWD/target/test-config}"

# Every plugin listed in bundler.toml (its `name = "..."` lines), as CLAP and VST3.
mapfile -t names < <(sed -n 's/^[[:space:]]*name[[:space:]]*=[[:space:]]*"\(.*\)"[[:space:]]*$/\1/p' bundler.toml)
if [[ ${#names[@]} -eq 0 ]]; then
    echo "error: no plugin names found in bundler.toml" >&2
    exit 1
fi
for name in "${names[@]}"; do
    for bundle in "target/bundled/$name.clap" "target/bundled/$name.vst3"; do
        if [[ ! -e "$bundle" ]]; then
            echo "error: $bundle is missing; run \`cargo xtask bundle-all --release\` first" >&2
            exit 1
        fi
    done
done

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet -r tests/requirements.txt
fi

# scripts/test-all.sh has already run these with the whole workspace (LATHE_WORKSPACE_TESTED);
# `-p` alone would rebuild clack with other features.
if [[ -z "${LATHE_WORKSPACE_TESTED:-}" ]]; then
    cargo test --profile ci-test -p lathe-clap-host-tests
fi
.venv/bin/python -m pytest -q tests/host

# What a DAW does with a saved session (tests/ardour/README.md): Ardour loads it in a fresh
# process, sets the saved parameters after some silent blocks at its own block size, and
# exports. The renders must be bit-identical at every block size and aligned with the input,
# also when the saved state changes the latency. Runs where Ardour is installed (Debian's
# `ardour` and `sox`); elsewhere it says "skipped": CI does not install Ardour, whose ~740 MB
# would cost more of the CI budget than these runs are worth there.
bash tests/ardour/run.sh --param "De-plosive=1" --param "De-click=1" --param "De-noise=1" \
    --expect-lag 0
bash tests/ardour/run.sh --param "De-noise=1" --param "De-noise FFT Size=4" \
    --blocks "64 1024 8192" --expect-lag 0
# A reverb carries its state for seconds: a saved Room at 40 % on drums must still render the
# same at every block size after the reload.
bash tests/ardour/run.sh --plugin "Lathe Reverb" --param "Algorithm=0" --param "Mix=0.4" \
    --param "Decay=1.3" --input tests/data/04_drums_groove.flac --blocks "64 1024 8192" \
    --expect-lag 0
