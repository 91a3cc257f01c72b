//! The mastering limiter engine: a plain struct with `prepare / reset / process_block`,
//! testable without a host. Signal flow:
//!
//! ```text
//! in ─┬→ × input gain → [DC filter] → LookaheadLimiter (true-peak, 1/2/4/8×) → [dither] = master
//!     │                                                                     │
//!     ├→ BS.1770 meter (input)                      BS.1770 meter (output) ←┘
//!     └→ GainLearner (while learning)
//! master → listen (normal | unity gain | delta) → monitor (translation check) → out
//! ```
//!
//! The true-peak promise holds for the master, dither included (the limiter keeps room for the
//! dither's largest step); listen and monitor are monitoring aids, off by default. The runner
//! (`shared_dsp::runner`) chunks host blocks, sanitises input, crossfades the bypass and keeps
//! the latency while bypassed.

use shared_dsp::db::db_to_gain;
use shared_dsp::delay::DelayLine;
use shared_dsp::dither::{DitherBits, DitherCoeffs, DitherMode, DitherState};
use shared_dsp::dynamics::limiter::learn::{GainLearner, LearnError};
use shared_dsp::dynamics::limiter::{
    LimiterSettings, LookaheadLimiter, Oversampling, MAX_LOOKAHEAD_MS, MAX_SAMPLE_RATE_HZ,
};
use shared_dsp::filter::biquad::{BiquadCoeffs, BiquadState};
use shared_dsp::loudness::{LoudnessMeter, LoudnessReadings};
use shared_dsp::monitor::{MonitorCoeffs, MonitorState, MonitorSystem};
use shared_dsp::runner::{ChunkEngine, Engine, EngineCore, Runner, MAX_CHANNELS, MAX_CHUNK};
use shared_dsp::smoothing::{Smoother, SmoothingStyle};
use shared_plugin::meters::BlockReadings;

/// Ramp time of input-gain changes, ms.
pub const GAIN_RAMP_MS: f32 = 20.0;
/// Corner of the DC filter, Hz.
pub const DC_FILTER_HZ: f32 = 5.0;
/// Largest correction of the unity-gain listen, dB.
pub const UNITY_LIMIT_DB: f32 = 24.0;
/// Ramp time of the unity-gain listen's gain, ms.
pub const UNITY_RAMP_MS: f32 = 200.0;

/// What the output carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listen {
    /// The master.
    Normal,
    /// The master level-matched to the input by short-term loudness.
    UnityGain,
    /// What the limiter removes: the (gained, delayed) input minus the limited signal.
    Delta,
}

/// Every setting of the mastering limiter in plain units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MasteringSettings {
    /// Input gain, linear (1 – 15.85, i.e. 0 – 24 dB).
    pub input_gain: f32,
    /// The limiter proper.
    pub limiter: LimiterSettings,
    /// Output dither.
    pub dither: DitherMode,
    /// Dither word length.
    pub bits: DitherBits,
    /// 5 Hz high-pass before the limiter.
    pub dc_filter: bool,
    /// Listen mode.
    pub listen: Listen,
    /// Translation-check monitor.
    pub monitor: MonitorSystem,
    /// Bypass (the runner crossfades to the delayed input).
    pub bypass: bool,
}

impl Default for MasteringSettings {
    fn default() -> Self {
        Self {
            input_gain: 1.0,
            limiter: LimiterSettings {
                oversampling: Oversampling::X4,
                ..LimiterSettings::default()
            },
            dither: DitherMode::Off,
            bits: DitherBits::Bits24,
            dc_filter: false,
            listen: Listen::Normal,
            monitor: MonitorSystem::Off,
            bypass: false,
        }
    }
}

/// Each float setting's range and default, written once: the parameters (`crate::params`)
/// offer exactly these and [`sanitize_settings`] clamps to them.
pub mod ranges {
    use shared_dsp::dynamics::limiter::{MAX_INPUT_GAIN_DB, MAX_LOOKAHEAD_MS, MIN_LOOKAHEAD_MS};
    use shared_dsp::range::Range;

    /// Input gain, dB (carried as a linear gain); its top is also Learn's largest gain.
    pub const INPUT_GAIN_DB: Range = Range::new(0.0, MAX_INPUT_GAIN_DB, 0.0);
    /// Ceiling, dBTP (carried as a linear gain).
    pub const CEILING_DB: Range = Range::new(-12.0, 0.0, -1.0);
    /// Look-ahead, ms.
    pub const LOOKAHEAD_MS: Range = Range::new(MIN_LOOKAHEAD_MS, MAX_LOOKAHEAD_MS, 1.5);
    /// Release, ms.
    pub const RELEASE_MS: Range = Range::new(1.0, 1000.0, 100.0);
    /// Stereo link, 0–1.
    pub const LINK: Range = Range::new(0.0, 1.0, 1.0);
    /// Custom loudness target, LUFS.
    pub const CUSTOM_TARGET_LUFS: Range = Range::new(-30.0, -5.0, -14.0);
}

/// Clamps settings to the parameters' ranges ([`ranges`]) and replaces non-finite values by
/// defaults, so a corrupt preset or a host sending garbage cannot destabilise the engine.
pub fn sanitize_settings(s: &MasteringSettings) -> MasteringSettings {
    use ranges::*;
    let mut o = *s;
    o.input_gain = INPUT_GAIN_DB.clamp_gain(o.input_gain);
    let l = &mut o.limiter;
    l.ceiling_gain = CEILING_DB.clamp_gain(l.ceiling_gain);
    l.lookahead_ms = LOOKAHEAD_MS.clamp(l.lookahead_ms);
    l.release_ms = RELEASE_MS.clamp(l.release_ms);
    l.link = LINK.clamp(l.link);
    o
}

/// Loudness of the master (after the dither; listen and monitor excluded) and of the input
/// (before the input gain) since the last meter reset.
#[derive(Clone, Copy, Debug)]
pub struct LoudnessSnapshot {
    /// Momentary loudness of the master (400 ms), LUFS.
    pub momentary_lufs: f64,
    /// Short-term loudness of the master (3 s), LUFS.
    pub short_term_lufs: f64,
    /// Master readings since the reset (integrated, LRA, maxima, true peak).
    pub output: LoudnessReadings,
    /// Input readings since the reset.
    pub input: LoudnessReadings,
}

/// The DSP between the runner's sanitising and its bypass (see the module docs).
pub struct LimiterCore {
    sample_rate_hz: f32,
    num_channels: usize,
    settings: MasteringSettings,
    input_gain: Smoother,
    dc: BiquadCoeffs,
    dc_state: [BiquadState; MAX_CHANNELS],
    limiter: LookaheadLimiter,
    dither: DitherCoeffs,
    dither_state: [DitherState; MAX_CHANNELS],
    /// The gained input, delayed like the limiter (delta listen).
    delta_delay: [DelayLine; MAX_CHANNELS],
    unity: Smoother,
    monitor: MonitorCoeffs,
    /// Every monitor system designed for the current rate (in `prepare`: designing one takes
    /// a few hundred µs, too long for the audio thread), in `MonitorSystem::ALL` order.
    monitors: [MonitorCoeffs; MonitorSystem::ALL.len()],
    monitor_state: MonitorState,
    /// Short-term loudness before and after the monitor curve, and the gain that matches them
    /// on the programme itself (the curves are matched on pink noise; music with more or less
    /// bass than pink noise would otherwise change level when a simulation is switched on).
    monitor_pre: LoudnessMeter,
    monitor_post: LoudnessMeter,
    monitor_match: Smoother,
    meter_in: LoudnessMeter,
    meter_out: LoudnessMeter,
    learner: GainLearner,
    learning: bool,
    /// Deepest gain of the last host block (linear).
    min_gain: f32,
    readings: BlockReadings,
}

impl LimiterCore {
    fn new_core() -> Self {
        let sr = 48_000.0;
        let max_latency = Self::max_latency();
        let s = MasteringSettings::default();
        Self {
            sample_rate_hz: sr,
            num_channels: 2,
            settings: s,
            input_gain: Smoother::new(SmoothingStyle::Linear(GAIN_RAMP_MS), 1.0),
            dc: BiquadCoeffs::first_order_highpass(sr, DC_FILTER_HZ),
            dc_state: Default::default(),
            limiter: LookaheadLimiter::new(sr),
            dither: DitherCoeffs::new(DitherMode::Off, DitherBits::Bits24, sr),
            dither_state: [DitherState::new(1), DitherState::new(2)],
            delta_delay: [DelayLine::new(max_latency), DelayLine::new(max_latency)],
            unity: Smoother::new(SmoothingStyle::Linear(UNITY_RAMP_MS), 1.0),
            monitor: MonitorCoeffs::new(MonitorSystem::Off, sr),
            monitors: MonitorSystem::ALL.map(|m| MonitorCoeffs::new(m, sr)),
            monitor_state: MonitorState::default(),
            monitor_pre: LoudnessMeter::new(48_000, 2).expect("valid"),
            monitor_post: LoudnessMeter::new(48_000, 2).expect("valid"),
            monitor_match: Smoother::new(SmoothingStyle::Linear(UNITY_RAMP_MS), 1.0),
            meter_in: LoudnessMeter::new(48_000, 2).expect("valid"),
            meter_out: LoudnessMeter::new(48_000, 2).expect("valid"),
            learner: GainLearner::new(sr, 2),
            learning: false,
            min_gain: 1.0,
            readings: BlockReadings::default(),
        }
    }

    /// Largest latency any setting can have (10 ms lookahead at 384 kHz, 8×), samples.
    fn max_latency() -> usize {
        (MAX_LOOKAHEAD_MS * 1e-3 * MAX_SAMPLE_RATE_HZ) as usize + 256
    }

    fn prepare_core(&mut self, sample_rate_hz: f32, num_channels: usize) {
        self.sample_rate_hz = sample_rate_hz;
        self.num_channels = num_channels.clamp(1, 2);
        self.input_gain.prepare(sample_rate_hz);
        self.unity.prepare(sample_rate_hz);
        self.dc = BiquadCoeffs::first_order_highpass(sample_rate_hz, DC_FILTER_HZ);
        self.limiter.prepare(sample_rate_hz);
        self.monitors = MonitorSystem::ALL.map(|m| MonitorCoeffs::new(m, sample_rate_hz));
        let rate = (sample_rate_hz.round() as u32).clamp(
            shared_dsp::loudness::MIN_SAMPLE_RATE_HZ,
            shared_dsp::loudness::MAX_SAMPLE_RATE_HZ,
        );
        self.meter_in = LoudnessMeter::new(rate, self.num_channels).expect("valid");
        self.meter_out = LoudnessMeter::new(rate, self.num_channels).expect("valid");
        self.monitor_pre = LoudnessMeter::new(rate, 2).expect("valid");
        self.monitor_post = LoudnessMeter::new(rate, 2).expect("valid");
        self.monitor_match.prepare(sample_rate_hz);
        self.learner.prepare(sample_rate_hz, self.num_channels);
        let s = self.settings;
        self.apply_settings(&s, true);
        self.reset();
    }

    fn apply_settings(&mut self, s: &MasteringSettings, force: bool) {
        let old = self.settings;
        self.settings = *s;
        self.input_gain.set_target(s.input_gain);
        if force || s.limiter != old.limiter {
            self.limiter.set_settings(&s.limiter);
            self.learner.set_settings(&s.limiter);
            let latency = self.limiter.latency_samples() as usize;
            for d in self.delta_delay.iter_mut() {
                d.set_delay_samples(latency);
            }
        }
        if force || s.dither != old.dither || s.bits != old.bits {
            self.dither = DitherCoeffs::new(s.dither, s.bits, self.sample_rate_hz);
            self.limiter
                .set_output_headroom(self.dither.max_abs_error());
        }
        if force || s.monitor != old.monitor {
            if let Some(c) = self.monitors.iter().find(|c| c.system == s.monitor) {
                self.monitor = *c;
            }
            self.monitor_state.reset();
            self.monitor_pre.reset();
            self.monitor_post.reset();
            self.monitor_match.reset(1.0);
        }
    }

    /// The unity-gain listen's target gain: input short-term loudness over output's.
    fn unity_target(&self) -> f32 {
        let (a, b) = (
            self.meter_in.short_term_lufs(),
            self.meter_out.short_term_lufs(),
        );
        if a.is_finite() && b.is_finite() {
            db_to_gain(((a - b) as f32).clamp(-UNITY_LIMIT_DB, UNITY_LIMIT_DB))
        } else {
            1.0
        }
    }
}

impl ChunkEngine for LimiterCore {
    fn process_chunk(&mut self, audio: &mut [&mut [f32]], _key: Option<&[&[f32]]>, _pos: u64) {
        let nc = audio.len().min(MAX_CHANNELS);
        let n = audio[0].len().min(MAX_CHUNK);
        let s = self.settings;

        // Input meter (the signal as it arrives) and the learner.
        {
            let refs: [&[f32]; 2] = [&audio[0][..n], &audio[nc - 1][..n]];
            let _ = self
                .meter_in
                .process_planar(&refs[..self.num_channels.min(nc)]);
        }
        // Input gain and DC filter.
        let mut gain = [0.0f32; MAX_CHUNK];
        self.input_gain.next_block(&mut gain[..n]);
        if s.dc_filter {
            for (st, ch) in self.dc_state.iter_mut().zip(audio.iter_mut()) {
                st.process_block(&self.dc, &mut ch[..n]);
            }
        }
        if self.learning {
            let refs: [&[f32]; 2] = [&audio[0][..n], &audio[nc - 1][..n]];
            self.learner.process(&refs[..self.num_channels.min(nc)]);
        }
        for ch in audio.iter_mut() {
            for (x, g) in ch[..n].iter_mut().zip(&gain[..n]) {
                *x *= g;
            }
        }
        // Keep the gained input for delta listen.
        let mut dry = [[0.0f32; MAX_CHUNK]; MAX_CHANNELS];
        for ((d, ch), delay) in dry
            .iter_mut()
            .zip(audio.iter())
            .zip(self.delta_delay.iter_mut())
        {
            d[..n].copy_from_slice(&ch[..n]);
            delay.process_block(&mut d[..n]);
        }
        // Limit, then dither: the master.
        {
            let (a, b) = audio.split_at_mut(1);
            if nc == 2 {
                self.limiter
                    .process_chunk(&mut [&mut a[0][..n], &mut b[0][..n]]);
            } else {
                self.limiter.process_chunk(&mut [&mut a[0][..n]]);
            }
        }
        self.min_gain = self.min_gain.min(self.limiter.take_min_gain());
        for (st, ch) in self.dither_state.iter_mut().zip(audio.iter_mut()) {
            st.process_block(&self.dither, &mut ch[..n]);
        }
        {
            let refs: [&[f32]; 2] = [&audio[0][..n], &audio[nc - 1][..n]];
            let _ = self
                .meter_out
                .process_planar(&refs[..self.num_channels.min(nc)]);
        }
        if s.listen == Listen::Delta {
            for (ch, d) in audio.iter_mut().zip(dry.iter()) {
                for (x, d) in ch[..n].iter_mut().zip(&d[..n]) {
                    *x = d - *x;
                }
            }
        }
        // Listen and monitor.
        if s.listen == Listen::UnityGain {
            self.unity.set_target(self.unity_target());
            let mut g = [0.0f32; MAX_CHUNK];
            self.unity.next_block(&mut g[..n]);
            for ch in audio.iter_mut() {
                for (x, g) in ch[..n].iter_mut().zip(&g[..n]) {
                    *x *= g;
                }
            }
        }
        if s.monitor != MonitorSystem::Off {
            let mut l = [0.0f32; MAX_CHUNK];
            let mut r = [0.0f32; MAX_CHUNK];
            l[..n].copy_from_slice(&audio[0][..n]);
            r[..n].copy_from_slice(&audio[nc - 1][..n]);
            let _ = self.monitor_pre.process_planar(&[&l[..n], &r[..n]]);
            self.monitor_state
                .process_stereo(&self.monitor, &mut l[..n], &mut r[..n]);
            let _ = self.monitor_post.process_planar(&[&l[..n], &r[..n]]);
            let (a, b) = (
                self.monitor_pre.short_term_lufs(),
                self.monitor_post.short_term_lufs(),
            );
            if a.is_finite() && b.is_finite() {
                self.monitor_match.set_target(db_to_gain(
                    ((a - b) as f32).clamp(-UNITY_LIMIT_DB, UNITY_LIMIT_DB),
                ));
            }
            let mut g = [0.0f32; MAX_CHUNK];
            self.monitor_match.next_block(&mut g[..n]);
            for (x, (v, g)) in audio[0][..n].iter_mut().zip(l[..n].iter().zip(&g[..n])) {
                *x = v * g;
            }
            if nc == 2 {
                for (x, (v, g)) in audio[1][..n].iter_mut().zip(r[..n].iter().zip(&g[..n])) {
                    *x = v * g;
                }
            }
        }
    }

    fn latency_samples(&self) -> u32 {
        self.limiter.latency_samples()
    }

    fn reset(&mut self) {
        self.limiter.reset();
        self.dc_state = Default::default();
        for d in self.dither_state.iter_mut() {
            d.reset();
        }
        for d in self.delta_delay.iter_mut() {
            d.reset();
        }
        self.monitor_state.reset();
        self.monitor_match.reset(self.monitor_match.target());
        let g = self.input_gain.target();
        self.input_gain.reset(g);
        self.unity.reset(1.0);
    }
}

/// The mastering limiter: [`LimiterCore`] behind the shared runner
/// (`shared_dsp::runner::Engine`); its loudness and Learn are the core's methods.
pub type LimiterEngine = Engine<LimiterCore>;

impl LimiterCore {
    /// Meter readings of the last host block.
    pub fn readings(&self) -> &BlockReadings {
        &self.readings
    }

    /// Loudness of input and master since the last `reset_loudness`.
    /// Computing the integrated values walks the gating histograms: call it a few times a
    /// second, not per block.
    pub fn loudness(&self) -> LoudnessSnapshot {
        LoudnessSnapshot {
            momentary_lufs: self.meter_out.momentary_lufs(),
            short_term_lufs: self.meter_out.short_term_lufs(),
            output: self.meter_out.readings(),
            input: self.meter_in.readings(),
        }
    }

    /// Short-term loudness of the master, LUFS (cheap).
    pub fn short_term_lufs(&self) -> f64 {
        self.meter_out.short_term_lufs()
    }

    /// Restarts the loudness meters (integrated, LRA, true-peak maximum). Realtime-safe.
    pub fn reset_loudness(&mut self) {
        self.meter_in.reset();
        self.meter_out.reset();
    }

    /// Starts a "Learn" pass: from now on the input is measured through the shadow limiters.
    pub fn start_learning(&mut self) {
        self.learner.reset();
        self.learning = true;
    }

    /// Whether a "Learn" pass is running.
    pub fn is_learning(&self) -> bool {
        self.learning
    }

    /// Ends the "Learn" pass and returns the input gain (dB) that brings the master to
    /// `target_lufs`, or why there is none. The engine does not apply it: the caller sets the
    /// input-gain parameter (so the host and the editor see it).
    pub fn finish_learning(&mut self, target_lufs: f64) -> Result<f32, LearnError> {
        self.learning = false;
        self.learner.suggest(target_lufs)
    }
}

impl EngineCore for LimiterCore {
    type Settings = MasteringSettings;

    fn new() -> Self {
        LimiterCore::new_core()
    }
    fn max_latency_samples(&self) -> usize {
        LimiterCore::max_latency()
    }
    fn prepare(&mut self, sample_rate_hz: f32, num_channels: usize) {
        self.prepare_core(sample_rate_hz, num_channels);
    }
    fn sanitize(settings: &MasteringSettings) -> MasteringSettings {
        sanitize_settings(settings)
    }
    fn apply(&mut self, s: &MasteringSettings) {
        if *s != self.settings {
            self.apply_settings(s, false);
        }
    }
    fn bypass(settings: &MasteringSettings) -> bool {
        settings.bypass
    }
    fn settings(&self) -> &MasteringSettings {
        &self.settings
    }
    fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }
    fn begin_block(&mut self) {
        self.min_gain = 1.0;
    }
    fn end_block(&mut self, runner: &mut Runner) {
        let levels = runner.levels();
        let gr_db = 20.0 * self.min_gain.max(1e-10).log10();
        self.readings = BlockReadings {
            input: levels.input,
            output: levels.output,
            gain_db: [gr_db, 0.0],
            detector_db: shared_dsp::db::MINUS_INFINITY_DB,
        };
    }
    fn dithered_bits(settings: &MasteringSettings) -> Option<u32> {
        (settings.dither != DitherMode::Off && !settings.bypass).then(|| settings.bits.bits())
    }
}
