//! The compressor composite shared by the channel strip and the bus compressor: sidechain
//! filter → level detector (peak or RMS) → stereo link → static curve (soft knee) → range →
//! attack/release ballistics (with an optional program-dependent slow stage) → make-up.
//!
//! Design after Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design — A
//! Tutorial and Analysis", JAES 60(6), 2012: the static curve is eq. (4)
//! ([`CompressorCurve`]) and the ballistics smooth the gain in the log domain (their
//! "log domain, branching" detector, §3.2), so the attack and release are true time constants
//! of the gain in dB whatever the level.
//!
//! **Why the detector holds peaks.** Applying the static curve to `|x|` sample by sample and
//! smoothing the resulting gain lets the gain reduction collapse at every zero crossing: a
//! 1 kHz sine at 20 dB over a 4:1 threshold was compressed only 3.4–3.65:1. The peak detector
//! here holds the largest `|x|` for [`PEAK_HOLD_MS`] (longer than half a period of 100 Hz) and
//! then follows the signal down, so a steady sine reads its peak level and the static curve is
//! met within a few hundredths of a dB; the release ballistics act on the gain after the hold.
//! The RMS detector averages `x²` through two cascaded one-poles of [`RMS_TIME_MS`] each
//! (ripple at 2 × 100 Hz attenuated 44 dB) and reads a steady sine's RMS value.
//!
//! **Time constants.** `attack_ms` and `release_ms` are the time constants τ of the one-pole
//! that smooths the gain in dB (63.2 % of a step in τ); see [`crate::dynamics::envelope`].
//! The release starts when the peak hold ends (at most [`PEAK_HOLD_MS`] after the level
//! drops).
//!
//! **Program-dependent release.** With `slow_release_ms > release_ms` the release moves
//! between the two: a "sustain" state `s` rises towards 1 with the time constant
//! [`SUSTAIN_TIME_MS`] while the gain reduction exceeds [`SUSTAIN_THRESHOLD_DB`] and falls
//! towards 0 with the time constant `slow_release_ms` otherwise, and the release time
//! constant is `τ_fast·(τ_slow/τ_fast)^s` (interpolated geometrically). After a short burst `s` is small and the gain recovers at about
//! `release_ms`; after a long passage `s ≈ 1` and it recovers at `slow_release_ms` (the "auto
//! release" of classic bus compressors).

use crate::db::{db_to_gain_fast, gain_to_db_fast};
use crate::dynamics::envelope::one_pole_coeff;
use crate::dynamics::gain_computer::CompressorCurve;
use crate::filter::biquad::{BiquadCoeffs, BiquadState};
use crate::smoothing::{Smoother, SmoothingStyle};

/// Channels a [`Compressor`] handles: the runner's.
pub const MAX_CHANNELS: usize = crate::runner::MAX_CHANNELS;
/// Internal block length: longer inputs are processed in pieces of this size. The runner's
/// chunk, so an engine built on both can size its scratch arrays with it.
pub const BLOCK: usize = crate::runner::MAX_CHUNK;
/// How long the peak detector holds a peak, ms.
pub const PEAK_HOLD_MS: f32 = 5.0;
/// Time constant of each of the RMS detector's two one-poles, ms.
pub const RMS_TIME_MS: f32 = 10.0;
/// Time constant with which the program-dependent release moves towards the slow release
/// while the gain reduction exceeds [`SUSTAIN_THRESHOLD_DB`], ms (it moves back with the slow
/// release time, so the memory of a long passage outlasts its release).
pub const SUSTAIN_TIME_MS: f32 = 500.0;
/// Gain reduction above which compression counts as sustained, dB.
pub const SUSTAIN_THRESHOLD_DB: f32 = 1.0;
/// Ramp time of threshold, ratio, knee and make-up changes, ms.
pub const SETTING_RAMP_MS: f32 = 20.0;
/// Sidechain high-pass corner at or below which the filter is bypassed, Hz.
pub const SIDECHAIN_HPF_OFF_HZ: f32 = 10.0;

/// The level detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detector {
    /// Peak with a [`PEAK_HOLD_MS`] hold: catches transients; a sine reads its peak.
    Peak,
    /// RMS (mean square over about 2 × [`RMS_TIME_MS`]): follows average level; a sine reads
    /// its RMS value, 3.01 dB below its peak.
    Rms,
}

/// Which signals the two channels' gains act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StereoMode {
    /// Left and right.
    LeftRight,
    /// Mid `(L+R)/2` and side `(L−R)/2`, decoded back to L/R after the gain.
    MidSide,
}

/// Every setting of a [`Compressor`], in plain units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompressorSettings {
    /// Threshold T, dBFS (centre of the knee).
    pub threshold_db: f32,
    /// Ratio R ≥ 1; `f32::INFINITY` limits.
    pub ratio: f32,
    /// Knee width W, dB (0 = hard knee).
    pub knee_db: f32,
    /// Attack time constant, ms (0 = instant).
    pub attack_ms: f32,
    /// Release time constant, ms (0 = instant).
    pub release_ms: f32,
    /// Release of the program-dependent slow stage, ms; the stage is off unless this exceeds
    /// `release_ms`.
    pub slow_release_ms: f32,
    /// Level detector.
    pub detector: Detector,
    /// Stereo link, 0 (independent channels) – 1 (both channels get the same gain).
    pub stereo_link: f32,
    /// L/R or M/S processing.
    pub stereo_mode: StereoMode,
    /// Sidechain (detector) high-pass corner, Hz (12 dB/oct Butterworth); at or below
    /// [`SIDECHAIN_HPF_OFF_HZ`] the filter is off.
    pub sidechain_hpf_hz: f32,
    /// Largest gain reduction applied, dB (`f32::INFINITY` = unlimited).
    pub range_db: f32,
    /// Make-up gain, dB.
    pub makeup_db: f32,
    /// Adds the automatic make-up `−gain(0 dBFS)` (see [`CompressorCurve::auto_makeup_db`]).
    pub auto_makeup: bool,
}

impl Default for CompressorSettings {
    fn default() -> Self {
        Self {
            threshold_db: -18.0,
            ratio: 4.0,
            knee_db: 0.0,
            attack_ms: 10.0,
            release_ms: 100.0,
            slow_release_ms: 0.0,
            detector: Detector::Peak,
            stereo_link: 1.0,
            stereo_mode: StereoMode::LeftRight,
            sidechain_hpf_hz: 0.0,
            range_db: f32::INFINITY,
            makeup_db: 0.0,
            auto_makeup: false,
        }
    }
}

impl CompressorSettings {
    /// The static curve these settings describe.
    pub fn curve(&self) -> CompressorCurve {
        CompressorCurve {
            threshold_db: self.threshold_db,
            ratio: self.ratio,
            knee_db: self.knee_db,
        }
    }

    /// Total make-up in dB (manual plus automatic).
    pub fn total_makeup_db(&self) -> f32 {
        let auto = if self.auto_makeup {
            self.curve().auto_makeup_db()
        } else {
            0.0
        };
        self.makeup_db + auto
    }

    /// The static gain in dB (≤ make-up) for a steady input level: the design equation the
    /// tests and the editor's transfer curve use, including range and make-up.
    pub fn static_gain_db(&self, level_db: f32) -> f32 {
        self.curve().gain_db(level_db).max(-self.range_db) + self.total_makeup_db()
    }
}

/// Ballistics coefficients (one-pole steps) derived from the time settings.
#[derive(Clone, Copy, Debug, PartialEq)]
struct TimeCoeffs {
    attack: f64,
    release: f64,
    slow_release: f64,
    /// `log2(k_slow / k_fast)` of the one-pole steps.
    log2_slow_over_fast: f32,
    sustain: f64,
    slow_on: bool,
    hold_samples: u32,
    rms: f32,
}

impl TimeCoeffs {
    fn new(s: &CompressorSettings, sample_rate_hz: f32) -> Self {
        Self {
            attack: one_pole_coeff(s.attack_ms, sample_rate_hz) as f64,
            release: one_pole_coeff(s.release_ms, sample_rate_hz) as f64,
            slow_release: one_pole_coeff(s.slow_release_ms, sample_rate_hz) as f64,
            log2_slow_over_fast: (one_pole_coeff(s.slow_release_ms, sample_rate_hz)
                / one_pole_coeff(s.release_ms, sample_rate_hz))
            .log2(),
            sustain: one_pole_coeff(SUSTAIN_TIME_MS, sample_rate_hz) as f64,
            slow_on: s.slow_release_ms > s.release_ms,
            hold_samples: (PEAK_HOLD_MS * 0.001 * sample_rate_hz).ceil() as u32,
            rms: one_pole_coeff(RMS_TIME_MS, sample_rate_hz),
        }
    }
}

/// Per-channel detector and ballistics memory.
#[derive(Clone, Copy, Debug, Default)]
struct ChannelState {
    sidechain: BiquadState,
    held: f32,
    hold_left: u32,
    ms1: f32,
    ms2: f32,
    /// Fast stage: gain reduction in dB (≥ 0).
    fast_db: f64,
    /// Program-dependent release: how sustained the compression has been, 0–1.
    sustain: f64,
}

/// Stereo compressor: see the module docs. Allocation-free; `process` handles any length.
#[derive(Clone, Debug)]
pub struct Compressor {
    /// Whether the AVX2 + FMA build of `compute_gains` runs.
    fast: bool,
    sample_rate_hz: f32,
    settings: CompressorSettings,
    times: TimeCoeffs,
    sidechain_hpf: Option<BiquadCoeffs>,
    threshold_db: Smoother,
    /// `1/R`, smoothed (ratio ∞ is 0, so a ramp to limiting is well defined).
    inv_ratio: Smoother,
    knee_db: Smoother,
    makeup_db: Smoother,
    state: [ChannelState; MAX_CHANNELS],
    /// Detector levels (linear) per channel for the current block.
    level: [[f32; BLOCK]; MAX_CHANNELS],
    /// Gains (linear, make-up included) per channel for the current block.
    gain: [[f32; BLOCK]; MAX_CHANNELS],
    /// Deepest gain reduction since the last [`Compressor::take_meter`], dB (≥ 0).
    meter_gr_db: f32,
    /// Highest detector level since the last [`Compressor::take_meter`], dBFS.
    meter_level_db: f32,
}

impl Compressor {
    /// A compressor at the given sample rate with default settings.
    pub fn new(sample_rate_hz: f32) -> Self {
        let s = CompressorSettings::default();
        let lin = |v| Smoother::new(SmoothingStyle::Linear(SETTING_RAMP_MS), v);
        let mut c = Self {
            fast: crate::simd::avx2_fma_available(),
            sample_rate_hz,
            settings: s,
            times: TimeCoeffs::new(&s, sample_rate_hz),
            sidechain_hpf: None,
            threshold_db: lin(s.threshold_db),
            inv_ratio: lin(1.0 / s.ratio),
            knee_db: lin(s.knee_db),
            makeup_db: lin(s.total_makeup_db()),
            state: Default::default(),
            level: [[0.0; BLOCK]; MAX_CHANNELS],
            gain: [[1.0; BLOCK]; MAX_CHANNELS],
            meter_gr_db: 0.0,
            meter_level_db: crate::db::MINUS_INFINITY_DB,
        };
        c.prepare(sample_rate_hz);
        c
    }

    /// Sets the sample rate (not realtime, allocation-free) and clears the memory.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = sample_rate_hz;
        for s in self.smoothers_mut() {
            s.prepare(sample_rate_hz);
        }
        let s = self.settings;
        self.settings.threshold_db = f32::NAN; // force a full redesign
        self.set_settings(&s);
        self.reset();
    }

    fn smoothers_mut(&mut self) -> [&mut Smoother; 4] {
        [
            &mut self.threshold_db,
            &mut self.inv_ratio,
            &mut self.knee_db,
            &mut self.makeup_db,
        ]
    }

    /// Clears detector and ballistics memory and ends every setting ramp. Realtime-safe.
    pub fn reset(&mut self) {
        for s in self.smoothers_mut() {
            let t = s.target();
            s.reset(t);
        }
        self.state = Default::default();
        self.meter_gr_db = 0.0;
        self.meter_level_db = crate::db::MINUS_INFINITY_DB;
    }

    /// The current settings.
    pub fn settings(&self) -> &CompressorSettings {
        &self.settings
    }

    /// Sets new settings. Realtime-safe and cheap: threshold, ratio, knee and make-up ramp over
    /// [`SETTING_RAMP_MS`]; only the coefficients whose settings changed are recomputed.
    pub fn set_settings(&mut self, s: &CompressorSettings) {
        if *s == self.settings {
            return;
        }
        let old = self.settings;
        let sr = self.sample_rate_hz;
        if s.attack_ms != old.attack_ms
            || s.release_ms != old.release_ms
            || s.slow_release_ms != old.slow_release_ms
            || old.threshold_db.is_nan()
        {
            self.times = TimeCoeffs::new(s, sr);
        }
        if s.sidechain_hpf_hz != old.sidechain_hpf_hz || old.threshold_db.is_nan() {
            let nyquist_safe = s.sidechain_hpf_hz.min(0.45 * sr);
            self.sidechain_hpf = (s.sidechain_hpf_hz > SIDECHAIN_HPF_OFF_HZ)
                .then(|| BiquadCoeffs::highpass(sr, nyquist_safe, std::f32::consts::FRAC_1_SQRT_2));
        }
        if s.detector != old.detector {
            for st in self.state.iter_mut() {
                st.held = 0.0;
                st.hold_left = 0;
                st.ms1 = 0.0;
                st.ms2 = 0.0;
            }
        }
        self.threshold_db.set_target(s.threshold_db);
        self.inv_ratio.set_target(1.0 / s.ratio.max(1.0));
        self.knee_db.set_target(s.knee_db.max(0.0));
        self.makeup_db.set_target(s.total_makeup_db());
        self.settings = *s;
    }

    /// Deepest gain reduction (dB, ≥ 0) and highest detector level (dBFS) since the last call;
    /// both reset by the call. For meters and the editor's live dot.
    pub fn take_meter(&mut self) -> (f32, f32) {
        let r = (self.meter_gr_db, self.meter_level_db);
        self.meter_gr_db = 0.0;
        self.meter_level_db = crate::db::MINUS_INFINITY_DB;
        r
    }

    /// Compresses `audio` (1 or 2 channels) in place. The detector listens to `key` when
    /// given (an external sidechain, 1 or 2 channels, at least as long as `audio`), else to
    /// `audio` itself. In [`StereoMode::MidSide`] the gains act on mid and side.
    pub fn process(&mut self, audio: &mut [&mut [f32]], key: Option<&[&[f32]]>) {
        let nc = audio.len().min(MAX_CHANNELS);
        if nc == 0 {
            return;
        }
        let len = audio[..nc].iter().map(|c| c.len()).min().unwrap_or(0);
        let ms = nc == 2 && self.settings.stereo_mode == StereoMode::MidSide;
        let mut start = 0;
        while start < len {
            let n = BLOCK.min(len - start);
            let mut buf = [[0.0f32; BLOCK]; MAX_CHANNELS];
            for c in 0..nc {
                buf[c][..n].copy_from_slice(&audio[c][start..start + n]);
            }
            if ms {
                encode_mid_side(&mut buf, n);
            }
            let mut kbuf = [[0.0f32; BLOCK]; MAX_CHANNELS];
            match key {
                Some(k) if !k.is_empty() => {
                    for (c, kb) in kbuf.iter_mut().enumerate().take(nc) {
                        let src = k[c.min(k.len() - 1)];
                        let m = n.min(src.len().saturating_sub(start));
                        kb[..m].copy_from_slice(&src[start..start + m]);
                    }
                    if ms && k.len() >= 2 {
                        encode_mid_side(&mut kbuf, n);
                    }
                }
                _ => kbuf = buf,
            }
            self.compute_gains(&kbuf, nc, n);
            for (c, b) in buf.iter_mut().enumerate().take(nc) {
                for (x, g) in b[..n].iter_mut().zip(&self.gain[c][..n]) {
                    *x *= g;
                }
            }
            if ms {
                decode_mid_side(&mut buf, n);
            }
            for c in 0..nc {
                audio[c][start..start + n].copy_from_slice(&buf[c][..n]);
            }
            start += n;
        }
    }

    /// The sidechain high-pass in use (`None` when off), for engines that let the user listen
    /// to the filtered key.
    pub fn sidechain_filter(&self) -> Option<&BiquadCoeffs> {
        self.sidechain_hpf.as_ref()
    }

    /// The gains of the last processed block: `gains()[c][..n]`, linear, make-up included.
    pub fn gains(&self) -> &[[f32; BLOCK]; MAX_CHANNELS] {
        &self.gain
    }

    /// Sidechain filter and level detector for `N` channels into `self.level`.
    // Sample-major over the channels: one index walks several arrays in step, which is what
    // lets the channels' recursions overlap.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn detect<const N: usize>(&mut self, key: &[[f32; BLOCK]; MAX_CHANNELS], n: usize) {
        let t = self.times;
        let mut filtered = [[0.0f32; BLOCK]; N];
        let mut st: [ChannelState; N] = std::array::from_fn(|c| self.state[c]);
        for c in 0..N {
            filtered[c][..n].copy_from_slice(&key[c][..n]);
        }
        if let Some(h) = &self.sidechain_hpf {
            for i in 0..n {
                for c in 0..N {
                    filtered[c][i] = st[c].sidechain.process(h, filtered[c][i]);
                }
            }
        }
        match self.settings.detector {
            Detector::Peak => {
                // Selects, not branches: on noise the comparison is unpredictable.
                for i in 0..n {
                    for c in 0..N {
                        let a = filtered[c][i].abs();
                        let s = &mut st[c];
                        let restart = (a >= s.held) | (s.hold_left == 0);
                        s.held = if restart { a } else { s.held };
                        s.hold_left = if restart {
                            t.hold_samples
                        } else {
                            s.hold_left - 1
                        };
                        self.level[c][i] = s.held;
                    }
                }
            }
            Detector::Rms => {
                for i in 0..n {
                    for c in 0..N {
                        let x = filtered[c][i];
                        let s = &mut st[c];
                        s.ms1 += t.rms * (x * x - s.ms1);
                        s.ms2 += t.rms * (s.ms1 - s.ms2);
                        self.level[c][i] = s.ms2;
                    }
                }
                for lv in self.level.iter_mut().take(N) {
                    for l in lv[..n].iter_mut() {
                        *l = l.max(0.0).sqrt();
                    }
                }
            }
        }
        for (c, s) in st.iter_mut().enumerate() {
            s.sidechain.flush_denormals();
            if s.ms2 < 1.0e-30 {
                s.ms1 = 0.0;
                s.ms2 = 0.0;
            }
            self.state[c] = *s;
        }
    }

    /// Computes per-channel linear gains (make-up included) for `n ≤ BLOCK` samples of the
    /// detector input `key` (already in the M/S domain when that mode is on) into
    /// [`Compressor::gains`]. For engines that apply the gain themselves (e.g. at an
    /// oversampled rate).
    ///
    /// Runs an AVX2 + FMA build of the same code where the CPU has it (probed once, in
    /// [`Compressor::new`]): the vectorised passes then work on 8 lanes.
    pub fn compute_gains(&mut self, key: &[[f32; BLOCK]; MAX_CHANNELS], nc: usize, n: usize) {
        #[cfg(target_arch = "x86_64")]
        if self.fast {
            // SAFETY: `fast` is only set when the CPU has AVX2 and FMA.
            unsafe { self.compute_gains_avx2(key, nc, n) };
            return;
        }
        self.compute_gains_body(key, nc, n);
    }

    /// [`Compressor::compute_gains`] compiled for AVX2 + FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn compute_gains_avx2(
        &mut self,
        key: &[[f32; BLOCK]; MAX_CHANNELS],
        nc: usize,
        n: usize,
    ) {
        self.compute_gains_body(key, nc, n);
    }

    /// Forces the portable build (`false`) or, where the CPU has it, the AVX2 one (tests).
    pub fn set_fast_path(&mut self, fast: bool) {
        self.fast = fast && crate::simd::avx2_fma_available();
    }

    #[inline(always)]
    fn compute_gains_body(&mut self, key: &[[f32; BLOCK]; MAX_CHANNELS], nc: usize, n: usize) {
        let nc = nc.clamp(1, MAX_CHANNELS);
        let n = n.min(BLOCK);
        let t = self.times;
        // Pass 1 (recursive): sidechain filter and level detector, both channels in one loop
        // so their independent recursions overlap in the CPU.
        if nc == 2 {
            self.detect::<2>(key, n);
        } else {
            self.detect::<1>(key, n);
        }
        // Stereo link on the detector levels: each channel moves towards the louder one. Fully
        // linked, both channels get the same gain: it is computed once (channel 0) and copied.
        let linked = nc == 2 && self.settings.stereo_link >= 1.0;
        if linked {
            let [l0, l1] = &mut self.level;
            for (a, b) in l0[..n].iter_mut().zip(l1[..n].iter()) {
                *a = a.max(*b);
            }
        } else if nc == 2 {
            let link = self.settings.stereo_link.clamp(0.0, 1.0);
            let [l0, l1] = &mut self.level;
            for (a, b) in l0[..n].iter_mut().zip(l1[..n].iter_mut()) {
                let m = a.max(*b);
                *a += link * (m - *a);
                *b += link * (m - *b);
            }
        }
        // Pass 2 (vectorised): level in dB and static curve → target reduction (≥ 0 dB).
        let ramping = self.threshold_db.is_smoothing()
            || self.inv_ratio.is_smoothing()
            || self.knee_db.is_smoothing();
        let mut thr = [0.0f32; BLOCK];
        let mut inv_r = [0.0f32; BLOCK];
        let mut knee = [0.0f32; BLOCK];
        let mut makeup = [0.0f32; BLOCK];
        if ramping {
            self.threshold_db.next_block(&mut thr[..n]);
            self.inv_ratio.next_block(&mut inv_r[..n]);
            self.knee_db.next_block(&mut knee[..n]);
        }
        self.makeup_db.next_block(&mut makeup[..n]);
        let range = self.settings.range_db.max(0.0);
        let mut peak_level = f32::MIN;
        let ng = if linked { 1 } else { nc };
        for c in 0..ng {
            let lv = &mut self.level[c][..n];
            for v in lv.iter_mut() {
                *v = gain_to_db_fast(*v);
            }
            peak_level = lv.iter().fold(peak_level, |a, &b| a.max(b));
            if ramping {
                for (i, v) in lv.iter_mut().enumerate() {
                    let curve = CompressorCurve {
                        threshold_db: thr[i],
                        ratio: 1.0 / inv_r[i],
                        knee_db: knee[i],
                    };
                    *v = curve.gain_db(*v);
                }
            } else {
                CompressorCurve {
                    threshold_db: self.threshold_db.current(),
                    ratio: 1.0 / self.inv_ratio.current(),
                    knee_db: self.knee_db.current(),
                }
                .gain_db_block(lv);
            }
            for v in lv.iter_mut() {
                *v = (-*v).min(range); // reduction ≥ 0, limited by the range
            }
        }
        // Pass 3 (recursive): ballistics on the reduction in dB (rising reduction = attack).
        let mut deepest = 0.0f32;
        for c in 0..ng {
            let st = &mut self.state[c];
            let lv = &mut self.level[c][..n];
            let (mut f, mut s) = (st.fast_db, st.sustain);
            if t.slow_on {
                // The sustain chain depends only on the target, so it runs as its own pass,
                // then the release steps for the whole block (vectorised), then the gain
                // chain: two short dependency chains instead of one long one.
                let sustained = SUSTAIN_THRESHOLD_DB;
                let mut release = [0.0f32; BLOCK];
                let (charge, discharge) = (t.sustain as f32, t.slow_release as f32);
                let mut s32 = s as f32;
                for (r, &x) in release[..n].iter_mut().zip(lv.iter()) {
                    s32 += if x > sustained {
                        charge * (1.0 - s32)
                    } else {
                        -discharge * s32
                    };
                    *r = s32;
                }
                s = s32 as f64;
                let k = t.log2_slow_over_fast;
                for r in release[..n].iter_mut() {
                    *r = crate::db::fast_exp2(*r * k);
                }
                for (v, r) in lv.iter_mut().zip(&release[..n]) {
                    let x = *v as f64;
                    let rel = t.release * *r as f64;
                    f += if x > f { t.attack } else { rel } * (x - f);
                    *v = f as f32;
                }
            } else {
                for v in lv.iter_mut() {
                    let x = *v as f64;
                    f += if x > f { t.attack } else { t.release } * (x - f);
                    *v = f as f32;
                }
                s = 0.0;
            }
            st.fast_db = if f < 1.0e-12 { 0.0 } else { f };
            st.sustain = if s < 1.0e-12 { 0.0 } else { s };
            deepest = lv.iter().fold(deepest, |a, &b| a.max(b));
            // Pass 4 (vectorised): make-up and dB → gain.
            // (A select keeps unity exactly 1.0, so neutral settings are bit-transparent.)
            for ((g, v), m) in self.gain[c][..n]
                .iter_mut()
                .zip(lv.iter())
                .zip(&makeup[..n])
            {
                let d = m - v;
                *g = if d == 0.0 { 1.0 } else { db_to_gain_fast(d) };
            }
        }
        if ng == 1 {
            let (a, b) = self.gain.split_at_mut(1);
            b[0][..n].copy_from_slice(&a[0][..n]);
            if linked {
                // Ballistics only: each channel keeps its own detector memory.
                self.state[1].fast_db = self.state[0].fast_db;
                self.state[1].sustain = self.state[0].sustain;
            }
        }
        self.meter_gr_db = self.meter_gr_db.max(deepest);
        self.meter_level_db = self.meter_level_db.max(peak_level);
    }
}

/// `(L, R) → (M, S) = ((L+R)/2, (L−R)/2)` in place on the first `n` samples.
#[inline]
pub fn encode_mid_side(buf: &mut [[f32; BLOCK]; MAX_CHANNELS], n: usize) {
    let [l, r] = buf;
    for (a, b) in l[..n].iter_mut().zip(r[..n].iter_mut()) {
        let (m, s) = (0.5 * (*a + *b), 0.5 * (*a - *b));
        *a = m;
        *b = s;
    }
}

/// `(M, S) → (L, R) = (M+S, M−S)` in place on the first `n` samples.
#[inline]
pub fn decode_mid_side(buf: &mut [[f32; BLOCK]; MAX_CHANNELS], n: usize) {
    let [m, s] = buf;
    decode_mid_side_slices(&mut m[..n], &mut s[..n]);
}

/// [`decode_mid_side`] on two slices of any (equal) length, e.g. at an oversampled rate.
#[inline]
pub fn decode_mid_side_slices(mid: &mut [f32], side: &mut [f32]) {
    for (a, b) in mid.iter_mut().zip(side.iter_mut()) {
        let (l, r) = (*a + *b, *a - *b);
        *a = l;
        *b = r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::gain_to_db;

    fn sine(freq_hz: f32, amp: f32, sr: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                amp * (2.0 * std::f64::consts::PI * (freq_hz as f64) * i as f64 / sr as f64).sin()
                    as f32
            })
            .collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt() as f32
    }

    /// Steady-state gain (dB) of a sine through the compressor (mono), measured over the last
    /// half second of two seconds.
    fn steady_gain_db(s: &CompressorSettings, freq_hz: f32, level_db: f32, sr: f32) -> f32 {
        let mut c = Compressor::new(sr);
        c.set_settings(s);
        c.reset();
        let n = (2.0 * sr) as usize;
        let x = sine(freq_hz, crate::db::db_to_gain(level_db), sr, n);
        let mut y = x.clone();
        c.process(&mut [&mut y[..]], None);
        let tail = n - (0.5 * sr) as usize;
        gain_to_db(rms(&y[tail..]) / rms(&x[tail..]))
    }

    #[test]
    fn avx2_build_matches_the_portable_one() {
        if !crate::simd::fast_path_testable("compressor AVX2 build") {
            return;
        }
        let sr = 48_000.0;
        let s = CompressorSettings {
            threshold_db: -30.0,
            knee_db: 6.0,
            slow_release_ms: 1200.0,
            stereo_link: 0.5,
            sidechain_hpf_hz: 80.0,
            ..Default::default()
        };
        let (mut a, mut b) = (Compressor::new(sr), Compressor::new(sr));
        a.set_fast_path(true);
        b.set_fast_path(false);
        for c in [&mut a, &mut b] {
            c.set_settings(&s);
            c.reset();
        }
        // Bursts at three levels over 100 Hz and 3 kHz, different on each side.
        let n = 3 * 48_000;
        let l = sine(100.0, 0.8, sr, n);
        let r = sine(3000.0, 0.3, sr, n);
        let mut worst = 0.0f32;
        for start in (0..n).step_by(BLOCK) {
            let mut k = [[0.0f32; BLOCK]; MAX_CHANNELS];
            let level = [1.0, 0.1, 0.01][(start / 24_000) % 3];
            for i in 0..BLOCK {
                k[0][i] = level * l[start + i];
                k[1][i] = level * r[start + i];
            }
            a.compute_gains(&k, 2, BLOCK);
            b.compute_gains(&k, 2, BLOCK);
            for c in 0..2 {
                for (x, y) in a.gains()[c].iter().zip(b.gains()[c].iter()) {
                    worst = worst.max((x - y).abs());
                }
            }
        }
        assert!(worst < 1e-4, "AVX2 and portable gains differ by {worst}");
    }

    #[test]
    fn static_curve_matches_the_design_equation_for_both_detectors() {
        let sr = 48_000.0;
        let mut worst: f32 = 0.0;
        for detector in [Detector::Peak, Detector::Rms] {
            for knee_db in [0.0, 6.0] {
                let s = CompressorSettings {
                    threshold_db: -20.0,
                    ratio: 4.0,
                    knee_db,
                    attack_ms: 10.0,
                    release_ms: 100.0,
                    detector,
                    ..Default::default()
                };
                for freq in [100.0, 1000.0, 5000.0] {
                    for peak_db in [-30.0, -23.0, -20.0, -17.0, -10.0, 0.0] {
                        // The level the detector reads: the peak, or the RMS (3.01 dB lower).
                        let level = match detector {
                            Detector::Peak => peak_db,
                            Detector::Rms => peak_db - 3.0103,
                        };
                        let expected = s.static_gain_db(level);
                        let got = steady_gain_db(&s, freq, peak_db, sr);
                        worst = worst.max((got - expected).abs());
                        assert!(
                            (got - expected).abs() <= 0.1,
                            "{detector:?} knee {knee_db} {freq} Hz {peak_db} dB: {got} vs {expected}"
                        );
                    }
                }
            }
        }
        println!("static curve: worst error {worst:.3} dB");
    }

    /// Time constant of the gain after a level step, fitted from the slope of
    /// `ln|gain − final|` between 20 % and 80 % of the way.
    fn fitted_tau_ms(gain_db: &[f32], sr: f32) -> f32 {
        let start = gain_db[0];
        let end = *gain_db.last().unwrap();
        let span = end - start;
        let frac = |g: f32| (g - start) / span;
        let i20 = gain_db.iter().position(|&g| frac(g) >= 0.2).unwrap();
        let i80 = gain_db.iter().position(|&g| frac(g) >= 0.8).unwrap();
        let r20 = (1.0 - frac(gain_db[i20])) as f64;
        let r80 = (1.0 - frac(gain_db[i80])) as f64;
        ((i80 - i20) as f64 / sr as f64 / (r20 / r80).ln() * 1000.0) as f32
    }

    #[test]
    fn attack_and_release_are_time_constants_at_every_rate() {
        for sr in [44_100.0f32, 48_000.0, 96_000.0] {
            for (attack_ms, release_ms) in [(1.0, 100.0), (10.0, 300.0), (30.0, 1200.0)] {
                let s = CompressorSettings {
                    threshold_db: -30.0,
                    ratio: 4.0,
                    attack_ms,
                    release_ms,
                    ..Default::default()
                };
                let mut c = Compressor::new(sr);
                c.set_settings(&s);
                c.reset();
                // −20 dB for 1 s, 0 dB for 1 s (attack), −20 dB for 6 τ (release); 1 kHz.
                let seg = |db: f32, secs: f32| {
                    sine(1000.0, crate::db::db_to_gain(db), sr, (secs * sr) as usize)
                };
                let mut x = seg(-20.0, 1.0);
                let a0 = x.len();
                x.extend(seg(0.0, 1.0));
                let r0 = x.len();
                x.extend(seg(-20.0, 6.0 * release_ms / 1000.0 + 0.05));
                let mut gains = Vec::with_capacity(x.len());
                for chunk in x.chunks(BLOCK) {
                    let mut b = [[0.0f32; BLOCK]; MAX_CHANNELS];
                    b[0][..chunk.len()].copy_from_slice(chunk);
                    c.compute_gains(&b, 1, chunk.len());
                    gains.extend(c.gains()[0][..chunk.len()].iter().map(|g| gain_to_db(*g)));
                }
                let att = fitted_tau_ms(&gains[a0..r0], sr);
                let rel = fitted_tau_ms(&gains[r0..], sr);
                assert!(
                    (att / attack_ms - 1.0).abs() < 0.1,
                    "{sr}: attack {att} vs {attack_ms}"
                );
                assert!(
                    (rel / release_ms - 1.0).abs() < 0.1,
                    "{sr}: release {rel} vs {release_ms}"
                );
            }
        }
    }

    #[test]
    fn program_dependent_release_recovers_faster_after_a_short_burst() {
        let sr = 48_000.0;
        let s = CompressorSettings {
            threshold_db: -30.0,
            ratio: 4.0,
            attack_ms: 1.0,
            release_ms: 100.0,
            slow_release_ms: 1200.0,
            ..Default::default()
        };
        let recovery_ms = |burst_s: f32| {
            let mut c = Compressor::new(sr);
            c.set_settings(&s);
            c.reset();
            let mut x = sine(1000.0, 1.0, sr, (burst_s * sr) as usize);
            let end = x.len();
            x.extend(vec![0.0; (4.0 * sr) as usize]);
            // The time after the burst until the gain is back within 1 dB of unity.
            let mut g = Vec::new();
            for chunk in x.chunks(BLOCK) {
                let mut b = [[0.0f32; BLOCK]; MAX_CHANNELS];
                b[0][..chunk.len()].copy_from_slice(chunk);
                c.compute_gains(&b, 1, chunk.len());
                g.extend(c.gains()[0][..chunk.len()].iter().map(|v| gain_to_db(*v)));
            }
            let back = g[end..].iter().position(|&v| v > -1.0).unwrap();
            back as f32 / sr * 1000.0
        };
        let short = recovery_ms(0.05);
        let long = recovery_ms(3.0);
        println!(
            "auto release: back within 1 dB {short:.0} ms after 50 ms, {long:.0} ms after 3 s"
        );
        assert!(long > 3.0 * short, "short {short} ms, long {long} ms");
    }

    #[test]
    fn sidechain_hpf_reduces_low_frequency_gain_reduction_as_designed() {
        let sr = 48_000.0;
        let mut s = CompressorSettings {
            threshold_db: -30.0,
            ratio: 4.0,
            detector: Detector::Rms,
            sidechain_hpf_hz: 100.0,
            ..Default::default()
        };
        let got = steady_gain_db(&s, 40.0, -6.0, sr);
        // 12 dB/oct Butterworth at 100 Hz: |H(40 Hz)|² = r⁴ / (1 + r⁴), r = 0.4.
        let r4 = 0.4f32.powi(4);
        let atten_db = 10.0 * (r4 / (1.0 + r4)).log10();
        let expected = s.static_gain_db(-6.0 - 3.0103 + atten_db);
        assert!((got - expected).abs() < 0.2, "{got} vs {expected}");
        s.sidechain_hpf_hz = 0.0;
        let unfiltered = steady_gain_db(&s, 40.0, -6.0, sr);
        assert!(
            unfiltered < got - 10.0,
            "filter off compresses more: {unfiltered} vs {got}"
        );
    }

    #[test]
    fn external_key_drives_the_gain() {
        let sr = 48_000.0;
        let mut c = Compressor::new(sr);
        c.set_settings(&CompressorSettings {
            threshold_db: -20.0,
            ..Default::default()
        });
        c.reset();
        let n = 48_000;
        let loud = sine(1000.0, 1.0, sr, n);
        let silent = vec![0.0f32; n];
        // Quiet main, loud key → reduction.
        let mut main = sine(1000.0, 0.01, sr, n);
        c.process(&mut [&mut main[..]], Some(&[&loud[..]]));
        let (gr, _) = c.take_meter();
        assert!(gr > 10.0, "gain reduction {gr}");
        // Loud main, silent key → none.
        c.reset();
        let mut main = loud.clone();
        c.process(&mut [&mut main[..]], Some(&[&silent[..]]));
        assert!(main == loud, "unchanged");
    }

    #[test]
    fn mid_only_input_in_mid_side_mode_leaves_the_side_silent() {
        let sr = 48_000.0;
        let mut c = Compressor::new(sr);
        c.set_settings(&CompressorSettings {
            threshold_db: -30.0,
            stereo_mode: StereoMode::MidSide,
            stereo_link: 0.0,
            ..Default::default()
        });
        c.reset();
        let x = sine(200.0, 0.5, sr, 20_000);
        let (mut l, mut r) = (x.clone(), x.clone());
        c.process(&mut [&mut l[..], &mut r[..]], None);
        let side: f32 = l
            .iter()
            .zip(&r)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert_eq!(side, 0.0);
        assert!(rms(&l) < 0.5 * rms(&x), "the mid is compressed");
    }

    #[test]
    fn stereo_link_shares_the_gain() {
        let sr = 48_000.0;
        let run = |link: f32| {
            let mut c = Compressor::new(sr);
            c.set_settings(&CompressorSettings {
                threshold_db: -20.0,
                stereo_link: link,
                ..Default::default()
            });
            c.reset();
            let mut l = sine(1000.0, 1.0, sr, 24_000);
            let mut r = sine(1000.0, 0.01, sr, 24_000);
            c.process(&mut [&mut l[..], &mut r[..]], None);
            gain_to_db(rms(&r[12_000..]) / rms(&sine(1000.0, 0.01, sr, 24_000)[12_000..]))
        };
        assert!(
            run(0.0).abs() < 0.01,
            "unlinked: the quiet side is untouched"
        );
        let linked = run(1.0);
        let expected = CompressorSettings {
            threshold_db: -20.0,
            ..Default::default()
        }
        .static_gain_db(0.0);
        assert!(
            (linked - expected).abs() < 0.1,
            "linked {linked} vs {expected}"
        );
        let half = run(0.5);
        assert!(half < -1.0 && half > linked, "half link in between: {half}");
    }

    #[test]
    fn range_limits_the_reduction_and_makeup_adds() {
        let s = CompressorSettings {
            threshold_db: -40.0,
            ratio: 10.0,
            range_db: 6.0,
            makeup_db: 3.0,
            ..Default::default()
        };
        let got = steady_gain_db(&s, 1000.0, 0.0, 48_000.0);
        assert!((got - (-3.0)).abs() < 0.05, "{got}");
    }

    #[test]
    fn setting_changes_ramp_instead_of_jumping() {
        let sr = 48_000.0;
        let mut c = Compressor::new(sr);
        c.set_settings(&CompressorSettings {
            threshold_db: 0.0,
            attack_ms: 0.0,
            release_ms: 0.0,
            ..Default::default()
        });
        c.reset();
        let x = [[0.5f32; BLOCK]; MAX_CHANNELS];
        c.compute_gains(&x, 1, BLOCK);
        c.set_settings(&CompressorSettings {
            threshold_db: -40.0,
            attack_ms: 0.0,
            release_ms: 0.0,
            ..Default::default()
        });
        let mut prev = gain_to_db(c.gains()[0][BLOCK - 1]);
        let mut max_step: f32 = 0.0;
        for _ in 0..40 {
            c.compute_gains(&x, 1, BLOCK);
            for g in c.gains()[0].iter() {
                let d = gain_to_db(*g);
                max_step = max_step.max((d - prev).abs());
                prev = d;
            }
        }
        // 40 dB of threshold over 20 ms (960 samples) at 3/4 slope: ≈ 0.03 dB per sample.
        assert!(max_step < 0.05, "largest step {max_step} dB");
        assert!(prev < -20.0, "the ramp arrives: {prev}");
    }
}
