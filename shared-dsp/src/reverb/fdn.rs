//! Feedback delay network: the late reverberation of the Lathe Reverb.
//!
//! ```text
//! in L, R → b (input gains, ±1/4) ─┐
//!                                  ▼
//!   ┌── z^−(m_i + mod_i(t)) (16 lines) → absorption A_i(z) ──┬──→ c (output taps) → out L, R
//!   └── H (16×16 Hadamard / 4, orthogonal) ←─────────────────┘
//! ```
//!
//! J.-M. Jot and A. Chaigne, "Digital delay networks for designing artificial
//! reverberators", AES 90th Convention, 1991: with an orthogonal feedback matrix the network
//! is lossless, and a gain per line of `10^(−3·m_i / (fs·T60))` (the line's length `m_i` in
//! samples) makes every mode decay at the same rate, 60 dB in `T60` seconds, whatever the
//! line lengths. Jot ("An analysis/synthesis approach to real-time artificial
//! reverberation", ICASSP 1992) makes that gain frequency-dependent with an absorption filter
//! per line; here it is the mid-frequency gain times an octave graphic equaliser
//! ([`crate::reverb::absorption`]) fitted per line to the loss the target curve
//! ([`target_rt60_s`]) asks at every octave centre, so the decay time follows the set RT60 and
//! its low and high multipliers per band; [`FdnCoeffs::rt60_s_at`] is the decay time the
//! design gives at any frequency (what the editor draws). The Hadamard matrix (Sylvester's
//! construction, scaled by 1/√16) is applied as a fast Walsh–Hadamard transform: 64
//! additions per sample. Line lengths are primes spread geometrically, so no two lines share
//! a common period.
//!
//! **Modulation.** Each line's delay moves slowly around its mean (`depth·sin`, every line at
//! its own rate and phase), which spreads the modes so the tail never rings metallically
//! (J. Dattorro, "Effect Design, Part 1: Reverberator and Other Filters", JAES 45(9), 1997).
//! The moving part is a first-order allpass, `(η + z⁻¹)/(1 + η·z⁻¹)` with
//! `η = (1 − d)/(1 + d)` and `d` swinging over `[1, 1 + 2·depth]` samples, after a fixed
//! integer delay (T. I. Laakso et al., "Splitting the unit delay", IEEE Signal Processing
//! Magazine 13(1), 1996, for `d` near 1; beyond it, a lossless dispersive delay of `d`
//! samples at low frequencies). Its magnitude is exactly 1, so the modulation takes nothing
//! from the decay (linear interpolation would take up to 6 dB per pass at 16 kHz), and the
//! integer part never steps while a tail rings: an allpass interpolator whose integer part
//! steps restarts with the wrong state, and those transients scatter the long-decaying
//! band's energy into the short-decaying ones (measured: the 250 Hz band of a 5 s hall with
//! lows ×0.5 read 11 % long at 0.3 ms depth). Above `fs/(2d)` the allpass delays less than
//! `d` (it cannot exceed half a period), so the modulation is deepest in the lows and the
//! loop is shorter in the highs; the absorption design counts that shorter loop
//! ([`allpass_phase_delay`]). A change of size, depth or freeze moves the mean lengths: they
//! glide over [`GLIDE_MS`] (the integer part steps then, once per sample at most), so it
//! cannot click.
//!
//! **Freeze.** The absorption becomes exactly 1 at every frequency (the network is then
//! lossless: orthogonal feedback, allpass interpolation), and the caller stops the input.
//!
//! Coefficients ([`FdnCoeffs`]) are separate from the state ([`Fdn`]); nothing allocates
//! after [`Fdn::new`].

use crate::range::Range;
use crate::reverb::absorption::{AbsorptionDesign, Section, BANDS_HZ, NUM_BANDS};

/// Number of delay lines.
pub const NUM_LINES: usize = 16;
/// Highest sample rate the lines are sized for, Hz.
pub const MAX_SAMPLE_RATE_HZ: f32 = 384_000.0;
/// Longest mean line length, ms.
pub const MAX_LINE_MS: f32 = 100.0;
/// Shortest line length, ms.
pub const MIN_LINE_MS: f32 = 3.0;
/// Time a change of line lengths (size) glides over, ms.
pub const GLIDE_MS: f32 = 150.0;

/// Mid-frequency decay time, s.
pub const RT60_S: Range = Range::new(0.1, 20.0, 2.0);
/// Decay multiplier below the low crossover and above the high crossover.
pub const DECAY_MULT: Range = Range::new(0.25, 4.0, 1.0);
/// Low crossover, Hz.
pub const LOW_XOVER_HZ: Range = Range::new(50.0, 2000.0, 250.0);
/// High crossover, Hz.
pub const HIGH_XOVER_HZ: Range = Range::new(500.0, 16000.0, 4000.0);
/// Modulation depth: the peak-to-peak swing of each line's delay is twice this, ms.
pub const MOD_DEPTH_MS: Range = Range::new(0.0, 2.0, 0.3);
/// Modulation rate (the mean of the lines' rates), Hz.
pub const MOD_RATE_HZ: Range = Range::new(0.05, 5.0, 0.7);

/// The settings of the network in plain units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FdnSettings {
    /// Decay time at mid frequencies (RT60), s.
    pub rt60_s: f32,
    /// Low-frequency decay time over the mid one.
    pub low_mult: f32,
    /// High-frequency decay time over the mid one.
    pub high_mult: f32,
    /// Crossover between low and mid decay, Hz.
    pub low_xover_hz: f32,
    /// Crossover between mid and high decay, Hz.
    pub high_xover_hz: f32,
    /// Shortest line, ms (the lengths spread geometrically to the longest).
    pub shortest_ms: f32,
    /// Longest line, ms.
    pub longest_ms: f32,
    /// Modulation depth, ms.
    pub mod_depth_ms: f32,
    /// Modulation rate, Hz.
    pub mod_rate_hz: f32,
    /// Infinite sustain: no absorption (the caller stops the input).
    pub freeze: bool,
}

impl Default for FdnSettings {
    fn default() -> Self {
        Self {
            rt60_s: RT60_S.default,
            low_mult: DECAY_MULT.default,
            high_mult: DECAY_MULT.default,
            low_xover_hz: LOW_XOVER_HZ.default,
            high_xover_hz: HIGH_XOVER_HZ.default,
            shortest_ms: 15.0,
            longest_ms: 60.0,
            mod_depth_ms: MOD_DEPTH_MS.default,
            mod_rate_hz: MOD_RATE_HZ.default,
            freeze: false,
        }
    }
}

/// Width of the step between two decay regions, octaves (10 % to 90 % of the step in
/// log-decay-time).
pub const STEP_OCTAVES: f64 = 1.0;

/// The decay time the settings ask for at `freq_hz`, s: the mid RT60 times the low multiplier
/// below the low crossover and the high multiplier above the high one, with logistic steps
/// [`STEP_OCTAVES`] wide in log-frequency and log-time centred on the crossovers (at a
/// crossover the decay is the geometric mean of its neighbours'). Infinite when frozen.
pub fn target_rt60_s(settings: &FdnSettings, freq_hz: f64) -> f64 {
    if settings.freeze {
        return f64::INFINITY;
    }
    let k = 2.0 * 9f64.ln() / STEP_OCTAVES;
    let step = |octaves: f64| 1.0 / (1.0 + (-k * octaves).exp());
    let lo = step((LOW_XOVER_HZ.clamp(settings.low_xover_hz) as f64 / freq_hz).log2());
    let hi = step((freq_hz / HIGH_XOVER_HZ.clamp(settings.high_xover_hz) as f64).log2());
    let ln_t = (RT60_S.clamp(settings.rt60_s) as f64).ln()
        + lo * (DECAY_MULT.clamp(settings.low_mult) as f64).ln()
        + hi * (DECAY_MULT.clamp(settings.high_mult) as f64).ln();
    ln_t.exp()
}

/// The network's coefficients for one set of settings at one sample rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FdnCoeffs {
    /// Mean line lengths (the unmodulated length plus the modulation depth), samples.
    pub lengths: [f32; NUM_LINES],
    /// Modulation depth, samples.
    pub depth_samples: f32,
    /// Per-sample phase step of each line's modulation, radians.
    phase_step: [f32; NUM_LINES],
    /// Broadband gain of each line (the loss at mid frequencies).
    gain: [f32; NUM_LINES],
    /// The absorption equaliser's sections, band-major, one lane per line: `b0, b1, b2,
    /// a1, a2`.
    eq: [[[f32; NUM_LINES]; 5]; NUM_BANDS],
    /// The bands whose section is not the identity in some line, first `num_active` of them.
    active: [u8; NUM_BANDS],
    num_active: usize,
    sample_rate_hz: f32,
    /// The longest decay time of the design, s (infinite when frozen).
    longest_decay_s: f32,
}

/// The smallest prime ≥ `n` (trial division: lengths are below 40 000).
fn next_prime(mut n: usize) -> usize {
    n = n.max(2);
    loop {
        if (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
        {
            return n;
        }
        n += 1;
    }
}

impl FdnCoeffs {
    /// Designs the network for `settings` (clamped to their ranges) at `sample_rate_hz`.
    /// Allocation-free.
    pub fn design(settings: &FdnSettings, sample_rate_hz: f32) -> Self {
        let fs = sample_rate_hz.clamp(8_000.0, MAX_SAMPLE_RATE_HZ) as f64;
        let rt60 = RT60_S.clamp(settings.rt60_s) as f64;
        let low_mult = DECAY_MULT.clamp(settings.low_mult) as f64;
        let high_mult = DECAY_MULT.clamp(settings.high_mult) as f64;
        let ms = |v: f32| {
            if v.is_finite() {
                v.clamp(MIN_LINE_MS, MAX_LINE_MS) as f64
            } else {
                MIN_LINE_MS as f64
            }
        };
        let shortest = ms(settings.shortest_ms) * 1e-3 * fs;
        let longest = (ms(settings.longest_ms) * 1e-3 * fs).max(shortest * 1.5);
        // Frozen, the delays stand still: a time-varying allpass is not exactly lossless
        // (−0.5 dB over 30 s at the default depth).
        let depth = if settings.freeze {
            0.0
        } else {
            MOD_DEPTH_MS.clamp(settings.mod_depth_ms) as f64 * 1e-3 * fs
        };
        let rate = MOD_RATE_HZ.clamp(settings.mod_rate_hz) as f64;
        let mut c = Self {
            lengths: [0.0; NUM_LINES],
            depth_samples: depth as f32,
            phase_step: [0.0; NUM_LINES],
            gain: [1.0; NUM_LINES],
            eq: [[
                [1.0; NUM_LINES],
                [0.0; NUM_LINES],
                [0.0; NUM_LINES],
                [0.0; NUM_LINES],
                [0.0; NUM_LINES],
            ]; NUM_BANDS],
            active: [0; NUM_BANDS],
            num_active: 0,
            sample_rate_hz: fs as f32,
            longest_decay_s: f32::INFINITY,
        };
        let mut last = 0;
        for i in 0..NUM_LINES {
            let t = i as f64 / (NUM_LINES - 1) as f64;
            let target = (shortest * (longest / shortest).powf(t)).round() as usize;
            let m = next_prime(target.max(last + 1));
            last = m;
            c.lengths[i] = m as f32 + depth as f32;
            // Rates spread ±20 % around the set rate in an order unrelated to the lengths.
            let spread = 0.8 + 0.4 * ((i * 7) % NUM_LINES) as f64 / (NUM_LINES - 1) as f64;
            c.phase_step[i] = (2.0 * std::f64::consts::PI * rate * spread / fs) as f32;
        }
        if settings.freeze {
            return c;
        }
        // Broadband: 10^(−3m/(fs·T60)) per pass through a line of mean length m. The
        // equaliser adds the loss per second the target curve asks beyond that.
        let s = FdnSettings {
            rt60_s: rt60 as f32,
            ..*settings
        };
        let mid_loss_db_per_s = -60.0 / rt60;
        let typical = c.lengths[NUM_LINES / 2] as f64;
        let design = AbsorptionDesign::new(
            |f| -60.0 / target_rt60_s(&s, f) - mid_loss_db_per_s,
            mid_loss_db_per_s,
            typical,
            fs,
        );
        // The modulation allpass is a dispersive delay: at its mean d = 1 + depth it delays
        // the lows by d and the highs by less (towards 1 sample at Nyquist), so the loop is
        // shorter at high frequencies; the equaliser takes the difference into account.
        let d_mean = 1.0 + depth;
        let tau_mid = allpass_phase_delay(d_mean, 1000.0, fs);
        let mut dispersion = [0.0; NUM_BANDS];
        for (x, &f) in dispersion.iter_mut().zip(BANDS_HZ.iter()) {
            *x = allpass_phase_delay(d_mean, f, fs) - tau_mid;
        }
        for i in 0..NUM_LINES {
            // The loop at 1 kHz: the integer part (length − d) plus the allpass there.
            let m = c.lengths[i] as f64 - d_mean + tau_mid;
            c.gain[i] = 10f64.powf(mid_loss_db_per_s * m / fs / 20.0) as f32;
            for (k, sec) in design.line(m, &dispersion).iter().enumerate() {
                let coeffs = [sec.b[0], sec.b[1], sec.b[2], sec.a[0], sec.a[1]];
                for (slot, v) in c.eq[k].iter_mut().zip(coeffs) {
                    slot[i] = v as f32;
                }
            }
        }
        for k in 0..NUM_BANDS {
            let identity = (0..NUM_LINES)
                .all(|i| c.eq[k][0][i] == 1.0 && (1..5).all(|j| c.eq[k][j][i] == 0.0));
            if !identity {
                c.active[c.num_active] = k as u8;
                c.num_active += 1;
            }
        }
        c.longest_decay_s = (rt60 * low_mult.max(high_mult).max(1.0)) as f32;
        c
    }

    /// The decay time (RT60, s) this design gives at `freq_hz`: the mean over the lines of
    /// the loss per second (gain and equaliser over the loop's length, the line plus the
    /// equaliser's phase delay), as 60 dB over it. Infinite when frozen.
    pub fn rt60_s_at(&self, freq_hz: f32) -> f32 {
        let fs = self.sample_rate_hz as f64;
        let f = (freq_hz as f64).clamp(1.0, 0.499 * fs);
        let mut db_per_s = 0.0;
        for i in 0..NUM_LINES {
            let mut db = 20.0 * (self.gain[i] as f64).log10();
            let d_mean = 1.0 + self.depth_samples as f64;
            let mut tau = allpass_phase_delay(d_mean, f, fs) - d_mean;
            for k in 0..NUM_BANDS {
                let e = &self.eq[k];
                let sec = Section {
                    b: [e[0][i] as f64, e[1][i] as f64, e[2][i] as f64],
                    a: [e[3][i] as f64, e[4][i] as f64],
                };
                db += sec.db_at(f, fs);
                tau += sec.phase_delay_at(f, fs);
            }
            db_per_s += db * fs / (self.lengths[i] as f64 + tau);
        }
        db_per_s /= NUM_LINES as f64;
        if db_per_s >= 0.0 {
            f32::INFINITY
        } else {
            (-60.0 / db_per_s) as f32
        }
    }

    /// The longest decay time at any frequency, s (infinite when frozen).
    pub fn longest_decay_s(&self) -> f32 {
        self.longest_decay_s
    }
}

/// The phase delay of the first-order allpass `(η + z⁻¹)/(1 + η·z⁻¹)`, `η = (1 − d)/(1 + d)`,
/// at `freq_hz`, samples: `d` at low frequencies, less towards Nyquist for `d > 1`.
pub fn allpass_phase_delay(d: f64, freq_hz: f64, fs: f64) -> f64 {
    let eta = (1.0 - d) / (1.0 + d);
    let w = 2.0 * std::f64::consts::PI * freq_hz.max(1e-3) / fs;
    let (c, s) = (w.cos(), w.sin());
    let phase = (-s).atan2(eta + c) - (-eta * s).atan2(1.0 + eta * c);
    -phase / w
}

/// In-place fast Walsh–Hadamard transform of 16 values, scaled by 1/4 (orthogonal).
#[inline]
fn hadamard16(v: &mut [f32; NUM_LINES]) {
    let mut h = 1;
    while h < NUM_LINES {
        for i in (0..NUM_LINES).step_by(2 * h) {
            for j in i..i + h {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
        }
        h *= 2;
    }
    for x in v.iter_mut() {
        *x *= 0.25;
    }
}

/// Input and output signs: line `i` takes the left input when even, the right when odd;
/// the left output sums the lines with one sign pattern, the right with an orthogonal one.
const SIGN_IN: [f32; NUM_LINES] = {
    let mut s = [0.0; NUM_LINES];
    let mut i = 0;
    while i < NUM_LINES {
        s[i] = if i % 4 < 2 { 0.25 } else { -0.25 };
        i += 1;
    }
    s
};
const SIGN_L: [f32; NUM_LINES] = {
    let mut s = [0.0; NUM_LINES];
    let mut i = 0;
    while i < NUM_LINES {
        s[i] = if i % 2 == 0 { 0.25 } else { -0.25 };
        i += 1;
    }
    s
};
const SIGN_R: [f32; NUM_LINES] = SIGN_IN;

/// Samples between renormalisations of the modulation oscillators.
const RENORM_EVERY: u32 = 1024;

/// The network's state: 16 delay lines, their interpolators and absorption filters.
pub struct Fdn {
    coeffs: FdnCoeffs,
    /// The 16 ring buffers, one after the other, each `mask + 1` long.
    lines: Vec<f32>,
    mask: usize,
    write: usize,
    /// Current mean lengths (gliding towards the coefficients').
    length: [f32; NUM_LINES],
    /// Per-sample glide step of each length, and samples of glide left.
    glide_step: [f32; NUM_LINES],
    glide_left: u32,
    glide_samples: u32,
    /// Modulation oscillators (cos, sin) and their rotation per sample.
    osc_c: [f32; NUM_LINES],
    osc_s: [f32; NUM_LINES],
    rot_c: [f32; NUM_LINES],
    rot_s: [f32; NUM_LINES],
    renorm: u32,
    allpass: [f32; NUM_LINES],
    /// Each line's integer delay and the rest of its mean length (recomputed while gliding).
    int_delay: [usize; NUM_LINES],
    frac_base: [f32; NUM_LINES],
    int_dirty: bool,
    /// Transposed-direct-form-II memory of each band's section, per line.
    eq_s1: [[f32; NUM_LINES]; NUM_BANDS],
    eq_s2: [[f32; NUM_LINES]; NUM_BANDS],
    /// Largest |line output| of each line since [`Fdn::take_peak`].
    peak_lanes: [f32; NUM_LINES],
    /// Whether blocks run as AVX2 code.
    avx2: bool,
}

impl Default for Fdn {
    fn default() -> Self {
        Self::new()
    }
}

impl Fdn {
    /// Allocates the lines for the longest length and deepest modulation at 48 kHz and
    /// designs the defaults there ([`Fdn::prepare`] sizes them for another rate). Not
    /// realtime.
    pub fn new() -> Self {
        let capacity = Self::capacity(48_000.0);
        let coeffs = FdnCoeffs::design(&FdnSettings::default(), 48_000.0);
        let mut f = Self {
            coeffs,
            lines: vec![0.0; capacity * NUM_LINES],
            mask: capacity - 1,
            write: 0,
            length: coeffs.lengths,
            glide_step: [0.0; NUM_LINES],
            glide_left: 0,
            glide_samples: (GLIDE_MS * 1e-3 * 48_000.0) as u32,
            osc_c: [1.0; NUM_LINES],
            osc_s: [0.0; NUM_LINES],
            rot_c: [1.0; NUM_LINES],
            rot_s: [0.0; NUM_LINES],
            renorm: 0,
            allpass: [0.0; NUM_LINES],
            int_delay: [1; NUM_LINES],
            frac_base: [1.0; NUM_LINES],
            int_dirty: true,
            eq_s1: [[0.0; NUM_LINES]; NUM_BANDS],
            eq_s2: [[0.0; NUM_LINES]; NUM_BANDS],
            peak_lanes: [0.0; NUM_LINES],
            avx2: crate::simd::avx2_fma_available(),
        };
        f.jump_to(&coeffs);
        f.reset();
        f
    }

    /// Ring length per line for `sample_rate_hz` (a power of two holding the longest line
    /// with the deepest modulation and a few samples of room).
    fn capacity(sample_rate_hz: f32) -> usize {
        let max_ms = MAX_LINE_MS + 2.0 * MOD_DEPTH_MS.max;
        let fs = sample_rate_hz.clamp(8_000.0, MAX_SAMPLE_RATE_HZ);
        ((max_ms * 1e-3 * fs) as usize + 4).next_power_of_two()
    }

    /// Sizes the lines for `sample_rate_hz` and clears them (so a reset clears only what the
    /// rate needs: 512 KiB at 48 kHz, not the 4 MiB of 384 kHz). Not realtime.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        let capacity = Self::capacity(sample_rate_hz);
        if capacity != self.mask + 1 {
            self.lines = vec![0.0; capacity * NUM_LINES];
            self.mask = capacity - 1;
        }
        self.reset();
    }

    /// The current coefficients.
    pub fn coeffs(&self) -> &FdnCoeffs {
        &self.coeffs
    }

    /// Takes new coefficients; changed lengths glide over [`GLIDE_MS`]. Realtime-safe.
    pub fn set_coeffs(&mut self, coeffs: &FdnCoeffs) {
        if coeffs.lengths != self.coeffs.lengths
            || coeffs.sample_rate_hz != self.coeffs.sample_rate_hz
        {
            self.glide_samples = ((GLIDE_MS * 1e-3 * coeffs.sample_rate_hz) as u32).max(1);
            for i in 0..NUM_LINES {
                self.glide_step[i] =
                    (coeffs.lengths[i] - self.length[i]) / self.glide_samples as f32;
            }
            self.glide_left = self.glide_samples;
        }
        self.set_rotation(coeffs);
        self.coeffs = *coeffs;
        self.int_dirty = true;
    }

    /// Takes new coefficients with the lengths in place at once (after a reset or at the
    /// first sound). Realtime-safe.
    pub fn jump_to(&mut self, coeffs: &FdnCoeffs) {
        self.coeffs = *coeffs;
        self.length = coeffs.lengths;
        self.glide_left = 0;
        self.set_rotation(coeffs);
        self.int_dirty = true;
    }

    fn set_rotation(&mut self, coeffs: &FdnCoeffs) {
        for i in 0..NUM_LINES {
            self.rot_c[i] = coeffs.phase_step[i].cos();
            self.rot_s[i] = coeffs.phase_step[i].sin();
        }
    }

    /// Clears every line and filter and restarts the modulation. Realtime-safe.
    pub fn reset(&mut self) {
        self.lines.fill(0.0);
        self.write = 0;
        for i in 0..NUM_LINES {
            // Start phases spread by the golden angle.
            let phase = i as f32 * 2.399_963;
            self.osc_c[i] = phase.cos();
            self.osc_s[i] = phase.sin();
        }
        self.renorm = 0;
        self.allpass = [0.0; NUM_LINES];
        self.eq_s1 = [[0.0; NUM_LINES]; NUM_BANDS];
        self.eq_s2 = [[0.0; NUM_LINES]; NUM_BANDS];
        self.length = self.coeffs.lengths;
        self.glide_left = 0;
        self.int_dirty = true;
        self.peak_lanes = [0.0; NUM_LINES];
    }

    /// The largest |line output| since the last call, and restarts the measurement.
    pub fn take_peak(&mut self) -> f32 {
        let peak = self.peak_lanes.iter().fold(0.0f32, |m, v| m.max(*v));
        self.peak_lanes = [0.0; NUM_LINES];
        peak
    }

    /// A block: the stereo input in, the stereo late reverberation out (`out_*` as long as
    /// `in_*`). Runs as AVX2 code where the CPU has it: the same operations in the same order
    /// on wider vectors (no fused multiply-add), so the output is bit-identical to the
    /// portable build's.
    pub fn process_block(
        &mut self,
        in_l: &[f32],
        in_r: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only where the CPU reports AVX2 and FMA.
            unsafe { self.process_block_avx2(in_l, in_r, out_l, out_r) };
            return;
        }
        self.process_block_portable(in_l, in_r, out_l, out_r);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn process_block_avx2(
        &mut self,
        in_l: &[f32],
        in_r: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        for (((a, b), c), d) in in_l
            .iter()
            .zip(in_r)
            .zip(out_l.iter_mut())
            .zip(out_r.iter_mut())
        {
            (*c, *d) = self.step(*a, *b);
        }
    }

    fn process_block_portable(
        &mut self,
        in_l: &[f32],
        in_r: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        for (((a, b), c), d) in in_l
            .iter()
            .zip(in_r)
            .zip(out_l.iter_mut())
            .zip(out_r.iter_mut())
        {
            (*c, *d) = self.step(*a, *b);
        }
    }

    /// Whether blocks run as AVX2 code (see [`Fdn::process_block`]); tests switch it off to
    /// compare the two.
    pub fn set_avx2(&mut self, on: bool) {
        self.avx2 = on && crate::simd::avx2_fma_available();
    }

    /// One sample: the stereo input in, the stereo late reverberation out.
    #[inline]
    pub fn process(&mut self, in_l: f32, in_r: f32) -> (f32, f32) {
        self.step(in_l, in_r)
    }

    #[inline(always)]
    fn step(&mut self, in_l: f32, in_r: f32) -> (f32, f32) {
        let c = &self.coeffs;
        let cap = self.mask + 1;
        if self.glide_left > 0 {
            self.glide_left -= 1;
            for i in 0..NUM_LINES {
                self.length[i] += self.glide_step[i];
            }
            if self.glide_left == 0 {
                self.length = c.lengths;
            }
        }
        // Delay = mean length + depth·sin: a fixed integer part (it moves only while the
        // size glides) and an allpass of delay d ∈ [1, 1 + 2·depth] at low frequencies, so no
        // integer step ever restarts the allpass mid-tail. Written in passes over the 16
        // lines (integer parts, allpass coefficients, the reads, the allpass) so that all but
        // the reads run as vector code.
        if self.glide_left > 0 || self.int_dirty {
            self.int_dirty = self.glide_left > 0;
            for i in 0..NUM_LINES {
                let m = (self.length[i] - c.depth_samples - 0.5) as usize;
                self.int_delay[i] = m;
                self.frac_base[i] = self.length[i] - m as f32;
            }
        }
        let mut eta = [0.0f32; NUM_LINES];
        for (i, e) in eta.iter_mut().enumerate() {
            let frac = self.frac_base[i] + c.depth_samples * self.osc_s[i];
            *e = (1.0 - frac) / (1.0 + frac);
        }
        // The reads and the allpass per line (scalar: a vector load of values just stored
        // one by one would stall on store forwarding).
        let mut v = [0.0f32; NUM_LINES];
        for (i, line) in self.lines.chunks_exact(cap).enumerate() {
            let at = self.write.wrapping_sub(self.int_delay[i]) & self.mask;
            let (u0, u1) = (line[at], line[at.wrapping_sub(1) & self.mask]);
            let x = eta[i] * (u0 - self.allpass[i]) + u1;
            self.allpass[i] = x;
            v[i] = x * c.gain[i];
        }
        // Absorption equaliser: the active bands, all lines at once.
        for &k in &c.active[..c.num_active] {
            let (e, s1, s2) = (
                &c.eq[k as usize],
                &mut self.eq_s1[k as usize],
                &mut self.eq_s2[k as usize],
            );
            for i in 0..NUM_LINES {
                let x = v[i];
                let y = e[0][i] * x + s1[i];
                s1[i] = e[1][i] * x - e[3][i] * y + s2[i];
                s2[i] = e[2][i] * x - e[4][i] * y;
                v[i] = y;
            }
        }
        // Modulation oscillators: one complex rotation each.
        for i in 0..NUM_LINES {
            let (oc, os) = (self.osc_c[i], self.osc_s[i]);
            self.osc_c[i] = oc * self.rot_c[i] - os * self.rot_s[i];
            self.osc_s[i] = os * self.rot_c[i] + oc * self.rot_s[i];
        }
        self.renorm += 1;
        if self.renorm >= RENORM_EVERY {
            self.renorm = 0;
            for i in 0..NUM_LINES {
                let r = (self.osc_c[i] * self.osc_c[i] + self.osc_s[i] * self.osc_s[i]).sqrt();
                self.osc_c[i] /= r;
                self.osc_s[i] /= r;
            }
        }
        // Output taps summed as a tree (independent adds, vector code) rather than a chain.
        let (mut acc_l, mut acc_r) = ([0.0f32; NUM_LINES / 2], [0.0f32; NUM_LINES / 2]);
        for i in 0..NUM_LINES / 2 {
            let j = i + NUM_LINES / 2;
            acc_l[i] = SIGN_L[i] * v[i] + SIGN_L[j] * v[j];
            acc_r[i] = SIGN_R[i] * v[i] + SIGN_R[j] * v[j];
        }
        for (p, x) in self.peak_lanes.iter_mut().zip(&v) {
            *p = p.max(x.abs());
        }
        let sum8 = |a: [f32; 8]| ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
        let (out_l, out_r) = (sum8(acc_l), sum8(acc_r));
        hadamard16(&mut v);
        for i in 0..NUM_LINES {
            let input = if i % 2 == 0 { in_l } else { in_r };
            self.lines[i * cap + self.write] = v[i] + SIGN_IN[i] * input;
        }
        self.write = (self.write + 1) & self.mask;
        (out_l, out_r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reverb::measure::{octave_band, t30_s, t30_s_of};

    /// The impulse response (left channel, impulse into both) of `seconds`.
    fn impulse_response(s: &FdnSettings, fs: f32, seconds: f32) -> Vec<f32> {
        stereo_response(s, fs, seconds).0
    }

    /// The left and right impulse responses (impulse into both) of `seconds`.
    fn stereo_response(s: &FdnSettings, fs: f32, seconds: f32) -> (Vec<f32>, Vec<f32>) {
        let mut f = Fdn::new();
        f.prepare(fs);
        f.jump_to(&FdnCoeffs::design(s, fs));
        let n = (seconds * fs) as usize;
        (0..n)
            .map(|i| {
                let x = if i == 0 { 1.0 } else { 0.0 };
                f.process(x, x)
            })
            .unzip()
    }

    #[test]
    fn the_line_lengths_are_distinct_primes_and_fit_the_lines() {
        let mut f = Fdn::new();
        for fs in [22_050.0, 48_000.0, 384_000.0] {
            f.prepare(fs);
            for (shortest_ms, longest_ms) in [(3.0, 10.0), (15.0, 60.0), (40.0, 100.0)] {
                let s = FdnSettings {
                    shortest_ms,
                    longest_ms,
                    mod_depth_ms: MOD_DEPTH_MS.max,
                    ..FdnSettings::default()
                };
                let c = FdnCoeffs::design(&s, fs);
                let primes: Vec<usize> = c
                    .lengths
                    .iter()
                    .map(|l| (l - c.depth_samples).round() as usize)
                    .collect();
                for w in primes.windows(2) {
                    assert!(w[0] < w[1]);
                }
                assert!(primes.iter().all(|&m| next_prime(m) == m));
                let longest_read = *c.lengths.last().unwrap() + c.depth_samples + 2.0;
                assert!((longest_read as usize) < f.mask, "{fs} Hz: {longest_read}");
            }
        }
    }

    #[test]
    fn the_broadband_decay_is_the_set_rt60_at_44_48_and_96_khz() {
        for fs in [44_100.0f32, 48_000.0, 96_000.0] {
            for rt60 in [0.3f32, 1.0, 2.0, 5.0, 10.0] {
                let s = FdnSettings {
                    rt60_s: rt60,
                    ..FdnSettings::default()
                };
                let ir = impulse_response(&s, fs, 0.9 * rt60 + 0.2);
                let t30 = t30_s(&ir, fs);
                assert!(
                    (t30 / rt60 - 1.0).abs() <= 0.05,
                    "{fs} Hz, RT60 {rt60} s: T30 {t30:.3} s"
                );
            }
        }
    }

    /// The four responses (left in → left, right out; right in → left, right out).
    fn four_responses(s: &FdnSettings, fs: f32, seconds: f32) -> [Vec<f32>; 4] {
        let run = |gl: f32, gr: f32| {
            let mut f = Fdn::new();
            f.prepare(fs);
            f.jump_to(&FdnCoeffs::design(s, fs));
            let n = (seconds * fs) as usize;
            (0..n)
                .map(|i| {
                    let x = if i == 0 { 1.0 } else { 0.0 };
                    f.process(gl * x, gr * x)
                })
                .unzip::<f32, f32, Vec<f32>, Vec<f32>>()
        };
        let ((a, b), (c, d)) = (run(1.0, 0.0), run(0.0, 1.0));
        [a, b, c, d]
    }

    /// T30 of the octave band around `fc` over the four responses' summed energies.
    fn band_t30(irs: &[Vec<f32>; 4], fs: f32, fc: f32) -> f32 {
        let bands: Vec<Vec<f32>> = irs.iter().map(|x| octave_band(x, fs, fc)).collect();
        let refs: Vec<&[f32]> = bands.iter().map(|v| v.as_slice()).collect();
        t30_s_of(&refs, fs)
    }

    #[test]
    fn the_multipliers_leave_the_mid_bands_at_the_set_rt60() {
        // Lows ×2 below 62.5 Hz, highs ×0.5 above 16 kHz (two octaves from the bands: the
        // step between decay regions is about an octave wide): every band 250 Hz–4 kHz
        // decays at the set RT60 (within 5 %), for RT60 0.3–10 s.
        let fs = 48_000.0;
        for rt60 in [0.3f32, 1.0, 2.0, 5.0, 10.0] {
            let (shortest_ms, longest_ms) = if rt60 < 1.0 {
                (10.0, 60.0)
            } else {
                (20.0, 100.0)
            };
            let s = FdnSettings {
                rt60_s: rt60,
                low_mult: 2.0,
                high_mult: 0.5,
                low_xover_hz: 62.5,
                high_xover_hz: 16000.0,
                shortest_ms,
                longest_ms,
                ..FdnSettings::default()
            };
            let irs = four_responses(&s, fs, 0.8 * rt60 + 0.2);
            for fc in [250.0, 500.0, 1000.0, 2000.0, 4000.0] {
                let t30 = band_t30(&irs, fs, fc);
                assert!(
                    (t30 / rt60 - 1.0).abs() <= 0.05,
                    "RT60 {rt60} s, {fc} Hz: T30 {t30:.3} s"
                );
            }
        }
    }

    #[test]
    fn each_octave_band_decays_at_the_rt60_times_its_multiplier() {
        // Both crossovers at 1 kHz: the 250 Hz band (two octaves below) decays at RT60 × the
        // low multiplier, the 4 kHz band at RT60 × the high one, within 5 %; the 1 kHz band at
        // the bands around the crossover lie between their neighbours (a band straddling the
        // step reads a mixture of decays, longer than the design at its centre). The design itself reads the multipliers
        // at 31.25 Hz and 16 kHz within 2 %.
        let fs = 48_000.0;
        // At RT60 0.3 s the multipliers only lengthen: a 0.15 s decay in the 250 Hz band
        // (BT ≈ 26, near ISO 3382's limit for the filters) reads 9 % long.
        for rt60 in [0.3f32, 1.0, 2.0, 5.0] {
            let mults: &[(f32, f32)] = if rt60 < 1.0 {
                &[(2.0, 1.5)]
            } else {
                &[(2.0, 0.5), (0.5, 1.5)]
            };
            for &(low_mult, high_mult) in mults {
                let s = FdnSettings {
                    rt60_s: rt60,
                    low_mult,
                    high_mult,
                    low_xover_hz: 1000.0,
                    high_xover_hz: 1000.0,
                    shortest_ms: 10.0,
                    longest_ms: 60.0,
                    ..FdnSettings::default()
                };
                let c = FdnCoeffs::design(&s, fs);
                let d = |f: f32| c.rt60_s_at(f);
                let low = d(31.25) / (rt60 * low_mult);
                let high = d(16000.0) / (rt60 * high_mult);
                assert!((low - 1.0).abs() < 0.02, "31.25 Hz: ×{low}");
                assert!((high - 1.0).abs() < 0.02, "16 kHz: ×{high}");
                let longest = rt60 * low_mult.max(high_mult).max(1.0);
                let irs = four_responses(&s, fs, 0.8 * longest + 0.2);
                let t: Vec<f32> = [250.0, 500.0, 1000.0, 2000.0, 4000.0]
                    .iter()
                    .map(|&fc| band_t30(&irs, fs, fc))
                    .collect();
                let ctx = format!("RT60 {rt60} s ×{low_mult}/×{high_mult}: {t:?}");
                assert!(
                    (t[0] / (rt60 * low_mult) - 1.0).abs() <= 0.05,
                    "250 Hz, {ctx}"
                );
                assert!(
                    (t[4] / (rt60 * high_mult) - 1.0).abs() <= 0.05,
                    "4 kHz, {ctx}"
                );
                for k in [1, 2, 3] {
                    let (a, b) = (t[k - 1].min(t[k + 1]), t[k - 1].max(t[k + 1]));
                    assert!(t[k] > 0.97 * a && t[k] < 1.03 * b, "band {k}, {ctx}");
                }
            }
        }
    }

    #[test]
    fn the_avx2_blocks_are_bit_identical_to_the_portable_ones() {
        if !crate::simd::fast_path_testable("the reverb network's AVX2 blocks") {
            return;
        }
        let fs = 48_000.0;
        let s = FdnSettings {
            low_mult: 1.4,
            high_mult: 0.5,
            mod_depth_ms: 0.7,
            ..FdnSettings::default()
        };
        let x: Vec<f32> = (0..4800)
            .map(|i| ((i * 7919) % 101) as f32 / 101.0 - 0.5)
            .collect();
        let run = |avx2: bool| {
            let mut f = Fdn::new();
            f.prepare(fs);
            f.set_avx2(avx2);
            f.jump_to(&FdnCoeffs::design(&s, fs));
            let (mut l, mut r) = (vec![0.0; x.len()], vec![0.0; x.len()]);
            for k in (0..x.len()).step_by(64) {
                let e = (k + 64).min(x.len());
                f.process_block(&x[k..e], &x[k..e], &mut l[k..e], &mut r[k..e]);
            }
            (l, r)
        };
        assert!(run(true) == run(false));
    }

    #[test]
    fn frozen_the_network_holds_its_energy_for_30_s() {
        let fs = 48_000.0;
        let mut f = Fdn::new();
        f.jump_to(&FdnCoeffs::design(&FdnSettings::default(), fs));
        // Half a second of noise in, then freeze with the input stopped.
        let mut seed = 1u32;
        for _ in 0..(fs as usize / 2) {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let x = (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            f.process(x, -x);
        }
        f.set_coeffs(&FdnCoeffs::design(
            &FdnSettings {
                freeze: true,
                ..FdnSettings::default()
            },
            fs,
        ));
        let energy = |f: &mut Fdn| {
            let n = fs as usize;
            (0..n)
                .map(|_| {
                    let (l, r) = f.process(0.0, 0.0);
                    (l * l + r * r) as f64
                })
                .sum::<f64>()
        };
        let first = energy(&mut f);
        for _ in 0..28 {
            energy(&mut f);
        }
        let last = energy(&mut f);
        let change_db = 10.0 * (last / first).log10();
        assert!(first > 1e-3);
        assert!(
            change_db.abs() <= 0.5,
            "frozen: {change_db:.3} dB over 30 s"
        );
    }
}
