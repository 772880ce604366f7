//! Drawing: reads the [`App`] and paints the tab bar, the queue (only its visible rows), the
//! case pane, the composer, the status line and the overlays (help, confirmation, retag).

use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::api::{CaseView, Queue, QueueRow};
use super::app::{App, Mode, command_of};
use super::composer::Picker;
use super::diff::{Piece, word_diff};
use super::keymap::Command;
use super::layout::{self, Areas};
use crate::domain::Tag;
use crate::replies::{LintWarning, send_guard};
use crate::workflow::{self as wf, SlaConfig, State, Urgency};

/// Paints the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let banner = app.banner();
    let areas: Areas = layout::areas(
        frame.area(),
        app.case_open,
        app.mode.is_composing(),
        banner.is_some(),
    );
    draw_tabs(frame, app, areas.tabs);
    if app.mode == Mode::Stats {
        draw_stats(frame, app, banner.as_deref());
        return;
    }
    if let (Some(area), Some(text)) = (areas.banner, &banner) {
        frame.render_widget(
            Paragraph::new(fit(&format!("⚠ {text} (C)"), usize::from(area.width)))
                .style(Style::new().fg(Color::White).bg(Color::Red).bold()),
            area,
        );
    }
    if let Some(q) = areas.queue {
        draw_queue(frame, app, q);
    }
    if let Some(c) = areas.case {
        draw_case(frame, app, c);
    }
    if let Some(c) = areas.composer {
        draw_composer(frame, app, c);
    }
    draw_status(frame, app, areas.status);
    match &app.mode {
        Mode::Help => draw_help(frame, app),
        Mode::Confirm { question, .. } => draw_confirm(frame, question),
        Mode::Retag { selected, targets } => draw_retag(frame, *selected, targets.len()),
        Mode::Picker(p) => draw_picker(frame, app, p),
        Mode::Review => draw_review(frame, app),
        _ => {}
    }
}

/// The stats screen under the tab bar, with a hint on the last line.
fn draw_stats(frame: &mut Frame, app: &App, banner: Option<&str>) {
    let [_, body, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    match &app.stats {
        Some(s) => super::stats::draw(frame, body, s, banner),
        None => frame.render_widget(Paragraph::new("counting…").fg(Color::DarkGray), body),
    }
    frame.render_widget(
        Paragraph::new(" any key: back to the inbox").fg(Color::DarkGray),
        hint,
    );
}

fn urgency_style(u: Urgency) -> Style {
    match u {
        Urgency::Green => Style::new().fg(Color::Green),
        Urgency::Amber => Style::new().fg(Color::Yellow),
        Urgency::Red => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

fn tag_style(t: Tag) -> Style {
    match t {
        Tag::Troll => Style::new().fg(Color::Magenta),
        Tag::Complaint => Style::new().fg(Color::Red),
        Tag::Constructive => Style::new().fg(Color::Cyan),
        Tag::Oportunista => Style::new().fg(Color::Yellow),
        Tag::Other => Style::new().fg(Color::Gray),
    }
}

/// The target of the step a row waits on, to colour its clock as the workflow does.
fn step_target(sla: &SlaConfig, row: &QueueRow) -> Duration {
    let mins = |m: u32| Duration::minutes(i64::from(m));
    match row.state {
        State::Acknowledged => mins(sla.private_minutes),
        State::Private => mins(sla.resolve_minutes),
        State::Resolved => mins(sla.verify_minutes),
        State::Investigating => mins(sla.firm_reply_minutes),
        _ => sla.first_response(row.platform, row.tag),
    }
}

/// "12m", "-1h 5m" (overdue) and its colour, or a dash when no clock runs.
pub fn row_clock(sla: &SlaConfig, row: &QueueRow, now: DateTime<Utc>) -> (String, Style) {
    match row.due_at {
        None => ("—".into(), Style::new().fg(Color::DarkGray)),
        Some(due) => {
            let remaining = due - now;
            let u = wf::urgency(step_target(sla, row), remaining);
            let sign = if remaining < Duration::zero() {
                "-"
            } else {
                ""
            };
            (format!("{sign}{}", wf::human(remaining)), urgency_style(u))
        }
    }
}

/// A short queue name for narrow screens.
fn short_title(q: Queue) -> &'static str {
    match q {
        Queue::FirstResponse => "Reply",
        Queue::Complaints => "Complaints",
        Queue::Oportunistas => "Oport.",
        Queue::Constructive => "Constr.",
        Queue::Trolls => "Trolls",
        Queue::FollowUps => "Follow-ups",
        Queue::All => "All",
    }
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let wide = layout::is_wide(app.size);
    let mut spans = vec![];
    if wide {
        spans.push(Span::styled(" calma ", Style::new().bold().reversed()));
        spans.push(Span::raw(" "));
    }
    for q in Queue::ALL {
        let n = app
            .counts
            .iter()
            .find(|(c, _)| *c == q)
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| "…".into());
        let title = if wide { q.title() } else { short_title(q) };
        let label = if wide {
            format!(" {title} {n} ")
        } else {
            format!("{title} {n}")
        };
        let style = if q == app.queue && app.search.is_none() {
            Style::new().fg(Color::Black).bg(Color::Cyan).bold()
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw("│"));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn fit(s: &str, width: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(width)
        .collect();
    let n = out.chars().count();
    if n < width {
        out.extend(std::iter::repeat_n(' ', width - n));
    }
    out
}

fn queue_line<'a>(app: &App, row: &'a QueueRow, selected: bool, width: usize) -> Line<'a> {
    let (clock, clock_style) = row_clock(&app.sla, row, app.now);
    let mark = if app.marked.contains(&row.comment_id) {
        "*"
    } else {
        " "
    };
    let mut spans = vec![
        Span::styled(mark, Style::new().fg(Color::Yellow).bold()),
        Span::styled(format!("{clock:>7} "), clock_style),
        Span::styled(fit(row.tag.as_str(), 13), tag_style(row.tag)),
        Span::raw(fit(row.platform.as_str(), 10)),
        Span::styled(fit(&row.author, 16), Style::new().fg(Color::Blue)),
        Span::raw(" "),
    ];
    let used = 1 + 8 + 13 + 10 + 16 + 1;
    spans.push(Span::raw(fit(&row.text, width.saturating_sub(used))));
    let line = Line::from(spans);
    if selected {
        line.style(Style::new().add_modifier(Modifier::REVERSED))
    } else {
        line
    }
}

fn draw_queue(frame: &mut Frame, app: &App, area: Rect) {
    let (title, rows, selected, top) = match &app.search {
        Some(s) => (
            format!(" {} ({}) ", s.title, s.rows.len()),
            &s.rows,
            s.selected,
            s.top,
        ),
        None => {
            let mut t = format!(" {} ", app.queue.title());
            if let Some(l) = &app.limit {
                t.push_str(&format!("· limit {l:?} "));
            }
            if app.list.loading {
                t.push_str("· loading ");
            }
            (t, &app.list.rows, app.list.selected, app.list.top)
        }
    };
    let focus = !app.case_open;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focus {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new().fg(Color::DarkGray)
        });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    let width = usize::from(inner.width);
    if rows.is_empty() {
        let msg = if app.list.loading {
            "loading…"
        } else {
            "nothing here: this queue is clear"
        };
        frame.render_widget(Paragraph::new(msg).fg(Color::DarkGray), inner);
        return;
    }
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, r)| queue_line(app, r, i == selected, width))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The text with the matched rules' byte spans highlighted.
fn highlighted(text: &str, spans: &[(usize, usize)]) -> Vec<Line<'static>> {
    let mut marks: Vec<(usize, usize)> = spans
        .iter()
        .copied()
        .filter(|(s, e)| {
            s < e && *e <= text.len() && text.is_char_boundary(*s) && text.is_char_boundary(*e)
        })
        .collect();
    marks.sort_unstable();
    let hl = Style::new().fg(Color::Black).bg(Color::Yellow);
    let mut lines = vec![];
    let mut cur: Vec<Span<'static>> = vec![];
    let mut pos = 0;
    let push =
        |s: &str, style: Style, cur: &mut Vec<Span<'static>>, lines: &mut Vec<Line<'static>>| {
            let mut parts = s.split('\n');
            if let Some(first) = parts.next() {
                cur.push(Span::styled(first.to_string(), style));
            }
            for p in parts {
                lines.push(Line::from(std::mem::take(cur)));
                cur.push(Span::styled(p.to_string(), style));
            }
        };
    for (s, e) in marks {
        if s < pos {
            continue;
        }
        push(&text[pos..s], Style::new(), &mut cur, &mut lines);
        push(&text[s..e], hl, &mut cur, &mut lines);
        pos = e;
    }
    push(&text[pos..], Style::new(), &mut cur, &mut lines);
    lines.push(Line::from(cur));
    lines
}

fn heading(s: &str) -> Line<'static> {
    Line::from(Span::styled(
        s.to_string(),
        Style::new().bold().fg(Color::Cyan),
    ))
}

fn short_time(t: DateTime<Utc>) -> String {
    t.format("%d %b %H:%M").to_string()
}

fn case_lines(app: &App, v: &CaseView) -> Vec<Line<'static>> {
    let c = &v.comment;
    let mut out = vec![];
    let mut head = vec![
        Span::styled(format!("#{} ", c.id), Style::new().bold()),
        Span::raw(format!("{} · ", c.platform)),
        Span::styled(
            c.author.label().to_string(),
            Style::new().fg(Color::Blue).bold(),
        ),
        Span::raw(" · "),
        Span::styled(v.case.kind.as_str().to_string(), tag_style(v.case.kind)),
    ];
    for f in c.flags.iter() {
        head.push(Span::styled(format!(" [{f}]"), Style::new().fg(Color::Red)));
    }
    head.push(Span::raw(format!(" · {}", v.case.state)));
    if let Some(t) = c.created_at {
        head.push(Span::styled(
            format!(" · {}", short_time(t)),
            Style::new().fg(Color::DarkGray),
        ));
    }
    out.push(Line::from(head));
    if let Some(k) = &v.clock {
        let when = if k.remaining < Duration::zero() {
            format!("overdue by {}", wf::human(k.remaining))
        } else {
            format!("due in {}", wf::human(k.remaining))
        };
        out.push(Line::from(vec![
            Span::raw("clock: "),
            Span::styled(
                format!("{} {when}", k.step.as_str()),
                urgency_style(k.urgency),
            ),
            Span::styled(
                format!(" (at {})", short_time(k.due_at)),
                Style::new().fg(Color::DarkGray),
            ),
        ]));
    }
    if let Some((who, id)) = &app.answered_by {
        out.push(Line::from(Span::styled(
            format!("answered by the community: {who} (#{id}) helped already; thank them rather than repeat"),
            Style::new().fg(Color::Green),
        )));
    }
    out.push(Line::default());
    let spans: Vec<(usize, usize)> = v
        .rules
        .iter()
        .flat_map(|r| r.spans.iter().copied())
        .collect();
    out.extend(highlighted(&c.text, &spans));
    if !v.rules.is_empty() {
        let names: Vec<&str> = v.rules.iter().map(|r| &*r.rule).collect();
        out.push(Line::from(Span::styled(
            format!("rules: {}", names.join(", ")),
            Style::new().fg(Color::Yellow),
        )));
    }
    if v.versions.len() > 1 {
        out.push(Line::default());
        out.push(heading(&format!("Versions ({})", v.versions.len())));
        for (i, w) in v.versions.windows(2).enumerate() {
            let mut spans = vec![Span::styled(
                format!(
                    "v{}→v{} {}: ",
                    i + 1,
                    i + 2,
                    short_time(w[1].edited_at.unwrap_or(w[1].seen_at))
                ),
                Style::new().fg(Color::DarkGray),
            )];
            for p in word_diff(&w[0].text, &w[1].text) {
                let (s, style) = match p {
                    Piece::Same(s) => (s.to_string(), Style::new()),
                    Piece::Removed(s) => (
                        format!("[-{s}-]"),
                        Style::new().fg(Color::Red).crossed_out(),
                    ),
                    Piece::Added(s) => (
                        format!("{{+{s}+}}"),
                        Style::new().fg(Color::Green).underlined(),
                    ),
                };
                spans.push(Span::styled(s, style));
                spans.push(Span::raw(" "));
            }
            out.push(Line::from(spans));
        }
    }
    if v.thread.len() > 1 {
        out.push(Line::default());
        out.push(heading("Thread"));
        for t in &v.thread {
            let me = t.id == c.id;
            let who = if t.is_brand {
                format!("{} (us)", t.author.label())
            } else {
                t.author.label().to_string()
            };
            let marker = if me { "▶ " } else { "  " };
            let style = if t.is_brand {
                Style::new().fg(Color::Green)
            } else if me {
                Style::new().bold()
            } else {
                Style::new()
            };
            let time = t.created_at.map(short_time).unwrap_or_default();
            out.push(Line::from(vec![
                Span::raw(marker),
                Span::styled(format!("{time} "), Style::new().fg(Color::DarkGray)),
                Span::styled(format!("{who}: "), style),
                Span::raw(t.text.replace('\n', " ")),
            ]));
        }
    }
    if let Some(a) = &v.author {
        out.push(Line::default());
        out.push(heading("Author"));
        let tags: Vec<String> = a.by_tag.iter().map(|(t, n)| format!("{t} {n}")).collect();
        out.push(Line::raw(format!(
            "{} comment{} · {} · asked for compensation {}×",
            a.comments,
            if a.comments == 1 { "" } else { "s" },
            tags.join(", "),
            a.asked_compensation
        )));
        for r in a.recent.iter().filter(|r| r.id != c.id).take(5) {
            out.push(Line::from(vec![
                Span::styled(
                    format!("  {} ", r.platform),
                    Style::new().fg(Color::DarkGray),
                ),
                Span::styled(format!("{} ", r.tag), tag_style(r.tag)),
                Span::raw(r.text.replace('\n', " ")),
            ]));
        }
    }
    out.push(Line::default());
    out.push(heading("Workflow"));
    out.push(Line::raw(format!(
        "opened {}",
        short_time(v.case.opened_at)
    )));
    for e in &v.events {
        let reason = e
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        out.push(Line::raw(format!(
            "{} {}: {} {} → {}{reason}",
            short_time(e.at),
            e.operator,
            e.action,
            e.from.as_deref().unwrap_or("-"),
            e.to.as_deref().unwrap_or("-")
        )));
    }
    if let Some(f) = v.case.at.follow_up_due {
        out.push(Line::raw(format!("follow-up due {}", short_time(f))));
    }
    let allowed: Vec<String> = v
        .allowed
        .iter()
        .map(|k| match command_of(*k) {
            Some(cmd) => format!("{} {}", app.keymap.hint(cmd), k.as_str()),
            None => format!(":act {}", k.as_str()),
        })
        .collect();
    out.push(Line::from(vec![
        Span::styled("allowed: ", Style::new().bold()),
        Span::raw(if allowed.is_empty() {
            "nothing (the case is finished)".to_string()
        } else {
            allowed.join(" · ")
        }),
    ]));
    out
}

fn draw_case(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Case ")
        .border_style(if app.case_open {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new().fg(Color::DarkGray)
        });
    let body = match &app.case {
        Some(v) if Some(v.case.comment_id) == app.case_wanted => {
            Paragraph::new(Text::from(case_lines(app, v)))
        }
        Some(_) | None if app.case_wanted.is_some() => {
            Paragraph::new("loading…").fg(Color::DarkGray)
        }
        _ => Paragraph::new("no case selected").fg(Color::DarkGray),
    };
    frame.render_widget(
        body.block(block)
            .wrap(Wrap { trim: false })
            .scroll((app.case_scroll, 0)),
        area,
    );
}

fn draw_composer(frame: &mut Frame, app: &App, area: Rect) {
    let from = app
        .origin
        .as_ref()
        .map(|o| format!(" · {} v{} {}", o.template, o.variant + 1, o.lang.as_str()))
        .unwrap_or_default();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(format!(" Reply as {}{from} ", app.reply_action.as_str()))
        .title_bottom(" Tab action · C-t template · C-e $EDITOR · C-s review · Esc close ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text = app.composer_text();
    let lines = lint_lines(&text, &app.lint, usize::from(inner.width));
    let lint_rows = (lines.len() as u16).min(inner.height.saturating_sub(2) / 2 + 1);
    let [editor, lint] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(lint_rows)]).areas(inner);
    frame.render_widget(&app.composer, editor);
    frame.render_widget(Paragraph::new(lines), lint);
}

/// The lint under the editor: each warning with its explanation and the words it points at,
/// then what the send guard would refuse.
fn lint_lines(text: &str, warnings: &[LintWarning], width: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = warnings
        .iter()
        .map(|w| {
            let mut spans = vec![Span::styled(
                format!("{:<11} ", w.rule.as_str()),
                Style::new().fg(Color::Yellow).bold(),
            )];
            if let Some(words) = w.span.and_then(|(a, b)| text.get(a..b)) {
                spans.push(Span::styled(
                    format!("«{}»", words.replace('\n', " ")),
                    Style::new().fg(Color::Black).bg(Color::Yellow),
                ));
                spans.push(Span::raw(" "));
            }
            let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
            spans.push(Span::raw(fit(&w.message, width.saturating_sub(used))));
            Line::from(spans)
        })
        .collect();
    if !text.trim().is_empty()
        && let Err(problems) = send_guard(text)
    {
        for p in problems {
            lines.push(Line::from(Span::styled(
                fit(&format!("cannot send: {p}"), width),
                Style::new().fg(Color::Red).bold(),
            )));
        }
    }
    lines
}

fn draw_picker(frame: &mut Frame, app: &App, p: &Picker) {
    let screen = frame.area();
    let width = screen.width.saturating_sub(4).min(76);
    let height = (p.matches.len() as u16 + 4).min(screen.height.saturating_sub(2));
    let area = centered(screen, width, height);
    let inner_w = usize::from(width.saturating_sub(2));
    let mut lines = vec![Line::from(vec![
        Span::styled("Find: ", Style::new().bold()),
        Span::raw(p.query.clone()),
        Span::styled("█", Style::new().fg(Color::Cyan)),
    ])];
    let rows = usize::from(height.saturating_sub(3));
    let top = p.selected.saturating_sub(rows.saturating_sub(1));
    for (i, id) in p.matches.iter().enumerate().skip(top).take(rows) {
        let Some(t) = app.guide.get(id) else { continue };
        let label = format!(" {:<22} {}", t.id, t.title);
        let style = if i == p.selected {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(fit(&label, inner_w), style)));
    }
    if p.matches.is_empty() {
        lines.push(Line::from(Span::styled(
            " no template matches",
            Style::new().fg(Color::DarkGray),
        )));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(Style::new().fg(Color::Cyan))
                .title(" Template · type to filter · ↑↓ · Enter draft · Esc free text "),
        ),
        area,
    );
}

fn draw_review(frame: &mut Frame, app: &App) {
    let screen = frame.area();
    let width = screen.width.saturating_sub(4).min(100);
    let area = centered(screen, width, screen.height.saturating_sub(2));
    let inner_w = usize::from(width.saturating_sub(2));
    let from = app
        .origin
        .as_ref()
        .map(|o| {
            format!(
                " · template {} v{} ({})",
                o.template,
                o.variant + 1,
                o.lang.as_str()
            )
        })
        .unwrap_or_else(|| " · free text".into());
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Action: ", Style::new().bold()),
            Span::raw(format!("{}{from}", app.reply_action.as_str())),
        ]),
        Line::raw(""),
    ];
    lines.extend(app.composer.lines().iter().map(|l| Line::raw(l.clone())));
    lines.push(Line::raw(""));
    let summary = if app.lint.is_empty() {
        Span::styled("Lint: no warnings", Style::new().fg(Color::Green))
    } else {
        Span::styled(
            format!("Lint: {} warning(s)", app.lint.len()),
            Style::new().fg(Color::Yellow).bold(),
        )
    };
    lines.push(Line::from(summary));
    lines.extend(lint_lines(&app.composer_text(), &app.lint, inner_w));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(Style::new().fg(Color::Green))
                .title(" Review · y send · n back · e edit "),
        ),
        area,
    );
}

fn hints(app: &App) -> String {
    let k = |c: Command| app.keymap.hint(c);
    if app.case_open {
        format!(
            "{} back  {} reply  {} ack  {} private  {} resolve  {} verify  {} undo  {} help",
            k(Command::Back),
            k(Command::Reply),
            k(Command::Acknowledge),
            k(Command::Private),
            k(Command::Resolve),
            k(Command::Verify),
            k(Command::Undo),
            k(Command::Help)
        )
    } else {
        format!(
            "{}/{} move  {} open  {} queue  {} search  {} mark  {} ack  {} reply  {} help  {} quit",
            k(Command::Down),
            k(Command::Up),
            k(Command::Open),
            k(Command::NextQueue),
            k(Command::Search),
            k(Command::Mark),
            k(Command::Acknowledge),
            k(Command::Reply),
            k(Command::Help),
            k(Command::Quit)
        )
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let line = match &app.mode {
        Mode::Prompt { ask, input, .. } => Line::from(vec![
            Span::styled(super::app::prompt_label(ask), Style::new().bold()),
            Span::raw(input.clone()),
            Span::styled("█", Style::new().fg(Color::Cyan)),
        ]),
        _ => match &app.status {
            Some(s) if s.error => Line::from(Span::styled(
                s.text.clone(),
                Style::new().fg(Color::Red).bold(),
            )),
            Some(s) => Line::from(Span::styled(s.text.clone(), Style::new().fg(Color::Green))),
            None => Line::from(Span::styled(hints(app), Style::new().fg(Color::DarkGray))),
        },
    };
    let line = if app.bulk {
        let mut l = line;
        l.spans.insert(
            0,
            Span::styled(
                format!("[{} marked] ", app.marked.len()),
                Style::new().bold(),
            ),
        );
        l
    } else {
        line
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn draw_help(frame: &mut Frame, app: &App) {
    let entries = app.keymap.help_lines();
    let screen = frame.area();
    // As many rows as fit; more columns when the screen is short.
    let rows = usize::from(screen.height.saturating_sub(4)).clamp(1, entries.len());
    let columns = entries.len().div_ceil(rows);
    let rows = entries.len().div_ceil(columns);
    let col_width: u16 = if columns == 1 {
        70
    } else {
        screen.width.saturating_sub(2) / columns as u16
    };
    let text_width = usize::from(col_width.saturating_sub(12));
    let lines: Vec<Line> = (0..rows)
        .map(|r| {
            let mut spans = vec![];
            for c in 0..columns {
                if let Some((keys, what)) = entries.get(c * rows + r) {
                    spans.push(Span::styled(
                        format!("{keys:>9}  "),
                        Style::new().bold().fg(Color::Cyan),
                    ));
                    spans.push(Span::raw(fit(what, text_width)));
                    spans.push(Span::raw(" "));
                }
            }
            Line::from(spans)
        })
        .collect();
    let area = centered(screen, col_width * columns as u16 + 2, rows as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Keys (keys.toml) · any key closes "),
        ),
        area,
    );
}

fn draw_confirm(frame: &mut Frame, question: &str) {
    let area = centered(
        frame.area(),
        (question.chars().count() as u16 + 6).max(30),
        3,
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(question.to_string())
            .style(Style::new().bold())
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::new().fg(Color::Red))
                    .title(" Confirm "),
            ),
        area,
    );
}

fn draw_retag(frame: &mut Frame, selected: usize, targets: usize) {
    let lines: Vec<Line> = Tag::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let l = Line::from(Span::styled(format!(" {} ", t.as_str()), tag_style(*t)));
            if i == selected {
                l.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                l
            }
        })
        .collect();
    let area = centered(frame.area(), 34, Tag::ALL.len() as u16 + 2);
    frame.render_widget(Clear, area);
    let title = if targets == 1 {
        " Retag as… (Enter) ".to_string()
    } else {
        format!(" Retag {targets} as… (Enter) ")
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}
