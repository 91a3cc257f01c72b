//! Signal helpers shared by the tests.

/// A sine of `amplitude` at `freq_hz`, `num_samples` long.
pub fn sine(freq_hz: f64, amplitude: f64, sample_rate: f64, num_samples: usize) -> Vec<f32> {
    (0..num_samples)
        .map(|i| {
            (amplitude * (2.0 * std::f64::consts::PI * freq_hz * i as f64 / sample_rate).sin())
                as f32
        })
        .collect()
}

/// Stereo test signal: different content on each side so a channel swap or fold-down
/// shows (peaks below 0.75 on the left, 0.5 on the right).
pub fn stereo_test_signal(sample_rate: f64, num_samples: usize) -> [Vec<f32>; 2] {
    let mix =
        |a: Vec<f32>, b: Vec<f32>| -> Vec<f32> { a.iter().zip(&b).map(|(x, y)| x + y).collect() };
    [
        mix(
            sine(997.0, 0.5, sample_rate, num_samples),
            sine(61.0, 0.25, sample_rate, num_samples),
        ),
        mix(
            sine(4001.0, 0.3, sample_rate, num_samples),
            sine(233.0, 0.2, sample_rate, num_samples),
        ),
    ]
}

/// `x` scaled by `gain`.
pub fn scaled(x: &[f32], gain: f32) -> Vec<f32> {
    x.iter().map(|v| v * gain).collect()
}

/// An impulse of `amplitude` at sample `at`, `num_samples` long.
pub fn impulse(num_samples: usize, at: usize, amplitude: f32) -> Vec<f32> {
    let mut x = vec![0.0; num_samples];
    x[at] = amplitude;
    x
}

/// Index of the sample with the largest magnitude (the first one on ties).
pub fn peak_index(x: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in x.iter().enumerate() {
        if v.abs() > x[best].abs() {
            best = i;
        }
    }
    best
}

/// RMS level in dBFS of a signal.
pub fn rms_db(x: &[f32]) -> f64 {
    let sum: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
    10.0 * (sum / x.len() as f64).max(1e-300).log10()
}

/// Level in dB of `actual − expected` relative to `expected` (the "null" level);
/// `-inf` when they are bit-identical.
pub fn null_db(actual: &[f32], expected: &[f32]) -> f64 {
    assert_eq!(actual.len(), expected.len());
    if actual == expected {
        return f64::NEG_INFINITY;
    }
    let diff: Vec<f32> = actual.iter().zip(expected).map(|(a, e)| a - e).collect();
    rms_db(&diff) - rms_db(expected)
}

/// `x` delayed by `delay` samples (zeros shifted in), same length.
pub fn delayed(x: &[f32], delay: usize) -> Vec<f32> {
    let mut y = vec![0.0; x.len()];
    if delay < x.len() {
        y[delay..].copy_from_slice(&x[..x.len() - delay]);
    }
    y
}
