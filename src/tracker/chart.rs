//! The 12-week chart: on-time share and reason coverage as two lines, in
//! inline SVG with plain attributes (no scripts, no fonts to fetch), so it
//! shows in e-mail clients that allow SVG and prints on paper.

use std::fmt::Write;

use super::figures::WeekPoint;
use crate::format::percent;

/// One plotted share of a week.
type Share = fn(&WeekPoint) -> Option<f64>;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 30.0;
const TOP: f64 = 20.0;

pub fn svg(weeks: &[WeekPoint]) -> String {
    let plot_w = WIDTH - LEFT - 10.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / weeks.len().max(1) as f64;
    let y = |p: f64| TOP + plot_h * (1.0 - p / 100.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"On-time share and reason \
         coverage over 12 weeks\" font-family=\"Arial, sans-serif\" font-size=\"11\">"
    );
    for level in [0.0, 50.0, 100.0] {
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#b1b4b6\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{level}%</text>",
            WIDTH - 10.0,
            LEFT - 4.0,
            y(level) + 4.0,
            y = y(level),
        );
    }
    for (i, w) in weeks.iter().enumerate() {
        if i % 2 == 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x(i),
                HEIGHT - 8.0,
                w.monday.format("%d/%m")
            );
        }
    }
    let series: [(&str, &str, Share); 2] = [
        ("On time", "#00703c", |w| {
            percent(w.on_time as u64, w.responses as u64)
        }),
        ("Late with a reason", "#1d70b8", |w| {
            percent(w.late_with_reason as u64, w.late as u64)
        }),
    ];
    for (n, (label, colour, value)) in series.iter().enumerate() {
        let points: Vec<String> = weeks
            .iter()
            .enumerate()
            .filter_map(|(i, w)| value(w).map(|p| format!("{:.1},{:.1}", x(i), y(p))))
            .collect();
        if points.len() > 1 {
            let _ = write!(
                out,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
                points.join(" ")
            );
        }
        for point in &points {
            let (px, py) = point.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                out,
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"{colour}\"/>"
            );
        }
        let lx = LEFT + 10.0 + 160.0 * n as f64;
        let _ = write!(
            out,
            "<rect x=\"{lx}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"13\">{label}</text>",
            lx + 14.0
        );
    }
    out.push_str("</svg>");
    out
}
