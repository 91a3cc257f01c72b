//! The mastering limiter as a standalone window (nice-plug's standalone wrapper), used to look
//! at the editor without a DAW: `scripts/screenshot.sh mastering_limiter` runs it with
//! `--backend dummy` under Xvfb.

fn main() {
    nice_plug::nice_export_standalone::<mastering_limiter::MasteringLimiter>();
}
