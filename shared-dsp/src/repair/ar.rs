//! Autoregressive (AR) modelling shared by the de-click and de-clip units, after S. J. Godsill
//! and P. J. W. Rayner, *Digital Audio Restoration — A Statistical Model Based Approach*
//! (Springer, 1998), ch. 5:
//!
//! * [`ArFitter`]: AR coefficients of a block by the autocorrelation method (Hann-windowed
//!   autocorrelation, then the Levinson–Durbin recursion) or by Burg's method, giving a
//!   minimum-phase prediction-error filter `A(z) = 1 + a₁z⁻¹ + … + a_pz⁻ᵖ`. Both add a −40 dB
//!   white floor ([`WHITE_FLOOR_REL`]) so that band-limited material stays solvable.
//! * [`prediction_error`]: the forward prediction residual `e[n] = Σₖ aₖ·x[n−k]` (`a₀ = 1`).
//! * [`LsarInterpolator`]: least-squares AR interpolation (LSAR, Godsill & Rayner §5.2.2) of a
//!   set of unknown samples: the unknowns minimise the energy of the prediction residual over
//!   every residual sample they touch. The normal equations are symmetric positive definite and
//!   banded (bandwidth = AR order in the index space of the unknowns); they are solved by a banded
//!   Cholesky factorisation in `O(m·p²)` for `m` unknowns, `m` capped at construction.
//! * [`HopFramer`]: the fixed-hop, fixed-lookahead framing both units run their analysis in, so
//!   their output does not depend on how the caller splits the signal.
//!
//! Everything is preallocated in the constructors; the methods never allocate.

/// Highest AR order any unit may ask for.
pub const MAX_AR_ORDER: usize = 48;

/// A prediction-error filter `A(z) = Σₖ aₖ·z⁻ᵏ`, `a₀ = 1` (coefficients in `f64`).
#[derive(Clone, Copy, Debug)]
pub struct ArCoeffs {
    /// Model order `p` (`0..=MAX_AR_ORDER`).
    pub order: usize,
    /// Prediction-error filter taps `a₀ … a_p` (`a₀ = 1`; entries past `order` are 0).
    pub a: [f64; MAX_AR_ORDER + 1],
    /// Final prediction-error power of the fit: per sample for [`ArFitter::fit_burg`], in the
    /// units of `r[0]` for [`levinson_durbin`].
    pub error_power: f64,
}

impl Default for ArCoeffs {
    fn default() -> Self {
        let mut a = [0.0; MAX_AR_ORDER + 1];
        a[0] = 1.0;
        Self {
            order: 0,
            a,
            error_power: 0.0,
        }
    }
}

impl ArCoeffs {
    /// The taps `a₀ … a_p`.
    pub fn taps(&self) -> &[f64] {
        &self.a[..=self.order]
    }

    /// Autocorrelation of the taps, `r[d] = Σₖ aₖ·aₖ₊d` for `d = 0..=p`, into `out`
    /// (`out.len() > order`).
    pub fn tap_autocorrelation(&self, out: &mut [f64]) {
        let t = self.taps();
        for (d, o) in out.iter_mut().enumerate().take(t.len()) {
            *o = t[..t.len() - d]
                .iter()
                .zip(&t[d..])
                .map(|(x, y)| x * y)
                .sum();
        }
    }
}

/// Fits AR models to blocks by the autocorrelation method (Hann window + Levinson–Durbin).
pub struct ArFitter {
    /// Hann window for the current block length.
    window: Vec<f32>,
    /// Windowed copy of the block.
    windowed: Vec<f32>,
    /// Block length the window was built for.
    len: usize,
    /// Burg's forward and backward prediction errors, and a copy of the latter.
    fwd: Vec<f32>,
    bwd: Vec<f32>,
    tmp: Vec<f32>,
}

impl ArFitter {
    /// A fitter for blocks of up to `max_len` samples (allocates).
    pub fn new(max_len: usize) -> Self {
        Self {
            window: vec![0.0; max_len],
            windowed: vec![0.0; max_len],
            len: 0,
            fwd: vec![0.0; max_len],
            bwd: vec![0.0; max_len],
            tmp: vec![0.0; max_len],
        }
    }

    /// Builds the window for blocks of `len` samples (clamped to the allocated maximum).
    /// Allocation-free.
    pub fn set_block_len(&mut self, len: usize) {
        let len = len.min(self.window.len());
        self.len = len;
        let scale = std::f64::consts::TAU / (len as f64 + 1.0);
        for (i, w) in self.window[..len].iter_mut().enumerate() {
            *w = (0.5 - 0.5 * (scale * (i as f64 + 1.0)).cos()) as f32;
        }
    }

    /// Fits an AR model of `order` (clamped to [`MAX_AR_ORDER`]) to `x` (its first
    /// `set_block_len` samples are used) into `out`. Silence gives `A(z) = 1`.
    pub fn fit(&mut self, x: &[f32], order: usize, out: &mut ArCoeffs) {
        let n = self.len.min(x.len());
        let order = order.min(MAX_AR_ORDER).min(n.saturating_sub(1));
        for ((y, &v), &w) in self.windowed[..n].iter_mut().zip(&x[..n]).zip(&self.window) {
            *y = v * w;
        }
        let y = &self.windowed[..n];
        let mut r = [0.0f64; MAX_AR_ORDER + 1];
        for (k, rk) in r.iter_mut().enumerate().take(order + 1) {
            *rk = dot_f32(&y[..n - k], &y[k..]);
        }
        levinson_durbin(&r[..=order], out);
    }
}

impl ArFitter {
    /// Fits an AR model of `order` to all of `x` (up to the allocated length) by Burg's method
    /// (J. P. Burg, "Maximum entropy spectral analysis", 1967; Godsill & Rayner §5.2.1 note the
    /// unwindowed estimators interpolate tonal material better than the windowed
    /// autocorrelation method). Costs about `5·len·order` operations.
    pub fn fit_burg(&mut self, x: &[f32], order: usize, out: &mut ArCoeffs) {
        let n = x.len().min(self.fwd.len());
        let p = order.min(MAX_AR_ORDER).min(n.saturating_sub(1) / 2);
        *out = ArCoeffs::default();
        let energy = dot_f32(&x[..n], &x[..n]);
        if energy <= 0.0 || !energy.is_finite() {
            return;
        }
        self.fwd[..n].copy_from_slice(&x[..n]);
        self.bwd[..n].copy_from_slice(&x[..n]);
        let mut err = energy / n as f64;
        let delta = 2.0 * err * floor_rel();
        let mut prev = [0.0f64; MAX_AR_ORDER + 1];
        for m in 1..=p {
            let f = &self.fwd[m..n];
            let b = &self.bwd[m - 1..n - 1];
            let num = dot_f32(f, b);
            let den = dot_f32(f, f) + dot_f32(b, b) + delta * (n - m) as f64;
            let k = if den > 0.0 {
                (-2.0 * num / den).clamp(-0.999_999, 0.999_999)
            } else {
                0.0
            };
            prev[..m].copy_from_slice(&out.a[..m]);
            for j in 1..m {
                out.a[j] = prev[j] + k * prev[m - j];
            }
            out.a[m] = k;
            out.order = m;
            err *= 1.0 - k * k;
            // f[i] ← f[i] + k·b[i−1], b[i] ← b[i−1] + k·f[i], from a copy of the old b[i−1].
            let kf = k as f32;
            self.tmp[..n - m].copy_from_slice(&self.bwd[m - 1..n - 1]);
            let old_b = &self.tmp[..n - m];
            for (fv, &bv) in self.fwd[m..n].iter_mut().zip(old_b) {
                *fv += kf * bv;
            }
            // b uses the *old* f: f_old = f_new − k·b_old.
            for ((bv, &fv), &ob) in self.bwd[m..n].iter_mut().zip(&self.fwd[m..n]).zip(old_b) {
                *bv = ob + kf * (fv - kf * ob);
            }
        }
        out.error_power = err;
        if out.a.iter().any(|v| !v.is_finite()) {
            *out = ArCoeffs::default();
        }
    }
}

/// Dot product in `f32` with eight partial sums (vectorises), returned in `f64`.
fn dot_f32(a: &[f32], b: &[f32]) -> f64 {
    let mut acc = [0.0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s: f64 = acc.iter().map(|&v| v as f64).sum();
    for (x, y) in ra.iter().zip(rb) {
        s += (*x as f64) * (*y as f64);
    }
    s
}

/// White-noise floor added to every fit, relative to the block's power (−40 dB). Band-limited
/// material (lossy sources have nothing above ≈ 16–19 kHz) otherwise gives models with a huge
/// spectral dynamic range whose LSAR systems are too ill-conditioned to solve: a 16-sample gap
/// came out tens of dB *louder* than the signal. The floor bounds the condition number at a
/// negligible cost in prediction gain.
pub const WHITE_FLOOR_REL: f64 = 1e-4;

fn floor_rel() -> f64 {
    WHITE_FLOOR_REL
}

/// Levinson–Durbin recursion on the autocorrelation `r[0..=p]`, into `out` (order `p`). A tiny
/// white-noise floor (−90 dB re `r[0]`) keeps the recursion well conditioned; a non-positive or
/// non-finite `r[0]` gives `A(z) = 1`.
pub fn levinson_durbin(r: &[f64], out: &mut ArCoeffs) {
    let p = r.len().saturating_sub(1).min(MAX_AR_ORDER);
    out.a = [0.0; MAX_AR_ORDER + 1];
    out.a[0] = 1.0;
    out.order = p;
    out.error_power = 0.0;
    if r.is_empty() || r[0] <= 0.0 || !r[0].is_finite() {
        out.order = 0;
        return;
    }
    let mut err = r[0] * (1.0 + floor_rel());
    let mut prev = [0.0f64; MAX_AR_ORDER + 1];
    for i in 1..=p {
        let mut acc = r[i];
        for j in 1..i {
            acc += out.a[j] * r[i - j];
        }
        let k = (-acc / err).clamp(-0.999_999, 0.999_999);
        prev[..i].copy_from_slice(&out.a[..i]);
        for j in 1..i {
            out.a[j] = prev[j] + k * prev[i - j];
        }
        out.a[i] = k;
        err *= 1.0 - k * k;
    }
    out.error_power = err;
    if out.a.iter().any(|v| !v.is_finite()) {
        *out = ArCoeffs::default();
    }
}

/// Forward prediction residual `out[n] = Σₖ aₖ·x[n−k]` for `n = p..x.len()` (`out[..p]` is set
/// to 0). `out.len() >= x.len()`.
pub fn prediction_error(a: &ArCoeffs, x: &[f32], out: &mut [f32]) {
    let p = a.order;
    let n = x.len();
    let out = &mut out[..n];
    if n <= p {
        out.fill(0.0);
        return;
    }
    out[..p].fill(0.0);
    out[p..].copy_from_slice(&x[p..]);
    for k in 1..=p {
        let c = a.a[k] as f32;
        for (o, &v) in out[p..].iter_mut().zip(&x[p - k..n - k]) {
            *o += c * v;
        }
    }
}

/// Least-squares AR interpolation (Godsill & Rayner 1998, §5.2.2) with banded Cholesky.
pub struct LsarInterpolator {
    /// Lower band of the Cholesky factor, `max_unknowns × (MAX_AR_ORDER + 1)`:
    /// `band[i·W + k] = L[i][i − k]`.
    band: Vec<f64>,
    /// Right-hand side / solution.
    rhs: Vec<f64>,
    /// Residual with the unknowns set to zero, over the span they touch.
    e0: Vec<f64>,
    max_unknowns: usize,
}

/// Band row width.
const BW: usize = MAX_AR_ORDER + 1;

impl LsarInterpolator {
    /// An interpolator for up to `max_unknowns` unknowns spread over at most `max_span`
    /// samples (allocates).
    pub fn new(max_unknowns: usize, max_span: usize) -> Self {
        Self {
            band: vec![0.0; max_unknowns.max(1) * BW],
            rhs: vec![0.0; max_unknowns.max(1)],
            e0: vec![0.0; max_span + MAX_AR_ORDER + 1],
            max_unknowns: max_unknowns.max(1),
        }
    }

    /// Most unknowns one call accepts.
    pub fn max_unknowns(&self) -> usize {
        self.max_unknowns
    }

    /// Replaces the samples `x[u]` for `u` in `unknowns` (strictly increasing indices) by the
    /// values that minimise `Σₙ e[n]²`, the prediction residual of `a` over every `n` whose
    /// prediction involves an unknown. Needs `p` known samples of context on both sides
    /// (`unknowns[0] >= p`, `last + p < x.len()`), at most `max_unknowns` unknowns and a span
    /// `last − first + 1` within the allocated one; returns `false` (and changes nothing)
    /// otherwise. Cost `O(span·p + m·p²)`.
    pub fn interpolate(&mut self, x: &mut [f32], unknowns: &[usize], a: &ArCoeffs) -> bool {
        let m = unknowns.len();
        if m == 0 {
            return true;
        }
        let p = a.order;
        let first = unknowns[0];
        let last = unknowns[m - 1];
        if m > self.max_unknowns
            || first < p
            || last + p >= x.len()
            || last - first + p + 1 > self.e0.len()
        {
            return false;
        }
        let taps = a.taps();
        // Residual with the unknowns zeroed, rows first..=last+p.
        for &u in unknowns {
            x[u] = 0.0;
        }
        let rows = last + p + 1 - first;
        for (j, e) in self.e0[..rows].iter_mut().enumerate() {
            let n = first + j;
            let mut s = 0.0f64;
            for (k, &c) in taps.iter().enumerate() {
                s += c * x[n - k] as f64;
            }
            *e = s;
        }
        // Right-hand side b_i = −Σₖ aₖ·e0[u_i + k].
        for (i, &u) in unknowns.iter().enumerate() {
            let off = u - first;
            let mut s = 0.0;
            for (k, &c) in taps.iter().enumerate() {
                s += c * self.e0[off + k];
            }
            self.rhs[i] = -s;
        }
        // Matrix M_ij = r_a[|u_i − u_j|] (0 when beyond p), banded in index space.
        let mut ra = [0.0f64; MAX_AR_ORDER + 1];
        a.tap_autocorrelation(&mut ra);
        let load = ra[0] * 1e-12 + 1e-30;
        // Banded Cholesky: band[i·BW + k] = L[i][i−k].
        for i in 0..m {
            let jmin = i.saturating_sub(p);
            for j in jmin..=i {
                let d = unknowns[i] - unknowns[j];
                let mut s = if d <= p { ra[d] } else { 0.0 };
                if i == j {
                    s += load;
                }
                // Σ_t L[i][t]·L[j][t] for t in max(jmin, j−p)..j.
                let tmin = jmin.max(j.saturating_sub(p));
                for t in tmin..j {
                    s -= self.band[i * BW + (i - t)] * self.band[j * BW + (j - t)];
                }
                if i == j {
                    self.band[i * BW] = s.max(load).sqrt();
                } else {
                    self.band[i * BW + (i - j)] = s / self.band[j * BW];
                }
            }
        }
        // Forward substitution L y = b.
        for i in 0..m {
            let mut s = self.rhs[i];
            for t in i.saturating_sub(p)..i {
                s -= self.band[i * BW + (i - t)] * self.rhs[t];
            }
            self.rhs[i] = s / self.band[i * BW];
        }
        // Back substitution Lᵀ x = y.
        for i in (0..m).rev() {
            let mut s = self.rhs[i];
            for t in i + 1..m.min(i + p + 1) {
                s -= self.band[t * BW + (t - i)] * self.rhs[t];
            }
            self.rhs[i] = s / self.band[i * BW];
        }
        for (i, &u) in unknowns.iter().enumerate() {
            let v = self.rhs[i] as f32;
            x[u] = if v.is_finite() { v } else { 0.0 };
        }
        true
    }
}

/// Fixed-hop framing with a fixed lookahead: samples are gathered into hops of `hop` samples;
/// once a hop is complete, the analysis sees a frame of `left + hop + right` samples whose
/// middle `hop` samples (`left..left + hop`) are final after the call and are emitted during the
/// next hop. Latency `hop + right` samples, whatever the caller's block sizes.
pub struct HopFramer {
    frame: Vec<f32>,
    out: Vec<f32>,
    hop: usize,
    left: usize,
    right: usize,
    fill: usize,
}

impl HopFramer {
    /// A framer for frames of up to `max_frame` samples and hops of up to `max_hop` (allocates).
    pub fn new(max_hop: usize, max_frame: usize) -> Self {
        Self {
            frame: vec![0.0; max_frame],
            out: vec![0.0; max_hop],
            hop: 1,
            left: 0,
            right: 0,
            fill: 0,
        }
    }

    /// Sets the geometry (clamped to the allocation) and clears. Allocation-free.
    pub fn configure(&mut self, left: usize, hop: usize, right: usize) {
        let hop = hop.clamp(1, self.out.len());
        let right = right.min(self.frame.len() - hop);
        let left = left.min(self.frame.len() - hop - right);
        self.hop = hop;
        self.left = left;
        self.right = right;
        self.reset();
    }

    /// Clears the audio memory.
    pub fn reset(&mut self) {
        self.frame.fill(0.0);
        self.out.fill(0.0);
        self.fill = 0;
    }

    /// Hop length in samples.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Samples gathered so far in the current hop (`0..hop`).
    pub fn fill(&self) -> usize {
        self.fill
    }

    /// Left context in samples.
    pub fn left(&self) -> usize {
        self.left
    }

    /// Frame length `left + hop + right` in samples.
    pub fn frame_len(&self) -> usize {
        self.left + self.hop + self.right
    }

    /// Latency `hop + right` in samples.
    pub fn latency_samples(&self) -> usize {
        self.hop + self.right
    }

    /// Runs `buf` through the framer in place; `analyse(frame)` is called once per completed
    /// hop with the frame (oldest sample first) and may rewrite any of it.
    pub fn process(&mut self, buf: &mut [f32], mut analyse: impl FnMut(&mut [f32])) {
        let len = self.frame_len();
        let mut i = 0;
        while i < buf.len() {
            let n = (self.hop - self.fill).min(buf.len() - i);
            let base = len - self.hop + self.fill;
            for j in 0..n {
                let v = buf[i + j];
                buf[i + j] = self.out[self.fill + j];
                self.frame[base + j] = v;
            }
            self.fill += n;
            i += n;
            if self.fill == self.hop {
                analyse(&mut self.frame[..len]);
                self.out[..self.hop].copy_from_slice(&self.frame[self.left..self.left + self.hop]);
                self.frame.copy_within(self.hop..len, 0);
                self.fill = 0;
            }
        }
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

    fn snr_db(clean: &[f32], test: &[f32]) -> f64 {
        let s: f64 = clean.iter().map(|&v| (v as f64).powi(2)).sum();
        let e: f64 = clean
            .iter()
            .zip(test)
            .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
            .sum();
        10.0 * (s / e.max(1e-30)).log10()
    }

    #[test]
    fn levinson_recovers_a_known_ar2_process() {
        // x[n] = 1.6 x[n−1] − 0.8 x[n−2] + w[n]
        let mut seed = 1;
        let mut x = vec![0.0f32; 20_000];
        for n in 2..x.len() {
            x[n] = 1.6 * x[n - 1] - 0.8 * x[n - 2] + noise(&mut seed);
        }
        let mut fitter = ArFitter::new(x.len());
        fitter.set_block_len(x.len());
        let mut a = ArCoeffs::default();
        fitter.fit(&x, 2, &mut a);
        assert!((a.a[1] + 1.6).abs() < 0.02, "{:?}", a.taps());
        assert!((a.a[2] - 0.8).abs() < 0.02, "{:?}", a.taps());
    }

    #[test]
    fn lsar_fills_gaps_in_a_sum_of_sines() {
        let x: Vec<f32> = (0..2048)
            .map(|n| {
                let t = n as f32;
                0.5 * (0.031 * t).sin() + 0.3 * (0.113 * t + 1.0).sin() + 0.1 * (0.4 * t).sin()
            })
            .collect();
        let mut fitter = ArFitter::new(x.len());
        fitter.set_block_len(x.len());
        let mut a = ArCoeffs::default();
        fitter.fit_burg(&x, 16, &mut a);
        let mut damaged = x.clone();
        let gap: Vec<usize> = (1000..1020).chain(1500..1503).chain([1600, 1602]).collect();
        for &u in &gap {
            damaged[u] = 0.9;
        }
        let mut lsar = LsarInterpolator::new(64, 1024);
        assert!(lsar.interpolate(&mut damaged, &gap, &a));
        let snr = snr_db(&x[900..1700], &damaged[900..1700]);
        assert!(snr > 30.0, "SNR {snr:.1} dB");
    }

    #[test]
    fn lsar_fills_a_gap_in_an_ar_process() {
        let mut seed = 7;
        let mut x = vec![0.0f32; 8192];
        for n in 4..x.len() {
            // Resonant AR(4), poles at 0.98·e^{±0.05jπ} and 0.95·e^{±0.2jπ}.
            x[n] = 3.473 * x[n - 1] - 4.83859 * x[n - 2] + 3.22338 * x[n - 3] - 0.86676 * x[n - 4]
                + 0.01 * noise(&mut seed);
        }
        let mut fitter = ArFitter::new(x.len());
        fitter.set_block_len(x.len());
        let mut a = ArCoeffs::default();
        fitter.fit(&x, 8, &mut a);
        let mut damaged = x.clone();
        let gap: Vec<usize> = (4000..4004).collect();
        for &u in &gap {
            damaged[u] += 5.0;
        }
        let mut lsar = LsarInterpolator::new(16, 64);
        assert!(lsar.interpolate(&mut damaged, &gap, &a));
        let snr = snr_db(&x[3900..4100], &damaged[3900..4100]);
        assert!(snr > 30.0, "SNR {snr:.1} dB");
        // Rejects an unknown without context.
        assert!(!lsar.interpolate(&mut damaged, &[2], &a));
    }

    #[test]
    fn framer_delays_by_its_latency_whatever_the_block_size() {
        let x: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.01).sin()).collect();
        for block in [1, 7, 64, 4096] {
            let mut f = HopFramer::new(64, 256);
            f.configure(30, 64, 50);
            let lat = f.latency_samples();
            assert_eq!(lat, 114);
            let mut y = x.clone();
            for c in y.chunks_mut(block) {
                f.process(c, |_| {});
            }
            assert!(y[..lat].iter().all(|&v| v == 0.0));
            assert_eq!(&y[lat..], &x[..x.len() - lat]);
        }
    }
}
