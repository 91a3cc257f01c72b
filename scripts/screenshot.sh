#!/usr/bin/env bash
# Renders a plugin editor to a PNG with no display: the nice-plug standalone build on its dummy
# audio backend, in Xvfb, captured with ImageMagick.
# Needs Debian's xvfb, libgl1-mesa-dri, imagemagick (plus the build packages in the README).
# Usage: scripts/screenshot.sh [CRATE [output.png [WIDTHxHEIGHT]]]
#   default: channel_strip docs/channel-strip.png 1180x680
#   e.g.     scripts/screenshot.sh bus_compressor docs/bus-compressor.png 1040x580
set -euo pipefail
cd "$(dirname "$0")/.."
crate="${1:-channel_strip}"
out="${2:-docs/${crate//_/-}.png}"
size="${3:-1180x680}"
mkdir -p "$(dirname "$out")"
cargo build --release -p "$crate" --features standalone --bin "${crate}_standalone"
display=":$((90 + RANDOM % 9))"
# A screen larger than any editor, so the pointer (at its centre) hovers nothing.
Xvfb "$display" -screen 0 2560x1600x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null || true' EXIT
sleep 1
DISPLAY="$display" LIBGL_ALWAYS_SOFTWARE=1 "target/release/${crate}_standalone" --backend dummy \
    >/tmp/lathe-standalone.log 2>&1 &
app=$!
sleep "${SCREENSHOT_WAIT_S:-6}"
DISPLAY="$display" import -window root -crop "${size}+0+0" "$out"
echo "wrote $out"
