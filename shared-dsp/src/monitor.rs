//! Translation-check monitoring: simulated playback systems (phone speaker, earbuds, laptop
//! speakers, car cabin, club PA, mono fold-down) for hearing how a master translates.
//!
//! Each system is a short cascade of minimum-phase biquads (the crate's one [`BiquadCoeffs`]:
//! RBJ high-passes, Vicanek-matched shelves and bells) whose analog-prototype parameters were
//! hand-fitted offline to a table of `(freq_hz, level_db)` points taken from a published
//! response ([`MonitorSystem::table`], [`MonitorSystem::source`]). Every table is normalised to
//! 0 dB at 1 kHz and expresses the system *relative to flat studio monitors in a room*, so `Off`
//! (identity) is the reference. Test `tables_match_published_points` checks the digital cascade
//! against every table point at 48 kHz (worst errors are listed on [`MonitorSystem::table`]).
//!
//! **Level matching.** Switching systems must not change loudness, or the louder one sounds
//! "better". [`MonitorCoeffs::new`] computes a linear gain so that pink noise band-limited to
//! 20 Hz–20 kHz (equal power per octave, a simple stand-in for the long-term spectrum of music)
//! has the same ITU-R BS.1770-4 K-weighted loudness through the curve as without it. The
//! K-weighted power of pink noise is `∫ |H(f)|²·|K(f)|²·(1/f) df = ∫ |H|²·|K|² d(ln f)`, evaluated
//! as a mean over a log-spaced grid; `K` is the BS.1770-4 pre-filter (high shelf) and RLB
//! high-pass of the loudness meter (`loudness/k_weighting.rs`). Test
//! `level_match_holds_for_pink_noise` runs 10.9 s of pink noise through every system at 48 kHz
//! and measures it with [`crate::loudness::LoudnessMeter`]: within ±0.5 LU (measured: ≤ 0.005 LU).
//!
//! `Mono` is `(L+R)/2` to both channels at unity gain: centred (correlated) content keeps its
//! level and only side content is lost, which is what the check is for. Its loudness change is
//! therefore signal-dependent (0 LU for identical channels, −3.01 LU for uncorrelated ones) and
//! deliberately not compensated.
//!
//! Shape: [`MonitorCoeffs`] (`Copy`, built off the audio thread) + [`MonitorState`] (memory,
//! realtime-safe `process_stereo`, no allocation, zero latency).

use crate::filter::biquad::{analog, BiquadCoeffs, BiquadState};
use crate::loudness::k_weighting::KWeightingCoeffs;
use std::f32::consts::FRAC_1_SQRT_2;

/// Most biquad sections a [`MonitorCoeffs`] holds.
pub const MAX_SECTIONS: usize = 8;

/// Band frequencies above this fraction of the sample rate are moved down to it (see
/// [`MonitorBand::design`]), so that every curve designs cleanly at 22.05–384 kHz.
const MAX_BAND_RATIO: f32 = 0.45;

/// Lower edge of the pink-noise band used for level matching, in Hz.
pub const LEVEL_MATCH_LOW_HZ: f64 = 20.0;
/// Upper edge of the pink-noise band used for level matching, in Hz (capped at 0.49·fs).
pub const LEVEL_MATCH_HIGH_HZ: f64 = 20_000.0;
/// Number of log-spaced frequencies of the level-matching integral (≈ 200 per octave).
const LEVEL_MATCH_POINTS: usize = 2000;

/// Samples processed per inner block: filters flush denormals and the output is checked for
/// non-finite values once per block (blocks of at most 64 samples, see `docs/ARCHITECTURE.md`).
const BLOCK: usize = 64;

/// One band of a monitor curve, in analog-prototype terms (RBJ Audio EQ Cookbook conventions,
/// see [`analog`]). All designs are minimum-phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MonitorBand {
    /// Second-order high-pass `s²/(s² + s/Q + 1)` ([`BiquadCoeffs::highpass`]).
    HighPass {
        /// Cutoff in Hz.
        freq_hz: f32,
        /// Quality (0.7071 = Butterworth).
        q: f32,
    },
    /// RBJ low shelf, half its gain (in dB) at `freq_hz` ([`BiquadCoeffs::low_shelf_matched`]).
    LowShelf {
        /// Corner in Hz.
        freq_hz: f32,
        /// Quality (0.7071 = cookbook slope S = 1).
        q: f32,
        /// Gain at DC in dB.
        gain_db: f32,
    },
    /// RBJ high shelf, half its gain (in dB) at `freq_hz` ([`BiquadCoeffs::high_shelf_matched`]).
    HighShelf {
        /// Corner in Hz.
        freq_hz: f32,
        /// Quality (0.7071 = cookbook slope S = 1).
        q: f32,
        /// Gain at high frequencies in dB.
        gain_db: f32,
    },
    /// RBJ peaking bell ([`BiquadCoeffs::peak_matched`]).
    Peak {
        /// Centre in Hz.
        freq_hz: f32,
        /// Quality (bandwidth between the half-gain points).
        q: f32,
        /// Gain at the centre in dB.
        gain_db: f32,
    },
}

impl MonitorBand {
    /// Magnitude of the analog prototype at `freq_hz`, in dB.
    pub fn analog_db(&self, freq_hz: f64) -> f64 {
        match *self {
            Self::HighPass { freq_hz: f0, q } => analog::highpass_db(freq_hz, f0 as f64, q as f64),
            Self::LowShelf {
                freq_hz: f0,
                q,
                gain_db,
            } => analog::low_shelf_db(freq_hz, f0 as f64, q as f64, gain_db as f64),
            Self::HighShelf {
                freq_hz: f0,
                q,
                gain_db,
            } => analog::high_shelf_db(freq_hz, f0 as f64, q as f64, gain_db as f64),
            Self::Peak {
                freq_hz: f0,
                q,
                gain_db,
            } => analog::peak_db(freq_hz, f0 as f64, q as f64, gain_db as f64),
        }
    }

    /// The digital section for `sample_rate_hz` (not realtime: the matched designs may run a
    /// small least-squares fit).
    ///
    /// A shelf or bell whose frequency is above `0.45·fs` (only at sample rates below 44.1 kHz)
    /// is designed at `f_max = 0.45·fs` instead, with its gain chosen so that the section's
    /// response at `f_max` equals the analog band's response there (twice that in dB for a
    /// shelf, whose corner carries half its gain): the band's effect inside the remaining
    /// audio band is kept approximately instead of moving the whole band down an octave.
    pub fn design(&self, sample_rate_hz: f32) -> BiquadCoeffs {
        let fs = if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            sample_rate_hz
        } else {
            48_000.0
        };
        let f_max = MAX_BAND_RATIO * fs;
        let at_max_db = self.analog_db(f_max as f64) as f32;
        match *self {
            Self::HighPass { freq_hz, q } => BiquadCoeffs::highpass(fs, freq_hz.min(f_max), q),
            Self::LowShelf {
                freq_hz,
                q,
                gain_db,
            } => {
                if freq_hz > f_max {
                    BiquadCoeffs::low_shelf_matched(fs, f_max, q, 2.0 * at_max_db)
                } else {
                    BiquadCoeffs::low_shelf_matched(fs, freq_hz, q, gain_db)
                }
            }
            Self::HighShelf {
                freq_hz,
                q,
                gain_db,
            } => {
                if freq_hz > f_max {
                    BiquadCoeffs::high_shelf_matched(fs, f_max, q, 2.0 * at_max_db)
                } else {
                    BiquadCoeffs::high_shelf_matched(fs, freq_hz, q, gain_db)
                }
            }
            Self::Peak {
                freq_hz,
                q,
                gain_db,
            } => {
                if freq_hz > f_max {
                    BiquadCoeffs::peak_matched(fs, f_max, q, at_max_db)
                } else {
                    BiquadCoeffs::peak_matched(fs, freq_hz, q, gain_db)
                }
            }
        }
    }
}

/// A simulated playback system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MonitorSystem {
    /// No simulation: the identity (the reference every curve is relative to).
    #[default]
    Off,
    /// A smartphone's built-in micro-loudspeaker.
    PhoneSpeaker,
    /// Sealed in-ear earbuds tuned to the Harman in-ear target.
    Earbuds,
    /// A laptop's built-in speakers.
    Laptop,
    /// A car audio system as tuned for the cabin.
    CarCabin,
    /// A sub-heavy club PA heard from the dance floor.
    Club,
    /// `(L+R)/2` to both channels, no EQ.
    Mono,
}

// Curve tables: (frequency in Hz, level in dB re 1 kHz), relative to flat studio monitors in a
// room. Each sits beside the hand-fitted bands that reproduce it; the worst deviation of the
// digital cascade at 48 kHz (test `tables_match_published_points`) is noted per table.

/// Phone speaker table: a second-order (closed-box) high-pass at 630 Hz times a second-order
/// low-pass at 10 kHz, evaluated at the table frequencies.
const PHONE_TABLE: [(f32, f32); 21] = [
    (20.0, -59.3),
    (31.5, -51.4),
    (50.0, -43.4),
    (80.0, -35.2),
    (125.0, -27.5),
    (200.0, -19.3),
    (315.0, -11.7),
    (500.0, -4.8),
    (800.0, -0.8),
    (1000.0, 0.0),
    (2000.0, 0.6),
    (2500.0, 0.6),
    (3150.0, 0.6),
    (4000.0, 0.5),
    (5000.0, 0.4),
    (6300.0, 0.0),
    (8000.0, -0.9),
    (10000.0, -2.4),
    (12500.0, -4.7),
    (16000.0, -8.1),
    (20000.0, -11.7),
];
const PHONE_BANDS: [MonitorBand; 3] = [
    MonitorBand::HighPass {
        freq_hz: 630.0,
        q: FRAC_1_SQRT_2,
    },
    MonitorBand::HighShelf {
        freq_hz: 15943.0,
        q: 0.6255,
        gain_db: -11.97,
    },
    MonitorBand::HighShelf {
        freq_hz: 16000.0,
        q: 0.8137,
        gain_db: -5.741,
    },
];

/// Laptop table: a second-order high-pass at 350 Hz times a second-order low-pass at 10 kHz.
const LAPTOP_TABLE: [(f32, f32); 21] = [
    (20.0, -49.7),
    (31.5, -41.8),
    (50.0, -33.7),
    (80.0, -25.6),
    (125.0, -17.9),
    (200.0, -10.1),
    (315.0, -4.0),
    (500.0, -0.9),
    (800.0, -0.1),
    (1000.0, 0.0),
    (2000.0, 0.1),
    (2500.0, 0.0),
    (3150.0, 0.0),
    (4000.0, 0.0),
    (5000.0, -0.2),
    (6300.0, -0.6),
    (8000.0, -1.4),
    (10000.0, -2.9),
    (12500.0, -5.3),
    (16000.0, -8.7),
    (20000.0, -12.2),
];
const LAPTOP_BANDS: [MonitorBand; 3] = [
    MonitorBand::HighPass {
        freq_hz: 350.0,
        q: FRAC_1_SQRT_2,
    },
    MonitorBand::HighShelf {
        freq_hz: 15149.0,
        q: 0.658,
        gain_db: -12.34,
    },
    MonitorBand::HighShelf {
        freq_hz: 15954.0,
        q: 0.8595,
        gain_db: -4.398,
    },
];

/// Earbuds table: Harman in-ear target (2019) minus Harman's flat loudspeaker in a room (2013),
/// both as measured at the eardrum of the same kind of head-and-torso simulator, read at the
/// nearest digitised point (AutoEq CSVs, ~1/48-octave spacing) and renormalised to 1 kHz.
const EARBUDS_TABLE: [(f32, f32); 21] = [
    (20.0, 11.6),
    (31.5, 11.9),
    (50.0, 10.8),
    (80.0, 8.5),
    (125.0, 5.1),
    (200.0, 2.6),
    (315.0, 1.0),
    (500.0, 0.4),
    (800.0, 0.1),
    (1000.0, 0.0),
    (2000.0, -0.3),
    (2500.0, -1.2),
    (3150.0, -1.6),
    (4000.0, -0.7),
    (5000.0, 0.1),
    (6300.0, 0.1),
    (8000.0, -0.2),
    (10000.0, -2.0),
    (12500.0, -2.1),
    (16000.0, -2.0),
    (20000.0, -6.5),
];
const EARBUDS_BANDS: [MonitorBand; 4] = [
    MonitorBand::LowShelf {
        freq_hz: 91.12,
        q: 0.5539,
        gain_db: 12.50,
    },
    MonitorBand::Peak {
        freq_hz: 2761.0,
        q: 0.4207,
        gain_db: -1.440,
    },
    MonitorBand::Peak {
        freq_hz: 8863.0,
        q: 1.532,
        gain_db: -1.765,
    },
    MonitorBand::HighShelf {
        freq_hz: 16000.0,
        q: 1.072,
        gain_db: -6.321,
    },
];

/// Car table: Dennis's preferred +13 dB bass and −2 dB treble as RBJ shelves (S = 1) at
/// 100 Hz and 8 kHz, evaluated at the table frequencies.
const CAR_TABLE: [(f32, f32); 21] = [
    (20.0, 13.0),
    (31.5, 12.8),
    (50.0, 12.0),
    (80.0, 8.9),
    (125.0, 4.1),
    (200.0, 1.0),
    (315.0, 0.2),
    (500.0, 0.0),
    (800.0, 0.0),
    (1000.0, 0.0),
    (2000.0, 0.0),
    (2500.0, 0.0),
    (3150.0, 0.0),
    (4000.0, -0.1),
    (5000.0, -0.3),
    (6300.0, -0.6),
    (8000.0, -1.0),
    (10000.0, -1.4),
    (12500.0, -1.7),
    (16000.0, -1.9),
    (20000.0, -2.0),
];
const CAR_BANDS: [MonitorBand; 2] = [
    MonitorBand::LowShelf {
        freq_hz: 100.0,
        q: FRAC_1_SQRT_2,
        gain_db: 13.0,
    },
    MonitorBand::HighShelf {
        freq_hz: 8000.0,
        q: FRAC_1_SQRT_2,
        gain_db: -2.0,
    },
];

/// Club table: second-order sub high-pass at 30 Hz, +13 dB RBJ low shelf (S = 1) at 90 Hz, and
/// ISO 9613-1 air absorption over 10 m (20 °C, 50 % RH), evaluated at the table frequencies.
const CLUB_TABLE: [(f32, f32); 21] = [
    (20.0, 5.2),
    (31.5, 10.2),
    (50.0, 11.1),
    (80.0, 7.7),
    (125.0, 3.2),
    (200.0, 0.7),
    (315.0, 0.1),
    (500.0, 0.0),
    (800.0, 0.0),
    (1000.0, 0.0),
    (2000.0, -0.1),
    (2500.0, -0.1),
    (3150.0, -0.2),
    (4000.0, -0.3),
    (5000.0, -0.4),
    (6300.0, -0.6),
    (8000.0, -1.0),
    (10000.0, -1.5),
    (12500.0, -2.3),
    (16000.0, -3.6),
    (20000.0, -5.2),
];
const CLUB_BANDS: [MonitorBand; 3] = [
    MonitorBand::HighPass {
        freq_hz: 30.0,
        q: FRAC_1_SQRT_2,
    },
    MonitorBand::LowShelf {
        freq_hz: 90.0,
        q: FRAC_1_SQRT_2,
        gain_db: 13.0,
    },
    MonitorBand::HighShelf {
        freq_hz: 16000.0,
        q: 0.6339,
        gain_db: -7.564,
    },
];

impl MonitorSystem {
    /// Every system, `Off` first (the order a selector shows them in).
    pub const ALL: [MonitorSystem; 7] = [
        MonitorSystem::Off,
        MonitorSystem::PhoneSpeaker,
        MonitorSystem::Earbuds,
        MonitorSystem::Laptop,
        MonitorSystem::CarCabin,
        MonitorSystem::Club,
        MonitorSystem::Mono,
    ];

    /// Short display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Off => "Off",
            Self::PhoneSpeaker => "Phone speaker",
            Self::Earbuds => "Earbuds",
            Self::Laptop => "Laptop",
            Self::CarCabin => "Car",
            Self::Club => "Club",
            Self::Mono => "Mono",
        }
    }

    /// Where the curve comes from: the citation of its table, and which parts are our own
    /// reading or assumption.
    pub fn source(self) -> &'static str {
        match self {
            Self::Off => "Identity (the reference: flat studio monitors in a room).",
            Self::PhoneSpeaker => {
                "Low-frequency limit 630 Hz of a conventional mobile-device micro-loudspeaker \
                 system: J. R. Chang, C. N. Wang, \"Bass Extension of Microspeaker System on \
                 Mobile Device\", Journal of Mechanics (Cambridge University Press, online \
                 2 Aug 2018), abstract (630 Hz, extended to 300 Hz by their port). Slope: \
                 sealed-box second-order high-pass, R. H. Small, \"Closed-Box Loudspeaker \
                 Systems, Part I: Analysis\", J. Audio Eng. Soc. 20(10), 1972 (Q = 0.707 \
                 assumed). High-frequency roll-off 'starting around 7 kHz' from a published \
                 REW measurement of laptop micro-speakers (Framework Community forum, \
                 \"Speakers sound quality\", 2021), modelled by us as a second-order low-pass \
                 at 10 kHz. Constructed from these published figures, not a digitised curve."
            }
            Self::Earbuds => {
                "Harman in-ear headphone target, 2019 revision (S. E. Olive, T. Welti, \
                 O. Khonsaripour, Harman International; after \"A Statistical Model that \
                 Predicts Listeners' Preference Ratings of In-Ear Headphones\", Parts 1 and 2, \
                 AES 143rd Convention, 2017) minus the eardrum response of a flat loudspeaker \
                 in a room (S. E. Olive, T. Welti, E. McMullin, \"Listener Preferences for \
                 In-Room Loudspeaker and Headphone Target Responses\", AES 135th Convention, \
                 2013), the baseline the in-ear target was built on. Values read from the \
                 digitised curves in J. Pasanen's AutoEq project (targets/harman_in-ear_2019v2.csv, \
                 targets/loudspeaker_in-room_flat_2013.csv)."
            }
            Self::Laptop => {
                "Published measurements of built-in laptop speakers: Framework Community forum, \
                 \"Speakers sound quality\" (2021; miniDSP UMIK-1, REW, semi-anechoic): output \
                 'falls off quickly below 400 Hz', high-frequency roll-off 'starting around \
                 7 kHz'; D. Marx, danmarx.org blog (Dell Inspiron E1505 speakers): 'good down to \
                 about 300 Hz where the response drops off like a rock', flat in the passband. \
                 Modelled by us as a second-order (closed-box, Small 1972) high-pass at 350 Hz \
                 and a second-order low-pass at 10 kHz; constructed from these figures, not a \
                 digitised curve."
            }
            Self::CarCabin => {
                "P. Dennis, \"In-Vehicle Audio System Sound Quality Preference Study\", AES \
                 139th Convention, New York, 2015, Convention Paper 9393 (abstract): starting \
                 from a tuning similar to the preferred in-room loudspeaker response, listeners \
                 preferred on average +13 dB bass and -2 dB treble. F. E. Toole, \"The \
                 Measurement and Calibration of Sound Reproducing Systems\", J. Audio Eng. Soc. \
                 63(7/8), 2015, sec. 4.2 and Fig. 15: in-car curves boost the bass and agree \
                 with the small-room curve through the midrange. The shelf corners (100 Hz, \
                 8 kHz, RBJ slope S = 1) are our assumption; the paper gives only the levels."
            }
            Self::Club => {
                "M. Lawrence, J. Yakabuski, \"More About PA Tilt: Technical Reasons For Opting \
                 For One Approach Over Another\", ProSoundWeb: a large-format PA's response has \
                 the bass range '12 dB or more above the midrange'; J. Yakabuski, \"Backstage \
                 Class: A Tuning 'Standard'?\", ProSoundWeb: flat from 200 Hz up, sub and low \
                 range raised. High frequencies: air absorption over 10 m at 20 degC, 50 % RH, \
                 ISO 9613-1:1993 eqs. (3)-(5). The +13 dB shelf at 90 Hz and the 30 Hz \
                 second-order sub roll-off are our assumptions."
            }
            Self::Mono => {
                "Mono fold-down (L+R)/2 to both channels, no EQ, unity gain (no table)."
            }
        }
    }

    /// The published points the curve is fitted to, `(freq_hz, level_db)` with 0 dB at 1 kHz,
    /// relative to flat studio monitors in a room. Empty for `Off` and `Mono` (flat).
    ///
    /// Worst deviation of the digital cascade from these points at 48 kHz (test
    /// `tables_match_published_points`, limit ±2 dB): phone 0.47 dB (10 kHz), earbuds 1.15 dB
    /// (12.5 kHz), laptop 0.26 dB (12.5 kHz), car 0.05 dB, club 0.43 dB (8 kHz).
    pub fn table(self) -> &'static [(f32, f32)] {
        match self {
            Self::Off | Self::Mono => &[],
            Self::PhoneSpeaker => &PHONE_TABLE,
            Self::Earbuds => &EARBUDS_TABLE,
            Self::Laptop => &LAPTOP_TABLE,
            Self::CarCabin => &CAR_TABLE,
            Self::Club => &CLUB_TABLE,
        }
    }

    /// The hand-fitted bands reproducing [`Self::table`] (empty for `Off` and `Mono`).
    pub fn bands(self) -> &'static [MonitorBand] {
        match self {
            Self::Off | Self::Mono => &[],
            Self::PhoneSpeaker => &PHONE_BANDS,
            Self::Earbuds => &EARBUDS_BANDS,
            Self::Laptop => &LAPTOP_BANDS,
            Self::CarCabin => &CAR_BANDS,
            Self::Club => &CLUB_BANDS,
        }
    }

    /// Whether the system folds the stereo signal down to mono.
    pub fn is_mono(self) -> bool {
        matches!(self, Self::Mono)
    }
}

/// `|K(f)|²` of the BS.1770-4 K-weighting at `sample_rate_hz`: the loudness meter's own filter
/// design (one design of K-weighting in the crate).
fn k_weighting_power(k: &KWeightingCoeffs, sample_rate_hz: f64, freq_hz: f64) -> f64 {
    let db = k.shelf.response_db(sample_rate_hz, freq_hz)
        + k.high_pass.response_db(sample_rate_hz, freq_hz);
    10f64.powf(db / 10.0)
}

/// `|H(f)|²` of a cascade at `freq_hz`.
fn power(sections: &[BiquadCoeffs], freq_hz: f32) -> f64 {
    sections
        .iter()
        .map(|c| {
            let (re, im) = c.response(freq_hz);
            re * re + im * im
        })
        .product()
}

/// K-weighted power of unit pink noise (equal power per octave) between
/// [`LEVEL_MATCH_LOW_HZ`] and `min(LEVEL_MATCH_HIGH_HZ, 0.49·fs)` through `sections`: the mean
/// of `|H|²·|K|²` over a log-spaced grid (midpoint rule in `ln f`).
fn pink_k_weighted_power(sections: &[BiquadCoeffs], sample_rate_hz: f32) -> f64 {
    let k = KWeightingCoeffs::new(sample_rate_hz as f64);
    let high = LEVEL_MATCH_HIGH_HZ.min(0.49 * sample_rate_hz as f64);
    let ratio = (high / LEVEL_MATCH_LOW_HZ).ln();
    let mut sum = 0.0;
    for i in 0..LEVEL_MATCH_POINTS {
        let f = LEVEL_MATCH_LOW_HZ * ((i as f64 + 0.5) / LEVEL_MATCH_POINTS as f64 * ratio).exp();
        sum += power(sections, f as f32) * k_weighting_power(&k, sample_rate_hz as f64, f);
    }
    sum / LEVEL_MATCH_POINTS as f64
}

/// Coefficients of one monitor system at one sample rate: up to [`MAX_SECTIONS`] biquads, a
/// level-matching gain and the mono flag. `Copy`; build with [`Self::new`] off the audio thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonitorCoeffs {
    /// The simulated system.
    pub system: MonitorSystem,
    /// Sample rate the sections were designed for, in Hz.
    pub sample_rate_hz: f32,
    /// Biquad sections, run in series; only the first `num_sections` are used.
    pub sections: [BiquadCoeffs; MAX_SECTIONS],
    /// Number of active sections, `0..=MAX_SECTIONS`.
    pub num_sections: usize,
    /// Linear output gain that keeps the K-weighted loudness of pink noise unchanged
    /// (1.0 for `Off` and `Mono`).
    pub level_match_gain: f32,
    /// Fold down to `(L+R)/2` on both channels before the sections.
    pub mono: bool,
}

impl MonitorCoeffs {
    /// Designs `system` for `sample_rate_hz` (22.05–384 kHz; other positive rates work too)
    /// and computes its level-matching gain. Not realtime: a few hundred µs.
    pub fn new(system: MonitorSystem, sample_rate_hz: f32) -> Self {
        let fs = if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            sample_rate_hz
        } else {
            48_000.0
        };
        let mut sections = [BiquadCoeffs::identity(fs); MAX_SECTIONS];
        let bands = system.bands();
        let num_sections = bands.len().min(MAX_SECTIONS);
        for (s, b) in sections.iter_mut().zip(bands) {
            *s = b.design(fs);
        }
        let level_match_gain = if num_sections == 0 {
            1.0
        } else {
            let active = &sections[..num_sections];
            (pink_k_weighted_power(&[], fs) / pink_k_weighted_power(active, fs)).sqrt() as f32
        };
        Self {
            system,
            sample_rate_hz: fs,
            sections,
            num_sections,
            level_match_gain,
            mono: system.is_mono(),
        }
    }

    /// The active sections.
    pub fn active_sections(&self) -> &[BiquadCoeffs] {
        &self.sections[..self.num_sections]
    }

    /// Analytic magnitude response at `freq_hz`, in dB, including the level-matching gain:
    /// what [`MonitorState::process_stereo`] does to a signal present identically in both
    /// channels. Floored at −400 dB.
    pub fn response_db(&self, freq_hz: f32) -> f32 {
        let p = power(self.active_sections(), freq_hz)
            * (self.level_match_gain as f64)
            * (self.level_match_gain as f64);
        (10.0 * p.max(1e-40).log10()) as f32
    }

    /// Latency in samples: always 0 (minimum-phase IIR sections).
    pub fn latency_samples(&self) -> usize {
        0
    }
}

impl Default for MonitorCoeffs {
    /// `Off` at 48 kHz.
    fn default() -> Self {
        Self::new(MonitorSystem::Off, 48_000.0)
    }
}

/// Filter memory of a stereo monitor path. Realtime-safe: no allocation, bounded work.
#[derive(Clone, Copy, Debug, Default)]
pub struct MonitorState {
    left: [BiquadState; MAX_SECTIONS],
    right: [BiquadState; MAX_SECTIONS],
}

impl MonitorState {
    /// Clears the memory (realtime-safe). Call it when switching to another system's
    /// coefficients, or the old memory rings through the new sections.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Processes a stereo block in place with `c`. The channels may differ in length; only
    /// the common length is processed. Non-finite input or output silences that 64-sample
    /// block and clears the memory, so processing recovers on the next good block.
    pub fn process_stereo(&mut self, c: &MonitorCoeffs, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let sections = c.active_sections();
        let gain = c.level_match_gain;
        for (l, r) in left.chunks_mut(BLOCK).zip(right.chunks_mut(BLOCK)) {
            // `x * 0` is 0 for every finite x and NaN for NaN or ±inf: one sum checks a block.
            let mut check = 0.0f32;
            if c.mono {
                for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                    let m = 0.5 * (*a + *b);
                    *a = m;
                    *b = m;
                }
                for (st, s) in self.left.iter_mut().zip(sections) {
                    st.process_block(s, l);
                }
                for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                    *a *= gain;
                    *b = *a;
                    check += *a * 0.0;
                }
            } else {
                for (k, s) in sections.iter().enumerate() {
                    self.left[k].process_block(s, l);
                    self.right[k].process_block(s, r);
                }
                for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                    *a *= gain;
                    *b *= gain;
                    check += *a * 0.0 + *b * 0.0;
                }
            }
            if check.is_nan() {
                l.fill(0.0);
                r.fill(0.0);
                self.reset();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loudness::LoudnessMeter;
    use realfft::RealFftPlanner;

    /// Table tolerance: every published point within ±2 dB (after normalising at 1 kHz).
    const TABLE_TOL_DB: f32 = 2.0;

    /// Deterministic SplitMix64 generator, uniform in [0, 1).
    struct Rng(u64);
    impl Rng {
        fn next_f64(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Periodic pink noise: random phases, amplitude ∝ 1/√f on the FFT bins from
    /// LEVEL_MATCH_LOW_HZ to min(LEVEL_MATCH_HIGH_HZ, 0.49·fs) (the level-matching band),
    /// scaled to an RMS of 0.05 (−26 dBFS).
    fn pink_noise(len: usize, fs: f64, seed: u64) -> Vec<f32> {
        let mut rng = Rng(seed);
        let mut planner = RealFftPlanner::<f64>::new();
        let ifft = planner.plan_fft_inverse(len);
        let mut spec = ifft.make_input_vec();
        let high = LEVEL_MATCH_HIGH_HZ.min(0.49 * fs);
        for (k, z) in spec.iter_mut().enumerate() {
            let f = k as f64 * fs / len as f64;
            if (LEVEL_MATCH_LOW_HZ..=high).contains(&f) {
                let ph = 2.0 * std::f64::consts::PI * rng.next_f64();
                *z = realfft::num_complex::Complex::from_polar(1.0 / f.sqrt(), ph);
            }
        }
        let mut out = ifft.make_output_vec();
        ifft.process(&mut spec, &mut out).unwrap();
        let rms = (out.iter().map(|v| v * v).sum::<f64>() / len as f64).sqrt();
        out.iter().map(|v| (v * 0.05 / rms) as f32).collect()
    }

    fn integrated(left: &[f32], right: &[f32], fs: u32) -> f64 {
        let mut m = LoudnessMeter::new(fs, 2).unwrap();
        m.process_planar(&[left, right]).unwrap();
        m.integrated_lufs()
    }

    /// Processes the periodic noise twice and returns the second (steady-state) pass.
    fn run(c: &MonitorCoeffs, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let mut st = MonitorState::default();
        let (mut l, mut r) = (left.to_vec(), right.to_vec());
        st.process_stereo(c, &mut l, &mut r);
        let (mut l, mut r) = (left.to_vec(), right.to_vec());
        st.process_stereo(c, &mut l, &mut r);
        (l, r)
    }

    #[test]
    fn tables_match_published_points() {
        for sys in MonitorSystem::ALL {
            let c = MonitorCoeffs::new(sys, 48_000.0);
            let table = sys.table();
            assert_eq!(table.is_empty(), c.num_sections == 0, "{sys:?}");
            let r1k = c.response_db(1000.0);
            let mut worst = (0.0f32, 0.0f32);
            for &(f, level_db) in table {
                let e = c.response_db(f) - r1k - level_db;
                if e.abs() > worst.0.abs() {
                    worst = (e, f);
                }
            }
            println!(
                "{:14} worst table error {:+.2} dB at {} Hz ({} points, {} sections)",
                sys.name(),
                worst.0,
                worst.1,
                table.len(),
                c.num_sections
            );
            assert!(worst.0.abs() <= TABLE_TOL_DB, "{sys:?}: {worst:?}");
            assert!(sys.bands().len() <= MAX_SECTIONS);
            assert!(!sys.source().is_empty() && !sys.name().is_empty());
        }
    }

    #[test]
    fn other_rates_agree_with_48k_below_16k() {
        for sys in MonitorSystem::ALL {
            let reference = MonitorCoeffs::new(sys, 48_000.0);
            for fs in [44_100.0f32, 96_000.0] {
                let c = MonitorCoeffs::new(sys, fs);
                let mut worst = (0.0f32, 0.0f32);
                for i in 0..=400 {
                    let f = 20.0 * 800f32.powf(i as f32 / 400.0); // 20 Hz – 16 kHz
                    let d = c.response_db(f) - reference.response_db(f);
                    // Below −60 dB (phone and laptop under 40 Hz) the difference is inaudible.
                    if reference.response_db(f) > -60.0 && d.abs() > worst.0.abs() {
                        worst = (d, f);
                    }
                }
                println!(
                    "{:14} {fs} Hz vs 48 kHz: worst {:+.3} dB at {:.0} Hz",
                    sys.name(),
                    worst.0,
                    worst.1
                );
                assert!(worst.0.abs() < 0.5, "{sys:?} at {fs}: {worst:?}");
            }
        }
    }

    fn max_pole_radius(c: &BiquadCoeffs) -> f64 {
        let disc = c.a1 * c.a1 - 4.0 * c.a2;
        if disc < 0.0 {
            c.a2.sqrt()
        } else {
            let r = disc.sqrt();
            ((-c.a1 + r) / 2.0).abs().max(((-c.a1 - r) / 2.0).abs())
        }
    }

    #[test]
    fn every_rate_designs_stable_sections() {
        for fs in [
            22_050.0f32,
            32_000.0,
            44_100.0,
            88_200.0,
            192_000.0,
            384_000.0,
        ] {
            for sys in MonitorSystem::ALL {
                let c = MonitorCoeffs::new(sys, fs);
                for s in c.active_sections() {
                    let ok = [s.b0, s.b1, s.b2, s.a1, s.a2].iter().all(|v| v.is_finite());
                    assert!(ok && max_pole_radius(s) < 1.0, "{sys:?} {fs}: {s:?}");
                }
                assert!(c.level_match_gain.is_finite() && c.level_match_gain > 0.0);
                // Away from the band edges the curve keeps its 48 kHz shape within a few dB
                // even at 22.05 kHz, where bands above 9.9 kHz are folded down.
                let reference = MonitorCoeffs::new(sys, 48_000.0);
                for f in [100.0f32, 1000.0, 4000.0] {
                    let d = c.response_db(f) - reference.response_db(f);
                    assert!(d.abs() < 1.5, "{sys:?} {fs} Hz at {f} Hz: {d}");
                }
            }
        }
    }

    #[test]
    fn level_match_holds_for_pink_noise() {
        const FS: u32 = 48_000;
        let len = 1 << 19; // 10.9 s
        let left = pink_noise(len, FS as f64, 1);
        let right = pink_noise(len, FS as f64, 2);
        let reference = integrated(&left, &right, FS);
        let mono_ref = integrated(&left, &left, FS);
        for sys in MonitorSystem::ALL {
            let c = MonitorCoeffs::new(sys, FS as f32);
            // Mono is checked on identical channels (centred content), where it is exact; on
            // uncorrelated channels it loses the side energy, −3.01 LU, by design.
            let (l_in, r_in, reference) = if sys.is_mono() {
                (&left, &left, mono_ref)
            } else {
                (&left, &right, reference)
            };
            let (l, r) = run(&c, l_in, r_in);
            let d = integrated(&l, &r, FS) - reference;
            println!(
                "{:14} gain {:+6.2} dB, loudness change {:+.3} LU",
                sys.name(),
                20.0 * c.level_match_gain.log10(),
                d
            );
            assert!(d.abs() <= 0.5, "{sys:?}: {d} LU");
        }
        let c = MonitorCoeffs::new(MonitorSystem::Mono, FS as f32);
        let (l, r) = run(&c, &left, &right);
        let d = integrated(&l, &r, FS) - reference;
        println!("Mono on uncorrelated channels: {d:+.3} LU (expected -3.01)");
        assert!((d + 3.01).abs() < 0.2, "{d}");
    }

    #[test]
    fn off_is_identity_and_mono_folds_down() {
        let c = MonitorCoeffs::new(MonitorSystem::Off, 48_000.0);
        let mut st = MonitorState::default();
        let left0: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin()).collect();
        let right0: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.023).cos()).collect();
        let (mut l, mut r) = (left0.clone(), right0.clone());
        st.process_stereo(&c, &mut l, &mut r);
        assert_eq!((l, r), (left0.clone(), right0.clone()));
        let c = MonitorCoeffs::new(MonitorSystem::Mono, 48_000.0);
        let (mut l, mut r) = (left0.clone(), right0.clone());
        st.process_stereo(&c, &mut l, &mut r);
        for i in 0..1000 {
            let m = 0.5 * (left0[i] + right0[i]);
            assert_eq!(l[i], m);
            assert_eq!(r[i], m);
        }
        assert_eq!(c.response_db(50.0), 0.0);
    }

    #[test]
    fn silence_and_hostile_input_stay_finite() {
        for fs in [22_050.0f32, 48_000.0, 384_000.0] {
            for sys in MonitorSystem::ALL {
                let c = MonitorCoeffs::new(sys, fs);
                let mut st = MonitorState::default();
                let mut l = vec![0.0f32; 4096];
                let mut r = vec![0.0f32; 4096];
                st.process_stereo(&c, &mut l, &mut r);
                assert!(l.iter().chain(&r).all(|v| *v == 0.0), "{sys:?}: silence");
                let hostile = [
                    f32::NAN,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                    f32::MAX,
                    -f32::MAX,
                    1e30,
                    1e-40,
                    -1e-45,
                    1.0,
                    -1.0,
                ];
                let mut l: Vec<f32> = (0..5000).map(|i| hostile[i % hostile.len()]).collect();
                let mut r: Vec<f32> = (0..5000)
                    .map(|i| hostile[(i * 7) % hostile.len()])
                    .collect();
                st.process_stereo(&c, &mut l, &mut r);
                assert!(l.iter().chain(&r).all(|v| v.is_finite()), "{sys:?} {fs}");
                // Nyquist-rate full scale, DC and subnormals: finite, no subnormal output.
                let mut l: Vec<f32> = (0..5000)
                    .map(|i| if i & 1 == 0 { 1.0 } else { -1.0 })
                    .collect();
                let mut r = vec![1.0f32; 5000];
                st.process_stereo(&c, &mut l, &mut r);
                let mut l2 = vec![1e-38f32; 5000];
                let mut r2 = vec![0.0f32; 5000];
                st.process_stereo(&c, &mut l2, &mut r2);
                for v in l.iter().chain(&r).chain(&l2).chain(&r2) {
                    assert!(v.is_finite(), "{sys:?} {fs}: {v}");
                    // The sections flush their memory and output below 1e-30; without
                    // sections (Off, Mono) a subnormal input passes through unchanged.
                    if c.num_sections > 0 {
                        assert!(*v == 0.0 || v.is_normal(), "{sys:?} {fs}: {v}");
                    }
                }
                // Recovers after non-finite input.
                let mut l = vec![f32::NAN; 64];
                let mut r = vec![0.5f32; 64];
                st.process_stereo(&c, &mut l, &mut r);
                let mut l: Vec<f32> = (0..512).map(|i| (i as f32 * 0.05).sin()).collect();
                let mut r = l.clone();
                st.process_stereo(&c, &mut l, &mut r);
                assert!(l.iter().chain(&r).all(|v| v.is_finite()));
                assert!(
                    l.iter().any(|v| v.abs() > 0.01),
                    "{sys:?} {fs}: no recovery"
                );
            }
        }
    }
}
