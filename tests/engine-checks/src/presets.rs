//! Factory preset checks written once for every plugin: the bank is well formed, and each
//! preset, run on the real recording it is meant for, gives finite output whose level moves by
//! what its description promises (`expect.level_change_db` in `presets/factory.json`).
//!
//! This kit does not depend on the plugin framework: a plugin's test parses its bank, applies
//! each preset to a fresh parameter object and hands over a [`PresetCase`] holding the engine
//! set up the way the plugin's `process` sets it up.

use crate::recordings::{self, Recording, RECORDINGS};
use crate::FixedEngine;
use std::collections::HashMap;

/// Fewest presets a factory bank ships with.
pub const MIN_PRESETS: usize = 6;
/// Seconds of each recording the presets run on (each recording is 16–20 s long: all of it).
pub const PRESET_EXCERPT_S: f64 = 20.0;
/// Host block size the presets are run at, samples.
pub const BLOCK_SIZE_SAMPLES: usize = 512;

/// One factory preset ready to be checked.
pub struct PresetCase<E> {
    /// The preset's name ("Drum bus glue").
    pub name: String,
    /// Its one-line description.
    pub description: String,
    /// The recording it is checked on: a file name in `tests/data` without extension.
    pub recording: String,
    /// Lowest and highest allowed output-minus-input RMS level change, dB.
    pub level_change_db: [f64; 2],
    /// Lowest and highest energy of output − input relative to the input, dB (required when
    /// the level range includes 0 dB, so a preset cannot pass by doing nothing).
    pub change_db: Option<[f64; 2]>,
    /// A fresh engine that applies the preset's settings on every block (it is prepared here,
    /// at the recording's sample rate).
    pub engine: E,
}

/// What one preset did to its recording.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PresetMeasurement {
    /// Output-minus-input RMS level change over both channels with the latency removed, dB.
    pub level_change_db: f64,
    /// Energy of output − input relative to the input, both channels, latency removed, dB
    /// (−400 when the output is the input).
    pub change_db: f64,
    /// Largest absolute output sample (printed for information: the level is what is checked).
    pub output_peak: f32,
}

/// Loads a recording by its stem ("04_drums_groove"), or says that there is none.
pub fn load_recording(stem: &str) -> Result<Recording, String> {
    let name = RECORDINGS
        .iter()
        .find(|r| r.strip_suffix(".flac") == Some(stem))
        .ok_or_else(|| format!("no recording \"{stem}\" in tests/data (have {RECORDINGS:?})"))?;
    Ok(recordings::load(name))
}

/// The first `max_seconds` of a recording as two channels (a mono file is copied to both).
pub fn stereo_excerpt(recording: &Recording, max_seconds: f64) -> [Vec<f32>; 2] {
    let n = (max_seconds * recording.sample_rate_hz as f64) as usize;
    let left = &recording.channels[0];
    let right = recording.channels.get(1).unwrap_or(left);
    let n = n.min(left.len()).min(right.len());
    [left[..n].to_vec(), right[..n].to_vec()]
}

/// RMS over both channels of `channels[c][start..start + len]`, dB (−400 for silence).
fn rms_db(channels: &[Vec<f32>; 2], start: usize, len: usize) -> f64 {
    let sum: f64 = channels
        .iter()
        .map(|c| {
            c[start..start + len]
                .iter()
                .map(|v| (*v as f64).powi(2))
                .sum::<f64>()
        })
        .sum();
    let mean = sum / (2 * len).max(1) as f64;
    if mean > 0.0 {
        10.0 * mean.log10()
    } else {
        -400.0
    }
}

/// Prepares `engine` at `sample_rate_hz`, runs `input` through it in host blocks of
/// [`BLOCK_SIZE_SAMPLES`] and measures the level change with the engine's latency removed.
/// Errors name the first non-finite output sample.
pub fn measure<E: FixedEngine>(
    engine: &mut E,
    sample_rate_hz: f32,
    input: &[Vec<f32>; 2],
) -> Result<PresetMeasurement, String> {
    engine.prepare(sample_rate_hz, 2);
    let out = crate::run(engine, input, BLOCK_SIZE_SAMPLES);
    for (c, ch) in out.iter().enumerate() {
        if let Some(i) = ch.iter().position(|v| !v.is_finite()) {
            return Err(format!("channel {c}, sample {i}: output {}", ch[i]));
        }
    }
    let latency = engine.latency_samples() as usize;
    let len = input[0].len().saturating_sub(latency);
    if len == 0 {
        return Err(format!("latency {latency} leaves no samples to compare"));
    }
    let output_peak = out
        .iter()
        .flatten()
        .fold(0.0f32, |peak, v| peak.max(v.abs()));
    let diff: [Vec<f32>; 2] = [0, 1].map(|c| {
        out[c][latency..latency + len]
            .iter()
            .zip(&input[c][..len])
            .map(|(y, x)| y - x)
            .collect()
    });
    Ok(PresetMeasurement {
        level_change_db: rms_db(&out, latency, len) - rms_db(input, 0, len),
        change_db: rms_db(&diff, 0, len) - rms_db(input, 0, len),
        output_peak,
    })
}

/// Problems with the bank as a whole: fewer than [`MIN_PRESETS`], repeated or empty names,
/// empty or multi-line descriptions, empty or reversed level ranges.
pub fn bank_failures<E>(cases: &[PresetCase<E>]) -> Vec<String> {
    let mut failures = Vec::new();
    if cases.len() < MIN_PRESETS {
        failures.push(format!(
            "{} presets, want at least {MIN_PRESETS}",
            cases.len()
        ));
    }
    for case in cases {
        let [lo, hi] = case.level_change_db;
        if lo <= 0.0 && hi >= 0.0 && case.change_db.is_none() {
            failures.push(format!(
                "\"{}\": its level range [{lo:+.1}, {hi:+.1}] passes a preset that does nothing: \
                 add change_db",
                case.name
            ));
        }
    }
    for (i, case) in cases.iter().enumerate() {
        if case.name.trim().is_empty() {
            failures.push(format!("preset {i} has no name"));
        }
        if cases[..i].iter().any(|other| other.name == case.name) {
            failures.push(format!("preset name \"{}\" is used twice", case.name));
        }
        let d = case.description.trim();
        if d.is_empty() || d.contains('\n') || d.contains('\r') {
            failures.push(format!(
                "\"{}\": the description must be one non-empty line",
                case.name
            ));
        }
        let [lo, hi] = case.level_change_db;
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            failures.push(format!(
                "\"{}\": level_change_db [{lo}, {hi}] is not a range",
                case.name
            ));
        }
    }
    failures
}

/// Checks a whole factory bank: [`bank_failures`], then every preset on the first
/// `max_seconds` of its recording (each recording decoded once). Prints each preset's measured
/// level change and panics listing every failure.
pub fn check_factory_bank<E: FixedEngine>(cases: Vec<PresetCase<E>>, max_seconds: f64) {
    let mut failures = bank_failures(&cases);
    let mut excerpts: HashMap<String, (f32, [Vec<f32>; 2])> = HashMap::new();
    for mut case in cases {
        if !excerpts.contains_key(&case.recording) {
            match load_recording(&case.recording) {
                Ok(rec) => {
                    let excerpt = stereo_excerpt(&rec, max_seconds);
                    excerpts.insert(case.recording.clone(), (rec.sample_rate_hz as f32, excerpt));
                }
                Err(e) => {
                    failures.push(format!("\"{}\": {e}", case.name));
                    continue;
                }
            }
        }
        let (sample_rate_hz, input) = &excerpts[&case.recording];
        let [lo, hi] = case.level_change_db;
        match measure(&mut case.engine, *sample_rate_hz, input) {
            Ok(m) => {
                let peak_dbfs = 20.0 * (m.output_peak.max(1e-20) as f64).log10();
                eprintln!(
                    "{:<36} on {:<28} level {:+6.2} dB (want {lo:+.1} … {hi:+.1}), \
                     peak {peak_dbfs:+6.2} dBFS",
                    case.name, case.recording, m.level_change_db,
                );
                if !(lo..=hi).contains(&m.level_change_db) {
                    failures.push(format!(
                        "\"{}\" on {}: level changes by {:+.2} dB, outside [{lo:+.1}, {hi:+.1}]",
                        case.name, case.recording, m.level_change_db
                    ));
                }
                eprintln!("{:<36}    change {:+7.2} dB re input", "", m.change_db);
                if let Some([clo, chi]) = case.change_db {
                    if !(clo..=chi).contains(&m.change_db) {
                        failures.push(format!(
                            "\"{}\" on {}: changes it by {:+.2} dB re input, outside \
                             [{clo:+.1}, {chi:+.1}]",
                            case.name, case.recording, m.change_db
                        ));
                    }
                }
            }
            Err(e) => failures.push(format!("\"{}\" on {}: {e}", case.name, case.recording)),
        }
    }
    assert!(failures.is_empty(), "factory presets: {failures:#?}");
}

/// Writes a plugin's factory preset tests (in its `tests/engine.rs`, where its engine wrapper
/// for the shared checks lives): every preset keeps its level promise on its recording
/// ([`check_factory_bank`]), its name can also be a user preset's, the kit's lock names
/// parameters the plugin has, and the bank has at least [`MIN_PRESETS`] presets.
///
/// `factory_preset_tests!(bus_compressor, BusCompParams, |params| Fixed(BusCompEngine::new(),
/// params.settings()))`: the plugin crate, its parameters type, and how to build the engine
/// under test from parameters a preset was applied to. The calling crate depends on
/// `shared_plugin` (this kit does not).
#[macro_export]
macro_rules! factory_preset_tests {
    ($krate:ident, $params:ty, |$p:ident| $engine:expr) => {
        /// Every factory preset, on the recording it is meant for: finite output, level change
        /// within its promise (with `-- --nocapture`, one line per preset).
        #[test]
        fn every_factory_preset_keeps_its_level_promise_on_its_recording() {
            let presets = ::shared_plugin::presets::parse_factory($krate::FACTORY_PRESETS_JSON)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!($krate::factory_presets().len(), presets.len());
            let cases = presets
                .iter()
                .map(|preset| {
                    let $p = <$params>::default();
                    ::shared_plugin::presets::apply_without_host(&$p, preset)
                        .unwrap_or_else(|e| panic!("{e}"));
                    // The editor offers a factory preset's name when it is saved as a user
                    // preset.
                    ::shared_plugin::user_presets::check_name(&preset.name)
                        .unwrap_or_else(|e| panic!("\"{}\": {e}", preset.name));
                    $crate::presets::PresetCase {
                        name: preset.name.clone(),
                        description: preset.description.clone(),
                        recording: preset.expect.recording.clone(),
                        level_change_db: preset.expect.level_change_db,
                        change_db: preset.expect.change_db,
                        engine: $engine,
                    }
                })
                .collect();
            $crate::presets::check_factory_bank(cases, $crate::presets::PRESET_EXCERPT_S);
        }

        /// The kit's lock protects parameters the plugin has; every preset resolves.
        #[test]
        fn the_preset_lock_protects_parameters_the_plugin_has() {
            let kit = $krate::preset_kit();
            kit.check(&<$params>::default())
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(kit.factory.len() >= $crate::presets::MIN_PRESETS);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain gain with a latency of `delay` samples, to check the checks.
    struct DelayedGain {
        gain: f32,
        delay: usize,
        memory: [Vec<f32>; 2],
    }

    impl DelayedGain {
        fn new(gain_db: f32, delay: usize) -> Self {
            Self {
                gain: 10f32.powf(gain_db / 20.0),
                delay,
                memory: [vec![0.0; delay], vec![0.0; delay]],
            }
        }
    }

    impl FixedEngine for DelayedGain {
        fn prepare(&mut self, _sample_rate_hz: f32, _num_channels: usize) {
            self.memory = [vec![0.0; self.delay], vec![0.0; self.delay]];
        }
        fn process(&mut self, audio: &mut [&mut [f32]]) {
            for (ch, mem) in audio.iter_mut().zip(self.memory.iter_mut()) {
                for x in ch.iter_mut() {
                    mem.push(*x * self.gain);
                    *x = mem.remove(0);
                }
            }
        }
        fn latency_samples(&self) -> u32 {
            self.delay as u32
        }
    }

    fn case(name: &str, gain_db: f32, level_change_db: [f64; 2]) -> PresetCase<DelayedGain> {
        PresetCase {
            name: name.to_string(),
            description: "A gain.".to_string(),
            recording: "05_speech_male_en".to_string(),
            level_change_db,
            change_db: None,
            engine: DelayedGain::new(gain_db, 100),
        }
    }

    #[test]
    fn a_gain_measures_as_itself_with_the_latency_removed() {
        let rec = load_recording("05_speech_male_en").unwrap();
        let input = stereo_excerpt(&rec, 3.0);
        let m = measure(&mut DelayedGain::new(-3.0, 100), 48_000.0, &input).unwrap();
        assert!((m.level_change_db + 3.0).abs() < 1e-3, "{m:?}");
        // y − x = (g − 1)·x: 20·log10(1 − 10^(−3/20)) = −10.69 dB re the input.
        let want = 20.0 * (1.0 - 10f64.powf(-3.0 / 20.0)).log10();
        assert!((m.change_db - want).abs() < 1e-3, "{m:?}");
        let m = measure(&mut DelayedGain::new(0.0, 100), 48_000.0, &input).unwrap();
        assert!(m.change_db < -300.0, "a pure delay changes nothing: {m:?}");
        assert!(load_recording("no_such_file").is_err());
    }

    #[test]
    fn a_malformed_bank_is_named() {
        let mut cases: Vec<_> = (0..5)
            .map(|i| case(&format!("p{i}"), 0.0, [-1.0, 1.0]))
            .collect();
        for c in cases.iter_mut() {
            c.change_db = Some([-20.0, -5.0]);
        }
        cases.push(case("p0", 0.0, [1.0, -1.0]));
        cases[1].description = "two\nlines".to_string();
        let failures = bank_failures(&cases);
        assert_eq!(failures.len(), 3, "{failures:#?}");
        // A level range that allows no change needs a change_db promise.
        cases[2].change_db = None;
        let failures = bank_failures(&cases);
        assert!(
            failures
                .iter()
                .any(|f| f.contains("p2") && f.contains("change_db")),
            "{failures:#?}"
        );
    }

    #[test]
    #[should_panic(expected = "re input")]
    fn a_preset_that_changes_nothing_fails_its_change_promise() {
        let mut cases: Vec<_> = (0..6)
            .map(|i| case(&format!("p{i}"), -3.0, [-4.0, 1.0]))
            .collect();
        for c in cases.iter_mut() {
            c.change_db = Some([-12.0, -9.0]);
        }
        cases[5] = case("does nothing", 0.0, [-4.0, 1.0]);
        cases[5].change_db = Some([-12.0, -9.0]);
        check_factory_bank(cases, 3.0);
    }

    #[test]
    #[should_panic(expected = "outside")]
    fn a_broken_level_promise_fails() {
        let mut cases: Vec<_> = (0..5)
            .map(|i| case(&format!("p{i}"), 0.0, [-1.0, 1.0]))
            .collect();
        cases.push(case("louder than promised", 2.0, [-1.0, 1.0]));
        for c in cases.iter_mut() {
            c.change_db = Some([-500.0, 0.0]);
        }
        check_factory_bank(cases, 3.0);
    }
}
