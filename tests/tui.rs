//! The inbox driven like a user drives it: key events fed into `update`, the effects carried
//! out synchronously against a real SQLite file through the store worker's `handle`, the
//! database checked after each step, and every screen snapshotted at 80×24 and 160×48.

use calma::domain::{
    AuthorHistory, AuthorRef, Classification, Comment, Lang, Platform, RuleHit, Tag,
};
use calma::store::{IngestWriter, Queue, Store};
use calma::tui::app::{Action, App, Ask, Effect, Mode, Request, update};
use calma::tui::keymap::Keymap;
use calma::tui::view;
use calma::tui::worker::Worker;
use calma::workflow::{SlaConfig, State};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;

const NOW: &str = "2026-11-20T12:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn now() -> DateTime<Utc> {
    t(NOW)
}

/// A comment `mins` minutes before NOW.
fn comment(id: &str, author: &str, thread: &str, text: &str, mins: i64) -> Comment {
    let mut c = Comment::new(Platform::Facebook, id, text);
    c.author = AuthorRef {
        id: Some(author.to_lowercase()),
        handle: None,
        name: Some(author.into()),
    };
    c.thread_id = Some(thread.into());
    c.created_at = Some(now() - Duration::minutes(mins));
    c
}

/// The verdict a classifier would give, with the rule that fired on `word`.
fn verdict(tag: Tag, text: &str, word: &str) -> impl FnMut(&AuthorHistory) -> Classification {
    let rules = text
        .find(word)
        .map(|s| {
            vec![RuleHit {
                rule: format!("{tag}.{word}").into(),
                spans: vec![(s, s + word.len())].into(),
            }]
        })
        .unwrap_or_default();
    move |_| {
        let mut c = Classification::unclassified(Lang::En);
        c.tag = tag;
        c.rules = rules.clone();
        c
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    app: App,
    worker: Worker,
    /// Effects other than store requests, in order (editor, clipboard, quit).
    effects: Vec<Effect>,
}

/// Our own small inbox: a complaint with a brand reply in its thread and an edit, a troll, an
/// oportunista, a constructive comment and a question.
fn fixture() -> Vec<(Comment, Tag, &'static str)> {
    let mut edited = comment(
        "c1",
        "Maria Lopez",
        "post-1",
        "My order NB-48213 never arrived and nobody answers.",
        50,
    );
    edited.external_id = "c1".into();
    let mut brand = comment("b1", "Nubo", "post-3", "Yes, in white and in black.", 5);
    brand.is_brand = true;
    brand.parent_id = Some("q1".into());
    vec![
        (edited, Tag::Complaint, "order"),
        (brand, Tag::Other, ""),
        (
            comment(
                "t1",
                "Troll King",
                "post-2",
                "You are all idiots, worst shop ever",
                30,
            ),
            Tag::Troll,
            "idiots",
        ),
        (
            comment(
                "o1",
                "Kevin Doyle",
                "post-2",
                "I deserve a discount code, DM me one",
                100,
            ),
            Tag::Oportunista,
            "discount",
        ),
        (
            comment(
                "k1",
                "Ana Ruiz",
                "post-3",
                "It would be better if tracking showed the depot",
                200,
            ),
            Tag::Constructive,
            "better",
        ),
        (
            comment(
                "q1",
                "Sam Lee",
                "post-3",
                "Does the kettle come in white?",
                10,
            ),
            Tag::Other,
            "",
        ),
    ]
}

impl Harness {
    fn new(size: (u16, u16)) -> Harness {
        Harness::with_keymap(size, Keymap::default())
    }

    fn with_keymap(size: (u16, u16), keymap: Keymap) -> Harness {
        Harness::build(size, keymap, 0)
    }

    /// The fixture plus `extra` questions, one a minute, for paging.
    fn build(size: (u16, u16), keymap: Keymap, extra: i64) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("calma.db");
        {
            let store = Store::open(&db).unwrap();
            let mut w = IngestWriter::new(&store, SlaConfig::default()).unwrap();
            let received = now() - Duration::minutes(5);
            for (c, tag, word) in fixture() {
                w.write(&c, 0, &mut verdict(tag, &c.text, word), "test", received)
                    .unwrap();
            }
            for i in 0..extra {
                let c = comment(
                    &format!("x{i}"),
                    &format!("Asker {i}"),
                    &format!("post-x{i}"),
                    &format!("question {i}"),
                    500 - i,
                );
                w.write(
                    &c,
                    0,
                    &mut verdict(Tag::Other, &c.text, ""),
                    "test",
                    received,
                )
                .unwrap();
            }
            // The complaint was edited: a second version of the same record.
            let mut edit = fixture().remove(0).0;
            edit.text = "My order NB-48213 arrived broken and nobody answers.".into();
            edit.edited_at = Some(now() - Duration::minutes(40));
            w.write(
                &edit,
                0,
                &mut verdict(Tag::Complaint, &edit.text, "order"),
                "test",
                received,
            )
            .unwrap();
            w.finish().unwrap();
        }
        let worker = Worker::new(
            Store::open(&db).unwrap(),
            "ana",
            SlaConfig::default(),
            Arc::new(now),
        );
        let mut h = Harness {
            _dir: dir,
            app: App::new(keymap, SlaConfig::default(), now(), size),
            worker,
            effects: Vec::new(),
        };
        let fx = h.app.start();
        h.run(fx);
        h
    }

    /// Carries out effects the way the loop does, with the worker answering at once.
    fn run(&mut self, mut fx: Vec<Effect>) {
        while !fx.is_empty() {
            let mut next = vec![];
            for e in fx {
                if let Effect::Store(r) = e {
                    let resp = self.worker.handle(r);
                    next.extend(update(&mut self.app, Action::Loaded(resp)));
                } else {
                    self.effects.push(e);
                }
            }
            fx = next;
        }
    }

    fn press(&mut self, k: KeyEvent) {
        if let Some(a) = self.app.action_for_key(k) {
            let fx = update(&mut self.app, a);
            self.run(fx);
        }
    }

    /// Types keys as a user would: single characters, `<Enter>`, `<Esc>`, `<Tab>`, `<C-s>`.
    fn keys(&mut self, s: &str) {
        let mut rest = s;
        while !rest.is_empty() {
            let (k, len) = if let Some(end) = rest.strip_prefix('<').and_then(|r| r.find('>')) {
                let name = &rest[1..=end];
                let k = match name {
                    "Enter" => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
                    "Esc" => KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
                    "Tab" => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
                    "C-s" => KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL),
                    "C-t" => KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL),
                    "BS" => KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
                    "Down" => KeyEvent::new(KeyCode::Down, KeyModifiers::NONE),
                    other => panic!("unknown key <{other}>"),
                };
                (k, end + 2)
            } else {
                let c = rest.chars().next().unwrap();
                let m = if c.is_uppercase() || "!?:".contains(c) {
                    KeyModifiers::SHIFT
                } else {
                    KeyModifiers::NONE
                };
                (KeyEvent::new(KeyCode::Char(c), m), c.len_utf8())
            };
            self.press(k);
            rest = &rest[len..];
        }
    }

    fn id(&self, ext: &str) -> i64 {
        self.worker
            .store
            .comment_by_external(Platform::Facebook, ext)
            .unwrap()
            .unwrap()
            .id
    }

    fn state(&self, ext: &str) -> State {
        self.worker.store.case(self.id(ext)).unwrap().state
    }

    fn last_event(&self, ext: &str) -> String {
        let ev = self.worker.store.events(self.id(ext)).unwrap();
        let e = ev.last().unwrap();
        format!(
            "{} {} {}→{} {}",
            e.operator,
            e.action,
            e.from.clone().unwrap_or_default(),
            e.to.clone().unwrap_or_default(),
            e.reason.clone().unwrap_or_default()
        )
    }

    /// Puts the cursor on the row of `ext` in the current queue.
    fn select(&mut self, ext: &str) {
        let id = self.id(ext);
        self.keys("g");
        for _ in 0..self.app.list.rows.len() {
            if self.app.list.current().map(|r| r.comment_id) == Some(id) {
                return;
            }
            self.keys("j");
        }
        panic!("{ext} is not in the {:?} queue", self.app.queue);
    }

    fn screen(&self) -> String {
        let (w, h) = self.app.size;
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| view::draw(f, &self.app)).unwrap();
        term.backend().to_string()
    }

    fn status(&self) -> String {
        self.app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }
}

#[test]
fn a_complaint_walks_from_acknowledge_to_verify() {
    let mut h = Harness::new((160, 48));
    h.keys(":queue complaints<Enter>");
    assert_eq!(h.app.queue, Queue::Complaints);
    h.select("c1");

    h.keys("a");
    assert_eq!(h.state("c1"), State::Acknowledged);
    assert_eq!(h.last_event("c1"), "ana acknowledge new→acknowledged ");

    h.keys("pemail<Enter>maria@example.com<Enter>");
    assert_eq!(
        h.app.mode,
        Mode::Composer,
        "the e-mail is drafted: {}",
        h.status()
    );
    assert!(
        h.text().contains("Maria") && !h.text().contains('{'),
        "{}",
        h.text()
    );
    h.keys("<C-s>y");
    assert_eq!(h.state("c1"), State::Private);
    let case = h.worker.store.case(h.id("c1")).unwrap();
    assert_eq!(case.private.unwrap().contact, "maria@example.com");

    h.keys("xsent a replacement<Enter>");
    assert_eq!(h.state("c1"), State::Resolved);
    let case = h.worker.store.case(h.id("c1")).unwrap();
    assert_eq!(case.resolution.as_deref(), Some("sent a replacement"));
    assert_eq!(case.at.follow_up_due, Some(now() + Duration::days(3)));

    h.keys("f+1d<Enter>");
    let case = h.worker.store.case(h.id("c1")).unwrap();
    assert_eq!(case.at.follow_up_due, Some(now() + Duration::days(1)));
    assert_eq!(h.state("c1"), State::Resolved);

    h.keys(":queue follow-ups<Enter>");
    assert_eq!(h.app.queue, Queue::FollowUps);
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("v");
    assert_eq!(h.state("c1"), State::Verified);
    let actions: Vec<String> = h
        .worker
        .store
        .events(h.id("c1"))
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "acknowledge",
            "move_to_private",
            "resolve",
            "set_follow_up",
            "verify"
        ]
    );
    assert!(h.status().contains("verify"), "{}", h.status());
}

#[test]
fn a_troll_is_ignored_then_muted_with_reasons() {
    let mut h = Harness::new((80, 24));
    h.keys(":queue trolls<Enter>");
    h.select("t1");
    h.keys("iinsults, no question<Enter>");
    assert_eq!(h.state("t1"), State::Ignored);
    assert_eq!(
        h.last_event("t1"),
        "ana ignore new→ignored insults, no question"
    );
    h.select("t1");
    h.keys("mposts again every hour<Enter>");
    assert_eq!(h.state("t1"), State::Muted);
    assert_eq!(
        h.last_event("t1"),
        "ana mute ignored→muted posts again every hour"
    );
}

#[test]
fn block_asks_for_confirmation_and_n_changes_nothing() {
    let mut h = Harness::new((80, 24));
    h.keys(":queue trolls<Enter>");
    h.select("t1");
    h.keys("bspam<Enter>");
    assert!(matches!(h.app.mode, Mode::Confirm { .. }));
    h.keys("n");
    assert_eq!(h.state("t1"), State::New);
    h.keys("bspam<Enter>y");
    assert_eq!(h.state("t1"), State::Blocked);
}

#[test]
fn a_refused_transition_shows_the_workflow_message() {
    let mut h = Harness::new((80, 24));
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("v");
    assert_eq!(h.state("c1"), State::New);
    let s = h.app.status.clone().unwrap();
    assert!(s.error);
    assert!(
        s.text.contains("only a resolved complaint can be verified"),
        "{}",
        s.text
    );
}

#[test]
fn no_single_key_fires_while_typing() {
    let mut h = Harness::new((80, 24));
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    // The picker takes "a", "x", "q" as its filter, not as acknowledge, resolve, quit.
    h.keys("rax q");
    assert!(matches!(&h.app.mode, Mode::Picker(p) if p.query == "ax q"));
    assert_eq!(h.state("c1"), State::New);
    // And so does the composer, as text.
    h.keys("<Esc>ax q");
    assert_eq!(h.app.mode, Mode::Composer);
    assert_eq!(h.state("c1"), State::New);
    assert!(!h.app.quit);
    assert_eq!(h.app.composer.lines().join("\n"), "ax q");
    h.keys("<Esc>");
    // The search prompt too.
    h.keys("/avq<Esc>");
    assert_eq!(h.state("c1"), State::New);
    assert!(!h.app.quit);
}

#[test]
fn the_composer_records_the_reply_with_acknowledge() {
    let mut h = Harness::new((160, 48));
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("r<Esc>Sorry Maria, we are on it.<C-s>y");
    assert_eq!(h.state("c1"), State::Acknowledged);
    let replies = h.worker.store.replies(h.id("c1")).unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].text, "Sorry Maria, we are on it.");
    assert_eq!(replies[0].action, "acknowledge");
    assert_eq!(h.app.mode, Mode::Normal);
}

#[test]
fn undo_takes_back_the_last_action_even_after_the_case_left_the_queue() {
    let mut h = Harness::new((80, 24));
    h.select("c1");
    h.keys("a");
    assert_eq!(h.state("c1"), State::Acknowledged);
    let ids: Vec<i64> = h.app.list.rows.iter().map(|r| r.comment_id).collect();
    assert!(
        !ids.contains(&h.id("c1")),
        "an answered case leaves needs-reply"
    );
    h.keys("u");
    assert_eq!(h.state("c1"), State::New);
    assert!(h.status().contains("undone"), "{}", h.status());
    let ids: Vec<i64> = h.app.list.rows.iter().map(|r| r.comment_id).collect();
    assert!(ids.contains(&h.id("c1")), "and comes back after the undo");
}

#[test]
fn marked_cases_take_one_action_together() {
    let mut h = Harness::new((80, 24));
    h.keys(":queue all<Enter>");
    h.select("o1");
    h.keys("t");
    h.select("k1");
    h.keys("t");
    assert_eq!(h.app.marked.len(), 2);
    h.keys(";iasked everywhere, no order<Enter>");
    // The oportunista can be ignored; the constructive comment is refused by the workflow.
    assert_eq!(h.state("o1"), State::Ignored);
    assert_eq!(h.state("k1"), State::New);
    assert!(h.app.status.as_ref().unwrap().error);
}

#[test]
fn retag_picks_a_tag_and_the_store_keeps_it() {
    let mut h = Harness::new((80, 24));
    h.keys(":queue all<Enter>");
    h.select("o1");
    h.keys("T");
    assert!(matches!(h.app.mode, Mode::Retag { .. }));
    h.keys("c<Enter>");
    assert_eq!(
        h.worker.store.case(h.id("o1")).unwrap().kind,
        Tag::Complaint
    );
}

#[test]
fn delete_exists_only_on_the_command_line_with_a_code_and_a_confirmation() {
    let mut h = Harness::new((80, 24));
    h.keys(":queue trolls<Enter>");
    h.select("t1");
    h.keys(":delete because<Enter>");
    assert!(h.app.status.as_ref().unwrap().error);
    h.keys(":delete hate<Enter>");
    assert!(matches!(h.app.mode, Mode::Confirm { .. }));
    h.keys("y");
    assert_eq!(h.state("t1"), State::Deleted);
    // The comment stays stored.
    assert!(h.worker.store.comment(h.id("t1")).is_ok());
}

#[test]
fn search_lists_matches_and_esc_goes_back() {
    let mut h = Harness::new((80, 24));
    h.keys("/kettle<Enter>");
    let s = h.app.search.as_ref().unwrap();
    assert_eq!(s.rows.len(), 1);
    assert_eq!(s.rows[0].comment_id, h.id("q1"));
    h.keys("<Esc>");
    assert!(h.app.search.is_none());
}

#[test]
fn limit_keeps_only_matching_rows() {
    let mut h = Harness::new((80, 24));
    h.keys(":queue all<Enter>");
    let all = h.app.list.rows.len();
    h.keys("ltroll<Enter>");
    assert_eq!(h.app.list.rows.len(), 1);
    assert!(all > 1);
    h.keys("<Esc>");
    assert_eq!(h.app.list.rows.len(), all);
}

#[test]
fn a_rebound_key_acts_and_the_old_one_does_nothing() {
    let km = Keymap::from_toml("[keys]\nacknowledge = \"A\"\n").unwrap();
    let mut h = Harness::with_keymap((80, 24), km);
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("a");
    assert_eq!(h.state("c1"), State::New);
    h.keys("A");
    assert_eq!(h.state("c1"), State::Acknowledged);
    h.keys("?");
    assert!(h.screen().contains("acknowledge in public"));
}

#[test]
fn q_quits_from_the_queue_and_closes_the_case_first() {
    let mut h = Harness::new((80, 24));
    h.keys("<Enter>");
    assert!(h.app.case_open);
    h.keys("q");
    assert!(!h.app.quit && !h.app.case_open);
    h.keys("q");
    assert!(h.app.quit);
}

#[test]
fn queue_rows_come_most_urgent_first_with_counts_in_the_tabs() {
    let h = Harness::new((160, 48));
    let ids: Vec<i64> = h.app.list.rows.iter().map(|r| r.comment_id).collect();
    let dues: Vec<_> = h.app.list.rows.iter().map(|r| r.due_at).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
    assert!(!ids.contains(&h.id("t1")), "trolls are not in needs-reply");
    assert!(h.screen().contains("Needs reply 3"), "{}", h.screen());
}

// ---- Snapshots of every screen at both sizes ----

fn snap_all(size: (u16, u16), tag: &str) {
    let mut h = Harness::new(size);
    insta::assert_snapshot!(format!("queue_{tag}"), h.screen());
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("<Enter>");
    insta::assert_snapshot!(format!("case_{tag}"), h.screen());
    h.keys("r<Esc>We are sorry, Maria.");
    insta::assert_snapshot!(format!("composer_{tag}"), h.screen());
    h.keys("<Esc><Esc>?");
    insta::assert_snapshot!(format!("help_{tag}"), h.screen());
    h.keys("<Esc>:queue trolls<Enter>");
    h.select("t1");
    h.keys("bspam<Enter>");
    insta::assert_snapshot!(format!("confirm_{tag}"), h.screen());
    h.keys("nT");
    insta::assert_snapshot!(format!("retag_{tag}"), h.screen());
}

#[test]
fn screens_at_80x24() {
    snap_all((80, 24), "80x24");
}

#[test]
fn screens_at_160x48() {
    snap_all((160, 48), "160x48");
}

#[test]
fn another_process_writing_shows_up_on_the_next_poll() {
    use calma::tui::app::Request;
    let mut h = Harness::new((80, 24));
    let poll = |h: &mut Harness| {
        let r = h.worker.handle(Request::Poll);
        let fx = update(&mut h.app, Action::Loaded(r));
        h.run(fx);
    };
    poll(&mut h);
    let before = h.app.list.rows.len();
    poll(&mut h);
    assert_eq!(
        h.app.list.rows.len(),
        before,
        "nothing changed, nothing reloads"
    );
    {
        // Another connection, as another `calma ingest` would hold.
        let other = Store::open(h.worker.store.path()).unwrap();
        let mut w = IngestWriter::new(&other, SlaConfig::default()).unwrap();
        let c = comment(
            "n1",
            "New Person",
            "post-9",
            "Where is my parcel NB-50000?",
            1,
        );
        w.write(
            &c,
            0,
            &mut verdict(Tag::Complaint, &c.text, "parcel"),
            "other",
            now(),
        )
        .unwrap();
        w.finish().unwrap();
    }
    poll(&mut h);
    assert_eq!(h.app.list.rows.len(), before + 1);
    assert!(h.screen().contains("New Person"));
    assert!(h.screen().contains("Reply 4"), "{}", h.screen());
}

#[test]
fn after_an_action_the_open_case_stays_the_one_acted_on() {
    let mut h = Harness::new((160, 48));
    h.keys(":queue all<Enter>");
    h.select("c1");
    h.keys("<Enter>a");
    assert_eq!(h.state("c1"), State::Acknowledged);
    // The queue re-sorted (c1's clock changed), but the case pane and the next action stay on c1.
    assert_eq!(h.app.case.as_ref().unwrap().case.comment_id, h.id("c1"));
    h.keys("pdm<Enter>@maria<Enter><C-s>y");
    assert_eq!(h.state("c1"), State::Private);
    h.keys("<Esc>");
    // Back in the queue, the cursor is still on c1.
    assert_eq!(h.app.list.current().unwrap().comment_id, h.id("c1"));
}

#[test]
fn paging_keeps_a_bounded_window_and_follows_queue_order() {
    let mut h = Harness::build((80, 24), Keymap::default(), 300);
    // Every case of the queue, in queue order, straight from the store.
    let all = h
        .worker
        .store
        .queue_page(Queue::FirstResponse, None, 1000, now())
        .unwrap();
    assert!(all.len() > 300);
    let at = |h: &Harness| h.app.list.current().unwrap().comment_id;
    for _ in 0..150 {
        h.keys("j");
    }
    assert_eq!(at(&h), all[150].comment_id);
    assert!(
        h.app.list.rows.len() <= 4 * h.app.page_rows(),
        "only a window is kept"
    );
    h.keys("G");
    assert_eq!(at(&h), all.last().unwrap().comment_id);
    for _ in 0..100 {
        h.keys("k");
    }
    assert_eq!(at(&h), all[all.len() - 101].comment_id);
    h.press(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE));
    assert_eq!(at(&h), all[all.len() - 101 - h.app.page_rows()].comment_id);
    h.keys("g");
    assert_eq!(at(&h), all[0].comment_id);
    let screen = h.screen();
    assert!(screen.contains("question 0"), "{screen}");
}

#[test]
fn a_draft_stays_with_its_case() {
    let mut h = Harness::new((160, 48));
    h.keys(":queue all<Enter>");
    h.select("c1");
    h.keys("r<Esc>Dear Maria<Esc>");
    h.keys("r");
    assert_eq!(
        h.app.composer.lines().join("\n"),
        "Dear Maria",
        "the draft is kept"
    );
    h.keys("<Esc>");
    h.select("k1");
    h.keys("r");
    assert_eq!(
        h.app.composer.lines().join("\n"),
        "",
        "another case starts clean"
    );
}

// ---- The reply composer: picker, placeholders, lint, review, drafts ----

/// Our own guide entry: a reply with a placeholder no case can fill ({eta}) and a phrase the
/// Friendly lint flags.
const ETA_GUIDE: &str = r#"
[[template]]
id = "eta_update"
title = "Tell when the order ships"
action = "acknowledge"
tone = "informative"
last_reviewed = 2026-11-15
tags = ["complaint"]
[template.variants]
en = ["Hi {name}, order {order} ships {eta}. Please calm down"]
"#;

fn with_eta_guide(h: &mut Harness) {
    let (guide, _) = calma::replies::Guide::builtin()
        .with_user_text(ETA_GUIDE)
        .unwrap();
    h.app.guide = guide.clone();
    h.worker.guide = guide;
}

impl Harness {
    fn text(&self) -> String {
        self.app.composer_text()
    }

    fn lint_codes(&self) -> Vec<&'static str> {
        self.app.lint.iter().map(|w| w.code).collect()
    }

    /// A new app and worker on the same database file, as after a restart.
    fn restart(&mut self) {
        let db = self.worker.store.path().to_owned();
        let (w, hgt) = self.app.size;
        self.worker = Worker::new(
            Store::open(&db).unwrap(),
            "ana",
            SlaConfig::default(),
            Arc::new(now),
        );
        self.app = App::new(Keymap::default(), SlaConfig::default(), now(), (w, hgt));
        let fx = self.app.start();
        self.run(fx);
    }
}

#[test]
fn a_templated_reply_is_picked_filled_linted_reviewed_and_sent() {
    let mut h = Harness::new((160, 48));
    with_eta_guide(&mut h);
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("r");
    let Mode::Picker(p) = &h.app.mode else {
        panic!("r opens the template picker: {:?}", h.app.mode)
    };
    assert_eq!(
        p.matches[0], "acknowledge",
        "the action's template comes first"
    );
    h.keys("eta");
    let Mode::Picker(p) = &h.app.mode else {
        panic!("typing filters")
    };
    assert_eq!(p.matches[0], "eta_update");

    // Drafted with the case's name and order; the composer asks for {eta}.
    h.keys("<Enter>");
    assert_eq!(
        h.text(),
        "Hi Maria, order NB-48213 ships {eta}. Please calm down"
    );
    assert!(
        matches!(&h.app.mode, Mode::Prompt { ask: Ask::Placeholder(n), .. } if n == "eta"),
        "{:?}",
        h.app.mode
    );
    // Leaving it unfilled: the send guard refuses and says why.
    h.keys("<Esc><C-s>");
    assert_eq!(h.app.mode, Mode::Composer);
    assert!(
        h.status().contains("{eta} is still a placeholder"),
        "{}",
        h.status()
    );
    assert_eq!(h.state("c1"), State::New);

    // Back through the picker, this time filling the placeholder.
    h.keys("<C-t>eta<Enter>tomorrow<Enter>");
    assert_eq!(h.app.mode, Mode::Composer);
    assert_eq!(
        h.text(),
        "Hi Maria, order NB-48213 ships tomorrow. Please calm down"
    );
    assert!(
        h.lint_codes().iter().any(|c| c.starts_with("friendly")),
        "{:?}",
        h.lint_codes()
    );
    assert!(h.screen().contains("«calm down»"), "{}", h.screen());

    // Fix it: delete the sentence, write a friendlier close.
    for _ in 0.."Please calm down".len() {
        h.keys("<BS>");
    }
    h.keys("Thanks for waiting.");
    assert!(
        !h.lint_codes().iter().any(|c| c.starts_with("friendly")),
        "{:?}",
        h.lint_codes()
    );

    // Review, then send.
    h.keys("<C-s>");
    assert_eq!(h.app.mode, Mode::Review);
    assert!(h.screen().contains("Review"), "{}", h.screen());
    h.keys("y");
    let sent = "Hi Maria, order NB-48213 ships tomorrow. Thanks for waiting.";
    assert_eq!(h.state("c1"), State::Acknowledged);
    let id = h.id("c1");
    let replies = h.worker.store.replies(id).unwrap();
    assert_eq!(replies.len(), 1);
    let r = &replies[0];
    assert_eq!(r.text, sent);
    assert_eq!(r.template.as_deref(), Some("eta_update"));
    assert_eq!((r.variant, r.lang.as_deref()), (Some(0), Some("en")));
    assert!(
        h.worker
            .store
            .outbox()
            .unwrap()
            .iter()
            .any(|o| o.text == sent)
    );
    assert!(
        h.last_event("c1")
            .starts_with("ana acknowledge new→acknowledged")
    );
    assert_eq!(
        h.worker.store.draft(id).unwrap(),
        None,
        "sending clears the draft"
    );
    assert!(h.effects.contains(&Effect::Clipboard(sent.into())));
    assert_eq!(h.app.mode, Mode::Normal);
}

#[test]
fn the_reply_is_drafted_in_the_comments_language() {
    let mut h = Harness::new((160, 48));
    h.keys(":queue all<Enter>");
    h.select("c1");
    h.keys("r<Enter>");
    let origin = h.app.origin.clone().expect("drafted from a template");
    assert_eq!(origin.template, "acknowledge");
    let lang = h.worker.store.comment(h.id("c1")).unwrap().lang;
    assert_eq!(origin.lang.as_str(), lang.as_deref().unwrap_or("en"));
    assert!(h.text().contains("Maria"), "{}", h.text());
}

#[test]
fn review_n_goes_back_and_e_opens_the_editor_on_the_draft() {
    let mut h = Harness::new((160, 48));
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("r<Esc>We are on it, Maria.<C-s>");
    assert_eq!(h.app.mode, Mode::Review);
    h.keys("n");
    assert_eq!(h.app.mode, Mode::Composer);
    assert_eq!(h.state("c1"), State::New, "n sends nothing");
    h.keys("<C-s>e");
    assert_eq!(
        h.effects.last(),
        Some(&Effect::Edit("We are on it, Maria.".into()))
    );
    let fx = update(
        &mut h.app,
        Action::Edited("We are on it, Maria. Reply here with any news.\n".into()),
    );
    h.run(fx);
    assert_eq!(h.text(), "We are on it, Maria. Reply here with any news.");
}

#[test]
fn a_typed_draft_survives_a_kill_and_comes_back_on_reopen() {
    let mut h = Harness::new((160, 48));
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("r<Esc>Dear Maria, we found your parcel");
    // The loop's tick saves what was typed (debounced: once per tick).
    let fx = update(&mut h.app, Action::Tick(now()));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Store(Request::SaveDraft { .. }))),
        "{fx:?}"
    );
    h.run(fx);
    // No Esc, no quit: the app is simply gone.
    h.restart();
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("r");
    assert_eq!(h.app.mode, Mode::Composer, "the draft skips the picker");
    assert_eq!(h.text(), "Dear Maria, we found your parcel");
    assert!(h.status().contains("draft restored"), "{}", h.status());
}

fn snap_composer(size: (u16, u16), tag: &str) {
    let mut h = Harness::new(size);
    with_eta_guide(&mut h);
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("r");
    insta::assert_snapshot!(format!("picker_{tag}"), h.screen());
    h.keys("eta<Enter>tomorrow<Enter>");
    insta::assert_snapshot!(format!("composer_lint_{tag}"), h.screen());
    h.keys("<C-s>");
    insta::assert_snapshot!(format!("review_{tag}"), h.screen());
}

#[test]
fn composer_screens_at_80x24() {
    snap_composer((80, 24), "80x24");
}

#[test]
fn composer_screens_at_160x48() {
    snap_composer((160, 48), "160x48");
}

#[test]
fn moving_to_private_drafts_the_direct_message_after_the_contact_prompt() {
    let mut h = Harness::new((160, 48));
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("<Enter>p");
    assert!(h.status().contains("not a step from new"), "{}", h.status());
    assert_eq!(
        h.app.mode,
        Mode::Normal,
        "no prompt for a step that is refused"
    );
    h.keys("a");
    h.keys("pdm<Enter>@maria.l<Enter>");
    assert_eq!(h.app.mode, Mode::Composer, "{}", h.status());
    let origin = h.app.origin.clone().expect("drafted from the guide");
    assert_eq!(origin.template, "move_to_private");
    assert_eq!(origin.part, calma::replies::Part::Private);
    assert!(h.text().starts_with("H"), "{}", h.text());
    assert!(h.text().contains("Maria"), "{}", h.text());
    assert!(!h.text().contains('{'), "{}", h.text());
    assert_eq!(
        h.state("c1"),
        State::Acknowledged,
        "nothing happens before the send"
    );
    h.keys("<C-s>y");
    assert_eq!(h.state("c1"), State::Private);
    let r = &h.worker.store.replies(h.id("c1")).unwrap()[0];
    assert_eq!(r.part.as_deref(), Some("private"));
    assert_eq!(r.channel.as_deref(), Some("dm"));
    assert_eq!(r.template.as_deref(), Some("move_to_private"));
    assert!(
        h.last_event("c1").contains("move_to_private"),
        "{}",
        h.last_event("c1")
    );
}

/// A volume alert the radar raised an hour ago, still standing.
fn plant_alert(h: &mut Harness) {
    use calma::insights::{Alert, AlertKind, Span};
    let alert = Alert {
        kind: AlertKind::Volume,
        started_at: now() - Duration::hours(1),
        window: Span {
            from: now() - Duration::hours(3),
            to: now(),
        },
        observed: 6.0,
        expected: 1.0,
        keyword: None,
        message: "6 comments in 3 hours where 1 is usual".into(),
    };
    let json = serde_json::to_string(&alert).unwrap();
    h.worker
        .store
        .record_alert("volume", None, alert.started_at, now(), &json)
        .unwrap();
    // What the loop asks for after every poll that saw new data.
    h.run(vec![Effect::Store(Request::Radar)]);
}

#[test]
fn a_standing_alert_shows_the_banner_and_the_crisis_queue_starts_from_the_holding_statement() {
    let mut h = Harness::new((160, 48));
    assert!(!h.screen().contains("possible crisis"), "calm at first");
    let rows_before = h.app.page_rows();
    plant_alert(&mut h);
    assert!(h.screen().contains("possible crisis"), "{}", h.screen());
    assert_eq!(
        h.app.page_rows(),
        rows_before - 1,
        "the banner takes a line"
    );

    h.keys("C");
    let crisis = h
        .app
        .search
        .as_ref()
        .expect("the crisis queue is on screen");
    assert!(crisis.crisis && crisis.title.contains("6 comments in 3 hours"));
    let mut ids: Vec<i64> = crisis.rows.iter().map(|r| r.comment_id).collect();
    ids.sort();
    // Posted since the alert started (an hour ago), open, not our own reply.
    let mut want = vec![h.id("c1"), h.id("t1"), h.id("q1")];
    want.sort();
    assert_eq!(ids, want);
    insta::assert_snapshot!("crisis_queue_160x48", h.screen());

    h.keys("r");
    match &h.app.mode {
        Mode::Picker(p) => assert_eq!(p.matches[0], "crisis_holding"),
        m => panic!("expected the template picker, got {m:?}"),
    }
    h.keys("<Esc><Esc><Esc>");
    assert!(h.app.search.is_none(), "Esc leaves the crisis queue");
}

#[test]
fn the_crisis_queue_without_an_alert_says_so() {
    let mut h = Harness::new((80, 24));
    h.keys("C");
    assert!(h.status().contains("no alert"), "{}", h.status());
    assert!(h.app.search.as_ref().is_some_and(|s| s.rows.is_empty()));
}

#[test]
fn the_stats_screen_opens_on_s_and_any_key_goes_back() {
    let mut h = Harness::new((160, 48));
    h.keys("S");
    assert_eq!(h.app.mode, Mode::Stats);
    let stats = h
        .app
        .stats
        .as_ref()
        .expect("the worker answered with figures");
    assert_eq!(
        stats.backlog_by_tag.iter().map(|b| b.1).sum::<u64>(),
        5,
        "{stats:?}"
    );
    let screen = h.screen();
    assert!(screen.contains("Response times"), "{screen}");
    h.keys("x");
    assert_eq!(h.app.mode, Mode::Normal);
    assert_eq!(
        h.state("c1"),
        State::New,
        "the key closed the screen, it did not resolve"
    );
    h.keys(":stats<Enter>");
    assert_eq!(h.app.mode, Mode::Stats);
}

#[test]
fn the_case_says_when_the_community_already_answered() {
    let mut h = Harness::new((160, 48));
    {
        let mut w = IngestWriter::new(&h.worker.store, SlaConfig::default()).unwrap();
        let mut help = comment(
            "h1",
            "Lena Vos",
            "post-1",
            "Same here, you can try the chat on the help page, they sorted mine in minutes",
            20,
        );
        help.parent_id = Some("c1".into());
        w.write(
            &help,
            0,
            &mut verdict(Tag::Other, &help.text, ""),
            "test",
            now(),
        )
        .unwrap();
        w.finish().unwrap();
    }
    h.keys(":queue complaints<Enter>");
    h.select("c1");
    h.keys("<Enter>");
    assert_eq!(h.app.answered_by, Some(("Lena Vos".into(), h.id("h1"))));
    assert!(
        h.screen().contains("answered by the community: Lena Vos"),
        "{}",
        h.screen()
    );
    h.keys("<Esc>:queue trolls<Enter>");
    h.select("t1");
    h.keys("<Enter>");
    assert_eq!(h.app.answered_by, None, "nobody answered the troll");
}
