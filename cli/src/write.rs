//! Writing rendered audio: WAV (16/24-bit integer or 32-bit float) or FLAC (16/24-bit), TPDF
//! dither when the word length is reduced, written through a temporary file in the same folder
//! and renamed into place, so an interrupted run never leaves a half-written file.

use shared_dsp::dither::{DitherBits, DitherCoeffs, DitherMode, DitherState};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// File container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// RIFF WAVE.
    Wav,
    /// FLAC (lossless; integer samples only).
    Flac,
}

/// Sample format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// 16-bit integer.
    I16,
    /// 24-bit integer.
    I24,
    /// 32-bit IEEE float (no quantisation, no dither).
    F32,
}

impl Depth {
    /// Parses `16`, `24`, `32f`/`32`/`float`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_lowercase().as_str() {
            "16" => Ok(Depth::I16),
            "24" => Ok(Depth::I24),
            "32" | "32f" | "float" => Ok(Depth::F32),
            _ => Err(format!("bit depth \"{text}\"; valid: 16, 24, 32f")),
        }
    }

    /// Integer word length, or `None` for float.
    pub fn int_bits(self) -> Option<u32> {
        match self {
            Depth::I16 => Some(16),
            Depth::I24 => Some(24),
            Depth::F32 => None,
        }
    }
}

/// What to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutFormat {
    /// Container.
    pub container: Container,
    /// Sample format.
    pub depth: Depth,
    /// TPDF dither when quantising to integers (unless the audio is already dithered to
    /// exactly that word length).
    pub dither: bool,
}

impl Container {
    /// The container a file name asks for by its extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_lowercase().as_str() {
            "wav" | "wave" => Some(Container::Wav),
            "flac" => Some(Container::Flac),
            _ => None,
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Flac => "flac",
        }
    }

    /// Parses `wav` or `flac`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_lowercase().as_str() {
            "wav" => Ok(Container::Wav),
            "flac" => Ok(Container::Flac),
            _ => Err(format!("format \"{text}\"; valid: wav, flac")),
        }
    }
}

impl OutFormat {
    /// Checks the combination (FLAC holds integers only).
    pub fn check(self) -> Result<Self, String> {
        if self.container == Container::Flac && self.depth == Depth::F32 {
            return Err("FLAC holds 16- or 24-bit integers; use --bits 16 or 24, or WAV".into());
        }
        Ok(self)
    }
}

/// Quantises `planes` in place to the integer grid of `bits` (TPDF dither first when `dither`):
/// afterwards every sample is `k / 2^(bits-1)` with `k` in the word's range.
pub fn quantise(planes: &mut [Vec<f32>], sample_rate_hz: u32, bits: u32, dither: bool) {
    let word = if bits == 16 {
        DitherBits::Bits16
    } else {
        DitherBits::Bits24
    };
    if dither {
        let coeffs = DitherCoeffs::new(DitherMode::Tpdf, word, sample_rate_hz as f32);
        for (ch, plane) in planes.iter_mut().enumerate() {
            DitherState::new(0x1a7e + ch as u64).process_block(&coeffs, plane);
        }
    }
    let scale = (1u64 << (bits - 1)) as f64;
    for plane in planes.iter_mut() {
        for x in plane.iter_mut() {
            *x = (to_int(*x, bits) as f64 / scale) as f32;
        }
    }
}

/// A sample as a `bits`-bit integer (rounded, clipped to the word's range).
fn to_int(x: f32, bits: u32) -> i32 {
    let scale = (1u64 << (bits - 1)) as f64;
    let v = (f64::from(x) * scale).round();
    v.clamp(-scale, scale - 1.0) as i32
}

/// The temporary name for `path`: hidden, in the same folder (so the rename is atomic).
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.lathe-{}.tmp", std::process::id()))
}

/// Writes `planes` (already quantised for integer formats, see [`quantise`]) to `path` through
/// a temporary file and a rename. On any error the temporary file is removed and `path` is
/// untouched.
pub fn write_atomic(
    path: &Path,
    planes: &[Vec<f32>],
    sample_rate_hz: u32,
    format: OutFormat,
) -> Result<(), String> {
    let tmp = temp_path(path);
    let result = (|| {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        match format.container {
            Container::Wav => write_wav(file, planes, sample_rate_hz, format.depth)?,
            Container::Flac => write_flac(file, planes, sample_rate_hz, format.depth)?,
        }
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn write_wav(file: File, planes: &[Vec<f32>], rate: u32, depth: Depth) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: planes.len() as u16,
        sample_rate: rate,
        bits_per_sample: depth.int_bits().map_or(32, |b| b as u16),
        sample_format: if depth == Depth::F32 {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let err = |e: hound::Error| format!("cannot write WAV: {e}");
    let mut w = hound::WavWriter::new(BufWriter::new(file), spec).map_err(err)?;
    let n = planes.first().map_or(0, Vec::len);
    for i in 0..n {
        for plane in planes {
            match depth.int_bits() {
                Some(bits) => w.write_sample(to_int(plane[i], bits)).map_err(err)?,
                None => w.write_sample(plane[i]).map_err(err)?,
            }
        }
    }
    w.finalize().map_err(err)?;
    Ok(())
}

fn write_flac(file: File, planes: &[Vec<f32>], rate: u32, depth: Depth) -> Result<(), String> {
    use flacenc::component::BitRepr;
    use flacenc::error::Verify;
    let bits = depth
        .int_bits()
        .ok_or_else(|| "FLAC holds integers only".to_string())?;
    let n = planes.first().map_or(0, Vec::len);
    let mut ints = Vec::with_capacity(n * planes.len());
    for i in 0..n {
        for plane in planes {
            ints.push(to_int(plane[i], bits));
        }
    }
    const BLOCK: usize = 4096;
    let mut config = flacenc::config::Encoder::default();
    config.block_size = BLOCK;
    let config = config
        .into_verified()
        .map_err(|e| format!("FLAC encoder: {e:?}"))?;
    let source =
        flacenc::source::MemSource::from_samples(&ints, planes.len(), bits as usize, rate as usize);
    let mut stream = flacenc::encode_with_fixed_block_size(&config, source, BLOCK)
        .map_err(|e| format!("FLAC encoder: {e:?}"))?;
    // The encoder puts the short last block's size into STREAMINFO's minimum, which the FLAC
    // format defines without the last block (and strict decoders reject below 16).
    stream
        .stream_info_mut()
        .set_block_sizes(BLOCK, BLOCK)
        .map_err(|e| format!("FLAC encoder: {e:?}"))?;
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| format!("FLAC encoder: {e:?}"))?;
    let mut out = BufWriter::new(file);
    out.write_all(sink.as_slice())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write FLAC: {e}"))?;
    Ok(())
}
