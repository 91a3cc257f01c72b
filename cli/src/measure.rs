//! Decoding a file with symphonia and measuring it with `shared_dsp::loudness`.

use shared_dsp::loudness::{ChannelRole, LoudnessMeter, LoudnessReadings, LoudnessTick};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use symphonia::core::audio::{Channels, Position};
use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_FLAC, CODEC_ID_PCM_MULAW, CODEC_ID_PCM_S32LE,
};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

/// The result of measuring one file.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Sample rate of the decoded audio, in Hz.
    pub sample_rate_hz: u32,
    /// Number of channels.
    pub num_channels: usize,
    /// Decoded length, in frames.
    pub num_frames: u64,
    /// The summary readings.
    pub readings: LoudnessReadings,
    /// Momentary and short-term loudness every 100 ms (only when asked for).
    pub series: Vec<LoudnessTick>,
}

/// A `File` that counts the bytes read into a shared counter (for the progress bar).
struct CountingFile {
    file: File,
    len_bytes: u64,
    bytes_read: Arc<AtomicU64>,
    last_pos: u64,
}

impl Read for CountingFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.last_pos += n as u64;
        self.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Seek for CountingFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let new_pos = self.file.seek(pos)?;
        // Seeking back re-reads bytes; count progress by position so the bar never overshoots.
        let delta = new_pos as i64 - self.last_pos as i64;
        if delta >= 0 {
            self.bytes_read.fetch_add(delta as u64, Ordering::Relaxed);
        } else {
            self.bytes_read
                .fetch_sub((-delta) as u64, Ordering::Relaxed);
        }
        self.last_pos = new_pos;
        Ok(new_pos)
    }
}

impl MediaSource for CountingFile {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len_bytes)
    }
}

/// Describes an I/O error in a few lowercase words.
fn describe_io(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::UnexpectedEof => "truncated (unexpected end of file)".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => err.to_string(),
    }
}

/// Describes a symphonia error while probing or reading.
fn describe_symphonia(err: &SymphoniaError) -> String {
    match err {
        SymphoniaError::IoError(e) => describe_io(e),
        SymphoniaError::DecodeError(msg) => format!("undecodable: malformed stream ({msg})"),
        SymphoniaError::Unsupported(what) => format!("unsupported: {what}"),
        SymphoniaError::LimitError(what) => format!("undecodable: limit reached ({what})"),
        other => other.to_string(),
    }
}

/// BS.1770-4 roles for the file's channels: from the speaker positions when the file declares
/// them, else the usual layout for the channel count.
fn channel_layout(channels: Option<&Channels>, num_channels: usize) -> Option<Vec<ChannelRole>> {
    if let Some(Channels::Positioned(positions)) = channels {
        if positions.bits().count_ones() as usize == num_channels {
            let has_sides = positions.contains(Position::SIDE_LEFT);
            let roles: Vec<ChannelRole> = (0..64)
                .map(|bit| 1u64 << bit)
                .filter(|bit| positions.bits() & bit != 0)
                .map(|bit| role_for(Position::from_bits_retain(bit), has_sides, num_channels))
                .collect();
            return Some(roles);
        }
    }
    ChannelRole::default_layout(num_channels).map(|l| l.to_vec())
}

/// The BS.1770-4 role of one speaker position. WAV's "back" pair is the 5.1 surround pair
/// (±110°, +1.5 dB) unless the file also has side channels (7.1: back = ±135°, 0 dB).
fn role_for(pos: Position, has_sides: bool, num_channels: usize) -> ChannelRole {
    match pos {
        Position::FRONT_LEFT => ChannelRole::Left,
        Position::FRONT_RIGHT => ChannelRole::Right,
        Position::FRONT_CENTER => ChannelRole::Center,
        Position::LFE1 | Position::LFE2 => ChannelRole::Lfe,
        Position::REAR_LEFT if has_sides => ChannelRole::LeftBack,
        Position::REAR_RIGHT if has_sides => ChannelRole::RightBack,
        Position::REAR_LEFT => ChannelRole::LeftSurround,
        Position::REAR_RIGHT => ChannelRole::RightSurround,
        Position::SIDE_LEFT => ChannelRole::LeftSide,
        Position::SIDE_RIGHT => ChannelRole::RightSide,
        Position::REAR_CENTER => ChannelRole::BackCenter,
        Position::FRONT_LEFT_CENTER | Position::FRONT_LEFT_WIDE => ChannelRole::Left,
        Position::FRONT_RIGHT_CENTER | Position::FRONT_RIGHT_WIDE => ChannelRole::Right,
        _ if num_channels == 1 => ChannelRole::Center,
        _ => ChannelRole::Other,
    }
}

/// Whether every sample is finite. `v * 0.0` is 0 for finite `v` and NaN otherwise; eight
/// independent lanes let the compiler vectorise the scan (a plain `any` loop is 10 % of a run).
fn all_finite(x: &[f32]) -> bool {
    let mut lanes = [0f32; 8];
    let mut chunks = x.chunks_exact(8);
    for chunk in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += v * 0.0;
        }
    }
    lanes.iter().all(|&l| l == 0.0) && chunks.remainder().iter().all(|v| v.is_finite())
}

/// Frames per batch handed from the decoding thread to the measuring thread.
const BATCH_FRAMES: usize = 16_384;

/// The measuring side of [`measure_file`]: feeds every batch to the meter and sends the
/// emptied batch back for reuse.
fn run_meter(
    mut meter: LoudnessMeter,
    batches: mpsc::Receiver<Vec<Vec<f32>>>,
    recycle: mpsc::Sender<Vec<Vec<f32>>>,
    want_series: bool,
) -> Result<(LoudnessMeter, Vec<LoudnessTick>), String> {
    let mut series = Vec::new();
    for batch in batches {
        let refs: Vec<&[f32]> = batch.iter().map(|p| p.as_slice()).collect();
        let result = if want_series {
            meter.process_planar_with(&refs, |t| series.push(*t))
        } else {
            meter.process_planar(&refs)
        };
        result.map_err(|e| e.to_string())?;
        let _ = recycle.send(batch);
    }
    Ok((meter, series))
}

/// Opens, decodes and measures `path`. `bytes_read` advances as the file is read; `want_series`
/// keeps the 100 ms momentary/short-term values. Every failure is a one-line reason.
pub fn measure_file(
    path: &Path,
    want_series: bool,
    bytes_read: Arc<AtomicU64>,
) -> Result<Measurement, String> {
    let file = File::open(path).map_err(|e| describe_io(&e))?;
    let metadata = file.metadata().map_err(|e| describe_io(&e))?;
    if metadata.is_dir() {
        return Err("is a directory".to_string());
    }
    let len_bytes = metadata.len();
    if len_bytes == 0 {
        return Err("empty file".to_string());
    }
    let source = CountingFile {
        file,
        len_bytes,
        bytes_read,
        last_pos: 0,
    };
    let mss = MediaSourceStream::new(Box::new(source), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymphoniaError::Unsupported(_) => "unsupported or unrecognised format".to_string(),
            SymphoniaError::IoError(ref io) if io.kind() == io::ErrorKind::UnexpectedEof => {
                "truncated or unrecognised (file ends inside its header)".to_string()
            }
            other => describe_symphonia(&other),
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| "no audio track".to_string())?;
    let track_id = track.id;
    let num_frames_in_header = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| "no audio track".to_string())?
        .clone();
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| match e {
            SymphoniaError::Unsupported(_) => "unsupported codec".to_string(),
            other => describe_symphonia(&other),
        })?;

    // Decoding (this thread) and measuring (a worker) overlap: batches of planar audio go
    // through a small bounded channel, and emptied batches come back for reuse.
    let (meter, series) = std::thread::scope(|scope| {
        let (batch_tx, batch_rx) = mpsc::sync_channel::<Vec<Vec<f32>>>(4);
        let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<Vec<f32>>>();
        let mut batch_rx = Some(batch_rx);
        let mut recycle_tx = Some(recycle_tx);
        let mut worker = None;
        let mut batch: Vec<Vec<f32>> = Vec::new();
        let mut spec_seen: Option<(u32, usize)> = None;
        let decoded: Result<(), String> = (|| {
            loop {
                let packet = match format.next_packet() {
                    Ok(Some(packet)) => packet,
                    Ok(None) => return Ok(()),
                    Err(e) => return Err(describe_symphonia(&e)),
                };
                if packet.track_id != track_id {
                    continue;
                }
                let buf = decoder
                    .decode(&packet)
                    .map_err(|e| describe_symphonia(&e))?;
                let frames = buf.frames();
                if frames == 0 {
                    continue;
                }
                let spec = buf.spec();
                let (rate, num_channels) = (spec.rate(), spec.channels().count());
                match spec_seen {
                    None => {
                        let layout = channel_layout(params.channels.as_ref(), num_channels)
                            .ok_or_else(|| {
                                format!(
                                    "unsupported channel count {num_channels} \
                                     (supported: 1-8, mono to 7.1)"
                                )
                            })?;
                        let meter =
                            LoudnessMeter::with_layout(rate, &layout).map_err(|e| e.to_string())?;
                        let (Some(rx), Some(recycle)) = (batch_rx.take(), recycle_tx.take()) else {
                            return Err("internal error: worker started twice".to_string());
                        };
                        worker =
                            Some(scope.spawn(move || run_meter(meter, rx, recycle, want_series)));
                        spec_seen = Some((rate, num_channels));
                        batch = vec![Vec::with_capacity(BATCH_FRAMES + frames); num_channels];
                    }
                    Some(seen) if seen != (rate, num_channels) => {
                        return Err(
                            "undecodable: channel count or sample rate changes mid-stream"
                                .to_string(),
                        );
                    }
                    Some(_) => {}
                }
                let start = batch[0].len();
                for plane in batch.iter_mut() {
                    plane.resize(start + frames, 0.0);
                }
                let mut tails: Vec<&mut [f32]> =
                    batch.iter_mut().map(|p| &mut p[start..]).collect();
                buf.copy_to_slice_planar::<f32, _>(&mut tails);
                // Float files can hold NaN or infinity, which would poison the filters.
                if !tails.iter().all(|t| all_finite(t)) {
                    return Err("undecodable: non-finite samples (NaN or infinity)".to_string());
                }
                if start + frames >= BATCH_FRAMES {
                    let mut next = recycle_rx.try_recv().unwrap_or_default();
                    next.resize_with(num_channels, Vec::new);
                    for plane in next.iter_mut() {
                        plane.clear();
                    }
                    let full = std::mem::replace(&mut batch, next);
                    if batch_tx.send(full).is_err() {
                        // The worker stopped early; its error is reported at join.
                        return Ok(());
                    }
                }
            }
        })();
        if decoded.is_ok() && batch.first().is_some_and(|p| !p.is_empty()) {
            let _ = batch_tx.send(std::mem::take(&mut batch));
        }
        drop(batch_tx);
        let measured = match worker {
            Some(handle) => match handle.join() {
                Ok(result) => result,
                Err(_) => Err("undecodable: measurement failed (internal error)".to_string()),
            },
            None => Err("no audio samples".to_string()),
        };
        decoded?;
        measured
    })?;
    let num_frames = meter.num_frames();
    // WAV, AIFF and FLAC headers state the exact length: fewer frames means a cut-off file.
    // (Lossy formats' lengths can be estimates, so they are not checked.)
    let exact_length = params.codec == CODEC_ID_FLAC
        || (CODEC_ID_PCM_S32LE..=CODEC_ID_PCM_MULAW).contains(&params.codec);
    if let Some(expected) = num_frames_in_header.filter(|_| exact_length) {
        if num_frames < expected {
            return Err(format!(
                "truncated: header promises {expected} frames, file holds {num_frames}"
            ));
        }
    }
    Ok(Measurement {
        sample_rate_hz: meter.sample_rate_hz(),
        num_channels: meter.num_channels(),
        num_frames,
        readings: meter.readings(),
        series,
    })
}
