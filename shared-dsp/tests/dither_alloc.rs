//! `DitherState` does not allocate (the realtime rules in `docs/ARCHITECTURE.md`): `process_block`, `process` and `reset` run
//! under a counting allocator. Its own test binary, so the global allocator here affects no
//! other test.

use shared_dsp::dither::{DitherBits, DitherCoeffs, DitherMode, DitherState};

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;
use alloc_guard::count_allocs;

#[test]
fn dither_never_allocates_while_processing() {
    // The guard works in this binary (a test that cannot fail is a defect).
    assert!(count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);

    let input: Vec<f32> = (0..48_000)
        .map(|i| match i % 997 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            _ => ((i as f32) * 0.01).sin(),
        })
        .collect();
    for mode in [DitherMode::Off, DitherMode::Tpdf, DitherMode::NoiseShaped] {
        for bits in [DitherBits::Bits16, DitherBits::Bits24] {
            for rate in [44_100.0, 48_000.0, 96_000.0] {
                let c = DitherCoeffs::new(mode, bits, rate);
                let mut channels = [DitherState::new(0), DitherState::new(1)];
                let mut buf = input.clone();
                let allocs = count_allocs(|| {
                    for st in channels.iter_mut() {
                        for block in buf.chunks_mut(61) {
                            st.process_block(&c, block);
                        }
                        st.reset();
                        let mut acc = 0.0;
                        for &x in &input[..4096] {
                            acc += st.process(&c, x);
                        }
                        std::hint::black_box(acc);
                    }
                });
                assert_eq!(allocs, 0, "{mode:?} {bits:?} {rate} Hz");
                assert!(buf.iter().all(|v| v.is_finite()) || mode == DitherMode::Off);
            }
        }
    }
}
