//! The store worker: a thread that owns the [`Store`] and answers the inbox's [`Request`]s, so
//! the UI loop never waits on SQLite. [`Worker::handle`] is also called directly by tests.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use chrono::{DateTime, Utc};

use super::api::QueueRow;
use super::app::{PageDir, Request, Response};
use super::composer::{self, Origin};
use crate::domain::{Flags, Platform, Tag};
use crate::insights::{self, RadarConfig};
use crate::replies::{self, Guide, Part, Recipient, Values};
use crate::store::Store;
use crate::workflow::{SlaConfig, State};

/// Rows the crisis queue shows at most.
pub const CRISIS_LIMIT: usize = 500;

/// Hours an alert keeps its banner up.
pub const BANNER_HOURS: u32 = 24;

/// Rows a search shows at most.
pub const SEARCH_LIMIT: usize = 500;

/// The clock the worker stamps actions with (`CALMA_NOW` or the system time in the app, a fixed
/// time in tests).
pub type ClockFn = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Owns the connection and answers requests one at a time.
pub struct Worker {
    pub store: Store,
    pub operator: String,
    pub sla: SlaConfig,
    pub clock: ClockFn,
    /// The reply guide templates are drafted from.
    pub guide: Guide,
    /// The crisis radar's window, sensitivity and cooldown.
    pub radar: RadarConfig,
    /// The `data_version` seen at the last poll.
    seen_version: Cell<Option<i64>>,
}

/// A keyset anchor past every real row: the rows before it are the queue's last page.
fn end_anchor() -> QueueRow {
    QueueRow {
        comment_id: i64::MAX,
        platform: Platform::Web,
        tag: Tag::Other,
        flags: Flags::default(),
        state: State::New,
        author: String::new(),
        text: String::new(),
        created_at: None,
        due_at: None,
    }
}

impl Worker {
    pub fn new(
        store: Store,
        operator: impl Into<String>,
        sla: SlaConfig,
        clock: ClockFn,
    ) -> Worker {
        Worker {
            store,
            operator: operator.into(),
            sla,
            clock,
            guide: Guide::builtin(),
            radar: RadarConfig::default(),
            seen_version: Cell::new(None),
        }
    }

    /// Answers one request.
    pub fn handle(&self, req: Request) -> Response {
        let now = (self.clock)();
        let fail = |e: &dyn std::fmt::Display| Response::Failed(e.to_string());
        match req {
            Request::Page {
                generation,
                queue,
                dir,
                anchor,
                limit,
            } => {
                let rows = match (dir, anchor) {
                    (PageDir::Prev, Some(a)) => self.store.queue_page_before(queue, &a, limit, now),
                    (PageDir::Last, _) => {
                        self.store
                            .queue_page_before(queue, &end_anchor(), limit, now)
                    }
                    (PageDir::First, _) => self.store.queue_page(queue, None, limit, now),
                    (_, a) => self.store.queue_page(queue, a.as_ref(), limit, now),
                };
                match rows {
                    Ok(rows) => Response::Page {
                        generation,
                        dir,
                        limit,
                        rows,
                    },
                    Err(e) => fail(&e),
                }
            }
            Request::Counts => slow(&self.store, req, &self.sla, &self.radar, now),
            Request::Case { generation, id } => match self.store.case_view(id, now, &self.sla) {
                Ok(v) => Response::Case {
                    generation,
                    view: Box::new(v),
                },
                Err(e) => fail(&e),
            },
            Request::Act { ids, action, reply } => {
                let results = ids
                    .into_iter()
                    .map(|id| {
                        let r = self
                            .store
                            .act(id, &action, &self.operator, now, &self.sla, reply.as_ref())
                            .and_then(|t| {
                                if reply.is_some() {
                                    self.store.delete_draft(id)?;
                                }
                                Ok(t)
                            })
                            .map(|t| {
                                format!("#{id} {}: {} → {}", t.event.name, t.event.from, t.event.to)
                            })
                            .map_err(|e| e.to_string());
                        (id, r)
                    })
                    .collect();
                Response::Acted {
                    action: action.kind(),
                    results,
                }
            }
            Request::Draft {
                id,
                template,
                part,
                values,
            } => Response::Drafted {
                id,
                result: self.draft(id, &template, part, values),
            },
            Request::SaveDraft { id, text, template } => {
                let r = if text.trim().is_empty() {
                    self.store.delete_draft(id)
                } else {
                    self.store.save_draft(id, &text, template.as_deref(), now)
                };
                match r {
                    Ok(()) => Response::DraftSaved,
                    Err(e) => fail(&e),
                }
            }
            Request::LoadDraft { id } => match self.store.draft(id) {
                Ok(d) => Response::DraftLoaded {
                    id,
                    draft: d.map(|d| (d.text, d.template)),
                },
                Err(e) => fail(&e),
            },
            Request::Undo { id } => Response::Undone {
                id,
                result: self
                    .store
                    .undo(id, &self.operator, now, &self.sla)
                    .map(|c| format!("now {}", c.state))
                    .map_err(|e| e.to_string()),
            },
            Request::Poll => match self.store.data_version() {
                Ok(v) => Response::Polled {
                    changed: self.seen_version.replace(Some(v)).is_some_and(|b| b != v),
                },
                Err(e) => fail(&e),
            },
            Request::Stats | Request::Radar => slow(&self.store, req, &self.sla, &self.radar, now),
            Request::Crisis { generation } => match crisis(&self.store, now) {
                Ok((title, rows)) => Response::Crisis {
                    generation,
                    title,
                    rows,
                },
                Err(e) => fail(&e),
            },
            Request::Search { generation, text } => match self.store.search(&text, SEARCH_LIMIT) {
                Ok(rows) => Response::Search {
                    generation,
                    text,
                    rows,
                },
                Err(e) => fail(&e),
            },
        }
    }

    /// Drafts `template` for case `id`: the variant rotation allows for its author and thread,
    /// in the comment's language, filled with what the case knows and `extra`.
    fn draft(
        &self,
        id: i64,
        template: &str,
        part: Part,
        extra: Values,
    ) -> Result<(String, Origin), String> {
        let c = self.store.comment(id).map_err(|e| e.to_string())?;
        let mut values = composer::case_values(&c, &self.operator);
        for key in [
            "name", "agent", "order", "ticket", "channel", "contact", "issue", "eta",
        ] {
            if let Some(v) = extra.get(key) {
                values.set(key, v);
            }
        }
        let key = |k: &str| format!("{}:{k}", c.platform.as_str());
        let author_key = c.author.key().map(key);
        let thread_key = c.thread_id.as_deref().map(key);
        let log = self.store.usage_log().map_err(|e| e.to_string())?;
        let to = Recipient {
            lang: composer::case_lang(&c),
            author_key: author_key.as_deref(),
            thread_key: thread_key.as_deref(),
        };
        let d = replies::draft(&self.guide, template, part, to, &log, &values)?;
        let origin = Origin {
            template: template.to_string(),
            part,
            variant: d.variant.index,
            lang: d.variant.lang,
        };
        Ok((d.text, origin))
    }

    /// Runs the worker on its own thread: requests in, answers out through `send`. A request
    /// for a case view is skipped when a newer one is already waiting (fast scrolling). Queue
    /// counts (seconds on a million rows) run on a second thread with its own connection, so
    /// paging never waits behind them.
    pub fn spawn(
        self,
        send: impl Fn(Response) -> bool + Send + Sync + 'static,
    ) -> std::io::Result<(std_mpsc::Sender<Request>, std::thread::JoinHandle<()>)> {
        let send = Arc::new(send);
        let (tx, rx) = std_mpsc::channel::<Request>();
        let (count_tx, count_rx) = std_mpsc::channel::<Request>();
        let counter = Store::open(self.store.path()).ok();
        let count_send = send.clone();
        let clock = self.clock.clone();
        let (sla, radar) = (self.sla.clone(), self.radar.clone());
        std::thread::Builder::new()
            .name("calma-counts".into())
            .spawn(move || {
                let Some(store) = counter else { return };
                while let Ok(first) = count_rx.recv() {
                    // Several asks of a kind waiting: one answer serves them all.
                    let mut asks = vec![first];
                    for r in count_rx.try_iter() {
                        if !asks.contains(&r) {
                            asks.push(r);
                        }
                    }
                    for ask in asks {
                        if !count_send(slow(&store, ask, &sla, &radar, clock())) {
                            return;
                        }
                    }
                }
            })?;
        let handle = std::thread::Builder::new()
            .name("calma-store".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let last_case = batch
                        .iter()
                        .rposition(|r| matches!(r, Request::Case { .. }));
                    for (i, req) in batch.into_iter().enumerate() {
                        let answer = match req {
                            Request::Counts | Request::Stats | Request::Radar => {
                                match count_tx.send(req) {
                                    Ok(()) => None,
                                    Err(e) => Some(self.handle(e.0)),
                                }
                            }
                            Request::Case { .. } if Some(i) != last_case => None,
                            req => Some(self.handle(req)),
                        };
                        if let Some(a) = answer
                            && !send(a)
                        {
                            return;
                        }
                    }
                }
            })?;
        Ok((tx, handle))
    }
}

/// The requests that read the whole database (counts, figures, the radar): answered on the
/// second connection's thread, so paging never waits behind them.
fn slow(
    store: &Store,
    req: Request,
    sla: &SlaConfig,
    radar: &RadarConfig,
    now: DateTime<Utc>,
) -> Response {
    let r = match req {
        Request::Counts => store.queue_counts(now).map(Response::Counts),
        Request::Stats => {
            let since = now - chrono::Duration::days(insights::DEFAULT_STATS_DAYS);
            insights::stats(store, sla, since, now).map(|s| Response::Stats(Box::new(s)))
        }
        Request::Radar => insights::radar_update(store, radar, now)
            .and_then(|_| insights::standing_alerts(store, BANNER_HOURS, now))
            .map(Response::Alerts),
        other => return Response::Failed(format!("not a background request: {other:?}")),
    };
    r.unwrap_or_else(|e| Response::Failed(e.to_string()))
}

/// The crisis queue of the latest standing alert: its title and rows, worst first.
fn crisis(store: &Store, now: DateTime<Utc>) -> crate::store::Result<(String, Vec<QueueRow>)> {
    let alerts = insights::standing_alerts(store, BANNER_HOURS, now)?;
    let Some(alert) = insights::crisis_alert(&alerts) else {
        return Ok(("crisis: no alert in the last 24 hours".into(), Vec::new()));
    };
    let ranked = insights::crisis_queue(store, alert, now, CRISIS_LIMIT)?;
    let ids: Vec<i64> = ranked.iter().map(|r| r.comment_id).collect();
    let title = format!(
        "crisis: {} since {}",
        alert.message,
        alert.started_at.format("%a %H:%M")
    );
    Ok((title, store.queue_rows_by_id(&ids)?))
}
