//! The channel strip's saved-state versioning, through the CLAP state extension.
//!
//! `fixtures/channel_strip_v1.state` holds the exact bytes a version-1 channel strip saved
//! (state layout version 1, the first release) with the settings in [`V1_SETTINGS`]. Every
//! later build must still load it: the plugin's `filter_state` runs
//! `shared_plugin::state::migrate` before nice-plug applies a state, which rewrites an old
//! layout step by step. Never regenerate the fixture to make a test pass; a new layout version
//! gets a new fixture beside this one.
//!
//! The bytes are nice-plug's CLAP state: the JSON length as a little-endian `u64`, then JSON
//! `{"version": <plugin version>, "params": {…}, "fields": {"version": "1", …}}` (no zstd: the
//! workspace builds nice-plug without it). The layout version is the persisted field
//! `fields.version`, a JSON-encoded `u32` inside a string.

use lathe_clap_host_tests::signal::{delayed, null_db, stereo_test_signal};
use lathe_clap_host_tests::state::{layout_version, state_bytes, state_json};
use lathe_clap_host_tests::{Harness, CHANNEL_STRIP, PLUGINS, STATE_LAYOUT_VERSION};
use std::path::PathBuf;

/// (parameter, typed text, text the plugin shows afterwards) of the fixture's settings.
const V1_SETTINGS: &[(&str, &str, &str)] = &[
    ("Input Trim", "-3.5 dB", "-3.50 dB"),
    ("HPF On", "On", "On"),
    ("HPF Freq", "120 Hz", "120 Hz"),
    ("HPF Slope", "24 dB/oct", "24 dB/oct"),
    ("EQ 2 Gain", "4.5 dB", "4.5 dB"),
    ("EQ 2 Freq", "700 Hz", "700 Hz"),
    ("Comp On", "On", "On"),
    ("Comp Threshold", "-24 dB", "-24.0 dB"),
    ("Comp Ratio", "3", "3.0:1"),
    ("Sat On", "On", "On"),
    ("Sat Drive", "9 dB", "9.0 dB"),
    ("Width", "150 %", "150 %"),
    ("Output Gain", "2 dB", "2.00 dB"),
    ("Pan", "-30", "-30 %"),
];

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/channel_strip_v1.state")
}

fn fixture() -> Vec<u8> {
    std::fs::read(fixture_path()).expect("fixtures/channel_strip_v1.state is committed")
}

/// Asserts that `h` shows every fixture setting and the default for everything else.
fn assert_shows_the_v1_settings(h: &mut Harness, what: &str) {
    for (name, _, shown) in V1_SETTINGS {
        assert_eq!(h.current_text(name), *shown, "{what}: {name}");
    }
    for row in CHANNEL_STRIP.params_table() {
        if V1_SETTINGS.iter().all(|(name, _, _)| *name != row.name) {
            let default = format!("{}{}", row.default_text, row.unit);
            assert_eq!(
                h.current_text(&row.name),
                default,
                "{what}: {} (untouched)",
                row.name
            );
        }
    }
}

/// Asserts that `h` shows the defaults of every parameter.
fn assert_shows_the_defaults(h: &mut Harness, what: &str) {
    for row in CHANNEL_STRIP.params_table() {
        let default = format!("{}{}", row.default_text, row.unit);
        assert_eq!(h.current_text(&row.name), default, "{what}: {}", row.name);
    }
}

/// Regenerates the fixture from the current build. Only for creating it (it was created with
/// state layout version 1, which this checks): `LATHE_WRITE_STATE_FIXTURE=1 cargo test
/// --release -p lathe-clap-host-tests --test channel_strip_state -- --ignored write_`.
#[test]
#[ignore = "writes fixtures/channel_strip_v1.state; run by hand only to create it"]
fn write_channel_strip_v1_fixture() {
    if std::env::var_os("LATHE_WRITE_STATE_FIXTURE").is_none() {
        return;
    }
    let mut h = CHANNEL_STRIP.harness();
    let changes: Vec<_> = V1_SETTINGS
        .iter()
        .map(|(name, typed, _)| h.change_from_text(name, typed))
        .collect();
    h.flush_inactive(&changes);
    let bytes = h.save_state();
    assert_eq!(
        layout_version(&state_json(&bytes)),
        "1",
        "not a version-1 state"
    );
    std::fs::write(fixture_path(), &bytes).unwrap();
}

#[test]
fn the_fixture_is_a_version_1_state() {
    let json = state_json(&fixture());
    assert_eq!(layout_version(&json), "1");
    let params = json["params"].as_object().expect("params");
    for id in ["trim", "hpf_on", "hpf_freq", "comp_thr", "pan", "out_gain"] {
        assert!(params.contains_key(id), "the fixture stores {id}");
    }
}

#[test]
fn version_1_fixture_loads_every_setting() {
    // Before activation (a host opening a session)…
    let mut h = CHANNEL_STRIP.harness();
    h.load_state(&fixture());
    assert_shows_the_v1_settings(&mut h, "loaded inactive");
    h.activate();
    assert_shows_the_v1_settings(&mut h, "after activation");
    let input = stereo_test_signal(h.sample_rate(), 24_000);
    let latency = h.latency_samples() as usize;
    let out = h.process(&input, &[]);
    for (ch, o) in out.iter().enumerate() {
        assert!(
            o.iter().all(|v| v.is_finite()),
            "channel {ch}: non-finite output"
        );
        let null = null_db(o, &delayed(&input[ch], latency));
        assert!(null > -20.0, "channel {ch}: the settings are not applied");
    }
    assert_eq!(
        h.num_logged_warnings(),
        0,
        "a current-version state loads quietly"
    );

    // …and into an active instance (a host loading a preset while playing).
    let mut active = CHANNEL_STRIP.active_harness();
    active.load_state(&fixture());
    assert_shows_the_v1_settings(&mut active, "loaded active");

    // Saving again writes the same settings, in this build's layout.
    let resaved = state_json(&h.save_state());
    let original = state_json(&fixture());
    assert_eq!(
        layout_version(&resaved),
        STATE_LAYOUT_VERSION,
        "stamped with this build's layout"
    );
    assert_eq!(resaved["params"], original["params"], "re-saved parameters");
}

#[test]
fn future_version_loads_what_this_build_understands() {
    // A state from a newer build: layout version 99, with a parameter this build does not have.
    let mut json = state_json(&fixture());
    json["fields"]["version"] = "99".into();
    json["params"]["tape_age"] = serde_json::json!({ "f32": 0.5 });
    let mut h = CHANNEL_STRIP.harness();
    // `migrate` sees 99 > 1 and leaves the state as it is (with a warning); nice-plug skips
    // unknown parameter IDs, so the load succeeds and every parameter both builds share is
    // restored.
    assert!(
        h.try_load_state(&state_bytes(&json)),
        "the future state was refused"
    );
    assert_shows_the_v1_settings(&mut h, "future state");
    // `migrate`'s "saved by a newer version" log line (`nice_warn!`) does not reach the host
    // (nice-plug logs through `tracing` with no subscriber), so the plugin says so where the
    // user looks: a note in the session, shown by the editor (checked in `session_state.rs`).
    eprintln!(
        "future state: loaded; {} message(s) logged to the host",
        h.num_logged_warnings()
    );
    h.activate();
    let out = h.process(&stereo_test_signal(h.sample_rate(), 4800), &[]);
    assert!(out.iter().flatten().all(|v| v.is_finite()));
}

#[test]
fn resaving_a_future_state_stamps_this_builds_layout_version() {
    // Both plugins share `shared_plugin::state`; checked on each.
    let mut stamped = Vec::new();
    for plugin in PLUGINS {
        let mut json = state_json(&plugin.harness().save_state());
        assert_eq!(
            layout_version(&json),
            STATE_LAYOUT_VERSION,
            "{}",
            plugin.name
        );
        json["fields"]["version"] = "99".into();
        let mut h = plugin.harness();
        h.load_state(&state_bytes(&json));
        let resaved = state_json(&h.save_state());
        stamped.push((plugin.name, layout_version(&resaved).to_string()));
    }
    // The re-saved states have this build's layout, so they must say so.
    assert!(
        stamped.iter().all(|(_, v)| v == STATE_LAYOUT_VERSION),
        "layout versions re-saved after loading a version-99 state: {stamped:?}"
    );
}

#[test]
fn corrupt_states_are_refused_without_crashing() {
    let good = fixture();
    let body = &good[8..];
    let half = body.len() / 2;
    let truncated_json = {
        // Valid length prefix, JSON cut in half.
        let mut b = (half as u64).to_le_bytes().to_vec();
        b.extend_from_slice(&body[..half]);
        b
    };
    let truncated_stream = good[..8 + half].to_vec(); // the prefix promises more than follows
    let mut garbage_json = good.clone();
    for byte in &mut garbage_json[8..40] {
        *byte = b'#';
    }
    let huge_length = {
        let mut b = u64::MAX.to_le_bytes().to_vec();
        b.extend_from_slice(body);
        b
    };
    let cases: [(&str, &[u8]); 6] = [
        ("truncated JSON", &truncated_json),
        ("truncated stream", &truncated_stream),
        ("garbage JSON", &garbage_json),
        ("huge length prefix", &huge_length),
        ("three bytes", &good[..3]),
        ("empty", &[]),
    ];
    for (what, bytes) in cases {
        // A fresh instance refuses the state (clap_plugin_state::load returns false: nice-plug
        // cannot read the length or parse the JSON, so `filter_state` and no parameter are ever
        // touched) and keeps its defaults.
        let mut h = CHANNEL_STRIP.harness();
        assert!(!h.try_load_state(bytes), "{what}: accepted");
        assert_shows_the_defaults(&mut h, what);
        eprintln!(
            "{what}: refused, {} error(s) logged",
            h.num_logged_warnings()
        );
        // It still works: transparent apart from the latency.
        h.activate();
        let input = stereo_test_signal(h.sample_rate(), 9600);
        let latency = h.latency_samples() as usize;
        let out = h.process(&input, &[]);
        for ch in 0..2 {
            let null = null_db(&out[ch], &delayed(&input[ch], latency));
            assert!(null < -100.0, "{what}: channel {ch} null {null:.1} dB");
        }

        // An instance with settings keeps them: a refused state changes nothing.
        let mut set = CHANNEL_STRIP.harness();
        set.load_state(&good);
        assert!(!set.try_load_state(bytes), "{what}: accepted");
        assert_shows_the_v1_settings(&mut set, what);
    }
}
