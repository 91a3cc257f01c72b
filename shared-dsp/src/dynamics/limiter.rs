//! The lookahead true-peak limiter of the mastering limiter (and of `lathe master`).
//!
//! Two stages, both "peak hold, then smooth" gain planners (G. Luff, "Designing a
//! straightforward limiter", Signalsmith Audio, 2021; the hold-then-average structure guarantees
//! the smoothed gain is at or below the gain each peak needs, which a one-pole attack cannot):
//!
//! ```text
//! x → [↑F] → peak per base-rate interval ─→ required gain r = C / peak (linked across channels)
//!                                            → minimum over the lookahead window
//!                                            → release (instant attack; fixed or program-dependent)
//!                                            → two cascaded moving averages (the attack shape)
//!   → delay (lookahead) → × gain (interpolated at the F× rate) → [↓F] = y      (stage A)
//! y → 4× BS.1770 interpolator (+ parabolic refinement between its points) → required gain
//!   → minimum over the interpolator's support → moving average → delay → × gain = output
//!                                                                         (stage B, "safety")
//! ```
//!
//! * **Stage A** does the limiting: the attack is a raised ramp (the convolution of two boxes)
//!   that starts `lookahead` before the peak and ends exactly on it, so a 40 Hz wave is turned
//!   down smoothly instead of clipped; the release recovers exponentially (one-pole on the
//!   linear gain, time constant `release_ms`), or, in auto mode, quickly after a short peak and
//!   slowly under sustained limiting (dual time constants, after the "program-dependent
//!   release" of Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design—A
//!   Tutorial and Analysis", JAES 2012, §4). At 1× the peaks come from the same 4× interpolator
//!   the loudness meter reads (ITU-R BS.1770-4 Annex 2), at 2×/4×/8× from the oversampled
//!   signal itself, where the gain is also applied (its modulation sidebands then fold back
//!   far less, which is what oversampling the gain stage is for).
//! * **Stage B** makes the true-peak promise hold whatever stage A and the decimator did: it
//!   reads its own output with exactly the meter's interpolator (phases 0–3, 32 taps each) plus
//!   a parabola through every three neighbouring points (so peaks between the 4× points, which
//!   a 16× reference sees, are counted too) and scales the whole 32-sample support of any
//!   interval that would read above the ceiling. On a linear interpolator a uniform scale
//!   scales the reading, so the reading lands on the ceiling. It rarely acts (stage A already
//!   aims at the ceiling) and then by fractions of a dB, over 0.3 ms ramps.
//!
//! Latency is an integer number of samples: see [`LookaheadLimiter::latency_samples`].
//! Nothing allocates after [`LookaheadLimiter::new`], which sizes every buffer for 384 kHz, 10 ms
//! of lookahead and 8× oversampling.

use crate::loudness::true_peak::{interpolator_phases, INTERPOLATOR_PHASE_TAPS};
use crate::oversampling::Oversampler;
use crate::runner::{MAX_CHANNELS, MAX_CHUNK};
use crate::simd::{avx2_fma_available, madd};

/// Largest input gain of the mastering limiter, dB (its parameter's range; the learner
/// considers gains up to it).
pub const MAX_INPUT_GAIN_DB: f32 = 24.0;
/// Shortest lookahead, ms.
pub const MIN_LOOKAHEAD_MS: f32 = 0.5;
/// Longest lookahead, ms.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;
/// Highest sample rate the buffers are sized for, Hz.
pub const MAX_SAMPLE_RATE_HZ: f32 = 384_000.0;
/// Fast time constant of the automatic release (recovery from short peaks), ms.
pub const AUTO_RELEASE_FAST_MS: f32 = 20.0;
/// Slow time constant of the automatic release (under sustained limiting), ms.
pub const AUTO_RELEASE_SLOW_MS: f32 = 400.0;
/// Time constant of the sustained-gain average that switches the automatic release, ms.
pub const AUTO_RELEASE_AVERAGE_MS: f32 = 1000.0;
/// Length of stage B's gain ramps, samples (0.33 ms at 48 kHz).
pub const SAFETY_RAMP_SAMPLES: usize = 16;
/// Interpolator taps per phase (the support a stage B correction must cover).
const SUPPORT: usize = INTERPOLATOR_PHASE_TAPS;
/// The interpolator's delay: phase `p` of input `n` is the signal at `n − CENTRE + p/4`.
const CENTRE: usize = SUPPORT / 2;
/// Stage B aims this far below the ceiling (linear factor, −0.002 dB): room for the rounding
/// of the f32 arithmetic and for overlapping corrections.
const SAFETY_MARGIN: f32 = 0.99977;
/// Cap of the parabolic refinement, as a fraction of the larger neighbouring point (the true
/// excess between 4× points of a signal band-limited to fs/2 is below 8 %).
const MAX_REFINEMENT: f32 = 0.08;

pub use crate::oversampling::Oversampling;

/// Settings of a [`LookaheadLimiter`] in plain units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LimiterSettings {
    /// Ceiling, linear (1.0 = 0 dBTP). The output's true peak stays at or below it.
    pub ceiling_gain: f32,
    /// Lookahead (attack ramp length), ms, 0.5–10.
    pub lookahead_ms: f32,
    /// Release time constant, ms (1–1000); unused when `auto_release`.
    pub release_ms: f32,
    /// Program-dependent release instead of `release_ms`.
    pub auto_release: bool,
    /// Stereo link, 0 (independent channels) to 1 (both channels get the same gain).
    pub link: f32,
    /// Oversampling of the gain stage.
    pub oversampling: Oversampling,
}

impl Default for LimiterSettings {
    fn default() -> Self {
        Self {
            ceiling_gain: 0.891_250_9, // −1 dBTP
            lookahead_ms: 1.5,
            release_ms: 100.0,
            auto_release: false,
            link: 1.0,
            oversampling: Oversampling::X1,
        }
    }
}

/// The 4× interpolator of one channel, reading a stream chunk by chunk.
#[derive(Clone, Debug)]
struct Interpolator {
    /// The last `SUPPORT − 1` input samples followed by the chunk.
    ext: [f32; SUPPORT - 1 + MAX_CHUNK],
    /// The last 4× point of the previous chunk (for the refinement across chunks).
    prev_point: f32,
    /// Peaks read by the BS.1770-4 Annex 2 filter, by input position (ring of 16).
    annex_ring: [f32; 16],
    /// Absolute input position of the chunk's first sample.
    pos: usize,
}

impl Default for Interpolator {
    fn default() -> Self {
        Self {
            ext: [0.0; SUPPORT - 1 + MAX_CHUNK],
            prev_point: 0.0,
            annex_ring: [0.0; 16],
            pos: 0,
        }
    }
}

/// The interpolation filter published in ITU-R BS.1770-4 Annex 2 (4 phases of 12 taps; phases
/// 2 and 3 are phases 1 and 0 reversed). Simple meters read true peak with it; stage B reads
/// with it too, so the ceiling holds on those meters as well as on ours. Its phase `p` at input
/// `n` is the signal at `n − 5.875 + p/4`: between our 4× points, in the interval that starts
/// `ANNEX_LAG` samples before our interval's.
const ANNEX2_HALF: [[f32; 12]; 2] = [
    [
        0.001_708_984_4,
        0.010_986_328,
        -0.019_653_32,
        0.033_203_125,
        -0.059_448_242,
        0.137_329_1,
        0.972_167_97,
        -0.102_294_92,
        0.047_607_42,
        -0.026_611_328,
        0.014_892_578,
        -0.008_300_781,
    ],
    [
        -0.029_174_805,
        0.029_296_875,
        -0.051_757_812,
        0.089_111_33,
        -0.166_503_9,
        0.465_087_9,
        0.779_785_16,
        -0.200_317_38,
        0.101_562_5,
        -0.058_227_54,
        0.033_081_055,
        -0.018_920_898,
    ],
];
/// Taps per phase of the Annex 2 filter.
const ANNEX_TAPS: usize = 12;
/// Our interval `s` is known at input `s + CENTRE`; the Annex 2 points inside it at `s + 6`.
const ANNEX_LAG: usize = CENTRE - 6;

/// The four Annex 2 phases.
fn annex2_phases() -> [[f32; ANNEX_TAPS]; 4] {
    let mut p = [[0.0; ANNEX_TAPS]; 4];
    p[0] = ANNEX2_HALF[0];
    p[1] = ANNEX2_HALF[1];
    for k in 0..ANNEX_TAPS {
        p[2][k] = ANNEX2_HALF[1][ANNEX_TAPS - 1 - k];
        p[3][k] = ANNEX2_HALF[0][ANNEX_TAPS - 1 - k];
    }
    p
}

/// `out[i]` = the largest magnitude of the four Annex 2 phases at chunk sample `i`.
#[inline(always)]
fn annex_body<const FMA: bool>(
    phases: &[[f32; ANNEX_TAPS]; 4],
    ext: &[f32; SUPPORT - 1 + MAX_CHUNK],
    out: &mut [f32; MAX_CHUNK],
) {
    *out = [0.0; MAX_CHUNK];
    for phase in phases {
        let mut acc = [0.0f32; MAX_CHUNK];
        for (k, &h) in phase.iter().enumerate() {
            let src: &[f32; MAX_CHUNK] = ext[SUPPORT - 1 - k..SUPPORT - 1 - k + MAX_CHUNK]
                .try_into()
                .unwrap();
            for (a, &v) in acc.iter_mut().zip(src) {
                *a = madd::<FMA>(h, v, *a);
            }
        }
        for (o, a) in out.iter_mut().zip(&acc) {
            *o = o.max(a.abs());
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn annex_avx2_fma(
    phases: &[[f32; ANNEX_TAPS]; 4],
    ext: &[f32; SUPPORT - 1 + MAX_CHUNK],
    out: &mut [f32; MAX_CHUNK],
) {
    annex_body::<true>(phases, ext, out);
}

/// [`annex_body`], AVX2 + FMA when `fast`.
#[inline]
fn annex_peaks(
    fast: bool,
    phases: &[[f32; ANNEX_TAPS]; 4],
    ext: &[f32; SUPPORT - 1 + MAX_CHUNK],
    out: &mut [f32; MAX_CHUNK],
) {
    #[cfg(target_arch = "x86_64")]
    if fast {
        // SAFETY: `fast` is only true when `avx2_fma_available()` said the CPU has both.
        unsafe { annex_avx2_fma(phases, ext, out) };
        return;
    }
    let _ = fast;
    annex_body::<false>(phases, ext, out);
}

/// `out[p][i]` = phase `p + 1` of the interpolator at chunk sample `i` (`ext` holds
/// `SUPPORT − 1` samples of history, then the chunk).
#[inline(always)]
fn interpolate_body<const FMA: bool>(
    phases: &[[f32; SUPPORT]; 3],
    ext: &[f32; SUPPORT - 1 + MAX_CHUNK],
    out: &mut [[f32; MAX_CHUNK]; 3],
) {
    for (phase, acc) in phases.iter().zip(out.iter_mut()) {
        *acc = [0.0; MAX_CHUNK];
        for (k, &h) in phase.iter().enumerate() {
            let src: &[f32; MAX_CHUNK] = ext[SUPPORT - 1 - k..SUPPORT - 1 - k + MAX_CHUNK]
                .try_into()
                .unwrap();
            for (a, &v) in acc.iter_mut().zip(src) {
                *a = madd::<FMA>(h, v, *a);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn interpolate_avx2_fma(
    phases: &[[f32; SUPPORT]; 3],
    ext: &[f32; SUPPORT - 1 + MAX_CHUNK],
    out: &mut [[f32; MAX_CHUNK]; 3],
) {
    interpolate_body::<true>(phases, ext, out);
}

/// Phases 1–3 of the interpolator over a whole chunk; AVX2 + FMA when `fast`.
#[inline]
fn interpolate(
    fast: bool,
    phases: &[[f32; SUPPORT]; 3],
    ext: &[f32; SUPPORT - 1 + MAX_CHUNK],
    out: &mut [[f32; MAX_CHUNK]; 3],
) {
    #[cfg(target_arch = "x86_64")]
    if fast {
        // SAFETY: `fast` is only true when `avx2_fma_available()` said the CPU has both.
        unsafe { interpolate_avx2_fma(phases, ext, out) };
        return;
    }
    let _ = fast;
    interpolate_body::<false>(phases, ext, out);
}

/// Largest magnitude of the band-limited signal through three neighbouring points `a, b, c`
/// (the vertex of the parabola through them when `b` is the largest), never below `|b|`.
#[inline(always)]
fn refined(a: f32, b: f32, c: f32) -> f32 {
    let (aa, ab, ac) = (a.abs(), b.abs(), c.abs());
    let curvature = (a - 2.0 * b + c).abs();
    let excess = (a - c) * (a - c) / (8.0 * curvature + 1e-30);
    let excess = excess.min(MAX_REFINEMENT * ab);
    if ab >= aa && ab >= ac && (a - 2.0 * b + c) * b < 0.0 {
        ab + excess
    } else {
        ab
    }
}

impl Interpolator {
    /// Loads a chunk (`x.len() ≤ MAX_CHUNK`) after the history.
    fn load(&mut self, x: &[f32]) {
        self.ext[SUPPORT - 1..SUPPORT - 1 + x.len()].copy_from_slice(x);
    }

    /// Keeps the last `SUPPORT − 1` samples of a chunk of `n` for the next one.
    fn advance(&mut self, n: usize) {
        self.ext.copy_within(n..n + SUPPORT - 1, 0);
    }

    /// Peaks per interval: `peaks[i]` covers the signal between input samples `i − CENTRE` and
    /// `i − CENTRE + 1` of the chunk (its endpoints, the three 4× points between them and the
    /// parabolic refinement around each).
    fn interval_peaks(
        &mut self,
        fast: bool,
        phases: &[[f32; SUPPORT]; 3],
        annex: Option<&[[f32; ANNEX_TAPS]; 4]>,
        n: usize,
        peaks: &mut [f32],
    ) {
        let mut pts = [[0.0f32; MAX_CHUNK]; 3];
        interpolate(fast, phases, &self.ext, &mut pts);
        let mut annex_now = [0.0f32; MAX_CHUNK];
        if let Some(a) = annex {
            annex_peaks(fast, a, &self.ext, &mut annex_now);
        }
        let mut prev = self.prev_point;
        for (i, peak) in peaks.iter_mut().enumerate().take(n) {
            let p0 = self.ext[SUPPORT - 1 + i - CENTRE];
            let p4 = self.ext[SUPPORT - 1 + i - CENTRE + 1];
            let (p1, p2, p3) = (pts[0][i], pts[1][i], pts[2][i]);
            let m = refined(prev, p0, p1)
                .max(refined(p0, p1, p2))
                .max(refined(p1, p2, p3))
                .max(refined(p2, p3, p4))
                .max(p4.abs());
            let at = self.pos + i;
            self.annex_ring[at & 15] = annex_now[i];
            *peak = m.max(self.annex_ring[(at + 16 - ANNEX_LAG) & 15]);
            prev = p3;
        }
        self.prev_point = prev;
        self.pos += n;
    }
}

/// The limiter (see the module docs). Up to two channels.
pub struct LookaheadLimiter {
    sample_rate_hz: f32,
    settings: LimiterSettings,
    fast: bool,
    phases: [[f32; SUPPORT]; 3],
    /// The BS.1770-4 Annex 2 filter (stage B reads with it too).
    annex: [[f32; ANNEX_TAPS]; 4],
    /// Stage A: detection interpolators (1×), oversamplers, planners, delay lines.
    detect: [Interpolator; MAX_CHANNELS],
    oversampler: [Oversampler; MAX_CHANNELS],
    planner_a: [GainPlanner; MAX_CHANNELS],
    release: Release,
    /// Stage A's audio delay (at the oversampled rate).
    delay_a: [Ring; MAX_CHANNELS],
    delay_a_samples: usize,
    /// Decimators of the plain (un-gained) oversampled signal, for the top-of-band term.
    passband: [Oversampler; MAX_CHANNELS],
    /// Recent frame gains per channel (the top-of-band term), by `pos_dry`.
    gain_history: [Ring; MAX_CHANNELS],
    /// The base-rate input, delayed like stage A's output (2×/4×/8×).
    dry_a: [Ring; MAX_CHANNELS],
    /// Write position of `dry_a`.
    pos_dry: usize,
    /// Last gain of the previous base-rate interval per channel (interpolation at F×).
    prev_gain: [f32; MAX_CHANNELS],
    /// Stage B.
    safety_detect: [Interpolator; MAX_CHANNELS],
    planner_b: [GainPlanner; MAX_CHANNELS],
    delay_b: [Ring; MAX_CHANNELS],
    delay_b_samples: usize,
    /// Stage B's target (ceiling × margin), linear.
    safety_ceiling: f32,
    /// Extra headroom asked for by a later output stage (dither), linear amplitude.
    headroom: f32,
    /// Absolute sample position (base rate) of stage A's delay write head and stage B's.
    pos_a: usize,
    pos_b: usize,
    /// Scratch at the oversampled rate.
    up: [[f32; 8 * MAX_CHUNK]; MAX_CHANNELS],
    /// Deepest gain of the last chunk (for meters), linear.
    min_gain: f32,
    /// Whether the last chunk planned stage A once for both channels.
    was_linked: bool,
    /// Worst-case gain (largest Σ|h| of a phase) of the two filters stage B reads with: how
    /// much a later stage's step can grow on their reading (designed once, in `new`).
    interpolator_gain: f32,
}

impl LookaheadLimiter {
    /// A limiter at `sample_rate_hz`, sized for every setting up to 384 kHz (allocates).
    pub fn new(sample_rate_hz: f32) -> Self {
        let max_la = (MAX_LOOKAHEAD_MS * 1e-3 * MAX_SAMPLE_RATE_HZ).ceil() as usize + 4;
        let max_b = max_la / 2 + 4;
        let all = interpolator_phases();
        let phases = [all[1], all[2], all[3]];
        let mk_a = || GainPlanner::new(max_b, 2);
        let mk_b = || GainPlanner::new(SAFETY_RAMP_SAMPLES, SUPPORT + 1);
        let mut l = Self {
            sample_rate_hz,
            settings: LimiterSettings::default(),
            fast: avx2_fma_available(),
            phases,
            annex: annex2_phases(),
            detect: Default::default(),
            oversampler: [Oversampler::new(MAX_CHUNK), Oversampler::new(MAX_CHUNK)],
            planner_a: [mk_a(), mk_a()],
            release: Release::new(sample_rate_hz, &LimiterSettings::default()),
            delay_a: [
                Ring::new(8 * (max_la + CENTRE + 8)),
                Ring::new(8 * (max_la + CENTRE + 8)),
            ],
            delay_a_samples: 0,
            passband: [Oversampler::new(MAX_CHUNK), Oversampler::new(MAX_CHUNK)],
            gain_history: [Ring::new(256), Ring::new(256)],
            dry_a: [Ring::new(max_la + 128), Ring::new(max_la + 128)],
            pos_dry: 0,
            prev_gain: [1.0; MAX_CHANNELS],
            safety_detect: Default::default(),
            planner_b: [mk_b(), mk_b()],
            delay_b: [Ring::new(4 * SUPPORT + 64), Ring::new(4 * SUPPORT + 64)],
            delay_b_samples: 0,
            safety_ceiling: 1.0,
            headroom: 0.0,
            pos_a: 0,
            pos_b: 0,
            up: [[0.0; 8 * MAX_CHUNK]; MAX_CHANNELS],
            min_gain: 1.0,
            was_linked: false,
            interpolator_gain: {
                let l1 = |p: &[f32]| p.iter().map(|c| c.abs()).sum::<f32>();
                all.iter()
                    .map(|p| l1(p))
                    .chain(annex2_phases().iter().map(|p| l1(p)))
                    .fold(1.0f32, f32::max)
            },
        };
        l.configure();
        l
    }

    /// Sets the sample rate (clears the memory). Not realtime but allocation-free.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = sample_rate_hz;
        self.configure();
    }

    /// The settings in use.
    pub fn settings(&self) -> &LimiterSettings {
        &self.settings
    }

    /// Applies new settings. A change of lookahead or oversampling (which changes the latency)
    /// clears the memory; ceiling, release and link apply from the next chunk. Realtime-safe.
    pub fn set_settings(&mut self, s: &LimiterSettings) {
        let old = self.settings;
        self.settings = *s;
        if self.lookahead_samples_for(&old) != self.lookahead_samples_for(s)
            || old.oversampling != s.oversampling
        {
            self.configure();
        } else {
            self.release = Release::new(self.sample_rate_hz, s);
            self.update_ceiling();
        }
    }

    /// Lowers stage B's target by `amplitude` (linear, full scale 1.0): room for a later stage
    /// that adds at most that much to any sample (dither and rounding), scaled by the
    /// interpolator's worst-case gain so the *true* peak of the sum still stays at the ceiling.
    pub fn set_output_headroom(&mut self, amplitude: f32) {
        self.headroom = amplitude.max(0.0);
        self.update_ceiling();
    }

    fn update_ceiling(&mut self) {
        let c = self.settings.ceiling_gain.clamp(1e-6, 1.0);
        self.safety_ceiling =
            (c * SAFETY_MARGIN - self.headroom * self.interpolator_gain).max(1e-6);
    }

    fn lookahead_samples_for(&self, s: &LimiterSettings) -> usize {
        let ms = s.lookahead_ms.clamp(MIN_LOOKAHEAD_MS, MAX_LOOKAHEAD_MS);
        ((ms * 1e-3 * self.sample_rate_hz).round() as usize).max(2)
    }

    /// The lookahead in samples at the base rate (the attack ramp's length).
    pub fn lookahead_samples(&self) -> usize {
        self.lookahead_samples_for(&self.settings)
    }

    fn configure(&mut self) {
        let s = self.settings;
        let la = self.lookahead_samples();
        // Two boxes whose lengths add up to lookahead + 2, covering two intervals (a sample
        // lies in the interval before and after it): the gain planned at t applies to the
        // sample at t − lookahead.
        let b1 = (la + 2) / 2;
        let b2 = la + 2 - b1;
        for p in self.planner_a.iter_mut() {
            p.configure(b1, b2, 2);
        }
        for p in self.planner_b.iter_mut() {
            // Cover every interval whose interpolation reads the sample (SUPPORT of them).
            p.configure(SAFETY_RAMP_SAMPLES / 2, SAFETY_RAMP_SAMPLES / 2, SUPPORT);
        }
        let ratio = s.oversampling.ratio();
        // Stage A: the gain planned at interval t applies to sample t − hold + 2 (its two
        // intervals are t − hold + 1 and t − hold + 2). At 1× the intervals are known
        // CENTRE samples late; at F× the gain of one interval is interpolated towards the next
        // one's, so one more interval of delay.
        let hold_a = self.planner_a[0].hold();
        self.delay_a_samples = if ratio == 1 {
            hold_a - 2 + CENTRE
        } else {
            (hold_a - 2 + 1) * ratio
        };
        // Stage B: the requirement pushed at input sample t is the interval t − CENTRE, whose
        // support is the samples t − SUPPORT + 1 ..= t. The gain planned at t honours the
        // pushes t − hold + 1 ..= t − hold + SUPPORT, i.e. every interval that reads the sample
        // t − hold + 1: so the audio is delayed by hold − 1.
        self.delay_b_samples = self.planner_b[0].hold() - 1;
        debug_assert_eq!(self.delay_b_samples, Self::safety_delay());
        if let Some(f) = s.oversampling.factor() {
            for o in self.oversampler.iter_mut().chain(self.passband.iter_mut()) {
                o.set_factor(f);
            }
        }
        self.release = Release::new(self.sample_rate_hz, &s);
        self.update_ceiling();
        self.reset();
    }

    /// Latency in samples at the base rate, an exact integer: the lookahead, plus 16 at 1×
    /// (the 4× detector's delay) or, at 2×/4×/8×, one sample (the gain's interpolation) and the
    /// filters' 79/88/91, plus 45 for stage B (its detector's 16, its 16-sample ramp and the
    /// rest of the interpolator's support). At 48 kHz with the default 1.5 ms: 133 samples.
    pub fn latency_samples(&self) -> u32 {
        Self::latency_for(self.lookahead_samples(), self.settings.oversampling)
    }

    fn latency_for(lookahead: usize, os: Oversampling) -> u32 {
        let a = match os {
            Oversampling::X1 => lookahead + CENTRE,
            _ => lookahead + 1 + os.latency_samples() as usize,
        };
        (a + Self::safety_delay()) as u32
    }

    /// Stage B's delay: its planner's hold minus one (see `configure`).
    fn safety_delay() -> usize {
        SAFETY_RAMP_SAMPLES - 2 + SUPPORT - 1
    }

    /// Clears all memory (gain 1). Realtime-safe.
    pub fn reset(&mut self) {
        for d in self.detect.iter_mut().chain(self.safety_detect.iter_mut()) {
            *d = Interpolator::default();
        }
        for o in self.oversampler.iter_mut().chain(self.passband.iter_mut()) {
            o.reset();
        }
        for h in self.gain_history.iter_mut() {
            h.fill(1.0);
        }
        for p in self.planner_a.iter_mut().chain(self.planner_b.iter_mut()) {
            p.reset();
        }
        for d in self
            .delay_a
            .iter_mut()
            .chain(self.delay_b.iter_mut())
            .chain(self.dry_a.iter_mut())
        {
            d.fill(0.0);
        }
        self.pos_dry = 0;
        self.prev_gain = [1.0; MAX_CHANNELS];
        self.pos_a = 0;
        self.pos_b = 0;
        self.min_gain = 1.0;
    }

    /// The deepest gain applied during the last chunk (linear, ≤ 1), then 1 again.
    pub fn take_min_gain(&mut self) -> f32 {
        std::mem::replace(&mut self.min_gain, 1.0)
    }

    /// Limits one chunk in place: 1 or 2 channels of equal length `≤ MAX_CHUNK`.
    pub fn process_chunk(&mut self, audio: &mut [&mut [f32]]) {
        let nc = audio.len().min(MAX_CHANNELS);
        if nc == 0 {
            return;
        }
        let n = audio[0].len().min(MAX_CHUNK);
        if n == 0 {
            return;
        }
        let s = self.settings;
        let ratio = s.oversampling.ratio();
        let ceiling = self.safety_ceiling;

        // Stage A, detection: the peak of each base-rate interval per channel.
        let mut peaks = [[0.0f32; MAX_CHUNK]; MAX_CHANNELS];
        if ratio == 1 {
            for c in 0..nc {
                self.detect[c].load(&audio[c][..n]);
                self.detect[c].interval_peaks(self.fast, &self.phases, None, n, &mut peaks[c]);
                self.detect[c].advance(n);
            }
        } else {
            for c in 0..nc {
                self.oversampler[c].upsample(&audio[c][..n], &mut self.up[c][..n * ratio]);
                for (p, frame) in peaks[c][..n]
                    .iter_mut()
                    .zip(self.up[c][..n * ratio].chunks_exact(ratio))
                {
                    *p = frame.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                }
            }
        }
        // Link: each channel hears the louder one by `link`.
        if nc == 2 {
            let link = s.link.clamp(0.0, 1.0);
            if link > 0.0 {
                let [p0, p1] = &mut peaks;
                for (a, b) in p0[..n].iter_mut().zip(p1[..n].iter_mut()) {
                    let m = a.max(*b) * link;
                    *a = a.max(m);
                    *b = b.max(m);
                }
            }
        }
        // Plan the gains.
        let mut gains = [[1.0f32; MAX_CHUNK]; MAX_CHANNELS];
        let release = self.release;
        let mut min_gain = self.min_gain;
        // Fully linked stereo plans once (both channels need the same gain).
        let linked = nc == 2 && s.link >= 1.0;
        if linked != self.was_linked && nc == 2 && !linked {
            let [a, b] = &mut self.planner_a;
            b.copy_state_from(a);
        }
        self.was_linked = linked;
        for c in 0..if linked { 1 } else { nc } {
            let planner = &mut self.planner_a[c];
            for (g, &p) in gains[c][..n].iter_mut().zip(&peaks[c][..n]) {
                let r = if p > ceiling { ceiling / p } else { 1.0 };
                *g = planner.step(r, Some(&release));
                min_gain = min_gain.min(*g);
            }
        }
        if linked {
            let [g0, g1] = &mut gains;
            g1[..n].copy_from_slice(&g0[..n]);
        }
        self.min_gain = min_gain;

        // Stage A, apply: delay the audio by the lookahead and multiply.
        let da = self.delay_a_samples;
        if ratio == 1 {
            for c in 0..nc {
                let ring = &mut self.delay_a[c];
                for (pos, (x, &g)) in
                    (self.pos_a..).zip(audio[c][..n].iter_mut().zip(&gains[c][..n]))
                {
                    ring.set(pos, *x);
                    *x = ring.get(pos + ring.mask + 1 - da) * g;
                }
            }
            self.pos_a += n;
        } else {
            // The product runs at the oversampled rate, written so that a gain of 1 returns the
            // delayed input bit for bit: y = x + ↓((g − 1)·↑x) + (g₀ − 1)·(x − ↓↑x), with x
            // delayed at the base rate by the same amount and g₀ the frame's gain. The last term
            // turns down, at the base rate, what the filters do not carry (the top of the band
            // above their passband), so it is limited too.
            let m = n * ratio;
            let step = 1.0 / ratio as f32;
            let dry_delay =
                self.delay_a_samples / ratio + s.oversampling.latency_samples() as usize;
            for c in 0..nc {
                let ring = &mut self.delay_a[c];
                let mut pos = self.pos_a;
                let mut prev = self.prev_gain[c];
                let mut plain = [0.0f32; 8 * MAX_CHUNK];
                for ((frame, plain), &g) in self.up[c][..m]
                    .chunks_exact_mut(ratio)
                    .zip(plain[..m].chunks_exact_mut(ratio))
                    .zip(&gains[c][..n])
                {
                    let d = g - prev;
                    for (k, (y, p)) in frame.iter_mut().zip(plain.iter_mut()).enumerate() {
                        ring.set(pos, *y);
                        let delayed = ring.get(pos + ring.mask + 1 - da);
                        *p = delayed;
                        *y = delayed * ((prev - 1.0) + d * (k as f32 * step));
                        pos += 1;
                    }
                    prev = g;
                }
                self.prev_gain[c] = prev;
                let mut reduction = [0.0f32; MAX_CHUNK];
                self.oversampler[c].downsample(&self.up[c][..m], &mut reduction[..n]);
                let mut band = [0.0f32; MAX_CHUNK];
                self.passband[c].downsample(&plain[..m], &mut band[..n]);
                let dry = &mut self.dry_a[c];
                // The gain that was applied to the frames this output sample comes from: the
                // decimator's half of the filter delay ago (the lowest over a few frames around
                // it, as the filters spread each frame over its neighbours).
                let hist = &mut self.gain_history[c];
                let back = s.oversampling.latency_samples() as usize / 2;
                let frames = audio[c][..n]
                    .iter_mut()
                    .zip(&reduction[..n])
                    .zip(band[..n].iter().zip(&gains[c][..n]));
                for (pos, ((x, r), (b, &g))) in (self.pos_dry..).zip(frames) {
                    hist.set(pos, g);
                    let mut g0 = 1.0f32;
                    for k in back - 3..=back + 3 {
                        g0 = g0.min(hist.get(pos + hist.mask + 1 - k));
                    }
                    dry.set(pos, *x);
                    let xd = dry.get(pos + dry.mask + 1 - dry_delay);
                    *x = xd + r + (g0 - 1.0) * (xd - b);
                }
            }
            self.pos_a += m;
            self.pos_dry += n;
        }

        // Stage B: read the result with the meter's interpolator and correct what would read
        // above the ceiling.
        let db = self.delay_b_samples;
        for (c, chan) in audio.iter_mut().enumerate().take(nc) {
            self.safety_detect[c].load(&chan[..n]);
            let mut tp = [0.0f32; MAX_CHUNK];
            self.safety_detect[c].interval_peaks(
                self.fast,
                &self.phases,
                Some(&self.annex),
                n,
                &mut tp,
            );
            self.safety_detect[c].advance(n);
            let planner = &mut self.planner_b[c];
            let ring = &mut self.delay_b[c];
            for (pos, (x, &p)) in (self.pos_b..).zip(chan[..n].iter_mut().zip(&tp[..n])) {
                let r = if p > ceiling { ceiling / p } else { 1.0 };
                let g = planner.step(r, None);
                ring.set(pos, *x);
                // Sample-peak backstop: never reached when stage B works (tests check that the
                // true peak, not just this clamp, stays under the ceiling).
                *x = (ring.get(pos + ring.mask + 1 - db) * g).clamp(-ceiling, ceiling);
            }
        }
        self.pos_b += n;
    }
}

pub mod learn;
mod planner;

use planner::{GainPlanner, Release, Ring};

#[cfg(test)]
mod tests;
