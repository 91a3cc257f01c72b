//! The one home for CPU-feature probes, fused multiply-add helpers and the denormal guard.
//!
//! Kernels come in two flavours: a portable body and the same body compiled with
//! `#[target_feature(enable = "avx2,fma")]`, chosen at run time. The probe is cached in an
//! atomic by the standard library, and units that dispatch read it once when they are created,
//! never per block.

/// `c·x + acc`, fused when `FMA` (only where the CPU has it: elsewhere `mul_add` is a slow
/// library call).
#[inline(always)]
pub fn madd<const FMA: bool>(c: f32, x: f32, acc: f32) -> f32 {
    if FMA {
        c.mul_add(x, acc)
    } else {
        acc + c * x
    }
}

/// `a·b + c` in f64, fused when `FMA` (see [`madd`]).
#[inline(always)]
pub fn madd_f64<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Whether the AVX2 + FMA kernels can run on this CPU.
pub fn avx2_fma_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this CPU has FMA.
pub fn fma_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// For tests of a fast path: `true` when the CPU can run it. Otherwise prints a visible
/// `SKIPPED` line, and panics when the environment variable `LATHE_REQUIRE_SIMD` is set (so a
/// CI machine that must exercise the fast path cannot pass silently without it).
pub fn fast_path_testable(what: &str) -> bool {
    if avx2_fma_available() {
        return true;
    }
    eprintln!("SKIPPED: {what}: this CPU has no AVX2+FMA, only the portable path was tested");
    assert!(
        std::env::var_os("LATHE_REQUIRE_SIMD").is_none(),
        "LATHE_REQUIRE_SIMD is set but this CPU has no AVX2+FMA ({what})"
    );
    false
}

/// Sets flush-to-zero and denormals-are-zero for the current thread while it lives, and
/// restores the previous mode when dropped. With both set, subnormal inputs and results are
/// treated as zero in hardware, so denormal audio cannot slow processing down (Intel SDM
/// vol. 1 §10.2.3.3–4, MXCSR bits 15 (FTZ) and 6 (DAZ); AArch64 FPCR.FZ, bit 24).
///
/// Realtime-safe: two register moves each way.
pub struct DenormalGuard {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
    #[cfg(target_arch = "aarch64")]
    saved: u64,
}

#[cfg(target_arch = "x86_64")]
const MXCSR_FTZ_DAZ: u32 = (1 << 15) | (1 << 6);
#[cfg(target_arch = "aarch64")]
const FPCR_FZ: u64 = 1 << 24;

impl DenormalGuard {
    /// Enables FTZ/DAZ until the guard is dropped.
    #[inline]
    pub fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let mut saved: u32 = 0;
            // SAFETY: stmxcsr/ldmxcsr read and write the SSE control register of this thread;
            // only the FTZ and DAZ bits change, which affects nothing but subnormal handling.
            unsafe {
                std::arch::asm!("stmxcsr [{}]", in(reg) &mut saved, options(nostack));
                let new = saved | MXCSR_FTZ_DAZ;
                std::arch::asm!("ldmxcsr [{}]", in(reg) &new, options(nostack, readonly));
            }
            Self { saved }
        }
        #[cfg(target_arch = "aarch64")]
        {
            let saved: u64;
            // SAFETY: reads and writes this thread's FPCR; only the FZ bit changes.
            unsafe {
                std::arch::asm!("mrs {}, fpcr", out(reg) saved);
                std::arch::asm!("msr fpcr, {}", in(reg) saved | FPCR_FZ);
            }
            Self { saved }
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        {
            Self {}
        }
    }
}

impl Default for DenormalGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DenormalGuard {
    #[inline]
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: restores the value read in `new`.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &self.saved, options(nostack, readonly));
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: restores the value read in `new`.
        unsafe {
            std::arch::asm!("msr fpcr, {}", in(reg) self.saved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denormal_guard_flushes_and_restores() {
        let tiny = std::hint::black_box(f32::MIN_POSITIVE);
        let half = std::hint::black_box(0.5f32);
        assert!(
            (tiny * half).is_subnormal(),
            "without the guard the product is subnormal"
        );
        {
            let _g = DenormalGuard::new();
            let p = std::hint::black_box(tiny) * std::hint::black_box(half);
            assert_eq!(p, 0.0, "FTZ flushes a subnormal result");
            let sub = std::hint::black_box(f32::from_bits(1));
            assert_eq!(sub * 1.0e30, 0.0, "DAZ treats a subnormal input as zero");
        }
        assert!(
            (std::hint::black_box(tiny) * std::hint::black_box(half)).is_subnormal(),
            "the previous mode is restored"
        );
    }

    #[test]
    fn madd_fused_and_plain_agree() {
        assert_eq!(madd::<false>(2.0, 3.0, 1.0), 7.0);
        assert_eq!(madd::<true>(2.0, 3.0, 1.0), 7.0);
        assert_eq!(madd_f64::<true>(2.0, 3.0, 1.0), 7.0);
    }
}
