//! Every factory preset of the channel strip (`presets/factory.json`): the bank parses (at least
//! six presets, unique names that a user preset could also take, one-line descriptions), each
//! preset applies to fresh parameters, and on the recording it is meant for it gives finite
//! output whose level moves by what its description promises (`expect.level_change_db`). The
//! checks are in `engine_checks::presets`; with `-- --nocapture` the test prints each
//! preset's measured level change:
//! `cargo test --release -p channel_strip --test presets -- --nocapture`.

use channel_strip::dsp::{ChannelStripEngine, Settings};
use channel_strip::params::ChannelStripParams;
use engine_checks::presets::{check_factory_bank, PresetCase};
use engine_checks::EngineUnderTest;
use shared_plugin::presets::{apply_without_host, parse_factory};
use shared_plugin::user_presets::check_name;

/// Seconds of each recording the presets run on (each is 16–20 s long: all of it).
const EXCERPT_S: f64 = 20.0;

/// The engine with a preset's settings, set before every block as the plugin's `process` does.
struct Fixed(ChannelStripEngine, Settings);

impl EngineUnderTest for Fixed {
    fn prepare(&mut self, sample_rate_hz: f32) {
        self.0.set_settings(&self.1);
        self.0.prepare(sample_rate_hz);
    }
    fn process(&mut self, audio: &mut [&mut [f32]]) {
        self.0.set_settings(&self.1);
        self.0.process_block(audio);
    }
    fn latency_samples(&self) -> u32 {
        self.0.latency_samples()
    }
}

#[test]
fn every_factory_preset_keeps_its_level_promise_on_its_recording() {
    let presets =
        parse_factory(channel_strip::FACTORY_PRESETS_JSON).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(channel_strip::factory_presets().len(), presets.len());
    let cases = presets
        .iter()
        .map(|preset| {
            let params = ChannelStripParams::default();
            apply_without_host(&params, preset).unwrap_or_else(|e| panic!("{e}"));
            // The editor offers a factory preset's name when it is saved as a user preset.
            check_name(&preset.name).unwrap_or_else(|e| panic!("\"{}\": {e}", preset.name));
            PresetCase {
                name: preset.name.clone(),
                description: preset.description.clone(),
                recording: preset.expect.recording.clone(),
                level_change_db: preset.expect.level_change_db,
                engine: Fixed(ChannelStripEngine::new(), params.settings()),
            }
        })
        .collect();
    check_factory_bank(cases, EXCERPT_S);
}

#[test]
fn the_lock_protects_parameters_the_plugin_has() {
    let kit = channel_strip::preset_kit();
    kit.check(&ChannelStripParams::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(kit.factory.len() >= 6);
}
