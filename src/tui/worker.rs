//! The store worker: a thread that owns the [`Store`] and answers the inbox's [`Request`]s, so
//! the UI loop never waits on SQLite. [`Worker::handle`] is also called directly by tests.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use chrono::{DateTime, Utc};

use super::api::QueueRow;
use super::app::{PageDir, Request, Response};
use crate::domain::{Flags, Platform, Tag};
use crate::store::{NewReply, Store};
use crate::workflow::{SlaConfig, State};

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
                        self.store.queue_page_before(queue, &end_anchor(), limit, now)
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
            Request::Counts => match self.store.queue_counts(now) {
                Ok(c) => Response::Counts(c),
                Err(e) => fail(&e),
            },
            Request::Case { generation, id } => match self.store.case_view(id, now, &self.sla) {
                Ok(v) => Response::Case {
                    generation,
                    view: Box::new(v),
                },
                Err(e) => fail(&e),
            },
            Request::Act { ids, action, reply } => {
                let reply = reply.map(NewReply::text);
                let results = ids
                    .into_iter()
                    .map(|id| {
                        let r = self
                            .store
                            .act(id, &action, &self.operator, now, &self.sla, reply.as_ref())
                            .map(|t| {
                                format!(
                                    "#{id} {}: {} → {}",
                                    t.event.name, t.event.from, t.event.to
                                )
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
            Request::Undo { id } => Response::Undone {
                id,
                result: self
                    .store
                    .undo(id, &self.operator, now, &self.sla)
                    .map(|c| format!("now {}", c.state))
                    .map_err(|e| e.to_string()),
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

    /// Runs the worker on its own thread: requests in, answers out through `send`. A request
    /// for a case view is skipped when a newer one is already waiting (fast scrolling).
    pub fn spawn(
        self,
        send: impl Fn(Response) -> bool + Send + 'static,
    ) -> std::io::Result<(std_mpsc::Sender<Request>, std::thread::JoinHandle<()>)> {
        let (tx, rx) = std_mpsc::channel::<Request>();
        let handle = std::thread::Builder::new()
            .name("calma-store".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let last_case = batch
                        .iter()
                        .rposition(|r| matches!(r, Request::Case { .. }));
                    let last_counts = batch.iter().rposition(|r| *r == Request::Counts);
                    for (i, req) in batch.into_iter().enumerate() {
                        let superseded = match req {
                            Request::Case { .. } => Some(i) != last_case,
                            Request::Counts => Some(i) != last_counts,
                            _ => false,
                        };
                        if !superseded && !send(self.handle(req)) {
                            return;
                        }
                    }
                }
            })?;
        Ok((tx, handle))
    }
}
