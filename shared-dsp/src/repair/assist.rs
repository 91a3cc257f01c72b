//! The repair assistant: listens to a passage with every unit running at its defaults, as a
//! chain on a copy of the input (de-clip → de-click → de-plosive → de-hum → de-noise, the
//! engine's order, so a unit sees what the ones before it would leave), sums up what they
//! found in [`Findings`] and proposes which modules to switch on in a [`Proposal`].
//!
//! The units are the detectors: what the assistant reports is what the module it proposes
//! would find and repair, never a second opinion from other code. The decision rules
//! ([`propose`]) compare each finding with a threshold set on the test recordings with and
//! without each damage (see the spectral repair's assistant test and `docs/REPAIR.md`).
//!
//! Realtime: [`Analyser::new`] allocates the units; [`Analyser::prepare`] sets the rate;
//! [`Analyser::feed`] runs on the audio thread and never allocates. It runs eight units per
//! channel (the five, a second de-click and two fixed-base de-hums): 42× realtime on 48 kHz
//! stereo in the spectral repair's bench, about 1.5 times what every module on costs, only
//! while an analysis runs.

use super::declick::{Declick, DeclickSettings};
use super::declip::{Declip, DeclipSettings};
use super::dehum::{Dehum, DehumSettings, HumBase};
use super::denoise::{Denoise, DenoiseSettings};
use super::deplosive::{Deplosive, DeplosiveSettings};
use super::RepairUnit;

/// Longest analysis, seconds: it stops by itself after this much audio.
pub const MAX_ANALYSIS_S: f32 = 30.0;
/// Shortest analysis whose findings are trusted, seconds: the de-noise's noise estimate needs
/// its 8 s minimum-statistics window filled, the de-hum its seconds-long averages.
pub const MIN_ANALYSIS_S: f32 = 10.0;
/// Channels analysed.
const CHANNELS: usize = 2;
/// Samples run through the chain at a time (the scratch buffer).
const CHUNK: usize = 64;
/// The de-hum's presence is judged after this much audio (its detection start-up), seconds.
const HUM_SETTLE_S: f32 = 3.0;

/// De-clip: proposed when at least this share of the samples was rebuilt (1 in 10 000).
pub const CLIPPED_SHARE_ON: f32 = 1e-4;
/// De-click: proposed at this many clicks per second and channel or more.
pub const CLICKS_PER_S_ON: f32 = 1.2;
/// The de-click's sensitivity the analysis also tries, %: where it finds nearly all that the
/// default finds ([`GENTLE_CLICK_SHARE`]), the clicks are strong, and what the default finds
/// beyond them is mostly the music's own transients, so the gentler setting is proposed.
pub const GENTLE_CLICK_SENSITIVITY: f32 = 30.0;
/// See [`GENTLE_CLICK_SENSITIVITY`].
pub const GENTLE_CLICK_SHARE: f32 = 0.8;
/// De-plosive: proposed at this many plosives per minute and channel or more.
pub const PLOSIVES_PER_MIN_ON: f32 = 3.0;
/// De-hum: proposed when hum was present for at least this share of the time after the
/// de-hum's start-up, in Auto or with the base fixed at 50 or 60 Hz (where one harmonic
/// standing alone is enough).
pub const HUM_PRESENT_ON: f32 = 0.5;
/// De-noise: proposed when the estimated noise floor is at most this far below the
/// programme's RMS, dB.
pub const NOISE_BELOW_PROGRAMME_ON_DB: f32 = -26.0;

/// What an analysis found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Findings {
    /// Audio analysed, seconds.
    pub seconds: f32,
    /// RMS of the input over both channels, dBFS.
    pub programme_rms_db: f32,
    /// Clicks the de-click found per second (mean over the channels).
    pub clicks_per_s: f32,
    /// The same at [`GENTLE_CLICK_SENSITIVITY`].
    pub gentle_clicks_per_s: f32,
    /// Clip level the de-clip found, dBFS (−∞ when it found none).
    pub clip_level_db: f32,
    /// Share of the samples the de-clip rebuilt, 0–1.
    pub clipped_share: f32,
    /// Plosives the de-plosive found per minute (mean over the channels).
    pub plosives_per_min: f32,
    /// Mains frequency of the hum found, Hz (0 when none).
    pub hum_base_hz: f32,
    /// RMS of the hum found, dBFS (−∞ when none).
    pub hum_level_db: f32,
    /// Share of the time after the de-hum's start-up in which it found hum, 0–1.
    pub hum_present_share: f32,
    /// The same with the base fixed at 50 Hz, 0–1.
    pub hum50_share: f32,
    /// The same with the base fixed at 60 Hz, 0–1.
    pub hum60_share: f32,
    /// Which of the first four harmonics of the more present base stood alone (as hum does)
    /// at least half the time: bit h for harmonic h + 1.
    pub hum_lines: u32,
    /// Largest attenuation the de-plosive applied, dB.
    pub plosive_peak_db: f32,
    /// The de-noise's estimate of the noise floor, dBFS RMS-equivalent over the whole band.
    pub noise_floor_db: f32,
}

impl Default for Findings {
    fn default() -> Self {
        Self {
            seconds: 0.0,
            programme_rms_db: f32::NEG_INFINITY,
            clicks_per_s: 0.0,
            gentle_clicks_per_s: 0.0,
            clip_level_db: f32::NEG_INFINITY,
            clipped_share: 0.0,
            plosives_per_min: 0.0,
            hum_base_hz: 0.0,
            hum_level_db: f32::NEG_INFINITY,
            hum_present_share: 0.0,
            hum50_share: 0.0,
            hum60_share: 0.0,
            hum_lines: 0,
            plosive_peak_db: 0.0,
            noise_floor_db: f32::NEG_INFINITY,
        }
    }
}

impl Findings {
    /// The noise floor relative to the programme's RMS, dB (−∞ for silence).
    pub fn noise_below_programme_db(&self) -> f32 {
        if self.programme_rms_db.is_finite() && self.noise_floor_db.is_finite() {
            self.noise_floor_db - self.programme_rms_db
        } else {
            f32::NEG_INFINITY
        }
    }
}

/// Which modules to switch on, with which settings (`None`: leave it off).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Proposal {
    /// De-clip.
    pub declip: Option<DeclipSettings>,
    /// De-click.
    pub declick: Option<DeclickSettings>,
    /// De-plosive.
    pub deplosive: Option<DeplosiveSettings>,
    /// De-hum.
    pub dehum: Option<DehumSettings>,
    /// De-noise.
    pub denoise: Option<DenoiseSettings>,
}

impl Proposal {
    /// Whether no module is proposed.
    pub fn is_empty(&self) -> bool {
        *self == Proposal::default()
    }
}

/// One line per module: on or off, and the finding that decided it (for the editor and the
/// command line; allocates).
pub fn explain(f: &Findings, p: &Proposal) -> Vec<String> {
    let on_off = |on: bool| if on { "on " } else { "off" };
    let db = |v: f32| {
        if v.is_finite() {
            format!("{v:.1}")
        } else {
            "-inf".to_string()
        }
    };
    let mut lines = Vec::with_capacity(5);
    lines.push(format!(
        "de-clip    {}: {:.3} % of samples clipped at {} dBFS (on from {:.3} %)",
        on_off(p.declip.is_some()),
        100.0 * f.clipped_share,
        db(f.clip_level_db),
        100.0 * CLIPPED_SHARE_ON
    ));
    lines.push(format!(
        "de-click   {}: {:.2} clicks/s, {:.2} at {GENTLE_CLICK_SENSITIVITY} % sensitivity (on from {CLICKS_PER_S_ON}; sensitivity {})",
        on_off(p.declick.is_some()),
        f.clicks_per_s,
        f.gentle_clicks_per_s,
        p.declick.map_or(DeclickSettings::default().sensitivity, |s| s.sensitivity)
    ));
    lines.push(format!(
        "de-plosive {}: {:.1} plosives/min, up to {:.1} dB (on from {PLOSIVES_PER_MIN_ON})",
        on_off(p.deplosive.is_some()),
        f.plosives_per_min,
        f.plosive_peak_db
    ));
    let hum = if f.hum_base_hz > 0.0 && f.hum_present_share > 0.0 {
        format!(
            "hum at {:.2} Hz, {} dBFS, present {:.0} % of the time",
            f.hum_base_hz,
            db(f.hum_level_db),
            100.0 * f.hum_present_share
        )
    } else {
        "no hum in Auto".to_string()
    };
    let standing: Vec<String> = (0..4)
        .filter(|h| f.hum_lines >> h & 1 == 1)
        .map(|h| (h + 1).to_string())
        .collect();
    let hum = format!(
        "{hum}; at a fixed 50 Hz {:.0} %, 60 Hz {:.0} %; harmonics standing out: {}",
        100.0 * f.hum50_share,
        100.0 * f.hum60_share,
        if standing.is_empty() {
            "none".to_string()
        } else {
            standing.join(", ")
        }
    );
    lines.push(format!(
        "de-hum     {}: {hum} (on from {:.0} % in any)",
        on_off(p.dehum.is_some()),
        100.0 * HUM_PRESENT_ON
    ));
    lines.push(format!(
        "de-noise   {}: noise floor {} dBFS, {} dB re programme (on from {NOISE_BELOW_PROGRAMME_ON_DB})",
        on_off(p.denoise.is_some()),
        db(f.noise_floor_db),
        db(f.noise_below_programme_db())
    ));
    lines
}

/// The mains frequency the findings call de-hum for, if any: Auto's when it found hum half
/// the time, else the fixed base found more often (if half the time).
fn hum_base(f: &Findings) -> Option<HumBase> {
    if f.hum_present_share >= HUM_PRESENT_ON && f.hum_base_hz > 0.0 {
        Some(if f.hum_base_hz < 55.0 {
            HumBase::Hz50
        } else {
            HumBase::Hz60
        })
    } else if f.hum50_share.max(f.hum60_share) >= HUM_PRESENT_ON {
        Some(if f.hum50_share >= f.hum60_share {
            HumBase::Hz50
        } else {
            HumBase::Hz60
        })
    } else {
        None
    }
}

/// The modules the findings call for, each at its defaults but for what the analysis
/// measured (the de-hum's mains frequency).
pub fn propose(f: &Findings) -> Proposal {
    let mut p = Proposal::default();
    if f.clipped_share >= CLIPPED_SHARE_ON && f.clip_level_db.is_finite() {
        p.declip = Some(DeclipSettings::default());
    }
    if f.clicks_per_s >= CLICKS_PER_S_ON {
        let mut s = DeclickSettings::default();
        if f.gentle_clicks_per_s >= GENTLE_CLICK_SHARE * f.clicks_per_s {
            s.sensitivity = GENTLE_CLICK_SENSITIVITY;
        }
        p.declick = Some(s);
    }
    if f.plosives_per_min >= PLOSIVES_PER_MIN_ON {
        p.deplosive = Some(DeplosiveSettings::default());
    }
    let base = hum_base(f);
    // The base is set, not left on Auto: the analysis has found it, and a fixed base finds
    // weaker hum. Where only some of the first harmonics stand out (a lone 60 Hz line in a
    // guitar recording), only up to the highest of them is removed: the others would be
    // estimated on the music's own partials.
    let defaults = DehumSettings::default();
    let highest = (32 - f.hum_lines.leading_zeros()) as usize;
    let num_harmonics = if f.hum_lines & 0b11 == 0b11 || highest == 0 {
        defaults.num_harmonics
    } else {
        highest
    };
    p.dehum = base.map(|base| DehumSettings {
        base,
        num_harmonics,
        ..defaults
    });
    if f.noise_below_programme_db() >= NOISE_BELOW_PROGRAMME_ON_DB {
        p.denoise = Some(DenoiseSettings::default());
    }
    p
}

/// The five units of one channel, chained.
struct Chain {
    declip: Declip,
    declick: Declick,
    deplosive: Deplosive,
    dehum: Dehum,
    denoise: Denoise,
    /// Side detectors with the base fixed at 50 and 60 Hz (one harmonic standing alone is
    /// enough there, so they find weaker hum than Auto), fed what the chain's de-hum gets.
    hum_fixed: [Dehum; 2],
    /// A second de-click at [`GENTLE_CLICK_SENSITIVITY`], fed what the chain's gets.
    declick_gentle: Declick,
    side: [f32; CHUNK],
    /// The de-plosive's count when the analysis started (it counts since `new`).
    plosives_before: u64,
}

impl Chain {
    fn new() -> Self {
        let mut c = Self {
            declip: Declip::new(),
            declick: Declick::new(),
            deplosive: Deplosive::new(),
            dehum: Dehum::new(),
            denoise: Denoise::new(),
            hum_fixed: [Dehum::new(), Dehum::new()],
            declick_gentle: Declick::new(),
            side: [0.0; CHUNK],
            plosives_before: 0,
        };
        for (d, base) in c.hum_fixed.iter_mut().zip([HumBase::Hz50, HumBase::Hz60]) {
            d.set_settings(&DehumSettings {
                base,
                ..DehumSettings::default()
            });
        }
        c.declick_gentle.set_settings(&DeclickSettings {
            sensitivity: GENTLE_CLICK_SENSITIVITY,
            ..DeclickSettings::default()
        });
        c.declip.set_settings(&DeclipSettings::default());
        c.declick.set_settings(&DeclickSettings::default());
        c.deplosive.set_settings(&DeplosiveSettings::default());
        c.dehum.set_settings(&DehumSettings::default());
        c.denoise.set_settings(&DenoiseSettings::default());
        c
    }

    fn units(&mut self) -> [&mut dyn RepairUnit; 8] {
        let [h50, h60] = &mut self.hum_fixed;
        [
            &mut self.declick_gentle,
            &mut self.declip,
            &mut self.declick,
            &mut self.deplosive,
            &mut self.dehum,
            &mut self.denoise,
            h50,
            h60,
        ]
    }

    /// Runs `x` through the chain in place, the side detectors beside it.
    fn process(&mut self, x: &mut [f32]) {
        self.declip.process(x);
        let n = x.len();
        self.side[..n].copy_from_slice(x);
        self.declick_gentle.process(&mut self.side[..n]);
        self.declick.process(x);
        self.deplosive.process(x);
        for d in self.hum_fixed.iter_mut() {
            self.side[..n].copy_from_slice(x);
            d.process(&mut self.side[..n]);
        }
        self.dehum.process(x);
        self.denoise.process(x);
    }
}

/// Runs the analysis (see the module docs).
pub struct Analyser {
    chains: [Chain; CHANNELS],
    sample_rate_hz: f32,
    scratch: [f32; CHUNK],
    /// Frames analysed since [`Analyser::start`].
    frames: u64,
    /// Channels seen (1 or 2).
    channels: usize,
    /// Sum of squares of the input over the channels analysed.
    energy: f64,
    /// Chunks after the de-hum's start-up, and those with hum present (Auto, 50 Hz, 60 Hz).
    hum_chunks: u64,
    hum_present_chunks: [u64; 3],
    /// Largest attenuation the de-plosive applied, dB.
    plosive_peak_db: f32,
    /// Per fixed base (50, 60 Hz), per detection harmonic: chunks it stood alone.
    alone_chunks: [[u64; 4]; 2],
    /// Auto's base frequency and hum level the last time it found hum.
    auto_base_hz: f32,
    auto_level_db: f32,
    running: bool,
    /// Whether sound has arrived (leading digital silence is not analysed).
    heard: bool,
}

impl Default for Analyser {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyser {
    /// Allocates the units (not realtime) at 48 kHz.
    pub fn new() -> Self {
        let mut a = Self {
            chains: [Chain::new(), Chain::new()],
            sample_rate_hz: 48_000.0,
            scratch: [0.0; CHUNK],
            frames: 0,
            channels: 1,
            energy: 0.0,
            hum_chunks: 0,
            hum_present_chunks: [0; 3],
            plosive_peak_db: 0.0,
            alone_chunks: [[0; 4]; 2],
            auto_base_hz: 0.0,
            auto_level_db: f32::NEG_INFINITY,
            running: false,
            heard: false,
        };
        a.prepare(48_000.0);
        a
    }

    /// Sets the sample rate (allocation-free) and stops any analysis.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            sample_rate_hz
        } else {
            48_000.0
        };
        for c in self.chains.iter_mut() {
            for u in c.units() {
                u.prepare(self.sample_rate_hz);
            }
        }
        // What was found at another rate (or before the host re-activated) is gone.
        self.clear();
        self.stop();
    }

    /// Forgets every finding.
    fn clear(&mut self) {
        for c in self.chains.iter_mut() {
            c.plosives_before = c.deplosive.events_found();
        }
        self.frames = 0;
        self.channels = 1;
        self.energy = 0.0;
        self.hum_chunks = 0;
        self.hum_present_chunks = [0; 3];
        self.plosive_peak_db = 0.0;
        self.alone_chunks = [[0; 4]; 2];
        self.auto_base_hz = 0.0;
        self.auto_level_db = f32::NEG_INFINITY;
        self.heard = false;
    }

    /// Starts a new analysis from a clean state. Realtime-safe.
    pub fn start(&mut self) {
        for c in self.chains.iter_mut() {
            for u in c.units() {
                u.reset();
            }
        }
        self.clear();
        self.running = true;
    }

    /// Ends the analysis; the findings stay readable.
    pub fn stop(&mut self) {
        self.running = false;
    }

    /// Whether an analysis is running (it stops itself after [`MAX_ANALYSIS_S`]).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Seconds analysed so far.
    pub fn seconds(&self) -> f32 {
        self.frames as f32 / self.sample_rate_hz
    }

    /// Feeds one block of input (1 or 2 channels, any length; the samples are only read).
    /// Does nothing unless running; digital silence before the first sound is skipped.
    /// Realtime-safe.
    pub fn feed(&mut self, audio: &[&[f32]]) {
        if !self.running || audio.is_empty() {
            return;
        }
        let nc = audio.len().min(CHANNELS);
        self.channels = self.channels.max(nc);
        let len = audio[..nc].iter().map(|c| c.len()).min().unwrap_or(0);
        let limit = (MAX_ANALYSIS_S * self.sample_rate_hz) as u64;
        let settle = (HUM_SETTLE_S * self.sample_rate_hz) as u64;
        let mut start = 0;
        if !self.heard {
            // Leading digital silence (a transport before the music, a file's lead-in) would
            // dilute every rate and fill the time limit with nothing.
            let sound =
                (0..len).find(|&i| audio[..nc].iter().any(|c| c[i] != 0.0 && c[i].is_finite()));
            match sound {
                Some(i) => {
                    self.heard = true;
                    start = i;
                }
                None => return,
            }
        }
        while start < len && self.frames < limit {
            let n = (len - start).min(CHUNK).min((limit - self.frames) as usize);
            let mut hum_now = [false; 3];
            let mut alone_now = [0u8; 2];
            for (c, chain) in self.chains.iter_mut().enumerate().take(nc) {
                let x = &mut self.scratch[..n];
                for (y, &v) in x.iter_mut().zip(&audio[c][start..start + n]) {
                    // The engine's runner hands its units sanitised input; so does this.
                    let v = if v.is_finite() { v } else { 0.0 };
                    *y = v;
                    self.energy += (v as f64) * (v as f64);
                }
                chain.process(x);
                if chain.dehum.hum_present() {
                    hum_now[0] = true;
                    self.auto_base_hz = chain.dehum.base_hz();
                    self.auto_level_db = chain.dehum.hum_level_db();
                }
                hum_now[1] |= chain.hum_fixed[0].hum_present();
                hum_now[2] |= chain.hum_fixed[1].hum_present();
                for (m, d) in alone_now.iter_mut().zip(&chain.hum_fixed) {
                    *m |= d.harmonics_alone();
                }
                self.plosive_peak_db = self
                    .plosive_peak_db
                    .max(chain.deplosive.gain_reduction_db());
            }
            self.frames += n as u64;
            if self.frames > settle {
                self.hum_chunks += 1;
                for (count, now) in self.hum_present_chunks.iter_mut().zip(hum_now) {
                    *count += now as u64;
                }
                for (counts, mask) in self.alone_chunks.iter_mut().zip(alone_now) {
                    for (h, c) in counts.iter_mut().enumerate() {
                        *c += ((mask >> h) & 1) as u64;
                    }
                }
            }
            start += n;
        }
        if self.frames >= limit {
            self.running = false;
        }
    }

    /// What was found so far.
    pub fn findings(&self) -> Findings {
        let mut f = Findings {
            seconds: self.seconds(),
            ..Findings::default()
        };
        if self.frames == 0 {
            return f;
        }
        let nc = self.channels;
        let samples = (self.frames * nc as u64) as f64;
        let ms = self.energy / samples;
        f.programme_rms_db = if ms > 0.0 {
            (10.0 * ms.log10()) as f32
        } else {
            f32::NEG_INFINITY
        };
        let per_channel = |total: u64| total as f32 / nc as f32;
        let chains = &self.chains[..nc];
        let clicks: u64 = chains.iter().map(|c| c.declick.clicks_found()).sum();
        f.clicks_per_s = per_channel(clicks) / f.seconds.max(1e-9);
        let gentle: u64 = chains.iter().map(|c| c.declick_gentle.clicks_found()).sum();
        f.gentle_clicks_per_s = per_channel(gentle) / f.seconds.max(1e-9);
        let rebuilt: u64 = chains.iter().map(|c| c.declip.samples_rebuilt()).sum();
        f.clipped_share = (rebuilt as f64 / samples) as f32;
        f.clip_level_db = chains
            .iter()
            .map(|c| c.declip.clip_level_found_db())
            .fold(f32::NEG_INFINITY, f32::max);
        let plosives: u64 = chains
            .iter()
            .map(|c| c.deplosive.events_found() - c.plosives_before)
            .sum();
        f.plosive_peak_db = self.plosive_peak_db;
        f.plosives_per_min = per_channel(plosives) / (f.seconds / 60.0).max(1e-9);
        if self.hum_chunks > 0 {
            let share = |k: usize| self.hum_present_chunks[k] as f32 / self.hum_chunks as f32;
            f.hum_present_share = share(0);
            f.hum50_share = share(1);
            f.hum60_share = share(2);
        }
        if self.hum_present_chunks[0] > 0 {
            f.hum_base_hz = self.auto_base_hz;
            f.hum_level_db = self.auto_level_db;
        }
        // The harmonics standing out, of the base the proposal will take.
        if let Some(base) = hum_base(&f) {
            let b = if base == HumBase::Hz50 { 0 } else { 1 };
            for (h, &c) in self.alone_chunks[b].iter().enumerate() {
                if c as f32 >= HUM_PRESENT_ON * self.hum_chunks as f32 {
                    f.hum_lines |= 1 << h;
                }
            }
        }
        let noise_power: f64 = chains
            .iter()
            .map(|c| 10f64.powf(c.denoise.noise_floor_db() as f64 / 10.0))
            .sum::<f64>()
            / nc as f64;
        // The de-noise reads −200 dBFS before it has an estimate: none.
        if noise_power > 1e-19 && noise_power.is_finite() {
            f.noise_floor_db = (10.0 * noise_power.log10()) as f32;
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_decide_each_module_alone() {
        let quiet = Findings {
            seconds: 20.0,
            programme_rms_db: -20.0,
            noise_floor_db: -80.0,
            ..Findings::default()
        };
        assert!(propose(&quiet).is_empty());
        let p = propose(&Findings {
            clicks_per_s: CLICKS_PER_S_ON,
            ..quiet
        });
        assert!(p.declick.is_some() && p.declip.is_none() && p.denoise.is_none());
        let p = propose(&Findings {
            clipped_share: CLIPPED_SHARE_ON,
            clip_level_db: -3.0,
            ..quiet
        });
        assert!(p.declip.is_some() && p.declick.is_none());
        let p = propose(&Findings {
            hum_present_share: 0.9,
            hum_base_hz: 60.1,
            hum_level_db: -50.0,
            ..quiet
        });
        assert_eq!(p.dehum.map(|d| d.base), Some(HumBase::Hz60));
        let p = propose(&Findings {
            noise_floor_db: -20.0 + NOISE_BELOW_PROGRAMME_ON_DB + 1.0,
            ..quiet
        });
        assert!(p.denoise.is_some() && p.dehum.is_none());
        let p = propose(&Findings {
            plosives_per_min: 10.0,
            ..quiet
        });
        assert!(p.deplosive.is_some());
        assert_eq!(explain(&quiet, &propose(&quiet)).len(), 5);
    }

    #[test]
    fn silence_and_garbage_find_nothing_and_stop_at_the_limit() {
        let mut a = Analyser::new();
        a.prepare(44_100.0);
        a.start();
        let silence = vec![0.0f32; 4410];
        let nan = vec![f32::NAN; 4410];
        // Leading silence and garbage are not analysed.
        for b in [&silence, &nan] {
            a.feed(&[b, b]);
        }
        assert_eq!(a.seconds(), 0.0);
        assert!(a.is_running());
        // A faint tone (−83 dBFS RMS, nothing to repair): 400 blocks of 0.1 s, stopped at
        // 30 s. (Garbage inside the sound is sanitised to zeros, a real discontinuity the
        // de-click rightly counts, so it is not mixed in here.)
        let tone: Vec<f32> = (0..4410)
            .map(|i| 1e-4 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 44_100.0).sin())
            .collect();
        for _ in 0..400 {
            a.feed(&[&tone, &tone]);
        }
        assert!(!a.is_running());
        assert!(
            (a.seconds() - MAX_ANALYSIS_S).abs() < 0.01,
            "{}",
            a.seconds()
        );
        let f = a.findings();
        assert!(propose(&f).is_empty(), "{f:?}");
        assert!((f.programme_rms_db + 83.0).abs() < 0.5, "{f:?}");
    }
}
