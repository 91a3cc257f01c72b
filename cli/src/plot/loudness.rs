//! `lathe loudness --plot`: loudness over time.

use super::canvas::*;
use super::WIDTH_PX;
use crate::measure::Measurement;
use std::path::Path;
use vello_cpu::kurbo::{BezPath, Rect, Shape};

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
