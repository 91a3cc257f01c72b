"""Realtime factors of the Lathe Bus Compressor VST3 and of peer compressors, all run through
pedalboard on the same signal, in one run (so they share the machine's state).

Peers: pedalboard's built-in `pedalboard.Compressor` (JUCE's dsp::Compressor) and the
ZamCompX2 VST3 from Debian's zam-plugins. Ours: "Lathe Bus Compressor.vst3" at its defaults
(Classic, Oversampling Off) and with Oversampling 4x. All compressors are set to threshold
−10 dB, 4:1, attack 10 ms where they have those settings.

Signal: 10 s of 48 kHz stereo, pink-ish noise plus a "music-like" part (a bass line, chords
and a kick, with envelopes), peaking near −1 dBFS so that the compressors work. Each processor
runs 5 times from a reset state, buffer 512; the best time counts.

Usage: .venv/bin/python tests/bench/bus_compressor_peers.py
Prints `name: N x realtime` lines, then the ratios ours/peer (>1 means ours is faster).
"""
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pedalboard as pb

WORKSPACE = Path(__file__).resolve().parents[2]
OURS = WORKSPACE / "target" / "bundled" / "Lathe Bus Compressor.vst3"
SR = 48_000
SECONDS = 10.0
RUNS = 5
BUFFER = 512


def zamcompx2_path() -> str:
    """The ZamCompX2 VST3 bundle that Debian's zam-plugins package installed."""
    files = subprocess.run(
        ["dpkg", "-L", "zam-plugins"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for f in files:
        if f.lower().endswith("zamcompx2.vst3"):
            return f
    sys.exit("ZamCompX2.vst3 not found in `dpkg -L zam-plugins`")


def test_signal() -> np.ndarray:
    rng = np.random.default_rng(20240601)
    n = int(SR * SECONDS)
    t = np.arange(n) / SR
    # Pink noise (1/f power), decorrelated L/R: white noise shaped in the frequency domain.
    spectrum = np.fft.rfft(rng.standard_normal((2, n)), axis=1)
    f = np.fft.rfftfreq(n, 1 / SR)
    spectrum *= 1 / np.sqrt(np.maximum(f, 20.0))
    pinkish = np.fft.irfft(spectrum, n=n, axis=1)
    noise = 0.08 * pinkish / np.max(np.abs(pinkish))
    # Music-like part: bass notes every 0.5 s, a chord every 2 s, a kick every beat (120 bpm).
    beat = 0.5
    phase_in_beat = (t % beat) / beat
    bass_freqs = np.array([55.0, 55.0, 73.4, 65.4])[((t // beat) % 4).astype(int)]
    bass = 0.35 * np.sin(2 * np.pi * np.cumsum(bass_freqs) / SR) * np.exp(-3 * phase_in_beat)
    chord = sum(0.08 * np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0, 523.3))
    chord = chord * (0.6 + 0.4 * np.sin(2 * np.pi * t / 2.0) ** 2)
    kick_env = np.exp(-40 * phase_in_beat * beat)
    kick = 0.6 * np.sin(2 * np.pi * (50 + 100 * kick_env) * phase_in_beat * beat) * kick_env
    music = bass + kick
    x = np.stack([music + chord + noise[0], music + 0.9 * chord + noise[1]])
    x *= 0.89 / np.max(np.abs(x))  # −1 dBFS peak
    return x.astype(np.float32)


def set_text(plugin, display_name, text):
    for p in plugin.parameters.values():
        if p.name == display_name:
            p.raw_value = p.get_raw_value_for_text(text)
            return
    raise KeyError(display_name)


def realtime_factor(plugin, x) -> float:
    plugin(x[:, :BUFFER], SR, buffer_size=BUFFER, reset=True)  # deliver parameter changes
    best = float("inf")
    for _ in range(RUNS):
        t0 = time.perf_counter()
        y = plugin(x, SR, buffer_size=BUFFER, reset=True)
        best = min(best, time.perf_counter() - t0)
        assert np.all(np.isfinite(y))
    return x.shape[1] / SR / best


def main() -> None:
    if not OURS.exists():
        sys.exit(f"{OURS} is missing: run `cargo xtask bundle-all --release` first")
    x = test_signal()

    builtin = pb.Compressor(threshold_db=-10, ratio=4, attack_ms=10, release_ms=100)

    zam = pb.load_plugin(zamcompx2_path())
    zam.threshold_db = -10
    zam.ratio = 4
    zam.attack_ms = 10
    zam.release_ms = 100

    ours = pb.load_plugin(str(OURS))
    ours_os = pb.load_plugin(str(OURS))
    set_text(ours_os, "Oversampling", "4x")

    runs = [
        ("pedalboard.Compressor", builtin),
        ("ZamCompX2 (VST3)", zam),
        ("Lathe Bus Compressor (VST3, defaults)", ours),
        ("Lathe Bus Compressor (VST3, Oversampling 4x)", ours_os),
    ]
    print(
        f"{SECONDS:.0f} s of {SR} Hz stereo, buffer {BUFFER}, best of {RUNS}, all through "
        f"pedalboard {pb.__version__}:"
    )
    rtf = {}
    for name, plugin in runs:
        rtf[name] = realtime_factor(plugin, x)
        print(f"{name}: {rtf[name]:.0f} x realtime")

    print("ratios ours/peer (>1: ours is faster):")
    for our_name in [n for n, _ in runs if n.startswith("Lathe")]:
        for peer in [n for n, _ in runs if not n.startswith("Lathe")]:
            print(f"  {our_name} / {peer}: {rtf[our_name] / rtf[peer]:.2f}")


if __name__ == "__main__":
    main()
