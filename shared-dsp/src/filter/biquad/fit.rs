//! Least-squares refinement of a designed biquad against its analog prototype on a
//! log-spaced grid (the matched designs' last step near Nyquist).

use super::matched::*;
use super::*;

/// Number of log-spaced grid points used by the least-squares fit.
pub(super) const FIT_POINTS: usize = 40;

/// Fit grid in rad/sample: DC, the centre frequency `f0` (both pinned by a large weight), then
/// log-spaced frequencies from `min(f0/16, fs/64)` to Nyquist.
pub(super) fn fit_grid(f0: f64, fs: f64) -> [f64; FIT_POINTS + 1] {
    let mut g = [0.0; FIT_POINTS + 1];
    g[1] = 2.0 * PI * f0 / fs;
    let lo = (f0 / 16.0).min(fs / 64.0) / fs * 2.0 * PI;
    let hi = PI;
    let n = FIT_POINTS - 1;
    let ratio = (hi / lo).ln() / (n - 1) as f64;
    for (i, w) in g.iter_mut().skip(2).enumerate() {
        *w = (lo * (ratio * i as f64).exp()).min(PI);
    }
    g
}

/// Lawson weight floor for the pinned grid points (DC and centre).
pub(super) const PIN_WEIGHT: f64 = 30.0;
/// Lawson weight floor for the centre frequency.
pub(super) const CENTRE_WEIGHT: f64 = 3.0;

/// Iteratively reweighted least-squares fit of `|B|²/|A|²` (Vicanek's φ parametrisation,
/// `A0 = 1`) to `target`, starting from the poles `init`. Returns `None` if the fit is not
/// realisable (negative magnitude-squared) or ill-conditioned.
pub(super) fn ls_fit(
    grid: &[f64; FIT_POINTS + 1],
    target: &dyn Fn(f64) -> f64,
    init: (f64, f64),
) -> Option<([f64; 3], [f64; 3])> {
    const ITERATIONS: usize = 16;
    let mut t = [0.0; FIT_POINTS + 1];
    let mut ph = [(0.0, 0.0, 0.0); FIT_POINTS + 1];
    let mut a_prev = [0.0; FIT_POINTS + 1];
    let (ia0, ia1, ia2) = poly_sq(init.0, init.1);
    for i in 0..grid.len() {
        t[i] = target(grid[i]);
        ph[i] = phis(grid[i]);
        let (p0, p1, p2) = ph[i];
        a_prev[i] = (ia0 * p0 + ia1 * p1 + ia2 * p2) / ia0;
        if !(t[i] > 0.0 && t[i].is_finite() && a_prev[i] > 0.0) {
            return None;
        }
    }
    let mut lawson = [1.0; FIT_POINTS + 1];
    lawson[0] = PIN_WEIGHT;
    lawson[1] = CENTRE_WEIGHT;
    let mut sol = None;
    let mut best_err = f64::INFINITY;
    for _ in 0..ITERATIONS {
        let mut m = [[0.0; 5]; 5];
        let mut r = [0.0; 5];
        for i in 0..grid.len() {
            let (p0, p1, p2) = ph[i];
            let wt = lawson[i] / (t[i] * a_prev[i]);
            // Unknowns: A1, A2, B0, B1, B2. Equation: B(φ) − T·A(φ) = 0 with A0 = 1.
            let row = [-t[i] * p1 * wt, -t[i] * p2 * wt, p0 * wt, p1 * wt, p2 * wt];
            let rhs = t[i] * p0 * wt;
            for j in 0..5 {
                for k in 0..5 {
                    m[j][k] += row[j] * row[k];
                }
                r[j] += row[j] * rhs;
            }
        }
        let Some(x) = solve5(m, r) else { break };
        let [a1, a2, b0, b1, b2] = x;
        if min_on_unit(1.0, a1, a2) <= 1e-12 || min_on_unit(b0, b1, b2) <= 0.0 {
            break;
        }
        let mut emax: f64 = 0.0;
        let mut e = [0.0; FIT_POINTS + 1];
        for i in 0..grid.len() {
            let (p0, p1, p2) = ph[i];
            let an = p0 + a1 * p1 + a2 * p2;
            let bn = b0 * p0 + b1 * p1 + b2 * p2;
            a_prev[i] = an;
            e[i] = (bn / (an * t[i])).ln().abs();
            emax = emax.max(e[i]);
        }
        if !emax.is_finite() {
            break;
        }
        // Lawson iterations are not monotonic: keep the best iterate.
        if emax < best_err {
            best_err = emax;
            sol = Some(x);
        }
        if emax <= 0.0 {
            break;
        }
        for i in 0..grid.len() {
            lawson[i] *= 1e-3 + e[i] / emax;
        }
        let lmax = lawson.iter().fold(0.0f64, |acc, v| acc.max(*v));
        for l in lawson.iter_mut() {
            *l /= lmax;
        }
        lawson[0] = lawson[0].max(PIN_WEIGHT);
        lawson[1] = lawson[1].max(CENTRE_WEIGHT);
    }
    let [a1, a2, b0, b1, b2] = sol?;
    let a = factor(1.0, a1, a2);
    let b = factor(b0, b1, b2);
    if a[0] <= 0.0 {
        return None;
    }
    let den = [1.0, a[1] / a[0], a[2] / a[0]];
    let num = [b[0] / a[0], b[1] / a[0], b[2] / a[0]];
    // Strictly stable with margin (triangle condition).
    if den[2].abs() >= 1.0 - 1e-9 || den[1].abs() >= 1.0 + den[2] - 1e-12 {
        return None;
    }
    Some((num, den))
}

/// Largest |dB error| of `(b, a)` against `target` over `grid`.
pub(super) fn grid_error_db(
    (b, a): ([f64; 3], [f64; 3]),
    grid: &[f64; FIT_POINTS + 1],
    target: &dyn Fn(f64) -> f64,
) -> f64 {
    let mut e: f64 = 0.0;
    for &w in grid {
        let d = 10.0 * (mag_sq_z(b, a, w) / target(w)).log10();
        if !d.is_finite() {
            return f64::INFINITY;
        }
        e = e.max(d.abs());
    }
    e
}

/// How far a matched design goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refine {
    /// The closed form only: bounded, cheap (what the audio thread uses while ramping).
    ClosedForm,
    /// The closed form, and the least-squares fit when the closed form is more than 0.05 dB
    /// off the analog prototype; whichever is closer (20–40 µs when the fit runs).
    BestOf,
}

/// Number of least-squares fits run so far on the calling thread (for tests that check the
/// audio thread stays on the closed form while parameters ramp).
pub fn num_ls_fits() -> u64 {
    LS_FITS.with(|c| c.get())
}

thread_local! {
    static LS_FITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Returns whichever of `closed_form` and the least-squares fit is closer to `target`.
pub(super) fn best_of(
    closed_form: ([f64; 3], [f64; 3]),
    f0: f64,
    fs: f64,
    init: (f64, f64),
    target: &dyn Fn(f64) -> f64,
    refine: Refine,
) -> ([f64; 3], [f64; 3]) {
    if refine == Refine::ClosedForm {
        return closed_form;
    }
    let grid = fit_grid(f0, fs);
    let e_closed = grid_error_db(closed_form, &grid, target);
    // The closed form is already within 0.05 dB for most settings (corners well below
    // Nyquist): skip the ~20 µs fit there.
    if e_closed < 0.05 {
        return closed_form;
    }
    LS_FITS.with(|c| c.set(c.get() + 1));
    match ls_fit(&grid, target, init) {
        Some(fit) if grid_error_db(fit, &grid, target) < e_closed => fit,
        _ => closed_form,
    }
}

/// Analog (s-domain) prototypes of the designs above, for tests and for drawing ideal curves.
///
/// All use the RBJ Audio EQ Cookbook conventions (Bristow-Johnson): `A = 10^(gain_db/40)`,
/// `s = j·freq/centre`. Frequencies in Hz, results in dB.
pub mod analog {
    /// `|N(jΩ)|²` of `n2·s² + n1·s + n0` at `s = jΩ`.
    fn quad_sq(n2: f64, n1: f64, n0: f64, om: f64) -> f64 {
        let re = n0 - n2 * om * om;
        let im = n1 * om;
        re * re + im * im
    }

    fn to_db(mag_sq: f64) -> f64 {
        10.0 * mag_sq.max(1e-40).log10()
    }

    /// |H|² of the RBJ peak `(s² + s·A/Q + 1)/(s² + s/(A·Q) + 1)` at normalised frequency `om`.
    pub(crate) fn peak_mag_sq(om: f64, q: f64, a: f64) -> f64 {
        quad_sq(1.0, a / q, 1.0, om) / quad_sq(1.0, 1.0 / (a * q), 1.0, om)
    }

    /// |H|² of the RBJ low shelf `A·(s² + (√A/Q)s + A)/(A·s² + (√A/Q)s + 1)`.
    pub(crate) fn low_shelf_mag_sq(om: f64, q: f64, a: f64) -> f64 {
        let k = a.sqrt() / q;
        a * a * quad_sq(1.0, k, a, om) / quad_sq(a, k, 1.0, om)
    }

    /// |H|² of the RBJ high shelf `A·(A·s² + (√A/Q)s + 1)/(s² + (√A/Q)s + A)`.
    pub(crate) fn high_shelf_mag_sq(om: f64, q: f64, a: f64) -> f64 {
        let k = a.sqrt() / q;
        a * a * quad_sq(a, k, 1.0, om) / quad_sq(1.0, k, a, om)
    }

    /// Magnitude in dB at `freq_hz` of the analog peaking EQ centred at `centre_hz` with
    /// quality `q` and centre gain `gain_db` (RBJ cookbook prototype).
    pub fn peak_db(freq_hz: f64, centre_hz: f64, q: f64, gain_db: f64) -> f64 {
        to_db(peak_mag_sq(
            freq_hz / centre_hz,
            q,
            10f64.powf(gain_db / 40.0),
        ))
    }

    /// Magnitude in dB at `freq_hz` of the analog low shelf with corner `centre_hz` (half the
    /// gain in dB there), quality `q` and DC gain `gain_db` (RBJ cookbook prototype).
    pub fn low_shelf_db(freq_hz: f64, centre_hz: f64, q: f64, gain_db: f64) -> f64 {
        to_db(low_shelf_mag_sq(
            freq_hz / centre_hz,
            q,
            10f64.powf(gain_db / 40.0),
        ))
    }

    /// Magnitude in dB at `freq_hz` of the analog high shelf with corner `centre_hz` (half the
    /// gain in dB there), quality `q` and high-frequency gain `gain_db` (RBJ cookbook prototype).
    pub fn high_shelf_db(freq_hz: f64, centre_hz: f64, q: f64, gain_db: f64) -> f64 {
        to_db(high_shelf_mag_sq(
            freq_hz / centre_hz,
            q,
            10f64.powf(gain_db / 40.0),
        ))
    }

    /// Magnitude in dB at `freq_hz` of the analog 2nd-order lowpass `1/(s² + s/Q + 1)` with
    /// cutoff `cutoff_hz`.
    pub fn lowpass_db(freq_hz: f64, cutoff_hz: f64, q: f64) -> f64 {
        to_db(1.0 / quad_sq(1.0, 1.0 / q, 1.0, freq_hz / cutoff_hz))
    }

    /// Magnitude in dB at `freq_hz` of the analog 2nd-order highpass `s²/(s² + s/Q + 1)` with
    /// cutoff `cutoff_hz`.
    pub fn highpass_db(freq_hz: f64, cutoff_hz: f64, q: f64) -> f64 {
        let om = freq_hz / cutoff_hz;
        to_db(om.powi(4) / quad_sq(1.0, 1.0 / q, 1.0, om))
    }
}
