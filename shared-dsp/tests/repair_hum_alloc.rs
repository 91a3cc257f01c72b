//! The de-hum and de-plosive units do not allocate (the realtime rules in `docs/ARCHITECTURE.md`): `set_settings`, `reset`
//! and `process` run under a counting allocator. Its own test binary, so the global allocator
//! here affects no other test.

use shared_dsp::repair::dehum::{Dehum, DehumSettings, HumBase};
use shared_dsp::repair::deplosive::{Deplosive, DeplosiveSettings};

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;
use alloc_guard::count_allocs;

#[test]
fn dehum_never_allocates_while_processing() {
    // The guard works in this binary (a test that cannot fail is a defect).
    assert!(count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);

    let input: Vec<f32> = (0..48_000)
        .map(|i| 0.3 * ((i as f32) * 0.00654).sin() + if i % 997 == 0 { 1.0 } else { 0.0 })
        .collect();
    for rate in [22_050.0, 48_000.0, 384_000.0] {
        let mut d = Dehum::new();
        d.prepare(rate);
        let mut buf = input.clone();
        let allocs = count_allocs(|| {
            for (i, block) in buf.chunks_mut(61).enumerate() {
                let s = DehumSettings {
                    base: [HumBase::Auto, HumBase::Hz50, HumBase::Hz60][(i / 100) % 3],
                    num_harmonics: 1 + i % 20,
                    track_drift: i % 2 == 0,
                };
                d.set_settings(&s);
                d.process(block);
            }
            d.reset();
            std::hint::black_box(d.hum_level_db() + d.base_hz() + d.harmonic_level_db(3));
        });
        assert_eq!(allocs, 0, "{rate} Hz");
        assert!(buf.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn deplosive_never_allocates_while_processing() {
    assert!(count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);

    let input: Vec<f32> = (0..48_000)
        .map(|i| {
            let burst = if i % 12_000 < 1_500 {
                0.8 * ((i as f32) * 0.008).sin()
            } else {
                0.0
            };
            0.1 * ((i as f32) * 0.06).sin() + burst
        })
        .collect();
    for rate in [22_050.0, 48_000.0, 384_000.0] {
        let mut d = Deplosive::new();
        d.prepare(rate);
        let mut buf = input.clone();
        let allocs = count_allocs(|| {
            for (i, block) in buf.chunks_mut(61).enumerate() {
                let s = DeplosiveSettings {
                    sensitivity: (i % 101) as f32,
                    freq_limit_hz: 50.0 + (i % 8) as f32 * 50.0,
                    strength_db: (i % 31) as f32,
                };
                d.set_settings(&s);
                d.process(block);
            }
            d.reset();
            std::hint::black_box(d.gain_reduction_db() + d.events_found() as f32);
        });
        assert_eq!(allocs, 0, "{rate} Hz");
        assert!(buf.iter().all(|v| v.is_finite()));
    }
}
