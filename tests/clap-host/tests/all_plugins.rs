//! Host-level checks every Lathe plugin must pass, run once per plugin in `bundler.toml`
//! (`plugin_tests!` generates `<check>::<plugin>` tests).
//!
//! Build the bundles first: `cargo xtask bundle-all --release`, then
//! `cargo test --release -p lathe-clap-host-tests`.
//!
//! Each plugin's committed parameter table (`plugins/<dir>/params.json`) is the single source of
//! truth for what the host must see. nice-plug exposes parameters to CLAP as normalised values:
//! continuous parameters have `min = 0`, `max = 1`; stepped ones (bools, choices) have
//! `max = number of steps`. In CLAP the value text includes the unit, the table's texts do not.

use lathe_clap_host_tests::signal::{
    delayed, impulse, null_db, peak_index, scaled, stereo_test_signal,
};
use lathe_clap_host_tests::{Harness, ParamChange, Plugin, PLUGINS};

const SAMPLE_RATE: f64 = 48_000.0;

// `plugin_tests!` (generated from bundler.toml) makes each check one test per plugin.
lathe_clap_host_tests::plugin_tests!(
    loads_with_stereo_main_ports_and_unique_parameters,
    every_table_row_is_a_clap_parameter_with_its_texts,
    text_to_value_to_text_is_stable,
    latency_is_reported_and_an_impulse_comes_out_at_it,
    saved_state_restores_identical_output_in_a_fresh_instance,
    non_finite_input_is_sanitised_and_the_plugin_recovers,
    block_size_does_not_change_the_output,
    gain_automation_is_smooth,
);

/// Every plugin in `bundler.toml` has what the checks read from its folder: the committed
/// parameter table and the check settings, every one of which names a parameter of the table.
#[test]
fn every_plugin_has_its_table_and_check_settings() {
    for plugin in PLUGINS {
        let table = plugin.params_table();
        let settings = plugin.check_settings();
        assert!(!settings.is_empty(), "{}: no check settings", plugin.name);
        for (name, _) in settings {
            assert!(
                table.iter().any(|r| r.name == name),
                "{}: host-checks.json names \"{name}\", which is not a parameter",
                plugin.name
            );
        }
    }
}

/// The plugin's check settings (`plugins/<dir>/host-checks.json`), as typed by a user.
fn setting_changes(h: &mut Harness, plugin: &Plugin) -> Vec<ParamChange> {
    plugin
        .check_settings()
        .iter()
        .map(|(name, text)| h.change_from_text(name, text))
        .collect()
}

fn loads_with_stereo_main_ports_and_unique_parameters(plugin: &Plugin) {
    let mut h = plugin.harness();
    let (inputs, outputs) = h.audio_ports();
    eprintln!("{}: inputs {inputs:?}, outputs {outputs:?}", plugin.name);
    let main_in = inputs.first().expect("no input port");
    let main_out = outputs.first().expect("no output port");
    assert!(
        main_in.is_main && main_in.channels == 2,
        "{}: main input",
        plugin.name
    );
    assert!(
        main_out.is_main && main_out.channels == 2,
        "{}: main output",
        plugin.name
    );

    let infos = h.param_infos();
    assert!(!infos.is_empty(), "{}: no parameters", plugin.name);
    let mut ids: Vec<u32> = infos.iter().map(|p| p.id.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids.len(),
        infos.len(),
        "{}: parameter IDs must be unique",
        plugin.name
    );
    let mut names: Vec<&str> = infos.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(
        names.len(),
        infos.len(),
        "{}: parameter names must be unique",
        plugin.name
    );

    // It also activates, processes and reports nothing alarming.
    h.activate();
    let out = h.process(&stereo_test_signal(SAMPLE_RATE, 4096), &[]);
    assert!(
        out.iter().flatten().all(|v| v.is_finite()),
        "{}: output",
        plugin.name
    );
    assert_eq!(
        h.num_logged_warnings(),
        0,
        "{}: plugin logged warnings",
        plugin.name
    );
}

fn every_table_row_is_a_clap_parameter_with_its_texts(plugin: &Plugin) {
    let table = plugin.params_table();
    let mut h = plugin.harness();
    let infos = h.param_infos();
    assert_eq!(
        infos.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        table.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        "{}: the CLAP parameters (in order) are exactly the table's rows",
        plugin.name
    );
    for (row, p) in table.iter().zip(&infos) {
        let what = format!("{} {:?}", plugin.name, row.name);
        assert_eq!(p.stepped, row.is_stepped(), "{what}: stepped flag");
        assert_eq!(p.bypass, row.bypass, "{what}: bypass flag");
        assert_eq!(p.min, 0.0, "{what}: minimum");
        let default = if row.is_stepped() {
            let steps = row.choices.len() as f64 - 1.0;
            assert_eq!(
                p.max, steps,
                "{what}: stepped parameters range over 0..=steps"
            );
            row.default_normalized * steps
        } else {
            assert_eq!(p.max, 1.0, "{what}: continuous parameters are normalised");
            row.default_normalized
        };
        assert!(
            (p.default - default).abs() < 1e-6,
            "{what}: default {} in CLAP, {default} in the table",
            p.default
        );
        let current = h.get_value(p.id);
        assert!(
            (current - p.default).abs() < 1e-6,
            "{what}: current value {current} is not the default {}",
            p.default
        );
        for (value, text, at) in [
            (p.min, &row.min_text, "minimum"),
            (p.max, &row.max_text, "maximum"),
            (p.default, &row.default_text, "default"),
        ] {
            assert_eq!(
                h.value_to_text(p.id, value),
                format!("{text}{}", row.unit),
                "{what} at its {at}"
            );
        }
        for (i, choice) in row.choices.iter().enumerate() {
            assert_eq!(
                h.value_to_text(p.id, i as f64),
                format!("{choice}{}", row.unit),
                "{what} step {i}"
            );
        }
    }
}

fn text_to_value_to_text_is_stable(plugin: &Plugin) {
    let table = plugin.params_table();
    let mut h = plugin.harness();
    let mut num_checked = 0;
    for row in &table {
        let p = h.param(&row.name);
        let values: Vec<f64> = if row.is_stepped() {
            (0..row.choices.len()).map(|i| i as f64).collect()
        } else {
            (0..=64).map(|i| i as f64 / 64.0).collect()
        };
        for value in values {
            let text = h.value_to_text(p.id, value);
            // The full text (with unit) and, for units, the bare number both parse back to a
            // value showing the same text.
            let bare = text
                .strip_suffix(row.unit.as_str())
                .filter(|_| !row.unit.is_empty());
            for typed in std::iter::once(text.as_str()).chain(bare) {
                let parsed = h.text_to_value(p.id, typed).unwrap_or_else(|| {
                    panic!(
                        "{} {:?}: cannot parse its own text {typed:?}",
                        plugin.name, row.name
                    )
                });
                assert!(
                    (p.min..=p.max).contains(&parsed),
                    "{} {:?}: {typed:?} parses to {parsed}, out of range",
                    plugin.name,
                    row.name
                );
                let reshown = h.value_to_text(p.id, parsed);
                assert_eq!(
                    reshown, text,
                    "{} {:?}: text {typed:?} (value {value}) parses to {parsed}",
                    plugin.name, row.name
                );
                if row.is_stepped() {
                    assert!(
                        (parsed - value).abs() < 1e-4,
                        "{} {:?}: {typed:?} parses to {parsed}, expected step {value}",
                        plugin.name,
                        row.name
                    );
                }
                num_checked += 1;
            }
        }
    }
    eprintln!("{}: {num_checked} text round trips", plugin.name);
}

fn latency_is_reported_and_an_impulse_comes_out_at_it(plugin: &Plugin) {
    let mut h = plugin.active_harness();
    let latency = h.latency_samples();
    eprintln!(
        "{}: CLAP latency {latency} samples ({} latency-changed notification(s), {} restart(s))",
        plugin.name,
        h.num_latency_changes(),
        h.num_restarts()
    );
    // Spectral processing (the repair's de-noise STFT, up to 8192 points, after its
    // block-based de-clip and de-click) is the longest a plugin here may take.
    assert!(
        latency < 32_768,
        "{}: implausible latency {latency}",
        plugin.name
    );
    // An impulse below every default threshold comes out `latency` samples later.
    let x = impulse(4096.max(1000 + latency as usize + 2048), 1000, 0.25);
    let out = h.process(&[x.clone(), x], &[]);
    for (ch, o) in out.iter().enumerate() {
        assert_eq!(
            peak_index(o),
            1000 + latency as usize,
            "{} channel {ch}: impulse peak position",
            plugin.name
        );
    }
    assert!(
        !h.take_restart_request(),
        "{}: restart requested while processing at constant settings",
        plugin.name
    );
    assert_eq!(
        h.latency_samples(),
        latency,
        "{}: latency changed",
        plugin.name
    );
    assert_eq!(
        h.num_logged_warnings(),
        0,
        "{}: plugin logged warnings",
        plugin.name
    );
}

fn saved_state_restores_identical_output_in_a_fresh_instance(plugin: &Plugin) {
    // Instance A: the settings arrive as events while processing (a latency change is serviced
    // the way a host does); its state is saved afterwards.
    let mut a = plugin.active_harness();
    let changes = setting_changes(&mut a, plugin);
    a.process(&stereo_test_signal(SAMPLE_RATE, 4800), &changes);
    a.service_restart_request();
    let state = a.save_state();
    assert!(!state.is_empty(), "{}: empty state", plugin.name);
    let values_a: Vec<(String, f64)> = a
        .param_infos()
        .into_iter()
        .map(|p| (p.name.clone(), a.get_value(p.id)))
        .collect();

    // Instance B, fresh: loads that state before activation.
    let mut b = plugin.harness();
    b.load_state(&state);
    for (name, value) in &values_a {
        let id = b.param(name).id;
        let restored = b.get_value(id);
        // The state stores plain values; re-normalising may move the last bit of the f32.
        assert!(
            (restored - value).abs() < 1e-6,
            "{} {name}: {restored} after loading the state, {value} saved",
            plugin.name
        );
    }
    for (name, text) in plugin.check_settings() {
        let reread = b.current_text(&name);
        let expected = b.canonical_text(&name, &text);
        assert_eq!(reread, expected, "{} {name}: restored text", plugin.name);
    }
    b.activate();

    // A itself, reset so both start from the same state.
    a.deactivate();
    a.activate();
    let latency = a.latency_samples();
    assert_eq!(
        b.latency_samples(),
        latency,
        "{}: restored latency",
        plugin.name
    );

    let input = stereo_test_signal(SAMPLE_RATE, 48_000);
    let out_a = a.process(&input, &[]);
    let out_b = b.process(&input, &[]);
    for ch in 0..2 {
        assert!(
            out_b[ch] == out_a[ch],
            "{} channel {ch}: the restored instance's output differs (null {:.1} dB)",
            plugin.name,
            null_db(&out_b[ch], &out_a[ch])
        );
        // The state carried the settings: the output is not the input.
        let null = null_db(&out_b[ch], &delayed(&input[ch], latency as usize));
        eprintln!(
            "{} state: channel {ch} bit-identical; {null:.1} dB from the input (latency {latency})",
            plugin.name
        );
        assert!(
            null > -20.0,
            "{} channel {ch}: sounds like the input",
            plugin.name
        );
    }
}

fn non_finite_input_is_sanitised_and_the_plugin_recovers(plugin: &Plugin) {
    // 20 dB down, below every default threshold, so the clean reference needs no envelope
    // history to match.
    let num_samples = 48_000;
    let clean = stereo_test_signal(SAMPLE_RATE, num_samples).map(|c| scaled(&c, 0.1));
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
    let reference = plugin.memoryless_harness().process_blocks(&clean, &[], 512);
    let mut h = plugin.memoryless_harness();
    let out = h.process_blocks(&dirty, &[], 512);
    for (ch, o) in out.iter().enumerate() {
        let num_bad = o.iter().filter(|v| !v.is_finite()).count();
        assert_eq!(
            num_bad, 0,
            "{} channel {ch}: {num_bad} non-finite samples",
            plugin.name
        );
        assert!(
            o.iter().all(|v| v.abs() <= 4.0),
            "{} channel {ch}: output blew up after non-finite input",
            plugin.name
        );
        // 100 ms after the bad block has come out (after the latency) the output is the clean
        // output again.
        let from = bad_start + bad_len + h.latency_samples() as usize + 4_800;
        let null = null_db(&o[from..], &reference[ch][from..]);
        eprintln!(
            "{} recovery after NaN/Inf, channel {ch}: null {null:.1} dB",
            plugin.name
        );
        assert!(
            null < -100.0,
            "{} channel {ch}: no recovery, null {null:.1} dB",
            plugin.name
        );
    }
}

fn block_size_does_not_change_the_output(plugin: &Plugin) {
    let input = stereo_test_signal(SAMPLE_RATE, 12_000);
    let mut reference: Option<[Vec<f32>; 2]> = None;
    for block in [1024usize, 512, 64, 7, 1] {
        let mut h = plugin.harness();
        let changes = setting_changes(&mut h, plugin);
        h.flush_inactive(&changes);
        h.activate();
        let out = h.process_blocks(&input, &[], block);
        match &reference {
            None => reference = Some(out),
            Some(r) => {
                for ch in 0..2 {
                    let null = null_db(&out[ch], &r[ch]);
                    eprintln!(
                        "{} block {block} vs 1024, channel {ch}: {null:.1} dB",
                        plugin.name
                    );
                    assert!(
                        null < -120.0,
                        "{} block size {block}: null {null:.1} dB",
                        plugin.name
                    );
                }
            }
        }
    }
}

fn gain_automation_is_smooth(plugin: &Plugin) {
    // A DC input below every default threshold makes the gain trajectory visible directly.
    // The output gain, or the plugin's choice (`automated_gain` in its host-checks.json).
    let gain = &plugin.host_checks().automated_gain;
    let mut h = plugin.memoryless_harness();
    let latency = h.latency_samples() as usize;
    let change_at = 12_000;
    let change = h.change_from_text(gain, "12 dB").at(change_at as u32);
    let x = vec![0.125f32; 36_000];
    let out = h.process(&[x.clone(), x], &[change]);
    let y = &out[0];
    let before = y[change_at - 1000];
    let after = y[y.len() - 1];
    assert!(
        (before - 0.125).abs() < 1e-3,
        "{}: DC passes at defaults: {before}",
        plugin.name
    );
    let expected_after = 0.125 * 10f32.powf(12.0 / 20.0);
    assert!(
        (after - expected_after).abs() < 1e-3,
        "{}: settles at +12 dB: {after}, expected {expected_after}",
        plugin.name
    );
    // Nothing moves before the event. A gain stage behind the latency (the channel strip's
    // Output Gain follows its oversampler) moves at the event's output time, one in front of it
    // (the limiter's Input Gain feeds its lookahead) `latency` samples later, with the audio the
    // event arrived with; either is acceptable.
    let onset = change_at - 1000
        + y[change_at - 1000..]
            .iter()
            .position(|v| (v - before).abs() >= 1e-4)
            .unwrap();
    eprintln!(
        "{}: {gain} event at sample {change_at} (latency {latency}) moves the output from \
         sample {onset}",
        plugin.name
    );
    assert!(
        (change_at..=change_at + latency).contains(&onset),
        "{}: the change moves the output at sample {onset}, event at {change_at}, latency \
         {latency}",
        plugin.name
    );
    // The step is spread over milliseconds, not applied in one sample.
    let max_step = y[onset - 16..]
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    let jump = expected_after - before;
    let half = before + jump / 2.0;
    let t_half = y.iter().position(|&v| v >= half).unwrap() - onset;
    let t_half_ms = t_half as f64 / SAMPLE_RATE * 1000.0;
    eprintln!(
        "{}: {gain} +12 dB: largest per-sample step {max_step:.5} of a {jump:.3} jump, \
         half-way after {t_half_ms:.2} ms",
        plugin.name
    );
    assert!(
        max_step < jump / 50.0,
        "{}: gain change not smoothed: a {max_step} step of a {jump} jump",
        plugin.name
    );
    assert!(
        (1.0..100.0).contains(&t_half_ms),
        "{}: half-way point of the gain ramp after {t_half_ms:.2} ms",
        plugin.name
    );
}
