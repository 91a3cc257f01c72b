"""Spectral Repair de-noise and de-hum against ffmpeg's filters, on damaged real recordings:
fixed-seed damage files, the peers' outputs, and the measures, so that any processor's output
files (Lathe's included) are scored by the same code.

Subcommands (OUTDIR is a scratch folder, e.g. /tmp/repair-peers):
  make OUTDIR     the clean and damaged files and OUTDIR/manifest.json
  peer OUTDIR     ffmpeg's filters over them, timed (OUTDIR/peer_timings.json)
  sanity OUTDIR   reference "processors" that check the measures (see below)
  measure OUTDIR  scores every processed file found; --tag T (repeatable) to pick, --json OUT
  selftest        checks the birdie counter on synthetic signals (no files)

Files. Every recording (tests/data/*.flac, 48 kHz stereo) gives, as 32-bit float WAV:
  <stem>.clean.wav                  the recording as it is
  <stem>.<damage>.wav               the recording plus the damage (float, nothing clips)
  <stem>.hum<F>-<L>.hum.wav         the hum alone           (hum damages only)
  <stem>.hum<F>-<L>.minus.wav       the recording minus the hum
A processor's output for input <stem>.<X>.wav must be saved as <stem>.<X>.<TAG>.wav, with a
TAG that has no dot (ffmpeg-afftdn, lathe, ...), the same length as the input and aligned with
it (a constant lag within ±0.2 s is found and taken out, and reported). For example:
  lathe process repair OUTDIR/01_loud_metal_master.noise-white-20.wav --set dns_on=On \\
      -o OUTDIR/01_loud_metal_master.noise-white-20.lathe.wav
then `measure OUTDIR --tag lathe`. For the hum let-through, process <stem>.hum<F>-<L>.minus.wav
too (→ <stem>.hum<F>-<L>.minus.<TAG>.wav) with the same settings; for the null, <stem>.clean.wav.

Damage (seeds fixed; seed = the damage's base + the file's number, 01 → 1; numpy PCG64,
`np.random.default_rng(seed)`; the WAV files are the reference, not the generator).
Programme RMS = RMS over both channels of the whole clean file.
  noise-white-20/-30  Gaussian white noise, independent per channel, RMS over both channels
                      20 / 30 dB below the programme RMS.
  noise-pink-20/-30   the same but pink: white noise shaped in one FFT over the whole file,
                      amplitude ∝ 1/sqrt(f) (−3 dB/octave) from 20 Hz to Nyquist, 0 below
                      20 Hz; independent per channel; scaled as above.
  hum50-10/-20/-30,   mains hum, the same in both channels: harmonics k = 1..10 of the
  hum60-20/-30        fundamental, amplitude ∝ 1/k, a random phase per harmonic; the
                      fundamental drifts ±0.5 % as a sinusoid of period 7 s (random start
                      phase): f0(t) = F·(1 + 0.005·sin(2πt/7 + φ)), harmonic k follows k·f0(t)
                      with continuous phase. Total RMS 10 / 20 / 30 dB below the programme.
  noise-rise          white noise as above, −30 dB re programme until 4 s, then rising
                      linearly in dB by 10 dB over 10 s (−20 dB from 14 s to the end).

Peers (`peer`): ffmpeg run as `ffmpeg -threads 1 -filter_threads 1 -i IN -af CHAIN -c:a
pcm_f32le OUT` (one core), tags:
  ffmpeg-afftdn           afftdn=nr=30:nf=-30:tn=1   on noise-*, noise-rise and clean
  ffmpeg-afftdn-defaults  afftdn (nr 12, nf −50, no noise tracking), on the same files
                          (ffmpeg 5.1's afftdn delays its output by 1200 samples at 48 kHz
                          and drops the input's last 1200: `measure` finds the lag)
  ffmpeg-notch50/60       aformat=sample_fmts=dbl, then 10 × bandreject=f=k·F:width_type=q:
                          w=100:precision=f64 (k = 1..10), on hum<F>-* (also .minus) and clean;
                          the mains frequency is given, not found. A notch of Q 100 is 0.5 Hz
                          wide at 50 Hz (settles in about 2 s), 5 Hz at 500 Hz.
Speed: each run is repeated --runs times (best kept): wall time of the whole ffmpeg process
(start-up, decode, filter, encode) and ffmpeg's own `-benchmark` rtime; the filter alone is
rtime(chain) − rtime(same command with `anull`, or `aformat=sample_fmts=dbl` for the notches).
Realtime factor = seconds of audio / seconds of processing.

Sanity tags (`sanity`): `identity` (the input copied: SNR gain 0 dB, hum reduction 0 dB),
`oracle` (the clean recording as output: infinite SNR, no hum let through) and `late480`
(the input delayed by 480 samples: lag +480 found, gain 0 dB).

Measures (`measure`; the clean reference is <stem>.clean.wav):
  lag        the output's delay against the clean file, from the peak of the cross-correlation
             of the channel sums within ±0.2 s; the output is shifted back by it and every
             measure is taken over [0.5 s, end of the shorter file).
  SNR        10·log10(Σclean² / Σ(y − clean)²) over both channels, for y = the damaged input
             ("before") and the aligned output ("after"); gain = after − before (dB).
  hum red.   (hum files, when <stem>.<hum>.<TAG>.wav and <stem>.<hum>.minus.<TAG>.wav both
             exist) hum let through L = ½·(out(music + hum) − out(music − hum)), exact for a
             processor linear in the hum; reduction = 10·log10(Σhum² / ΣL²) from 2 s on.
             music Δ = 10·log10(Σ(½·(out₊ + out₋) − clean)² / Σclean²) from 2 s on: what
             the processor did to the music itself (dB re the music; −inf = untouched).
  null       (<stem>.clean.<TAG>.wav) 10·log10(Σ(out − clean)² / Σclean²), dB re the input.
  birdies/s  isolated tonal blips ("musical noise") in the residual r = output − clean, per
             channel: STFT of r, Hann 1024, hop 256, level P(t, f) in dB (a sine of amplitude A
             reads 20·log10 A). Background B = median of P over 15 frames (±40 ms), then over
             15 bins (±350 Hz) (a separable 2-D median). A bin is hot when P ≥ B + 12 dB,
             P ≥ (median of P over the whole residual) + 6 dB, P ≥ −100 dB and 150 Hz ≤ f ≤
             20 kHz. Hot bins are grouped into 8-connected blobs; a blob is a birdie when
               - it spans 2–16 frames (about 25–90 ms of signal) and at most 5 bins (234 Hz),
               - its peak is ≥ B + 15 dB,
               - isolated in time: its peak is ≥ 12 dB above the median of P in the peak's bin
                 over the blob's frames ± 24 frames (±130 ms),
               - isolated in frequency: within its frames ± 1 and its bins ± 16, other blobs'
                 hot bins are no more than its own.
             Count / (channels × seconds measured).
             Why so: a processor's musical noise is blips as long as its own frame (tens of
             ms), several of our hops, so a 5×5 neighbourhood would be filled by the blip
             itself; the 15×15 median sees past them. Steady noise, white or pink, rarely
             gives a bin 12 dB over its local median (p ≈ 2·10⁻⁵ for white noise) and hardly
             ever two adjacent ones with a 15 dB peak; sustained tones (music lost) are longer
             than 16 frames, and music lost in narrow bands whose level wanders (what notches
             remove) breaks into short pieces that stand less than 12 dB above their own bin's
             median; broadband transients are wider than 5 bins or come in crowds of hot bins.
             `selftest` shows it: ≤ 0.2/s on white and pink noise, wandering lines, steady
             tones and clicks; 5.0/s found where 5/s Hann tone bursts of 25–60 ms were put
             20–30 dB over white noise.

Usage (run by hand, not in CI; on the six recordings, one core: make 15 s and 0.9 GB, peer
2.5 min, sanity 1 min and 2 GB, measure about 2 s per output file: 4.5 min for ffmpeg's
outputs, 10 min with the sanity tags; selftest 15 s):
  python3 -m venv /tmp/venv-peers && /tmp/venv-peers/bin/pip install numpy soundfile scipy
  apt-get install ffmpeg
  PY=/tmp/venv-peers/bin/python
  $PY tests/bench/repair_peers.py make /tmp/repair-peers
  $PY tests/bench/repair_peers.py peer /tmp/repair-peers
  $PY tests/bench/repair_peers.py sanity /tmp/repair-peers
  $PY tests/bench/repair_peers.py measure /tmp/repair-peers [--tag ffmpeg-afftdn] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import ndimage, signal

WORKSPACE = Path(__file__).resolve().parents[2]
SR = 48_000

# name: (kind, parameters, seed base)
DAMAGES: dict[str, tuple[str, dict, int]] = {
    "noise-white-20": ("noise", {"color": "white", "level_db": -20.0}, 1000),
    "noise-white-30": ("noise", {"color": "white", "level_db": -30.0}, 1100),
    "noise-pink-20": ("noise", {"color": "pink", "level_db": -20.0}, 1200),
    "noise-pink-30": ("noise", {"color": "pink", "level_db": -30.0}, 1300),
    "hum50-10": ("hum", {"mains_hz": 50.0, "level_db": -10.0}, 2000),
    "hum50-20": ("hum", {"mains_hz": 50.0, "level_db": -20.0}, 2100),
    "hum50-30": ("hum", {"mains_hz": 50.0, "level_db": -30.0}, 2200),
    "hum60-20": ("hum", {"mains_hz": 60.0, "level_db": -20.0}, 2300),
    "hum60-30": ("hum", {"mains_hz": 60.0, "level_db": -30.0}, 2400),
    "noise-rise": ("noise-rise", {"color": "white", "level_db": -30.0, "rise_db": 10.0,
                                  "rise_start_s": 4.0, "rise_seconds": 10.0}, 3000),
}
HUM_HARMONICS = 10
HUM_DRIFT = 0.005          # ±0.5 % of the fundamental
HUM_DRIFT_PERIOD_S = 7.0
PINK_LOW_HZ = 20.0

SKIP_S = 0.5               # measures start here
HUM_SKIP_S = 2.0           # hum measures start here
MAX_LAG_S = 0.2

# Birdie counter (see the docstring).
B_NFFT, B_HOP = 1024, 256
B_MED_FRAMES, B_MED_BINS = 15, 15
B_HOT_DB, B_PEAK_DB, B_GLOBAL_DB, B_ABS_DB = 12.0, 15.0, 6.0, -100.0
B_MIN_HZ, B_MAX_HZ = 150.0, 20_000.0
B_ISO_FRAMES, B_ISO_BINS = 1, 16      # spectral neighbours: ±1 frame, ±16 bins
B_REP_FRAMES, B_LINE_DB = 24, 12.0    # the same bin over ±24 frames: peak ≥ median + 12 dB
B_MIN_FRAMES, B_MAX_FRAMES, B_MAX_BINS = 2, 16, 5


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def db10(num: float, den: float) -> float:
    if den <= 0:
        return math.inf if num > 0 else math.nan
    if num <= 0:
        return -math.inf
    return 10 * math.log10(num / den)


def read(path: Path) -> np.ndarray:
    """(samples, channels) float64."""
    x, sr = sf.read(str(path), dtype="float64", always_2d=True)
    if sr != SR:
        sys.exit(f"{path}: {sr} Hz, expected {SR}")
    return x


def write(path: Path, x: np.ndarray) -> None:
    sf.write(str(path), x.astype(np.float32), SR, subtype="FLOAT")


def file_number(stem: str) -> int:
    m = re.match(r"(\d+)", stem)
    return int(m.group(1)) if m else zlib.crc32(stem.encode()) % 1000


# ---------------------------------------------------------------------------------- damage


def white(n: int, ch: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((n, ch))


def pink(n: int, ch: int, rng: np.random.Generator) -> np.ndarray:
    """White noise shaped to −3 dB/octave from PINK_LOW_HZ to Nyquist, 0 below."""
    spec = np.fft.rfft(rng.standard_normal((n, ch)), axis=0)
    f = np.fft.rfftfreq(n, 1 / SR)
    shape = np.zeros_like(f)
    band = f >= PINK_LOW_HZ
    shape[band] = 1 / np.sqrt(f[band] / PINK_LOW_HZ)
    return np.fft.irfft(spec * shape[:, None], n=n, axis=0)


def hum(n: int, ch: int, mains_hz: float, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Unscaled hum (samples, ch), the same in every channel, and its random parameters."""
    phases = rng.uniform(0, 2 * np.pi, HUM_HARMONICS)
    drift_phase = float(rng.uniform(0, 2 * np.pi))
    t = np.arange(n) / SR
    w = 2 * np.pi / HUM_DRIFT_PERIOD_S
    # θ(t) = 2π ∫ f0 = 2πF·(t − d/w·(cos(wt + φ) − cos φ))
    theta = 2 * np.pi * mains_hz * (
        t - HUM_DRIFT / w * (np.cos(w * t + drift_phase) - np.cos(drift_phase)))
    h = np.zeros(n)
    for k in range(1, HUM_HARMONICS + 1):
        h += np.sin(k * theta + phases[k - 1]) / k
    return np.repeat(h[:, None], ch, axis=1), {
        "harmonic_phases_rad": [round(float(p), 6) for p in phases],
        "drift_phase_rad": round(drift_phase, 6)}


def scale_to(x: np.ndarray, target_rms: float) -> np.ndarray:
    return x * (target_rms / rms(x))


def cmd_make(args) -> None:
    out: Path = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    paths = sorted({p for pat in args.files for p in args.data.glob(pat)})
    if not paths:
        sys.exit(f"no files matching {args.files} in {args.data}")
    manifest = {"sample_rate": SR, "data": str(args.data), "files": [], "items": [],
                "hum": {"harmonics": HUM_HARMONICS, "amplitude": "1/k", "drift": HUM_DRIFT,
                        "drift_period_s": HUM_DRIFT_PERIOD_S},
                "pink_low_hz": PINK_LOW_HZ, "rng": "numpy.random.default_rng (PCG64)"}
    for p in paths:
        stem = p.stem
        x = read(p)
        n, ch = x.shape
        prog = rms(x)
        num = file_number(stem)
        write(out / f"{stem}.clean.wav", x)
        manifest["files"].append({"stem": stem, "source": p.name, "seconds": n / SR,
                                  "channels": ch, "programme_rms_dbfs": 20 * math.log10(prog),
                                  "clean": f"{stem}.clean.wav"})
        manifest["items"].append({"file": f"{stem}.clean.wav", "stem": stem,
                                  "damage": "clean", "kind": "clean"})
        for name, (kind, par, base) in DAMAGES.items():
            if args.damage and name not in args.damage:
                continue
            seed = base + num
            rng = np.random.default_rng(seed)
            item = {"file": f"{stem}.{name}.wav", "stem": stem, "damage": name, "kind": kind,
                    "seed": seed, **par}
            if kind == "noise":
                d = (white if par["color"] == "white" else pink)(n, ch, rng)
                d = scale_to(d, prog * 10 ** (par["level_db"] / 20))
            elif kind == "noise-rise":
                d = scale_to(white(n, ch, rng), prog)
                t = np.arange(n) / SR
                lev = par["level_db"] + par["rise_db"] * np.clip(
                    (t - par["rise_start_s"]) / par["rise_seconds"], 0, 1)
                d *= (10 ** (lev / 20))[:, None]
            else:
                h, extra = hum(n, ch, par["mains_hz"], rng)
                d = scale_to(h, prog * 10 ** (par["level_db"] / 20))
                item.update(extra)
                item["hum_file"] = f"{stem}.{name}.hum.wav"
                item["minus_file"] = f"{stem}.{name}.minus.wav"
                write(out / item["hum_file"], d)
                write(out / item["minus_file"], x - d)
            y = x + d
            item["damage_rms_db_re_programme"] = round(20 * math.log10(rms(d) / prog), 3)
            item["peak_dbfs"] = round(20 * math.log10(np.max(np.abs(y))), 2)
            write(out / item["file"], y)
            manifest["items"].append(item)
        log(f"{stem}: {n / SR:.1f} s, programme {20 * math.log10(prog):.1f} dBFS RMS")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    log(f"{len(manifest['items'])} files (+ hum/minus) and manifest.json in {out}")


def load_manifest(out: Path) -> dict:
    m = out / "manifest.json"
    if not m.exists():
        sys.exit(f"{m} missing: run `make {out}` first")
    return json.loads(m.read_text())


# ---------------------------------------------------------------------------------- peers


def notch_chain(mains: float) -> str:
    return "aformat=sample_fmts=dbl," + ",".join(
        f"bandreject=f={k * mains:g}:width_type=q:w=100:precision=f64"
        for k in range(1, HUM_HARMONICS + 1))


# tag: (filter chain, passthrough chain for the speed baseline, which items)
def peers() -> dict[str, tuple[str, str, callable]]:
    noisy = lambda it: it["kind"] in ("noise", "noise-rise", "clean")
    return {
        "ffmpeg-afftdn": ("afftdn=nr=30:nf=-30:tn=1", "anull", noisy),
        "ffmpeg-afftdn-defaults": ("afftdn", "anull", noisy),
        "ffmpeg-notch50": (notch_chain(50), "aformat=sample_fmts=dbl",
                           lambda it: it["kind"] == "clean" or it.get("mains_hz") == 50),
        "ffmpeg-notch60": (notch_chain(60), "aformat=sample_fmts=dbl",
                           lambda it: it["kind"] == "clean" or it.get("mains_hz") == 60),
    }


BENCH_RE = re.compile(r"bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s")


def run_ffmpeg(src: Path, dst: str, chain: str, runs: int) -> dict:
    """Best of `runs`: wall seconds of the process, ffmpeg's rtime and utime+stime."""
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-benchmark",
           "-threads", "1", "-filter_threads", "1", "-i", str(src), "-af", chain,
           "-c:a", "pcm_f32le"]
    cmd += ["-f", "null", "-"] if dst == "-" else ["-y", dst]
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"ffmpeg failed: {' '.join(cmd)}\n{p.stderr}")
        m = BENCH_RE.search(p.stdout + p.stderr)
        r = {"wall_s": wall, "rtime_s": float(m.group(3)) if m else math.nan,
             "cpu_s": float(m.group(1)) + float(m.group(2)) if m else math.nan}
        best = r if best is None else {k: min(best[k], r[k]) for k in r}
    return best


def cmd_peer(args) -> None:
    out: Path = args.outdir
    if not shutil.which("ffmpeg"):
        sys.exit("ffmpeg not found (apt-get install ffmpeg)")
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    man = load_manifest(out)
    inputs = []
    for it in man["items"]:
        inputs.append(it)
        if it["kind"] == "hum":
            inputs.append({**it, "file": it["minus_file"], "damage": it["damage"] + ".minus"})
    runs = []
    base_cache: dict[tuple[str, str], dict] = {}
    for tag, (chain, through, want) in peers().items():
        if args.tag and tag not in args.tag:
            continue
        for it in inputs:
            if not want(it):
                continue
            src = out / it["file"]
            dst = out / f"{it['stem']}.{it['damage']}.{tag}.wav"
            seconds = sf.info(str(src)).frames / SR
            r = run_ffmpeg(src, str(dst), chain, args.runs)
            key = (it["file"], through)
            if key not in base_cache:
                base_cache[key] = run_ffmpeg(src, str(out / ".passthrough.wav"), through,
                                             args.runs)
            b = base_cache[key]
            filt = r["rtime_s"] - b["rtime_s"]
            row = {"tag": tag, "chain": chain, "input": it["file"], "output": dst.name,
                   "seconds": seconds, **{k: round(v, 4) for k, v in r.items()},
                   "passthrough_rtime_s": round(b["rtime_s"], 4),
                   "realtime_wall": round(seconds / r["wall_s"], 1),
                   "realtime_filter": round(seconds / filt, 1) if filt > 0 else None}
            runs.append(row)
            log(f"{tag:24} {it['file']:48} {row['realtime_wall']:7.1f}x wall, filter "
                f"{row['realtime_filter'] if row['realtime_filter'] else '-':>7}x")
    (out / ".passthrough.wav").unlink(missing_ok=True)
    summary = {}
    for tag in dict.fromkeys(r["tag"] for r in runs):
        rs = [r for r in runs if r["tag"] == tag]
        audio = sum(r["seconds"] for r in rs)
        wall = sum(r["wall_s"] for r in rs)
        filt = sum(r["rtime_s"] - r["passthrough_rtime_s"] for r in rs)
        cpu = sum(r["cpu_s"] for r in rs)
        summary[tag] = {"files": len(rs), "audio_s": round(audio, 2),
                        "realtime_wall": round(audio / wall, 1),
                        "realtime_cpu": round(audio / cpu, 1) if cpu > 0 else None,
                        "realtime_filter": round(audio / filt, 1) if filt > 0 else None}
    doc = {"ffmpeg": version, "runs": args.runs, "summary": summary, "runs_detail": runs}
    (out / "peer_timings.json").write_text(json.dumps(doc, indent=1))
    print(f"{version}; one core (-threads 1 -filter_threads 1), best of {args.runs}")
    print(f"{'tag':24} {'files':>5} {'audio s':>8} {'RT wall':>8} {'RT cpu':>8} {'RT filter':>10}")
    for tag, s in summary.items():
        print(f"{tag:24} {s['files']:5d} {s['audio_s']:8.1f} {s['realtime_wall']:8.1f} "
              f"{s['realtime_cpu'] or float('nan'):8.1f} {s['realtime_filter'] or float('nan'):10.1f}")
    print("RT wall: whole process (start-up, decode, filter, WAV encode); RT filter: rtime minus "
          "a passthrough run; RT cpu: ffmpeg utime+stime")


def cmd_sanity(args) -> None:
    out: Path = args.outdir
    man = load_manifest(out)
    for it in man["items"]:
        files = [(it["file"], it["damage"])]
        if it["kind"] == "hum":
            files.append((it["minus_file"], it["damage"] + ".minus"))
        clean = read(out / f"{it['stem']}.clean.wav")
        for f, dmg in files:
            x = read(out / f)
            write(out / f"{it['stem']}.{dmg}.identity.wav", x)
            write(out / f"{it['stem']}.{dmg}.oracle.wav", clean)
            late = np.concatenate([np.zeros((480, x.shape[1])), x[:-480]])
            write(out / f"{it['stem']}.{dmg}.late480.wav", late)
    log("wrote tags identity, oracle, late480")


# ---------------------------------------------------------------------------------- measures


def find_lag(ref: np.ndarray, y: np.ndarray, max_lag: int) -> int:
    """Lag L (samples) such that y[n + L] ≈ ref[n]; |L| ≤ max_lag."""
    a, b = ref.sum(axis=1), y.sum(axis=1)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    nfft = 1 << int(math.ceil(math.log2(2 * n)))
    c = np.fft.irfft(np.conj(np.fft.rfft(a, nfft)) * np.fft.rfft(b, nfft), nfft)
    lags = np.r_[np.arange(0, max_lag + 1), np.arange(-max_lag, 0)]
    vals = np.r_[c[:max_lag + 1], c[nfft - max_lag:]]
    return int(lags[int(np.argmax(vals))])


def shift(y: np.ndarray, lag: int) -> np.ndarray:
    """y advanced by lag samples (y[n + lag]), zero-filled."""
    if lag == 0:
        return y
    z = np.zeros_like(y)
    if lag > 0:
        z[:len(y) - lag] = y[lag:]
    else:
        z[-lag:] = y[:len(y) + lag]
    return z


def stft_db(x: np.ndarray) -> np.ndarray:
    """(frames, bins) level in dB; a sine of amplitude A reads 20·log10 A at its peak bin."""
    win = signal.get_window("hann", B_NFFT)
    if len(x) < B_NFFT:
        return np.zeros((0, B_NFFT // 2 + 1))
    fr = np.lib.stride_tricks.sliding_window_view(x, B_NFFT)[::B_HOP] * win
    mag = np.abs(np.fft.rfft(fr, axis=1)) / (win.sum() / 2)
    return 20 * np.log10(mag + 1e-12)


def birdie_blobs(x: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The birdies in one channel of a residual: (first frame, end frame, first bin, end bin)
    of each, STFT 1024/256 (see the docstring for the definition)."""
    P = stft_db(x)
    if P.size == 0:
        return []
    B = ndimage.median_filter(P, size=(B_MED_FRAMES, 1), mode="nearest")
    B = ndimage.median_filter(B, size=(1, B_MED_BINS), mode="nearest")
    floor = max(float(np.median(P)) + B_GLOBAL_DB, B_ABS_DB)
    hot = (P >= B + B_HOT_DB) & (P >= floor)
    hot[:, :int(math.ceil(B_MIN_HZ / (SR / B_NFFT)))] = False
    hot[:, int(B_MAX_HZ / (SR / B_NFFT)) + 1:] = False
    lab, _ = ndimage.label(hot, structure=np.ones((3, 3)))
    excess = P - B
    found = []
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        t0, t1, f0, f1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
        if not (B_MIN_FRAMES <= t1 - t0 <= B_MAX_FRAMES and f1 - f0 <= B_MAX_BINS):
            continue
        mine = lab[sl] == i
        if np.max(excess[sl][mine]) < B_PEAK_DB:
            continue

        # Isolated in time: its peak stands B_LINE_DB above the median level of its own bin
        # over ±24 frames (a fragment of a sustained line that fades in and out does not).
        pt, pf = np.unravel_index(np.argmax(np.where(mine, P[sl], -np.inf)), mine.shape)
        pt, pf = t0 + pt, f0 + pf
        line = np.median(P[max(t0 - B_REP_FRAMES, 0):t1 + B_REP_FRAMES, pf])
        if P[pt, pf] - line < B_LINE_DB:
            continue
        # Isolated in frequency: fewer other hot bins than its own within ±1 frame and
        # ±16 bins (not a piece of a broadband transient).
        box = (slice(max(t0 - B_ISO_FRAMES, 0), t1 + B_ISO_FRAMES),
               slice(max(f0 - B_ISO_BINS, 0), f1 + B_ISO_BINS))
        if np.count_nonzero(hot[box] & (lab[box] != i)) <= np.count_nonzero(mine):
            found.append((t0, t1, f0, f1))
    return found


def birdies(res: np.ndarray) -> tuple[int, float]:
    """(count, seconds × channels) of isolated tonal blips in a residual (samples, ch)."""
    total = sum(len(birdie_blobs(res[:, c])) for c in range(res.shape[1]))
    return total, res.shape[0] / SR * res.shape[1]


def snr(clean: np.ndarray, y: np.ndarray) -> float:
    return db10(float(np.sum(clean ** 2)), float(np.sum((y - clean) ** 2)))


def measure_one(out: Path, it: dict, tag: str, clean: np.ndarray) -> dict | None:
    stem, dmg = it["stem"], it["damage"]
    path = out / f"{stem}.{dmg}.{tag}.wav"
    if not path.exists():
        return None
    y = read(path)
    if y.shape[1] != clean.shape[1]:
        return {"file": stem, "tag": tag, "error": f"{y.shape[1]} channels"}
    lag = find_lag(clean, y, int(MAX_LAG_S * SR))
    y = shift(y, lag)
    end = min(len(clean), len(y) - max(lag, 0))
    s0 = int(SKIP_S * SR)
    c, o = clean[s0:end], y[s0:end]
    row = {"file": stem, "tag": tag, "lag": lag, "length_diff": len(y) - len(clean)}
    res = o - c
    nb, chs = birdies(res)
    row["birdies_per_s"] = nb / chs
    if it["kind"] == "clean":
        row["null_db"] = db10(float(np.sum(res ** 2)), float(np.sum(c ** 2)))
        return row
    x = read(out / it["file"])[s0:end]
    row["snr_before"] = snr(c, x)
    row["snr_after"] = snr(c, o)
    row["gain"] = row["snr_after"] - row["snr_before"]
    if it["kind"] == "hum":
        mpath = out / f"{stem}.{dmg}.minus.{tag}.wav"
        if mpath.exists():
            ym = shift(read(mpath), lag)
            h0 = int(HUM_SKIP_S * SR)
            e = min(end, len(ym) - max(lag, 0))
            h = read(out / it["hum_file"])[h0:e]
            let = 0.5 * (y[h0:e] - ym[h0:e])
            music = 0.5 * (y[h0:e] + ym[h0:e]) - clean[h0:e]
            row["hum_reduction_db"] = db10(float(np.sum(h ** 2)), float(np.sum(let ** 2)))
            row["music_change_db"] = db10(float(np.sum(music ** 2)),
                                          float(np.sum(clean[h0:e] ** 2)))
    return row


def discover_tags(out: Path, items: list[dict]) -> list[str]:
    tags = set()
    for it in items:
        pre = f"{it['stem']}.{it['damage']}."
        for p in out.glob(pre + "*.wav"):
            mid = p.name[len(pre):-4]
            if mid and "." not in mid and mid not in ("hum", "minus"):
                tags.add(mid)
    return sorted(tags)


def fmt(v, w=7, p=1) -> str:
    if v is None:
        return " " * (w - 1) + "-"
    if isinstance(v, float) and math.isinf(v):
        return f"{'+inf' if v > 0 else '-inf':>{w}}"
    return f"{v:{w}.{p}f}"


def mean(vals):
    vals = [v for v in vals if v is not None and not math.isnan(v)]
    return sum(vals) / len(vals) if vals else None


def cmd_measure(args) -> None:
    out: Path = args.outdir
    man = load_manifest(out)
    items = [it for it in man["items"] if not args.damage or it["damage"] in args.damage]
    tags = args.tag or discover_tags(out, items)
    if not tags:
        sys.exit(f"no processed files <stem>.<damage>.<tag>.wav in {out}")
    cleans: dict[str, np.ndarray] = {}
    results = []
    damages = list(dict.fromkeys(it["damage"] for it in items))
    for dmg in damages:
        for tag in tags:
            rows = []
            for it in items:
                if it["damage"] != dmg:
                    continue
                if it["stem"] not in cleans:
                    cleans[it["stem"]] = read(out / f"{it['stem']}.clean.wav")
                r = measure_one(out, it, tag, cleans[it["stem"]])
                if r:
                    rows.append(r)
            if rows:
                results.append({"damage": dmg, "tag": tag, "rows": rows})
                log(f"measured {dmg} / {tag}: {len(rows)} files")
    print_tables(results)
    if args.json:
        def clean_json(o):
            if isinstance(o, float):
                return None if math.isnan(o) else (("+inf" if o > 0 else "-inf")
                                                    if math.isinf(o) else round(o, 4))
            if isinstance(o, dict):
                return {k: clean_json(v) for k, v in o.items()}
            if isinstance(o, list):
                return [clean_json(v) for v in o]
            return o
        for r in results:
            r["mean"] = {k: mean([row.get(k) for row in r["rows"]])
                         for k in ("snr_before", "snr_after", "gain", "birdies_per_s",
                                   "hum_reduction_db", "music_change_db", "null_db")
                         if any(k in row for row in r["rows"])}
        Path(args.json).write_text(json.dumps(clean_json(
            {"outdir": str(out), "skip_s": SKIP_S, "hum_skip_s": HUM_SKIP_S,
             "results": results}), indent=1))
        log(f"wrote {args.json}")


def print_tables(results: list[dict]) -> None:
    last = None
    for r in results:
        dmg = r["damage"]
        rows = r["rows"]
        is_clean = dmg == "clean"
        is_hum = dmg.startswith("hum")
        if dmg != last:
            print(f"\n== {dmg} ==")
            if is_clean:
                print(f"{'file':34} {'tag':24} {'lag':>5} {'null dB':>8} {'bird/s':>7}")
            else:
                h = f"{'file':34} {'tag':24} {'lag':>5} {'before':>7} {'after':>7} {'gain':>7}"
                if is_hum:
                    h += f" {'hum red':>8} {'music Δ':>8}"
                print(h + f" {'bird/s':>7}")
            last = dmg
        for row in rows + [None]:
            if row is None:
                row = {"file": "mean", "tag": r["tag"], "lag": None}
                for k in ("snr_before", "snr_after", "gain", "birdies_per_s",
                          "hum_reduction_db", "music_change_db", "null_db"):
                    row[k] = mean([x.get(k) for x in rows])
            if "error" in row:
                print(f"{row['file']:34} {row['tag']:24} {row['error']}")
                continue
            lag = f"{row['lag']:5d}" if row.get("lag") is not None else "     "
            if is_clean:
                line = f"{row['file']:34} {row['tag']:24} {lag} {fmt(row['null_db'], 8)}"
            else:
                line = (f"{row['file']:34} {row['tag']:24} {lag} {fmt(row['snr_before'])} "
                        f"{fmt(row['snr_after'])} {fmt(row['gain'])}")
                if is_hum:
                    line += f" {fmt(row.get('hum_reduction_db'), 8)} {fmt(row.get('music_change_db'), 8)}"
            print(line + f" {fmt(row['birdies_per_s'], 7, 2)}")


# ---------------------------------------------------------------------------------- selftest


def cmd_selftest(args) -> None:
    """Birdie counts on synthetic residuals (20 s stereo at 48 kHz)."""
    rng = np.random.default_rng(7)
    n, secs = 20 * SR, 20.0
    t = np.arange(n) / SR
    lvl = 10 ** (-50 / 20)
    wn = scale_to(white(n, 2, rng), lvl)
    pn = scale_to(pink(n, 2, rng), lvl)
    tones = wn + sum(0.02 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))[:, None]
                     * (1 + 0.5 * np.sin(2 * np.pi * 0.3 * t))[:, None]
                     for f in (220, 330, 440, 880, 1320, 2500))
    clicks = wn.copy()
    for pos in rng.integers(0, n - 100, 60):
        clicks[pos:pos + 20] += rng.standard_normal((20, 2)) * 0.05
    # Blips: Hann-windowed tone bursts 25–60 ms long, 200 Hz–15 kHz, 20–30 dB above the
    # noise's level per bin (white at RMS σ reads σ·sqrt(2/Σw²)·... measured from the STFT).
    noise_bin_db = float(np.median(stft_db(wn[:, 0]))) + 1.6  # median → mean of |X|² (ln 2)
    blips = wn.copy()
    per_ch = 5 * int(secs)  # 5 per second per channel
    for c in range(2):
        starts = np.sort(rng.choice(np.arange(0, n - 4000, 4000), per_ch, replace=False))
        for s in starts:
            dur = int(rng.uniform(0.025, 0.060) * SR)
            f = rng.uniform(200, 15000)
            a = 10 ** ((noise_bin_db + rng.uniform(20, 30)) / 20)
            blips[s:s + dur, c] += a * np.hanning(dur) * np.sin(
                2 * np.pi * f * np.arange(dur) / SR + rng.uniform(0, 6))
    # Music lost in narrow bands (what notches remove): lines at k·50 Hz whose amplitude
    # wanders (Gaussian, low-passed to ~3 Hz), far above a quiet floor.
    env = signal.sosfiltfilt(signal.butter(2, 3.0, fs=SR, output="sos"),
                             rng.standard_normal((n, HUM_HARMONICS)), axis=0)
    lines = wn * 0.01 + sum(0.5 * env[:, k - 1:k] / k * np.sin(2 * np.pi * 50 * k * t)[:, None]
                            for k in range(1, HUM_HARMONICS + 1))
    cases = [("white noise", wn, 0.0), ("pink noise", pn, 0.0),
             ("lines with wandering amplitude", lines, 0.0),
             ("white + steady tones (music lost)", tones, 0.0),
             ("white + broadband clicks", clicks, 0.0),
             ("white + 5 tone blips/s/channel", blips, 5.0)]
    ok = True
    print(f"{'residual':36} {'birdies/s':>9} {'expected':>9}")
    for name, x, want in cases:
        nb, chs = birdies(x)
        got = nb / chs
        good = abs(got - want) <= max(0.25, 0.2 * want)
        ok &= good
        print(f"{name:36} {got:9.2f} {want:9.2f} {'' if good else '  <-- off'}")
    print("selftest", "passed" if ok else "FAILED")
    if not ok:
        sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("make", help="write clean and damaged files and manifest.json")
    p.add_argument("outdir", type=Path)
    p.add_argument("--data", type=Path, default=WORKSPACE / "tests" / "data",
                   help="directory of the recordings (default tests/data)")
    p.add_argument("--files", nargs="*", default=["0[1-6]_*.flac"],
                   help="file names or globs inside --data (default 0[1-6]_*.flac)")
    p.add_argument("--damage", action="append", choices=list(DAMAGES),
                   help="make only this damage (repeatable; default all)")
    p.set_defaults(func=cmd_make)
    p = sub.add_parser("peer", help="run ffmpeg's filters on the damaged files, timed")
    p.add_argument("outdir", type=Path)
    p.add_argument("--tag", action="append", help="only this peer (repeatable)")
    p.add_argument("--runs", type=int, default=3, help="speed: best of N runs (default 3)")
    p.set_defaults(func=cmd_peer)
    p = sub.add_parser("sanity", help="write the identity / oracle / late480 reference outputs")
    p.add_argument("outdir", type=Path)
    p.set_defaults(func=cmd_sanity)
    p = sub.add_parser("measure", help="score every processed file found")
    p.add_argument("outdir", type=Path)
    p.add_argument("--tag", action="append", help="only this tag (repeatable; default all found)")
    p.add_argument("--damage", action="append", help="only this damage (repeatable; 'clean' too)")
    p.add_argument("--json", help="also write the results to this JSON file")
    p.set_defaults(func=cmd_measure)
    p = sub.add_parser("selftest", help="check the birdie counter on synthetic residuals")
    p.set_defaults(func=cmd_selftest)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
