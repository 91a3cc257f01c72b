//! A slow, independent true-peak reference for tests and offline checks: 16× oversampling
//! with a long Kaiser-windowed sinc (β 10, ±48 taps at the base rate) in f64, against which
//! the 4× BS.1770 meter and the limiter's guarantee are checked. Not for audio threads
//! (allocates, about 1500 multiplies per sample).

use std::f64::consts::PI;

/// Independent 16× reference (linear magnitude): a Kaiser-windowed sinc (β 10, ±48 taps) evaluated in f64 at 15
/// points between every pair of samples whose larger neighbour is within 6 dB of `near`
/// (elsewhere no inter-sample peak can reach it).
pub fn true_peak_16x(x: &[f32], near: f64) -> f64 {
    const HALF: usize = 48;
    const BETA: f64 = 10.0;
    let i0 = |v: f64| {
        let (mut sum, mut term) = (1.0, 1.0);
        for k in 1..60 {
            term *= (v / 2.0).powi(2) / (k * k) as f64;
            sum += term;
        }
        sum
    };
    // table[p][j]: weight of x[i + j − HALF + 1] for the point i + p/16.
    let table: Vec<[f64; 2 * HALF]> = (1..16)
        .map(|p| {
            let mut row = [0.0; 2 * HALF];
            for (j, w) in row.iter_mut().enumerate() {
                let d = p as f64 / 16.0 - (j as f64 - HALF as f64 + 1.0);
                let win = i0(BETA * (1.0 - (d / HALF as f64).powi(2)).max(0.0).sqrt()) / i0(BETA);
                *w = win * (PI * d).sin() / (PI * d);
            }
            row
        })
        .collect();
    let mut peak = x.iter().fold(0.0f64, |m, &v| m.max(v.abs() as f64));
    let padded: Vec<f64> = std::iter::repeat_n(0.0, HALF)
        .chain(x.iter().map(|&v| v as f64))
        .chain(std::iter::repeat_n(0.0, HALF))
        .collect();
    for i in 0..x.len().saturating_sub(1) {
        let local = (x[i].abs()).max(x[i + 1].abs()) as f64;
        if local < near * 0.5 {
            continue;
        }
        // x[i + j − HALF + 1] = padded[i + j + 1].
        let window = &padded[i + 1..i + 1 + 2 * HALF];
        for row in &table {
            let acc: f64 = row.iter().zip(window).map(|(w, v)| w * v).sum();
            peak = peak.max(acc.abs());
        }
    }
    peak
}
