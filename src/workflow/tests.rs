//! Tests of the workflow: the full transition table, replay, clocks, reminders and bare thanks.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::domain::{Platform, Tag};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 10, 0, 0).unwrap()
}

fn mins(m: i64) -> Duration {
    Duration::minutes(m)
}

/// Every allowed transition, one per line: `kinds from action -> to`. Anything not listed here
/// (for every kind, every state on its path and every action but retag, delete and a customer's
/// reply, which have their own tests) must be refused.
const ALLOWED: &str = "
complaint new acknowledge -> acknowledged
complaint new apologise -> acknowledged
complaint reopened acknowledge -> acknowledged
complaint reopened apologise -> acknowledged
complaint acknowledged move_to_private -> private
complaint reopened move_to_private -> private
complaint acknowledged resolve -> resolved
complaint private resolve -> resolved
complaint reopened resolve -> resolved
complaint resolved set_follow_up -> resolved
complaint resolved verify -> verified
complaint resolved reopen -> reopened
complaint verified reopen -> reopened
complaint closed reopen -> reopened
complaint verified close -> closed
oportunista new investigate -> investigating
oportunista investigating firm_reply -> firm_replied
oportunista firm_replied move_to_private -> private
oportunista firm_replied close -> closed
oportunista private close -> closed
constructive new thank -> thanked
constructive thanked log_improvement -> logged
constructive logged told_when_done -> told_when_done
constructive thanked close -> closed
constructive told_when_done close -> closed
other new acknowledge -> acknowledged
other new apologise -> acknowledged
other new close -> closed
other acknowledged close -> closed
oportunista,constructive,troll,other closed reopen -> new
troll,other,oportunista new ignore -> ignored
troll,other,oportunista new hide -> hidden
troll,other,oportunista new mute -> muted
troll,other,oportunista new block -> blocked
troll,other,oportunista new report -> reported
oportunista investigating ignore -> ignored
oportunista investigating hide -> hidden
oportunista investigating mute -> muted
oportunista investigating block -> blocked
oportunista investigating report -> reported
troll,other,oportunista ignored hide -> hidden
troll,other,oportunista ignored mute -> muted
troll,other,oportunista ignored block -> blocked
troll,other,oportunista ignored report -> reported
troll,other,oportunista hidden mute -> muted
troll,other,oportunista hidden block -> blocked
troll,other,oportunista hidden report -> reported
troll,other,oportunista muted block -> blocked
troll,other,oportunista muted report -> reported
troll,other,oportunista blocked report -> reported
troll,other,oportunista ignored close -> closed
troll,other,oportunista hidden close -> closed
troll,other,oportunista muted close -> closed
troll,other,oportunista blocked close -> closed
troll,other,oportunista reported close -> closed
";

fn allowed_table() -> Vec<(Tag, State, ActionKind, State)> {
    let mut out = Vec::new();
    for line in ALLOWED.lines().filter(|l| !l.trim().is_empty()) {
        let (lhs, to) = line.split_once("->").unwrap();
        let parts: Vec<&str> = lhs.split_whitespace().collect();
        let to: State = to.parse().unwrap();
        for kind in parts[0].split(',') {
            out.push((
                kind.parse().unwrap(),
                parts[1].parse().unwrap(),
                parts[2].parse().unwrap(),
                to,
            ));
        }
    }
    out
}

/// A case of `kind` standing in `state`, with the timestamps that state implies.
fn case_in(kind: Tag, state: State) -> Case {
    let mut c = Case::open(7, kind, t0());
    c.state = state;
    c.at.acknowledged = Some(t0() + mins(1));
    c.at.first_response = Some(t0() + mins(1));
    if matches!(state, State::Private) {
        c.at.private = Some(t0() + mins(2));
    }
    if matches!(state, State::Resolved | State::Verified | State::Closed) {
        c.at.resolved = Some(t0() + mins(3));
        c.at.follow_up_due = Some(t0() + Duration::days(3));
    }
    if let Some(r) = state.rung() {
        c.troll_level = Some(r);
    }
    c
}

fn sample(k: ActionKind, now: DateTime<Utc>) -> Action {
    match k {
        ActionKind::Acknowledge => Action::Acknowledge,
        ActionKind::Apologise => Action::Apologise,
        ActionKind::MoveToPrivate => Action::MoveToPrivate {
            channel: Channel::Email,
            contact: "ana@example.com".into(),
        },
        ActionKind::Resolve => Action::Resolve {
            note: "sent a replacement".into(),
            follow_up_at: None,
        },
        ActionKind::SetFollowUp => Action::SetFollowUp {
            at: now + Duration::days(5),
        },
        ActionKind::Verify => Action::Verify,
        ActionKind::Reopen => Action::Reopen {
            reason: "the replacement broke too".into(),
        },
        ActionKind::Close => Action::Close,
        ActionKind::CustomerReplied => Action::CustomerReplied {
            text: "it is still broken".into(),
            at: now,
        },
        ActionKind::Investigate => Action::Investigate,
        ActionKind::FirmReply => Action::FirmReply,
        ActionKind::Thank => Action::Thank,
        ActionKind::LogImprovement => Action::LogImprovement,
        ActionKind::ToldWhenDone => Action::ToldWhenDone,
        ActionKind::Delete => Action::Delete {
            code: DeleteCode::Doxxing,
        },
        ActionKind::Retag => Action::Retag { to: Tag::Troll },
        k => Action::ladder(k.rung().unwrap(), "spam links"),
    }
}

fn table_kinds() -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|k| {
            !matches!(
                k,
                ActionKind::CustomerReplied | ActionKind::Retag | ActionKind::Delete
            )
        })
        .collect()
}

#[test]
fn every_allowed_and_every_refused_transition() {
    let table = allowed_table();
    let now = t0() + mins(10);
    let mut checked = 0;
    for kind in Tag::ALL {
        for state in State::ALL.into_iter().filter(|s| s.fits(kind)) {
            let case = case_in(kind, state);
            for ak in table_kinds() {
                let expected = table
                    .iter()
                    .find(|(k, s, a, _)| (*k, *s, *a) == (kind, state, ak))
                    .map(|row| row.3);
                let got = apply(&case, &sample(ak, now), now);
                match (expected, got) {
                    (Some(to), Ok(t)) => {
                        assert_eq!(t.case.state, to, "{kind} {state} {ak}");
                        assert_eq!((t.event.from, t.event.to), (state, to));
                        assert_eq!(t.event.name, ak);
                        assert_eq!(t.event.at, now);
                    }
                    (None, Err(e)) => {
                        let msg = e.to_string();
                        assert!(msg.len() > 20, "{kind} {state} {ak}: {msg}");
                    }
                    (Some(to), Err(e)) => panic!("{kind} {state} {ak} should go to {to}: {e}"),
                    (None, Ok(t)) => panic!(
                        "{kind} {state} {ak} should be refused, went to {}",
                        t.case.state
                    ),
                }
                checked += 1;
            }
            // The UI's list of keys agrees with the table.
            let mut from_table: Vec<ActionKind> = table
                .iter()
                .filter(|(k, s, _, _)| (*k, *s) == (kind, state))
                .map(|row| row.2)
                .collect();
            from_table.push(ActionKind::Retag);
            if state != State::Deleted {
                from_table.push(ActionKind::Delete);
            }
            from_table.sort();
            let mut ui = allowed_actions(&case, now);
            ui.sort();
            assert_eq!(ui, from_table, "allowed_actions for {kind} {state}");
        }
    }
    assert!(checked > 400, "only {checked} combinations checked");
}

#[test]
fn delete_is_allowed_once_from_anywhere_and_keeps_the_reason() {
    for kind in Tag::ALL {
        for state in State::ALL.into_iter().filter(|s| s.fits(kind)) {
            let case = case_in(kind, state);
            let r = apply(
                &case,
                &Action::Delete {
                    code: DeleteCode::Hate,
                },
                t0() + mins(5),
            );
            if state == State::Deleted {
                assert!(r.is_err());
            } else {
                let t = r.unwrap();
                assert_eq!(t.case.state, State::Deleted);
                assert_eq!(t.case.deleted, Some(DeleteCode::Hate));
                assert_eq!(t.event.reason.as_deref(), Some("hate"));
            }
        }
    }
    assert!(ActionKind::Delete.needs_confirmation());
}

#[test]
fn retag_keeps_a_state_on_the_new_path_and_restarts_otherwise() {
    for kind in Tag::ALL {
        for state in State::ALL.into_iter().filter(|s| s.fits(kind)) {
            let case = case_in(kind, state);
            for to in Tag::ALL {
                let r = apply(&case, &Action::Retag { to }, t0() + mins(5));
                if to == kind {
                    assert!(r.unwrap_err().to_string().contains("already tagged"));
                    continue;
                }
                let t = r.unwrap();
                assert_eq!(t.case.kind, to);
                let want = if state.fits(to) { state } else { State::New };
                assert_eq!(t.case.state, want, "{kind} {state} retag {to}");
            }
        }
    }
}

#[test]
fn a_complaint_cannot_be_hidden_or_blocked_until_retagged() {
    for kind in [Tag::Complaint, Tag::Constructive] {
        let case = Case::open(1, kind, t0());
        for rung in [Rung::Hide, Rung::Block] {
            let err = apply(&case, &Action::ladder(rung, "rude"), t0()).unwrap_err();
            assert!(err.to_string().contains("retag it first"), "{err}");
        }
        let troll = apply(&case, &Action::Retag { to: Tag::Troll }, t0()).unwrap();
        let hidden = apply(&troll.case, &Action::ladder(Rung::Hide, "rude"), t0()).unwrap();
        assert_eq!(hidden.case.state, State::Hidden);
    }
}

#[test]
fn refusals_say_what_is_allowed_from_here() {
    let case = Case::open(1, Tag::Complaint, t0());
    let err = apply(&case, &sample(ActionKind::Resolve, t0()), t0()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("a new complaint must be acknowledged before it is resolved"),
        "{msg}"
    );
    assert!(msg.contains("From here: acknowledge, apologise"), "{msg}");
    let troll = Case::open(2, Tag::Troll, t0());
    let muted = apply(&troll, &Action::ladder(Rung::Mute, "spam"), t0()).unwrap();
    let err = apply(&muted.case, &Action::ladder(Rung::Hide, "spam"), t0()).unwrap_err();
    assert!(err.to_string().contains("already muted"), "{err}");
}

#[test]
fn ladder_and_moves_need_their_details() {
    let troll = Case::open(2, Tag::Troll, t0());
    let err = apply(&troll, &Action::ladder(Rung::Block, "  "), t0()).unwrap_err();
    assert!(matches!(err, WorkflowError::Invalid { .. }));
    assert!(err.to_string().contains("block needs a reason"));
    assert!(Action::ladder(Rung::Block, "x").needs_confirmation());
    assert!(Action::ladder(Rung::Report, "x").needs_confirmation());
    assert!(!Action::ladder(Rung::Hide, "x").needs_confirmation());

    let ack = case_in(Tag::Complaint, State::Acknowledged);
    let empty = Action::MoveToPrivate {
        channel: Channel::Phone,
        contact: " ".into(),
    };
    assert!(apply(&ack, &empty, t0()).is_err());
    let bad_follow_up = Action::Resolve {
        note: "refunded".into(),
        follow_up_at: Some(t0() - mins(1)),
    };
    assert!(apply(&ack, &bad_follow_up, t0()).is_err());
}

#[test]
fn a_complaint_walks_the_whole_path() {
    let mut case = Case::open(42, Tag::Complaint, t0());
    let steps = [
        (Action::Apologise, 20),
        (
            Action::MoveToPrivate {
                channel: Channel::Dm,
                contact: "@ana".into(),
            },
            60,
        ),
        (
            Action::Resolve {
                note: "refund issued".into(),
                follow_up_at: None,
            },
            600,
        ),
    ];
    let mut events = Vec::new();
    let mut now = t0();
    for (a, m) in steps {
        now += mins(m);
        let t = apply(&case, &a, now).unwrap();
        events.push(t.event);
        case = t.case;
    }
    assert_eq!(case.at.first_response, Some(t0() + mins(20)));
    assert_eq!(case.first_response_time(), Some(mins(20)));
    assert_eq!(case.private.as_ref().unwrap().contact, "@ana");
    assert_eq!(case.resolution.as_deref(), Some("refund issued"));
    let due = now + Duration::days(3);
    assert_eq!(case.at.follow_up_due, Some(due));
    // Closing before the follow-up is refused; after it, allowed.
    assert!(apply(&case, &Action::Close, now + Duration::days(1)).is_err());
    assert!(apply(&case, &Action::Close, due).is_ok());
    let verified = apply(&case, &Action::Verify, due).unwrap();
    let closed = apply(&verified.case, &Action::Close, due + mins(1)).unwrap();
    events.push(verified.event);
    events.push(closed.event);
    let opened = Case::open(42, Tag::Complaint, t0());
    assert_eq!(replay(&opened, &events).unwrap(), closed.case);
    // Undo the close: replay without the last event.
    let undone = replay(&opened, &events[..events.len() - 1]).unwrap();
    assert_eq!(undone, verified.case);
}

#[test]
fn a_new_comment_reopens_a_resolved_case_but_thanks_does_not() {
    let resolved = case_in(Tag::Complaint, State::Resolved);
    let later = t0() + Duration::days(1);
    for thanks in ["Thanks!", "gracias 🙏", "спасибо", "dank je wel", "ok 👍"] {
        let a = Action::CustomerReplied {
            text: thanks.into(),
            at: later,
        };
        let t = apply(&resolved, &a, later).unwrap();
        assert_eq!(t.case.state, State::Resolved, "{thanks}");
        assert_eq!(t.case.reopen_count, 0);
        assert_eq!(t.case.at.follow_up_due, resolved.at.follow_up_due);
    }
    for state in [State::Resolved, State::Verified, State::Closed] {
        let a = Action::CustomerReplied {
            text: "the replacement is broken too".into(),
            at: later,
        };
        let t = apply(&case_in(Tag::Complaint, state), &a, later + mins(5)).unwrap();
        assert_eq!(t.case.state, State::Reopened);
        assert_eq!(t.case.reopen_count, 1);
        // The clock restarts from the customer's comment.
        let c = clock(
            &t.case,
            Platform::Facebook,
            &SlaConfig::default(),
            later + mins(5),
        )
        .unwrap();
        assert_eq!((c.step, c.due_at), (Step::Reply, later + mins(60)));
    }
}

#[test]
fn a_customer_writing_again_puts_an_open_case_back_on_the_reply_clock() {
    let private = case_in(Tag::Complaint, State::Private);
    let at = t0() + mins(30);
    let a = Action::CustomerReplied {
        text: "any news?".into(),
        at,
    };
    let t = apply(&private, &a, at).unwrap();
    assert_eq!(t.case.state, State::Private);
    let cfg = SlaConfig::default();
    let c = clock(&t.case, Platform::X, &cfg, at).unwrap();
    assert_eq!((c.step, c.due_at), (Step::Reply, at + mins(60)));
    // Our answer stops that clock and the resolve clock runs again.
    let answered = apply(&t.case, &Action::Acknowledge, at + mins(10)).unwrap();
    assert_eq!(answered.case.state, State::Private);
    let c = clock(&answered.case, Platform::X, &cfg, at + mins(10)).unwrap();
    assert_eq!(c.step, Step::Resolve);
}

#[test]
fn cases_and_events_round_trip_through_json() {
    let case = Case::open(3, Tag::Complaint, t0());
    let t = apply(
        &apply(&case, &Action::Acknowledge, t0()).unwrap().case,
        &Action::MoveToPrivate {
            channel: Channel::Email,
            contact: "ana@example.com".into(),
        },
        t0() + mins(5),
    )
    .unwrap();
    let json = serde_json::to_string(&t.event.action).unwrap();
    assert_eq!(
        json,
        r#"{"action":"move_to_private","channel":"email","contact":"ana@example.com"}"#
    );
    let back: Event = serde_json::from_str(&serde_json::to_string(&t.event).unwrap()).unwrap();
    assert_eq!(back, t.event);
    let back: Case = serde_json::from_str(&serde_json::to_string(&t.case).unwrap()).unwrap();
    assert_eq!(back, t.case);
}

#[test]
fn undo_takes_back_the_operators_last_action_only() {
    let opened = Case::open(1, Tag::Troll, t0());
    assert!(undo(&opened, &[]).is_err());
    let muted = apply(&opened, &Action::ladder(Rung::Mute, "spam"), t0()).unwrap();
    let back = undo(&opened, std::slice::from_ref(&muted.event)).unwrap();
    assert_eq!(back, opened);
    let wrote = Action::CustomerReplied {
        text: "you can't silence me".into(),
        at: t0() + mins(1),
    };
    let again = apply(&muted.case, &wrote, t0() + mins(1)).unwrap();
    let err = undo(&opened, &[muted.event, again.event]).unwrap_err();
    assert!(err.to_string().contains("customer's new comment"), "{err}");
}

#[test]
fn replay_refuses_a_log_that_does_not_fit() {
    let opened = Case::open(1, Tag::Complaint, t0());
    let t = apply(&opened, &Action::Acknowledge, t0()).unwrap();
    let mut ev = t.event.clone();
    ev.to = State::Closed;
    let err = replay(&opened, &[ev]).unwrap_err();
    assert!(
        matches!(err, WorkflowError::Replay { index: 0, .. }),
        "{err}"
    );
    let err = replay(&opened, &[t.event.clone(), t.event]).unwrap_err();
    assert!(
        matches!(err, WorkflowError::Replay { index: 1, .. }),
        "{err}"
    );
}

#[test]
fn action_names_parse_as_calma_act_takes_them() {
    for k in ActionKind::ALL {
        assert_eq!(k.as_str().parse::<ActionKind>().unwrap(), k);
    }
    assert_eq!("move-to-private".parse(), Ok(ActionKind::MoveToPrivate));
    assert_eq!("apologize".parse(), Ok(ActionKind::Apologise));
    assert!("nuke".parse::<ActionKind>().is_err());
    assert!("spam".parse::<DeleteCode>().is_err());
}

// ---- clocks ----

#[test]
fn first_response_clock_turns_amber_then_red() {
    let cfg = SlaConfig::default();
    let case = Case::open(1, Tag::Complaint, t0());
    let at = |m| clock(&case, Platform::Facebook, &cfg, t0() + mins(m)).unwrap();
    let c = at(30);
    assert_eq!(c.step, Step::FirstResponse);
    assert_eq!(c.due_at, t0() + mins(60));
    assert_eq!((c.remaining, c.urgency), (mins(30), Urgency::Green));
    assert_eq!(at(44).urgency, Urgency::Green);
    assert_eq!(at(46).urgency, Urgency::Amber);
    assert_eq!(at(60).urgency, Urgency::Amber);
    let late = at(65);
    assert_eq!((late.remaining, late.urgency), (mins(-5), Urgency::Red));
}

#[test]
fn amber_starts_at_a_quarter_of_a_long_target() {
    let cfg = SlaConfig::default();
    let case = case_in(Tag::Complaint, State::Private);
    let private = case.at.private.unwrap();
    let at = |h| clock(&case, Platform::X, &cfg, private + Duration::hours(h)).unwrap();
    assert_eq!(at(0).step, Step::Resolve);
    assert_eq!(at(30).urgency, Urgency::Green);
    assert_eq!(at(37).urgency, Urgency::Amber);
    assert_eq!(at(49).urgency, Urgency::Red);
    assert_eq!(urgency(mins(60), mins(14)), Urgency::Amber);
    assert_eq!(urgency(mins(60), mins(16)), Urgency::Green);
}

#[test]
fn business_hours_carry_a_friday_evening_comment_to_monday() {
    let cfg = SlaConfig {
        business_hours: Some(BusinessHours::weekdays("Europe/Amsterdam", 9, 17)),
        ..SlaConfig::default()
    };
    // Friday 20 November 2026, 18:00 in Amsterdam (UTC+1).
    let friday = Utc.with_ymd_and_hms(2026, 11, 20, 17, 0, 0).unwrap();
    let monday_10 = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let case = Case::open(1, Tag::Complaint, friday);
    let c = clock(&case, Platform::Google, &cfg, friday + Duration::hours(18)).unwrap();
    assert_eq!(c.due_at, monday_10);
    // Saturday: the clock is not running, the full hour is left.
    assert_eq!((c.remaining, c.urgency), (mins(60), Urgency::Green));
    let c = clock(&case, Platform::Google, &cfg, monday_10 - mins(10)).unwrap();
    assert_eq!((c.remaining, c.urgency), (mins(10), Urgency::Amber));
    let c = clock(&case, Platform::Google, &cfg, monday_10 + mins(30)).unwrap();
    assert_eq!((c.remaining, c.urgency), (mins(-30), Urgency::Red));
    // Friday 16:45 + 30 minutes of business time is Monday 09:15.
    let late_friday = Utc.with_ymd_and_hms(2026, 11, 20, 15, 45, 0).unwrap();
    let bh = BusinessHours::weekdays("Europe/Amsterdam", 9, 17);
    assert_eq!(
        bh.add(late_friday, mins(30)),
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 15, 0).unwrap()
    );
    assert_eq!(bh.between(late_friday, monday_10), mins(15 + 60));
}

#[test]
fn without_business_hours_the_clock_runs_all_weekend() {
    let friday = Utc.with_ymd_and_hms(2026, 11, 20, 17, 0, 0).unwrap();
    let case = Case::open(1, Tag::Complaint, friday);
    let c = clock(&case, Platform::Google, &SlaConfig::default(), friday).unwrap();
    assert_eq!(c.due_at, friday + mins(60));
}

#[test]
fn first_response_targets_follow_platform_and_tag_overrides() {
    let cfg: SlaConfig = toml::from_str(
        r#"
        first_response_minutes = 90
        follow_up_days = 5
        [per_platform]
        facebook = 30
        [per_tag]
        troll = 240
        [business_hours]
        time_zone = "America/Mexico_City"
        days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        from_hour = 8
        to_hour = 20
        "#,
    )
    .unwrap();
    cfg.validate().unwrap();
    assert_eq!(cfg.first_response(Platform::Facebook, Tag::Troll), mins(30));
    assert_eq!(cfg.first_response(Platform::X, Tag::Troll), mins(240));
    assert_eq!(cfg.first_response(Platform::X, Tag::Complaint), mins(90));
    assert_eq!(cfg.follow_up_after(t0()), t0() + Duration::days(5));
    assert_eq!(cfg.resolve_minutes, 48 * 60);
    let bad: SlaConfig = toml::from_str("[per_platform]\nmyspace = 5").unwrap();
    assert!(bad.validate().is_err());
    let back: SlaConfig = toml::from_str(&toml::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(back, cfg);
}

#[test]
fn finished_and_laddered_cases_have_no_clock() {
    let cfg = SlaConfig::default();
    for state in [State::Closed, State::Deleted, State::Muted] {
        assert!(clock(&case_in(Tag::Troll, state), Platform::X, &cfg, t0()).is_none());
    }
}

// ---- reminders ----

#[test]
fn reminders_list_follow_ups_and_breaches_oldest_first() {
    let cfg = SlaConfig::default();
    let now = t0() + Duration::days(4);
    let overdue = Case::open(1, Tag::Complaint, now - mins(90));
    let fresh = Case::open(2, Tag::Complaint, now - mins(10));
    let follow_up = case_in(Tag::Complaint, State::Resolved);
    let mut quiet = case_in(Tag::Complaint, State::Resolved);
    quiet.comment_id = 9;
    quiet.at.follow_up_due = Some(now + Duration::days(1));
    let list = reminders(
        [
            (&overdue, Platform::Facebook),
            (&fresh, Platform::X),
            (&follow_up, Platform::Google),
            (&quiet, Platform::Google),
        ],
        &cfg,
        now,
    );
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].comment_id, 1);
    assert_eq!(list[0].kind, ReminderKind::Breach);
    assert_eq!(list[0].overdue_minutes, 30);
    assert_eq!(
        list[0].message,
        "#1 (complaint on facebook): first response overdue by 30m (due 2026-11-20 09:30 UTC)"
    );
    assert_eq!(list[1].comment_id, 7);
    assert_eq!(list[1].kind, ReminderKind::FollowUpDue);
    assert_eq!(
        list[1].message,
        "#7 (complaint on google): follow-up due since 2026-11-19 10:00 UTC (1d 0h ago); \
         ask the customer whether it is solved, then verify or reopen"
    );
}

#[test]
fn a_follow_up_is_listed_from_its_date_and_overdue_after_its_day() {
    let cfg = SlaConfig::default();
    let case = case_in(Tag::Complaint, State::Resolved);
    let date = case.at.follow_up_due.unwrap();
    let at = |h: i64| clock(&case, Platform::Google, &cfg, date + Duration::hours(h)).unwrap();
    let listed = |h: i64| reminders([(&case, Platform::Google)], &cfg, date + Duration::hours(h));
    assert_eq!(
        (at(-24).step, at(-24).urgency),
        (Step::FollowUp, Urgency::Green)
    );
    assert!(listed(-1).is_empty());
    assert_eq!(at(1).urgency, Urgency::Green);
    assert_eq!(listed(1).len(), 1);
    assert_eq!(at(20).urgency, Urgency::Amber);
    let late = listed(26);
    assert_eq!(at(26).urgency, Urgency::Red);
    assert_eq!(late[0].overdue_minutes, 120);
    assert!(
        late[0]
            .message
            .ends_with("(overdue since 2026-11-20 10:00 UTC)"),
        "{}",
        late[0].message
    );
}

#[test]
fn durations_read_like_a_person_wrote_them() {
    assert_eq!(human(mins(12)), "12m");
    assert_eq!(human(mins(65)), "1h 5m");
    assert_eq!(human(Duration::hours(74)), "3d 2h");
    assert_eq!(human(mins(-5)), "5m");
}

// ---- bare thanks ----

#[test]
fn bare_thanks_in_four_languages() {
    for t in [
        "Thanks!",
        "thank you so much 🙏",
        "ok 👍",
        "Thx",
        "Gracias!!",
        "¡Muchas gracias!",
        "vale, gracias",
        "Спасибо!",
        "спасибо большое",
        "Ок",
        "Bedankt!",
        "dank je wel",
        "Dank je!",
        "oké, top",
        "👍",
        "🙏🙏",
    ] {
        assert!(is_bare_thanks(t), "{t:?} is a bare thanks");
    }
    for t in [
        "thanks but it broke again",
        "ok so when do I get my refund?",
        "gracias pero sigue sin funcionar",
        "спасибо, но заказ так и не пришёл",
        "bedankt, maar het werkt nog steeds niet",
        "very much",
        "",
        "thanks thanks thanks thanks thanks thanks thanks thanks thanks",
    ] {
        assert!(!is_bare_thanks(t), "{t:?} is a real message");
    }
}

// ---- property: replaying the audit log reproduces the case ----

fn any_action() -> impl Strategy<Value = Action> {
    let text = prop::sample::select(vec![
        "thanks!",
        "still broken",
        "ok 👍",
        "where is my order",
    ]);
    let tag = prop::sample::select(Tag::ALL.to_vec());
    let rung = prop::sample::select(Rung::ALL.to_vec());
    prop_oneof![
        Just(Action::Acknowledge),
        Just(Action::Apologise),
        prop::sample::select(vec![Channel::Dm, Channel::Email, Channel::Phone]).prop_map(
            |channel| {
                Action::MoveToPrivate {
                    channel,
                    contact: "ana@example.com".into(),
                }
            }
        ),
        prop::option::of(1i64..10).prop_map(|d| Action::Resolve {
            note: "fixed".into(),
            follow_up_at: d.map(|d| t0() + Duration::days(400 + d)),
        }),
        (1i64..1000).prop_map(|d| Action::SetFollowUp {
            at: t0() + Duration::hours(d)
        }),
        Just(Action::Verify),
        Just(Action::Reopen {
            reason: "not fixed".into()
        }),
        Just(Action::Close),
        (text, 0i64..2000).prop_map(|(t, m)| Action::CustomerReplied {
            text: t.into(),
            at: t0() + mins(m),
        }),
        Just(Action::Investigate),
        Just(Action::FirmReply),
        Just(Action::Thank),
        Just(Action::LogImprovement),
        Just(Action::ToldWhenDone),
        rung.prop_map(|r| Action::ladder(r, "spam")),
        prop::sample::select(vec![
            DeleteCode::Illegal,
            DeleteCode::Hate,
            DeleteCode::Doxxing
        ])
        .prop_map(|code| Action::Delete { code }),
        tag.prop_map(|to| Action::Retag { to }),
    ]
}

proptest! {
    #[test]
    fn replaying_the_audit_log_reproduces_the_case(
        tag in prop::sample::select(Tag::ALL.to_vec()),
        steps in prop::collection::vec((any_action(), 0i64..3000), 1..40),
    ) {
        let opened = Case::open(5, tag, t0());
        let mut case = opened.clone();
        let mut history = vec![case.clone()];
        let mut events = Vec::new();
        let mut now = t0();
        for (action, gap) in steps {
            now += mins(gap);
            if let Ok(t) = apply(&case, &action, now) {
                prop_assert!(t.case.state.fits(t.case.kind), "{:?} off its path", t.case);
                case = t.case;
                events.push(t.event);
                history.push(case.clone());
            }
        }
        prop_assert_eq!(&replay(&opened, &events).unwrap(), &case);
        if !events.is_empty() {
            let undone = replay(&opened, &events[..events.len() - 1]).unwrap();
            prop_assert_eq!(&undone, &history[history.len() - 2]);
        }
    }
}
