//! Screen geometry shared by `update` (how many rows a page holds) and the view (where each
//! pane goes), so paging and drawing always agree.

use ratatui::layout::{Constraint, Layout, Rect};

/// From this width on, the case pane sits beside the queue.
pub const WIDE: u16 = 120;

/// Rows of the composer when it is open, at least (it takes half the body on tall screens).
pub const COMPOSER_ROWS: u16 = 11;

pub fn is_wide(size: (u16, u16)) -> bool {
    size.0 >= WIDE
}

/// Queue rows that fit on screen: everything but the tab bar, the crisis banner when it shows,
/// the status line and the pane's border.
pub fn queue_rows(size: (u16, u16), banner: bool) -> usize {
    usize::from(size.1.saturating_sub(4 + u16::from(banner)))
}

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy)]
pub struct Areas {
    pub tabs: Rect,
    /// The crisis banner's line, when alerts stand.
    pub banner: Option<Rect>,
    pub queue: Option<Rect>,
    pub case: Option<Rect>,
    pub composer: Option<Rect>,
    pub status: Rect,
}

pub fn areas(area: Rect, case_open: bool, composer: bool, banner: bool) -> Areas {
    let [tabs, banner_area, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(banner)),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let banner = banner.then_some(banner_area);
    let (queue, case) = if is_wide((area.width, area.height)) {
        let [q, c] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(body);
        (Some(q), Some(c))
    } else if case_open || composer {
        (None, Some(body))
    } else {
        (Some(body), None)
    };
    let (case, composer) = match (case, composer) {
        (Some(c), true) => {
            let [top, bottom] = Layout::vertical([
                Constraint::Min(3),
                Constraint::Length(COMPOSER_ROWS.max(c.height / 2)),
            ])
            .areas(c);
            (Some(top), Some(bottom))
        }
        (c, _) => (c, None),
    };
    Areas {
        tabs,
        banner,
        queue,
        case,
        composer,
        status,
    }
}
