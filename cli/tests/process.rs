//! `lathe process`: the output is the plugin engine's own output (null against a direct run of
//! the engine, at any block size), aligned with the input; integer output is dithered and on
//! the grid; FLAC round-trips; bad inputs and bad requests give clear outcomes.

mod common;

use common::*;
use shared_plugin::presets::{apply_without_host, set_from_text};

const DRUMS: &str = "04_drums_groove.flac";

/// What a case sets, and the reference: the engine run directly on the whole (padded) signal in
/// one call, the first `latency` samples dropped.
struct Case {
    plugin: &'static str,
    preset: &'static str,
    set: &'static str,
}

const CASES: [Case; 4] = [
    Case {
        plugin: "channel-strip",
        preset: "Vocal presence",
        set: "comp_thr=-30",
    },
    Case {
        plugin: "bus-compressor",
        preset: "Drum bus glue",
        set: "mix=80",
    },
    Case {
        plugin: "mastering-limiter",
        preset: "Loud master",
        set: "ceiling=-1.5",
    },
    // The de-noise changes the drums a little everywhere (the de-plosive rightly leaves them
    // alone, so "Dialogue plosives" would prove nothing here).
    Case {
        plugin: "spectral-repair",
        preset: "Gentle hiss reduction",
        set: "mix=90",
    },
];

fn configure(
    params: &dyn nice_plug::prelude::Params,
    presets: &[shared_plugin::presets::FactoryPreset],
    case: &Case,
) {
    let preset = presets
        .iter()
        .find(|p| p.name == case.preset)
        .expect("preset exists");
    apply_without_host(params, preset).unwrap();
    let (id, value) = case.set.split_once('=').unwrap();
    set_from_text(params, id, value).unwrap();
}

/// The engine over the whole input plus `latency` zeros in one call; returns the aligned output.
fn reference(case: &Case, rate: u32, input: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let sr = rate as f32;
    let mut padded: Vec<Vec<f32>> = input.to_vec();
    let mut run = |latency: u32, process: &mut dyn FnMut(&mut [&mut [f32]])| {
        for p in padded.iter_mut() {
            p.resize(input[0].len() + latency as usize, 0.0);
        }
        let mut refs: Vec<&mut [f32]> = padded.iter_mut().map(|p| p.as_mut_slice()).collect();
        process(&mut refs);
        padded
            .iter()
            .map(|p| p[latency as usize..].to_vec())
            .collect::<Vec<_>>()
    };
    match case.plugin {
        "channel-strip" => {
            let params = channel_strip::params::ChannelStripParams::default();
            configure(&params, &channel_strip::factory_presets(), case);
            let mut e = channel_strip::dsp::ChannelStripEngine::new();
            e.set_settings(&params.settings());
            e.prepare(sr);
            run(e.latency_samples(), &mut |a| e.process_block(a))
        }
        "bus-compressor" => {
            let params = bus_compressor::params::BusCompParams::default();
            configure(&params, &bus_compressor::factory_presets(), case);
            let mut e = bus_compressor::dsp::BusCompEngine::new();
            e.set_settings(&params.settings());
            e.prepare(sr);
            run(e.latency_samples(), &mut |a| e.process_block(a))
        }
        "mastering-limiter" => {
            let params = mastering_limiter::params::LimiterParams::default();
            configure(&params, &mastering_limiter::factory_presets(), case);
            let mut e = mastering_limiter::dsp::LimiterEngine::new();
            e.set_settings(&params.settings());
            e.prepare_channels(sr, 2);
            run(e.latency_samples(), &mut |a| e.process_block(a))
        }
        _ => {
            let params = spectral_repair::params::RepairParams::default();
            configure(&params, &spectral_repair::factory_presets(), case);
            let mut e = spectral_repair::dsp::RepairEngine::new();
            e.set_settings(&params.settings());
            e.prepare(sr);
            run(e.latency_samples(), &mut |a| e.process_block(a))
        }
    }
}

#[test]
fn every_plugin_nulls_against_its_engine_at_any_block_size() {
    let dir = scratch("null");
    let (rate, input) = excerpt(DRUMS, 2.0);
    let wav = dir.join("in.wav");
    write_planar_f32(&wav, rate, &input);
    for case in &CASES {
        let want = reference(case, rate, &input);
        // The processing must have done something, or the null proves nothing.
        let moved = want
            .iter()
            .zip(&input)
            .flat_map(|(w, i)| w.iter().zip(i))
            .any(|(a, b)| (a - b).abs() > 1e-3);
        assert!(moved, "{}: the case changes nothing", case.plugin);
        for block in ["1", "7", "4096"] {
            let out = dir.join(&format!("{}-{block}.wav", case.plugin));
            let o = lathe_os(&[
                "process".as_ref(),
                case.plugin.as_ref(),
                wav.as_os_str(),
                "--preset".as_ref(),
                case.preset.as_ref(),
                "--set".as_ref(),
                case.set.as_ref(),
                "--block".as_ref(),
                block.as_ref(),
                "-o".as_ref(),
                out.as_os_str(),
            ]);
            assert!(o.status.success(), "{}: {}", case.plugin, stderr(&o));
            let (spec, got) = read_wav(&out);
            assert_eq!(spec.sample_format, hound::SampleFormat::Float);
            assert_eq!((spec.sample_rate, spec.channels), (rate, 2));
            assert_eq!(got[0].len(), input[0].len(), "{}: length", case.plugin);
            let worst = got
                .iter()
                .zip(&want)
                .flat_map(|(g, w)| g.iter().zip(w))
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert_eq!(
                worst, 0.0,
                "{} at block {block}: differs by {worst}",
                case.plugin
            );
        }
    }
}

#[test]
fn integer_output_is_dithered_on_the_grid_and_flac_round_trips() {
    let dir = scratch("bits");
    let (rate, input) = excerpt("06_guitar_strums.flac", 3.0);
    // 3 s is not a whole number of 4096-frame FLAC blocks: the short last block is written.
    let wav = dir.join("in.wav");
    write_planar_f32(&wav, rate, &input);
    let lsb16 = 1.0 / 32768.0;
    // The channel strip at its defaults is bit-exact, so the output is the input quantised.
    for (dither, want_rms_lsb) in [(true, 0.5), (false, 1.0 / 12f64.sqrt())] {
        let out = dir.join(&format!("out16-{dither}.wav"));
        let mut args = vec![
            "process".into(),
            "strip".into(),
            wav.clone().into_os_string(),
            "--bits".into(),
            "16".into(),
            "-o".into(),
            out.clone().into_os_string(),
        ];
        if !dither {
            args.push("--no-dither".into());
        }
        let o = lathe_os(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let (spec, got) = read_wav(&out);
        assert_eq!(
            (spec.bits_per_sample, spec.sample_format),
            (16, hound::SampleFormat::Int)
        );
        let (mut sum, mut n, mut worst) = (0.0f64, 0usize, 0.0f64);
        for (g, i) in got.iter().zip(&input) {
            for (a, b) in g.iter().zip(i) {
                let e = f64::from(a - b) / lsb16;
                sum += e * e;
                n += 1;
                worst = worst.max(e.abs());
            }
        }
        let rms = (sum / n as f64).sqrt();
        eprintln!("16-bit, dither {dither}: error {rms:.3} LSB RMS, {worst:.2} LSB peak");
        assert!(
            (rms / want_rms_lsb - 1.0).abs() < 0.1,
            "error {rms} LSB RMS"
        );
        assert!(
            worst <= if dither { 1.5 } else { 0.5 } + 1e-6,
            "peak error {worst} LSB"
        );
    }
    // FLAC 24-bit, read back by `lathe` itself (the strip at defaults passes it through).
    let flac = dir.join("out.flac");
    let o = lathe_os(&[
        "process".as_ref(),
        "strip".as_ref(),
        wav.as_os_str(),
        "-o".as_ref(),
        flac.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let back = dir.join("back.wav");
    let o = lathe_os(&[
        "process".as_ref(),
        "strip".as_ref(),
        flac.as_os_str(),
        "-o".as_ref(),
        back.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, got) = read_wav(&back);
    let lsb24 = 1.0 / 8_388_608.0f64;
    assert_eq!(got[0].len(), input[0].len());
    for (g, i) in got.iter().zip(&input) {
        for (a, b) in g.iter().zip(i) {
            let k = f64::from(*a) / lsb24;
            assert_eq!(k, k.round(), "on the 24-bit grid");
            assert!((f64::from(a - b) / lsb24).abs() <= 1.5, "{a} vs {b}");
        }
    }
}

#[test]
fn inputs_are_never_overwritten_and_bad_files_do_not_stop_the_others() {
    let dir = scratch("guard");
    let (rate, input) = excerpt(DRUMS, 0.5);
    let wav = dir.join("in.wav");
    write_planar_f32(&wav, rate, &input);
    let before = std::fs::read(&wav).unwrap();
    let link = dir.join("link.wav");
    std::fs::hard_link(&wav, &link).unwrap();
    let dotted = dir.0.join(".").join("in.wav");
    for out in [&wav, &link, &dotted] {
        let o = lathe_os(&[
            "process".as_ref(),
            "strip".as_ref(),
            wav.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("would replace the input"),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(std::fs::read(&wav).unwrap(), before, "input untouched");

    // A truncated file and a good one into a folder: one line for the bad, the good written.
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &before[..before.len() / 2]).unwrap();
    let out_dir = dir.join("out");
    let o = lathe_os(&[
        "process".as_ref(),
        "bus".as_ref(),
        cut.as_os_str(),
        wav.as_os_str(),
        "-o".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cut.wav") && err.contains("truncated"),
        "{err}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["in.wav"], "only the good output, no temporary file");
    let (_, got) = read_wav(&out_dir.join("in.wav"));
    assert_eq!(got[0].len(), input[0].len());

    // Two inputs with one name would write one output twice.
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(&wav, sub.join("in.wav")).unwrap();
    let o = lathe_os(&[
        "process".as_ref(),
        "strip".as_ref(),
        wav.as_os_str(),
        sub.join("in.wav").as_os_str(),
        "-o".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("would both be written"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_requests_say_what_is_valid() {
    let dir = scratch("usage");
    let (rate, input) = excerpt(DRUMS, 0.2);
    let wav = dir.join("in.wav");
    write_planar_f32(&wav, rate, &input);
    let out = dir.join("out.wav");
    for (args, wants) in [
        (
            vec!["flanger"],
            vec!["unknown plugin", "channel-strip", "spectral-repair"],
        ),
        (
            vec!["limiter", "--preset", "Loudest"],
            vec!["no preset", "\"Club\""],
        ),
        (
            vec!["strip", "--set", "treble=3"],
            vec!["unknown parameter ID", "eq1_freq"],
        ),
        (
            vec!["limiter", "--set", "input=30 dB"],
            vec!["out of range", "0.0 to 24.0 dB"],
        ),
        (
            vec!["bus", "--set", "c_ratio=3:1"],
            vec!["not a valid value", "2:1, 4:1, 10:1"],
        ),
        (
            vec!["strip", "--bits", "32f", "--format", "flac"],
            vec!["FLAC holds"],
        ),
    ] {
        let mut full: Vec<std::ffi::OsString> =
            vec!["process".into(), args[0].into(), wav.clone().into()];
        full.extend(args[1..].iter().map(Into::into));
        full.extend(["-o".into(), out.clone().into()]);
        let o = lathe_os(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        for w in wants {
            assert!(
                stderr(&o).contains(w),
                "{args:?}: wants {w:?} in {}",
                stderr(&o)
            );
        }
        assert!(!out.exists(), "{args:?}: nothing written");
    }
}

#[test]
fn assist_analyses_first_switches_on_what_it_finds_and_says_why() {
    let dir = scratch("assist");
    let (rate, clean) = excerpt(DRUMS, 12.0);
    // Two clicks a second (fixed seed), as the assistant's own test adds them.
    let mut clicked = clean.clone();
    engine_checks::damage::add_clicks(&mut clicked, rate as f32, 2.0, 7);
    let (clean_wav, clicked_wav) = (dir.join("clean.wav"), dir.join("clicked.wav"));
    write_planar_f32(&clean_wav, rate, &clean);
    write_planar_f32(&clicked_wav, rate, &clicked);
    let run = |input: &std::path::Path, out: &str| {
        let out = dir.join(out);
        let o = lathe_os(&[
            "process".as_ref(),
            "repair".as_ref(),
            input.as_os_str(),
            "--assist".as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        (String::from_utf8_lossy(&o.stdout).into_owned(), out)
    };
    // Clicks: de-click on, the rest off, and the lines say what was found.
    let (said, out) = run(&clicked_wav, "clicked-out.wav");
    for want in [
        "s analysed",
        "de-click   on",
        "de-clip    off",
        "de-hum     off",
        "de-noise   off",
        "de-plosive off",
        "clicks/s",
    ] {
        assert!(said.contains(want), "{want:?} not in:\n{said}");
    }
    let (_, repaired) = read_wav(&out);
    let snr = |x: &[Vec<f32>]| engine_checks::damage::snr_db(&clean, x, 0, 0);
    assert!(
        snr(&repaired) > snr(&clicked) + 5.0,
        "{:.1} → {:.1} dB",
        snr(&clicked),
        snr(&repaired)
    );
    // Clean drums: nothing switched on, the output is the input.
    let (said, out) = run(&clean_wav, "clean-out.wav");
    assert_eq!(said.matches(" on ").count(), 0, "{said}");
    let (_, same) = read_wav(&out);
    assert_eq!(same, clean);
    // Only the repair has an assistant.
    let o = lathe_os(&[
        "process".as_ref(),
        "limiter".as_ref(),
        clean_wav.as_os_str(),
        "--assist".as_ref(),
        "-o".as_ref(),
        dir.join("x.wav").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no assistant"), "{}", stderr(&o));
}

#[test]
fn a_reverb_renders_its_tail_past_the_end_of_the_file_and_stops_at_silence() {
    // One second of drums through "Drum room" (0.8 s): the file grows by the tail, the tail is
    // the engine's own output for the input followed by silence (at any block size), and it
    // ends at the engine's exact zeros, within the tail the engine reports.
    let dir = scratch("tail");
    let (rate, input) = excerpt(DRUMS, 1.0);
    let wav = dir.join("in.wav");
    write_planar_f32(&wav, rate, &input);
    let params = reverb::params::ReverbParams::default();
    let presets = reverb::factory_presets();
    let preset = presets.iter().find(|p| p.name == "Drum room").unwrap();
    apply_without_host(&params, preset).unwrap();
    let mut e = reverb::dsp::ReverbEngine::new();
    e.set_settings(&params.settings());
    e.prepare(rate as f32);
    let tail = e.tail_samples() as usize;
    let n = input[0].len();
    let mut want: Vec<Vec<f32>> = input
        .iter()
        .map(|p| {
            let mut v = p.clone();
            v.resize(n + tail, 0.0);
            v
        })
        .collect();
    {
        let mut refs: Vec<&mut [f32]> = want.iter_mut().map(|p| p.as_mut_slice()).collect();
        e.process_block(&mut refs);
    }
    for block in ["7", "4096"] {
        let out = dir.join(&format!("reverb-{block}.wav"));
        let o = lathe(&[
            "process",
            "reverb",
            wav.to_str().unwrap(),
            "--preset",
            "Drum room",
            "--block",
            block,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let (_, got) = read_wav(&out);
        let len = got[0].len();
        assert!(
            len > n + rate as usize / 2 && len < n + tail,
            "{len} of {n} + {tail}"
        );
        for (g, w) in got.iter().zip(&want) {
            let first_diff = g.iter().zip(&w[..len]).position(|(a, b)| a != b);
            assert!(
                first_diff.is_none(),
                "block {block}: differs from sample {first_diff:?} of {len} (input {n})"
            );
            assert!(w[len..].iter().all(|v| *v == 0.0));
        }
    }
}
