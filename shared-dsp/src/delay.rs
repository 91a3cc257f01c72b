//! Integer-sample delay line (ring buffer), used for latency compensation of dry paths and
//! bypass.

/// A delay of a whole number of samples, up to a capacity fixed at construction.
#[derive(Clone, Debug)]
pub struct DelayLine {
    /// Ring buffer; its length is the capacity + 1.
    buffer: Vec<f32>,
    /// Next write position.
    write: usize,
    /// Current delay in samples.
    delay_samples: usize,
}

impl DelayLine {
    /// A delay line able to delay by up to `max_delay_samples`. Allocates.
    pub fn new(max_delay_samples: usize) -> Self {
        Self {
            buffer: vec![0.0; max_delay_samples + 1],
            write: 0,
            delay_samples: 0,
        }
    }

    /// The largest delay this line supports.
    pub fn max_delay_samples(&self) -> usize {
        self.buffer.len() - 1
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

    /// Delays a block in place.
    pub fn process_block(&mut self, buf: &mut [f32]) {
        if self.delay_samples == 0 {
            // Keep the history current so a later delay change reads real past samples.
            for &x in buf.iter() {
                self.process(x);
            }
            return;
        }
        for x in buf.iter_mut() {
            *x = self.process(*x);
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
