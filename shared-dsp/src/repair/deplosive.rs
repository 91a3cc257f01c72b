//! De-plosive: finds sudden low-frequency bursts (microphone "p"/"b" pops: below ~200 Hz,
//! 10–100 ms) and attenuates only the low band while they last.
//!
//! **Band split.** `low` = Linkwitz–Riley 4th-order low-pass of the input at `freq_limit_hz`
//! (two cascaded 2nd-order Butterworth sections; S. Linkwitz, "Active Crossover Networks for
//! Noncoincident Drivers", JAES 24(1), 1976), and the output is
//! `y = x − (1 − g)·low` on the delayed signals, so with `g = 1` the output is exactly the
//! delayed input (null by construction) and only the band below the limit is ever touched.
//!
//! **Detection** (a ratio test on envelopes, in the manner of the de-essers' split-band
//! detectors, e.g. U. Zölzer (ed.), "DAFX", 2nd ed., 2011, §4.2 on dynamics processing):
//! a fast RMS envelope of the low band (attack 0.5 ms, release 8 ms) must jump above its
//! slow average (τ = 400 ms) by `jump` dB AND dominate the fast envelope of the rest of the
//! signal (`x − low`) by `dom` dB. Plosives are almost entirely low-frequency and sudden;
//! voiced speech, kick drums and bass carry comparable energy above the band, and a
//! continuous bass keeps the slow average high. The thresholds fall as `sensitivity` rises.
//! The attenuation is `min(strength_db, 1.5·excess)`, where `excess` is the smaller of the
//! two margins in dB.
//!
//! **Voice or drum.** A kick drum passes both tests too (a sudden low burst that dominates
//! the band above it). What tells them apart is what follows: a plosive releases into a vowel,
//! so within [`DECISION_MS`] the voice band (300 Hz–4 kHz) rises to within a few dB of
//! the burst's low-band peak, while a kick's beater click dies at once and leaves its low tone
//! ringing alone, 20 dB and more above that band (measured on the labelled pops of the speech
//! recording against every kick of the drum groove in `tests/data`). So each burst is held
//! undecided for [`DECISION_MS`]: the gain for it is written into a delay line and only made
//! to act, back to the burst's start, once the voice band has come up to
//! [`VOICE_FOLLOWS_DB`] of the low peak; a burst that ends or runs out of time without it is
//! left alone and not counted.
//!
//! **Start.** A sound that begins out of digital silence jumps from nothing: no burst is
//! judged until the slow reference has heard its time constant (400 ms) of it (so the start
//! of a file, or of hum switched on with it, is not a plosive). Digital silence as long as
//! that (a gap between clips) counts as a new start.
//!
//! **Latency.** The detector runs on the undelayed input; the output is delayed by
//! [`LATENCY_MS`], which covers the decision time plus the 3 ms the gain leads the burst by
//! (so it is already down when the burst reaches the output) and the low-pass's group delay:
//! the low band is subtracted with its delay reduced by its low-frequency group delay
//! (`2·√2/ω_c`), so that inside the band `x − low` nearly nulls. The gain is smoothed (attack
//! 1.5 ms, release 45 ms) after the delay line, on its way to the output.

use crate::dynamics::envelope::one_pole_coeff;
use crate::filter::butterworth::{ButterworthCoeffs, ButterworthState, FilterSlope};
use crate::range::Range;

/// How long a burst is held undecided (voice or drum), milliseconds.
pub const DECISION_MS: f32 = 90.0;
/// The voice band is measured from this long after the burst's start (the vowel has begun;
/// a snare or a beater click has faded), milliseconds.
pub const VOICE_FROM_MS: f32 = 40.0;
/// The voice band's mean power from [`VOICE_FROM_MS`] to [`DECISION_MS`] must reach this level
/// relative to the burst's low-band peak (dB) for the burst to count as a plosive.
pub const VOICE_FOLLOWS_DB: f32 = -12.0;
/// [`VOICE_FOLLOWS_DB`] as a power ratio.
const VOICE_FOLLOWS_RATIO: f32 = 0.063_095_73;
/// Latency, milliseconds: the decision time, the lookahead and a margin (≥ the largest
/// low-pass group delay, 9 ms at 50 Hz).
const LATENCY_MS: f32 = DECISION_MS + LOOKAHEAD_MS + 2.0;
/// The voice band of the decision, Hz: above a kick's body and its first harmonics, below
/// cymbals.
const VOICE_BOTTOM_HZ: f32 = 300.0;
const VOICE_TOP_HZ: f32 = 4_000.0;
/// Lookahead of the gain over the burst, milliseconds.
const LOOKAHEAD_MS: f32 = 3.0;
/// Highest supported sample rate, Hz (sizes the delay lines).
const MAX_SAMPLE_RATE_HZ: f32 = 384_000.0;
/// Fast low-band / high-band envelope attack and release, ms.
const FAST_ATTACK_MS: f32 = 0.5;
/// Fast envelope release, ms.
const FAST_RELEASE_MS: f32 = 8.0;
/// Slow average of the low band, ms.
const SLOW_MS: f32 = 400.0;
/// Gain smoothing: attack (gain falling), ms.
const GAIN_ATTACK_MS: f32 = 1.5;
/// Gain smoothing: release (gain recovering), ms.
const GAIN_RELEASE_MS: f32 = 45.0;
/// Jump threshold (fast low-band level over its slow average) at 0 % sensitivity, dB; it
/// falls by 0.12 dB per % of sensitivity.
const JUMP_DB_AT_0: f32 = 18.0;
/// Dominance threshold (low band over the rest) at 0 % sensitivity, dB; −0.1 dB per %.
const DOM_DB_AT_0: f32 = 3.0;
/// The slow reference is frozen for at most this long into a burst, ms.
const MAX_BURST_MS: f32 = 150.0;
/// A burst lasts while both margins stay above this power ratio (−6 dB re the thresholds).
const HOLD_RATIO: f32 = 0.25;
/// Margin above the thresholds (dB) at which the full strength is applied.
const FULL_EXCESS_DB: f32 = 3.0;

/// Range of the `sensitivity` setting, % (a parameter offers this one).
pub const SENSITIVITY: Range = Range::new(0.0, 100.0, 50.0);
/// Range of the `freq_limit_hz` setting, Hz (a parameter offers this one).
pub const FREQ_LIMIT_HZ: Range = Range::new(50.0, 400.0, 180.0);
/// Range of the `strength_db` setting, dB (a parameter offers this one).
pub const STRENGTH_DB: Range = Range::new(0.0, 30.0, 18.0);

/// De-plosive settings in plain units; `Default` = the plugin's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeplosiveSettings {
    /// Detection sensitivity, 0–100 % (default 50).
    pub sensitivity: f32,
    /// Upper edge of the treated band, 50–400 Hz (default 180).
    pub freq_limit_hz: f32,
    /// Maximum attenuation of the band, 0–30 dB (default 18).
    pub strength_db: f32,
}

impl Default for DeplosiveSettings {
    fn default() -> Self {
        Self {
            sensitivity: SENSITIVITY.default,
            freq_limit_hz: FREQ_LIMIT_HZ.default,
            strength_db: STRENGTH_DB.default,
        }
    }
}

/// What the current burst was found to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    /// Within [`DECISION_MS`] of its start, no voice yet.
    Pending,
    /// Voice followed: attenuate.
    Plosive,
    /// No voice followed in time (a drum, a thump): leave alone.
    NotPlosive,
}

/// Mono de-plosive unit (see the module docs).
pub struct Deplosive {
    settings: DeplosiveSettings,
    fs: f32,
    lowpass: ButterworthCoeffs,
    lp1: ButterworthState,
    lp2: ButterworthState,
    /// Delay lines of the input and of its low band (lookahead).
    x_delay: Vec<f32>,
    low_delay: Vec<f32>,
    /// Delay line of the gain target, written while a burst is undecided and overwritten back
    /// to its start once it is decided a plosive.
    target_delay: Vec<f32>,
    /// Delay of the low band: latency minus the low-pass's low-frequency group delay.
    low_lag: usize,
    /// Delay of the gain target: latency minus the lookahead.
    gain_lag: usize,
    /// Voice band: high-pass and low-pass of the input, and its fast envelope.
    voice_hp: ButterworthCoeffs,
    voice_hp_state: ButterworthState,
    voice_lp: ButterworthCoeffs,
    voice_state: ButterworthState,
    env_voice: f32,
    /// Largest low-band envelope of the current burst, and the sum of the voice-band
    /// envelope over the voice window.
    burst_low_peak: f32,
    burst_voice_sum: f32,
    /// Samples from the burst's start to the voice window.
    voice_from: usize,
    /// The current burst's state: undecided, a plosive, or not one.
    decision: Decision,
    /// Samples the decision may take, and those it has taken.
    decision_len: usize,
    pending_len: usize,
    /// Write position of the current burst's first gain sample (lookahead included).
    burst_start: usize,
    write: usize,
    latency: usize,
    k_fast_att: f32,
    k_fast_rel: f32,
    k_slow: f32,
    k_gain_att: f32,
    k_gain_rel: f32,
    /// Linear thresholds (power ratios) derived from the sensitivity.
    jump_ratio: f32,
    dom_ratio: f32,
    env_low: f32,
    env_high: f32,
    slow_low: f32,
    /// Smoothed gain on the output side (f64: in f32 a slow release stalls short of 1).
    gain: f64,
    /// Gain applied to the current output sample (the delayed `gain`).
    applied: f32,
    /// Inside a detected burst.
    active: bool,
    /// Largest detection margin (power ratio) reached in the current burst.
    peak_margin: f32,
    /// Samples since the current event started; cap for freezing the slow reference.
    burst_len: usize,
    max_burst: usize,
    /// Samples heard since the first sound after a reset (saturating at `warm_up`), and how
    /// many the slow references need before a jump above them means anything.
    heard: usize,
    warm_up: usize,
    /// Digital zeros in a row (a gap that long re-arms the warm-up).
    silent_run: usize,
    events: u64,
}

impl Default for Deplosive {
    fn default() -> Self {
        Self::new()
    }
}

impl Deplosive {
    /// Allocates for the worst case (384 kHz).
    pub fn new() -> Self {
        let max_len = (LATENCY_MS * 0.001 * MAX_SAMPLE_RATE_HZ).ceil() as usize + 2;
        let mut s = Self {
            settings: DeplosiveSettings::default(),
            fs: 48_000.0,
            lowpass: ButterworthCoeffs::bypass(48_000.0),
            lp1: ButterworthState::default(),
            lp2: ButterworthState::default(),
            x_delay: vec![0.0; max_len],
            low_delay: vec![0.0; max_len],
            target_delay: vec![1.0; max_len],
            low_lag: 0,
            gain_lag: 0,
            voice_hp: ButterworthCoeffs::bypass(48_000.0),
            voice_hp_state: ButterworthState::default(),
            voice_lp: ButterworthCoeffs::bypass(48_000.0),
            voice_state: ButterworthState::default(),
            env_voice: 0.0,
            burst_low_peak: 0.0,
            burst_voice_sum: 0.0,
            voice_from: 0,
            decision: Decision::NotPlosive,
            decision_len: 1,
            pending_len: 0,
            burst_start: 0,
            write: 0,
            latency: 0,
            k_fast_att: 1.0,
            k_fast_rel: 1.0,
            k_slow: 1.0,
            k_gain_att: 1.0,
            k_gain_rel: 1.0,
            jump_ratio: 1.0,
            dom_ratio: 1.0,
            env_low: 0.0,
            env_high: 0.0,
            slow_low: 0.0,
            gain: 1.0,
            applied: 1.0,
            active: false,
            peak_margin: 0.0,
            burst_len: 0,
            max_burst: 1,
            heard: 0,
            warm_up: 1,
            silent_run: 0,
            events: 0,
        };
        s.prepare(48_000.0);
        s
    }

    /// Sets the sample rate (allocation-free) and resets.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        let fs = if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            sample_rate_hz.min(MAX_SAMPLE_RATE_HZ)
        } else {
            48_000.0
        };
        self.fs = fs;
        self.latency = ((LATENCY_MS * 0.001 * fs).round() as usize).min(self.x_delay.len() - 1);
        self.gain_lag =
            self.latency - ((LOOKAHEAD_MS * 0.001 * fs).round() as usize).min(self.latency);
        self.k_fast_att = one_pole_coeff(FAST_ATTACK_MS, fs);
        self.k_fast_rel = one_pole_coeff(FAST_RELEASE_MS, fs);
        self.k_slow = one_pole_coeff(SLOW_MS, fs);
        self.k_gain_att = one_pole_coeff(GAIN_ATTACK_MS, fs);
        self.k_gain_rel = one_pole_coeff(GAIN_RELEASE_MS, fs);
        self.max_burst = (MAX_BURST_MS * 0.001 * fs) as usize;
        self.warm_up = (SLOW_MS * 0.001 * fs) as usize;
        // The decision must come before the burst's first gain sample is read.
        self.decision_len = ((DECISION_MS * 0.001 * fs) as usize).clamp(2, self.gain_lag.max(2));
        self.voice_from = ((VOICE_FROM_MS * 0.001 * fs) as usize).min(self.decision_len - 1);
        self.voice_hp = ButterworthCoeffs::highpass(fs, VOICE_BOTTOM_HZ, FilterSlope::Db24);
        self.voice_lp =
            ButterworthCoeffs::lowpass(fs, VOICE_TOP_HZ.min(0.4 * fs), FilterSlope::Db12);
        self.apply_settings();
        self.reset();
    }

    fn apply_settings(&mut self) {
        let s = &mut self.settings;
        s.sensitivity = SENSITIVITY.clamp(s.sensitivity);
        s.freq_limit_hz = FREQ_LIMIT_HZ.clamp(s.freq_limit_hz);
        s.strength_db = STRENGTH_DB.clamp(s.strength_db);
        self.lowpass = ButterworthCoeffs::lowpass(self.fs, s.freq_limit_hz, FilterSlope::Db12);
        // Group delay at DC of two cascaded Butterworth 2nd-order sections: 2·√2/ω_c.
        let gd = 2.0 * std::f32::consts::SQRT_2 / (2.0 * std::f32::consts::PI * s.freq_limit_hz);
        let gd_samples = ((gd * self.fs).round() as usize).min(self.latency);
        self.low_lag = self.latency - gd_samples;
        // 0 % → jump 18 dB, dominance 3 dB; 50 % → 12 dB, −2 dB; 100 % → 6 dB, −7 dB.
        let jump_db = JUMP_DB_AT_0 - 0.12 * s.sensitivity;
        let dom_db = DOM_DB_AT_0 - 0.10 * s.sensitivity;
        self.jump_ratio = 10f32.powf(jump_db / 10.0);
        self.dom_ratio = 10f32.powf(dom_db / 10.0);
    }

    /// Realtime-safe; cheap when nothing changed.
    pub fn set_settings(&mut self, s: &DeplosiveSettings) {
        if *s == self.settings {
            return;
        }
        self.settings = *s;
        self.apply_settings();
    }

    /// Clears all audio memory (realtime-safe).
    pub fn reset(&mut self) {
        self.lp1.reset();
        self.lp2.reset();
        self.x_delay.iter_mut().for_each(|v| *v = 0.0);
        self.low_delay.iter_mut().for_each(|v| *v = 0.0);
        self.target_delay.iter_mut().for_each(|v| *v = 1.0);
        self.voice_state.reset();
        self.voice_hp_state.reset();
        self.env_voice = 0.0;
        self.burst_low_peak = 0.0;
        self.burst_voice_sum = 0.0;
        self.decision = Decision::NotPlosive;
        self.burst_start = 0;
        self.write = 0;
        self.env_low = 0.0;
        self.env_high = 0.0;
        self.slow_low = 0.0;
        self.heard = 0;
        self.silent_run = 0;
        self.gain = 1.0;
        self.applied = 1.0;
        self.active = false;
        self.peak_margin = 0.0;
        self.burst_len = 0;
    }

    /// Latency in samples: [`LATENCY_MS`] (decision time, lookahead, margin) at the current rate.
    pub fn latency_samples(&self) -> usize {
        self.latency
    }

    /// Current attenuation of the low band, dB (≥ 0).
    pub fn gain_reduction_db(&self) -> f32 {
        (-20.0 * self.applied.max(1e-6).log10()).max(0.0)
    }

    /// Number of plosive events found since `new` (not cleared by `reset`).
    pub fn events_found(&self) -> u64 {
        self.events
    }

    /// Processes any number of samples in place; output delayed by `latency_samples()`.
    pub fn process(&mut self, buf: &mut [f32]) {
        let len = self.x_delay.len();
        let max_atten_db = self.settings.strength_db;
        for x in buf.iter_mut() {
            let xin = *x;
            let low = self
                .lp2
                .process(&self.lowpass, self.lp1.process(&self.lowpass, xin));
            let high = xin - low;
            let voice = self.voice_state.process(
                &self.voice_lp,
                self.voice_hp_state.process(&self.voice_hp, xin),
            );
            // Envelopes of the powers.
            let (pl, ph, pv) = (low * low, high * high, voice * voice);
            let follow = |env: &mut f32, p: f32, att: f32, rel: f32| {
                let k = if p > *env { att } else { rel };
                *env += k * (p - *env);
            };
            follow(&mut self.env_low, pl, self.k_fast_att, self.k_fast_rel);
            follow(&mut self.env_high, ph, self.k_fast_att, self.k_fast_rel);
            follow(&mut self.env_voice, pv, self.k_fast_att, self.k_fast_rel);
            // The slow reference does not learn from a burst (up to 150 ms of it), or a loud
            // pop would raise its own threshold within a few ms.
            if !self.active {
                self.slow_low += self.k_slow * (self.env_low - self.slow_low);
            }
            // Margins (power ratios) of the two tests; detection when both exceed 1.
            let tiny = 1e-12;
            let jump = self.env_low / (self.jump_ratio * self.slow_low + tiny);
            let dom = self.env_low / (self.dom_ratio * self.env_high + tiny);
            let margin = jump.min(dom);
            // The start of the sound is a jump from nothing: no burst is judged until the
            // slow references have heard one time constant of it.
            if xin == 0.0 {
                self.silent_run = self.silent_run.saturating_add(1);
                if self.silent_run >= self.warm_up {
                    self.heard = 0;
                }
            } else {
                self.silent_run = 0;
            }
            if self.heard < self.warm_up && (self.heard > 0 || xin != 0.0) {
                self.heard += 1;
            }
            if !self.active {
                if margin > 1.0 && self.env_low > 1e-9 && self.heard >= self.warm_up {
                    self.active = true;
                    self.burst_len = 0;
                    self.peak_margin = margin;
                    self.burst_low_peak = self.env_low;
                    self.burst_voice_sum = 0.0;
                    self.decision = Decision::Pending;
                    self.pending_len = 0;
                    self.burst_start = self.write;
                }
            } else {
                self.peak_margin = self.peak_margin.max(margin);
                self.burst_len += 1;
                // Hysteresis: the event lasts while both margins stay within 6 dB of their
                // thresholds (the burst's decaying tail), at most 150 ms.
                if margin < HOLD_RATIO {
                    self.active = false;
                } else if self.burst_len > self.max_burst {
                    // Longer than any plosive: a sustained low sound (a bass note). Adopt its
                    // level as the new normal so it does not trigger again.
                    self.active = false;
                    self.slow_low = self.env_low;
                }
            }
            // Voice or drum: the decision window runs on past the burst's end if need be.
            if self.decision == Decision::Pending {
                self.pending_len += 1;
                if self.active && self.pending_len < self.voice_from {
                    self.burst_low_peak = self.burst_low_peak.max(self.env_low);
                }
                if self.pending_len >= self.voice_from {
                    self.burst_voice_sum += self.env_voice;
                }
                let window = (self.decision_len - self.voice_from) as f32;
                if self.burst_voice_sum > VOICE_FOLLOWS_RATIO * self.burst_low_peak * window {
                    self.decision = Decision::Plosive;
                    self.events += 1;
                    // The gain acts back to the burst's start (the delay line still holds it).
                    let g = self.attenuation(max_atten_db);
                    let mut i = self.burst_start;
                    while i != self.write {
                        self.target_delay[i] = g;
                        i = (i + 1) % len;
                    }
                } else if self.pending_len >= self.decision_len {
                    self.decision = Decision::NotPlosive;
                }
            }
            let target = if self.active && self.decision == Decision::Plosive {
                self.attenuation(max_atten_db)
            } else {
                1.0
            };
            // Lookahead delay lines.
            self.x_delay[self.write] = xin;
            self.low_delay[self.write] = low;
            self.target_delay[self.write] = target;
            let xd = self.x_delay[(self.write + len - self.latency) % len];
            let ld = self.low_delay[(self.write + len - self.low_lag) % len];
            let td = self.target_delay[(self.write + len - self.gain_lag) % len] as f64;
            self.write = (self.write + 1) % len;
            let kg = if td < self.gain {
                self.k_gain_att
            } else {
                self.k_gain_rel
            } as f64;
            self.gain += kg * (td - self.gain);
            if self.gain > 1.0 - 1e-6 && td == 1.0 {
                self.gain = 1.0;
            }
            let g = self.gain as f32;
            self.applied = g;
            *x = if g == 1.0 { xd } else { xd - (1.0 - g) * ld };
        }
        self.lp1.flush_denormals();
        self.lp2.flush_denormals();
        self.voice_state.flush_denormals();
        self.voice_hp_state.flush_denormals();
        for e in [
            &mut self.env_low,
            &mut self.env_high,
            &mut self.env_voice,
            &mut self.slow_low,
        ] {
            if *e < 1e-30 {
                *e = 0.0;
            }
        }
    }

    /// The gain for the current burst: full strength once it exceeds the thresholds by
    /// [`FULL_EXCESS_DB`].
    fn attenuation(&self, max_atten_db: f32) -> f32 {
        let excess_db = 10.0 * self.peak_margin.log10();
        let atten_db = max_atten_db * (excess_db / FULL_EXCESS_DB).clamp(0.0, 1.0);
        10f32.powf(-atten_db / 20.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    fn sine(n: usize, f: f32, amp: f32) -> Vec<f32> {
        (0..n)
            .map(|i| amp * (2.0 * std::f32::consts::PI * f * i as f32 / FS).sin())
            .collect()
    }

    /// A 60 Hz pop of peak `amp` at `pos`, 1 ms rise and 30 ms decay.
    fn pop(n: usize, pos: usize, amp: f32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                if i < pos {
                    return 0.0;
                }
                let t = (i - pos) as f32 / FS;
                let env = (1.0 - (-t / 0.001).exp()) * (-t / 0.03).exp();
                amp * env * (2.0 * std::f32::consts::PI * 60.0 * t).sin()
            })
            .collect()
    }

    /// A voiced vowel at `pos`: 120 Hz and its harmonics to 3 kHz (amplitudes 1/k), total
    /// peak about `amp`, 200 ms long with 5 ms fades.
    fn vowel(n: usize, pos: usize, amp: f32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                if i < pos {
                    return 0.0;
                }
                // A syllable's vowel: 200 ms with 5 ms fades.
                let t = (i - pos) as f32 / FS;
                let fade = (t / 0.005).min((0.2 - t) / 0.005).clamp(0.0, 1.0);
                let v: f32 = (3..=25)
                    .map(|k| (2.0 * std::f32::consts::PI * 120.0 * k as f32 * t).sin() / k as f32)
                    .sum();
                amp * 0.4 * fade * v
            })
            .collect()
    }

    /// A kick drum at `pos`: a 50 Hz tone decaying over 100 ms under a 2 ms broadband click.
    fn kick(n: usize, pos: usize, amp: f32) -> Vec<f32> {
        let mut seed = 1u32;
        (0..n)
            .map(|i| {
                if i < pos {
                    return 0.0;
                }
                let t = (i - pos) as f32 / FS;
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let click = ((seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * (-t / 0.002).exp();
                let body = (1.0 - (-t / 0.001).exp())
                    * (-t / 0.1).exp()
                    * (2.0 * std::f32::consts::PI * 50.0 * t).sin();
                amp * (body + 0.5 * click)
            })
            .collect()
    }

    #[test]
    fn voice_ratio_matches_its_db() {
        let want = 10f32.powf(VOICE_FOLLOWS_DB / 10.0);
        assert!((VOICE_FOLLOWS_RATIO - want).abs() < 1e-6 * want);
    }

    #[test]
    fn kick_drums_are_not_plosives() {
        // A groove of kicks (no voice follows): nothing found, the output is the input.
        let n = 4 * 48_000;
        let mut x = vec![0.0f32; n];
        for beat in 0..6 {
            let k = kick(n, 10_000 + beat * 28_800, 0.8);
            for (a, b) in x.iter_mut().zip(&k) {
                *a += b;
            }
        }
        let hat = sine(n, 9_000.0, 0.01);
        let x: Vec<f32> = x.iter().zip(&hat).map(|(a, b)| a + b).collect();
        let (y, d) = run(&x, &DeplosiveSettings::default(), 100);
        assert_eq!(d.events_found(), 0);
        let lat = d.latency_samples();
        for i in lat..n {
            assert_eq!(y[i], x[i - lat]);
        }
    }

    fn run(x: &[f32], s: &DeplosiveSettings, block: usize) -> (Vec<f32>, Deplosive) {
        let mut d = Deplosive::new();
        d.prepare(FS);
        d.set_settings(s);
        let mut y = x.to_vec();
        for c in y.chunks_mut(block) {
            d.process(c);
        }
        (y, d)
    }

    fn energy(x: &[f32]) -> f64 {
        x.iter().map(|&v| (v as f64) * (v as f64)).sum()
    }

    #[test]
    fn pop_attenuated_in_band_only() {
        let n = 48_000;
        let tone = sine(n, 1_000.0, 0.1);
        let p = pop(n, 24_000, 0.5);
        // The vowel the plosive releases into: 20 ms after the pop, 120 Hz harmonics to 3 kHz.
        let v = vowel(n, 24_000 + 960, 0.2);
        let tone: Vec<f32> = tone.iter().zip(&v).map(|(a, b)| a + b).collect();
        let x: Vec<f32> = tone.iter().zip(&p).map(|(a, b)| a + b).collect();
        let (y, d) = run(&x, &DeplosiveSettings::default(), 256);
        let lat = d.latency_samples();
        assert_eq!(d.events_found(), 1);
        // Error against the pop-free signal, over the pop.
        let r = 24_000..36_000;
        let err_in: Vec<f32> = r.clone().map(|i| x[i] - tone[i]).collect();
        let err_out: Vec<f32> = r.clone().map(|i| y[i + lat] - tone[i]).collect();
        let gain_db = 10.0 * (energy(&err_in) / energy(&err_out)).log10();
        assert!(gain_db > 6.0, "pop reduced by {gain_db:.1} dB only");
        // Outside the band nothing changes: the 1 kHz tone passes (the change is low-pass).
        let diff: Vec<f32> = (lat..n).map(|i| y[i] - x[i - lat]).collect();
        let corr: f64 = diff
            .iter()
            .zip(&tone)
            .map(|(a, b)| (*a as f64) * (*b as f64))
            .sum();
        assert!(corr.abs() < 1e-3 * energy(&tone), "{corr}");
        // Before the pop the output is exactly the delayed input.
        for i in lat..23_000 {
            assert_eq!(y[i], x[i - lat]);
        }
    }

    #[test]
    fn a_steady_sound_starting_out_of_silence_is_not_a_plosive() {
        // Hum (50 Hz and 9 harmonics, 1/k) switched on at once after digital silence: its
        // low band jumps from nothing and its upper harmonics fill the voice band, which
        // looks like a pop releasing into a vowel unless the references have heard the sound
        // for a while first.
        let n = 5 * 48_000;
        let mut x = vec![0.0f32; n];
        for k in 1..=10 {
            for (a, b) in x[4_800..]
                .iter_mut()
                .zip(sine(n, 50.0 * k as f32, 0.1 / k as f32))
            {
                *a += b;
            }
        }
        // A 2 s gap of digital silence (between two clips: the slow reference falls to
        // nothing), and the hum again.
        x[96_000..192_000].fill(0.0);
        let (_, d) = run(&x, &DeplosiveSettings::default(), 256);
        assert_eq!(d.events_found(), 0);
    }

    #[test]
    fn steady_bass_and_music_untouched() {
        let n = 96_000;
        let x: Vec<f32> = sine(n, 55.0, 0.5)
            .iter()
            .zip(sine(n, 440.0, 0.1))
            .map(|(a, b)| a + b)
            .collect();
        // After a 1 s pre-roll (the onset itself may look like a burst), nothing is found
        // and the output is exactly the delayed input.
        let mut d = Deplosive::new();
        d.prepare(FS);
        let mut y = x.clone();
        d.process(&mut y[..48_000]);
        let events = d.events_found();
        d.process(&mut y[48_000..]);
        let lat = d.latency_samples();
        assert_eq!(d.events_found(), events);
        for i in 48_000 + lat..n {
            assert_eq!(y[i], x[i - lat]);
        }
    }

    #[test]
    fn zero_strength_is_an_exact_delay() {
        // Room tone from the start (a burst out of digital silence is not judged).
        let n = 48_000;
        let x: Vec<f32> = pop(n, 24_000, 0.8)
            .iter()
            .zip(vowel(n, 25_000, 0.8))
            .zip(sine(n, 1_000.0, 0.01))
            .map(|((a, b), c)| a + b + c)
            .collect();
        let s = DeplosiveSettings {
            strength_db: 0.0,
            ..Default::default()
        };
        let (y, d) = run(&x, &s, 100);
        let lat = d.latency_samples();
        assert!(d.events_found() >= 1);
        for i in lat..n {
            assert_eq!(y[i], x[i - lat]);
        }
    }

    #[test]
    fn block_size_independent_and_finite() {
        let n = 72_000;
        let mut x: Vec<f32> = sine(n, 300.0, 0.1);
        for pos in [20_000, 38_000, 56_000] {
            for ((v, q), w) in x
                .iter_mut()
                .zip(pop(n, pos, 0.6))
                .zip(vowel(n, pos + 960, 0.3))
            {
                *v += q + w;
            }
        }
        let s = DeplosiveSettings::default();
        let (reference, d) = run(&x, &s, 4096);
        assert_eq!(d.events_found(), 3);
        for block in [1, 7, 64, 512] {
            assert_eq!(run(&x, &s, block).0, reference, "block {block}");
        }
        for fs in [22_050.0, 44_100.0, 96_000.0, 384_000.0] {
            let mut d = Deplosive::new();
            d.prepare(fs);
            d.set_settings(&DeplosiveSettings {
                sensitivity: 100.0,
                freq_limit_hz: 50.0,
                strength_db: 30.0,
            });
            let mut y: Vec<f32> = (0..20_000)
                .map(|i| if i % 3_000 < 200 { 1.0 } else { 0.0 })
                .collect();
            d.process(&mut y);
            assert!(y.iter().all(|v| v.is_finite()));
            assert!(d.latency_samples() == (LATENCY_MS * 0.001 * fs).round() as usize);
        }
    }
}
