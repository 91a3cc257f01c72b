//! The monitor section never allocates while processing (its own test binary, so the counting
//! allocator is global here only).

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;

use shared_dsp::monitor::{MonitorCoeffs, MonitorState, MonitorSystem};

#[test]
fn process_stereo_does_not_allocate() {
    // The guard works in this binary.
    assert!(alloc_guard::count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);
    let coeffs: Vec<MonitorCoeffs> = MonitorSystem::ALL
        .iter()
        .map(|&s| MonitorCoeffs::new(s, 48_000.0))
        .collect();
    let mut st = MonitorState::default();
    let mut l: Vec<f32> = (0..4099).map(|i| (i as f32 * 0.01).sin()).collect();
    let mut r = l.clone();
    let allocs = alloc_guard::count_allocs(|| {
        for c in &coeffs {
            st.reset();
            for len in [1usize, 7, 64, 513, 4099] {
                st.process_stereo(c, &mut l[..len], &mut r[..len]);
            }
            let _ = c.response_db(1000.0);
        }
    });
    assert_eq!(allocs, 0);
}
