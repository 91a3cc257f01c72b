//! `lathe compare --plot`: the tonal balance of a mix against a reference.

use super::canvas::*;
use super::WIDTH_PX;
use std::path::Path;
use vello_cpu::kurbo::{Circle, Rect, Shape};

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
