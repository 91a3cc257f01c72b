//! The strip's output stages: saturation (4× oversampled, anti-aliased) and the stereo
//! stage (width, pan, output mode).

use super::*;

impl StripCore {
    pub(super) fn process_saturation(&mut self, ch: &mut [&mut [f32]]) {
        let n = ch[0].len();
        let running = self.sat_fade.b_audible();
        if running {
            if !self.sat_running {
                // Starting from cold: the oversampler's history must fill (two latencies: up
                // and down) before its output is valid, so hold the fade at 0 until then.
                for o in self.oversampler.iter_mut() {
                    o.reset();
                }
                for s in self.saturator.iter_mut() {
                    s.reset();
                }
                self.sat_dc_state = Default::default();
                self.sat_warmup_left = 2 * self.latency_samples() + COEFF_GRID as u32;
                self.sat_running = true;
            }
            let curve = match self.settings.sat_curve {
                SatCurve::Soft => SaturationCurve::Soft,
                SatCurve::Warm => SaturationCurve::Warm,
            };
            let mix0 = self.sat_mix.current();
            let mix1 = self.sat_mix.skip(n as u32);
            let drive0 = db_to_gain(self.sat_drive_db.current());
            let drive1 = db_to_gain(self.sat_drive_db.skip(n as u32));
            let steady = mix0 == mix1 && drive0 == drive1;
            for (c, x) in ch.iter().enumerate() {
                let wet = &mut self.scratch_sat[c][..n];
                wet.copy_from_slice(x);
                let sat = &mut self.saturator[c];
                let dry_os = &mut self.scratch_os;
                self.oversampler[c].process_block(wet, |os| {
                    if steady {
                        // The common case: constant drive and mix, vectorisable block calls.
                        if mix0 == 1.0 {
                            sat.process_block(curve, drive0, os);
                        } else {
                            let dry = &mut dry_os[..os.len()];
                            dry.copy_from_slice(os);
                            sat.process_block(curve, drive0, os);
                            for (y, d) in os.iter_mut().zip(dry.iter()) {
                                *y = d + mix0 * (*y - d);
                            }
                        }
                        return;
                    }
                    // Mix and drive move linearly across the chunk at the oversampled rate.
                    let step = 1.0 / os.len().max(1) as f32;
                    for (j, y) in os.iter_mut().enumerate() {
                        let t = j as f32 * step;
                        let mix = mix0 + t * (mix1 - mix0);
                        let drive = drive0 + t * (drive1 - drive0);
                        let s = sat.process(curve, drive, *y);
                        *y += mix * (s - *y);
                    }
                });
                self.sat_dc_state[c].process_block(&self.sat_dc, wet);
            }
        } else {
            self.sat_running = false;
            self.sat_mix.skip(n as u32);
            self.sat_drive_db.skip(n as u32);
        }
        // The path without saturation is delayed by the same latency.
        for (c, x) in ch.iter_mut().enumerate() {
            self.sat_delay[c].process_block(x);
        }
        if running {
            if self.sat_warmup_left == 0 && self.sat_fade.at_b() {
                for (c, x) in ch.iter_mut().enumerate() {
                    x.copy_from_slice(&self.scratch_sat[c][..n]);
                }
                return;
            }
            for i in 0..n {
                let f = if self.sat_warmup_left > 0 {
                    self.sat_warmup_left -= 1;
                    self.sat_fade.position()
                } else {
                    self.sat_fade.next()
                };
                for (c, x) in ch.iter_mut().enumerate() {
                    x[i] += f * (self.scratch_sat[c][i] - x[i]);
                }
            }
        }
    }

    pub(super) fn process_stereo(&mut self, ch: &mut [&mut [f32]]) {
        let n = ch[0].len();
        let (l, r) = ch.split_at_mut(1);
        let (l, r) = (&mut *l[0], &mut *r[0]);
        let matrix_moving = self.out_matrix.iter().any(Smoother::is_smoothing);
        let identity = !matrix_moving
            && self
                .out_matrix
                .iter()
                .map(Smoother::current)
                .eq(output_matrix(OutputMode::Stereo));
        let neutral = identity
            && !self.width.is_smoothing()
            && !self.pan.is_smoothing()
            && self.width.current() == 1.0
            && self.pan.current() == 0.0;
        if neutral {
            // Centre pan at 100 % width is the identity: keep it bit-exact.
            return;
        }
        // Constant-power pan (sin/cos law), normalised so the centre is unity and a hard pan
        // gives +3.01 dB on one side: the −3 dB centre law.
        let pan_gains = |pan: f32| {
            let theta = (pan + 1.0) * std::f32::consts::FRAC_PI_4;
            (
                std::f32::consts::SQRT_2 * theta.cos(),
                std::f32::consts::SQRT_2 * theta.sin(),
            )
        };
        let pan_moving = self.pan.is_smoothing();
        let (mut gl, mut gr) = pan_gains(self.pan.current());
        let mut m = self.out_matrix.map(|s| s.current());
        for i in 0..n {
            if matrix_moving {
                for (v, s) in m.iter_mut().zip(self.out_matrix.iter_mut()) {
                    *v = s.next();
                }
            }
            let width = self.width.next();
            if pan_moving {
                (gl, gr) = pan_gains(self.pan.next());
            }
            let mid = 0.5 * (l[i] + r[i]);
            let side = 0.5 * (l[i] - r[i]) * width;
            let (a, b) = ((mid + side) * gl, (mid - side) * gr);
            l[i] = m[0] * a + m[1] * b;
            r[i] = m[2] * a + m[3] * b;
        }
    }
}
