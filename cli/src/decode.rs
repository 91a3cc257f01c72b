//! Decoding audio files with symphonia: planar `f32` frames, the channel layout a file
//! declares (for BS.1770 weighting), and the checks every command shares (truncation,
//! non-finite samples, a format that changes mid-stream), each failure in a few words.

use shared_dsp::loudness::ChannelRole;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use symphonia::core::audio::{Channels, Position};
use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_FLAC, CODEC_ID_PCM_MULAW, CODEC_ID_PCM_S32LE,
};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

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

/// What a WAV file's `fmt ` chunk says about speaker positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WavChannelMask {
    /// Not a RIFF/WAVE file, or a header this quick scan cannot follow (symphonia decides).
    NotWav,
    /// A WAV file that declares no positions: a plain `WAVEFORMAT`/`WAVEFORMATEX` (PCM, IEEE
    /// float, A-law, µ-law, ...) or a `WAVE_FORMAT_EXTENSIBLE` with `dwChannelMask == 0`.
    Undeclared,
    /// A `WAVE_FORMAT_EXTENSIBLE` file's non-zero `dwChannelMask`.
    Declared(u32),
}

/// Reads the channel mask from a WAV file's `fmt ` chunk, leaving `file` at its start.
///
/// This is needed because symphonia (0.6) does not say whether positions were declared: for a
/// WAV without a mask it synthesises the first `n` mask bits (`Position::from_count`, and
/// `fix_wave_channel_mask(0, n)` for mask 0), i.e. FL FR FC LFE BL BR ... So a 5-channel WAV
/// with no mask would come out as L R C LFE Ls, its fourth channel (Ls) dropped as an LFE and
/// its fifth read as a surround. Comparing positions with that synthesised default cannot tell
/// it apart from a file that really declares those bits (e.g. mask 0xF, 3.1, on 4 channels),
/// so the header itself is read. `NotWav` on any I/O or format problem: symphonia then reports it.
fn wav_channel_mask<R: Read + Seek>(file: &mut R) -> WavChannelMask {
    let mask = (|| -> io::Result<WavChannelMask> {
        let mut riff = [0u8; 12];
        file.read_exact(&mut riff)?;
        if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
            return Ok(WavChannelMask::NotWav);
        }
        // `fmt ` must come before `data`; skip anything else (JUNK, bext, LIST, ...).
        for _ in 0..64 {
            let mut header = [0u8; 8];
            file.read_exact(&mut header)?;
            let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
            match &header[0..4] {
                b"fmt " => {
                    let mut fmt = [0u8; 24];
                    let n = (len as usize).min(fmt.len());
                    file.read_exact(&mut fmt[..n])?;
                    let tag = u16::from_le_bytes([fmt[0], fmt[1]]);
                    let cb_size = u16::from_le_bytes([fmt[16], fmt[17]]);
                    // WAVE_FORMAT_EXTENSIBLE: cbSize >= 22, dwChannelMask at byte 20.
                    if tag == 0xFFFE && n == 24 && cb_size >= 22 {
                        let mask = u32::from_le_bytes([fmt[20], fmt[21], fmt[22], fmt[23]]);
                        if mask != 0 {
                            return Ok(WavChannelMask::Declared(mask));
                        }
                    }
                    return Ok(WavChannelMask::Undeclared);
                }
                b"data" => return Ok(WavChannelMask::NotWav),
                _ => {
                    // Chunks are padded to an even length.
                    file.seek(SeekFrom::Current(i64::from(len) + i64::from(len & 1)))?;
                }
            }
        }
        Ok(WavChannelMask::NotWav)
    })()
    .unwrap_or(WavChannelMask::NotWav);
    match file.seek(SeekFrom::Start(0)) {
        Ok(_) => mask,
        Err(_) => WavChannelMask::NotWav,
    }
}

/// The speaker positions a file declares, in channel order, or `None` when it declares none.
///
/// For WAV, from the header's own mask ([`wav_channel_mask`]); a mask is used even when its bit
/// count differs from the channel count (Microsoft's rule: the first channels take the mask's
/// positions, lowest bit first; extra bits are ignored; extra channels have no position). For
/// other formats, symphonia's positions when they account for every channel (FLAC and Vorbis
/// define fixed orders per channel count, which symphonia reports as positions).
fn declared_positions(
    wav_mask: WavChannelMask,
    channels: Option<&Channels>,
    num_channels: usize,
) -> Option<Position> {
    match wav_mask {
        WavChannelMask::Declared(mask) => Some(Position::from_bits_truncate(u64::from(mask))),
        WavChannelMask::Undeclared => None,
        WavChannelMask::NotWav => match channels {
            Some(Channels::Positioned(positions))
                if positions.bits().count_ones() as usize == num_channels =>
            {
                Some(*positions)
            }
            _ => None,
        },
    }
    .filter(|p| !p.is_empty())
}

/// BS.1770-4 roles for the file's channels: from the speaker positions when the file declares
/// them ([`declared_positions`]), else the default layout for the channel count.
///
/// Default layouts, for files that declare no positions (WAV without a channel mask, AIFF with
/// more than 3 channels): the speaker sets of Microsoft's WAVE_FORMAT_EXTENSIBLE default
/// channel masks (`KSAUDIO_SPEAKER_*` in ksmedia.h; see "Multiple Channel Audio Data and WAVE
/// Files"), channels in mask-bit order, which is also FLAC's fixed order per channel count and
/// `ChannelRole::default_layout` in shared-dsp:
///
/// | ch | layout | channel order                     | mask                                    |
/// |----|--------|-----------------------------------|-----------------------------------------|
/// | 1  | mono   | C                                 | 0x004 `KSAUDIO_SPEAKER_MONO`            |
/// | 2  | stereo | L R                               | 0x003 `KSAUDIO_SPEAKER_STEREO`          |
/// | 3  | 3.0    | L R C                             | 0x007 `KSAUDIO_SPEAKER_3POINT0`         |
/// | 4  | quad   | L R Ls Rs                         | 0x033 `KSAUDIO_SPEAKER_QUAD`            |
/// | 5  | 5.0    | L R C Ls Rs (no LFE)              | 0x607 `KSAUDIO_SPEAKER_5POINT0`         |
/// | 6  | 5.1    | L R C LFE Ls Rs                   | 0x03F `KSAUDIO_SPEAKER_5POINT1`         |
/// | 7  | 6.1    | L R C LFE Cs Lside Rside          | 0x70F (no ksmedia.h name; FLAC, ffmpeg) |
/// | 8  | 7.1    | L R C LFE Lback Rback Lside Rside | 0x63F `KSAUDIO_SPEAKER_7POINT1_SURROUND` |
///
/// Channel weights per ITU-R BS.1770-4 Table 3: L, R, C, Cs and the 7.1 back pair 1.0;
/// surrounds and sides (azimuth 60°-120°) 1.41 (+1.5 dB); the LFE is excluded (0).
fn channel_layout(declared: Option<Position>, num_channels: usize) -> Option<Vec<ChannelRole>> {
    let default = ChannelRole::default_layout(num_channels)?;
    let Some(positions) = declared else {
        return Some(default.to_vec());
    };
    let used: Vec<Position> = (0..64)
        .map(|bit| Position::from_bits_retain(1u64 << bit))
        .filter(|bit| positions.contains(*bit))
        .take(num_channels)
        .collect();
    let has_sides = used.contains(&Position::SIDE_LEFT);
    let mut roles: Vec<ChannelRole> = used
        .into_iter()
        .map(|pos| role_for(pos, has_sides, num_channels))
        .collect();
    roles.resize(num_channels, ChannelRole::Other);
    Some(roles)
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
pub fn all_finite(x: &[f32]) -> bool {
    let mut lanes = [0f32; 8];
    let mut chunks = x.chunks_exact(8);
    for chunk in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += v * 0.0;
        }
    }
    lanes.iter().all(|&l| l == 0.0) && chunks.remainder().iter().all(|v| v.is_finite())
}

/// The sample rate and channels of a decoded stream.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamSpec {
    /// Sample rate, Hz.
    pub sample_rate_hz: u32,
    /// BS.1770-4 role of each channel, in channel order (its length is the channel count).
    pub layout: Vec<ChannelRole>,
}

/// An open audio file being decoded packet by packet.
pub struct Source {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    params: AudioCodecParameters,
    track_id: u32,
    num_frames_in_header: Option<u64>,
    wav_mask: WavChannelMask,
    spec: Option<StreamSpec>,
    num_frames: u64,
}

impl Source {
    /// Opens and probes `path`. `bytes_read` advances as the file is read (for a progress bar).
    pub fn open(path: &Path, bytes_read: Arc<AtomicU64>) -> Result<Self, String> {
        let mut file = File::open(path).map_err(|e| describe_io(&e))?;
        let metadata = file.metadata().map_err(|e| describe_io(&e))?;
        if metadata.is_dir() {
            return Err("is a directory".to_string());
        }
        let len_bytes = metadata.len();
        if len_bytes == 0 {
            return Err("empty file".to_string());
        }
        let wav_mask = wav_channel_mask(&mut file);
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
        let format = symphonia::default::get_probe()
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
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| match e {
                SymphoniaError::Unsupported(_) => "unsupported codec".to_string(),
                other => describe_symphonia(&other),
            })?;
        Ok(Self {
            format,
            decoder,
            params,
            track_id,
            num_frames_in_header,
            wav_mask,
            spec: None,
            num_frames: 0,
        })
    }

    /// Decodes the next packet and appends its frames to `planes` (one `Vec` per channel;
    /// created on the first packet). Returns `Ok(false)` at the end of the stream. Fails on a
    /// malformed packet, non-finite samples, an unsupported channel count or a stream whose
    /// rate or channel count changes.
    pub fn read_into(&mut self, planes: &mut Vec<Vec<f32>>) -> Result<bool, String> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return Ok(false),
                Err(e) => return Err(describe_symphonia(&e)),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let buf = self
                .decoder
                .decode(&packet)
                .map_err(|e| describe_symphonia(&e))?;
            let frames = buf.frames();
            if frames == 0 {
                continue;
            }
            let spec = buf.spec();
            let (rate, num_channels) = (spec.rate(), spec.channels().count());
            match &self.spec {
                None => {
                    let declared = declared_positions(
                        self.wav_mask,
                        self.params.channels.as_ref(),
                        num_channels,
                    );
                    let layout = channel_layout(declared, num_channels).ok_or_else(|| {
                        format!(
                            "unsupported channel count {num_channels} \
                             (supported: 1-8, mono to 7.1)"
                        )
                    })?;
                    self.spec = Some(StreamSpec {
                        sample_rate_hz: rate,
                        layout,
                    });
                }
                Some(seen) if (seen.sample_rate_hz, seen.layout.len()) != (rate, num_channels) => {
                    return Err(
                        "undecodable: channel count or sample rate changes mid-stream".to_string(),
                    );
                }
                Some(_) => {}
            }
            planes.resize_with(num_channels, Vec::new);
            let start = planes[0].len();
            for plane in planes.iter_mut() {
                plane.resize(start + frames, 0.0);
            }
            let mut tails: Vec<&mut [f32]> = planes.iter_mut().map(|p| &mut p[start..]).collect();
            buf.copy_to_slice_planar::<f32, _>(&mut tails);
            // Float files can hold NaN or infinity, which would poison the filters.
            if !tails.iter().all(|t| all_finite(t)) {
                return Err("undecodable: non-finite samples (NaN or infinity)".to_string());
            }
            self.num_frames += frames as u64;
            return Ok(true);
        }
    }

    /// The stream's rate and layout (known after the first packet).
    pub fn spec(&self) -> Option<&StreamSpec> {
        self.spec.as_ref()
    }

    /// Checks the stream after its last packet: WAV, AIFF and FLAC headers state the exact
    /// length, so fewer frames means a cut-off file. (Lossy formats' lengths can be
    /// estimates, so they are not checked.) Returns the number of frames decoded.
    pub fn finish(&self) -> Result<u64, String> {
        let exact_length = self.params.codec == CODEC_ID_FLAC
            || (CODEC_ID_PCM_S32LE..=CODEC_ID_PCM_MULAW).contains(&self.params.codec);
        if let Some(expected) = self.num_frames_in_header.filter(|_| exact_length) {
            if self.num_frames < expected {
                return Err(format!(
                    "truncated: header promises {expected} frames, file holds {}",
                    self.num_frames
                ));
            }
        }
        if self.spec.is_none() {
            return Err("no audio samples".to_string());
        }
        Ok(self.num_frames)
    }
}

/// A whole decoded file.
#[derive(Clone, Debug)]
pub struct Audio {
    /// Rate and channel layout.
    pub spec: StreamSpec,
    /// One `Vec` per channel, all the same length.
    pub planes: Vec<Vec<f32>>,
}

impl Audio {
    /// Length in frames.
    pub fn num_frames(&self) -> usize {
        self.planes.first().map_or(0, Vec::len)
    }
}

/// Decodes all of `path` into memory (for processing, which needs the whole file).
pub fn decode_all(path: &Path, bytes_read: Arc<AtomicU64>) -> Result<Audio, String> {
    let mut source = Source::open(path, bytes_read)?;
    let mut planes = Vec::new();
    while source.read_into(&mut planes)? {}
    source.finish()?;
    let spec = source
        .spec
        .take()
        .ok_or_else(|| "no audio samples".to_string())?;
    Ok(Audio { spec, planes })
}
