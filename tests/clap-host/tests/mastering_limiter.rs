//! Host-level tests of the bundled mastering limiter CLAP plugin, loaded with `clack-host`:
//! its latency (206 samples at 48 kHz with the defaults, 1.5 ms lookahead and 4× oversampling)
//! and the delayed input it passes below the ceiling, the latency at every oversampling factor
//! (and the restart a lookahead or oversampling change takes in CLAP), the true-peak ceiling on
//! a real drum recording driven 12 dB into it, and a state round trip of every parameter. The
//! checks every plugin passes are in `all_plugins.rs`.
//!
//! Build the bundle first: `cargo xtask bundle-all --release` (or
//! `cargo xtask bundle mastering_limiter --release`), then
//! `cargo test --release -p lathe-clap-host-tests`.

use engine_checks::recordings::load;
use lathe_clap_host_tests::signal::{
    delayed, impulse, null_db, peak_index, scaled, stereo_test_signal,
};
use lathe_clap_host_tests::{Harness, MASTERING_LIMITER};
use shared_dsp::loudness::reference::true_peak_16x;
use shared_dsp::loudness::LoudnessMeter;

const SAMPLE_RATE: f64 = 48_000.0;

/// Latency with the defaults at 48 kHz (`LookaheadLimiter::latency_samples`).
const DEFAULT_LATENCY: u32 = 206;

/// Latency at 48 kHz with the default 1.5 ms lookahead, per oversampling factor.
const LATENCY_BY_FACTOR: [(&str, u32); 4] = [("1x", 133), ("2x", 197), ("4x", 206), ("8x", 209)];

/// The default ceiling, dBTP.
const CEILING_DBTP: f64 = -1.0;

/// A limiter with `settings` (typed text) flushed before activation.
fn active_with(settings: &[(&str, &str)]) -> Harness {
    let mut h = MASTERING_LIMITER.harness();
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

fn stereo(x: Vec<f32>) -> [Vec<f32>; 2] {
    [x.clone(), x]
}

/// (true peak in dBTP by the BS.1770 meter the plugin shares, integrated loudness in LUFS).
fn measure(x: &[Vec<f32>; 2]) -> (f64, f64) {
    let mut meter = LoudnessMeter::new(SAMPLE_RATE as u32, 2).expect("meter");
    meter
        .process_planar(&[&x[0], &x[1]])
        .expect("finite signal");
    (meter.true_peak_dbtp(), meter.integrated_lufs())
}

#[test]
fn default_latency_is_206_samples_and_a_quiet_signal_comes_out_delayed_by_it() {
    let mut h = MASTERING_LIMITER.active_harness();
    assert_eq!(h.latency_samples(), DEFAULT_LATENCY, "reported latency");
    // Peaks at −12.5 dBFS (left) and −16 dBFS (right), far below the −1 dBTP ceiling: the
    // output is the input, delayed by exactly the reported latency.
    let input = stereo_test_signal(SAMPLE_RATE, 48_000).map(|c| scaled(&c, 0.25));
    let out = h.process(&input, &[]);
    let latency = DEFAULT_LATENCY as usize;
    for ch in 0..2 {
        let expected = delayed(&input[ch], latency);
        let null = null_db(&out[ch], &expected);
        let null_1_early = null_db(&out[ch], &delayed(&input[ch], latency - 1));
        let null_1_late = null_db(&out[ch], &delayed(&input[ch], latency + 1));
        eprintln!(
            "limiter defaults, quiet signal, channel {ch}: null vs the input delayed {latency}: \
             {null:.1} dB ({latency}±1: {null_1_early:.1} / {null_1_late:.1} dB)"
        );
        assert!(
            null < -100.0,
            "channel {ch}: output is not the input delayed by {latency} (null {null:.1} dB)"
        );
        // A delay off by one sample is nowhere near a null on this signal.
        assert!(null_1_early > -40.0 && null_1_late > -40.0);
    }
    let x = impulse(4096, 1000, 0.25);
    let out = h.process(&stereo(x), &[]);
    assert_eq!(
        peak_index(&out[0]),
        1000 + latency,
        "impulse position, left"
    );
    assert_eq!(
        peak_index(&out[1]),
        1000 + latency,
        "impulse position, right"
    );
}

#[test]
fn reported_latency_matches_the_audio_at_every_oversampling_factor_and_in_bypass() {
    for (factor, expected) in LATENCY_BY_FACTOR {
        for bypass in ["Off", "On"] {
            let mut h = active_with(&[("Oversampling", factor), ("Bypass", bypass)]);
            let reported = h.latency_samples();
            let x = impulse(8192, 4000, 0.25);
            let out = h.process(&stereo(x), &[]);
            let measured = [peak_index(&out[0]), peak_index(&out[1])].map(|p| p - 4000);
            eprintln!(
                "Oversampling {factor}, Bypass {bypass}: reported {reported}, impulse at \
                 {measured:?}"
            );
            assert_eq!(reported, expected, "Oversampling {factor}, Bypass {bypass}");
            assert_eq!(
                measured, [expected as usize; 2],
                "Oversampling {factor}, Bypass {bypass}: impulse position"
            );
        }
    }
}

#[test]
fn lookahead_and_oversampling_changes_restart_with_the_new_latency() {
    let mut h = MASTERING_LIMITER.active_harness();
    assert_eq!(h.latency_samples(), DEFAULT_LATENCY);
    let notifications = h.num_latency_changes();
    let signal = stereo_test_signal(SAMPLE_RATE, 4096).map(|c| scaled(&c, 0.25));
    let mut previous = DEFAULT_LATENCY;
    let steps: [(&str, &str, Option<u32>); 4] = [
        ("Oversampling", "8x", Some(209)),
        ("Lookahead", "5 ms", None),
        ("Lookahead", "1.5 ms", Some(209)),
        ("Oversampling", "1x", Some(133)),
    ];
    for (name, text, expected) in steps {
        let change = h.change_from_text(name, text).at(100);
        h.process(&signal, &[change]);
        // CLAP lets the latency change only inside `activate`: the plugin keeps its old
        // latency and asks the host for a restart…
        assert_eq!(
            h.latency_samples(),
            previous,
            "{name} {text}: the latency changed before the restart"
        );
        assert!(
            h.service_restart_request(),
            "{name} {text}: no restart requested"
        );
        // …and reports the new one in the reactivation.
        let latency = h.latency_samples();
        eprintln!("{name} {text}: latency {previous} → {latency}");
        match expected {
            Some(expected) => assert_eq!(latency, expected, "{name} {text}"),
            // 3.5 ms more lookahead is 168 more samples at 48 kHz.
            None => assert_eq!(latency, previous + 168, "{name} {text}"),
        }
        let x = impulse(8192, 4000, 0.25);
        let out = h.process(&stereo(x), &[]);
        assert_eq!(
            [peak_index(&out[0]), peak_index(&out[1])],
            [4000 + latency as usize; 2],
            "{name} {text}: impulse position after the restart"
        );
        assert!(
            !h.service_restart_request(),
            "{name} {text}: restarts again"
        );
        previous = latency;
    }
    assert_eq!(
        h.num_latency_changes() - notifications,
        4,
        "one clap_host_latency::changed per change"
    );
}

/// The real drum recording (sample peak −1 dBFS, true peak −1.0 dBTP, −18.3 LUFS), driven
/// +12 dB into the default −1 dBTP ceiling through the host's parameter interface: the output's
/// true peak, read by the BS.1770-4 meter the plugin shares, stays at or below the ceiling
/// (and the independent 16× reference within 0.1 dB of it), while the limiter is seen to work:
/// the peaks reach the ceiling and the loudness rises (+5.4 LU at 4× when written: drums are
/// peaky, most of the 12 dB goes into limiting their hits).
#[test]
fn drums_driven_12_db_into_the_limiter_stay_under_the_true_peak_ceiling() {
    let rec = load("04_drums_groove.flac");
    assert_eq!(rec.sample_rate_hz, SAMPLE_RATE as u32, "{}", rec.name);
    assert_eq!(rec.channels.len(), 2, "{}", rec.name);
    let input = [rec.channels[0].clone(), rec.channels[1].clone()];
    let (in_tp, in_lufs) = measure(&input);

    for factor in ["4x", "1x"] {
        let mut h = active_with(&[("Input Gain", "12 dB"), ("Oversampling", factor)]);
        assert_eq!(h.current_text("Ceiling"), "-1.0 dBTP");
        let latency = h.latency_samples() as usize;
        // The input followed by enough silence to flush the lookahead.
        let padded = input.clone().map(|mut c| {
            c.extend(std::iter::repeat_n(0.0, latency + 64));
            c
        });
        let out = h.process(&padded, &[]);
        let out = out.map(|c| c[latency..].to_vec());
        assert!(out.iter().flatten().all(|v| v.is_finite()));
        let (out_tp, out_lufs) = measure(&out);
        let ceiling = 10f64.powf(CEILING_DBTP / 20.0);
        let tp16 = 20.0
            * true_peak_16x(&out[0], ceiling)
                .max(true_peak_16x(&out[1], ceiling))
                .log10();
        eprintln!(
            "{} +12 dB, Oversampling {factor}: input {in_tp:.2} dBTP, {in_lufs:.2} LUFS → \
             output {out_tp:.4} dBTP (16x reference {tp16:.4} dBTP), {out_lufs:.2} LUFS",
            rec.name
        );
        assert!(
            out_tp <= CEILING_DBTP,
            "Oversampling {factor}: true peak {out_tp:.4} dBTP over the {CEILING_DBTP} dBTP \
             ceiling"
        );
        assert!(
            tp16 <= CEILING_DBTP + 0.1,
            "Oversampling {factor}: 16× reference {tp16:.4} dBTP"
        );
        // It limits, rather than turning everything down: the peaks sit at the ceiling and the
        // programme is much louder than it came in.
        assert!(
            out_tp > CEILING_DBTP - 0.5,
            "Oversampling {factor}: peaks at {out_tp:.2} dBTP, well under the ceiling"
        );
        assert!(
            out_lufs > in_lufs + 4.0,
            "Oversampling {factor}: {out_lufs:.2} LUFS out for {in_lufs:.2} LUFS in"
        );
    }
}

/// A non-default value for every parameter (bypass included), as CLAP values: a continuous
/// parameter at an uneven point of its range, a stepped one at a step other than its default.
fn non_default_values(h: &mut Harness) -> Vec<(String, f64)> {
    h.param_infos()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let value = if p.stepped {
                if p.default == p.max {
                    p.min
                } else {
                    p.max
                }
            } else {
                // Fractions that no default sits on, different per parameter.
                let fraction = [0.137, 0.291, 0.473, 0.618, 0.859][i % 5];
                p.min + fraction * (p.max - p.min)
            };
            assert_ne!(value, p.default, "{}: not a change", p.name);
            (p.name, value)
        })
        .collect()
}

#[test]
fn state_round_trip_restores_every_parameter_exactly() {
    // Instance A: every parameter changed as events while processing (as automation arrives),
    // the latency change serviced the way a host does, then its state saved.
    let mut a = MASTERING_LIMITER.active_harness();
    let values = non_default_values(&mut a);
    let changes: Vec<_> = values
        .iter()
        .enumerate()
        .map(|(i, (name, value))| a.change(name, *value).at(10 * i as u32))
        .collect();
    a.process(&stereo_test_signal(SAMPLE_RATE, 4800), &changes);
    a.service_restart_request();
    let shown_a: Vec<(String, f64, String)> = values
        .iter()
        .map(|(name, _)| {
            let id = a.param(name).id;
            let value = a.get_value(id);
            (name.clone(), value, a.value_to_text(id, value))
        })
        .collect();
    for ((name, set), (_, value, text)) in values.iter().zip(&shown_a) {
        assert!(
            (value - set).abs() < 1e-6,
            "{name}: set to {set}, the plugin has {value} ({text})"
        );
    }
    let state = a.save_state();

    // Instance B, fresh: loads the state before activation and shows every value exactly.
    let mut b = MASTERING_LIMITER.harness();
    b.load_state(&state);
    for (name, value, text) in &shown_a {
        let id = b.param(name).id;
        let restored = b.get_value(id);
        assert_eq!(
            restored.to_bits(),
            value.to_bits(),
            "{name}: {restored} after loading the state, {value} saved"
        );
        assert_eq!(
            &b.value_to_text(id, restored),
            text,
            "{name}: restored text"
        );
    }
    eprintln!(
        "limiter state: {} bytes, {} parameters restored bit-exactly",
        state.len(),
        shown_a.len()
    );
    // Saving again gives the same values: loading did not move any of them.
    let mut c = MASTERING_LIMITER.harness();
    c.load_state(&b.save_state());
    for (name, value, _) in &shown_a {
        let id = c.param(name).id;
        assert_eq!(
            c.get_value(id).to_bits(),
            value.to_bits(),
            "{name}: second trip"
        );
    }
    // The restored latency is the saved one (lookahead and oversampling came along).
    b.activate();
    assert_eq!(b.latency_samples(), a.latency_samples(), "restored latency");
}
