"""Shared helpers of the host tests: the plugin list (bundler.toml), each plugin's committed
parameter table (plugins/<dir>/params.json), loading the VST3 bundles in pedalboard, setting
parameters by text and measuring audio.

pedalboard scans every parameter's text at 1000 points when it loads a plugin and derives a
Python name, type, unit and range from what the plugin shows. A parameter change is delivered to
the plugin at the next ``process`` call, and every call with ``reset=True`` resets the plugin
first, so tests that change parameters run one short block (``apply_changes``) before measuring:
that way the plugin's smoothers start the measured call at their targets.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from pedalboard import load_plugin

WORKSPACE = Path(__file__).resolve().parents[2]
BUNDLE_DIR = WORKSPACE / "target" / "bundled"
SR = 48_000


@dataclass(frozen=True)
class PluginInfo:
    """One plugin of bundler.toml and its committed parameter table."""

    key: str  # the crate name, e.g. "bus_compressor"
    name: str  # the bundle name, e.g. "Lathe Bus Compressor"
    table: list = field(compare=False, repr=False)

    @property
    def crate_dir(self) -> Path:
        return WORKSPACE / "plugins" / self.key.replace("_", "-")

    @property
    def vst3(self) -> Path:
        return BUNDLE_DIR / f"{self.name}.vst3"

    @property
    def clap(self) -> Path:
        return BUNDLE_DIR / f"{self.name}.clap"

    def rows(self, kind=None):
        return [r for r in self.table if kind is None or r["kind"] == kind]


def read_plugins() -> list[PluginInfo]:
    with open(WORKSPACE / "bundler.toml", "rb") as f:
        bundler = tomllib.load(f)
    plugins = []
    for key, entry in bundler.items():
        table_path = WORKSPACE / "plugins" / key.replace("_", "-") / "params.json"
        with open(table_path, encoding="utf-8") as f:
            table = json.load(f)
        plugins.append(PluginInfo(key=key, name=entry["name"], table=table))
    return plugins


PLUGINS = read_plugins()
PLUGINS_BY_KEY = {p.key: p for p in PLUGINS}


def new_plugin(info: PluginInfo):
    if not info.vst3.exists():
        pytest.fail(
            f"{info.vst3} does not exist: build the bundles first with "
            "`cargo xtask bundle-all --release`"
        )
    return load_plugin(str(info.vst3))


def param(plugin, display_name):
    """(python name, AudioProcessorParameter) of the parameter with this display name."""
    for python_name, p in plugin.parameters.items():
        if p.name == display_name:
            return python_name, p
    names = [p.name for p in plugin.parameters.values()]
    raise KeyError(f"no parameter named {display_name!r}; have {names}")


def set_text(plugin, display_name, text):
    """Sets a parameter to the value the plugin parses from `text` (exact, no grid snapping)."""
    _, p = param(plugin, display_name)
    p.raw_value = p.get_raw_value_for_text(text)
    return p


def sine(freq_hz, amplitude, num_samples, phase=0.0):
    t = np.arange(num_samples) / SR
    return (amplitude * np.sin(2 * np.pi * freq_hz * t + phase)).astype(np.float32)


def stereo_test_signal(num_samples, gain=1.0):
    left = sine(997.0, 0.5, num_samples) + sine(61.0, 0.25, num_samples)
    right = sine(4001.0, 0.3, num_samples) + sine(233.0, 0.2, num_samples)
    return (gain * np.stack([left, right])).astype(np.float32)


def rms_db(x):
    x = np.asarray(x, dtype=np.float64)
    return 10 * math.log10(max(np.mean(x * x), 1e-300))


def null_db(actual, expected):
    """Level of `actual − expected` relative to `expected`, in dB; -inf when bit-identical."""
    if np.array_equal(actual, expected):
        return -math.inf
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    return rms_db(actual - expected) - rms_db(expected)


def process(plugin, x):
    """Processes `x` (channels × samples) from a reset state, as one pedalboard call."""
    y = plugin.process(x, SR, buffer_size=1024, reset=True)
    assert y.shape == x.shape, f"pedalboard returned {y.shape} for {x.shape}"
    return y


def apply_changes(plugin, channels=2):
    """pedalboard delivers parameter changes at the next process call: run a short block."""
    process(plugin, np.zeros((channels, 1024), dtype=np.float32))


def steady_gain_db(plugin, freq_hz, amplitude=0.1, seconds=1.0):
    """Gain (dB) for a sine on both channels, measured over the second half of the output."""
    n = int(SR * seconds)
    x = np.stack([sine(freq_hz, amplitude, n)] * 2)
    y = process(plugin, x)
    half = n // 2
    return rms_db(y[0, half:]) - rms_db(x[0, half:]), y


def impulse_peaks(plugin, position=1000, length=8192, amplitude=1.0):
    """Where an impulse at `position` comes out of pedalboard, per channel."""
    x = np.zeros((2, length), dtype=np.float32)
    x[:, position] = amplitude
    y = process(plugin, x)
    return [int(np.argmax(np.abs(ch))) for ch in y]


def read_recording(name):
    """A real recording of tests/data (credits in tests/data/README.md), decoded by pedalboard's
    own reader: (sample rate, float32 array channels × samples)."""
    from pedalboard.io import AudioFile

    with AudioFile(str(WORKSPACE / "tests" / "data" / name)) as f:
        return f.samplerate, f.read(f.frames)


# BS.1770-4 Annex 2: the published 4-phase, 12-taps-per-phase interpolation filter (phases 2
# and 3 are phases 1 and 0 reversed).
_BS1770_PHASES = np.array(
    [
        [0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000,
         -0.0594482421875, 0.1373291015625, 0.9721679687500, -0.1022949218750,
         0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500],
        [-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250,
         -0.1665039062500, 0.4650878906250, 0.7797851562500, -0.2003173828125,
         0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375],
    ]
)  # fmt: skip
BS1770_ANNEX2_PHASES = np.concatenate([_BS1770_PHASES, _BS1770_PHASES[::-1, ::-1]])


def hann_sinc_phases(taps_per_phase=32, factor=4):
    """The 4× interpolator of Lathe's BS.1770 meter (shared_dsp::loudness::true_peak), rebuilt
    here independently: a Hann-windowed sinc of taps_per_phase × factor taps, split into
    `factor` phases (phase 0 is the input itself, delayed). The limiter promises its ceiling
    as read through this filter."""
    taps = taps_per_phase * factor
    j = np.arange(taps, dtype=np.float64)
    window = 0.5 * (1.0 - np.cos(2.0 * np.pi * j / taps))
    arg = (j - taps / 2) * np.pi / factor
    safe = np.where(arg == 0.0, 1.0, arg)
    h = np.where(arg == 0.0, window, window * np.sin(safe) / safe)
    return h.reshape(taps_per_phase, factor).T  # phases[p][k] = h[k·factor + p]


def true_peak_dbtp(x, phases=None):
    """True peak (dBTP) of a channels × samples signal, BS.1770-4 Annex 2 style: every channel
    upsampled 4× by a polyphase FIR (`phases`, default `hann_sinc_phases()`), in float64, the
    largest magnitude of any phase (the signal is taken as silent before and after)."""
    phases = hann_sinc_phases() if phases is None else phases
    peak = 0.0
    for channel in np.atleast_2d(np.asarray(x, dtype=np.float64)):
        for phase in phases:
            peak = max(peak, float(np.max(np.abs(np.convolve(channel, phase)))))
    return 20 * math.log10(max(peak, 1e-300))
