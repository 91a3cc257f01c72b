//! A real-time spectrum analyser for editors: reads the latest samples from a
//! [`SampleTap`] and runs its FFT (realfft) on the editor thread, never on the audio thread.
//! Hann window, 4096 points, levels smoothed over frames (fast rise, slow fall) and drawn on
//! a logarithmic frequency axis.

use egui::{Color32, Pos2, Stroke, Ui, Vec2};
use realfft::{RealFftPlanner, RealToComplex};
use shared_plugin::meters::SampleTap;
use std::sync::Arc;

use crate::theme;

/// FFT length of the analyser, samples.
pub const ANALYSER_SIZE: usize = 4096;
/// Lowest level shown, dBFS.
pub const FLOOR_DB: f32 = -120.0;
/// Fall of the displayed level per frame, dB.
const FALL_DB_PER_FRAME: f32 = 1.5;

/// One analysed signal.
pub struct SpectrumAnalyser {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    frame: Vec<f32>,
    bins: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
    /// Displayed level per bin, dBFS (a sine at full scale reads about 0).
    levels_db: Vec<f32>,
    last_written: usize,
}

impl Default for SpectrumAnalyser {
    fn default() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(ANALYSER_SIZE);
        let window: Vec<f32> = (0..ANALYSER_SIZE)
            .map(|i| shared_dsp::stft::periodic_hann(i, ANALYSER_SIZE) as f32)
            .collect();
        let bins = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        Self {
            fft,
            window,
            frame: vec![0.0; ANALYSER_SIZE],
            bins,
            scratch,
            levels_db: vec![FLOOR_DB; ANALYSER_SIZE / 2 + 1],
            last_written: usize::MAX,
        }
    }
}

impl SpectrumAnalyser {
    /// Analyses the latest samples of `tap` when new ones arrived; returns whether the display
    /// changed.
    pub fn update(&mut self, tap: &SampleTap) -> bool {
        let written = tap.written();
        if written == self.last_written {
            return false;
        }
        self.last_written = written;
        tap.read_latest(&mut self.frame);
        for (x, w) in self.frame.iter_mut().zip(&self.window) {
            *x *= w;
        }
        if self
            .fft
            .process_with_scratch(&mut self.frame, &mut self.bins, &mut self.scratch)
            .is_err()
        {
            return false;
        }
        // A full-scale sine gives |X| = N/4 with a Hann window.
        let norm = 4.0 / ANALYSER_SIZE as f32;
        for (l, b) in self.levels_db.iter_mut().zip(&self.bins) {
            let db = 20.0 * (b.norm() * norm).max(1e-9).log10();
            *l = if db > *l {
                db
            } else {
                (*l - FALL_DB_PER_FRAME).max(db)
            }
            .max(FLOOR_DB);
        }
        true
    }

    /// Displayed level at a frequency, dBFS.
    pub fn level_at(&self, freq_hz: f32, sample_rate_hz: f32) -> f32 {
        let bin = freq_hz / sample_rate_hz * ANALYSER_SIZE as f32;
        let i = (bin.round() as usize).min(self.levels_db.len() - 1);
        self.levels_db[i]
    }
}

/// The sample rate to draw for (48 kHz before the plugin is activated) and the frequency axis
/// it allows: 20 Hz to 20 kHz or just below Nyquist.
fn axis(sample_rate_hz: f32) -> (f32, f32, f32) {
    let sr = if sample_rate_hz > 0.0 {
        sample_rate_hz
    } else {
        48_000.0
    };
    (sr, 20.0, 20_000.0f32.min(0.499 * sr))
}

/// Draws spectra on a logarithmic axis from 20 Hz to 20 kHz (or Nyquist), −120 … 0 dBFS.
pub fn draw_spectra(
    ui: &mut Ui,
    size: Vec2,
    sample_rate_hz: f32,
    spectra: &[(&SpectrumAnalyser, Color32, &str)],
) {
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    crate::probe::record(ui, "display", "spectrum", rect);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
    let (sr, lo, hi) = axis(sample_rate_hz);
    let span = (hi / lo).ln();
    let x_of = |f: f32| rect.left() + rect.width() * (f / lo).ln() / span;
    let y_of = |db: f32| rect.top() + rect.height() * (db / FLOOR_DB).clamp(0.0, 1.0);
    let grid = Stroke::new(1.0, theme::GRID);
    let font = egui::FontId::proportional(10.0);
    for (f, label) in [
        (50.0f32, "50"),
        (100.0, "100"),
        (500.0, "500"),
        (1e3, "1k"),
        (5e3, "5k"),
        (1e4, "10k"),
    ] {
        if f < hi {
            let x = x_of(f);
            painter.line_segment(
                [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                grid,
            );
            painter.text(
                Pos2::new(x + 2.0, rect.bottom() - 2.0),
                egui::Align2::LEFT_BOTTOM,
                label,
                font.clone(),
                theme::GRID_TEXT,
            );
        }
    }
    for db in [-20.0f32, -40.0, -60.0, -80.0, -100.0] {
        let y = y_of(db);
        painter.line_segment(
            [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
            grid,
        );
        painter.text(
            Pos2::new(rect.left() + 2.0, y),
            egui::Align2::LEFT_BOTTOM,
            format!("{db:.0}"),
            font.clone(),
            theme::GRID_TEXT,
        );
    }
    let num_points = (rect.width() as usize).clamp(64, 800);
    for (k, (spectrum, colour, name)) in spectra.iter().enumerate() {
        let points: Vec<Pos2> = (0..=num_points)
            .map(|i| {
                let f = lo * (hi / lo).powf(i as f32 / num_points as f32);
                Pos2::new(x_of(f), y_of(spectrum.level_at(f, sr)))
            })
            .collect();
        painter.add(egui::Shape::line(points, Stroke::new(1.5, *colour)));
        painter.text(
            Pos2::new(rect.right() - 6.0, rect.top() + 4.0 + 14.0 * k as f32),
            egui::Align2::RIGHT_TOP,
            *name,
            font.clone(),
            *colour,
        );
    }
}

/// Paints a spectrum behind another display (an EQ curve): `x_of` maps a frequency to x in
/// `rect`; levels from [`FLOOR_DB`] (bottom) to 0 dBFS (top), as a filled silhouette.
pub fn paint_behind(
    painter: &egui::Painter,
    rect: egui::Rect,
    spectrum: &SpectrumAnalyser,
    sample_rate_hz: f32,
    x_of: impl Fn(f32) -> f32,
    colour: Color32,
) {
    let (sr, lo, hi) = axis(sample_rate_hz);
    let n = (rect.width() as usize / 2).clamp(64, 600);
    let y_of = |db: f32| rect.top() + rect.height() * (db / FLOOR_DB).clamp(0.0, 1.0);
    let mut points = Vec::with_capacity(n + 1);
    for i in 0..=n {
        let f = lo * (hi / lo).powf(i as f32 / n as f32);
        points.push(Pos2::new(x_of(f), y_of(spectrum.level_at(f, sr))));
    }
    // The area under the line as one mesh (two triangles per step, no anti-aliasing
    // fringe), then the line itself.
    let fill = colour.gamma_multiply(0.25);
    let mut mesh = egui::Mesh::default();
    for p in &points {
        mesh.colored_vertex(*p, fill);
        mesh.colored_vertex(Pos2::new(p.x, rect.bottom()), fill);
    }
    for i in 0..points.len().saturating_sub(1) as u32 {
        let k = 2 * i;
        mesh.add_triangle(k, k + 1, k + 2);
        mesh.add_triangle(k + 1, k + 3, k + 2);
    }
    painter.add(egui::Shape::mesh(mesh));
    painter.add(egui::Shape::line(points, Stroke::new(1.0, colour)));
}
