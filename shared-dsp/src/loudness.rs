//! Loudness and true-peak measurement after ITU-R BS.1770-4, EBU R 128, EBU Tech 3341 (loudness
//! metering, "EBU mode") and EBU Tech 3342 (loudness range).
//!
//! [`LoudnessMeter`] wraps the `ebur128` crate (a port of libebur128) for the parts it does well
//! and that would be wasteful to re-derive: the K-weighting pre-filter and RLB high-pass
//! (BS.1770-4 Annex 1), the BS.1770-4 channel weights, the 400 ms / 3 s sliding windows, the
//! sample peak and the true peak (BS.1770-4 Annex 2, polyphase FIR interpolation).
//!
//! It adds, on top of `ebur128`:
//!
//! * maximum momentary and maximum short-term loudness, and a callback every 100 ms for a
//!   loudness-versus-time series (Tech 3341 §2.2 asks meters to update at least 10 times a second);
//! * its own gating histograms for integrated loudness (BS.1770-4 §2.8, two-stage gate) and
//!   loudness range (Tech 3342 §2). `ebur128` offers either an unbounded queue of every gating
//!   block or a histogram of 0.1 LU bins that returns bin *centres*; the latter reads a steady
//!   −23.0 LUFS sine as −22.95 or −23.05 LUFS, half the Tech 3341 tolerance gone before any other
//!   error. Our histograms have 0.01 LU bins and keep the exact energy sum of each bin, so
//!   integrated loudness is exact except for blocks within 0.01 LU of the relative gate, and
//!   memory stays fixed (about 320 kB) however many hours are measured.
//!
//! Nothing in `process_*` allocates: the meter is usable on an audio thread once built.

use ebur128::{Channel, EbuR128, Mode};
use std::fmt;

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

/// Converts a loudness in LUFS back to BS.1770-4 mean-square energy.
#[inline]
fn lufs_to_energy(lufs: f64) -> f64 {
    if lufs.is_finite() {
        10f64.powf((lufs - LOUDNESS_OFFSET_DB) / 10.0)
    } else if lufs > 0.0 {
        f64::INFINITY
    } else {
        0.0
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
    /// `ebur128` refused the configuration (out of memory or invalid mode).
    Backend,
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
            Self::Backend => write!(f, "loudness analyser could not be initialised"),
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
    /// The `ebur128` channel that carries this role's BS.1770-4 weight.
    fn to_ebur128(self) -> Channel {
        match self {
            Self::Left => Channel::Left,
            Self::Right => Channel::Right,
            Self::Center => Channel::Center,
            Self::Lfe => Channel::Unused,
            Self::LeftSurround => Channel::LeftSurround,
            Self::RightSurround => Channel::RightSurround,
            Self::LeftSide => Channel::Mp090,
            Self::RightSide => Channel::Mm090,
            Self::LeftBack => Channel::Mp135,
            Self::RightBack => Channel::Mm135,
            Self::BackCenter => Channel::Mp180,
            Self::DualMono => Channel::DualMono,
            Self::Other => Channel::Up000,
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
    /// `ebur128` oversamples 4× below 96 kHz, 2× below 192 kHz and not at all from 192 kHz
    /// on, i.e. always to at least 176.4 kHz, which is what Annex 2's "4× at 48 kHz" aims at.
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
/// `new` allocates (about 320 kB plus a 3 s buffer); `process_*`, `reset` and the getters do
/// not, so the meter can run on an audio thread. Memory does not grow with the amount of audio.
/// Input must be finite: a NaN poisons the filters until [`LoudnessMeter::reset`].
pub struct LoudnessMeter {
    /// The wrapped libebur128 port: filters, windows, peaks.
    analyser: EbuR128,
    /// Sample rate, in Hz.
    sample_rate_hz: u32,
    /// Number of interleaved channels.
    num_channels: usize,
    /// Frames in one 100 ms step, rounded as `ebur128` rounds it, so our ticks fall exactly
    /// where its gating blocks end.
    frames_per_step: usize,
    /// Whether `ebur128`'s 100 ms window query covers exactly `frames_per_step` frames (true
    /// for every rate that is a multiple of 10 Hz). Then momentary and short-term energies are
    /// means of 100 ms sub-block energies (cheap); otherwise they are queried directly.
    sub_blocks_exact: bool,
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
    /// The layout's length is the channel count (1–8). [`ChannelRole::DualMono`] is only
    /// allowed for a single channel. Allocates.
    pub fn with_layout(sample_rate_hz: u32, layout: &[ChannelRole]) -> Result<Self, LoudnessError> {
        let num_channels = layout.len();
        if !(MIN_SAMPLE_RATE_HZ..=MAX_SAMPLE_RATE_HZ).contains(&sample_rate_hz) {
            return Err(LoudnessError::UnsupportedSampleRate(sample_rate_hz));
        }
        if num_channels == 0 || num_channels > MAX_CHANNELS {
            return Err(LoudnessError::UnsupportedChannelCount(num_channels));
        }
        let mut analyser = EbuR128::new(
            num_channels as u32,
            sample_rate_hz,
            Mode::S | Mode::SAMPLE_PEAK | Mode::TRUE_PEAK,
        )
        .map_err(|_| LoudnessError::Backend)?;
        let map: Vec<Channel> = layout.iter().map(|r| r.to_ebur128()).collect();
        analyser
            .set_channel_map(&map)
            .map_err(|_| LoudnessError::MismatchedBuffer)?;
        // Same rounding as ebur128 (`samples_in_100ms`).
        let frames_per_step = (sample_rate_hz as usize + 5) / 10;
        let sub_blocks_exact = sample_rate_hz as usize * 100 / 1000 == frames_per_step;
        Ok(Self {
            analyser,
            sample_rate_hz,
            num_channels,
            frames_per_step,
            sub_blocks_exact,
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
        self.analyser.reset();
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
        // (`is_multiple_of` would need Rust 1.87; the workspace supports 1.85.)
        if !samples
            .chunks_exact(self.num_channels)
            .remainder()
            .is_empty()
        {
            return Err(LoudnessError::MismatchedBuffer);
        }
        let mut rest = samples;
        while !rest.is_empty() {
            let frames = (rest.len() / self.num_channels).min(self.frames_to_next_tick);
            let (now, later) = rest.split_at(frames * self.num_channels);
            self.analyser
                .add_frames_f32(now)
                .map_err(|_| LoudnessError::Backend)?;
            self.advance(frames, &mut on_tick)?;
            rest = later;
        }
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
        let mut start = 0;
        while start < len {
            let frames = (len - start).min(self.frames_to_next_tick);
            // A fixed array of sub-slices: no allocation on the audio thread.
            let mut parts: [&[f32]; MAX_CHANNELS] = [&[]; MAX_CHANNELS];
            for (part, channel) in parts.iter_mut().zip(channels) {
                *part = &channel[start..start + frames];
            }
            self.analyser
                .add_frames_planar_f32(&parts[..self.num_channels])
                .map_err(|_| LoudnessError::Backend)?;
            self.advance(frames, &mut on_tick)?;
            start += frames;
        }
        Ok(())
    }

    /// Book-keeping after `frames` frames went into the analyser; never crosses a tick.
    #[inline]
    fn advance(
        &mut self,
        frames: usize,
        on_tick: &mut impl FnMut(&LoudnessTick),
    ) -> Result<(), LoudnessError> {
        self.num_frames += frames as u64;
        self.frames_to_next_tick -= frames;
        if self.frames_to_next_tick == 0 {
            self.frames_to_next_tick = self.frames_per_step;
            self.tick()?;
            on_tick(&LoudnessTick {
                time_s: self.num_frames as f64 / self.sample_rate_hz as f64,
                momentary_lufs: self.momentary_lufs,
                short_term_lufs: self.short_term_lufs,
            });
        }
        Ok(())
    }

    /// Every 100 ms: update momentary/short-term values, their maxima and the gating blocks.
    fn tick(&mut self) -> Result<(), LoudnessError> {
        self.num_ticks += 1;
        let (momentary_energy, short_term_energy) = if self.sub_blocks_exact {
            let sub_lufs = self
                .analyser
                .loudness_window(100)
                .map_err(|_| LoudnessError::Backend)?;
            self.sub_block_energies[self.sub_block_pos] = lufs_to_energy(sub_lufs);
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
            (
                momentary_sum / MOMENTARY_SUB_BLOCKS as f64,
                short_term_sum / SHORT_TERM_SUB_BLOCKS as f64,
            )
        } else {
            let m = self
                .analyser
                .loudness_momentary()
                .map_err(|_| LoudnessError::Backend)?;
            let s = self
                .analyser
                .loudness_shortterm()
                .map_err(|_| LoudnessError::Backend)?;
            (lufs_to_energy(m), lufs_to_energy(s))
        };
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
        Ok(())
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
    /// Scans two 10 000-bin histograms: cheap, but call it at display rate, not per sample.
    pub fn integrated_lufs(&self) -> f64 {
        self.momentary_blocks.integrated_lufs()
    }

    /// Loudness range so far (EBU Tech 3342), in LU.
    pub fn loudness_range_lu(&self) -> f64 {
        self.short_term_blocks.loudness_range_lu()
    }

    /// Highest sample peak so far over all channels, in dBFS.
    pub fn sample_peak_dbfs(&self) -> f64 {
        let peak = (0..self.num_channels as u32)
            .filter_map(|c| self.analyser.sample_peak(c).ok())
            .fold(0.0f64, f64::max);
        gain_to_db(peak)
    }

    /// Highest true peak so far over all channels (BS.1770-4 Annex 2), in dBTP.
    pub fn true_peak_dbtp(&self) -> f64 {
        let peak = (0..self.num_channels as u32)
            .filter_map(|c| self.analyser.true_peak(c).ok())
            .fold(0.0f64, f64::max);
        gain_to_db(peak)
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
                        let s = (amp * (2.0 * PI * freq * n as f64 / fs + phase).sin()) as f32;
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

    /// Block size and planar/interleaved layout do not change any reading.
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
            assert_eq!(m.readings(), reference, "interleaved, block {block_frames}");

            let mut m = LoudnessMeter::new(rate, 2).unwrap();
            for block in x.chunks(block_frames * 2) {
                let l: Vec<f32> = block.iter().step_by(2).copied().collect();
                let r: Vec<f32> = block.iter().skip(1).step_by(2).copied().collect();
                m.process_planar(&[&l, &r]).unwrap();
            }
            assert_eq!(m.readings(), reference, "planar, block {block_frames}");
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
