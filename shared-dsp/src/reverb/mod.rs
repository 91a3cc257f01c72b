//! Artificial reverberation, in the units the Lathe Reverb is composed of: pre-delay and early
//! reflections ([`early`]), input diffusion ([`diffuser`]), the late reverberation of a
//! feedback delay network ([`fdn`]) with its per-band absorption ([`absorption`]), the
//! algorithms' shapes ([`Algorithm`]) and the measurements that judge them ([`measure`]).

pub mod absorption;
pub mod diffuser;
pub mod early;
pub mod fdn;
pub mod measure;

use diffuser::NUM_STAGES;
use early::EarlyPattern;

/// The reverb algorithms: the same units, shaped differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// A small-to-medium room: short lines, dense early reflections over 8–45 ms.
    Room,
    /// A concert hall: long lines, early reflections sparse at first over 25–120 ms.
    Hall,
    /// A plate: no early reflections, the densest diffusion, short lines, brighter.
    Plate,
    /// An echo chamber: medium lines, dense early reflections over 10–60 ms, darker.
    Chamber,
}

/// What an algorithm makes of the size control.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    /// Shortest and longest delay line, ms.
    pub lines_ms: (f32, f32),
    /// Input diffuser section lengths, ms.
    pub diffuser_ms: [f32; NUM_STAGES],
    /// Largest allpass gain of the diffuser (at diffusion 100 %).
    pub diffuser_gain: f32,
    /// Span of the early reflections, ms; 0 for none.
    pub early_span_ms: f32,
    /// The reflection pattern.
    pub early_pattern: EarlyPattern,
    /// Corner of the one-pole low-pass on the early reflections (their colour), Hz.
    pub early_lowpass_hz: f32,
    /// The colour of the whole wet signal: a high shelf at [`TILT_HZ`], dB.
    pub tilt_db: f32,
}

/// Corner of the algorithms' colour shelf, Hz.
pub const TILT_HZ: f32 = 3000.0;

/// Section lengths of the diffuser that smears each early reflection into a short dense
/// burst, ms (a reflection off a real wall is never a single click).
pub const EARLY_DIFFUSER_MS: [f32; NUM_STAGES] = [0.43, 1.07, 2.23, 3.71];
/// Largest allpass gain of that diffuser (at diffusion 100 %).
pub const EARLY_DIFFUSER_GAIN: f32 = 0.65;

impl Algorithm {
    /// Every algorithm, in menu order.
    pub const ALL: [Algorithm; 4] = [Self::Room, Self::Hall, Self::Plate, Self::Chamber];

    /// The shape at `size` (0–1).
    pub fn shape(self, size: f32) -> Shape {
        let s = if size.is_finite() {
            size.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let lerp = |a: f32, b: f32| a + (b - a) * s;
        match self {
            Self::Room => Shape {
                lines_ms: (lerp(4.0, 11.0), lerp(18.0, 45.0)),
                diffuser_ms: [0.9, 1.4, 2.1, 3.2],
                diffuser_gain: 0.7,
                early_span_ms: lerp(8.0, 45.0),
                early_pattern: EarlyPattern::new(1.0, 10.0),
                early_lowpass_hz: 9000.0,
                tilt_db: 0.0,
            },
            Self::Hall => Shape {
                lines_ms: (lerp(14.0, 30.0), lerp(55.0, 100.0)),
                diffuser_ms: [1.7, 2.6, 3.9, 5.8],
                diffuser_gain: 0.7,
                early_span_ms: lerp(25.0, 120.0),
                early_pattern: EarlyPattern::new(0.7, 14.0),
                early_lowpass_hz: 7000.0,
                tilt_db: -1.5,
            },
            Self::Plate => Shape {
                lines_ms: (lerp(5.0, 10.0), lerp(22.0, 40.0)),
                diffuser_ms: [0.6, 1.0, 1.5, 2.3],
                diffuser_gain: 0.75,
                early_span_ms: 0.0,
                early_pattern: EarlyPattern::new(1.0, 0.0),
                early_lowpass_hz: 20000.0,
                tilt_db: 2.0,
            },
            Self::Chamber => Shape {
                lines_ms: (lerp(8.0, 18.0), lerp(30.0, 60.0)),
                diffuser_ms: [1.2, 1.9, 2.8, 4.2],
                diffuser_gain: 0.7,
                early_span_ms: lerp(10.0, 60.0),
                early_pattern: EarlyPattern::new(1.2, 8.0),
                early_lowpass_hz: 5000.0,
                tilt_db: -4.0,
            },
        }
    }
}
