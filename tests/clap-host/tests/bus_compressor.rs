//! Host-level tests of the bundled bus compressor CLAP plugin, loaded with `clack-host`: its
//! ports and external key, its latency at every oversampling factor (and the restart a latency
//! change takes in CLAP), and the dry mix. The checks every plugin passes are in
//! `all_plugins.rs`.
//!
//! Build the bundle first: `cargo xtask bundle-all --release` (or
//! `cargo xtask bundle bus_compressor --release`), then
//! `cargo test --release -p lathe-clap-host-tests`.

use lathe_clap_host_tests::signal::{impulse, peak_index, rms_db, sine, stereo_test_signal};
use lathe_clap_host_tests::{Harness, PortInfo, BUS_COMPRESSOR};

const SAMPLE_RATE: f64 = 48_000.0;

/// The design gain reduction at the defaults (Classic, threshold −10 dB, 4:1, peak detector)
/// for a 0 dBFS sine: 10 dB over the threshold, ¾ of it removed.
const DESIGN_GAIN_DB: f64 = -7.5;

/// A bus compressor with `settings` (typed text) flushed before activation.
fn active_with(settings: &[(&str, &str)]) -> Harness {
    let mut h = BUS_COMPRESSOR.harness();
    let changes: Vec<_> = settings
        .iter()
        .map(|(name, text)| h.change_from_text(name, text))
        .collect();
    h.flush_inactive(&changes);
    h.activate();
    for (name, text) in settings {
        let expected = h.canonical_text(name, text);
        assert_eq!(h.current_text(name), expected, "{name} was set");
    }
    h
}

/// Level gain in dB from `input` to `output` over the last half (the steady state).
fn steady_gain_db(input: &[f32], output: &[f32]) -> f64 {
    let half = input.len() / 2;
    rms_db(&output[half..]) - rms_db(&input[half..])
}

fn stereo(x: Vec<f32>) -> [Vec<f32>; 2] {
    [x.clone(), x]
}

#[test]
fn audio_ports_are_stereo_main_and_a_stereo_sidechain_input() {
    let mut h = BUS_COMPRESSOR.harness();
    let (inputs, outputs) = h.audio_ports();
    let port = |name: &str, is_main| PortInfo {
        name: name.to_string(),
        channels: 2,
        is_main,
    };
    assert_eq!(
        inputs,
        [port("Input", true), port("Sidechain", false)],
        "input ports (the first layout: stereo + sidechain)"
    );
    assert_eq!(outputs.len(), 1, "one output port: {outputs:?}");
    assert!(
        outputs[0].is_main && outputs[0].channels == 2,
        "stereo main output: {outputs:?}"
    );
}

#[test]
fn the_output_port_is_named_output() {
    let mut h = BUS_COMPRESSOR.harness();
    let (_, outputs) = h.audio_ports();
    assert_eq!(outputs[0].name, "Output");
}

#[test]
fn external_key_turns_a_quiet_main_down_by_the_design_gain() {
    let mut h = active_with(&[("External Sidechain", "On"), ("Classic Release", "0.1 s")]);
    let n = 2 * SAMPLE_RATE as usize;
    let main = stereo(sine(1000.0, 0.01, SAMPLE_RATE, n)); // −40 dBFS
    let key = stereo(sine(1000.0, 1.0, SAMPLE_RATE, n)); // 0 dBFS
    let out = h.process_with_key(&main, &key, &[]);
    assert_eq!(h.latency_samples(), 0);
    for ch in 0..2 {
        let g = steady_gain_db(&main[ch], &out[ch]);
        eprintln!("external key 0 dBFS, main −40 dBFS, channel {ch}: {g:.3} dB");
        assert!(
            (g - DESIGN_GAIN_DB).abs() <= 0.2,
            "channel {ch}: {g:.3} dB, expected {DESIGN_GAIN_DB} dB ± 0.2"
        );
    }
}

#[test]
fn a_silent_external_key_leaves_a_loud_main_untouched() {
    let mut h = active_with(&[("External Sidechain", "On"), ("Classic Release", "0.1 s")]);
    let n = 2 * SAMPLE_RATE as usize;
    let main = stereo(sine(1000.0, 1.0, SAMPLE_RATE, n));
    let key = stereo(vec![0.0; n]);
    let out = h.process_with_key(&main, &key, &[]);
    for ch in 0..2 {
        let first_difference = out[ch].iter().zip(&main[ch]).position(|(o, i)| o != i);
        assert_eq!(
            first_difference,
            None,
            "channel {ch}: the output differs from the input (gain {:.4} dB)",
            steady_gain_db(&main[ch], &out[ch])
        );
    }
}

#[test]
fn internal_detector_compresses_a_loud_main_and_ignores_the_key() {
    let mut h = active_with(&[("External Sidechain", "Off"), ("Classic Release", "0.1 s")]);
    let n = 2 * SAMPLE_RATE as usize;
    let main = stereo(sine(1000.0, 1.0, SAMPLE_RATE, n));
    let key = stereo(vec![0.0; n]);
    let out = h.process_with_key(&main, &key, &[]);
    for ch in 0..2 {
        let g = steady_gain_db(&main[ch], &out[ch]);
        eprintln!("internal detector, main 0 dBFS, silent key, channel {ch}: {g:.3} dB");
        assert!(
            (g - DESIGN_GAIN_DB).abs() <= 0.2,
            "channel {ch}: {g:.3} dB, expected {DESIGN_GAIN_DB} dB ± 0.2"
        );
    }
    // A loud key changes nothing while the detector listens to the main input.
    let mut h2 = active_with(&[("External Sidechain", "Off"), ("Classic Release", "0.1 s")]);
    let loud_key = stereo(sine(150.0, 1.0, SAMPLE_RATE, n));
    let out2 = h2.process_with_key(&main, &loud_key, &[]);
    assert!(out2 == out, "the key leaks into the internal detector");
}

/// Impulse position for `settings`; asserts the reported latency matches it.
fn measured_latency(settings: &[(&str, &str)]) -> (u32, usize) {
    let mut h = active_with(settings);
    let reported = h.latency_samples();
    // Below the threshold, after the bypass fade (if any) is long over.
    let x = impulse(8192, 4000, 0.25);
    let out = h.process(&stereo(x), &[]);
    let peaks = [peak_index(&out[0]), peak_index(&out[1])];
    assert_eq!(peaks[0], peaks[1], "{settings:?}: channels disagree");
    (reported, peaks[0] - 4000)
}

#[test]
fn reported_latency_matches_the_audio_at_every_oversampling_factor_and_in_bypass() {
    for (factor, expected) in [("Off", 0u32), ("2x", 79), ("4x", 88)] {
        for bypass in ["Off", "On"] {
            let (reported, measured) =
                measured_latency(&[("Oversampling", factor), ("Bypass", bypass)]);
            eprintln!(
                "Oversampling {factor}, Bypass {bypass}: reported {reported}, impulse at \
                 {measured}"
            );
            assert_eq!(
                reported, expected,
                "Oversampling {factor}, Bypass {bypass}: reported"
            );
            assert_eq!(
                measured, expected as usize,
                "Oversampling {factor}, Bypass {bypass}: impulse position"
            );
        }
    }
}

#[test]
fn changing_oversampling_while_active_restarts_with_the_new_latency() {
    let mut h = active_with(&[]);
    assert_eq!(h.latency_samples(), 0);
    let notifications = h.num_latency_changes();
    let signal = stereo_test_signal(SAMPLE_RATE, 4096);
    let mut previous = 0;
    for (factor, expected) in [("4x", 88u32), ("2x", 79), ("Off", 0)] {
        let restarts = h.num_restarts();
        let change = h.change_from_text("Oversampling", factor).at(100);
        h.process(&signal, &[change]);
        // CLAP lets the latency change only inside `activate`: the plugin keeps the old factor
        // (and latency) and asks the host for a restart…
        assert_eq!(
            h.latency_samples(),
            previous,
            "Oversampling {factor}: the latency changed before the restart"
        );
        assert!(
            h.service_restart_request(),
            "Oversampling {factor}: no restart requested"
        );
        // …and reports the new latency in the reactivation. (nice-plug defers a latency set in
        // `activate` until after it, and then asks for one more restart to tell the host, so a
        // host restarts twice per change.)
        assert_eq!(
            h.latency_samples(),
            expected,
            "Oversampling {factor}: latency"
        );
        eprintln!(
            "Oversampling {factor}: latency {expected} after {} restart(s)",
            h.num_restarts() - restarts
        );
        let x = impulse(8192, 4000, 0.25);
        let out = h.process(&stereo(x), &[]);
        assert_eq!(
            peak_index(&out[0]),
            4000 + expected as usize,
            "Oversampling {factor}: impulse position after the restart"
        );
        assert!(
            !h.service_restart_request(),
            "Oversampling {factor}: restarts again"
        );
        previous = expected;
    }
    assert_eq!(
        h.num_latency_changes() - notifications,
        3,
        "one clap_host_latency::changed per change"
    );
}

#[test]
fn mix_0_percent_passes_the_input_bit_exactly() {
    // Heavy compression on the wet path, none of it in the output.
    let mut h = active_with(&[
        ("Mix", "0 %"),
        ("Oversampling", "Off"),
        ("Threshold", "-30 dB"),
        ("Classic Ratio", "10:1"),
    ]);
    let input = stereo_test_signal(SAMPLE_RATE, 48_000);
    let out = h.process(&input, &[]);
    for ch in 0..2 {
        let first_difference = out[ch].iter().zip(&input[ch]).position(|(o, i)| o != i);
        assert_eq!(
            first_difference, None,
            "channel {ch}: Mix 0 % is not the input"
        );
    }
}
