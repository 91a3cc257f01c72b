//! Test support shared by the crates' tests: a stand-in for the host behind nice-plug's
//! `GuiContext`, so editors, presets and undo can be driven without a DAW.

use nice_plug::context::gui::GuiContextInner;
use nice_plug::context::PluginApi;
use nice_plug::prelude::*;
use std::sync::{Arc, Mutex};

/// What the host saw from the editor, by parameter ID.
#[derive(Clone, Debug, PartialEq)]
pub enum HostEvent {
    /// `begin_set_parameter`.
    Begin(String),
    /// `set_parameter_normalized` with the normalized value.
    Set(String, f32),
    /// `end_set_parameter`.
    End(String),
}

impl HostEvent {
    /// The parameter ID the event is about.
    pub fn id(&self) -> &str {
        match self {
            HostEvent::Begin(id) | HostEvent::Set(id, _) | HostEvent::End(id) => id,
        }
    }
}

/// Records the calls and, like a host, makes each set value the parameter's value: at once,
/// or (`deferred`) only at [`FakeHost::flush`], as nice-plug's CLAP wrapper does.
pub struct FakeHost {
    params: Arc<dyn Params>,
    events: Mutex<Vec<HostEvent>>,
    deferred: bool,
    queue: Mutex<Vec<(ParamPtr, f32)>>,
}

// SAFETY (test support): the queued pointers point into `params`, which the host keeps alive.
unsafe impl Send for FakeHost {}
unsafe impl Sync for FakeHost {}

impl FakeHost {
    /// A host for `params` that applies values at once (`deferred == false`) or at
    /// [`FakeHost::flush`].
    pub fn new(params: Arc<dyn Params>, deferred: bool) -> Arc<Self> {
        Arc::new(Self {
            params,
            events: Mutex::new(Vec::new()),
            deferred,
            queue: Mutex::new(Vec::new()),
        })
    }

    fn id(&self, param: ParamPtr) -> String {
        self.params
            .param_map()
            .into_iter()
            .find(|(_, p, _)| *p == param)
            .map(|(id, _, _)| id)
            .unwrap_or_else(|| "<unknown parameter>".into())
    }

    /// Applies the queued values (a host's flush).
    pub fn flush(&self) {
        for (param, v) in self.queue.lock().unwrap().drain(..) {
            // SAFETY: the pointer comes from `params`, which this host keeps alive.
            unsafe { param._internal_set_normalized_value(v) };
        }
    }

    /// The events recorded so far.
    pub fn events(&self) -> Vec<HostEvent> {
        self.events.lock().unwrap().clone()
    }

    /// Takes the events recorded so far.
    pub fn take_events(&self) -> Vec<HostEvent> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }

    /// The IDs of the parameters the events touched, each once, in order of first touch.
    pub fn touched(events: &[HostEvent]) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for e in events {
            if !ids.iter().any(|i| i == e.id()) {
                ids.push(e.id().to_string());
            }
        }
        ids
    }
}

impl GuiContextInner for FakeHost {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        let id = self.id(param);
        self.events.lock().unwrap().push(HostEvent::Begin(id));
    }
    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        let id = self.id(param);
        self.events
            .lock()
            .unwrap()
            .push(HostEvent::Set(id, normalized));
        if self.deferred {
            self.queue.lock().unwrap().push((param, normalized));
        } else {
            // SAFETY: the pointer comes from `params`, which this host keeps alive.
            unsafe { param._internal_set_normalized_value(normalized) };
        }
    }
    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        let id = self.id(param);
        self.events.lock().unwrap().push(HostEvent::End(id));
    }
    fn get_state(&self) -> PluginState {
        PluginState {
            version: String::new(),
            params: Default::default(),
            fields: Default::default(),
        }
    }
    fn set_state(&self, _state: PluginState) {}
    fn request_restart(&self) {}
}

/// Checks that a plugin's engine settings at its defaults survive a host's normalised round
/// trip: every float parameter set to its normalised default moved by -4…+4 float steps (as
/// Ardour gives it back) yields exactly the settings of the defaults. `settings` reads the
/// engine's settings from the parameters. Panics with the parameter that moved them.
pub fn check_defaults_survive_normalised_round_trip<P, S>(settings: impl Fn(&P) -> S)
where
    P: Params + Default,
    S: PartialEq + std::fmt::Debug,
{
    let want = settings(&P::default());
    let params = P::default();
    for (id, ptr, _) in params.param_map() {
        // SAFETY: the pointer points into `params`, alive for the whole loop.
        let (default, steps) = unsafe { (ptr.default_normalized_value(), ptr.step_count()) };
        if steps.is_some() {
            continue;
        }
        for k in [-4i32, -1, 1, 4] {
            let moved =
                f32::from_bits((default.to_bits() as i32 + k).max(0) as u32).clamp(0.0, 1.0);
            // SAFETY: as above; a host sets parameters this way between blocks.
            unsafe { ptr._internal_set_normalized_value(moved) };
            let got = settings(&params);
            assert_eq!(
                got, want,
                "{id}: normalised default {default} given back as {moved} changes the settings"
            );
        }
        // SAFETY: as above.
        unsafe { ptr._internal_set_normalized_value(default) };
    }
}
