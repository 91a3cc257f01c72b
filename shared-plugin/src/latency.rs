//! The latency a plugin reports, and the settings it depends on (oversampling factor,
//! lookahead, FFT size), held between activations where the plugin API asks for it.
//!
//! CLAP lets a plugin change its latency only inside `activate` (the host must be asked for a
//! restart first; `clap_plugin_latency`, "the latency is only allowed to change during
//! plugin->activate()"); nice-plug would otherwise notify the host outside `activate`, when it
//! may already have deactivated the plugin. VST3 takes a latency change at any time
//! (`restartComponent(kLatencyChanged)`). So under CLAP a change of those settings asks the
//! host for a restart once and keeps the settings of the last activation until it comes;
//! under VST3 the new settings apply at once. Either way the host hears of every new latency
//! once.

use nice_plug::prelude::*;

/// What a plugin keeps for its latency: the settings it was activated with (`K`, e.g. the
/// oversampling factor), whether a restart was asked for, and the latency last reported.
#[derive(Clone, Copy, Debug)]
pub struct LatencyGate<K> {
    active: Option<K>,
    restart_requested: bool,
    reported: Option<u32>,
}

impl<K> Default for LatencyGate<K> {
    fn default() -> Self {
        Self {
            active: None,
            restart_requested: false,
            reported: None,
        }
    }
}

impl<K: Copy + PartialEq> LatencyGate<K> {
    /// In `activate`, before the engine is prepared: `key` is in force from now on.
    pub fn activate(&mut self, key: K) {
        self.active = Some(key);
        self.restart_requested = false;
    }

    /// In `process`, before the settings reach the engine: the key to apply in this block.
    /// Under CLAP a key other than the activated one asks for a restart (once) and the
    /// activated key is returned; otherwise `wanted`.
    pub fn key_for_block<P: Plugin>(
        &mut self,
        wanted: K,
        context: &mut impl ProcessContext<P>,
    ) -> K {
        match self.active {
            Some(active) if active != wanted && context.plugin_api() == PluginApi::Clap => {
                if !self.restart_requested {
                    context.request_restart();
                    self.restart_requested = true;
                }
                active
            }
            _ => wanted,
        }
    }

    /// The latency to tell the host, if it differs from the last one told (then it is taken
    /// as told).
    pub fn changed(&mut self, latency_samples: u32) -> Option<u32> {
        if self.reported == Some(latency_samples) {
            None
        } else {
            self.reported = Some(latency_samples);
            Some(latency_samples)
        }
    }

    /// In `activate`, after the engine is prepared: tells the host the latency (always).
    pub fn report_activate<P: Plugin>(
        &mut self,
        latency_samples: u32,
        context: &mut impl ActivateContext<P>,
    ) {
        self.reported = Some(latency_samples);
        context.set_latency_samples(latency_samples);
    }

    /// In `process`, after the settings reached the engine: tells the host the latency when
    /// it changed.
    pub fn report_process<P: Plugin>(
        &mut self,
        latency_samples: u32,
        context: &mut impl ProcessContext<P>,
    ) {
        if let Some(l) = self.changed(latency_samples) {
            context.set_latency_samples(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_latency_is_told_once_per_change() {
        let mut g = LatencyGate::<u8>::default();
        assert_eq!(g.changed(64), Some(64));
        assert_eq!(g.changed(64), None);
        assert_eq!(g.changed(128), Some(128));
    }
}
