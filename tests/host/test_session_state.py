"""The session every Lathe plugin saves beside its parameters (loaded preset's name, A/B slots
with the other slot's full parameter set, lock) survives pedalboard's ``raw_state`` round trip
(VST3, JUCE's host). The A/B slot and preset name are written into the state the way the
editor leaves them, and a fresh instance must give them back, along with the parameters.

pedalboard's VST3 ``raw_state`` is JUCE's binary XML (``VC2!`` header) holding the component
state in JUCE's own base64 (``<size>.<chars>``, 6 bits per character, least significant first);
inside is nice-plug's JSON, whose ``fields.session`` is the session as a JSON string.
"""

from __future__ import annotations

import json
import re
import struct

import numpy as np
import pytest
from lathe_host import PLUGINS, apply_changes, new_plugin, param, process, set_text, stereo_test_signal

JUCE_BASE64 = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"


def juce_base64_decode(text: str) -> bytes:
    size, chars = text.split(".", 1)
    n = 0
    for i, c in enumerate(chars):
        n |= JUCE_BASE64.index(c) << (6 * i)
    return n.to_bytes(int(size), "little")


def juce_base64_encode(data: bytes) -> str:
    n = int.from_bytes(data, "little")
    num_chars = (len(data) * 8 + 5) // 6
    return f"{len(data)}." + "".join(JUCE_BASE64[(n >> (6 * i)) & 63] for i in range(num_chars))


def component_json(raw: bytes) -> dict:
    assert raw[:4] == b"VC2!", raw[:8]
    xml = raw[8:].rstrip(b"\0").decode()
    comp = re.search(r"<IComponent>(.*?)</IComponent>", xml).group(1)
    return json.loads(juce_base64_decode(comp))


def with_component_json(raw: bytes, state: dict) -> bytes:
    xml = raw[8:].rstrip(b"\0").decode()
    body = juce_base64_encode(json.dumps(state).encode())
    xml = re.sub(r"<IComponent>.*?</IComponent>", f"<IComponent>{body}</IComponent>", xml)
    data = xml.encode()
    return b"VC2!" + struct.pack("<I", len(data)) + data + b"\0"


def test_juce_base64_round_trips():
    for data in [b"", b"a", b"ab", b"abc", bytes(range(256))]:
        assert juce_base64_decode(juce_base64_encode(data)) == data


@pytest.mark.parametrize("info", PLUGINS, ids=[p.key for p in PLUGINS])
def test_ab_slots_and_preset_name_survive_raw_state(info):
    a = new_plugin(info)
    # A live parameter away from its default (the first float at its maximum)…
    row = info.rows("float")[0]
    set_text(a, row["name"], row["max_text"])
    apply_changes(a)
    state = component_json(a.raw_state)
    session = json.loads(state["fields"]["session"])
    assert session["slot"] == "A" and session["other"] is None, session
    # …and the session an editor leaves after comparing: B live, A's set in the other slot.
    session = {
        "preset": "Factory preset name",
        "slot": "B",
        "other": {"preset": "My own", "values": {row["id"]: float(row["min_text"])}},
        "lock": True,
        "note": "",
    }
    state["fields"]["session"] = json.dumps(session)
    raw = with_component_json(a.raw_state, state)

    b = new_plugin(info)
    b.raw_state = raw
    apply_changes(b)
    back = component_json(b.raw_state)
    assert json.loads(back["fields"]["session"]) == session
    _, pa = param(a, row["name"])
    _, pb = param(b, row["name"])
    assert pb.string_value == pa.string_value, (pb.string_value, pa.string_value)
    # And a third instance from the second's state: the same again, and the same sound.
    c = new_plugin(info)
    c.raw_state = b.raw_state
    apply_changes(c)
    assert json.loads(component_json(c.raw_state)["fields"]["session"]) == session
    x = stereo_test_signal(24_000)
    assert np.array_equal(process(b, x), process(c, x))
    print(f"{info.name}: session {session['slot']}/{session['preset']!r} survived raw_state")
