//! nice-plug glue written once for every Lathe plugin.
//!
//! - [`params`]: parameter constructors whose range, default and unit are written once, with
//!   formatters whose text parses back to the value it shows and that accept plain numbers and
//!   units ("4", "-3 dB", "1k", "2.5 kHz", "300 ms", "1.2 s", "50 %", "inf");
//! - [`table`]: the parameter table a plugin exposes (ids, names, units, ranges, defaults),
//!   generated from its `Params` for the host tests, and a value → text → value check;
//! - [`meters`]: lock-free meter transport from the audio thread to the editor;
//! - [`presets`]: factory presets as embedded data files, resolved through the parameters' own
//!   text forms;
//! - [`user_presets`]: user preset files in the platform's config directory, written atomically;
//! - [`session`]: what an instance saves beside its parameters (preset name, A/B, lock) and the
//!   editor's host context that records undo and applies presets, A/B and undo through the host;
//! - [`state`]: saved-state versioning with migrations run from `Plugin::filter_state`;
//! - [`latency`]: the latency reported to the host, held between activations under CLAP;
//! - [`layouts`]: the audio I/O layouts the suite offers;
//! - [`scaffold`]: the items every plugin crate and `impl Plugin` share, as two macros;
//! - [`palette`]: the suite's colours as plain sRGB (editors and the command line's plots);
//! - [`offline`]: what the command line needs of a plugin to run it without a host;
//! - `testing`: a stand-in host for editor and session tests.
//!
//! The engine runner itself is framework-free and lives in `shared_dsp::runner`, so the
//! command line and the tests drive engines exactly as the plugins do.

#![warn(missing_docs)]

/// Vendor name every plugin reports.
pub const VENDOR: &str = "Lathe Audio";
/// Project URL every plugin reports.
pub const URL: &str = "https://github.com/lathe-audio/lathe";
/// Contact address every plugin reports.
pub const EMAIL: &str = "dev@lathe-audio.invalid";

pub mod latency;
pub mod layouts;
pub mod meters;
pub mod offline;
pub mod palette;
pub mod params;
pub mod presets;
pub mod scaffold;
pub mod session;
pub mod state;
pub mod table;
#[doc(hidden)]
pub mod testing;
pub mod user_presets;
