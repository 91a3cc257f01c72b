//! The bus compressor engine: a plain struct with `prepare / reset / process_block`, testable
//! without a host. Signal flow per channel pair:
//!
//! ```text
//! key (main or external) → [M/S] → shared_dsp Compressor (sidechain HPF, detector, link,
//!                                  curve, range, ballistics, make-up) → gains
//! main → [M/S] → [↑2×/4×] → × gains (interpolated) → [M/S decode] → [soft clip] → [↓]
//!      → mix with the dry path (delayed by the latency) → output gain
//! ```
//!
//! The gains are computed at the base rate, so every time constant is the same at every
//! oversampling factor; oversampling only moves the gain multiplication and the soft clip to
//! the higher rate (where their harmonics do not alias). At 2×/4× the up-sampler's own delay
//! (about half the latency) means the gain reaches the audio that much early, a small
//! implicit look-ahead. The runner (`shared_dsp::runner`) around the engine chunks host
//! blocks, sanitises input, crossfades the bypass and keeps the latency while bypassed.

use shared_dsp::db::{db_to_gain, MINUS_INFINITY_DB};
use shared_dsp::delay::DelayLine;
use shared_dsp::dynamics::compressor::{
    decode_mid_side, decode_mid_side_slices, encode_mid_side, Compressor, CompressorSettings,
    StereoMode, BLOCK,
};
use shared_dsp::filter::biquad::BiquadState;
use shared_dsp::meter::BlockLevel;
use shared_dsp::oversampling::{Oversampler, OversamplingFactor};
use shared_dsp::range::Range;
use shared_dsp::runner::{ChunkEngine, Engine, EngineCore, Runner, MAX_CHANNELS, MAX_CHUNK};
use shared_dsp::smoothing::{Smoother, SmoothingStyle};
use shared_plugin::meters::BlockReadings;

/// Ramp time of mix and output gain changes, ms.
pub const MIX_RAMP_MS: f32 = 15.0;
/// Time constant of the loudness averages behind the level-matched bypass, ms.
pub const MATCH_TIME_MS: f32 = 1000.0;
/// Largest correction of the level-matched bypass, dB.
pub const MATCH_LIMIT_DB: f32 = 24.0;

pub use shared_dsp::oversampling::Oversampling;

/// Every setting of the bus compressor in plain units (the host wrapper copies its
/// parameters here).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BusCompSettings {
    /// The compressor proper.
    pub comp: CompressorSettings,
    /// Wet/dry mix, 0–1.
    pub mix: f32,
    /// Detect from the external sidechain input (when the host connects one).
    pub external_key: bool,
    /// Output the filtered sidechain signal.
    pub sidechain_listen: bool,
    /// Soft clip at 0 dBFS.
    pub soft_clip: bool,
    /// Oversampling factor.
    pub oversampling: Oversampling,
    /// Output what the compressor removes (dry − wet without make-up).
    pub delta: bool,
    /// Output gain, linear.
    pub output_gain: f32,
    /// Bypass (the runner crossfades to the delayed input).
    pub bypass: bool,
    /// Level-match the bypassed signal to the processed output.
    pub match_bypass: bool,
}

impl Default for BusCompSettings {
    fn default() -> Self {
        Self {
            comp: CompressorSettings {
                threshold_db: -10.0,
                ratio: 4.0,
                knee_db: 0.0,
                attack_ms: 10.0,
                release_ms: 100.0,
                slow_release_ms: 1200.0,
                sidechain_hpf_hz: 20.0,
                range_db: 40.0,
                ..CompressorSettings::default()
            },
            mix: 1.0,
            external_key: false,
            sidechain_listen: false,
            soft_clip: false,
            oversampling: Oversampling::X1,
            delta: false,
            output_gain: 1.0,
            bypass: false,
            match_bypass: false,
        }
    }
}

/// Each float setting's range and default, written once: the parameters (`crate::params`)
/// offer exactly these and [`sanitize_settings`] clamps to them. Classic mode's stepped
/// values lie inside the Modern ranges.
pub mod ranges {
    use shared_dsp::range::Range;

    /// Threshold, dBFS.
    pub const THRESHOLD_DB: Range = Range::new(-40.0, 10.0, -10.0);
    /// Modern ratio.
    pub const RATIO: Range = Range::new(1.0, 20.0, 4.0);
    /// Modern attack time constant, ms.
    pub const ATTACK_MS: Range = Range::new(0.05, 100.0, 10.0);
    /// Modern release after transients (peak release), ms.
    pub const RELEASE_MS: Range = Range::new(10.0, 3000.0, 200.0);
    /// Modern release after sustained compression (RMS release), ms. The engine also takes 0
    /// (Classic's fixed releases: single-stage, as any value at or below the peak release).
    pub const RMS_RELEASE_MS: Range = Range::new(10.0, 3000.0, 1000.0);
    /// Modern knee, dB.
    pub const KNEE_DB: Range = Range::new(0.0, 18.0, 6.0);
    /// Largest gain reduction, dB.
    pub const RANGE_DB: Range = Range::new(0.0, 40.0, 40.0);
    /// Make-up gain, dB.
    pub const MAKEUP_DB: Range = Range::new(0.0, 24.0, 0.0);
    /// Wet/dry mix, 0–1.
    pub const MIX: Range = Range::new(0.0, 1.0, 1.0);
    /// Sidechain high-pass, Hz. The engine also takes 0 (no filter).
    pub const SIDECHAIN_HPF_HZ: Range = Range::new(20.0, 500.0, 20.0);
    /// Stereo link, 0–1.
    pub const LINK: Range = Range::new(0.0, 1.0, 1.0);
    /// Output gain, dB (carried as a linear gain).
    pub const OUTPUT_GAIN_DB: Range = Range::new(-24.0, 24.0, 0.0);
}

/// Clamps settings to the parameters' ranges ([`ranges`]) and replaces non-finite values by
/// defaults, so a corrupt preset or a host sending garbage cannot destabilise the engine.
pub fn sanitize_settings(s: &BusCompSettings) -> BusCompSettings {
    use ranges::*;
    let mut o = *s;
    let c = &mut o.comp;
    c.threshold_db = THRESHOLD_DB.clamp(c.threshold_db);
    c.ratio = RATIO.clamp(c.ratio);
    c.knee_db = KNEE_DB.clamp(c.knee_db);
    c.attack_ms = ATTACK_MS.clamp(c.attack_ms);
    c.release_ms = RELEASE_MS.clamp(c.release_ms);
    c.slow_release_ms = Range {
        min: 0.0,
        ..RMS_RELEASE_MS
    }
    .clamp(c.slow_release_ms);
    c.stereo_link = LINK.clamp(c.stereo_link);
    c.sidechain_hpf_hz = Range {
        min: 0.0,
        ..SIDECHAIN_HPF_HZ
    }
    .clamp(c.sidechain_hpf_hz);
    c.range_db = RANGE_DB.clamp(c.range_db);
    c.makeup_db = MAKEUP_DB.clamp(c.makeup_db);
    o.mix = MIX.clamp(o.mix);
    o.output_gain = OUTPUT_GAIN_DB.clamp_gain(o.output_gain);
    o
}

/// The DSP between the runner's sanitising and its bypass (see the module docs).
pub struct BusCompCore {
    sample_rate_hz: f32,
    settings: BusCompSettings,
    comp: Compressor,
    oversampler: [Oversampler; MAX_CHANNELS],
    factor: Oversampling,
    dry_delay: [DelayLine; MAX_CHANNELS],
    listen_state: [BiquadState; MAX_CHANNELS],
    mix: Smoother,
    output_gain: Smoother,
    /// Last gain of the previous chunk per channel (for interpolation at the oversampled rate).
    prev_gain: [f32; MAX_CHANNELS],
    /// Mean squares of input and output (one-pole, per chunk) for the level-matched bypass.
    match_in: f64,
    match_out: f64,
    match_coeff: f64,
    /// Scratch at the oversampled rate.
    up: [[f32; 4 * MAX_CHUNK]; MAX_CHANNELS],
    readings: BlockReadings,
}

impl BusCompCore {
    fn new_core() -> Self {
        let sr = 48_000.0;
        let max_latency = Oversampling::X4.latency_samples() as usize;
        let lin = |v| Smoother::new(SmoothingStyle::Linear(MIX_RAMP_MS), v);
        let mut core = Self {
            sample_rate_hz: sr,
            settings: BusCompSettings::default(),
            comp: Compressor::new(sr),
            oversampler: [Oversampler::new(MAX_CHUNK), Oversampler::new(MAX_CHUNK)],
            factor: Oversampling::X1,
            dry_delay: [DelayLine::new(max_latency), DelayLine::new(max_latency)],
            listen_state: Default::default(),
            mix: lin(1.0),
            output_gain: lin(1.0),
            prev_gain: [1.0; MAX_CHANNELS],
            match_in: 0.0,
            match_out: 0.0,
            match_coeff: 0.0,
            up: [[0.0; 4 * MAX_CHUNK]; MAX_CHANNELS],
            readings: BlockReadings::default(),
        };
        core.apply_settings(&BusCompSettings::default(), true);
        core
    }

    fn prepare_core(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = sample_rate_hz;
        self.comp.prepare(sample_rate_hz);
        self.mix.prepare(sample_rate_hz);
        self.output_gain.prepare(sample_rate_hz);
        // One-pole per chunk of MAX_CHUNK samples (depends on the rate only).
        self.match_coeff = shared_dsp::dynamics::envelope::one_pole_coeff(
            MATCH_TIME_MS,
            sample_rate_hz / MAX_CHUNK as f32,
        ) as f64;
        let s = self.settings;
        self.apply_settings(&s, true);
        self.reset();
    }

    fn apply_settings(&mut self, s: &BusCompSettings, force: bool) {
        self.settings = *s;
        self.comp.set_settings(&s.comp);
        self.mix.set_target(s.mix);
        self.output_gain.set_target(s.output_gain);
        if force || s.oversampling != self.factor {
            self.factor = s.oversampling;
            for o in self.oversampler.iter_mut() {
                o.set_factor(match s.oversampling {
                    Oversampling::X4 => OversamplingFactor::X4,
                    _ => OversamplingFactor::X2,
                });
                o.reset();
            }
            let latency = s.oversampling.latency_samples() as usize;
            for d in self.dry_delay.iter_mut() {
                d.set_delay_samples(latency);
                d.reset();
            }
        }
    }

    /// The linear gain that level-matches the bypassed signal to the output (1 when off).
    fn bypass_gain(&self) -> f32 {
        if !self.settings.match_bypass || self.match_in <= 1e-12 || self.match_out <= 1e-12 {
            return 1.0;
        }
        let g = (self.match_out / self.match_in).sqrt() as f32;
        let limit = db_to_gain(MATCH_LIMIT_DB);
        g.clamp(1.0 / limit, limit)
    }
}

// The runner hands at most MAX_CHUNK samples; the scratch arrays below hold BLOCK.
const _: () = assert!(BLOCK >= shared_dsp::runner::MAX_CHUNK);

impl ChunkEngine for BusCompCore {
    fn process_chunk(&mut self, audio: &mut [&mut [f32]], key: Option<&[&[f32]]>, _position: u64) {
        let nc = audio.len().min(MAX_CHANNELS);
        let n = audio[0].len().min(BLOCK);
        let s = self.settings;
        let ms = nc == 2 && s.comp.stereo_mode == StereoMode::MidSide;

        // Dry path, delayed like the wet one.
        let mut dry = [[0.0f32; BLOCK]; MAX_CHANNELS];
        for c in 0..nc {
            dry[c][..n].copy_from_slice(&audio[c][..n]);
            self.dry_delay[c].process_block(&mut dry[c][..n]);
        }

        // Detector input: the external key when asked for and connected, else the main input.
        let mut kbuf = [[0.0f32; BLOCK]; MAX_CHANNELS];
        match key.filter(|_| s.external_key) {
            Some(k) => {
                for (c, kb) in kbuf.iter_mut().enumerate().take(nc) {
                    kb[..n].copy_from_slice(&k[c.min(k.len() - 1)][..n]);
                }
            }
            None => {
                for c in 0..nc {
                    kbuf[c][..n].copy_from_slice(&audio[c][..n]);
                }
            }
        }
        if s.sidechain_listen {
            for c in 0..nc {
                // The compressor's own sidechain filter, so the listen is what it hears.
                if let Some(h) = self.comp.sidechain_filter() {
                    self.listen_state[c].process_block(h, &mut kbuf[c][..n]);
                }
                audio[c][..n].copy_from_slice(&kbuf[c][..n]);
            }
            // Keep the detector running so that switching back is seamless.
            let mut k2 = kbuf;
            if ms {
                encode_mid_side(&mut k2, n);
            }
            self.comp.compute_gains(&k2, nc, n);
            return;
        }
        if ms {
            encode_mid_side(&mut kbuf, n);
        }
        self.comp.compute_gains(&kbuf, nc, n);
        let gains = *self.comp.gains();

        // Wet path.
        let mut wet = [[0.0f32; BLOCK]; MAX_CHANNELS];
        for c in 0..nc {
            wet[c][..n].copy_from_slice(&audio[c][..n]);
        }
        if ms {
            encode_mid_side(&mut wet, n);
        }
        let ratio = self.factor.ratio();
        if ratio == 1 {
            for c in 0..nc {
                for (x, g) in wet[c][..n].iter_mut().zip(&gains[c][..n]) {
                    *x *= g;
                }
            }
            if ms {
                decode_mid_side(&mut wet, n);
            }
            if s.soft_clip {
                for w in wet.iter_mut().take(nc) {
                    soft_clip(&mut w[..n]);
                }
            }
        } else {
            let m = n * ratio;
            let step = 1.0 / ratio as f32;
            for c in 0..nc {
                self.oversampler[c].upsample(&wet[c][..n], &mut self.up[c][..m]);
                // The gain moves linearly from one base-rate sample to the next.
                let mut prev = self.prev_gain[c];
                for (i, &g) in gains[c][..n].iter().enumerate() {
                    let d = g - prev;
                    for (k, y) in self.up[c][i * ratio..(i + 1) * ratio]
                        .iter_mut()
                        .enumerate()
                    {
                        *y *= prev + d * ((k + 1) as f32 * step);
                    }
                    prev = g;
                }
                self.prev_gain[c] = prev;
            }
            if ms {
                let [a, b] = &mut self.up;
                decode_mid_side_slices(&mut a[..m], &mut b[..m]);
            }
            for ((up, os), w) in self
                .up
                .iter_mut()
                .zip(self.oversampler.iter_mut())
                .zip(wet.iter_mut())
                .take(nc)
            {
                if s.soft_clip {
                    soft_clip(&mut up[..m]);
                }
                os.downsample(&up[..m], &mut w[..n]);
            }
        }
        if ratio == 1 {
            self.prev_gain = [gains[0][n - 1], gains[nc - 1][n - 1]];
        }

        // Output: delta, or the mix of wet and dry; then the output gain.
        let mut mix = [0.0f32; BLOCK];
        self.mix.next_block(&mut mix[..n]);
        let mut out_gain = [0.0f32; BLOCK];
        self.output_gain.next_block(&mut out_gain[..n]);
        let makeup = db_to_gain(self.comp.settings().total_makeup_db());
        let full_wet = !self.mix.is_smoothing() && self.mix.current() == 1.0;
        let unity_out = !self.output_gain.is_smoothing() && self.output_gain.current() == 1.0;
        let mut sum_in = 0.0f64;
        let mut sum_out = 0.0f64;
        for c in 0..nc {
            let y = &mut audio[c][..n];
            let (d, w) = (&dry[c][..n], &wet[c][..n]);
            if s.delta {
                let inv = 1.0 / makeup;
                for ((y, d), w) in y.iter_mut().zip(d).zip(w) {
                    *y = d - w * inv;
                }
            } else if full_wet {
                y.copy_from_slice(w);
            } else {
                for (((y, d), w), m) in y.iter_mut().zip(d).zip(w).zip(&mix[..n]) {
                    *y = d + m * (w - d);
                }
            }
            if !unity_out {
                for (y, g) in y.iter_mut().zip(&out_gain[..n]) {
                    *y *= g;
                }
            }
            if s.match_bypass {
                let (mut a, mut b) = (BlockLevel::default(), BlockLevel::default());
                a.add(d);
                b.add(y);
                sum_in += a.sum_sq as f64;
                sum_out += b.sum_sq as f64;
            }
        }
        if s.match_bypass && !s.bypass {
            // Loudness averages for the level-matched bypass (frozen while bypassed).
            let k = self.match_coeff * n as f64 / MAX_CHUNK as f64;
            let norm = 1.0 / (n * nc) as f64;
            self.match_in += k * (sum_in * norm - self.match_in);
            self.match_out += k * (sum_out * norm - self.match_out);
        }
    }

    fn latency_samples(&self) -> u32 {
        self.factor.latency_samples()
    }

    fn reset(&mut self) {
        self.comp.reset();
        for o in self.oversampler.iter_mut() {
            o.reset();
        }
        for d in self.dry_delay.iter_mut() {
            d.reset();
        }
        self.listen_state = Default::default();
        let (m, g) = (self.mix.target(), self.output_gain.target());
        self.mix.reset(m);
        self.output_gain.reset(g);
        self.prev_gain = [1.0; MAX_CHANNELS];
        self.match_in = 0.0;
        self.match_out = 0.0;
    }
}

/// The soft clip: the static `erf` curve of `shared_dsp::saturation` (Soft, unity slope at 0,
/// ±1 at the limit). Static rather than anti-derivative anti-aliased, because ADAA delays the
/// signal by half a sample, which would comb-filter against the dry path; the oversampling
/// is what keeps its harmonics from aliasing.
fn soft_clip(buf: &mut [f32]) {
    shared_dsp::saturation::soft_clip_block(buf);
}

/// The bus compressor: [`BusCompCore`] behind the shared runner (`shared_dsp::runner::Engine`).
/// Process with `process_block_keyed(audio, key)` when an external sidechain is connected.
pub type BusCompEngine = Engine<BusCompCore>;

impl BusCompCore {
    /// Meter readings of the last host block.
    pub fn readings(&self) -> &BlockReadings {
        &self.readings
    }
}

impl EngineCore for BusCompCore {
    type Settings = BusCompSettings;

    fn new() -> Self {
        BusCompCore::new_core()
    }
    fn max_latency_samples(&self) -> usize {
        Oversampling::X4.latency_samples() as usize
    }
    fn prepare(&mut self, sample_rate_hz: f32, _num_channels: usize) {
        self.prepare_core(sample_rate_hz);
    }
    fn sanitize(settings: &BusCompSettings) -> BusCompSettings {
        sanitize_settings(settings)
    }
    fn apply(&mut self, s: &BusCompSettings) {
        if *s != self.settings {
            self.apply_settings(s, false);
        }
    }
    fn bypass(settings: &BusCompSettings) -> bool {
        settings.bypass
    }
    fn settings(&self) -> &BusCompSettings {
        &self.settings
    }
    fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }
    fn end_block(&mut self, runner: &mut Runner) {
        let gain = if self.settings.bypass {
            self.bypass_gain()
        } else {
            1.0
        };
        runner.set_bypass_gain(gain);
        let levels = runner.levels();
        let (gr_db, level_db) = self.comp.take_meter();
        self.readings = BlockReadings {
            input: levels.input,
            output: levels.output,
            gain_db: [-gr_db, 0.0],
            detector_db: if level_db.is_finite() {
                level_db
            } else {
                MINUS_INFINITY_DB
            },
        };
    }
}

/// Offline (the command line has no sidechain input), settings that listen to an external key
/// are refused, with the message the command line prints.
pub fn refuse_external_key(settings: &BusCompSettings) -> Result<(), String> {
    if settings.external_key {
        return Err(
            "\"sc_ext\" (external sidechain) is On, but the command line has no sidechain \
             input; set sc_ext=Off"
                .to_string(),
        );
    }
    Ok(())
}
