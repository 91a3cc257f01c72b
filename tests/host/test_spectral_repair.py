"""Spectral-repair-specific tests in pedalboard (VST3). The generic parameter, latency, state
and numeric-assignment checks of every plugin are in test_vst3.py.

Defaults: every module off, so the plugin is a pure delay of its latency (the sum of its
modules' latencies, the same whichever are on; pedalboard compensates it, so the output lines
up with the input). Damage is generated here with fixed seeds on a real recording of
tests/data.
"""

from __future__ import annotations

import numpy as np
from lathe_host import (
    PLUGINS_BY_KEY,
    SR,
    apply_changes,
    new_plugin,
    null_db,
    process,
    read_recording,
    rms_db,
    set_text,
    stereo_test_signal,
)

INFO = PLUGINS_BY_KEY["spectral_repair"]


def repair(**texts):
    """A fresh instance with parameters set by display name (underscores for spaces)."""
    plugin = new_plugin(INFO)
    for name, text in texts.items():
        set_text(plugin, name.replace("_", " "), text)
    apply_changes(plugin)
    return plugin


def snr_db(clean, out):
    return rms_db(clean) - rms_db(out - clean)


def test_all_modules_off_is_transparent():
    plugin = repair()
    x = stereo_test_signal(48_000)
    y = process(plugin, x)
    assert null_db(y, x) < -120.0


def test_dehum_removes_hum_from_a_real_recording():
    sr, x = read_recording("06_guitar_strums.flac")
    assert sr == SR
    x = x[:, : 8 * sr].astype(np.float32)
    t = np.arange(x.shape[1]) / sr
    rng = np.random.default_rng(5)
    hum = sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 8))
    hum *= 10 ** (-10 / 20) * np.sqrt(np.mean(x**2)) / np.sqrt(np.mean(hum**2))
    damaged = (x + hum).astype(np.float32)
    plugin = repair(**{"De-hum": "On", "De-hum Base": "50 Hz"})
    y = process(plugin, damaged)
    skip = 2 * sr
    before = snr_db(x[:, skip:], damaged[:, skip:])
    after = snr_db(x[:, skip:], y[:, skip:])
    print(f"hum through pedalboard: SNR {before:.1f} → {after:.1f} dB")
    assert after > before + 6.0


def test_learned_noise_profile_survives_raw_state():
    rng = np.random.default_rng(7)
    noise = (0.01 * rng.standard_normal((2, 2 * SR))).astype(np.float32)
    a = repair(**{"De-noise": "On", "De-noise Mode": "Learned", "De-noise Learn": "On"})
    a.process(noise, SR, buffer_size=1024, reset=False)
    set_text(a, "De-noise Learn", "Off")
    a.process(np.zeros((2, 2048), dtype=np.float32), SR, buffer_size=1024, reset=False)
    state = a.raw_state
    # The VST3 state (JUCE-encoded nice-plug JSON) now carries 513 profile points: several kB.
    fresh = new_plugin(INFO).raw_state
    assert len(state) > len(fresh) + 3000, (len(state), len(fresh))

    b = new_plugin(INFO)
    b.raw_state = state
    apply_changes(b)
    music = stereo_test_signal(96_000, gain=0.5)
    noisy = (music + 0.01 * rng.standard_normal(music.shape)).astype(np.float32)
    ya = process(a, noisy)
    yb = process(b, noisy)
    assert np.array_equal(ya, yb), "the restored instance sounds different"
    before = snr_db(music[:, SR:], noisy[:, SR:])
    after = snr_db(music[:, SR:], yb[:, SR:])
    print(f"restored profile: SNR {before:.1f} → {after:.1f} dB")
    assert after > before + 3.0
