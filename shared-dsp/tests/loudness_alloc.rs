//! `LoudnessMeter` does not allocate once built (the realtime rules in `docs/ARCHITECTURE.md`): every `process_*`, `reset` and
//! reading call runs under a counting allocator. Its own test binary, so the global allocator
//! here affects no other test.

use shared_dsp::loudness::{ChannelRole, LoudnessMeter};

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;
use alloc_guard::count_allocs;

#[test]
fn loudness_meter_never_allocates_while_processing() {
    for (rate, layout) in [
        (48_000, ChannelRole::default_layout(2).unwrap()),
        (44_100, ChannelRole::default_layout(6).unwrap()),
        (96_000, ChannelRole::default_layout(8).unwrap()),
    ] {
        let n = layout.len();
        let mut meter = LoudnessMeter::with_layout(rate, layout).unwrap();
        // Loud noise-like input so the true-peak interpolation runs, over 5 s in odd blocks.
        let frames = rate as usize * 5;
        let interleaved: Vec<f32> = (0..frames * n)
            .map(|i| (((i * 7919) % 2003) as f32 / 1001.5 - 1.0) * 0.9)
            .collect();
        let planes: Vec<Vec<f32>> = (0..n)
            .map(|c| interleaved.iter().skip(c).step_by(n).copied().collect())
            .collect();
        let mut ticks = 0usize;
        let allocs = count_allocs(|| {
            for block in interleaved.chunks(777 * n) {
                meter
                    .process_interleaved_with(block, |_| ticks += 1)
                    .unwrap();
            }
            let _ = meter.readings();
            meter.reset();
            for start in (0..frames).step_by(4096) {
                let end = (start + 4096).min(frames);
                let mut refs: [&[f32]; 8] = [&[]; 8];
                for (r, p) in refs.iter_mut().zip(&planes) {
                    *r = &p[start..end];
                }
                meter.process_planar(&refs[..n]).unwrap();
            }
            let _ = meter.readings();
        });
        assert_eq!(allocs, 0, "{rate} Hz, {n} channels");
        assert_eq!(ticks, 50);
        assert!(meter.readings().integrated_lufs.is_finite());
    }
}
