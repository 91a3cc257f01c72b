//! Synthetic damage with fixed seeds, and the measures that judge a repair (restoration tests
//! of Lathe Spectral Repair and of its units).
//!
//! Every generator is deterministic: the same seed gives the same damage on every machine.

/// A small deterministic generator (xorshift64*), uniform and Gaussian.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn gaussian(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// RMS over every channel.
pub fn rms(channels: &[Vec<f32>]) -> f64 {
    let (mut sum, mut n) = (0.0f64, 0usize);
    for ch in channels {
        sum += ch.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>();
        n += ch.len();
    }
    (sum / n.max(1) as f64).sqrt()
}

/// Largest |x| over every channel.
pub fn peak(channels: &[Vec<f32>]) -> f32 {
    channels
        .iter()
        .flat_map(|c| c.iter())
        .fold(0.0f32, |m, &x| m.max(x.abs()))
}

/// A click added by [`add_clicks`]: where, how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Click {
    /// First damaged sample.
    pub start: usize,
    /// Number of damaged samples (1–4).
    pub len: usize,
}

/// Adds clicks to each channel independently: on average `rate_per_s` events per second at
/// least 20 ms apart, each 1–4 consecutive samples, with one level per event uniform in dB
/// between −20 and 0 dB re the signal's peak, a random sign, and each sample of the event
/// `sign·level·u`, `u` uniform in [0.5, 1]. Returns the true events per channel.
pub fn add_clicks(
    channels: &mut [Vec<f32>],
    sample_rate_hz: f32,
    rate_per_s: f64,
    seed: u64,
) -> Vec<Vec<Click>> {
    let pk = peak(channels) as f64;
    let mut rng = Rng::new(seed);
    let min_gap = (0.02 * sample_rate_hz as f64) as usize;
    let mean_gap = sample_rate_hz as f64 / rate_per_s;
    let mut truth = Vec::new();
    for ch in channels.iter_mut() {
        let mut events = Vec::new();
        // Keep the first and last 50 ms clean (filters settle, tails end).
        let margin = (0.05 * sample_rate_hz as f64) as usize;
        let mut pos = margin;
        loop {
            let gap = min_gap as f64 + (mean_gap - min_gap as f64) * -rng.uniform().max(1e-12).ln();
            pos += gap as usize;
            if pos + 4 + margin >= ch.len() {
                break;
            }
            let len = 1 + (rng.uniform() * 4.0) as usize % 4;
            let level = pk * 10f64.powf(-20.0 * rng.uniform() / 20.0);
            let sign = if rng.uniform() < 0.5 { -1.0 } else { 1.0 };
            for x in ch[pos..pos + len].iter_mut() {
                *x += (sign * level * (0.5 + 0.5 * rng.uniform())) as f32;
            }
            events.push(Click { start: pos, len });
        }
        truth.push(events);
    }
    truth
}

/// Clips every channel at the `percentile` (e.g. 99.0) of |x| over all channels; returns the
/// clip level.
pub fn clip_at_percentile(channels: &mut [Vec<f32>], percentile: f64) -> f32 {
    let mut mags: Vec<f32> = channels
        .iter()
        .flat_map(|c| c.iter().map(|x| x.abs()))
        .collect();
    mags.sort_by(|a, b| a.total_cmp(b));
    let idx = ((percentile / 100.0) * (mags.len() - 1) as f64).round() as usize;
    let c = mags[idx.min(mags.len() - 1)];
    for ch in channels.iter_mut() {
        for x in ch.iter_mut() {
            *x = x.clamp(-c, c);
        }
    }
    c
}

/// Gaussian white noise with RMS `rel_db` relative to the programme's RMS, different per
/// channel. Returns the noise.
pub fn white_noise_like(channels: &[Vec<f32>], rel_db: f64, seed: u64) -> Vec<Vec<f32>> {
    let sigma = rms(channels) * 10f64.powf(rel_db / 20.0);
    let mut rng = Rng::new(seed);
    channels
        .iter()
        .map(|ch| ch.iter().map(|_| (sigma * rng.gaussian()) as f32).collect())
        .collect()
}

/// Gaussian pink noise (−3 dB per octave, 10 Hz to Nyquist) with RMS `rel_db` relative to the
/// programme's RMS, different per channel: white Gaussian noise through Paul Kellet's "refined"
/// pink filter (a sum of seven one-poles, within ±0.05 dB of −3 dB/octave above 9.2 Hz at
/// 44.1 kHz; music-dsp archive, "Filter to make pink noise from white", 1999), scaled to the
/// level exactly. The filter runs 2 s before the first kept sample so it starts settled.
pub fn pink_noise_like(channels: &[Vec<f32>], rel_db: f64, seed: u64) -> Vec<Vec<f32>> {
    let target = rms(channels) * 10f64.powf(rel_db / 20.0);
    let mut rng = Rng::new(seed);
    let mut out: Vec<Vec<f32>> = channels
        .iter()
        .map(|ch| {
            let mut b = [0.0f64; 7];
            let warm = 96_000;
            let mut y = Vec::with_capacity(ch.len());
            for i in 0..ch.len() + warm {
                let w = rng.gaussian();
                b[0] = 0.99886 * b[0] + w * 0.0555179;
                b[1] = 0.99332 * b[1] + w * 0.0750759;
                b[2] = 0.96900 * b[2] + w * 0.1538520;
                b[3] = 0.86650 * b[3] + w * 0.3104856;
                b[4] = 0.55000 * b[4] + w * 0.5329522;
                b[5] = -0.7616 * b[5] - w * 0.0168980;
                let v = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
                b[6] = w * 0.115926;
                if i >= warm {
                    y.push(v as f32);
                }
            }
            y
        })
        .collect();
    let r = rms(&out);
    let k = if r > 0.0 { target / r } else { 0.0 };
    for ch in out.iter_mut() {
        for v in ch.iter_mut() {
            *v = (*v as f64 * k) as f32;
        }
    }
    out
}

/// Mains hum: fundamental `base_hz` (plus `drift_hz·sin(2πt/20 s)` when drifting: one full
/// cycle over a 20 s recording, 0.08 Hz/s at most for ±0.25 Hz — faster than any grid) and
/// harmonics 2–`num_harmonics` with amplitude 1/k, random fixed phases, scaled to `rms`.
pub fn hum(
    num_samples: usize,
    sample_rate_hz: f32,
    base_hz: f64,
    drift_hz: f64,
    num_harmonics: usize,
    rms_level: f64,
    seed: u64,
) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let phases: Vec<f64> = (0..num_harmonics)
        .map(|_| std::f64::consts::TAU * rng.uniform())
        .collect();
    let sr = sample_rate_hz as f64;
    // Phase of the fundamental, integrated so the drift is a frequency modulation.
    let mut phase = 0.0f64;
    let mut out = Vec::with_capacity(num_samples);
    for i in 0..num_samples {
        let t = i as f64 / sr;
        let f = base_hz + drift_hz * (std::f64::consts::TAU * t / 20.0).sin();
        let mut y = 0.0;
        for (k, ph) in phases.iter().enumerate() {
            let k1 = (k + 1) as f64;
            if k1 * f < 0.45 * sr {
                y += (k1 * phase + ph).sin() / k1;
            }
        }
        out.push(y);
        phase += std::f64::consts::TAU * f / sr;
    }
    let r = (out.iter().map(|y| y * y).sum::<f64>() / num_samples.max(1) as f64).sqrt();
    let k = if r > 0.0 { rms_level / r } else { 0.0 };
    out.into_iter().map(|y| (y * k) as f32).collect()
}

/// Signal-to-noise ratio of `out` (delayed by `latency`) against `clean`, over every channel,
/// skipping the first `skip` samples: 10·log10(Σ clean² / Σ (out − clean)²), dB.
pub fn snr_db(clean: &[Vec<f32>], out: &[Vec<f32>], latency: usize, skip: usize) -> f64 {
    let (mut s, mut e) = (0.0f64, 0.0f64);
    for (c, o) in clean.iter().zip(out) {
        let n = c.len().min(o.len().saturating_sub(latency));
        for i in skip..n {
            let x = c[i] as f64;
            let d = o[i + latency] as f64 - x;
            s += x * x;
            e += d * d;
        }
    }
    10.0 * (s / e.max(1e-300)).log10()
}

/// The null of `out` (delayed by `latency`) against `input`, relative to the input's energy,
/// dB (−∞ as −400 when exact): −SNR.
pub fn null_rel_db(input: &[Vec<f32>], out: &[Vec<f32>], latency: usize, skip: usize) -> f64 {
    (-snr_db(input, out, latency, skip)).max(-400.0)
}
