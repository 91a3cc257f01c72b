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
