//! The Lathe plugins as the command line runs them: each plugin's own parameters, factory
//! presets and engine (`plugins/*/src/dsp.rs`, the code the DAW runs), with no host.
//!
//! The plugin structs themselves are never built here: their `Default` loads the user's
//! default preset from the config folder, which must not change what a script renders.

use nice_plug::prelude::Params;
use shared_dsp::runner::{Fixed, PluginEngine};
use shared_plugin::presets::{apply_without_host, set_from_text, FactoryPreset};

/// A plugin's settings on the command line: a factory preset, then `ID=VALUE` pairs.
#[derive(Debug, clap::Args)]
pub struct SettingsArgs {
    /// A factory preset of the plugin, by name (case-insensitive), applied before any --set.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,

    /// Sets a parameter: ID=VALUE with the plugin's parameter ID and a value as the plugin
    /// shows it ("eq2_freq=2.5 kHz", "ratio=4", "hpf_on=On"). Repeatable; applied in order.
    #[arg(long = "set", value_name = "ID=VALUE")]
    pub sets: Vec<String>,
}

/// An engine with fixed settings, run offline.
pub trait OfflineEngine: Send {
    /// Sets the sample rate and channel count and clears all memory (ramps end at their
    /// targets, so the first sample is already processed with the chosen settings).
    fn prepare(&mut self, sample_rate_hz: f32, num_channels: usize);
    /// Processes one block in place (any length, 1 or 2 channels).
    fn process(&mut self, audio: &mut [&mut [f32]]);
    /// The latency the plugin reports, in samples, after [`OfflineEngine::prepare`].
    fn latency_samples(&self) -> u32;
    /// The word length the engine already dithers to (the limiter's TPDF or noise-shaped
    /// dither), if any: the writer then does not dither again.
    fn dithered_bits(&self) -> Option<u32> {
        None
    }
}

/// One of the four plugins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    /// Lathe Channel Strip.
    ChannelStrip,
    /// Lathe Bus Compressor.
    BusCompressor,
    /// Lathe Mastering Limiter.
    MasteringLimiter,
    /// Lathe Spectral Repair.
    SpectralRepair,
}

impl PluginKind {
    /// Every plugin, in the order listed in messages.
    pub const ALL: [PluginKind; 4] = [
        PluginKind::ChannelStrip,
        PluginKind::BusCompressor,
        PluginKind::MasteringLimiter,
        PluginKind::SpectralRepair,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PluginKind::ChannelStrip => "channel-strip",
            PluginKind::BusCompressor => "bus-compressor",
            PluginKind::MasteringLimiter => "mastering-limiter",
            PluginKind::SpectralRepair => "spectral-repair",
        }
    }

    /// Short names also accepted.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            PluginKind::ChannelStrip => &["strip", "channel_strip"],
            PluginKind::BusCompressor => &["bus", "buscomp", "bus_compressor"],
            PluginKind::MasteringLimiter => &["limiter", "mastering_limiter"],
            PluginKind::SpectralRepair => &["repair", "spectral_repair"],
        }
    }

    /// Finds a plugin by name (case-insensitive; "-" and "_" alike), or says what exists.
    pub fn parse(name: &str) -> Result<Self, String> {
        let wanted = name.trim().to_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|k| {
                k.name() == wanted || k.aliases().iter().any(|a| a.replace('_', "-") == wanted)
            })
            .ok_or_else(|| {
                let names: Vec<String> = Self::ALL
                    .iter()
                    .map(|k| format!("{} ({})", k.name(), k.aliases()[0]))
                    .collect();
                format!("unknown plugin \"{name}\"; plugins: {}", names.join(", "))
            })
    }

    /// The plugin's factory presets.
    pub fn factory_presets(self) -> Vec<FactoryPreset> {
        match self {
            PluginKind::ChannelStrip => channel_strip::factory_presets(),
            PluginKind::BusCompressor => bus_compressor::factory_presets(),
            PluginKind::MasteringLimiter => mastering_limiter::factory_presets(),
            PluginKind::SpectralRepair => spectral_repair::factory_presets(),
        }
    }

    /// Builds the engine with the plugin's defaults, then `preset` (a factory preset's name),
    /// then each `ID=VALUE` of `sets` in order.
    pub fn build(
        self,
        preset: Option<&str>,
        sets: &[String],
    ) -> Result<Box<dyn OfflineEngine>, String> {
        match self {
            PluginKind::ChannelStrip => {
                let params = channel_strip::params::ChannelStripParams::default();
                self.configure(&params, preset, sets)?;
                Ok(Box::new(Fixed(
                    channel_strip::dsp::ChannelStripEngine::new(),
                    params.settings(),
                )))
            }
            PluginKind::BusCompressor => {
                let params = bus_compressor::params::BusCompParams::default();
                self.configure(&params, preset, sets)?;
                let settings = params.settings();
                if settings.external_key {
                    return Err(
                        "\"sc_ext\" (external sidechain) is On, but the command line has no \
                         sidechain input; set sc_ext=Off"
                            .to_string(),
                    );
                }
                Ok(Box::new(Fixed(
                    bus_compressor::dsp::BusCompEngine::new(),
                    settings,
                )))
            }
            PluginKind::MasteringLimiter => {
                let params = mastering_limiter::params::LimiterParams::default();
                self.configure(&params, preset, sets)?;
                Ok(Box::new(Fixed(
                    mastering_limiter::dsp::LimiterEngine::new(),
                    params.settings(),
                )))
            }
            PluginKind::SpectralRepair => {
                let params = spectral_repair::params::RepairParams::default();
                self.configure(&params, preset, sets)?;
                Ok(Box::new(Fixed(
                    spectral_repair::dsp::RepairEngine::new(),
                    params.settings(),
                )))
            }
        }
    }

    /// The mastering limiter's settings under its defaults, `preset` and `sets` (for
    /// `lathe master`, which then sets the input gain, ceiling and dither itself).
    pub fn limiter_settings(
        preset: Option<&str>,
        sets: &[String],
    ) -> Result<mastering_limiter::dsp::MasteringSettings, String> {
        let params = mastering_limiter::params::LimiterParams::default();
        PluginKind::MasteringLimiter.configure(&params, preset, sets)?;
        Ok(params.settings())
    }

    /// Applies a preset and `ID=VALUE` settings to `params`.
    pub fn configure(
        self,
        params: &dyn Params,
        preset: Option<&str>,
        sets: &[String],
    ) -> Result<(), String> {
        if let Some(name) = preset {
            let presets = self.factory_presets();
            let preset = find_preset(&presets, name).ok_or_else(|| {
                let names: Vec<String> =
                    presets.iter().map(|p| format!("\"{}\"", p.name)).collect();
                format!(
                    "{} has no preset \"{name}\"; presets: {}",
                    self.name(),
                    names.join(", ")
                )
            })?;
            apply_without_host(params, preset)?;
        }
        for set in sets {
            let (id, value) = set
                .split_once('=')
                .ok_or_else(|| format!("--set \"{set}\": expected ID=VALUE, e.g. trim=-3"))?;
            set_from_text(params, id.trim(), value.trim())
                .map_err(|e| format!("{}: --set {set}: {e}", self.name()))?;
        }
        Ok(())
    }
}

/// Spectral repair as its assistant sets it up for `planes`: the analysis over the first
/// `shared_dsp::repair::assist::MAX_ANALYSIS_S` seconds (what the plugin's Analyse hears), then
/// the defaults, `preset`, the proposal (every module it does not propose off) and `sets`, in
/// that order. Also returns what it found and chose, one line per module, for the report.
pub fn assisted_repair(
    planes: &[Vec<f32>],
    sample_rate_hz: f32,
    preset: Option<&str>,
    sets: &[String],
) -> Result<(Box<dyn OfflineEngine>, String), String> {
    use shared_dsp::repair::assist::{explain, propose, Analyser, MIN_ANALYSIS_S};
    let mut analyser = Analyser::new();
    analyser.prepare(sample_rate_hz);
    analyser.start();
    let len = planes.iter().map(|p| p.len()).min().unwrap_or(0);
    let mut at = 0;
    while at < len && analyser.is_running() {
        let end = (at + 4096).min(len);
        let block: Vec<&[f32]> = planes.iter().map(|p| &p[at..end]).collect();
        analyser.feed(&block);
        at = end;
    }
    let findings = analyser.findings();
    let proposal = propose(&findings);
    let params = spectral_repair::params::RepairParams::default();
    let kind = PluginKind::SpectralRepair;
    kind.configure(&params, preset, &[])?;
    spectral_repair::assist::apply_without_host(&params, &proposal);
    kind.configure(&params, None, sets)?;
    let mut report = format!("assistant: {:.1} s analysed\n", findings.seconds);
    if findings.seconds < MIN_ANALYSIS_S {
        report.push_str(&format!(
            "  (less than the {MIN_ANALYSIS_S:.0} s the plugin's Apply waits for: the noise floor and \
             hum are less sure, and hum is not judged before 3 s)\n"
        ));
    }
    for line in explain(&findings, &proposal) {
        report.push_str("  ");
        report.push_str(&line);
        report.push('\n');
    }
    Ok((
        Box::new(Fixed(
            spectral_repair::dsp::RepairEngine::new(),
            params.settings(),
        )),
        report,
    ))
}

/// A preset by name: case-insensitive, with "−" (the minus sign the names use) and "-" alike.
fn find_preset<'a>(presets: &'a [FactoryPreset], name: &str) -> Option<&'a FactoryPreset> {
    let fold = |s: &str| s.trim().replace('−', "-").to_lowercase();
    presets.iter().find(|p| fold(&p.name) == fold(name))
}

/// Every plugin engine at fixed settings runs offline.
impl<E: PluginEngine + Send> OfflineEngine for Fixed<E>
where
    E::Settings: Send,
{
    fn prepare(&mut self, sample_rate_hz: f32, num_channels: usize) {
        Fixed::prepare(self, sample_rate_hz, num_channels);
    }
    fn process(&mut self, audio: &mut [&mut [f32]]) {
        Fixed::process(self, audio);
    }
    fn latency_samples(&self) -> u32 {
        Fixed::latency_samples(self)
    }
    fn dithered_bits(&self) -> Option<u32> {
        E::dithered_bits(&self.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_presets_and_values_are_checked_in_words() {
        assert_eq!(
            PluginKind::parse("Limiter"),
            Ok(PluginKind::MasteringLimiter)
        );
        assert_eq!(
            PluginKind::parse("channel_strip"),
            Ok(PluginKind::ChannelStrip)
        );
        let e = PluginKind::parse("reverb").unwrap_err();
        assert!(
            e.contains("channel-strip") && e.contains("spectral-repair"),
            "{e}"
        );

        let k = PluginKind::MasteringLimiter;
        let params = mastering_limiter::params::LimiterParams::default();
        // "−" in the preset's name may be typed as "-".
        k.configure(&params, Some("streaming -14 lufs transparent"), &[])
            .unwrap();
        let e = k.configure(&params, Some("Loudest"), &[]).unwrap_err();
        assert!(e.contains("\"Club\""), "{e}");

        let params = channel_strip::params::ChannelStripParams::default();
        let k = PluginKind::ChannelStrip;
        k.configure(
            &params,
            None,
            &[
                "eq2_freq=2.5 kHz".into(),
                "trim = -3".into(),
                "eq2_on=On".into(),
            ],
        )
        .unwrap();
        let s = params.settings();
        assert!(
            (s.eq[1].freq_hz - 2500.0).abs() < 0.5,
            "{}",
            s.eq[1].freq_hz
        );
        assert!(s.eq[1].on);
        // The trim is stored as a linear gain and shown in dB.
        assert!(
            (s.trim_gain - 10f32.powf(-3.0 / 20.0)).abs() < 1e-4,
            "{}",
            s.trim_gain
        );
        for (set, wants) in [
            ("trim=30", "-24.00 to 24.00 dB"),
            ("trim=-30 dB", "-24.00 to 24.00 dB"),
            ("eq2_freq=30 kHz", "20.0 to 20000 Hz"),
            ("eq1_shape=Tilt", "Shelf, Bell"),
            ("reverb=50", "eq1_freq"),
            ("trim", "ID=VALUE"),
            ("bypass=On", "host bypass"),
        ] {
            let e = k.configure(&params, None, &[set.into()]).unwrap_err();
            assert!(e.contains(wants), "{set}: {e}");
        }
        // At the edge (what the plugin shows for its maximum) is in range.
        k.configure(&params, None, &["trim=24".into(), "eq2_freq=20 kHz".into()])
            .unwrap();
        let e = PluginKind::BusCompressor
            .build(None, &["sc_ext=On".into()])
            .err()
            .unwrap();
        assert!(e.contains("sidechain"), "{e}");
    }
}
