#!/usr/bin/env bash
# Measures an editor's CPU while its window is open and idle: the plugin's standalone build on
# the dummy audio backend (silence) in Xvfb with Mesa's software OpenGL, CPU time read from
# /proc over a window of N seconds, and the editor's own frame rate (LATHE_FRAME_STATS).
# Needs Debian's xvfb and libgl1-mesa-dri (see the README's packages).
# Usage: scripts/idle-cpu.sh [CRATE [SECONDS]]   e.g. scripts/idle-cpu.sh bus_compressor 20
# Software GL makes every frame cost far more CPU than a GPU would: the frame rate is the
# hardware-independent figure.
set -euo pipefail
cd "$(dirname "$0")/.."
crate="${1:-channel_strip}"
secs="${2:-20}"
cargo build --release -p "$crate" --features standalone --bin "${crate}_standalone" >&2
display=":$((70 + RANDOM % 9))"
Xvfb "$display" -screen 0 2560x1600x24 >/dev/null 2>&1 &
xvfb=$!
log="$(mktemp)"
trap 'kill $app $xvfb 2>/dev/null || true; rm -f "$log"' EXIT
sleep 1
DISPLAY="$display" LIBGL_ALWAYS_SOFTWARE=1 LATHE_FRAME_STATS=1 \
    "target/release/${crate}_standalone" --backend dummy >"$log" 2>&1 &
app=$!
sleep 6 # the window is up and the first frames are drawn
ticks() { awk '{print $14+$15}' "/proc/$app/stat"; }
frames() { grep -c '^lathe editor frame' "$log" || true; }
hz=$(getconf CLK_TCK)
a=$(ticks)
fa=$(frames)
sleep "$secs"
b=$(ticks)
fb=$(frames)
awk -v d=$((b - a)) -v s="$secs" -v h="$hz" -v c="$crate" -v f=$((fb - fa)) \
    'BEGIN {printf "%s: %.1f %% of one core over %d s (software GL), %d frames (%.2f frames/s)\n", c, 100*d/h/s, s, f, f/s}'
