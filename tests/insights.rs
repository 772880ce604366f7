//! Insights on synthetic histories whose answer is known: a planted spike is found at its
//! hour, an ordinary Monday-morning peak raises nothing, a planted recurring complaint is found
//! with its count, stats figures on a small history are exact, and a helpful neighbour in the
//! thread is recognised.

use calma::domain::{
    AuthorHistory, AuthorRef, Classification, Comment, Flag, Flags, Lang, Platform, Tag,
};
use calma::insights::{self, AlertKind, RadarConfig, TopicConfig, Trend};
use calma::store::{IngestWriter, NewReply, Queue, Store};
use calma::synthetic::{self, Rng};
use calma::workflow::{Action, Channel, SlaConfig};
use chrono::{DateTime, Duration, Utc};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// One comment to store, with the verdict the classifier would give it.
struct Item {
    c: Comment,
    tag: Tag,
    sentiment: f32,
    flags: Flags,
}

fn item(id: String, author: &str, text: &str, at: DateTime<Utc>, tag: Tag) -> Item {
    let mut c = Comment::new(Platform::Facebook, id, text);
    c.author = AuthorRef {
        id: Some(author.into()),
        handle: None,
        name: Some(author.to_uppercase()),
    };
    c.thread_id = Some("post-1".into());
    c.created_at = Some(at);
    c.lang = Some("en".into());
    let sentiment = if matches!(tag, Tag::Complaint | Tag::Troll) {
        -0.5
    } else {
        0.1
    };
    Item {
        c,
        tag,
        sentiment,
        flags: Flags::default(),
    }
}

struct Db {
    _dir: tempfile::TempDir,
    store: Store,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("calma.db")).unwrap();
        Db { _dir: dir, store }
    }

    fn ingest(&self, items: &[Item]) {
        let mut w = IngestWriter::new(&self.store, SlaConfig::default()).unwrap();
        for it in items {
            let mut decide = |_: &AuthorHistory| {
                let mut v = Classification::unclassified(Lang::En);
                v.tag = it.tag;
                v.sentiment = it.sentiment;
                v.flags = it.flags;
                v
            };
            w.write(&it.c, 0, &mut decide, "test", t("2026-11-20T12:00:00Z"))
                .unwrap();
        }
        w.finish().unwrap();
    }

    fn id(&self, ext: &str) -> i64 {
        self.store
            .comment_by_external(Platform::Facebook, ext)
            .unwrap()
            .unwrap()
            .id
    }
}

/// Four weeks and a bit of ordinary traffic up to `until`: three comments an hour, thirty an
/// hour on Monday mornings 09:00–11:00, texts from the synthetic stream (stationary wording).
fn ordinary_history(until: DateTime<Utc>) -> Vec<Item> {
    let start = t("2026-10-19T00:00:00Z"); // a Monday
    let mut rng = Rng::new(11);
    let mut out = Vec::new();
    let mut hour = start;
    let mut i = 0u64;
    while hour < until {
        let monday_peak = hour.format("%a").to_string() == "Mon"
            && (9..11).contains(&hour.format("%H").to_string().parse::<u32>().unwrap());
        let per_hour = if monday_peak { 30 } else { 3 };
        for k in 0..per_hour {
            let at = hour + Duration::seconds(i64::from(k) * 3600 / i64::from(per_hour) + 60);
            if at >= until {
                break;
            }
            let text = synthetic::comment(&mut rng, i).text;
            let tag = if i.is_multiple_of(5) {
                Tag::Complaint
            } else {
                Tag::Other
            };
            let mut it = item(format!("h{i}"), &format!("u{}", i % 300), &text, at, tag);
            it.c.thread_id = Some(format!("t{i}"));
            it.c.lang = None; // the synthetic stream mixes four languages: detected

            out.push(it);
            i += 1;
        }
        hour += Duration::hours(1);
    }
    out
}

fn radar_cfg() -> RadarConfig {
    RadarConfig {
        window_hours: 3,
        ..RadarConfig::default()
    }
}

#[test]
fn a_planted_spike_is_found_at_its_hour_with_its_keyword_and_cools_down() {
    let db = Db::new();
    let now = t("2026-11-18T15:20:00Z"); // a Wednesday
    let mut items = ordinary_history(now);
    let mut spike = outage_spike();
    spike[40].flags = [Flag::Threat].into_iter().collect();
    items.extend(spike);
    db.ingest(&items);

    let alerts = insights::radar_update(&db.store, &radar_cfg(), now).unwrap();
    let volume = alerts
        .iter()
        .find(|a| a.kind == AlertKind::Volume)
        .unwrap_or_else(|| panic!("no volume alert in {alerts:?}"));
    assert_eq!(volume.started_at, t("2026-11-18T14:00:00Z"));
    assert!(volume.observed >= 60.0, "{volume:?}");
    assert!(volume.expected < 10.0, "{volume:?}");
    let keywords: Vec<&str> = alerts.iter().filter_map(|a| a.keyword.as_deref()).collect();
    assert!(keywords.contains(&"outag"), "{keywords:?}");
    assert!(
        alerts.iter().any(|a| a.kind == AlertKind::NegativeShare),
        "{alerts:?}"
    );
    let banner = insights::crisis_banner(&alerts).unwrap();
    assert!(banner.contains("Wed 14:00"), "{banner}");

    let queue = insights::crisis_queue(&db.store, volume, now, 500).unwrap();
    assert!(queue.len() >= 60, "{}", queue.len());
    assert_eq!(
        queue[0].comment_id,
        db.id("spike40"),
        "the threat comes first"
    );

    // The same alerts stay quiet during the cooldown, and stand for the banner.
    let again =
        insights::radar_update(&db.store, &radar_cfg(), now + Duration::minutes(5)).unwrap();
    assert!(again.is_empty(), "{again:?}");
    let standing = insights::standing_alerts(&db.store, 6, now + Duration::minutes(5)).unwrap();
    assert_eq!(standing.len(), alerts.len());
}

#[test]
fn an_ordinary_monday_morning_peak_raises_no_alert() {
    let db = Db::new();
    let now = t("2026-11-16T10:20:00Z"); // Monday, in the middle of the usual peak
    db.ingest(&ordinary_history(now));
    let alerts = insights::radar_update(&db.store, &radar_cfg(), now).unwrap();
    assert!(alerts.is_empty(), "{alerts:?}");
    // The same peak on a Wednesday would be a crisis: the baseline is per hour of week.
    let wed = t("2026-11-18T10:20:00Z");
    let db2 = Db::new();
    let mut items = ordinary_history(wed);
    for k in 0..40 {
        let at = t("2026-11-18T09:00:00Z") + Duration::seconds(k * 120);
        let text = synthetic::comment(&mut Rng::new(k as u64), k as u64).text;
        let mut it = item(format!("w{k}"), "x", &text, at, Tag::Other);
        it.c.lang = None;
        items.push(it);
    }
    db2.ingest(&items);
    let alerts = insights::radar_update(&db2.store, &radar_cfg(), wed).unwrap();
    assert!(
        alerts.iter().any(|a| a.kind == AlertKind::Volume),
        "{alerts:?}"
    );
}

/// The planted spike of the test above: sixty outage complaints from 14:00 on a Wednesday.
fn outage_spike() -> Vec<Item> {
    (0..60)
        .map(|k| {
            let at = t("2026-11-18T14:00:00Z") + Duration::seconds(k * 55);
            let text = format!("Total outage again, nothing loads for me ({k})");
            item(
                format!("spike{k}"),
                &format!("s{k}"),
                &text,
                at,
                Tag::Complaint,
            )
        })
        .collect()
}

#[test]
fn a_first_radar_update_on_an_old_database_stems_only_the_newest_comments() {
    let db = Db::new();
    let now = t("2026-11-18T15:20:00Z");
    let mut items = ordinary_history(now);
    items.extend(outage_spike());
    db.ingest(&items);
    let cfg = RadarConfig {
        stem_backlog: 400,
        ..radar_cfg()
    };
    let alerts = insights::radar_update(&db.store, &cfg, now).unwrap();
    let keywords: Vec<&str> = alerts.iter().filter_map(|a| a.keyword.as_deref()).collect();
    assert!(keywords.contains(&"outag"), "{alerts:?}");
    let volume = alerts.iter().find(|a| a.kind == AlertKind::Volume);
    assert_eq!(
        volume.map(|a| a.started_at),
        Some(t("2026-11-18T14:00:00Z")),
        "the hourly baseline still covers all history: {alerts:?}"
    );
    // About 400 comments back: some five days of three an hour, not the month ingested.
    let first = db.store.first_term_hour().unwrap().unwrap();
    let days_back = (now.timestamp() / 3600 - first) as f64 / 24.0;
    assert!((3.0..7.0).contains(&days_back), "{days_back}");
}

#[test]
fn a_big_import_moves_the_stem_floor_and_keeps_the_keyword_counts_consistent() {
    let db = Db::new();
    let now = t("2026-11-18T15:20:00Z");
    let items = ordinary_history(now);
    let (old, new) = items.split_at(items.len() - 600);
    db.ingest(old);
    insights::refresh_bounded(&db.store, 100_000).unwrap();
    let all_from = db.store.first_term_hour().unwrap().unwrap();
    db.ingest(new);
    insights::refresh_bounded(&db.store, 300).unwrap();
    let from = db.store.first_term_hour().unwrap().unwrap();
    assert!(from > all_from + 24, "{all_from} → {from}");
    let per_hour = db.store.term_counts(i64::MIN, i64::MAX).unwrap();
    let stems: Vec<&String> = per_hour.keys().collect();
    let totals = db.store.stem_totals(stems.iter().copied()).unwrap();
    assert!(!totals.is_empty());
    assert_eq!(
        totals, per_hour,
        "the all-time totals are the sum of the hours kept"
    );
    // Nothing below the floor was stemmed again, and the new comments were.
    let newest = new.last().unwrap().c.created_at.unwrap().timestamp() / 3600;
    assert!(!db.store.term_counts(newest, newest + 1).unwrap().is_empty());
}

#[test]
fn a_planted_recurring_complaint_is_found_with_its_count_and_trend() {
    let db = Db::new();
    let now = t("2026-11-20T12:00:00Z"); // Friday of ISO week 47
    let planted = [
        ("2026-11-10T10:00:00Z", "My phone battery drains overnight"),
        (
            "2026-11-11T10:00:00Z",
            "Battery draining fast since the update",
        ),
        ("2026-11-12T10:00:00Z", "the battery drains in two hours"),
        (
            "2026-11-16T10:00:00Z",
            "Why does the battery drain so quickly?",
        ),
        (
            "2026-11-17T10:00:00Z",
            "battery drain after update, unusable",
        ),
        (
            "2026-11-18T10:00:00Z",
            "Battery drains even when switched off",
        ),
        ("2026-11-19T10:00:00Z", "Huge battery drain, please help"),
    ];
    let mut items: Vec<Item> = planted
        .iter()
        .enumerate()
        .map(|(i, (at, text))| {
            item(
                format!("b{i}"),
                &format!("a{i}"),
                text,
                t(at),
                Tag::Complaint,
            )
        })
        .collect();
    let nouns = [
        "invoice", "courier", "parcel", "refund", "screen", "charger", "voucher", "manual",
        "login", "password", "sticker", "receipt", "warranty", "cable", "keyboard", "speaker",
        "camera", "strap", "lid", "hinge",
    ];
    for (i, n) in nouns.iter().enumerate() {
        let text = format!("Problem with the {n} from your store");
        let at = t("2026-11-05T09:00:00Z") + Duration::hours(i as i64 * 11);
        items.push(item(
            format!("n{i}"),
            &format!("c{i}"),
            &text,
            at,
            Tag::Complaint,
        ));
    }
    // Praise about the battery is not a complaint.
    for i in 0..5 {
        let at = t("2026-11-18T09:00:00Z") + Duration::minutes(i);
        items.push(item(
            format!("p{i}"),
            "fan",
            "Battery drains slower now, love it",
            at,
            Tag::Other,
        ));
    }
    db.ingest(&items);

    let topics = insights::content_backlog(&db.store, &TopicConfig::default(), now).unwrap();
    let battery = topics
        .iter()
        .find(|t| t.signature == "en:batteri+drain")
        .unwrap_or_else(|| panic!("no battery topic in {topics:#?}"));
    assert_eq!(battery.count, 7);
    assert_eq!((battery.this_week, battery.last_week), (4, 3));
    assert_eq!(battery.trend, Trend::Rising);
    assert!(battery.title.contains("battery"), "{}", battery.title);
    assert_eq!(battery.examples.len(), 3);
    assert_eq!(battery.examples[0].text, "Huge battery drain, please help");
    assert_eq!(battery.platforms, [(Platform::Facebook, 7)]);
    assert!(
        topics.iter().all(|t| !t.signature.contains("problem")),
        "a word in most complaints names no topic: {topics:#?}"
    );
}

#[test]
fn stats_on_a_small_known_history_are_exact() {
    let db = Db::new();
    let opened = t("2026-11-20T10:00:00Z");
    let items: Vec<Item> = (0..6)
        .map(|i| {
            item(
                format!("k{i}"),
                &format!("a{i}"),
                "My order is late",
                opened,
                Tag::Complaint,
            )
        })
        .collect();
    db.ingest(&items);
    let sla = SlaConfig::default(); // 60 minutes to the first response
    let answers = [
        (10, "maria"),
        (20, "maria"),
        (30, "maria"),
        (90, "jan"),
        (120, "jan"),
    ];
    for (i, (mins, op)) in answers.iter().enumerate() {
        let id = db.id(&format!("k{i}"));
        let at = opened + Duration::minutes(*mins);
        let reply = NewReply::text("Sorry, we are on it");
        db.store
            .act(id, &Action::Acknowledge, op, at, &sla, Some(&reply))
            .unwrap();
    }
    // One case goes all the way: private after 2h, resolved 4h later, verified a day after
    // its follow-up date.
    let k0 = db.id("k0");
    let ack = opened + Duration::minutes(10);
    let private = ack + Duration::hours(2);
    db.store
        .act(
            k0,
            &Action::MoveToPrivate {
                channel: Channel::Dm,
                contact: "@a0".into(),
            },
            "maria",
            private,
            &sla,
            None,
        )
        .unwrap();
    let resolved = private + Duration::hours(4);
    db.store
        .act(
            k0,
            &Action::Resolve {
                note: "refunded".into(),
                follow_up_at: Some(resolved + Duration::hours(1)),
            },
            "maria",
            resolved,
            &sla,
            None,
        )
        .unwrap();
    let verified = resolved + Duration::hours(2);
    db.store
        .act(k0, &Action::Verify, "maria", verified, &sla, None)
        .unwrap();

    let now = t("2026-11-21T10:00:00Z");
    let s = insights::stats(&db.store, &sla, now - Duration::days(7), now).unwrap();
    let f = &s.first_response;
    assert_eq!(f.answered, 5);
    assert_eq!(f.median_minutes, Some(30.0));
    assert_eq!(f.p90_minutes, Some(120.0));
    assert_eq!(f.within_target, 3);
    assert_eq!(f.share_within_target, Some(0.6));
    let op = |name: &str| &s.by_operator.iter().find(|(o, _)| o == name).unwrap().1;
    assert_eq!(op("maria").median_minutes, Some(20.0));
    assert_eq!(op("maria").share_within_target, Some(1.0));
    assert_eq!(op("jan").median_minutes, Some(105.0));
    assert_eq!(op("jan").p90_minutes, Some(120.0));
    assert_eq!(op("jan").share_within_target, Some(0.0));
    assert_eq!(s.by_platform.len(), 1);
    assert_eq!(s.by_platform[0].1.answered, 5);
    let step = |name: &str| s.steps.iter().find(|x| x.step == name).unwrap();
    assert_eq!(step("to private").median_minutes, Some(120.0));
    assert_eq!(step("to resolve").median_minutes, Some(240.0));
    assert_eq!(step("to verify").median_minutes, Some(120.0));
    assert_eq!(s.follow_ups.due, 1);
    assert_eq!(s.follow_ups.done, 1);
    assert_eq!(s.follow_ups.on_time, 1);
    // Six complaints still open; the sixth was never answered and is past its target.
    assert_eq!(s.backlog_by_tag, [(Tag::Complaint, 6)]);
    assert_eq!(s.backlog_by_platform, [(Platform::Facebook, 6)]);
    assert_eq!(s.waiting_past_target, 1);
    assert_eq!(s.queues, db.store.queue_counts(now).unwrap());
    assert_eq!(
        s.queues
            .iter()
            .find(|q| q.0 == Queue::FirstResponse)
            .unwrap()
            .1,
        1
    );
    let mix = &s.tag_mix;
    assert_eq!(mix.days.len(), 1);
    let complaints = &mix.series.iter().find(|x| x.0 == Tag::Complaint).unwrap().1;
    assert_eq!(complaints, &vec![6]);
    let text = s.to_text();
    assert!(text.contains("@maria"), "{text}");
    assert!(text.contains("60%"), "{text}");
}

#[test]
fn a_helpful_neighbour_in_the_thread_is_recognised() {
    let db = Db::new();
    let at = t("2026-11-20T10:00:00Z");
    let mut items = vec![
        item(
            "q1".into(),
            "ana",
            "My router keeps dropping the connection",
            at,
            Tag::Complaint,
        ),
        item(
            "q2".into(),
            "eve",
            "Nobody cares about your router",
            at + Duration::minutes(1),
            Tag::Troll,
        ),
        item(
            "q3".into(),
            "bob",
            "Try a factory reset, I had the same issue",
            at + Duration::minutes(5),
            Tag::Other,
        ),
        item(
            "q4".into(),
            "cid",
            "My invoice is wrong",
            at + Duration::minutes(6),
            Tag::Complaint,
        ),
    ];
    items[1].c.parent_id = Some("q1".into());
    items[2].c.parent_id = Some("q1".into());
    items[1].c.text = "Try harder, lol, nobody cares".into();
    db.ingest(&items);
    let found = insights::answered_by_community(&db.store, db.id("q1")).unwrap();
    assert_eq!(found, Some(("BOB".to_string(), db.id("q3"))));
    assert_eq!(
        insights::answered_by_community(&db.store, db.id("q4")).unwrap(),
        None
    );
}
