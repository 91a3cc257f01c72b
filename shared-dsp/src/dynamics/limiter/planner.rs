//! The limiter's gain planning: ring buffers, the hold-release-smooth planner and the release
//! coefficients (see the parent module's docs).

use super::LimiterSettings;
use super::{AUTO_RELEASE_AVERAGE_MS, AUTO_RELEASE_FAST_MS, AUTO_RELEASE_SLOW_MS};

/// A ring buffer of fixed capacity, indexed by an ever-growing position.
#[derive(Clone, Debug)]
pub(super) struct Ring {
    data: Box<[f32]>,
    pub(super) mask: usize,
}

impl Ring {
    pub(super) fn new(min_len: usize) -> Self {
        let len = min_len.next_power_of_two().max(2);
        Self {
            data: vec![0.0; len].into_boxed_slice(),
            mask: len - 1,
        }
    }
    #[inline]
    pub(super) fn get(&self, pos: usize) -> f32 {
        self.data[pos & self.mask]
    }
    #[inline]
    pub(super) fn set(&mut self, pos: usize, v: f32) {
        self.data[pos & self.mask] = v;
    }
    pub(super) fn fill(&mut self, v: f32) {
        self.data.fill(v);
    }
}

/// "Hold, release, smooth" gain planner for one channel: turns a stream of required gains
/// `r[t]` into a smooth gain `g[t]` such that `g[t] ≤ r[j]` for every `j` in
/// `[t − hold + 1, t − hold + cover]` (the `cover` requirements ending `delay()` samples
/// later than … see [`GainPlanner::delay`]).
///
/// Sliding minimum over `hold = b1 + b2 − 2 + cover` values (monotonic wedge, amortised O(1):
/// D. Lemire, "Streaming maximum-minimum filter using no more than three comparisons per
/// element", 2006), optional release (instant attack, one-pole recovery), then two moving
/// averages of lengths `b1` and `b2`. Each step only averages values that are already at or
/// below every requirement in the window, so the bound survives the smoothing.
#[derive(Clone, Debug)]
pub(super) struct GainPlanner {
    /// Values of the minimum's window (ring, by position).
    values: Ring,
    /// Positions of the monotonic wedge (ring of positions, stored as f32-free usize).
    wedge: Box<[usize]>,
    wedge_mask: usize,
    head: usize,
    tail: usize,
    /// Box 1 and box 2 delay lines and running sums (f64: no drift).
    box1: Ring,
    box2: Ring,
    sum1: f64,
    sum2: f64,
    b1: usize,
    b2: usize,
    hold: usize,
    /// Position of the next input.
    pos: usize,
    /// Release state (linear gain) and coefficients.
    released: f32,
    /// Sustained-gain average (automatic release).
    sustained: f32,
    /// `1/b1`, `1/b2`.
    inv_b1: f64,
    inv_b2: f64,
    /// Consecutive steps with requirement and output exactly 1.
    ones: usize,
    /// Idle: every value in the window and the boxes is 1, so the output is 1 until a
    /// requirement below 1 arrives (nothing is computed meanwhile).
    idle: bool,
}

impl GainPlanner {
    pub(super) fn new(max_b: usize, max_cover: usize) -> Self {
        let max_hold = 2 * max_b + max_cover;
        let wedge_len = (max_hold + 2).next_power_of_two();
        let mut p = Self {
            values: Ring::new(max_hold + 2),
            wedge: vec![0; wedge_len].into_boxed_slice(),
            wedge_mask: wedge_len - 1,
            head: 0,
            tail: 0,
            box1: Ring::new(max_b + 1),
            box2: Ring::new(max_b + 1),
            sum1: 0.0,
            sum2: 0.0,
            b1: 1,
            b2: 1,
            hold: 1,
            pos: 0,
            released: 1.0,
            sustained: 1.0,
            inv_b1: 1.0,
            inv_b2: 1.0,
            ones: 0,
            idle: false,
        };
        p.configure(1, 1, 1);
        p
    }

    /// Sets the box lengths and coverage and clears the state (gain 1).
    pub(super) fn configure(&mut self, b1: usize, b2: usize, cover: usize) {
        self.b1 = b1.max(1);
        self.b2 = b2.max(1);
        self.hold = self.b1 + self.b2 - 2 + cover.max(1);
        self.inv_b1 = 1.0 / self.b1 as f64;
        self.inv_b2 = 1.0 / self.b2 as f64;
        self.reset();
    }

    /// Samples between a requirement's arrival and the output that must honour the last of its
    /// `cover` window: `g[t]` honours `r[t − hold + 1 ..= t − hold + cover]`.
    pub(super) fn hold(&self) -> usize {
        self.hold
    }

    pub(super) fn reset(&mut self) {
        self.sustained = 1.0;
        self.clear_to_unity();
    }

    /// Every stored value back to 1 (exactly), the state of a long silence.
    fn clear_to_unity(&mut self) {
        self.values.fill(1.0);
        self.box1.fill(1.0);
        self.box2.fill(1.0);
        self.sum1 = self.b1 as f64;
        self.sum2 = self.b2 as f64;
        self.head = 0;
        self.tail = 0;
        self.pos = 0;
        self.released = 1.0;
        self.ones = 0;
        self.idle = false;
    }

    /// One step: requirement `r` in, planned gain out (see the type's docs). `release`, when
    /// given, acts between the minimum and the averages.
    #[inline]
    pub(super) fn step(&mut self, r: f32, release: Option<&Release>) -> f32 {
        if self.idle {
            if r >= 1.0 {
                if let Some(rel) = release {
                    if rel.auto {
                        self.sustained += (1.0 - self.sustained) * rel.average;
                    }
                }
                return 1.0;
            }
            let sustained = self.sustained;
            self.clear_to_unity();
            self.sustained = sustained;
        }
        let h = self.push_min(r);
        let h = match release {
            Some(rel) => rel.apply(self, h),
            None => h,
        };
        let g = self.smooth(h);
        if r >= 1.0 && g == 1.0 {
            self.ones += 1;
            if self.ones > self.hold + self.b1 + self.b2 {
                self.idle = true;
            }
        } else {
            self.ones = 0;
        }
        g
    }

    /// Copies another planner's state (same configuration; no allocation).
    pub(super) fn copy_state_from(&mut self, o: &GainPlanner) {
        self.values.data.copy_from_slice(&o.values.data);
        self.wedge.copy_from_slice(&o.wedge);
        self.box1.data.copy_from_slice(&o.box1.data);
        self.box2.data.copy_from_slice(&o.box2.data);
        self.head = o.head;
        self.tail = o.tail;
        self.sum1 = o.sum1;
        self.sum2 = o.sum2;
        self.pos = o.pos;
        self.released = o.released;
        self.sustained = o.sustained;
        self.ones = o.ones;
        self.idle = o.idle;
    }

    /// Pushes `r` and returns the sliding minimum over the last `hold` values.
    #[inline]
    fn push_min(&mut self, r: f32) -> f32 {
        let pos = self.pos;
        self.values.set(pos, r);
        // Drop wedge entries that are not smaller than r (they can never be the minimum again).
        while self.tail != self.head {
            let last = self.wedge[(self.tail.wrapping_sub(1)) & self.wedge_mask];
            if self.values.get(last) >= r {
                self.tail = self.tail.wrapping_sub(1);
            } else {
                break;
            }
        }
        self.wedge[self.tail & self.wedge_mask] = pos;
        self.tail = self.tail.wrapping_add(1);
        // Drop the front if it left the window.
        let front = self.wedge[self.head & self.wedge_mask];
        if front + self.hold <= pos {
            self.head = self.head.wrapping_add(1);
        }
        self.pos = pos + 1;
        self.values.get(self.wedge[self.head & self.wedge_mask])
    }

    /// The two moving averages.
    #[inline]
    fn smooth(&mut self, h: f32) -> f32 {
        let p = self.pos;
        self.sum1 += h as f64 - self.box1.get(p + self.box1.mask + 1 - self.b1) as f64;
        self.box1.set(p, h);
        let a = (self.sum1 * self.inv_b1) as f32;
        self.sum2 += a as f64 - self.box2.get(p + self.box2.mask + 1 - self.b2) as f64;
        self.box2.set(p, a);
        (self.sum2 * self.inv_b2) as f32
    }
}

/// Release coefficients of stage A (per base-rate sample).
#[derive(Clone, Copy, Debug)]
pub(super) struct Release {
    /// One-pole coefficient `1 − e^(−1/(τ·fs))` of the fixed release.
    fixed: f32,
    fast: f32,
    slow: f32,
    average: f32,
    pub(super) auto: bool,
}

impl Release {
    pub(super) fn new(sample_rate_hz: f32, s: &LimiterSettings) -> Self {
        let k = |ms: f32| 1.0 - (-1000.0 / (ms.max(0.01) * sample_rate_hz)).exp();
        Self {
            fixed: k(s.release_ms),
            fast: k(AUTO_RELEASE_FAST_MS),
            slow: k(AUTO_RELEASE_SLOW_MS),
            average: k(AUTO_RELEASE_AVERAGE_MS),
            auto: s.auto_release,
        }
    }

    /// Instant attack, one-pole release of `p.released` towards `h`.
    #[inline]
    fn apply(&self, p: &mut GainPlanner, h: f32) -> f32 {
        let g = p.released;
        let next = if h <= g {
            h
        } else if self.auto {
            // Recover fast down to the sustained level, slowly above it.
            let k = if g < p.sustained {
                self.fast
            } else {
                self.slow
            };
            g + (h - g) * k
        } else {
            g + (h - g) * self.fixed
        };
        // Snap the last millionth back to 1, so the gain returns to exactly 1 (and the output
        // to the delayed input, bit for bit) once the limiting is over.
        let next = if next > 0.999_999 && h >= 1.0 {
            1.0
        } else {
            next
        };
        if self.auto {
            p.sustained += (next - p.sustained) * self.average;
        }
        p.released = next;
        next
    }
}
