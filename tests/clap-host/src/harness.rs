//! One plugin instance driven like a host drives it: parameters by text and by value,
//! audio with sample-accurate parameter events, state save and load, latency, ports.

use clack_extensions::audio_ports::{AudioPortFlags, AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::gui::{GuiApiType, GuiConfiguration, PluginGui, Window};
use clack_extensions::latency::PluginLatency;
use clack_extensions::params::{ParamInfoBuffer, ParamInfoFlags, PluginParams};
use clack_extensions::state::PluginState;
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use std::ffi::{CStr, CString};
use std::sync::atomic::Ordering;

use crate::host::{HostEvent, TestHost, TestHostMainThread, TestHostShared};

/// One parameter as the plugin describes it through `clap_plugin_params::get_info`.
#[derive(Debug, Clone)]
pub struct ParamRecord {
    /// CLAP parameter ID (nice-plug uses a hash of the string ID).
    pub id: ClapId,
    /// Display name.
    pub name: String,
    /// Module path (nice-plug puts the parameter group here).
    pub module: String,
    /// Minimum CLAP value.
    pub min: f64,
    /// Maximum CLAP value.
    pub max: f64,
    /// Default CLAP value.
    pub default: f64,
    /// `CLAP_PARAM_IS_STEPPED` is set.
    pub stepped: bool,
    /// `CLAP_PARAM_IS_BYPASS` is set.
    pub bypass: bool,
}

/// One audio port as the plugin describes it through `clap_plugin_audio_ports::get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// Display name.
    pub name: String,
    /// Number of channels.
    pub channels: u32,
    /// `CLAP_AUDIO_PORT_IS_MAIN` is set.
    pub is_main: bool,
}

/// A parameter change to deliver while processing.
#[derive(Debug, Clone, Copy)]
pub struct ParamChange {
    /// Sample time, counted from the start of the signal passed to [`Harness::process`].
    pub time: u32,
    /// CLAP parameter ID.
    pub id: ClapId,
    /// CLAP value (for nice-plug: normalised 0–1, or 0–step count for stepped parameters).
    pub value: f64,
}

impl ParamChange {
    /// The same change at another sample time.
    pub fn at(self, time: u32) -> Self {
        Self { time, ..self }
    }

    /// The CLAP event for a block starting at `block_start`.
    fn event(&self, block_start: u32) -> ParamValueEvent {
        ParamValueEvent::new(
            self.time.saturating_sub(block_start),
            self.id,
            Pckn::match_all(),
            self.value,
        )
    }
}

/// A plugin instance with its processor and the host-side buffers: one buffer per channel of
/// every audio port the plugin declares (a host must connect every port: nice-plug reads the
/// auxiliary ports' buffers unconditionally). The tests feed a stereo main input and,
/// optionally, a stereo key into the first auxiliary input (the sidechain); every other input
/// port gets silence.
pub struct Harness {
    instance: PluginInstance<TestHost>,
    processor: Option<StartedPluginAudioProcessor<TestHost>>,
    params: PluginParams,
    sample_rate: f64,
    max_frames: usize,
    input_ports: AudioPorts,
    output_ports: AudioPorts,
    /// Host buffers, `[port][channel][frame]`, sized at activation from the audio-ports
    /// extension.
    input_buffers: Vec<Vec<Vec<f32>>>,
    output_buffers: Vec<Vec<Vec<f32>>>,
    output_events: EventBuffer,
    steady_time: u64,
    num_restarts: u32,
}

impl Harness {
    /// Instantiates the plugin `plugin_id` from `entry` without activating it.
    pub fn new(entry: &PluginEntry, plugin_id: &CStr, sample_rate: f64, max_frames: usize) -> Self {
        let host_info = HostInfo::new(
            "Lathe host tests",
            "Lathe developers",
            "https://github.com/lathe-audio/lathe",
            env!("CARGO_PKG_VERSION"),
        )
        .expect("host info");
        let mut instance = PluginInstance::<TestHost>::new(
            |_| TestHostShared::default(),
            |_| TestHostMainThread::default(),
            entry,
            plugin_id,
            &host_info,
        )
        .expect("instantiating the plugin failed");
        let params = instance
            .plugin_handle()
            .get_extension::<PluginParams>()
            .expect("plugin does not implement the params extension");
        Self {
            instance,
            processor: None,
            params,
            sample_rate,
            max_frames,
            input_ports: AudioPorts::with_capacity(8, 4),
            output_ports: AudioPorts::with_capacity(8, 4),
            input_buffers: Vec::new(),
            output_buffers: Vec::new(),
            output_events: EventBuffer::with_capacity(256),
            steady_time: 0,
            num_restarts: 0,
        }
    }

    /// The sample rate the plugin is activated at.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Activates the plugin and starts processing, then honours restart requests the way a host
    /// does (nice-plug asks for one right after the first activation, to report its latency).
    pub fn activate(&mut self) {
        self.activate_once();
        for _ in 0..3 {
            if !self.take_restart_request() {
                return;
            }
            self.num_restarts += 1;
            self.deactivate();
            self.activate_once();
        }
        panic!("the plugin keeps requesting restarts");
    }

    /// Restarts the host performed on the plugin's request.
    pub fn num_restarts(&self) -> u32 {
        self.num_restarts
    }

    /// Services a pending restart request the way a host does between blocks (deactivate,
    /// reactivate; nice-plug asks for one when its latency changes while active and reports the
    /// change to the host in the reactivation). Returns whether there was one.
    pub fn service_restart_request(&mut self) -> bool {
        self.service_main_thread();
        if !self.take_restart_request() {
            return false;
        }
        self.num_restarts += 1;
        self.deactivate();
        self.activate();
        true
    }

    fn activate_once(&mut self) {
        assert!(self.processor.is_none(), "already active");
        let (inputs, outputs) = self.audio_ports();
        let buffers = |ports: &[PortInfo]| -> Vec<Vec<Vec<f32>>> {
            ports
                .iter()
                .map(|p| vec![vec![0.0; self.max_frames]; p.channels as usize])
                .collect()
        };
        self.input_buffers = buffers(&inputs);
        self.output_buffers = buffers(&outputs);
        let config = PluginAudioConfiguration {
            sample_rate: self.sample_rate,
            min_frames_count: 1,
            max_frames_count: self.max_frames as u32,
        };
        let stopped = self
            .instance
            .activate(|_, _| (), config)
            .expect("activating the plugin failed");
        self.service_main_thread();
        let started = stopped
            .start_processing()
            .expect("starting processing failed");
        self.processor = Some(started);
    }

    /// Stops processing and deactivates the plugin.
    pub fn deactivate(&mut self) {
        if let Some(started) = self.processor.take() {
            let stopped = started.stop_processing();
            self.instance.deactivate(stopped);
        }
        self.service_main_thread();
    }

    /// Whether the plugin is currently active.
    pub fn is_active(&self) -> bool {
        self.processor.is_some()
    }

    /// Runs `on_main_thread` when the plugin asked for it (nice-plug posts GUI-thread tasks such as
    /// latency and parameter notifications this way).
    pub fn service_main_thread(&mut self) {
        let requested = self
            .instance
            .access_shared_handler(|h| h.callback_requested.swap(false, Ordering::SeqCst));
        if requested {
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Whether the plugin has requested a restart since the last call (clears the flag).
    pub fn take_restart_request(&self) -> bool {
        self.instance
            .access_shared_handler(|h| h.restart_requested.swap(false, Ordering::SeqCst))
    }

    /// Number of warnings/errors the plugin logged through the host.
    pub fn num_logged_warnings(&self) -> usize {
        self.instance
            .access_shared_handler(|h| h.num_warnings.load(Ordering::SeqCst))
    }

    /// Times the plugin notified the host that its latency changed.
    pub fn num_latency_changes(&self) -> u32 {
        self.instance
            .access_handler(|h| h.num_latency_changes.get())
    }

    /// The latency the plugin reports through the latency extension, in samples.
    pub fn latency_samples(&mut self) -> u32 {
        let handle = self.instance.plugin_handle();
        let latency = handle
            .get_extension::<PluginLatency>()
            .expect("plugin does not implement the latency extension");
        latency.get(&handle)
    }

    /// (input, output) audio ports, in the plugin's order (the main port first).
    pub fn audio_ports(&mut self) -> (Vec<PortInfo>, Vec<PortInfo>) {
        let handle = self.instance.plugin_handle();
        let ports = handle
            .get_extension::<PluginAudioPorts>()
            .expect("plugin does not implement the audio-ports extension");
        let mut buffer = AudioPortInfoBuffer::new();
        let mut infos = |is_input: bool| -> Vec<PortInfo> {
            (0..ports.count(&handle, is_input))
                .map(|i| {
                    let info = ports
                        .get(&handle, i, is_input, &mut buffer)
                        .expect("audio port info");
                    PortInfo {
                        name: String::from_utf8_lossy(info.name).into_owned(),
                        channels: info.channel_count,
                        is_main: info.flags.contains(AudioPortFlags::IS_MAIN),
                    }
                })
                .collect()
        };
        (infos(true), infos(false))
    }

    /// (input, output) channel counts of every audio port.
    pub fn audio_port_channels(&mut self) -> (Vec<u32>, Vec<u32>) {
        let (inputs, outputs) = self.audio_ports();
        let channels = |ports: Vec<PortInfo>| ports.iter().map(|p| p.channels).collect();
        (channels(inputs), channels(outputs))
    }

    /// Every parameter's info, in the plugin's order.
    pub fn param_infos(&mut self) -> Vec<ParamRecord> {
        let handle = self.instance.plugin_handle();
        let count = self.params.count(&handle);
        let mut buffer = ParamInfoBuffer::new();
        (0..count)
            .map(|i| {
                let info = self
                    .params
                    .get_info(&handle, i, &mut buffer)
                    .unwrap_or_else(|| panic!("get_info({i}) failed"));
                ParamRecord {
                    id: info.id,
                    name: String::from_utf8_lossy(info.name).into_owned(),
                    module: String::from_utf8_lossy(info.module).into_owned(),
                    min: info.min_value,
                    max: info.max_value,
                    default: info.default_value,
                    stepped: info.flags.contains(ParamInfoFlags::IS_STEPPED),
                    bypass: info.flags.contains(ParamInfoFlags::IS_BYPASS),
                }
            })
            .collect()
    }

    /// The parameter with display name `name`.
    pub fn param(&mut self, name: &str) -> ParamRecord {
        self.param_infos()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter named {name:?}"))
    }

    /// The text the plugin shows for the current value of the parameter named `name`.
    pub fn current_text(&mut self, name: &str) -> String {
        let id = self.param(name).id;
        let value = self.get_value(id);
        self.value_to_text(id, value)
    }

    /// The text the plugin shows for the value it parses from `typed` (e.g. `"-3.5 dB"` →
    /// `"-3.50 dB"`) for the parameter named `name`.
    pub fn canonical_text(&mut self, name: &str, typed: &str) -> String {
        let id = self.param(name).id;
        let value = self
            .text_to_value(id, typed)
            .unwrap_or_else(|| panic!("plugin cannot parse {typed:?} for {name:?}"));
        self.value_to_text(id, value)
    }

    /// Current CLAP value of a parameter.
    pub fn get_value(&mut self, id: ClapId) -> f64 {
        let handle = self.instance.plugin_handle();
        self.params
            .get_value(&handle, id)
            .expect("get_value failed")
    }

    /// The plugin's text for a CLAP value of a parameter (`clap_plugin_params::value_to_text`).
    pub fn value_to_text(&mut self, id: ClapId, value: f64) -> String {
        let handle = self.instance.plugin_handle();
        let mut buffer = [0u8; 256];
        let text = self
            .params
            .value_to_text(&handle, id, value, &mut buffer)
            .expect("value_to_text failed");
        String::from_utf8_lossy(text).into_owned()
    }

    /// The CLAP value the plugin parses from `text` (`clap_plugin_params::text_to_value`).
    pub fn text_to_value(&mut self, id: ClapId, text: &str) -> Option<f64> {
        let handle = self.instance.plugin_handle();
        let text = CString::new(text).expect("no NUL in text");
        self.params.text_to_value(&handle, id, &text)
    }

    /// A parameter change at sample 0 setting the parameter named `name` to the value the
    /// plugin parses from `text` (e.g. `"6 dB"`), the way a host turns typed text into automation.
    pub fn change_from_text(&mut self, name: &str, text: &str) -> ParamChange {
        let param = self.param(name);
        let value = self
            .text_to_value(param.id, text)
            .unwrap_or_else(|| panic!("plugin cannot parse {text:?} for {name:?}"));
        ParamChange {
            time: 0,
            id: param.id,
            value,
        }
    }

    /// A parameter change at sample 0 setting the parameter named `name` to a raw CLAP value.
    pub fn change(&mut self, name: &str, value: f64) -> ParamChange {
        ParamChange {
            time: 0,
            id: self.param(name).id,
            value,
        }
    }

    /// Sends parameter changes through `clap_plugin_params::flush` while the plugin is inactive
    /// (their times are ignored).
    pub fn flush_inactive(&mut self, changes: &[ParamChange]) {
        let mut input = EventBuffer::with_capacity(changes.len());
        for c in changes {
            input.push(&c.event(0));
        }
        let mut output = EventBuffer::new();
        let mut handle = self
            .instance
            .inactive_plugin_handle()
            .expect("flush_inactive needs an inactive plugin");
        self.params.flush(
            &mut handle,
            &InputEvents::from_buffer(&input),
            &mut OutputEvents::from_buffer(&mut output),
        );
    }

    /// Opens the plugin's editor embedded in the X11 window `parent` (`clap_plugin_gui`:
    /// create, set_parent, show).
    pub fn open_editor_x11(&mut self, parent: u32) -> Result<(), String> {
        let handle = self.instance.plugin_handle();
        let gui = handle
            .get_extension::<PluginGui>()
            .ok_or("the plugin has no GUI extension")?;
        let config = GuiConfiguration {
            api_type: GuiApiType::X11,
            is_floating: false,
        };
        if !gui.is_api_supported(&handle, config) {
            return Err("the plugin does not support embedded X11 windows".into());
        }
        gui.create(&handle, config)
            .map_err(|e| format!("gui create: {e:?}"))?;
        // SAFETY: the caller keeps `parent` alive until `close_editor`.
        unsafe { gui.set_parent(&handle, Window::from_x11_handle(parent as _)) }
            .map_err(|e| format!("gui set_parent: {e:?}"))?;
        gui.show(&handle).map_err(|e| format!("gui show: {e:?}"))?;
        Ok(())
    }

    /// The open editor's size in pixels and whether the host may resize it
    /// (`clap_plugin_gui::get_size`, `can_resize`).
    pub fn editor_size(&mut self) -> Option<((u32, u32), bool)> {
        let handle = self.instance.plugin_handle();
        let gui = handle.get_extension::<PluginGui>()?;
        let size = gui.get_size(&handle)?;
        Some(((size.width, size.height), gui.can_resize(&handle)))
    }

    /// Closes the editor opened by [`Harness::open_editor_x11`].
    pub fn close_editor(&mut self) {
        let handle = self.instance.plugin_handle();
        if let Some(gui) = handle.get_extension::<PluginGui>() {
            gui.destroy(&handle);
        }
    }

    /// Whether the plugin asked for a parameter flush since the last call.
    pub fn take_flush_request(&self) -> bool {
        self.instance
            .access_shared_handler(|h| h.flush_requested.swap(false, Ordering::SeqCst))
    }

    /// Calls `clap_plugin_params::flush` on the inactive plugin with no input events and returns
    /// what the plugin sent the host: gesture begins, values and gesture ends.
    pub fn flush_output_events(&mut self) -> Vec<HostEvent> {
        use clack_host::events::event_types::{ParamGestureBeginEvent, ParamGestureEndEvent};
        let input = EventBuffer::new();
        let mut output = EventBuffer::new();
        let mut handle = self
            .instance
            .inactive_plugin_handle()
            .expect("flush_output_events needs an inactive plugin");
        self.params.flush(
            &mut handle,
            &InputEvents::from_buffer(&input),
            &mut OutputEvents::from_buffer(&mut output),
        );
        output
            .iter()
            .filter_map(|e| {
                if let Some(b) = e.as_event::<ParamGestureBeginEvent>() {
                    Some(HostEvent::Begin(b.param_id()?))
                } else if let Some(v) = e.as_event::<ParamValueEvent>() {
                    Some(HostEvent::Value(v.param_id()?, v.value()))
                } else {
                    e.as_event::<ParamGestureEndEvent>()
                        .and_then(|g| Some(HostEvent::End(g.param_id()?)))
                }
            })
            .collect()
    }

    /// Saves the plugin state through the state extension.
    pub fn save_state(&mut self) -> Vec<u8> {
        let handle = self.instance.plugin_handle();
        let state = handle
            .get_extension::<PluginState>()
            .expect("plugin does not implement the state extension");
        let mut bytes = Vec::new();
        state
            .save(&handle, &mut bytes)
            .expect("saving state failed");
        bytes
    }

    /// Loads a state saved by [`Harness::save_state`].
    pub fn load_state(&mut self, bytes: &[u8]) {
        assert!(self.try_load_state(bytes), "loading state failed");
    }

    /// Offers `bytes` to the plugin as a state; returns whether the plugin accepted it.
    pub fn try_load_state(&mut self, bytes: &[u8]) -> bool {
        let handle = self.instance.plugin_handle();
        let state = handle
            .get_extension::<PluginState>()
            .expect("plugin does not implement the state extension");
        let loaded = state.load(&handle, &mut &bytes[..]).is_ok();
        self.service_main_thread();
        loaded
    }

    /// Processes stereo `input` (two equally long channels) in blocks of at most `max_frames`,
    /// delivering each change at its sample time (counted from the start of `input`) in the block
    /// that contains it, and returns the output. Auxiliary inputs (a sidechain) get silence.
    pub fn process(&mut self, input: &[Vec<f32>; 2], changes: &[ParamChange]) -> [Vec<f32>; 2] {
        let block = self.max_frames;
        self.process_blocks_with_key(input, None, changes, block)
    }

    /// Like [`Harness::process`], feeding stereo `key` into the first auxiliary input port (the
    /// sidechain); panics when the plugin has none.
    pub fn process_with_key(
        &mut self,
        input: &[Vec<f32>; 2],
        key: &[Vec<f32>; 2],
        changes: &[ParamChange],
    ) -> [Vec<f32>; 2] {
        let block = self.max_frames;
        self.process_blocks_with_key(input, Some(key), changes, block)
    }

    /// Like [`Harness::process`] with an explicit block size.
    pub fn process_blocks(
        &mut self,
        input: &[Vec<f32>; 2],
        changes: &[ParamChange],
        block: usize,
    ) -> [Vec<f32>; 2] {
        self.process_blocks_with_key(input, None, changes, block)
    }

    /// Like [`Harness::process_with_key`] with an explicit block size; `key: None` feeds silence
    /// to the auxiliary inputs.
    pub fn process_blocks_with_key(
        &mut self,
        input: &[Vec<f32>; 2],
        key: Option<&[Vec<f32>; 2]>,
        changes: &[ParamChange],
        block: usize,
    ) -> [Vec<f32>; 2] {
        assert_eq!(input[0].len(), input[1].len());
        assert!(block > 0 && block <= self.max_frames);
        assert!(self.is_active(), "plugin is not active");
        assert_eq!(
            self.input_buffers.first().map(Vec::len),
            Some(2),
            "the harness feeds a stereo main input"
        );
        assert_eq!(
            self.output_buffers.first().map(Vec::len),
            Some(2),
            "the harness reads a stereo main output"
        );
        let num_samples = input[0].len();
        if let Some(key) = key {
            assert!(
                self.input_buffers.len() >= 2,
                "a key was given, but the plugin has no auxiliary input port"
            );
            assert_eq!(
                self.input_buffers[1].len(),
                2,
                "the harness feeds a stereo key"
            );
            assert!(key.iter().all(|k| k.len() == num_samples), "key length");
        }
        let mut output = [vec![0.0f32; num_samples], vec![0.0f32; num_samples]];
        let mut block_events = EventBuffer::with_capacity(changes.len());

        let mut pos = 0;
        while pos < num_samples {
            let n = block.min(num_samples - pos);
            let Self {
                processor,
                input_ports,
                output_ports,
                input_buffers,
                output_buffers,
                output_events,
                steady_time,
                ..
            } = self;
            let processor = processor.as_mut().expect("plugin is not active");
            for (port_index, port) in input_buffers.iter_mut().enumerate() {
                let source = match port_index {
                    0 => Some(input),
                    1 => key,
                    _ => None,
                };
                for (ch, buffer) in port.iter_mut().enumerate() {
                    match source {
                        Some(signal) => buffer[..n].copy_from_slice(&signal[ch][pos..pos + n]),
                        None => buffer[..n].fill(0.0),
                    }
                }
            }
            for buffer in output_buffers.iter_mut().flatten() {
                // Garbage the host's output so a plugin that forgets to write is caught.
                buffer[..n].fill(f32::NAN);
            }
            let audio_in = input_ports.with_input_buffers(input_buffers.iter_mut().map(|port| {
                AudioPortBuffer {
                    latency: 0,
                    channels: AudioPortBufferType::f32_input_only(
                        port.iter_mut().map(|b| InputChannel::variable(&mut b[..n])),
                    ),
                }
            }));
            let mut audio_out =
                output_ports.with_output_buffers(output_buffers.iter_mut().map(|port| {
                    AudioPortBuffer {
                        latency: 0,
                        channels: AudioPortBufferType::f32_output_only(
                            port.iter_mut().map(|b| &mut b[..n]),
                        ),
                    }
                }));
            block_events.clear();
            let mut in_block: Vec<&ParamChange> = changes
                .iter()
                .filter(|c| (pos..pos + n).contains(&(c.time as usize)))
                .collect();
            in_block.sort_by_key(|c| c.time);
            for c in in_block {
                block_events.push(&c.event(pos as u32));
            }
            let events_in = InputEvents::from_buffer(&block_events);
            output_events.clear();
            processor
                .process(
                    &audio_in,
                    &mut audio_out,
                    &events_in,
                    &mut OutputEvents::from_buffer(output_events),
                    Some(*steady_time),
                    None,
                )
                .expect("process failed");
            *steady_time += n as u64;
            for (out, buffer) in output.iter_mut().zip(output_buffers[0].iter()) {
                out[pos..pos + n].copy_from_slice(&buffer[..n]);
            }
            pos += n;
            self.service_main_thread();
        }
        output
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.deactivate();
    }
}
