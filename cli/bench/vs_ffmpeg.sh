#!/usr/bin/env bash
# Benchmark `lathe loudness --json` against ffmpeg's `ebur128` filter (Debian's ffmpeg) on the
# same 10-minute stereo 48 kHz file, in one run: prints both times (best of $RUNS), the speed
# ratio, and the difference of every reading.
#
#   cli/bench/vs_ffmpeg.sh            # from anywhere in the workspace
#   RUNS=5 BENCH_DIR=/tmp/b cli/bench/vs_ffmpeg.sh
#
# Goal (issue 3): lathe at least 10x faster, readings within 0.05 LU / 0.1 dB.
# Not run in CI (CI only builds the binary it uses).
set -euo pipefail

cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/lathe-bench}
mkdir -p "$BENCH_DIR"
WAV=$BENCH_DIR/bench-10min-stereo-48k.wav

command -v ffmpeg >/dev/null || { echo "vs_ffmpeg.sh: ffmpeg not found" >&2; exit 1; }
cargo build --release -p lathe-cli >&2
LATHE=$PWD/target/release/lathe

if [ ! -s "$WAV" ]; then
    echo "generating $WAV ..." >&2
    # Two independent pink noises, level riding between -7 and -27 dB over 37 s, plus a 1 kHz
    # tone burst every 10 s: LRA, gating and peaks all have something to do.
    ffmpeg -v error -y \
        -f lavfi -i "anoisesrc=c=pink:r=48000:a=0.3:d=600:s=1" \
        -f lavfi -i "anoisesrc=c=pink:r=48000:a=0.3:d=600:s=2" \
        -f lavfi -i "sine=f=1000:r=48000:d=600" \
        -filter_complex "[0][1]amerge=inputs=2,volume='0.55+0.45*sin(2*PI*t/37)':eval=frame[n];\
[2]volume='if(lt(mod(t,10),0.5),1.5,0)':eval=frame,pan=stereo|c0=c0|c1=c0[b];\
[n][b]amix=inputs=2:normalize=0" \
        -c:a pcm_s24le "$WAV"
fi

# Best wall time of $RUNS runs of the given command, in seconds.
best_time() {
    local best="" t
    for _ in $(seq "$RUNS"); do
        t=$( { TIMEFORMAT=%R; time "$@" >/dev/null 2>&1; } 2>&1 )
        best=$(awk -v a="$t" -v b="${best:-$t}" 'BEGIN { print (a < b ? a : b) }')
    done
    echo "$best"
}

t_lathe=$(best_time "$LATHE" loudness --json "$WAV")
t_ffmpeg=$(best_time ffmpeg -nostats -i "$WAV" -filter_complex ebur128=peak=true -f null -)

# Readings. lathe: its JSON. ffmpeg: the filter's per-frame metadata (3 decimals, more than
# the 1-decimal summary): I and LRA of the last frame, maxima of M and S, largest peaks.
lathe_json=$("$LATHE" loudness --json "$WAV")
meta=$BENCH_DIR/ffmpeg-metadata.txt
ffmpeg -v error -nostats -i "$WAV" \
    -filter_complex "ebur128=peak=true+sample:metadata=1,ametadata=mode=print:file=$meta" \
    -f null -

j() { echo "$lathe_json" | grep -o "\"$1\":[-0-9.e]*" | head -1 | cut -d: -f2; }
read -r f_i f_lra f_m f_s f_sp f_tp < <(awk -F= '
    /lavfi.r128.M=/ { if (!m || $2 > mm) mm = $2; m = 1 }
    /lavfi.r128.S=/ { if (!s || $2 > ss) ss = $2; s = 1 }
    /lavfi.r128.I=/ { i = $2 }
    /lavfi.r128.LRA=/ { lra = $2 }
    /lavfi.r128.sample_peak=/ { if ($2 > sp) sp = $2 }
    /lavfi.r128.true_peak=/ { if ($2 > tp) tp = $2 }
    END { printf "%s %s %s %s %.4f %.4f\n", i, lra, mm, ss, 20*log(sp)/log(10), 20*log(tp)/log(10) }
' "$meta")

echo "file: $WAV (10 min, stereo, 48 kHz, 24-bit)"
echo "lathe loudness --json           best of $RUNS: ${t_lathe} s"
echo "ffmpeg -af ebur128=peak=true    best of $RUNS: ${t_ffmpeg} s"
awk -v a="$t_ffmpeg" -v b="$t_lathe" 'BEGIN { printf "speed ratio (ffmpeg / lathe): %.1fx  (goal >= 10x)\n", a / b }'
printf "%-12s %10s %10s %8s\n" reading lathe ffmpeg diff
row() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%-12s %10.3f %10.3f %+8.3f\n", n, a, b, a - b }'; }
row "I (LUFS)" "$(j I)" "$f_i"
row "LRA (LU)" "$(j LRA)" "$f_lra"
row "M_max" "$(j M_max)" "$f_m"
row "S_max" "$(j S_max)" "$f_s"
row "sample_peak" "$(j sample_peak)" "$f_sp"
row "TP (dBTP)" "$(j TP)" "$f_tp"
row "PLR (dB)" "$(j PLR)" "$(awk -v t="$f_tp" -v i="$f_i" 'BEGIN { print t - i }')"
echo "(ffmpeg's peaks come as 3-decimal linear values: about +-0.01 dB of quantisation at these levels)"
