//! A layout probe for headless tests: while enabled on a context, every kit control and display
//! records where it was placed and what it was clipped to, so a test can check that every
//! parameter has a control and that nothing overlaps or is cut off at any scale (egui keeps its
//! own widget rectangles private). Disabled, a record costs one lookup in the context's data.

use egui::{Context, Id, Rect, Ui};

/// One placed control or display.
#[derive(Clone, Debug)]
pub struct Placed {
    /// What it is: "knob", "switch", "choice", "display", "meter", "header", "button", …
    pub kind: &'static str,
    /// The parameter ID (for controls of a parameter) or a name (for anything else).
    pub name: String,
    /// Where it was placed, points.
    pub rect: Rect,
    /// The clip rectangle it was drawn in, points.
    pub clip: Rect,
}

fn probe_id() -> Id {
    Id::unique("lathe_layout_probe")
}

/// Starts recording on `ctx` (tests only).
pub fn enable(ctx: &Context) {
    ctx.data_mut(|d| d.insert_temp(probe_id(), Some(Vec::<Placed>::new())));
}

/// Records a control or display if the probe is on.
pub fn record(ui: &Ui, kind: &'static str, name: &str, rect: Rect) {
    record_in(ui, kind, name, rect, ui.clip_rect());
}

/// Records something drawn inside another item (a display's axis label) with that item's
/// rectangle as its clip, if the probe is on.
pub fn record_in(ui: &Ui, kind: &'static str, name: &str, rect: Rect, clip: Rect) {
    ui.ctx().data_mut(|d| {
        if let Some(v) = d
            .get_temp_mut_or_default::<Option<Vec<Placed>>>(probe_id())
            .as_mut()
        {
            v.push(Placed {
                kind,
                name: name.to_string(),
                rect,
                clip: clip.intersect(ui.clip_rect()),
            });
        }
    });
}

/// Takes what was recorded since the last call (recording stays on).
pub fn take(ctx: &Context) -> Vec<Placed> {
    ctx.data_mut(|d| {
        d.get_temp_mut_or_default::<Option<Vec<Placed>>>(probe_id())
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    })
}

/// Kinds that hold other recorded items (a display holds its labels).
const CONTAINERS: [&str; 3] = ["panel", "header", "display"];

/// The problems in a recorded layout, in words: anything cut off by its clip rectangle or
/// outside `screen`, and any two items that overlap by more than `tolerance_pt` on both axes.
pub fn problems(placed: &[Placed], screen: Rect, tolerance_pt: f32) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in placed.iter().enumerate() {
        let visible = a.clip.intersect(screen).expand(0.01);
        if !visible.contains_rect(a.rect) {
            out.push(format!(
                "{} '{}' at {:?} is cut off (visible area {:?})",
                a.kind, a.name, a.rect, visible
            ));
        }
        for b in &placed[i + 1..] {
            // A panel or the header holds its controls: nesting is not overlap.
            let holds = |x: &Placed, y: &Placed| {
                CONTAINERS.contains(&x.kind) && x.rect.expand(0.5).contains_rect(y.rect)
            };
            if holds(a, b) || holds(b, a) {
                continue;
            }
            let o = a.rect.intersect(b.rect);
            if o.width() > tolerance_pt && o.height() > tolerance_pt {
                out.push(format!(
                    "{} '{}' at {:?} overlaps {} '{}' at {:?}",
                    a.kind, a.name, a.rect, b.kind, b.name, b.rect
                ));
            }
        }
    }
    out
}
