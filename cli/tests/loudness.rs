//! Runs the built `lathe` binary on WAV and FLAC files generated here (sines at known levels, a
//! known inter-sample peak, 5.1 with LFE) and on broken files.

mod common;

use common::{lathe, scratch, write_wav_f32};
use serde_json::Value;
use std::f64::consts::PI;
use std::path::Path;
use std::process::Output;

/// Interleaved frames: channel `c` is `amp_db[c]` dBFS × sin(2π f n / fs + phase).
fn sine(rate_hz: u32, seconds: f64, freq_hz: f64, phase: f64, amp_db: &[f64]) -> Vec<f64> {
    let frames = (seconds * rate_hz as f64) as usize;
    let mut out = Vec::with_capacity(frames * amp_db.len());
    for n in 0..frames {
        let s = (2.0 * PI * freq_hz * n as f64 / rate_hz as f64 + phase).sin();
        for &a in amp_db {
            out.push(s * 10f64.powf(a / 20.0));
        }
    }
    out
}

fn write_wav_i24(path: &Path, rate_hz: u32, channels: u16, samples: &[f64]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate_hz,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for &s in samples {
        w.write_sample((s * 8_388_607.0).round() as i32)
            .expect("write sample");
    }
    w.finalize().expect("finalize wav");
}

/// 24-bit FLAC with the pure-Rust `flacenc` encoder.
///
/// The signal is cut to a whole number of 4096-frame blocks: flacenc 0.5.1 writes the short
/// last block's length as STREAMINFO's minimum block size while numbering frames as a
/// fixed-blocksize stream, and symphonia (rightly strict) then finds no valid first frame.
fn write_flac_i24(path: &Path, rate_hz: u32, channels: usize, samples: &[f64]) {
    use flacenc::component::BitRepr;
    use flacenc::error::Verify;
    let block_samples = 4096 * channels;
    let whole = samples.len() / block_samples * block_samples;
    let ints: Vec<i32> = samples[..whole]
        .iter()
        .map(|s| (s * 8_388_607.0).round() as i32)
        .collect();
    let mut config = flacenc::config::Encoder::default();
    config.block_size = 4096;
    let config = config.into_verified().expect("flac config");
    let source = flacenc::source::MemSource::from_samples(&ints, channels, 24, rate_hz as usize);
    let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .expect("flac encode");
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream.write(&mut sink).expect("flac write");
    std::fs::write(path, sink.as_slice()).expect("write flac");
}

/// Parses JSON Lines from stdout.
fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("stdout line is JSON"))
        .collect()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

fn assert_within(what: &str, got: f64, want: f64, below: f64, above: f64) {
    eprintln!("{what}: {got:.3} (want {want}, error {:+.3})", got - want);
    assert!(
        got - want >= -below && got - want <= above,
        "{what}: got {got}, want {want} -{below}/+{above}"
    );
}

#[test]
fn wav_and_flac_sines_read_their_level() {
    let dir = scratch("sines");
    let wav48 = dir.join("sine-23-48k.wav");
    let wav96 = dir.join("sine-33-96k.wav");
    let flac44 = dir.join("sine-18-44k.flac");
    write_wav_i24(
        &wav48,
        48_000,
        2,
        &sine(48_000, 20.0, 1000.0, 0.0, &[-23.0, -23.0]),
    );
    write_wav_f32(
        &wav96,
        96_000,
        2,
        &sine(96_000, 20.0, 1000.0, 0.0, &[-33.0, -33.0]),
    );
    write_flac_i24(
        &flac44,
        44_100,
        2,
        &sine(44_100, 20.0, 1000.0, 0.0, &[-18.0, -18.0]),
    );
    let out = lathe(&[
        "loudness",
        "--json",
        wav48.to_str().unwrap(),
        wav96.to_str().unwrap(),
        flac44.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs = json_lines(&out);
    assert_eq!(objs.len(), 3);
    for (obj, level, rate) in [
        (&objs[0], -23.0, 48_000),
        (&objs[1], -33.0, 96_000),
        (&objs[2], -18.0, 44_100),
    ] {
        for key in [
            "file",
            "I",
            "LRA",
            "M_max",
            "S_max",
            "sample_peak",
            "TP",
            "PLR",
            "platforms",
        ] {
            assert!(obj.get(key).is_some(), "key {key} missing in {obj}");
        }
        assert_eq!(obj["sample_rate_hz"], rate);
        assert_eq!(obj["channels"], 2);
        assert_within(&format!("I @ {rate}"), num(obj, "I"), level, 0.1, 0.1);
        assert_within("M_max", num(obj, "M_max"), level, 0.1, 0.1);
        assert_within("S_max", num(obj, "S_max"), level, 0.1, 0.1);
        assert_within("sample peak", num(obj, "sample_peak"), level, 0.05, 0.05);
        assert_within("TP", num(obj, "TP"), level, 0.4, 0.2);
        assert_within("PLR", num(obj, "PLR"), 0.0, 0.2, 0.2);
        assert!(num(obj, "LRA") < 0.1);
        let platforms = obj["platforms"].as_array().expect("platforms array");
        let names: Vec<&str> = platforms
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Spotify",
                "Apple Music",
                "YouTube",
                "Tidal",
                "Amazon Music",
                "EBU R128"
            ]
        );
        let ebu = &platforms[5];
        assert_within("EBU gain", num(ebu, "gain_db"), -23.0 - level, 0.1, 0.1);
    }
    // The -18 LUFS file: YouTube only turns it down... not at all (it is quieter than -14).
    assert_eq!(num(&objs[2]["platforms"][2], "gain_db"), 0.0);
    // Spotify raises the -23 LUFS file by the full 9 dB (its TP, -23 dBTP, allows it).
    assert_within(
        "Spotify gain",
        num(&objs[0]["platforms"][0], "gain_db"),
        9.0,
        0.1,
        0.1,
    );
}

#[test]
fn known_inter_sample_peak() {
    // fs/4 sine with 45° phase: every sample is at ±0.7071 of the crest. Samples at 0 dBFS
    // mean a true peak of +3.01 dBTP (EBU Tech 3341 case 19).
    let dir = scratch("isp");
    let path = dir.join("isp.wav");
    let rate = 48_000;
    let x = sine(rate, 5.0, rate as f64 / 4.0, PI / 4.0, &[3.0103, 3.0103]);
    write_wav_f32(&path, rate, 2, &x);
    let out = lathe(&["loudness", "--json", path.to_str().unwrap()]);
    assert!(out.status.success());
    let obj = &json_lines(&out)[0];
    assert_within("sample peak", num(obj, "sample_peak"), 0.0, 0.02, 0.02);
    assert_within("true peak", num(obj, "TP"), 3.01, 0.4, 0.2);
    // Every platform leaves a true peak above -1 dBTP for this file except those turning it
    // down by more than 4 dB.
    for p in obj["platforms"].as_array().unwrap() {
        let after = num(p, "TP_after");
        assert_eq!(
            p["exceeds_minus_1_dbtp"].as_bool(),
            Some(after > -1.0),
            "{p}"
        );
    }
}

#[test]
fn surround_51_weights_and_lfe() {
    // EBU Tech 3341 case 6 with an LFE at 0 dBFS that must not count: -23.0 LUFS.
    let dir = scratch("51");
    let path = dir.join("51.wav");
    let x = sine(
        48_000,
        20.0,
        1000.0,
        0.0,
        &[-28.0, -28.0, -24.0, 0.0, -30.0, -30.0],
    );
    write_wav_i24(&path, 48_000, 6, &x);
    let out = lathe(&["loudness", "--json", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let obj = &json_lines(&out)[0];
    assert_eq!(obj["channels"], 6);
    assert_within("5.1 I", num(obj, "I"), -23.0, 0.1, 0.1);
    assert_within("5.1 TP (LFE)", num(obj, "TP"), 0.0, 0.4, 0.2);
}

/// How [`declare_no_positions`] removes a WAV's channel mask.
#[derive(Debug, Clone, Copy)]
enum NoMask {
    /// Rewrite the header as a plain 16-byte `fmt ` (WAVE_FORMAT_PCM / IEEE_FLOAT), no mask.
    PlainFormat,
    /// Keep WAVE_FORMAT_EXTENSIBLE but set `dwChannelMask` to 0.
    MaskZero,
    /// Keep WAVE_FORMAT_EXTENSIBLE with this mask.
    Mask(u32),
}

/// Rewrites the channel mask of a WAV written by hound, which always writes
/// WAVE_FORMAT_EXTENSIBLE with the first `n` mask bits set for more than two channels
/// (RIFF header 12 bytes, `fmt ` chunk header 8 + 40 bytes, mask at byte 40, `data` at 60).
fn declare_no_positions(path: &Path, how: NoMask) {
    let mut bytes = std::fs::read(path).expect("read wav");
    assert_eq!(&bytes[12..16], b"fmt ");
    assert_eq!(u32::from_le_bytes(bytes[16..20].try_into().unwrap()), 40);
    assert_eq!(u16::from_le_bytes([bytes[20], bytes[21]]), 0xFFFE);
    assert_eq!(&bytes[60..64], b"data");
    match how {
        NoMask::MaskZero => bytes[40..44].copy_from_slice(&0u32.to_le_bytes()),
        NoMask::Mask(mask) => bytes[40..44].copy_from_slice(&mask.to_le_bytes()),
        NoMask::PlainFormat => {
            // The sub-format GUID's first two bytes are the plain format tag (1 PCM, 3 float).
            let tag = [bytes[44], bytes[45]];
            let mut plain = Vec::with_capacity(bytes.len() - 24);
            plain.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt ");
            plain.extend_from_slice(&16u32.to_le_bytes());
            plain.extend_from_slice(&tag);
            plain.extend_from_slice(&bytes[22..36]);
            plain.extend_from_slice(&bytes[60..]);
            let riff_len = (plain.len() - 8) as u32;
            plain[4..8].copy_from_slice(&riff_len.to_le_bytes());
            bytes = plain;
        }
    }
    std::fs::write(path, bytes).expect("write wav");
}

#[test]
fn surround_50_without_channel_mask_reads_as_5_0() {
    // EBU Tech 3341 case 6 without an LFE: L, R -28, C -24, Ls, Rs -30 dBFS: -23.0 LUFS when the
    // five channels are read as L R C Ls Rs (the default 5.0 layout), -23.68 if the fourth
    // were taken for an LFE.
    let dir = scratch("50");
    let x = sine(
        48_000,
        20.0,
        1000.0,
        0.0,
        &[-28.0, -28.0, -24.0, -30.0, -30.0],
    );
    let cases = [
        ("plain", NoMask::PlainFormat, -23.0),
        ("mask0", NoMask::MaskZero, -23.0),
        // A declared KSAUDIO_SPEAKER_5POINT0 mask (FL FR FC SL SR).
        ("mask-5.0", NoMask::Mask(0x607), -23.0),
        // A mask the file really declares is honoured, even FL FR FC LFE BL (which is what
        // symphonia makes up for a file without one).
        ("mask-4.1", NoMask::Mask(0x1F), -23.68),
    ];
    let mut args = vec!["loudness".to_string(), "--json".to_string()];
    for (name, how, _) in cases {
        let path = dir.join(&format!("50-{name}.wav"));
        write_wav_i24(&path, 48_000, 5, &x);
        declare_no_positions(&path, how);
        args.push(path.to_str().unwrap().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lathe(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs = json_lines(&out);
    assert_eq!(objs.len(), cases.len());
    for (obj, (name, _, want)) in objs.iter().zip(cases) {
        assert_eq!(obj["channels"], 5);
        assert_within(&format!("5.0 {name} I"), num(obj, "I"), want, 0.1, 0.1);
    }
}

#[test]
fn surround_51_without_channel_mask_excludes_the_lfe() {
    let dir = scratch("51-nomask");
    // Only the fourth channel (the LFE of 5.1) carries a loud signal: loudness is silence
    // (null), the peak still counts.
    let lfe_only = sine(
        48_000,
        10.0,
        1000.0,
        0.0,
        &[-200.0, -200.0, -200.0, -3.0, -200.0, -200.0],
    );
    // Tech 3341 case 6 plus a 0 dBFS LFE: -23.0 LUFS.
    let case6 = sine(
        48_000,
        20.0,
        1000.0,
        0.0,
        &[-28.0, -28.0, -24.0, 0.0, -30.0, -30.0],
    );
    let mut paths = Vec::new();
    for how in [NoMask::PlainFormat, NoMask::MaskZero] {
        for (name, x) in [("lfe-only", &lfe_only), ("case6", &case6)] {
            let path = dir.join(&format!("51-{name}-{how:?}.wav"));
            write_wav_i24(&path, 48_000, 6, x);
            declare_no_positions(&path, how);
            paths.push(path);
        }
    }
    let mut args = vec!["loudness", "--json"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let out = lathe(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs = json_lines(&out);
    assert_eq!(objs.len(), 4);
    for pair in objs.chunks(2) {
        let (lfe, case6) = (&pair[0], &pair[1]);
        assert_eq!(lfe["channels"], 6);
        assert!(lfe["I"].is_null(), "LFE only: silence, got {lfe}");
        assert!(lfe["M_max"].is_null(), "LFE only: silence, got {lfe}");
        assert_within(
            "LFE-only sample peak",
            num(lfe, "sample_peak"),
            -3.0,
            0.05,
            0.05,
        );
        assert_within("5.1 no mask I", num(case6, "I"), -23.0, 0.1, 0.1);
    }
}

#[test]
fn table_output_and_series() {
    let dir = scratch("table");
    let path = dir.join("steps.wav");
    // Tech 3342 case 1: 20 s at -20 then 20 s at -30 LUFS: LRA 10 LU.
    let mut x = sine(48_000, 20.0, 1000.0, 0.0, &[-20.0, -20.0]);
    x.extend(sine(48_000, 20.0, 1000.0, 0.0, &[-30.0, -30.0]));
    write_wav_f32(&path, 48_000, 2, &x);

    let out = lathe(&["loudness", path.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    for needle in [
        "Integrated loudness",
        "Loudness range",
        "10.0 LU",
        "Max momentary",
        "-20.0 LUFS",
        "True peak",
        "PLR",
        "Spotify",
        "EBU R128",
        "0:40.0",
    ] {
        assert!(text.contains(needle), "table lacks {needle:?}:\n{text}");
    }

    let out = lathe(&["loudness", "--json", "--series", path.to_str().unwrap()]);
    assert!(out.status.success());
    let obj = &json_lines(&out)[0];
    assert_within("LRA", num(obj, "LRA"), 10.0, 1.0, 1.0);
    let series = obj["series"].as_array().expect("series array");
    assert_eq!(series.len(), 400, "40 s at 10 Hz");
    assert_within("t[0]", num(&series[0], "t"), 0.1, 1e-9, 1e-9);
    // At 10 s both windows are full of the -20 LUFS part; at 35 s of the -30 LUFS part.
    assert_within("M(10 s)", num(&series[99], "M"), -20.0, 0.1, 0.1);
    assert_within("S(10 s)", num(&series[99], "S"), -20.0, 0.1, 0.1);
    assert_within("M(35 s)", num(&series[349], "M"), -30.0, 0.1, 0.1);
    assert_within("S(35 s)", num(&series[349], "S"), -30.0, 0.1, 0.1);

    let out = lathe(&["loudness", "--series", path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("M LUFS"));
}

#[test]
fn broken_files_give_one_line_errors_and_good_files_are_still_reported() {
    let dir = scratch("broken");
    let good = dir.join("good.wav");
    write_wav_i24(
        &good,
        48_000,
        2,
        &sine(48_000, 5.0, 1000.0, 0.0, &[-23.0, -23.0]),
    );
    let good_flac = dir.join("good.flac");
    write_flac_i24(
        &good_flac,
        48_000,
        2,
        &sine(48_000, 5.0, 1000.0, 0.0, &[-23.0, -23.0]),
    );
    let bytes = std::fs::read(&good).unwrap();

    let missing = dir.join("missing.wav");
    let empty = dir.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let short_header = dir.join("short-header.wav");
    std::fs::write(&short_header, &bytes[..30]).unwrap();
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let cut_flac = dir.join("cut.flac");
    let flac_bytes = std::fs::read(&good_flac).unwrap();
    std::fs::write(&cut_flac, &flac_bytes[..flac_bytes.len() / 2]).unwrap();
    let random = dir.join("random.wav");
    // Deterministic pseudo-random bytes (xorshift).
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..10_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(&random, &noise).unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, b"not audio\n").unwrap();

    let nan = dir.join("nan.wav");
    let mut with_nan = sine(48_000, 2.0, 1000.0, 0.0, &[-23.0, -23.0]);
    with_nan[5_000] = f64::NAN;
    write_wav_f32(&nan, 48_000, 2, &with_nan);

    let broken = [
        &missing,
        &empty,
        &short_header,
        &cut,
        &cut_flac,
        &random,
        &text,
        &nan,
    ];
    let mut args: Vec<&str> = vec!["loudness", "--json", good.to_str().unwrap()];
    args.extend(broken.iter().map(|p| p.to_str().unwrap()));
    args.push(good_flac.to_str().unwrap());
    let out = lathe(&args);

    assert_eq!(
        out.status.code(),
        Some(1),
        "exit status says something failed"
    );
    let objs = json_lines(&out);
    assert_eq!(objs.len(), 2, "both good files reported");
    assert!(objs[0]["file"].as_str().unwrap().ends_with("good.wav"));
    assert!(objs[1]["file"].as_str().unwrap().ends_with("good.flac"));
    for o in &objs {
        assert_within("good I", num(o, "I"), -23.0, 0.1, 0.1);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        broken.len(),
        "one line per broken file:\n{stderr}"
    );
    for (line, path) in lines.iter().zip(broken) {
        let prefix = format!("lathe: {}: ", path.display());
        assert!(
            line.starts_with(&prefix),
            "{line:?} should start with {prefix:?}"
        );
        assert!(line.len() > prefix.len(), "a reason is given: {line:?}");
    }
    assert!(lines[0].contains("no such file"));
    assert!(lines[1].contains("empty"));
    assert!(lines[3].contains("truncated"), "{}", lines[3]);
    assert!(lines[7].contains("non-finite"), "{}", lines[7]);
    assert!(!stderr.contains("panicked"));
}

#[test]
fn help_is_complete() {
    let out = lathe(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("loudness"));
    let out = lathe(&["loudness", "--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--json",
        "--series",
        "--jobs",
        "--no-progress",
        "Spotify",
        "-1 dBTP",
        "Exit status",
    ] {
        assert!(text.contains(needle), "help lacks {needle}:\n{text}");
    }
    // No files is a usage error, not a panic.
    let out = lathe(&["loudness"]);
    assert_eq!(out.status.code(), Some(2));
}
