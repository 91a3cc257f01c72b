//! Framework-free DSP units shared by the Lathe plugins and the `lathe` command line.
//!
//! Nothing in this crate knows about hosts, parameters or GUIs. Every unit follows the same
//! shape (see `docs/ARCHITECTURE.md`): `new` may allocate, `prepare` is not realtime, `reset` and
//! `process*` are realtime-safe and never allocate.

#![warn(missing_docs)]
pub mod crossfade;
pub mod db;
pub mod delay;
pub mod dither;
pub mod dynamics;
pub mod filter;
pub mod loudness;
pub mod meter;
pub mod monitor;
pub mod oversampling;
pub mod range;
pub mod repair;
pub mod reverb;
pub mod runner;
pub mod saturation;
pub mod simd;
pub mod smoothing;
pub mod stft;
