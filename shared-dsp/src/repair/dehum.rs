//! De-hum: removes mains hum (50 or 60 Hz and its harmonics) by estimating each harmonic's
//! complex amplitude and SUBTRACTING it, instead of notching the programme.
//!
//! **Algorithm.** An adaptive canceller with a synthesised sinusoidal reference
//! (B. Widrow et al., "Adaptive Noise Cancelling: Principles and Applications", Proc. IEEE
//! 63(12), 1975, the 60 Hz hum example), built as an open-loop synchronous demodulator per
//! harmonic whose amplitude estimate averages over seconds, because mains hum is stationary
//! once its frequency is tracked:
//!
//! 1. A master phasor `m = e^{jθ}` per base frequency (f64, renormalised) gives harmonic `k`'s
//!    reference `m^k`: every harmonic is phase-locked to the tracked fundamental. Within a chunk
//!    of `D ≈ fs/1500` samples the harmonic phasors rotate recursively in f32 and are
//!    re-synchronised from the master at each chunk boundary.
//! 2. `x·conj(p_k)` is integrated over the chunk (decimation) and low-passed by a critically
//!    damped second-order filter (two one-poles of τ = 2 s, noise bandwidth ≈ 0.06 Hz): the
//!    harmonic's complex amplitude `a_k`. From reset the filter steps are `max(1/n, k_τ)`, a
//!    running mean until the exponential average is longer, so the estimate is unbiased from
//!    the first second on (the running mean is the least-squares amplitude of a sinusoid of
//!    known frequency: S. M. Kay, "Fundamentals of Statistical Signal Processing: Estimation
//!    Theory", 1993, ex. 4.2). A fast two-pole (τ = 10 ms) of the same demodulated signal gives
//!    `b_k` and, averaged like `a_k`, the band power `P_k`.
//! 3. Detection by a hum line's solitude. Music that repeats exactly — a programmed loop, a
//!    tempo-locked master — has a line spectrum at multiples of its repetition rate, and at
//!    common tempos those multiples include k·50 and k·60 Hz (the test masters hold steady
//!    lines at 60, 120 and 200 Hz, a drum loop one at every multiple of 0.83 Hz). Such a line
//!    has neighbours of similar strength at the comb's spacing; a mains harmonic stands
//!    alone. For each of the first four harmonics the same slow estimator also measures the
//!    coherent power at ±0.83…3.5 Hz (the spacings of 17–210 BPM bars and beats, by a second
//!    demodulation of the decimated signal); a harmonic is hum-like when its coherent power
//!    exceeds every neighbour's by 10 dB — a constant-false-alarm test whose reference is the
//!    music's own steady lines (H. Rohling, "Radar CFAR thresholding in clutter and multiple
//!    target situations", IEEE Trans. AES-19(4), 1983, for the principle).
//! 4. Presence (per base, after 1 s of averaging): two of the four hum-like (one with a fixed
//!    base, where the user has said there is hum); absent again when none is. Once present,
//!    EVERY harmonic of the active base is subtracted fully (fading in over 0.1 s): a
//!    harmonic's estimate has a bandwidth of ~0.1 Hz, so where it holds music rather than hum
//!    the subtraction takes away a sliver far narrower than any notch.
//! 5. Output `y = x − Σ_k 2·Re(g_k·a_k·p_k)` (causal: latency 0).
//! 6. Drift tracking: a third-order phase-locked loop per base (natural frequency 0.5 Hz; it
//!    follows a frequency ramp without error and a sinusoidal drift with an error ∝ (f/f₀)³;
//!    loop-filter coefficients 1.1 and 2.4 from E. D. Kaplan and C. J. Hegarty,
//!    "Understanding GPS: Principles and Applications", 2nd ed., 2006, §5.6) whose phase
//!    detector is the inverse-variance weighted least-squares phase slope of the fast
//!    estimates against the slow ones over the harmonics,
//!    `δ = Σ k Im(b_k a_k*)/N_k / Σ k² |a_k|²/N_k` with `N_k` the music power in the fast band
//!    (F. M. Gardner, "Phaselock Techniques", 3rd ed., 2005, ch. 2–3; D. C. Rife and
//!    R. R. Boorstyn, "Single-tone parameter estimation from discrete-time observations",
//!    IEEE Trans. IT-20(5), 1974). The frequency is confined to ±0.6 % of nominal.
//! 7. Auto base: both 50 and 60 Hz banks run; while nothing is removed the first base found
//!    is taken at once; a present base takes over from an active one that is absent or has
//!    fewer hum-like harmonics, held for 0.5 s.
//!
//! **Limits.** Where the music's own comb has lines at the hum's exact frequencies as strong
//! as the hum (the loud metal master, the drum loop), the hum does not stand alone and is
//! left, as it is on the clean recordings. Phase tracking needs signal-to-music ratio:
//! a hum 30 dB below dense programme cannot be tracked closely enough to cancel it deeply
//! (see docs/ARCHITECTURE.md and the README's table).
//!
//! Harmonics above 0.45·fs are skipped. Cost per sample is bounded: at most 40 f32 lanes
//! (20 harmonics × 2 bases) of rotate + demodulate + remodulate.

use crate::simd::{avx2_fma_available, madd};
use std::f64::consts::PI;

/// Most harmonics per base.
pub const MAX_HARMONICS: usize = 20;
/// Lanes per SIMD-friendly vector.
const W: usize = 8;
/// Lanes: 20 harmonics for each of the two bases.
const MAX_LANES: usize = 2 * MAX_HARMONICS;
/// Vectors of lanes.
const NV: usize = MAX_LANES / W;
/// Target rate of the decimated (per-chunk) processing, Hz.
const CHUNK_RATE_HZ: f64 = 1500.0;
/// Amplitude estimator: time constant of each of its two cascaded one-poles, seconds.
const SLOW_TAU_S: f64 = 2.0;
/// Phase-detector / band-power pre-filter: time constant of each of two one-poles, seconds.
const FAST_TAU_S: f64 = 0.01;
/// PLL natural frequency, Hz.
const PLL_NATURAL_HZ: f64 = 0.5;
/// Allowed drift from the nominal base frequency (fraction).
const MAX_DRIFT: f64 = 0.006;
/// Harmonics that carry the detection (each with its own neighbour references).
const DETECT_HARMONICS: usize = 4;
/// Offsets from each detection harmonic where the music's own steady lines are measured, Hz:
/// the line spacings of exactly repeating music, bars and beats at 17–210 BPM.
const NEIGHBOUR_OFFSETS_HZ: [f64; 8] = [0.833, 1.0, 1.25, 1.667, 2.0, 2.5, 3.333, 3.5];
/// Neighbour lanes per detection harmonic: each offset below and above.
const NUM_NEIGHBOURS: usize = 2 * NEIGHBOUR_OFFSETS_HZ.len();
/// A detection harmonic is hum-like when its coherent power exceeds every neighbour's by
/// this ratio (10 dB).
const STANDS_ALONE: f64 = 10.0;
/// Presence in Auto: this many of the detection harmonics hum-like (one with a fixed base).
const ON_COUNT: usize = 2;
/// Coherent power below which a harmonic is digital silence, not a line.
const SILENCE_POWER: f64 = 1e-14;
/// No presence decision before this much signal has been averaged, seconds.
const STARTUP_S: f64 = 1.0;
/// Fade of the canceller gain, seconds.
const FADE_TAU_S: f64 = 0.1;
/// Auto: a base with more hum-like harmonics takes over after this long, seconds.
const AUTO_HOLD_S: f64 = 0.5;
/// Highest harmonic frequency as a fraction of the sample rate.
const MAX_HARMONIC_RATIO: f64 = 0.45;

/// Base frequency of the hum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HumBase {
    /// Find 50 or 60 Hz automatically.
    Auto,
    /// 50 Hz mains.
    Hz50,
    /// 60 Hz mains.
    Hz60,
}

/// De-hum settings in plain units; `Default` = the plugin's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DehumSettings {
    /// Base frequency (default [`HumBase::Auto`]).
    pub base: HumBase,
    /// Number of harmonics removed including the fundamental, 1–20 (default 10).
    pub num_harmonics: usize,
    /// Follow mains drift (±0.6 %) with a phase-locked loop (default true).
    pub track_drift: bool,
}

impl Default for DehumSettings {
    fn default() -> Self {
        Self {
            base: HumBase::Auto,
            num_harmonics: 10,
            track_drift: true,
        }
    }
}

/// Per-base oscillator and phase-locked loop (f64, decimated rate).
#[derive(Clone, Copy, Debug)]
struct BaseOsc {
    /// Nominal frequency, Hz.
    nominal_hz: f64,
    /// Current frequency, radians per sample.
    omega: f64,
    /// Master phasor `e^{jθ}` at the start of the current chunk (re, im).
    m: (f64, f64),
    /// Third-order loop's frequency-rate integrator: change of `omega` per chunk.
    rate: f64,
}

impl BaseOsc {
    fn new(nominal_hz: f64, fs: f64) -> Self {
        Self {
            nominal_hz,
            omega: 2.0 * PI * nominal_hz / fs,
            m: (1.0, 0.0),
            rate: 0.0,
        }
    }
}

/// Mono de-hum unit (see the module docs).
pub struct Dehum {
    settings: DehumSettings,
    fs: f64,
    /// Chunk length in samples (decimation factor).
    chunk: usize,
    /// Samples processed in the current chunk.
    pos: usize,
    osc: [BaseOsc; 2],
    // Per-sample f32 lanes (lane 2(k−1)+b: harmonic k of base b, 0 = 50 Hz, 1 = 60 Hz).
    pr: [[f32; W]; NV],
    pi: [[f32; W]; NV],
    cr: [[f32; W]; NV],
    ci: [[f32; W]; NV],
    accr: [[f32; W]; NV],
    acci: [[f32; W]; NV],
    /// Remodulation weights `2·g·a` (re, im); zero for inactive lanes.
    wr: [[f32; W]; NV],
    wi: [[f32; W]; NV],
    // Decimated-rate state (f64), per lane.
    fast1: [(f64, f64); MAX_LANES],
    fast: [(f64, f64); MAX_LANES],
    slow1: [(f64, f64); MAX_LANES],
    slow: [(f64, f64); MAX_LANES],
    /// Slow average of the fast band's power.
    power: [f64; MAX_LANES],
    /// Offset phasors `e^{j2πδt}` at the chunk rate, and their rotation per chunk.
    nb_phasor: [(f64, f64); NUM_NEIGHBOURS],
    nb_rot: [(f64, f64); NUM_NEIGHBOURS],
    /// Coherent estimates at the neighbour offsets, [base][harmonic][offset], two stages.
    nb1: [[[(f64, f64); NUM_NEIGHBOURS]; DETECT_HARMONICS]; 2],
    nb: [[[(f64, f64); NUM_NEIGHBOURS]; DETECT_HARMONICS]; 2],
    /// Per-harmonic subtraction gain (smoothed).
    gain: [f64; MAX_LANES],
    /// Per base: detection harmonics that stand alone, and which (bit h: harmonic h + 1).
    alone: [usize; 2],
    alone_mask: [u8; 2],
    /// Per base: hum present (hysteresis state).
    present: [bool; 2],
    /// Chunks since reset (estimator start-up).
    chunks_seen: u64,
    /// Vectors holding enabled lanes.
    num_vectors: usize,
    /// Whether lane l is below 0.45·fs and within `num_harmonics`.
    enabled: [bool; MAX_LANES],
    /// One-pole steps at the chunk rate.
    k_slow: f64,
    k_fast: f64,
    k_fade: f64,
    /// Third-order PLL gains per chunk: phase (rad per rad), frequency and frequency rate
    /// (rad/sample per rad).
    pll_k1: f64,
    pll_k2: f64,
    pll_k3: f64,
    /// Active base (0 = 50 Hz, 1 = 60 Hz).
    active: usize,
    /// Chunks the other base has been winning (Auto).
    auto_count: usize,
    auto_hold_chunks: usize,
    /// Hum RMS estimate (linear) for the meter.
    hum_rms: f64,
    /// Whether the AVX2 + FMA lane kernel runs (probed once, in `new`).
    simd_fast: bool,
}

impl Default for Dehum {
    fn default() -> Self {
        Self::new()
    }
}

impl Dehum {
    /// Allocates for the worst case (nothing is heap-allocated: all state is fixed-size).
    pub fn new() -> Self {
        let mut s = Self {
            settings: DehumSettings::default(),
            fs: 48_000.0,
            chunk: 32,
            pos: 0,
            osc: [BaseOsc::new(50.0, 48_000.0), BaseOsc::new(60.0, 48_000.0)],
            pr: [[0.0; W]; NV],
            pi: [[0.0; W]; NV],
            cr: [[0.0; W]; NV],
            ci: [[0.0; W]; NV],
            accr: [[0.0; W]; NV],
            acci: [[0.0; W]; NV],
            wr: [[0.0; W]; NV],
            wi: [[0.0; W]; NV],
            fast1: [(0.0, 0.0); MAX_LANES],
            fast: [(0.0, 0.0); MAX_LANES],
            slow1: [(0.0, 0.0); MAX_LANES],
            slow: [(0.0, 0.0); MAX_LANES],
            power: [0.0; MAX_LANES],
            nb_phasor: [(1.0, 0.0); NUM_NEIGHBOURS],
            nb_rot: [(1.0, 0.0); NUM_NEIGHBOURS],
            nb1: [[[(0.0, 0.0); NUM_NEIGHBOURS]; DETECT_HARMONICS]; 2],
            nb: [[[(0.0, 0.0); NUM_NEIGHBOURS]; DETECT_HARMONICS]; 2],
            gain: [0.0; MAX_LANES],
            alone: [0; 2],
            alone_mask: [0; 2],
            present: [false; 2],
            chunks_seen: 0,
            enabled: [false; MAX_LANES],
            num_vectors: NV,
            k_slow: 0.0,
            k_fast: 0.0,
            k_fade: 0.0,
            pll_k1: 0.0,
            pll_k2: 0.0,
            pll_k3: 0.0,
            active: 0,
            simd_fast: avx2_fma_available(),
            auto_count: 0,
            auto_hold_chunks: 1,
            hum_rms: 0.0,
        };
        s.prepare(48_000.0);
        s
    }

    /// Sets the sample rate (allocation-free) and resets.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        let fs = if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            sample_rate_hz as f64
        } else {
            48_000.0
        };
        self.fs = fs;
        self.chunk = ((fs / CHUNK_RATE_HZ).round() as usize).max(1);
        let chunk_s = self.chunk as f64 / fs;
        let step = |tau: f64| -(-chunk_s / tau).exp_m1();
        self.k_slow = step(SLOW_TAU_S);
        self.k_fast = step(FAST_TAU_S);
        self.k_fade = step(FADE_TAU_S);
        let w0t = 2.0 * PI * PLL_NATURAL_HZ * chunk_s;
        let per_sample = 1.0 / self.chunk as f64;
        self.pll_k1 = 2.4 * w0t;
        self.pll_k2 = 1.1 * w0t * w0t * per_sample;
        self.pll_k3 = w0t * w0t * w0t * per_sample;
        for (j, r) in self.nb_rot.iter_mut().enumerate() {
            let sign = if j % 2 == 0 { -1.0 } else { 1.0 };
            let w = 2.0 * PI * sign * NEIGHBOUR_OFFSETS_HZ[j / 2] * chunk_s;
            *r = (w.cos(), w.sin());
        }
        self.auto_hold_chunks = ((AUTO_HOLD_S / chunk_s).round() as usize).max(1);
        self.update_enabled();
        self.reset();
    }

    // Several parallel per-lane arrays are indexed together.
    #[allow(clippy::needless_range_loop)]
    fn update_enabled(&mut self) {
        let n = self.settings.num_harmonics.clamp(1, MAX_HARMONICS);
        for b in 0..2 {
            let f0 = [50.0, 60.0][b] * (1.0 + MAX_DRIFT);
            let used = match self.settings.base {
                HumBase::Auto => true,
                HumBase::Hz50 => b == 0,
                HumBase::Hz60 => b == 1,
            };
            for k in 0..MAX_HARMONICS {
                self.enabled[2 * k + b] =
                    used && k < n && (k + 1) as f64 * f0 <= MAX_HARMONIC_RATIO * self.fs;
            }
        }
        let last = (0..MAX_LANES).rev().find(|&l| self.enabled[l]).unwrap_or(0);
        self.num_vectors = last / W + 1;
    }

    /// Realtime-safe; cheap when nothing changed.
    pub fn set_settings(&mut self, s: &DehumSettings) {
        if *s == self.settings {
            return;
        }
        let base_changed = s.base != self.settings.base;
        self.settings = *s;
        self.settings.num_harmonics = s.num_harmonics.clamp(1, MAX_HARMONICS);
        self.update_enabled();
        match self.settings.base {
            HumBase::Hz50 => self.active = 0,
            HumBase::Hz60 => self.active = 1,
            HumBase::Auto => {}
        }
        if base_changed {
            self.auto_count = 0;
        }
        if !self.settings.track_drift {
            for o in self.osc.iter_mut() {
                o.omega = 2.0 * PI * o.nominal_hz / self.fs;
                o.rate = 0.0;
            }
        }
        self.load_lanes();
    }

    /// Clears all audio memory (realtime-safe).
    pub fn reset(&mut self) {
        self.osc = [BaseOsc::new(50.0, self.fs), BaseOsc::new(60.0, self.fs)];
        self.pos = 0;
        self.accr = [[0.0; W]; NV];
        self.acci = [[0.0; W]; NV];
        self.wr = [[0.0; W]; NV];
        self.wi = [[0.0; W]; NV];
        self.fast1 = [(0.0, 0.0); MAX_LANES];
        self.fast = [(0.0, 0.0); MAX_LANES];
        self.slow1 = [(0.0, 0.0); MAX_LANES];
        self.slow = [(0.0, 0.0); MAX_LANES];
        self.power = [0.0; MAX_LANES];
        self.nb_phasor = [(1.0, 0.0); NUM_NEIGHBOURS];
        self.nb1 = [[[(0.0, 0.0); NUM_NEIGHBOURS]; DETECT_HARMONICS]; 2];
        self.nb = [[[(0.0, 0.0); NUM_NEIGHBOURS]; DETECT_HARMONICS]; 2];
        self.gain = [0.0; MAX_LANES];
        self.alone = [0; 2];
        self.alone_mask = [0; 2];
        self.present = [false; 2];
        self.chunks_seen = 0;
        self.active = if self.settings.base == HumBase::Hz60 {
            1
        } else {
            0
        };
        self.auto_count = 0;
        self.hum_rms = 0.0;
        self.load_lanes();
    }

    /// Latency in samples: always 0 (a causal canceller).
    pub fn latency_samples(&self) -> usize {
        0
    }

    /// RMS of the hum currently being removed, dBFS (−200 when none).
    pub fn hum_level_db(&self) -> f32 {
        (20.0 * self.hum_rms.max(1e-10).log10()) as f32
    }

    /// Which of the active base's first four harmonics stand alone among their neighbours
    /// now (bit h: harmonic h + 1), the evidence presence is decided on.
    pub fn harmonics_alone(&self) -> u8 {
        self.alone_mask[self.active]
    }

    /// Whether hum is present on the active base (what switches the subtraction on).
    pub fn hum_present(&self) -> bool {
        self.present[self.active]
    }

    /// The base frequency found and tracked, Hz (e.g. 50.02).
    pub fn base_hz(&self) -> f32 {
        let o = &self.osc[self.active];
        (o.omega * self.fs / (2.0 * PI)) as f32
    }

    /// Level of harmonic `k` (1 = fundamental) of the active base being removed, dBFS RMS
    /// (−200 when none or out of range).
    pub fn harmonic_level_db(&self, k: usize) -> f32 {
        if k == 0 || k > MAX_HARMONICS {
            return -200.0;
        }
        let l = 2 * (k - 1) + self.active;
        let (ar, ai) = self.slow[l];
        let g = if self.enabled[l] { self.gain[l] } else { 0.0 };
        let rms = g * (2.0 * (ar * ar + ai * ai)).sqrt();
        (20.0 * rms.max(1e-10).log10()) as f32
    }

    /// Loads per-sample oscillators (from the master phasors) and remodulation weights.
    // Several parallel per-lane arrays are indexed together.
    #[allow(clippy::needless_range_loop)]
    fn load_lanes(&mut self) {
        let mut hum_pow = 0.0;
        for b in 0..2 {
            let o = self.osc[b];
            let (c1r, c1i) = (o.omega.cos(), o.omega.sin());
            let (mut pkr, mut pki) = o.m;
            let (mut ckr, mut cki) = (c1r, c1i);
            for k in 0..MAX_HARMONICS {
                let l = 2 * k + b;
                let (v, j) = (l / W, l % W);
                self.pr[v][j] = pkr as f32;
                self.pi[v][j] = pki as f32;
                self.cr[v][j] = ckr as f32;
                self.ci[v][j] = cki as f32;
                let g = if self.enabled[l] { self.gain[l] } else { 0.0 };
                let (ar, ai) = self.slow[l];
                self.wr[v][j] = (2.0 * g * ar) as f32;
                self.wi[v][j] = (2.0 * g * ai) as f32;
                hum_pow += 2.0 * g * g * (ar * ar + ai * ai);
                // Next harmonic: multiply by the fundamental phasor / rotation.
                let (r, i) = (pkr * o.m.0 - pki * o.m.1, pkr * o.m.1 + pki * o.m.0);
                (pkr, pki) = (r, i);
                let (r, i) = (ckr * c1r - cki * c1i, ckr * c1i + cki * c1r);
                (ckr, cki) = (r, i);
            }
        }
        self.hum_rms = hum_pow.sqrt();
    }

    /// Decimated-rate update at the end of a chunk.
    // Several parallel per-lane arrays are indexed together.
    #[allow(clippy::needless_range_loop)]
    fn end_chunk(&mut self) {
        let inv = 1.0 / self.chunk as f64;
        self.chunks_seen += 1;
        // Start-up: a running mean until the exponential average is longer (unbiased
        // estimates within the first second, the long average afterwards).
        let ks = self.k_slow.max(1.0 / self.chunks_seen as f64);
        let kf = self.k_fast;
        let mut pll_num = [0.0f64; 2];
        let mut pll_den = [0.0f64; 2];
        for l in 0..MAX_LANES {
            let (v, j) = (l / W, l % W);
            let zr = self.accr[v][j] as f64 * inv;
            let zi = self.acci[v][j] as f64 * inv;
            self.accr[v][j] = 0.0;
            self.acci[v][j] = 0.0;
            if !self.enabled[l] {
                continue;
            }
            let (b, h) = (l % 2, l / 2);
            if h < DETECT_HARMONICS {
                // The neighbours: z·conj(q) brings the component at k·f0 + δ to 0 Hz.
                for (jn, &(qr, qi)) in self.nb_phasor.iter().enumerate() {
                    let (ur, ui) = (zr * qr + zi * qi, zi * qr - zr * qi);
                    let n1 = &mut self.nb1[b][h][jn];
                    n1.0 += ks * (ur - n1.0);
                    n1.1 += ks * (ui - n1.1);
                    let n1 = *n1;
                    let n = &mut self.nb[b][h][jn];
                    n.0 += ks * (n1.0 - n.0);
                    n.1 += ks * (n1.1 - n.1);
                }
            }
            let f1 = &mut self.fast1[l];
            f1.0 += kf * (zr - f1.0);
            f1.1 += kf * (zi - f1.1);
            let f1 = *f1;
            let f = &mut self.fast[l];
            f.0 += kf * (f1.0 - f.0);
            f.1 += kf * (f1.1 - f.1);
            let (br, bi) = *f;
            let s1 = &mut self.slow1[l];
            s1.0 += ks * (zr - s1.0);
            s1.1 += ks * (zi - s1.1);
            let s1 = *s1;
            let a = &mut self.slow[l];
            a.0 += ks * (s1.0 - a.0);
            a.1 += ks * (s1.1 - a.1);
            let (ar, ai) = *a;
            let p = &mut self.power[l];
            *p += ks * (br * br + bi * bi - *p);
            let p = *p;
            let a2 = ar * ar + ai * ai;
            // Music (noise) power in the fast band.
            let noise = (p - a2).max(1e-3 * p) + 1e-30;
            let k = (h + 1) as f64;
            // Phase detector: inverse-variance weighted least-squares phase of the fast
            // estimate against the slow one.
            pll_num[b] += k * (bi * ar - br * ai) / noise;
            pll_den[b] += k * k * a2 / noise;
        }
        for (q, r) in self.nb_phasor.iter_mut().zip(&self.nb_rot) {
            let (re, im) = (q.0 * r.0 - q.1 * r.1, q.0 * r.1 + q.1 * r.0);
            let n = 1.0 / (re * re + im * im).sqrt();
            *q = (re * n, im * n);
        }
        // Detection: how many of the first harmonics stand alone among their neighbours.
        for b in 0..2 {
            let mut alone = 0;
            let mut mask = 0u8;
            for h in 0..DETECT_HARMONICS {
                let l = 2 * h + b;
                if !self.enabled[l] {
                    continue;
                }
                let (ar, ai) = self.slow[l];
                let p = ar * ar + ai * ai;
                let q = self.nb[b][h]
                    .iter()
                    .map(|c| c.0 * c.0 + c.1 * c.1)
                    .fold(0.0f64, f64::max);
                if p > SILENCE_POWER && p > STANDS_ALONE * q {
                    alone += 1;
                    mask |= 1 << h;
                }
            }
            self.alone[b] = alone;
            self.alone_mask[b] = mask;
        }
        let warm = self.chunks_seen as f64 * self.chunk as f64 >= STARTUP_S * self.fs;
        if warm {
            let on = if self.settings.base == HumBase::Auto {
                ON_COUNT
            } else {
                ON_COUNT - 1
            };
            for b in 0..2 {
                if self.alone[b] >= on {
                    self.present[b] = true;
                } else if self.alone[b] == 0 {
                    self.present[b] = false;
                }
            }
        }
        // Auto base selection: the first base found is taken at once; afterwards a present
        // base with more hum-like harmonics takes over after a hold.
        if self.settings.base == HumBase::Auto {
            let (act, other) = (self.active, 1 - self.active);
            if self.present[other] && (!self.present[act] || self.alone[other] > self.alone[act]) {
                self.auto_count += 1;
                let idle = !self.present[act] && self.gain[act] < 1e-3;
                if idle || self.auto_count >= self.auto_hold_chunks {
                    self.active = other;
                    self.auto_count = 0;
                }
            } else {
                self.auto_count = 0;
            }
        }
        for l in 0..MAX_LANES {
            let b = l % 2;
            let target = if b == self.active && self.present[b] && self.enabled[l] {
                1.0
            } else {
                0.0
            };
            self.gain[l] += self.k_fade * (target - self.gain[l]);
        }
        // Advance the master phasors by one chunk, with the PLL correction.
        for b in 0..2 {
            let o = &mut self.osc[b];
            let mut dphi = o.omega * self.chunk as f64;
            if self.settings.track_drift && pll_den[b] > 1e-30 {
                let delta = (pll_num[b] / pll_den[b]).clamp(-0.5, 0.5);
                let nominal = 2.0 * PI * o.nominal_hz / self.fs;
                let (lo, hi) = (nominal * (1.0 - MAX_DRIFT), nominal * (1.0 + MAX_DRIFT));
                o.rate += self.pll_k3 * delta;
                o.omega += o.rate + self.pll_k2 * delta;
                dphi += self.pll_k1 * delta;
                if o.omega < lo || o.omega > hi {
                    o.omega = o.omega.clamp(lo, hi);
                    o.rate = 0.0;
                }
            }
            let (cr, ci) = (dphi.cos(), dphi.sin());
            let (mr, mi) = o.m;
            let (r, i) = (mr * cr - mi * ci, mr * ci + mi * cr);
            let n = 1.0 / (r * r + i * i).sqrt();
            o.m = (r * n, i * n);
        }
        self.load_lanes();
    }

    /// Processes any number of samples in place (latency 0).
    // Several parallel per-lane arrays are indexed together.
    #[allow(clippy::needless_range_loop)]
    pub fn process(&mut self, buf: &mut [f32]) {
        let mut start = 0;
        while start < buf.len() {
            let n = (self.chunk - self.pos).min(buf.len() - start);
            let part = &mut buf[start..start + n];
            #[cfg(target_arch = "x86_64")]
            if self.simd_fast {
                // SAFETY: `simd_fast` is set only where `avx2_fma_available()` said so.
                unsafe { self.lanes_avx2_fma(part) };
            } else {
                self.lanes::<false>(part);
            }
            #[cfg(not(target_arch = "x86_64"))]
            self.lanes::<false>(part);
            self.pos += n;
            start += n;
            if self.pos == self.chunk {
                self.pos = 0;
                self.end_chunk();
            }
        }
    }

    /// [`Self::lanes`] compiled for AVX2 + FMA (one instruction per vector of 8 lanes).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA ([`crate::simd::avx2_fma_available`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn lanes_avx2_fma(&mut self, part: &mut [f32]) {
        self.lanes::<true>(part);
    }

    /// The per-sample work inside one chunk: demodulate, remodulate and rotate every enabled
    /// lane, and subtract the hum.
    #[inline(always)]
    fn lanes<const FMA: bool>(&mut self, part: &mut [f32]) {
        let nv = self.num_vectors;
        for x in part.iter_mut() {
            let xv = *x;
            let mut h = [0.0f32; W];
            for v in 0..nv {
                let (pr, pi) = (&mut self.pr[v], &mut self.pi[v]);
                let (cr, ci) = (&self.cr[v], &self.ci[v]);
                let (ar, ai) = (&mut self.accr[v], &mut self.acci[v]);
                let (wr, wi) = (&self.wr[v], &self.wi[v]);
                for j in 0..W {
                    let (r, i) = (pr[j], pi[j]);
                    ar[j] = madd::<FMA>(xv, r, ar[j]);
                    ai[j] = madd::<FMA>(-xv, i, ai[j]);
                    h[j] = madd::<FMA>(wr[j], r, madd::<FMA>(-wi[j], i, h[j]));
                    pr[j] = madd::<FMA>(r, cr[j], -(i * ci[j]));
                    pi[j] = madd::<FMA>(r, ci[j], i * cr[j]);
                }
            }
            let hum: f32 = h.iter().sum();
            *x = xv - hum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    /// Deterministic white noise in ±amp/2.
    fn noise(n: usize, amp: f32, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * amp
            })
            .collect()
    }

    /// Hum with `harmonics` harmonics of amplitude `amp/k`, base `f0_hz`.
    fn hum(n: usize, f0_hz: f64, harmonics: usize, amp: f32) -> Vec<f32> {
        let w = 2.0 * PI * f0_hz / FS as f64;
        (0..n)
            .map(|i| {
                (1..=harmonics)
                    .map(|k| amp / k as f32 * ((k * i) as f64 * w + k as f64).cos() as f32)
                    .sum()
            })
            .collect()
    }

    fn energy(x: &[f32]) -> f64 {
        x.iter().map(|&v| (v as f64) * (v as f64)).sum()
    }

    /// Reduction (dB) of the hum over the last 1.5 s: clean = `bed`.
    fn reduction_db(settings: &DehumSettings, bed: &[f32], h: &[f32]) -> (f64, Dehum) {
        let mut d = Dehum::new();
        d.prepare(FS);
        d.set_settings(settings);
        let mut x: Vec<f32> = bed.iter().zip(h).map(|(a, b)| a + b).collect();
        d.process(&mut x);
        let tail = x.len() - 72_000;
        let err: Vec<f32> = x[tail..]
            .iter()
            .zip(&bed[tail..])
            .map(|(a, b)| a - b)
            .collect();
        (10.0 * (energy(&h[tail..]) / energy(&err)).log10(), d)
    }

    #[test]
    fn removes_50_hz_hum_from_noise() {
        let n = 6 * 48_000;
        let bed = noise(n, 0.02, 1);
        let (red, d) = reduction_db(&DehumSettings::default(), &bed, &hum(n, 50.0, 10, 0.1));
        assert!(red > 30.0, "reduction {red:.1} dB");
        assert!((d.base_hz() - 50.0).abs() < 0.02, "{}", d.base_hz());
        assert!(d.hum_level_db() > -30.0 && d.hum_level_db() < -15.0);
    }

    /// The AVX2 + FMA lane kernel and the portable one remove the same hum: both reach
    /// 30 dB and their outputs differ by less than −80 dB of the hum.
    #[test]
    fn fast_and_portable_kernels_agree() {
        if !crate::simd::fast_path_testable("de-hum lane kernel") {
            return;
        }
        let n = 6 * 48_000;
        let bed = noise(n, 0.02, 3);
        let h = hum(n, 50.0, 10, 0.1);
        let x: Vec<f32> = bed.iter().zip(&h).map(|(a, b)| a + b).collect();
        let mut outs = Vec::new();
        for simd_fast in [false, true] {
            let mut d = Dehum::new();
            d.simd_fast = simd_fast;
            d.prepare(FS);
            let mut y = x.clone();
            d.process(&mut y);
            let tail = n - 72_000;
            let err: Vec<f32> = y[tail..]
                .iter()
                .zip(&bed[tail..])
                .map(|(a, b)| a - b)
                .collect();
            let red = 10.0 * (energy(&h[tail..]) / energy(&err)).log10();
            assert!(red > 30.0, "simd_fast {simd_fast}: reduction {red:.1} dB");
            outs.push(y);
        }
        let diff: Vec<f32> = outs[0].iter().zip(&outs[1]).map(|(a, b)| a - b).collect();
        let rel = 10.0 * (energy(&diff) / energy(&h)).log10();
        println!("kernels differ by {rel:.1} dB");
        assert!(rel < -80.0, "kernels differ by {rel:.1} dB");
    }

    #[test]
    fn finds_and_removes_60_hz_hum() {
        let n = 6 * 48_000;
        let bed = noise(n, 0.02, 2);
        let (red, d) = reduction_db(&DehumSettings::default(), &bed, &hum(n, 60.0, 10, 0.1));
        assert!(red > 30.0, "reduction {red:.1} dB");
        assert!((d.base_hz() - 60.0).abs() < 0.02, "{}", d.base_hz());
    }

    /// A drum loop that repeats exactly every 0.6 s has a line at every multiple of 1.667 Hz,
    /// so at k·50 and k·60 Hz too; those lines have neighbours as strong as they are and are
    /// music, not hum: Auto leaves the loop bit-exact. With hum added, it is found.
    #[test]
    fn an_exactly_repeating_loop_is_not_hum() {
        let n = 12 * 48_000;
        let period = (0.6 * FS) as usize;
        let bed = noise(n, 0.002, 7);
        let mut lp: Vec<f32> = (0..n)
            .map(|i| {
                let t = (i % period) as f64 / FS as f64;
                (0.5 * (2.0 * PI * 55.0 * t).sin() * (-t / 0.08).exp()) as f32
            })
            .collect();
        for (v, b) in lp.iter_mut().zip(&bed) {
            *v += b;
        }
        let mut d = Dehum::new();
        d.prepare(FS);
        let mut y = lp.clone();
        d.process(&mut y);
        assert_eq!(y, lp, "the loop was changed");
        assert!(d.hum_level_db() < -150.0);
        // The same loop with hum 10 dB below it: found and reduced. The hum let through is
        // half the difference of the outputs for loop + hum and loop − hum (the loop's own
        // 60 Hz line, which the canceller also takes, cancels there).
        let rms = (energy(&lp) / n as f64).sqrt() as f32;
        let h = hum(n, 60.0, 10, rms * 0.316 * 1.1);
        let run = |sign: f32| {
            let mut d = Dehum::new();
            d.prepare(FS);
            let mut x: Vec<f32> = lp.iter().zip(&h).map(|(a, b)| a + sign * b).collect();
            d.process(&mut x);
            (x, d.base_hz())
        };
        let ((yp, base), (ym, _)) = (run(1.0), run(-1.0));
        let tail = n - 72_000;
        let left: Vec<f32> = yp[tail..]
            .iter()
            .zip(&ym[tail..])
            .map(|(a, b)| 0.5 * (a - b))
            .collect();
        let red = 10.0 * (energy(&h[tail..]) / energy(&left)).log10();
        assert!(red > 25.0, "reduction {red:.1} dB");
        assert!((base - 60.0).abs() < 0.05, "{base}");
    }

    #[test]
    fn follows_drift() {
        // The third-order loop pulls in 0.12 Hz within a few seconds; read it at 10 s.
        let n = 10 * 48_000;
        let bed = noise(n, 0.02, 3);
        let (red, d) = reduction_db(&DehumSettings::default(), &bed, &hum(n, 50.12, 10, 0.1));
        assert!(red > 30.0, "reduction {red:.1} dB");
        assert!((d.base_hz() - 50.12).abs() < 0.002, "{}", d.base_hz());
        // Without tracking, an off-nominal hum is left (mostly) alone.
        let s = DehumSettings {
            track_drift: false,
            ..Default::default()
        };
        let (red_fixed, _) = reduction_db(&s, &bed, &hum(n, 50.12, 10, 0.1));
        assert!(red_fixed < red - 10.0, "{red_fixed:.1} vs {red:.1}");
    }

    #[test]
    fn follows_sinusoidal_mains_drift() {
        // f = 50 + 0.1·sin(2πt/8 s), phase integrated (a frequency modulation).
        let n = 10 * 48_000;
        let bed = noise(n, 0.02, 6);
        let mut phase = 0.0f64;
        let h: Vec<f32> = (0..n)
            .map(|i| {
                let t = i as f64 / FS as f64;
                let f = 50.0 + 0.1 * (2.0 * PI * t / 8.0).sin();
                let v: f64 = (1..=10)
                    .map(|k| (k as f64 * phase + k as f64).cos() / k as f64)
                    .sum();
                phase += 2.0 * PI * f / FS as f64;
                (0.1 * v) as f32
            })
            .collect();
        let (red, _) = reduction_db(&DehumSettings::default(), &bed, &h);
        assert!(red > 15.0, "reduction {red:.1} dB");
    }

    #[test]
    fn null_without_hum() {
        let n = 4 * 48_000;
        let mut x = noise(n, 0.2, 4);
        for (i, v) in x.iter_mut().enumerate() {
            let t = i as f32 / FS;
            *v += 0.3 * (2.0 * std::f32::consts::PI * 97.0 * t).sin()
                + 0.2 * (2.0 * std::f32::consts::PI * 440.0 * t).sin();
        }
        let mut y = x.clone();
        let mut d = Dehum::new();
        d.prepare(FS);
        d.process(&mut y);
        let err: Vec<f32> = y.iter().zip(&x).map(|(a, b)| a - b).collect();
        let null_db = 10.0 * (energy(&err) / energy(&x)).log10();
        assert!(null_db < -60.0, "null {null_db:.1} dB");
    }

    #[test]
    fn block_size_independent_and_finite() {
        let n = 48_000;
        let x: Vec<f32> = noise(n, 0.05, 5)
            .iter()
            .zip(hum(n, 50.1, 10, 0.2))
            .map(|(a, b)| a + b)
            .collect();
        let run = |block: usize| {
            let mut d = Dehum::new();
            d.prepare(FS);
            let mut y = x.clone();
            for c in y.chunks_mut(block) {
                d.process(c);
            }
            y
        };
        let reference = run(4096);
        for block in [1, 7, 64, 512] {
            assert_eq!(run(block), reference, "block {block}");
        }
        assert!(reference.iter().all(|v| v.is_finite()));
        for fs in [22_050.0, 44_100.0, 96_000.0, 384_000.0] {
            let mut d = Dehum::new();
            d.prepare(fs);
            d.set_settings(&DehumSettings {
                base: HumBase::Hz60,
                num_harmonics: 20,
                track_drift: true,
            });
            let mut y: Vec<f32> = (0..20_000)
                .map(|i| if i % 100 == 0 { 1.0 } else { 0.0 })
                .collect();
            d.process(&mut y);
            assert!(y.iter().all(|v| v.is_finite()));
            assert_eq!(d.latency_samples(), 0);
        }
    }
}
