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
use shared_dsp::dynamics::limiter::LimiterOversampling;
use shared_plugin::meters::MeterBallistics;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use dsp::LimiterEngine;
use meters::{learn_status, LimiterMeters};
use params::LimiterParams;

/// Loudness readings are published this often, seconds (walking the gating histograms is not
/// free).
const LOUDNESS_PUBLISH_S: f32 = 0.1;

/// The factory presets (`presets/factory.json`), embedded at build time.
pub const FACTORY_PRESETS_JSON: &str = include_str!("../presets/factory.json");

/// The factory presets (the file is checked by the tests, so this cannot fail in a release).
pub fn factory_presets() -> Vec<shared_plugin::presets::FactoryPreset> {
    shared_plugin::presets::parse_factory(FACTORY_PRESETS_JSON).unwrap_or_default()
}

/// The plugin's presets: factory bank, user preset folder, and what the lock keeps.
pub fn preset_kit() -> shared_plugin::session::PresetKit {
    shared_plugin::session::PresetKit {
        plugin_id: <MasteringLimiter as ClapPlugin>::CLAP_ID,
        folder: "mastering-limiter",
        factory: factory_presets(),
        locked_ids: &["ceiling", "dither", "bits"],
        lock_label: "Lock ceiling & dither",
    }
}

/// The plugin as the `lathe` command line runs it, without a host.
pub struct Offline;

impl shared_plugin::offline::OfflinePlugin for Offline {
    const CLI_NAME: &'static str = "mastering-limiter";
    const CLI_ALIASES: &'static [&'static str] = &["limiter", "mastering_limiter"];
    type Params = params::LimiterParams;
    type Engine = dsp::LimiterEngine;

    fn factory_presets() -> Vec<shared_plugin::presets::FactoryPreset> {
        factory_presets()
    }
    fn new_engine() -> Self::Engine {
        dsp::LimiterEngine::new()
    }
    fn settings(
        params: &Self::Params,
    ) -> <Self::Engine as shared_dsp::runner::PluginEngine>::Settings {
        params.settings()
    }
}

/// The plugin instance.
pub struct MasteringLimiter {
    params: Arc<LimiterParams>,
    engine: LimiterEngine,
    meters: Arc<LimiterMeters>,
    ballistics: MeterBallistics,
    /// The latency reported and the lookahead and oversampling it depends on (held until a
    /// CLAP restart).
    latency: shared_plugin::latency::LatencyGate<(f32, LimiterOversampling)>,
    since_publish_s: f32,
}

impl Default for MasteringLimiter {
    fn default() -> Self {
        Self {
            params: {
                // A new instance starts from the user's saved default preset, if any.
                let params = Arc::new(LimiterParams::default());
                preset_kit().apply_startup_default(&*params, &params.session);
                params
            },
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
    const NAME: &'static str = "Lathe Mastering Limiter";
    const VENDOR: &'static str = shared_plugin::VENDOR;
    const URL: &'static str = shared_plugin::URL;
    const EMAIL: &'static str = shared_plugin::EMAIL;
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] =
        &[shared_plugin::layouts::STEREO, shared_plugin::layouts::MONO];

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = shared_gui::LatheEditor<editor::LimiterLayout>;
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
        self.meters.levels.sample_rate_hz.store(
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
        let seconds = num_samples as f32 / self.engine.sample_rate_hz();
        self.ballistics
            .publish(self.engine.readings(), seconds, &self.meters.levels);
        self.since_publish_s += seconds;
        if self.since_publish_s >= LOUDNESS_PUBLISH_S {
            self.since_publish_s = 0.0;
            self.publish_loudness();
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for MasteringLimiter {
    const CLAP_ID: &'static str = "com.lathe-audio.mastering-limiter";
    const CLAP_DESCRIPTION: Option<&'static str> = Some(
        "True-peak mastering limiter with loudness targets, Learn, dither and a translation check",
    );
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Limiter,
        ClapFeature::Mastering,
    ];
}

impl Vst3Plugin for MasteringLimiter {
    const VST3_CLASS_ID: [u8; 16] = *b"LatheMastLimit01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Dynamics,
        Vst3SubCategory::Mastering,
    ];
}

nice_export_clap!(MasteringLimiter);
nice_export_vst3!(MasteringLimiter);
