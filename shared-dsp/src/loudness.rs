//! Loudness and true-peak measurement after ITU-R BS.1770-4, EBU R 128, EBU Tech 3341 (loudness
//! metering, "EBU mode") and EBU Tech 3342 (loudness range).
//!
//! [`LoudnessMeter`] measures momentary (400 ms), short-term (3 s) and integrated (gated)
//! loudness, loudness range, sample peak and true peak of 1 to 8 channels at 8–384 kHz.
//!
//! # Why not simply `ebur128`
//!
//! The first version wrapped the `ebur128` crate (0.1.11, a port of libebur128). It is correct
//! (it is still the oracle our tests compare against), but measuring a 10-minute stereo 48 kHz
//! file took 1.42 s, of which 58 % was its true-peak interpolator and 27 % its K-weighting
//! filter: only 2× faster than ffmpeg's `ebur128` filter where the goal is 10×. Its histogram
//! mode also returns 0.1 LU bin *centres* (a steady −23.0 LUFS sine reads −22.95 or −23.05),
//! and its exact mode keeps every gating block (memory grows with the programme). So this
//! module does the same maths itself, the same way:
//!
//! * K-weighting: the same two biquads (BS.1770-4 Annex 1, redesigned per rate as libebur128
//!   does), run in f64, two channels interleaved for instruction-level parallelism, keeping only
//!   the energy of each 100 ms sub-block (no ring buffer of filtered samples);
//! * true peak: `ebur128`'s interpolator design (BS.1770-4 Annex 2) with 32 instead of 12
//!   taps per phase, which is accurate to 20 kHz, skipping the identity phase and every segment
//!   that provably cannot raise the peak;
//! * gating: fixed 0.01 LU histograms with the exact energy sum of each bin, so integrated
//!   loudness is exact except for blocks within 0.01 LU of the relative gate, and memory is
//!   fixed (about 320 kB) however many hours are measured.
//!
//! The same file now takes about 0.19 s in `lathe loudness` (decoding included), 13.5× faster
//! than ffmpeg, with every reading within 0.03 LU/dB of ffmpeg's (`cli/README.md`).
//!
//! Nothing in `process_*` allocates (test `tests/loudness_alloc.rs`): the meter is usable on an
//! audio thread once built.

pub(crate) mod k_weighting;
pub mod reference;
pub mod targets;
pub(crate) mod true_peak;

use k_weighting::KWeightingCoeffs;
use k_weighting::KWeightingState;
use std::fmt;
use true_peak::{TruePeakScanner, CHUNK_FRAMES};

/// Lowest sample rate a [`LoudnessMeter`] accepts, in Hz.
pub const MIN_SAMPLE_RATE_HZ: u32 = 8_000;
/// Highest sample rate a [`LoudnessMeter`] accepts, in Hz.
pub const MAX_SAMPLE_RATE_HZ: u32 = 384_000;
/// Most channels a [`LoudnessMeter`] accepts (7.1 = 8 channels).
pub const MAX_CHANNELS: usize = 8;

/// Absolute gate of BS.1770-4 §2.8 and Tech 3342, in LUFS: blocks quieter than this are ignored.
pub const ABSOLUTE_GATE_LUFS: f64 = -70.0;
/// Relative gate for integrated loudness (BS.1770-4 §2.8), in LU below the absolute-gated mean.
pub const INTEGRATED_RELATIVE_GATE_LU: f64 = -10.0;
/// Relative gate for loudness range (EBU Tech 3342 §2), in LU below the absolute-gated mean.
pub const LRA_RELATIVE_GATE_LU: f64 = -20.0;

/// Offset of the BS.1770-4 loudness formula, in dB: `L = -0.691 + 10 log10(Σ G_i z_i)`.
const LOUDNESS_OFFSET_DB: f64 = -0.691;
/// Histogram resolution, in bins per LU.
const BINS_PER_LU: f64 = 100.0;
/// Upper end of the histograms, in LUFS; louder blocks land in the last bin (energy still exact).
const HISTOGRAM_TOP_LUFS: f64 = 30.0;
/// Number of 100 ms sub-blocks in the momentary (400 ms) window.
const MOMENTARY_SUB_BLOCKS: usize = 4;
/// Number of 100 ms sub-blocks in the short-term (3 s) window.
const SHORT_TERM_SUB_BLOCKS: usize = 30;

/// Converts a BS.1770-4 mean-square energy (channel-weighted, K-filtered) to loudness in LUFS.
#[inline]
fn energy_to_lufs(energy: f64) -> f64 {
    if energy > 0.0 {
        LOUDNESS_OFFSET_DB + 10.0 * energy.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// Converts a linear peak magnitude (1.0 = full scale) to dB (dBFS or dBTP); 0 gives −∞.
#[inline]
fn gain_to_db(gain: f64) -> f64 {
    if gain > 0.0 {
        20.0 * gain.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// Why a [`LoudnessMeter`] could not be built or fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoudnessError {
    /// The sample rate (Hz) is outside [`MIN_SAMPLE_RATE_HZ`]..=[`MAX_SAMPLE_RATE_HZ`].
    UnsupportedSampleRate(u32),
    /// The channel count is 0 or above [`MAX_CHANNELS`].
    UnsupportedChannelCount(usize),
    /// An interleaved buffer's length is not a multiple of the channel count, or planar channels
    /// differ in length or number from the meter's channel count.
    MismatchedBuffer,
}

impl fmt::Display for LoudnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedSampleRate(rate) => write!(
                f,
                "unsupported sample rate {rate} Hz (supported: {MIN_SAMPLE_RATE_HZ}-{MAX_SAMPLE_RATE_HZ} Hz)"
            ),
            Self::UnsupportedChannelCount(n) => write!(
                f,
                "unsupported channel count {n} (supported: 1-{MAX_CHANNELS}, mono to 7.1)"
            ),
            Self::MismatchedBuffer => write!(f, "buffer does not match the meter's channel count"),
        }
    }
}

impl std::error::Error for LoudnessError {}

/// The loudspeaker a channel feeds, which sets its BS.1770-4 weight `G_i` (Table 3): 1.0 for
/// front and back channels, 1.41 (+1.5 dB) for surround channels at azimuth 60°–120°, and 0 for
/// the LFE, which BS.1770-4 excludes from the measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelRole {
    /// Front left, +30°. Weight 1.0.
    Left,
    /// Front right, −30°. Weight 1.0.
    Right,
    /// Front centre, 0°. Weight 1.0. Also used for a mono file.
    Center,
    /// Low-frequency effects: excluded from loudness (weight 0); still counted for peaks.
    Lfe,
    /// Left surround of 5.1, +110°. Weight 1.41 (+1.5 dB).
    LeftSurround,
    /// Right surround of 5.1, −110°. Weight 1.41 (+1.5 dB).
    RightSurround,
    /// Left side of 7.1, +90°. Weight 1.41 (+1.5 dB).
    LeftSide,
    /// Right side of 7.1, −90°. Weight 1.41 (+1.5 dB).
    RightSide,
    /// Left back of 7.1, +135°. Weight 1.0 (outside 60°–120°, BS.1770-4 Table 3).
    LeftBack,
    /// Right back of 7.1, −135°. Weight 1.0.
    RightBack,
    /// Back centre of 6.1, 180°. Weight 1.0.
    BackCenter,
    /// A mono signal meant to play on two loudspeakers: counted twice (weight 2.0), so it reads
    /// like the same signal on both channels of a stereo file.
    DualMono,
    /// Any other full-range loudspeaker outside 60°–120° azimuth or elevated by 30° or more
    /// (front wide, height, …). Weight 1.0.
    Other,
}

impl ChannelRole {
    /// The BS.1770-4 channel weight `G_i` (Table 3) of this role, applied to the channel's
    /// mean-square energy.
    pub fn weight(self) -> f64 {
        match self {
            Self::Left
            | Self::Right
            | Self::Center
            | Self::LeftBack
            | Self::RightBack
            | Self::BackCenter
            | Self::Other => 1.0,
            Self::LeftSurround | Self::RightSurround | Self::LeftSide | Self::RightSide => 1.41,
            Self::DualMono => 2.0,
            Self::Lfe => 0.0,
        }
    }

    /// The usual layout for `num_channels` channels in WAV/FLAC (SMPTE) order: mono = C;
    /// stereo = L R; 3.0 = L R C; quad = L R Ls Rs; 5.0 = L R C Ls Rs; 5.1 = L R C LFE Ls Rs;
    /// 6.1 = L R C LFE Cs Lside Rside; 7.1 = L R C LFE Lback Rback Lside Rside. `None` for 0 or
    /// more than [`MAX_CHANNELS`].
    pub fn default_layout(num_channels: usize) -> Option<&'static [ChannelRole]> {
        use ChannelRole::*;
        Some(match num_channels {
            1 => &[Center],
            2 => &[Left, Right],
            3 => &[Left, Right, Center],
            4 => &[Left, Right, LeftSurround, RightSurround],
            5 => &[Left, Right, Center, LeftSurround, RightSurround],
            6 => &[Left, Right, Center, Lfe, LeftSurround, RightSurround],
            7 => &[Left, Right, Center, Lfe, BackCenter, LeftSide, RightSide],
            8 => &[
                Left, Right, Center, Lfe, LeftBack, RightBack, LeftSide, RightSide,
            ],
            _ => return None,
        })
    }
}

/// Summary of everything a [`LoudnessMeter`] has measured since it was built or reset.
///
/// Silence gives `-inf` for loudness and peaks, and NaN for the PLR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoudnessReadings {
    /// Integrated (programme) loudness, gated per BS.1770-4 §2.8 (absolute −70 LUFS, relative
    /// −10 LU), in LUFS. `-inf` when no 400 ms block passes the gates.
    pub integrated_lufs: f64,
    /// Loudness range per EBU Tech 3342 (10th to 95th percentile of gated 3 s short-term
    /// loudness), in LU, ≥ 0. 0 when fewer than two short-term blocks pass the gates.
    pub lra_lu: f64,
    /// Highest momentary loudness (400 ms window, evaluated every 100 ms), in LUFS.
    pub momentary_max_lufs: f64,
    /// Highest short-term loudness (3 s window, evaluated every 100 ms), in LUFS.
    pub short_term_max_lufs: f64,
    /// Highest absolute sample value over all channels, in dBFS (0 dBFS = ±1.0).
    pub sample_peak_dbfs: f64,
    /// Highest true (inter-sample) peak over all channels per BS.1770-4 Annex 2, in dBTP.
    /// Oversampled 4× at every rate with a 128-tap windowed-sinc interpolator: within
    /// +0.02/−0.04 dB for sines up to 20 kHz.
    pub true_peak_dbtp: f64,
    /// Peak-to-loudness ratio (EBU R 128 s1), `true_peak_dbtp - integrated_lufs`, in dB.
    /// NaN when either is not finite.
    pub plr_db: f64,
}

/// One point of the loudness-versus-time series, produced every 100 ms of input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoudnessTick {
    /// Time of the end of both windows, in seconds from the first sample.
    pub time_s: f64,
    /// Momentary loudness over the last 400 ms, in LUFS (the window is zero-padded during the
    /// first 400 ms, as if the input were preceded by silence). `-inf` for silence.
    pub momentary_lufs: f64,
    /// Short-term loudness over the last 3 s, in LUFS (zero-padded during the first 3 s).
    pub short_term_lufs: f64,
}

/// Fixed-size histogram of block loudness, 0.01 LU bins from the absolute gate up to
/// +30 LUFS, keeping the exact energy sum of every bin.
#[derive(Debug, Clone)]
struct GatingHistogram {
    /// Number of blocks per bin.
    counts: Box<[u64]>,
    /// Sum of the blocks' mean-square energies per bin.
    energy_sums: Box<[f64]>,
}

impl GatingHistogram {
    fn new() -> Self {
        let num_bins = ((HISTOGRAM_TOP_LUFS - ABSOLUTE_GATE_LUFS) * BINS_PER_LU) as usize;
        Self {
            counts: vec![0; num_bins].into_boxed_slice(),
            energy_sums: vec![0.0; num_bins].into_boxed_slice(),
        }
    }

    fn reset(&mut self) {
        self.counts.fill(0);
        self.energy_sums.fill(0.0);
    }

    /// Adds one block; blocks below the absolute gate (or non-finite) are dropped.
    #[inline]
    fn add(&mut self, energy: f64) {
        let lufs = energy_to_lufs(energy);
        if lufs.is_nan() || lufs < ABSOLUTE_GATE_LUFS || !energy.is_finite() {
            return;
        }
        let bin = (((lufs - ABSOLUTE_GATE_LUFS) * BINS_PER_LU) as usize).min(self.counts.len() - 1);
        self.counts[bin] += 1;
        self.energy_sums[bin] += energy;
    }

    /// Index of the first bin whose mean energy is at or above the relative gate
    /// `gate_lu` below the mean of all (absolute-gated) blocks, or `None` when empty.
    fn relative_gate_bin(&self, gate_lu: f64) -> Option<usize> {
        let count: u64 = self.counts.iter().sum();
        if count == 0 {
            return None;
        }
        let mean_energy = self.energy_sums.iter().sum::<f64>() / count as f64;
        let threshold_energy = mean_energy * 10f64.powf(gate_lu / 10.0);
        self.counts
            .iter()
            .zip(self.energy_sums.iter())
            .position(|(&n, &e)| n > 0 && e / n as f64 >= threshold_energy)
    }

    /// Integrated loudness after BS.1770-4 §2.8, in LUFS.
    fn integrated_lufs(&self) -> f64 {
        let Some(first) = self.relative_gate_bin(INTEGRATED_RELATIVE_GATE_LU) else {
            return f64::NEG_INFINITY;
        };
        let count: u64 = self.counts[first..].iter().sum();
        let energy: f64 = self.energy_sums[first..].iter().sum();
        energy_to_lufs(energy / count as f64)
    }

    /// Loudness range after EBU Tech 3342 §2, in LU.
    fn loudness_range_lu(&self) -> f64 {
        let Some(first) = self.relative_gate_bin(LRA_RELATIVE_GATE_LU) else {
            return 0.0;
        };
        let count: u64 = self.counts[first..].iter().sum();
        if count < 2 {
            return 0.0;
        }
        // Nearest-rank percentiles over the sorted gated blocks, as in libebur128.
        let low = self.percentile_lufs(first, ((count - 1) as f64 * 0.10 + 0.5) as u64);
        let high = self.percentile_lufs(first, ((count - 1) as f64 * 0.95 + 0.5) as u64);
        (high - low).max(0.0)
    }

    /// Loudness of the block of rank `rank` (0-based, ascending) among bins `first..`, taken as
    /// the mean loudness of its bin.
    fn percentile_lufs(&self, first: usize, rank: u64) -> f64 {
        let mut seen = 0u64;
        for bin in first..self.counts.len() {
            let n = self.counts[bin];
            seen += n;
            if n > 0 && seen > rank {
                return energy_to_lufs(self.energy_sums[bin] / n as f64);
            }
        }
        f64::NEG_INFINITY
    }
}

/// Loudness meter after ITU-R BS.1770-4 and EBU Tech 3341/3342: momentary, short-term,
/// integrated loudness, loudness range, sample peak and true peak of a 1 to 8 channel signal
/// at 8–384 kHz.
///
/// `new` allocates (about 500 kB); `process_*`, `reset` and the getters do not, so the meter
/// can run on an audio thread. Memory does not grow with the amount of audio.
/// Input must be finite: a NaN poisons the filters until [`LoudnessMeter::reset`].
pub struct LoudnessMeter {
    /// Sample rate, in Hz.
    sample_rate_hz: u32,
    /// Number of channels.
    num_channels: usize,
    /// BS.1770-4 weight per channel (0 for the LFE).
    weights: [f64; MAX_CHANNELS],
    /// K-weighting coefficients for this rate.
    k_coeffs: KWeightingCoeffs,
    /// K-weighting memory per channel.
    k_states: [KWeightingState; MAX_CHANNELS],
    /// Sum of squared K-weighted samples per channel in the current 100 ms sub-block.
    sub_block_sums: [f64; MAX_CHANNELS],
    /// Sample and true peaks.
    peaks: TruePeakScanner,
    /// Scratch for de-interleaving: `MAX_CHANNELS` planes of `CHUNK_FRAMES`.
    planes: Box<[f32]>,
    /// Frames in one 100 ms step (rounded as libebur128 rounds it); the momentary window is 4
    /// steps and the short-term window 30.
    frames_per_step: usize,
    /// Frames still needed before the next 100 ms tick.
    frames_to_next_tick: usize,
    /// Energies of the last 30 sub-blocks (ring), zero before the first input.
    sub_block_energies: [f64; SHORT_TERM_SUB_BLOCKS],
    /// Write position in `sub_block_energies`.
    sub_block_pos: usize,
    /// Number of 100 ms ticks since the last reset.
    num_ticks: u64,
    /// Frames processed since the last reset.
    num_frames: u64,
    /// Latest momentary loudness, in LUFS.
    momentary_lufs: f64,
    /// Latest short-term loudness, in LUFS.
    short_term_lufs: f64,
    /// Highest momentary loudness so far, in LUFS.
    momentary_max_lufs: f64,
    /// Highest short-term loudness so far, in LUFS.
    short_term_max_lufs: f64,
    /// Gating blocks (400 ms, 75 % overlap) for integrated loudness.
    momentary_blocks: GatingHistogram,
    /// Short-term blocks (3 s, every 100 ms) for loudness range.
    short_term_blocks: GatingHistogram,
}

impl fmt::Debug for LoudnessMeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoudnessMeter")
            .field("sample_rate_hz", &self.sample_rate_hz)
            .field("num_channels", &self.num_channels)
            .field("num_frames", &self.num_frames)
            .finish_non_exhaustive()
    }
}

impl LoudnessMeter {
    /// A meter for `num_channels` interleaved channels (1–8) at `sample_rate_hz` (8–384 kHz),
    /// with the BS.1770-4 weights of [`ChannelRole::default_layout`]. Allocates.
    pub fn new(sample_rate_hz: u32, num_channels: usize) -> Result<Self, LoudnessError> {
        let layout = ChannelRole::default_layout(num_channels)
            .ok_or(LoudnessError::UnsupportedChannelCount(num_channels))?;
        Self::with_layout(sample_rate_hz, layout)
    }

    /// A meter whose channel `i` plays the loudspeaker `layout[i]` (BS.1770-4 Table 3 weights).
    /// The layout's length is the channel count (1–8). Allocates.
    pub fn with_layout(sample_rate_hz: u32, layout: &[ChannelRole]) -> Result<Self, LoudnessError> {
        let num_channels = layout.len();
        if !(MIN_SAMPLE_RATE_HZ..=MAX_SAMPLE_RATE_HZ).contains(&sample_rate_hz) {
            return Err(LoudnessError::UnsupportedSampleRate(sample_rate_hz));
        }
        if num_channels == 0 || num_channels > MAX_CHANNELS {
            return Err(LoudnessError::UnsupportedChannelCount(num_channels));
        }
        let mut weights = [0.0; MAX_CHANNELS];
        for (w, role) in weights.iter_mut().zip(layout) {
            *w = role.weight();
        }
        let frames_per_step = (sample_rate_hz as usize + 5) / 10;
        Ok(Self {
            sample_rate_hz,
            num_channels,
            weights,
            k_coeffs: KWeightingCoeffs::new(sample_rate_hz as f64),
            k_states: [KWeightingState::default(); MAX_CHANNELS],
            sub_block_sums: [0.0; MAX_CHANNELS],
            peaks: TruePeakScanner::new(sample_rate_hz),
            planes: vec![0.0; MAX_CHANNELS * CHUNK_FRAMES].into_boxed_slice(),
            frames_per_step,
            frames_to_next_tick: frames_per_step,
            sub_block_energies: [0.0; SHORT_TERM_SUB_BLOCKS],
            sub_block_pos: 0,
            num_ticks: 0,
            num_frames: 0,
            momentary_lufs: f64::NEG_INFINITY,
            short_term_lufs: f64::NEG_INFINITY,
            momentary_max_lufs: f64::NEG_INFINITY,
            short_term_max_lufs: f64::NEG_INFINITY,
            momentary_blocks: GatingHistogram::new(),
            short_term_blocks: GatingHistogram::new(),
        })
    }

    /// Sample rate, in Hz.
    pub fn sample_rate_hz(&self) -> u32 {
        self.sample_rate_hz
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Frames (samples per channel) processed since construction or the last reset.
    pub fn num_frames(&self) -> u64 {
        self.num_frames
    }

    /// Forgets everything measured; keeps the configuration. Does not allocate.
    pub fn reset(&mut self) {
        self.k_states = [KWeightingState::default(); MAX_CHANNELS];
        self.sub_block_sums = [0.0; MAX_CHANNELS];
        self.peaks.reset();
        self.frames_to_next_tick = self.frames_per_step;
        self.sub_block_energies = [0.0; SHORT_TERM_SUB_BLOCKS];
        self.sub_block_pos = 0;
        self.num_ticks = 0;
        self.num_frames = 0;
        self.momentary_lufs = f64::NEG_INFINITY;
        self.short_term_lufs = f64::NEG_INFINITY;
        self.momentary_max_lufs = f64::NEG_INFINITY;
        self.short_term_max_lufs = f64::NEG_INFINITY;
        self.momentary_blocks.reset();
        self.short_term_blocks.reset();
    }

    /// Measures interleaved frames (`samples.len()` a multiple of the channel count, full scale
    /// ±1.0). Any block length works; results do not depend on how the input is split.
    pub fn process_interleaved(&mut self, samples: &[f32]) -> Result<(), LoudnessError> {
        self.process_interleaved_with(samples, |_| {})
    }

    /// Like [`LoudnessMeter::process_interleaved`], calling `on_tick` each time 100 ms of
    /// input has been completed (for meters and loudness-versus-time series).
    pub fn process_interleaved_with(
        &mut self,
        samples: &[f32],
        mut on_tick: impl FnMut(&LoudnessTick),
    ) -> Result<(), LoudnessError> {
        let n = self.num_channels;
        // (`is_multiple_of` would need Rust 1.87; the workspace supports 1.85.)
        if !samples.chunks_exact(n).remainder().is_empty() {
            return Err(LoudnessError::MismatchedBuffer);
        }
        let mut planes = std::mem::take(&mut self.planes);
        for chunk in samples.chunks(CHUNK_FRAMES * n) {
            let frames = chunk.len() / n;
            for (c, plane) in planes.chunks_exact_mut(CHUNK_FRAMES).take(n).enumerate() {
                for (dst, frame) in plane.iter_mut().zip(chunk.chunks_exact(n)) {
                    *dst = frame[c];
                }
            }
            let mut refs: [&[f32]; MAX_CHANNELS] = [&[]; MAX_CHANNELS];
            for (r, plane) in refs.iter_mut().zip(planes.chunks_exact(CHUNK_FRAMES)) {
                *r = &plane[..frames];
            }
            self.process_segments(&refs[..n], &mut on_tick);
        }
        self.planes = planes;
        Ok(())
    }

    /// Measures planar input: one slice per channel, all the same length.
    pub fn process_planar(&mut self, channels: &[&[f32]]) -> Result<(), LoudnessError> {
        self.process_planar_with(channels, |_| {})
    }

    /// Like [`LoudnessMeter::process_planar`], calling `on_tick` every 100 ms of input.
    pub fn process_planar_with(
        &mut self,
        channels: &[&[f32]],
        mut on_tick: impl FnMut(&LoudnessTick),
    ) -> Result<(), LoudnessError> {
        if channels.len() != self.num_channels {
            return Err(LoudnessError::MismatchedBuffer);
        }
        let len = channels[0].len();
        if channels.iter().any(|c| c.len() != len) {
            return Err(LoudnessError::MismatchedBuffer);
        }
        self.process_segments(channels, &mut on_tick);
        Ok(())
    }

    /// Splits planar input at chunk and 100 ms boundaries and measures each piece.
    fn process_segments(&mut self, channels: &[&[f32]], on_tick: &mut impl FnMut(&LoudnessTick)) {
        let len = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < len {
            let frames = (len - start)
                .min(self.frames_to_next_tick)
                .min(CHUNK_FRAMES);
            let end = start + frames;
            // K-weighting energy, two channels at a time where possible.
            let mut c = 0;
            while c < self.num_channels {
                let pair = c + 1 < self.num_channels
                    && self.weights[c] != 0.0
                    && self.weights[c + 1] != 0.0;
                if pair {
                    let (left, right) = self.k_states.split_at_mut(c + 1);
                    let sums = k_weighting::sum_of_squares_pair(
                        &self.k_coeffs,
                        [&mut left[c], &mut right[0]],
                        [&channels[c][start..end], &channels[c + 1][start..end]],
                    );
                    self.sub_block_sums[c] += sums[0];
                    self.sub_block_sums[c + 1] += sums[1];
                    c += 2;
                } else {
                    if self.weights[c] != 0.0 {
                        self.sub_block_sums[c] += k_weighting::sum_of_squares(
                            &self.k_coeffs,
                            &mut self.k_states[c],
                            &channels[c][start..end],
                        );
                    }
                    c += 1;
                }
            }
            for (c, channel) in channels.iter().enumerate() {
                self.peaks.process(c, &channel[start..end]);
            }
            self.num_frames += frames as u64;
            self.frames_to_next_tick -= frames;
            if self.frames_to_next_tick == 0 {
                self.frames_to_next_tick = self.frames_per_step;
                self.tick();
                on_tick(&LoudnessTick {
                    time_s: self.num_frames as f64 / self.sample_rate_hz as f64,
                    momentary_lufs: self.momentary_lufs,
                    short_term_lufs: self.short_term_lufs,
                });
            }
            start = end;
        }
    }

    /// Every 100 ms: close the sub-block, update momentary/short-term values, their maxima and
    /// the gating blocks.
    fn tick(&mut self) {
        self.num_ticks += 1;
        let mut weighted = 0.0;
        for (sum, w) in self.sub_block_sums.iter_mut().zip(self.weights) {
            weighted += w * *sum;
            *sum = 0.0;
        }
        self.sub_block_energies[self.sub_block_pos] = weighted / self.frames_per_step as f64;
        self.sub_block_pos = (self.sub_block_pos + 1) % SHORT_TERM_SUB_BLOCKS;
        let mut momentary_sum = 0.0;
        let mut short_term_sum = 0.0;
        for age in 0..SHORT_TERM_SUB_BLOCKS {
            let idx =
                (self.sub_block_pos + SHORT_TERM_SUB_BLOCKS - 1 - age) % SHORT_TERM_SUB_BLOCKS;
            let e = self.sub_block_energies[idx];
            if age < MOMENTARY_SUB_BLOCKS {
                momentary_sum += e;
            }
            short_term_sum += e;
        }
        let momentary_energy = momentary_sum / MOMENTARY_SUB_BLOCKS as f64;
        let short_term_energy = short_term_sum / SHORT_TERM_SUB_BLOCKS as f64;
        self.momentary_lufs = energy_to_lufs(momentary_energy);
        self.short_term_lufs = energy_to_lufs(short_term_energy);
        self.momentary_max_lufs = self.momentary_max_lufs.max(self.momentary_lufs);
        self.short_term_max_lufs = self.short_term_max_lufs.max(self.short_term_lufs);
        // Only complete windows are gating blocks (BS.1770-4 §2.8, Tech 3342 §2).
        if self.num_ticks >= MOMENTARY_SUB_BLOCKS as u64 {
            self.momentary_blocks.add(momentary_energy);
        }
        if self.num_ticks >= SHORT_TERM_SUB_BLOCKS as u64 {
            self.short_term_blocks.add(short_term_energy);
        }
    }

    /// Momentary loudness at the last 100 ms tick (400 ms window), in LUFS.
    pub fn momentary_lufs(&self) -> f64 {
        self.momentary_lufs
    }

    /// Short-term loudness at the last 100 ms tick (3 s window), in LUFS.
    pub fn short_term_lufs(&self) -> f64 {
        self.short_term_lufs
    }

    /// Integrated loudness so far (BS.1770-4 §2.8), in LUFS; `-inf` before any gated block.
    /// Scans a 10 000-bin histogram: cheap, but call it at display rate, not per sample.
    pub fn integrated_lufs(&self) -> f64 {
        self.momentary_blocks.integrated_lufs()
    }

    /// Loudness range so far (EBU Tech 3342), in LU.
    pub fn loudness_range_lu(&self) -> f64 {
        self.short_term_blocks.loudness_range_lu()
    }

    /// Highest sample peak so far over all channels, in dBFS.
    pub fn sample_peak_dbfs(&self) -> f64 {
        let peak = (0..self.num_channels)
            .map(|c| self.peaks.sample_peak(c))
            .fold(0.0f32, f32::max);
        gain_to_db(peak as f64)
    }

    /// Highest true peak so far over all channels (BS.1770-4 Annex 2), in dBTP.
    pub fn true_peak_dbtp(&self) -> f64 {
        let peak = (0..self.num_channels)
            .map(|c| self.peaks.true_peak(c))
            .fold(0.0f32, f32::max);
        gain_to_db(peak as f64)
    }

    /// All readings at once.
    pub fn readings(&self) -> LoudnessReadings {
        let integrated_lufs = self.integrated_lufs();
        let true_peak_dbtp = self.true_peak_dbtp();
        let plr_db = if integrated_lufs.is_finite() && true_peak_dbtp.is_finite() {
            true_peak_dbtp - integrated_lufs
        } else {
            f64::NAN
        };
        LoudnessReadings {
            integrated_lufs,
            lra_lu: self.loudness_range_lu(),
            momentary_max_lufs: self.momentary_max_lufs,
            short_term_max_lufs: self.short_term_max_lufs,
            sample_peak_dbfs: self.sample_peak_dbfs(),
            true_peak_dbtp,
            plr_db,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    const RATES_HZ: [u32; 3] = [44_100, 48_000, 96_000];

    /// A 1 kHz sine whose amplitude steps through `segments` of (seconds, dBFS peak), phase
    /// continuous, identical on `num_channels` interleaved channels.
    fn sine_segments(
        rate_hz: u32,
        num_channels: usize,
        freq_hz: f64,
        segments: &[(f64, f64)],
    ) -> Vec<f32> {
        let mut out = Vec::new();
        let mut n = 0u64;
        for &(seconds, level_db) in segments {
            let amp = 10f64.powf(level_db / 20.0);
            let frames = (seconds * rate_hz as f64).round() as u64;
            for _ in 0..frames {
                let x = (amp * (2.0 * PI * freq_hz * n as f64 / rate_hz as f64).sin()) as f32;
                for _ in 0..num_channels {
                    out.push(x);
                }
                n += 1;
            }
        }
        out
    }

    /// Runs `samples` through a stereo meter in odd-sized blocks, returning readings and ticks.
    fn measure(
        rate_hz: u32,
        num_channels: usize,
        samples: &[f32],
    ) -> (LoudnessReadings, Vec<LoudnessTick>) {
        let mut meter = LoudnessMeter::new(rate_hz, num_channels).unwrap();
        let mut ticks = Vec::new();
        for block in samples.chunks(1021 * num_channels) {
            meter
                .process_interleaved_with(block, |t| ticks.push(*t))
                .unwrap();
        }
        (meter.readings(), ticks)
    }

    fn assert_near(what: &str, rate_hz: u32, got: f64, want: f64, below: f64, above: f64) {
        let err = got - want;
        eprintln!("{what} @ {rate_hz} Hz: {got:.3} (want {want:.1}, error {err:+.3})");
        assert!(
            err >= -below && err <= above,
            "{what} @ {rate_hz} Hz: got {got:.3}, want {want} (-{below}/+{above})"
        );
    }

    /// Tech 3341 case 1 and 2: stereo 1 kHz sine, 20 s, at −23 and −33 dBFS → M, S, I equal.
    #[test]
    fn tech3341_cases_1_2_steady_sine() {
        for rate in RATES_HZ {
            for level in [-23.0, -33.0] {
                let x = sine_segments(rate, 2, 1000.0, &[(20.0, level)]);
                let (r, ticks) = measure(rate, 2, &x);
                let case = if level == -23.0 {
                    "3341-1 I"
                } else {
                    "3341-2 I"
                };
                assert_near(case, rate, r.integrated_lufs, level, 0.1, 0.1);
                assert_near("M_max", rate, r.momentary_max_lufs, level, 0.1, 0.1);
                assert_near("S_max", rate, r.short_term_max_lufs, level, 0.1, 0.1);
                // Every complete window reads the level.
                for t in ticks.iter().filter(|t| t.time_s > 3.05) {
                    assert!((t.momentary_lufs - level).abs() < 0.1, "{t:?}");
                    assert!((t.short_term_lufs - level).abs() < 0.1, "{t:?}");
                }
                assert!(r.lra_lu < 0.1, "LRA of a steady sine: {}", r.lra_lu);
            }
        }
    }

    /// Tech 3341 cases 3–5: the relative gate removes quiet passages.
    #[test]
    fn tech3341_cases_3_to_5_gating() {
        let cases: [(&str, &[(f64, f64)]); 3] = [
            ("3341-3", &[(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)]),
            (
                "3341-4",
                &[
                    (10.0, -72.0),
                    (10.0, -36.0),
                    (60.0, -23.0),
                    (10.0, -36.0),
                    (10.0, -72.0),
                ],
            ),
            ("3341-5", &[(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)]),
        ];
        for rate in RATES_HZ {
            for (name, segments) in cases {
                let x = sine_segments(rate, 2, 1000.0, segments);
                let (r, _) = measure(rate, 2, &x);
                assert_near(name, rate, r.integrated_lufs, -23.0, 0.1, 0.1);
            }
        }
    }

    /// Tech 3341 case 6 (5.0: L R −28, C −24, Ls Rs −30 dBFS → −23 LUFS, surrounds +1.5 dB)
    /// and the same with an LFE channel at 0 dBFS, which must not count.
    #[test]
    fn tech3341_case_6_multichannel_weights() {
        for rate in RATES_HZ {
            for with_lfe in [false, true] {
                let mut levels_db = vec![-28.0, -28.0, -24.0];
                if with_lfe {
                    levels_db.push(0.0);
                }
                levels_db.extend([-30.0, -30.0]);
                let num_channels = levels_db.len();
                let frames = 20 * rate as usize;
                let mut x = Vec::with_capacity(frames * num_channels);
                for n in 0..frames {
                    let s = (2.0 * PI * 1000.0 * n as f64 / rate as f64).sin();
                    for &l in &levels_db {
                        x.push((s * 10f64.powf(l / 20.0)) as f32);
                    }
                }
                let (r, _) = measure(rate, num_channels, &x);
                let name = if with_lfe { "3341-6 5.1" } else { "3341-6 5.0" };
                assert_near(name, rate, r.integrated_lufs, -23.0, 0.1, 0.1);
            }
        }
    }

    /// Tech 3341 case 9 (short-term steady at −23 LUFS after 3 s: 1.34 s at −20, 1.66 s at −30
    /// dBFS, repeated) and case 12 (momentary steady at −23 after 400 ms: 0.18 s at −20,
    /// 0.22 s at −30, repeated).
    #[test]
    fn tech3341_cases_9_12_windows() {
        for rate in RATES_HZ {
            let seg9: Vec<(f64, f64)> = (0..10)
                .flat_map(|_| [(1.34, -20.0), (1.66, -30.0)])
                .collect();
            let (_, ticks) = measure(rate, 2, &sine_segments(rate, 2, 1000.0, &seg9));
            let worst = ticks
                .iter()
                .filter(|t| t.time_s > 3.05)
                .map(|t| t.short_term_lufs + 23.0)
                .fold(0.0f64, |a, e| if e.abs() > a.abs() { e } else { a });
            assert_near("3341-9 S", rate, -23.0 + worst, -23.0, 0.1, 0.1);

            let seg12: Vec<(f64, f64)> = (0..50)
                .flat_map(|_| [(0.18, -20.0), (0.22, -30.0)])
                .collect();
            let (_, ticks) = measure(rate, 2, &sine_segments(rate, 2, 1000.0, &seg12));
            let worst = ticks
                .iter()
                .filter(|t| t.time_s > 0.45)
                .map(|t| t.momentary_lufs + 23.0)
                .fold(0.0f64, |a, e| if e.abs() > a.abs() { e } else { a });
            assert_near("3341-12 M", rate, -23.0 + worst, -23.0, 0.1, 0.1);
        }
    }

    /// True peak, in the spirit of Tech 3341 cases 15–23: sines whose samples miss the crest.
    #[test]
    fn tech3341_true_peak_cases() {
        for rate in RATES_HZ {
            let fs = rate as f64;
            // (name, frequency, phase at n = 0, amplitude dB, expected TP dBTP, expected SP dBFS)
            let cases = [
                ("TP fs/4 0deg -6", fs / 4.0, PI / 2.0, -6.0, -6.0, -6.0),
                ("TP fs/4 45deg -6", fs / 4.0, PI / 4.0, -6.0, -6.0, -9.01),
                // Case 19: sample peak 0 dBFS, true peak +3 dBTP.
                ("TP fs/4 45deg +3", fs / 4.0, PI / 4.0, 3.01, 3.01, 0.0),
                ("TP fs/6 -6", fs / 6.0, 0.3, -6.0, -6.0, f64::NAN),
                ("TP 1k 0dBFS", 1000.0, 0.0, 0.0, 0.0, f64::NAN),
            ];
            for (name, freq, phase, amp_db, tp_db, sp_db) in cases {
                let amp = 10f64.powf(amp_db / 20.0);
                let frames = rate as usize; // 1 s
                let x: Vec<f32> = (0..frames)
                    .flat_map(|n| {
                        // 10 ms fade-in: an abrupt start really overshoots (Gibbs), which
                        // is not what these cases test.
                        let fade = (n as f64 / (0.01 * fs)).min(1.0);
                        let s =
                            (fade * amp * (2.0 * PI * freq * n as f64 / fs + phase).sin()) as f32;
                        [s, s]
                    })
                    .collect();
                let (r, _) = measure(rate, 2, &x);
                assert_near(name, rate, r.true_peak_dbtp, tp_db, 0.4, 0.2);
                if sp_db.is_finite() {
                    assert_near("  sample peak", rate, r.sample_peak_dbfs, sp_db, 0.02, 0.02);
                }
                assert!(r.true_peak_dbtp >= r.sample_peak_dbfs - 1e-9);
            }
        }
    }

    /// Tech 3342 cases 1–4: loudness range of sines stepping between levels (20 s each).
    #[test]
    fn tech3342_lra_cases() {
        let cases: [(&str, &[f64], f64); 4] = [
            ("3342-1", &[-20.0, -30.0], 10.0),
            ("3342-2", &[-20.0, -15.0], 5.0),
            ("3342-3", &[-40.0, -20.0], 20.0),
            ("3342-4", &[-50.0, -35.0, -20.0, -35.0, -50.0], 15.0),
        ];
        for rate in RATES_HZ {
            for (name, levels, lra) in cases {
                let segments: Vec<(f64, f64)> = levels.iter().map(|&l| (20.0, l)).collect();
                let (r, _) = measure(rate, 2, &sine_segments(rate, 2, 1000.0, &segments));
                assert_near(name, rate, r.lra_lu, lra, 1.0, 1.0);
            }
        }
    }

    /// Programme-like signal (filtered noise, level riding, a transient) at several rates and
    /// layouts: every reading agrees with the `ebur128` crate, the reference implementation
    /// (exact mode, no histogram).
    #[test]
    fn agrees_with_ebur128_reference() {
        use ebur128::{Channel, EbuR128, Mode};
        for (rate, layout) in [
            (44_100u32, vec![ChannelRole::Left, ChannelRole::Right]),
            (48_000, ChannelRole::default_layout(6).unwrap().to_vec()),
            (96_000, vec![ChannelRole::Center]),
            (22_050, vec![ChannelRole::Left, ChannelRole::Right]),
        ] {
            let n = layout.len();
            let frames = rate as usize * 25;
            let mut state = 0x9e37_79b9_7f4a_7c15u64;
            let mut lp = [0.0f64; MAX_CHANNELS];
            let mut x = Vec::with_capacity(frames * n);
            for i in 0..frames {
                let t = i as f64 / rate as f64;
                let ride = 0.05 + 0.45 * (0.5 + 0.5 * (2.0 * PI * t / 7.0).sin());
                for (c, lp) in lp.iter_mut().enumerate().take(n) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let white = (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
                    *lp += 0.2 * (white - *lp);
                    let click = if i == frames / 3 { 0.2 } else { 0.0 };
                    x.push((ride * *lp * (1.0 + c as f64 * 0.1) + click) as f32);
                }
            }
            let (ours, _) = {
                let mut m = LoudnessMeter::with_layout(rate, &layout).unwrap();
                m.process_interleaved(&x).unwrap();
                (m.readings(), ())
            };
            let mut reference =
                EbuR128::new(n as u32, rate, Mode::all() - Mode::HISTOGRAM).unwrap();
            let map: Vec<Channel> = layout
                .iter()
                .map(|r| match r {
                    ChannelRole::Lfe => Channel::Unused,
                    ChannelRole::LeftSurround => Channel::LeftSurround,
                    ChannelRole::RightSurround => Channel::RightSurround,
                    ChannelRole::Center => Channel::Center,
                    ChannelRole::Right => Channel::Right,
                    _ => Channel::Left,
                })
                .collect();
            reference.set_channel_map(&map).unwrap();
            let mut m_max = f64::NEG_INFINITY;
            let mut s_max = f64::NEG_INFINITY;
            let step = (rate as usize + 5) / 10;
            for block in x.chunks(step * n) {
                reference.add_frames_f32(block).unwrap();
                m_max = m_max.max(reference.loudness_momentary().unwrap());
                s_max = s_max.max(reference.loudness_shortterm().unwrap());
            }
            let peak = |f: &dyn Fn(u32) -> f64| (0..n as u32).map(f).fold(0.0, f64::max);
            let tp = 20.0 * peak(&|c| reference.true_peak(c).unwrap()).log10();
            let sp = 20.0 * peak(&|c| reference.sample_peak(c).unwrap()).log10();
            let i = reference.loudness_global().unwrap();
            let lra = reference.loudness_range().unwrap();
            eprintln!(
                "{rate} Hz {n} ch: I {:.4}/{i:.4} LRA {:.3}/{lra:.3} M {:.4}/{m_max:.4} \
                 S {:.4}/{s_max:.4} SP {:.4}/{sp:.4} TP {:.4}/{tp:.4}",
                ours.integrated_lufs,
                ours.lra_lu,
                ours.momentary_max_lufs,
                ours.short_term_max_lufs,
                ours.sample_peak_dbfs,
                ours.true_peak_dbtp
            );
            assert!((ours.integrated_lufs - i).abs() < 0.01, "I");
            // LRA: ebur128 takes a short-term block every 1 s, we (like ffmpeg) every 100 ms.
            assert!((ours.lra_lu - lra).abs() < 0.5, "LRA");
            assert!((ours.momentary_max_lufs - m_max).abs() < 1e-6, "M_max");
            assert!((ours.short_term_max_lufs - s_max).abs() < 1e-6, "S_max");
            assert!((ours.sample_peak_dbfs - sp).abs() < 1e-6, "sample peak");
            // Our interpolator is longer (more accurate near 20 kHz) than ebur128's.
            assert!((ours.true_peak_dbtp - tp).abs() < 0.3, "true peak");
        }
    }

    /// Asserts two sets of readings equal up to f64 summation-order rounding.
    fn assert_same(a: &LoudnessReadings, b: &LoudnessReadings, what: &str) {
        let pairs = [
            (a.integrated_lufs, b.integrated_lufs),
            (a.lra_lu, b.lra_lu),
            (a.momentary_max_lufs, b.momentary_max_lufs),
            (a.short_term_max_lufs, b.short_term_max_lufs),
            (a.sample_peak_dbfs, b.sample_peak_dbfs),
            (a.true_peak_dbtp, b.true_peak_dbtp),
            (a.plr_db, b.plr_db),
        ];
        for (x, y) in pairs {
            assert!((x - y).abs() < 1e-9, "{what}: {a:?} vs {b:?}");
        }
    }

    /// Block size and planar/interleaved layout do not change any reading (beyond rounding).
    #[test]
    fn block_size_and_layout_independence() {
        let rate = 48_000;
        let x = sine_segments(rate, 2, 997.0, &[(4.0, -18.0), (3.0, -30.0)]);
        let reference = {
            let mut m = LoudnessMeter::new(rate, 2).unwrap();
            m.process_interleaved(&x).unwrap();
            m.readings()
        };
        for block_frames in [1, 7, 64, 4096] {
            let mut m = LoudnessMeter::new(rate, 2).unwrap();
            for block in x.chunks(block_frames * 2) {
                m.process_interleaved(block).unwrap();
            }
            assert_same(
                &m.readings(),
                &reference,
                &format!("interleaved, block {block_frames}"),
            );

            let mut m = LoudnessMeter::new(rate, 2).unwrap();
            for block in x.chunks(block_frames * 2) {
                let l: Vec<f32> = block.iter().step_by(2).copied().collect();
                let r: Vec<f32> = block.iter().skip(1).step_by(2).copied().collect();
                m.process_planar(&[&l, &r]).unwrap();
            }
            assert_same(
                &m.readings(),
                &reference,
                &format!("planar, block {block_frames}"),
            );
        }
    }

    /// Sample-rate and channel-count limits, odd rates, reset, silence and bad buffers.
    #[test]
    fn limits_reset_and_silence() {
        assert!(LoudnessMeter::new(7_999, 2).is_err());
        assert!(LoudnessMeter::new(384_001, 2).is_err());
        assert!(LoudnessMeter::new(48_000, 0).is_err());
        assert!(LoudnessMeter::new(48_000, 9).is_err());
        // 8 kHz, 11.025 kHz (odd 100 ms step) and 384 kHz, mono: a 1 kHz sine at −20 dBFS on
        // one front channel reads −23.01 LUFS (half the power of the stereo case).
        for rate in [8_000, 11_025, 384_000] {
            let x = sine_segments(rate, 1, 1000.0, &[(10.0, -20.0)]);
            let (r, _) = measure(rate, 1, &x);
            assert_near("mono -20 dBFS", rate, r.integrated_lufs, -23.01, 0.1, 0.1);
        }
        let mut m = LoudnessMeter::new(48_000, 2).unwrap();
        assert_eq!(
            m.process_interleaved(&[0.0; 3]),
            Err(LoudnessError::MismatchedBuffer)
        );
        m.process_interleaved(&vec![0.0; 96_000]).unwrap();
        let r = m.readings();
        assert_eq!(r.integrated_lufs, f64::NEG_INFINITY);
        assert_eq!(r.true_peak_dbtp, f64::NEG_INFINITY);
        assert!(r.plr_db.is_nan());
        assert_eq!(r.lra_lu, 0.0);
        m.process_interleaved(&sine_segments(48_000, 2, 1000.0, &[(5.0, -10.0)]))
            .unwrap();
        m.reset();
        m.process_interleaved(&sine_segments(48_000, 2, 1000.0, &[(5.0, -23.0)]))
            .unwrap();
        let r = m.readings();
        assert!((r.integrated_lufs + 23.0).abs() < 0.05);
        // A sine's true peak equals its amplitude, and a stereo 1 kHz sine's loudness too.
        assert!(r.plr_db.abs() < 0.1, "PLR {}", r.plr_db);
        assert_eq!(m.num_frames(), 5 * 48_000);
    }
}
