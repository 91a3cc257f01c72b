//! What the `lathe` command line needs of a plugin to run it without a host: its name on the
//! command line, its parameters and factory presets, and its engine at the settings the
//! parameters give. Each plugin crate implements [`OfflinePlugin`] on a unit struct named
//! `Offline`; the command line's registry is generated from `bundler.toml`, so a plugin listed
//! there is picked up by the CLI with no edit to it.

use crate::presets::FactoryPreset;
use nice_plug::prelude::Params;
use shared_dsp::runner::PluginEngine;

/// A plugin as the command line runs it (see the module docs).
pub trait OfflinePlugin {
    /// Its name on the command line ("bus-compressor").
    const CLI_NAME: &'static str;
    /// Other names accepted on the command line ("bus"); the first is shown in help texts.
    const CLI_ALIASES: &'static [&'static str];
    /// The parameters (their `Default` is the plugin's defaults, without the user's default
    /// preset, which must not change what a script renders).
    type Params: Params + Default;
    /// The engine the plugin runs.
    type Engine: PluginEngine + Send + 'static;

    /// The factory presets.
    fn factory_presets() -> Vec<FactoryPreset>;
    /// A new engine.
    fn new_engine() -> Self::Engine;
    /// The engine's settings under `params`.
    fn settings(params: &Self::Params) -> <Self::Engine as PluginEngine>::Settings;
    /// Refuses settings that need a host (an external sidechain input), with the message the
    /// command line prints.
    fn check_offline(_settings: &<Self::Engine as PluginEngine>::Settings) -> Result<(), String> {
        Ok(())
    }
}
