//! Host-level tests of the bundled channel strip CLAP plugin, loaded with `clack-host`: what
//! is specific to the channel strip (the checks every plugin passes, including the parameter
//! table, are in `all_plugins.rs`).
//!
//! Build the bundle first: `cargo xtask bundle-all --release` (or
//! `cargo xtask bundle channel_strip --release`), then
//! `cargo test --release -p lathe-clap-host-tests`.
//!
//! The tests set plain values the way a host does when the user types them: through
//! `text_to_value`.

use lathe_clap_host_tests::signal::{delayed, null_db, rms_db, sine, stereo_test_signal};
use lathe_clap_host_tests::{Harness, ParamChange, CHANNEL_STRIP};

const SAMPLE_RATE: f64 = 48_000.0;

fn test_signal(num_samples: usize) -> [Vec<f32>; 2] {
    stereo_test_signal(SAMPLE_RATE, num_samples)
}

fn active_strip() -> Harness {
    CHANNEL_STRIP.active_harness()
}

/// Level gain in dB from `input` to `output` over the steady part `[start, end)`; `output` is
/// aligned to `input` by `latency` samples first.
fn gain_db(input: &[f32], output: &[f32], latency: usize, start: usize, end: usize) -> f64 {
    rms_db(&output[start + latency..end + latency]) - rms_db(&input[start..end])
}

#[test]
fn one_stereo_port_each_way() {
    let mut h = CHANNEL_STRIP.harness();
    let (inputs, outputs) = h.audio_port_channels();
    assert_eq!(inputs, [2], "one stereo input port");
    assert_eq!(outputs, [2], "one stereo output port");
}

#[test]
fn text_entry_accepts_plain_numbers_and_units() {
    let mut h = CHANNEL_STRIP.harness();
    let mut failures = Vec::new();
    for (name, typed, shown) in [
        ("Input Trim", "-3 dB", "-3.00 dB"),
        ("Input Trim", "-3", "-3.00 dB"),
        ("Input Trim", "6.5dB", "6.50 dB"),
        ("EQ 3 Freq", "1k", "1000 Hz"),
        ("EQ 3 Freq", "2.5 kHz", "2500 Hz"),
        ("EQ 3 Freq", "700", "700 Hz"),
        ("HPF Freq", "120 Hz", "120 Hz"),
        ("Comp Ratio", "4", "4.0:1"),
        ("Comp Ratio", "3:1", "3.0:1"),
        ("Comp Ratio", "inf", "inf:1"),
        ("Gate Ratio", "2.5", "2.5:1"),
        ("Pan", "-30", "-30 %"),
        ("Pan", "50 %", "50 %"),
        ("Width", "150", "150 %"),
        ("Comp Attack", "3 ms", "3.00 ms"),
        ("Gate Release", "1200", "1200 ms"),
        ("EQ 2 Q", "2", "2.00"),
        ("HPF Slope", "24 dB/oct", "24 dB/oct"),
        ("Output Mode", "Mid", "Mid"),
    ] {
        let id = h.param(name).id;
        let parsed = h.text_to_value(id, typed).map(|v| h.value_to_text(id, v));
        if parsed.as_deref() != Some(shown) {
            failures.push(format!(
                "{name}: {typed:?} gives {parsed:?}, expected {shown:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn latency_is_reported_and_matches_the_audio() {
    let mut h = active_strip();
    let latency = h.latency_samples();
    eprintln!(
        "CLAP latency: {latency} samples ({} latency-changed notification(s), {} restart(s) \
         requested on activation)",
        h.num_latency_changes(),
        h.num_restarts()
    );
    assert!(
        h.num_latency_changes() >= 1,
        "the plugin never told the host (clap_host_latency::changed) about its latency"
    );
    assert!(
        latency > 0,
        "the 4× oversampler has latency; the plugin reports 0"
    );
    assert!(latency < 1024, "implausible latency {latency}");

    // An impulse (after silence) comes out with its peak exactly `latency` samples later.
    let num_samples = 4096;
    let mut impulse = vec![0.0f32; num_samples];
    impulse[1000] = 1.0;
    let out = h.process(&[impulse.clone(), impulse], &[]);
    for channel in &out {
        let peak = channel
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        assert_eq!(peak, 1000 + latency as usize, "impulse peak position");
    }
    // The latency is constant, whatever is switched on: processing never asks the host for a
    // restart to change it.
    let changes = [
        h.change_from_text("Sat On", "On"),
        h.change_from_text("Comp On", "On"),
        h.change_from_text("HPF On", "On"),
        h.change_from_text("Bypass", "On").at(2048),
    ];
    h.process(&test_signal(4096), &changes);
    assert!(!h.take_restart_request(), "plugin requested a restart");
    assert_eq!(
        h.latency_samples(),
        latency,
        "latency changed while processing"
    );
    assert_eq!(h.num_logged_warnings(), 0, "plugin logged warnings");
}

#[test]
fn defaults_are_transparent() {
    let mut h = active_strip();
    let latency = h.latency_samples() as usize;
    let input = test_signal(48_000);
    let out = h.process(&input, &[]);
    for (ch, (o, i)) in out.iter().zip(&input).enumerate() {
        assert!(
            o.iter().all(|v| v.is_finite()),
            "channel {ch}: non-finite output"
        );
        let null = null_db(o, &delayed(i, latency));
        eprintln!("CLAP defaults null, channel {ch}: {null:.1} dB");
        assert!(
            null < -100.0,
            "channel {ch}: null {null:.1} dB, expected < −100 dB"
        );
    }
}

#[test]
fn bypass_passes_the_delayed_input() {
    let mut h = active_strip();
    let latency = h.latency_samples() as usize;
    let changes = [
        h.change_from_text("EQ 3 Gain", "12 dB"),
        h.change_from_text("Input Trim", "-6 dB"),
        h.change_from_text("Sat On", "On"),
        h.change_from_text("Bypass", "On"),
    ];
    // Give the plugin a moment to apply the change, then compare.
    let input = test_signal(48_000);
    let out = h.process(&input, &changes);
    for (ch, (o, i)) in out.iter().zip(&input).enumerate() {
        let start = 24_000;
        let null = null_db(&o[start..], &delayed(i, latency)[start..]);
        eprintln!("CLAP bypass null, channel {ch}: {null:.1} dB");
        assert!(null < -100.0, "channel {ch}: bypass null {null:.1} dB");
    }
}

#[test]
fn trim_event_raises_the_level_by_6_db() {
    let mut h = active_strip();
    let latency = h.latency_samples() as usize;
    let change = h.change_from_text("Input Trim", "6 dB");
    assert_eq!(h.value_to_text(change.id, change.value), "6.00 dB");
    let x = sine(1000.0, 0.1, SAMPLE_RATE, 48_000);
    let out = h.process(&[x.clone(), x.clone()], &[change]);
    let current = h.get_value(change.id);
    assert_eq!(
        h.value_to_text(change.id, current),
        "6.00 dB",
        "the event set the parameter"
    );
    for (ch, o) in out.iter().enumerate() {
        let g = gain_db(&x, o, latency, 24_000, 48_000 - latency);
        eprintln!("CLAP trim +6 dB, channel {ch}: {g:.4} dB");
        assert!((g - 6.0).abs() < 0.05, "channel {ch}: trim gain {g:.4} dB");
    }
}

#[test]
fn eq_gain_event_boosts_the_band_centre() {
    let mut h = active_strip();
    let latency = h.latency_samples() as usize;
    // Band 3 is a bell at 2.5 kHz by default.
    let changes = [h.change_from_text("EQ 3 Gain", "6 dB")];
    let x = sine(2500.0, 0.1, SAMPLE_RATE, 48_000);
    let out = h.process(&[x.clone(), x.clone()], &changes);
    let g = gain_db(&x, &out[0], latency, 24_000, 48_000 - latency);
    eprintln!("CLAP EQ 3 +6 dB at 2.5 kHz: {g:.4} dB");
    assert!((g - 6.0).abs() < 0.1, "EQ centre gain {g:.4} dB");
}

#[test]
fn automation_is_smooth() {
    // A DC input makes the gain trajectory visible directly in the output.
    let mut h = active_strip();
    let latency = h.latency_samples() as usize;
    let change_at = 12_000;
    let change = h
        .change_from_text("Input Trim", "12 dB")
        .at(change_at as u32);
    let x = vec![0.125f32; 36_000];
    let out = h.process(&[x.clone(), x], &[change]);
    let y = &out[0];
    let before = y[change_at - 1000];
    let after = y[y.len() - 1];
    assert!(
        (before - 0.125).abs() < 1e-3,
        "DC passes at defaults: {before}"
    );
    let expected_after = 0.125 * 10f32.powf(12.0 / 20.0);
    assert!(
        (after - expected_after).abs() < 1e-3,
        "settles at +12 dB: {after}, expected {expected_after}"
    );
    // Nothing changes before the event (delayed by the latency).
    assert!(
        y[change_at + latency - 64..change_at + latency - 1]
            .iter()
            .all(|v| (v - before).abs() < 1e-4),
        "the change starts early"
    );
    // The step is spread over milliseconds, not applied in one sample.
    // (From just before the change reaches the output: the DC onset at the start is a step.)
    let max_step = y[change_at + latency - 16..]
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    let jump = expected_after - before;
    eprintln!("CLAP automation: largest per-sample step {max_step:.5} of a {jump:.3} jump");
    assert!(
        max_step < jump / 50.0,
        "gain change not smoothed: a {max_step} step of a {jump} jump"
    );
    let half = before + jump / 2.0;
    let t_half = y.iter().position(|&v| v >= half).unwrap() - (change_at + latency);
    let t_half_ms = t_half as f64 / SAMPLE_RATE * 1000.0;
    eprintln!("CLAP automation: half-way after {t_half_ms:.2} ms");
    assert!(
        (1.0..100.0).contains(&t_half_ms),
        "half-way point of the gain ramp after {t_half_ms:.2} ms"
    );
}

#[test]
fn saved_state_restores_identical_output() {
    let settings: &[(&str, &str)] = &[
        ("Input Trim", "-3.5 dB"),
        ("HPF On", "On"),
        ("HPF Freq", "120 Hz"),
        ("HPF Slope", "24 dB/oct"),
        ("EQ 2 Gain", "4.5 dB"),
        ("EQ 2 Freq", "700 Hz"),
        ("EQ 4 Shape", "Bell"),
        ("EQ 4 Gain", "-6 dB"),
        ("Comp On", "On"),
        ("Comp Threshold", "-24 dB"),
        ("Comp Ratio", "3:1"),
        ("Sat On", "On"),
        ("Sat Drive", "9 dB"),
        ("Width", "150 %"),
        ("Pan", "-20"),
        ("Output Gain", "2 dB"),
    ];

    // Instance A: parameters arrive as events while processing; its state is saved afterwards.
    let mut a = active_strip();
    let changes: Vec<ParamChange> = settings
        .iter()
        .map(|(name, text)| a.change_from_text(name, text))
        .collect();
    let warmup = test_signal(4_800);
    a.process(&warmup, &changes);
    let state = a.save_state();
    assert!(!state.is_empty(), "empty state");
    let values_a: Vec<(String, f64)> = a
        .param_infos()
        .into_iter()
        .map(|p| (p.name.clone(), a.get_value(p.id)))
        .collect();

    // Instance B: loads that state before activation.
    let mut b = CHANNEL_STRIP.harness();
    b.load_state(&state);
    for (name, value) in &values_a {
        let id = b.param(name).id;
        let restored = b.get_value(id);
        // State stores plain values; re-normalising may move the last bit of the f32.
        assert!(
            (restored - value).abs() < 1e-6,
            "{name}: {restored} after loading the state, {value} saved"
        );
    }
    b.activate();
    let latency = b.latency_samples() as usize;

    // Instance A itself, reset (deactivated and reactivated) so both start from the same state.
    a.deactivate();
    a.activate();

    // Instance C: the same changes delivered by a parameter flush before activation.
    let mut c = CHANNEL_STRIP.harness();
    c.flush_inactive(&changes);
    c.activate();

    let input = test_signal(48_000);
    let out_a = a.process(&input, &[]);
    let out_b = b.process(&input, &[]);
    let out_c = c.process(&input, &[]);
    for ch in 0..2 {
        assert!(
            out_b[ch] == out_a[ch],
            "channel {ch}: restored state gives different output from the saved instance \
             (null {:.1} dB)",
            null_db(&out_b[ch], &out_a[ch])
        );
        let null_c = null_db(&out_c[ch], &out_a[ch]);
        eprintln!(
            "CLAP state: channel {ch} bit-identical to the saved instance; \
             flush-set instance null {null_c:.1} dB (bit-identical: {})",
            out_c[ch] == out_a[ch]
        );
        assert!(
            null_c < -120.0,
            "channel {ch}: flush-set instance null {null_c:.1} dB"
        );
        // The state carried the settings: the output is not the default strip's.
        let null = null_db(&out_b[ch], &delayed(&input[ch], latency));
        assert!(
            null > -20.0,
            "channel {ch}: restored strip sounds like the defaults"
        );
    }

    // Restoring into an active instance works too (a host loading a preset while playing).
    let mut d = active_strip();
    d.load_state(&state);
    for (name, value) in &values_a {
        let id = d.param(name).id;
        let restored = d.get_value(id);
        assert!(
            (restored - value).abs() < 1e-6,
            "{name}: {restored} after loading into an active instance, {value} saved"
        );
    }
    let out_d = d.process(&input, &[]);
    // It glides from the defaults (smoothers, compressor envelope), then converges.
    let tail = 36_000;
    let null_d = null_db(&out_d[0][tail..], &out_a[0][tail..]);
    eprintln!("CLAP state loaded while active: null {null_d:.1} dB after 750 ms");
    assert!(
        null_d < -100.0,
        "state loaded while active: null {null_d:.1} dB"
    );
}

#[test]
fn non_finite_input_is_sanitised_and_the_plugin_recovers() {
    let mut h = active_strip();
    let latency = h.latency_samples() as usize;
    let num_samples = 48_000;
    let clean = test_signal(num_samples);
    let bad_start = 9_600;
    let bad_len = 512;
    let mut dirty = clean.clone();
    for (ch, channel) in dirty.iter_mut().enumerate() {
        for (i, v) in channel[bad_start..bad_start + bad_len]
            .iter_mut()
            .enumerate()
        {
            *v = match (i + ch) % 3 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                _ => f32::NEG_INFINITY,
            };
        }
    }
    let out = h.process_blocks(&dirty, &[], 512);
    for (ch, o) in out.iter().enumerate() {
        let num_bad = o.iter().filter(|v| !v.is_finite()).count();
        assert_eq!(
            num_bad, 0,
            "channel {ch}: {num_bad} non-finite output samples"
        );
        assert!(
            o.iter().all(|v| v.abs() <= 4.0),
            "channel {ch}: output blew up after non-finite input"
        );
        // 100 ms after the bad block the output is the clean delayed input again.
        let from = bad_start + bad_len + 4_800;
        let null = null_db(&o[from..], &delayed(&clean[ch], latency)[from..]);
        eprintln!("CLAP recovery after NaN/Inf, channel {ch}: null {null:.1} dB");
        assert!(
            null < -100.0,
            "channel {ch}: no recovery, null {null:.1} dB"
        );
    }
}
