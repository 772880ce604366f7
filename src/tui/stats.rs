//! The stats screen: backlog per queue and tag, first-response times against target, time in
//! each workflow step, follow-ups, and the tag mix per day as sparklines, with the crisis
//! banner on top when the radar has raised an alert. Draws a [`Stats`] value; reads nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Sparkline, Wrap};

use crate::insights::Stats;
use crate::insights::stats::dur;

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

fn tag_color(tag: crate::domain::Tag) -> Color {
    use crate::domain::Tag::*;
    match tag {
        Troll => Color::Red,
        Complaint => Color::Yellow,
        Constructive => Color::Green,
        Oportunista => Color::Magenta,
        Other => Color::Gray,
    }
}

/// Draws the whole screen into `area`.
pub fn draw(f: &mut Frame, area: Rect, s: &Stats, banner: Option<&str>) {
    let banner_h = u16::from(banner.is_some());
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(banner_h),
            Constraint::Length(10),
            Constraint::Min(6),
        ])
        .split(area);
    if let Some(b) = banner {
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                format!(" ⚠ {b}"),
                Style::default()
                    .fg(Color::White)
                    .bg(Color::Red)
                    .add_modifier(Modifier::BOLD),
            ))),
            rows[0],
        );
    }
    let top = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
        .split(rows[1]);
    draw_backlog(f, top[0], s);
    draw_response(f, top[1], s);
    let bottom = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
        .split(rows[2]);
    draw_steps(f, bottom[0], s);
    draw_mix(f, bottom[1], s);
}

fn draw_backlog(f: &mut Frame, area: Rect, s: &Stats) {
    let bars: Vec<Bar> = s
        .backlog_by_tag
        .iter()
        .map(|(t, n)| {
            Bar::default()
                .label(Line::from(&t.as_str()[..4.min(t.as_str().len())]))
                .value(*n)
                .style(Style::default().fg(tag_color(*t)))
        })
        .collect();
    let title = format!(" Backlog · {} waiting past target ", s.waiting_past_target);
    let chart = BarChart::default()
        .block(Block::default().borders(Borders::ALL).title(title))
        .data(BarGroup::default().bars(&bars))
        .bar_width(5)
        .bar_gap(1);
    f.render_widget(chart, area);
}

fn draw_response(f: &mut Frame, area: Rect, s: &Stats) {
    let r = &s.first_response;
    let mut lines = vec![
        Line::from(format!(
            "first response  median {}  p90 {}",
            dur(r.median_minutes),
            dur(r.p90_minutes)
        )),
        Line::from(format!(
            "within target   {} of {} answered",
            pct(r.share_within_target),
            r.answered
        )),
        Line::from(format!(
            "follow-ups      {} due · {} pending",
            s.follow_ups.due, s.follow_ups.pending
        )),
        Line::from(format!(
            "                {} verified, {} on time",
            s.follow_ups.done, s.follow_ups.on_time
        )),
    ];
    for (p, fig) in s.by_platform.iter().take(3) {
        lines.push(Line::from(format!(
            "  {:<10} med {:>6}  in target {:>4}",
            p.as_str(),
            dur(fig.median_minutes),
            pct(fig.share_within_target)
        )));
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Response times "),
            )
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn draw_steps(f: &mut Frame, area: Rect, s: &Stats) {
    let mut lines: Vec<Line> = s
        .steps
        .iter()
        .map(|st| {
            Line::from(format!(
                "{:<15}{:>5}  med {:>6}  p90 {:>6}",
                st.step,
                st.cases,
                dur(st.median_minutes),
                dur(st.p90_minutes)
            ))
        })
        .collect();
    if !s.by_operator.is_empty() {
        lines.push(Line::from(""));
        for (op, fig) in s.by_operator.iter().take(4) {
            lines.push(Line::from(format!(
                "{:<15}{:>5}  med {:>6}  answered",
                op,
                fig.answered,
                dur(fig.median_minutes)
            )));
        }
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Time in each step · operators "),
        ),
        area,
    );
}

fn draw_mix(f: &mut Frame, area: Rect, s: &Stats) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Tag mix per day · {} days ", s.tag_mix.days.len()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let n = s.tag_mix.series.len().max(1) as u16;
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints((0..n).map(|_| Constraint::Length(1)).collect::<Vec<_>>())
        .split(inner);
    for ((tag, series), row) in s.tag_mix.series.iter().zip(rows.iter()) {
        let cols = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Length(18), Constraint::Min(1)])
            .split(*row);
        let total: u64 = series.iter().sum();
        f.render_widget(
            Paragraph::new(format!("{:<12}{:>5} ", tag.as_str(), total)),
            cols[0],
        );
        // The latest days that fit, newest on the right.
        let width = cols[1].width as usize;
        let shown = &series[series.len().saturating_sub(width)..];
        f.render_widget(
            Sparkline::default()
                .data(shown)
                .style(Style::default().fg(tag_color(*tag))),
            cols[1],
        );
    }
}
