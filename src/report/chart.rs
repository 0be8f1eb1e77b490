//! The report's charts: horizontal bars, one group per label and one bar
//! per period, in inline SVG with plain attributes like the tracker's (no
//! scripts, no fonts to fetch), so the page prints as it shows.
//!
//! Accessible by construction: the SVG is `role="img"` labelled by its
//! `<title>` and a `<desc>` that reads out every number; each bar carries
//! its value as text, so nothing is told by colour alone; the report
//! period's bars are solid and the earlier period's outlined, which tells
//! them apart in black and white too. Colours meet WCAG 2.2's 3:1 for
//! graphics and text is near-black on white.

use std::fmt::Write;

use super::sentences::{number, pct};

/// One period's values, in the order of the chart's labels; `None` where
/// the period has no figure (a share of nothing).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// What the bars measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// Percentages, drawn on a 0-100 scale.
    Percent,
}

const WIDTH: f64 = 640.0;
const LABEL_W: f64 = 230.0;
const VALUE_W: f64 = 70.0;
const BAR_H: f64 = 16.0;
const GROUP_GAP: f64 = 12.0;
const LEGEND_H: f64 = 30.0;
/// Longer labels are cut with an ellipsis; the desc and the table give
/// them whole.
const LABEL_CHARS: usize = 34;

/// GOV.UK blue (5.2:1 on white) for the report period, dark grey (7:1) for
/// the outlines of the earlier one.
const STYLES: [(&str, &str); 2] = [("#1d70b8", "#1d70b8"), ("#ffffff", "#505a5f")];
const TEXT: &str = "#0b0c0c";

/// A chart of `labels` by `series` (at most two: the period and the one
/// before). `id` must be unique in the page: the title and desc are
/// referred to by it.
pub fn bars(id: &str, title: &str, labels: &[String], series: &[Series], unit: Unit) -> String {
    let series = &series[..series.len().min(STYLES.len())];
    let group_h = BAR_H * series.len() as f64 + GROUP_GAP;
    let height = LEGEND_H + group_h * labels.len() as f64 + 4.0;
    let max = match unit {
        Unit::Percent => 100.0,
        Unit::Count => series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .fold(1.0_f64, |m, v| m.max(*v)),
    };
    let plot_w = WIDTH - LABEL_W - VALUE_W;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         font-family=\"Arial, sans-serif\" font-size=\"13\" fill=\"{TEXT}\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        xml(title),
        xml(&describe(labels, series, unit)),
    );
    legend(&mut out, series);
    for (i, label) in labels.iter().enumerate() {
        let top = LEGEND_H + group_h * i as f64;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL_W - 8.0,
            top + BAR_H * series.len() as f64 / 2.0 + 4.5,
            xml(&shorten(label))
        );
        for (n, s) in series.iter().enumerate() {
            let y = top + BAR_H * n as f64;
            let value = s.values.get(i).copied().flatten();
            let w = value.map_or(0.0, |v| plot_w * v / max);
            let (fill, stroke) = STYLES[n];
            let _ = write!(
                out,
                "<rect x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" \
                 fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                y + 1.0,
                BAR_H - 3.0,
                LABEL_W + w + 5.0,
                y + BAR_H - 3.5,
                value_text(value, unit)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// The key: a swatch drawn as the bars are, and the period's name.
fn legend(out: &mut String, series: &[Series]) {
    let mut x = LABEL_W;
    for (n, s) in series.iter().enumerate() {
        let (fill, stroke) = STYLES[n];
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"6\" width=\"14\" height=\"14\" fill=\"{fill}\" \
             stroke=\"{stroke}\" stroke-width=\"1.5\"/>\
             <text x=\"{}\" y=\"18\">{}</text>",
            x + 20.0,
            xml(&s.name)
        );
        x += 40.0 + 8.0 * s.name.chars().count() as f64;
    }
}

/// Every number of the chart in words: "Corporate: 2025/26 4, 2024/25 0."
fn describe(labels: &[String], series: &[Series], unit: Unit) -> String {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let values: Vec<String> = series
                .iter()
                .map(|s| {
                    let value = s.values.get(i).copied().flatten();
                    format!("{} {}", s.name, value_text(value, unit))
                })
                .collect();
            format!("{label}: {}.", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn value_text(value: Option<f64>, unit: Unit) -> String {
    match (value, unit) {
        (None, _) => "no figure".to_owned(),
        (Some(v), Unit::Count) => number(v.round() as u64),
        (Some(v), Unit::Percent) => pct(v),
    }
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Text as SVG (XML) needs it: categories and reasons are free text from
/// the case system.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_reads_out_its_numbers_and_escapes_free_text() {
        let labels = vec!["<script>".to_owned(), "Parks & gardens".to_owned()];
        let series = [
            Series {
                name: "2025/26".to_owned(),
                values: vec![Some(4.0), Some(1.0)],
            },
            Series {
                name: "2024/25".to_owned(),
                values: vec![Some(0.0), None],
            },
        ];
        let svg = bars("c1", "Complaints by area", &labels, &series, Unit::Count);
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains("role=\"img\" aria-labelledby=\"c1-title c1-desc\""));
        assert!(svg.contains("<title id=\"c1-title\">Complaints by area</title>"));
        assert!(
            svg.contains(
                "<desc id=\"c1-desc\">&lt;script&gt;: 2025/26 4, 2024/25 0. \
                 Parks &amp; gardens: 2025/26 1, 2024/25 no figure.</desc>"
            ),
            "{svg}"
        );
        assert!(!svg.contains("<script>"));
        // The largest count fills the plot.
        assert!(svg.contains(&format!("width=\"{:.1}\"", WIDTH - LABEL_W - VALUE_W)));
        let shares = bars("c2", "On time", &labels[..1], &series[..1], Unit::Percent);
        assert!(shares.contains(">4%</text>"), "{shares}");
    }

    #[test]
    fn long_labels_are_shortened_on_the_chart_only() {
        let long = "A very long category name that goes on and on".to_owned();
        let series = [Series {
            name: "2025/26".to_owned(),
            values: vec![Some(1.0)],
        }];
        let svg = bars("c", "t", std::slice::from_ref(&long), &series, Unit::Count);
        assert!(svg.contains("A very long category name that go…"), "{svg}");
        assert!(svg.contains(&format!("{long}: 2025/26 1.")), "{svg}");
    }
}
