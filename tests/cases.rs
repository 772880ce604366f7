//! Cases in a real SQLite file: queues, keyset paging, actions as transactions, undo, and what
//! ingest does to cases (brand replies answer them, customers coming back reopen them).

use calma::domain::{AuthorHistory, AuthorRef, Classification, Comment, Lang, Platform, Tag};
use calma::store::{IngestWriter, NewReply, Outcome, Queue, Store, StoreError};
use calma::workflow::{Action, Channel, SlaConfig, State};
use chrono::{DateTime, Duration, Utc};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn tagged(tag: Tag) -> impl FnMut(&AuthorHistory) -> Classification {
    move |_| {
        let mut c = Classification::unclassified(Lang::En);
        c.tag = tag;
        c
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
}

fn comment(id: &str, author: &str, thread: &str, text: &str, at: &str) -> Comment {
    let mut c = Comment::new(Platform::Facebook, id, text);
    c.author = AuthorRef {
        id: Some(author.into()),
        handle: None,
        name: Some(author.to_uppercase()),
    };
    c.thread_id = Some(thread.into());
    c.created_at = Some(t(at));
    c
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("calma.db")).unwrap();
        Fixture { _dir: dir, store }
    }

    fn ingest(&self, items: &[(Comment, Tag)]) -> Vec<Outcome> {
        let mut w = IngestWriter::new(&self.store, SlaConfig::default()).unwrap();
        let out = items
            .iter()
            .map(|(c, tag)| {
                w.write(c, 0, &mut tagged(*tag), "test", t("2026-11-20T12:00:00Z"))
                    .unwrap()
            })
            .collect();
        w.finish().unwrap();
        out
    }

    fn id(&self, ext: &str) -> i64 {
        self.store
            .comment_by_external(Platform::Facebook, ext)
            .unwrap()
            .unwrap()
            .id
    }
}

#[test]
fn a_complaint_walks_the_whole_path_with_one_event_per_step() {
    let f = Fixture::new();
    f.ingest(&[(
        comment(
            "c1",
            "ana",
            "post-1",
            "My order NB-1 never arrived",
            "2026-11-20T10:00:00Z",
        ),
        Tag::Complaint,
    )]);
    let id = f.id("c1");
    let sla = SlaConfig::default();
    let now = t("2026-11-20T10:30:00Z");
    let steps = [
        (Action::Acknowledge, State::Acknowledged),
        (
            Action::MoveToPrivate {
                channel: Channel::Dm,
                contact: "@ana".into(),
            },
            State::Private,
        ),
        (
            Action::Resolve {
                note: "resent the parcel".into(),
                follow_up_at: Some(now + Duration::days(3)),
            },
            State::Resolved,
        ),
        (Action::Verify, State::Verified),
    ];
    for (i, (action, want)) in steps.iter().enumerate() {
        let reply = (i == 0).then(|| NewReply::text("Sorry Ana, we are on it."));
        let tr = f
            .store
            .act(id, action, "maria", now, &sla, reply.as_ref())
            .unwrap();
        assert_eq!(tr.case.state, *want);
        assert_eq!(f.store.case(id).unwrap().state, *want);
        assert_eq!(f.store.events(id).unwrap().len(), i + 1);
    }
    let view = f.store.case_view(id, now, &sla).unwrap();
    assert_eq!(view.replies.len(), 1);
    assert_eq!(view.replies[0].text, "Sorry Ana, we are on it.");
    assert_eq!(view.replies[0].operator, "maria");
    let actions: Vec<&str> = view.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["acknowledge", "move_to_private", "resolve", "verify"]
    );
}

#[test]
fn a_refused_action_changes_nothing() {
    let f = Fixture::new();
    f.ingest(&[(
        comment(
            "c1",
            "ana",
            "post-1",
            "Broken on arrival",
            "2026-11-20T10:00:00Z",
        ),
        Tag::Complaint,
    )]);
    let id = f.id("c1");
    let err = f
        .store
        .act(
            id,
            &Action::Hide {
                reason: "annoying".into(),
            },
            "maria",
            t("2026-11-20T10:05:00Z"),
            &SlaConfig::default(),
            Some(&NewReply::text("never stored")),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Workflow(_)), "{err}");
    assert_eq!(f.store.case(id).unwrap().state, State::New);
    assert!(f.store.events(id).unwrap().is_empty());
    assert!(f.store.replies(id).unwrap().is_empty());
}

#[test]
fn undo_takes_back_the_last_action_and_keeps_the_audit_log() {
    let f = Fixture::new();
    f.ingest(&[(
        comment("c1", "ana", "post-1", "Late again", "2026-11-20T10:00:00Z"),
        Tag::Complaint,
    )]);
    let id = f.id("c1");
    let sla = SlaConfig::default();
    let now = t("2026-11-20T10:10:00Z");
    f.store
        .act(id, &Action::Acknowledge, "maria", now, &sla, None)
        .unwrap();
    f.store
        .act(
            id,
            &Action::Retag {
                to: Tag::Oportunista,
            },
            "maria",
            now,
            &sla,
            None,
        )
        .unwrap();
    assert_eq!(f.store.comment(id).unwrap().tag, Tag::Oportunista);
    let case = f.store.undo(id, "maria", now, &sla).unwrap();
    assert_eq!(case.kind, Tag::Complaint);
    assert_eq!(case.state, State::Acknowledged);
    assert_eq!(f.store.comment(id).unwrap().tag, Tag::Complaint);
    let log = f.store.events(id).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["acknowledge", "retag", "undo"]);
    assert_eq!(log[2].undoes, Some(log[1].id));
    // Undo again takes back the acknowledgement, not the retag a second time.
    let case = f.store.undo(id, "maria", now, &sla).unwrap();
    assert_eq!(case.state, State::New);
}

#[test]
fn queues_page_by_urgency_with_keysets() {
    let f = Fixture::new();
    let mut items = Vec::new();
    for i in 0..25 {
        let at = t("2026-11-20T08:00:00Z") + Duration::minutes(i);
        let tag = if i % 5 == 0 {
            Tag::Troll
        } else {
            Tag::Complaint
        };
        items.push((
            comment(
                &format!("c{i:02}"),
                &format!("user{i}"),
                &format!("post-{i}"),
                "text",
                &at.to_rfc3339(),
            ),
            tag,
        ));
    }
    f.ingest(&items);
    let now = t("2026-11-20T12:00:00Z");
    let counts = f.store.queue_counts(now).unwrap();
    let count = |q| counts.iter().find(|(k, _)| *k == q).unwrap().1;
    assert_eq!(count(Queue::All), 25);
    assert_eq!(count(Queue::Trolls), 5);
    assert_eq!(count(Queue::Complaints), 20);
    assert_eq!(count(Queue::FirstResponse), 20);
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = f
            .store
            .queue_page(Queue::FirstResponse, after.as_ref(), 7, now)
            .unwrap();
        if page.is_empty() {
            break;
        }
        seen.extend(page.iter().map(|r| r.comment_id));
        after = page.last().cloned();
    }
    assert_eq!(seen.len(), 20);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "oldest (most overdue) first");
    // Scrolling back up from the end gives the same rows in the same order.
    let last = f
        .store
        .queue_page(Queue::FirstResponse, None, 20, now)
        .unwrap()
        .pop()
        .unwrap();
    let before = f
        .store
        .queue_page_before(Queue::FirstResponse, &last, 5, now)
        .unwrap();
    let ids: Vec<i64> = before.iter().map(|r| r.comment_id).collect();
    assert_eq!(ids, seen[14..19]);
}

#[test]
fn a_brand_reply_answers_the_case_even_when_it_comes_first_in_the_file() {
    let f = Fixture::new();
    let mut ours = comment(
        "r1",
        "nubo",
        "post-1",
        "Sorry Ana, DM us",
        "2026-11-20T10:20:00Z",
    );
    ours.is_brand = true;
    ours.parent_id = Some("c1".into());
    f.ingest(&[
        (ours, Tag::Other),
        (
            comment(
                "c1",
                "ana",
                "post-1",
                "Where is my parcel?",
                "2026-11-20T10:00:00Z",
            ),
            Tag::Complaint,
        ),
    ]);
    let id = f.id("c1");
    let case = f.store.case(id).unwrap();
    assert_eq!(case.state, State::Acknowledged);
    assert_eq!(case.first_response_time(), Some(Duration::minutes(20)));
    // Our reply is thread context, never a case of its own.
    let counts = f.store.queue_counts(t("2026-11-20T12:00:00Z")).unwrap();
    assert_eq!(counts.iter().find(|(q, _)| *q == Queue::All).unwrap().1, 1);
}

#[test]
fn a_customer_coming_back_reopens_a_resolved_case_but_thanks_does_not() {
    let f = Fixture::new();
    f.ingest(&[(
        comment(
            "c1",
            "ana",
            "post-1",
            "Charged twice for NB-9",
            "2026-11-19T10:00:00Z",
        ),
        Tag::Complaint,
    )]);
    let id = f.id("c1");
    let sla = SlaConfig::default();
    let now = t("2026-11-19T11:00:00Z");
    for a in [
        Action::Acknowledge,
        Action::Resolve {
            note: "refunded".into(),
            follow_up_at: None,
        },
    ] {
        f.store.act(id, &a, "maria", now, &sla, None).unwrap();
    }
    f.ingest(&[(
        comment("c2", "ana", "post-1", "¡Gracias!", "2026-11-19T12:00:00Z"),
        Tag::Other,
    )]);
    assert_eq!(f.store.case(id).unwrap().state, State::Resolved);
    f.ingest(&[(
        comment(
            "c3",
            "ana",
            "post-1",
            "The refund never arrived",
            "2026-11-20T09:00:00Z",
        ),
        Tag::Complaint,
    )]);
    let case = f.store.case(id).unwrap();
    assert_eq!(case.state, State::Reopened);
    assert_eq!(case.reopen_count, 1);
    // Both follow-ups belong to the case: no new queue rows.
    let c3 = f
        .store
        .comment_by_external(Platform::Facebook, "c3")
        .unwrap()
        .unwrap();
    assert_eq!(f.store.case_owner(&c3).unwrap(), id);
    let rows = f
        .store
        .queue_page(Queue::All, None, 10, t("2026-11-20T12:00:00Z"))
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, State::Reopened);
}

#[test]
fn rows_by_id_come_in_the_order_asked_and_leave_out_what_is_not_a_case() {
    let f = Fixture::new();
    let mut ours = comment(
        "r1",
        "nubo",
        "post-1",
        "We're on it",
        "2026-11-20T10:20:00Z",
    );
    ours.is_brand = true;
    let at = "2026-11-20T10:00:00Z";
    f.ingest(&[
        (
            comment("a", "ana", "post-1", "late parcel", at),
            Tag::Complaint,
        ),
        (comment("b", "ben", "post-1", "idiots", at), Tag::Troll),
        (comment("c", "cai", "post-2", "nice", at), Tag::Other),
        (ours, Tag::Other),
    ]);
    let asked = [f.id("c"), f.id("r1"), f.id("a"), f.id("b")];
    let rows = f.store.queue_rows_by_id(&asked).unwrap();
    let got: Vec<i64> = rows.iter().map(|r| r.comment_id).collect();
    // Our own reply is thread context, not a case: it is left out; the rest keep their order.
    assert_eq!(got, [f.id("c"), f.id("a"), f.id("b")]);
    assert!(f.store.queue_rows_by_id(&[]).unwrap().is_empty());
}
