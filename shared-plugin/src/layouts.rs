//! Audio I/O layouts shared by the plugins.

use nice_plug::prelude::*;

/// Stereo in, stereo out.
pub const STEREO: AudioIOLayout = AudioIOLayout {
    main_input_channels: NonZeroU32::new(2),
    main_output_channels: NonZeroU32::new(2),
    ..AudioIOLayout::const_default()
};

/// Mono in, stereo out (a mono track into a stereo bus; the input is copied to both sides
/// with `shared_dsp::runner::mono_to_stereo`).
pub const MONO_TO_STEREO: AudioIOLayout = AudioIOLayout {
    main_input_channels: NonZeroU32::new(1),
    main_output_channels: NonZeroU32::new(2),
    ..AudioIOLayout::const_default()
};

/// Mono in, mono out.
pub const MONO: AudioIOLayout = AudioIOLayout {
    main_input_channels: NonZeroU32::new(1),
    main_output_channels: NonZeroU32::new(1),
    ..AudioIOLayout::const_default()
};

/// Stereo in and out with a stereo sidechain input that hosts show as "Sidechain".
pub const STEREO_WITH_SIDECHAIN: AudioIOLayout = AudioIOLayout {
    main_input_channels: NonZeroU32::new(2),
    main_output_channels: NonZeroU32::new(2),
    aux_input_ports: &[new_nonzero_u32(2)],
    names: PortNames {
        layout: Some("Stereo + sidechain"),
        // Main port names left to the wrapper: nice-plug-core 0.4.2's `main_output_name()`
        // returns `main_input`, so naming the input would name the output "Input" too.
        main_input: None,
        main_output: None,
        aux_inputs: &["Sidechain"],
        aux_outputs: &[],
    },
    ..AudioIOLayout::const_default()
};

/// Number of channels of an optional port.
pub fn channels(n: Option<NonZeroU32>) -> usize {
    n.map_or(0, |n| n.get() as usize)
}

/// `true` for a mono input feeding a stereo output.
pub fn is_mono_to_stereo(layout: &AudioIOLayout) -> bool {
    channels(layout.main_input_channels) == 1 && channels(layout.main_output_channels) == 2
}
