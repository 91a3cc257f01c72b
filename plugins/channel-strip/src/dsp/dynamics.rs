//! The strip's dynamics stage: gate and compressor in the chosen order, with the
//! compressor's sidechain filter.

use super::*;

impl StripCore {
    /// Gate then compressor. Each runs in passes over the chunk: the recursive parts
    /// (filters, detectors, ballistics) sample by sample, the dB ↔ gain conversions and the
    /// gain application as whole-block loops that vectorise.
    pub(super) fn process_dynamics(&mut self, ch: &mut [&mut [f32]]) {
        let n = ch[0].len();
        let mut work = [0.0f32; MAX_CHUNK];
        let work = &mut work[..n];
        if self.gate_fade.b_audible() {
            // Key: the louder channel, through the key filter when it is on.
            let key_filter = self.settings.gate_key_filter_on;
            for (i, k) in work.iter_mut().enumerate() {
                let mut key = 0.0f32;
                for (c, x) in ch.iter().enumerate() {
                    let mut v = x[i];
                    if key_filter {
                        v = self.key_state[c][0].process(&self.key_hpf, v);
                        v = self.key_state[c][1].process(&self.key_lpf, v);
                    }
                    key = key.max(v.abs());
                }
                *k = self.gate.process_gain_db(&self.gate_coeffs, key);
            }
            let deepest_db = work.iter().fold(0.0f32, |a, &b| a.min(b));
            self.meters.gate_gain_db = self.meters.gate_gain_db.min(deepest_db);
            self.gate_fade.next_block(&mut self.scratch_gain[..n]);
            for (g, f) in work.iter_mut().zip(&self.scratch_gain[..n]) {
                *g = 1.0 + f * (db_to_gain_fast(*g) - 1.0);
            }
            for x in ch.iter_mut() {
                for (v, g) in x.iter_mut().zip(work.iter()) {
                    *v *= g;
                }
            }
        } else {
            self.gate.reset();
            self.key_state = Default::default();
        }

        if self.comp_fade.b_audible() {
            // The shared compressor (linked, L/R) computes the gains; the module fade blends
            // them towards unity.
            let mut key = [[0.0f32; COMP_BLOCK]; MAX_CHANNELS];
            for (c, x) in ch.iter().enumerate() {
                key[c][..n].copy_from_slice(x);
            }
            self.comp.compute_gains(&key, ch.len(), n);
            let (gr_db, _) = self.comp.take_meter();
            self.meters.comp_gain_db = self.meters.comp_gain_db.min(-gr_db);
            self.comp_fade.next_block(&mut self.scratch_gain[..n]);
            let gains = self.comp.gains();
            for (c, x) in ch.iter_mut().enumerate() {
                for ((v, g), f) in x
                    .iter_mut()
                    .zip(&gains[c][..n])
                    .zip(&self.scratch_gain[..n])
                {
                    *v *= 1.0 + f * (g - 1.0);
                }
            }
        } else {
            self.comp.reset();
        }
    }
}
