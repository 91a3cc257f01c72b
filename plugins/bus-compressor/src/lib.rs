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

/// The factory presets (`presets/factory.json`), embedded at build time.
pub const FACTORY_PRESETS_JSON: &str = include_str!("../presets/factory.json");

/// The factory presets (the file is checked by the tests, so this cannot fail in a release).
pub fn factory_presets() -> Vec<shared_plugin::presets::FactoryPreset> {
    shared_plugin::presets::parse_factory(FACTORY_PRESETS_JSON).unwrap_or_default()
}

/// The plugin's presets: factory bank, user preset folder, and what the lock keeps.
pub fn preset_kit() -> shared_plugin::session::PresetKit {
    shared_plugin::session::PresetKit {
        plugin_id: <BusCompressor as ClapPlugin>::CLAP_ID,
        folder: "bus-compressor",
        factory: factory_presets(),
        locked_ids: &["out"],
        lock_label: "Lock output",
    }
}

/// The plugin as the `lathe` command line runs it, without a host.
pub struct Offline;

impl shared_plugin::offline::OfflinePlugin for Offline {
    const CLI_NAME: &'static str = "bus-compressor";
    const CLI_ALIASES: &'static [&'static str] = &["bus", "buscomp", "bus_compressor"];
    type Params = params::BusCompParams;
    type Engine = dsp::BusCompEngine;

    fn factory_presets() -> Vec<shared_plugin::presets::FactoryPreset> {
        factory_presets()
    }
    fn new_engine() -> Self::Engine {
        dsp::BusCompEngine::new()
    }
    fn settings(
        params: &Self::Params,
    ) -> <Self::Engine as shared_dsp::runner::PluginEngine>::Settings {
        params.settings()
    }
    fn check_offline(settings: &dsp::BusCompSettings) -> Result<(), String> {
        if settings.external_key {
            return Err(
                "\"sc_ext\" (external sidechain) is On, but the command line has no \
                 sidechain input; set sc_ext=Off"
                    .to_string(),
            );
        }
        Ok(())
    }
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
            params: {
                // A new instance starts from the user's saved default preset, if any.
                let params = Arc::new(BusCompParams::default());
                preset_kit().apply_startup_default(&*params, &params.session);
                params
            },
            engine: BusCompEngine::new(),
            meters: Arc::new(SharedMeters::default()),
            ballistics: MeterBallistics::default(),
            latency: Default::default(),
        }
    }
}

impl Plugin for BusCompressor {
    const NAME: &'static str = "Lathe Bus Compressor";
    const VENDOR: &'static str = shared_plugin::VENDOR;
    const URL: &'static str = shared_plugin::URL;
    const EMAIL: &'static str = shared_plugin::EMAIL;
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    // No mono-with-sidechain layout: nice-plug 0.4.2's VST3 wrapper copies the sidechain
    // from the host's channel pointers without checking them, and a host (pedalboard) that
    // switches a mono sidechain bus off passes NULL there, which crashes. Mono tracks get the
    // plain mono layout; the sidechain is offered with the stereo layout.
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        shared_plugin::layouts::STEREO_WITH_SIDECHAIN,
        shared_plugin::layouts::STEREO,
        shared_plugin::layouts::MONO,
    ];

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = shared_gui::LatheEditor<editor::BusCompLayout>;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.meters.clone())
    }

    fn filter_state(state: &mut PluginState) {
        shared_plugin::state::migrate(state, params::STATE_VERSION, &[]);
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
        self.engine.process_block(buffer.as_slice(), key);
        let seconds = num_samples as f32 / self.engine.sample_rate_hz();
        self.ballistics
            .publish(self.engine.readings(), seconds, &self.meters);
        ProcessStatus::Normal
    }
}

impl ClapPlugin for BusCompressor {
    const CLAP_ID: &'static str = "com.lathe-audio.bus-compressor";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("VCA bus compressor: glue, parallel mix, sidechain filter and external key");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Compressor,
    ];
}

impl Vst3Plugin for BusCompressor {
    const VST3_CLASS_ID: [u8; 16] = *b"LatheBusComp0001";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Dynamics];
}

nice_export_clap!(BusCompressor);
nice_export_vst3!(BusCompressor);
