"""Bus-compressor-specific audio tests in pedalboard (the generic parameter, latency, state and
numeric-assignment checks of every plugin are in test_vst3.py).

Defaults: Classic mode, threshold −10 dB, 4:1, peak detector, hard knee in Classic,
Oversampling Off (latency 0).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from lathe_host import (
    PLUGINS_BY_KEY,
    SR,
    apply_changes,
    impulse_peaks,
    new_plugin,
    null_db,
    param,
    process,
    rms_db,
    set_text,
    sine,
    stereo_test_signal,
)

INFO = PLUGINS_BY_KEY["bus_compressor"]


def buscomp(**texts):
    """A fresh instance with parameters set by display name → text, changes applied."""
    plugin = new_plugin(INFO)
    for name, text in texts.items():
        set_text(plugin, name, text)
    apply_changes(plugin)
    return plugin


def settings(*pairs):
    return dict(pairs)


def full_scale_sine(seconds=2.0):
    """1 kHz, 0 dBFS peak, on both channels."""
    return np.stack([sine(1000.0, 1.0, int(SR * seconds))] * 2)


def steady_gain(x, y):
    half = x.shape[1] // 2
    return rms_db(y[0, half:]) - rms_db(x[0, half:])


def test_mix_zero_is_the_dry_input_bit_exactly():
    plugin = buscomp(**settings(("Mix", "0")))
    assert plugin.reported_latency_samples == 0
    x = stereo_test_signal(SR, gain=2.0)  # well above the threshold
    y = process(plugin, x)
    assert np.array_equal(y, x), f"Mix 0 %: null {null_db(y, x):.1f} dB"
    # …while at the default 100 % the same signal is compressed.
    y100 = process(new_plugin(INFO), x)
    assert null_db(y100, x) > -30


@pytest.mark.parametrize(
    "detector, level_db",
    [("Peak", 0.0), ("RMS", -10 * math.log10(2))],  # a sine's RMS is 3.01 dB below its peak
)
def test_classic_static_gain_matches_the_design_curve(detector, level_db):
    """Classic defaults (threshold −10 dB, 4:1, hard knee) with release 0.1 s, a 0 dBFS 1 kHz
    sine for 2 s: steady gain −(level + 10)·(1 − 1/4), level = the detector's reading."""
    plugin = buscomp(**settings(("Classic Release", "0.1 s"), ("Detector", detector)))
    x = full_scale_sine()
    y = process(plugin, x)
    gain = steady_gain(x, y)
    expected = -(level_db - (-10.0)) * (1 - 1 / 4)
    print(f"bus comp Classic {detector}: steady gain {gain:.3f} dB, design {expected:.3f} dB")
    assert gain == pytest.approx(expected, abs=0.2)


def test_modern_ratio_set_as_a_number():
    """Modern mode, `plugin.ratio = 2` and hard knee: −(0 + 10)·(1 − 1/2) = −5 dB."""
    plugin = new_plugin(INFO)
    plugin.mode = "Modern"
    plugin.ratio = 2
    plugin.knee_db = 0
    plugin.peak_release_ms = 100
    assert float(plugin.ratio) == 2.0
    apply_changes(plugin)
    x = full_scale_sine()
    gain = steady_gain(x, process(plugin, x))
    print(f"bus comp Modern 2:1 peak: steady gain {gain:.3f} dB, design -5.000 dB")
    assert gain == pytest.approx(-5.0, abs=0.2)


@pytest.mark.parametrize("factor, expected_latency", [("2x", None), ("4x", 88)])
def test_oversampling_latency_is_reported_and_compensated(factor, expected_latency):
    """The latency changes with the parameter: pedalboard re-reads it after the process call
    that delivered the change (`apply_changes`), and then puts an impulse back in place."""
    plugin = new_plugin(INFO)
    assert plugin.reported_latency_samples == 0
    set_text(plugin, "Oversampling", factor)
    apply_changes(plugin)
    latency = plugin.reported_latency_samples
    print(f"bus comp Oversampling {factor}: reported latency {latency} samples")
    if expected_latency is None:
        assert latency > 0
    else:
        assert latency == expected_latency
    peaks = impulse_peaks(plugin, amplitude=0.25)  # −12 dBFS: below the threshold
    print(f"bus comp Oversampling {factor}: impulse at 1000 comes out at {peaks}")
    assert peaks == [1000, 1000]


def test_external_sidechain_in_pedalboard_is_a_silent_key():
    """What pedalboard does with the sidechain input bus (observed with gdb on the VST3 calls):
    it has no API to feed an auxiliary input, and JUCE deactivates the bus
    (``activateBus(kAudio, kInput, 1, false)``) and passes it to ``process`` with
    numChannels = 0 at stereo I/O. nice-plug always hands the plugin the sidechain buffers of
    the negotiated layout (stereo + stereo sidechain) and fills them with zeros when the host
    gives no pointers, so the plugin cannot tell "not connected" from "silence" and does not
    fall back to the main input: with External Sidechain On the key is digital silence.

    So a 0 dBFS main signal comes out uncompressed (0 dB ± 0.01) with External Sidechain On,
    compressed by the design −7.5 dB with it Off, and Sidechain Listen with External Sidechain
    On plays the key: all zeros.
    """
    base = (("Classic Release", "0.1 s"),)
    x = full_scale_sine()

    off = process(buscomp(**settings(*base, ("External Sidechain", "Off"))), x)
    on = process(buscomp(**settings(*base, ("External Sidechain", "On"))), x)
    gain_off, gain_on = steady_gain(x, off), steady_gain(x, on)
    print(
        f"bus comp in pedalboard: External Sidechain Off {gain_off:.3f} dB, "
        f"On {gain_on:.4f} dB (bit-exact dry: {np.array_equal(on, x)})"
    )
    assert gain_off == pytest.approx(-7.5, abs=0.2)
    assert gain_on == pytest.approx(0.0, abs=0.01)
    assert np.max(np.abs(on - x)) < 1e-6, "no gain reduction anywhere with a silent key"

    listen = process(
        buscomp(**settings(*base, ("External Sidechain", "On"), ("Sidechain Listen", "On"))), x
    )
    assert not np.any(listen), "the key pedalboard feeds is not silence"


def test_delta_listen_is_input_minus_output():
    """Delta Listen with Makeup 0 dB plays what the compressor removes: delta + normal output
    = input (Oversampling Off, so the dry path is not delayed)."""
    x = stereo_test_signal(SR, gain=1.5)
    normal_plugin = buscomp()
    _, makeup = param(normal_plugin, "Makeup")
    assert makeup.string_value == "0.0"
    normal = process(normal_plugin, x)
    delta = process(buscomp(**settings(("Delta Listen", "On"))), x)
    residual = np.max(np.abs(delta.astype(np.float64) + normal - x))
    print(
        f"bus comp delta: removed peak {np.max(np.abs(delta)):.3f}, "
        f"|delta + output − input| ≤ {residual:.2e}"
    )
    assert np.max(np.abs(delta)) > 0.05, "nothing was compressed"
    assert residual < 1e-6
