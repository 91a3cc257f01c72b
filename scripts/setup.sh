#!/usr/bin/env bash
# Installs what Lathe needs on a Debian/Ubuntu machine that has Rust (rustup), and only what is
# missing. `scripts/setup.sh build`: the system libraries the plugins link (X11/OpenGL for the
# egui editors, ALSA/JACK for nice-plug's audio back-ends). `scripts/setup.sh test`: also
# rustfmt/clippy, python3-venv and the .venv with pedalboard for the host tests, and Xvfb with
# Mesa's software OpenGL for the editor test.
# Uses apt-get (through sudo when not root). Called by `cargo xtask bundle-all` and by
# scripts/test-all.sh, so the README's two commands work on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"

packages=(pkg-config libx11-dev libx11-xcb-dev libxcb1-dev libxcb-icccm4-dev libxcb-dri2-0-dev
    libxcursor-dev libxkbcommon-dev libxkbcommon-x11-dev libgl-dev libgl1-mesa-dev
    libasound2-dev libjack-jackd2-dev)
if [[ "$mode" == test ]]; then
    # Xvfb and Mesa's software OpenGL: the editor test opens each plugin's editor in the CLAP
    # host on a private X display.
    packages+=(python3-venv python3-pip xvfb libgl1-mesa-dri)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    if ! command -v apt-get >/dev/null; then
        echo "error: missing system packages (${missing[*]}) and no apt-get here;" \
            "install their equivalents with your package manager" >&2
        exit 1
    fi
    sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
    echo "setup: installing ${missing[*]}"
    # Another apt process (e.g. unattended upgrades on a fresh machine) may hold the lock:
    # apt waits for it up to 5 minutes per attempt; a failed attempt is retried (up to
    # 20 minutes in all) with a message, then setup fails with apt's own error.
    apt_wait() {
        local attempt
        for attempt in 1 2 3 4; do
            if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get -o DPkg::Lock::Timeout=300 "$@"; then
                return 0
            fi
            echo "setup: apt-get $1 failed (attempt $attempt of 4; another apt process may" \
                "hold the lock); retrying in 10 s" >&2
            sleep 10
        done
        echo "error: apt-get $1 failed 4 times; see apt's messages above" >&2
        return 1
    }
    apt_wait update -qq
    apt_wait install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "$mode" == test ]]; then
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        rustup component add rustfmt clippy ||
            echo "setup: could not add rustfmt/clippy with rustup; install them to run the lints" >&2
    fi
    if ! .venv/bin/python -c "import pedalboard, numpy, pytest" >/dev/null 2>&1; then
        echo "setup: creating .venv with tests/requirements.txt"
        python3 -m venv .venv
        .venv/bin/pip install -q --upgrade pip
        .venv/bin/pip install -q -r tests/requirements.txt
    fi
fi
