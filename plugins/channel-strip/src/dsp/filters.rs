//! The strip's filter stages: the high- and low-pass (Butterworth cascades) and the
//! four-band EQ, each crossfaded in and out by its switch.

use super::*;

impl StripCore {
    pub(super) fn process_filters(&mut self, ch: &mut [&mut [f32]]) {
        if self.hpf_fade.b_audible() {
            self.save_pre(ch);
            match ch {
                [l, r] => {
                    // Both channels in one loop: two independent recursions overlap in the CPU.
                    let [sl, sr] = &mut self.hpf_state;
                    for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                        *a = sl.process(&self.hpf, *a);
                        *b = sr.process(&self.hpf, *b);
                    }
                }
                _ => self.hpf_state[0].process_block(&self.hpf, ch[0]),
            }
            // x = pre + f·(x − pre): the filter crossfaded in over its switch.
            self.hpf_fade.mix_into_b(&self.scratch_pre, ch);
        } else {
            self.hpf_state = Default::default();
        }
        if self.lpf_fade.b_audible() {
            self.save_pre(ch);
            match ch {
                [l, r] => {
                    let [sl, sr] = &mut self.lpf_state;
                    for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                        *a = sl.process(&self.lpf, *a);
                        *b = sr.process(&self.lpf, *b);
                    }
                }
                _ => self.lpf_state[0].process_block(&self.lpf, ch[0]),
            }
            self.lpf_fade.mix_into_b(&self.scratch_pre, ch);
        } else {
            self.lpf_state = Default::default();
        }
    }

    pub(super) fn process_eq(&mut self, ch: &mut [&mut [f32]]) {
        // A band at exactly 0 dB is the identity: skip it (keeps the default strip
        // bit-transparent apart from the latency).
        let mut active = [false; 4];
        for (b, a) in active.iter_mut().enumerate() {
            let g = &self.eq_gain_db[b];
            *a = g.current() != 0.0 || g.is_smoothing();
            if !*a {
                self.eq_state[b] = Default::default();
            }
        }
        match ch {
            [l, r] => {
                // Sample-major over the active bands, both channels: the recursions of
                // different bands and channels are independent and overlap in the CPU.
                let mut coeffs = [BiquadCoeffs::identity(self.sample_rate_hz); 4];
                let mut states = [[BiquadState::default(); MAX_CHANNELS]; 4];
                let mut n = 0;
                for b in (0..4).filter(|&b| active[b]) {
                    coeffs[n] = self.eq[b];
                    states[n] = self.eq_state[b];
                    n += 1;
                }
                if n == 0 {
                    return;
                }
                for (a, bb) in l.iter_mut().zip(r.iter_mut()) {
                    let (mut x, mut y) = (*a, *bb);
                    for k in 0..n {
                        x = states[k][0].process(&coeffs[k], x);
                        y = states[k][1].process(&coeffs[k], y);
                    }
                    *a = x;
                    *bb = y;
                }
                for (k, b) in (0..4).filter(|&b| active[b]).enumerate() {
                    self.eq_state[b] = states[k];
                }
            }
            _ => {
                for b in (0..4).filter(|&b| active[b]) {
                    self.eq_state[b][0].process_block(&self.eq[b], ch[0]);
                }
            }
        }
    }
}
