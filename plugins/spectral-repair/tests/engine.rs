//! Engine tests of spectral repair (no host): with every module off the engine is a pure delay
//! (null below −120 dB); the reported latency is the measured one and does not move when
//! modules switch; residual and mix do what they say; a learned noise profile survives the
//! trip through saved state; every factory preset parses, applies and repairs the damage it is
//! named for; and the shared engine checks (block sizes, hostile input, no allocation).
//! The restoration figures on real recordings are in `tests/restoration.rs`.

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;

use engine_checks::damage::{self, snr_db};
use shared_plugin::presets::apply_without_host;
use spectral_repair::dsp::{OutputMode, RepairEngine, RepairSettings};
use spectral_repair::params::RepairParams;

const SR: f32 = 48_000.0;

use shared_dsp::runner::Fixed;

/// Every module on at its defaults.
fn all_on() -> RepairSettings {
    RepairSettings {
        declip_on: true,
        declick_on: true,
        deplosive_on: true,
        dehum_on: true,
        denoise_on: true,
        ..RepairSettings::default()
    }
}

fn engine(s: &RepairSettings, sr: f32) -> RepairEngine {
    let mut e = RepairEngine::new();
    e.set_settings(s);
    e.prepare(sr);
    e
}

/// Runs the channels through the engine in `block`-sample blocks, plus a latency's worth of
/// silence, and returns the output aligned with the input.
fn run(e: &mut RepairEngine, input: &[Vec<f32>], block: usize) -> Vec<Vec<f32>> {
    let latency = e.latency_samples() as usize;
    engine_checks::run_aligned(latency, input, block, |c| e.process_block(c))
}

/// A tonal stereo test signal (decaying 220/330 Hz notes over a steady 1234 Hz tone, no
/// noise: the suite's noisy programme would be "noise" to a de-noiser).
fn programme(seconds: f32, sr: f32) -> Vec<Vec<f32>> {
    let n = (seconds * sr) as usize;
    vec![
        engine_checks::bench_signal(n, 1, sr, 220.0, [0.4, 0.1, 0.0]),
        engine_checks::bench_signal(n, 2, sr, 330.0, [0.4, 0.1, 0.0]),
    ]
}

#[test]
fn all_modules_off_is_a_pure_delay_at_every_rate() {
    for sr in engine_checks::SAMPLE_RATES {
        let s = RepairSettings::default();
        let [a, b] = engine_checks::programme((0.5 * sr) as usize, sr);
        let null = engine_checks::null_db(&mut Fixed(RepairEngine::new(), s), sr, &[a, b]);
        println!("{sr} Hz: all off, null {null:.1} dB");
        assert!(null < -120.0, "{sr} Hz: {null}");
    }
}

#[test]
fn reported_latency_is_measured_and_does_not_move_when_modules_switch() {
    for sr in [44_100.0f32, 48_000.0, 96_000.0] {
        for fft in [256usize, 2048, 8192] {
            for overlap in [4usize, 8] {
                // The de-noise and de-plosive at neutral settings, so an impulse comes out
                // whole (the de-click would rightly remove it); the other modules' latencies
                // are checked by the null tests on real recordings, which align by the
                // reported latency.
                let mut s = RepairSettings {
                    denoise_on: true,
                    deplosive_on: true,
                    ..RepairSettings::default()
                };
                s.denoise.fft_size = fft;
                s.denoise.overlap = overlap;
                s.denoise.reduction_db = 0.0;
                s.deplosive.strength_db = 0.0;
                let mut e = engine(&s, sr);
                let reported = e.latency_samples();
                for other in [all_on(), RepairSettings::default()] {
                    let o = RepairSettings {
                        denoise: s.denoise,
                        ..other
                    };
                    let l = engine(&o, sr).latency_samples();
                    assert_eq!(reported, l, "latency moves with the module switches");
                }
                // Let the modules settle on silence, then an impulse.
                let n = reported as usize + 4 * fft + (0.3 * sr) as usize;
                let mut x = vec![0.0f32; n];
                let at = (0.2 * sr) as usize;
                x[at] = 0.5;
                let mut l = x.clone();
                let mut r = x;
                for (p, q) in l.chunks_mut(333).zip(r.chunks_mut(333)) {
                    let mut chans: [&mut [f32]; 2] = [p, q];
                    e.process_block(&mut chans);
                }
                let peak = l
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                    .unwrap()
                    .0;
                println!(
                    "{sr} Hz FFT {fft}/{overlap}: latency {reported}, impulse at +{}",
                    peak - at
                );
                assert_eq!((peak - at) as u32, reported, "{sr} Hz FFT {fft}/{overlap}");
            }
        }
    }
}

#[test]
fn residual_is_what_was_removed_and_mix_blends() {
    let mut noisy = programme(1.0, SR);
    damage::add_clicks(&mut noisy, SR, 8.0, 7);
    let mut s = RepairSettings {
        declick_on: true,
        ..RepairSettings::default()
    };
    let processed = run(&mut engine(&s, SR), &noisy, 512);
    s.output = OutputMode::Residual;
    let residual = run(&mut engine(&s, SR), &noisy, 512);
    let mut worst = 0.0f32;
    for c in 0..2 {
        for i in 0..noisy[c].len() {
            worst = worst.max((processed[c][i] + residual[c][i] - noisy[c][i]).abs());
        }
    }
    println!("processed + residual − input: {worst:e}");
    assert!(worst < 1e-5, "{worst}");
    // The residual is the clicks: it nulls against them far better than against silence.
    let clicks: Vec<Vec<f32>> = noisy
        .iter()
        .zip(&processed)
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x - y).collect())
        .collect();
    let removed = damage::rms(&residual);
    assert!(removed > 1e-4, "the residual is empty: {removed}");
    assert!(damage::null_rel_db(&clicks, &residual, 0, 0) < -100.0);

    // Mix 0: the delayed input; mix 0.5: halfway.
    s.output = OutputMode::Processed;
    s.mix = 0.0;
    let dry = run(&mut engine(&s, SR), &noisy, 512);
    let null = damage::null_rel_db(&noisy, &dry, 0, 0);
    assert!(null < -120.0, "mix 0 null {null}");
    s.mix = 0.5;
    let half = run(&mut engine(&s, SR), &noisy, 512);
    let mut worst = 0.0f32;
    for c in 0..2 {
        for i in 0..noisy[c].len() {
            let want = 0.5 * (noisy[c][i] + processed[c][i]);
            worst = worst.max((half[c][i] - want).abs());
        }
    }
    assert!(worst < 1e-5, "mix 50 % is not halfway: {worst}");
}

#[test]
fn learned_noise_profile_round_trips_and_is_used() {
    let noise = damage::white_noise_like(&programme(2.0, SR), -30.0, 11);
    let mut s = RepairSettings {
        denoise_on: true,
        ..RepairSettings::default()
    };
    s.denoise.mode = shared_dsp::repair::denoise::NoiseMode::Profile;
    s.denoise.learn = true;
    let mut a = engine(&s, SR);
    run(&mut a, &noise, 512);
    s.denoise.learn = false;
    a.set_settings(&s);
    // Learning ends on the next block.
    run(&mut a, &[vec![0.0; 64], vec![0.0; 64]], 64);
    let (points, rate) = a
        .take_new_noise_profile()
        .map(|(p, r)| (p.to_vec(), r))
        .expect("a profile was learned");
    assert!(a.activity().has_noise_profile);
    let stored = spectral_repair::params::StoredNoiseProfile {
        sample_rate_hz: rate,
        points: points.clone(),
    };
    let json = serde_json::to_string(&stored).unwrap();
    let back: spectral_repair::params::StoredNoiseProfile = serde_json::from_str(&json).unwrap();
    assert!(back.is_valid());
    assert_eq!(back, stored);

    // A second engine loaded with the saved profile sounds exactly like the first.
    let mut b = engine(&s, SR);
    b.set_noise_profile(&back.points, back.sample_rate_hz);
    a.reset();
    let music = programme(1.0, SR);
    let noisy: Vec<Vec<f32>> = music
        .iter()
        .zip(&damage::white_noise_like(&music, -25.0, 12))
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x + y).collect())
        .collect();
    let ya = run(&mut a, &noisy, 512);
    let yb = run(&mut b, &noisy, 512);
    assert_eq!(ya, yb, "the restored profile does not sound the same");
    let gain = snr_db(&music, &ya, 0, 4800) - snr_db(&music, &noisy, 0, 4800);
    println!("learned-profile de-noise on the programme: {gain:+.1} dB");
    assert!(gain > 3.0, "{gain}");
}

/// The damage each factory preset is named for, and the clean original.
fn damaged_for(preset: &str, clean: &[Vec<f32>]) -> Option<Vec<Vec<f32>>> {
    let mut x = clean.to_vec();
    let add = |x: &mut Vec<Vec<f32>>, d: &[Vec<f32>]| {
        for (c, dc) in x.iter_mut().zip(d) {
            for (a, b) in c.iter_mut().zip(dc) {
                *a += b;
            }
        }
    };
    match preset {
        "Vinyl declick" => {
            damage::add_clicks(&mut x, SR, 4.0, 3);
        }
        "Hum 50 Hz" | "Hum 60 Hz" => {
            let base = if preset == "Hum 50 Hz" { 50.0 } else { 60.0 };
            let h = damage::hum(x[0].len(), SR, base, 0.0, 10, 0.3 * damage::rms(clean), 5);
            add(&mut x, &[h.clone(), h]);
        }
        "Clipped recording" => {
            damage::clip_at_percentile(&mut x, 99.0);
        }
        "Gentle hiss reduction" => {
            let n = damage::white_noise_like(clean, -20.0, 9);
            add(&mut x, &n);
        }
        _ => return None,
    }
    Some(x)
}

#[test]
fn factory_presets_parse_apply_and_repair_what_they_are_named_for() {
    let presets = spectral_repair::factory_presets();
    assert!(presets.len() >= 6, "{} presets", presets.len());
    let names: Vec<&str> = presets.iter().map(|p| p.name.as_str()).collect();
    for wanted in [
        "Vinyl declick",
        "Dialogue plosives",
        "Hum 50 Hz",
        "Hum 60 Hz",
        "Clipped recording",
        "Learn noise",
    ] {
        assert!(names.contains(&wanted), "missing preset {wanted}");
    }
    // Long enough for the adaptive noise tracking (an 8 s search window) to settle.
    let clean = programme(12.0, SR);
    for preset in &presets {
        assert!(!preset.description.is_empty());
        let params = RepairParams::default();
        apply_without_host(&params, preset).unwrap_or_else(|e| panic!("{e}"));
        let s = params.settings();
        assert!(
            s.declip_on || s.declick_on || s.deplosive_on || s.dehum_on || s.denoise_on,
            "{}: no module on",
            preset.name
        );
        let Some(damaged) = damaged_for(&preset.name, &clean) else {
            // The others need speech or a noise passage: finite output is checked here, their
            // effect in tests/restoration.rs.
            let out = run(&mut engine(&s, SR), &clean, 512);
            assert!(
                out.iter().flatten().all(|v| v.is_finite()),
                "{}",
                preset.name
            );
            continue;
        };
        let out = run(&mut engine(&s, SR), &damaged, 512);
        assert!(
            out.iter().flatten().all(|v| v.is_finite()),
            "{}",
            preset.name
        );
        // The de-clip preset lowers the output by its gain: compare at the same level.
        let g = s.declip_gain as f64;
        let restored: Vec<Vec<f32>> = out
            .iter()
            .map(|c| c.iter().map(|v| (*v as f64 / g) as f32).collect())
            .collect();
        let skip = (0.5 * SR) as usize;
        let gain = snr_db(&clean, &restored, 0, skip) - snr_db(&clean, &damaged, 0, skip);
        println!("{}: SNR {gain:+.1} dB", preset.name);
        // The adaptive de-noise tracks the noise conservatively (see tests/restoration.rs):
        // it must improve, by less than the others.
        let want = if preset.name == "Gentle hiss reduction" {
            0.3
        } else {
            3.0
        };
        assert!(gain > want, "{}: {gain:+.1} dB", preset.name);
    }
    // A broken preset says what is wrong, in words.
    let bad = shared_plugin::presets::parse_factory(
        r#"[{"name":"x","description":"y","values":{"nope":"1"},"expect":{"recording":"05_speech_male_en","level_change_db":[-0.5,0.5]}}]"#,
    )
    .unwrap();
    let err = apply_without_host(&RepairParams::default(), &bad[0]).unwrap_err();
    assert!(err.contains("unknown parameter ID \"nope\""), "{err}");
    let bad = shared_plugin::presets::parse_factory(
        r#"[{"name":"x","description":"y","values":{"dhm_base":"55 Hz"},"expect":{"recording":"05_speech_male_en","level_change_db":[-0.5,0.5]}}]"#,
    )
    .unwrap();
    let err = apply_without_host(&RepairParams::default(), &bad[0]).unwrap_err();
    assert!(err.contains("not a valid value"), "{err}");
}

#[test]
fn shared_engine_checks() {
    let s = all_on();
    let mut input = programme(1.0, SR);
    damage::add_clicks(&mut input, SR, 8.0, 21);
    let input = [input[0].clone(), input[1].clone()];
    let diff = engine_checks::block_size_difference(|| Fixed(RepairEngine::new(), s), SR, &input);
    println!("all modules on: block sizes differ by {diff:e}");
    assert!(diff < 1e-6, "block sizes differ by {diff}");
    let failures = engine_checks::hostile_input_failures(|| Fixed(RepairEngine::new(), s));
    assert!(failures.is_empty(), "{failures:#?}");
    let mut fixed = Fixed(RepairEngine::new(), s);
    fixed.prepare(SR, 2);
    // What the plugin does around each block, counted too: the meter ballistics, the module
    // activity and the assistant's findings published to the editor (a learned profile saved
    // and loaded: `a_learned_profile_is_saved_and_loaded_without_allocating`).
    let meters = spectral_repair::meters::RepairMeters::default();
    let assist = spectral_repair::assist::AssistShared::default();
    let mut ballistics = shared_plugin::meters::MeterBallistics::default();
    let mut publisher = spectral_repair::meters::ActivityPublisher::default();
    let allocs = engine_checks::allocations(&mut fixed, |e, i| {
        // Switching modules, FFT sizes and learning between blocks must not allocate either,
        // nor the assistant's analysis running beside them, read and stopped.
        match i {
            0 => e.0.start_analysis(),
            2 => {
                assert!(e.0.analysis_running());
                assert!(e.0.findings().seconds > 0.0);
                e.0.stop_analysis();
            }
            _ => {}
        }
        ballistics.publish(e.0.readings(), 0.01, &meters.levels);
        publisher.publish(e.0.activity(), 0.01, &meters);
        assist.publish(
            spectral_repair::assist::AssistState::Running,
            &e.0.findings(),
        );
        let mut s = all_on();
        s.declick_on = i % 2 == 0;
        s.denoise.fft_size = [2048, 512, 8192][i % 3];
        s.denoise.overlap = if i == 1 { 8 } else { 4 };
        s.denoise.learn = i == 1;
        s.output = if i == 2 {
            OutputMode::Residual
        } else {
            OutputMode::Processed
        };
        e.1 = s;
    });
    assert_eq!(allocs, 0);
}

/// What the plugin does with a learned noise profile, counted: taken for the session into room
/// reserved beforehand (as its `activate` reserves it) and loaded back into the de-noise.
#[test]
fn a_learned_profile_is_saved_and_loaded_without_allocating() {
    let mut s = RepairSettings {
        denoise_on: true,
        ..RepairSettings::default()
    };
    s.denoise.learn = true;
    let mut e = RepairEngine::new();
    e.set_settings(&s);
    e.prepare(SR);
    let noise = engine_checks::noise(SR as usize, 3, 0.05);
    let mut block = [noise.clone(), noise];
    let run = |e: &mut RepairEngine, block: &mut [Vec<f32>; 2]| {
        let [l, r] = block;
        for (a, b) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
            e.process_block(&mut [a, b]);
        }
    };
    run(&mut e, &mut block);
    s.denoise.learn = false;
    e.set_settings(&s);
    run(&mut e, &mut block);
    let mut stored: Vec<f32> = Vec::with_capacity(shared_dsp::repair::denoise::PROFILE_POINTS);
    let mut took = false;
    let allocs = alloc_guard::count_allocs(|| {
        if let Some((points, _)) = e.take_new_noise_profile() {
            stored.clear();
            stored.extend_from_slice(points);
            took = true;
        }
        e.set_noise_profile(&stored, SR);
    });
    assert!(took, "nothing learned from 1 s of noise");
    assert_eq!(allocs, 0);
}

#[test]
fn parameter_text_round_trips_and_the_committed_table_is_current() {
    let params = RepairParams::default();
    let failures = shared_plugin::table::check_text_round_trip(&params);
    assert!(failures.is_empty(), "{failures:#?}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("params.json");
    shared_plugin::table::check_committed_table(&params, &path).unwrap();
}

engine_checks::factory_preset_tests!(
    spectral_repair,
    spectral_repair::params::RepairParams,
    |params| Fixed(RepairEngine::new(), params.settings())
);

/// What a DAW does with a saved session (Ardour: activate, a few silent blocks at its own
/// block size, then the saved parameters, then the audio): the render is bit-identical at
/// every host block size and to an engine that had the settings before its first block,
/// including a de-noise FFT size that changes the latency.
#[test]
fn a_session_whose_settings_arrive_during_the_leading_silence_renders_identically() {
    let rec = engine_checks::recordings::load("04_drums_groove.flac");
    let mut x: Vec<Vec<f32>> = rec
        .channels
        .iter()
        .map(|c| c[..(4.0 * SR) as usize].to_vec())
        .collect();
    damage::add_clicks(&mut x, SR, 4.0, 11);
    let mut saved = RepairSettings {
        declick_on: true,
        denoise_on: true,
        ..RepairSettings::default()
    };
    saved.denoise.fft_size = 4096;
    // The reference: the settings are there before the first block.
    let reference = run(&mut engine(&saved, SR), &x, 512);
    for block in [64usize, 256, 512, 1000, 1024, 4096, 8192] {
        for silent_blocks in [1usize, 3] {
            let mut e = engine(&RepairSettings::default(), SR);
            let lead = block * silent_blocks;
            // Silent blocks at the defaults, then the saved settings, then the audio.
            let mut silence = vec![vec![0.0f32; lead]; 2];
            {
                let (a, b) = silence.split_at_mut(1);
                for (p, q) in a[0].chunks_mut(block).zip(b[0].chunks_mut(block)) {
                    let mut chans: [&mut [f32]; 2] = [p, q];
                    e.process_block(&mut chans);
                }
            }
            e.set_settings(&saved);
            let y = run(&mut e, &x, block);
            let same = y
                .iter()
                .zip(&reference)
                .all(|(a, b)| a.iter().zip(b).all(|(p, q)| p.to_bits() == q.to_bits()));
            let worst = y
                .iter()
                .zip(&reference)
                .flat_map(|(a, b)| a.iter().zip(b).map(|(p, q)| (p - q).abs()))
                .fold(0.0f32, f32::max);
            println!(
                "block {block}, {silent_blocks} silent block(s) first: worst difference {worst:e}"
            );
            assert!(same, "block {block}: differs by up to {worst}");
        }
    }
}

/// A host that gives the normalised defaults back a few float steps off (Ardour: 0.50000006
/// for 0.5) leaves the engine at exactly its default settings (bit-exact where the defaults
/// are).
#[test]
fn defaults_survive_a_hosts_normalised_round_trip() {
    shared_plugin::testing::check_defaults_survive_normalised_round_trip(
        |p: &spectral_repair::params::RepairParams| p.settings(),
    );
}
