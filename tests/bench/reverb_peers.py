"""Lathe Reverb beside the reverb a pedalboard user gets (`pedalboard.Reverb`, JUCE's
Freeverb), both run through pedalboard in one run: speed on music-like stereo, and the
measurements the engine tests hold Lathe to, made the same way on both impulse responses:

- echo density (Abel & Huang, AES 2006: share of samples beyond one standard deviation in
  20 ms Hann windows, over erfc(1/sqrt 2)): when it first reaches 0.9 after the first arrival,
  and its mean from 50 to 300 ms;
- ringing: per-frequency decay rates of the tail (STFT 4096/1024, each bin's energy
  integrated backwards, -5 to -35 dB fitted), the share of bins 200 Hz-8 kHz decaying 1.5x
  slower than the median of their third-octave neighbourhood;
- interaural cross-correlation of the late tail (after 80 ms, +-1 ms lags) and the mono
  fold-down's energy against the stereo sum.

Both are set wet only: Lathe's default Hall with "Wet Only" on; pedalboard.Reverb with
wet_level 1, dry_level 0 and its other defaults (room size 0.5, damping 0.5, width 1).

Usage: .venv/bin/python tests/bench/reverb_peers.py
"""
import sys
import time
from math import erfc, sqrt
from pathlib import Path

import numpy as np
import pedalboard as pb

WORKSPACE = Path(__file__).resolve().parents[2]
OURS = WORKSPACE / "target" / "bundled" / "Lathe Reverb.vst3"
SR = 48_000
RUNS = 5
BUFFER = 512


def set_text(plugin, display_name, text):
    for p in plugin.parameters.values():
        if p.name == display_name:
            p.raw_value = p.get_raw_value_for_text(text)
            return
    raise KeyError(display_name)


def music(seconds=10.0):
    """Plucked-string-like notes over a soft pad, stereo, -6 dBFS peak."""
    rng = np.random.default_rng(7)
    n = int(SR * seconds)
    t = np.arange(n) / SR
    x = np.zeros((2, n))
    for k, start in enumerate(np.arange(0.0, seconds, 0.25)):
        f = [196.0, 246.9, 293.7, 392.0][k % 4]
        i = int(start * SR)
        tt = t[: n - i]
        note = np.sin(2 * np.pi * f * tt) * np.exp(-6 * tt)
        x[k % 2, i:] += note
        x[(k + 1) % 2, i:] += 0.5 * note
    x += 0.02 * rng.standard_normal((2, n))
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)


def realtime_factor(plugin, x):
    plugin(x[:, :BUFFER], SR, buffer_size=BUFFER, reset=True)
    best = float("inf")
    for _ in range(RUNS):
        t0 = time.perf_counter()
        y = plugin(x, SR, buffer_size=BUFFER, reset=True)
        best = min(best, time.perf_counter() - t0)
        assert np.all(np.isfinite(y))
    return x.shape[1] / SR / best


def impulse_responses(plugin, seconds):
    """Left and right outputs for an impulse into the left input and into the right."""
    n = int(SR * seconds)
    out = []
    for ch in (0, 1):
        x = np.zeros((2, n), dtype=np.float32)
        x[ch, 0] = 1.0
        y = plugin(x, SR, buffer_size=BUFFER, reset=True)
        out += [y[0], y[1]]
    return out


def echo_density(ir, window_ms=20.0):
    w = int(window_ms * 1e-3 * SR) | 1
    win = np.hanning(w + 2)[1:-1]
    win /= win.sum()
    x = np.concatenate([np.zeros(w // 2), ir, np.zeros(w // 2)])
    hop = SR // 1000
    out = []
    for c in range(0, len(ir), hop):
        seg = x[c : c + w]
        sigma = np.sqrt(np.sum(win * seg**2))
        out.append(0.0 if sigma == 0 else np.sum(win * (np.abs(seg) > sigma)) / erfc(1 / sqrt(2)))
    return np.array(out)  # one value per ms


def density_figures(ir):
    start = int(np.argmax(np.abs(ir) > 1e-3 * np.max(np.abs(ir))))
    ned = echo_density(ir)
    s = start // (SR // 1000)
    above = np.nonzero(ned[s:] >= 0.9)[0]
    reach = int(above[0]) if len(above) else None
    return reach, float(np.mean(ned[s + 50 : s + 300]))


def ringing_share(irs, lo=200.0, hi=8000.0):
    n, hop = 4096, 1024
    win = np.hanning(n + 1)[:-1]
    frames = (min(len(x) for x in irs) - n) // hop
    power = np.zeros((frames, n // 2 + 1))
    for x in irs:
        for f in range(frames):
            power[f] += np.abs(np.fft.rfft(x[f * hop : f * hop + n] * win)) ** 2
    bins = np.arange(int(lo / SR * n), int(hi / SR * n))
    freqs = bins * SR / n
    rates = []
    t = np.arange(frames) * hop / SR
    for b in bins:
        edc = np.cumsum(power[::-1, b])[::-1]
        db = 10 * np.log10(np.maximum(edc / edc[0], 1e-30))
        sel = (db <= -5) & (db >= -35)
        rates.append(np.polyfit(t[sel], db[sel], 1)[0] if sel.sum() >= 3 else np.nan)
    rates = np.array(rates)
    slow = 0
    for f, r in zip(freqs, rates):
        hood = rates[(freqs >= f / 2 ** (1 / 6)) & (freqs <= f * 2 ** (1 / 6))]
        med = np.median(hood[np.isfinite(hood)])
        slow += (not np.isfinite(r)) or abs(r) * 1.5 < abs(med)
    return slow / len(rates)


def width_figures(plugin):
    n = int(2.0 * SR)
    rng = np.random.default_rng(5)
    burst = int(0.05 * SR)
    x = np.zeros((2, n), dtype=np.float32)
    x[:, :burst] = 0.5 * rng.standard_normal(burst).astype(np.float32)
    y = plugin(x, SR, buffer_size=BUFFER, reset=True).astype(np.float64)
    a, b = y[0, burst + int(0.08 * SR) :], y[1, burst + int(0.08 * SR) :]
    lag = SR // 1000
    norm = np.sqrt(np.dot(a, a) * np.dot(b, b))
    iacc = max(
        abs(np.dot(a[max(d, 0) : len(a) + min(d, 0)], b[max(-d, 0) : len(b) + min(-d, 0)]))
        / norm
        for d in range(-lag, lag + 1)
    )
    mono_db = 10 * np.log10(np.sum((a + b) ** 2) / (np.dot(a, a) + np.dot(b, b)))
    return iacc, mono_db


def main():
    if not OURS.exists():
        sys.exit(f"{OURS} is missing: run `cargo xtask bundle-all --release` first")
    freeverb = pb.Reverb(wet_level=1.0, dry_level=0.0)
    ours = pb.load_plugin(str(OURS))
    set_text(ours, "Wet Only", "On")
    x = music()
    rows = []
    for name, plugin in [("pedalboard.Reverb (Freeverb)", freeverb), ("Lathe Reverb, Hall", ours)]:
        speed = realtime_factor(plugin, x)
        irs = impulse_responses(plugin, 2.5)
        reach, mean = density_figures(irs[0])
        ring = ringing_share(irs)
        iacc, mono = width_figures(plugin)
        rows.append((name, speed, reach, mean, ring, iacc, mono))
    print(
        f"{'':32} {'x realtime':>10} {'NED 0.9 at':>11} {'NED 50-300':>11} "
        f"{'ringing':>8} {'IACC':>6} {'mono':>7}"
    )
    for name, speed, reach, mean, ring, iacc, mono in rows:
        reach_text = f"{reach} ms" if reach is not None else "never"
        print(
            f"{name:32} {speed:10.0f} {reach_text:>11} {mean:11.3f} "
            f"{100 * ring:7.2f}% {iacc:6.3f} {mono:+6.2f} dB"
        )
    print(f"speed, ours over the peer: {rows[1][1] / rows[0][1]:.2f}")


if __name__ == "__main__":
    main()
