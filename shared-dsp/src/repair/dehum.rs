//! De-hum: removes mains hum (50 or 60 Hz and its harmonics) by estimating each harmonic's
//! complex amplitude and SUBTRACTING it, instead of notching the programme.
//!
//! **Algorithm.** This is the adaptive noise canceller with a sinusoidal reference of
//! B. Widrow et al., "Adaptive Noise Cancelling: Principles and Applications", Proc. IEEE
//! 63(12), 1975 (§ "Cancelling periodic interference without an external reference" and the
//! 60 Hz hum example), built as an open-loop synchronous demodulator per harmonic:
//!
//! 1. A master phasor `m = e^{jθ}` per base frequency (f64, recursive rotation, renormalised)
//!    gives the reference of harmonic `k` as `m^k`. Within a chunk of `D ≈ fs/1500` samples
//!    the harmonic phasors are rotated recursively in f32 (no sin/cos per sample) and are
//!    re-synchronised from the master at every chunk boundary.
//! 2. `x·conj(p_k)` is integrated over the chunk (decimation) and low-passed by a slow
//!    critically damped second-order filter (two one-poles of τ = 0.6 s): the harmonic's
//!    complex amplitude `a_k`. A fast one-pole (τ = 40 ms) of the same demodulated signal gives
//!    `b_k`.
//! 3. Stationarity gate (a Wiener-style gain). The music leakage `N_k` into `a_k` is estimated
//!    two ways and the larger is used: the non-stationary power in the fast band,
//!    `⟨|b_k|²⟩ − |a_k|²`, scaled to the slow band's width, and the spread of `a_k` around its
//!    own 0.8 s mean (hum keeps `a_k` still, music makes it wander). The harmonic is
//!    subtracted with gain `g_k = 1 − 4·N_k/|a_k|²` (clamped to [0, 1], smoothed over 0.1 s).
//! 4. Harmonic consensus: hum is steady on many harmonics at once, while a sustained note or a
//!    programmed loop's line spectrum is steady on a few (the test masters have exact lines at
//!    60, 120, 200, 250 and 500 Hz). Each base's gains are multiplied by a factor rising from
//!    0 to 1 as the fraction of its enabled harmonics whose gate is open goes from 30 % to
//!    50 % (so with `num_harmonics = 2` both must be open, with 10 at least 3–5).
//! 5. Output `y = x − Σ_k 2·Re(g_k·a_k·p_k)` (causal: latency 0).
//! 6. Drift tracking: a second-order (type-2, PI) phase-locked loop per base (natural
//!    frequency 1.2 Hz), whose phase detector is the power-weighted least-squares phase of the
//!    fast estimates against the slow ones,
//!    `δ = Σ k Im(b_k a_k*) / Σ k² (|a_k|² + ⟨|b_k|²⟩)` (F. M. Gardner, "Phaselock
//!    Techniques", 3rd ed., 2005, ch. 2–3). The frequency is confined to ±1 % of nominal.
//! 7. Auto base: the 50 and 60 Hz banks both run; the base with more open harmonics (among
//!    those not shared with the other base) wins, with a 1.5× hysteresis and a 0.5 s hold.
//!
//! Harmonics above 0.45·fs are skipped. Cost per sample is bounded: at most 40 f32 lanes
//! (20 harmonics × 2 bases) of rotate + demodulate + remodulate.

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
/// Slow amplitude estimator: time constant of each of its two one-poles, seconds.
const SLOW_TAU_S: f64 = 0.6;
/// Fast estimator (phase detector and band energy): one-pole time constant, seconds.
const FAST_TAU_S: f64 = 0.04;
/// Smoothing of the per-harmonic gate, seconds.
const GATE_TAU_S: f64 = 0.1;
/// Long-term mean/variance of the slow estimate, seconds.
const LONG_TAU_S: f64 = 0.8;
/// Over-subtraction factor of the stationarity gate.
const GATE_BETA: f64 = 4.0;
/// Harmonic consensus: fraction of a base's harmonics that must be open before any is
/// removed (linear ramp from `CONSENSUS_LO` to `CONSENSUS_HI`).
const CONSENSUS_LO: f64 = 0.3;
/// Upper end of the consensus ramp.
const CONSENSUS_HI: f64 = 0.5;
/// PLL natural frequency, Hz.
const PLL_NATURAL_HZ: f64 = 1.2;
/// PLL damping factor.
const PLL_DAMPING: f64 = 0.9;
/// Allowed drift from the nominal base frequency (fraction).
const MAX_DRIFT: f64 = 0.01;
/// Auto: the other base must carry this much more coherent power (ratio, 6 dB) …
const AUTO_HYSTERESIS: f64 = 1.5;
/// … for this long (seconds) to take over.
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
    /// Follow slow mains drift (±1 %) with a phase-locked loop (default true).
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
}

impl BaseOsc {
    fn new(nominal_hz: f64, fs: f64) -> Self {
        Self {
            nominal_hz,
            omega: 2.0 * PI * nominal_hz / fs,
            m: (1.0, 0.0),
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
    fast: [(f64, f64); MAX_LANES],
    slow1: [(f64, f64); MAX_LANES],
    slow: [(f64, f64); MAX_LANES],
    power: [f64; MAX_LANES],
    mean: [(f64, f64); MAX_LANES],
    var: [f64; MAX_LANES],
    gate: [f64; MAX_LANES],
    /// Per base: harmonic consensus factor applied to every harmonic's gate.
    consensus: [f64; 2],
    /// Per base: Σ of raw gates (this chunk).
    open_sum: [f64; 2],
    /// Vectors holding enabled lanes.
    num_vectors: usize,
    /// Whether lane l is below 0.45·fs and within `num_harmonics`.
    enabled: [bool; MAX_LANES],
    /// One-pole steps at the chunk rate.
    k_slow: f64,
    k_fast: f64,
    k_gate: f64,
    k_long: f64,
    /// Music leakage scale `B_slow / (B_fast − B_slow)`.
    leak_ratio: f64,
    /// PLL gains per chunk: phase (rad per rad) and frequency (rad/sample per rad).
    pll_kp: f64,
    pll_ki: f64,
    /// Active base (0 = 50 Hz, 1 = 60 Hz).
    active: usize,
    /// Chunks the other base has been winning (Auto).
    auto_count: usize,
    auto_hold_chunks: usize,
    /// Hum RMS estimate (linear) for the meter.
    hum_rms: f64,
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
            fast: [(0.0, 0.0); MAX_LANES],
            slow1: [(0.0, 0.0); MAX_LANES],
            slow: [(0.0, 0.0); MAX_LANES],
            power: [0.0; MAX_LANES],
            mean: [(0.0, 0.0); MAX_LANES],
            var: [0.0; MAX_LANES],
            gate: [0.0; MAX_LANES],
            enabled: [false; MAX_LANES],
            num_vectors: NV,
            consensus: [0.0; 2],
            open_sum: [0.0; 2],
            k_slow: 0.0,
            k_fast: 0.0,
            k_gate: 0.0,
            k_long: 0.0,
            leak_ratio: 0.0,
            pll_kp: 0.0,
            pll_ki: 0.0,
            active: 0,
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
        let (slow_tau, fast_tau, long_tau, pll_hz, gate_tau) = (
            SLOW_TAU_S,
            FAST_TAU_S,
            LONG_TAU_S,
            PLL_NATURAL_HZ,
            GATE_TAU_S,
        );
        self.k_slow = step(slow_tau);
        self.k_fast = step(fast_tau);
        self.k_gate = step(gate_tau);
        self.k_long = step(long_tau);
        // Noise bandwidths: two one-poles 1/(4τ), one one-pole 1/(2τ).
        let b_slow = 1.0 / (4.0 * slow_tau);
        let b_fast = 1.0 / (2.0 * fast_tau);
        self.leak_ratio = b_slow / (b_fast - b_slow);
        let wn = 2.0 * PI * pll_hz;
        self.pll_kp = 2.0 * PLL_DAMPING * wn * chunk_s;
        self.pll_ki = wn * wn * chunk_s * chunk_s / self.chunk as f64;
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
        self.fast = [(0.0, 0.0); MAX_LANES];
        self.slow1 = [(0.0, 0.0); MAX_LANES];
        self.slow = [(0.0, 0.0); MAX_LANES];
        self.power = [0.0; MAX_LANES];
        self.mean = [(0.0, 0.0); MAX_LANES];
        self.var = [0.0; MAX_LANES];
        self.gate = [0.0; MAX_LANES];
        self.active = if self.settings.base == HumBase::Hz60 {
            1
        } else {
            0
        };
        self.auto_count = 0;
        self.hum_rms = 0.0;
        self.consensus = [0.0; 2];
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
        let g = if self.enabled[l] { self.gate[l] } else { 0.0 };
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
                let on = self.enabled[l] && b == self.active;
                let g = if on {
                    self.gate[l] * self.consensus[b]
                } else {
                    0.0
                };
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
        let (ks, kf, kg, kl) = (self.k_slow, self.k_fast, self.k_gate, self.k_long);
        let mut coherent = [0.0f64; 2];
        let mut count = [0.0f64; 2];
        self.open_sum = [0.0; 2];
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
            let f = &mut self.fast[l];
            f.0 += kf * (zr - f.0);
            f.1 += kf * (zi - f.1);
            let s1 = &mut self.slow1[l];
            s1.0 += ks * (zr - s1.0);
            s1.1 += ks * (zi - s1.1);
            let s1 = *s1;
            let a = &mut self.slow[l];
            a.0 += ks * (s1.0 - a.0);
            a.1 += ks * (s1.1 - a.1);
            let (ar, ai) = *a;
            let (br, bi) = self.fast[l];
            let p = &mut self.power[l];
            *p += ks * (br * br + bi * bi - *p);
            let p = *p;
            let a2 = ar * ar + ai * ai;
            // Long-term mean of the slow estimate and its fluctuation around it: hum gives a
            // steady `a`, music a wandering one whose spread is its leakage into `a`.
            let m = &mut self.mean[l];
            m.0 += kl * (ar - m.0);
            m.1 += kl * (ai - m.1);
            let (dr, di) = (ar - m.0, ai - m.1);
            let var = &mut self.var[l];
            *var += kl * (dr * dr + di * di - *var);
            let noise = (*var).max((p - a2).max(0.0) * self.leak_ratio);
            let target = if a2 > 1e-24 {
                (1.0 - GATE_BETA * noise / a2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            self.gate[l] += kg * (target - self.gate[l]);
            let g = self.gate[l];
            let b = l % 2;
            let kn = l / 2 + 1;
            let k = kn as f64;
            // Harmonics shared by 50 and 60 Hz (multiples of 300 Hz) do not vote.
            let shared = if b == 0 { kn % 6 == 0 } else { kn % 5 == 0 };
            if !shared {
                coherent[b] += g;
            }
            count[b] += 1.0;
            self.open_sum[b] += (g * 2.0).min(1.0);
            // Phase detector weights: the steady power itself (not the gate), so the loop
            // can acquire a hum that is off-nominal before the gate opens; music (large `p`,
            // small `a`) gets little weight.
            pll_num[b] += k * (bi * ar - br * ai);
            pll_den[b] += k * k * (a2 + p);
        }
        // Harmonic consensus: hum is steady on many harmonics at once; a few steady lines
        // (a sustained note, a programmed loop's line spectrum) are not hum.
        for b in 0..2 {
            let frac = if count[b] > 0.0 {
                self.open_sum[b] / count[b]
            } else {
                0.0
            };
            let target = ((frac - CONSENSUS_LO) / (CONSENSUS_HI - CONSENSUS_LO)).clamp(0.0, 1.0);
            self.consensus[b] += kg * (target - self.consensus[b]);
        }
        // Auto base selection with hysteresis and hold.
        if self.settings.base == HumBase::Auto {
            let other = 1 - self.active;
            if coherent[other] > AUTO_HYSTERESIS * coherent[self.active] && coherent[other] > 1.0 {
                self.auto_count += 1;
                if self.auto_count >= self.auto_hold_chunks {
                    self.active = other;
                    self.auto_count = 0;
                }
            } else {
                self.auto_count = 0;
            }
        }
        // Advance the master phasors by one chunk, with the PLL correction.
        for b in 0..2 {
            let o = &mut self.osc[b];
            let mut dphi = o.omega * self.chunk as f64;
            if self.settings.track_drift && pll_den[b] > 1e-20 {
                let delta = (pll_num[b] / pll_den[b]).clamp(-0.2, 0.2);
                dphi += self.pll_kp * delta;
                let nominal = 2.0 * PI * o.nominal_hz / self.fs;
                o.omega = (o.omega + self.pll_ki * delta)
                    .clamp(nominal * (1.0 - MAX_DRIFT), nominal * (1.0 + MAX_DRIFT));
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
        let nv = self.num_vectors;
        let mut start = 0;
        while start < buf.len() {
            let n = (self.chunk - self.pos).min(buf.len() - start);
            for x in buf[start..start + n].iter_mut() {
                let xv = *x;
                let mut h = [0.0f32; W];
                for v in 0..nv {
                    let (pr, pi) = (&mut self.pr[v], &mut self.pi[v]);
                    let (cr, ci) = (&self.cr[v], &self.ci[v]);
                    let (ar, ai) = (&mut self.accr[v], &mut self.acci[v]);
                    let (wr, wi) = (&self.wr[v], &self.wi[v]);
                    for j in 0..W {
                        let (r, i) = (pr[j], pi[j]);
                        ar[j] += xv * r;
                        ai[j] -= xv * i;
                        h[j] += wr[j] * r - wi[j] * i;
                        pr[j] = r * cr[j] - i * ci[j];
                        pi[j] = r * ci[j] + i * cr[j];
                    }
                }
                let hum: f32 = h.iter().sum();
                *x = xv - hum;
            }
            self.pos += n;
            start += n;
            if self.pos == self.chunk {
                self.pos = 0;
                self.end_chunk();
            }
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

    #[test]
    fn finds_and_removes_60_hz_hum() {
        let n = 6 * 48_000;
        let bed = noise(n, 0.02, 2);
        let (red, d) = reduction_db(&DehumSettings::default(), &bed, &hum(n, 60.0, 10, 0.1));
        assert!(red > 30.0, "reduction {red:.1} dB");
        assert!((d.base_hz() - 60.0).abs() < 0.02, "{}", d.base_hz());
    }

    #[test]
    fn follows_drift_within_one_percent() {
        let n = 6 * 48_000;
        let bed = noise(n, 0.02, 3);
        let (red, d) = reduction_db(&DehumSettings::default(), &bed, &hum(n, 50.3, 10, 0.1));
        assert!(red > 20.0, "reduction {red:.1} dB");
        assert!((d.base_hz() - 50.3).abs() < 0.01, "{}", d.base_hz());
        // Without tracking, an off-nominal hum is left (mostly) alone.
        let s = DehumSettings {
            track_drift: false,
            ..Default::default()
        };
        let (red_fixed, _) = reduction_db(&s, &bed, &hum(n, 50.3, 10, 0.1));
        assert!(red_fixed < red - 10.0, "{red_fixed:.1} vs {red:.1}");
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
