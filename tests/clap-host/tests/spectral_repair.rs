//! Host-level tests of the bundled spectral repair CLAP plugin, loaded with `clack-host`: with
//! every module off it passes its input through delayed by exactly the reported latency; an
//! FFT size change takes a restart and reports the new latency, which an impulse confirms; a
//! noise profile learned through the host's parameters survives a state round trip into a
//! fresh instance and removes the noise there; a real recording with clicks comes out with
//! fewer clicks. The checks every plugin passes are in `all_plugins.rs`.
//!
//! Build the bundle first: `cargo xtask bundle-all --release` (or
//! `cargo xtask bundle spectral_repair --release`), then
//! `cargo test --release -p lathe-clap-host-tests`.

use engine_checks::damage::{self, snr_db};
use engine_checks::recordings::load;
use lathe_clap_host_tests::signal::{delayed, impulse, null_db, peak_index, stereo_test_signal};
use lathe_clap_host_tests::{Harness, SPECTRAL_REPAIR};

const SAMPLE_RATE: f64 = 48_000.0;

/// A spectral repair with `settings` (typed text) flushed before activation.
fn active_with(settings: &[(&str, &str)]) -> Harness {
    let mut h = SPECTRAL_REPAIR.harness();
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

fn to_array(x: Vec<Vec<f32>>) -> [Vec<f32>; 2] {
    let mut it = x.into_iter();
    [it.next().unwrap(), it.next().unwrap()]
}

#[test]
fn all_modules_off_passes_the_input_delayed_by_the_reported_latency() {
    let mut h = SPECTRAL_REPAIR.active_harness();
    let latency = h.latency_samples() as usize;
    assert!(latency > 0, "the de-noise's STFT has latency");
    let input = stereo_test_signal(SAMPLE_RATE, 48_000);
    let out = h.process(&input, &[]);
    for ch in 0..2 {
        let null = null_db(&out[ch], &delayed(&input[ch], latency));
        eprintln!("spectral repair, all off, channel {ch}: null {null:.1} dB at latency {latency}");
        assert!(null < -120.0, "channel {ch}: null {null:.1} dB");
    }
}

#[test]
fn fft_size_change_restarts_and_reports_the_measured_latency() {
    let mut h = SPECTRAL_REPAIR.active_harness();
    let before = h.latency_samples();
    let change = h.change_from_text("De-noise FFT Size", "8192");
    h.process(&[vec![0.0; 1024], vec![0.0; 1024]], &[change]);
    // The latency stays until the host restarts the plugin (CLAP changes it only there).
    assert_eq!(
        h.latency_samples(),
        before,
        "the latency changed before the restart"
    );
    assert!(
        h.service_restart_request(),
        "an FFT size change asks for a restart"
    );
    let after = h.latency_samples();
    assert!(!h.service_restart_request(), "restarts again");
    eprintln!("latency {before} at FFT 2048, {after} at FFT 8192");
    assert!(after > before, "{after} > {before}");
    let n = after as usize + 8192;
    let x = impulse(n, 1000, 0.5);
    let out = h.process(&[x.clone(), x], &[]);
    assert_eq!(
        peak_index(&out[0]),
        1000 + after as usize,
        "impulse comes out at the latency"
    );
}

#[test]
fn learned_noise_profile_survives_a_state_round_trip() {
    let mut a = active_with(&[
        ("De-noise", "On"),
        ("De-noise Mode", "Learned"),
        ("De-noise Learn", "On"),
    ]);
    // Two seconds of noise alone, then Learn goes off through the host.
    let music = to_array(
        stereo_test_signal(SAMPLE_RATE, 96_000)
            .iter()
            .map(|c| c.iter().map(|v| 0.5 * v).collect())
            .collect(),
    );
    let noise = damage::white_noise_like(&music, -25.0, 31);
    a.process(&to_array(noise), &[]);
    let off = a.change_from_text("De-noise Learn", "Off");
    a.process(&[vec![0.0; 2048], vec![0.0; 2048]], &[off]);
    let state = a.save_state();
    let text = String::from_utf8_lossy(&state);
    assert!(
        text.contains("noise_profile"),
        "the state carries the profile"
    );

    // Two fresh instances restored from that state sound exactly alike and remove the noise.
    let noisy = {
        let n = damage::white_noise_like(&music, -25.0, 32);
        [0, 1].map(|c| {
            music[c]
                .iter()
                .zip(&n[c])
                .map(|(x, y)| x + y)
                .collect::<Vec<f32>>()
        })
    };
    let mut outs = Vec::new();
    for _ in 0..2 {
        let mut b = SPECTRAL_REPAIR.harness();
        b.load_state(&state);
        b.activate();
        assert_eq!(b.current_text("De-noise Mode"), "Learned");
        assert_eq!(b.current_text("De-noise Learn"), "Off");
        let lat = b.latency_samples() as usize;
        let out = b.process(&noisy, &[]);
        outs.push((out, lat));
    }
    assert_eq!(outs[0].0, outs[1].0, "restored instances differ");
    let (out, lat) = &outs[0];
    let clean: Vec<Vec<f32>> = music.to_vec();
    let before = snr_db(&clean, &noisy, 0, 24_000);
    let after = snr_db(&clean, &out[..], *lat, 24_000);
    eprintln!("restored learned profile: SNR {before:.1} → {after:.1} dB");
    assert!(after > before + 3.0, "{before:.1} → {after:.1} dB");
}

#[test]
fn declick_repairs_a_real_recording_through_the_host() {
    let rec = load("05_speech_male_en.flac");
    let clean: Vec<Vec<f32>> = rec
        .channels
        .iter()
        .map(|c| c[..(8.0 * SAMPLE_RATE) as usize].to_vec())
        .collect();
    let mut damaged = clean.clone();
    damage::add_clicks(&mut damaged, SAMPLE_RATE as f32, 4.0, 41);
    let mut h = active_with(&[("De-click", "On")]);
    let lat = h.latency_samples() as usize;
    let padded = to_array(
        damaged
            .iter()
            .map(|c| {
                c.iter()
                    .copied()
                    .chain(std::iter::repeat_n(0.0, lat))
                    .collect()
            })
            .collect(),
    );
    let out = h.process(&padded, &[]);
    let before = snr_db(&clean, &damaged, 0, 0);
    let after = snr_db(&clean, &out[..], lat, 0);
    eprintln!("speech with clicks through the CLAP host: SNR {before:.1} → {after:.1} dB");
    assert!(after > before + 6.0, "{before:.1} → {after:.1} dB");
}
