//! Inline SVG charts, drawn on a band per history entry so a failed attestation keeps its place
//! on the axis (marked, never silently skipped). Each chart carries a title and a description
//! for screen readers and points to the table that holds the same numbers; values are drawn
//! only for verified attestations.

use std::fmt::Write;

use super::page::esc;

const W: f64 = 760.0;
const H: f64 = 300.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 44.0;

/// Colour-blind-safe (Okabe-Ito) colours, in legend order.
pub const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#000000"];

/// What a chart is about, and where its table is.
pub struct Frame<'a> {
    /// The `id` of the `<svg>`.
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    /// The `id` of the table with the same numbers.
    pub table_id: &'a str,
    /// One label per band (the epoch), and whether that entry failed verification.
    pub bands: &'a [Band],
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub y_format: fn(f64) -> String,
}

pub struct Band {
    /// Shown under the axis (and in each point's tooltip).
    pub label: String,
    pub failed: bool,
}

/// A line of the line chart: one value per band; `None` where the entry failed.
pub struct Line<'a> {
    pub name: &'a str,
    /// CSS-safe suffix: points get the classes `pt pt-<key>`.
    pub key: &'a str,
    pub colour: &'a str,
    pub values: Vec<Option<f64>>,
}

/// A series of the stacked bars (a deployment): one value per band.
pub struct Stack<'a> {
    pub name: String,
    pub colour: &'a str,
    pub values: Vec<Option<f64>>,
}

struct Scale {
    lo: f64,
    hi: f64,
    step: f64,
}

/// About five round ticks (1, 2, 2.5 or 5 times a power of ten) covering `[lo, hi]`.
fn scale(lo: f64, hi: f64) -> Scale {
    let (lo, hi) =
        if hi - lo < 1e-9 { (lo - 1.0_f64.max(lo.abs() * 0.01), hi + 1.0_f64.max(hi.abs() * 0.01)) } else { (lo, hi) };
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    Scale { lo: (lo / step).floor() * step, hi: (hi / step).ceil() * step, step }
}

fn band_x(i: usize, n: usize) -> f64 {
    LEFT + (i as f64 + 0.5) * (W - LEFT - RIGHT) / n.max(1) as f64
}

fn band_width(n: usize) -> f64 {
    (W - LEFT - RIGHT) / n.max(1) as f64
}

fn y_of(v: f64, s: &Scale) -> f64 {
    TOP + (H - TOP - BOTTOM) * (1.0 - (v - s.lo) / (s.hi - s.lo))
}

fn open(f: &Frame, s: &Scale) -> String {
    let mut out = format!(
        "<svg class=\"chart\" id=\"{id}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         data-bands=\"{n}\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"{id}-title\">{title}</title>\n\
         <desc id=\"{id}-desc\">{desc} The same numbers are in the table {table}.</desc>\n",
        id = f.id,
        n = f.bands.len(),
        title = esc(f.title),
        desc = esc(f.description),
        table = f.table_id,
    );
    // Grid and y labels.
    let mut v = s.lo;
    while v <= s.hi + s.step * 1e-6 {
        let y = y_of(v, s);
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\">{label}</text>",
            x2 = W - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            label = esc(&(f.y_format)(v)),
        );
        v += s.step;
    }
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{yb}\"/><line class=\"axis\" x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{yb}\" y2=\"{yb}\"/>",
        yb = H - BOTTOM,
        x2 = W - RIGHT
    );
    // X labels: at most about ten, always the first and the last.
    let n = f.bands.len();
    let every = n.div_ceil(10).max(1);
    for (i, b) in f.bands.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            if i + 1 == n && i % every != 0 && (n - 1) % every < every / 2 + 1 && n > 10 {
                // The last label would overlap the previous one.
                continue;
            }
            let _ = writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{y}\" text-anchor=\"middle\">{l}</text>",
                x = band_x(i, n),
                y = H - BOTTOM + 16.0,
                l = esc(&b.label)
            );
        }
    }
    let _ = writeln!(
        out,
        "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\">{xl}</text>\n<text x=\"14\" y=\"{ym}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {ym})\">{yl}</text>",
        x = LEFT + (W - LEFT - RIGHT) / 2.0,
        y = H - 6.0,
        ym = TOP + (H - TOP - BOTTOM) / 2.0,
        yl = esc(f.y_label),
        xl = esc(f.x_label)
    );
    out
}

/// A failed entry: a dashed red line through its band and a cross under the axis.
fn failed_marks(f: &Frame) -> String {
    let n = f.bands.len();
    let mut out = String::new();
    for (i, b) in f.bands.iter().enumerate().filter(|(_, b)| b.failed) {
        let x = band_x(i, n);
        let _ = writeln!(
            out,
            "<g class=\"failed-mark\" data-epoch=\"{l}\"><title>epoch {l}: FAILED verification, no value shown</title>\
             <line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{yb}\"/><text x=\"{x:.1}\" y=\"{ty}\" text-anchor=\"middle\">\u{2715}</text></g>",
            l = esc(&b.label),
            yb = H - BOTTOM,
            ty = H - BOTTOM - 4.0,
        );
    }
    out
}

/// Lines with a point per verified entry; `reference` draws a dashed horizontal line (100%).
pub fn line_chart(f: &Frame, lines: &[Line], reference: Option<(f64, &str)>, zero_based: bool) -> String {
    let values = lines.iter().flat_map(|l| l.values.iter().flatten().copied());
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if let Some((r, _)) = reference {
        (lo, hi) = (lo.min(r), hi.max(r));
    }
    if zero_based {
        lo = lo.min(0.0);
    }
    let s = scale(lo, hi);
    let n = f.bands.len();
    let mut out = open(f, &s);
    if let Some((r, label)) = reference {
        let y = y_of(r, &s);
        let _ = writeln!(
            out,
            "<line class=\"ref\" x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\">{l}</text>",
            x2 = W - RIGHT,
            tx = W - RIGHT - 4.0,
            ty = y - 4.0,
            l = esc(label)
        );
    }
    out.push_str(&failed_marks(f));
    let r = if n > 120 {
        1.6
    } else if n > 40 {
        2.4
    } else {
        3.5
    };
    for line in lines {
        // Segments between consecutive verified entries; a failed one breaks the line.
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in line.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(d, "{}{:.1} {:.1} ", if pen_down { "L" } else { "M" }, band_x(i, n), y_of(*v, &s));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        // A year of daily points: a thinner line keeps the points apart.
        let width = if n > 120 { " stroke-width=\"1.2\"" } else { "" };
        let _ = writeln!(
            out,
            "<path class=\"line line-{}\" stroke=\"{}\"{width} d=\"{}\"/>",
            line.key,
            line.colour,
            d.trim_end()
        );
        let _ = write!(out, "<g class=\"points points-{}\" fill=\"{}\">", line.key, line.colour);
        for (i, v) in line.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    out,
                    "<circle class=\"pt pt-{key}\" data-epoch=\"{l}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r}\"><title>epoch {l}: {name} {val}</title></circle>",
                    key = line.key,
                    l = esc(&f.bands[i].label),
                    x = band_x(i, n),
                    y = y_of(*v, &s),
                    name = esc(line.name),
                    val = esc(&(f.y_format)(*v)),
                );
            }
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// Bars per entry, one segment per series, stacked in series order.
pub fn stacked_bars(f: &Frame, stacks: &[Stack]) -> String {
    let n = f.bands.len();
    let totals: Vec<f64> = (0..n).map(|i| stacks.iter().filter_map(|s| s.values[i]).sum()).collect();
    let hi = totals.iter().copied().fold(0.0, f64::max);
    let s = scale(0.0, if hi > 0.0 { hi } else { 1.0 });
    let mut out = open(f, &s);
    out.push_str(&failed_marks(f));
    let w = (band_width(n) * 0.72).max(0.6);
    for i in 0..n {
        let mut base = 0.0;
        let _ = write!(out, "<g class=\"bar\" data-epoch=\"{}\">", esc(&f.bands[i].label));
        for st in stacks {
            if let Some(v) = st.values[i] {
                if v <= 0.0 {
                    continue;
                }
                let (y0, y1) = (y_of(base, &s), y_of(base + v, &s));
                let _ = write!(
                    out,
                    "<rect x=\"{x:.2}\" y=\"{y:.2}\" width=\"{w:.2}\" height=\"{h:.2}\" fill=\"{c}\"><title>epoch {l}: {name} {val}</title></rect>",
                    x = band_x(i, n) - w / 2.0,
                    y = y1,
                    h = (y0 - y1).max(0.0),
                    c = st.colour,
                    l = esc(&f.bands[i].label),
                    name = esc(&st.name),
                    val = esc(&(f.y_format)(v)),
                );
                base += v;
            }
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// The legend under a chart, as HTML (it wraps in a narrow window, and a screen reader reads it).
pub fn legend(items: &[(&str, String)], with_failed: bool) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (colour, name) in items {
        let _ = write!(out, "<li><span class=\"swatch\" style=\"background:{colour}\"></span>{}</li>", esc(name));
    }
    if with_failed {
        out.push_str("<li><span class=\"swatch failed\"></span>failed verification (no value drawn)</li>");
    }
    out.push_str("</ul>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let s = scale(0.0, 494.0);
        assert_eq!((s.lo, s.hi, s.step), (0.0, 500.0, 100.0));
        let s = scale(100.0, 101.0);
        assert!(s.lo <= 100.0 && s.hi >= 101.0 && s.step > 0.0);
        let s = scale(5.0, 5.0);
        assert!(s.lo < 5.0 && s.hi > 5.0);
    }

    #[test]
    fn one_point_per_verified_entry_and_a_mark_per_failed_one() {
        let bands: Vec<Band> = (1..=4).map(|e| Band { label: e.to_string(), failed: e == 3 }).collect();
        let f = Frame {
            id: "c",
            title: "t",
            description: "d",
            table_id: "tab",
            bands: &bands,
            x_label: "epoch",
            y_label: "y",
            y_format: |v| format!("{v}"),
        };
        let line = Line { name: "n", key: "k", colour: "#000", values: vec![Some(1.0), Some(2.0), None, Some(3.0)] };
        let svg = line_chart(&f, &[line], None, true);
        assert_eq!(svg.matches("class=\"pt pt-k\"").count(), 3);
        assert_eq!(svg.matches("class=\"failed-mark\"").count(), 1);
        // The failed entry breaks the line into two segments.
        assert_eq!(svg.matches(" M").count() + svg.matches("\"M").count(), 2);
    }
}
