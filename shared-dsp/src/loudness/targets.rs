//! Loudness targets of the streaming platforms and what each does to a master.
//!
//! Sources (the platforms' own published guidance, as of 2024–2026):
//! - Spotify, "Loudness normalization" (Spotify for Artists support): −14 LUFS integrated by
//!   default; turns louder tracks down; turns quieter tracks up only as far as a −1 dBTP peak
//!   allows (a limiter is applied only in its "Loud" setting, not modelled here); masters
//!   louder than −14 LUFS should peak at or below −2 dBTP, others at −1 dBTP.
//! - Apple Music, "Apple Digital Masters" / Sound Check: −16 LUFS; normalises both ways, up only
//!   within the headroom below −1 dBTP; asks for peaks at or below −1 dBTP.
//! - YouTube: −14 LUFS; turns louder content down, never up.
//! - Tidal: −14 LUFS; turns down, never up.
//! - Amazon Music: −14 LUFS; turns down, never up; recommends −2 dBTP.
//! - Club / CD: no normalisation; −9 LUFS is a common loud-master reference, peaks at −0.3 dBTP.
//! - EBU R 128 (broadcast): −23 LUFS ± 0.5 LU, peaks at or below −1 dBTP.

/// A loudness target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Platform {
    /// Display name.
    pub name: &'static str,
    /// Target integrated loudness, LUFS.
    pub target_lufs: f64,
    /// Whether the platform turns quieter masters up (within the peak headroom).
    pub turns_up: bool,
    /// Highest true peak the platform asks for, dBTP.
    pub ceiling_dbtp: f64,
    /// The ceiling asked for by masters louder than the target (Spotify, Amazon: −2 dBTP).
    pub loud_master_ceiling_dbtp: f64,
}

/// Every platform in the target selector (custom excepted), in the order shown.
pub const PLATFORMS: [Platform; 7] = [
    Platform {
        name: "Spotify",
        target_lufs: -14.0,
        turns_up: true,
        ceiling_dbtp: -1.0,
        loud_master_ceiling_dbtp: -2.0,
    },
    Platform {
        name: "Apple Music",
        target_lufs: -16.0,
        turns_up: true,
        ceiling_dbtp: -1.0,
        loud_master_ceiling_dbtp: -1.0,
    },
    Platform {
        name: "YouTube",
        target_lufs: -14.0,
        turns_up: false,
        ceiling_dbtp: -1.0,
        loud_master_ceiling_dbtp: -1.0,
    },
    Platform {
        name: "Tidal",
        target_lufs: -14.0,
        turns_up: false,
        ceiling_dbtp: -1.0,
        loud_master_ceiling_dbtp: -1.0,
    },
    Platform {
        name: "Amazon Music",
        target_lufs: -14.0,
        turns_up: false,
        ceiling_dbtp: -2.0,
        loud_master_ceiling_dbtp: -2.0,
    },
    Platform {
        name: "Club / CD",
        target_lufs: -9.0,
        turns_up: false,
        ceiling_dbtp: -0.3,
        loud_master_ceiling_dbtp: -0.3,
    },
    Platform {
        name: "EBU R128",
        target_lufs: -23.0,
        turns_up: true,
        ceiling_dbtp: -1.0,
        loud_master_ceiling_dbtp: -1.0,
    },
];

/// What a platform will do with a master of the given integrated loudness and true peak.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// Gain the platform applies on playback, dB (negative: turned down).
    pub playback_gain_db: f64,
    /// Gain it would need to reach its target, dB (differs from `playback_gain_db` when it
    /// does not turn up, or only as far as the peak allows).
    pub distance_db: f64,
    /// The ceiling this platform asks of this master, dBTP.
    pub suggested_ceiling_dbtp: f64,
}

impl Platform {
    /// The platform's verdict on a master (`integrated_lufs`, `true_peak_dbtp`). `None` when the
    /// loudness is not known yet (silence).
    pub fn verdict(&self, integrated_lufs: f64, true_peak_dbtp: f64) -> Option<Verdict> {
        if !integrated_lufs.is_finite() {
            return None;
        }
        let distance = self.target_lufs - integrated_lufs;
        let gain = if distance <= 0.0 {
            distance
        } else if self.turns_up {
            // Up only within the headroom below −1 dBTP.
            let headroom = if true_peak_dbtp.is_finite() {
                -1.0 - true_peak_dbtp
            } else {
                distance
            };
            distance.min(headroom.max(0.0))
        } else {
            0.0
        };
        let suggested = if integrated_lufs > self.target_lufs {
            self.loud_master_ceiling_dbtp
        } else {
            self.ceiling_dbtp
        };
        Some(Verdict {
            playback_gain_db: gain,
            distance_db: distance,
            suggested_ceiling_dbtp: suggested,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn louder_masters_are_turned_down_by_the_difference() {
        let spotify = PLATFORMS[0];
        let v = spotify.verdict(-9.0, -1.0).unwrap();
        assert_eq!(v.playback_gain_db, -5.0);
        assert_eq!(v.suggested_ceiling_dbtp, -2.0);
        let apple = PLATFORMS[1];
        assert_eq!(apple.verdict(-9.0, -1.0).unwrap().playback_gain_db, -7.0);
    }

    #[test]
    fn quieter_masters_go_up_only_where_allowed_and_within_the_peak() {
        let spotify = PLATFORMS[0];
        // −20 LUFS peaking at −6 dBTP: 6 dB wanted, 5 dB of headroom below −1 dBTP.
        assert_eq!(spotify.verdict(-20.0, -6.0).unwrap().playback_gain_db, 5.0);
        let youtube = PLATFORMS[2];
        let v = youtube.verdict(-20.0, -6.0).unwrap();
        assert_eq!(v.playback_gain_db, 0.0);
        assert_eq!(v.distance_db, 6.0);
        assert!(youtube.verdict(f64::NEG_INFINITY, -6.0).is_none());
    }
}
