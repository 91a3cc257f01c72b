//! "Save as default": a new instance starts from the user's default preset, found in the
//! platform's config directory (`$XDG_CONFIG_HOME/lathe/presets/<plugin>/.default.json`); a
//! damaged default leaves the factory defaults and a note, and never stops the plugin loading.
//! One test in its own binary, because it points `XDG_CONFIG_HOME` at a directory of its own.

use lathe_clap_host_tests::state::{session_of, state_json};
use lathe_clap_host_tests::{BUS_COMPRESSOR, MASTERING_LIMITER};

fn session(h: &mut lathe_clap_host_tests::Harness) -> serde_json::Value {
    session_of(&state_json(&h.save_state()))
}

#[test]
fn new_instances_start_from_the_users_default_preset() {
    let config = std::env::temp_dir().join(format!("lathe-user-default-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&config);
    // SAFETY: this binary has this one test; nothing else reads the environment meanwhile.
    unsafe { std::env::set_var("XDG_CONFIG_HOME", &config) };

    // No default saved: the factory defaults.
    let mut h = BUS_COMPRESSOR.harness();
    assert_eq!(h.current_text("Threshold"), "-10.0 dB");
    assert_eq!(session(&mut h)["preset"], "");

    // A default saved by the editor's "Save as default" (the user preset file format).
    let dir = config.join("lathe/presets/bus-compressor");
    std::fs::create_dir_all(&dir).unwrap();
    let default = serde_json::json!({
        "format": "lathe-preset", "format_version": 1,
        "plugin": "com.lathe-audio.bus-compressor", "name": "Default", "description": "",
        "values": { "thr": -25.5, "mix": 0.7, "c_ratio": 0.0 }
    });
    std::fs::write(dir.join(".default.json"), default.to_string()).unwrap();
    let mut h = BUS_COMPRESSOR.harness();
    assert_eq!(h.current_text("Threshold"), "-25.5 dB");
    assert_eq!(h.current_text("Mix"), "70 %");
    assert_eq!(h.current_text("Classic Ratio"), "2:1");
    assert_eq!(
        h.current_text("Output Gain"),
        "0.00 dB",
        "unlisted: factory default"
    );
    assert_eq!(session(&mut h)["preset"], "Default");
    // Another plugin's folder is its own.
    let mut limiter = MASTERING_LIMITER.harness();
    assert_eq!(limiter.current_text("Ceiling"), "-1.0 dBTP");

    // A state the host restores still wins over the default.
    let mut fresh_state = {
        let _ = std::fs::rename(dir.join(".default.json"), dir.join("saved.json.off"));
        let mut f = BUS_COMPRESSOR.harness();
        let s = f.save_state();
        let _ = std::fs::rename(dir.join("saved.json.off"), dir.join(".default.json"));
        s
    };
    let mut restored = BUS_COMPRESSOR.harness();
    restored.load_state(&fresh_state);
    assert_eq!(restored.current_text("Threshold"), "-10.0 dB");
    fresh_state.clear();

    // Damaged or future defaults: factory defaults, a note, and the plugin runs.
    for (what, text) in [
        (
            "damaged",
            "{\"format\": \"lathe-preset\", \"format_version\": 1, \"plug".to_string(),
        ),
        (
            "future",
            default
                .to_string()
                .replace("\"format_version\":1", "\"format_version\":7"),
        ),
    ] {
        std::fs::write(dir.join(".default.json"), &text).unwrap();
        let mut h = BUS_COMPRESSOR.harness();
        assert_eq!(h.current_text("Threshold"), "-10.0 dB", "{what}");
        let note = session(&mut h)["note"].as_str().unwrap().to_string();
        assert!(
            note.starts_with("Default preset not used"),
            "{what}: {note:?}"
        );
        eprintln!("{what} default: {note}");
        h.activate();
        let out = h.process(
            &lathe_clap_host_tests::signal::stereo_test_signal(48_000.0, 4800),
            &[],
        );
        assert!(out.iter().flatten().all(|v| v.is_finite()));
    }
    let _ = std::fs::remove_dir_all(&config);
}
