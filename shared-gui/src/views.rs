//! Curve views that draw any function: a frequency response `Fn(freq_hz) -> dB` on a
//! logarithmic axis, and a compressor transfer curve `Fn(in_db) -> out_db` with a live dot.

use egui::{Color32, Pos2, Rect, Stroke, Ui, Vec2};
use nice_plug::prelude::*;

use crate::{controls, theme};

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

    /// The x position of `freq_hz` in `rect` (logarithmic axis).
    pub fn x_of(&self, rect: Rect, freq_hz: f32) -> f32 {
        let span = (self.max_hz / self.min_hz).ln();
        rect.left() + rect.width() * (freq_hz.max(1e-3) / self.min_hz).ln() / span
    }

    /// The frequency at x position `x` in `rect` (the inverse of [`ResponseView::x_of`]).
    pub fn freq_at(&self, rect: Rect, x: f32) -> f32 {
        self.min_hz * (self.max_hz / self.min_hz).powf((x - rect.left()) / rect.width())
    }

    /// The y position of `db` in `rect` (0 dB in the middle, ± `range_db` at the edges).
    pub fn y_of(&self, rect: Rect, db: f32) -> f32 {
        rect.center().y - rect.height() * 0.5 * (db / self.range_db).clamp(-1.05, 1.05)
    }

    /// The level at y position `y` in `rect` (the inverse of [`ResponseView::y_of`] inside
    /// the view).
    pub fn db_at(&self, rect: Rect, y: f32) -> f32 {
        (rect.center().y - y) / (rect.height() * 0.5) * self.range_db
    }

    /// Allocates the view, paints its background, calls `background` (e.g. a spectrum) and the
    /// grid; returns the view's rectangle for curves and nodes drawn on top.
    pub fn frame(
        &self,
        ui: &mut Ui,
        size: Vec2,
        background: impl FnOnce(&egui::Painter, Rect),
    ) -> Rect {
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        crate::probe::record(ui, "display", "response", rect);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
        background(&painter, rect);
        let grid = Stroke::new(1.0, theme::GRID);
        for f in [20.0f32, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4] {
            let x = self.x_of(rect, f);
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
        let step = if self.range_db > 12.0 { 6.0 } else { 3.0 };
        let mut db = -self.range_db + step;
        while db < self.range_db {
            let y = self.y_of(rect, db);
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
        rect
    }

    /// Paints `response_db` over the view in `rect`.
    pub fn curve(
        &self,
        ui: &Ui,
        rect: Rect,
        sample_rate_hz: f32,
        stroke: Stroke,
        response_db: impl Fn(f32) -> f32,
    ) {
        let points: Vec<Pos2> = self
            .frequencies(sample_rate_hz)
            .map(|f| Pos2::new(self.x_of(rect, f), self.y_of(rect, response_db(f))))
            .collect();
        ui.painter_at(rect).add(egui::Shape::line(points, stroke));
    }

    /// Draws the grid and `response_db` over it.
    pub fn draw(
        &self,
        ui: &mut Ui,
        size: Vec2,
        sample_rate_hz: f32,
        response_db: impl Fn(f32) -> f32,
    ) -> Rect {
        let rect = self.frame(ui, size, |_, _| {});
        self.curve(
            ui,
            rect,
            sample_rate_hz,
            Stroke::new(2.0, theme::CURVE),
            response_db,
        );
        rect
    }
}

/// A grabbable node on a response view for one EQ band or filter: drag for frequency (and
/// gain, when the band has one), wheel for Q, click to switch it on or off, double-click to
/// reset it; hovering shows its settings.
pub struct EqNode<'a> {
    /// Short label drawn in the node ("1", "HP").
    pub label: &'a str,
    /// Name in the hover text ("Band 1").
    pub name: &'a str,
    /// Its frequency.
    pub freq: &'a FloatParam,
    /// Its gain (`None`: the node sits on the 0 dB line and moves sideways only).
    pub gain: Option<&'a FloatParam>,
    /// Its Q or slope, set by the wheel (`None`: the wheel does nothing).
    pub q: Option<&'a dyn ParamWheel>,
    /// Its on/off switch.
    pub on: &'a BoolParam,
    /// Its colour.
    pub colour: Color32,
}

/// A parameter the mouse wheel can step (object-safe, for [`EqNode::q`]).
pub trait ParamWheel {
    /// Applies this frame's wheel to the parameter; whether it changed.
    fn wheel(&self, ui: &Ui, setter: &ParamSetter) -> bool;
    /// Resets it to its default (one gesture).
    fn reset(&self, setter: &ParamSetter);
    /// Its value as text.
    fn text(&self) -> String;
}

impl<P: Param> ParamWheel for P {
    fn wheel(&self, ui: &Ui, setter: &ParamSetter) -> bool {
        controls::apply_wheel(ui, self, setter)
    }
    fn reset(&self, setter: &ParamSetter) {
        controls::set_normalized(setter, self, self.default_normalized_value());
    }
    fn text(&self) -> String {
        self.to_string()
    }
}

/// Radius of an EQ node, points (it can be grabbed a little outside).
pub const NODE_RADIUS: f32 = 7.0;

impl ResponseView {
    /// Where a node sits in `rect` (its parameters' current values).
    pub fn node_pos(&self, rect: Rect, node: &EqNode) -> Pos2 {
        let gain = node.gain.map_or(0.0, |g| g.modulated_plain_value());
        Pos2::new(
            self.x_of(rect, node.freq.modulated_plain_value()),
            self.y_of(rect, gain),
        )
    }

    /// Draws the nodes on the view in `rect` and applies what the pointer does to them, each
    /// edit as one gesture on that node's own parameters only.
    pub fn nodes(&self, ui: &mut Ui, rect: Rect, nodes: &[EqNode], setter: &ParamSetter) {
        for (k, node) in nodes.iter().enumerate() {
            let id = ui.scope_id().with(("eq_node", k));
            let pos = self.node_pos(rect, node);
            let hit = Rect::from_center_size(pos, Vec2::splat(2.0 * NODE_RADIUS + 6.0));
            let resp = ui.interact(hit.intersect(rect), id, egui::Sense::click_and_drag());
            if resp.drag_started() {
                setter.begin_set_parameter(node.freq);
                if let Some(g) = node.gain {
                    setter.begin_set_parameter(g);
                }
                let start = (
                    node.freq.unmodulated_normalized_value(),
                    node.gain.map_or(0.5, |g| g.unmodulated_normalized_value()),
                );
                ui.data_mut(|d| d.insert_temp(id.with("start"), start));
            }
            if resp.dragged() {
                // The node follows the pointer: the value at the node's start position plus
                // the pointer's travel (a tenth of it with Shift).
                let (f0, g0): (f32, f32) = ui
                    .data(|d| d.get_temp(id.with("start")))
                    .unwrap_or((node.freq.unmodulated_normalized_value(), 0.5));
                let fine = if ui.input(|i| i.modifiers.shift) {
                    0.1
                } else {
                    1.0
                };
                let delta = resp.total_drag_delta().unwrap_or_default() * fine;
                let start_pos = Pos2::new(
                    self.x_of(rect, node.freq.preview_plain(f0)),
                    self.y_of(rect, node.gain.map_or(0.0, |g| g.preview_plain(g0))),
                );
                let target = start_pos + delta;
                let f = node.freq.preview_normalized(self.freq_at(rect, target.x));
                if f != node.freq.unmodulated_normalized_value() {
                    setter.set_parameter_normalized(node.freq, f);
                }
                if let Some(g) = node.gain {
                    let n = g.preview_normalized(self.db_at(rect, target.y));
                    if n != g.unmodulated_normalized_value() {
                        setter.set_parameter_normalized(g, n);
                    }
                }
            }
            if resp.drag_stopped() {
                setter.end_set_parameter(node.freq);
                if let Some(g) = node.gain {
                    setter.end_set_parameter(g);
                }
            }
            if resp.clicked() {
                controls::set_normalized(setter, node.on, if node.on.value() { 0.0 } else { 1.0 });
            }
            if resp.double_clicked() {
                // The double-click's first click switched the node; the second switches it
                // back, then the node returns to its defaults.
                node.freq.reset(setter);
                if let Some(g) = node.gain {
                    g.reset(setter);
                }
                if let Some(q) = node.q {
                    q.reset(setter);
                }
            }
            if resp.hovered() && !resp.dragged() {
                if let Some(q) = node.q {
                    q.wheel(ui, setter);
                }
            }
            let on = node.on.value();
            let painter = ui.painter_at(rect);
            let fill = if on {
                node.colour
            } else {
                node.colour.gamma_multiply(0.35)
            };
            let r = if resp.hovered() || resp.dragged() {
                NODE_RADIUS + 1.5
            } else {
                NODE_RADIUS
            };
            painter.circle(pos, r, fill, Stroke::new(1.0, theme::TEXT));
            painter.text(
                pos,
                egui::Align2::CENTER_CENTER,
                node.label,
                egui::FontId::proportional(9.0),
                egui::Color32::BLACK,
            );
            let mut text = format!("{}: {}", node.name, node.freq);
            if let Some(g) = node.gain {
                text += &format!("  {g}");
            }
            if let Some(q) = node.q {
                text += &format!("  {}", q.text());
            }
            text += if on { "" } else { "  (off)" };
            resp.on_hover_text(format!(
                "{text}\nDrag: frequency{}, wheel: {}, click: on/off, double-click: reset",
                if node.gain.is_some() { " and gain" } else { "" },
                if node.q.is_some() {
                    "Q/slope"
                } else {
                    "nothing"
                },
            ));
        }
    }
}

/// Maps a level in dB to a position along a transfer view's axis, 0–1.
pub fn transfer_fraction(db: f32, min_db: f32, max_db: f32) -> f32 {
    ((db - min_db) / (max_db - min_db)).clamp(0.0, 1.0)
}

/// Width of a transfer view's output-level axis (its labels), points.
const TRANSFER_AXIS_W: f32 = 26.0;
/// Height of a transfer view's input-level axis (its labels), points.
const TRANSFER_AXIS_H: f32 = 14.0;

/// Paints an axis label inside a display and records it for the layout probe, so a test sees a
/// label the display would cut off.
fn axis_label(
    ui: &Ui,
    painter: &egui::Painter,
    display: Rect,
    pos: Pos2,
    align: egui::Align2,
    text: String,
) {
    let galley = painter.layout_no_wrap(
        text.clone(),
        egui::FontId::proportional(10.0),
        theme::GRID_TEXT,
    );
    let rect = align.anchor_size(pos, galley.size());
    crate::probe::record_in(ui, "label", &text, rect, display);
    painter.galley(rect.min, galley, theme::GRID_TEXT);
}

/// Draws a transfer-curve view from `min_db` to `max_db` on both axes, in a `side` × `side`
/// square: a square plot with the input level along the bottom and the output level up the
/// left (a label at every 10 dB), the unity diagonal, `out_db(in_db)`, and the live level
/// dot at `(level_db, out_db(level_db))`.
pub fn transfer_view(
    ui: &mut Ui,
    side: f32,
    min_db: f32,
    max_db: f32,
    out_db: impl Fn(f32) -> f32,
    level_db: Option<f32>,
) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(side), egui::Sense::hover());
    crate::probe::record(ui, "display", "transfer curve", rect);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
    // The plot: square, right of the output axis and above the input axis, 6 pt from the
    // other two edges so the top and right labels' halves stay inside.
    let plot_side = (side - TRANSFER_AXIS_W - 6.0)
        .min(side - TRANSFER_AXIS_H - 6.0)
        .max(1.0);
    let plot = Rect::from_min_size(
        Pos2::new(rect.left() + TRANSFER_AXIS_W, rect.top() + 6.0),
        Vec2::splat(plot_side),
    );
    let to_pos = |i: f32, o: f32| {
        Pos2::new(
            plot.left() + plot.width() * transfer_fraction(i, min_db, max_db),
            plot.bottom() - plot.height() * transfer_fraction(o, min_db, max_db),
        )
    };
    let grid = Stroke::new(1.0, theme::GRID);
    painter.rect_stroke(plot, 0.0, grid, egui::StrokeKind::Inside);
    let mut db = (min_db / 10.0).ceil() * 10.0;
    while db <= max_db {
        let p = to_pos(db, db);
        painter.line_segment(
            [Pos2::new(p.x, plot.top()), Pos2::new(p.x, plot.bottom())],
            grid,
        );
        painter.line_segment(
            [Pos2::new(plot.left(), p.y), Pos2::new(plot.right(), p.y)],
            grid,
        );
        let text = format!("{db:.0}");
        axis_label(
            ui,
            &painter,
            rect,
            Pos2::new(
                p.x.clamp(plot.left() + 8.0, plot.right() - 8.0),
                plot.bottom() + 1.0,
            ),
            egui::Align2::CENTER_TOP,
            text.clone(),
        );
        axis_label(
            ui,
            &painter,
            rect,
            Pos2::new(
                plot.left() - 3.0,
                p.y.clamp(plot.top() + 6.0, plot.bottom() - 6.0),
            ),
            egui::Align2::RIGHT_CENTER,
            text,
        );
        db += 10.0;
    }
    let curve = ui.painter_at(plot);
    curve.line_segment(
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
    curve.add(egui::Shape::line(points, Stroke::new(2.0, theme::CURVE)));
    if let Some(l) = level_db.filter(|l| *l > min_db) {
        curve.circle_filled(to_pos(l, out_db(l)), 4.0, theme::ACCENT);
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

    /// The transfer view's axis labels sit inside it (one per 10 dB on each axis, −60…10, no two
    /// overlapping), and the layout probe sees a label the view would cut off: one drawn
    /// past its right edge, as the first version of this view did with its "10".
    #[test]
    fn transfer_labels_fit_and_the_probe_sees_a_cut_one() {
        let mut rig = crate::testing::Rig::new(Vec2::new(400.0, 400.0), 1.0);
        rig.frame(|ui| transfer_view(ui, 300.0, -60.0, 12.0, |x| x, Some(-20.0)));
        let placed = rig.frame(|ui| transfer_view(ui, 300.0, -60.0, 12.0, |x| x, Some(-20.0)));
        let labels: Vec<_> = placed.iter().filter(|p| p.kind == "label").collect();
        assert_eq!(labels.len(), 2 * 8, "{labels:?}");
        let problems = crate::probe::problems(&placed, rig.screen(), 0.5);
        assert!(problems.is_empty(), "{problems:#?}");
        let cut = rig.frame(|ui| {
            let (rect, _) = ui.allocate_exact_size(Vec2::splat(100.0), egui::Sense::hover());
            crate::probe::record(ui, "display", "test", rect);
            let painter = ui.painter_at(rect);
            axis_label(
                ui,
                &painter,
                rect,
                rect.right_bottom(),
                egui::Align2::CENTER_BOTTOM,
                "10".into(),
            );
        });
        let problems = crate::probe::problems(&cut, rig.screen(), 0.5);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("label '10'") && p.contains("cut off")),
            "{problems:#?}"
        );
    }

    #[test]
    fn transfer_axis_maps_the_range() {
        assert_eq!(transfer_fraction(-60.0, -60.0, 0.0), 0.0);
        assert_eq!(transfer_fraction(-30.0, -60.0, 0.0), 0.5);
        assert_eq!(transfer_fraction(6.0, -60.0, 0.0), 1.0);
    }
}
