//! The Reverb engine: a plain struct with `prepare / reset / process_block`, testable without
//! a host. Signal flow:
//!
//! ```text
//! dry L, R ─┬──────────────────────────────────────────────────────────────┐
//!           └→ pre-delay line ─┬→ early-reflection taps → diffusers → low-pass ─× early ┤
//!                              └→ ×input (0 when frozen) → diffusers (L, R)            │
//!                                  → feedback delay network ──────────────× late ──────┤
//!    wet = early + late → colour shelf → low cut → high cut → width → ducking          │
//!    out = (dry·cos(mix·π/2) + wet·sin(mix·π/2)) · output gain  ←───────────────────────┘
//! ```
//!
//! Every unit is in `shared_dsp::reverb`; this file composes them and ramps the controls:
//! gains and mix linearly over [`RAMP_MS`], the filters' corners in octaves, pre-delay and size
//! by gliding their delays (so none of them can click), the decay design at most every
//! [`REDESIGN_SAMPLES`] while a decay control moves. Mix 0 % is the dry signal bit for bit.
//! Once the input has been silent and the tail has fallen below −150 dBFS the engine clears
//! its state and outputs exact zeros without computing anything until sound returns.

use shared_dsp::db::{db_to_gain, gain_to_db, MINUS_INFINITY_DB};
use shared_dsp::dynamics::envelope::{DetectorMode, EnvelopeCoeffs, EnvelopeFollower};
use shared_dsp::filter::biquad::{BiquadCoeffs, BiquadState};
use shared_dsp::range::Range;
use shared_dsp::reverb::diffuser::Diffuser;
use shared_dsp::reverb::early::EarlyReflections;
use shared_dsp::reverb::fdn::{self, Fdn, FdnCoeffs, FdnSettings};
use shared_dsp::reverb::{Algorithm, Shape, EARLY_DIFFUSER_GAIN, EARLY_DIFFUSER_MS, TILT_HZ};
use shared_dsp::runner::{ChunkEngine, Engine, EngineCore, Runner, MAX_CHUNK};
use shared_dsp::smoothing::{Smoother, SmoothingStyle};
use shared_plugin::meters::BlockReadings;

/// Ramp time of gains, mix, width, balance and diffusion, ms.
pub const RAMP_MS: f32 = 20.0;
/// Glide time of the wet filters' corners, ms.
pub const FILTER_GLIDE_MS: f32 = 50.0;
/// Glide time of the decay controls (the design follows the glide), ms.
pub const DECAY_GLIDE_MS: f32 = 100.0;
/// The network is redesigned at most this often while its controls move, samples (a grid
/// fixed to the sample position).
pub const REDESIGN_SAMPLES: u32 = 512;
/// Level below which a silent tail is cleared, dBFS.
pub const SILENCE_DB: f32 = -150.0;

/// Pre-delay, ms.
pub const PREDELAY_MS: Range = Range::new(0.0, 500.0, 10.0);
/// Decay time at mid frequencies (RT60), s.
pub const DECAY_S: Range = fdn::RT60_S;
/// Low-frequency decay multiplier.
pub const LOW_MULT: Range = Range::new(fdn::DECAY_MULT.min, fdn::DECAY_MULT.max, 1.1);
/// High-frequency decay multiplier (air absorption: highs die sooner).
pub const HIGH_MULT: Range = Range::new(fdn::DECAY_MULT.min, fdn::DECAY_MULT.max, 0.6);
/// Low crossover, Hz.
pub const LOW_XOVER_HZ: Range = fdn::LOW_XOVER_HZ;
/// High crossover, Hz.
pub const HIGH_XOVER_HZ: Range = fdn::HIGH_XOVER_HZ;
/// Size, 0–1 (each algorithm's smallest to largest space).
pub const SIZE: Range = Range::new(0.0, 1.0, 0.6);
/// Diffusion, 0–1.
pub const DIFFUSION: Range = Range::new(0.0, 1.0, 0.8);
/// Modulation depth, ms.
pub const MOD_DEPTH_MS: Range = fdn::MOD_DEPTH_MS;
/// Modulation rate, Hz.
pub const MOD_RATE_HZ: Range = fdn::MOD_RATE_HZ;
/// Early/late balance: 0 early only, 0.5 both at full level, 1 late only.
pub const EARLY_LATE: Range = Range::new(0.0, 1.0, 0.5);
/// Stereo width of the wet signal, 0 (mono) – 1 (as the network makes it).
pub const WIDTH: Range = Range::new(0.0, 1.0, 1.0);
/// Wet low cut (12 dB/octave), Hz.
pub const LOW_CUT_HZ: Range = Range::new(20.0, 1000.0, 60.0);
/// Wet high cut (12 dB/octave), Hz.
pub const HIGH_CUT_HZ: Range = Range::new(1000.0, 20000.0, 12000.0);
/// Ducking depth: the most the wet signal is turned down under the dry one, dB (0: off).
pub const DUCK_DB: Range = Range::new(0.0, 24.0, 0.0);
/// Ducking threshold: the dry level above which the wet ducks, dBFS.
pub const DUCK_THRESHOLD_DB: Range = Range::new(-60.0, 0.0, -24.0);
/// Ducking release, ms.
pub const DUCK_RELEASE_MS: Range = Range::new(20.0, 2000.0, 250.0);
/// Ducking attack (time constant), ms.
pub const DUCK_ATTACK_MS: f32 = 5.0;
/// Dry/wet mix, 0–1.
pub const MIX: Range = Range::new(0.0, 1.0, 0.25);
/// Output gain, dB (carried as a linear gain).
pub const OUTPUT_GAIN_DB: Range = Range::new(-24.0, 24.0, 0.0);

/// Pre-delay as a note value at the host's tempo, or free in ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PredelaySync {
    /// The pre-delay control in ms.
    Off,
    /// A sixty-fourth note.
    N64,
    /// A thirty-second note.
    N32,
    /// A sixteenth note.
    N16,
    /// A dotted sixteenth.
    N16Dotted,
    /// An eighth note.
    N8,
    /// A dotted eighth.
    N8Dotted,
    /// A quarter note.
    N4,
}

impl PredelaySync {
    /// The note's length in quarter notes (beats); `None` when off.
    pub fn beats(self) -> Option<f32> {
        match self {
            Self::Off => None,
            Self::N64 => Some(1.0 / 16.0),
            Self::N32 => Some(1.0 / 8.0),
            Self::N16 => Some(0.25),
            Self::N16Dotted => Some(0.375),
            Self::N8 => Some(0.5),
            Self::N8Dotted => Some(0.75),
            Self::N4 => Some(1.0),
        }
    }
}

/// The pre-delay the settings ask for, ms: the note value at the host's tempo when synced
/// and the tempo is known (clamped to the range), else the control.
pub fn effective_predelay_ms(s: &ReverbSettings) -> f32 {
    match s.predelay_sync.beats() {
        Some(beats) if s.tempo_bpm > 0.0 && s.tempo_bpm.is_finite() => {
            PREDELAY_MS.clamp(beats * 60_000.0 / s.tempo_bpm)
        }
        _ => s.predelay_ms,
    }
}

/// Every setting of Lathe Reverb in plain units (the host wrapper copies its parameters here).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReverbSettings {
    /// Room, Hall, Plate or Chamber.
    pub algorithm: Algorithm,
    /// Pre-delay, ms (when not synced, or the tempo is unknown).
    pub predelay_ms: f32,
    /// Pre-delay as a note value.
    pub predelay_sync: PredelaySync,
    /// The host's tempo, BPM (0: unknown). Not a parameter: the wrapper copies it from the
    /// transport on every block.
    pub tempo_bpm: f32,
    /// RT60 at mid frequencies, s.
    pub decay_s: f32,
    /// Low decay multiplier.
    pub low_mult: f32,
    /// Low crossover, Hz.
    pub low_xover_hz: f32,
    /// High decay multiplier.
    pub high_mult: f32,
    /// High crossover, Hz.
    pub high_xover_hz: f32,
    /// Size, 0–1.
    pub size: f32,
    /// Diffusion, 0–1.
    pub diffusion: f32,
    /// Modulation depth, ms.
    pub mod_depth_ms: f32,
    /// Modulation rate, Hz.
    pub mod_rate_hz: f32,
    /// Early/late balance, 0–1.
    pub early_late: f32,
    /// Wet width, 0–1.
    pub width: f32,
    /// Wet low cut, Hz.
    pub low_cut_hz: f32,
    /// Wet high cut, Hz.
    pub high_cut_hz: f32,
    /// Ducking depth, dB.
    pub duck_db: f32,
    /// Ducking threshold, dBFS.
    pub duck_threshold_db: f32,
    /// Ducking release, ms.
    pub duck_release_ms: f32,
    /// Infinite sustain: the tail holds, the input no longer enters.
    pub freeze: bool,
    /// Dry/wet mix, 0–1.
    pub mix: f32,
    /// Wet only (for an aux send): the mix is 100 % whatever its control says.
    pub wet_only: bool,
    /// Output gain, linear.
    pub output_gain: f32,
    /// Bypass (the runner crossfades to the input).
    pub bypass: bool,
}

impl Default for ReverbSettings {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Hall,
            predelay_ms: PREDELAY_MS.default,
            predelay_sync: PredelaySync::Off,
            tempo_bpm: 0.0,
            decay_s: DECAY_S.default,
            low_mult: LOW_MULT.default,
            low_xover_hz: LOW_XOVER_HZ.default,
            high_mult: HIGH_MULT.default,
            high_xover_hz: HIGH_XOVER_HZ.default,
            size: SIZE.default,
            diffusion: DIFFUSION.default,
            mod_depth_ms: MOD_DEPTH_MS.default,
            mod_rate_hz: MOD_RATE_HZ.default,
            early_late: EARLY_LATE.default,
            width: WIDTH.default,
            low_cut_hz: LOW_CUT_HZ.default,
            high_cut_hz: HIGH_CUT_HZ.default,
            duck_db: DUCK_DB.default,
            duck_threshold_db: DUCK_THRESHOLD_DB.default,
            duck_release_ms: DUCK_RELEASE_MS.default,
            freeze: false,
            mix: MIX.default,
            wet_only: false,
            output_gain: db_to_gain(OUTPUT_GAIN_DB.default),
            bypass: false,
        }
    }
}

/// Clamps settings to the parameters' ranges and replaces non-finite values by defaults, so a
/// corrupt preset or a host sending garbage cannot destabilise the engine.
pub fn sanitize_settings(s: &ReverbSettings) -> ReverbSettings {
    ReverbSettings {
        algorithm: s.algorithm,
        predelay_ms: PREDELAY_MS.clamp(s.predelay_ms),
        predelay_sync: s.predelay_sync,
        tempo_bpm: if s.tempo_bpm.is_finite() && s.tempo_bpm > 0.0 {
            s.tempo_bpm.min(1000.0)
        } else {
            0.0
        },
        decay_s: DECAY_S.clamp(s.decay_s),
        low_mult: LOW_MULT.clamp(s.low_mult),
        low_xover_hz: LOW_XOVER_HZ.clamp(s.low_xover_hz),
        high_mult: HIGH_MULT.clamp(s.high_mult),
        high_xover_hz: HIGH_XOVER_HZ.clamp(s.high_xover_hz),
        size: SIZE.clamp(s.size),
        diffusion: DIFFUSION.clamp(s.diffusion),
        mod_depth_ms: MOD_DEPTH_MS.clamp(s.mod_depth_ms),
        mod_rate_hz: MOD_RATE_HZ.clamp(s.mod_rate_hz),
        early_late: EARLY_LATE.clamp(s.early_late),
        width: WIDTH.clamp(s.width),
        low_cut_hz: LOW_CUT_HZ.clamp(s.low_cut_hz),
        high_cut_hz: HIGH_CUT_HZ.clamp(s.high_cut_hz),
        duck_db: DUCK_DB.clamp(s.duck_db),
        duck_threshold_db: DUCK_THRESHOLD_DB.clamp(s.duck_threshold_db),
        duck_release_ms: DUCK_RELEASE_MS.clamp(s.duck_release_ms),
        freeze: s.freeze,
        mix: MIX.clamp(s.mix),
        wet_only: s.wet_only,
        output_gain: OUTPUT_GAIN_DB.clamp_gain(s.output_gain),
        bypass: s.bypass,
    }
}

/// The network's settings for these settings (what the engine designs and the editor draws).
pub fn fdn_settings(s: &ReverbSettings) -> FdnSettings {
    let shape = s.algorithm.shape(s.size);
    FdnSettings {
        rt60_s: s.decay_s,
        low_mult: s.low_mult,
        high_mult: s.high_mult,
        low_xover_hz: s.low_xover_hz,
        high_xover_hz: s.high_xover_hz,
        shortest_ms: shape.lines_ms.0,
        longest_ms: shape.lines_ms.1,
        mod_depth_ms: s.mod_depth_ms,
        mod_rate_hz: s.mod_rate_hz,
        freeze: s.freeze,
    }
}

/// The dry and wet gains for a mix `m`: equal power (`cos`, `sin` of `m·π/2`), so a little
/// reverb added keeps the dry signal's level (−0.4 dB at 20 %); exactly (1, 0) at 0 and
/// (0, 1) at 1.
pub fn mix_gains(m: f32) -> (f32, f32) {
    if m <= 0.0 {
        (1.0, 0.0)
    } else if m >= 1.0 {
        (0.0, 1.0)
    } else {
        let a = m * std::f32::consts::FRAC_PI_2;
        (a.cos(), a.sin())
    }
}

/// The gains of the early and late parts for a balance `b`: both full at 0.5, each fading
/// out linearly towards its own end.
pub fn early_late_gains(b: f32) -> (f32, f32) {
    ((2.0 * (1.0 - b)).min(1.0), (2.0 * b).min(1.0))
}

/// The DSP between the runner's sanitising and its bypass (see the module docs).
pub struct ReverbCore {
    sample_rate_hz: f32,
    settings: ReverbSettings,
    /// The settings the network was last designed for (glided values).
    designed: FdnSettings,
    shape: Shape,
    early: EarlyReflections,
    /// The algorithm the units are shaped for (the settings' once a change has faded).
    shape_algorithm: Algorithm,
    pending_shape: bool,
    switch_gain: Smoother,
    diffusers: [Diffuser; 2],
    early_diffusers: [Diffuser; 2],
    fdn: Fdn,
    tilt: [BiquadState; 2],
    tilt_coeffs: BiquadCoeffs,
    early_lp: [f32; 2],
    early_lp_coeff: f32,
    low_cut: [BiquadState; 2],
    high_cut: [BiquadState; 2],
    low_cut_coeffs: BiquadCoeffs,
    high_cut_coeffs: BiquadCoeffs,
    /// The (low, high) cut corners the filters were designed for.
    designed_cuts_hz: (f32, f32),
    duck_env: EnvelopeFollower,
    duck_coeffs: EnvelopeCoeffs,
    // Ramps.
    decay: Smoother,
    low_mult: Smoother,
    high_mult: Smoother,
    low_xover: Smoother,
    high_xover: Smoother,
    low_cut_hz: Smoother,
    high_cut_hz: Smoother,
    input_gain: Smoother,
    diffusion: Smoother,
    early_gain: Smoother,
    late_gain: Smoother,
    width: Smoother,
    mix: Smoother,
    /// (dry, wet) for the mix's current value.
    mix_gains: (f32, f32),
    output_gain: Smoother,
    // Silence handling.
    idle: bool,
    silent_samples: u64,
    quiet_samples: u64,
    /// Whether the current grid cell has had sound in, and its largest level in the network.
    cell_loud: bool,
    cell_peak: f32,
    // Readings.
    duck_gain_db_min: f32,
    wet_peak: f32,
    readings: BlockReadings,
}

/// The engine: the runner around the core (see `shared_dsp::runner::Engine`).
pub type ReverbEngine = Engine<ReverbCore>;

impl ReverbCore {
    /// The readings of the last host block (levels; the ducking's gain in `gain_db[0]`, the
    /// wet signal's peak in `detector_db`).
    pub fn readings(&self) -> &BlockReadings {
        &self.readings
    }

    /// Whether the engine is idle: silent input, the tail cleared, nothing computed.
    pub fn is_idle(&self) -> bool {
        self.idle
    }

    /// The wet low cut's coefficients now (for the tests).
    pub fn low_cut_coeffs_for_tests(&self) -> BiquadCoeffs {
        self.low_cut_coeffs
    }

    /// The network's coefficients now (for the decay display and the tests).
    pub fn fdn_coeffs(&self) -> &FdnCoeffs {
        self.fdn.coeffs()
    }

    /// Whether an algorithm change is fading the wet out or back in.
    fn switching(&self) -> bool {
        self.pending_shape || self.switch_gain.is_smoothing()
    }

    /// Advances an algorithm change by a chunk: once the wet has faded out, the new
    /// algorithm's shape and network take over from silence and the wet fades back in.
    fn step_switch(&mut self) {
        if self.pending_shape && !self.switch_gain.is_smoothing() {
            self.pending_shape = false;
            self.shape_algorithm = self.settings.algorithm;
            self.set_shape();
            self.early.settle();
            self.diffusion
                .set_target(self.settings.diffusion * self.shape.diffuser_gain);
            self.diffusion.reset(self.diffusion.target());
            self.designed = self.glided_fdn_settings();
            self.fdn
                .jump_to(&FdnCoeffs::design(&self.designed, self.sample_rate_hz));
            self.fdn.reset();
            for d in self
                .diffusers
                .iter_mut()
                .chain(self.early_diffusers.iter_mut())
            {
                d.reset();
            }
            self.early_lp = [0.0; 2];
            for st in self.tilt.iter_mut() {
                st.reset();
            }
            self.switch_gain.set_target(1.0);
        }
    }

    fn glided_fdn_settings(&self) -> FdnSettings {
        FdnSettings {
            rt60_s: self.decay.current(),
            low_mult: self.low_mult.current(),
            high_mult: self.high_mult.current(),
            low_xover_hz: self.low_xover.current(),
            high_xover_hz: self.high_xover.current(),
            ..fdn_settings(&ReverbSettings {
                algorithm: self.shape_algorithm,
                ..self.settings
            })
        }
    }

    fn set_shape(&mut self) {
        self.shape = self.shape_algorithm.shape(self.settings.size);
        let fs = self.sample_rate_hz;
        for d in self.diffusers.iter_mut() {
            d.set_lengths_ms(&self.shape.diffuser_ms, fs);
        }
        for d in self.early_diffusers.iter_mut() {
            d.set_lengths_ms(&EARLY_DIFFUSER_MS, fs);
        }
        self.tilt_coeffs = BiquadCoeffs::high_shelf(
            fs,
            TILT_HZ.min(0.4 * fs),
            std::f32::consts::FRAC_1_SQRT_2,
            self.shape.tilt_db,
        );
        self.early_lp_coeff = shared_dsp::dynamics::envelope::one_pole_coeff(
            1e3 / (2.0 * std::f32::consts::PI * self.shape.early_lowpass_hz.min(0.45 * fs)),
            fs,
        );
        self.early.set(
            effective_predelay_ms(&self.settings),
            self.shape.early_span_ms,
            &self.shape.early_pattern,
        );
    }

    fn design_filters(&mut self) {
        let fs = self.sample_rate_hz;
        self.designed_cuts_hz = (self.low_cut_hz.current(), self.high_cut_hz.current());
        self.low_cut_coeffs = BiquadCoeffs::highpass(
            fs,
            self.low_cut_hz.current(),
            std::f32::consts::FRAC_1_SQRT_2,
        );
        let hc = self.high_cut_hz.current().min(0.45 * fs);
        self.high_cut_coeffs = BiquadCoeffs::lowpass(fs, hc, std::f32::consts::FRAC_1_SQRT_2);
    }

    fn clear_state(&mut self) {
        self.early.reset();
        for d in self
            .diffusers
            .iter_mut()
            .chain(self.early_diffusers.iter_mut())
        {
            d.reset();
        }
        for s in self.tilt.iter_mut() {
            s.reset();
        }
        self.fdn.reset();
        self.early_lp = [0.0; 2];
        for s in self.low_cut.iter_mut().chain(self.high_cut.iter_mut()) {
            s.reset();
        }
        self.duck_env.reset();
    }

    /// Samples of silence after which nothing that entered can still be on its way out of
    /// the pre-delay, the reflections and the diffusers.
    fn silence_needed(&self) -> u64 {
        ((fdn::MAX_LINE_MS
            + 2.0 * fdn::MOD_DEPTH_MS.max
            + effective_predelay_ms(&self.settings)
            + self.shape.early_span_ms
            + 4.0 * shared_dsp::reverb::diffuser::MAX_STAGE_MS)
            * 1e-3
            * self.sample_rate_hz) as u64
    }

    fn smoothing(&self) -> bool {
        [
            &self.decay,
            &self.low_mult,
            &self.high_mult,
            &self.low_xover,
            &self.high_xover,
            &self.low_cut_hz,
            &self.high_cut_hz,
            &self.input_gain,
            &self.diffusion,
            &self.early_gain,
            &self.late_gain,
            &self.width,
            &self.mix,
            &self.output_gain,
        ]
        .iter()
        .any(|s| s.is_smoothing())
    }
}

impl ChunkEngine for ReverbCore {
    fn process_chunk(&mut self, audio: &mut [&mut [f32]], _key: Option<&[&[f32]]>, position: u64) {
        let n = audio[0].len();
        let silent = audio.iter().all(|ch| ch.iter().all(|x| *x == 0.0));
        // Idle: silence in, nothing ringing, nothing moving: exact zeros out, no work.
        if silent && self.idle && !self.smoothing() && !self.switching() {
            return;
        }
        if self.idle {
            // Waking: what changed while idle holds from the first sample (no glide).
            self.idle = false;
            self.early.settle();
            let want = self.glided_fdn_settings();
            if want != self.designed {
                self.designed = want;
                self.fdn
                    .jump_to(&FdnCoeffs::design(&want, self.sample_rate_hz));
            } else {
                self.fdn.jump_to(&self.fdn.coeffs().clone());
            }
        }
        self.cell_loud |= !silent;

        // The decay design follows its glides and the size on a grid of REDESIGN_SAMPLES
        // fixed to the sample position (a chunk always starts on it), with the values at that
        // position, so the output does not depend on how the host cuts its blocks. A design
        // costs about 0.3 ms.
        if position.is_multiple_of(REDESIGN_SAMPLES as u64) {
            let want = self.glided_fdn_settings();
            if want != self.designed {
                self.fdn
                    .set_coeffs(&FdnCoeffs::design(&want, self.sample_rate_hz));
                self.designed = want;
            }
        }
        // The wet filters follow their glides on the runner's 64-sample grid, up to the
        // glide's last value.
        if position.is_multiple_of(MAX_CHUNK as u64)
            && (self.low_cut_hz.current(), self.high_cut_hz.current()) != self.designed_cuts_hz
        {
            self.design_filters();
        }
        for s in [
            &mut self.decay,
            &mut self.low_mult,
            &mut self.high_mult,
            &mut self.low_xover,
            &mut self.high_xover,
            &mut self.low_cut_hz,
            &mut self.high_cut_hz,
        ] {
            s.skip(n as u32);
        }
        self.step_switch();

        let duck_depth = self.settings.duck_db;
        let duck_threshold = db_to_gain(self.settings.duck_threshold_db);
        let has_early = self.shape.early_span_ms > 0.0;
        let (left, right) = audio.split_at_mut(1);
        let left = &mut *left[0];
        let mut right = right.first_mut().map(|r| &mut **r);
        let mono = right.is_none();
        let mut wet_peak = 0.0f32;
        let mut duck_min = self.duck_gain_db_min;

        // Three passes over the chunk: the pre-delay, reflections and diffusers per sample;
        // the network over the whole chunk (vector code); then the wet path and the mix.
        let mut net_in = [[0.0f32; MAX_CHUNK]; 2];
        let mut net_out = [[0.0f32; MAX_CHUNK]; 2];
        let mut early_wet = [[0.0f32; MAX_CHUNK]; 2];
        for (i, &dl) in left.iter().enumerate() {
            let dr = right.as_ref().map_or(dl, |r| r[i]);
            let ([pl, pr], [el, er]) = self.early.process(dl, dr, has_early);
            let g_in = self.input_gain.next();
            let g_diff = self.diffusion.next();
            net_in[0][i] = self.diffusers[0].process(pl * g_in, g_diff);
            net_in[1][i] = self.diffusers[1].process(pr * g_in, g_diff);
            // Early reflections smeared by their diffuser, through their colour low-pass.
            let g_ed = g_diff * (EARLY_DIFFUSER_GAIN / self.shape.diffuser_gain);
            let el = self.early_diffusers[0].process(el * g_in, g_ed);
            let er = self.early_diffusers[1].process(er * g_in, g_ed);
            let a = self.early_lp_coeff;
            self.early_lp[0] += a * (el - self.early_lp[0]);
            self.early_lp[1] += a * (er - self.early_lp[1]);
            early_wet[0][i] = self.early_lp[0];
            early_wet[1][i] = self.early_lp[1];
        }
        {
            let [in_l, in_r] = &net_in;
            let [out_l, out_r] = &mut net_out;
            self.fdn
                .process_block(&in_l[..n], &in_r[..n], &mut out_l[..n], &mut out_r[..n]);
        }
        for (i, left_sample) in left.iter_mut().enumerate() {
            let dl = *left_sample;
            let dr = right.as_ref().map_or(dl, |r| r[i]);
            let (ll, lr) = (net_out[0][i], net_out[1][i]);
            let (ge, gl) = (self.early_gain.next(), self.late_gain.next());
            let sw = self.switch_gain.next();
            let mut wl = (ge * early_wet[0][i] + gl * ll) * sw;
            let mut wr = (ge * early_wet[1][i] + gl * lr) * sw;
            wl = self.tilt[0].process(&self.tilt_coeffs, wl);
            wr = self.tilt[1].process(&self.tilt_coeffs, wr);
            wl = self.low_cut[0].process(&self.low_cut_coeffs, wl);
            wr = self.low_cut[1].process(&self.low_cut_coeffs, wr);
            wl = self.high_cut[0].process(&self.high_cut_coeffs, wl);
            wr = self.high_cut[1].process(&self.high_cut_coeffs, wr);
            // Width on the wet mid/side.
            let w = self.width.next();
            let (m, s) = (0.5 * (wl + wr), 0.5 * (wl - wr) * w);
            (wl, wr) = (m + s, m - s);
            // Ducking: the wet turned down by the dry level's excess over the threshold, at
            // most the depth.
            let env = self
                .duck_env
                .process(&self.duck_coeffs, dl.abs().max(dr.abs()));
            if duck_depth > 0.0 && env > duck_threshold {
                let over_db = gain_to_db(env / duck_threshold).min(duck_depth);
                let g = db_to_gain(-over_db);
                wl *= g;
                wr *= g;
                duck_min = duck_min.min(-over_db);
            }
            wet_peak = wet_peak.max(wl.abs()).max(wr.abs());
            if self.mix.is_smoothing() {
                self.mix_gains = mix_gains(self.mix.next());
            }
            let (dry, mix) = self.mix_gains;
            let out = self.output_gain.next();
            *left_sample = (dry * dl + mix * if mono { 0.5 * (wl + wr) } else { wl }) * out;
            if let Some(r) = right.as_mut() {
                r[i] = (dry * dr + mix * wr) * out;
            }
        }
        self.wet_peak = self.wet_peak.max(wet_peak);
        self.duck_gain_db_min = duck_min;

        // Silence: once the input has been silent long enough and the network has stayed
        // below −150 dBFS (a quarter of it, the most the feedback matrix can sum) for a whole
        // pass of its longest line, nothing audible is left: clear and go idle. Counted in
        // cells of the runner's 64-sample grid, so when it happens does not depend on the
        // host's blocks.
        self.cell_peak = self.cell_peak.max(self.fdn.take_peak()).max(wet_peak);
        if (position + n as u64).is_multiple_of(MAX_CHUNK as u64) {
            let floor = 0.25 * db_to_gain(SILENCE_DB);
            let cell = MAX_CHUNK as u64;
            self.silent_samples = if self.cell_loud {
                0
            } else {
                self.silent_samples + cell
            };
            self.quiet_samples = if self.cell_peak < floor {
                self.quiet_samples + cell
            } else {
                0
            };
            self.cell_loud = false;
            self.cell_peak = 0.0;
            let line_samples = ((fdn::MAX_LINE_MS + 2.0 * fdn::MOD_DEPTH_MS.max)
                * 1e-3
                * self.sample_rate_hz) as u64;
            if !self.settings.freeze
                && self.silent_samples >= self.silence_needed()
                && self.quiet_samples >= line_samples
                && !self.switching()
            {
                self.clear_state();
                self.idle = true;
            }
        }
    }

    fn latency_samples(&self) -> u32 {
        0
    }

    fn reset(&mut self) {
        let s = self.settings;
        self.decay.reset(s.decay_s);
        self.low_mult.reset(s.low_mult);
        self.high_mult.reset(s.high_mult);
        self.low_xover.reset(s.low_xover_hz);
        self.high_xover.reset(s.high_xover_hz);
        self.low_cut_hz.reset(s.low_cut_hz);
        self.high_cut_hz.reset(s.high_cut_hz);
        self.input_gain.reset(if s.freeze { 0.0 } else { 1.0 });
        let (ge, gl) = early_late_gains(s.early_late);
        self.early_gain.reset(ge);
        self.late_gain.reset(gl);
        self.width.reset(s.width);
        self.mix.reset(if s.wet_only { 1.0 } else { s.mix });
        self.mix_gains = mix_gains(self.mix.current());
        self.output_gain.reset(s.output_gain);
        self.shape_algorithm = s.algorithm;
        self.pending_shape = false;
        self.switch_gain.reset(1.0);
        self.set_shape();
        self.diffusion.reset(s.diffusion * self.shape.diffuser_gain);
        self.early.settle();
        self.design_filters();
        self.designed = self.glided_fdn_settings();
        self.fdn
            .jump_to(&FdnCoeffs::design(&self.designed, self.sample_rate_hz));
        self.clear_state();
        self.idle = false;
        self.silent_samples = 0;
        self.quiet_samples = 0;
        self.cell_loud = false;
        self.cell_peak = 0.0;
    }
}

impl EngineCore for ReverbCore {
    type Settings = ReverbSettings;

    fn new() -> Self {
        let s = ReverbSettings::default();
        let lin = |v| Smoother::new(SmoothingStyle::Linear(RAMP_MS), v);
        let log = |ms, v| Smoother::new(SmoothingStyle::Logarithmic(ms), v);
        let shape = s.algorithm.shape(s.size);
        let designed = fdn_settings(&s);
        Self {
            sample_rate_hz: 48_000.0,
            settings: s,
            designed,
            shape,
            early: EarlyReflections::new(),
            shape_algorithm: s.algorithm,
            pending_shape: false,
            switch_gain: lin(1.0),
            diffusers: [Diffuser::new(), Diffuser::new()],
            early_diffusers: [Diffuser::new(), Diffuser::new()],
            fdn: Fdn::new(),
            tilt: [BiquadState::default(); 2],
            tilt_coeffs: BiquadCoeffs::identity(48_000.0),
            early_lp: [0.0; 2],
            early_lp_coeff: 1.0,
            low_cut: [BiquadState::default(); 2],
            high_cut: [BiquadState::default(); 2],
            low_cut_coeffs: BiquadCoeffs::identity(48_000.0),
            high_cut_coeffs: BiquadCoeffs::identity(48_000.0),
            designed_cuts_hz: (f32::NAN, f32::NAN),
            duck_env: EnvelopeFollower::new(),
            duck_coeffs: EnvelopeCoeffs::new(
                48_000.0,
                DUCK_ATTACK_MS,
                s.duck_release_ms,
                DetectorMode::Peak,
            ),
            decay: log(DECAY_GLIDE_MS, s.decay_s),
            low_mult: log(DECAY_GLIDE_MS, s.low_mult),
            high_mult: log(DECAY_GLIDE_MS, s.high_mult),
            low_xover: log(DECAY_GLIDE_MS, s.low_xover_hz),
            high_xover: log(DECAY_GLIDE_MS, s.high_xover_hz),
            low_cut_hz: log(FILTER_GLIDE_MS, s.low_cut_hz),
            high_cut_hz: log(FILTER_GLIDE_MS, s.high_cut_hz),
            input_gain: lin(1.0),
            diffusion: lin(s.diffusion * shape.diffuser_gain),
            early_gain: lin(1.0),
            late_gain: lin(1.0),
            width: lin(s.width),
            mix: lin(s.mix),
            mix_gains: mix_gains(s.mix),
            output_gain: lin(s.output_gain),
            idle: false,
            silent_samples: 0,
            quiet_samples: 0,
            cell_loud: false,
            cell_peak: 0.0,
            duck_gain_db_min: 0.0,
            wet_peak: 0.0,
            readings: BlockReadings::default(),
        }
    }
    fn max_latency_samples(&self) -> usize {
        0
    }
    fn prepare(&mut self, sample_rate_hz: f32, _num_channels: usize) {
        self.sample_rate_hz = sample_rate_hz;
        self.early.prepare(sample_rate_hz);
        self.fdn.prepare(sample_rate_hz);
        for d in self
            .diffusers
            .iter_mut()
            .chain(self.early_diffusers.iter_mut())
        {
            d.prepare(sample_rate_hz);
        }
        for s in [
            &mut self.decay,
            &mut self.low_mult,
            &mut self.high_mult,
            &mut self.low_xover,
            &mut self.high_xover,
            &mut self.low_cut_hz,
            &mut self.high_cut_hz,
            &mut self.input_gain,
            &mut self.diffusion,
            &mut self.early_gain,
            &mut self.late_gain,
            &mut self.width,
            &mut self.mix,
            &mut self.output_gain,
            &mut self.switch_gain,
        ] {
            s.prepare(sample_rate_hz);
        }
        self.duck_coeffs = EnvelopeCoeffs::new(
            sample_rate_hz,
            DUCK_ATTACK_MS,
            self.settings.duck_release_ms,
            DetectorMode::Peak,
        );
        ChunkEngine::reset(self);
    }
    fn sanitize(settings: &ReverbSettings) -> ReverbSettings {
        sanitize_settings(settings)
    }
    fn apply(&mut self, s: &ReverbSettings) {
        let old = self.settings;
        self.settings = *s;
        self.decay.set_target(s.decay_s);
        self.low_mult.set_target(s.low_mult);
        self.high_mult.set_target(s.high_mult);
        self.low_xover.set_target(s.low_xover_hz);
        self.high_xover.set_target(s.high_xover_hz);
        self.low_cut_hz.set_target(s.low_cut_hz);
        self.high_cut_hz.set_target(s.high_cut_hz);
        self.input_gain.set_target(if s.freeze { 0.0 } else { 1.0 });
        if s.algorithm != self.shape_algorithm {
            // A new algorithm: the wet fades out, the units are reshaped and cleared, and the
            // wet fades back in (step_switch), rather than jumping read positions mid-tail.
            self.pending_shape = true;
            self.switch_gain.set_target(0.0);
        } else {
            if self.pending_shape {
                // Switched back before the fade ended: fade back in, nothing to reshape.
                self.pending_shape = false;
                self.switch_gain.set_target(1.0);
            }
            if s.size != old.size || effective_predelay_ms(s) != effective_predelay_ms(&old) {
                self.set_shape();
            }
        }
        self.diffusion
            .set_target(s.diffusion * self.shape.diffuser_gain);
        let (ge, gl) = early_late_gains(s.early_late);
        self.early_gain.set_target(ge);
        self.late_gain.set_target(gl);
        self.width.set_target(s.width);
        self.mix.set_target(if s.wet_only { 1.0 } else { s.mix });
        if !self.mix.is_smoothing() {
            self.mix_gains = mix_gains(self.mix.current());
        }
        self.output_gain.set_target(s.output_gain);
        if s.duck_release_ms != old.duck_release_ms {
            self.duck_coeffs = EnvelopeCoeffs::new(
                self.sample_rate_hz,
                DUCK_ATTACK_MS,
                s.duck_release_ms,
                DetectorMode::Peak,
            );
        }
    }
    fn bypass(settings: &ReverbSettings) -> bool {
        settings.bypass
    }
    fn settings(&self) -> &ReverbSettings {
        &self.settings
    }
    fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }
    /// Pre-delay and reflections, then the longest decay down 150 dB; `u32::MAX` when frozen.
    fn tail_samples(&self) -> u32 {
        if self.settings.freeze {
            return u32::MAX;
        }
        let s = &self.settings;
        let longest = self
            .fdn
            .coeffs()
            .longest_decay_s()
            .max(s.decay_s * s.low_mult.max(s.high_mult).max(1.0));
        let seconds = (effective_predelay_ms(s) + self.shape.early_span_ms + 200.0) * 1e-3
            + longest * (-SILENCE_DB / 60.0);
        (seconds * self.sample_rate_hz).min((u32::MAX / 2) as f32) as u32
    }
    fn begin_block(&mut self) {
        self.duck_gain_db_min = 0.0;
        self.wet_peak = 0.0;
    }
    fn end_block(&mut self, runner: &mut Runner) {
        let levels = runner.levels();
        self.readings = BlockReadings {
            input: levels.input,
            output: levels.output,
            gain_db: [self.duck_gain_db_min, 0.0],
            detector_db: if self.wet_peak > 0.0 {
                gain_to_db(self.wet_peak)
            } else {
                MINUS_INFINITY_DB
            },
        };
    }
}
