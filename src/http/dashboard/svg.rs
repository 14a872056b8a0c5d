//! Charts drawn on the server as inline SVG: no script, no library, nothing fetched, so a
//! page works offline and on any phone. Pure: values in, markup out.

use std::fmt::Write as _;

use super::page::escape;

/// One series of a bar chart: its name and colour.
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: &'a str,
}

/// A bar chart over `labels`, one bar per series and label (`values[series][label]`, `None`
/// for no value), scaled to the largest value; `show` writes a value for the tooltips and
/// the axis.
pub fn bars(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    values: &[Vec<Option<f64>>],
    show: &dyn Fn(f64) -> String,
) -> String {
    const WIDTH: f64 = 360.0;
    const HEIGHT: f64 = 160.0;
    const LEFT: f64 = 44.0;
    const BOTTOM: f64 = 22.0;
    let top = 8.0;
    let max = values.iter().flatten().flatten().copied().fold(0.0_f64, f64::max);
    let plot_height = HEIGHT - BOTTOM - top;
    let slot = (WIDTH - LEFT) / labels.len().max(1) as f64;
    let bar = (slot * 0.8 / series.len().max(1) as f64).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}">"#,
        escape(title),
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{0}" stroke="#999"/><line x1="{LEFT}" y1="{0}" x2="{WIDTH}" y2="{0}" stroke="#999"/>"##,
        HEIGHT - BOTTOM
    );
    let _ = write!(
        svg,
        r#"<text x="{0}" y="{1}" font-size="9" text-anchor="end">{2}</text><text x="{0}" y="{3}" font-size="9" text-anchor="end">0</text>"#,
        LEFT - 3.0,
        top + 8.0,
        escape(&show(max)),
        HEIGHT - BOTTOM
    );
    for (index, label) in labels.iter().enumerate() {
        let x0 = LEFT + slot * index as f64 + slot * 0.1;
        for (which, line) in series.iter().enumerate() {
            let Some(value) = values.get(which).and_then(|row| row.get(index)).copied().flatten() else {
                continue;
            };
            let height = if max > 0.0 { value / max * plot_height } else { 0.0 };
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                x0 + bar * which as f64,
                HEIGHT - BOTTOM - height,
                bar,
                height,
                line.colour,
                escape(label),
                escape(&show(value))
            );
        }
        // Every label on few bars, every other one on many, so they never overlap.
        if labels.len() <= 8 || index % 2 == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle">{}</text>"#,
                x0 + slot * 0.4,
                HEIGHT - 8.0,
                escape(label)
            );
        }
    }
    svg.push_str("</svg>");
    if series.len() > 1 {
        svg.push_str(r#"<p class="legend">"#);
        for line in series {
            let _ = write!(svg, r#"<span style="color:{}">■</span> {} "#, line.colour, escape(line.name));
        }
        svg.push_str("</p>");
    }
    svg.push_str("</figure>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest_value_and_skip_missing_ones() {
        let labels = vec!["a".to_owned(), "b<".to_owned()];
        let series = [Series { name: "n", colour: "#123" }];
        let svg = bars("T & U", &labels, &series, &[vec![Some(2.0), Some(4.0)]], &|v| format!("{v}"));
        // The plot is 130 units high: the largest bar fills it, the other one half of it.
        assert!(svg.contains(r#"height="130.0""#), "{svg}");
        assert!(svg.contains(r#"height="65.0""#), "{svg}");
        assert!(svg.contains("T &amp; U") && svg.contains("b&lt;"), "{svg}");
        let missing = bars("T", &labels, &series, &[vec![None, Some(4.0)]], &|v| format!("{v}"));
        assert_eq!(missing.matches("<rect").count(), 1);
    }
}
