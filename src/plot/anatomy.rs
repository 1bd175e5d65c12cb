//! anatomy_<claim>.png: per input, the prior's P5–P95 as a grey band with its median,
//! the conditional P5–P95 as a blue band with its median, on one axis of prior
//! percentile; at the right, the conditional median in the input's unit and its rank.

use super::frame::{self, LabelColumn, Rows};
use super::style::{self, Area, Layout, Swatch, palette};
use super::{PlotError, axes};
use crate::report::analysis_charts::AnatomyChart;
use crate::report::charts::ChartOptions;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const PRIOR: RGBColor = RGBColor(200, 200, 200);
const PRIOR_MEDIAN: RGBColor = palette::MUTED;
const GIVEN: RGBColor = palette::BLUE;
const GIVEN_MEDIAN: RGBColor = palette::VERMILLION;

/// The anatomy charts as (file name, PNG bytes), in claim order.
pub fn files(
    charts: &[AnatomyChart],
    opts: &ChartOptions,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    use rayon::prelude::*;
    super::text::check_fonts()?;
    charts
        .par_iter()
        .map(|c| {
            let png = super::render(opts.width, opts.height, |a| draw(a, c))?;
            Ok((c.file.clone(), png))
        })
        .collect()
}

pub fn draw(area: &Area, c: &AnatomyChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
    let items = [
        (
            Swatch::Fill(PRIOR.to_rgba()),
            "prior P5–P95, median at P50".into(),
        ),
        (Swatch::Fill(GIVEN.mix(0.75)), c.given_legend.clone()),
        (
            Swatch::Line(GIVEN_MEDIAN, l.stroke(4.0)),
            "given: median".into(),
        ),
    ];
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let rows = Rows::new(&l, legend_end, c.bars.len());
    let size = l.label().min(rows.h * 0.5).max(9.0);
    let col = LabelColumn::new(&l, c.bars.iter().map(|b| b.label.as_str()), size, 30)?;
    let value_w = style::widest(c.bars.iter().map(|b| b.value_label.as_str()), size, false)?;
    let f = rows.frame(&c.x, col.between(&l, value_w));
    rows.background(area, &l, &f)?;
    let outer = ((rows.h * 0.34) as i32).clamp(2, l.px(26.0));
    let inner = ((rows.h * 0.2) as i32).clamp(1, l.px(15.0));
    let stroke = l.stroke(4.0);
    for (i, b) in c.bars.iter().enumerate() {
        let yc = rows.centre(i);
        let baseline = frame::centred_baseline(yc, size);
        col.label(area, &b.label, baseline, size, palette::TEXT)?;
        let (p5, p50, p95) = (f.px(c.prior[0]), f.px(c.prior[1]), f.px(c.prior[2]));
        style::rect(
            area,
            (p5, yc - outer),
            (p95, yc + outer),
            PRIOR.to_rgba(),
            true,
        )?;
        style::line(
            area,
            vec![(p50, yc - outer), (p50, yc + outer)],
            PRIOR_MEDIAN.to_rgba(),
            stroke,
        )?;
        if b.given.iter().all(|v| v.is_finite()) {
            let (g5, g50, g95) = (f.px(b.given[0]), f.px(b.given[1]), f.px(b.given[2]));
            let g95 = g95.max(g5 + 2);
            style::rect(
                area,
                (g5, yc - inner),
                (g95, yc + inner),
                GIVEN.mix(0.75),
                true,
            )?;
            style::line(
                area,
                vec![(g50, yc - outer), (g50, yc + outer)],
                GIVEN_MEDIAN.to_rgba(),
                stroke,
            )?;
        }
        style::text(
            area,
            &b.value_label,
            (f.right + l.px(18.0), baseline),
            size,
            palette::TEXT,
            HPos::Left,
            false,
        )?;
    }
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, None)
}
