//! The assistant's proposal as parameter values: what **Apply** in the editor sets through
//! the host (one undoable gesture) and what `lathe process repair --assist` sets before
//! processing. The analysis itself is `shared_dsp::repair::assist`; the engine runs it on the
//! audio thread while the editor's **Analyse** is on.

use atomic_float::AtomicF32;
use nice_plug::prelude::*;
use shared_dsp::repair::assist::{Findings, Proposal};
use shared_dsp::repair::dehum::HumBase;
use shared_plugin::presets::PresetValue;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::params::{HumBaseParam, NoiseModeParam, RepairParams};
use shared_dsp::repair::denoise::NoiseMode;

/// Every module's on/off and the settings of the ones proposed, as normalised parameter values
/// (modules not proposed are switched off, so the result is the proposal and nothing else).
/// Left as they are: the de-noise's FFT size and overlap (they change the latency, and a
/// CLAP host would have to restart the plugin), the de-clip's output gain, mix and output.
pub fn proposal_values(params: &RepairParams, p: &Proposal) -> Vec<PresetValue> {
    let mut out: Vec<(ParamPtr, f32)> = Vec::with_capacity(16);
    let mut set_bool = |param: &BoolParam, on: bool| {
        out.push((param.as_ptr(), param.preview_normalized(on)));
    };
    set_bool(&params.declip_on, p.declip.is_some());
    set_bool(&params.declick_on, p.declick.is_some());
    set_bool(&params.deplosive_on, p.deplosive.is_some());
    set_bool(&params.dehum_on, p.dehum.is_some());
    set_bool(&params.denoise_on, p.denoise.is_some());
    let float = |param: &FloatParam, v: f32| (param.as_ptr(), param.preview_normalized(v));
    if let Some(s) = p.declip {
        out.push((
            params.declip_auto.as_ptr(),
            params.declip_auto.preview_normalized(s.auto_level),
        ));
        out.push(float(&params.declip_level_db, s.clip_level_db));
    }
    if let Some(s) = p.declick {
        out.push(float(&params.declick_sensitivity, s.sensitivity / 100.0));
        out.push(float(&params.declick_max_ms, s.max_event_ms));
    }
    if let Some(s) = p.deplosive {
        out.push(float(&params.deplosive_sensitivity, s.sensitivity / 100.0));
        out.push(float(&params.deplosive_freq_hz, s.freq_limit_hz));
        out.push(float(&params.deplosive_strength_db, s.strength_db));
    }
    if let Some(s) = p.dehum {
        let base = match s.base {
            HumBase::Auto => HumBaseParam::Auto,
            HumBase::Hz50 => HumBaseParam::Hz50,
            HumBase::Hz60 => HumBaseParam::Hz60,
        };
        out.push((
            params.dehum_base.as_ptr(),
            params.dehum_base.preview_normalized(base),
        ));
        out.push((
            params.dehum_harmonics.as_ptr(),
            params
                .dehum_harmonics
                .preview_normalized(s.num_harmonics as i32),
        ));
        out.push((
            params.dehum_track_drift.as_ptr(),
            params.dehum_track_drift.preview_normalized(s.track_drift),
        ));
    }
    if let Some(s) = p.denoise {
        out.push(float(&params.denoise_reduction_db, s.reduction_db));
        out.push(float(&params.denoise_smoothing, s.smoothing));
        // The de-noise analysed was the adaptive one, not learning.
        let mode = match s.mode {
            NoiseMode::Adaptive => NoiseModeParam::Adaptive,
            NoiseMode::Profile => NoiseModeParam::Profile,
        };
        out.push((
            params.denoise_mode.as_ptr(),
            params.denoise_mode.preview_normalized(mode),
        ));
        out.push((
            params.denoise_learn.as_ptr(),
            params.denoise_learn.preview_normalized(s.learn),
        ));
        out.push((
            params.denoise_keep_transients.as_ptr(),
            params
                .denoise_keep_transients
                .preview_normalized(s.keep_transients),
        ));
    }
    let map = params.param_map();
    out.into_iter()
        .filter_map(|(ptr, normalized)| {
            map.iter()
                .find(|(_, p, _)| *p == ptr)
                .map(|(id, _, _)| PresetValue {
                    id: id.clone(),
                    param: ptr,
                    normalized,
                })
        })
        .collect()
}

/// Sets the proposal directly on the parameters, with no host (the command line and tests).
pub fn apply_without_host(params: &RepairParams, p: &Proposal) {
    for v in proposal_values(params, p) {
        // SAFETY: the pointer comes from `params`, which the caller owns and which outlives
        // this call; no host or audio thread reads them concurrently.
        unsafe {
            v.param._internal_set_normalized_value(v.normalized);
        }
    }
}

/// The editor's request to the audio thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum AssistCommand {
    /// Nothing new.
    None = 0,
    /// Start a new analysis.
    Start = 1,
    /// Stop the running analysis (findings so far stay).
    Stop = 2,
}

/// Where the analysis stands, as the audio thread last published it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum AssistState {
    /// No analysis yet since the plugin was created.
    Idle = 0,
    /// Listening.
    Running = 1,
    /// Finished (stopped or at its time limit); the findings are final.
    Done = 2,
}

/// The assistant's exchange between editor and audio thread: relaxed atomics, no locks.
pub struct AssistShared {
    command: AtomicU8,
    state: AtomicU8,
    /// Seconds analysed.
    pub seconds: AtomicF32,
    /// [`Findings::programme_rms_db`].
    pub programme_rms_db: AtomicF32,
    /// [`Findings::clicks_per_s`].
    pub clicks_per_s: AtomicF32,
    /// [`Findings::gentle_clicks_per_s`].
    pub gentle_clicks_per_s: AtomicF32,
    /// [`Findings::clip_level_db`].
    pub clip_level_db: AtomicF32,
    /// [`Findings::clipped_share`].
    pub clipped_share: AtomicF32,
    /// [`Findings::plosives_per_min`].
    pub plosives_per_min: AtomicF32,
    /// [`Findings::hum_base_hz`].
    pub hum_base_hz: AtomicF32,
    /// [`Findings::hum_level_db`].
    pub hum_level_db: AtomicF32,
    /// [`Findings::hum_present_share`].
    pub hum_present_share: AtomicF32,
    /// [`Findings::hum50_share`].
    pub hum50_share: AtomicF32,
    /// [`Findings::hum60_share`].
    pub hum60_share: AtomicF32,
    /// [`Findings::hum_lines`].
    pub hum_lines: std::sync::atomic::AtomicU32,
    /// [`Findings::plosive_peak_db`].
    pub plosive_peak_db: AtomicF32,
    /// [`Findings::noise_floor_db`].
    pub noise_floor_db: AtomicF32,
}

impl Default for AssistShared {
    fn default() -> Self {
        let f = Findings::default();
        Self {
            command: AtomicU8::new(AssistCommand::None as u8),
            state: AtomicU8::new(AssistState::Idle as u8),
            seconds: AtomicF32::new(f.seconds),
            programme_rms_db: AtomicF32::new(f.programme_rms_db),
            clicks_per_s: AtomicF32::new(f.clicks_per_s),
            gentle_clicks_per_s: AtomicF32::new(f.gentle_clicks_per_s),
            clip_level_db: AtomicF32::new(f.clip_level_db),
            clipped_share: AtomicF32::new(f.clipped_share),
            plosives_per_min: AtomicF32::new(f.plosives_per_min),
            hum_base_hz: AtomicF32::new(f.hum_base_hz),
            hum_level_db: AtomicF32::new(f.hum_level_db),
            hum_present_share: AtomicF32::new(f.hum_present_share),
            hum50_share: AtomicF32::new(f.hum50_share),
            hum60_share: AtomicF32::new(f.hum60_share),
            hum_lines: std::sync::atomic::AtomicU32::new(f.hum_lines),
            plosive_peak_db: AtomicF32::new(f.plosive_peak_db),
            noise_floor_db: AtomicF32::new(f.noise_floor_db),
        }
    }
}

impl AssistShared {
    /// Asks the audio thread to start or stop (editor). A start shows as running with nothing
    /// found at once, so the previous findings cannot be applied while the audio thread has not
    /// yet taken the request (a host that is not playing never does).
    pub fn request(&self, c: AssistCommand) {
        if c == AssistCommand::Start {
            self.publish(AssistState::Running, &Findings::default());
        }
        self.command.store(c as u8, Ordering::Relaxed);
    }

    /// Takes the pending request (audio thread).
    pub fn take_request(&self) -> AssistCommand {
        match self
            .command
            .swap(AssistCommand::None as u8, Ordering::Relaxed)
        {
            1 => AssistCommand::Start,
            2 => AssistCommand::Stop,
            _ => AssistCommand::None,
        }
    }

    /// The state last published.
    pub fn state(&self) -> AssistState {
        match self.state.load(Ordering::Relaxed) {
            1 => AssistState::Running,
            2 => AssistState::Done,
            _ => AssistState::Idle,
        }
    }

    /// Publishes the state and findings (audio thread).
    pub fn publish(&self, state: AssistState, f: &Findings) {
        let st = |a: &AtomicF32, v: f32| a.store(v, Ordering::Relaxed);
        st(&self.seconds, f.seconds);
        st(&self.programme_rms_db, f.programme_rms_db);
        st(&self.clicks_per_s, f.clicks_per_s);
        st(&self.gentle_clicks_per_s, f.gentle_clicks_per_s);
        st(&self.clip_level_db, f.clip_level_db);
        st(&self.clipped_share, f.clipped_share);
        st(&self.plosives_per_min, f.plosives_per_min);
        st(&self.hum_base_hz, f.hum_base_hz);
        st(&self.hum_level_db, f.hum_level_db);
        st(&self.hum_present_share, f.hum_present_share);
        st(&self.hum50_share, f.hum50_share);
        st(&self.hum60_share, f.hum60_share);
        st(&self.plosive_peak_db, f.plosive_peak_db);
        self.hum_lines.store(f.hum_lines, Ordering::Relaxed);
        st(&self.noise_floor_db, f.noise_floor_db);
        self.state.store(state as u8, Ordering::Relaxed);
    }

    /// The findings last published (editor).
    pub fn findings(&self) -> Findings {
        let ld = |a: &AtomicF32| a.load(Ordering::Relaxed);
        Findings {
            seconds: ld(&self.seconds),
            programme_rms_db: ld(&self.programme_rms_db),
            clicks_per_s: ld(&self.clicks_per_s),
            gentle_clicks_per_s: ld(&self.gentle_clicks_per_s),
            clip_level_db: ld(&self.clip_level_db),
            clipped_share: ld(&self.clipped_share),
            plosives_per_min: ld(&self.plosives_per_min),
            hum_base_hz: ld(&self.hum_base_hz),
            hum_level_db: ld(&self.hum_level_db),
            hum_present_share: ld(&self.hum_present_share),
            hum50_share: ld(&self.hum50_share),
            hum60_share: ld(&self.hum60_share),
            hum_lines: self.hum_lines.load(Ordering::Relaxed),
            plosive_peak_db: ld(&self.plosive_peak_db),
            noise_floor_db: ld(&self.noise_floor_db),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::repair::assist::propose;
    use std::sync::Arc;

    #[test]
    fn a_proposal_reaches_the_parameters_and_switches_the_rest_off() {
        let params = RepairParams::default();
        // Something on that the proposal does not want.
        apply_without_host(
            &params,
            &Proposal {
                declick: Some(Default::default()),
                ..Proposal::default()
            },
        );
        assert!(params.declick_on.value());
        let f = Findings {
            seconds: 20.0,
            programme_rms_db: -20.0,
            hum_present_share: 1.0,
            hum_base_hz: 60.02,
            hum_level_db: -45.0,
            noise_floor_db: -90.0,
            ..Findings::default()
        };
        let p = propose(&f);
        apply_without_host(&params, &p);
        let s = params.settings();
        assert!(s.dehum_on && !s.declick_on && !s.declip_on && !s.denoise_on && !s.deplosive_on);
        assert_eq!(s.dehum.base, HumBase::Hz60);
        assert_eq!(s.dehum, p.dehum.unwrap());
        // Every value has its parameter's ID.
        for v in proposal_values(&params, &p) {
            assert!(!v.id.is_empty());
        }
        // A de-noise left learning on a learned profile becomes the adaptive one analysed.
        shared_gui::testing::set_plain(&params, "dns_learn", 1.0);
        shared_gui::testing::set_plain(&params, "dns_mode", 1.0);
        assert!(params.settings().denoise.learn);
        let p = propose(&Findings {
            noise_floor_db: -30.0,
            ..f
        });
        apply_without_host(&params, &p);
        let s = params.settings();
        assert!(s.denoise_on && !s.denoise.learn);
        assert_eq!(s.denoise.mode, NoiseMode::Adaptive);
    }

    #[test]
    fn apply_reaches_the_host_as_gestures_and_undoes_in_one_step() {
        use shared_plugin::session::{GroupedChange, HistoriesField, Recorder};
        use shared_plugin::testing::{FakeHost, HostEvent};
        let params = Arc::new(RepairParams::default());
        let host = FakeHost::new(params.clone(), false);
        let rec = Recorder::new(
            nice_plug::context::gui::GuiContext::new(host.clone()),
            params.clone(),
            params.common.session.clone(),
            HistoriesField::default(),
        );
        let p = Proposal {
            declick: Some(shared_dsp::repair::declick::DeclickSettings {
                sensitivity: 30.0,
                max_event_ms: 2.0,
            }),
            dehum: Some(shared_dsp::repair::dehum::DehumSettings {
                base: HumBase::Hz50,
                num_harmonics: 1,
                track_drift: true,
            }),
            ..Proposal::default()
        };
        rec.apply_group(&GroupedChange {
            label: "assistant".to_string(),
            values: proposal_values(&params, &p),
        })
        .unwrap();
        let s = params.settings();
        assert!(s.declick_on && s.dehum_on && !s.denoise_on);
        assert!((s.declick.sensitivity - 30.0).abs() < 1e-3);
        assert_eq!((s.dehum.base, s.dehum.num_harmonics), (HumBase::Hz50, 1));
        // Every change is a begin/set/end gesture of its own parameter.
        let events = host.events();
        assert!(
            !events.is_empty() && events.len().is_multiple_of(3),
            "{events:?}"
        );
        for chunk in events.chunks(3) {
            let HostEvent::Begin(id) = &chunk[0] else {
                panic!("{chunk:?}")
            };
            assert!(matches!(&chunk[1], HostEvent::Set(i, _) if i == id));
            assert_eq!(chunk[2], HostEvent::End(id.clone()));
        }
        // One undo takes all of it back.
        assert_eq!(rec.history().undo_label(), Some("assistant"));
        rec.undo().unwrap();
        let s = params.settings();
        assert!(!s.declick_on && !s.dehum_on);
        assert!((s.declick.sensitivity - 50.0).abs() < 1e-3);
        assert_eq!(s.dehum.base, HumBase::Auto);
    }

    #[test]
    fn findings_cross_the_atomics_unchanged() {
        let shared = AssistShared::default();
        assert_eq!(shared.state(), AssistState::Idle);
        assert_eq!(shared.take_request(), AssistCommand::None);
        shared.request(AssistCommand::Start);
        assert_eq!(shared.take_request(), AssistCommand::Start);
        assert_eq!(shared.take_request(), AssistCommand::None);
        let f = Findings {
            seconds: 12.5,
            programme_rms_db: -18.0,
            clicks_per_s: 2.0,
            gentle_clicks_per_s: 1.5,
            clip_level_db: -1.0,
            clipped_share: 0.01,
            plosives_per_min: 4.0,
            hum_base_hz: 50.0,
            hum_level_db: -40.0,
            hum_present_share: 0.8,
            hum50_share: 0.9,
            hum60_share: 0.1,
            hum_lines: 0b101,
            plosive_peak_db: 12.0,
            noise_floor_db: -60.0,
        };
        shared.publish(AssistState::Done, &f);
        assert_eq!(shared.findings(), f);
        assert_eq!(shared.state(), AssistState::Done);
    }
}
