"""The nearest chain of pedalboard built-ins to the Lathe Channel Strip, timed on the same
signal as `cargo bench -p channel_strip --bench realtime` (which calls this script).

Usage: pedalboard_chain.py SIGNAL.f32 SAMPLE_RATE   (interleaved stereo float32)
Prints `pedalboard_rtf=<seconds of audio per second of CPU>`.
"""
import sys
import time

import numpy as np
import pedalboard as pb


def main() -> None:
    raw, sr = sys.argv[1], float(sys.argv[2])
    x = np.fromfile(raw, dtype=np.float32).reshape(-1, 2).T.copy()
    seconds = x.shape[1] / sr
    chain = pb.Pedalboard([
        pb.HighpassFilter(cutoff_frequency_hz=80),
        pb.LowpassFilter(cutoff_frequency_hz=18000),
        pb.LowShelfFilter(cutoff_frequency_hz=100, gain_db=3, q=0.707),
        pb.PeakFilter(cutoff_frequency_hz=400, gain_db=-2, q=0.707),
        pb.PeakFilter(cutoff_frequency_hz=2500, gain_db=4, q=0.707),
        pb.HighShelfFilter(cutoff_frequency_hz=8000, gain_db=-3, q=0.707),
        pb.NoiseGate(threshold_db=-60, ratio=10, attack_ms=0.5, release_ms=100),
        pb.Compressor(threshold_db=-24, ratio=4, attack_ms=10, release_ms=150),
        pb.Distortion(drive_db=9),
        pb.Gain(gain_db=-2),
    ])
    best = float("inf")
    for _ in range(4):
        chain.reset()
        t0 = time.perf_counter()
        chain(x, sr, buffer_size=512)
        best = min(best, time.perf_counter() - t0)
    rtf = seconds / best
    print("pedalboard chain (HPF, LPF, 2 shelves, 2 peaks, NoiseGate, Compressor, Distortion, Gain):")
    print(f"  {best * 1000 / seconds:.1f} ms per second of audio, realtime factor {rtf:.0}x")
    print(f"pedalboard_rtf={rtf}")


if __name__ == "__main__":
    main()
