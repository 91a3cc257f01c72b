//! The reverb as a standalone window (nice-plug's standalone wrapper), used to look at the
//! editor without a DAW: `scripts/screenshot.sh reverb` runs it with `--backend dummy` under
//! Xvfb.

fn main() {
    nice_plug::nice_export_standalone::<reverb::Reverb>();
}
