"""Mastering limiters side by side on the same real music, in one run: speed, loudness reached,
true peak and overshoot above the ceiling.

Peers (each is skipped with a message when it is not installed):
  pedalboard.Limiter          JUCE's dsp::Limiter: two compressors, automatic makeup gain and a
                              hard clip at 0 dBFS. It has NO ceiling: the push is its threshold
                              (makeup = −threshold) and its true peak is expected above −1 dBTP.
  pedalboard.BrickwallLimiter lookahead limiter with a ceiling and a 4× true-peak sidechain
                              (true_peak=True); the push is a gain applied before it.
  ZaMaximX2 (VST3)            Debian's zam-plugins, loaded in pedalboard; Output Ceiling −1 dB,
                              the push is its Threshold (it applies ceiling − threshold of gain).
  ffmpeg alimiter             via subprocess; limit = −1 dB (0.891), level_in = push,
                              level=0 (auto level off, otherwise it scales the output so that
                              the limit lands at 0 dBFS), latency=1 (delay compensated).
  Lathe Mastering Limiter     target/bundled/Lathe Mastering Limiter.vst3 in pedalboard, Ceiling
                              −1 dBTP, Oversampling 4x (true-peak mode), the push is Input gain.
                              Settings are in OURS_SETTINGS below; `set_param` matches names
                              case-insensitively and prints the plugin's names when one is missing.

Where a peer has them: release 50 ms, lookahead/attack 5 ms (ZaMaximX2's lookahead is fixed).

Loudness. Every file is first turned to −18 LUFS integrated (--input-lufs; a plain gain in
float, so nothing clips), so that every limiter has to push by about 9 dB or more (the loud
masters are louder than −9 LUFS as released; with a peak-to-loudness ratio of 5.7 and 7.8 dB
they come back to −9 LUFS below the ceiling, so they check transparency, not limiting; the
other files are limited hard). Then, for every file and every limiter, a secant search on the
push (dB) aims the output at −9 LUFS integrated (--target; at most --iterations renders; the
closest render is kept and marked "target not reached" when it is more than 0.3 LU off: some
limiters' loudness stops rising, or falls, as the push grows). Every render is measured by the
repository's own CLI, `target/release/lathe loudness --json` (integrated loudness with
BS.1770-4 gating, and true peak 4× oversampled per BS.1770-4 Annex 2), from a 32-bit float WAV
in a temporary directory. The 16× true peak of the kept render is computed here in numpy:
windowed-sinc interpolation (64 taps per phase, Kaiser β = 8), evaluated only around the
samples whose 4× interpolation (a shorter kernel) comes within 1.5 dB of the signal's maximum;
going from 4× to 16× adds at most about 0.7 dB for content up to 20 kHz, so the maximum is
never outside those regions (checked against a full-length FFT interpolation: within 0.001 dB).

Speed. All selected files, concatenated and tiled to 60 s, each limiter at the median of its
per-file pushes. pedalboard peers: `plugin(x, 48000, buffer_size=512, reset=True)` in this
thread, best of --runs, processing only (the push gain of BrickwallLimiter is applied before
the clock starts). ffmpeg: `-threads 1 -filter_threads 1 -benchmark`, the 60 s as a float WAV,
played five times (-stream_loop 4) into `-f null`, once through
`aformat=sample_fmts=dbl,alimiter=…` and once through `aformat=sample_fmts=dbl` alone
(alimiter works in doubles, so both runs convert), interleaved, best of --runs each; the
filter's time is the best `rtime` (transcoding wall time, no start-up) of the first minus that
of the second, divided by five. Realtime factor = seconds of audio / seconds of processing.
The table also gives the factors from CPU time (time.process_time; ffmpeg's utime + stime),
which other jobs on the machine disturb less than wall time.

Usage (run by hand, not in CI; about 1–3 minutes):
  .venv/bin/python tests/bench/limiter_peers.py [--data DIR] [--files 01_*.flac ...] [--json]
Needs target/release/lathe (`cargo build --release -p lathe-cli`); ffmpeg and zam-plugins are
Debian packages (`apt-get install ffmpeg zam-plugins`).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pedalboard as pb
from pedalboard.io import AudioFile

WORKSPACE = Path(__file__).resolve().parents[2]
OURS = WORKSPACE / "target" / "bundled" / "Lathe Mastering Limiter.vst3"
LATHE_CLI = WORKSPACE / "target" / "release" / "lathe"
SR = 48_000
BUFFER = 512
CEILING_DB = -1.0
RELEASE_MS = 50.0
LOOKAHEAD_MS = 5.0

# Our plugin's settings by display name (matched case-insensitively; see set_param). The push
# goes to PUSH_PARAM. Entries in OURS_OPTIONAL are set when the plugin has them.
OURS_PUSH_PARAM = "Input gain"
OURS_PUSH_RANGE = (0.0, 24.0)
OURS_SETTINGS = {
    "Ceiling": f"{CEILING_DB}",
    "Oversampling": "4x",
    "Release": f"{RELEASE_MS:g}",
    "Lookahead": f"{LOOKAHEAD_MS:g}",
}
OURS_OPTIONAL = {"True peak": "On"}


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def db(x: float) -> float:
    return 20 * math.log10(x) if x > 0 else -math.inf


# ---------------------------------------------------------------- plugin parameters by name


def find_param(plugin, name: str):
    """(python name, parameter) whose display name (or python name) matches `name` ignoring
    case, spaces and '_'; then a unique prefix or substring match. KeyError lists the names."""

    def norm(s):
        return re.sub(r"[\s_\-]+", "", s).lower()

    want = norm(name)
    items = list(plugin.parameters.items())
    for test in (
        lambda py, p: norm(p.name) == want or norm(py) == want,
        lambda py, p: norm(p.name).startswith(want),
        lambda py, p: want in norm(p.name) or want in norm(py),
    ):
        hits = [(py, p) for py, p in items if test(py, p)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise KeyError(f"{name!r} is ambiguous: {[p.name for _, p in hits]}")
    names = ", ".join(f"{p.name!r}" for _, p in items)
    raise KeyError(f"no parameter like {name!r}; the plugin has: {names}")


def set_param(plugin, name: str, value, optional: bool = False):
    """Sets a parameter by (case-insensitive) name to a text such as "-1.0" or "4x" (parsed by
    the plugin itself) or a number. Returns the text the plugin then shows, or None when an
    optional parameter is missing (a missing required one prints the names and raises)."""
    try:
        py, p = find_param(plugin, name)
    except KeyError as e:
        if optional:
            log(f"  note: {e.args[0]}; not set")
            return None
        log(f"error: {e.args[0]}")
        raise
    try:
        p.raw_value = p.get_raw_value_for_text(str(value))
    except Exception:  # the plugin could not parse the text: let pedalboard map the value
        try:
            value = float(value)
        except ValueError:
            pass
        setattr(plugin, py, value)
    return p.string_value


def apply_changes(plugin) -> None:
    """pedalboard delivers parameter changes at the next process call: run a short block."""
    plugin(np.zeros((2, BUFFER), dtype=np.float32), SR, buffer_size=BUFFER, reset=True)


# ---------------------------------------------------------------- audio in and out


def read_audio(path: Path) -> np.ndarray:
    with AudioFile(str(path)).resampled_to(SR) as f:
        x = f.read(f.frames)
    if x.shape[0] == 1:
        x = np.concatenate([x, x])
    if x.shape[0] != 2:
        sys.exit(f"{path}: {x.shape[0]} channels, need stereo")
    return np.ascontiguousarray(x, dtype=np.float32)


def write_wav_f32(path: Path, x: np.ndarray) -> None:
    """32-bit float WAV (keeps anything above full scale), channels × samples in."""
    data = np.ascontiguousarray(x.T, dtype="<f4").tobytes()
    ch = x.shape[0]
    fmt = struct.pack("<HHIIHH", 3, ch, SR, SR * ch * 4, ch * 4, 32)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(data)) + data)


def tile(x: np.ndarray, seconds: float) -> np.ndarray:
    n = int(SR * seconds)
    reps = -(-n // x.shape[1])
    return np.ascontiguousarray(np.tile(x, (1, reps))[:, :n])


# ---------------------------------------------------------------- measurement


class Meter:
    """Integrated loudness and 4× true peak from `lathe loudness --json`, 16× true peak here."""

    def __init__(self, tmp: Path):
        if not LATHE_CLI.exists():
            sys.exit(
                f"{LATHE_CLI} is missing: build it with "
                "`cargo build --release -p lathe-cli`"
            )
        self.tmp = tmp
        self.count = 0

    def measure(self, y: np.ndarray, tp16: bool = False) -> dict:
        self.count += 1
        path = self.tmp / f"render{self.count}.wav"
        write_wav_f32(path, y)
        out = subprocess.run(
            [str(LATHE_CLI), "loudness", "--json", "--no-progress", str(path)],
            capture_output=True, text=True, check=True,
        ).stdout
        path.unlink()
        m = json.loads(out.splitlines()[0])
        return {
            "lufs": m["I"],
            "sample_peak_dbfs": m["sample_peak"],
            "tp4_dbtp": m["TP"],
            **({"tp16_dbtp": true_peak_16x(y)} if tp16 else {}),
        }


def kaiser_sinc(frac: np.ndarray, half: int, beta: float) -> np.ndarray:
    """Interpolation taps for fractional positions `frac` (rows) from samples n−half+1…n+half
    (columns): windowed sinc, each row normalised to unity gain at DC."""
    k = np.arange(-half + 1, half + 1)
    u = frac[:, None] - k[None, :]
    w = np.i0(beta * np.sqrt(np.clip(1 - (u / half) ** 2, 0, None))) / np.i0(beta)
    h = np.sinc(u) * w
    return h / h.sum(axis=1, keepdims=True)


TP16_HALF, TP16_BETA = 32, 8.0
TP16_TAPS = kaiser_sinc(np.arange(16) / 16, TP16_HALF, TP16_BETA)  # 16 phases × 64 taps
PRE4_TAPS = kaiser_sinc(np.arange(1, 4) / 4, 12, 6.0)  # 3 phases × 24 taps (candidates only)


def true_peak_16x(y: np.ndarray, margin_db: float = 1.5) -> float:
    """Maximum of the 16× band-limited interpolation of any channel, in dBTP."""
    best = 0.0
    pad = TP16_HALF
    for ch in np.asarray(y, dtype=np.float64):
        # 4× estimate at every sample interval: y4[p, n] is the value at n + (p+1)/4.
        y4 = np.stack([np.convolve(ch, h[::-1], mode="full")[12 : 12 + len(ch)] for h in PRE4_TAPS])
        est = np.maximum(np.abs(ch), np.abs(y4).max(axis=0))
        cand = np.flatnonzero(est >= est.max() * 10 ** (-margin_db / 20))
        # Each candidate interval starts at n (and its neighbours, for safety).
        cand = np.unique(np.clip(np.concatenate([cand - 1, cand, cand + 1]), 0, len(ch) - 1))
        padded = np.concatenate([np.zeros(pad), ch, np.zeros(pad)])
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * pad)
        for start in range(0, len(cand), 65_536):
            idx = cand[start : start + 65_536]
            # the window for interval n covers samples n−31…n+32 → padded index n+1 … n+64
            vals = windows[idx + 1] @ TP16_TAPS.T
            best = max(best, float(np.abs(vals).max()))
    return db(best)


# ---------------------------------------------------------------- the limiters


class Peer:
    """A limiter with one knob, `push_db` (more → louder), and a way to render audio."""

    name = ""
    push_range = (0.0, 30.0)
    settings: dict = {}

    def render(self, x: np.ndarray, push_db: float) -> np.ndarray:
        raise NotImplementedError

    def timed_seconds(self, x: np.ndarray, push_db: float, runs: int) -> tuple[float, float]:
        """(wall, CPU) seconds to process x once, each the best of `runs`."""
        raise NotImplementedError

    def describe(self, push_db: float) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.settings.items())


class PedalboardPeer(Peer):
    """Any pedalboard plugin; `configure(push_db)` sets its parameters, `pre_gain_db(push_db)`
    is a gain applied to the input before it (outside the timed call)."""

    def configure(self, push_db: float) -> None:
        pass

    def pre_gain_db(self, push_db: float) -> float:
        return 0.0

    def plugin_input(self, x, push_db):
        g = self.pre_gain_db(push_db)
        return x if g == 0.0 else (x * np.float32(10 ** (g / 20))).astype(np.float32)

    def render(self, x, push_db):
        self.configure(push_db)
        apply_changes(self.plugin)
        y = self.plugin(self.plugin_input(x, push_db), SR, buffer_size=BUFFER, reset=True)
        assert y.shape == x.shape and np.all(np.isfinite(y)), f"{self.name}: bad output"
        return y

    def timed_seconds(self, x, push_db, runs):
        self.configure(push_db)
        apply_changes(self.plugin)
        xin = self.plugin_input(x, push_db)
        wall = cpu = math.inf
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            self.plugin(xin, SR, buffer_size=BUFFER, reset=True)
            wall = min(wall, time.perf_counter() - t0)
            cpu = min(cpu, time.process_time() - c0)
        return wall, cpu


class BuiltinLimiter(PedalboardPeer):
    name = "pedalboard.Limiter (no ceiling)"
    push_range = (0.0, 40.0)

    def __init__(self):
        self.plugin = pb.Limiter(threshold_db=0.0, release_ms=RELEASE_MS)
        self.settings = {"release_ms": RELEASE_MS, "ceiling": "none (hard clip at 0 dBFS)"}

    def configure(self, push_db):
        self.plugin.threshold_db = -push_db

    def describe(self, push_db):
        return f"threshold_db={-push_db:.2f}, " + super().describe(push_db)


class BuiltinBrickwall(PedalboardPeer):
    name = "pedalboard.BrickwallLimiter TP"
    push_range = (0.0, 40.0)

    def __init__(self):
        self.plugin = pb.BrickwallLimiter(
            ceiling_db=CEILING_DB, release_ms=RELEASE_MS, lookahead_ms=LOOKAHEAD_MS, true_peak=True
        )
        self.settings = {
            "ceiling_db": CEILING_DB, "release_ms": RELEASE_MS,
            "lookahead_ms": LOOKAHEAD_MS, "true_peak": True,
        }

    def pre_gain_db(self, push_db):
        return push_db

    def describe(self, push_db):
        return f"input gain {push_db:+.2f} dB, " + super().describe(push_db)


def zam_path() -> str | None:
    try:
        files = subprocess.run(
            ["dpkg", "-L", "zam-plugins"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        files = []
    files += ["/usr/lib/vst3/ZaMaximX2.vst3"]
    for f in files:
        if f.lower().endswith("zamaximx2.vst3") and Path(f).exists():
            return f
    return None


class ZaMaximX2(PedalboardPeer):
    name = "ZaMaximX2 (VST3)"
    # Threshold −30…0 dB; it must stay at or below the ceiling (otherwise no gain at all).
    push_range = (-CEILING_DB, 30.0)

    def __init__(self, path):
        self.plugin = pb.load_plugin(path)
        self.settings = {
            "Output Ceiling": set_param(self.plugin, "Output Ceiling", f"{CEILING_DB}"),
            "Release": set_param(self.plugin, "Release", f"{RELEASE_MS:g}"),
        }

    def configure(self, push_db):
        # Gain applied = Ceiling − Threshold, so the push (above −ceiling) is −Threshold.
        set_param(self.plugin, "Threshold", f"{-push_db:.3f}")

    def describe(self, push_db):
        return f"Threshold={-push_db:.2f} dB, " + super().describe(push_db)


class FfmpegAlimiter(Peer):
    name = "ffmpeg alimiter"
    push_range = (0.0, 36.0)  # level_in ≤ 64

    def __init__(self, ffmpeg, tmp: Path):
        self.ffmpeg = ffmpeg
        self.tmp = tmp
        version = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True).stdout
        self.name = f"ffmpeg {version.split()[2]} alimiter"
        self.limit = 10 ** (CEILING_DB / 20)
        self.settings = {
            "limit": round(self.limit, 4), "attack": LOOKAHEAD_MS, "release": RELEASE_MS,
            "level": 0, "latency": 1, "asc": 0,
        }

    def filter(self, push_db):
        return (
            f"alimiter=level_in={10 ** (push_db / 20):.6f}:limit={self.limit:.6f}"
            f":attack={LOOKAHEAD_MS:g}:release={RELEASE_MS:g}:level=0:latency=1:asc=0"
        )

    def render(self, x, push_db):
        raw = ["-f", "f32le", "-ar", str(SR), "-ac", "2"]
        y = subprocess.run(
            [self.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
             "-filter_threads", "1", *raw, "-i", "pipe:0", "-af", self.filter(push_db),
             *raw, "-c:a", "pcm_f32le", "pipe:1"],
            input=np.ascontiguousarray(x.T).tobytes(), capture_output=True, check=True,
        ).stdout
        y = np.frombuffer(y, dtype="<f4").reshape(-1, 2).T
        n = x.shape[1]
        if y.shape[1] < n:
            y = np.pad(y, ((0, 0), (0, n - y.shape[1])))
        return np.ascontiguousarray(y[:, :n])

    # The speed run plays the tiled WAV this many times (-stream_loop), so that the filter's
    # time stands well above the run-to-run noise of ffmpeg's own reading and conversion.
    LOOPS = 5

    def _bench(self, wav: Path, af: str) -> tuple[float, float]:
        err = subprocess.run(
            [self.ffmpeg, "-nostdin", "-hide_banner", "-benchmark", "-threads", "1",
             "-filter_threads", "1", "-stream_loop", str(self.LOOPS - 1), "-i", str(wav),
             "-af", af, "-f", "null", "-"],
            capture_output=True, text=True, check=True,
        ).stderr
        m = re.search(r"bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s", err)
        return float(m.group(3)), float(m.group(1)) + float(m.group(2))

    def timed_seconds(self, x, push_db, runs):
        wav = self.tmp / "speed.wav"
        write_wav_f32(wav, x)
        conv = "aformat=sample_fmts=dbl"
        with_lim, null = [], []
        for _ in range(runs):  # interleaved, so both see the same machine state
            with_lim.append(self._bench(wav, f"{conv},{self.filter(push_db)}"))
            null.append(self._bench(wav, conv))
        self.bench = {
            "loops": self.LOOPS,
            "rtime_alimiter_s": min(r for r, _ in with_lim),
            "rtime_null_s": min(r for r, _ in null),
            "cpu_alimiter_s": min(c for _, c in with_lim),
            "cpu_null_s": min(c for _, c in null),
        }
        # seconds per pass over x, like the other peers
        b = self.bench
        return (
            (b["rtime_alimiter_s"] - b["rtime_null_s"]) / self.LOOPS,
            (b["cpu_alimiter_s"] - b["cpu_null_s"]) / self.LOOPS,
        )

    def describe(self, push_db):
        return f"level_in={10 ** (push_db / 20):.4f} ({push_db:+.2f} dB), " + super().describe(
            push_db
        )


class Lathe(PedalboardPeer):
    name = "Lathe Mastering Limiter (4x)"
    push_range = OURS_PUSH_RANGE

    def __init__(self, path):
        self.plugin = pb.load_plugin(str(path))
        self.settings = {}
        for name, text in OURS_SETTINGS.items():
            self.settings[name] = set_param(self.plugin, name, text)
        for name, text in OURS_OPTIONAL.items():
            shown = set_param(self.plugin, name, text, optional=True)
            if shown is not None:
                self.settings[name] = shown
        find_param(self.plugin, OURS_PUSH_PARAM)  # fail early, with the names, if renamed

    def configure(self, push_db):
        set_param(self.plugin, OURS_PUSH_PARAM, f"{push_db:.3f}")

    def describe(self, push_db):
        _, p = find_param(self.plugin, OURS_PUSH_PARAM)
        return f"{p.name}={push_db:.2f} dB, " + super().describe(push_db)


# ---------------------------------------------------------------- the search and the run


def aim(peer: Peer, x: np.ndarray, in_lufs: float, target: float, iterations: int, meter: Meter):
    """Secant search on the push so that the output is `target` LUFS. Keeps the render whose
    loudness came closest and adds its 16× true peak: (push_db, measurement, renders)."""
    lo, hi = peer.push_range
    tried = []
    best = None  # (|error|, push, measurement, audio)

    def f(g):
        nonlocal best
        y = peer.render(x, g)
        m = meter.measure(y)
        tried.append(g)
        if best is None or abs(m["lufs"] - target) < best[0]:
            best = (abs(m["lufs"] - target), g, m, y)
        return m["lufs"] - target

    # Without limiting, a push of target − input loudness would land on target: start there.
    g0 = min(max(target - in_lufs, lo), hi)
    f0 = f(g0)
    g1 = min(max(g0 - f0, lo), hi)
    if g1 == g0:
        g1 = min(max(g0 + (1.0 if f0 < 0 else -1.0), lo), hi)
    f1 = f(g1)
    for _ in range(iterations - 2):
        if abs(f1) < 0.05 or g0 == g1:
            break
        slope = (f1 - f0) / (g1 - g0)
        slope = min(max(slope, 0.1), 2.0)  # loudness rises with the push, slower when limiting
        g2 = min(max(g1 - f1 / slope, lo), hi)
        if g2 == g1:
            break
        g0, f0, g1, f1 = g1, f1, g2, f(g2)
    err, g, m, y = best
    m = dict(m, tp16_dbtp=true_peak_16x(y), reached=err <= 0.3,
             at_range_limit=g in (lo, hi))
    return g, m, len(tried)


def make_peers(only, tmp: Path):
    peers, skipped = [], []

    def want(key):
        return not only or key in only

    if want("builtin"):
        peers.append(BuiltinLimiter())
    if want("brickwall"):
        peers.append(BuiltinBrickwall())
    if want("zam"):
        path = zam_path()
        if path:
            peers.append(ZaMaximX2(path))
        else:
            skipped.append(("ZaMaximX2 (VST3)", "not installed: `apt-get install zam-plugins`"))
    if want("ffmpeg"):
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg:
            peers.append(FfmpegAlimiter(ffmpeg, tmp))
        else:
            skipped.append(("ffmpeg alimiter", "ffmpeg not on PATH: `apt-get install ffmpeg`"))
    if want("lathe"):
        if OURS.exists():
            peers.append(Lathe(OURS))
        else:
            skipped.append((
                "Lathe Mastering Limiter",
                f"{OURS.relative_to(WORKSPACE)} does not exist: "
                "run `cargo xtask bundle-all --release` first",
            ))
    return peers, skipped


def fmt(v, spec="+.2f"):
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, spec)


def print_report(doc) -> None:
    s = doc["setup"]
    print(
        f"\nLimiters on {len(doc['files'])} file(s) from {s['data']}, 48 kHz stereo; "
        f"each turned to {s['input_lufs']} LUFS first;\n"
        f"limiters pushed to {s['target_lufs']} LUFS, ceiling {s['ceiling_dbtp']} dBTP"
    )
    print(
        f"speed: {s['speed_seconds']:.0f} s tiled, best of {s['runs']}, one thread;\n"
        f"loudness and 4x TP: {s['meter']}; 16x TP: {s['tp16']}\n"
    )
    head = (
        f"{'limiter':<34} {'RTF':>7} {'RTF cpu':>7} {'LUFS min..max':>14} {'TP4 max':>8} "
        f"{'over4':>6} {'TP16 max':>9} {'over16':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in doc["limiters"]:
        rows = r["files"]
        lufs = [f["lufs"] for f in rows]
        tp4 = max(f["tp4_dbtp"] for f in rows)
        tp16 = max(f["tp16_dbtp"] for f in rows)
        c = s["ceiling_dbtp"]
        rng = f"{min(lufs):.2f}..{max(lufs):.2f}"
        rtf, rtf_cpu = (
            f"{v:>6.0f}x" if v > 0 else "  noise"  # ffmpeg: a difference below the noise
            for v in (r["realtime_factor"], r["realtime_factor_cpu"])
        )
        print(
            f"{r['name']:<34} {rtf:>7} {rtf_cpu:>7} {rng:>14} {tp4:>8.2f} "
            f"{max(tp4 - c, 0):>6.2f} {tp16:>9.2f} {max(tp16 - c, 0):>6.2f}"
        )
    for name, why in doc["skipped"]:
        print(f"{name:<34} skipped: {why}")
    print(
        "(RTF = audio seconds / wall seconds of processing, best of the runs; RTF cpu = the same"
        " with\n the process's CPU time, steadier when other jobs share the cores; over = true "
        "peak above the\n ceiling in dB, 0 when below; TP4 from the lathe CLI, TP16 computed "
        "here; LUFS and TPs are\n over all files, per file below)"
    )

    print("\nper file:")
    head = (
        f"{'limiter':<34} {'file':<32} {'push dB':>7} {'LUFS':>7} {'TP4':>6} {'TP4-c':>6} "
        f"{'TP16':>6} {'renders':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in doc["limiters"]:
        for f in r["files"]:
            flag = "" if f["reached"] else "  (target not reached" + (
                ", push at its range limit)" if f["at_range_limit"] else ")")
            print(
                f"{r['name']:<34} {f['file']:<32} {f['push_db']:>7.2f} {f['lufs']:>7.2f} "
                f"{f['tp4_dbtp']:>6.2f} {fmt(f['tp4_dbtp'] - s['ceiling_dbtp']):>6} "
                f"{f['tp16_dbtp']:>6.2f} {f['renders']:>7}{flag}"
            )
    print("\nsettings:")
    for r in doc["limiters"]:
        print(f"  {r['name']}: {r['settings']}")
        print(f"    speed run: {r['speed_settings']}")
        if "ffmpeg_benchmark" in r:
            b = r["ffmpeg_benchmark"]
            print(
                f"    ffmpeg -benchmark over {b['loops']} × {s['speed_seconds']:.0f} s, rtime "
                f"{b['rtime_alimiter_s']:.3f} s with alimiter − {b['rtime_null_s']:.3f} s "
                f"without (CPU user+sys: {b['cpu_alimiter_s']:.3f} − {b['cpu_null_s']:.3f} s)"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=WORKSPACE / "tests" / "data",
                    help="directory of the recordings (default tests/data)")
    ap.add_argument("--files", nargs="*", default=["*.flac"],
                    help="file names or globs inside --data (default *.flac)")
    ap.add_argument("--target", type=float, default=-9.0, help="output loudness, LUFS")
    ap.add_argument("--input-lufs", type=float, default=-18.0,
                    help="every file is first turned to this loudness (default -18 LUFS)")
    ap.add_argument("--iterations", type=int, default=4, help="renders per file and limiter")
    ap.add_argument("--runs", type=int, default=5, help="speed: best of N runs")
    ap.add_argument("--seconds", type=float, default=60.0, help="speed: tiled length")
    ap.add_argument("--only", nargs="*", choices=["builtin", "brickwall", "zam", "ffmpeg", "lathe"],
                    help="run only these limiters")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the tables")
    args = ap.parse_args()

    paths = sorted({p for pat in args.files for p in args.data.glob(pat)})
    if not paths:
        sys.exit(f"no files matching {args.files} in {args.data}")

    with tempfile.TemporaryDirectory(prefix="limiter_peers_") as tmpdir:
        tmp = Path(tmpdir)
        meter = Meter(tmp)
        peers, skipped = make_peers(args.only, tmp)
        for name, why in skipped:
            log(f"skipping {name}: {why}")

        files = []
        for p in paths:
            x = read_audio(p)
            orig = meter.measure(x)
            gain = args.input_lufs - orig["lufs"]
            x = (x * np.float32(10 ** (gain / 20))).astype(np.float32)
            m = meter.measure(x)
            files.append({"file": p.name, "audio": x, "input": {
                "original_lufs": orig["lufs"], "original_tp4_dbtp": orig["tp4_dbtp"],
                "normalising_gain_db": round(gain, 3), **m}})
            log(f"{p.name}: {x.shape[1] / SR:.1f} s, {orig['lufs']:.2f} LUFS "
                f"{orig['tp4_dbtp']:.2f} dBTP; {gain:+.2f} dB → {m['lufs']:.2f} LUFS "
                f"{m['tp4_dbtp']:.2f} dBTP in")
        speed_x = tile(np.concatenate([f["audio"] for f in files], axis=1), args.seconds)

        t_start = time.perf_counter()
        results = []
        for peer in peers:
            rows = []
            for f in files:
                g, m, n = aim(peer, f["audio"], f["input"]["lufs"], args.target,
                              args.iterations, meter)
                rows.append({"file": f["file"], "push_db": round(g, 3), "renders": n,
                             "settings": peer.describe(g), **m})
                log(f"{peer.name} / {f['file']}: push {g:+.2f} dB → {m['lufs']:.2f} LUFS, "
                    f"TP {m['tp4_dbtp']:.2f} (16x {m['tp16_dbtp']:.2f}) dBTP, {n} renders")
            g_speed = float(np.median([r["push_db"] for r in rows]))
            wall, cpu = peer.timed_seconds(speed_x, g_speed, args.runs)
            audio_s = speed_x.shape[1] / SR
            rtf = audio_s / wall if wall > 0 else -1.0
            rtf_cpu = audio_s / cpu if cpu > 0 else -1.0
            log(f"{peer.name}: {rtf:.0f}x realtime (CPU time: {rtf_cpu:.0f}x)")
            entry = {"name": peer.name, "realtime_factor": round(rtf, 1),
                     "realtime_factor_cpu": round(rtf_cpu, 1), "processing_seconds": wall,
                     "processing_cpu_seconds": cpu, "settings": peer.settings,
                     "speed_settings": peer.describe(g_speed), "files": rows}
            if isinstance(peer, FfmpegAlimiter):
                entry["ffmpeg_benchmark"] = peer.bench
            results.append(entry)
        log(f"limiters done in {time.perf_counter() - t_start:.0f} s")

    doc = {
        "setup": {
            "data": str(args.data), "sample_rate": SR, "target_lufs": args.target,
            "input_lufs": args.input_lufs,
            "ceiling_dbtp": CEILING_DB, "release_ms": RELEASE_MS, "lookahead_ms": LOOKAHEAD_MS,
            "speed_seconds": args.seconds, "runs": args.runs, "buffer": BUFFER,
            "iterations": args.iterations, "pedalboard": pb.__version__,
            "meter": "lathe loudness --json (BS.1770-4 I; TP 4x Annex 2)",
            "tp16": f"windowed sinc, {2 * TP16_HALF} taps/phase, Kaiser beta {TP16_BETA}",
        },
        "files": [{"file": f["file"], **f["input"]} for f in files],
        "limiters": results,
        "skipped": skipped,
    }
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        print_report(doc)


if __name__ == "__main__":
    main()
