//! Lathe Spectral Repair: de-clip, de-click, de-plosive, de-hum and de-noise that leave the
//! music alone, with a residual output to hear what they remove, as VST3 and CLAP.
//!
//! This file is wiring only: the DSP lives in [`dsp`] (a composition of
//! `shared_dsp::repair` units), the parameters in [`params`], the editor layout in [`editor`],
//! the factory presets in `presets/factory.json`.

#![warn(missing_docs)]

pub mod assist;
pub mod dsp;
pub mod editor;
pub mod meters;
pub mod params;

use nice_plug::prelude::*;
use shared_plugin::meters::MeterBallistics;
use std::sync::Arc;

use assist::{AssistCommand, AssistShared, AssistState};
use dsp::RepairEngine;
use meters::{ActivityPublisher, RepairMeters};
use params::RepairParams;

shared_plugin::plugin_crate! {
    plugin: SpectralRepair,
    params: params::RepairParams,
    engine: dsp::RepairEngine,
    factory_presets_json: include_str!("../presets/factory.json"),
    cli_name: "spectral-repair",
    cli_aliases: ["repair", "spectral_repair"],
    locked_ids: ["out_gain"],
    lock_label: "Lock output",
    clap_id: "com.lathe-audio.spectral-repair",
    description: "Audio repair: de-clip, de-click, de-plosive, de-hum and de-noise",
    clap_features: [AudioEffect, Stereo, Mono, Restoration, Mastering],
    vst3_class_id: *b"LatheSpecRepair1",
    vst3_subcategories: [Fx, Restoration, Mastering],
}

/// The plugin instance.
pub struct SpectralRepair {
    params: Arc<RepairParams>,
    engine: RepairEngine,
    meters: Arc<RepairMeters>,
    ballistics: MeterBallistics,
    publisher: ActivityPublisher,
    /// The assistant's exchange with the editor.
    assist: Arc<AssistShared>,
    /// Whether the analysis ran in the last block (to publish its end once).
    was_analysing: bool,
    /// The latency reported and the de-noise FFT size and overlap it depends on (held until
    /// a CLAP restart).
    latency: shared_plugin::latency::LatencyGate<(usize, usize)>,
}

impl Default for SpectralRepair {
    fn default() -> Self {
        let meters = Arc::new(RepairMeters::default());
        let mut engine = RepairEngine::new();
        engine.set_taps(meters.taps.clone());
        Self {
            params: startup_params(),
            engine,
            meters,
            ballistics: MeterBallistics::default(),
            publisher: ActivityPublisher::default(),
            assist: Arc::new(AssistShared::default()),
            was_analysing: false,
            latency: Default::default(),
        }
    }
}

impl SpectralRepair {
    /// Copies a newly learned noise profile into the saved state. `try_lock` never blocks the
    /// audio thread; the vector's room was reserved in `activate`, so the copy does not
    /// allocate. If the editor or host holds the lock, the copy waits for the next block.
    fn save_learned_profile(&mut self) {
        if let Ok(mut stored) = self.params.noise_profile.try_lock() {
            if let Some((points, sr)) = self.engine.take_new_noise_profile() {
                stored.points.clear();
                stored.points.extend_from_slice(points);
                stored.sample_rate_hz = sr;
            }
        }
    }
}

impl SpectralRepair {
    /// Publishes the analysis's findings while it runs, and once more when it ends.
    fn follow_analysis(&mut self) {
        let running = self.engine.analysis_running();
        if running || self.was_analysing {
            let state = if running {
                AssistState::Running
            } else {
                AssistState::Done
            };
            self.assist.publish(state, &self.engine.findings());
        }
        self.was_analysing = running;
    }
}

impl Plugin for SpectralRepair {
    shared_plugin::plugin_basics!(name: "Lathe Spectral Repair", migrations: &[]);

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] =
        &[shared_plugin::layouts::STEREO, shared_plugin::layouts::MONO];

    type Editor = shared_gui::LatheEditor<editor::RepairLayout>;

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(
            self.params.clone(),
            self.meters.clone(),
            self.assist.clone(),
        )
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let settings = self.params.settings();
        self.latency
            .activate((settings.denoise.fft_size, settings.denoise.overlap));
        self.engine.set_settings(&settings);
        self.engine.prepare(buffer_config.sample_rate);
        // A profile from the saved session (checked: a corrupt one is ignored, the plugin
        // then tracks the noise adaptively until a new one is learned).
        if let Ok(mut stored) = self.params.noise_profile.lock() {
            if stored.is_valid() {
                self.engine
                    .set_noise_profile(&stored.points, stored.sample_rate_hz);
            } else if !stored.points.is_empty() {
                nice_log!("Lathe Spectral Repair: the saved noise profile is unusable and was ignored; learn a new one");
                *stored = params::StoredNoiseProfile::default();
            }
            let room = shared_dsp::repair::denoise::PROFILE_POINTS;
            let len = stored.points.len();
            stored.points.reserve(room.saturating_sub(len));
        }
        self.latency
            .report_activate(self.engine.latency_samples(), context);
        self.meters
            .levels
            .set_sample_rate(buffer_config.sample_rate);
        true
    }

    fn deactivate(&mut self) {
        // `activate` prepares the engine, which ends any analysis: say so to the editor.
        self.engine.stop_analysis();
        self.follow_analysis();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let num_samples = buffer.samples();
        let mut settings = self.params.settings();
        let wanted = (settings.denoise.fft_size, settings.denoise.overlap);
        (settings.denoise.fft_size, settings.denoise.overlap) =
            self.latency.key_for_block(wanted, context);
        self.engine.set_settings(&settings);
        self.latency
            .report_process(self.engine.latency_samples(), context);
        match self.assist.take_request() {
            AssistCommand::Start => self.engine.start_analysis(),
            AssistCommand::Stop => self.engine.stop_analysis(),
            AssistCommand::None => {}
        }
        self.engine.process_block(buffer.as_slice());
        self.follow_analysis();
        self.save_learned_profile();
        let seconds = self.ballistics.publish_block(
            self.engine.readings(),
            num_samples,
            self.engine.sample_rate_hz(),
            &self.meters.levels,
        );
        self.publisher
            .publish(self.engine.activity(), seconds, &self.meters);
        ProcessStatus::Normal
    }
}
