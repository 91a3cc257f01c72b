//! `lathe master` on real music: every written file is within ±0.2 LU of the target and at or
//! below the true-peak ceiling, re-measured here independently with the `ebur128` crate (a
//! port of libebur128); a target out of reach fails with the reason, and nothing is written.

mod common;

use common::*;
use ebur128::{EbuR128, Mode};
use serde_json::Value;
use std::path::Path;

/// Integrated loudness (LUFS) and true peak (dBTP) of a written file, by `ebur128`.
fn ebur128_measure(path: &Path) -> (f64, f64) {
    let (spec, planes) = read_wav(path);
    let mut m = EbuR128::new(
        spec.channels as u32,
        spec.sample_rate,
        Mode::I | Mode::TRUE_PEAK,
    )
    .expect("ebur128");
    let refs: Vec<&[f32]> = planes.iter().map(Vec::as_slice).collect();
    m.add_frames_planar_f32(&refs).expect("add frames");
    let tp = (0..spec.channels as u32)
        .map(|c| m.true_peak(c).expect("true peak"))
        .fold(0.0f64, f64::max);
    (m.loudness_global().expect("loudness"), 20.0 * tp.log10())
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn masters_real_music_to_minus_9_and_minus_14_and_verifies_them() {
    let dir = scratch("master");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data");
    // The metal master (-6.7 LUFS) is turned down first: the trim path.
    let cases: [(&str, &[&str]); 2] = [
        ("06_guitar_strums.flac", &["-9", "-14"]),
        ("01_loud_metal_master.flac", &["-14", "club"]),
    ];
    let mut table = Vec::new();
    for (name, targets) in cases {
        for target in targets {
            let out = dir.join(&format!("{target}-{name}.wav"));
            let input = data.join(name);
            let o = lathe_os(&[
                "master".as_ref(),
                input.as_os_str(),
                "--target".as_ref(),
                target.as_ref(),
                "--json".as_ref(),
                "-o".as_ref(),
                out.as_os_str(),
            ]);
            assert!(o.status.success(), "{name} {target}: {}", stderr(&o));
            let v = &json_lines(&o.stdout)[0];
            let (want, ceiling) = (
                v["target_lufs"].as_f64().unwrap(),
                v["ceiling_dbtp"].as_f64().unwrap(),
            );
            assert_eq!(v["result"], "PASS", "{v}");
            // Our own re-measurement of the written file (4x true peak).
            let (i, tp) = (v["I"].as_f64().unwrap(), v["TP"].as_f64().unwrap());
            assert!((i - want).abs() <= 0.2 && tp <= ceiling, "{v}");
            // And independently.
            let (ei, etp) = ebur128_measure(&out);
            table.push(format!(
                "{name} -> {want} LUFS: trim {} dB, gain {} dB, {} render(s); lathe {i:.2} LUFS \
                 {tp:.3} dBTP; ebur128 {ei:.2} LUFS {etp:.3} dBTP (ceiling {ceiling})",
                v["trim_db"], v["gain_db"], v["passes"]
            ));
            assert!((ei - want).abs() <= 0.2, "ebur128: {ei} LUFS for {want}");
            // libebur128's true-peak interpolator (49 taps) reads a little differently from
            // ours (128 taps): allow 0.05 dB.
            assert!(etp <= ceiling + 0.05, "ebur128: TP {etp} over {ceiling}");
            if name.starts_with("01") {
                assert!(v["trim_db"].as_f64().unwrap() < -2.0, "{v}");
            }
        }
    }
    for line in &table {
        eprintln!("{line}");
    }
}

#[test]
fn a_target_out_of_reach_fails_in_words_and_writes_nothing() {
    let dir = scratch("reach");
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/04_drums_groove.flac");
    let out = dir.join("drums.wav");
    // The drum groove (-18.3 LUFS, crest factor near 17 dB) cannot reach -9 LUFS within +24 dB.
    let o = lathe_os(&[
        "master".as_ref(),
        input.as_os_str(),
        "--target".as_ref(),
        "-9".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("FAIL") && table.contains("more than +24 dB"),
        "{table}"
    );
    assert!(!out.exists());
    // Usage errors list what is valid.
    for (args, wants) in [
        (["--target", "loud"], "spotify, apple"),
        (["--ceiling", "+1"], "-12 to 0 dBTP"),
    ] {
        let mut full: Vec<std::ffi::OsString> = vec!["master".into(), input.clone().into()];
        if args[0] != "--target" {
            full.extend(["--target".into(), "spotify".into()]);
        }
        full.extend(args.iter().map(Into::into));
        full.extend(["-o".into(), out.clone().into()]);
        let o = lathe_os(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(wants), "{args:?}: {}", stderr(&o));
    }
}
