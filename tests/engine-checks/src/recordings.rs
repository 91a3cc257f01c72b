//! The real recordings of `tests/data` (credits in `tests/data/README.md`), decoded for tests.

use std::path::PathBuf;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

/// The recordings, by file name.
pub const RECORDINGS: [&str; 6] = [
    "01_loud_metal_master.flac",
    "02_loud_orchestral_master.flac",
    "03_quiet_orchestral_intro.flac",
    "04_drums_groove.flac",
    "05_speech_male_en.flac",
    "06_guitar_strums.flac",
];

/// A decoded recording: sample rate and planar channels.
pub struct Recording {
    /// File name.
    pub name: &'static str,
    /// Sample rate, Hz.
    pub sample_rate_hz: u32,
    /// Planar samples, one `Vec` per channel.
    pub channels: Vec<Vec<f32>>,
}

/// Path of a file in `tests/data`.
pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(name)
}

/// Decodes `tests/data/<name>` (panics with the reason when it cannot: a test fixture).
pub fn load(name: &'static str) -> Recording {
    let path = data_path(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mss = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    hint.with_extension("flac");
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .expect("probe");
    let track = format.default_track(TrackType::Audio).expect("audio track");
    let track_id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .expect("audio params")
        .clone();
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .expect("decoder");
    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut rate = 0;
    while let Ok(Some(packet)) = format.next_packet() {
        if packet.track_id != track_id {
            continue;
        }
        let buf = decoder.decode(&packet).expect("decode");
        let frames = buf.frames();
        if frames == 0 {
            continue;
        }
        let spec = buf.spec();
        rate = spec.rate();
        let nc = spec.channels().count();
        if channels.is_empty() {
            channels = vec![Vec::new(); nc];
        }
        let start = channels[0].len();
        for c in channels.iter_mut() {
            c.resize(start + frames, 0.0);
        }
        let mut tails: Vec<&mut [f32]> = channels.iter_mut().map(|c| &mut c[start..]).collect();
        buf.copy_to_slice_planar::<f32, _>(&mut tails);
    }
    Recording {
        name,
        sample_rate_hz: rate,
        channels,
    }
}
