//! The session's actions against a recording stand-in for the host's context: what reaches
//! the host (begin/set/end per parameter), what the parameters end up at, undo and A/B.

use super::*;
use crate::presets::parse_factory;
use crate::testing::{FakeHost, HostEvent};
use nice_plug::context::gui::GuiContext;

#[derive(Params)]
struct TestParams {
    #[id = "bypass"]
    bypass: BoolParam,
    #[id = "thr"]
    thr: FloatParam,
    #[id = "ratio"]
    ratio: IntParam,
    #[id = "on"]
    on: BoolParam,
    #[id = "out"]
    out: FloatParam,
    #[persist = "session"]
    session: SessionField,
}

impl Default for TestParams {
    fn default() -> Self {
        Self {
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            thr: FloatParam::new(
                "Threshold",
                -10.0,
                FloatRange::Linear {
                    min: -40.0,
                    max: 0.0,
                },
            ),
            ratio: IntParam::new("Ratio", 4, IntRange::Linear { min: 1, max: 20 }),
            on: BoolParam::new("On", false),
            out: FloatParam::new(
                "Output",
                0.0,
                FloatRange::Linear {
                    min: -24.0,
                    max: 24.0,
                },
            ),
            session: new_session_field(),
        }
    }
}

type Event = HostEvent;

fn setup_with(deferred: bool) -> (Arc<TestParams>, Arc<FakeHost>, Recorder) {
    let params = Arc::new(TestParams::default());
    let host = FakeHost::new(params.clone(), deferred);
    let recorder = Recorder::new(
        GuiContext::new(host.clone()),
        params.clone(),
        params.session.clone(),
        HistoriesField::default(),
    );
    (params, host, recorder)
}

fn setup() -> (Arc<TestParams>, Arc<FakeHost>, Recorder) {
    setup_with(false)
}

fn kit() -> PresetKit {
    PresetKit {
        plugin_id: "com.lathe-audio.test",
        folder: "test",
        factory: parse_factory(
            r#"[{"name": "Squash", "description": "Hard.", "values":
                 {"thr": "-30", "ratio": "10", "on": "On", "out": "6"},
                 "expect": {"recording": "x", "level_change_db": [0, 0]}}]"#,
        )
        .unwrap(),
        locked_ids: &["out"],
        lock_label: "Lock output",
    }
}

/// A drag in the editor: begin, a few sets, end.
fn drag(setter: &ParamSetter, param: &FloatParam, to: &[f32]) {
    setter.begin_set_parameter(param);
    for v in to {
        setter.set_parameter(param, *v);
    }
    setter.end_set_parameter(param);
}

#[test]
fn a_preset_reaches_the_host_as_one_gesture_per_changed_parameter() {
    let (params, host, rec) = setup();
    let kit = kit();
    rec.load_factory(&kit, &kit.factory[0]).unwrap();
    assert_eq!(params.thr.value(), -30.0);
    assert_eq!(params.ratio.value(), 10);
    assert!(params.on.value());
    assert_eq!(params.out.value(), 6.0);
    let events = host.events();
    // Four parameters changed: begin, set, end each; the bypass is never touched.
    assert_eq!(events.len(), 12, "{events:?}");
    for chunk in events.chunks(3) {
        let Event::Begin(id) = &chunk[0] else {
            panic!("{chunk:?}")
        };
        assert!(
            matches!(&chunk[1], Event::Set(i, _) if i == id),
            "{chunk:?}"
        );
        assert_eq!(chunk[2], Event::End(id.clone()));
        assert_ne!(id, "bypass");
    }
    assert_eq!(rec.session().preset, "Squash");
    // Loading it again changes nothing, so nothing reaches the host.
    rec.load_factory(&kit, &kit.factory[0]).unwrap();
    assert_eq!(host.events().len(), 12);
}

#[test]
fn the_lock_keeps_the_output_when_a_preset_loads() {
    let (params, _host, rec) = setup();
    let kit = kit();
    drag(&rec.setter(), &params.out, &[-3.0]);
    rec.session().lock = true;
    rec.load_factory(&kit, &kit.factory[0]).unwrap();
    assert_eq!(params.out.value(), -3.0, "locked output kept");
    assert_eq!(params.thr.value(), -30.0, "the rest loads");
    rec.session().lock = false;
    rec.load_factory(&kit, &kit.factory[0]).unwrap();
    assert_eq!(params.out.value(), 6.0, "unlocked: the preset's output");
}

#[test]
fn undo_and_redo_editor_changes_and_preset_loads() {
    let (params, host, rec) = setup();
    let kit = kit();
    let setter = rec.setter();
    drag(&setter, &params.thr, &[-12.0, -15.0, -20.0]);
    drag(&setter, &params.out, &[2.0]);
    rec.load_factory(&kit, &kit.factory[0]).unwrap();
    assert_eq!(rec.history().undo_label(), Some("preset Squash"));

    host.take_events();
    assert_eq!(rec.undo().as_deref(), Some("preset Squash"));
    assert_eq!(
        (params.thr.value(), params.ratio.value(), params.out.value()),
        (-20.0, 4, 2.0)
    );
    assert!(!params.on.value());
    assert_eq!(rec.session().preset, "", "the preset name is undone too");
    // Undo reaches the host through the same gestures, and is not itself recorded.
    assert!(host
        .events()
        .iter()
        .any(|e| *e == Event::Begin("thr".into())));
    assert_eq!(rec.undo().as_deref(), Some("Output"));
    assert_eq!(params.out.value(), 0.0);
    assert_eq!(rec.undo().as_deref(), Some("Threshold"));
    assert_eq!(params.thr.value(), -10.0, "a whole drag is one edit");
    assert_eq!(rec.undo(), None);

    assert_eq!(rec.redo().as_deref(), Some("Threshold"));
    assert_eq!(params.thr.value(), -20.0);
    assert_eq!(rec.redo().as_deref(), Some("Output"));
    // A new edit clears what could be redone.
    drag(&setter, &params.thr, &[-5.0]);
    assert_eq!(rec.history().redo_label(), None);
    assert_eq!(rec.redo(), None);
    assert_eq!(rec.undo().as_deref(), Some("Threshold"));
    assert_eq!(params.thr.value(), -20.0);
}

#[test]
fn a_set_without_a_gesture_and_a_drag_back_to_the_start() {
    let (params, _host, rec) = setup();
    let setter = rec.setter();
    setter.set_parameter(&params.thr, -8.0);
    assert_eq!(rec.history().undo_label(), Some("Threshold"));
    drag(&setter, &params.out, &[5.0, 0.0]);
    assert_eq!(
        rec.history().undo_label(),
        Some("Threshold"),
        "a drag that ends where it began is not an edit"
    );
    rec.undo();
    assert_eq!(params.thr.value(), -10.0);
}

#[test]
fn ab_swap_exchanges_two_full_parameter_sets_through_the_host() {
    let (params, host, rec) = setup();
    let kit = kit();
    let setter = rec.setter();
    drag(&setter, &params.thr, &[-25.0]);
    // The first swap: B starts as a copy of A, so nothing changes.
    rec.ab_swap().unwrap();
    assert_eq!(rec.session().slot, Slot::B);
    assert_eq!(params.thr.value(), -25.0);
    // Edit B, then compare.
    rec.load_factory(&kit, &kit.factory[0]).unwrap();
    host.take_events();
    rec.ab_swap().unwrap();
    assert_eq!(rec.session().slot, Slot::A);
    assert_eq!(
        (params.thr.value(), params.ratio.value(), params.out.value()),
        (-25.0, 4, 0.0)
    );
    assert_eq!(rec.session().preset, "");
    assert_eq!(rec.session().other.as_ref().unwrap().preset, "Squash");
    let events = host.events();
    assert_eq!(
        events.len(),
        12,
        "thr, ratio, on, out change back: {events:?}"
    );
    rec.ab_swap().unwrap();
    assert_eq!(rec.session().slot, Slot::B);
    assert_eq!(
        (params.thr.value(), params.ratio.value(), params.out.value()),
        (-30.0, 10, 6.0)
    );
    assert_eq!(rec.session().preset, "Squash");
    // Copy B into A, then swapping changes nothing.
    rec.ab_copy().unwrap();
    rec.ab_swap().unwrap();
    assert_eq!(
        (params.thr.value(), params.ratio.value(), params.out.value()),
        (-30.0, 10, 6.0)
    );
    // A/B is not an undoable edit, and each slot has its own history: A (live) was overwritten
    // by the copy, so it has none…
    assert_eq!(rec.history().undo_label(), None);
    // …while B still undoes its preset load.
    rec.ab_swap().unwrap();
    assert_eq!(rec.history().undo_label(), Some("preset Squash"));
}

#[test]
fn each_ab_slot_undoes_only_its_own_edits() {
    let (params, _host, rec) = setup();
    let setter = rec.setter();
    drag(&setter, &params.thr, &[-20.0]); // in A
    rec.ab_swap().unwrap(); // B: a copy of A
    drag(&setter, &params.out, &[4.0]); // in B
    rec.ab_swap().unwrap(); // back to A
    assert_eq!(rec.undo().as_deref(), Some("Threshold"));
    assert_eq!((params.thr.value(), params.out.value()), (-10.0, 0.0));
    assert_eq!(rec.undo(), None, "B's edit is not A's to undo");
    rec.ab_swap().unwrap();
    assert_eq!((params.thr.value(), params.out.value()), (-20.0, 4.0));
    assert_eq!(rec.undo().as_deref(), Some("Output"));
    assert_eq!(params.out.value(), 0.0);
}

#[test]
fn actions_see_values_the_host_has_not_applied_yet() {
    // nice-plug's CLAP wrapper changes a parameter only when the host flushes the queued
    // event: two actions in a row must still see each other's result.
    let (params, host, rec) = setup_with(true);
    let kit = kit();
    rec.load_factory(&kit, &kit.factory[0]).unwrap();
    assert_eq!(params.thr.value(), -10.0, "not applied yet");
    assert!(!rec.is_settled());
    rec.ab_swap().unwrap(); // B: a copy of A as the editor set it, not as the host shows it
    rec.ab_swap().unwrap(); // back to A
    host.flush();
    rec.settle();
    assert!(rec.is_settled());
    assert_eq!(
        (params.thr.value(), params.ratio.value(), params.out.value()),
        (-30.0, 10, 6.0)
    );
    let other = rec.session().other.clone().unwrap();
    assert_eq!(other.values["thr"], -30.0, "B holds the preset too");
    // Undo before the host has applied anything still takes the preset back.
    rec.undo().unwrap();
    rec.redo().unwrap();
    rec.undo().unwrap();
    host.flush();
    assert_eq!((params.thr.value(), params.out.value()), (-10.0, 0.0));
    // A user preset saved before a flush holds what the editor set.
    rec.setter().set_parameter(&params.thr, -33.0);
    assert_eq!(rec.snapshot_as(&kit, "x").values["thr"], -33.0);
}

#[test]
fn presets_ab_and_undo_wait_while_a_control_is_dragged() {
    let (params, host, rec) = setup();
    let kit = kit();
    let setter = rec.setter();
    drag(&setter, &params.out, &[3.0]);
    setter.begin_set_parameter(&params.thr);
    setter.set_parameter(&params.thr, -12.0);
    let before = host.events().len();
    assert!(rec.load_factory(&kit, &kit.factory[0]).is_err());
    assert!(rec.ab_swap().is_err());
    assert_eq!(rec.undo(), None);
    assert_eq!(host.events().len(), before, "nothing sent mid-drag");
    setter.end_set_parameter(&params.thr);
    assert_eq!(rec.undo().as_deref(), Some("Threshold"));
}

#[test]
fn a_state_load_starts_fresh_histories() {
    let (params, _host, rec) = setup();
    drag(&rec.setter(), &params.thr, &[-20.0]);
    rec.settle();
    assert_eq!(rec.history().undo_label(), Some("Threshold"));
    // What nice-plug does when the host loads a state: the session is replaced.
    *params.session.lock().unwrap() = Session::default();
    rec.settle();
    assert_eq!(rec.history().undo_label(), None);
}

#[test]
fn user_presets_restore_plain_values_exactly() {
    let (params, _host, rec) = setup();
    let kit = kit();
    let setter = rec.setter();
    drag(&setter, &params.thr, &[-17.123_45]);
    setter.set_parameter(&params.ratio, 7);
    let saved = rec.snapshot_as(&kit, "Mine");
    assert_eq!(saved.values["thr"], -17.123_45);
    assert_eq!(saved.values["ratio"], 7.0);
    assert!(!saved.values.contains_key("bypass"));
    let (params2, _host2, rec2) = setup();
    rec2.load_user(&kit, "Mine", &saved).unwrap();
    assert_eq!(params2.thr.value(), params.thr.value());
    assert_eq!(params2.ratio.value(), 7);
    assert_eq!(rec2.session().preset, "Mine");
    // A preset naming a parameter this version lacks changes nothing and says why.
    let mut newer = saved.clone();
    newer.values.insert("tape_age".into(), 1.0);
    let (params3, host3, rec3) = setup();
    let err = rec3.load_user(&kit, "Mine", &newer).unwrap_err();
    assert!(
        err.contains("tape_age") && err.contains("newer version"),
        "{err}"
    );
    assert!(host3.events().is_empty());
    assert_eq!(params3.thr.value(), -10.0);
}

#[test]
fn the_session_round_trips_and_bad_sessions_load_fresh_with_a_note() {
    let mut s = Session {
        preset: "Drum bus glue".into(),
        slot: Slot::B,
        other: Some(Snapshot {
            preset: "".into(),
            values: [("thr".to_string(), -12.5)].into_iter().collect(),
        }),
        lock: true,
        ..Session::default()
    };
    let text = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Session>(&text).unwrap(), s);
    // Fields added later take their defaults.
    let old: Session = serde_json::from_str(r#"{"preset": "X"}"#).unwrap();
    assert_eq!((old.slot, old.lock, old.other), (Slot::A, false, None));

    let mut state = PluginState {
        version: String::new(),
        params: BTreeMap::new(),
        fields: BTreeMap::new(),
    };
    state.fields.insert(SESSION_FIELD.into(), text.clone());
    filter_session(&mut state, "");
    s.note.clear();
    assert_eq!(
        serde_json::from_str::<Session>(&state.fields[SESSION_FIELD]).unwrap(),
        s
    );

    state
        .fields
        .insert(SESSION_FIELD.into(), "{\"slot\": \"C\"".into());
    filter_session(&mut state, "");
    let fresh: Session = serde_json::from_str(&state.fields[SESSION_FIELD]).unwrap();
    assert_eq!(fresh.slot, Slot::A);
    assert!(fresh.note.contains("could not be read"), "{}", fresh.note);
}

#[test]
fn editor_geometry_restores_and_refuses_nonsense() {
    let saved = EditorGeometry {
        width_pt: 1300.0,
        height_pt: 700.0,
        zoom: 1.5,
    };
    let json = serde_json::to_string(&saved).unwrap();
    let back: EditorGeometry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, saved);
    assert_eq!(
        back.resolve((1000.0, 600.0), (900.0, 500.0)),
        ((1300.0, 700.0), 1.5)
    );
    // Nothing saved (an old state, or an empty record): the layout's default at 100 %.
    let old: EditorGeometry = serde_json::from_str("{}").unwrap();
    assert_eq!(
        old.resolve((1000.0, 600.0), (900.0, 500.0)),
        ((1000.0, 600.0), 1.0)
    );
    // Non-finite, too small or out-of-range values: the nearest usable ones.
    let bad = EditorGeometry {
        width_pt: f32::NAN,
        height_pt: 10.0,
        zoom: 9.0,
    };
    assert_eq!(
        bad.resolve((1000.0, 600.0), (900.0, 500.0)),
        ((1000.0, 500.0), MAX_ZOOM)
    );
}
