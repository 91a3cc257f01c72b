#!/usr/bin/env bash
# Benchmark `lathe master` against ffmpeg's two-pass `loudnorm` in linear mode (Debian's
# ffmpeg) on the same 10-minute stereo 48 kHz file of real music (the six recordings of
# tests/data, end to end, repeated), in one run: prints both times and both results, each
# re-measured by `lathe loudness` (BS.1770-4 integrated loudness and 4x true peak).
#
#   cli/bench/master_vs_ffmpeg.sh                 # targets -14 and -9 LUFS, ceiling -1 dBTP
#   TARGETS="-14" BENCH_DIR=/tmp/b cli/bench/master_vs_ffmpeg.sh
#   LATHE=/path/to/lathe cli/bench/master_vs_ffmpeg.sh   # use that binary, build nothing
#
# LRA=50 (the largest allowed) so loudnorm can stay linear whenever the ceiling allows it;
# when it cannot (a louder target than the peaks allow), loudnorm falls back to its dynamic
# mode, and the script says so.
# Not run in CI.
set -euo pipefail

cd "$(dirname "$0")/../.."
TARGETS=${TARGETS:-"-14 -9"}
CEILING=${CEILING:--1}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/lathe-bench}
mkdir -p "$BENCH_DIR"
WAV=$BENCH_DIR/music-10min-stereo-48k.wav

command -v ffmpeg >/dev/null || { echo "master_vs_ffmpeg.sh: ffmpeg not found" >&2; exit 1; }
[ -n "${LATHE:-}" ] || { cargo build --release -p lathe-cli >&2; LATHE=$PWD/target/release/lathe; }

if [ ! -s "$WAV" ]; then
    echo "generating $WAV ..." >&2
    list=$BENCH_DIR/concat.txt
    : > "$list"
    for _ in 1 2 3 4 5 6 7; do
        for f in "$PWD"/tests/data/0*.flac; do echo "file '$f'" >> "$list"; done
    done
    ffmpeg -v error -y -f concat -safe 0 -i "$list" -t 600 -ar 48000 -c:a pcm_s24le "$WAV"
fi

# Wall time of one run of the given command, seconds.
wall() { local t; t=$( { TIMEFORMAT=%R; time "$@" >/dev/null 2>&1; } 2>&1 ); echo "$t"; }
# Integrated loudness and true peak of a file, by `lathe loudness --json`.
measure() {
    "$LATHE" loudness --json "$1" | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print("%.2f LUFS  TP %+.2f dBTP" % (d["I"], d["TP"]))'
}

echo "input: $("$LATHE" loudness --json "$WAV" | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print("%.0f s, %.2f LUFS, TP %+.2f dBTP, LRA %.1f LU" % (d["duration_s"], d["I"], d["TP"], d["LRA"]))')"

for target in $TARGETS; do
    out_l=$BENCH_DIR/lathe-master$target.wav
    out_f=$BENCH_DIR/ffmpeg-loudnorm$target.wav
    rm -f "$out_l" "$out_f"
    t_lathe=$(wall "$LATHE" master "$WAV" --target "$target" --ceiling "$CEILING" --no-progress -o "$out_l")
    # ffmpeg: pass 1 measures, pass 2 applies with the measured values, linear (one gain).
    # loudnorm works at 192 kHz internally; -ar 48000 brings the output back.
    start=$(date +%s.%N)
    p1=$(ffmpeg -hide_banner -nostats -i "$WAV" \
        -af "loudnorm=I=$target:TP=$CEILING:LRA=50:print_format=json" -f null - 2>&1 |
        sed -n '/^{/,/^}/p')
    get() { echo "$p1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
    p2=$(ffmpeg -hide_banner -nostats -y -i "$WAV" -af "loudnorm=I=$target:TP=$CEILING:LRA=50:\
measured_I=$(get input_i):measured_TP=$(get input_tp):measured_LRA=$(get input_lra):\
measured_thresh=$(get input_thresh):offset=$(get target_offset):linear=true:print_format=json" \
        -ar 48000 -c:a pcm_s24le "$out_f" 2>&1 | sed -n '/^{/,/^}/p')
    end=$(date +%s.%N)
    t_ffmpeg=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    mode=$(echo "$p2" | python3 -c "import json,sys; print(json.load(sys.stdin)['normalization_type'])")
    echo
    echo "target $target LUFS, ceiling $CEILING dBTP"
    printf '  lathe master                   %7.2f s   %s\n' "$t_lathe" "$(measure "$out_l")"
    printf '  ffmpeg loudnorm 2-pass linear  %7.2f s   %s   (loudnorm used: %s)\n' \
        "$t_ffmpeg" "$(measure "$out_f")" "$mode"
    awk -v a="$t_lathe" -v b="$t_ffmpeg" 'BEGIN { printf "  speed ratio (ffmpeg / lathe): %.1fx\n", b / a }'
done
