//! Runs the built `lathe compare` (and `lathe loudness --plot`) on excerpts of the real
//! recordings in `tests/data`, on filtered and gain-changed copies of them, on generated sines
//! and on missing files, and checks the PNG plots byte by byte.

mod common;

use common::*;
use serde_json::Value;
use shared_dsp::filter::biquad::{BiquadCoeffs, BiquadState};
use std::f64::consts::PI;
use std::path::Path;
use std::process::Output;

/// Runs `lathe compare MIX REF --json [extra...]` and parses its one JSON object.
fn compare_json(mix: &Path, reference: &Path, extra: &[&str]) -> Value {
    let mut args: Vec<&std::ffi::OsStr> = vec!["compare".as_ref(), mix.as_ref()];
    args.push(reference.as_ref());
    args.push("--json".as_ref());
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let out = lathe_os(&args);
    assert!(
        out.status.success(),
        "lathe compare failed: {}",
        stderr(&out)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().count(),
        1,
        "one JSON object on one line:\n{text}"
    );
    serde_json::from_str(&text).expect("stdout is JSON")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

fn bands(v: &Value) -> &Vec<Value> {
    v["bands"].as_array().expect("bands is an array")
}

/// Writes `planes` as float WAV and returns its path.
fn write(dir: &Scratch, name: &str, rate_hz: u32, planes: &[Vec<f32>]) -> std::path::PathBuf {
    let path = dir.join(name);
    write_planar_f32(&path, rate_hz, planes);
    path
}

#[test]
fn a_file_against_itself_differs_by_exactly_nothing() {
    let dir = scratch("compare-self");
    let (rate, planes) = excerpt("06_guitar_strums.flac", 6.0);
    let path = write(&dir, "guitar.wav", rate, &planes);
    let v = compare_json(&path, &path, &[]);
    let diff = v["difference"].as_object().expect("difference object");
    for key in [
        "I",
        "LRA",
        "TP",
        "sample_peak",
        "PLR",
        "crest_db",
        "correlation",
        "side_mid_db",
        "width_percent",
    ] {
        assert_eq!(
            diff[key].as_f64(),
            Some(0.0),
            "difference {key}: {}",
            diff[key]
        );
        // ...and the value itself is a real measurement, the same on both sides.
        assert!(v["mix"][key].is_number(), "{key} missing: {}", v["mix"]);
        assert_eq!(v["mix"][key], v["reference"][key]);
    }
    assert_eq!(bands(&v).len(), 30, "25 Hz to 20 kHz at 48 kHz");
    for b in bands(&v) {
        assert_eq!(b["delta_db"].as_f64(), Some(0.0), "{b}");
        assert_eq!(b["mix_db"], b["reference_db"]);
    }
    // A real stereo recording: partly correlated, some width.
    let mix = &v["mix"];
    assert!(
        num(mix, "correlation") > 0.0 && num(mix, "correlation") < 1.0,
        "{mix}"
    );
    assert!(num(mix, "width_percent") > 1.0, "{mix}");
    // Music is peakier than a sine (3.01 dB).
    assert!(num(mix, "crest_db") > 6.0, "{mix}");
}

/// Power-average of the shelf's response over `[lo, hi)` (a flat spectrum within the band),
/// in dB.
fn mean_response_db(c: &BiquadCoeffs, lo_hz: f64, hi_hz: f64) -> f64 {
    let n = 400;
    let sum: f64 = (0..n)
        .map(|i| {
            let f = lo_hz + (hi_hz - lo_hz) * (i as f64 + 0.5) / n as f64;
            10f64.powf(f64::from(c.magnitude_db(f as f32)) / 10.0)
        })
        .sum();
    10.0 * (sum / n as f64).log10()
}

/// The exact IEC 61260-1 base-10 edges of the third-octave band named `nominal_hz`.
fn band_edges(nominal_hz: f64) -> (f64, f64) {
    let k = (10.0 * (nominal_hz / 1000.0).log10()).round();
    let centre = 1000.0 * 10f64.powf(k / 10.0);
    let half = 10f64.powf(0.05);
    (centre / half, centre * half)
}

/// Compares `name` filtered by a +3 dB high shelf at 8 kHz (Q 0.707) with the original and
/// checks every band against the shelf's response minus the change of integrated loudness.
/// Returns the comparison (MIX = shelved, REFERENCE = original) and the two file paths.
fn shelf_case(
    dir: &Scratch,
    name: &'static str,
) -> (Value, std::path::PathBuf, std::path::PathBuf) {
    let (rate, planes) = excerpt(name, 8.0);
    let shelf = BiquadCoeffs::high_shelf(rate as f32, 8000.0, 0.707, 3.0);
    let shelved: Vec<Vec<f32>> = planes
        .iter()
        .map(|p| {
            let mut p = p.clone();
            BiquadState::default().process_block(&shelf, &mut p);
            p
        })
        .collect();
    let original = write(dir, &format!("{name}.wav"), rate, &planes);
    let brighter = write(dir, &format!("{name}-shelf.wav"), rate, &shelved);
    let v = compare_json(&brighter, &original, &[]);
    let loudness_change = num(&v["difference"], "I");
    let nyquist = f64::from(rate) / 2.0;
    let mut failures = Vec::new();
    eprintln!("{name}: integrated loudness change {loudness_change:+.3} LU");
    for b in bands(&v) {
        let hz = num(b, "centre_hz");
        let delta = num(b, "delta_db");
        let (lo, hi) = band_edges(hz);
        let boost = mean_response_db(&shelf, lo, hi.min(nyquist));
        let expected = boost - loudness_change;
        let tolerance = if hz <= 1000.0 { 0.1 } else { 0.5 };
        let ok = (delta - expected).abs() < tolerance;
        eprintln!(
            "  {hz:>7} Hz  delta {delta:+.3}  expected {expected:+.3}  error {:+.3}{}",
            delta - expected,
            if ok { "" } else { "  <-- off" }
        );
        if !ok {
            failures.push(format!(
                "{hz} Hz: delta {delta:+.3} dB, expected {expected:+.3} dB"
            ));
        }
        if hz >= 10_000.0 && boost <= 2.0 {
            failures.push(format!(
                "{hz} Hz: the shelf's boost {boost:+.3} dB is not above +2 dB"
            ));
        }
    }
    assert!(failures.is_empty(), "{name}: {failures:#?}");
    (v, brighter, original)
}

#[test]
fn a_high_shelf_shows_in_the_top_bands_and_loudness_matching_moves_the_rest() {
    let dir = scratch("compare-shelf");
    // Guitar: little energy above 8 kHz, so the loudness barely changes and the top bands
    // show the boost almost whole.
    let (v, brighter, original) = shelf_case(&dir, "06_guitar_strums.flac");
    for b in bands(&v).iter().filter(|b| num(b, "centre_hz") >= 10_000.0) {
        assert!(num(b, "delta_db") > 2.0, "{b}");
    }
    for b in bands(&v).iter().filter(|b| num(b, "centre_hz") <= 1000.0) {
        assert!(num(b, "delta_db").abs() < 0.3, "{b}");
    }
    // Drums: cymbals carry much of the loudness, so matching it moves every band down by
    // the change of integrated loudness, which the expectation accounts for.
    let (drums, _, _) = shelf_case(&dir, "04_drums_groove.flac");
    assert!(num(&drums["difference"], "I") > num(&v["difference"], "I"));

    // The table shows it too: the 12.5 kHz row's difference is above +2 dB, with a bar.
    let out = lathe_os(&[
        "compare".as_ref(),
        brighter.as_os_str(),
        original.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("Integrated loudness"), "{table}");
    let row = table
        .lines()
        .find(|l| l.split_whitespace().next() == Some("12500"))
        .unwrap_or_else(|| panic!("no 12500 Hz row:\n{table}"));
    let delta: f64 = row.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert!(delta > 2.0, "{row}");
    assert!(row.contains("|++"), "bar shows the boost: {row}");
}

#[test]
fn gain_alone_changes_loudness_but_not_the_tonal_balance() {
    let dir = scratch("compare-gain");
    let (rate, planes) = excerpt("06_guitar_strums.flac", 6.0);
    let gain_db = -6.0;
    let g = 10f32.powf(gain_db as f32 / 20.0);
    let quieter: Vec<Vec<f32>> = planes
        .iter()
        .map(|p| p.iter().map(|x| x * g).collect())
        .collect();
    let original = write(&dir, "guitar.wav", rate, &planes);
    let quiet = write(&dir, "guitar-6db.wav", rate, &quieter);
    for spacing in ["third-octave", "octave"] {
        let v = compare_json(&quiet, &original, &["--bands", spacing]);
        assert_eq!(v["band_spacing"], spacing);
        let d = &v["difference"];
        for (key, want) in [
            ("I", gain_db),
            ("TP", gain_db),
            ("sample_peak", gain_db),
            ("LRA", 0.0),
            ("PLR", 0.0),
            ("crest_db", 0.0),
            ("correlation", 0.0),
            ("side_mid_db", 0.0),
        ] {
            let got = num(d, key);
            assert!(
                (got - want).abs() < 0.02,
                "{spacing} {key}: {got} vs {want}"
            );
        }
        let rows = bands(&v);
        assert_eq!(rows.len(), if spacing == "octave" { 10 } else { 30 });
        for b in rows {
            let delta = num(b, "delta_db");
            assert!(delta.abs() < 0.02, "{spacing} {b}");
        }
    }
}

#[test]
fn different_rates_mono_and_bands_above_nyquist() {
    let dir = scratch("compare-rates");
    // A 1 kHz sine at −20 dBFS: mono at 32 kHz, stereo (both channels) at 48 kHz.
    let sine = |rate: u32| -> Vec<f32> {
        (0..rate as usize * 3)
            .map(|n| (0.1 * (2.0 * PI * 1000.0 * n as f64 / f64::from(rate)).sin()) as f32)
            .collect()
    };
    let mono = write(&dir, "mono32k.wav", 32_000, &[sine(32_000)]);
    let s48 = sine(48_000);
    let stereo = write(&dir, "stereo48k.wav", 48_000, &[s48.clone(), s48]);
    let v = compare_json(&mono, &stereo, &[]);
    assert_eq!(v["mix"]["sample_rate_hz"], 32_000);
    assert_eq!(v["reference"]["sample_rate_hz"], 48_000);
    assert_eq!(v["mix"]["channels"], 1);
    // Mono: correlation 1, no width (−inf dB is null); the 48 kHz file is mono in stereo.
    for side in ["mix", "reference"] {
        assert_eq!(num(&v[side], "correlation"), 1.0, "{side}");
        assert_eq!(num(&v[side], "width_percent"), 0.0, "{side}");
        assert!(v[side]["side_mid_db"].is_null(), "{side}");
        // A sine's crest factor: 10·log10(2).
        let crest = num(&v[side], "crest_db");
        assert!(
            (crest - 10.0 * 2f64.log10()).abs() < 0.01,
            "{side} crest {crest}"
        );
    }
    // The 1 kHz band holds the whole sine in both, at the same loudness-matched level (the
    // stereo file is 3 dB louder and has 3 dB more power).
    let rows = bands(&v);
    let k1 = rows.iter().find(|b| b["centre_hz"] == 1000.0).unwrap();
    assert!(num(k1, "delta_db").abs() < 0.1, "{k1}");
    // 20 kHz is above the 32 kHz file's Nyquist frequency: no value there, but a row for the
    // 48 kHz file.
    let top = rows.last().unwrap();
    assert_eq!(top["centre_hz"], 20_000.0);
    assert!(
        top["mix_db"].is_null() && top["delta_db"].is_null(),
        "{top}"
    );
    assert!(top["reference_db"].is_number(), "{top}");
    let k16 = rows.iter().find(|b| b["centre_hz"] == 16_000.0).unwrap();
    assert!(k16["mix_db"].is_number(), "{k16}");
}

/// CRC-32 of PNG Annex D, bit by bit (independent of the encoder's table).
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// Checks `path` is a valid 8-bit RGB(A) PNG of `width × height` and decodes it: signature,
/// chunk CRCs, IHDR, IDAT inflated and unfiltered (all five filter types). Returns the pixels,
/// one `[r, g, b]` each.
fn decode_png(path: &Path, width: u32, height: u32) -> Vec<[u8; 3]> {
    let png = std::fs::read(path).expect("read png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "signature");
    let (mut pos, mut idat, mut kinds, mut bpp) = (8, Vec::new(), Vec::new(), 0);
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let body = &png[pos + 4..pos + 8 + len];
        let crc = u32::from_be_bytes(png[pos + 8 + len..pos + 12 + len].try_into().unwrap());
        let kind = String::from_utf8_lossy(&body[..4]).into_owned();
        assert_eq!(crc, crc32(body), "CRC of {kind}");
        let data = &body[4..];
        match kind.as_str() {
            "IHDR" => {
                assert_eq!(u32::from_be_bytes(data[0..4].try_into().unwrap()), width);
                assert_eq!(u32::from_be_bytes(data[4..8].try_into().unwrap()), height);
                assert_eq!(data[8], 8, "bit depth");
                bpp = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("colour type {t}"),
                };
                assert_eq!(data[12], 0, "not interlaced");
            }
            "IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        kinds.push(kind);
        pos += 12 + len;
    }
    assert_eq!(pos, png.len(), "no bytes after the last chunk");
    assert_eq!(kinds.first().map(String::as_str), Some("IHDR"));
    assert_eq!(kinds.last().map(String::as_str), Some("IEND"));
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).expect("IDAT inflates");
    let stride = width as usize * bpp;
    assert_eq!(raw.len(), height as usize * (stride + 1));
    let mut img = vec![0u8; height as usize * stride];
    for y in 0..height as usize {
        let line = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
        for i in 0..stride {
            let a = if i >= bpp {
                img[y * stride + i - bpp]
            } else {
                0
            };
            let b = if y > 0 { img[(y - 1) * stride + i] } else { 0 };
            let c = if y > 0 && i >= bpp {
                img[(y - 1) * stride + i - bpp]
            } else {
                0
            };
            let predictor = match line[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter type {f}"),
            };
            img[y * stride + i] = line[1 + i].wrapping_add(predictor);
        }
    }
    img.chunks_exact(bpp).map(|p| [p[0], p[1], p[2]]).collect()
}

/// A picture with content: many colours (anti-aliased curves and text), and no single
/// colour covering nearly all of it.
fn assert_not_blank(pixels: &[[u8; 3]], what: &str) {
    let mut counts = std::collections::HashMap::new();
    for p in pixels {
        *counts.entry(*p).or_insert(0usize) += 1;
    }
    let most = counts.values().copied().max().unwrap_or(0);
    eprintln!(
        "{what}: {} colours, the commonest covers {:.1} %",
        counts.len(),
        100.0 * most as f64 / pixels.len() as f64
    );
    assert!(counts.len() > 200, "{what}: only {} colours", counts.len());
    assert!(
        (most as f64) < 0.9 * pixels.len() as f64,
        "{what}: mostly one colour"
    );
}

#[test]
fn plots_are_valid_pngs_with_content() {
    let dir = scratch("compare-plot");
    let (rate, planes) = excerpt("04_drums_groove.flac", 5.0);
    let drums = write(&dir, "drums.wav", rate, &planes);
    let (rate, planes) = excerpt("06_guitar_strums.flac", 5.0);
    let guitar = write(&dir, "guitar.wav", rate, &planes);

    let png = dir.join("tonal.png");
    let out = lathe_os(&[
        "compare".as_ref(),
        drums.as_os_str(),
        guitar.as_os_str(),
        "--plot".as_ref(),
        png.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Tonal balance"));
    assert_not_blank(&decode_png(&png, 1200, 700), "compare plot");

    let png = dir.join("loudness.png");
    let out = lathe_os(&[
        "loudness".as_ref(),
        guitar.as_os_str(),
        "--plot".as_ref(),
        png.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_not_blank(&decode_png(&png, 1200, 700), "loudness plot");

    // An unwritable plot path: the report still prints, exit status 1, one line on stderr.
    let bad = dir.join("no-such-dir").join("x.png");
    let out = lathe_os(&[
        "compare".as_ref(),
        drums.as_os_str(),
        guitar.as_os_str(),
        "--plot".as_ref(),
        bad.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Integrated loudness"));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).starts_with("lathe: "), "{}", stderr(&out));
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
}

#[test]
fn errors_and_help() {
    let dir = scratch("compare-errors");
    let (rate, planes) = excerpt("06_guitar_strums.flac", 1.0);
    let good = write(&dir, "good.wav", rate, &planes);
    let missing = dir.join("missing.wav");
    let garbage = dir.join("garbage.wav");
    std::fs::write(&garbage, b"this is not audio at all, just text").unwrap();

    // A file that cannot be decoded: one line each, nothing on stdout, exit 1.
    let out = lathe_os(&["compare".as_ref(), good.as_os_str(), missing.as_os_str()]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("lathe: {}: ", missing.display())),
        "{err}"
    );
    assert!(err.contains("no such file"), "{err}");
    assert!(out.stdout.is_empty());
    let out = lathe_os(&["compare".as_ref(), garbage.as_os_str(), missing.as_os_str()]);
    assert_exit(&out, 1);
    assert_eq!(stderr(&out).lines().count(), 2, "{}", stderr(&out));

    // Usage errors: exit 2.
    assert_exit(&lathe(&["compare"]), 2);
    assert_exit(&lathe_os(&["compare".as_ref(), good.as_os_str()]), 2);
    let out = lathe_os(&[
        "compare".as_ref(),
        good.as_os_str(),
        good.as_os_str(),
        "--bands".as_ref(),
        "sixth-octave".as_ref(),
    ]);
    assert_exit(&out, 2);

    let out = lathe(&["compare", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--json",
        "--plot",
        "--bands",
        "third-octave",
        "Crest factor",
        "Stereo correlation",
        "Stereo width",
        "loudness-matched",
        "IEC 61260",
        "Welch",
        "delta_db",
        "Exit status",
        "Examples",
    ] {
        assert!(help.contains(needle), "help lacks {needle}:\n{help}");
    }
}
