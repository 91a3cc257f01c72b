//! The channel strip engine: a plain struct with `prepare / reset / process_block`, testable
//! without a host. Signal flow:
//!
//! ```text
//! in → trim/polarity → HPF → LPF → [EQ → gate → comp | gate → comp → EQ]
//!    → saturation (4× oversampled) → width/pan → output mode → output gain → bypass fade → out
//! ```
//!
//! Every continuous setting is smoothed here (not in the host wrapper) so that the engine is
//! block-size independent: per-sample ramps for gains and mixes; frequency, gain and Q of the
//! filters move on a fixed 16-sample grid (coefficients are recomputed only while a ramp runs).
//! Switching a module on or off crossfades it in 10 ms, as do the output mode (a smoothed 2×2
//! matrix) and the bypass; the choice controls EQ shape, saturation curve, filter slope and
//! dynamics order switch instantly (a slope change clears that filter's memory). The reported
//! latency is the 4× oversampler's and is the same whatever is switched on; every path that
//! skips the oversampler (saturation off, bypass) goes through an equal delay line.

use shared_dsp::crossfade::Crossfade;
use shared_dsp::db::{db_to_gain, db_to_gain_fast, flush_denormal};
use shared_dsp::delay::DelayLine;
use shared_dsp::dynamics::compressor::{
    Compressor, CompressorSettings, StereoMode, BLOCK as COMP_BLOCK,
};
use shared_dsp::dynamics::gate::{Gate, GateCoeffs, GateMode};
use shared_dsp::filter::biquad::{BiquadCoeffs, BiquadState, Refine};
use shared_dsp::filter::butterworth::{ButterworthCoeffs, ButterworthState, FilterSlope};
use shared_dsp::meter::BlockLevel;
use shared_dsp::oversampling::{Oversampler, OversamplingFactor};
use shared_dsp::runner::{ChunkEngine, Engine, EngineCore, Runner};
use shared_dsp::saturation::{SaturationCurve, Saturator};
use shared_dsp::smoothing::{Smoother, SmoothingStyle};

/// Maximum number of channels and the internal processing block (host blocks of any size are
/// cut into pieces of at most this): the runner's, which hands the engine its chunks.
pub use shared_dsp::runner::{MAX_CHANNELS, MAX_CHUNK};

mod dynamics;
mod filters;
mod output;
mod settings;

pub use settings::*;
/// Filter coefficients are recomputed at most once per this many samples, on a grid fixed to
/// the absolute sample position (so the result does not depend on the host's block size).
pub const COEFF_GRID: u64 = 16;
/// Module on/off crossfade time.
pub const FADE_MS: f32 = 10.0;
/// DC blocker corner after the saturator (the Warm curve creates DC).
pub const SAT_DC_BLOCK_HZ: f32 = 5.0;

/// Designs one EQ band's coefficients (analog-matched, Vicanek 2016).
pub fn eq_band_coeffs(
    sample_rate_hz: f32,
    shape: EqShape,
    freq_hz: f32,
    q: f32,
    gain_db: f32,
) -> BiquadCoeffs {
    eq_band_coeffs_with(sample_rate_hz, shape, freq_hz, q, gain_db, Refine::BestOf)
}

/// [`eq_band_coeffs`] with the refinement chosen: the audio thread designs with
/// [`Refine::ClosedForm`] while a band's settings ramp (bounded cost), and crossfades the
/// coefficients to the refined design over [`EQ_REFINE_STEPS`] grid steps when the ramp ends.
pub fn eq_band_coeffs_with(
    sample_rate_hz: f32,
    shape: EqShape,
    freq_hz: f32,
    q: f32,
    gain_db: f32,
    refine: Refine,
) -> BiquadCoeffs {
    let sr = sample_rate_hz;
    match shape {
        EqShape::Bell => BiquadCoeffs::peak_matched_with(sr, freq_hz, q, gain_db, refine),
        EqShape::LowShelf => BiquadCoeffs::low_shelf_matched_with(sr, freq_hz, q, gain_db, refine),
        EqShape::HighShelf => {
            BiquadCoeffs::high_shelf_matched_with(sr, freq_hz, q, gain_db, refine)
        }
    }
}

/// Grid steps ([`COEFF_GRID`] samples each) over which a band's coefficients move from the
/// closed-form design used during a ramp to the refined design (256 samples, 5.3 ms at 48 kHz).
pub const EQ_REFINE_STEPS: u32 = 16;

/// Levels of the last processed block, for meters.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockMeters {
    /// Input level (before trim).
    pub input: BlockLevel,
    /// Output level.
    pub output: BlockLevel,
    /// Deepest gate attenuation in the block, dB (≤ 0).
    pub gate_gain_db: f32,
    /// Deepest compressor gain reduction in the block, dB (≤ 0).
    pub comp_gain_db: f32,
}

/// The channel strip's DSP between the runner's input sanitising and its bypass (see
/// [`ChannelStripEngine`]).
pub struct StripCore {
    sample_rate_hz: f32,
    settings: Settings,
    /// Set when coefficients must be recomputed at the next chunk whatever the smoothers do.
    coeffs_dirty: bool,

    trim: Smoother,
    polarity: Smoother,
    output_gain: Smoother,
    pan: Smoother,
    width: Smoother,
    /// Output-mode matrix coefficients, crossfaded over [`FADE_MS`].
    out_matrix: [Smoother; 4],
    sat_mix: Smoother,
    sat_drive_db: Smoother,

    hpf_fade: Crossfade,
    lpf_fade: Crossfade,
    gate_fade: Crossfade,
    comp_fade: Crossfade,
    sat_fade: Crossfade,

    hpf_freq: Smoother,
    lpf_freq: Smoother,
    hpf: ButterworthCoeffs,
    lpf: ButterworthCoeffs,
    hpf_state: [ButterworthState; MAX_CHANNELS],
    lpf_state: [ButterworthState; MAX_CHANNELS],

    eq_freq: [Smoother; 4],
    eq_gain_db: [Smoother; 4],
    eq_q: [Smoother; 4],
    eq: [BiquadCoeffs; 4],
    eq_state: [[BiquadState; MAX_CHANNELS]; 4],
    /// Whether each band's settings moved at the last grid step.
    eq_was_moving: [bool; 4],
    /// A band's crossfade from the closed-form design to the refined one: (from, to, step).
    eq_refine: [Option<(BiquadCoeffs, BiquadCoeffs, u32)>; 4],

    gate: Gate,
    gate_coeffs: GateCoeffs,
    key_hpf: BiquadCoeffs,
    key_lpf: BiquadCoeffs,
    key_state: [[BiquadState; 2]; MAX_CHANNELS],

    /// The compressor (shared with the bus compressor).
    comp: Compressor,

    oversampler: [Oversampler; MAX_CHANNELS],
    saturator: [Saturator; MAX_CHANNELS],
    sat_dc: BiquadCoeffs,
    sat_dc_state: [BiquadState; MAX_CHANNELS],
    /// Samples to wait after (re)starting the oversampler before fading it in (two latencies
    /// plus a grid step: the history must be full before its output is used).
    sat_warmup_left: u32,
    /// Whether the oversampler ran in the previous chunk (its history is valid).
    sat_running: bool,
    /// Delay equal to the oversampler's latency, for the path without saturation.
    sat_delay: [DelayLine; MAX_CHANNELS],

    /// Scratch: the saturated path of the current chunk.
    scratch_sat: [[f32; MAX_CHUNK]; MAX_CHANNELS],
    /// Scratch: a module's input, for wet/dry fades.
    scratch_pre: [[f32; MAX_CHUNK]; MAX_CHANNELS],
    /// Scratch: the oversampled dry signal, for the saturation mix.
    scratch_os: [f32; 4 * MAX_CHUNK],
    /// Scratch: per-sample gains.
    scratch_gain: [f32; MAX_CHUNK],

    meters: BlockMeters,
}

impl StripCore {
    /// Creates the core and allocates everything it will ever need.
    fn new_core() -> Self {
        let s = Settings::default();
        let sr = 48000.0;
        let lin = |ms, v| Smoother::new(SmoothingStyle::Linear(ms), v);
        let log = |ms, v| Smoother::new(SmoothingStyle::Logarithmic(ms), v);
        let mut oversampler = [Oversampler::new(MAX_CHUNK), Oversampler::new(MAX_CHUNK)];
        for o in oversampler.iter_mut() {
            o.set_factor(OversamplingFactor::X4);
        }
        let latency = oversampler[0].latency_samples() as usize;
        let mut engine = Self {
            sample_rate_hz: sr,
            settings: s,
            coeffs_dirty: true,
            trim: lin(15.0, s.trim_gain),
            polarity: lin(FADE_MS, 1.0),
            output_gain: lin(15.0, s.output_gain),
            pan: lin(20.0, s.pan),
            width: lin(20.0, s.width),
            out_matrix: output_matrix(s.output_mode).map(|v| lin(FADE_MS, v)),
            sat_mix: lin(15.0, s.sat_mix),
            sat_drive_db: lin(20.0, s.sat_drive_db),
            hpf_fade: Crossfade::new(FADE_MS),
            lpf_fade: Crossfade::new(FADE_MS),
            gate_fade: Crossfade::new(FADE_MS),
            comp_fade: Crossfade::new(FADE_MS),
            sat_fade: Crossfade::new(FADE_MS),
            hpf_freq: log(60.0, s.hpf_freq_hz),
            lpf_freq: log(60.0, s.lpf_freq_hz),
            hpf: ButterworthCoeffs::bypass(sr),
            lpf: ButterworthCoeffs::bypass(sr),
            hpf_state: Default::default(),
            lpf_state: Default::default(),
            eq_freq: s.eq.map(|b| log(60.0, b.freq_hz)),
            eq_gain_db: s.eq.map(|_| lin(20.0, 0.0)),
            eq_q: s.eq.map(|b| log(60.0, b.q)),
            eq: [BiquadCoeffs::identity(sr); 4],
            eq_state: Default::default(),
            eq_was_moving: [false; 4],
            eq_refine: [None; 4],
            gate: Gate::new(),
            gate_coeffs: GateCoeffs::new(
                sr,
                GateMode::Gate,
                -50.0,
                3.0,
                40.0,
                2.0,
                0.5,
                20.0,
                100.0,
            ),
            key_hpf: BiquadCoeffs::identity(sr),
            key_lpf: BiquadCoeffs::identity(sr),
            key_state: Default::default(),
            comp: Compressor::new(sr),
            oversampler,
            saturator: [Saturator::new(), Saturator::new()],
            sat_dc: BiquadCoeffs::identity(sr),
            sat_dc_state: Default::default(),
            sat_warmup_left: 0,
            sat_running: false,
            sat_delay: [DelayLine::new(latency), DelayLine::new(latency)],
            scratch_sat: [[0.0; MAX_CHUNK]; MAX_CHANNELS],
            scratch_pre: [[0.0; MAX_CHUNK]; MAX_CHANNELS],
            scratch_os: [0.0; 4 * MAX_CHUNK],
            scratch_gain: [0.0; MAX_CHUNK],
            meters: BlockMeters::default(),
        };
        for d in engine.sat_delay.iter_mut() {
            d.set_delay_samples(latency);
        }
        engine.prepare_core(sr);
        engine
    }

    fn prepare_core(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = sample_rate_hz;
        for s in self.smoothers_mut() {
            s.prepare(sample_rate_hz);
        }
        for f in self.fades_mut() {
            f.prepare(sample_rate_hz);
        }
        self.sat_dc = BiquadCoeffs::first_order_highpass(sample_rate_hz, SAT_DC_BLOCK_HZ);
        self.comp.prepare(sample_rate_hz);
        let s = self.settings;
        self.apply_static_settings(&s);
        self.reset_all();
    }

    /// The modules' on/off crossfades (input at A, the module's output at B).
    fn fades_mut(&mut self) -> [&mut Crossfade; 5] {
        [
            &mut self.hpf_fade,
            &mut self.lpf_fade,
            &mut self.gate_fade,
            &mut self.comp_fade,
            &mut self.sat_fade,
        ]
    }

    fn smoothers_mut(&mut self) -> impl Iterator<Item = &mut Smoother> {
        [
            &mut self.trim,
            &mut self.polarity,
            &mut self.output_gain,
            &mut self.pan,
            &mut self.width,
            &mut self.sat_mix,
            &mut self.sat_drive_db,
            &mut self.hpf_freq,
            &mut self.lpf_freq,
        ]
        .into_iter()
        .chain(self.eq_freq.iter_mut())
        .chain(self.eq_gain_db.iter_mut())
        .chain(self.eq_q.iter_mut())
        .chain(self.out_matrix.iter_mut())
    }

    /// Clears all audio memory and jumps every ramp to its target. Realtime-safe.
    fn reset_all(&mut self) {
        for s in self.smoothers_mut() {
            let t = s.target();
            s.reset(t);
        }
        for f in self.fades_mut() {
            f.settle();
        }
        self.clear_audio_state();
        self.coeffs_dirty = true;
        self.eq_was_moving = [false; 4];
        self.update_coeffs(true, true, [true; 4], Refine::BestOf);
    }

    /// Clears filter, detector, oversampler and delay memory (not the ramps).
    fn clear_audio_state(&mut self) {
        self.hpf_state = Default::default();
        self.lpf_state = Default::default();
        self.eq_state = Default::default();
        self.gate.reset();
        self.key_state = Default::default();
        self.comp.reset();
        for o in self.oversampler.iter_mut() {
            o.reset();
        }
        for s in self.saturator.iter_mut() {
            s.reset();
        }
        self.sat_dc_state = Default::default();
        self.sat_warmup_left = 0;
        self.sat_running = false;
        for d in self.sat_delay.iter_mut() {
            d.reset();
        }
    }

    /// Sets new targets (already sanitised).
    fn set_settings(&mut self, s: &Settings) {
        let s = *s;
        self.trim.set_target(s.trim_gain);
        self.polarity
            .set_target(if s.polarity_invert { -1.0 } else { 1.0 });
        self.output_gain.set_target(s.output_gain);
        self.pan.set_target(s.pan);
        self.width.set_target(s.width);
        for (m, v) in self.out_matrix.iter_mut().zip(output_matrix(s.output_mode)) {
            m.set_target(v);
        }
        self.sat_mix.set_target(s.sat_mix);
        self.sat_drive_db.set_target(s.sat_drive_db);
        self.hpf_fade.set_target(s.hpf_on);
        self.lpf_fade.set_target(s.lpf_on);
        self.gate_fade.set_target(s.gate_on);
        self.comp_fade.set_target(s.comp_on);
        self.sat_fade.set_target(s.sat_on);
        self.hpf_freq.set_target(s.hpf_freq_hz);
        self.lpf_freq.set_target(s.lpf_freq_hz);
        for (i, b) in s.eq.iter().enumerate() {
            self.eq_freq[i].set_target(b.freq_hz);
            self.eq_gain_db[i].set_target(if b.on { b.gain_db } else { 0.0 });
            self.eq_q[i].set_target(b.q);
        }
        if s != self.settings {
            let old = self.settings;
            self.settings = s;
            if old.hpf_slope != s.hpf_slope
                || old.lpf_slope != s.lpf_slope
                || old
                    .eq
                    .iter()
                    .zip(s.eq.iter())
                    .any(|(a, b)| a.shape != b.shape)
            {
                self.coeffs_dirty = true;
            }
            // A new slope is a different cascade: the old sections' memory would ring
            // through the new ones, so it is cleared (the docs promise it).
            if old.hpf_slope != s.hpf_slope {
                self.hpf_state = Default::default();
            }
            if old.lpf_slope != s.lpf_slope {
                self.lpf_state = Default::default();
            }
            self.apply_static_settings(&s);
        }
    }

    /// Recomputes the coefficients of settings that are not ramped (dynamics, key filters).
    fn apply_static_settings(&mut self, s: &Settings) {
        let sr = self.sample_rate_hz;
        self.gate_coeffs = GateCoeffs::new(
            sr,
            s.gate_mode,
            s.gate_threshold_db,
            s.gate_hysteresis_db,
            s.gate_range_db,
            s.gate_ratio,
            s.gate_attack_ms,
            s.gate_hold_ms,
            s.gate_release_ms,
        );
        self.key_hpf =
            BiquadCoeffs::highpass(sr, s.gate_key_hpf_hz, std::f32::consts::FRAC_1_SQRT_2);
        self.key_lpf =
            BiquadCoeffs::lowpass(sr, s.gate_key_lpf_hz, std::f32::consts::FRAC_1_SQRT_2);
        self.comp.set_settings(&comp_settings(s));
    }

    /// Recomputes filter coefficients from the smoothers' current values.
    fn update_coeffs(&mut self, hpf: bool, lpf: bool, bands: [bool; 4], refine: Refine) {
        let sr = self.sample_rate_hz;
        let s = &self.settings;
        if hpf {
            self.hpf = ButterworthCoeffs::highpass(sr, self.hpf_freq.current(), s.hpf_slope);
        }
        if lpf {
            self.lpf = ButterworthCoeffs::lowpass(sr, self.lpf_freq.current(), s.lpf_slope);
        }
        for i in (0..4).filter(|&i| bands[i]) {
            self.eq[i] = eq_band_coeffs_with(
                sr,
                s.eq[i].shape,
                self.eq_freq[i].current(),
                self.eq_q[i].current(),
                self.eq_gain_db[i].current(),
                refine,
            );
            if refine == Refine::BestOf {
                self.eq_refine[i] = None;
            }
        }
        self.coeffs_dirty = false;
    }

    /// For bands whose ramp has just ended: designs the refined coefficients once and starts
    /// a crossfade to them; advances running crossfades by one grid step.
    fn refine_settled_bands(&mut self, moving: [bool; 4]) {
        let sr = self.sample_rate_hz;
        for (b, &moving_now) in moving.iter().enumerate() {
            if moving_now {
                self.eq_refine[b] = None;
                continue;
            }
            if self.eq_was_moving[b] {
                let refined = eq_band_coeffs_with(
                    sr,
                    self.settings.eq[b].shape,
                    self.eq_freq[b].current(),
                    self.eq_q[b].current(),
                    self.eq_gain_db[b].current(),
                    Refine::BestOf,
                );
                if refined != self.eq[b] {
                    self.eq_refine[b] = Some((self.eq[b], refined, 0));
                }
            }
            if let Some((from, to, step)) = self.eq_refine[b] {
                let step = step + 1;
                if step >= EQ_REFINE_STEPS {
                    self.eq[b] = to;
                    self.eq_refine[b] = None;
                } else {
                    self.eq[b] = from.lerp(&to, step as f64 / EQ_REFINE_STEPS as f64);
                    self.eq_refine[b] = Some((from, to, step));
                }
            }
        }
    }

    /// `true` while filter coefficients have to follow a ramp (or a switch is pending).
    fn filter_settings_moving(&self) -> bool {
        self.coeffs_dirty
            || self.eq_refine.iter().any(Option::is_some)
            || self.eq_was_moving.iter().any(|&m| m)
            || self.hpf_freq.is_smoothing()
            || self.lpf_freq.is_smoothing()
            || self.eq_freq.iter().any(Smoother::is_smoothing)
            || self.eq_gain_db.iter().any(Smoother::is_smoothing)
            || self.eq_q.iter().any(Smoother::is_smoothing)
    }

    fn process_strip_chunk(&mut self, ch: &mut [&mut [f32]], position: u64) {
        let nc = ch.len();
        let at_grid = position.is_multiple_of(COEFF_GRID);

        // Ramped filter settings advance on the grid only.
        if at_grid {
            // Redesign only the filters whose settings moved (a matched EQ design costs
            // microseconds; doing all of them every 16 samples would spike the CPU).
            let step = |s: &mut Smoother| {
                let moving = s.is_smoothing();
                if moving {
                    s.skip(COEFF_GRID as u32);
                }
                moving
            };
            let all = self.coeffs_dirty;
            let hpf = step(&mut self.hpf_freq) || all;
            let lpf = step(&mut self.lpf_freq) || all;
            let mut moving = [false; 4];
            for (b, moved) in moving.iter_mut().enumerate() {
                // No short-circuit: every ramp must advance.
                let f = step(&mut self.eq_freq[b]);
                let g = step(&mut self.eq_gain_db[b]);
                let q = step(&mut self.eq_q[b]);
                *moved = f | g | q;
            }
            if all {
                // A switch or a reset: design everything fully, once.
                self.update_coeffs(hpf, lpf, [true; 4], Refine::BestOf);
            } else {
                // While ramping: the closed form only (bounded cost on the audio thread).
                self.update_coeffs(hpf, lpf, moving, Refine::ClosedForm);
                self.refine_settled_bands(moving);
            }
            self.eq_was_moving = moving;
        }

        // Trim and polarity (nothing to do at unity).
        Self::apply_gain(
            &mut self.trim,
            Some(&mut self.polarity),
            &mut self.scratch_gain,
            ch,
        );

        self.process_filters(ch);
        match self.settings.order {
            DynamicsOrder::EqThenDynamics => {
                self.process_eq(ch);
                self.process_dynamics(ch);
            }
            DynamicsOrder::DynamicsThenEq => {
                self.process_dynamics(ch);
                self.process_eq(ch);
            }
        }
        self.process_saturation(ch);
        if nc == 2 {
            self.process_stereo(ch);
        }

        // Output gain (the runner does the bypass and the non-finite fallback).
        Self::apply_gain(&mut self.output_gain, None, &mut self.scratch_gain, ch);
        for c in ch.iter_mut() {
            for x in c.iter_mut() {
                *x = flush_denormal(*x);
            }
        }
        self.flush_filter_states();
    }

    /// Flushes tiny filter states to zero once per chunk (the per-sample filter calls skip it
    /// to keep their recursions short).
    fn flush_filter_states(&mut self) {
        for st in self.hpf_state.iter_mut().chain(self.lpf_state.iter_mut()) {
            st.flush_denormals();
        }
        for st in self
            .eq_state
            .iter_mut()
            .flatten()
            .chain(self.key_state.iter_mut().flatten())
        {
            st.flush_denormals();
        }
    }

    /// Multiplies the chunk by a smoothed gain (times a second one, if given); skips the work
    /// when both sit at exactly 1.
    fn apply_gain(
        gain: &mut Smoother,
        second: Option<&mut Smoother>,
        scratch: &mut [f32; MAX_CHUNK],
        ch: &mut [&mut [f32]],
    ) {
        let n = ch[0].len();
        let unity = |s: &Smoother| !s.is_smoothing() && s.current() == 1.0;
        let second_unity = second.as_ref().is_none_or(|s| unity(s));
        if unity(gain) && second_unity {
            return;
        }
        let g = &mut scratch[..n];
        gain.next_block(g);
        if let Some(s) = second {
            let mut h = [0.0f32; MAX_CHUNK];
            s.next_block(&mut h[..n]);
            for (a, b) in g.iter_mut().zip(&h[..n]) {
                *a *= b;
            }
        }
        for c in ch.iter_mut() {
            for (x, g) in c.iter_mut().zip(g.iter()) {
                *x *= g;
            }
        }
    }

    /// Keeps a copy of the chunk so a fading module can be mixed with its input.
    fn save_pre(&mut self, ch: &[&mut [f32]]) {
        for (c, x) in ch.iter().enumerate() {
            self.scratch_pre[c][..x.len()].copy_from_slice(x);
        }
    }
}

/// The compressor settings of the strip: linked L/R, no range limit, single-stage release.
pub fn comp_settings(s: &Settings) -> CompressorSettings {
    CompressorSettings {
        threshold_db: s.comp_threshold_db,
        ratio: s.comp_ratio,
        knee_db: s.comp_knee_db,
        attack_ms: s.comp_attack_ms,
        release_ms: s.comp_release_ms,
        slow_release_ms: 0.0,
        detector: s.comp_detector,
        stereo_link: 1.0,
        stereo_mode: StereoMode::LeftRight,
        sidechain_hpf_hz: s.comp_sc_hpf_hz,
        range_db: f32::INFINITY,
        makeup_db: s.comp_makeup_db,
        auto_makeup: s.comp_auto_makeup,
    }
}

impl ChunkEngine for StripCore {
    fn process_chunk(&mut self, audio: &mut [&mut [f32]], _key: Option<&[&[f32]]>, position: u64) {
        self.process_strip_chunk(audio, position);
    }

    fn latency_samples(&self) -> u32 {
        self.oversampler[0].latency_samples()
    }

    fn reset(&mut self) {
        self.clear_audio_state();
    }

    fn chunk_grid(&self) -> usize {
        // While a filter setting ramps, cut at the coefficient grid so the ramps advance
        // identically for any host block size; otherwise on the fixed MAX_CHUNK grid, so
        // per-chunk decisions and the saturation's interpolation do not depend on host blocks.
        if self.filter_settings_moving() {
            COEFF_GRID as usize
        } else {
            MAX_CHUNK
        }
    }
}

/// The complete channel strip for up to two channels: [`StripCore`] behind the shared
/// runner (`shared_dsp::runner::Engine`: chunking, sanitising, bypass with the latency kept,
/// non-finite fallback).
pub type ChannelStripEngine = Engine<StripCore>;

impl StripCore {
    /// Meter readings accumulated over the last host block.
    pub fn meters(&self) -> &BlockMeters {
        &self.meters
    }

    /// The same readings for the shared meter transport (gate and compressor gains).
    pub fn readings(&self) -> shared_plugin::meters::BlockReadings {
        let m = &self.meters;
        shared_plugin::meters::BlockReadings {
            input: m.input,
            output: m.output,
            gain_db: [m.gate_gain_db, m.comp_gain_db],
            detector_db: shared_dsp::db::MINUS_INFINITY_DB,
        }
    }
}

impl EngineCore for StripCore {
    type Settings = Settings;

    fn new() -> Self {
        StripCore::new_core()
    }
    fn max_latency_samples(&self) -> usize {
        // Constant: the 4× oversampler's.
        ChunkEngine::latency_samples(self) as usize
    }
    fn prepare(&mut self, sample_rate_hz: f32, _num_channels: usize) {
        self.prepare_core(sample_rate_hz);
    }
    fn reset_all(&mut self) {
        StripCore::reset_all(self);
    }
    fn sanitize(settings: &Settings) -> Settings {
        sanitize_settings(settings)
    }
    fn apply(&mut self, settings: &Settings) {
        self.set_settings(settings);
    }
    fn bypass(settings: &Settings) -> bool {
        settings.bypass
    }
    fn settings(&self) -> &Settings {
        &self.settings
    }
    fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }
    fn begin_block(&mut self) {
        self.meters = BlockMeters::default();
    }
    fn end_block(&mut self, runner: &mut Runner) {
        let levels = runner.levels();
        self.meters.input = levels.input;
        self.meters.output = levels.output;
    }
}

/// The output-mode matrix `[l←l, l←r, r←l, r←r]`: Stereo is the identity, Mono the −3 dB
/// fold-down `(L+R)/√2`, Mid `(L+R)/2` and Side `(L−R)/2` on both outputs. Smoothing between
/// two matrices crossfades the modes.
pub fn output_matrix(mode: OutputMode) -> [f32; 4] {
    let k = std::f32::consts::FRAC_1_SQRT_2;
    match mode {
        OutputMode::Stereo => [1.0, 0.0, 0.0, 1.0],
        OutputMode::Mono => [k, k, k, k],
        OutputMode::Mid => [0.5, 0.5, 0.5, 0.5],
        OutputMode::Side => [0.5, -0.5, 0.5, -0.5],
    }
}
