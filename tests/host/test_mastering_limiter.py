"""Mastering-limiter-specific tests in pedalboard (VST3). The generic parameter, latency, state
and numeric-assignment checks of every plugin are in test_vst3.py.

Defaults: Input Gain 0 dB, Ceiling −1 dBTP, Lookahead 1.5 ms, Oversampling 4x: latency 206
samples at 48 kHz (1x 133, 2x 197, 8x 209; `LookaheadLimiter::latency_samples`), dither Off.

pedalboard compensates the reported latency itself (it runs the plugin that many samples longer
and drops the start of the output), so an output that lines up with the input *is* the input
delayed by the reported latency: a wrong report shows as a shift.

True peak is measured here in numpy (lathe_host.true_peak_dbtp): 4× polyphase upsampling of
each channel in float64, the largest magnitude. The ceiling is asserted through
both 4× filters a BS.1770 meter may use: the interpolator of Lathe's own meter (a Hann-windowed
sinc, 32 taps per phase), rebuilt in numpy from its definition, and the filter published in
BS.1770-4 Annex 2 (12 taps per phase); the limiter's safety stage reads with both.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from lathe_host import (
    BS1770_ANNEX2_PHASES,
    PLUGINS_BY_KEY,
    SR,
    apply_changes,
    impulse_peaks,
    new_plugin,
    null_db,
    param,
    process,
    read_recording,
    rms_db,
    set_text,
    true_peak_dbtp,
)

INFO = PLUGINS_BY_KEY["mastering_limiter"]

CEILING_DBTP = -1.0
DEFAULT_LATENCY = 206

# What a user scripting pedalboard sees: the Python attribute pedalboard derives from each
# display name and unit, its type and its unit label. Ranges and texts come from params.json.
PYTHON_NAMES = {
    "Bypass": ("bypass", bool, None),
    "Input Gain": ("input_gain_db", float, "dB"),
    "Ceiling": ("ceiling_dbtp", float, "dBTP"),
    "Lookahead": ("lookahead_ms", float, "ms"),
    "Release": ("release_ms", float, "ms"),
    "Auto Release": ("auto_release", bool, None),
    "Stereo Link": ("stereo_link", float, "%"),
    # Every choice is a number followed by "x": pedalboard makes it a float (1.0 … 8.0).
    "Oversampling": ("oversampling", float, "x"),
    "Dither": ("dither", str, None),
    "Dither Bits": ("dither_bits", str, None),
    "DC Filter": ("dc_filter", bool, None),
    "Listen": ("listen", str, None),
    "Monitor": ("monitor", str, None),
    "Target": ("target", str, None),
    "Custom Target": ("custom_target_lufs", float, "LUFS"),
}


def limiter(**attributes):
    """A fresh instance with parameters set through pedalboard's attributes, changes applied."""
    plugin = new_plugin(INFO)
    for python_name, value in attributes.items():
        setattr(plugin, python_name, value)
    apply_changes(plugin)
    return plugin


def test_loads_with_its_parameters_as_params_json_says():
    plugin = new_plugin(INFO)
    assert plugin.is_effect and not plugin.is_instrument
    assert plugin.name == "Lathe Mastering Limiter"
    assert [row["name"] for row in INFO.table] == list(PYTHON_NAMES)
    assert sorted(plugin.parameters) == sorted(n for n, _, _ in PYTHON_NAMES.values())
    for row in INFO.table:
        python_name, kind, label = PYTHON_NAMES[row["name"]]
        p = plugin.parameters[python_name]
        what = f"{row['name']} ({python_name})"
        assert p.name == row["name"], what
        assert p.type is kind, f"{what}: {p.type}"
        # pedalboard reports the VST3 units string (None when empty), leading space kept.
        assert (p.label or "").strip() == (label or ""), f"{what}: label {p.label!r}"
        assert p.string_value == row["default_text"], what
        if row["kind"] == "float":
            assert row["unit"].strip() == label, f"{what}: unit {row['unit']!r} in the table"
            assert p.min_value == float(row["min_text"]), what
            assert p.max_value == float(row["max_text"]), what
            assert float(getattr(plugin, python_name)) == float(row["default_text"]), what
        elif kind is float:  # Oversampling
            assert p.valid_values == [float(c.removesuffix("x")) for c in row["choices"]], what
        elif kind is bool:
            assert row["choices"] == ["Off", "On"] and p.valid_values == [False, True], what
        else:
            assert p.valid_values == row["choices"], what
    # The limiter's own units: dBTP for the ceiling, LUFS for the loudness target.
    assert plugin.parameters["ceiling_dbtp"].label.strip() == "dBTP"
    assert plugin.parameters["custom_target_lufs"].label.strip() == "LUFS"


@pytest.mark.parametrize("rate, latency", [(44_100, None), (SR, DEFAULT_LATENCY), (96_000, None)])
def test_latency_follows_the_sample_rate_and_is_compensated(rate, latency):
    """206 samples at 48 kHz (the lookahead is set in ms, so the latency scales with the rate);
    at every rate pedalboard's compensation by the reported latency puts an impulse back in
    place."""
    plugin = new_plugin(INFO)
    x = np.zeros((2, 8192), dtype=np.float32)
    x[:, 1000] = 0.25  # −12 dBFS: below the ceiling
    y = plugin.process(x, rate, buffer_size=1024, reset=True)
    reported = plugin.reported_latency_samples
    peaks = [int(np.argmax(np.abs(c))) for c in y]
    print(f"limiter at {rate} Hz: reported latency {reported}, impulse at 1000 comes out at {peaks}")
    if latency is not None:
        assert reported == latency
    assert peaks == [1000, 1000]


@pytest.mark.parametrize(
    "name, text, latency",
    [
        ("Oversampling", "1x", 133),
        ("Oversampling", "2x", 197),
        ("Oversampling", "8x", 209),
        ("Lookahead", "5 ms", DEFAULT_LATENCY + 168),  # 3.5 ms more at 48 kHz
    ],
)
def test_lookahead_and_oversampling_re_report_the_latency(name, text, latency):
    plugin = new_plugin(INFO)
    set_text(plugin, name, text)
    apply_changes(plugin)
    assert plugin.reported_latency_samples == latency, f"{name} {text}"
    assert impulse_peaks(plugin, amplitude=0.25) == [1000, 1000], f"{name} {text}"


def test_a_quiet_real_recording_comes_out_as_the_delayed_input():
    """The quiet orchestral intro (true peak −15.2 dBTP) never reaches the ceiling: the output
    is the input, delayed by exactly the reported latency (which pedalboard removes)."""
    rate, x = read_recording("03_quiet_orchestral_intro.flac")
    assert rate == SR
    plugin = new_plugin(INFO)
    y = process(plugin, x)
    assert plugin.reported_latency_samples == DEFAULT_LATENCY
    null = null_db(y, x)
    # A report off by one sample would leave the output one sample early or late.
    early = null_db(y[:, :-1], x[:, 1:])
    late = null_db(y[:, 1:], x[:, :-1])
    print(
        f"limiter, quiet recording: null vs the input delayed {DEFAULT_LATENCY}: {null:.1f} dB "
        f"(one sample early {early:.1f} dB, late {late:.1f} dB)"
    )
    assert null < -100.0
    assert early > -60.0 and late > -60.0


def test_loud_real_drums_driven_12_db_stay_under_the_true_peak_ceiling():
    """The drum groove (peak −1 dBFS, −1.0 dBTP, −18.3 LUFS) with Input Gain +12 dB set as a
    pedalboard attribute: the output's true peak stays at or below the −1 dBTP ceiling, its
    peaks reach it, and it is louder than the input (RMS +5.75 dB when written: drums are
    peaky, most of the 12 dB goes into limiting their hits)."""
    rate, x = read_recording("04_drums_groove.flac")
    assert rate == SR
    plugin = limiter(input_gain_db=12.0)
    assert plugin.input_gain_db == 12.0
    assert plugin.parameters["input_gain_db"].string_value == "12.0"
    assert plugin.ceiling_dbtp == CEILING_DBTP
    y = process(plugin, x)
    assert np.all(np.isfinite(y))
    tp_in = true_peak_dbtp(x)
    tp = true_peak_dbtp(y)
    tp_annex2 = true_peak_dbtp(y, BS1770_ANNEX2_PHASES)
    gain_db = 20 * math.log10(np.sqrt(np.mean(np.square(y, dtype=np.float64))) / np.sqrt(
        np.mean(np.square(x, dtype=np.float64))
    ))
    print(
        f"limiter, drums +12 dB: input true peak {tp_in:.3f} dBTP → output {tp:.4f} dBTP "
        f"(BS.1770-4 Annex 2 filter: {tp_annex2:.4f} dBTP), RMS +{gain_db:.2f} dB"
    )
    assert tp <= CEILING_DBTP, f"true peak {tp:.5f} dBTP over the ceiling"
    assert tp_annex2 <= CEILING_DBTP, f"Annex 2 reading {tp_annex2:.5f} dBTP over the ceiling"
    assert tp > CEILING_DBTP - 0.5, "the peaks do not reach the ceiling: not limiting"
    assert gain_db > 4.0, "the limiter turned the whole programme down"


def test_raw_state_restores_every_parameter_exactly():
    """Every parameter away from its default (bypass included), the state carried by
    `raw_state` into a fresh instance: every normalised value and text identical; with bypass
    turned off on both, identical output."""
    a = new_plugin(INFO)
    for i, row in enumerate(INFO.table):
        _, p = param(a, row["name"])
        if row["kind"] == "float":
            grid = p.valid_values
            # An uneven point of the range, different per parameter.
            text = str(grid[int(len(grid) * ((0.13 + 0.17 * i) % 1.0))])
            p.raw_value = p.get_raw_value_for_text(text)
        else:
            other = row["max_text"] if row["default_text"] != row["max_text"] else row["min_text"]
            p.raw_value = p.get_raw_value_for_text(other)
        assert p.string_value != row["default_text"], row["name"]
    apply_changes(a)
    saved = {p.name: (p.raw_value, p.string_value) for p in a.parameters.values()}
    state = a.raw_state
    assert len(state) > 0

    b = new_plugin(INFO)
    b.raw_state = state
    restored = {p.name: (p.raw_value, p.string_value) for p in b.parameters.values()}
    for name, (raw, text) in saved.items():
        assert restored[name] == (raw, text), f"{name}: saved {text} ({raw}), got {restored[name]}"
    print(f"limiter raw_state: {len(state)} bytes, {saved}")

    for plugin in (a, b):
        plugin.bypass = False
        apply_changes(plugin)
    assert a.reported_latency_samples == b.reported_latency_samples
    _, x = read_recording("06_guitar_strums.flac")
    x = x[:, : SR * 3]
    ya, yb = process(a, x), process(b, x)
    assert rms_db(ya) > -60.0, "no output to compare"
    assert np.array_equal(ya, yb), f"restored instance differs: null {null_db(yb, ya):.1f} dB"
