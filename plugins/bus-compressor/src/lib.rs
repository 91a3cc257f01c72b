//! Lathe Bus Compressor: the VCA bus compressor engineers put on drum and mix buses so a mix
//! glues, with parallel mix, sidechain filter and external key, as VST3 and CLAP.
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

use dsp::BusCompEngine;
use params::BusCompParams;

shared_plugin::plugin_crate! {
    plugin: BusCompressor,
    params: params::BusCompParams,
    engine: dsp::BusCompEngine,
    factory_presets_json: include_str!("../presets/factory.json"),
    cli_name: "bus-compressor",
    cli_aliases: ["bus", "buscomp", "bus_compressor"],
    locked_ids: ["out"],
    lock_label: "Lock output",
    clap_id: "com.lathe-audio.bus-compressor",
    description: "VCA bus compressor: glue, parallel mix, sidechain filter and external key",
    clap_features: [AudioEffect, Stereo, Mono, Compressor],
    vst3_class_id: *b"LatheBusComp0001",
    vst3_subcategories: [Fx, Dynamics],
    check_offline: dsp::refuse_external_key,
}

/// The plugin instance.
pub struct BusCompressor {
    params: Arc<BusCompParams>,
    engine: BusCompEngine,
    meters: Arc<SharedMeters>,
    ballistics: MeterBallistics,
    /// The latency reported and the oversampling factor it depends on (held until a CLAP
    /// restart).
    latency: shared_plugin::latency::LatencyGate<dsp::Oversampling>,
}

impl Default for BusCompressor {
    fn default() -> Self {
        Self {
            params: startup_params(),
            engine: BusCompEngine::new(),
            meters: Arc::new(SharedMeters::default()),
            ballistics: MeterBallistics::default(),
            latency: Default::default(),
        }
    }
}

impl Plugin for BusCompressor {
    shared_plugin::plugin_basics!(name: "Lathe Bus Compressor", migrations: &[]);

    // No mono-with-sidechain layout: nice-plug 0.4.2's VST3 wrapper copies the sidechain
    // from the host's channel pointers without checking them, and a host (pedalboard) that
    // switches a mono sidechain bus off passes NULL there, which crashes. Mono tracks get the
    // plain mono layout; the sidechain is offered with the stereo layout.
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        shared_plugin::layouts::STEREO_WITH_SIDECHAIN,
        shared_plugin::layouts::STEREO,
        shared_plugin::layouts::MONO,
    ];

    type Editor = shared_gui::LatheEditor<editor::BusCompLayout>;

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.meters.clone())
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let settings = self.params.settings();
        self.latency.activate(settings.oversampling);
        self.engine.set_settings(&settings);
        self.engine.prepare(buffer_config.sample_rate);
        self.latency
            .report_activate(self.engine.latency_samples(), context);
        self.meters.set_sample_rate(buffer_config.sample_rate);
        true
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let num_samples = buffer.samples();
        let mut settings = self.params.settings();
        settings.oversampling = self.latency.key_for_block(settings.oversampling, context);
        self.engine.set_settings(&settings);
        self.latency
            .report_process(self.engine.latency_samples(), context);
        let mut key_refs: [&[f32]; 2] = [&[], &[]];
        let mut num_key = 0;
        if let Some(sc) = aux.inputs.first_mut() {
            for (r, ch) in key_refs.iter_mut().zip(sc.as_slice_immutable().iter()) {
                *r = ch;
                num_key += 1;
            }
        }
        let key = (num_key > 0).then_some(&key_refs[..num_key]);
        self.engine.process_block_keyed(buffer.as_slice(), key);
        self.ballistics.publish_block(
            self.engine.readings(),
            num_samples,
            self.engine.sample_rate_hz(),
            &self.meters,
        );
        ProcessStatus::Normal
    }
}
