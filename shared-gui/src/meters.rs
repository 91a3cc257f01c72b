//! Level and gain-reduction meters, and a gain-reduction history strip.

use egui::{Color32, Pos2, Rect, Stroke, Ui, Vec2};

use crate::theme;

/// Meter scale floor, dBFS.
pub const METER_FLOOR_DB: f32 = -60.0;
/// Full scale of a gain-reduction meter, dB.
pub const GR_FULL_SCALE_DB: f32 = 30.0;

/// Width of a level or gain-reduction meter, points.
pub const METER_WIDTH: f32 = 38.0;
/// How long the peak hold stays before it falls, seconds.
pub const PEAK_HOLD_S: f64 = 1.5;
/// How fast the held peak falls after [`PEAK_HOLD_S`], dB per second.
pub const PEAK_FALL_DB_PER_S: f32 = 20.0;

fn meter_rect(ui: &mut Ui, label: &str, height: f32) -> Rect {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(METER_WIDTH, height), egui::Sense::hover());
    crate::probe::record(ui, "meter", label, rect);
    let painter = ui.painter();
    painter.text(
        Pos2::new(rect.center().x, rect.bottom()),
        egui::Align2::CENTER_BOTTOM,
        label,
        egui::FontId::proportional(10.0),
        Color32::from_gray(170),
    );
    let bar = Rect::from_min_max(
        Pos2::new(rect.left() + 8.0, rect.top() + 14.0),
        Pos2::new(rect.right() - 8.0, rect.bottom() - 14.0),
    );
    painter.rect_filled(bar, 2.0, theme::DISPLAY_BG);
    bar
}

/// Fraction of a level meter's height for `db`.
pub fn level_fraction(db: f32) -> f32 {
    ((db - METER_FLOOR_DB) / -METER_FLOOR_DB).clamp(0.0, 1.0)
}

/// A held peak: the highest peak stays for [`PEAK_HOLD_S`], then falls at
/// [`PEAK_FALL_DB_PER_S`]; a new higher peak takes its place at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeakHold {
    /// The held level, dB.
    pub db: f32,
    /// When it was caught, seconds (editor time).
    pub since_s: f64,
}

impl PeakHold {
    /// The hold after a new reading `peak_db` at time `now_s`.
    pub fn next(self, peak_db: f32, now_s: f64) -> Self {
        let age = now_s - self.since_s;
        let held = if age <= PEAK_HOLD_S {
            self.db
        } else {
            self.db - PEAK_FALL_DB_PER_S * (age - PEAK_HOLD_S) as f32
        };
        if !held.is_finite() || peak_db >= held {
            Self {
                db: peak_db,
                since_s: now_s,
            }
        } else {
            Self {
                db: held,
                since_s: if age <= PEAK_HOLD_S {
                    self.since_s
                } else {
                    now_s - PEAK_HOLD_S
                },
            }
        }
    }
}

/// A vertical level meter: RMS bar, peak line and held peak, with the held peak's value on top.
pub fn level_meter(ui: &mut Ui, label: &str, peak_db: f32, rms_db: f32, height: f32) {
    let bar = meter_rect(ui, label, height);
    let now = ui.input(|i| i.time);
    let key = ui.scope_id().with(("peak_hold", label));
    let hold = ui
        .data(|d| d.get_temp::<PeakHold>(key))
        .unwrap_or(PeakHold {
            db: f32::NEG_INFINITY,
            since_s: now,
        })
        .next(peak_db, now);
    ui.data_mut(|d| d.insert_temp(key, hold));
    let painter = ui.painter();
    let top = |f: f32| bar.bottom() - bar.height() * f;
    let rms = Rect::from_min_max(Pos2::new(bar.left(), top(level_fraction(rms_db))), bar.max);
    painter.rect_filled(rms, 0.0, theme::LEVEL);
    let colour = if peak_db > -0.1 {
        theme::CLIP
    } else {
        theme::PEAK
    };
    let y = top(level_fraction(peak_db));
    painter.line_segment(
        [Pos2::new(bar.left(), y), Pos2::new(bar.right(), y)],
        Stroke::new(1.0, colour),
    );
    let held_colour = if hold.db > -0.1 {
        theme::CLIP
    } else {
        theme::TEXT
    };
    let yh = top(level_fraction(hold.db));
    painter.line_segment(
        [Pos2::new(bar.left(), yh), Pos2::new(bar.right(), yh)],
        Stroke::new(2.0, held_colour),
    );
    painter.text(
        Pos2::new(bar.center().x, bar.top() - 2.0),
        egui::Align2::CENTER_BOTTOM,
        if hold.db <= -100.0 {
            "-∞".to_string()
        } else {
            format!("{:.1}", hold.db)
        },
        egui::FontId::proportional(10.0),
        Color32::from_gray(200),
    );
}

/// A vertical gain-reduction meter growing down from the top (0 to [`GR_FULL_SCALE_DB`]).
pub fn gr_meter(ui: &mut Ui, label: &str, gain_db: f32, height: f32) {
    let bar = meter_rect(ui, label, height);
    let painter = ui.painter();
    let f = (-gain_db / GR_FULL_SCALE_DB).clamp(0.0, 1.0);
    let r = Rect::from_min_max(
        bar.min,
        Pos2::new(bar.right(), bar.top() + bar.height() * f),
    );
    painter.rect_filled(r, 0.0, theme::ACCENT);
    painter.text(
        Pos2::new(bar.center().x, bar.top() - 2.0),
        egui::Align2::CENTER_BOTTOM,
        format!("{gain_db:.1}"),
        egui::FontId::proportional(10.0),
        Color32::from_gray(200),
    );
}

/// The last few seconds of gain reduction, one reading per editor frame.
pub struct GrHistory {
    values: Vec<f32>,
    next: usize,
}

impl GrHistory {
    /// A history of `len` readings (allocated here, on the GUI thread).
    pub fn new(len: usize) -> Self {
        Self {
            values: vec![0.0; len.max(2)],
            next: 0,
        }
    }

    /// Adds a reading (dB, ≤ 0).
    pub fn push(&mut self, gain_db: f32) {
        self.values[self.next] = gain_db;
        self.next = (self.next + 1) % self.values.len();
    }

    /// The readings, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = f32> + '_ {
        self.values[self.next..]
            .iter()
            .chain(self.values[..self.next].iter())
            .copied()
    }

    /// Draws the history as a filled strip, 0 dB at the top.
    pub fn draw(&self, ui: &mut Ui, size: Vec2) {
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        crate::probe::record(ui, "display", "gain reduction history", rect);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
        let n = self.values.len();
        let dx = rect.width() / (n - 1) as f32;
        let mut points = Vec::with_capacity(n);
        for (i, v) in self.iter().enumerate() {
            let f = (-v / GR_FULL_SCALE_DB).clamp(0.0, 1.0);
            points.push(Pos2::new(
                rect.left() + i as f32 * dx,
                rect.top() + rect.height() * f,
            ));
        }
        painter.add(egui::Shape::line(points, Stroke::new(1.5, theme::ACCENT)));
        for db in [6.0f32, 12.0, 24.0] {
            let y = rect.top() + rect.height() * db / GR_FULL_SCALE_DB;
            painter.line_segment(
                [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
                Stroke::new(1.0, theme::GRID),
            );
            painter.text(
                Pos2::new(rect.left() + 2.0, y - 1.0),
                egui::Align2::LEFT_BOTTOM,
                format!("-{db:.0}"),
                egui::FontId::proportional(10.0),
                theme::GRID_TEXT,
            );
        }
    }
}

/// Full scale of the gain-reduction needle, dB (the classic console meter reads to 20).
pub const NEEDLE_FULL_SCALE_DB: f32 = 20.0;

/// A gain-reduction needle in the style of a console's VU-type GR meter: 0 dB at the right,
/// [`NEEDLE_FULL_SCALE_DB`] at the left, with the reading below.
pub fn gr_needle(ui: &mut Ui, gain_db: f32, size: Vec2) {
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    crate::probe::record(ui, "meter", "gain reduction needle", rect);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
    let pivot = Pos2::new(rect.center().x, rect.bottom() - 8.0);
    let r = (rect.height() - 24.0).min(rect.width() * 0.5 - 8.0);
    // The scale spans 100° around the vertical: 0 dB at +50°, full scale at −50°.
    let angle = |db: f32| {
        let f = (db / NEEDLE_FULL_SCALE_DB).clamp(0.0, 1.0);
        (-90.0f32 + 50.0 - 100.0 * f).to_radians()
    };
    for db in [0.0f32, 2.0, 4.0, 6.0, 10.0, 14.0, 20.0] {
        let a = angle(db);
        let outer = pivot + r * Vec2::angled(a);
        let inner = pivot + (r - 6.0) * Vec2::angled(a);
        painter.line_segment([inner, outer], Stroke::new(1.0, theme::GRID_TEXT));
        painter.text(
            pivot + (r + 7.0) * Vec2::angled(a),
            egui::Align2::CENTER_CENTER,
            format!("{db:.0}"),
            egui::FontId::proportional(9.0),
            theme::GRID_TEXT,
        );
    }
    let a = angle(-gain_db);
    painter.line_segment(
        [pivot, pivot + (r - 2.0) * Vec2::angled(a)],
        Stroke::new(2.0, theme::ACCENT),
    );
    painter.circle_filled(pivot, 3.0, theme::TEXT);
    painter.text(
        Pos2::new(rect.left() + 6.0, rect.top() + 4.0),
        egui::Align2::LEFT_TOP,
        format!("GR {:.1} dB", gain_db.min(0.0)),
        egui::FontId::proportional(11.0),
        theme::TEXT,
    );
}

/// A meter reading as text, one decimal with its unit (`"-14.2 LUFS"`, or no unit when
/// `unit` is empty), or "–" when there is nothing to read: silence (below −150, where the
/// meters park) or a value that is not finite.
pub fn reading_text(v: f64, unit: &str) -> String {
    if v.is_finite() && v > -150.0 {
        if unit.is_empty() {
            format!("{v:.1}")
        } else {
            format!("{v:.1} {unit}")
        }
    } else {
        "–".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keeps_the_newest_readings_in_order() {
        let mut h = GrHistory::new(3);
        for v in [-1.0, -2.0, -3.0, -4.0] {
            h.push(v);
        }
        assert_eq!(h.iter().collect::<Vec<_>>(), vec![-2.0, -3.0, -4.0]);
    }

    #[test]
    fn peak_hold_holds_then_falls() {
        let h = PeakHold {
            db: f32::NEG_INFINITY,
            since_s: 0.0,
        };
        let h = h.next(-6.0, 0.0);
        assert_eq!(h.db, -6.0);
        // Lower readings within the hold time leave it.
        let h = h.next(-20.0, 1.0);
        assert_eq!(h.db, -6.0);
        // Half a second after the hold: 10 dB lower.
        let h2 = h.next(-40.0, PEAK_HOLD_S + 0.5);
        assert!((h2.db - -16.0).abs() < 1e-4, "{}", h2.db);
        // And it keeps falling from there at the same rate.
        let h3 = h2.next(-40.0, PEAK_HOLD_S + 1.0);
        assert!((h3.db - -26.0).abs() < 1e-4, "{}", h3.db);
        // A higher reading takes over at once.
        let h4 = h3.next(-3.0, PEAK_HOLD_S + 1.1);
        assert_eq!(h4.db, -3.0);
    }

    #[test]
    fn level_fraction_spans_the_scale() {
        assert_eq!(level_fraction(0.0), 1.0);
        assert_eq!(level_fraction(METER_FLOOR_DB), 0.0);
        assert_eq!(level_fraction(-30.0), 0.5);
        assert_eq!(level_fraction(-200.0), 0.0);
    }
}

#[cfg(test)]
mod reading_tests {
    use super::*;

    #[test]
    fn readings_show_one_decimal_and_a_dash_for_silence() {
        assert_eq!(reading_text(-14.23, "LUFS"), "-14.2 LUFS");
        assert_eq!(reading_text(-0.96, ""), "-1.0");
        assert_eq!(reading_text(-149.9, "dBFS"), "-149.9 dBFS");
        assert_eq!(reading_text(-150.0, "dBFS"), "–");
        assert_eq!(reading_text(f64::NAN, "dB"), "–");
        assert_eq!(reading_text(f64::NEG_INFINITY, ""), "–");
    }
}
