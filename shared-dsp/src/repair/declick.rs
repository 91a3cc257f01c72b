//! De-click: detects short impulsive events against an autoregressive model of the signal and
//! rebuilds only their samples by least-squares AR interpolation (S. J. Godsill and
//! P. J. W. Rayner, *Digital Audio Restoration*, Springer 1998, ch. 5: §5.3 detection from the
//! AR prediction error, §5.2.2 LSAR interpolation).
//!
//! Per hop (≈ 21 ms) the unit fits an AR model (order 24, autocorrelation method, see
//! [`super::ar`]) to a frame reaching ≈ 5 ms before and ≈ 12.5 ms after the hop, and computes
//! the two-sided interpolation error `ε = A(z⁻¹)·A(z)·x`: the matched filter for an impulse in
//! AR noise (Godsill & Rayner §5.3.1), large and narrow at a click.
//!
//! 1. **Candidates**: local maxima of `ε²` whose ratio to a robust local scale (the median of
//!    ≈ 0.67 ms sub-block energies over ±5.3 ms: a click or a drum hit occupies too few
//!    sub-blocks to move the median) exceeds `13.5²` (at 50 % sensitivity), peak inside the hop;
//!    `9²` where the frame's residual is steady, as on noisy transfers (tape, vinyl), whose
//!    residual is near-Gaussian and where nothing but a click stands out.
//!    The core is the run around the peak within −4.6 dB of it.
//! 2. **Test**: the core plus 1, 2 or 3 samples each side is rebuilt by LSAR in a scratch copy
//!    and the prediction-error energy over the surrounding rows (±1.1 ms beyond the model's
//!    reach) is compared before and after: `F = (explained energy / rebuilt samples) /
//!    (remaining energy / remaining rows)`, a generalised likelihood-ratio test for an additive
//!    burst in locally white residual. A click is explained by its few samples (F in the tens
//!    to thousands); a drum attack, pluck or consonant leaves its error spread over the rows
//!    (F ≈ 1–3) because no short burst explains it. Accepted when `F ≥ 4`. Candidates are
//!    tested strongest first, so a click's ε side lobes are never taken for the click.
//! 3. **Rebuild**: the span of the best margin, trimmed to the samples the rebuild moved by at
//!    least 30 % of the largest move (every extra rebuilt sample costs accuracy on dense
//!    material), is rebuilt by LSAR in place. Everything else passes unchanged.
//!
//! Sensitivity scales both thresholds by `2^((50 − s)/50)` (amplitude). Cost is bounded: at
//! most 32 candidates and `2·hop` trial unknowns per hop, rebuilt samples at most one hop.

use super::ar::{prediction_error, ArCoeffs, ArFitter, HopFramer, LsarInterpolator};
use crate::range::Range;

/// Highest supported sample rate (sizes the buffers).
const MAX_SAMPLE_RATE_HZ: f32 = 384_000.0;
/// Sample rate assumed for non-finite or non-positive input, Hz.
const FALLBACK_SAMPLE_RATE_HZ: f32 = 48_000.0;
/// AR model order.
const AR_ORDER: usize = 24;
/// Hop length, ms (1024 samples at 48 kHz).
const HOP_MS: f32 = 1024.0 / 48.0;
/// Context before the hop, ms (256 samples at 48 kHz).
const LEFT_MS: f32 = 256.0 / 48.0;
/// Sub-block length of the robust scale, ms (32 samples at 48 kHz).
const SUB_BLOCK_MS: f32 = 32.0 / 48.0;
/// Sub-blocks on each side whose median energy is the local scale.
const SCALE_SPAN_BLOCKS: usize = 8;
/// Residual rows the F test looks at beyond the rebuilt span and the model's reach, ms.
const TEST_ROWS_MS: f32 = 1.125;
/// Range of the `sensitivity` setting, % (a parameter offers this one).
pub const SENSITIVITY: Range = Range::new(0.0, 100.0, 50.0);
/// Range of the `max_event_ms` setting, ms (a parameter offers this one).
pub const MAX_EVENT_MS_RANGE: Range = Range::new(0.1, 10.0, 2.0);
/// Longest `max_event_ms` setting (sizes the lookahead, so the latency never moves).
const MAX_EVENT_MS: f32 = MAX_EVENT_MS_RANGE.max;
/// Capacity of the event ring.
const EVENT_RING: usize = 1024;
/// Peak `|ε|` over the local scale (amplitude ratio) a candidate needs, at 50 % sensitivity.
const SCALE_FACTOR: f32 = 13.5;
/// Peak `|ε|` over the local scale a candidate needs where the residual is steady (spread
/// below [`STEADY_SPREAD`]), at 50 % sensitivity. On pink noise at −24 dBFS with a tone, 80
/// clicks 6–12 dB above the local peak: 42 of 80 found at 13.5, 75 at 9, with no more events
/// on the clean drum groove; the speech recording's second edit tick (19.15 s) is found too.
const STEADY_SCALE_FACTOR: f32 = 9.0;
/// Spread (90th percentile over median of the frame's sub-block energies of `ε²`) below which
/// the residual counts as steady.
const STEADY_SPREAD: f32 = 2.0;
/// F statistic an event needs, at 50 % sensitivity.
const F_THRESHOLD: f32 = 4.0;
/// Candidate core: samples with `ε²` within this ratio of the peak's (−4.6 dB).
const CORE_REL: f32 = 0.35;
/// Margins (samples added on each side of a candidate's core) tried by the F test.
const MARGINS: [usize; 3] = [1, 2, 3];
/// Most candidates tested per hop (bounded work).
const MAX_TESTS_PER_HOP: usize = 32;
/// Refinement: rebuilt samples that moved by less than this fraction of the largest move are
/// given back.
const REFINE_REL: f32 = 0.3;

/// De-click settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeclickSettings {
    /// Detection sensitivity, 0–100 % (default 50 %): higher finds quieter clicks (each 50 %
    /// halves the detection thresholds).
    pub sensitivity: f32,
    /// Longest event treated as a click, 0.1–10 ms (default 2 ms); longer ones are left alone.
    pub max_event_ms: f32,
}

impl Default for DeclickSettings {
    fn default() -> Self {
        Self {
            sensitivity: SENSITIVITY.default,
            max_event_ms: MAX_EVENT_MS_RANGE.default,
        }
    }
}

/// One repaired click.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClickEvent {
    /// Index of its first rebuilt sample in the input stream since the last reset.
    pub start_sample: u64,
    /// Number of rebuilt samples.
    pub len: usize,
}

/// Geometry and thresholds derived from the rate and settings.
#[derive(Clone, Copy, Debug)]
struct Config {
    sub_block: usize,
    test_rows: usize,
    max_event: usize,
    scale_factor_sq: f32,
    /// The same where the residual is steady.
    steady_scale_factor_sq: f32,
    f_threshold: f32,
}

/// The de-click unit (mono). See the module docs.
pub struct Declick {
    sample_rate_hz: f32,
    settings: DeclickSettings,
    framer: HopFramer,
    det: Detector,
}

/// Analysis state of the de-click (everything but the framing).
struct Detector {
    cfg: Config,
    fitter: ArFitter,
    lsar: LsarInterpolator,
    coeffs: ArCoeffs,
    /// Forward prediction error and two-sided interpolation error of the frame.
    residual: Vec<f32>,
    eps: Vec<f32>,
    /// Sub-block mean `ε²` and its local medians.
    block_energy: Vec<f32>,
    /// Scratch: the sub-block energies sorted (the steadiness test).
    block_sorted: Vec<f32>,
    block_scale: Vec<f32>,
    /// Indices of the unknowns handed to the LSAR solver.
    unknowns: Vec<usize>,
    /// Events rebuilt in the current frame (frame positions, inclusive).
    accepted: [(usize, usize); MAX_TESTS_PER_HOP],
    /// Trial rebuild of a candidate with its surroundings.
    trial: Vec<f32>,
    /// Repaired events, ring buffer.
    events: Vec<ClickEvent>,
    ev_head: usize,
    ev_len: usize,
    clicks_found: u64,
    hops_done: u64,
}

impl Default for Declick {
    fn default() -> Self {
        Self::new()
    }
}

impl Declick {
    /// Allocates for the worst case (384 kHz, every setting); prepared for 48 kHz.
    pub fn new() -> Self {
        let fs = MAX_SAMPLE_RATE_HZ;
        let (left, hop, right) = geometry(fs);
        let frame = left + hop + right;
        let max_ev = ms_to_samples(MAX_EVENT_MS, fs) + 2 * MARGINS[MARGINS.len() - 1] + 2;
        let trial = max_ev + 2 * (ms_to_samples(TEST_ROWS_MS, fs) + 2 * AR_ORDER) + 16;
        let settings = DeclickSettings::default();
        let mut d = Self {
            sample_rate_hz: FALLBACK_SAMPLE_RATE_HZ,
            settings,
            framer: HopFramer::new(hop, frame),
            det: Detector {
                cfg: config(FALLBACK_SAMPLE_RATE_HZ, &settings),
                fitter: ArFitter::new(frame),
                lsar: LsarInterpolator::new(max_ev, max_ev),
                coeffs: ArCoeffs::default(),
                residual: vec![0.0; frame],
                eps: vec![0.0; frame],
                block_energy: vec![0.0; frame],
                block_sorted: vec![0.0; frame],
                block_scale: vec![0.0; frame],
                unknowns: vec![0; max_ev],
                accepted: [(0, 0); MAX_TESTS_PER_HOP],
                trial: vec![0.0; trial],
                events: vec![
                    ClickEvent {
                        start_sample: 0,
                        len: 0
                    };
                    EVENT_RING
                ],
                ev_head: 0,
                ev_len: 0,
                clicks_found: 0,
                hops_done: 0,
            },
        };
        d.prepare(FALLBACK_SAMPLE_RATE_HZ);
        d
    }

    /// Sets the rate (allocation-free) and resets.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        let fs = sanitize_rate(sample_rate_hz);
        self.sample_rate_hz = fs;
        let (left, hop, right) = geometry(fs);
        self.framer.configure(left, hop, right);
        self.det.fitter.set_block_len(self.framer.frame_len());
        self.det.cfg = config(fs, &self.settings);
        self.reset();
    }

    /// Applies settings (realtime-safe, cheap when unchanged); they act from the next hop.
    pub fn set_settings(&mut self, s: &DeclickSettings) {
        if *s != self.settings {
            self.settings = *s;
            self.det.cfg = config(self.sample_rate_hz, s);
        }
    }

    /// Clears the audio memory, the event ring and the counter. Realtime-safe.
    pub fn reset(&mut self) {
        self.framer.reset();
        let d = &mut self.det;
        d.ev_head = 0;
        d.ev_len = 0;
        d.clicks_found = 0;
        d.hops_done = 0;
    }

    /// Latency in samples; depends on the sample rate only (1625 at 48 kHz: one hop plus the
    /// lookahead for a 10 ms event and the test rows).
    pub fn latency_samples(&self) -> usize {
        self.framer.latency_samples()
    }

    /// Clicks repaired since the last reset.
    pub fn clicks_found(&self) -> u64 {
        self.det.clicks_found
    }

    /// Hands the events repaired since the last drain to `f` (oldest first; the ring keeps the
    /// latest 1024) and empties the ring. Realtime-safe.
    pub fn drain_events(&mut self, mut f: impl FnMut(ClickEvent)) {
        let d = &mut self.det;
        while d.ev_len > 0 {
            f(d.events[d.ev_head]);
            d.ev_head = (d.ev_head + 1) % EVENT_RING;
            d.ev_len -= 1;
        }
    }

    /// Processes `buf` in place (any length); the output is the input delayed by
    /// [`Self::latency_samples`] with the clicks rebuilt. Realtime-safe.
    pub fn process(&mut self, buf: &mut [f32]) {
        let (hop, left) = (self.framer.hop(), self.framer.left());
        let det = &mut self.det;
        self.framer
            .process(buf, |frame| det.analyse(frame, hop, left));
    }
}

impl Detector {
    /// Rebuilds `s..=e` by LSAR in a copy of `frame[c0..=r1]` (left in `trial`) and returns the
    /// F statistic of the rebuild over the residual rows `r0..=r1`, whose energy before the
    /// rebuild is `before`.
    #[allow(clippy::too_many_arguments)]
    fn trial_f(
        &mut self,
        frame: &[f32],
        c0: usize,
        r0: usize,
        r1: usize,
        s: usize,
        e: usize,
        before: f64,
    ) -> f64 {
        let m = e + 1 - s;
        let trial = &mut self.trial[..r1 + 1 - c0];
        trial.copy_from_slice(&frame[c0..=r1]);
        for (i, idx) in self.unknowns[..m].iter_mut().enumerate() {
            *idx = s - c0 + i;
        }
        if !self
            .lsar
            .interpolate(trial, &self.unknowns[..m], &self.coeffs)
        {
            return 0.0;
        }
        let taps = self.coeffs.taps();
        let mut after = 0.0f64;
        for t in (r0 - c0)..=(r1 - c0) {
            let mut acc = 0.0f64;
            for (k, &c) in taps.iter().enumerate() {
                acc += c * trial[t - k] as f64;
            }
            after += acc * acc;
        }
        let rows = (r1 + 1 - r0) as f64;
        ((before - after).max(0.0) / m as f64) / (after / (rows - m as f64).max(1.0)).max(1e-30)
    }

    fn push_event(&mut self, ev: ClickEvent) {
        let idx = (self.ev_head + self.ev_len) % EVENT_RING;
        self.events[idx] = ev;
        if self.ev_len < EVENT_RING {
            self.ev_len += 1;
        } else {
            self.ev_head = (self.ev_head + 1) % EVENT_RING;
        }
        self.clicks_found += 1;
    }

    /// One frame: fit, find candidates peaking in the hop, test, rebuild.
    fn analyse(&mut self, frame: &mut [f32], hop: usize, left: usize) {
        let n = frame.len();
        self.hops_done += 1;
        // Absolute input index of frame[0] (negative while the first frame fills).
        let frame_start = (self.hops_done * hop as u64) as i64 - n as i64;
        let cfg = self.cfg;
        self.fitter.fit(frame, AR_ORDER, &mut self.coeffs);
        let p = self.coeffs.order;
        if p == 0 || n < 8 * p {
            return;
        }
        prediction_error(&self.coeffs, frame, &mut self.residual);
        // ε[t] = Σₖ aₖ·e[t + k] for t in p..n−p.
        let eps = &mut self.eps[..n];
        eps.fill(0.0);
        let e = &self.residual[..n];
        eps[p..n - p].copy_from_slice(&e[p..n - p]);
        for k in 1..=p {
            let c = self.coeffs.a[k] as f32;
            for (o, &v) in eps[p..n - p].iter_mut().zip(&e[p + k..n - p + k]) {
                *o += c * v;
            }
        }
        // Robust local scale: median of sub-block mean ε² over ±SCALE_SPAN_BLOCKS, on the valid
        // range [2p, n − 2p).
        let b = cfg.sub_block;
        let v0 = 2 * p;
        let v1 = n - 2 * p;
        let nb = (v1 - v0) / b;
        if nb == 0 {
            return;
        }
        for j in 0..nb {
            let s = v0 + j * b;
            let sum: f32 = self.eps[s..s + b].iter().map(|v| v * v).sum();
            self.block_energy[j] = sum / b as f32;
        }
        let mut tmp = [0.0f32; 2 * SCALE_SPAN_BLOCKS + 1];
        for j in 0..nb {
            let lo = j.saturating_sub(SCALE_SPAN_BLOCKS);
            let hi = (j + SCALE_SPAN_BLOCKS + 1).min(nb);
            let m = hi - lo;
            tmp[..m].copy_from_slice(&self.block_energy[lo..hi]);
            let (_, med, _) = tmp[..m].select_nth_unstable_by(m / 2, |x, y| x.total_cmp(y));
            self.block_scale[j] = *med;
        }
        // Steady residual (noise-like: tape hiss, surface noise, a noisy transfer) or not
        // (music with attacks): the spread of the frame's sub-block energies, 90th percentile
        // over median. Gaussian noise keeps it near 1.5; an attack lifts several sub-blocks,
        // a click only one. In a steady residual a click cannot hide behind an attack, so the
        // candidate threshold is lowered there (see STEADY_SCALE_FACTOR).
        let spread = {
            let sorted = &mut self.block_sorted[..nb];
            sorted.copy_from_slice(&self.block_energy[..nb]);
            sorted.sort_unstable_by(|x, y| x.total_cmp(y));
            sorted[(nb * 9) / 10].max(1e-30) / sorted[nb / 2].max(1e-30)
        };
        let scale_factor_sq = if spread < STEADY_SPREAD {
            cfg.steady_scale_factor_sq
        } else {
            cfg.scale_factor_sq
        };
        let w = cfg.test_rows;
        let eps = &self.eps;
        let block_scale = &self.block_scale;
        let z2 = |t: usize| eps[t] * eps[t];
        let scale_thr =
            |t: usize| scale_factor_sq * block_scale[((t - v0) / b).min(nb - 1)].max(1e-30);
        let lo_bound = v0 + w;
        let hi_bound = v1.saturating_sub(w);
        let mut t = left.max(lo_bound + 2);
        let t_end = (left + hop).min(hi_bound.saturating_sub(2));
        let mut tests = 0;
        let mut cands = [(0.0f32, 0usize, 0usize); MAX_TESTS_PER_HOP];
        // Candidates: local maxima of ε² over the scale threshold, peak in the hop; the core is
        // the run around the peak within CORE_REL of it (gaps ≤ 2 samples). When there are too
        // many, the strongest are kept.
        while t < t_end {
            let v = z2(t);
            if v <= scale_thr(t) || v < z2(t - 1) || v < z2(t + 1) {
                t += 1;
                continue;
            }
            let rel = CORE_REL * v;
            let mut first = t;
            let mut last = t;
            while first > lo_bound + 2 && t - first < cfg.max_event {
                if z2(first - 1) > rel {
                    first -= 1;
                } else if z2(first - 2) > rel {
                    first -= 2;
                } else {
                    break;
                }
            }
            while last + 2 < hi_bound && last - first < cfg.max_event {
                if z2(last + 1) > rel {
                    last += 1;
                } else if z2(last + 2) > rel {
                    last += 2;
                } else {
                    break;
                }
            }
            if tests < MAX_TESTS_PER_HOP {
                cands[tests] = (v, first, last);
                tests += 1;
            } else {
                let mut imin = 0;
                for (i, c) in cands.iter().enumerate() {
                    if c.0 < cands[imin].0 {
                        imin = i;
                    }
                }
                if v > cands[imin].0 {
                    cands[imin] = (v, first, last);
                }
            }
            t = last.max(t) + 1;
        }
        // Strongest first: a click's ε side lobes are local maxima too.
        cands[..tests].sort_unstable_by(|x, y| y.0.total_cmp(&x.0));
        let wide = MARGINS[MARGINS.len() - 1];
        let mut accepted = 0usize;
        let mut rebuild_budget = hop;
        let mut trial_budget = 2 * hop;
        for &(_, first, last) in &cands[..tests] {
            if self.accepted[..accepted]
                .iter()
                .any(|&(s, e)| first <= e + p && s <= last + p)
            {
                continue;
            }
            let len_core = last - first + 1;
            if len_core > cfg.max_event {
                continue;
            }
            // Residual rows of the test (room for the widest trial) and the samples they read.
            let r0 = first.saturating_sub(wide + w);
            let r1 = last + wide + p + w;
            let widest = len_core + 2 * wide;
            if r0 < 2 * p || r1 >= n || widest > rebuild_budget || widest > self.unknowns.len() {
                continue;
            }
            let c0 = r0 - p;
            if r1 + 1 - c0 > self.trial.len() || MARGINS.len() * widest > trial_budget {
                continue;
            }
            trial_budget -= MARGINS.len() * widest;
            let before: f64 = self.residual[r0..=r1]
                .iter()
                .map(|&v| (v as f64) * (v as f64))
                .sum();
            let mut best = (0.0f64, 0usize);
            for (i, &mg) in MARGINS.iter().enumerate() {
                let f_stat = self.trial_f(frame, c0, r0, r1, first - mg, last + mg, before);
                if f_stat > best.0 {
                    best = (f_stat, i);
                }
            }
            if best.0 < cfg.f_threshold as f64 {
                continue;
            }
            let mg = MARGINS[best.1];
            let (mut s, mut e) = (first - mg, last + mg);
            if best.1 != MARGINS.len() - 1 {
                self.trial_f(frame, c0, r0, r1, s, e, before);
            }
            // Trim to the span the rebuild really moved.
            let moved = frame[s..=e]
                .iter()
                .zip(&self.trial[s - c0..=e - c0])
                .map(|(a, b)| (a - b).abs());
            let keep = REFINE_REL * moved.clone().fold(0.0f32, f32::max);
            let (mut s2, mut e2) = (e, s);
            for (k, d) in (s..=e).zip(moved) {
                if d >= keep {
                    s2 = s2.min(k);
                    e2 = e2.max(k);
                }
            }
            if s2 <= e2 && (s2, e2) != (s, e) {
                s = s2;
                e = e2;
                self.trial_f(frame, c0, r0, r1, s, e, before);
            }
            let m = e + 1 - s;
            frame[s..=e].copy_from_slice(&self.trial[s - c0..=e - c0]);
            rebuild_budget -= m;
            self.accepted[accepted] = (s, e);
            accepted += 1;
            let abs = (frame_start + s as i64).max(0) as u64;
            self.push_event(ClickEvent {
                start_sample: abs,
                len: m,
            });
        }
    }
}

fn sanitize_rate(fs: f32) -> f32 {
    if fs.is_finite() && fs > 0.0 {
        fs.clamp(8_000.0, MAX_SAMPLE_RATE_HZ)
    } else {
        FALLBACK_SAMPLE_RATE_HZ
    }
}

fn ms_to_samples(ms: f32, fs: f32) -> usize {
    (ms * 1e-3 * fs).round().max(1.0) as usize
}

/// Test rows beyond the rebuilt span and the model's reach, in samples (at least 8).
fn test_rows(fs: f32) -> usize {
    ms_to_samples(TEST_ROWS_MS, fs).max(8)
}

/// `(left, hop, right)` frame geometry at `fs`: the lookahead covers a maximal event, the
/// widest trial margin, the test rows and the model's reach, so the latency depends on the
/// rate only.
fn geometry(fs: f32) -> (usize, usize, usize) {
    let hop = ms_to_samples(HOP_MS, fs);
    let left = ms_to_samples(LEFT_MS, fs).max(4 * AR_ORDER + test_rows(fs));
    let right = ms_to_samples(MAX_EVENT_MS, fs)
        + MARGINS[MARGINS.len() - 1]
        + test_rows(fs)
        + 2 * AR_ORDER
        + 16;
    (left, hop, right)
}

fn config(fs: f32, s: &DeclickSettings) -> Config {
    let sens = SENSITIVITY.clamp(s.sensitivity);
    let ev_ms = MAX_EVENT_MS_RANGE.clamp(s.max_event_ms);
    // Each 50 % of sensitivity halves both thresholds (amplitude ratios).
    let f = 2f32.powf((50.0 - sens) / 50.0);
    Config {
        sub_block: ms_to_samples(SUB_BLOCK_MS, fs),
        test_rows: test_rows(fs),
        max_event: ms_to_samples(ev_ms, fs),
        scale_factor_sq: (SCALE_FACTOR * f).powi(2),
        steady_scale_factor_sq: (STEADY_SCALE_FACTOR * f).powi(2),
        f_threshold: F_THRESHOLD * f * f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic uniform noise in [−1, 1).
    fn noise(seed: &mut u64) -> f32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }

    /// Tonal music-like material at 48 kHz: a few partials and a little noise, with 10 ms
    /// fades (a jump from digital silence is a genuine click).
    fn music(len: usize) -> Vec<f32> {
        let mut seed = 3;
        (0..len)
            .map(|n| {
                let t = n as f32 / 48_000.0;
                let fade = (n.min(len - 1 - n) as f32 / 480.0).min(1.0);
                fade * (0.3 * (std::f32::consts::TAU * 220.0 * t).sin()
                    + 0.15 * (std::f32::consts::TAU * 661.0 * t + 1.0).sin()
                    + 0.08 * (std::f32::consts::TAU * 1503.0 * t + 2.0).sin()
                    + 0.002 * noise(&mut seed))
            })
            .collect()
    }

    /// Drum-like hits: noise and a pitched body with instant attacks and exponential decays.
    fn drums(len: usize) -> Vec<f32> {
        let mut seed = 11;
        let mut x = vec![0.0f32; len];
        for (h, start) in (2000..len).step_by(7000).enumerate() {
            for (i, v) in x[start..].iter_mut().enumerate().take(6000) {
                let env = (-(i as f32) / 900.0).exp();
                let body =
                    (std::f32::consts::TAU * (80.0 + 40.0 * h as f32) * i as f32 / 48_000.0).sin();
                *v += 0.7 * env * (0.6 * body + 0.4 * noise(&mut seed));
            }
        }
        x
    }

    fn run(d: &mut Declick, x: &[f32], block: usize) -> (Vec<f32>, Vec<ClickEvent>) {
        d.reset();
        let lat = d.latency_samples();
        let mut y = x.to_vec();
        y.extend(std::iter::repeat_n(0.0, lat));
        let mut ev = Vec::new();
        for c in y.chunks_mut(block) {
            d.process(c);
            d.drain_events(|e| ev.push(e));
        }
        (y[lat..].to_vec(), ev)
    }

    use super::super::test_signals::err_db;

    #[test]
    fn finds_and_removes_clicks() {
        let clean = music(96_000);
        let mut damaged = clean.clone();
        let clicks: Vec<(usize, usize, f32)> = (0..12)
            .map(|i| {
                (
                    5_000 + i * 7_333,
                    1 + i % 4,
                    if i % 2 == 0 { 0.4 } else { -0.25 },
                )
            })
            .collect();
        for &(pos, w, a) in &clicks {
            for k in 0..w {
                damaged[pos + k] += a * (1.0 - 0.1 * k as f32);
            }
        }
        let mut d = Declick::new();
        d.prepare(48_000.0);
        let (y, ev) = run(&mut d, &damaged, 512);
        assert_eq!(d.clicks_found(), ev.len() as u64);
        for &(pos, w, _) in &clicks {
            assert!(
                ev.iter().any(|e| {
                    let s = e.start_sample as usize;
                    s < pos + w && pos < s + e.len
                }),
                "click at {pos} not found: {ev:?}"
            );
        }
        assert!(ev.len() <= clicks.len() + 1, "{ev:?}");
        let before = err_db(&clean, &damaged);
        let after = err_db(&clean, &y);
        assert!(after < before - 20.0, "error {before:.1} → {after:.1} dB");
    }

    #[test]
    fn leaves_drum_attacks_and_clean_music_alone() {
        let mut d = Declick::new();
        d.prepare(48_000.0);
        for x in [drums(96_000), music(48_000)] {
            let (y, ev) = run(&mut d, &x, 512);
            assert!(ev.is_empty(), "{ev:?}");
            assert_eq!(y, x);
        }
    }

    #[test]
    fn output_does_not_depend_on_block_size() {
        let mut x = drums(40_000);
        for (i, v) in x.iter_mut().enumerate().skip(1_000).step_by(4_321) {
            *v += if i % 2 == 0 { 0.5 } else { -0.5 };
        }
        let mut d = Declick::new();
        d.prepare(44_100.0);
        let (reference, ev_ref) = run(&mut d, &x, 4096);
        assert!(!ev_ref.is_empty());
        for block in [1, 7, 64, 512] {
            let (y, ev) = run(&mut d, &x, block);
            assert_eq!(y, reference, "block {block}");
            assert_eq!(ev, ev_ref, "block {block}");
        }
    }

    #[test]
    fn latency_depends_on_the_rate_only_and_extremes_stay_finite() {
        let mut d = Declick::new();
        for fs in [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0] {
            d.prepare(fs);
            let lat = d.latency_samples();
            for s in [0.0, 50.0, 100.0] {
                for ev_ms in [0.1, 2.0, 10.0] {
                    d.set_settings(&DeclickSettings {
                        sensitivity: s,
                        max_event_ms: ev_ms,
                    });
                    assert_eq!(d.latency_samples(), lat);
                }
            }
            // Full-scale noise, a square wave and silence, at maximum sensitivity.
            let mut seed = 5;
            let mut x: Vec<f32> = (0..(fs as usize / 4))
                .map(|i| match (i / 5_000) % 3 {
                    0 => noise(&mut seed),
                    1 => {
                        if (i / 37) % 2 == 0 {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                    _ => 0.0,
                })
                .collect();
            d.process(&mut x);
            assert!(x.iter().all(|v| v.is_finite()), "{fs}");
        }
        // 48 kHz: one 1024-sample hop plus a 601-sample lookahead.
        d.prepare(48_000.0);
        assert_eq!(d.latency_samples(), 1625);
    }
}
