//! Lathe Reverb: algorithmic reverb (room, hall, plate and chamber) true to its decay time,
//! as VST3 and CLAP.
//!
//! This file is wiring only: the DSP lives in [`dsp`] (a composition of `shared-dsp` units),
//! the parameters in [`params`], the editor layout in [`editor`].

#![warn(missing_docs)]

pub mod dsp;
pub mod editor;
pub mod params;

use nice_plug::prelude::*;
use shared_plugin::meters::{MeterBallistics, SharedMeters};
use std::sync::Arc;

use dsp::ReverbEngine;
use params::ReverbParams;

shared_plugin::plugin_crate! {
    plugin: Reverb,
    params: params::ReverbParams,
    engine: dsp::ReverbEngine,
    factory_presets_json: include_str!("../presets/factory.json"),
    cli_name: "reverb",
    cli_aliases: ["reverb"],
    locked_ids: ["mix", "wet", "out"],
    lock_label: "Lock mix",
    clap_id: "com.lathe-audio.reverb",
    description: "Algorithmic reverb: room, hall, plate and chamber, true to its decay time",
    clap_features: [AudioEffect, Stereo, Mono, Reverb],
    vst3_class_id: *b"LatheReverb00001",
    vst3_subcategories: [Fx, Reverb],
}

/// The plugin instance.
pub struct Reverb {
    params: Arc<ReverbParams>,
    engine: ReverbEngine,
    meters: Arc<SharedMeters>,
    ballistics: MeterBallistics,
}

impl Default for Reverb {
    fn default() -> Self {
        Self {
            params: startup_params(),
            engine: ReverbEngine::new(),
            meters: Arc::new(SharedMeters::default()),
            ballistics: MeterBallistics::default(),
        }
    }
}

impl Plugin for Reverb {
    shared_plugin::plugin_basics!(name: "Lathe Reverb", migrations: &[]);

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] =
        &[shared_plugin::layouts::STEREO, shared_plugin::layouts::MONO];

    type Editor = shared_gui::LatheEditor<editor::ReverbLayout>;

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.meters.clone())
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
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
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let num_samples = buffer.samples();
        let mut settings = self.params.settings();
        settings.tempo_bpm = context.transport().tempo.unwrap_or(0.0) as f32;
        self.engine.set_settings(&settings);
        self.engine.process_block(buffer.as_slice());
        self.ballistics.publish_block(
            self.engine.readings(),
            num_samples,
            self.engine.sample_rate_hz(),
            &self.meters,
        );
        // The tail the host must keep processing after the input stops (VST3 tail samples,
        // the CLAP tail extension); frozen, it never ends.
        match self.engine.tail_samples() {
            u32::MAX => ProcessStatus::KeepAlive,
            samples => ProcessStatus::Tail(samples),
        }
    }
}
