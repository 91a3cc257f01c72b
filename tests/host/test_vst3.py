"""Host-level tests of every VST3 bundle listed in bundler.toml, loaded in Spotify's pedalboard
(JUCE). Each plugin is checked against its committed parameter table,
plugins/<crate dir>/params.json, the single source of truth for names, units, ranges, defaults
and choices. Plugin-specific audio tests live in test_<plugin>.py.

Build the bundles first (``cargo xtask bundle-all --release``), then run
``.venv/bin/python -m pytest -q tests/host`` from the workspace root.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from lathe_host import (
    PLUGINS,
    apply_changes,
    impulse_peaks,
    new_plugin,
    null_db,
    param,
    process,
    set_text,
    stereo_test_signal,
)

# Latency at default settings and 48 kHz, as the plugins are designed: the channel strip always
# runs its 4× oversampler; the bus compressor's oversampling defaults to Off; the mastering
# limiter's 1.5 ms lookahead with 4× oversampling is 206 samples at 48 kHz (it scales with the
# sample rate).
EXPECTED_LATENCY = {
    "channel_strip": 88,
    "bus_compressor": 0,
    "mastering_limiter": 206,
    # De-clip 1248 + de-click 1625 + de-plosive 4560 (95 ms: it decides voice or drum 90 ms
    # into each burst) + de-hum 0 + de-noise (FFT 2048) 2047.
    "spectral_repair": 9480,
}

# Known plugin bugs: (test name, plugin key) → reason. Marked xfail(strict=True), so a fix shows
# up as an XPASS failure and the entry must then be removed.
KNOWN_BUGS = {
    ("test_mono_input_does_not_crash_the_host", "bus_compressor"): (
        "pedalboard/JUCE runs a plugin with a sidechain bus in mono only as mono + mono "
        "sidechain; the bus compressor does not offer that layout, because nice-plug 0.4.2's "
        "VST3 wrapper copies an unconnected sidechain from the host's NULL channel pointer and "
        "crashes (SIGSEGV). pedalboard now refuses mono with a clear error instead of crashing; "
        "stereo (with or without the sidechain) and CLAP mono work"
    ),
}

pytestmark = pytest.mark.parametrize("info", PLUGINS, ids=[p.key for p in PLUGINS])


def mark_known_bug(request, info):
    reason = KNOWN_BUGS.get((request.node.originalname, info.key))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


_described = {}


@pytest.fixture
def described(info):
    """One instance per plugin for the read-only checks (loading scans every parameter)."""
    if info.key not in _described:
        _described[info.key] = new_plugin(info)
    return _described[info.key]


def numeric_choices(row, label):
    """The choices as pedalboard's floats, when every choice is a number with `label` after it."""
    values = []
    for text in row["choices"]:
        stripped = text[: -len(label)] if label and text.endswith(label) else text
        values.append(float(stripped))
    return values


# ---------------------------------------------------------------------------------------------
# Loading and parameters


def test_loads_as_an_effect_with_its_name(info, described):
    assert described.is_effect
    assert not described.is_instrument
    assert described.name == info.name
    print(f"pedalboard: {described.name!r} by {described.manufacturer_name!r}")


def test_every_table_row_is_a_pedalboard_parameter(info, described):
    shown = sorted(p.name for p in described.parameters.values())
    expected = sorted(row["name"] for row in info.table)
    assert shown == expected
    bypass_rows = [row for row in info.table if row["bypass"]]
    assert len(bypass_rows) == 1, "exactly one host bypass parameter"
    assert bypass_rows[0]["kind"] == "bool"


def test_default_normalized_values_match_the_table(info, described):
    for row in info.table:
        _, p = param(described, row["name"])
        assert p.raw_value == pytest.approx(row["default_normalized"], abs=1e-6), row["name"]


def test_float_parameters_match_the_table(info, described):
    for row in info.rows("float"):
        name, unit = row["name"], row["unit"]
        python_name, p = param(described, name)
        assert p.type is float, f"{name}: type {p.type}, values {p.valid_values[:4]}…"
        # pedalboard reports the VST3 units string as the label (None when empty) and strips
        # it from the texts it parses.
        assert (p.label or "").strip() == unit.strip(), f"{name}: label {p.label!r} vs {unit!r}"
        lo, hi = float(row["min_text"]), float(row["max_text"])
        assert p.min_value == pytest.approx(lo, rel=1e-9, abs=1e-12), f"{name} min"
        assert p.max_value == pytest.approx(hi, rel=1e-9, abs=1e-12), f"{name} max"
        assert p.valid_values[0] == p.min_value and p.valid_values[-1] == p.max_value, name
        # Texts exactly as the table has them, and the default read back as a float.
        assert p.string_value == row["default_text"], f"{name}: default {p.string_value!r}"
        current = float(getattr(described, python_name))
        assert current == pytest.approx(float(row["default_text"]), rel=1e-9, abs=1e-12), name


def test_bool_parameters_match_the_table(info, described):
    for row in info.rows("bool"):
        name = row["name"]
        python_name, p = param(described, name)
        assert row["choices"] == ["Off", "On"], name
        assert p.type is bool, f"{name}: type {p.type}, values {p.valid_values}"
        assert p.valid_values == [False, True], name
        assert p.string_value == row["default_text"], name
        assert bool(getattr(described, python_name)) is (row["default_text"] == "On"), name


def test_choice_parameters_match_the_table(info, described):
    for row in info.rows("choice"):
        name, choices = row["name"], row["choices"]
        python_name, p = param(described, name)
        assert choices[0] == row["min_text"] and choices[-1] == row["max_text"], name
        assert p.string_value == row["default_text"], name
        if p.type is float:
            # pedalboard turns a list whose every entry is a number with a common unit into a
            # float parameter (e.g. "0.1 ms" … "30 ms" → 0.1 … 30.0, label "ms").
            # A count (the de-hum's harmonics, 1–20) has no unit: plain numbers, no label.
            assert p.valid_values == numeric_choices(row, p.label), name
            assert all(c.endswith(p.label) for c in choices) if p.label else True, name
            assert float(getattr(described, python_name)) == numeric_choices(
                {"choices": [row["default_text"]]}, p.label
            )[0]
        else:
            assert p.type is str, f"{name}: type {p.type}"
            assert p.valid_values == choices, f"{name}: {p.valid_values}"
            assert str(getattr(described, python_name)) == row["default_text"], name


def test_numeric_assignment_of_every_float_parameter(info):
    """`setattr(plugin, name, float)` works for every float parameter and reads back the value,
    up to pedalboard's snapping to the points it scanned (plus the plugin's display rounding)."""
    plugin = new_plugin(info)
    for row in info.rows("float"):
        python_name, p = param(plugin, row["name"])
        grid = np.array(sorted(v for v in p.valid_values if math.isfinite(v)))
        lo, hi = grid[0], grid[-1]
        targets = [lo, lo + 0.37 * (hi - lo), lo + 0.81 * (hi - lo), hi, float(row["default_text"])]
        if not math.isfinite(p.max_value):
            # An infinite maximum ("inf", the comp ratio's limiter end) is reached by text: the
            # plugin parses "inf" to the top of the range. (pedalboard 0.9's numeric setter
            # cannot pick it: its snapping computes inf − inf = nan and falls back to the
            # first scanned point, so `plugin.comp_ratio = math.inf` gives 1.0.)
            assert p.get_raw_value_for_text(row["max_text"]) == 1.0
        for v in targets:
            setattr(plugin, python_name, float(v))
            back = float(getattr(plugin, python_name))
            assert back == float(p.string_value)
            i = int(np.clip(np.searchsorted(grid, v), 1, len(grid) - 1))
            spacing = grid[min(i + 1, len(grid) - 1)] - grid[i - 1]
            assert abs(back - v) <= spacing, (
                f"{python_name} = {v} read back {back} ({p.string_value!r}), grid step {spacing}"
            )


# ---------------------------------------------------------------------------------------------
# Audio


def test_latency_is_reported_and_compensated_by_pedalboard(info):
    plugin = new_plugin(info)
    # A latency may depend on the sample rate (the limiter's lookahead is set in ms), and
    # pedalboard reads it before the first process call at another rate (the limiter reports
    # its 44.1 kHz latency then, 200): read it after a call at the test's 48 kHz.
    apply_changes(plugin)
    latency = plugin.reported_latency_samples
    print(f"{info.name}: pedalboard reported latency {latency} samples")
    if info.key in EXPECTED_LATENCY:
        assert latency == EXPECTED_LATENCY[info.key]
    peaks = impulse_peaks(plugin)
    print(f"{info.name}: impulse at 1000 comes out at {peaks}")
    # pedalboard compensates the reported latency itself, so a correct report puts the impulse
    # back at its input position.
    assert peaks == [1000, 1000], f"impulse at {peaks}: reported latency {latency} is wrong"


def test_bypass_is_bit_exact(info):
    row = next(r for r in info.table if r["bypass"])
    plugin = new_plugin(info)
    set_text(plugin, row["name"], "On")
    apply_changes(plugin)
    x = stereo_test_signal(48_000 // 2, gain=2.0)
    y = process(plugin, x)
    assert np.array_equal(y, x), f"bypassed output differs: null {null_db(y, x):.1f} dB"


def state_settings(info):
    """Non-default settings chosen from the table: the first three float parameters at their
    maximum (minimum where that is the default), the first bool flipped, the first list at its
    other end (those the plugin has)."""

    def other_end(r):
        return r["max_text"] if r["max_text"] != r["default_text"] else r["min_text"]

    settings = [(r["name"], other_end(r)) for r in info.rows("float")[:3]]
    for b in [r for r in info.rows("bool") if not r["bypass"]][:1]:
        settings.append((b["name"], "Off" if b["default_text"] == "On" else "On"))
    for c in info.rows("choice")[:1]:
        settings.append((c["name"], other_end(c)))
    assert settings, f"{info.name} has no parameter to carry"
    return settings


def test_raw_state_restores_settings_and_identical_output(info):
    settings = state_settings(info)
    a = new_plugin(info)
    for name, text in settings:
        set_text(a, name, text)
    # pedalboard applies the changes at the next process call; only then is the state current.
    apply_changes(a)
    state = a.raw_state
    assert len(state) > 0

    b = new_plugin(info)
    b.raw_state = state
    for name, text in settings:
        _, pa = param(a, name)
        _, pb = param(b, name)
        assert pa.string_value == text, f"{name}: set {text!r}, shows {pa.string_value!r}"
        assert pb.raw_value == pa.raw_value, f"{name}: {pb.string_value} vs {pa.string_value}"
        assert pb.string_value == text, name
    print(f"{info.name}: raw_state carried {settings}")

    x = stereo_test_signal(48_000 // 2)
    ya = process(a, x)
    yb = process(b, x)
    assert np.array_equal(ya, yb), f"restored instance differs: null {null_db(yb, ya):.1f} dB"


@pytest.mark.parametrize("setting", ["defaults", "minimums", "maximums"])
def test_loud_stereo_signal_gives_finite_output(info, setting):
    plugin = new_plugin(info)
    if setting != "defaults":
        for row in info.table:
            if not row["bypass"]:
                end = "min_text" if setting == "minimums" else "max_text"
                set_text(plugin, row["name"], row[end])
        apply_changes(plugin)
    x = stereo_test_signal(48_000 // 2, gain=4.0)  # peaks at +9.5 dBFS
    y = process(plugin, x)
    assert np.all(np.isfinite(y)), f"{setting}: non-finite output"
    print(f"{info.name} {setting}: output peak {np.max(np.abs(y)):.3f}")


def test_mono_input_does_not_crash_the_host(info, request):
    """Mono processing, in a child process so that a crash of the plugin fails this test only."""
    mark_known_bug(request, info)
    script = textwrap.dedent(
        f"""
        import numpy as np
        from pedalboard import load_plugin
        plugin = load_plugin({str(info.vst3)!r})
        t = np.arange(24000) / 48000
        x = (0.5 * np.sin(2 * np.pi * 997 * t))[None, :].astype(np.float32)
        y = plugin.process(x, 48000, buffer_size=1024, reset=True)
        assert y.shape == x.shape and np.all(np.isfinite(y))
        print("mono ok")
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0 and "mono ok" in run.stdout, (
        f"exit status {run.returncode}: {run.stderr[-2000:]}"
    )
