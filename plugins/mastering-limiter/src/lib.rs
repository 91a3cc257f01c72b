//! Lathe Mastering Limiter: lookahead true-peak limiting that never exceeds its ceiling,
//! BS.1770 loudness with streaming-platform targets and "Learn", dither, and a translation
//! check, as VST3 and CLAP.
//!
//! This file is wiring only: the DSP lives in [`dsp`] (a composition of `shared-dsp` units),
//! the parameters in [`params`], the editor layout in [`editor`].

#![warn(missing_docs)]

pub mod dsp;
pub mod editor;
pub mod meters;
pub mod params;

use nice_plug::prelude::*;
use shared_dsp::dynamics::limiter::learn::LearnError;
use shared_dsp::dynamics::limiter::Oversampling;
use shared_plugin::meters::MeterBallistics;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use dsp::LimiterEngine;
use meters::{learn_status, LimiterMeters};
use params::LimiterParams;

/// Loudness readings are published this often, seconds (walking the gating histograms is not
/// free).
const LOUDNESS_PUBLISH_S: f32 = 0.1;

shared_plugin::plugin_crate! {
    plugin: MasteringLimiter,
    params: params::LimiterParams,
    engine: dsp::LimiterEngine,
    factory_presets_json: include_str!("../presets/factory.json"),
    cli_name: "mastering-limiter",
    cli_aliases: ["limiter", "mastering_limiter"],
    locked_ids: ["ceiling", "dither", "bits"],
    lock_label: "Lock ceiling & dither",
    clap_id: "com.lathe-audio.mastering-limiter",
    description: "True-peak mastering limiter with loudness targets, Learn, dither and a translation check",
    clap_features: [AudioEffect, Stereo, Mono, Limiter, Mastering],
    vst3_class_id: *b"LatheMastLimit01",
    vst3_subcategories: [Fx, Dynamics, Mastering],
}

/// The plugin instance.
pub struct MasteringLimiter {
    params: Arc<LimiterParams>,
    engine: LimiterEngine,
    meters: Arc<LimiterMeters>,
    ballistics: MeterBallistics,
    /// The latency reported and the lookahead and oversampling it depends on (held until a
    /// CLAP restart).
    latency: shared_plugin::latency::LatencyGate<(f32, Oversampling)>,
    since_publish_s: f32,
}

impl Default for MasteringLimiter {
    fn default() -> Self {
        Self {
            params: startup_params(),
            engine: LimiterEngine::new(),
            meters: Arc::new(LimiterMeters::default()),
            ballistics: MeterBallistics::default(),
            latency: Default::default(),
            since_publish_s: 0.0,
        }
    }
}

impl MasteringLimiter {
    /// Publishes the loudness readings for the editor.
    fn publish_loudness(&self) {
        let l = self.engine.loudness();
        let m = &self.meters;
        let st = |a: &atomic_float::AtomicF64, v: f64| a.store(v, Ordering::Relaxed);
        st(&m.momentary_lufs, l.momentary_lufs);
        st(&m.short_term_lufs, l.short_term_lufs);
        st(&m.integrated_lufs, l.output.integrated_lufs);
        st(&m.lra_lu, l.output.lra_lu);
        st(&m.output_true_peak_dbtp, l.output.true_peak_dbtp);
        st(&m.input_true_peak_dbtp, l.input.true_peak_dbtp);
        st(&m.input_integrated_lufs, l.input.integrated_lufs);
    }

    /// Starts or ends a Learn pass as the editor asks.
    fn follow_learn_request(&mut self) {
        let m = &self.meters;
        let wanted = m.learn_requested.load(Ordering::Relaxed);
        if wanted && !self.engine.is_learning() {
            self.engine.start_learning();
            m.learn_status
                .store(learn_status::LEARNING, Ordering::Relaxed);
        } else if !wanted && self.engine.is_learning() {
            let target = m.learn_target_lufs.load(Ordering::Relaxed);
            let status = match self.engine.finish_learning(target) {
                Ok(gain_db) => {
                    m.learned_gain_db.store(gain_db, Ordering::Relaxed);
                    learn_status::DONE
                }
                Err(LearnError::NoSignal) => learn_status::NO_SIGNAL,
                Err(LearnError::TargetOutOfReach(l)) => {
                    m.learn_detail.store(l, Ordering::Relaxed);
                    learn_status::OUT_OF_REACH
                }
                Err(LearnError::AlreadyLouder(l)) => {
                    m.learn_detail.store(l, Ordering::Relaxed);
                    learn_status::ALREADY_LOUDER
                }
            };
            m.learn_status.store(status, Ordering::Release);
        }
    }
}

impl Plugin for MasteringLimiter {
    shared_plugin::plugin_basics!(name: "Lathe Mastering Limiter", migrations: &[]);

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] =
        &[shared_plugin::layouts::STEREO, shared_plugin::layouts::MONO];

    type Editor = shared_gui::LatheEditor<editor::LimiterLayout>;

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.meters.clone())
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let settings = self.params.settings();
        self.latency
            .activate((settings.limiter.lookahead_ms, settings.limiter.oversampling));
        let channels = audio_io_layout
            .main_output_channels
            .map_or(2, |c| c.get() as usize);
        self.engine.set_settings(&settings);
        self.engine
            .prepare_channels(buffer_config.sample_rate, channels);
        self.latency
            .report_activate(self.engine.latency_samples(), context);
        self.meters
            .levels
            .set_sample_rate(buffer_config.sample_rate);
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
        let wanted = (settings.limiter.lookahead_ms, settings.limiter.oversampling);
        (settings.limiter.lookahead_ms, settings.limiter.oversampling) =
            self.latency.key_for_block(wanted, context);
        self.engine.set_settings(&settings);
        self.latency
            .report_process(self.engine.latency_samples(), context);
        if self.meters.reset_requested.swap(false, Ordering::Relaxed) {
            self.engine.reset_loudness();
        }
        self.follow_learn_request();
        self.engine.process_block(buffer.as_slice());
        let seconds = self.ballistics.publish_block(
            self.engine.readings(),
            num_samples,
            self.engine.sample_rate_hz(),
            &self.meters.levels,
        );
        self.since_publish_s += seconds;
        if self.since_publish_s >= LOUDNESS_PUBLISH_S {
            self.since_publish_s = 0.0;
            self.publish_loudness();
        }
        ProcessStatus::Normal
    }
}
