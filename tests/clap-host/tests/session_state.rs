//! The session every plugin saves beside its parameters (the loaded preset's name, the A/B
//! compare with the other slot's full parameter set, the lock, and the note the editor shows
//! after a load), through the CLAP state extension: it survives a save/load round trip into a
//! fresh instance; a state from a newer version, or one whose session is damaged, loads its
//! parameters and leaves a note in words.

use lathe_clap_host_tests::signal::stereo_test_signal;
use lathe_clap_host_tests::state::{session_of, state_bytes, state_json};
use lathe_clap_host_tests::{Plugin, PLUGINS, STATE_LAYOUT_VERSION};

/// A session as an editor leaves it after loading a preset into B and keeping A's settings in
/// the other slot, with the lock on.
fn compared_session(plugin: &Plugin) -> serde_json::Value {
    // The other slot holds the first non-bypass parameter at a non-default plain value.
    let row = plugin
        .params_table()
        .into_iter()
        .find(|r| !r.bypass && r.kind == "float")
        .expect("a float parameter");
    serde_json::json!({
        "preset": "Factory preset name",
        "slot": "B",
        "other": { "preset": "My own", "values": { row.id: row.min_text.parse::<f64>().unwrap() } },
        "lock": true,
        "note": ""
    })
}

#[test]
fn ab_slots_preset_name_and_lock_survive_a_host_state_round_trip() {
    for plugin in PLUGINS {
        let mut json = state_json(&plugin.harness().save_state());
        assert_eq!(
            json["fields"]["version"], STATE_LAYOUT_VERSION,
            "{}",
            plugin.name
        );
        let fresh = session_of(&json);
        assert_eq!(
            fresh["slot"], "A",
            "{}: a new instance is on A",
            plugin.name
        );
        assert_eq!(fresh["other"], serde_json::Value::Null);

        let session = compared_session(plugin);
        json["fields"]["session"] = session.to_string().into();
        let mut h = plugin.harness();
        h.load_state(&state_bytes(&json));
        let saved = h.save_state();
        assert_eq!(
            session_of(&state_json(&saved)),
            session,
            "{}: first round trip",
            plugin.name
        );
        // Into a fresh, active instance, and out again.
        let mut again = plugin.active_harness();
        again.load_state(&saved);
        assert_eq!(
            session_of(&state_json(&again.save_state())),
            session,
            "{}: second round trip",
            plugin.name
        );
    }
}

#[test]
fn a_newer_state_loads_and_leaves_a_note_in_words() {
    for plugin in PLUGINS {
        let mut json = state_json(&plugin.harness().save_state());
        json["fields"]["version"] = "99".into();
        json["fields"]["session"] = compared_session(plugin).to_string().into();
        json["fields"]["tape_age"] = "\"very\"".into();
        let mut h = plugin.harness();
        assert!(
            h.try_load_state(&state_bytes(&json)),
            "{}: refused",
            plugin.name
        );
        let resaved = state_json(&h.save_state());
        let session = session_of(&resaved);
        let note = session["note"].as_str().unwrap();
        assert!(
            note.contains("newer version of Lathe") && note.contains("99"),
            "{}: note {note:?}",
            plugin.name
        );
        assert_eq!(session["preset"], "Factory preset name", "{}", plugin.name);
        assert_eq!(resaved["fields"]["version"], STATE_LAYOUT_VERSION);
        h.activate();
        let out = h.process(&stereo_test_signal(h.sample_rate(), 4800), &[]);
        assert!(
            out.iter().flatten().all(|v| v.is_finite()),
            "{}",
            plugin.name
        );

        // Loading a state of this version clears the note.
        let mut current = state_json(&plugin.harness().save_state());
        current["fields"]["session"] = compared_session(plugin).to_string().into();
        h.load_state(&state_bytes(&current));
        assert_eq!(
            session_of(&state_json(&h.save_state()))["note"],
            "",
            "{}",
            plugin.name
        );
    }
}

#[test]
fn a_damaged_session_loads_the_parameters_and_a_fresh_session_with_a_note() {
    for plugin in PLUGINS {
        let row = plugin
            .params_table()
            .into_iter()
            .find(|r| !r.bypass && r.kind == "float")
            .unwrap();
        let mut h = plugin.harness();
        let change = h.change(&row.name, 0.0);
        h.flush_inactive(&[change]);
        let shown = h.current_text(&row.name);
        let mut json = state_json(&h.save_state());
        json["fields"]["session"] = "{\"slot\": \"C\", \"oth".into();
        let mut loaded = plugin.harness();
        assert!(
            loaded.try_load_state(&state_bytes(&json)),
            "{}: refused",
            plugin.name
        );
        assert_eq!(
            loaded.current_text(&row.name),
            shown,
            "{}: parameters load",
            plugin.name
        );
        let session = session_of(&state_json(&loaded.save_state()));
        assert_eq!(session["slot"], "A", "{}", plugin.name);
        assert!(
            session["note"]
                .as_str()
                .unwrap()
                .contains("could not be read"),
            "{}: {session}",
            plugin.name
        );
    }
}
