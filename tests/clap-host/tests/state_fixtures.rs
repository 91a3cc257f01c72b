//! Every plugin's saved-state versioning, through the CLAP state extension: committed fixtures
//! of states that earlier builds saved must load with the same parameters in every later build.
//!
//! `fixtures/<crate>_v1.state` holds the exact bytes a plugin saved with state layout version 1
//! (before presets, A/B and the lock existed) and the settings listed in [`FIXTURES`];
//! `fixtures/<crate>_v2.state` the same settings saved by layout 2, with a session comparing
//! A/B ([`v2_session`]). Never regenerate a fixture to make a test pass; a new layout version
//! gets a new fixture beside the old ones. (The channel strip's version-1 fixture and its tests
//! are in `channel_strip_state.rs`.)

use lathe_clap_host_tests::signal::stereo_test_signal;
use lathe_clap_host_tests::state::{layout_version, state_bytes, state_json};
use lathe_clap_host_tests::{
    Harness, Plugin, BUS_COMPRESSOR, CHANNEL_STRIP, MASTERING_LIMITER, SPECTRAL_REPAIR,
    STATE_LAYOUT_VERSION,
};
use std::path::PathBuf;

/// (parameter, typed text, text the plugin shows afterwards).
type Setting = (&'static str, &'static str, &'static str);

/// A plugin's fixtures and the settings saved in them.
struct Fixture {
    plugin: &'static Plugin,
    /// The layout versions it has a fixture of.
    versions: &'static [u32],
    settings: &'static [Setting],
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        plugin: &CHANNEL_STRIP,
        versions: &[2],
        settings: &[
            ("HPF On", "On", "On"),
            ("HPF Freq", "95 Hz", "95.0 Hz"),
            ("EQ 3 Gain", "2.5 dB", "2.5 dB"),
            ("Comp On", "On", "On"),
            ("Comp Threshold", "-20 dB", "-20.0 dB"),
            ("Output Gain", "-1 dB", "-1.00 dB"),
        ],
    },
    Fixture {
        plugin: &BUS_COMPRESSOR,
        versions: &[1, 2],
        settings: &[
            ("Threshold", "-20 dB", "-20.0 dB"),
            ("Classic Ratio", "2:1", "2:1"),
            ("Classic Attack", "30 ms", "30 ms"),
            ("Classic Release", "0.3 s", "0.3 s"),
            ("Mix", "60 %", "60 %"),
            ("Sidechain HPF", "90 Hz", "90.0 Hz"),
            ("Makeup", "3 dB", "3.0 dB"),
            ("Output Gain", "-1.5 dB", "-1.50 dB"),
        ],
    },
    Fixture {
        plugin: &MASTERING_LIMITER,
        versions: &[1, 2],
        settings: &[
            ("Input Gain", "6 dB", "6.0 dB"),
            ("Ceiling", "-0.3 dBTP", "-0.3 dBTP"),
            ("Lookahead", "3 ms", "3.00 ms"),
            ("Release", "250 ms", "250 ms"),
            ("Oversampling", "8x", "8x"),
            ("Dither", "TPDF", "TPDF"),
            ("Dither Bits", "16 bit", "16 bit"),
            ("DC Filter", "On", "On"),
            ("Target", "Apple Music", "Apple Music"),
        ],
    },
    Fixture {
        plugin: &SPECTRAL_REPAIR,
        versions: &[1, 2],
        settings: &[
            ("Mix", "80 %", "80 %"),
            ("Output Gain", "-2 dB", "-2.00 dB"),
            ("De-click", "On", "On"),
            ("De-click Sensitivity", "70 %", "70 %"),
            ("De-hum", "On", "On"),
            ("De-hum Base", "60 Hz", "60 Hz"),
            ("De-noise", "On", "On"),
            ("De-noise Reduction", "18 dB", "18.0 dB"),
        ],
    },
];

fn fixture_path(plugin: &Plugin, version: u32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("fixtures/{}_v{version}.state", plugin.crate_name))
}

/// Asserts that `h` shows the fixture's settings and the default for everything else.
fn assert_shows(h: &mut Harness, f: &Fixture, what: &str) {
    for (name, _, shown) in f.settings {
        assert_eq!(
            h.current_text(name),
            *shown,
            "{}: {what}: {name}",
            f.plugin.name
        );
    }
    for row in f.plugin.params_table() {
        if f.settings.iter().all(|(name, _, _)| *name != row.name) {
            let default = format!("{}{}", row.default_text, row.unit);
            assert_eq!(
                h.current_text(&row.name),
                default,
                "{}: {what}: {} (untouched)",
                f.plugin.name,
                row.name
            );
        }
    }
}

/// The session written into the version-2 fixtures: B live on a factory preset, A's set (one
/// parameter) in the other slot, the lock on.
fn v2_session() -> serde_json::Value {
    serde_json::json!({
        "preset": "Fixture preset",
        "slot": "B",
        "other": { "preset": "", "values": {} },
        "lock": true,
        "note": ""
    })
}

/// Writes the fixtures of this build's layout version (`LATHE_WRITE_STATE_FIXTURE=<version>`,
/// which must be this build's): only for creating them, by hand, when a layout version is
/// released: `LATHE_WRITE_STATE_FIXTURE=2 cargo test --release -p lathe-clap-host-tests --test
/// state_fixtures -- --ignored write_`. Prints the shown texts to fill [`FIXTURES`].
#[test]
#[ignore = "writes fixtures/<crate>_v<N>.state; run by hand only to create them"]
fn write_fixtures() {
    let Some(version) = std::env::var_os("LATHE_WRITE_STATE_FIXTURE") else {
        return;
    };
    let version: u32 = version.to_str().unwrap().parse().unwrap();
    assert_eq!(
        version.to_string(),
        STATE_LAYOUT_VERSION,
        "only this build's layout"
    );
    for f in FIXTURES.iter().filter(|f| f.versions.contains(&version)) {
        let mut h = f.plugin.harness();
        let changes: Vec<_> = f
            .settings
            .iter()
            .map(|(name, typed, _)| h.change_from_text(name, typed))
            .collect();
        h.flush_inactive(&changes);
        for (name, typed, _) in f.settings {
            println!(
                "{}: (\"{name}\", \"{typed}\", \"{}\")",
                f.plugin.name,
                h.current_text(name)
            );
        }
        let mut json = state_json(&h.save_state());
        assert_eq!(layout_version(&json), STATE_LAYOUT_VERSION);
        json["fields"]["session"] = v2_session().to_string().into();
        let mut loaded = f.plugin.harness();
        loaded.load_state(&state_bytes(&json));
        std::fs::write(fixture_path(f.plugin, version), loaded.save_state()).unwrap();
    }
}

#[test]
fn every_fixture_loads_every_setting() {
    for f in FIXTURES {
        for &version in f.versions {
            let bytes =
                std::fs::read(fixture_path(f.plugin, version)).expect("the fixture is committed");
            assert_eq!(layout_version(&state_json(&bytes)), version.to_string());
            // Into an inactive instance (a host opening a session)…
            let mut h = f.plugin.harness();
            h.load_state(&bytes);
            assert_shows(&mut h, f, "loaded inactive");
            h.activate();
            assert_shows(&mut h, f, "after activation");
            let out = h.process(&stereo_test_signal(h.sample_rate(), 9600), &[]);
            assert!(
                out.iter().flatten().all(|v| v.is_finite()),
                "{}",
                f.plugin.name
            );
            // …and into an active one (a host loading a preset while playing).
            let mut active = f.plugin.active_harness();
            active.load_state(&bytes);
            assert_shows(&mut active, f, "loaded active");
            // Saving again keeps every parameter.
            let resaved = state_json(&h.save_state());
            assert_eq!(
                resaved["params"],
                state_json(&bytes)["params"],
                "{}: re-saved parameters",
                f.plugin.name
            );
            assert_eq!(layout_version(&resaved), STATE_LAYOUT_VERSION);
            let session: serde_json::Value =
                serde_json::from_str(resaved["fields"]["session"].as_str().unwrap()).unwrap();
            if version >= 2 {
                assert_eq!(
                    session,
                    v2_session(),
                    "{}: v{version} session",
                    f.plugin.name
                );
            } else {
                assert_eq!(
                    session["slot"], "A",
                    "{}: a v1 state has no session",
                    f.plugin.name
                );
                assert_eq!(session["other"], serde_json::Value::Null);
            }
        }
    }
}
