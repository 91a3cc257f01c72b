//! The scaffold every Lathe plugin crate shares, written once as two macros, so a plugin's
//! `lib.rs` holds only what is its own: its fields, `activate`, `process` and editor.
//!
//! Macros rather than a generic wrapper type: nice-plug's `Plugin` trait has associated
//! constants and an `impl Trait` context in `activate`/`process`, and every plugin does its
//! own thing there (sidechain key, loudness Learn, the repair assistant); a wrapper would need
//! a second trait restating all of `Plugin` to forward those. The macros only write the items
//! that are the same everywhere, and the compiler still checks every plugin's `impl Plugin`.
//!
//! - [`plugin_crate!`](crate::plugin_crate): at the crate's top level — the embedded factory
//!   presets, `factory_presets()`, `preset_kit()`, `startup_params()` (defaults, then the
//!   user's default preset), the command line's `Offline`, `ClapPlugin`, `Vst3Plugin` and the
//!   two export macros.
//! - [`plugin_basics!`](crate::plugin_basics): inside `impl Plugin for …` — name, vendor, URL,
//!   e-mail, version, sample-accurate automation, `params()`, `filter_state` (the saved-state
//!   migrations) and `reset` (the engine's). It expects the fields `params: Arc<P>` and
//!   `engine`.

/// The crate-level items of a Lathe plugin (see the [module docs](crate::scaffold)).
///
/// ```ignore
/// shared_plugin::plugin_crate! {
///     plugin: BusCompressor,
///     params: params::BusCompParams,
///     engine: dsp::BusCompEngine,
///     factory_presets_json: include_str!("../presets/factory.json"),
///     cli_name: "bus-compressor",          // also the user preset folder's name
///     cli_aliases: ["bus", "bus_compressor"],
///     locked_ids: ["out"],
///     lock_label: "Lock output",
///     clap_id: "com.lathe-audio.bus-compressor",
///     description: "VCA bus compressor …",
///     clap_features: [AudioEffect, Stereo, Mono, Compressor],
///     vst3_class_id: *b"LatheBusComp0001",
///     vst3_subcategories: [Fx, Dynamics],
///     check_offline: dsp::refuse_external_key,   // optional
/// }
/// ```
#[macro_export]
macro_rules! plugin_crate {
    (
        plugin: $plugin:ident,
        params: $params:ty,
        engine: $engine:ty,
        factory_presets_json: $json:expr,
        cli_name: $cli:literal,
        cli_aliases: [$($alias:literal),* $(,)?],
        locked_ids: [$($locked:literal),* $(,)?],
        lock_label: $lock_label:literal,
        clap_id: $clap_id:literal,
        description: $desc:literal,
        clap_features: [$($feature:ident),* $(,)?],
        vst3_class_id: $vst3_id:expr,
        vst3_subcategories: [$($sub:ident),* $(,)?]
        $(, check_offline: $check:path)? $(,)?
    ) => {
        /// The factory presets (`presets/factory.json`), embedded at build time.
        pub const FACTORY_PRESETS_JSON: &str = $json;

        /// The factory presets (the file is checked by the tests, so this cannot fail in a
        /// release).
        pub fn factory_presets() -> Vec<$crate::presets::FactoryPreset> {
            $crate::presets::parse_factory(FACTORY_PRESETS_JSON).unwrap_or_default()
        }

        /// The plugin's presets: factory bank, user preset folder, and what the lock keeps.
        pub fn preset_kit() -> $crate::session::PresetKit {
            $crate::session::PresetKit {
                plugin_id: $clap_id,
                folder: $cli,
                factory: factory_presets(),
                locked_ids: &[$($locked),*],
                lock_label: $lock_label,
            }
        }

        /// A new instance's parameters: the defaults, then the user's saved default preset,
        /// if any.
        pub fn startup_params() -> std::sync::Arc<$params> {
            let params = std::sync::Arc::new(<$params>::default());
            preset_kit().apply_startup_default(&*params, &params.common.session);
            params
        }

        /// The plugin as the `lathe` command line runs it, without a host.
        pub struct Offline;

        impl $crate::offline::OfflinePlugin for Offline {
            const CLI_NAME: &'static str = $cli;
            const CLI_ALIASES: &'static [&'static str] = &[$($alias),*];
            type Params = $params;
            type Engine = $engine;

            fn factory_presets() -> Vec<$crate::presets::FactoryPreset> {
                factory_presets()
            }
            fn new_engine() -> Self::Engine {
                <$engine>::new()
            }
            fn settings(
                params: &Self::Params,
            ) -> <Self::Engine as ::shared_dsp::runner::PluginEngine>::Settings {
                params.settings()
            }
            $(
                fn check_offline(
                    settings: &<Self::Engine as ::shared_dsp::runner::PluginEngine>::Settings,
                ) -> Result<(), String> {
                    $check(settings)
                }
            )?
        }

        impl ::nice_plug::prelude::ClapPlugin for $plugin {
            const CLAP_ID: &'static str = $clap_id;
            const CLAP_DESCRIPTION: Option<&'static str> = Some($desc);
            const CLAP_MANUAL_URL: Option<&'static str> = Some($crate::URL);
            const CLAP_SUPPORT_URL: Option<&'static str> = None;
            const CLAP_FEATURES: &'static [::nice_plug::prelude::ClapFeature] =
                &[$(::nice_plug::prelude::ClapFeature::$feature),*];
        }

        impl ::nice_plug::prelude::Vst3Plugin for $plugin {
            const VST3_CLASS_ID: [u8; 16] = $vst3_id;
            const VST3_SUBCATEGORIES: &'static [::nice_plug::prelude::Vst3SubCategory] =
                &[$(::nice_plug::prelude::Vst3SubCategory::$sub),*];
        }

        ::nice_plug::prelude::nice_export_clap!($plugin);
        ::nice_plug::prelude::nice_export_vst3!($plugin);
    };
}

/// The items of `impl Plugin for …` that every Lathe plugin has alike (see the
/// [module docs](crate::scaffold)): `plugin_basics!(name: "Lathe X", migrations: &[…]);`
/// with the migrations of `shared_plugin::state::migrate` (`&[]` while the layout has never
/// changed). The state version is `params::STATE_VERSION`.
#[macro_export]
macro_rules! plugin_basics {
    (name: $name:literal, migrations: $migrations:expr $(,)?) => {
        const NAME: &'static str = $name;
        const VENDOR: &'static str = $crate::VENDOR;
        const URL: &'static str = $crate::URL;
        const EMAIL: &'static str = $crate::EMAIL;
        const VERSION: &'static str = env!("CARGO_PKG_VERSION");
        const SAMPLE_ACCURATE_AUTOMATION: bool = true;
        type SysExMessage = ();
        type BackgroundTask = ();

        fn params(&self) -> std::sync::Arc<dyn ::nice_plug::prelude::Params> {
            self.params.clone()
        }

        fn filter_state(state: &mut ::nice_plug::prelude::PluginState) {
            $crate::state::migrate(state, params::STATE_VERSION, $migrations);
        }

        fn reset(&mut self) {
            self.engine.reset();
        }
    };
}
