//! The STFT engine and the de-noise do not allocate (the realtime rules in `docs/ARCHITECTURE.md`): `set_size`/`set_settings`,
//! `reset` and `process` run under a counting allocator. Its own test binary, so the global
//! allocator here affects no other test.

use realfft::num_complex::Complex32;
use shared_dsp::stft::{StftProcessor, FFT_SIZES, OVERLAPS};

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;
use alloc_guard::count_allocs;

fn input() -> Vec<f32> {
    (0..20_000)
        .map(|i| ((i as f32) * 0.01).sin() + 0.1 * ((i * 7919 % 1013) as f32 / 1013.0 - 0.5))
        .collect()
}

#[test]
fn stft_never_allocates_while_processing() {
    // The guard works in this binary (a test that cannot fail is a defect).
    assert!(count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);

    let mut stft = StftProcessor::new();
    let mut buf = input();
    let allocs = count_allocs(|| {
        for &n in &FFT_SIZES {
            for &ov in &OVERLAPS {
                stft.set_size(n, ov);
                for block in buf.chunks_mut(61) {
                    stft.process(block, &mut |bins: &mut [Complex32]| {
                        for b in bins.iter_mut() {
                            *b *= 0.5;
                        }
                    });
                }
                stft.reset();
            }
        }
    });
    assert_eq!(allocs, 0);
    assert!(buf.iter().all(|v| v.is_finite()));
}

#[test]
fn denoise_never_allocates_while_processing() {
    use shared_dsp::repair::denoise::{Denoise, DenoiseSettings, NoiseMode, PROFILE_POINTS};
    let mut d = Denoise::new();
    d.prepare(96_000.0);
    let profile = vec![1e-4f32; PROFILE_POINTS];
    let mut out = vec![0.0f32; PROFILE_POINTS];
    let mut buf = input();
    let allocs = count_allocs(|| {
        for &n in &FFT_SIZES {
            for &overlap in &OVERLAPS {
                for mode in [NoiseMode::Adaptive, NoiseMode::Profile] {
                    let s = DenoiseSettings {
                        fft_size: n,
                        overlap,
                        mode,
                        ..DenoiseSettings::default()
                    };
                    // Learn, stop learning (the profile is built), process, reset.
                    d.set_settings(&DenoiseSettings { learn: true, ..s });
                    for block in buf.chunks_mut(61) {
                        d.process(block);
                    }
                    d.set_settings(&s);
                    for block in buf.chunks_mut(61) {
                        d.process(block);
                    }
                    d.set_profile(&profile, 48_000.0);
                    std::hint::black_box(d.copy_profile_into(&mut out));
                    d.reset();
                }
            }
        }
    });
    assert_eq!(allocs, 0);
    assert!(d.has_profile());
    assert!(buf.iter().all(|v| v.is_finite()));
}
