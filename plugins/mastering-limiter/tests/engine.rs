//! Engine tests of the mastering limiter (no host): the true-peak ceiling on real recordings
//! (4× meter and 16× reference, dither included), loudness targeting by Learn at −9 and
//! −14 LUFS, exact latency at every oversampling factor, the dither's noise floor, the meters
//! against an independent measurement of the same audio, every control in its documented
//! direction, and the shared engine checks.

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;

use engine_checks::recordings::{load, Recording};
use engine_checks::sine;
use mastering_limiter::dsp::{LimiterEngine, Listen, MasteringSettings};
use shared_dsp::db::db_to_gain;
use shared_dsp::dither::{DitherBits, DitherMode};
use shared_dsp::dynamics::limiter::Oversampling;
use shared_dsp::loudness::reference::true_peak_16x;
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::monitor::MonitorSystem;

const SR: f32 = 48_000.0;

use shared_dsp::runner::Fixed;

fn engine(s: &MasteringSettings, sr: f32) -> LimiterEngine {
    let mut e = LimiterEngine::new();
    e.set_settings(s);
    e.prepare(sr);
    e
}

/// Runs stereo audio through an engine in 512-sample blocks (plus a latency's worth of
/// silence) and returns the output aligned with the input.
fn run(e: &mut LimiterEngine, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let lat = e.latency_samples() as usize;
    let mut a: Vec<f32> = l
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0.0, lat))
        .collect();
    let mut b: Vec<f32> = r
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0.0, lat))
        .collect();
    for (p, q) in a.chunks_mut(512).zip(b.chunks_mut(512)) {
        let mut chans: [&mut [f32]; 2] = [p, q];
        e.process_block(&mut chans);
    }
    (a[lat..].to_vec(), b[lat..].to_vec())
}

fn integrated(l: &[f32], r: &[f32], rate: u32) -> f64 {
    let mut m = LoudnessMeter::new(rate, 2).unwrap();
    m.process_planar(&[l, r]).unwrap();
    m.integrated_lufs()
}

fn true_peak_db(l: &[f32], r: &[f32], rate: u32) -> f64 {
    let mut m = LoudnessMeter::new(rate, 2).unwrap();
    m.process_planar(&[l, r]).unwrap();
    m.true_peak_dbtp()
}

fn scaled(rec: &Recording, gain_db: f32) -> (Vec<f32>, Vec<f32>) {
    let g = db_to_gain(gain_db);
    let ch = &rec.channels;
    (
        ch[0].iter().map(|v| v * g).collect(),
        ch[ch.len() - 1].iter().map(|v| v * g).collect(),
    )
}

/// Every recording pushed +12 dB into a −1 dBTP ceiling, with 16-bit noise-shaped dither:
/// 4× meter ≤ ceiling, 16× reference ≤ ceiling + 0.1 dB. Prints the worst overshoot.
#[test]
fn ceiling_holds_on_real_recordings_with_dither() {
    let ceiling_db = -1.0f64;
    let mut worst4 = f64::NEG_INFINITY;
    let mut worst16 = f64::NEG_INFINITY;
    for name in engine_checks::recordings::RECORDINGS {
        let rec = load(name);
        let (l, r) = scaled(&rec, 0.0);
        let mut s = MasteringSettings {
            input_gain: db_to_gain(12.0),
            dither: DitherMode::NoiseShaped,
            bits: DitherBits::Bits16,
            ..MasteringSettings::default()
        };
        s.limiter.ceiling_gain = db_to_gain(ceiling_db as f32);
        let mut e = engine(&s, rec.sample_rate_hz as f32);
        let (yl, yr) = run(&mut e, &l, &r);
        let tp4 = true_peak_db(&yl, &yr, rec.sample_rate_hz) - ceiling_db;
        let c = 10f64.powf(ceiling_db / 20.0);
        let tp16 = 20.0 * (true_peak_16x(&yl, c).max(true_peak_16x(&yr, c)) / c).log10();
        println!(
            "{name}: output {:.2} LUFS, true peak vs ceiling: 4x {tp4:+.4} dB, 16x {tp16:+.4} dB",
            integrated(&yl, &yr, rec.sample_rate_hz)
        );
        worst4 = worst4.max(tp4);
        worst16 = worst16.max(tp16);
        assert!(tp4 <= 0.0, "{name}: 4x {tp4}");
        assert!(tp16 <= 0.1, "{name}: 16x {tp16}");
    }
    println!("worst overshoot on music: 4x {worst4:+.4} dB, 16x {worst16:+.4} dB");
}

/// "Learn" at −9 and −14 LUFS on real music (the loud masters first turned down 10 dB to
/// stand for a mix): the learnt gain lands within ±0.2 LU and the ceiling holds.
#[test]
fn learn_reaches_the_targets_on_real_music() {
    let mut table = Vec::new();
    let mut ok = true;
    // (file, pre-gain dB, targets): the drum groove (−18.3 LUFS, crest factor near 17 dB)
    // cannot reach −9 LUFS within +24 dB at the default 100 ms release (Learn says so: the
    // `TargetOutOfReach` case, checked below), so it is asked for −14 only.
    let cases: [(&'static str, f32, &[f64]); 4] = [
        ("01_loud_metal_master.flac", -10.0, &[-9.0, -14.0]),
        ("02_loud_orchestral_master.flac", -10.0, &[-9.0, -14.0]),
        ("04_drums_groove.flac", 0.0, &[-14.0]),
        ("06_guitar_strums.flac", 0.0, &[-9.0, -14.0]),
    ];
    for (name, pre, targets) in cases {
        let rec = load(name);
        let (l, r) = scaled(&rec, pre);
        for &target in targets {
            let s = MasteringSettings::default();
            let mut e = engine(&s, rec.sample_rate_hz as f32);
            e.start_learning();
            let _ = run(&mut e, &l, &r);
            let gain_db = match e.finish_learning(target) {
                Ok(g) => g,
                Err(err) => panic!("{name} {target}: {err}"),
            };
            let s = MasteringSettings {
                input_gain: db_to_gain(gain_db),
                ..s
            };
            let mut e = engine(&s, rec.sample_rate_hz as f32);
            let (yl, yr) = run(&mut e, &l, &r);
            let got = integrated(&yl, &yr, rec.sample_rate_hz);
            let tp = true_peak_db(&yl, &yr, rec.sample_rate_hz);
            table.push(format!(
                "{name}: target {target} LUFS → gain {gain_db:+.2} dB → {got:.2} LUFS, TP {tp:.2} dBTP"
            ));
            ok &= (got - target).abs() <= 0.2 && tp <= -1.0;
        }
    }
    for line in table {
        println!("{line}");
    }
    assert!(ok, "a target was missed or the ceiling broken");
    // Out of reach is said in words, not missed silently.
    let rec = load("04_drums_groove.flac");
    let (l, r) = scaled(&rec, 0.0);
    let mut e = engine(&MasteringSettings::default(), rec.sample_rate_hz as f32);
    e.start_learning();
    let _ = run(&mut e, &l, &r);
    let err = e.finish_learning(-9.0).unwrap_err();
    println!("drums at -9 LUFS: {err}");
    assert!(matches!(
        err,
        shared_dsp::dynamics::limiter::learn::LearnError::TargetOutOfReach(_)
    ));
}

/// The reported latency equals the measured one (an impulse below the ceiling) at every
/// oversampling factor, through the runner, and does not change when bypassed.
#[test]
fn reported_latency_is_measured_latency() {
    for os in Oversampling::ALL {
        for bypass in [false, true] {
            let mut s = MasteringSettings::default();
            s.limiter.oversampling = os;
            s.bypass = bypass;
            let mut e = engine(&s, SR);
            let lat = e.latency_samples() as usize;
            let mut x = vec![0.0f32; 8192];
            x[100] = 0.5;
            let mut y = x.clone();
            let mut y2 = x.clone();
            for (p, q) in y.chunks_mut(256).zip(y2.chunks_mut(256)) {
                e.process_block(&mut [p, q]);
            }
            let peak = y
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .unwrap()
                .0;
            println!(
                "{os:?} bypass {bypass}: reported {lat}, measured {}",
                peak - 100
            );
            assert_eq!(peak - 100, lat, "{os:?} bypass {bypass}");
        }
    }
}

/// TPDF dither's error floor is LSB/2 RMS (−96.3 dBFS at 16 bit, −144.5 dBFS at 24 bit),
/// measured on a quiet sine below the ceiling.
#[test]
fn dither_noise_floor_is_where_theory_puts_it() {
    for (bits, want_db) in [(DitherBits::Bits16, -96.33), (DitherBits::Bits24, -144.49)] {
        let s = MasteringSettings {
            dither: DitherMode::Tpdf,
            bits,
            ..MasteringSettings::default()
        };
        let mut e = engine(&s, SR);
        let x = sine(96_000, 997.0, 0.1, SR);
        let (y, _) = run(&mut e, &x, &x);
        let err: f64 = y[1000..]
            .iter()
            .zip(&x[1000..])
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum::<f64>()
            / (y.len() - 1000) as f64;
        let db = 10.0 * err.log10();
        println!("{bits:?}: error floor {db:.2} dBFS (theory {want_db})");
        assert!((db - want_db).abs() < 0.3, "{bits:?}: {db}");
    }
}

/// The plugin's loudness meters read what the suite's meter reads on the same output (the
/// `lathe loudness` command measures with it) and what the `ebur128` crate reads.
#[test]
fn meters_equal_an_independent_measurement() {
    let rec = load("04_drums_groove.flac");
    let (l, r) = scaled(&rec, 0.0);
    let s = MasteringSettings {
        input_gain: db_to_gain(6.0),
        ..MasteringSettings::default()
    };
    let mut e = engine(&s, rec.sample_rate_hz as f32);
    // Process without the latency tail, so the meter sees exactly the host's output.
    let (mut a, mut b) = (l.clone(), r.clone());
    for (p, q) in a.chunks_mut(512).zip(b.chunks_mut(512)) {
        e.process_block(&mut [p, q]);
    }
    let got = e.loudness().output;
    let mut m = LoudnessMeter::new(rec.sample_rate_hz, 2).unwrap();
    m.process_planar(&[&a, &b]).unwrap();
    println!(
        "plugin {:.3} LUFS / {:.3} dBTP / LRA {:.3}; independent {:.3} / {:.3} / {:.3}",
        got.integrated_lufs,
        got.true_peak_dbtp,
        got.lra_lu,
        m.integrated_lufs(),
        m.true_peak_dbtp(),
        m.loudness_range_lu()
    );
    assert!((got.integrated_lufs - m.integrated_lufs()).abs() < 0.01);
    assert!((got.true_peak_dbtp - m.true_peak_dbtp()).abs() < 0.01);
    assert!((got.lra_lu - m.loudness_range_lu()).abs() < 0.01);
    // And what an implementation written by others reads: the `ebur128` crate (a port of
    // libebur128; its true peak is its own 4x polyphase interpolation).
    let mut r = ebur128::EbuR128::new(
        2,
        rec.sample_rate_hz,
        ebur128::Mode::I | ebur128::Mode::LRA | ebur128::Mode::TRUE_PEAK,
    )
    .unwrap();
    r.add_frames_planar_f32(&[&a, &b]).unwrap();
    let tp = (0..2)
        .map(|c| r.true_peak(c).unwrap())
        .fold(0.0f64, f64::max);
    let (i, tp, lra) = (
        r.loudness_global().unwrap(),
        20.0 * tp.log10(),
        r.loudness_range().unwrap(),
    );
    println!("ebur128 {i:.3} LUFS / {tp:.3} dBTP / LRA {lra:.3}");
    // Measured: 0.002 LU, 0.008 dB, 0.18 LU apart (LRA implementations differ in how they
    // take the 10th and 95th percentiles; EBU Tech 3342 allows ±1 LU).
    assert!(
        (got.integrated_lufs - i).abs() < 0.02,
        "{} vs {i}",
        got.integrated_lufs
    );
    assert!(
        (got.true_peak_dbtp - tp).abs() < 0.05,
        "{} vs {tp}",
        got.true_peak_dbtp
    );
    assert!((got.lra_lu - lra).abs() < 0.3, "{} vs {lra}", got.lra_lu);
}

/// Every control in its documented direction.
#[test]
fn controls_do_what_they_say() {
    let rec = load("04_drums_groove.flac");
    let (l, r) = scaled(&rec, 0.0);
    let rate = rec.sample_rate_hz;
    let out = |s: MasteringSettings| {
        let mut e = engine(&s, rate as f32);
        run(&mut e, &l, &r)
    };
    let base = MasteringSettings {
        input_gain: db_to_gain(4.0),
        ..MasteringSettings::default()
    };
    let (bl, br) = out(base);
    let base_i = integrated(&bl, &br, rate);
    // More input gain: louder.
    let (al, ar) = out(MasteringSettings {
        input_gain: db_to_gain(10.0),
        ..base
    });
    let ai = integrated(&al, &ar, rate);
    println!("input gain 4 → 10 dB: {base_i:.2} → {ai:.2} LUFS");
    assert!(ai > base_i + 2.0);
    // Lower ceiling: true peak follows it.
    let mut low = base;
    low.limiter.ceiling_gain = db_to_gain(-6.0);
    let (cl, cr) = out(low);
    let tp = true_peak_db(&cl, &cr, rate);
    assert!((-6.05..=-6.0).contains(&tp), "{tp}");
    // Longer release: less gain reduction recovered → quieter.
    let mut slow = base;
    slow.limiter.release_ms = 1000.0;
    let (sl, sr) = out(slow);
    assert!(integrated(&sl, &sr, rate) < base_i - 0.3);
    // Delta: what the limiter removed, which adds back up to the gained input.
    let (dl, _) = out(MasteringSettings {
        listen: Listen::Delta,
        ..base
    });
    let g = db_to_gain(4.0);
    let worst = dl
        .iter()
        .zip(&bl)
        .zip(&l)
        .map(|((d, y), x)| (d + y - x * g).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "delta + output = input: {worst}");
    // Unity gain: the output's loudness is brought back to the input's.
    let (ul, ur) = out(MasteringSettings {
        listen: Listen::UnityGain,
        ..base
    });
    let (ui, ii) = (integrated(&ul, &ur, rate), integrated(&l, &r, rate));
    println!("unity gain listen: {ui:.2} LUFS vs input {ii:.2}");
    assert!((ui - ii).abs() < 1.0, "{ui} vs {ii}");
    // Monitor: a phone speaker removes the bass but keeps the loudness (matched on the
    // programme's short-term loudness) within 0.5 LU.
    let (ml, mr) = out(MasteringSettings {
        monitor: MonitorSystem::PhoneSpeaker,
        ..base
    });
    let mi = integrated(&ml, &mr, rate);
    println!("phone monitor: {mi:.2} LUFS vs {base_i:.2}");
    assert!((mi - base_i).abs() < 0.5);
    // DC filter: a DC offset is removed.
    let dc: Vec<f32> = l.iter().map(|v| v * 0.1 + 0.05).collect();
    let mut e = engine(
        &MasteringSettings {
            dc_filter: true,
            ..MasteringSettings::default()
        },
        rate as f32,
    );
    let (yl, _) = run(&mut e, &dc, &dc);
    let tail = &yl[yl.len() / 2..];
    let mean = tail.iter().map(|v| *v as f64).sum::<f64>() / tail.len() as f64;
    assert!(mean.abs() < 1e-3, "DC left: {mean}");
}

/// The shared checks: below the ceiling the output is the delayed input (null below
/// −120 dB) at every factor; block-size independence; hostile input at every rate; no
/// allocation.
#[test]
fn shared_engine_checks() {
    for os in Oversampling::ALL {
        let mut s = MasteringSettings::default();
        s.limiter.oversampling = os;
        let [a, b] = engine_checks::programme(48_000, SR);
        let quiet = [
            a.iter().map(|v| v * 0.3).collect::<Vec<f32>>(),
            b.iter().map(|v| v * 0.3).collect::<Vec<f32>>(),
        ];
        let null = engine_checks::null_db(&mut Fixed(LimiterEngine::new(), s), SR, &quiet);
        println!("{os:?}: null {null:.1} dB");
        assert!(null < -120.0, "{os:?}: {null}");
    }
    let loud = MasteringSettings {
        input_gain: db_to_gain(12.0),
        dither: DitherMode::NoiseShaped,
        bits: DitherBits::Bits16,
        ..MasteringSettings::default()
    };
    let input = engine_checks::programme(48_000, SR);
    let diff =
        engine_checks::block_size_difference(|| Fixed(LimiterEngine::new(), loud), SR, &input);
    assert!(diff < 1e-6, "block sizes differ by {diff}");
    let failures = engine_checks::hostile_input_failures(|| Fixed(LimiterEngine::new(), loud));
    assert!(failures.is_empty(), "{failures:#?}");
    let mut fixed = Fixed(LimiterEngine::new(), loud);
    fixed.prepare(SR, 2);
    // What the plugin does around the blocks, counted too: a Learn pass started and finished,
    // the loudness read for the editor (integrated, LRA: the gating histograms walked) and
    // reset, the meter ballistics published.
    let meters = shared_plugin::meters::SharedMeters::default();
    let mut ballistics = shared_plugin::meters::MeterBallistics::default();
    let mut learned = None;
    let allocs = engine_checks::allocations(&mut fixed, |e, i| {
        match i {
            0 => e.0.start_learning(),
            1 => {
                let l = e.0.loudness();
                assert!(l.output.integrated_lufs.is_finite() || l.short_term_lufs.is_finite());
                let _ = e.0.short_term_lufs();
            }
            _ => {
                learned = Some(e.0.finish_learning(-14.0));
                e.0.reset_loudness();
            }
        }
        ballistics.publish(e.0.readings(), 0.01, &meters);
        // Settings changes between blocks must not allocate either.
        let mut s = loud;
        s.limiter.ceiling_gain = db_to_gain(-1.0 - (i % 3) as f32);
        s.listen = if i % 2 == 0 {
            Listen::Normal
        } else {
            Listen::UnityGain
        };
        e.1 = s;
    });
    assert_eq!(allocs, 0);
    assert!(learned.is_some(), "the Learn pass did not finish");
}

#[test]
fn parameter_text_round_trips_and_the_committed_table_is_current() {
    let params = mastering_limiter::params::LimiterParams::default();
    let failures = shared_plugin::table::check_text_round_trip(&params);
    assert!(failures.is_empty(), "{failures:#?}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("params.json");
    shared_plugin::table::check_committed_table(&params, &path).unwrap();
}

engine_checks::factory_preset_tests!(
    mastering_limiter,
    mastering_limiter::params::LimiterParams,
    |params| Fixed(LimiterEngine::new(), params.settings())
);

/// A host that gives the normalised defaults back a few float steps off (Ardour: 0.50000006
/// for 0.5) leaves the engine at exactly its default settings (bit-exact where the defaults
/// are).
#[test]
fn defaults_survive_a_hosts_normalised_round_trip() {
    shared_plugin::testing::check_defaults_survive_normalised_round_trip(
        |p: &mastering_limiter::params::LimiterParams| p.settings(),
    );
}
