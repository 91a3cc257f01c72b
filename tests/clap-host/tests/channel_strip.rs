//! Host-level tests of the bundled channel strip CLAP plugin, loaded with `clack-host`.
//!
//! Build the bundle first: `cargo xtask bundle-all --release` (or
//! `cargo xtask bundle channel_strip --release`), then
//! `cargo test --release -p lathe-clap-host-tests`.
//!
//! nice-plug exposes parameters to CLAP as normalised values: continuous parameters have
//! `min = 0`, `max = 1`; stepped ones (bools, enums) have `max = number of steps`. The tests set
//! plain values the way a host does when the user types them: through `text_to_value`.

use lathe_clap_host_tests::signal::{delayed, null_db, rms_db, sine};
use lathe_clap_host_tests::{Harness, ParamChange};

const SAMPLE_RATE: f64 = 48_000.0;

/// Stereo test signal: different content on each side so a channel swap or fold-down shows.
fn stereo_test_signal(num_samples: usize) -> [Vec<f32>; 2] {
    let left: Vec<f32> = sine(997.0, 0.5, SAMPLE_RATE, num_samples)
        .iter()
        .zip(sine(61.0, 0.25, SAMPLE_RATE, num_samples))
        .map(|(a, b)| a + b)
        .collect();
    let right: Vec<f32> = sine(4001.0, 0.3, SAMPLE_RATE, num_samples)
        .iter()
        .zip(sine(233.0, 0.2, SAMPLE_RATE, num_samples))
        .map(|(a, b)| a + b)
        .collect();
    [left, right]
}

fn active_strip() -> Harness {
    let mut h = Harness::channel_strip();
    h.activate();
    h
}

/// Level gain in dB from `input` to `output` over the steady part `[start, end)`; `output` is
/// aligned to `input` by `latency` samples first.
fn gain_db(input: &[f32], output: &[f32], latency: usize, start: usize, end: usize) -> f64 {
    rms_db(&output[start + latency..end + latency]) - rms_db(&input[start..end])
}

/// Parses the number in a parameter text such as `"80.0 Hz"` and returns it with the rounding
/// tolerance implied by the number of decimals shown.
fn parse_number(text: &str, unit: &str) -> (f64, f64) {
    let number = text
        .strip_suffix(unit)
        .unwrap_or_else(|| panic!("{text:?} does not end with the unit {unit:?}"));
    let value: f64 = number
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a number followed by {unit:?}"));
    let decimals = number.split('.').nth(1).map_or(0, str::len) as i32;
    (value, 0.5 * 10f64.powi(-decimals) + 1e-6)
}

/// (display name, unit suffix, minimum, maximum, default) of the continuous parameters shown as
/// a number followed by a unit; gains stored linear are listed in the dB they display.
const NUMERIC_PARAMS: &[(&str, &str, f64, f64, f64)] = &[
    ("Input Trim", " dB", -24.0, 24.0, 0.0),
    ("HPF Freq", " Hz", 10.0, 1000.0, 80.0),
    ("LPF Freq", " Hz", 1000.0, 22000.0, 18000.0),
    ("EQ 1 Freq", " Hz", 20.0, 20000.0, 100.0),
    ("EQ 2 Freq", " Hz", 20.0, 20000.0, 400.0),
    ("EQ 3 Freq", " Hz", 20.0, 20000.0, 2500.0),
    ("EQ 4 Freq", " Hz", 20.0, 20000.0, 8000.0),
    ("EQ 1 Gain", " dB", -18.0, 18.0, 0.0),
    ("EQ 2 Gain", " dB", -18.0, 18.0, 0.0),
    ("EQ 3 Gain", " dB", -18.0, 18.0, 0.0),
    ("EQ 4 Gain", " dB", -18.0, 18.0, 0.0),
    ("EQ 1 Q", "", 0.1, 10.0, 0.707),
    ("EQ 2 Q", "", 0.1, 10.0, 0.707),
    ("EQ 3 Q", "", 0.1, 10.0, 0.707),
    ("EQ 4 Q", "", 0.1, 10.0, 0.707),
    ("Gate Threshold", " dB", -80.0, 0.0, -50.0),
    ("Gate Range", " dB", 0.0, 80.0, 40.0),
    ("Gate Attack", " ms", 0.01, 50.0, 0.5),
    ("Gate Hold", " ms", 0.0, 500.0, 20.0),
    ("Gate Release", " ms", 5.0, 3000.0, 100.0),
    ("Gate Hysteresis", " dB", 0.0, 12.0, 3.0),
    ("Gate Key HPF", " Hz", 20.0, 4000.0, 100.0),
    ("Gate Key LPF", " Hz", 200.0, 20000.0, 10000.0),
    ("Comp Threshold", " dB", -60.0, 0.0, -18.0),
    ("Comp Knee", " dB", 0.0, 24.0, 6.0),
    ("Comp Attack", " ms", 0.1, 100.0, 10.0),
    ("Comp Release", " ms", 5.0, 3000.0, 150.0),
    ("Comp Makeup", " dB", 0.0, 24.0, 0.0),
    ("Comp SC HPF", " Hz", 20.0, 500.0, 20.0),
    ("Sat Drive", " dB", 0.0, 24.0, 6.0),
    ("Sat Mix", " %", 0.0, 100.0, 100.0),
    ("Width", " %", 0.0, 200.0, 100.0),
    ("Output Gain", " dB", -24.0, 24.0, 0.0),
];

/// (display name, text at minimum, at maximum, at default) of the other continuous parameters.
const TEXT_PARAMS: &[(&str, &str, &str, &str)] = &[
    ("Gate Ratio", "1.0:1", "10.0:1", "2.0:1"),
    ("Comp Ratio", "1.0:1", "∞:1", "4.0:1"),
    ("Pan", "100L", "100R", "C"),
];

/// (display name, choices in order, default choice) of the stepped parameters.
const STEPPED_PARAMS: &[(&str, &[&str], &str)] = &[
    ("Bypass", &["Off", "On"], "Off"),
    ("Polarity Invert", &["Off", "On"], "Off"),
    ("HPF On", &["Off", "On"], "Off"),
    (
        "HPF Slope",
        &[
            "6 dB/oct",
            "12 dB/oct",
            "18 dB/oct",
            "24 dB/oct",
            "36 dB/oct",
            "48 dB/oct",
        ],
        "12 dB/oct",
    ),
    ("LPF On", &["Off", "On"], "Off"),
    (
        "LPF Slope",
        &[
            "6 dB/oct",
            "12 dB/oct",
            "18 dB/oct",
            "24 dB/oct",
            "36 dB/oct",
            "48 dB/oct",
        ],
        "12 dB/oct",
    ),
    ("EQ 1 Shape", &["Shelf", "Bell"], "Shelf"),
    ("EQ 4 Shape", &["Shelf", "Bell"], "Shelf"),
    ("EQ 1 On", &["Off", "On"], "On"),
    ("EQ 2 On", &["Off", "On"], "On"),
    ("EQ 3 On", &["Off", "On"], "On"),
    ("EQ 4 On", &["Off", "On"], "On"),
    ("Gate On", &["Off", "On"], "Off"),
    ("Gate Mode", &["Gate", "Expander"], "Gate"),
    ("Gate Key Filter", &["Off", "On"], "Off"),
    ("Comp On", &["Off", "On"], "Off"),
    ("Comp Detector", &["Peak", "RMS"], "Peak"),
    ("Comp Auto Makeup", &["Off", "On"], "Off"),
    ("Dynamics Order", &["EQ > Dyn", "Dyn > EQ"], "EQ > Dyn"),
    ("Sat On", &["Off", "On"], "Off"),
    ("Sat Curve", &["Soft", "Warm"], "Soft"),
    ("Output Mode", &["Stereo", "Mono", "Mid", "Side"], "Stereo"),
];

#[test]
fn loads_with_stereo_ports_and_every_parameter() {
    let mut h = Harness::channel_strip();
    let (inputs, outputs) = h.audio_port_channels();
    assert_eq!(inputs.first(), Some(&2), "main input should be stereo");
    assert_eq!(outputs.first(), Some(&2), "main output should be stereo");

    let infos = h.param_infos();
    let expected = NUMERIC_PARAMS.len() + TEXT_PARAMS.len() + STEPPED_PARAMS.len();
    assert_eq!(
        infos.len(),
        expected,
        "parameter count; names: {:?}",
        infos.iter().map(|p| &p.name).collect::<Vec<_>>()
    );
    let mut ids: Vec<u32> = infos.iter().map(|p| p.id.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), infos.len(), "parameter IDs must be unique");
    let mut names: Vec<&str> = infos.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), infos.len(), "parameter names must be unique");
}

#[test]
fn continuous_parameters_are_normalised_with_the_documented_ranges_and_units() {
    let mut h = Harness::channel_strip();
    for &(name, unit, min, max, default) in NUMERIC_PARAMS {
        let p = h.param(name);
        assert!(!p.stepped, "{name} should be continuous");
        assert_eq!(
            (p.min, p.max),
            (0.0, 1.0),
            "{name}: nice-plug exposes continuous parameters normalised to 0–1"
        );
        for (clap_value, expected, what) in [
            (p.min, min, "minimum"),
            (p.max, max, "maximum"),
            (p.default, default, "default"),
        ] {
            let text = h.value_to_text(p.id, clap_value);
            let (shown, tol) = parse_number(&text, unit);
            assert!(
                (shown - expected).abs() <= tol + 1e-4 * expected.abs(),
                "{name} {what}: shows {text:?}, expected {expected}{unit}"
            );
            // The text parses back to the same CLAP value (what a host does with typed input).
            let parsed = h
                .text_to_value(p.id, &text)
                .unwrap_or_else(|| panic!("{name}: cannot parse its own text {text:?}"));
            let reshown = h.value_to_text(p.id, parsed);
            assert_eq!(reshown, text, "{name} {what}: text round trip");
        }
        let current = h.get_value(p.id);
        assert!(
            (current - p.default).abs() < 1e-6,
            "{name}: current value {current} is not the default {}",
            p.default
        );
    }
    for &(name, min_text, max_text, default_text) in TEXT_PARAMS {
        let p = h.param(name);
        assert!(!p.stepped, "{name} should be continuous");
        assert_eq!((p.min, p.max), (0.0, 1.0), "{name}: normalised");
        assert_eq!(h.value_to_text(p.id, p.min), min_text, "{name} minimum");
        assert_eq!(h.value_to_text(p.id, p.max), max_text, "{name} maximum");
        assert_eq!(
            h.value_to_text(p.id, p.default),
            default_text,
            "{name} default"
        );
    }
}

#[test]
fn stepped_parameters_expose_their_choices() {
    let mut h = Harness::channel_strip();
    for &(name, choices, default) in STEPPED_PARAMS {
        let p = h.param(name);
        assert!(p.stepped, "{name} should be stepped");
        assert_eq!(p.min, 0.0, "{name} minimum");
        assert_eq!(
            p.max,
            (choices.len() - 1) as f64,
            "{name}: stepped parameters range over 0..=number of steps"
        );
        for (i, choice) in choices.iter().enumerate() {
            assert_eq!(h.value_to_text(p.id, i as f64), *choice, "{name} step {i}");
            let parsed = h
                .text_to_value(p.id, choice)
                .unwrap_or_else(|| panic!("{name}: cannot parse {choice:?}"));
            // Normalised f32 times the step count: allow the float rounding.
            assert!(
                (parsed - i as f64).abs() < 1e-4,
                "{name}: {choice:?} parses to {parsed}, expected {i}"
            );
        }
        assert_eq!(h.value_to_text(p.id, p.default), default, "{name} default");
    }
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
    // The latency is constant: processing never asks the host for a restart to change it.
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
    let input = stereo_test_signal(48_000);
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
    let input = stereo_test_signal(48_000);
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
fn block_size_does_not_change_the_output() {
    let input = stereo_test_signal(12_000);
    let mut reference: Option<[Vec<f32>; 2]> = None;
    for block in [1024usize, 512, 64, 7, 1] {
        let mut h = Harness::channel_strip();
        let changes = [
            h.change_from_text("EQ 2 Gain", "-9 dB"),
            h.change_from_text("HPF On", "On"),
            h.change_from_text("Comp On", "On"),
            h.change_from_text("Comp Threshold", "-30 dB"),
        ];
        h.flush_inactive(&changes);
        h.activate();
        let out = h.process_blocks(&input, &[], block);
        match &reference {
            None => reference = Some(out),
            Some(r) => {
                for ch in 0..2 {
                    let null = null_db(&out[ch], &r[ch]);
                    eprintln!("CLAP block {block} vs 1024, channel {ch}: {null:.1} dB");
                    assert!(null < -120.0, "block size {block}: null {null:.1} dB");
                }
            }
        }
    }
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
        ("Comp Ratio", "3.0:1"),
        ("Sat On", "On"),
        ("Sat Drive", "9 dB"),
        ("Width", "150 %"),
        ("Pan", "20L"),
        ("Output Gain", "2 dB"),
    ];

    // Instance A: parameters arrive as events while processing; its state is saved afterwards.
    let mut a = active_strip();
    let changes: Vec<ParamChange> = settings
        .iter()
        .map(|(name, text)| a.change_from_text(name, text))
        .collect();
    let warmup = stereo_test_signal(4_800);
    a.process(&warmup, &changes);
    let state = a.save_state();
    assert!(!state.is_empty(), "empty state");
    let values_a: Vec<(String, f64)> = a
        .param_infos()
        .into_iter()
        .map(|p| (p.name.clone(), a.get_value(p.id)))
        .collect();

    // Instance B: loads that state before activation.
    let mut b = Harness::channel_strip();
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
    let mut c = Harness::channel_strip();
    c.flush_inactive(&changes);
    c.activate();

    let input = stereo_test_signal(48_000);
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
    let clean = stereo_test_signal(num_samples);
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
