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
