//! The spectral repair engine: a plain struct with `prepare / reset / process_block`, testable
//! without a host. Signal flow per channel:
//!
//! ```text
//! in → de-clip (→ its output gain) → de-click → de-plosive → de-hum → de-noise → processed
//! in → delayed by the total latency → dry
//! out = dry + mix·(processed − dry)          (Output: Processed)
//! out = dry − (dry + mix·(processed − dry))  (Output: Residual: only what was removed)
//! out ·= output gain
//! ```
//!
//! Each module sits in a [`Slot`]: its own delay line carries the signal past it while it is
//! off, so the total latency is the same whichever modules are on (it changes only with the
//! de-noise's FFT size and overlap). Switching a module on resets it, lets it fill its
//! latency while still inaudible, then crossfades it in over [`SWITCH_FADE_MS`]; switching it
//! off crossfades it out and stops running it. The runner (`shared_dsp::runner`) around the
//! engine chunks host blocks, sanitises input, crossfades the bypass and keeps the latency
//! while bypassed.

use shared_dsp::crossfade::Crossfade;
use shared_dsp::db::MINUS_INFINITY_DB;
use shared_dsp::delay::DelayLine;
use shared_dsp::range::Range;
use shared_dsp::repair::assist::{Analyser, Findings};
use shared_dsp::repair::declick::{Declick, DeclickSettings};
use shared_dsp::repair::declip::{Declip, DeclipSettings};
use shared_dsp::repair::dehum::{Dehum, DehumSettings};
use shared_dsp::repair::denoise::{Denoise, DenoiseSettings, PROFILE_POINTS};
use shared_dsp::repair::deplosive::{Deplosive, DeplosiveSettings};
use shared_dsp::repair::RepairUnit;
use shared_dsp::runner::{ChunkEngine, Engine, EngineCore, Runner, MAX_CHANNELS, MAX_CHUNK};
use shared_dsp::smoothing::{Smoother, SmoothingStyle};
use shared_plugin::meters::{BlockReadings, SpectrumTaps};
use std::sync::Arc;

/// Crossfade time when a module is switched on or off, or the output mode changes, ms.
pub const SWITCH_FADE_MS: f32 = 10.0;
/// Ramp time of mix and gain changes, ms.
pub const GAIN_RAMP_MS: f32 = 15.0;
/// Upper bound of the de-noise latency at any FFT size and overlap, samples (its STFT's
/// latency is the FFT size − 1).
pub const MAX_DENOISE_LATENCY: usize = shared_dsp::stft::MAX_FFT_SIZE;

/// What the output carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// The repaired signal.
    Processed,
    /// Only what was removed (delayed input minus the output it would have had).
    Residual,
}

/// Every setting of spectral repair in plain units (the host wrapper copies its parameters
/// here).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RepairSettings {
    /// De-clip on.
    pub declip_on: bool,
    /// De-clip settings.
    pub declip: DeclipSettings,
    /// Linear gain after the de-clip (applied while it is on), ≤ 1.
    pub declip_gain: f32,
    /// De-click on.
    pub declick_on: bool,
    /// De-click settings.
    pub declick: DeclickSettings,
    /// De-plosive on.
    pub deplosive_on: bool,
    /// De-plosive settings.
    pub deplosive: DeplosiveSettings,
    /// De-hum on.
    pub dehum_on: bool,
    /// De-hum settings.
    pub dehum: DehumSettings,
    /// De-noise on.
    pub denoise_on: bool,
    /// De-noise settings.
    pub denoise: DenoiseSettings,
    /// Processed or residual.
    pub output: OutputMode,
    /// Wet/dry mix, 0–1.
    pub mix: f32,
    /// Output gain, linear (last in the chain).
    pub output_gain: f32,
    /// Bypass (the runner crossfades to the delayed input).
    pub bypass: bool,
}

impl Default for RepairSettings {
    fn default() -> Self {
        Self {
            declip_on: false,
            declip: DeclipSettings::default(),
            declip_gain: 1.0,
            declick_on: false,
            declick: DeclickSettings::default(),
            deplosive_on: false,
            deplosive: DeplosiveSettings::default(),
            dehum_on: false,
            dehum: DehumSettings::default(),
            denoise_on: false,
            denoise: DenoiseSettings::default(),
            output: OutputMode::Processed,
            mix: 1.0,
            output_gain: 1.0,
            bypass: false,
        }
    }
}

/// Mix, 0–1 (the parameter's range, and what [`sanitize_settings`] clamps to).
pub const MIX: Range = Range::new(0.0, 1.0, 1.0);
/// Output gain, dB (carried as a linear gain).
pub const OUTPUT_GAIN_DB: Range = Range::new(-24.0, 24.0, 0.0);
/// De-clip's output gain, dB (carried as a linear gain): its reconstruction may exceed the
/// clipped level.
pub const DECLIP_GAIN_DB: Range = Range::new(-12.0, 0.0, 0.0);

/// Clamps the engine-level settings to their parameters' ranges and replaces non-finite
/// values by defaults, so a corrupt preset or a host sending garbage cannot destabilise the
/// engine (the units clamp their own, to the ranges they publish).
pub fn sanitize_settings(s: &RepairSettings) -> RepairSettings {
    let mut o = *s;
    o.mix = MIX.clamp(s.mix);
    o.output_gain = OUTPUT_GAIN_DB.clamp_gain(s.output_gain);
    o.declip_gain = DECLIP_GAIN_DB.clamp_gain(s.declip_gain);
    o
}

/// One module and what carries the signal past it: a stereo pair of units, delay lines of the
/// unit's latency for the dry signal, and the on/off crossfade.
pub struct Slot<U> {
    units: [U; MAX_CHANNELS],
    dry: [DelayLine; MAX_CHANNELS],
    fade: Crossfade,
    /// Samples the unit still needs to fill its latency before it may be heard.
    priming: usize,
    enabled: bool,
    wet: [[f32; MAX_CHUNK]; MAX_CHANNELS],
}

impl<U: RepairUnit> Slot<U> {
    fn new(units: [U; MAX_CHANNELS]) -> Self {
        Self {
            units,
            dry: [DelayLine::new(0), DelayLine::new(0)],
            fade: Crossfade::new(SWITCH_FADE_MS),
            priming: 0,
            enabled: false,
            wet: [[0.0; MAX_CHUNK]; MAX_CHANNELS],
        }
    }

    /// Sets the rate; allocates the delay lines for `max_latency` samples (called from the
    /// host's activate, never on the audio thread).
    fn prepare(&mut self, sample_rate_hz: f32, max_latency: usize) {
        for u in self.units.iter_mut() {
            u.prepare(sample_rate_hz);
        }
        self.dry = [DelayLine::new(max_latency), DelayLine::new(max_latency)];
        self.fade.prepare(sample_rate_hz);
        self.reset();
    }

    fn reset(&mut self) {
        for u in self.units.iter_mut() {
            u.reset();
        }
        let latency = self.latency_samples();
        for d in self.dry.iter_mut() {
            d.set_delay_samples(latency);
            d.reset();
        }
        // A reset ends every fade: the slot is simply on or off.
        self.fade.jump(self.enabled);
        self.priming = 0;
    }

    fn latency_samples(&self) -> usize {
        self.units[0].latency_samples()
    }

    /// Whether the unit runs (on, or fading out).
    fn is_running(&self) -> bool {
        self.enabled || self.fade.position() > 0.0 || self.fade.is_fading()
    }

    fn set_enabled(&mut self, on: bool) {
        if on == self.enabled {
            return;
        }
        if on {
            if self.fade.position() > 0.0 {
                // Still audible from a moment ago: fade straight back in.
                self.fade.set_target(true);
            } else {
                for u in self.units.iter_mut() {
                    u.reset();
                }
                self.priming = self.latency_samples();
                if self.priming == 0 {
                    self.fade.set_target(true);
                }
            }
        } else {
            self.priming = 0;
            self.fade.set_target(false);
        }
        self.enabled = on;
    }

    /// Follows a latency change of the unit (de-noise FFT size).
    fn sync_latency(&mut self) {
        let latency = self.latency_samples();
        for d in self.dry.iter_mut() {
            if d.latency_samples() as usize != latency {
                d.set_delay_samples(latency);
                d.reset();
            }
        }
    }

    fn process(&mut self, audio: &mut [&mut [f32]]) {
        let nc = audio.len().min(MAX_CHANNELS);
        let n = audio[0].len().min(MAX_CHUNK);
        if !self.is_running() {
            for (ch, d) in audio.iter_mut().zip(self.dry.iter_mut()).take(nc) {
                d.process_block(&mut ch[..n]);
            }
            return;
        }
        for (((ch, d), u), w) in audio
            .iter_mut()
            .zip(self.dry.iter_mut())
            .zip(self.units.iter_mut())
            .zip(self.wet.iter_mut())
            .take(nc)
        {
            w[..n].copy_from_slice(&ch[..n]);
            u.process(&mut w[..n]);
            d.process_block(&mut ch[..n]);
        }
        if self.enabled && self.priming > 0 {
            self.priming = self.priming.saturating_sub(n);
            if self.priming == 0 {
                self.fade.set_target(true);
            }
        }
        // Fully off (still priming), the dry signal stays; fully on, the wet replaces it.
        self.fade.mix_into_a(&mut audio[..nc], &self.wet);
    }
}

/// Activity of the modules over the last block, for meters and tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RepairActivity {
    /// Clicks repaired since the last reset (both channels).
    pub clicks_total: u64,
    /// Samples the de-clip rebuilt since the last reset (both channels).
    pub declipped_total: u64,
    /// Clipping level the de-clip found, dBFS (−∞ as [`MINUS_INFINITY_DB`] when none).
    pub clip_level_db: f32,
    /// Plosives found since the last reset (both channels).
    pub plosives_total: u64,
    /// Current attenuation of the plosive band, dB (≥ 0).
    pub plosive_reduction_db: f32,
    /// Hum the de-hum is removing, dBFS RMS.
    pub hum_level_db: f32,
    /// Mains frequency the de-hum follows, Hz.
    pub hum_base_hz: f32,
    /// Noise floor the de-noise estimates, dBFS.
    pub noise_floor_db: f32,
    /// Current average noise reduction, dB (≥ 0).
    pub noise_reduction_db: f32,
    /// Whether a learned noise profile is loaded.
    pub has_noise_profile: bool,
}

impl Default for RepairActivity {
    fn default() -> Self {
        Self {
            clicks_total: 0,
            declipped_total: 0,
            clip_level_db: MINUS_INFINITY_DB,
            plosives_total: 0,
            plosive_reduction_db: 0.0,
            hum_level_db: MINUS_INFINITY_DB,
            hum_base_hz: 0.0,
            noise_floor_db: MINUS_INFINITY_DB,
            noise_reduction_db: 0.0,
            has_noise_profile: false,
        }
    }
}

/// The DSP between the runner's sanitising and its bypass (see the module docs).
pub struct RepairCore {
    sample_rate_hz: f32,
    settings: RepairSettings,
    declip: Slot<Declip>,
    declick: Slot<Declick>,
    deplosive: Slot<Deplosive>,
    dehum: Slot<Dehum>,
    denoise: Slot<Denoise>,
    declip_gain: Smoother,
    dry: [DelayLine; MAX_CHANNELS],
    mix: Smoother,
    residual: Smoother,
    output_gain: Smoother,
    taps: Option<Arc<SpectrumTaps>>,
    /// The de-noise profile generations last seen per channel.
    profile_generation: [u64; MAX_CHANNELS],
    /// The mean of the channels' newly learned profiles, waiting for the plugin to save it.
    new_profile: Vec<f32>,
    new_profile_ready: bool,
    /// The assistant's analysis, fed the input while it runs.
    analyser: Analyser,
    /// Meter readings and module activity of the last host block.
    readings: BlockReadings,
    last_activity: RepairActivity,
    /// Input samples the runner skipped as leading silence since its reset.
    silent_lead: u64,
}

impl RepairCore {
    fn new_core() -> Self {
        let lin = |ms, v| Smoother::new(SmoothingStyle::Linear(ms), v);
        Self {
            sample_rate_hz: 48_000.0,
            settings: RepairSettings::default(),
            declip: Slot::new([Declip::new(), Declip::new()]),
            declick: Slot::new([Declick::new(), Declick::new()]),
            deplosive: Slot::new([Deplosive::new(), Deplosive::new()]),
            dehum: Slot::new([Dehum::new(), Dehum::new()]),
            denoise: Slot::new([Denoise::new(), Denoise::new()]),
            declip_gain: lin(GAIN_RAMP_MS, 1.0),
            dry: [DelayLine::new(0), DelayLine::new(0)],
            mix: lin(GAIN_RAMP_MS, 1.0),
            residual: lin(SWITCH_FADE_MS, 0.0),
            output_gain: lin(GAIN_RAMP_MS, 1.0),
            taps: None,
            profile_generation: [0; MAX_CHANNELS],
            new_profile: vec![0.0; PROFILE_POINTS],
            new_profile_ready: false,
            analyser: Analyser::new(),
            readings: BlockReadings::default(),
            last_activity: RepairActivity::default(),
            silent_lead: 0,
        }
    }

    /// Latency of every module but the de-noise.
    fn fixed_latency(&self) -> usize {
        self.declip.latency_samples()
            + self.declick.latency_samples()
            + self.deplosive.latency_samples()
            + self.dehum.latency_samples()
    }

    fn prepare_core(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = sample_rate_hz;
        let s = self.settings;
        self.apply_settings(&s);
        // Every unit's latency depends only on the rate (the de-noise's also on its FFT size),
        // so the delay lines are sized here, in the host's activate.
        let sr = sample_rate_hz;
        prepare_slot(&mut self.declip, sr);
        prepare_slot(&mut self.declick, sr);
        prepare_slot(&mut self.deplosive, sr);
        prepare_slot(&mut self.dehum, sr);
        self.denoise.prepare(sr, MAX_DENOISE_LATENCY);
        let max_total = self.fixed_latency() + MAX_DENOISE_LATENCY;
        self.dry = [DelayLine::new(max_total), DelayLine::new(max_total)];
        self.declip_gain.prepare(sr);
        self.mix.prepare(sr);
        self.residual.prepare(sr);
        self.output_gain.prepare(sr);
        self.analyser.prepare(sr);
        self.apply_settings(&s);
        self.reset();
    }

    fn apply_settings(&mut self, s: &RepairSettings) {
        self.settings = *s;
        for u in self.declip.units.iter_mut() {
            u.set_settings(&s.declip);
        }
        for u in self.declick.units.iter_mut() {
            u.set_settings(&s.declick);
        }
        for u in self.deplosive.units.iter_mut() {
            u.set_settings(&s.deplosive);
        }
        for u in self.dehum.units.iter_mut() {
            u.set_settings(&s.dehum);
        }
        for u in self.denoise.units.iter_mut() {
            u.set_settings(&s.denoise);
        }
        self.denoise.sync_latency();
        self.declip.set_enabled(s.declip_on);
        self.declick.set_enabled(s.declick_on);
        self.deplosive.set_enabled(s.deplosive_on);
        self.dehum.set_enabled(s.dehum_on);
        self.denoise.set_enabled(s.denoise_on);
        self.declip_gain
            .set_target(if s.declip_on { s.declip_gain } else { 1.0 });
        self.mix.set_target(s.mix);
        self.output_gain.set_target(s.output_gain);
        self.residual.set_target(match s.output {
            OutputMode::Processed => 0.0,
            OutputMode::Residual => 1.0,
        });
        let total = self.latency_samples() as usize;
        for d in self.dry.iter_mut() {
            if d.latency_samples() as usize != total {
                d.set_delay_samples(total);
                d.reset();
            }
        }
    }

    fn latency_samples(&self) -> u32 {
        (self.fixed_latency() + self.denoise.latency_samples()) as u32
    }

    /// After a chunk: notices a newly learned noise profile, makes both channels use the mean
    /// of what they learned (so a restored session sounds exactly alike) and keeps it for the
    /// plugin to save.
    fn follow_learning(&mut self, nc: usize) {
        let units = &mut self.denoise.units;
        let changed = (0..nc).any(|c| units[c].profile_generation() != self.profile_generation[c]);
        if !changed {
            return;
        }
        let mut tmp = [0.0f32; PROFILE_POINTS];
        self.new_profile.fill(0.0);
        let mut count = 0;
        for u in units.iter().take(nc) {
            if u.copy_profile_into(&mut tmp) {
                for (a, b) in self.new_profile.iter_mut().zip(&tmp) {
                    *a += b;
                }
                count += 1;
            }
        }
        if count > 0 {
            let inv = 1.0 / count as f32;
            for a in self.new_profile.iter_mut() {
                *a *= inv;
            }
            let sr = self.sample_rate_hz;
            for u in units.iter_mut() {
                u.set_profile(&self.new_profile, sr);
            }
            self.new_profile_ready = true;
        }
        for (g, u) in self.profile_generation.iter_mut().zip(units.iter()) {
            *g = u.profile_generation();
        }
    }

    fn compute_activity(&self) -> RepairActivity {
        let mut a = RepairActivity::default();
        for c in 0..MAX_CHANNELS {
            let dcl = &self.declip.units[c];
            a.declipped_total += dcl.samples_rebuilt();
            a.clip_level_db = a.clip_level_db.max(dcl.clip_level_found_db());
            a.clicks_total += self.declick.units[c].clicks_found();
            let dpl = &self.deplosive.units[c];
            a.plosives_total += dpl.events_found();
            a.plosive_reduction_db = a.plosive_reduction_db.max(dpl.gain_reduction_db());
            let dhm = &self.dehum.units[c];
            a.hum_level_db = a.hum_level_db.max(dhm.hum_level_db());
            let dns = &self.denoise.units[c];
            a.noise_floor_db = a.noise_floor_db.max(dns.noise_floor_db());
            a.noise_reduction_db += 0.5 * dns.reduction_now_db();
            a.has_noise_profile |= dns.has_profile();
        }
        a.hum_base_hz = self.dehum.units[0].base_hz();
        if !self.settings.dehum_on {
            a.hum_level_db = MINUS_INFINITY_DB;
        }
        if !self.settings.denoise_on {
            a.noise_reduction_db = 0.0;
        }
        if !self.settings.deplosive_on {
            a.plosive_reduction_db = 0.0;
        }
        a
    }
}

impl ChunkEngine for RepairCore {
    fn process_chunk(&mut self, audio: &mut [&mut [f32]], _key: Option<&[&[f32]]>, _pos: u64) {
        let nc = audio.len().min(MAX_CHANNELS);
        let n = audio[0].len().min(MAX_CHUNK);
        if let Some(t) = self.taps.as_ref().filter(|t| t.is_wanted()) {
            t.input.push_mean(&audio[..nc], n);
        }
        if self.analyser.is_running() {
            let first: &[f32] = &audio[0][..n];
            let second: &[f32] = if nc > 1 { &audio[1][..n] } else { first };
            self.analyser.feed(&[first, second][..nc]);
        }
        // The dry path, delayed by the total latency.
        let mut dry = [[0.0f32; MAX_CHUNK]; MAX_CHANNELS];
        for c in 0..nc {
            dry[c][..n].copy_from_slice(&audio[c][..n]);
            self.dry[c].process_block(&mut dry[c][..n]);
        }

        self.declip.process(audio);
        if self.declip_gain.is_smoothing() || self.declip_gain.current() != 1.0 {
            let mut g = [0.0f32; MAX_CHUNK];
            self.declip_gain.next_block(&mut g[..n]);
            for ch in audio.iter_mut().take(nc) {
                for (y, g) in ch[..n].iter_mut().zip(&g[..n]) {
                    *y *= g;
                }
            }
        }
        self.declick.process(audio);
        self.deplosive.process(audio);
        self.dehum.process(audio);
        self.denoise.process(audio);
        self.follow_learning(nc);

        // Mix and output mode.
        let plain = !self.mix.is_smoothing()
            && self.mix.current() == 1.0
            && !self.residual.is_smoothing()
            && self.residual.current() == 0.0;
        if !plain {
            let mut m = [0.0f32; MAX_CHUNK];
            let mut r = [0.0f32; MAX_CHUNK];
            self.mix.next_block(&mut m[..n]);
            self.residual.next_block(&mut r[..n]);
            for c in 0..nc {
                for i in 0..n {
                    let d = dry[c][i];
                    let mixed = d + m[i] * (audio[c][i] - d);
                    audio[c][i] = mixed + r[i] * (d - 2.0 * mixed);
                }
            }
        }
        if self.output_gain.is_smoothing() || self.output_gain.current() != 1.0 {
            let mut g = [0.0f32; MAX_CHUNK];
            self.output_gain.next_block(&mut g[..n]);
            for ch in audio.iter_mut().take(nc) {
                for (y, g) in ch[..n].iter_mut().zip(&g[..n]) {
                    *y *= g;
                }
            }
        }
        if let Some(t) = self.taps.as_ref().filter(|t| t.is_wanted()) {
            t.output.push_mean(&audio[..nc], n);
        }
    }

    fn latency_samples(&self) -> u32 {
        RepairCore::latency_samples(self)
    }

    fn reset(&mut self) {
        self.declip.reset();
        self.declick.reset();
        self.deplosive.reset();
        self.dehum.reset();
        self.denoise.reset();
        for d in self.dry.iter_mut() {
            d.reset();
        }
        let (g, m, r, o) = (
            self.declip_gain.target(),
            self.mix.target(),
            self.residual.target(),
            self.output_gain.target(),
        );
        self.output_gain.reset(o);
        self.declip_gain.reset(g);
        self.mix.reset(m);
        self.residual.reset(r);
    }
}

/// Prepares a slot whose unit's latency depends on the rate only.
fn prepare_slot<U: RepairUnit>(slot: &mut Slot<U>, sample_rate_hz: f32) {
    slot.units[0].prepare(sample_rate_hz);
    let latency = slot.units[0].latency_samples();
    slot.prepare(sample_rate_hz, latency);
}

/// Spectral repair: [`RepairCore`] behind the shared runner (`shared_dsp::runner::Engine`);
/// the noise profile, the assistant and the module activity are the core's methods.
pub type RepairEngine = Engine<RepairCore>;

impl RepairCore {
    /// The settings in force.
    pub fn settings(&self) -> &RepairSettings {
        &self.settings
    }

    /// Sends the input and output to these taps (the editor's spectrum).
    pub fn set_taps(&mut self, taps: Arc<SpectrumTaps>) {
        self.taps = Some(taps);
    }

    /// Loads a learned noise profile (e.g. from a restored session) into both channels'
    /// de-noise. Realtime-safe.
    pub fn set_noise_profile(&mut self, points: &[f32], learned_at_hz: f32) {
        for u in self.denoise.units.iter_mut() {
            u.set_profile(points, learned_at_hz);
        }
        for c in 0..MAX_CHANNELS {
            self.profile_generation[c] = self.denoise.units[c].profile_generation();
        }
    }

    /// A noise profile learned since the last call (the mean over the channels), to save in
    /// the session, with the rate it was learned at.
    pub fn take_new_noise_profile(&mut self) -> Option<(&[f32], f32)> {
        if !self.new_profile_ready {
            return None;
        }
        self.new_profile_ready = false;
        Some((&self.new_profile, self.sample_rate_hz))
    }

    /// Meter readings of the last host block.
    pub fn readings(&self) -> &BlockReadings {
        &self.readings
    }

    /// Module activity after the last host block.
    pub fn activity(&self) -> &RepairActivity {
        &self.last_activity
    }

    /// Starts the assistant's analysis of the input from now on (it stops by itself after
    /// `shared_dsp::repair::assist::MAX_ANALYSIS_S`). Realtime-safe.
    pub fn start_analysis(&mut self) {
        self.analyser.start();
    }

    /// Stops the analysis; its findings stay readable. Realtime-safe.
    pub fn stop_analysis(&mut self) {
        self.analyser.stop();
    }

    /// Whether the analysis is running.
    pub fn analysis_running(&self) -> bool {
        self.analyser.is_running()
    }

    /// What the analysis found so far. Realtime-safe.
    pub fn findings(&self) -> Findings {
        self.analyser.findings()
    }

    /// The de-click units (tests read the events they found).
    pub fn declick_units_mut(&mut self) -> &mut [Declick; MAX_CHANNELS] {
        &mut self.declick.units
    }

    /// Where a de-click event found at `unit_sample` (its own sample count) lies in the
    /// engine's input since the last reset: the units start at the first sound (the runner
    /// skips leading silence) and see the input through the de-clip's latency.
    pub fn declick_event_input_sample(&self, unit_sample: u64) -> u64 {
        (unit_sample + self.silent_lead).saturating_sub(self.declip.latency_samples() as u64)
    }
}

impl EngineCore for RepairCore {
    type Settings = RepairSettings;

    fn new() -> Self {
        RepairCore::new_core()
    }
    fn max_latency_samples(&self) -> usize {
        self.fixed_latency() + MAX_DENOISE_LATENCY
    }
    fn prepare(&mut self, sample_rate_hz: f32, _num_channels: usize) {
        self.prepare_core(sample_rate_hz);
    }
    fn sanitize(settings: &RepairSettings) -> RepairSettings {
        sanitize_settings(settings)
    }
    fn apply(&mut self, s: &RepairSettings) {
        if *s != self.settings {
            self.apply_settings(s);
        }
    }
    fn bypass(settings: &RepairSettings) -> bool {
        settings.bypass
    }
    fn settings(&self) -> &RepairSettings {
        &self.settings
    }
    fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }
    fn end_block(&mut self, runner: &mut Runner) {
        let levels = runner.levels();
        self.last_activity = self.compute_activity();
        let a = &self.last_activity;
        self.readings = BlockReadings {
            input: levels.input,
            output: levels.output,
            gain_db: [-a.plosive_reduction_db, -a.noise_reduction_db],
            detector_db: a.noise_floor_db,
        };
        self.silent_lead = runner.silent_lead_samples();
    }
}
