//! Integer-sample delay line (ring buffer), used for latency compensation of dry paths and
//! bypass.

/// Spare ring-buffer room so that block processing can move runs of this many samples even at
/// the maximum delay (read and write regions never overlap).
const RUN_ROOM: usize = 64;

/// A delay of a whole number of samples, up to a capacity fixed at construction.
#[derive(Clone, Debug)]
pub struct DelayLine {
    /// Ring buffer: capacity + 1 + [`RUN_ROOM`] samples.
    buffer: Vec<f32>,
    /// Largest delay supported.
    max_delay_samples: usize,
    /// Next write position.
    write: usize,
    /// Current delay in samples.
    delay_samples: usize,
}

impl DelayLine {
    /// A delay line able to delay by up to `max_delay_samples`. Allocates.
    pub fn new(max_delay_samples: usize) -> Self {
        Self {
            buffer: vec![0.0; max_delay_samples + 1 + RUN_ROOM],
            max_delay_samples,
            write: 0,
            delay_samples: 0,
        }
    }

    /// The largest delay this line supports.
    pub fn max_delay_samples(&self) -> usize {
        self.max_delay_samples
    }

    /// Sets the delay, clamped to the capacity. Realtime-safe; the contents are kept.
    pub fn set_delay_samples(&mut self, delay_samples: usize) {
        self.delay_samples = delay_samples.min(self.max_delay_samples());
    }

    /// The current delay in samples.
    pub fn latency_samples(&self) -> u32 {
        self.delay_samples as u32
    }

    /// Clears the memory to silence.
    pub fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.write = 0;
    }

    /// Writes `x` and returns the sample from `delay_samples` ago.
    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        let len = self.buffer.len();
        self.buffer[self.write] = x;
        let mut read = self.write + len - self.delay_samples;
        if read >= len {
            read -= len;
        }
        self.write += 1;
        if self.write == len {
            self.write = 0;
        }
        self.buffer[read]
    }

    /// Delays a block in place (same result as [`DelayLine::process`] per sample).
    pub fn process_block(&mut self, buf: &mut [f32]) {
        let len = self.buffer.len();
        let d = self.delay_samples;
        let mut i = 0;
        while i < buf.len() {
            let read = (self.write + len - d) % len;
            // A run in which neither index wraps and (for d > 0) the samples read were all
            // written before this run: then the loop is a plain swap over two slices.
            let mut run = (buf.len() - i).min(len - self.write).min(len - read);
            if d > 0 {
                // Read and write regions must not overlap: the write region starts d samples
                // after the read region, or len − d samples before it.
                run = run.min(d).min(len - d);
            }
            if d == 0 {
                // Keep the history current so a later delay change reads real past samples.
                self.buffer[self.write..self.write + run].copy_from_slice(&buf[i..i + run]);
            } else {
                let (ring_read, ring_write) = if read < self.write {
                    let (a, b) = self.buffer.split_at_mut(self.write);
                    (&a[read..read + run], &mut b[..run])
                } else {
                    let (a, b) = self.buffer.split_at_mut(read);
                    (&b[..run], &mut a[self.write..self.write + run])
                };
                for ((x, r), w) in buf[i..i + run].iter_mut().zip(ring_read).zip(ring_write) {
                    *w = *x;
                    *x = *r;
                }
            }
            self.write = (self.write + run) % len;
            i += run;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impulse_comes_out_after_the_delay() {
        for d in [0usize, 1, 7, 64, 100] {
            let mut line = DelayLine::new(100);
            line.set_delay_samples(d);
            let out: Vec<f32> = (0..200)
                .map(|n| line.process(if n == 0 { 1.0 } else { 0.0 }))
                .collect();
            assert_eq!(out.iter().position(|&y| y == 1.0), Some(d));
            assert_eq!(out.iter().filter(|&&y| y != 0.0).count(), 1);
        }
    }

    #[test]
    fn block_path_matches_sample_path_for_every_delay_and_length() {
        for max in [1usize, 5, 88, 100] {
            for d in [0usize, 1, 2, 7, 64, 88, 100] {
                for block in [1usize, 3, 16, 63, 64, 65, 200] {
                    let mut a = DelayLine::new(max);
                    a.set_delay_samples(d);
                    let mut b = a.clone();
                    let input: Vec<f32> = (0..1000).map(|n| n as f32 + 1.0).collect();
                    let expect: Vec<f32> = input.iter().map(|&x| b.process(x)).collect();
                    let mut got = input.clone();
                    for c in got.chunks_mut(block) {
                        a.process_block(c);
                    }
                    assert_eq!(got, expect, "max {max}, delay {d}, block {block}");
                }
            }
        }
    }

    #[test]
    fn delay_is_clamped_and_block_matches_sample() {
        let mut a = DelayLine::new(10);
        a.set_delay_samples(50);
        assert_eq!(a.latency_samples(), 10);
        let mut b = a.clone();
        let mut buf: Vec<f32> = (0..37).map(|n| n as f32).collect();
        let expect: Vec<f32> = buf.iter().map(|&x| b.process(x)).collect();
        a.process_block(&mut buf);
        assert_eq!(buf, expect);
    }
}
