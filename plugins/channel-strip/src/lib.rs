//! Lathe Channel Strip: a console-style mixing strip (trim, filters, 4-band EQ, gate,
//! compressor, 4× oversampled saturation, pan/width, output) as VST3 and CLAP.
//!
//! This file is wiring only: the DSP lives in [`dsp`] and `shared-dsp`, the parameters in
//! [`params`], the editor in [`editor`].

#![warn(missing_docs)]

pub mod dsp;
pub mod editor;
pub mod params;

use nice_plug::prelude::*;
use shared_plugin::meters::{MeterBallistics, SharedMeters, SpectrumTaps};
use std::sync::Arc;

use dsp::ChannelStripEngine;
use params::ChannelStripParams;

/// The factory presets (`presets/factory.json`), embedded at build time.
pub const FACTORY_PRESETS_JSON: &str = include_str!("../presets/factory.json");

/// The factory presets (the file is checked by the tests, so this cannot fail in a release).
pub fn factory_presets() -> Vec<shared_plugin::presets::FactoryPreset> {
    shared_plugin::presets::parse_factory(FACTORY_PRESETS_JSON).unwrap_or_default()
}

/// The plugin's presets: factory bank, user preset folder, and what the lock keeps.
pub fn preset_kit() -> shared_plugin::session::PresetKit {
    shared_plugin::session::PresetKit {
        plugin_id: <ChannelStrip as ClapPlugin>::CLAP_ID,
        folder: "channel-strip",
        factory: factory_presets(),
        locked_ids: &["out_gain"],
        lock_label: "Lock output",
    }
}

/// The plugin as the `lathe` command line runs it, without a host.
pub struct Offline;

impl shared_plugin::offline::OfflinePlugin for Offline {
    const CLI_NAME: &'static str = "channel-strip";
    const CLI_ALIASES: &'static [&'static str] = &["strip", "channel_strip"];
    type Params = params::ChannelStripParams;
    type Engine = dsp::ChannelStripEngine;

    fn factory_presets() -> Vec<shared_plugin::presets::FactoryPreset> {
        factory_presets()
    }
    fn new_engine() -> Self::Engine {
        dsp::ChannelStripEngine::new()
    }
    fn settings(
        params: &Self::Params,
    ) -> <Self::Engine as shared_dsp::runner::PluginEngine>::Settings {
        params.settings()
    }
}

/// The plugin instance.
pub struct ChannelStrip {
    params: Arc<ChannelStripParams>,
    engine: ChannelStripEngine,
    meters: Arc<SharedMeters>,
    /// Input and output samples for the editor's spectrum (copied only while it shows).
    taps: Arc<SpectrumTaps>,
    ballistics: MeterBallistics,
    /// Mono in, stereo out: the input is copied to both sides so pan and width work on a mono
    /// track.
    mono_to_stereo: bool,
}

impl Default for ChannelStrip {
    fn default() -> Self {
        Self {
            params: {
                // A new instance starts from the user's saved default preset, if any.
                let params = Arc::new(ChannelStripParams::default());
                preset_kit().apply_startup_default(&*params, &params.session);
                params
            },
            engine: ChannelStripEngine::new(),
            meters: Arc::new(SharedMeters::default()),
            taps: Arc::new(SpectrumTaps::default()),
            ballistics: MeterBallistics::default(),
            mono_to_stereo: false,
        }
    }
}

impl Plugin for ChannelStrip {
    const NAME: &'static str = "Lathe Channel Strip";
    const VENDOR: &'static str = shared_plugin::VENDOR;
    const URL: &'static str = shared_plugin::URL;
    const EMAIL: &'static str = shared_plugin::EMAIL;
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        shared_plugin::layouts::STEREO,
        // Mono track into a stereo bus: pan and width apply.
        shared_plugin::layouts::MONO_TO_STEREO,
        shared_plugin::layouts::MONO,
    ];

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = shared_gui::LatheEditor<editor::StripLayout>;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.meters.clone(), self.taps.clone())
    }

    fn filter_state(state: &mut PluginState) {
        shared_plugin::state::migrate(state, params::STATE_VERSION, params::MIGRATIONS);
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.mono_to_stereo = shared_plugin::layouts::is_mono_to_stereo(audio_io_layout);
        self.engine.set_settings(&self.params.settings());
        self.engine.prepare(buffer_config.sample_rate);
        context.set_latency_samples(self.engine.latency_samples());
        self.meters.sample_rate_hz.store(
            buffer_config.sample_rate,
            std::sync::atomic::Ordering::Relaxed,
        );
        true
    }

    fn reset(&mut self) {
        self.engine.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let num_samples = buffer.samples();
        self.engine.set_settings(&self.params.settings());
        let channels = buffer.as_slice();
        if self.mono_to_stereo {
            shared_dsp::runner::mono_to_stereo(channels);
        }
        let spectrum = self.taps.is_wanted();
        if spectrum {
            self.taps.input.push_mean(channels, num_samples);
        }
        self.engine.process_block(channels);
        if spectrum {
            self.taps.output.push_mean(channels, num_samples);
        }
        let seconds = num_samples as f32 / self.engine.sample_rate_hz();
        self.ballistics
            .publish(&self.engine.readings(), seconds, &self.meters);
        ProcessStatus::Normal
    }
}

impl ClapPlugin for ChannelStrip {
    const CLAP_ID: &'static str = "com.lathe-audio.channel-strip";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Console channel strip: filters, 4-band EQ, gate, compressor, saturation");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Equalizer,
        ClapFeature::Compressor,
        ClapFeature::Filter,
        ClapFeature::Distortion,
    ];
}

impl Vst3Plugin for ChannelStrip {
    const VST3_CLASS_ID: [u8; 16] = *b"LatheChanStrip01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Eq,
        Vst3SubCategory::Dynamics,
    ];
}

nice_export_clap!(ChannelStrip);
nice_export_vst3!(ChannelStrip);
