//! Curve views that draw any function: a frequency response `Fn(freq_hz) -> dB` on a
//! logarithmic axis, and a compressor transfer curve `Fn(in_db) -> out_db` with a live dot.

use egui::{Pos2, Stroke, Ui, Vec2};

use crate::theme;

/// Frequency-response view settings.
#[derive(Clone, Copy, Debug)]
pub struct ResponseView {
    /// Lowest frequency shown, Hz.
    pub min_hz: f32,
    /// Highest frequency shown, Hz (drawn up to just below Nyquist).
    pub max_hz: f32,
    /// The view spans ± this many dB.
    pub range_db: f32,
    /// Points evaluated across the width.
    pub num_points: usize,
}

impl Default for ResponseView {
    fn default() -> Self {
        Self {
            min_hz: 10.0,
            max_hz: 30_000.0,
            range_db: 24.0,
            num_points: 400,
        }
    }
}

impl ResponseView {
    /// The frequencies at which the curve is evaluated for `sample_rate_hz` (log-spaced up to
    /// `0.499·fs`).
    pub fn frequencies(&self, sample_rate_hz: f32) -> impl Iterator<Item = f32> + '_ {
        let top = self.max_hz.min(0.499 * sample_rate_hz);
        let n = self.num_points.max(2);
        let min = self.min_hz;
        (0..=n).map(move |i| min * (top / min).powf(i as f32 / n as f32))
    }

    /// Draws the grid and `response_db` over it.
    pub fn draw(
        &self,
        ui: &mut Ui,
        size: Vec2,
        sample_rate_hz: f32,
        response_db: impl Fn(f32) -> f32,
    ) {
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
        let span = (self.max_hz / self.min_hz).ln();
        let x_of = |f: f32| rect.left() + rect.width() * (f / self.min_hz).ln() / span;
        let y_of = |db: f32| {
            rect.center().y - rect.height() * 0.5 * (db / self.range_db).clamp(-1.05, 1.05)
        };
        let grid = Stroke::new(1.0, theme::GRID);
        for f in [20.0f32, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4] {
            let x = x_of(f);
            painter.line_segment(
                [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                grid,
            );
            let label = if f >= 1000.0 {
                format!("{}k", f / 1000.0)
            } else {
                format!("{f}")
            };
            painter.text(
                Pos2::new(x + 2.0, rect.bottom() - 2.0),
                egui::Align2::LEFT_BOTTOM,
                label,
                egui::FontId::proportional(10.0),
                theme::GRID_TEXT,
            );
        }
        let step = (self.range_db / 4.0).round().max(1.0);
        let mut db = -(self.range_db / step).floor() * step;
        while db <= self.range_db {
            let y = y_of(db);
            let stroke = if db == 0.0 {
                Stroke::new(1.0, egui::Color32::from_gray(80))
            } else {
                grid
            };
            painter.line_segment(
                [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
                stroke,
            );
            painter.text(
                Pos2::new(rect.left() + 2.0, y - 1.0),
                egui::Align2::LEFT_BOTTOM,
                format!("{db:+.0}"),
                egui::FontId::proportional(10.0),
                theme::GRID_TEXT,
            );
            db += step;
        }
        let points: Vec<Pos2> = self
            .frequencies(sample_rate_hz)
            .map(|f| Pos2::new(x_of(f), y_of(response_db(f))))
            .collect();
        painter.add(egui::Shape::line(points, Stroke::new(2.0, theme::CURVE)));
    }
}

/// Maps a level in dB to a position along a transfer view's axis, 0–1.
pub fn transfer_fraction(db: f32, min_db: f32, max_db: f32) -> f32 {
    ((db - min_db) / (max_db - min_db)).clamp(0.0, 1.0)
}

/// Draws a square transfer-curve view from `min_db` to `max_db` on both axes: the unity
/// diagonal, `out_db(in_db)`, and the live level dot at `(level_db, out_db(level_db))`.
pub fn transfer_view(
    ui: &mut Ui,
    side: f32,
    min_db: f32,
    max_db: f32,
    out_db: impl Fn(f32) -> f32,
    level_db: Option<f32>,
) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(side), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
    let to_pos = |i: f32, o: f32| {
        Pos2::new(
            rect.left() + rect.width() * transfer_fraction(i, min_db, max_db),
            rect.bottom() - rect.height() * transfer_fraction(o, min_db, max_db),
        )
    };
    let grid = Stroke::new(1.0, theme::GRID);
    let mut db = (min_db / 10.0).ceil() * 10.0;
    while db <= max_db {
        let p = to_pos(db, db);
        painter.line_segment(
            [Pos2::new(p.x, rect.top()), Pos2::new(p.x, rect.bottom())],
            grid,
        );
        painter.line_segment(
            [Pos2::new(rect.left(), p.y), Pos2::new(rect.right(), p.y)],
            grid,
        );
        painter.text(
            Pos2::new(p.x + 2.0, rect.bottom() - 2.0),
            egui::Align2::LEFT_BOTTOM,
            format!("{db:.0}"),
            egui::FontId::proportional(10.0),
            theme::GRID_TEXT,
        );
        db += 10.0;
    }
    painter.line_segment(
        [to_pos(min_db, min_db), to_pos(max_db, max_db)],
        Stroke::new(1.0, egui::Color32::from_gray(80)),
    );
    let n = 200;
    let points: Vec<Pos2> = (0..=n)
        .map(|i| {
            let x = min_db + (max_db - min_db) * i as f32 / n as f32;
            to_pos(x, out_db(x))
        })
        .collect();
    painter.add(egui::Shape::line(points, Stroke::new(2.0, theme::CURVE)));
    if let Some(l) = level_db.filter(|l| *l > min_db) {
        painter.circle_filled(to_pos(l, out_db(l)), 4.0, theme::ACCENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_frequencies_are_log_spaced_and_stop_below_nyquist() {
        let v = ResponseView::default();
        let f: Vec<f32> = v.frequencies(44_100.0).collect();
        assert_eq!(f.len(), v.num_points + 1);
        assert!((f[0] - v.min_hz).abs() < 1e-3);
        assert!((f[f.len() - 1] - 0.499 * 44_100.0).abs() < 0.1);
        let r1 = f[1] / f[0];
        let r2 = f[200] / f[199];
        assert!((r1 - r2).abs() < 1e-4, "constant ratio");
    }

    #[test]
    fn transfer_axis_maps_the_range() {
        assert_eq!(transfer_fraction(-60.0, -60.0, 0.0), 0.0);
        assert_eq!(transfer_fraction(-30.0, -60.0, 0.0), 0.5);
        assert_eq!(transfer_fraction(6.0, -60.0, 0.0), 1.0);
    }
}
