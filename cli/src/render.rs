//! Running an engine over a whole file offline: the output is aligned with the input (the
//! plugin's reported latency removed) and as long as the input, the last `latency` samples
//! flushed out of the engine by feeding silence after the end. A plugin with a tail (a
//! reverb) goes on past the end for as long as it reports, at most [`MAX_TAIL_S`], and stops
//! where its output has fallen to exact silence.

use crate::decode::Audio;
use crate::plugins::OfflineEngine;

/// The longest tail rendered past the end of a file, s (a frozen reverb never ends).
pub const MAX_TAIL_S: f64 = 60.0;

/// Sample rates the engines support, Hz (as in the plugins).
pub const SAMPLE_RATES_HZ: std::ops::RangeInclusive<u32> = 22_050..=384_000;

/// Checks that the engines can run `audio` (1 or 2 channels, 22.05–384 kHz), in words.
pub fn check_supported(audio: &Audio) -> Result<(), String> {
    let n = audio.planes.len();
    if !(1..=2).contains(&n) {
        return Err(format!(
            "{n} channels; the plugins process mono or stereo (1 or 2 channels)"
        ));
    }
    let rate = audio.spec.sample_rate_hz;
    if !SAMPLE_RATES_HZ.contains(&rate) {
        return Err(format!(
            "sample rate {rate} Hz; the plugins run at 22050 to 384000 Hz"
        ));
    }
    Ok(())
}

/// Renders `audio` through `engine` in blocks of `block` frames, calling `progress` with the
/// fraction done. Returns the aligned output.
pub fn render(
    engine: &mut (dyn OfflineEngine + Send),
    audio: &Audio,
    block: usize,
    mut progress: impl FnMut(f64),
) -> Result<Vec<Vec<f32>>, String> {
    check_supported(audio)?;
    let n = audio.num_frames();
    let num_channels = audio.planes.len();
    engine.prepare(audio.spec.sample_rate_hz as f32, num_channels);
    let latency = engine.latency_samples() as usize;
    let tail =
        (engine.tail_samples() as f64).min(MAX_TAIL_S * audio.spec.sample_rate_hz as f64) as usize;
    let block = block.max(1);
    let mut out = vec![vec![0.0f32; n + tail]; num_channels];
    let mut scratch = vec![vec![0.0f32; block]; num_channels];
    let total = n + tail + latency;
    let mut pos = 0;
    while pos < total {
        let len = block.min(total - pos);
        for (s, input) in scratch.iter_mut().zip(&audio.planes) {
            let s = &mut s[..len];
            s.fill(0.0);
            if pos < n {
                let m = len.min(n - pos);
                s[..m].copy_from_slice(&input[pos..pos + m]);
            }
        }
        {
            let mut refs: Vec<&mut [f32]> = scratch.iter_mut().map(|s| &mut s[..len]).collect();
            engine.process(&mut refs);
        }
        // Output sample `pos + i` belongs to input sample `pos + i - latency`.
        let from = latency.saturating_sub(pos);
        if from < len {
            let start = pos + from - latency;
            for (o, s) in out.iter_mut().zip(&scratch) {
                o[start..start + (len - from)].copy_from_slice(&s[from..len]);
            }
        }
        pos += len;
        if pos % (block * 64).max(65_536) < len {
            progress(pos as f64 / total as f64);
        }
    }
    progress(1.0);
    // The tail ends at its last sound.
    let end = (n..n + tail)
        .rev()
        .find(|&i| out.iter().any(|o| o[i] != 0.0))
        .map_or(n, |i| i + 1);
    for o in out.iter_mut() {
        o.truncate(end);
    }
    if !out.iter().all(|p| crate::decode::all_finite(p)) {
        return Err("internal error: the engine produced non-finite samples".to_string());
    }
    Ok(out)
}
