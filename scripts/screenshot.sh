#!/usr/bin/env bash
# Renders a plugin editor to a PNG with no display: the nice-plug standalone build on its dummy
# audio backend, in Xvfb, captured with ImageMagick.
# Needs Debian's xvfb, libgl1-mesa-dri, imagemagick (plus the build packages in the README).
# Usage: scripts/screenshot.sh [output.png]   (default docs/channel-strip.png)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/channel-strip.png}"
mkdir -p "$(dirname "$out")"
cargo build --release -p channel_strip --features standalone --bin channel_strip_standalone
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null || true' EXIT
sleep 1
DISPLAY="$display" LIBGL_ALWAYS_SOFTWARE=1 target/release/channel_strip_standalone --backend dummy >/tmp/lathe-standalone.log 2>&1 &
app=$!
sleep "${SCREENSHOT_WAIT_S:-6}"
DISPLAY="$display" import -window root -crop 1180x660+0+0 "$out"
echo "wrote $out"
