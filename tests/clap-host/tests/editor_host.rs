//! Presets, A/B and undo from a real editor reach the host: each plugin's editor is opened in
//! the CLAP host (embedded in an X11 window of this test, under a private Xvfb display), and
//! its preset bar is driven through `LATHE_EDITOR_SCRIPT` (the same code its buttons run).
//! The host must receive every change as a gesture (begin, value, end) through the plugin's
//! output events, see the final values through `clap_plugin_params::get_value`, and find the
//! A/B slots and the preset name in the saved state.
//!
//! Needs `Xvfb` and Mesa's software OpenGL (Debian: xvfb, libgl1-mesa-dri), which
//! `scripts/setup.sh test` installs.

use lathe_clap_host_tests::state::{session_of, state_bytes, state_json};
use lathe_clap_host_tests::{HostEvent, Plugin, PLUGINS};
use std::collections::BTreeMap;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateWindowAux, WindowClass};

/// A private X server, stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        for n in 140..200 {
            if std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                || std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
            {
                continue;
            }
            let display = format!(":{n}");
            let mut child = Command::new("Xvfb")
                .args([&display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("Xvfb is needed for the editor test (Debian: apt install xvfb)");
            let socket = format!("/tmp/.X11-unix/X{n}");
            let start = Instant::now();
            let mut exited = false;
            while start.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = child.try_wait() {
                    // Lost a race for this display number: try the next one.
                    exited = true;
                    break;
                }
                if std::path::Path::new(&socket).exists() {
                    std::thread::sleep(Duration::from_millis(200));
                    return Self { child, display };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            if !exited {
                panic!("Xvfb {display} did not start");
            }
        }
        panic!("no free X display number");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A factory preset as the plugin's data file lists it.
struct Preset {
    name: String,
    /// Parameter ID → value text.
    values: BTreeMap<String, String>,
}

fn first_factory_preset(plugin: &Plugin) -> Preset {
    let path = plugin.crate_dir().join("presets/factory.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let p = &json[0];
    Preset {
        name: p["name"].as_str().unwrap().to_string(),
        values: p["values"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4 * (1.0 + b.abs())
}

#[test]
fn presets_ab_and_undo_from_the_editor_reach_the_host_as_gestures() {
    let xvfb = Xvfb::start();
    // SAFETY: this test binary has this one test; nothing else reads the environment meanwhile.
    unsafe {
        std::env::set_var("DISPLAY", &xvfb.display);
        std::env::set_var("LIBGL_ALWAYS_SOFTWARE", "1");
    }
    let (conn, screen_num) = x11rb::connect(Some(&xvfb.display)).expect("connect to Xvfb");
    let screen = &conn.setup().roots[screen_num];

    for plugin in PLUGINS {
        let preset = first_factory_preset(plugin);
        // The script: switch to B (a copy of A, nothing changes), load the preset into B, undo
        // it (the defaults), redo it (the preset), switch back to A (the defaults).
        let script = format!("ab:swap;preset:{};undo;redo;ab:swap", preset.name);
        // SAFETY: as above.
        unsafe { std::env::set_var("LATHE_EDITOR_SCRIPT", &script) };

        let mut h = plugin.harness();
        // The editor opens at the size and scale saved in the state.
        let mut json = state_json(&h.save_state());
        let geometry = serde_json::json!({"width_pt": 1150.0, "height_pt": 720.0, "zoom": 1.25});
        json["fields"]["editor"] = geometry.to_string().into();
        h.load_state(&state_bytes(&json));
        // What the preset should make the host see: CLAP values of the parameters it changes.
        let rows = plugin.params_table();
        let mut expected = BTreeMap::new();
        for (id, text) in &preset.values {
            let row = rows
                .iter()
                .find(|r| r.id == *id)
                .expect("preset ID in the table");
            let record = h.param(&row.name);
            let value = h
                .text_to_value(record.id, text)
                .expect("preset text parses");
            if !close(value, record.default) {
                expected.insert(record.id, (row.name.clone(), record.default, value));
            }
        }
        assert!(
            !expected.is_empty(),
            "{}: the preset changes nothing",
            plugin.name
        );

        let window = conn.generate_id().unwrap();
        conn.create_window(
            screen.root_depth,
            window,
            screen.root,
            0,
            0,
            1600,
            1000,
            0,
            WindowClass::INPUT_OUTPUT,
            screen.root_visual,
            &CreateWindowAux::new().background_pixel(screen.black_pixel),
        )
        .unwrap();
        conn.map_window(window).unwrap();
        conn.flush().unwrap();

        h.open_editor_x11(window)
            .unwrap_or_else(|e| panic!("{}: {e}", plugin.name));
        let (size, resizable) = h.editor_size().expect("the editor has a size");
        assert_eq!(
            size,
            (1438, 900),
            "{}: 1150 × 720 points at 125 %",
            plugin.name
        );
        assert!(resizable, "{}: the host may resize the editor", plugin.name);
        // Service the host side while the editor runs its script: flush the plugin's output
        // parameter events (as a host does when asked) and collect them.
        let mut events = Vec::new();
        let start = Instant::now();
        let done = |events: &[HostEvent]| {
            expected.keys().all(|id| {
                events
                    .iter()
                    .filter(|e| matches!(e, HostEvent::Value(i, _) if i == id))
                    .count()
                    >= 4
            })
        };
        while start.elapsed() < Duration::from_secs(60) && !done(&events) {
            h.service_main_thread();
            let _ = h.take_flush_request();
            events.extend(h.flush_output_events());
            std::thread::sleep(Duration::from_millis(10));
        }
        // Let anything after the last step arrive, then close the editor.
        std::thread::sleep(Duration::from_millis(700));
        events.extend(h.flush_output_events());
        h.close_editor();
        conn.destroy_window(window).unwrap();
        conn.flush().unwrap();

        for (id, (name, default, value)) in &expected {
            let mine: Vec<&HostEvent> = events
                .iter()
                .filter(|e| match e {
                    HostEvent::Begin(i) | HostEvent::End(i) | HostEvent::Value(i, _) => i == id,
                })
                .collect();
            // Four gestures: the preset, the undo, the redo, the swap back; each begin, value,
            // end.
            assert_eq!(mine.len(), 12, "{}: {name}: {mine:?}", plugin.name);
            for (k, want) in [*value, *default, *value, *default].into_iter().enumerate() {
                assert_eq!(
                    *mine[3 * k],
                    HostEvent::Begin(*id),
                    "{}: {name}",
                    plugin.name
                );
                let HostEvent::Value(_, got) = *mine[3 * k + 1] else {
                    panic!("{}: {name}: {mine:?}", plugin.name)
                };
                assert!(
                    close(got, want),
                    "{}: {name}: gesture {k}: {got} ≠ {want}",
                    plugin.name
                );
                assert_eq!(
                    *mine[3 * k + 2],
                    HostEvent::End(*id),
                    "{}: {name}",
                    plugin.name
                );
            }
            assert!(
                close(h.get_value(*id), *default),
                "{}: {name}: host value",
                plugin.name
            );
        }
        // Nothing the preset leaves alone was touched.
        for e in &events {
            let (HostEvent::Begin(id) | HostEvent::End(id) | HostEvent::Value(id, _)) = e;
            assert!(
                expected.contains_key(id),
                "{}: unexpected change {e:?}",
                plugin.name
            );
        }

        // The host's saved state has A live with the defaults, B holding the preset, and the
        // editor's size and scale as they were.
        let saved = state_json(&h.save_state());
        let editor: serde_json::Value =
            serde_json::from_str(saved["fields"]["editor"].as_str().unwrap()).unwrap();
        assert_eq!(editor, geometry, "{}", plugin.name);
        let session = session_of(&saved);
        assert_eq!(session["slot"], "A", "{}: {session}", plugin.name);
        assert_eq!(session["preset"], "", "{}", plugin.name);
        assert_eq!(
            session["other"]["preset"],
            preset.name.as_str(),
            "{}",
            plugin.name
        );
        let other = session["other"]["values"].as_object().unwrap();
        assert!(
            preset.values.keys().all(|id| other[id].is_number()),
            "{}: B holds every parameter the preset sets: {other:?}",
            plugin.name
        );
        eprintln!(
            "{}: \"{}\" → {} parameters, {} host events in {:.1} s",
            plugin.name,
            preset.name,
            expected.len(),
            events.len(),
            start.elapsed().as_secs_f64()
        );
    }
}
