//! Measuring a decoded file with `shared_dsp::loudness`.

use crate::decode::Source;
use shared_dsp::loudness::{LoudnessMeter, LoudnessReadings, LoudnessTick};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{mpsc, Arc};

/// The result of measuring one file.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Sample rate of the decoded audio, in Hz.
    pub sample_rate_hz: u32,
    /// Number of channels.
    pub num_channels: usize,
    /// Decoded length, in frames.
    pub num_frames: u64,
    /// The summary readings.
    pub readings: LoudnessReadings,
    /// Momentary and short-term loudness every 100 ms (only when asked for).
    pub series: Vec<LoudnessTick>,
}

/// Frames per batch handed from the decoding thread to the measuring thread.
const BATCH_FRAMES: usize = 16_384;

/// The measuring side of [`measure_file`]: feeds every batch to the meter and sends the
/// emptied batch back for reuse.
fn run_meter(
    mut meter: LoudnessMeter,
    batches: mpsc::Receiver<Vec<Vec<f32>>>,
    recycle: mpsc::Sender<Vec<Vec<f32>>>,
    want_series: bool,
) -> Result<(LoudnessMeter, Vec<LoudnessTick>), String> {
    let mut series = Vec::new();
    for batch in batches {
        let refs: Vec<&[f32]> = batch.iter().map(|p| p.as_slice()).collect();
        let result = if want_series {
            meter.process_planar_with(&refs, |t| series.push(*t))
        } else {
            meter.process_planar(&refs)
        };
        result.map_err(|e| e.to_string())?;
        let _ = recycle.send(batch);
    }
    Ok((meter, series))
}

/// Opens, decodes and measures `path`. `bytes_read` advances as the file is read; `want_series`
/// keeps the 100 ms momentary/short-term values. Every failure is a one-line reason.
pub fn measure_file(
    path: &Path,
    want_series: bool,
    bytes_read: Arc<AtomicU64>,
) -> Result<Measurement, String> {
    let mut source = Source::open(path, bytes_read)?;
    // Decoding (this thread) and measuring (a worker) overlap: batches of planar audio go
    // through a small bounded channel, and emptied batches come back for reuse.
    let (meter, series) = std::thread::scope(|scope| {
        let (batch_tx, batch_rx) = mpsc::sync_channel::<Vec<Vec<f32>>>(4);
        let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<Vec<f32>>>();
        let mut batch_rx = Some(batch_rx);
        let mut recycle_tx = Some(recycle_tx);
        let mut worker = None;
        let mut batch: Vec<Vec<f32>> = Vec::new();
        let decoded: Result<(), String> = (|| {
            while source.read_into(&mut batch)? {
                if worker.is_none() {
                    let spec = source
                        .spec()
                        .ok_or_else(|| "internal error: no stream spec".to_string())?;
                    let meter = LoudnessMeter::with_layout(spec.sample_rate_hz, &spec.layout)
                        .map_err(|e| e.to_string())?;
                    let (Some(rx), Some(recycle)) = (batch_rx.take(), recycle_tx.take()) else {
                        return Err("internal error: worker started twice".to_string());
                    };
                    worker = Some(scope.spawn(move || {
                        crate::panics::catch(|| run_meter(meter, rx, recycle, want_series))
                    }));
                }
                if batch[0].len() >= BATCH_FRAMES {
                    let mut next = recycle_rx.try_recv().unwrap_or_default();
                    for plane in next.iter_mut() {
                        plane.clear();
                    }
                    let full = std::mem::replace(&mut batch, next);
                    if batch_tx.send(full).is_err() {
                        // The worker stopped early; its error is reported at join.
                        return Ok(());
                    }
                }
            }
            Ok(())
        })();
        if decoded.is_ok() && batch.first().is_some_and(|p| !p.is_empty()) {
            let _ = batch_tx.send(std::mem::take(&mut batch));
        }
        drop(batch_tx);
        let measured = match worker {
            Some(handle) => match handle.join() {
                Ok(Ok(result)) => result,
                Ok(Err(panic)) => Err(format!(
                    "undecodable: measurement failed (internal error: {panic})"
                )),
                Err(_) => Err("undecodable: measurement failed (internal error)".to_string()),
            },
            None => Err("no audio samples".to_string()),
        };
        decoded?;
        measured
    })?;
    source.finish()?;
    Ok(Measurement {
        sample_rate_hz: meter.sample_rate_hz(),
        num_channels: meter.num_channels(),
        num_frames: meter.num_frames(),
        readings: meter.readings(),
        series,
    })
}
