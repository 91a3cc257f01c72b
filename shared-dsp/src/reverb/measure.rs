//! Measurements of impulse responses, as room acoustics makes them: the tests, the benches
//! and the command line judge the reverb with these (not realtime; they allocate).
//!
//! - [`t30_s`]: the decay time from Schroeder's backward-integrated energy decay curve
//!   (M. R. Schroeder, "New method of measuring reverberation time", JASA 37, 1965), the
//!   −5 to −35 dB span fitted by least squares and extrapolated to 60 dB (ISO 3382-1).
//! - [`octave_band`]: an octave band by 8th-order Butterworth high- and low-pass filters (48 dB/octave, so a longer decay just outside the band cannot lift the one measured) at
//!   the band edges, run over the time-reversed response so the filters' own ringing falls
//!   before the onset and not into the decay (the practice of ISO 3382 for short decays).
//! - [`echo_density`]: the normalised echo density of J. S. Abel and P. Huang, "A simple,
//!   robust measure of reverberation echo density", AES 121st Convention, 2006: the share of
//!   samples in a sliding window lying more than one standard deviation from zero, over the
//!   share a Gaussian has (erfc(1/√2) ≈ 0.3173); 1 for Gaussian noise, near 0 for sparse
//!   echoes.
//! - [`bin_decay_rates`]: the decay rate of every STFT bin, whose outliers are ringing modes;
//!   [`spectral_centroid_hz`]: the colour of a response in one number.

use crate::filter::butterworth::{ButterworthCoeffs, ButterworthState, FilterSlope};

/// The octave band of `x` around `fc_hz` (see the module docs).
pub fn octave_band(x: &[f32], sample_rate_hz: f32, fc_hz: f32) -> Vec<f32> {
    let hp = ButterworthCoeffs::highpass(sample_rate_hz, fc_hz / 2f32.sqrt(), FilterSlope::Db48);
    let mut y: Vec<f32> = x.iter().rev().copied().collect();
    ButterworthState::default().process_block(&hp, &mut y);
    if fc_hz * 2f32.sqrt() < 0.45 * sample_rate_hz {
        let lp = ButterworthCoeffs::lowpass(sample_rate_hz, fc_hz * 2f32.sqrt(), FilterSlope::Db48);
        ButterworthState::default().process_block(&lp, &mut y);
    }
    y.reverse();
    y
}

/// The energy decay curve of `ir` in dB (0 dB at the start), by Schroeder's backward
/// integral.
pub fn energy_decay_db(ir: &[f32]) -> Vec<f64> {
    energy_decay_db_of(&[ir])
}

/// The energy decay curve of several responses of one system (e.g. every input–output pair
/// of a stereo reverberator), their energies summed: the average ISO 3382-1 asks for, with
/// less of the spread a single short decay has.
pub fn energy_decay_db_of(irs: &[&[f32]]) -> Vec<f64> {
    let n = irs.iter().map(|x| x.len()).max().unwrap_or(0);
    let mut edc = vec![0.0f64; n];
    let mut acc = 0.0f64;
    for i in (0..n).rev() {
        acc += irs
            .iter()
            .filter_map(|x| x.get(i))
            .map(|&v| (v as f64).powi(2))
            .sum::<f64>();
        edc[i] = acc;
    }
    let total = edc.first().copied().unwrap_or(0.0).max(f64::MIN_POSITIVE);
    edc.iter()
        .map(|e| 10.0 * (e / total).max(1e-30).log10())
        .collect()
}

/// T30 of `ir`, s (see the module docs); NaN when the decay never reaches −35 dB.
pub fn t30_s(ir: &[f32], sample_rate_hz: f32) -> f32 {
    t30_s_of(&[ir], sample_rate_hz)
}

/// T30 of the summed energies of several responses (see [`energy_decay_db_of`]), s.
pub fn t30_s_of(irs: &[&[f32]], sample_rate_hz: f32) -> f32 {
    let db = energy_decay_db_of(irs);
    let (Some(start), Some(end)) = (
        db.iter().position(|d| *d <= -5.0),
        db.iter().position(|d| *d <= -35.0),
    ) else {
        return f32::NAN;
    };
    let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
    let k = (end - start) as f64;
    for (i, d) in db.iter().enumerate().take(end).skip(start) {
        let t = i as f64 / sample_rate_hz as f64;
        sx += t;
        sy += d;
        sxx += t * t;
        sxy += t * d;
    }
    let slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
    (-60.0 / slope) as f32
}

/// The normalised echo density of `ir` (see the module docs) in windows of `window_ms`
/// (Abel and Huang use 20 ms) centred on every `hop` samples: one value per hop.
pub fn echo_density(ir: &[f32], sample_rate_hz: f32, window_ms: f32, hop: usize) -> Vec<f32> {
    let n = ((window_ms * 1e-3 * sample_rate_hz) as usize).max(3) | 1;
    let half = n / 2;
    // Hann weights summing to 1.
    let w: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * (i + 1) as f64 / (n + 1) as f64).cos())
        .collect();
    let sum: f64 = w.iter().sum();
    let w: Vec<f64> = w.iter().map(|v| v / sum).collect();
    let gaussian_share = 0.317_310_507_862_914_f64; // erfc(1/√2)
    (0..ir.len())
        .step_by(hop.max(1))
        .map(|c| {
            let at = |k: usize| {
                let i = c as isize + k as isize - half as isize;
                if i < 0 || i as usize >= ir.len() {
                    0.0
                } else {
                    ir[i as usize] as f64
                }
            };
            let sigma = (0..n).map(|k| w[k] * at(k).powi(2)).sum::<f64>().sqrt();
            if sigma == 0.0 {
                return 0.0;
            }
            let outside: f64 = (0..n).filter(|&k| at(k).abs() > sigma).map(|k| w[k]).sum();
            (outside / gaussian_share) as f32
        })
        .collect()
}

/// Per-bin decay rates of the responses `irs` (their powers summed, e.g. every input–output
/// pair of a stereo reverberator), dB/s (negative), as `(frequency, rate)` for the bins
/// `lo_hz`–`hi_hz`: an STFT (4096-point Hann, hop 1024), each bin's energy integrated
/// backwards over the frames as Schroeder's method does for a whole response, and the −5 to
/// −35 dB span of that curve fitted by least squares; NaN where it never falls 35 dB. A
/// ringing mode shows as a bin decaying slower than its neighbours.
pub fn bin_decay_rates(irs: &[&[f32]], sr: f32, lo_hz: f32, hi_hz: f32) -> Vec<(f32, f32)> {
    let n = 4096;
    let hop = 1024;
    let len = irs.iter().map(|x| x.len()).min().unwrap_or(0);
    let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(n);
    let window: Vec<f32> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos())
        .collect();
    let num_frames = len.saturating_sub(n) / hop;
    let mut power = vec![vec![0.0f64; n / 2 + 1]; num_frames];
    let mut spec = fft.make_output_vec();
    for ir in irs {
        for (f, row) in power.iter_mut().enumerate() {
            let mut buf: Vec<f32> = (0..n).map(|i| ir[f * hop + i] * window[i]).collect();
            fft.process(&mut buf, &mut spec).expect("lengths match");
            for (p, c) in row.iter_mut().zip(spec.iter()) {
                *p += c.norm_sqr() as f64;
            }
        }
    }
    let bins = (lo_hz / sr * n as f32) as usize..(hi_hz / sr * n as f32) as usize;
    bins.map(|b| {
        let mut edc = vec![0.0f64; num_frames];
        let mut acc = 0.0;
        for f in (0..num_frames).rev() {
            acc += power[f][b];
            edc[f] = acc;
        }
        let total = edc.first().copied().unwrap_or(0.0).max(f64::MIN_POSITIVE);
        let (mut sx, mut sy, mut sxx, mut sxy, mut k) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for (f, e) in edc.iter().enumerate() {
            let db = 10.0 * (e / total).max(1e-30).log10();
            if (-35.0..=-5.0).contains(&db) {
                let t = (f * hop) as f64 / sr as f64;
                sx += t;
                sy += db;
                sxx += t * t;
                sxy += t * db;
                k += 1.0;
            }
        }
        let slope = if k >= 3.0 {
            (k * sxy - sx * sy) / (k * sxx - sx * sx)
        } else {
            f64::NAN
        };
        (b as f32 * sr / n as f32, slope as f32)
    })
    .collect()
}

/// The share of `rates` (from [`bin_decay_rates`]) whose decay time is more than `factor`
/// times the median of their neighbourhood of `octaves` (centred), or that never decay.
pub fn ringing_share(rates: &[(f32, f32)], octaves: f32, factor: f32) -> f32 {
    let half = 2f32.powf(octaves / 2.0);
    let slow = rates
        .iter()
        .filter(|&&(f, rate)| {
            let lo = rates.partition_point(|x| x.0 < f / half);
            let hi = rates.partition_point(|x| x.0 <= f * half);
            let mut hood: Vec<f32> = rates[lo..hi]
                .iter()
                .filter(|x| x.1.is_finite())
                .map(|x| x.1)
                .collect();
            if hood.is_empty() {
                return true;
            }
            hood.sort_by(f32::total_cmp);
            let median = hood[hood.len() / 2];
            // Decay time ∝ 1/|rate|.
            !rate.is_finite() || rate.abs() * factor < median.abs()
        })
        .count();
    slow as f32 / rates.len().max(1) as f32
}

/// The spectral centroid of `x`, Hz: the power-weighted mean frequency of its spectrum.
pub fn spectral_centroid_hz(x: &[f32], sample_rate_hz: f32) -> f32 {
    let n = x.len();
    let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(n);
    let mut buf = x.to_vec();
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec).expect("lengths match");
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (k, c) in spec.iter().enumerate() {
        let p = c.norm_sqr() as f64;
        num += p * k as f64 * sample_rate_hz as f64 / n as f64;
        den += p;
    }
    (num / den.max(f64::MIN_POSITIVE)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u32) -> Vec<f32> {
        // Gaussian by the sum of 12 uniforms (Irwin–Hall).
        let mut s = seed;
        (0..n)
            .map(|_| {
                (0..12)
                    .map(|_| {
                        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        (s >> 8) as f32 / (1u32 << 24) as f32
                    })
                    .sum::<f32>()
                    - 6.0
            })
            .collect()
    }

    #[test]
    fn exponentially_decaying_noise_reads_its_decay_time_in_every_band() {
        let fs = 48_000.0;
        let t60 = 1.2f32;
        let ir: Vec<f32> = noise((1.2 * fs) as usize, 7)
            .iter()
            .enumerate()
            .map(|(i, x)| x * 10f32.powf(-3.0 * i as f32 / (fs * t60)))
            .collect();
        assert!((t30_s(&ir, fs) / t60 - 1.0).abs() < 0.02);
        for fc in [125.0, 500.0, 2000.0, 8000.0] {
            let t = t30_s(&octave_band(&ir, fs, fc), fs);
            assert!((t / t60 - 1.0).abs() < 0.05, "{fc} Hz: {t}");
        }
    }

    #[test]
    fn exponentially_decaying_noise_has_no_ringing_bins() {
        let fs = 48_000.0;
        let t60 = 2.0f32;
        let irs: Vec<Vec<f32>> = (0..4)
            .map(|k| {
                noise((2.5 * fs) as usize, 11 + k)
                    .iter()
                    .enumerate()
                    .map(|(i, x)| x * 10f32.powf(-3.0 * i as f32 / (fs * t60)))
                    .collect()
            })
            .collect();
        let refs: Vec<&[f32]> = irs.iter().map(|v| v.as_slice()).collect();
        let rates = bin_decay_rates(&refs, fs, 200.0, 8000.0);
        let median = {
            let mut r: Vec<f32> = rates.iter().map(|x| x.1).collect();
            r.sort_by(f32::total_cmp);
            r[r.len() / 2]
        };
        assert!((median / -30.0 - 1.0).abs() < 0.05, "{median} dB/s");
        assert_eq!(ringing_share(&rates, 1.0 / 3.0, 1.5), 0.0);
        // A sine decaying at a third of the rate stands out.
        let mut ringing = irs.clone();
        for (i, v) in ringing[0].iter_mut().enumerate() {
            let t = i as f32 / fs;
            *v += 0.3 * (2.0 * std::f32::consts::PI * 1000.0 * t).sin() * 10f32.powf(-t / t60);
        }
        let refs: Vec<&[f32]> = ringing.iter().map(|v| v.as_slice()).collect();
        assert!(ringing_share(&bin_decay_rates(&refs, fs, 200.0, 8000.0), 1.0 / 3.0, 1.5) > 0.0);
    }

    #[test]
    fn echo_density_is_one_for_noise_and_low_for_sparse_echoes() {
        let fs = 48_000.0;
        let d = echo_density(&noise(48_000, 3), fs, 20.0, 480);
        let mean = d[5..95].iter().sum::<f32>() / 90.0;
        assert!((mean - 1.0).abs() < 0.05, "noise: {mean}");
        let mut sparse = vec![0.0f32; 48_000];
        for i in (0..48_000).step_by(480) {
            sparse[i] = 1.0;
        }
        let d = echo_density(&sparse, fs, 20.0, 480);
        assert!(
            d[10..90].iter().all(|v| *v < 0.2),
            "sparse: {:?}",
            &d[10..14]
        );
    }
}
