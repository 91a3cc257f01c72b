//! The maths behind `lathe compare`, free of files and of the command line: crest factor,
//! stereo correlation and width, and the fractional-octave band spectrum.
//!
//! * Band centres and edges: IEC 61260-1:2014 §5.2–5.4 (base-10 octave ratio `G = 10^(3/10)`,
//!   exact mid-band frequencies `f_m = 1000 Hz · G^(x/b)`, band edges `f_m · G^(±1/(2b))`),
//!   labelled with the ISO 266:1997 preferred frequencies (R10 series: 25, 31.5, 40, ... Hz).
//! * Spectrum: Welch's method (P. D. Welch, "The use of fast Fourier transform for the
//!   estimation of power spectra: a method based on time averaging over short, modified
//!   periodograms", IEEE Trans. Audio Electroacoustics AU-15(2), 1967): periodic-Hann-windowed
//!   frames with 50 % overlap, the periodograms averaged, with the real FFT of `realfft`.
//! * Correlation: Pearson's product-moment coefficient of the two channels' samples.

use realfft::RealFftPlanner;

/// Widest spacing allowed between the spectrum's FFT bins, in Hz: the frame length is the
/// next power of two at or above `sample_rate / MAX_BIN_WIDTH_HZ` (65536 samples, about 1.4 s,
/// at 44.1 and 48 kHz). The narrowest band (25 Hz, 5.8 Hz wide) then spans 8 bins, so the
/// Hann window's main lobe (±2 bins) leaks little across its edges: the same music at 44.1 and
/// 48 kHz reads within 0.15 dB in that band (0.3 dB with 1.5 Hz bins).
pub const MAX_BIN_WIDTH_HZ: f64 = 0.75;

/// The ISO 266 R10 preferred numbers, one decade: nominal labels of the 1/3-octave bands.
const R10: [f64; 10] = [1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0];

/// A power ratio in dB: `10·log10(ratio)` (`-inf` for 0, NaN for NaN).
pub fn power_db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}

/// Crest factor of all channels together, in dB: the sample peak (largest `|x|` over every
/// channel, dBFS) minus the RMS level (square root of the mean of `x²` over every sample of
/// every channel, dBFS). A full-scale sine reads `10·log10(2)` ≈ 3.01 dB, a square wave 0 dB.
/// NaN for silence.
pub fn crest_factor_db(channels: &[&[f32]]) -> f64 {
    let mut peak = 0f64;
    let mut sum_sq = 0f64;
    let mut count = 0usize;
    for channel in channels {
        for &x in channel.iter() {
            let x = f64::from(x);
            peak = peak.max(x.abs());
            sum_sq += x * x;
        }
        count += channel.len();
    }
    if count == 0 || sum_sq == 0.0 {
        return f64::NAN;
    }
    20.0 * peak.log10() - power_db(sum_sq / count as f64)
}

/// How wide and how correlated a stereo pair is, over its whole length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StereoImage {
    /// Pearson correlation of left and right (mean removed), −1 to +1: +1 for identical
    /// channels (mono), 0 for unrelated ones, −1 for one channel the other's polarity
    /// inverse. NaN when a channel is constant (e.g. silent).
    pub correlation: f64,
    /// Energy of the side signal `S = (L − R)/2` over that of the mid signal `M = (L + R)/2`,
    /// `10·log10(E_S/E_M)`, in dB: `-inf` for mono, 0 dB for two unrelated channels of equal
    /// level (or one channel silent), `+inf` for opposite polarity.
    pub side_to_mid_db: f64,
    /// Stereo width `100·sqrt(E_S/E_M)`, in percent: 0 % for mono, 100 % for two unrelated
    /// channels of equal level, above 100 % when the channels are partly out of phase.
    pub width_percent: f64,
}

impl StereoImage {
    /// A mono signal: correlation 1, no side energy.
    pub const MONO: Self = Self {
        correlation: 1.0,
        side_to_mid_db: f64::NEG_INFINITY,
        width_percent: 0.0,
    };
}

/// Correlation and width of the pair `left`, `right` (equal lengths; the extra samples of a
/// longer one are ignored). See [`StereoImage`] for the definitions.
pub fn stereo_image(left: &[f32], right: &[f32]) -> StereoImage {
    let n = left.len().min(right.len());
    let (left, right) = (&left[..n], &right[..n]);
    if n == 0 {
        return StereoImage {
            correlation: f64::NAN,
            side_to_mid_db: f64::NAN,
            width_percent: f64::NAN,
        };
    }
    let mean = |x: &[f32]| x.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    let (mean_l, mean_r) = (mean(left), mean(right));
    let (mut var_l, mut var_r, mut cov) = (0f64, 0f64, 0f64);
    let (mut e_mid, mut e_side) = (0f64, 0f64);
    for (&l, &r) in left.iter().zip(right) {
        let (l, r) = (f64::from(l), f64::from(r));
        let (dl, dr) = (l - mean_l, r - mean_r);
        var_l += dl * dl;
        var_r += dr * dr;
        cov += dl * dr;
        let (mid, side) = (0.5 * (l + r), 0.5 * (l - r));
        e_mid += mid * mid;
        e_side += side * side;
    }
    let correlation = if var_l > 0.0 && var_r > 0.0 {
        (cov / (var_l * var_r).sqrt()).clamp(-1.0, 1.0)
    } else {
        f64::NAN
    };
    let ratio = if e_side == 0.0 && e_mid == 0.0 {
        f64::NAN
    } else {
        e_side / e_mid
    };
    StereoImage {
        correlation,
        side_to_mid_db: power_db(ratio),
        width_percent: 100.0 * ratio.sqrt(),
    }
}

/// Which fractional-octave bands to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandSpacing {
    /// Octave bands (IEC 61260-1, `b = 1`): 31.5 Hz to 16 kHz, 10 bands.
    Octave,
    /// One-third-octave bands (IEC 61260-1, `b = 3`): 25 Hz to 20 kHz, 30 bands.
    ThirdOctave,
}

impl BandSpacing {
    /// Bands per octave, IEC 61260-1's `b`.
    pub fn bands_per_octave(self) -> u32 {
        match self {
            Self::Octave => 1,
            Self::ThirdOctave => 3,
        }
    }
}

/// One fractional-octave band (IEC 61260-1:2014, base-10 system).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// The ISO 266 preferred frequency the band is named by (25, 31.5, ..., 20000), in Hz.
    pub nominal_hz: f64,
    /// The exact mid-band frequency `1000·10^(k/10)` (`k` in third octaves from 1 kHz), in Hz.
    pub centre_hz: f64,
    /// Lower band edge, `centre · G^(−1/(2b))`, in Hz (inclusive).
    pub lower_hz: f64,
    /// Upper band edge, `centre · G^(1/(2b))`, in Hz (exclusive).
    pub upper_hz: f64,
}

/// The bands from 25 Hz (third octaves) or 31.5 Hz (octaves) up to 20 kHz (16 kHz), in
/// ascending order, adjacent (each band's upper edge is the next one's lower edge).
pub fn bands(spacing: BandSpacing) -> Vec<Band> {
    // Third-octave index k (f_m = 1000·10^(k/10)): −16 is 25 Hz, 13 is 20 kHz.
    let (first_k, last_k) = (-16i32, 13i32);
    let step = (3 / spacing.bands_per_octave()) as i32;
    let half_width = 10f64.powf(0.3 / (2.0 * f64::from(spacing.bands_per_octave())));
    (first_k..=last_k)
        .filter(|k| k % step == 0)
        .map(|k| {
            let centre_hz = 1000.0 * 10f64.powf(f64::from(k) / 10.0);
            let decade = k.div_euclid(10);
            let nominal_hz = R10[k.rem_euclid(10) as usize] * 1000.0 * 10f64.powi(decade);
            Band {
                nominal_hz,
                centre_hz,
                lower_hz: centre_hz / half_width,
                upper_hz: centre_hz * half_width,
            }
        })
        .collect()
}

/// A one-sided power spectrum estimated by Welch's method, summed over channels.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerSpectrum {
    /// Sample rate of the analysed signal, in Hz.
    pub sample_rate_hz: f64,
    /// FFT length (frames shorter than it are zero-padded), in samples.
    pub fft_len: usize,
    /// Number of frames averaged (per channel).
    pub num_frames: usize,
    /// Mean-square value (power, full scale = 1) of each bin `0..=fft_len/2`, bin `k` at
    /// `k · sample_rate / fft_len` Hz, summed over channels: the bins of one channel add up to
    /// its (Hann-weighted) mean square `x²`.
    pub bin_power: Vec<f64>,
}

impl PowerSpectrum {
    /// Spacing of the bins, in Hz.
    pub fn bin_width_hz(&self) -> f64 {
        self.sample_rate_hz / self.fft_len as f64
    }

    /// Power (mean square, summed over channels) in `band`: each bin stands for the
    /// `bin_width_hz` around its frequency and counts with the fraction of that width inside
    /// `[lower_hz, upper_hz)`, so a band always covers exactly its own width (a whole-bin
    /// count would be off by up to a bin, 1 dB in the 25 Hz band). `None` when the band's
    /// centre is at or above Nyquist; a band cut by Nyquist holds the bins below it.
    pub fn band_power(&self, band: &Band) -> Option<f64> {
        (band.centre_hz < self.sample_rate_hz / 2.0).then(|| {
            self.bin_weights(band)
                .map(|(k, weight)| weight * self.bin_power[k])
                .sum()
        })
    }

    /// The bins overlapping `band` and the fraction (0–1] of each bin's width inside it.
    fn bin_weights(&self, band: &Band) -> impl Iterator<Item = (usize, f64)> + '_ {
        let width = self.bin_width_hz();
        let first = (band.lower_hz / width - 0.5).floor().max(0.0) as usize;
        let end = ((band.upper_hz / width + 0.5).ceil() as usize).min(self.bin_power.len());
        let (lower, upper) = (band.lower_hz, band.upper_hz);
        (first..end).filter_map(move |k| {
            let (lo, hi) = ((k as f64 - 0.5) * width, (k as f64 + 0.5) * width);
            let inside = (hi.min(upper) - lo.max(lower)) / width;
            (inside > 0.0).then_some((k, inside.min(1.0)))
        })
    }
}

/// The FFT length used at `sample_rate_hz`: the next power of two at or above
/// `sample_rate_hz / MAX_BIN_WIDTH_HZ` (65536 at 44.1 and 48 kHz, 131072 at 96 kHz).
pub fn fft_len_for(sample_rate_hz: f64) -> usize {
    ((sample_rate_hz / MAX_BIN_WIDTH_HZ).ceil().max(2.0) as usize).next_power_of_two()
}

/// Welch power spectrum of `channels` (equal lengths) at `sample_rate_hz`, summed over
/// channels.
///
/// Frames of `fft_len_for(sample_rate_hz)` samples (or the whole signal if shorter, then
/// zero-padded), periodic Hann window, hop of half a frame; a last frame is aligned with the
/// end of the signal so that no sample is left out. Each periodogram is scaled by
/// `1 / (N · Σw²)` (doubled for bins other than DC and Nyquist) so that the bins of a frame
/// add up to its window-weighted mean square, and the frames' periodograms are averaged.
pub fn welch_power_spectrum(channels: &[&[f32]], sample_rate_hz: f64) -> PowerSpectrum {
    let fft_len = fft_len_for(sample_rate_hz);
    let num_bins = fft_len / 2 + 1;
    let mut bin_power = vec![0f64; num_bins];
    let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
    let frame_len = len.min(fft_len);
    if frame_len < 2 {
        return PowerSpectrum {
            sample_rate_hz,
            fft_len,
            num_frames: 0,
            bin_power,
        };
    }
    let hop = frame_len / 2;
    let mut starts: Vec<usize> = (0..=len - frame_len).step_by(hop).collect();
    if starts.last().is_some_and(|&s| s + frame_len < len) {
        starts.push(len - frame_len);
    }
    let window: Vec<f64> = (0..frame_len)
        .map(|n| shared_dsp::stft::periodic_hann(n, frame_len))
        .collect();
    let window_energy: f64 = window.iter().map(|w| w * w).sum();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(fft_len);
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    for channel in channels {
        for &start in &starts {
            let frame = &channel[start..start + frame_len];
            for ((x, &s), &w) in input.iter_mut().zip(frame).zip(&window) {
                *x = f64::from(s) * w;
            }
            input[frame_len..].fill(0.0);
            // Lengths come from the plan itself, so this cannot fail.
            if fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .is_err()
            {
                continue;
            }
            for (acc, c) in bin_power.iter_mut().zip(&spectrum) {
                *acc += c.norm_sqr();
            }
        }
    }
    let scale = 1.0 / (fft_len as f64 * window_energy * starts.len() as f64);
    let last = num_bins - 1;
    for (k, p) in bin_power.iter_mut().enumerate() {
        let one_sided = if k == 0 || k == last { 1.0 } else { 2.0 };
        *p *= one_sided * scale;
    }
    PowerSpectrum {
        sample_rate_hz,
        fft_len,
        num_frames: starts.len(),
        bin_power,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// A deterministic uniform noise source in [−1, 1) (64-bit LCG, Knuth's MMIX constants).
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        }

        fn signal(&mut self, n: usize, amp: f64) -> Vec<f32> {
            (0..n).map(|_| (self.next() * amp) as f32).collect()
        }
    }

    fn sine(n: usize, freq_hz: f64, rate_hz: f64, amp: f64, phase: f64) -> Vec<f32> {
        (0..n)
            .map(|i| (amp * (2.0 * PI * freq_hz * i as f64 / rate_hz + phase).sin()) as f32)
            .collect()
    }

    #[test]
    fn sine_crest_factor_is_3_01_db_and_square_is_0() {
        let expected = 10.0 * 2f64.log10();
        // fs/4 with a 90° phase: samples 1, 0, −1, 0 hit the peak exactly.
        let quarter = sine(48_000, 12_000.0, 48_000.0, 0.5, PI / 2.0);
        let got = crest_factor_db(&[&quarter]);
        assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
        // An arbitrary frequency: the sampled peak is within 0.001 dB of the true one.
        let s = sine(48_000, 997.0, 48_000.0, 0.8, 0.3);
        let got = crest_factor_db(&[&s, &s]);
        assert!((got - expected).abs() < 0.002, "{got} vs {expected}");
        let square: Vec<f32> = (0..4800)
            .map(|i| if (i / 24) % 2 == 0 { 0.25 } else { -0.25 })
            .collect();
        assert!(crest_factor_db(&[&square]).abs() < 1e-9);
        assert!(crest_factor_db(&[&[0.0; 16]]).is_nan());
    }

    #[test]
    fn crest_factor_spans_all_channels() {
        // A full-scale sine on one channel and silence on the other: the peak is the sine's,
        // the mean square half of it, so 3 dB more than the sine alone.
        let s = sine(48_000, 12_000.0, 48_000.0, 1.0, PI / 2.0);
        let silent = vec![0f32; s.len()];
        let got = crest_factor_db(&[&s, &silent]);
        let expected = 10.0 * 2f64.log10() + 10.0 * 2f64.log10();
        assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
    }

    #[test]
    fn identical_channels_are_mono() {
        let x = Noise(1).signal(20_000, 0.5);
        let image = stereo_image(&x, &x);
        assert!((image.correlation - 1.0).abs() < 1e-12, "{image:?}");
        assert_eq!(image.side_to_mid_db, f64::NEG_INFINITY);
        assert_eq!(image.width_percent, 0.0);
    }

    #[test]
    fn opposite_polarity_is_minus_one() {
        let x = Noise(2).signal(20_000, 0.5);
        let inverted: Vec<f32> = x.iter().map(|v| -v).collect();
        let image = stereo_image(&x, &inverted);
        assert!((image.correlation + 1.0).abs() < 1e-12, "{image:?}");
        assert_eq!(image.side_to_mid_db, f64::INFINITY);
        assert_eq!(image.width_percent, f64::INFINITY);
    }

    #[test]
    fn unrelated_channels_are_uncorrelated_and_100_percent_wide() {
        let n = 200_000;
        let l = Noise(3).signal(n, 0.5);
        let r = Noise(4).signal(n, 0.5);
        let image = stereo_image(&l, &r);
        // The sample correlation of independent noise has a standard deviation of 1/√n.
        assert!(
            image.correlation.abs() < 4.0 / (n as f64).sqrt(),
            "{image:?}"
        );
        assert!(image.side_to_mid_db.abs() < 0.05, "{image:?}");
        assert!((image.width_percent - 100.0).abs() < 1.0, "{image:?}");
        // One silent channel: as much side as mid energy; correlation undefined.
        let silent = vec![0f32; n];
        let image = stereo_image(&l, &silent);
        assert!(image.side_to_mid_db.abs() < 1e-9, "{image:?}");
        assert!(image.correlation.is_nan());
    }

    #[test]
    fn correlation_is_pearson_and_ignores_dc_and_gain() {
        let x = Noise(5).signal(50_000, 0.3);
        let shifted: Vec<f32> = x.iter().map(|v| 0.25 * v + 0.1).collect();
        let image = stereo_image(&x, &shifted);
        assert!((image.correlation - 1.0).abs() < 1e-6, "{image:?}");
        // sin and cos over whole periods are orthogonal.
        let s = sine(48_000, 100.0, 48_000.0, 0.5, 0.0);
        let c = sine(48_000, 100.0, 48_000.0, 0.5, PI / 2.0);
        assert!(stereo_image(&s, &c).correlation.abs() < 1e-9);
        // L + R half-correlated: R = (L + N)/√2 with unrelated N of L's level gives 1/√2.
        let n = Noise(6).signal(50_000, 0.3);
        let r: Vec<f32> = x
            .iter()
            .zip(&n)
            .map(|(a, b)| (a + b) / 2f32.sqrt())
            .collect();
        let rho = stereo_image(&x, &r).correlation;
        assert!((rho - 0.5f64.sqrt()).abs() < 0.02, "{rho}");
    }

    #[test]
    fn band_centres_follow_iec_61260_and_iso_266() {
        let thirds = bands(BandSpacing::ThirdOctave);
        assert_eq!(thirds.len(), 30);
        let nominal: Vec<f64> = thirds.iter().map(|b| b.nominal_hz).collect();
        assert_eq!(&nominal[..4], &[25.0, 31.5, 40.0, 50.0]);
        assert_eq!(nominal[16], 1000.0);
        assert_eq!(&nominal[26..], &[10_000.0, 12_500.0, 16_000.0, 20_000.0]);
        for (i, b) in thirds.iter().enumerate() {
            // Nominal labels are within 2 % of the exact base-10 centres (ISO 266 rounding).
            assert!((b.nominal_hz / b.centre_hz - 1.0).abs() < 0.02, "{b:?}");
            // Geometric centre, adjacent bands, ratio G^(1/3) = 10^0.1 from band to band.
            assert!(
                (b.lower_hz * b.upper_hz - b.centre_hz * b.centre_hz).abs()
                    < 1e-6 * b.centre_hz * b.centre_hz
            );
            if let Some(next) = thirds.get(i + 1) {
                assert!((next.lower_hz - b.upper_hz).abs() < 1e-9 * b.upper_hz);
                assert!((next.centre_hz / b.centre_hz - 10f64.powf(0.1)).abs() < 1e-12);
            }
        }
        let octaves = bands(BandSpacing::Octave);
        let nominal: Vec<f64> = octaves.iter().map(|b| b.nominal_hz).collect();
        assert_eq!(
            nominal,
            [31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16_000.0]
        );
        assert!((octaves[5].upper_hz / octaves[5].lower_hz - 10f64.powf(0.3)).abs() < 1e-12);
    }

    #[test]
    fn sine_power_lands_in_its_band() {
        let rate = 48_000.0;
        let amp = 0.5;
        let x = sine(96_000, 1000.0, rate, amp, 0.4);
        let psd = welch_power_spectrum(&[&x], rate);
        assert_eq!(psd.fft_len, fft_len_for(rate));
        assert!(psd.bin_width_hz() <= MAX_BIN_WIDTH_HZ);
        let all = bands(BandSpacing::ThirdOctave);
        let k1 = all.iter().position(|b| b.nominal_hz == 1000.0).unwrap();
        let p = psd.band_power(&all[k1]).unwrap();
        let expected = amp * amp / 2.0;
        assert!(power_db(p / expected).abs() < 0.01, "{p} vs {expected}");
        for (i, b) in all.iter().enumerate().filter(|&(i, _)| i != k1) {
            let other = psd.band_power(b).unwrap();
            assert!(power_db(other / p) < -60.0, "band {i} {b:?}: {other}");
        }
        // Two identical channels sum their power: +3.01 dB.
        let stereo = welch_power_spectrum(&[&x, &x], rate)
            .band_power(&all[k1])
            .unwrap();
        assert!((power_db(stereo / p) - power_db(2.0)).abs() < 1e-9);
    }

    #[test]
    fn short_signal_is_one_zero_padded_frame() {
        // 0.2 s, shorter than one frame.
        let rate = 44_100.0;
        let x = sine(8_820, 2000.0, rate, 0.25, 0.0);
        let psd = welch_power_spectrum(&[&x], rate);
        assert_eq!(psd.num_frames, 1);
        let band = bands(BandSpacing::ThirdOctave)
            .into_iter()
            .find(|b| b.nominal_hz == 2000.0)
            .unwrap();
        let p = psd.band_power(&band).unwrap();
        assert!(power_db(p / (0.25 * 0.25 / 2.0)).abs() < 0.05, "{p}");
    }

    #[test]
    fn gain_shifts_every_band_by_the_gain() {
        let rate = 48_000.0;
        let x = Noise(7).signal(70_000, 0.4);
        let half: Vec<f32> = x.iter().map(|v| v * 0.5).collect();
        let (a, b) = (
            welch_power_spectrum(&[&x], rate),
            welch_power_spectrum(&[&half], rate),
        );
        for band in bands(BandSpacing::ThirdOctave) {
            let d = power_db(b.band_power(&band).unwrap() / a.band_power(&band).unwrap());
            assert!((d - 20.0 * 0.5f64.log10()).abs() < 1e-9, "{band:?}: {d}");
        }
    }

    #[test]
    fn white_noise_rises_1_db_per_third_octave() {
        // White noise has a flat PSD, so a band's power is proportional to its width, which
        // grows by 10^0.1 per third octave: +1 dB per band. Each band's expected power is
        // the variance times its share of the bins, σ² · bins / (N/2).
        for rate in [44_100.0, 48_000.0] {
            white_noise_at(rate);
        }
    }

    fn white_noise_at(rate: f64) {
        let amp = 0.5;
        let variance = amp * amp / 3.0; // uniform on [−amp, amp)
        let mut noise = Noise(8);
        let n = 10 * rate as usize;
        let (l, r) = (noise.signal(n, amp), noise.signal(n, amp));
        let psd = welch_power_spectrum(&[&l, &r], rate);
        let all = bands(BandSpacing::ThirdOctave);
        let levels: Vec<f64> = all
            .iter()
            .map(|b| power_db(psd.band_power(b).unwrap()))
            .collect();
        let mut worst = 0f64;
        for (b, level) in all.iter().zip(&levels) {
            // Two channels, each spreading σ² evenly from 0 to Nyquist (where the 20 kHz band
            // is cut at 44.1 kHz).
            let width = b.upper_hz.min(rate / 2.0) - b.lower_hz;
            let expected = power_db(2.0 * variance * width / (rate / 2.0));
            // Each band averages 2 channels × frames × bins periodogram values (χ² with 2
            // degrees of freedom each); about half of them are independent (Hann-correlated
            // neighbouring bins), so the level's standard deviation is ≈ 4.34 dB / √(that).
            let bins = width / psd.bin_width_hz();
            let independent = (2 * psd.num_frames) as f64 * bins / 2.0;
            let sigma_db = 10.0 * std::f64::consts::LOG10_E / independent.sqrt();
            let error = level - expected;
            worst = worst.max(error.abs() / sigma_db);
            assert!(
                error.abs() < 4.0 * sigma_db,
                "{rate} Hz rate, {} Hz band: {level:.3} dB vs {expected:.3} dB (σ {sigma_db:.3})",
                b.nominal_hz
            );
        }
        eprintln!("white noise at {rate} Hz: worst band error {worst:.2} σ");
        // Least-squares slope over the bands below Nyquist.
        let whole = all.iter().filter(|b| b.upper_hz < rate / 2.0).count();
        let levels = &levels[..whole];
        let n = levels.len() as f64;
        let mean_x = (n - 1.0) / 2.0;
        let mean_y = levels.iter().sum::<f64>() / n;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (i, y) in levels.iter().enumerate() {
            sxy += (i as f64 - mean_x) * (y - mean_y);
            sxx += (i as f64 - mean_x).powi(2);
        }
        let slope = sxy / sxx;
        assert!((slope - 1.0).abs() < 0.03, "slope {slope} dB/band");
    }

    #[test]
    fn a_band_covers_exactly_its_width() {
        // A flat spectrum of 1 per bin: each band holds its width in bins, fractional edge
        // bins included, at any bin spacing; adjacent bands share their edge bins exactly.
        for rate in [44_100.0, 48_000.0, 96_000.0] {
            let fft_len = fft_len_for(rate);
            let psd = PowerSpectrum {
                sample_rate_hz: rate,
                fft_len,
                num_frames: 1,
                bin_power: vec![1.0; fft_len / 2 + 1],
            };
            let all = bands(BandSpacing::ThirdOctave);
            for b in all.iter().filter(|b| b.upper_hz < rate / 2.0) {
                let want = (b.upper_hz - b.lower_hz) / psd.bin_width_hz();
                let got = psd.band_power(b).unwrap();
                assert!(
                    (got - want).abs() < 1e-9 * want,
                    "{rate} {b:?}: {got} vs {want}"
                );
            }
            let below: Vec<&Band> = all.iter().filter(|b| b.upper_hz < rate / 2.0).collect();
            let total: f64 = below.iter().map(|b| psd.band_power(b).unwrap()).sum();
            let span = (below[below.len() - 1].upper_hz - below[0].lower_hz) / psd.bin_width_hz();
            assert!((total - span).abs() < 1e-9 * span);
        }
    }

    #[test]
    fn bands_above_nyquist_are_left_out() {
        let x = vec![0.1f32; 1000];
        let psd = welch_power_spectrum(&[&x], 32_000.0);
        let all = bands(BandSpacing::ThirdOctave);
        let kept: Vec<f64> = all
            .iter()
            .filter(|b| psd.band_power(b).is_some())
            .map(|b| b.nominal_hz)
            .collect();
        assert_eq!(kept.last(), Some(&16_000.0));
        assert_eq!(kept.len(), all.len() - 1);
    }
}
