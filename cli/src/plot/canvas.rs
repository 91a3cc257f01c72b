//! The drawing kit of the plots: the palette, a canvas with text from the bundled
//! typeface, scales, ticks and labels.

use super::{HEIGHT_PX, WIDTH_PX};
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, MetadataProvider};
use std::path::Path;
use vello_cpu::color::{AlphaColor, Srgb};
use vello_cpu::kurbo::{Affine, BezPath, Cap, Join, Rect, Shape, Stroke};
use vello_cpu::{Pixmap, RenderContext, Resources};

/// An sRGB colour with alpha.
pub(super) type Color = AlphaColor<Srgb>;

/// The suite's palette: the editors' colours (`shared_plugin::palette`), plus one the editors
/// do not need.
pub(super) mod palette {
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
pub(super) enum Align {
    /// The text starts at x.
    Left,
    /// The text is centred on x.
    Centre,
    /// The text ends at x.
    Right,
}

/// Collects a glyph outline (font units already scaled to pixels, y up) into a path, offset
/// by `dx` and flipped to the canvas's y-down coordinates.
pub(super) struct GlyphPen<'p> {
    /// The path the outline is appended to.
    pub(super) path: &'p mut BezPath,
    /// Horizontal offset of the glyph (the advance of the text before it), in px.
    pub(super) dx: f64,
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
pub(super) struct Canvas {
    /// The drawing commands so far.
    pub(super) ctx: RenderContext,
    /// The label typeface.
    pub(super) font: FontRef<'static>,
}

impl Canvas {
    /// A blank canvas of [`WIDTH_PX`] × [`HEIGHT_PX`] filled with `background`.
    pub(super) fn new(background: Color) -> Result<Self, String> {
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
    pub(super) fn rect(&mut self, rect: Rect, color: Color) {
        self.ctx.set_paint(color);
        self.ctx.fill_rect(&rect);
    }

    /// Fills `path`.
    pub(super) fn fill(&mut self, path: &BezPath, color: Color) {
        self.ctx.set_paint(color);
        self.ctx.fill_path(path);
    }

    /// Strokes `path` `width` px wide, dashed when `dashes` (on, off, ... in px) is not empty.
    pub(super) fn stroke(&mut self, path: &BezPath, width: f64, color: Color, dashes: &[f64]) {
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
    pub(super) fn line(
        &mut self,
        from: (f64, f64),
        to: (f64, f64),
        width: f64,
        color: Color,
        dashes: &[f64],
    ) {
        let mut path = BezPath::new();
        path.move_to(from);
        path.line_to(to);
        self.stroke(&path, width, color, dashes);
    }

    /// Lines through `points`, broken where a point is `None`.
    pub(super) fn polyline(&mut self, points: &[Option<(f64, f64)>], width: f64, color: Color) {
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
    pub(super) fn clip(&mut self, rect: Rect) {
        self.ctx.push_clip_layer(&rect.to_path(0.1));
    }

    /// Ends the last [`Self::clip`].
    pub(super) fn unclip(&mut self) {
        self.ctx.pop_layer();
    }

    /// The outlines of `text` at `size_px`, baseline at y = 0 from x = 0, and its advance.
    pub(super) fn text_path(&self, text: &str, size_px: f64) -> (BezPath, f64) {
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
    pub(super) fn fit(&self, text: &str, size_px: f64, max_width: f64) -> String {
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
    pub(super) fn text_width(&self, text: &str, size_px: f64) -> f64 {
        self.text_path(text, size_px).1
    }

    /// Draws `text` with its baseline at `y`, placed at `x` by `align`; returns its width.
    pub(super) fn text(
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
    pub(super) fn text_vertical(&mut self, text: &str, x: f64, y: f64, size_px: f64, color: Color) {
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
    pub(super) fn legend_entry(
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
    pub(super) fn save(mut self, path: &Path) -> Result<(), String> {
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
pub(super) struct Scale {
    /// Data value at `px_lo`.
    pub(super) lo: f64,
    /// Data value at `px_hi`.
    pub(super) hi: f64,
    /// Pixel coordinate of `lo`.
    pub(super) px_lo: f64,
    /// Pixel coordinate of `hi`.
    pub(super) px_hi: f64,
    /// Logarithmic (frequency) rather than linear.
    pub(super) log: bool,
}

impl Scale {
    /// The pixel coordinate of `v` (outside the range for values outside it).
    pub(super) fn px(&self, v: f64) -> f64 {
        let t = if self.log {
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        self.px_lo + t * (self.px_hi - self.px_lo)
    }
}

/// The multiples of `step` from `lo` to `hi` inclusive.
pub(super) fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// A tick spacing from 1-2-5 steps (and 3, 6, 12 for dB) giving at most `max_ticks` ticks.
pub(super) fn nice_step(span: f64, max_ticks: f64, steps: &[f64]) -> f64 {
    steps
        .iter()
        .copied()
        .find(|&s| span / s <= max_ticks)
        .unwrap_or_else(|| steps.last().copied().unwrap_or(1.0))
}

/// `x` with one decimal and a real minus sign; "−∞" for −inf.
pub(super) fn db1(x: f64, signed: bool) -> String {
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
pub(super) fn int_label(x: f64) -> String {
    format!("{:.0}", x + 0.0).replace('-', "−")
}

/// Spreads label positions (sorted by `y`) so that neighbours are at least `gap` px apart,
/// keeping them between `top` and `bottom`.
pub(super) fn spread_labels(ys: &mut [f64], gap: f64, top: f64, bottom: f64) {
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

/// Horizontal grid lines at the `levels` (dB or LUFS), labelled left of the plot area.
pub(super) fn db_grid(c: &mut Canvas, ys: Scale, left: f64, right: f64, levels: Vec<f64>) {
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
