//! A small CLAP host, built on `clack-host`, that loads the bundled Lathe plugins for the
//! host-level tests in `tests/`.
//!
//! Everything here runs on the test thread: CLAP allows a host to call the audio-thread
//! functions from its main thread as long as it never calls them concurrently, and the tests are
//! easier to read when there is a single thread.

use clack_extensions::audio_ports::{AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use std::cell::Cell;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The channel strip's CLAP plugin ID.
pub const CHANNEL_STRIP_ID: &CStr = c"com.lathe-audio.channel-strip";
/// File name of the channel strip's CLAP bundle in `target/bundled/`.
pub const CHANNEL_STRIP_BUNDLE: &str = "Lathe Channel Strip.clap";

/// Path of a bundle produced by `cargo xtask bundle … --release`.
///
/// Panics with instructions when the bundle has not been built: these tests deliberately do not
/// build it themselves (that would take a nested cargo invocation and the target-dir lock).
pub fn bundle_path(file_name: &str) -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = workspace.join("target/bundled").join(file_name);
    assert!(
        path.exists(),
        "{} does not exist: build the bundles first with `cargo xtask bundle-all --release` \
         (or `cargo xtask bundle channel_strip --release`)",
        path.display()
    );
    path
}

/// Loads the CLAP entry of a bundle (the `.clap` file is the shared library itself on Linux).
pub fn load_entry(path: &Path) -> PluginEntry {
    // SAFETY: loading a shared library runs its initialisers; this is our own freshly built
    // plugin, which is exactly what these tests exist to exercise.
    unsafe { PluginEntry::load(path) }
        .unwrap_or_else(|e| panic!("cannot load CLAP entry {}: {e}", path.display()))
}

/// The channel strip's entry, loaded once and kept loaded for the life of the process.
///
/// Like most hosts, the tests never unload the library while threads that called into it are
/// alive: a Rust `cdylib` registers a thread-exit destructor (Rust std's TLS-destructor pthread
/// key) whose code lives in the library, so `dlclose` followed by such a thread exiting jumps
/// into unmapped memory (rust-lang/rust#91979). See the `unload_*` test for that scenario.
pub fn channel_strip_entry() -> &'static PluginEntry {
    static ENTRY: OnceLock<PluginEntry> = OnceLock::new();
    ENTRY.get_or_init(|| load_entry(&bundle_path(CHANNEL_STRIP_BUNDLE)))
}

/// Host callbacks shared between threads: records requests instead of acting on them, so the
/// tests can both service them and assert on them.
#[derive(Default)]
pub struct TestHostShared {
    /// The plugin asked for `on_main_thread` to be called.
    pub callback_requested: AtomicBool,
    /// The plugin asked to be deactivated and reactivated.
    pub restart_requested: AtomicBool,
    /// The plugin asked for a parameter flush.
    pub flush_requested: AtomicBool,
    /// Number of messages the plugin logged at warning level or above.
    pub num_warnings: AtomicUsize,
}

impl SharedHandler<'_> for TestHostShared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {}
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for TestHostShared {
    fn log(&self, severity: LogSeverity, message: &str) {
        if matches!(
            severity,
            LogSeverity::Warning | LogSeverity::Error | LogSeverity::Fatal
        ) {
            self.num_warnings.fetch_add(1, Ordering::SeqCst);
        }
        eprintln!("[plugin log {severity}] {message}");
    }
}

impl HostParamsImplShared for TestHostShared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

/// Main-thread host callbacks: counts notifications.
#[derive(Default)]
pub struct TestHostMainThread {
    /// Times the plugin called `clap_host_latency::changed`.
    pub num_latency_changes: Cell<u32>,
    /// Times the plugin called `clap_host_params::rescan`.
    pub num_param_rescans: Cell<u32>,
    /// Times the plugin called `clap_host_state::mark_dirty`.
    pub num_state_dirty: Cell<u32>,
}

impl MainThreadHandler<'_> for TestHostMainThread {}

impl HostLatencyImpl for TestHostMainThread {
    fn changed(&self) {
        self.num_latency_changes
            .set(self.num_latency_changes.get() + 1);
    }
}

impl HostParamsImplMainThread for TestHostMainThread {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.num_param_rescans.set(self.num_param_rescans.get() + 1);
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostStateImpl for TestHostMainThread {
    fn mark_dirty(&self) {
        self.num_state_dirty.set(self.num_state_dirty.get() + 1);
    }
}

/// The host type: which handlers and extensions it offers to the plugin.
pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = TestHostShared;
    type MainThread<'a> = TestHostMainThread;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostLatency>()
            .register::<HostParams>()
            .register::<HostState>();
    }
}

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

/// A plugin instance with its processor and the host-side buffers, stereo in and out.
pub struct Harness {
    instance: PluginInstance<TestHost>,
    processor: Option<StartedPluginAudioProcessor<TestHost>>,
    params: PluginParams,
    sample_rate: f64,
    max_frames: usize,
    input_ports: AudioPorts,
    output_ports: AudioPorts,
    input_buffers: [Vec<f32>; 2],
    output_buffers: [Vec<f32>; 2],
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
            input_ports: AudioPorts::with_capacity(2, 1),
            output_ports: AudioPorts::with_capacity(2, 1),
            input_buffers: [vec![0.0; max_frames], vec![0.0; max_frames]],
            output_buffers: [vec![0.0; max_frames], vec![0.0; max_frames]],
            output_events: EventBuffer::with_capacity(256),
            steady_time: 0,
            num_restarts: 0,
        }
    }

    /// Loads the channel strip bundle and instantiates it at 48 kHz, 1024 frames at most.
    pub fn channel_strip() -> Self {
        Self::new(channel_strip_entry(), CHANNEL_STRIP_ID, 48_000.0, 1024)
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

    fn activate_once(&mut self) {
        assert!(self.processor.is_none(), "already active");
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

    /// (input, output) channel counts of every audio port.
    pub fn audio_port_channels(&mut self) -> (Vec<u32>, Vec<u32>) {
        let handle = self.instance.plugin_handle();
        let ports = handle
            .get_extension::<PluginAudioPorts>()
            .expect("plugin does not implement the audio-ports extension");
        let mut buffer = AudioPortInfoBuffer::new();
        let mut channels = |is_input: bool| -> Vec<u32> {
            (0..ports.count(&handle, is_input))
                .map(|i| {
                    ports
                        .get(&handle, i, is_input, &mut buffer)
                        .expect("audio port info")
                        .channel_count
                })
                .collect()
        };
        (channels(true), channels(false))
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
                    stepped: info
                        .flags
                        .contains(clack_extensions::params::ParamInfoFlags::IS_STEPPED),
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
        let handle = self.instance.plugin_handle();
        let state = handle
            .get_extension::<PluginState>()
            .expect("plugin does not implement the state extension");
        state
            .load(&handle, &mut &bytes[..])
            .expect("loading state failed");
    }

    /// Processes stereo `input` (two equally long channels) in blocks of at most `max_frames`,
    /// delivering each change at its sample time (counted from the start of `input`) in the block
    /// that contains it, and returns the output.
    pub fn process(&mut self, input: &[Vec<f32>; 2], changes: &[ParamChange]) -> [Vec<f32>; 2] {
        let block = self.max_frames;
        self.process_blocks(input, changes, block)
    }

    /// Like [`Harness::process`] with an explicit block size.
    pub fn process_blocks(
        &mut self,
        input: &[Vec<f32>; 2],
        changes: &[ParamChange],
        block: usize,
    ) -> [Vec<f32>; 2] {
        assert_eq!(input[0].len(), input[1].len());
        assert!(block > 0 && block <= self.max_frames);
        let num_samples = input[0].len();
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
            for (buffer, channel) in input_buffers.iter_mut().zip(input.iter()) {
                buffer[..n].copy_from_slice(&channel[pos..pos + n]);
            }
            for buffer in output_buffers.iter_mut() {
                // Garbage the host's output so a plugin that forgets to write is caught.
                buffer[..n].fill(f32::NAN);
            }
            let audio_in = input_ports.with_input_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(
                    input_buffers
                        .iter_mut()
                        .map(|b| InputChannel::variable(&mut b[..n])),
                ),
            }]);
            let mut audio_out = output_ports.with_output_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only(
                    output_buffers.iter_mut().map(|b| &mut b[..n]),
                ),
            }]);
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
            for (out, buffer) in output.iter_mut().zip(output_buffers.iter()) {
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

/// Signal helpers shared by the tests.
pub mod signal {
    /// A sine of `amplitude` at `freq_hz`, `num_samples` long.
    pub fn sine(freq_hz: f64, amplitude: f64, sample_rate: f64, num_samples: usize) -> Vec<f32> {
        (0..num_samples)
            .map(|i| {
                (amplitude * (2.0 * std::f64::consts::PI * freq_hz * i as f64 / sample_rate).sin())
                    as f32
            })
            .collect()
    }

    /// RMS level in dBFS of a signal.
    pub fn rms_db(x: &[f32]) -> f64 {
        let sum: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
        10.0 * (sum / x.len() as f64).max(1e-300).log10()
    }

    /// Level in dB of `actual − expected` relative to `expected` (the "null" level);
    /// `-inf` when they are bit-identical.
    pub fn null_db(actual: &[f32], expected: &[f32]) -> f64 {
        assert_eq!(actual.len(), expected.len());
        if actual == expected {
            return f64::NEG_INFINITY;
        }
        let diff: Vec<f32> = actual.iter().zip(expected).map(|(a, e)| a - e).collect();
        rms_db(&diff) - rms_db(expected)
    }

    /// `x` delayed by `delay` samples (zeros shifted in), same length.
    pub fn delayed(x: &[f32], delay: usize) -> Vec<f32> {
        let mut y = vec![0.0; x.len()];
        if delay < x.len() {
            y[delay..].copy_from_slice(&x[..x.len() - delay]);
        }
        y
    }
}
