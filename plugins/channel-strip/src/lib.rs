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

shared_plugin::plugin_crate! {
    plugin: ChannelStrip,
    params: params::ChannelStripParams,
    engine: dsp::ChannelStripEngine,
    factory_presets_json: include_str!("../presets/factory.json"),
    cli_name: "channel-strip",
    cli_aliases: ["strip", "channel_strip"],
    locked_ids: ["out_gain"],
    lock_label: "Lock output",
    clap_id: "com.lathe-audio.channel-strip",
    description: "Console channel strip: filters, 4-band EQ, gate, compressor, saturation",
    clap_features: [AudioEffect, Stereo, Mono, Equalizer, Compressor, Filter, Distortion],
    vst3_class_id: *b"LatheChanStrip01",
    vst3_subcategories: [Fx, Eq, Dynamics],
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
            params: startup_params(),
            engine: ChannelStripEngine::new(),
            meters: Arc::new(SharedMeters::default()),
            taps: Arc::new(SpectrumTaps::default()),
            ballistics: MeterBallistics::default(),
            mono_to_stereo: false,
        }
    }
}

impl Plugin for ChannelStrip {
    shared_plugin::plugin_basics!(name: "Lathe Channel Strip", migrations: params::MIGRATIONS);

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        shared_plugin::layouts::STEREO,
        // Mono track into a stereo bus: pan and width apply.
        shared_plugin::layouts::MONO_TO_STEREO,
        shared_plugin::layouts::MONO,
    ];

    type Editor = shared_gui::LatheEditor<editor::StripLayout>;

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.meters.clone(), self.taps.clone())
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
        self.meters.set_sample_rate(buffer_config.sample_rate);
        true
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
        self.ballistics.publish_block(
            &self.engine.readings(),
            num_samples,
            self.engine.sample_rate_hz(),
            &self.meters,
        );
        ProcessStatus::Normal
    }
}
