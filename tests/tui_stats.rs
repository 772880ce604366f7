//! The stats screen on a small history whose figures are known, at 80×24 and 160×48.

use calma::domain::{AuthorHistory, AuthorRef, Classification, Comment, Lang, Platform, Tag};
use calma::store::{IngestWriter, Store};
use calma::workflow::{Action, SlaConfig};
use chrono::{DateTime, Duration, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Twelve comments over three days: complaints answered after 20, 40 and 90 minutes (the
/// target is 60), a troll ignored, praise left alone.
fn history(store: &Store) {
    let mut w = IngestWriter::new(store, SlaConfig::default()).unwrap();
    let tags = [
        Tag::Complaint,
        Tag::Complaint,
        Tag::Complaint,
        Tag::Troll,
        Tag::Other,
        Tag::Constructive,
        Tag::Oportunista,
        Tag::Complaint,
        Tag::Other,
        Tag::Troll,
        Tag::Complaint,
        Tag::Other,
    ];
    for (i, tag) in tags.iter().enumerate() {
        let mut c = Comment::new(Platform::Facebook, format!("c{i}"), format!("comment {i}"));
        c.author = AuthorRef {
            id: Some(format!("u{i}")),
            ..Default::default()
        };
        c.created_at = Some(t("2026-11-18T09:00:00Z") + Duration::hours(6 * i as i64));
        let mut decide = |_: &AuthorHistory| {
            let mut v = Classification::unclassified(Lang::En);
            v.tag = *tag;
            v
        };
        w.write(&c, 0, &mut decide, "test", t("2026-11-20T12:00:00Z"))
            .unwrap();
    }
    w.finish().unwrap();
    drop(w);
    let sla = SlaConfig::default();
    for (id, minutes) in [(1, 20), (2, 40), (3, 90)] {
        let opened = t("2026-11-18T09:00:00Z") + Duration::hours(6 * (id - 1));
        store
            .act(
                id,
                &Action::Acknowledge,
                "maria",
                opened + Duration::minutes(minutes),
                &sla,
                None,
            )
            .unwrap();
    }
    store
        .act(
            4,
            &Action::Ignore {
                reason: "no concern voiced".into(),
            },
            "maria",
            t("2026-11-19T04:00:00Z"),
            &sla,
            None,
        )
        .unwrap();
}

fn render(w: u16, h: u16) -> String {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("calma.db")).unwrap();
    history(&store);
    let now = t("2026-11-20T12:00:00Z");
    let stats = calma::insights::stats(&store, &SlaConfig::default(), now - Duration::days(7), now)
        .unwrap();
    assert_eq!(stats.first_response.answered, 3);
    assert_eq!(stats.first_response.median_minutes, Some(40.0));
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| {
        calma::tui::stats::draw(
            f,
            f.area(),
            &stats,
            Some("volume 3× the usual for Friday 14:00"),
        )
    })
    .unwrap();
    term.backend().to_string()
}

#[test]
fn stats_screen_80x24() {
    insta::assert_snapshot!(render(80, 24));
}

#[test]
fn stats_screen_160x48() {
    insta::assert_snapshot!(render(160, 48));
}
