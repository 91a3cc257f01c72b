#!/usr/bin/env python3
"""Place an audio file on the first audio track of a saved Ardour 7 session, as an import would.

Ardour 7.3's headless Lua (ardour7-lua) has no import call (Editor:do_import needs the GUI), so
this does what "Import > copy files to session > add as region at session start" leaves behind:
  * one mono 32-bit float WAV per channel in interchange/<session folder>/audiofiles/ (sox),
  * one <Source> per channel, a whole-file <Region> (the source list) and a region on the
    track's playlist at position 0,
  * the session range (a "session" Location) set to the region's extent.
The session is loaded and saved again by Ardour afterwards (setup.lua), which rewrites the file in
its own form; a session that Ardour cannot read fails there.

Usage: add_region.py SESSION_DIR SESSION_NAME AUDIO_FILE
Prints the region length in samples.
"""
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

SUPERCLOCK_PER_SECOND = 282240000  # Temporal::superclock_ticks_per_second in Ardour 7.3


def soxi(path, flag):
    return subprocess.run(["soxi", flag, path], check=True, capture_output=True, text=True).stdout.strip()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sdir, sname, audio = sys.argv[1:]
    statefile = os.path.join(sdir, sname + ".ardour")
    tree = ET.parse(statefile)
    root = tree.getroot()
    rate = int(root.get("sample-rate"))
    if SUPERCLOCK_PER_SECOND % rate:
        sys.exit(f"sample rate {rate} does not divide the superclock rate")
    sc = SUPERCLOCK_PER_SECOND // rate

    channels = int(soxi(audio, "-c"))
    file_rate = int(soxi(audio, "-r"))
    if file_rate != rate:
        sys.exit(f"{audio}: {file_rate} Hz, session runs at {rate} Hz (resample first)")
    nsamples = int(soxi(audio, "-s"))

    base = os.path.splitext(os.path.basename(audio))[0]
    # Ardour names the interchange folder after the session folder (not the snapshot name) and
    # refuses a session whose interchange holds more than one folder.
    interchange = os.path.join(sdir, "interchange")
    existing = [d for d in os.listdir(interchange)] if os.path.isdir(interchange) else []
    sub = existing[0] if len(existing) == 1 else os.path.basename(os.path.normpath(sdir))
    audiofiles = os.path.join(interchange, sub, "audiofiles")
    os.makedirs(audiofiles, exist_ok=True)

    next_id = int(root.get("id-counter"))

    def new_id():
        nonlocal next_id
        next_id += 1
        return str(next_id)

    sources_el = root.find("Sources")
    regions_el = root.find("Regions")
    src_ids = []
    now = str(int(time.time()))
    for ch in range(channels):
        suffix = {0: "L", 1: "R"}.get(ch, str(ch + 1)) if channels == 2 else str(ch + 1)
        fname = f"{base}-{suffix}.wav" if channels > 1 else f"{base}.wav"
        subprocess.run(["sox", audio, "-e", "floating-point", "-b", "32",
                        os.path.join(audiofiles, fname), "remix", str(ch + 1)], check=True)
        sid = new_id()
        src_ids.append(sid)
        ET.SubElement(sources_el, "Source", {
            "name": fname, "take-id": "", "type": "audio", "flags": "", "id": sid,
            "timestamp": now, "natural-position": "a0",
            "channel": "0", "origin": "", "gain": "1",  # an absolute origin would make it external
        })

    length = f"a{nsamples * sc}@a0"

    def region(name, whole):
        attrs = {
            "name": name, "muted": "0", "opaque": "1", "locked": "0", "video-locked": "0",
            "automatic": "0", "whole-file": "1" if whole else "0", "import": "1" if whole else "0",
            "external": "0", "sync-marked": "0", "left-of-split": "0", "right-of-split": "0",
            "hidden": "0", "position-locked": "0", "valid-transients": "0",
            "start": "a0", "length": length, "sync-position": "a0", "layer": "0",
            "ancestral-start": "a0", "ancestral-length": "a0@a0", "stretch": "1", "shift": "1",
            "layering-index": "0", "tags": "", "contents": "0", "time-domain": "AudioTime",
            "id": new_id(), "type": "audio", "first-edit": "nothing",
            "channels": str(channels), "scale-amplitude": "1", "envelope-active": "0",
            "default-fade-in": "1", "default-fade-out": "1", "fade-in-active": "0",
            "fade-out-active": "0",  # no 64-sample region fades: the render can equal the input
        }
        for i, sid in enumerate(src_ids):
            attrs[f"source-{i}"] = sid
            attrs[f"master-source-{i}"] = sid
        return ET.Element("Region", attrs)

    regions_el.append(region(base, True))

    # the first audio track's playlist
    route = None
    for r in root.find("Routes"):
        if r.get("audio-playlist"):
            route = r
            break
    if route is None:
        sys.exit("no audio track in session")
    pl_id = route.get("audio-playlist")
    playlist = None
    for p in root.find("Playlists"):
        if p.get("id") == pl_id:
            playlist = p
    if playlist is None:
        sys.exit(f"playlist {pl_id} not found")
    playlist.append(region(base + ".1", False))

    locations = root.find("Locations")
    for loc in list(locations):
        if "IsSessionRange" in (loc.get("flags") or ""):
            locations.remove(loc)
    ET.SubElement(locations, "Location", {
        "id": new_id(), "name": "session", "start": "a0", "end": f"a{nsamples * sc}",
        "flags": "IsSessionRange", "locked": "0", "timestamp": now, "cue": "0",
    })

    root.set("id-counter", str(next_id + 1))
    tree.write(statefile, encoding="UTF-8", xml_declaration=True)
    print(nsamples)


if __name__ == "__main__":
    main()
