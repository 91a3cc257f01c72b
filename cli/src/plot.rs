//! Pictures for `--plot FILE.png`: loudness over time (`lathe loudness`) and the tonal balance
//! of a mix against a reference (`lathe compare`), 1200×700 pixels in the suite's dark look.
//!
//! Drawn with `vello_cpu` (anti-aliased paths and strokes on the CPU); text is the Ubuntu
//! typeface bundled with egui (`epaint_default_fonts`), its glyph outlines read with `skrifa`
//! and filled as paths; the PNG is written by [`crate::png`].

use crate::measure::Measurement;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, MetadataProvider};
use std::path::Path;
use vello_cpu::color::{AlphaColor, Srgb};
use vello_cpu::kurbo::{Affine, BezPath, Cap, Circle, Join, Rect, Shape, Stroke};
use vello_cpu::{Pixmap, RenderContext, Resources};

/// Width of every plot, in pixels.
pub const WIDTH_PX: u16 = 1200;
/// Height of every plot, in pixels.
pub const HEIGHT_PX: u16 = 700;

/// An sRGB colour with alpha.
type Color = AlphaColor<Srgb>;

/// The suite's palette: the editors' colours (`shared_plugin::palette`), plus one the editors
/// do not need.
mod palette {
    use super::Color;
    use shared_plugin::palette as theme;

    /// A suite colour for the plots.
    const fn c(c: theme::Rgb) -> Color {
        Color::from_rgb8(c.0, c.1, c.2)
    }
    /// Window background.
    pub const WINDOW_BG: Color = c(theme::WINDOW_BG);
    /// Background of the plot areas.
    pub const DISPLAY_BG: Color = c(theme::DISPLAY_BG);
    /// Major grid lines.
    pub const GRID: Color = c(theme::GRID);
    /// Minor grid lines (between the display background and the grid).
    pub const GRID_MINOR: Color = Color::from_rgb8(32, 32, 32);
    /// Tick labels.
    pub const GRID_TEXT: Color = c(theme::GRID_TEXT);
    /// Titles and values.
    pub const TEXT: Color = c(theme::TEXT);
    /// Captions.
    pub const LABEL: Color = c(theme::LABEL);
    /// Accent (the mix, short-term loudness).
    pub const ACCENT: Color = c(theme::ACCENT);
    /// Curves (the reference, momentary loudness).
    pub const CURVE: Color = c(theme::CURVE);
    /// Target lines (green, as the limiter editor's target).
    pub const TARGET: Color = c(theme::LEVEL);
    /// Ceilings and overs.
    pub const WARN: Color = c(theme::WARN);
    /// Peak markers.
    pub const PEAK: Color = c(theme::PEAK);
}

/// How a text is placed relative to its anchor's x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    /// The text starts at x.
    Left,
    /// The text is centred on x.
    Centre,
    /// The text ends at x.
    Right,
}

/// Collects a glyph outline (font units already scaled to pixels, y up) into a path, offset
/// by `dx` and flipped to the canvas's y-down coordinates.
struct GlyphPen<'p> {
    /// The path the outline is appended to.
    path: &'p mut BezPath,
    /// Horizontal offset of the glyph (the advance of the text before it), in px.
    dx: f64,
}

impl OutlinePen for GlyphPen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.path.move_to((self.dx + f64::from(x), -f64::from(y)));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.path.line_to((self.dx + f64::from(x), -f64::from(y)));
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.path.quad_to(
            (self.dx + f64::from(cx0), -f64::from(cy0)),
            (self.dx + f64::from(x), -f64::from(y)),
        );
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.path.curve_to(
            (self.dx + f64::from(cx0), -f64::from(cy0)),
            (self.dx + f64::from(cx1), -f64::from(cy1)),
            (self.dx + f64::from(x), -f64::from(y)),
        );
    }
    fn close(&mut self) {
        self.path.close_path();
    }
}

/// A picture being drawn: a `vello_cpu` context and the label font.
struct Canvas {
    /// The drawing commands so far.
    ctx: RenderContext,
    /// The label typeface.
    font: FontRef<'static>,
}

impl Canvas {
    /// A blank canvas of [`WIDTH_PX`] × [`HEIGHT_PX`] filled with `background`.
    fn new(background: Color) -> Result<Self, String> {
        let font = FontRef::new(epaint_default_fonts::UBUNTU_LIGHT)
            .map_err(|e| format!("internal error: label font ({e})"))?;
        let mut canvas = Self {
            ctx: RenderContext::new(WIDTH_PX, HEIGHT_PX),
            font,
        };
        canvas.rect(
            Rect::new(0.0, 0.0, f64::from(WIDTH_PX), f64::from(HEIGHT_PX)),
            background,
        );
        Ok(canvas)
    }

    /// Fills `rect`.
    fn rect(&mut self, rect: Rect, color: Color) {
        self.ctx.set_paint(color);
        self.ctx.fill_rect(&rect);
    }

    /// Fills `path`.
    fn fill(&mut self, path: &BezPath, color: Color) {
        self.ctx.set_paint(color);
        self.ctx.fill_path(path);
    }

    /// Strokes `path` `width` px wide, dashed when `dashes` (on, off, ... in px) is not empty.
    fn stroke(&mut self, path: &BezPath, width: f64, color: Color, dashes: &[f64]) {
        let mut stroke = Stroke::new(width).with_join(Join::Round);
        stroke = if dashes.is_empty() {
            stroke.with_caps(Cap::Round)
        } else {
            stroke
                .with_caps(Cap::Butt)
                .with_dashes(0.0, dashes.iter().copied())
        };
        self.ctx.set_stroke(stroke);
        self.ctx.set_paint(color);
        self.ctx.stroke_path(path);
    }

    /// A straight line.
    fn line(&mut self, from: (f64, f64), to: (f64, f64), width: f64, color: Color, dashes: &[f64]) {
        let mut path = BezPath::new();
        path.move_to(from);
        path.line_to(to);
        self.stroke(&path, width, color, dashes);
    }

    /// Lines through `points`, broken where a point is `None`.
    fn polyline(&mut self, points: &[Option<(f64, f64)>], width: f64, color: Color) {
        let mut path = BezPath::new();
        let mut pen_down = false;
        for p in points {
            match p {
                Some(p) if pen_down => path.line_to(*p),
                Some(p) => {
                    path.move_to(*p);
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        self.stroke(&path, width, color, &[]);
    }

    /// Restricts drawing to `rect` until [`Self::unclip`].
    fn clip(&mut self, rect: Rect) {
        self.ctx.push_clip_layer(&rect.to_path(0.1));
    }

    /// Ends the last [`Self::clip`].
    fn unclip(&mut self) {
        self.ctx.pop_layer();
    }

    /// The outlines of `text` at `size_px`, baseline at y = 0 from x = 0, and its advance.
    fn text_path(&self, text: &str, size_px: f64) -> (BezPath, f64) {
        let size = Size::new(size_px as f32);
        let charmap = self.font.charmap();
        let outlines = self.font.outline_glyphs();
        let metrics = GlyphMetrics::new(&self.font, size, LocationRef::default());
        let mut path = BezPath::new();
        let mut x = 0.0;
        for ch in text.chars() {
            let Some(gid) = charmap.map(ch).or_else(|| charmap.map('?')) else {
                continue;
            };
            if let Some(glyph) = outlines.get(gid) {
                let mut pen = GlyphPen {
                    path: &mut path,
                    dx: x,
                };
                let settings = DrawSettings::unhinted(size, LocationRef::default());
                // A glyph that fails to draw is left blank; its advance still counts.
                let _ = glyph.draw(settings, &mut pen);
            }
            x += f64::from(metrics.advance_width(gid).unwrap_or(0.0));
        }
        (path, x)
    }

    /// `text`, or its start and "…" if it is wider than `max_width` px at `size_px`.
    fn fit(&self, text: &str, size_px: f64, max_width: f64) -> String {
        if self.text_width(text, size_px) <= max_width {
            return text.to_string();
        }
        let mut chars: Vec<char> = text.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let short: String = chars.iter().chain(['…'].iter()).collect();
            if self.text_width(&short, size_px) <= max_width {
                return short;
            }
        }
        "…".to_string()
    }

    /// The advance width of `text` at `size_px`.
    fn text_width(&self, text: &str, size_px: f64) -> f64 {
        self.text_path(text, size_px).1
    }

    /// Draws `text` with its baseline at `y`, placed at `x` by `align`; returns its width.
    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        size_px: f64,
        color: Color,
        align: Align,
    ) -> f64 {
        let (mut path, width) = self.text_path(text, size_px);
        let x0 = match align {
            Align::Left => x,
            Align::Centre => x - width / 2.0,
            Align::Right => x - width,
        };
        path.apply_affine(Affine::translate((x0.round(), y.round())));
        self.fill(&path, color);
        // The light typeface gets a hairline stroke so that small labels stay readable.
        self.stroke(&path, 0.35, color, &[]);
        width
    }

    /// Draws `text` turned 90° anticlockwise (reading upwards), centred on (`x`, `y`).
    fn text_vertical(&mut self, text: &str, x: f64, y: f64, size_px: f64, color: Color) {
        let (mut path, width) = self.text_path(text, size_px);
        path.apply_affine(
            Affine::translate((x, y))
                * Affine::rotate(-std::f64::consts::FRAC_PI_2)
                * Affine::translate((-width / 2.0, size_px * 0.35)),
        );
        self.fill(&path, color);
        self.stroke(&path, 0.35, color, &[]);
    }

    /// A legend entry: a short line sample (dashed if asked) and a caption; returns the x
    /// after it.
    fn legend_entry(
        &mut self,
        x: f64,
        y: f64,
        caption: &str,
        color: Color,
        width: f64,
        dashes: &[f64],
    ) -> f64 {
        self.line((x, y - 4.5), (x + 26.0, y - 4.5), width, color, dashes);
        let w = self.text(caption, x + 33.0, y, 13.0, palette::LABEL, Align::Left);
        x + 33.0 + w + 22.0
    }

    /// Renders and writes the picture as PNG to `path`.
    fn save(mut self, path: &Path) -> Result<(), String> {
        self.ctx.flush();
        let mut pixmap = Pixmap::new(WIDTH_PX, HEIGHT_PX);
        let mut resources = Resources::new();
        self.ctx.render(&mut pixmap, &mut resources);
        // Every pixel is opaque (the background is), so premultiplied RGBA is plain RGBA.
        let rgb: Vec<u8> = pixmap
            .data_as_u8_slice()
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        let png = crate::png::encode_rgb8(u32::from(WIDTH_PX), u32::from(HEIGHT_PX), &rgb)?;
        std::fs::write(path, png).map_err(|e| format!("cannot write the plot: {e}"))
    }
}

/// A linear or logarithmic map from data values to pixels.
#[derive(Debug, Clone, Copy)]
struct Scale {
    /// Data value at `px_lo`.
    lo: f64,
    /// Data value at `px_hi`.
    hi: f64,
    /// Pixel coordinate of `lo`.
    px_lo: f64,
    /// Pixel coordinate of `hi`.
    px_hi: f64,
    /// Logarithmic (frequency) rather than linear.
    log: bool,
}

impl Scale {
    /// The pixel coordinate of `v` (outside the range for values outside it).
    fn px(&self, v: f64) -> f64 {
        let t = if self.log {
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        self.px_lo + t * (self.px_hi - self.px_lo)
    }
}

/// The multiples of `step` from `lo` to `hi` inclusive.
fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// A tick spacing from 1-2-5 steps (and 3, 6, 12 for dB) giving at most `max_ticks` ticks.
fn nice_step(span: f64, max_ticks: f64, steps: &[f64]) -> f64 {
    steps
        .iter()
        .copied()
        .find(|&s| span / s <= max_ticks)
        .unwrap_or_else(|| steps.last().copied().unwrap_or(1.0))
}

/// `x` with one decimal and a real minus sign; "−∞" for −inf.
fn db1(x: f64, signed: bool) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "n/a"
        } else if x > 0.0 {
            "+∞"
        } else {
            "−∞"
        }
        .to_string();
    }
    let x = (x * 10.0).round() / 10.0 + 0.0;
    let s = if signed {
        format!("{x:+.1}")
    } else {
        format!("{x:.1}")
    };
    s.replace('-', "−")
}

/// An integer label with a real minus sign.
fn int_label(x: f64) -> String {
    format!("{:.0}", x + 0.0).replace('-', "−")
}

/// Spreads label positions (sorted by `y`) so that neighbours are at least `gap` px apart,
/// keeping them between `top` and `bottom`.
fn spread_labels(ys: &mut [f64], gap: f64, top: f64, bottom: f64) {
    for _ in 0..50 {
        let mut moved = false;
        for i in 1..ys.len() {
            let overlap = gap - (ys[i] - ys[i - 1]);
            if overlap > 0.01 {
                ys[i - 1] -= overlap / 2.0;
                ys[i] += overlap / 2.0;
                moved = true;
            }
        }
        for y in ys.iter_mut() {
            *y = y.clamp(top, bottom);
        }
        if !moved {
            break;
        }
    }
}

/// Draws momentary and short-term loudness over time (the `series` of `m`), the integrated
/// loudness, the target and ceiling lines and the true-peak marker, as a PNG at `path`.
pub fn loudness_png(
    path: &Path,
    file_name: &str,
    m: &Measurement,
    target_lufs: Option<f64>,
    ceiling_dbtp: Option<f64>,
) -> Result<(), String> {
    let r = &m.readings;
    let duration_s = (m.num_frames as f64 / f64::from(m.sample_rate_hz))
        .max(m.series.last().map_or(0.0, |t| t.time_s))
        .max(0.1);
    let (left, right, top, bottom) = (76.0, f64::from(WIDTH_PX) - 128.0, 84.0, 626.0);
    let area = Rect::new(left, top, right, bottom);

    // Vertical range: everything that is marked, down to the quiet parts of the short-term
    // curve (its 5th percentile) or 24 dB under the integrated loudness, in 6 dB steps.
    let mut short: Vec<f64> = m
        .series
        .iter()
        .map(|t| t.short_term_lufs)
        .filter(|v| v.is_finite())
        .collect();
    short.sort_by(f64::total_cmp);
    let quiet = short.get(short.len() / 20).copied().unwrap_or(-40.0);
    let marks = [
        Some(r.momentary_max_lufs),
        Some(r.true_peak_dbtp),
        Some(r.integrated_lufs),
        target_lufs,
        ceiling_dbtp,
    ];
    let loudest = marks
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(-6.0, f64::max);
    let y_hi = ((loudest + 1.0) / 6.0).ceil() * 6.0;
    let floor = quiet.min(r.integrated_lufs - 24.0).min(y_hi - 30.0);
    let y_lo = (((floor - 3.0) / 6.0).floor() * 6.0).clamp(-78.0, y_hi - 24.0);
    let ys = Scale {
        lo: y_lo,
        hi: y_hi,
        px_lo: bottom,
        px_hi: top,
        log: false,
    };
    let xs = Scale {
        lo: 0.0,
        hi: duration_s,
        px_lo: left,
        px_hi: right,
        log: false,
    };

    let mut c = Canvas::new(palette::WINDOW_BG)?;
    // Header: file name (shortened to fit) and the readings.
    let with_unit = |x: f64, signed: bool, unit: &str| {
        if x.is_nan() {
            "n/a".to_string()
        } else {
            format!("{} {unit}", db1(x, signed))
        }
    };
    let stats = format!(
        "Integrated {}    LRA {}    True peak {}    PLR {}    {}",
        with_unit(r.integrated_lufs, false, "LUFS"),
        with_unit(r.lra_lu, false, "LU"),
        with_unit(r.true_peak_dbtp, true, "dBTP"),
        with_unit(r.plr_db, false, "dB"),
        duration_label(duration_s),
    );
    let corner = "Loudness over time · EBU R 128";
    let page_right = f64::from(WIDTH_PX) - 24.0;
    let room = page_right - left - c.text_width(&stats, 15.0) - c.text_width(corner, 13.0) - 48.0;
    let name = c.fit(file_name, 22.0, room);
    let w = c.text(&name, left, 34.0, 22.0, palette::TEXT, Align::Left);
    c.text(
        &stats,
        left + w + 24.0,
        34.0,
        15.0,
        palette::LABEL,
        Align::Left,
    );
    c.text(
        corner,
        page_right,
        34.0,
        13.0,
        palette::GRID_TEXT,
        Align::Right,
    );

    // Legend.
    let mut x = left;
    x = c.legend_entry(x, 64.0, "Momentary (400 ms)", palette::CURVE, 1.4, &[]);
    x = c.legend_entry(x, 64.0, "Short-term (3 s)", palette::ACCENT, 2.6, &[]);
    x = c.legend_entry(x, 64.0, "Integrated", palette::TEXT, 1.5, &[7.0, 4.0]);
    if let Some(t) = target_lufs {
        let caption = format!("Target {} LUFS", int_label(t));
        x = c.legend_entry(x, 64.0, &caption, palette::TARGET, 1.8, &[2.0, 4.0]);
    }
    if let Some(cl) = ceiling_dbtp {
        let caption = format!("Ceiling {} dBTP", int_label(cl));
        x = c.legend_entry(
            x,
            64.0,
            &caption,
            palette::WARN,
            1.6,
            &[10.0, 4.0, 2.0, 4.0],
        );
    }
    draw_peak_marker(&mut c, x + 13.0, 59.5, 6.0);
    c.text(
        "True peak",
        x + 33.0,
        64.0,
        13.0,
        palette::LABEL,
        Align::Left,
    );

    // Plot area and grid.
    c.rect(area, palette::DISPLAY_BG);
    let step_db = nice_step(y_hi - y_lo, 12.0, &[3.0, 6.0, 12.0, 24.0]);
    db_grid(&mut c, ys, left, right, ticks(y_lo, y_hi, step_db));
    let step_s = nice_step(
        duration_s,
        12.0,
        &[
            0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0,
            1800.0, 3600.0, 7200.0,
        ],
    );
    for t in ticks(0.0, duration_s, step_s) {
        let x = xs.px(t);
        c.line((x, top), (x, bottom), 1.0, palette::GRID, &[]);
        c.text(
            &time_label(t, step_s, duration_s),
            x,
            bottom + 20.0,
            13.0,
            palette::GRID_TEXT,
            Align::Centre,
        );
    }
    let x_title = if duration_s >= 60.0 {
        "Time (m:ss)"
    } else {
        "Time (s)"
    };
    c.text(
        x_title,
        (left + right) / 2.0,
        bottom + 46.0,
        14.0,
        palette::LABEL,
        Align::Centre,
    );
    c.text_vertical(
        "Loudness (LUFS)",
        22.0,
        (top + bottom) / 2.0,
        14.0,
        palette::LABEL,
    );

    // Curves, clipped to the plot area.
    c.clip(area);
    let below = bottom + 10.0;
    let point = |t: f64, v: f64| -> Option<(f64, f64)> {
        (v.is_finite() || v == f64::NEG_INFINITY).then(|| {
            (
                xs.px(t),
                if v.is_finite() {
                    ys.px(v).min(below)
                } else {
                    below
                },
            )
        })
    };
    let momentary: Vec<_> = m
        .series
        .iter()
        .map(|t| point(t.time_s, t.momentary_lufs))
        .collect();
    let short_term: Vec<_> = m
        .series
        .iter()
        .map(|t| point(t.time_s, t.short_term_lufs))
        .collect();
    // A faint fill under the short-term curve.
    let mut fill = BezPath::new();
    if let (Some(Some(first)), Some(Some(last))) = (short_term.first(), short_term.last()) {
        fill.move_to((first.0, below));
        for p in short_term.iter().flatten() {
            fill.line_to(*p);
        }
        fill.line_to((last.0, below));
        fill.close_path();
        c.fill(&fill, palette::ACCENT.with_alpha(0.07));
    }
    c.polyline(&momentary, 1.1, palette::CURVE.with_alpha(0.75));
    c.polyline(&short_term, 2.6, palette::ACCENT);
    if r.integrated_lufs.is_finite() {
        let y = ys.px(r.integrated_lufs);
        c.line((left, y), (right, y), 1.5, palette::TEXT, &[7.0, 4.0]);
    }
    if let Some(t) = target_lufs {
        let y = ys.px(t);
        c.line((left, y), (right, y), 1.8, palette::TARGET, &[2.0, 4.0]);
    }
    if let Some(cl) = ceiling_dbtp {
        let y = ys.px(cl);
        c.line(
            (left, y),
            (right, y),
            1.6,
            palette::WARN,
            &[10.0, 4.0, 2.0, 4.0],
        );
    }
    c.unclip();
    c.stroke(&area.to_path(0.1), 1.0, palette::GRID, &[]);

    // Value labels in the right margin, moved apart where they would overlap.
    let mut labels: Vec<(f64, String, Color)> = Vec::new();
    if r.integrated_lufs.is_finite() {
        labels.push((
            r.integrated_lufs,
            format!("I {}", db1(r.integrated_lufs, false)),
            palette::TEXT,
        ));
    }
    if let Some(t) = target_lufs {
        labels.push((t, format!("Target {}", int_label(t)), palette::TARGET));
    }
    if let Some(cl) = ceiling_dbtp {
        labels.push((cl, format!("Ceiling {}", int_label(cl)), palette::WARN));
    }
    if r.true_peak_dbtp.is_finite() {
        let over = ceiling_dbtp.is_some_and(|cl| r.true_peak_dbtp > cl);
        let color = if over { palette::WARN } else { palette::PEAK };
        labels.push((
            r.true_peak_dbtp,
            format!("TP {}", db1(r.true_peak_dbtp, true)),
            color,
        ));
        let y = ys.px(r.true_peak_dbtp).clamp(top, bottom);
        draw_peak_marker(&mut c, right + 1.0, y, 7.0);
    }
    labels.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut label_ys: Vec<f64> = labels.iter().map(|l| ys.px(l.0) + 4.5).collect();
    spread_labels(&mut label_ys, 16.0, top + 6.0, bottom + 4.0);
    for ((_, text, color), y) in labels.iter().zip(label_ys) {
        c.text(text, right + 14.0, y, 13.0, *color, Align::Left);
    }
    c.save(path)
}

/// A left-pointing triangle with its tip at (`x`, `y`): the true-peak marker.
fn draw_peak_marker(c: &mut Canvas, x: f64, y: f64, size: f64) {
    let mut tri = BezPath::new();
    tri.move_to((x, y));
    tri.line_to((x + size * 1.3, y - size));
    tri.line_to((x + size * 1.3, y + size));
    tri.close_path();
    c.fill(&tri, palette::PEAK);
}

/// A duration as "8.0 s" or "3:12.4".
fn duration_label(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let tenths = (seconds * 10.0).round() as u64;
        format!(
            "{}:{:02}.{}",
            tenths / 600,
            (tenths % 600) / 10,
            tenths % 10
        )
    }
}

/// A time-axis tick: seconds for short files ("2.5"), m:ss for long ones, h:mm:ss beyond.
fn time_label(t: f64, step_s: f64, duration_s: f64) -> String {
    if duration_s < 60.0 {
        if step_s < 1.0 {
            format!("{t:.1}")
        } else {
            format!("{t:.0}")
        }
    } else {
        let s = t.round() as u64;
        if duration_s >= 3600.0 {
            format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
        } else {
            format!("{}:{:02}", s / 60, s % 60)
        }
    }
}

/// What the compare plot shows: per band the two files' loudness-matched levels.
#[derive(Debug, Clone, Copy)]
pub struct BandSpectra<'a> {
    /// Bands per octave (1 or 3), for the bar widths.
    pub bands_per_octave: u32,
    /// Nominal band centres, in Hz, ascending.
    pub centres_hz: &'a [f64],
    /// The mix's name (title and legend).
    pub mix_name: &'a str,
    /// The mix's loudness-matched level per band, in dB re. its integrated loudness.
    pub mix_db: &'a [Option<f64>],
    /// The mix's integrated loudness, in LUFS.
    pub mix_lufs: f64,
    /// The reference's name.
    pub reference_name: &'a str,
    /// The reference's loudness-matched level per band, in dB re. its integrated loudness.
    pub reference_db: &'a [Option<f64>],
    /// The reference's integrated loudness, in LUFS.
    pub reference_lufs: f64,
}

/// Lowest frequency on the compare plot's axis, in Hz.
const F_LO_HZ: f64 = 20.0;
/// Highest frequency on the compare plot's axis, in Hz: the upper edge of the 20 kHz
/// third-octave band, so that its bar is whole.
const F_HI_HZ: f64 = 22_400.0;

/// A frequency label: "50", "1k", "20k".
fn hz_label(hz: f64) -> String {
    if hz >= 1000.0 {
        format!("{}k", hz / 1000.0)
    } else {
        format!("{hz}")
    }
}

/// Horizontal grid lines at the `levels` (dB or LUFS), labelled left of the plot area.
fn db_grid(c: &mut Canvas, ys: Scale, left: f64, right: f64, levels: Vec<f64>) {
    for v in levels {
        let y = ys.px(v);
        c.line((left, y), (right, y), 1.0, palette::GRID, &[]);
        c.text(
            &int_label(v),
            left - 9.0,
            y + 4.5,
            13.0,
            palette::GRID_TEXT,
            Align::Right,
        );
    }
}

/// Draws the vertical frequency grid of a panel (1-2-5 major lines, the rest minor).
fn frequency_grid(c: &mut Canvas, xs: Scale, top: f64, bottom: f64, labels_at: Option<f64>) {
    let mut decade = 10.0;
    while decade < F_HI_HZ {
        for k in 1..10 {
            let f = decade * f64::from(k);
            if !(F_LO_HZ..=F_HI_HZ).contains(&f) {
                continue;
            }
            let x = xs.px(f);
            let major = matches!(k, 1 | 2 | 5);
            let color = if major {
                palette::GRID
            } else {
                palette::GRID_MINOR
            };
            c.line((x, top), (x, bottom), 1.0, color, &[]);
            if let (true, Some(y)) = (major, labels_at) {
                c.text(&hz_label(f), x, y, 13.0, palette::GRID_TEXT, Align::Centre);
            }
        }
        decade *= 10.0;
    }
}

/// Draws the two loudness-matched band spectra (upper panel) and their difference per band
/// (lower panel) as a PNG at `path`.
pub fn compare_png(path: &Path, s: &BandSpectra<'_>) -> Result<(), String> {
    let (left, right) = (76.0, f64::from(WIDTH_PX) - 28.0);
    let (top1, bottom1, top2, bottom2) = (84.0, 420.0, 452.0, 620.0);
    let xs = Scale {
        lo: F_LO_HZ,
        hi: F_HI_HZ,
        px_lo: left,
        px_hi: right,
        log: true,
    };
    let deltas: Vec<Option<f64>> = s
        .mix_db
        .iter()
        .zip(s.reference_db)
        .map(|(m, r)| Some((*m)? - (*r)?))
        .collect();

    // Upper range: all levels, in 6 dB steps, at least 24 dB.
    let levels = s.mix_db.iter().chain(s.reference_db).flatten().copied();
    let (lo, hi) = levels.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo.is_finite() {
        (lo, hi)
    } else {
        (-40.0, 0.0)
    };
    let y_hi = ((hi + 2.0) / 6.0).ceil() * 6.0;
    let y_lo = (((lo - 2.0) / 6.0).floor() * 6.0).min(y_hi - 24.0);
    let ys = Scale {
        lo: y_lo,
        hi: y_hi,
        px_lo: bottom1,
        px_hi: top1,
        log: false,
    };
    // Lower range: symmetric around 0, at least ±3 dB.
    let worst = deltas.iter().flatten().fold(0.0f64, |a, d| a.max(d.abs()));
    // 20 % headroom for the value labels above (below) the bars.
    let d_lim = ((worst * 1.2 + 0.5) / 3.0).ceil().max(1.0) * 3.0;
    let ds = Scale {
        lo: -d_lim,
        hi: d_lim,
        px_lo: bottom2,
        px_hi: top2,
        log: false,
    };

    let mut c = Canvas::new(palette::WINDOW_BG)?;
    // Header: "MIX vs REFERENCE" in the curves' colours (names shortened to fit), what is
    // shown, and the legend.
    let corner = "Tonal balance";
    let room = right - left - c.text_width(corner, 13.0) - 24.0 - c.text_width("  vs  ", 22.0);
    let mix_name = c.fit(s.mix_name, 22.0, room / 2.0);
    let reference_name = c.fit(s.reference_name, 22.0, room - c.text_width(&mix_name, 22.0));
    let mut x = left;
    x += c.text(&mix_name, x, 34.0, 22.0, palette::ACCENT, Align::Left);
    x += c.text("  vs  ", x, 34.0, 22.0, palette::LABEL, Align::Left);
    c.text(&reference_name, x, 34.0, 22.0, palette::CURVE, Align::Left);
    c.text(corner, right, 34.0, 13.0, palette::GRID_TEXT, Align::Right);
    let band_name = if s.bands_per_octave == 1 {
        "Octave"
    } else {
        "1/3-octave"
    };
    let caption = format!("{band_name} bands, loudness-matched: band level − integrated loudness");
    c.text(&caption, left, 64.0, 14.0, palette::LABEL, Align::Left);
    let entries = [
        (
            format!("Mix  {} LUFS", db1(s.mix_lufs, false)),
            palette::ACCENT,
        ),
        (
            format!("Reference  {} LUFS", db1(s.reference_lufs, false)),
            palette::CURVE,
        ),
    ];
    let legend_w: f64 = entries
        .iter()
        .map(|(t, _)| c.text_width(t, 13.0) + 55.0)
        .sum::<f64>()
        - 22.0;
    let mut x = right - legend_w;
    for (text, color) in &entries {
        x = c.legend_entry(x, 64.0, text, *color, 2.4, &[]);
    }

    // Upper panel: the two spectra.
    let panel1 = Rect::new(left, top1, right, bottom1);
    c.rect(panel1, palette::DISPLAY_BG);
    frequency_grid(&mut c, xs, top1, bottom1, None);
    let step = nice_step(y_hi - y_lo, 10.0, &[3.0, 6.0, 12.0, 24.0]);
    db_grid(&mut c, ys, left, right, ticks(y_lo, y_hi, step));
    c.text_vertical(
        "Level re. integrated (dB)",
        22.0,
        (top1 + bottom1) / 2.0,
        14.0,
        palette::LABEL,
    );
    c.clip(panel1);
    for (levels, color) in [
        (s.reference_db, palette::CURVE),
        (s.mix_db, palette::ACCENT),
    ] {
        let points: Vec<Option<(f64, f64)>> = s
            .centres_hz
            .iter()
            .zip(levels)
            .map(|(&f, v)| v.map(|v| (xs.px(f), ys.px(v))))
            .collect();
        c.polyline(&points, 2.4, color);
        for p in points.iter().flatten() {
            c.fill(&Circle::new(*p, 3.6).to_path(0.1), color);
            c.fill(&Circle::new(*p, 1.6).to_path(0.1), palette::DISPLAY_BG);
        }
    }
    c.unclip();
    c.stroke(&panel1.to_path(0.1), 1.0, palette::GRID, &[]);
    // Lower panel: mix − reference per band, as bars.
    let panel2 = Rect::new(left, top2, right, bottom2);
    c.rect(panel2, palette::DISPLAY_BG);
    frequency_grid(&mut c, xs, top2, bottom2, Some(bottom2 + 20.0));
    let step = nice_step(2.0 * d_lim, 8.0, &[1.0, 2.0, 3.0, 6.0, 12.0, 24.0]);
    for v in ticks(-d_lim, d_lim, step) {
        let y = ds.px(v);
        let color = if v == 0.0 {
            palette::LABEL
        } else {
            palette::GRID
        };
        c.line((left, y), (right, y), 1.0, color, &[]);
        let label = if v > 0.0 {
            format!("+{}", int_label(v))
        } else {
            int_label(v)
        };
        c.text(
            &label,
            left - 9.0,
            y + 4.5,
            13.0,
            palette::GRID_TEXT,
            Align::Right,
        );
    }
    c.text_vertical(
        "Mix − ref (dB)",
        22.0,
        (top2 + bottom2) / 2.0,
        14.0,
        palette::LABEL,
    );
    let half_band = 10f64.powf(0.3 / (2.0 * f64::from(s.bands_per_octave.max(1))));
    let zero = ds.px(0.0);
    c.clip(panel2);
    for (&f, d) in s.centres_hz.iter().zip(&deltas) {
        let Some(d) = *d else { continue };
        let (x0, x1) = (xs.px(f / half_band), xs.px(f * half_band));
        let inset = (x1 - x0) * 0.14;
        let (x0, x1) = (x0 + inset, x1 - inset);
        let y = ds.px(d.clamp(-d_lim, d_lim));
        let color = if d >= 0.0 {
            palette::ACCENT
        } else {
            palette::CURVE
        };
        c.rect(
            Rect::new(x0, y.min(zero), x1, y.max(zero)),
            color.with_alpha(0.85),
        );
        if x1 - x0 >= 22.0 {
            let label_y = if d >= 0.0 { y - 5.0 } else { y + 14.0 };
            let label_y = label_y.clamp(top2 + 12.0, bottom2 - 4.0);
            c.text(
                &db1(d, true),
                (x0 + x1) / 2.0,
                label_y,
                11.0,
                palette::TEXT,
                Align::Centre,
            );
        }
    }
    c.unclip();
    c.stroke(&panel2.to_path(0.1), 1.0, palette::GRID, &[]);
    c.text(
        "Frequency (Hz)",
        (left + right) / 2.0,
        bottom2 + 46.0,
        14.0,
        palette::LABEL,
        Align::Centre,
    );
    c.save(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_and_ticks() {
        let log = Scale {
            lo: 20.0,
            hi: 20_000.0,
            px_lo: 0.0,
            px_hi: 300.0,
            log: true,
        };
        assert!((log.px(200.0) - 100.0).abs() < 1e-9);
        assert!((log.px(2000.0) - 200.0).abs() < 1e-9);
        assert_eq!(ticks(-20.0, 0.0, 6.0), [-18.0, -12.0, -6.0, 0.0]);
        assert_eq!(nice_step(40.0, 12.0, &[3.0, 6.0, 12.0]), 6.0);
    }

    #[test]
    fn labels_are_spread_apart() {
        let mut ys = [100.0, 104.0, 300.0];
        spread_labels(&mut ys, 16.0, 0.0, 500.0);
        assert!(ys[1] - ys[0] >= 15.9, "{ys:?}");
        assert_eq!(ys[2], 300.0);
    }

    #[test]
    fn text_has_width_and_outlines() {
        let c = Canvas::new(palette::WINDOW_BG).unwrap();
        let (path, w) = c.text_path("−14 LUFS", 13.0);
        assert!(w > 30.0 && w < 100.0, "{w}");
        assert!(path.elements().len() > 20);
        assert!(c.text_width("1000", 13.0) > c.text_width("1", 13.0));
        let long = "a-very-long-file-name-that-does-not-fit.wav";
        let short = c.fit(long, 22.0, 200.0);
        assert!(
            short.ends_with('…') && c.text_width(&short, 22.0) <= 200.0,
            "{short}"
        );
        assert_eq!(c.fit("mix.wav", 22.0, 200.0), "mix.wav");
    }
}
