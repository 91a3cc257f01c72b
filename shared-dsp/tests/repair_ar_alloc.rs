//! The AR-based restoration units (de-click, de-clip) do not allocate (the realtime rules in `docs/ARCHITECTURE.md`):
//! `prepare`, `set_settings`, `reset`, `process` and the activity read-outs run under a
//! counting allocator. Its own test binary, so the global allocator here affects no other test.

use shared_dsp::repair::declick::{Declick, DeclickSettings};
use shared_dsp::repair::declip::{Declip, DeclipSettings};

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;
use alloc_guard::count_allocs;

/// Music-like input with clicks every 997 samples and a loud, clipped stretch.
fn input() -> Vec<f32> {
    (0..48_000)
        .map(|i| {
            let x = 0.3 * ((i as f32) * 0.00654).sin() + 0.2 * ((i as f32) * 0.0731).sin();
            let x = if (20_000..30_000).contains(&i) {
                (3.0 * x).clamp(-0.8, 0.8)
            } else {
                x
            };
            x + if i % 997 == 0 { 0.7 } else { 0.0 }
        })
        .collect()
}

#[test]
fn declick_never_allocates_while_processing() {
    // The guard works in this binary (a test that cannot fail is a defect).
    assert!(count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);

    let input = input();
    let mut d = Declick::new();
    for rate in [22_050.0, 48_000.0, 384_000.0] {
        let mut buf = input.clone();
        let mut found = 0u64;
        let allocs = count_allocs(|| {
            d.prepare(rate);
            for (i, block) in buf.chunks_mut(61 + (rate as usize % 7)).enumerate() {
                d.set_settings(&DeclickSettings {
                    sensitivity: [50.0, 100.0, 0.0][(i / 50) % 3],
                    max_event_ms: [2.0, 10.0, 0.1][(i / 70) % 3],
                });
                d.process(block);
                d.drain_events(|e| found += e.len as u64);
            }
            d.reset();
            d.process(&mut buf[..4096]);
        });
        assert_eq!(allocs, 0, "{rate} Hz");
        assert!(found > 0, "{rate} Hz");
        assert!(buf.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn declip_never_allocates_while_processing() {
    assert!(count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);

    let input = input();
    let mut d = Declip::new();
    for rate in [22_050.0, 48_000.0, 384_000.0] {
        let mut buf = input.clone();
        let mut rebuilt = 0;
        let allocs = count_allocs(|| {
            d.prepare(rate);
            for (i, block) in buf.chunks_mut(61 + (rate as usize % 7)).enumerate() {
                d.set_settings(&DeclipSettings {
                    auto_level: (i / 200) % 3 != 2,
                    clip_level_db: [-0.1, -30.0, -1.94][(i / 90) % 3],
                });
                d.process(block);
                std::hint::black_box(d.clip_level_found_db());
            }
            rebuilt = d.samples_rebuilt();
            d.reset();
            d.process(&mut buf[..4096]);
        });
        assert_eq!(allocs, 0, "{rate} Hz");
        assert!(rebuilt > 0, "{rate} Hz");
        assert!(buf.iter().all(|v| v.is_finite()));
    }
}
