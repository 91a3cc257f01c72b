//! The engine runner: everything a plugin engine needs around its DSP, written once.
//!
//! A [`Runner`] takes host blocks of any length (0–8192 and beyond) and
//! - cuts them into chunks of at most [`MAX_CHUNK`] samples on a grid fixed to the absolute
//!   sample position (the engine may ask for a finer grid while it ramps), so the output does
//!   not depend on the host's block size;
//! - sanitises the input (NaN/Inf → silence, subnormals → 0, clamp to +120 dBFS) and sets
//!   flush-to-zero/denormals-are-zero for the call ([`DenormalGuard`]), so denormal input cannot
//!   slow processing down;
//! - keeps a dry path delayed by the engine's latency and crossfades the bypass over
//!   [`BYPASS_FADE_MS`]; once the fade has ended the output *is* the delayed input, bit for bit;
//! - checks the output: if anything non-finite ever comes out, it outputs silence for that
//!   chunk and resets the engine rather than ringing NaN forever;
//! - accumulates input and output levels for meters;
//! - starts clean at the first sound: from a reset until the first non-zero input sample
//!   (main or sidechain) the engine is not run (silence in is silence out, the position stays
//!   0), and at that sample the engine is reset, so every setting that arrived during the
//!   silence holds from the first sound as if it had been loaded before the first block (no
//!   crossfade, no priming, no half-way ramp). A DAW loading a session activates the plugin,
//!   runs a few silent blocks at its own block size and then sets the saved parameters; with
//!   this the render of the session does not depend on the block size or on when in the
//!   silence the settings arrived.
//!
//! It knows nothing of hosts: the plugin wrapper, the tests and the command line all drive
//! engines through it.

use crate::crossfade::Crossfade;
use crate::db::{all_finite, sanitize};
use crate::delay::DelayLine;
use crate::meter::BlockLevel;
use crate::simd::DenormalGuard;
use crate::smoothing::{Smoother, SmoothingStyle};

/// Channels the runner handles.
pub const MAX_CHANNELS: usize = 2;
/// Largest chunk handed to an engine.
pub const MAX_CHUNK: usize = 64;
/// Bypass crossfade time, ms.
pub const BYPASS_FADE_MS: f32 = 10.0;
/// Ramp time of the bypass path's gain, ms.
pub const BYPASS_GAIN_RAMP_MS: f32 = 50.0;

/// A DSP engine driven by a [`Runner`].
pub trait ChunkEngine {
    /// Processes one chunk in place: 1 or 2 channels of equal length `n ≤ MAX_CHUNK`, already
    /// sanitised. `key` is the external sidechain of the same length, when the host gives one.
    /// `position` is the absolute sample position of the chunk's first sample.
    fn process_chunk(&mut self, audio: &mut [&mut [f32]], key: Option<&[&[f32]]>, position: u64);

    /// Latency in samples; may change between chunks (the dry path follows).
    fn latency_samples(&self) -> u32;

    /// Clears all audio memory. Realtime-safe.
    fn reset(&mut self);

    /// The chunk grid the engine wants at `position` (a divisor of [`MAX_CHUNK`]; a finer grid
    /// while coefficients ramp). The default is [`MAX_CHUNK`].
    fn chunk_grid(&self) -> usize {
        MAX_CHUNK
    }
}

/// A plugin's whole engine (its runner and core), as the tests and the command line drive it
/// outside a host: settings in plain units, then blocks of any length.
pub trait PluginEngine {
    /// The engine's settings, in plain units.
    type Settings;

    /// Sets new settings. Realtime-safe; called before every block.
    fn set_settings(&mut self, settings: &Self::Settings);

    /// Sets the sample rate and channel count (1 or 2) and clears all memory; ramps end at
    /// their targets. Not realtime.
    fn prepare_channels(&mut self, sample_rate_hz: f32, num_channels: usize);

    /// Processes one block in place (no external sidechain). Realtime-safe.
    fn process(&mut self, audio: &mut [&mut [f32]]);

    /// The latency in samples.
    fn latency_samples(&self) -> u32;

    /// The word length the engine itself dithers its output to under `settings`, if any
    /// (a mastering limiter's dither stage), so a file writer does not dither twice.
    fn dithered_bits(_settings: &Self::Settings) -> Option<u32> {
        None
    }
    /// How long the output goes on after the input stops, samples (a reverb's tail):
    /// what a host is told to keep processing, and what the command line renders past the
    /// end of a file. 0 for none, `u32::MAX` for never (a frozen reverb).
    fn tail_samples(&self) -> u32 {
        0
    }
}

/// A plugin's DSP core as the generic [`Engine`] drives it: the [`ChunkEngine`] the runner
/// calls, plus what every plugin engine does around it (settings in, readings out).
pub trait EngineCore: ChunkEngine {
    /// The settings in plain units.
    type Settings;

    /// A new core, allocated for the worst case it supports.
    fn new() -> Self;
    /// The longest latency the runner's dry path must follow at the prepared rate, samples.
    fn max_latency_samples(&self) -> usize;
    /// Sets the sample rate and channel count (1 or 2) and clears the memory. Not realtime.
    fn prepare(&mut self, sample_rate_hz: f32, num_channels: usize);
    /// Clears all audio memory and ends every ramp. Realtime-safe. (Defaults to the
    /// runner's [`ChunkEngine::reset`].)
    fn reset_all(&mut self) {
        ChunkEngine::reset(self);
    }
    /// The settings clamped to safe ranges, non-finite values replaced by defaults.
    fn sanitize(settings: &Self::Settings) -> Self::Settings;
    /// Takes sanitised settings as the new targets. Realtime-safe, cheap when nothing
    /// changed.
    fn apply(&mut self, settings: &Self::Settings);
    /// Whether `settings` ask for the host bypass.
    fn bypass(settings: &Self::Settings) -> bool;
    /// The settings in force.
    fn settings(&self) -> &Self::Settings;
    /// The sample rate last prepared.
    fn sample_rate_hz(&self) -> f32;
    /// Called before each host block.
    fn begin_block(&mut self) {}
    /// Called after each host block with the runner (its levels; a level-matched bypass sets
    /// its gain there): the core makes its meter readings.
    fn end_block(&mut self, _runner: &mut Runner) {}
    /// See [`PluginEngine::dithered_bits`].
    fn dithered_bits(_settings: &Self::Settings) -> Option<u32> {
        None
    }
    /// See [`PluginEngine::tail_samples`].
    fn tail_samples(&self) -> u32 {
        0
    }
}

/// A plugin's whole engine, written once: its [`EngineCore`] behind the shared [`Runner`]
/// (chunking, sanitising, bypass with the latency kept, non-finite fallback). It dereferences
/// to the core, so a plugin's own engine API (the limiter's loudness, the repair assistant)
/// is the core's methods, called on the engine.
pub struct Engine<C: EngineCore> {
    runner: Runner,
    core: C,
    /// The dry path's capacity, samples.
    max_latency: usize,
}

impl<C: EngineCore> Default for Engine<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: EngineCore> Engine<C> {
    /// Creates the engine, allocates everything it will ever need at 48 kHz (any host block
    /// size) and prepares it for stereo at 48 kHz.
    pub fn new() -> Self {
        let core = C::new();
        let max_latency = core.max_latency_samples();
        let mut e = Self {
            runner: Runner::new(max_latency),
            core,
            max_latency,
        };
        e.prepare(48_000.0);
        e
    }

    /// Sets the sample rate (22.05–384 kHz) for stereo and clears the memory. Not realtime,
    /// called from the host's activate.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        self.prepare_channels(sample_rate_hz, 2);
    }

    /// Sets the sample rate and the channel count (1 or 2) and clears the memory. Not
    /// realtime: a core whose latency depends on the rate gets a dry path sized for it.
    pub fn prepare_channels(&mut self, sample_rate_hz: f32, num_channels: usize) {
        self.core.prepare(sample_rate_hz, num_channels);
        let max_latency = self.core.max_latency_samples();
        if max_latency != self.max_latency {
            self.runner = Runner::new(max_latency);
            self.max_latency = max_latency;
        }
        self.runner.prepare(sample_rate_hz);
        self.runner.set_bypass(C::bypass(self.core.settings()));
        self.runner.reset();
    }

    /// Clears all audio memory and ends every ramp. Realtime-safe.
    pub fn reset(&mut self) {
        self.core.reset_all();
        self.runner.reset();
    }

    /// Sets new targets (sanitised). Realtime-safe and cheap when nothing changed; call it
    /// before every block.
    pub fn set_settings(&mut self, settings: &C::Settings) {
        let s = C::sanitize(settings);
        self.core.apply(&s);
        self.runner.set_bypass(C::bypass(&s));
    }

    /// The latency in samples (the same while bypassed).
    pub fn latency_samples(&self) -> u32 {
        self.core.latency_samples()
    }

    /// The tail after the input stops, samples (see [`PluginEngine::tail_samples`]).
    pub fn tail_samples(&self) -> u32 {
        EngineCore::tail_samples(&self.core)
    }

    /// The sample rate last prepared.
    pub fn sample_rate_hz(&self) -> f32 {
        self.core.sample_rate_hz()
    }

    /// Processes one host block in place: 1 or 2 channels, any length; `key` is an external
    /// sidechain, for cores that listen to one. Never allocates.
    pub fn process_block_keyed(&mut self, audio: &mut [&mut [f32]], key: Option<&[&[f32]]>) {
        self.core.begin_block();
        self.runner.process(&mut self.core, audio, key);
        self.core.end_block(&mut self.runner);
    }

    /// Processes one host block in place (no sidechain): 1 or 2 channels, any length. Never
    /// allocates.
    pub fn process_block(&mut self, audio: &mut [&mut [f32]]) {
        self.process_block_keyed(audio, None);
    }
}

impl<C: EngineCore> std::ops::Deref for Engine<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.core
    }
}

impl<C: EngineCore> std::ops::DerefMut for Engine<C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.core
    }
}

/// Every generic engine runs at fixed settings for the tests and the command line.
impl<C: EngineCore> PluginEngine for Engine<C> {
    type Settings = C::Settings;

    fn set_settings(&mut self, settings: &C::Settings) {
        Engine::set_settings(self, settings);
    }
    fn prepare_channels(&mut self, sample_rate_hz: f32, num_channels: usize) {
        Engine::prepare_channels(self, sample_rate_hz, num_channels);
    }
    fn process(&mut self, audio: &mut [&mut [f32]]) {
        self.process_block(audio);
    }
    fn latency_samples(&self) -> u32 {
        Engine::latency_samples(self)
    }
    fn dithered_bits(settings: &C::Settings) -> Option<u32> {
        C::dithered_bits(settings)
    }
    fn tail_samples(&self) -> u32 {
        Engine::tail_samples(self)
    }
}

/// An engine whose settings are held fixed: set before `prepare` and before every block, as a
/// host wrapper does with its parameters.
pub struct Fixed<E: PluginEngine>(pub E, pub E::Settings);

impl<E: PluginEngine> Fixed<E> {
    /// Sets the settings, then the sample rate and channel count (clears all memory).
    pub fn prepare(&mut self, sample_rate_hz: f32, num_channels: usize) {
        self.0.set_settings(&self.1);
        self.0.prepare_channels(sample_rate_hz, num_channels);
    }

    /// Sets the settings, then processes one block in place.
    pub fn process(&mut self, audio: &mut [&mut [f32]]) {
        self.0.set_settings(&self.1);
        self.0.process(audio);
    }

    /// The latency in samples.
    pub fn latency_samples(&self) -> u32 {
        self.0.latency_samples()
    }
}

/// An engine at fixed settings, as the engine checks and the command line drive it: one trait,
/// object-safe (the command line holds a `Box<dyn FixedEngine + Send>`), implemented for every
/// [`Fixed`] plugin engine.
pub trait FixedEngine {
    /// Sets the sample rate and channel count (1 or 2) and clears all memory (ramps end at
    /// their targets, so the first sample is already processed with the settings).
    fn prepare(&mut self, sample_rate_hz: f32, num_channels: usize);
    /// Processes one block in place (any length, 1 or 2 channels).
    fn process(&mut self, audio: &mut [&mut [f32]]);
    /// The latency in samples, after [`FixedEngine::prepare`].
    fn latency_samples(&self) -> u32;
    /// The word length the engine already dithers its output to, if any (see
    /// [`PluginEngine::dithered_bits`]).
    fn dithered_bits(&self) -> Option<u32> {
        None
    }
    /// The tail after the input stops, samples (see [`PluginEngine::tail_samples`]).
    fn tail_samples(&self) -> u32 {
        0
    }
}

impl<E: PluginEngine> FixedEngine for Fixed<E> {
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
    fn tail_samples(&self) -> u32 {
        self.0.tail_samples()
    }
}

/// Input/output levels of the last [`Runner::process`] call, for meters.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunnerLevels {
    /// Input (after sanitising).
    pub input: BlockLevel,
    /// Output.
    pub output: BlockLevel,
}

/// See the module docs.
pub struct Runner {
    position: u64,
    bypass: Crossfade,
    /// Gain of the bypass path (1 = plain bypass; level-matched bypass sets it).
    bypass_gain: Smoother,
    dry_delay: [DelayLine; MAX_CHANNELS],
    dry: [[f32; MAX_CHUNK]; MAX_CHANNELS],
    key: [[f32; MAX_CHUNK]; MAX_CHANNELS],
    levels: RunnerLevels,
    num_resets: u64,
    /// No non-zero input since the last reset: the engine has not run yet.
    pristine: bool,
    /// Input samples skipped as leading silence since the last reset.
    silent_lead: u64,
}

impl Runner {
    /// A runner whose dry path can follow latencies up to `max_latency_samples`. Allocates.
    pub fn new(max_latency_samples: usize) -> Self {
        Self {
            position: 0,
            bypass: Crossfade::new(BYPASS_FADE_MS),
            bypass_gain: Smoother::new(SmoothingStyle::Linear(BYPASS_GAIN_RAMP_MS), 1.0),
            dry_delay: [
                DelayLine::new(max_latency_samples),
                DelayLine::new(max_latency_samples),
            ],
            dry: [[0.0; MAX_CHUNK]; MAX_CHANNELS],
            key: [[0.0; MAX_CHUNK]; MAX_CHANNELS],
            levels: RunnerLevels::default(),
            num_resets: 0,
            pristine: true,
            silent_lead: 0,
        }
    }

    /// Sets the sample rate (not realtime, allocation-free) and clears the memory.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        self.bypass.prepare(sample_rate_hz);
        self.bypass_gain.prepare(sample_rate_hz);
        self.reset();
    }

    /// Clears the dry path, ends the bypass fade and restarts the grid. Realtime-safe.
    pub fn reset(&mut self) {
        self.bypass.settle();
        let g = self.bypass_gain.target();
        self.bypass_gain.reset(g);
        for d in self.dry_delay.iter_mut() {
            d.reset();
        }
        self.position = 0;
        self.pristine = true;
        self.silent_lead = 0;
    }

    /// Input samples skipped as leading silence since the last reset (the engine's sample
    /// counts start after them).
    pub fn silent_lead_samples(&self) -> u64 {
        self.silent_lead
    }

    /// True from a reset until the first non-zero input sample (see the module docs).
    pub fn is_pristine(&self) -> bool {
        self.pristine
    }

    /// Sets the bypass target; the output crossfades to the delayed input over
    /// [`BYPASS_FADE_MS`].
    pub fn set_bypass(&mut self, bypass: bool) {
        self.bypass.set_target(bypass);
    }

    /// Sets the linear gain of the bypass path (ramped over [`BYPASS_GAIN_RAMP_MS`]): 1 for a
    /// plain bypass, the output/input loudness ratio for a level-matched one.
    pub fn set_bypass_gain(&mut self, gain: f32) {
        let g = if gain.is_finite() {
            gain.clamp(0.0, 16.0)
        } else {
            1.0
        };
        self.bypass_gain.set_target(g);
    }

    /// Levels of the last [`Runner::process`] call.
    pub fn levels(&self) -> &RunnerLevels {
        &self.levels
    }

    /// How often the non-finite fallback has reset the engine (should stay 0).
    pub fn num_resets(&self) -> u64 {
        self.num_resets
    }

    /// Processes one host block in place. `audio` holds 1 or 2 channels (only the first two
    /// and the shortest length are used); `key`, when given, 1 or 2 sidechain channels.
    /// Never allocates.
    pub fn process<E: ChunkEngine>(
        &mut self,
        engine: &mut E,
        audio: &mut [&mut [f32]],
        key: Option<&[&[f32]]>,
    ) {
        let _denormals = DenormalGuard::new();
        self.levels = RunnerLevels::default();
        let nc = audio.len().min(MAX_CHANNELS);
        if nc == 0 {
            return;
        }
        let len = audio[..nc].iter().map(|c| c.len()).min().unwrap_or(0);
        let key = key.filter(|k| !k.is_empty());
        let mut start = 0;
        if self.pristine {
            // Leading silence: nothing to do (silence in, silence out). At the first sound the
            // engine starts from a reset, with whatever settings it holds by then.
            let sounding = |c: &[f32]| c.iter().position(|&x| x != 0.0);
            let first_main = audio[..nc].iter().filter_map(|c| sounding(&c[..len])).min();
            let first_key = key
                .into_iter()
                .flat_map(|k| k.iter())
                .filter_map(|c| sounding(&c[..len.min(c.len())]))
                .min();
            let first = first_main.into_iter().chain(first_key).min();
            // What was skipped comes out as exact zeros (under DAZ a subnormal compares equal
            // to zero, and must not pass through).
            let skipped = first.unwrap_or(len);
            for c in audio[..nc].iter_mut() {
                c[..skipped].fill(0.0);
            }
            match first {
                None => {
                    self.silent_lead += len as u64;
                    return;
                }
                Some(i) => {
                    start = i;
                    self.silent_lead += i as u64;
                    self.pristine = false;
                    self.bypass.settle();
                    let g = self.bypass_gain.target();
                    self.bypass_gain.reset(g);
                    engine.reset();
                }
            }
        }
        while start < len {
            let grid = engine.chunk_grid().clamp(1, MAX_CHUNK) as u64;
            let to_grid = (grid - self.position % grid) as usize;
            let n = to_grid.min(len - start);
            let mut chunk: [&mut [f32]; MAX_CHANNELS] = Default::default();
            for (c, ch) in audio.iter_mut().take(nc).enumerate() {
                chunk[c] = &mut ch[start..start + n];
            }
            let nk = key.map_or(0, |k| k.len().min(MAX_CHANNELS));
            if let Some(k) = key {
                for (dst, src) in self.key.iter_mut().zip(k.iter()).take(nk) {
                    let m = n.min(src.len().saturating_sub(start));
                    dst[..m].copy_from_slice(&src[start..start + m]);
                    dst[m..n].fill(0.0);
                    sanitize(&mut dst[..n]);
                }
            }
            self.process_chunk(engine, &mut chunk[..nc], nk, n);
            start += n;
        }
    }

    fn process_chunk<E: ChunkEngine>(
        &mut self,
        engine: &mut E,
        ch: &mut [&mut [f32]],
        nk: usize,
        n: usize,
    ) {
        for c in ch.iter_mut() {
            sanitize(c);
            self.levels.input.add(c);
        }
        let latency = engine.latency_samples() as usize;
        for (c, x) in ch.iter().enumerate() {
            let d = &mut self.dry_delay[c];
            if d.latency_samples() as usize != latency {
                d.set_delay_samples(latency);
            }
            self.dry[c][..n].copy_from_slice(x);
            d.process_block(&mut self.dry[c][..n]);
        }
        if self.bypass_gain.is_smoothing() || self.bypass_gain.current() != 1.0 {
            let mut g = [0.0f32; MAX_CHUNK];
            self.bypass_gain.next_block(&mut g[..n]);
            for d in self.dry.iter_mut() {
                for (x, g) in d[..n].iter_mut().zip(&g[..n]) {
                    *x *= g;
                }
            }
        }
        let key_refs: [&[f32]; MAX_CHANNELS] = [&self.key[0][..n], &self.key[1][..n]];
        let key = (nk > 0).then_some(&key_refs[..nk]);
        engine.process_chunk(ch, key, self.position);
        self.position += n as u64;

        let mut finite = true;
        for c in ch.iter() {
            finite &= all_finite(c);
        }
        if !finite {
            for c in ch.iter_mut() {
                c.fill(0.0);
            }
            engine.reset();
            self.num_resets += 1;
        }

        // Bypass: exactly the dry path once faded in, exactly the engine once faded out.
        self.bypass.mix_into_a(ch, &self.dry);
        for c in ch.iter() {
            self.levels.output.add(c);
        }
    }
}

/// Copies the first channel into the second: a mono input on a stereo output (the host
/// wrapper leaves the second output silent), so that pan and width act on a mono track.
pub fn mono_to_stereo(audio: &mut [&mut [f32]]) {
    if let [left, right, ..] = audio {
        right.copy_from_slice(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test engine: gain 0.5 and a delay of 3 samples.
    struct HalfDelayed {
        line: [DelayLine; 2],
        chunks: Vec<usize>,
    }

    impl ChunkEngine for HalfDelayed {
        fn process_chunk(&mut self, audio: &mut [&mut [f32]], _: Option<&[&[f32]]>, _: u64) {
            self.chunks.push(audio[0].len());
            for (c, x) in audio.iter_mut().enumerate() {
                for v in x.iter_mut() {
                    *v = 0.5 * self.line[c].process(*v);
                }
            }
        }
        fn latency_samples(&self) -> u32 {
            3
        }
        fn reset(&mut self) {}
    }

    fn engine() -> HalfDelayed {
        let mut line = [DelayLine::new(3), DelayLine::new(3)];
        for l in line.iter_mut() {
            l.set_delay_samples(3);
        }
        HalfDelayed {
            line,
            chunks: Vec::new(),
        }
    }

    #[test]
    fn chunks_follow_the_grid_whatever_the_host_block() {
        let mut r = Runner::new(16);
        r.prepare(48_000.0);
        let mut e = engine();
        let mut x = vec![0.1f32; 200];
        for block in x.chunks_mut(50) {
            r.process(&mut e, &mut [block], None);
        }
        assert_eq!(e.chunks, vec![50, 14, 36, 28, 22, 42, 8]);
    }

    #[test]
    fn bypass_is_bit_exact_after_the_fade_and_keeps_the_latency() {
        let mut r = Runner::new(16);
        r.prepare(48_000.0);
        let mut e = engine();
        let x: Vec<f32> = (0..4800)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let mut y = x.clone();
        r.set_bypass(true);
        r.process(&mut e, &mut [&mut y[..]], None);
        // The fade lasts 480 samples; after it the output is the input delayed by 3, exactly.
        for i in 480..4800 {
            assert_eq!(y[i].to_bits(), x[i - 3].to_bits(), "sample {i}");
        }
        // And back: exactly the engine's output after the fade.
        r.set_bypass(false);
        let mut z = x.clone();
        r.process(&mut e, &mut [&mut z[..]], None);
        for i in 480..4800 {
            assert_eq!(z[i], 0.5 * x[i - 3]);
        }
    }

    #[test]
    fn non_finite_input_is_silenced_and_levels_are_measured() {
        let mut r = Runner::new(16);
        r.prepare(48_000.0);
        let mut e = engine();
        let mut x = [f32::NAN, f32::INFINITY, 1.0e-40, 0.5];
        r.process(&mut e, &mut [&mut x[..]], None);
        assert!(x.iter().all(|v| v.is_finite()));
        assert_eq!(r.levels().input.peak, 0.5);
        assert_eq!(r.num_resets(), 0);
    }

    #[test]
    fn empty_and_channelless_blocks_are_fine() {
        let mut r = Runner::new(16);
        r.prepare(48_000.0);
        let mut e = engine();
        r.process(&mut e, &mut [], None);
        let mut x: Vec<f32> = vec![];
        r.process(&mut e, &mut [&mut x[..]], None);
        assert!(e.chunks.is_empty());
    }
}
