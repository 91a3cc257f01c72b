"""Channel-strip-specific audio tests in pedalboard (the generic parameter, latency, state and
numeric-assignment checks of every plugin are in test_vst3.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lathe_host import (
    PLUGINS_BY_KEY,
    SR,
    apply_changes,
    new_plugin,
    null_db,
    param,
    process,
    rms_db,
    set_text,
    sine,
    steady_gain_db,
    stereo_test_signal,
)

INFO = PLUGINS_BY_KEY["channel_strip"]


def strip():
    return new_plugin(INFO)


def analog_bell_db(f, f0, gain_db, q):
    """|H(j f/f0)| in dB of the analog peaking EQ (s² + s·A/Q + 1) / (s² + s/(A·Q) + 1)."""
    a = 10 ** (gain_db / 40)
    s = 1j * f / f0
    h = (s * s + s * (a / q) + 1) / (s * s + s / (a * q) + 1)
    return 20 * math.log10(abs(h))


def test_ratio_and_pan_take_numbers():
    """The issue: comp ratio and pan used to be string-only in pedalboard ("4.0:1", "50L")."""
    plugin = strip()
    plugin.comp_ratio = 4
    plugin.pan = -50
    assert float(plugin.comp_ratio) == pytest.approx(4.0, abs=1e-9)
    assert float(plugin.pan) == pytest.approx(-50.0, abs=1e-9)
    _, ratio = param(plugin, "Comp Ratio")
    _, pan = param(plugin, "Pan")
    assert (ratio.string_value, ratio.label) == ("4.0", ":1")
    assert (pan.string_value, pan.label) == ("-50", " %")
    # The same values as the plugin's own text parser gives for typed text, units or not.
    assert ratio.raw_value == ratio.get_raw_value_for_text("4")
    assert pan.raw_value == pytest.approx(pan.get_raw_value_for_text("50L"), abs=1e-7)
    assert pan.raw_value == pytest.approx(pan.get_raw_value_for_text("-50 %"), abs=1e-7)
    plugin.comp_ratio = 2.5
    assert float(plugin.comp_ratio) == pytest.approx(2.5, abs=0.05)
    # Pan −50 (left) in the audio: a centred signal comes out louder on the left.
    apply_changes(plugin)
    x = np.stack([sine(1000.0, 0.1, SR // 2)] * 2)
    y = process(plugin, x)
    left, right = rms_db(y[0, SR // 4 :]), rms_db(y[1, SR // 4 :])
    print(f"pedalboard pan -50: left {left:.2f} dB, right {right:.2f} dB")
    assert left - right > 3.0


def test_setting_parameters_through_pedalboard_names():
    plugin = strip()
    plugin.eq_3_gain_db = 6.0
    plugin.input_trim_db = -3.0
    plugin.hpf_slope = "24 dB/oct"
    plugin.hpf_on = True
    # pedalboard snaps to the values it saw while scanning 1000 points of each range.
    assert float(plugin.eq_3_gain_db) == pytest.approx(6.0, abs=0.05)
    assert float(plugin.input_trim_db) == pytest.approx(-3.0, abs=0.05)
    assert str(plugin.hpf_slope) == "24 dB/oct"
    assert bool(plugin.hpf_on) is True


def test_text_entry_accepts_units():
    plugin = strip()
    for name, text, shown in [
        ("EQ 2 Freq", "1k", "1000"),
        ("EQ 3 Freq", "2.5 kHz", "2500"),
        ("Input Trim", "-3 dB", "-3.00"),
        ("Pan", "C", "0"),
        ("Pan", "50L", "-50"),
        ("Comp Ratio", "4", "4.0"),
        ("EQ 1 Q", "0.707", "0.71"),
    ]:
        p = set_text(plugin, name, text)
        assert p.string_value == shown, f"{name} {text!r}: shows {p.string_value!r}"


def test_defaults_are_transparent():
    plugin = strip()
    x = stereo_test_signal(SR)
    y = process(plugin, x)
    assert np.all(np.isfinite(y))
    for ch in range(2):
        n = null_db(y[ch], x[ch])
        print(f"pedalboard defaults null, channel {ch}: {n:.1f} dB")
        assert n < -100, f"channel {ch}: null {n:.1f} dB"


def test_mono_input_is_processed_transparently():
    plugin = strip()
    x = stereo_test_signal(SR // 2)[:1]
    y = process(plugin, x)
    n = null_db(y[0], x[0])
    print(f"pedalboard mono null: {n:.1f} dB")
    assert n < -100, f"mono null {n:.1f} dB"


def test_trim_plus_6_db():
    plugin = strip()
    p = set_text(plugin, "Input Trim", "6")
    assert p.string_value == "6.00"
    apply_changes(plugin)
    g, _ = steady_gain_db(plugin, 1000.0)
    print(f"pedalboard trim +6 dB: {g:.4f} dB")
    assert g == pytest.approx(6.0, abs=0.05)


def test_polarity_invert():
    plugin = strip()
    set_text(plugin, "Polarity Invert", "On")
    apply_changes(plugin)
    x = stereo_test_signal(SR // 2)
    y = process(plugin, x)
    tail = slice(SR // 4, None)
    for ch in range(2):
        n = null_db(y[ch, tail], -x[ch, tail])
        print(f"pedalboard polarity null, channel {ch}: {n:.1f} dB")
        assert n < -100, f"channel {ch}: output is not −input (null {n:.1f} dB)"


@pytest.mark.parametrize(
    "band, f0, probes",
    [
        # Band 3 (a bell): 1 kHz.
        (3, 1000.0, (1000.0, 100.0, 500.0, 2000.0, 5000.0)),
        # Band 4 switched to a bell near Nyquist, where a plain bilinear EQ cramps.
        (4, 16000.0, (16000.0, 8000.0, 12000.0, 20000.0)),
    ],
)
def test_eq_bell_matches_the_analog_prototype(band, f0, probes):
    plugin = strip()
    if band == 4:
        set_text(plugin, "EQ 4 Shape", "Bell")
    set_text(plugin, f"EQ {band} Freq", f"{f0:g}")
    set_text(plugin, f"EQ {band} Gain", "6")
    set_text(plugin, f"EQ {band} Q", "1")
    apply_changes(plugin)
    for f in probes:
        g, _ = steady_gain_db(plugin, f, seconds=0.5)
        expected = analog_bell_db(f, f0, 6.0, 1.0)
        print(
            f"pedalboard EQ {band} bell {f0:.0f} Hz +6 dB Q 1, at {f:.0f} Hz: {g:.4f} dB, "
            f"analog {expected:.4f} dB, deviation {g - expected:+.4f} dB"
        )
        tol = 0.1 if f == f0 else 0.3
        assert g == pytest.approx(expected, abs=tol), f"{f} Hz"


def test_hpf_24_db_per_octave():
    plugin = strip()
    set_text(plugin, "HPF On", "On")
    set_text(plugin, "HPF Freq", "100")
    set_text(plugin, "HPF Slope", "24 dB/oct")
    apply_changes(plugin)
    g100, _ = steady_gain_db(plugin, 100.0)
    g25, _ = steady_gain_db(plugin, 25.0, seconds=1.5)
    print(f"pedalboard HPF 100 Hz 24 dB/oct: {g100:.3f} dB at 100 Hz, {g25:.2f} dB at 25 Hz")
    assert g100 == pytest.approx(-3.01, abs=0.2)
    assert g25 <= -46.0


@pytest.mark.parametrize("detector", ["Peak", "RMS"])
def test_compressor_static_gain_matches_the_design_curve(detector):
    """Threshold −30 dB, ratio 4, hard knee, 1 ms / 100 ms, a 1 kHz sine at −10 dBFS peak: the
    peak detector reads −10 dB (gain −20·0.75 = −15 dB), the RMS detector the sine's RMS,
    −13.01 dB (gain −16.99·0.75 = −12.74 dB); steady state within 0.2 dB."""
    plugin = strip()
    set_text(plugin, "Comp On", "On")
    set_text(plugin, "Comp Threshold", "-30")
    set_text(plugin, "Comp Ratio", "4")
    set_text(plugin, "Comp Knee", "0")
    set_text(plugin, "Comp Attack", "1")
    set_text(plugin, "Comp Release", "100")
    set_text(plugin, "Comp Detector", detector)
    apply_changes(plugin)
    amplitude = 10 ** (-10 / 20)
    x = np.stack([sine(1000.0, amplitude, SR)] * 2)
    y = process(plugin, x)
    half = SR // 2
    gain = rms_db(y[0, half:]) - rms_db(x[0, half:])
    level = -10.0 if detector == "Peak" else -10.0 - 10 * math.log10(2)
    expected = -(level - (-30.0)) * (1 - 1 / 4)
    print(f"pedalboard comp {detector}: steady gain {gain:.3f} dB, design {expected:.3f} dB")
    assert gain == pytest.approx(expected, abs=0.2)
    assert rms_db(y[1, half:]) - rms_db(x[1, half:]) == pytest.approx(gain, abs=1e-6)


def test_raw_state_restores_identical_output():
    a = strip()
    settings = [
        ("Input Trim", "-3.5"),
        ("HPF On", "On"),
        ("HPF Freq", "120"),
        ("HPF Slope", "24 dB/oct"),
        ("EQ 2 Gain", "4.5"),
        ("EQ 2 Freq", "700"),
        ("EQ 4 Shape", "Bell"),
        ("EQ 4 Gain", "-6"),
        ("Comp On", "On"),
        ("Comp Threshold", "-24"),
        ("Comp Ratio", "3"),
        ("Sat On", "On"),
        ("Sat Drive", "9"),
        ("Pan", "30R"),
        ("Width", "150"),
        ("Output Gain", "2"),
    ]
    for name, text in settings:
        set_text(a, name, text)
    apply_changes(a)
    state = a.raw_state
    assert len(state) > 0

    b = strip()
    b.raw_state = state
    for name, _ in settings:
        _, pa = param(a, name)
        _, pb = param(b, name)
        assert pb.raw_value == pa.raw_value, f"{name}: {pb.string_value} vs {pa.string_value}"

    x = stereo_test_signal(SR // 2)
    ya = process(a, x)
    yb = process(b, x)
    assert np.array_equal(ya, yb), f"restored instance differs: null {null_db(yb, ya):.1f} dB"
    # The state carried the settings: the output is not the default strip's.
    assert null_db(yb[0], x[0]) > -20
