//! The communication guide as an operator meets it: the built-in situations, a user file that
//! extends and overrides them, `calma templates check` and the review dates.

mod common;

use assert_cmd::Command;
use chrono::{NaiveDate, TimeZone, Utc};
use predicates::prelude::*;

use calma::domain::{Lang, Platform, Tag};
use calma::replies::{
    BUILTIN_GUIDE, Guide, GuideError, GuideLoadError, Part, STALE_AFTER_DAYS, Severity, Tone,
    Values, check_guide, lint, placeholders, render, send_guard, stale,
};
use calma::workflow::ActionKind;

const SITUATIONS: [&str; 11] = [
    "acknowledge",
    "move_to_private",
    "ask_details",
    "resolution",
    "verify_follow_up",
    "firm_opportunist",
    "thanks_constructive",
    "troll_last_warning",
    "facts_misinformation",
    "harassment_policy",
    "crisis_holding",
];

const LANGS: [Lang; 4] = [Lang::En, Lang::Es, Lang::Ru, Lang::Nl];

fn lines(errors: &[GuideError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn builtin_guide_passes_its_own_check_without_warnings() {
    let summary = check_guide(BUILTIN_GUIDE).unwrap_or_else(|e| panic!("{}", lines(&e)));
    assert!(summary.warnings.is_empty(), "{}", lines(&summary.warnings));
    assert_eq!(summary.languages, LANGS.to_vec());
    assert_eq!(summary.templates, SITUATIONS.to_vec());
}

#[test]
fn builtin_guide_has_every_situation_in_every_language() {
    let guide = Guide::builtin();
    let ids: Vec<&str> = guide.templates().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, SITUATIONS.to_vec());
    for t in guide.templates() {
        assert!(t.last_reviewed.is_some(), "{} has a review date", t.id);
        assert!(!t.action.is_empty(), "{} has an action", t.id);
        for lang in LANGS {
            let texts = t.texts(Part::Public, lang);
            assert!(
                texts.len() >= 3,
                "{} has {} {lang} variants",
                t.id,
                texts.len()
            );
        }
    }
    let private = guide.get("move_to_private").unwrap();
    for lang in LANGS {
        let dms = private.texts(Part::Private, lang);
        assert!(dms.len() >= 3, "{lang} DMs");
        assert!(
            dms.iter()
                .all(|d| placeholders(d).iter().any(|p| p.name == "contact")),
            "every {lang} private message offers a {{contact}}"
        );
    }
    assert_eq!(guide.get("firm_opportunist").unwrap().tone, Tone::Firm);
    assert_eq!(guide.get("resolution").unwrap().action, "resolve");
    assert!(
        guide
            .for_tag(Tag::Oportunista)
            .any(|t| t.id == "firm_opportunist")
    );
    assert!(
        guide
            .for_action("move_to_private")
            .any(|t| t.id == "move_to_private")
    );
}

#[test]
fn every_builtin_action_is_a_workflow_action() {
    for t in Guide::builtin().templates() {
        let kind: ActionKind = t.action.parse().unwrap_or_else(|e| panic!("{}: {e}", t.id));
        assert_eq!(kind.as_str(), t.action, "{} uses the canonical name", t.id);
    }
}

#[test]
fn every_builtin_variant_is_sendable_with_or_without_values() {
    let full = Values::new()
        .with("name", "Ana")
        .with("issue", "the late delivery")
        .with("order", "A-1043")
        .with("channel", "e-mail")
        .with("eta", "tomorrow")
        .with("agent", "Sam")
        .with("ticket", "T-77")
        .with("contact", "help@example.com");
    let guide = Guide::builtin();
    for t in guide.templates() {
        for part in [Part::Public, Part::Private] {
            for lang in LANGS {
                for text in t.texts(part, lang) {
                    for values in [Values::new(), full.clone()] {
                        let r = render(text, &values);
                        assert!(r.missing.is_empty(), "{}: {:?}", t.id, r.missing);
                        assert_eq!(send_guard(&r.text), Ok(()), "{}: {}", t.id, r.text);
                    }
                }
            }
        }
    }
}

#[test]
fn every_builtin_public_variant_is_biff_clean_even_on_x() {
    let values = Values::new()
        .with("name", "Alexandra")
        .with("issue", "the late delivery")
        .with("channel", "e-mail")
        .with("eta", "tomorrow by 18:00");
    for t in Guide::builtin().templates() {
        for lang in LANGS {
            for text in t.texts(Part::Public, lang) {
                let rendered = render(text, &values).text;
                let warnings = lint(&rendered, lang, Platform::X);
                assert!(
                    warnings.is_empty(),
                    "{} ({lang}): {rendered}\n{warnings:?}",
                    t.id
                );
            }
        }
    }
}

#[test]
fn a_user_file_overrides_one_language_and_adds_a_situation() {
    let user = r#"
[[template]]
id = "acknowledge"
last_reviewed = "2026-11-01"
[template.variants]
es = [
  "{name|Hola}, perdona el retraso. Lo revisamos hoy y te escribimos por {channel|mensaje privado}.",
  "{name|Hola}, gracias por avisar. Te respondemos aquí {eta|hoy mismo}.",
  "{name|Hola}, lo vemos ahora mismo y te contamos {eta|en una hora}.",
]

[[template]]
id = "shipping_delay"
title = "Shipping delay"
action = "acknowledge"
tone = "informative"
last_reviewed = 2026-11-15
tags = ["complaint"]
[template.variants]
en = ["Hi {name|there}, parcels are running a day late this week. Yours will arrive {eta|tomorrow}.", "{name|Hi}, the carrier is a day behind. We'll send you tracking by {channel|DM}.", "Thanks for asking, {name|friend}. Deliveries resume {eta|on Monday}."]
"#;
    let (guide, warnings) = Guide::builtin().with_user_text(user).unwrap();
    let ack = guide.get("acknowledge").unwrap();
    assert!(ack.texts(Part::Public, Lang::Es)[0].contains("perdona el retraso"));
    assert_eq!(
        ack.texts(Part::Public, Lang::En),
        Guide::builtin()
            .get("acknowledge")
            .unwrap()
            .texts(Part::Public, Lang::En),
        "languages the user did not write stay built-in"
    );
    assert_eq!(
        ack.tone,
        Tone::Friendly,
        "metadata not given stays built-in"
    );
    assert_eq!(ack.last_reviewed, NaiveDate::from_ymd_opt(2026, 11, 1));

    let new = guide.get("shipping_delay").unwrap();
    assert_eq!(new.tone, Tone::Informative);
    assert_eq!(new.last_reviewed, NaiveDate::from_ymd_opt(2026, 11, 15));
    assert_eq!(guide.templates().len(), SITUATIONS.len() + 1);
    // The new situation is only in English: the check says so, as a warning.
    assert!(
        warnings
            .iter()
            .any(|w| w.template.as_deref() == Some("shipping_delay")
                && w.message.contains("no variants in ru")),
        "{}",
        lines(&warnings)
    );
    // Its Russian comments are answered in English rather than not at all.
    assert_eq!(new.resolve_lang(Part::Public, Lang::Ru), Some(Lang::En));
}

#[test]
fn load_with_user_reads_the_file_and_reports_where_it_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("guide.toml");
    std::fs::write(
        &good,
        "[[template]]\nid = \"resolution\"\ntone = \"brief\"\n",
    )
    .unwrap();
    let guide = Guide::load_with_user(&good).unwrap();
    assert_eq!(guide.get("resolution").unwrap().tone, Tone::Brief);

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[template]]\nid = \"resolution\"\n[template.variants]\nen = [\"Hi {nmae}, done. We'll write {eta|today}.\"]\n",
    )
    .unwrap();
    match Guide::load_with_user(&bad) {
        Err(GuideLoadError::Invalid { errors, .. }) => {
            let e = errors
                .iter()
                .find(|e| e.severity == Severity::Error)
                .unwrap();
            assert_eq!(e.line, 4);
            assert_eq!(e.template.as_deref(), Some("resolution"));
            assert!(e.message.contains("{nmae}"), "{e}");
        }
        other => panic!("expected an invalid guide, got {other:?}"),
    }
    assert!(matches!(
        Guide::load_with_user(&dir.path().join("missing.toml")),
        Err(GuideLoadError::Io { .. })
    ));
}

/// The error findings of `text`, as (line, template, message).
fn errors_of(text: &str) -> Vec<(usize, Option<String>, String)> {
    let findings = check_guide(text).expect_err("the guide is invalid");
    findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.line, f.template, f.message))
        .collect()
}

#[test]
fn check_names_template_and_line_of_each_error() {
    let text = r#"[[template]]
id = "promo"
action = "thank"
tone = "friendly"
last_reviewed = "2026-11-01"
[template.variants]
en = [
  "Thanks {name|there}! Use code {code} today.",
  "   ",
  "Thanks, {name|friend}. We'll send it {eta|today",
]

[[template]]
id = "promo"
action = "thank"
tone = "friendly"

[[template]]
id = "other"
action = "thank"
tone = "cheerful"
last_reviewed = "last week"
[template.variants]
fr = ["Merci"]
"#;
    let errors = errors_of(text);
    let find = |needle: &str| {
        errors
            .iter()
            .find(|(_, _, m)| m.contains(needle))
            .unwrap_or_else(|| panic!("no error about {needle:?} in {errors:#?}"))
    };
    let promo = Some("promo".to_string());
    let other = Some("other".to_string());
    assert_eq!(
        find("{code}"),
        &(8, promo.clone(), find("{code}").2.clone())
    );
    assert_eq!(find("is empty").0, 9);
    assert_eq!(find("stray").0, 10);
    assert_eq!(find("duplicate id").0, 14);
    assert!(find("duplicate id").2.contains("line 2"));
    assert_eq!(find("unknown tone").1, other);
    assert_eq!(find("unknown tone").0, 21);
    assert_eq!(find("not a date").0, 22);
    assert_eq!(find("unknown language").0, 24);
}

#[test]
fn check_warns_about_thin_guides_without_failing_them() {
    let text = r#"[[template]]
id = "ask_details"
[template.variants]
nl = ["{name|Hoi}, stuur je ordernummer via {channel|DM}? Dan kijken we er {eta|vandaag} naar.", "{name|Hoi}, wat is je ordernummer? Stuur het via DM, dan controleren we het."]
en = ["Hi {name|there}, send us your order number by DM and we'll check it today, or e-mail {contact}."]
"#;
    let summary = check_guide(text).unwrap_or_else(|e| panic!("{}", lines(&e)));
    let w = lines(&summary.warnings);
    assert!(w.contains("only 2 variant(s) in nl"), "{w}");
    assert!(
        w.contains("{contact} belongs in the private message"),
        "{w}"
    );
    assert_eq!(summary.overridden, vec!["ask_details"]);
    assert_eq!(summary.variants, 3);
}

#[test]
fn a_broken_toml_file_is_one_error_with_its_line() {
    let errors = errors_of("[[template]]\nid = \"x\"\ntone = \n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, 3);
}

#[test]
fn templates_unreviewed_for_90_days_are_stale() {
    let user = r#"
[[template]]
id = "acknowledge"
last_reviewed = "2026-08-01"
[[template]]
id = "resolution"
last_reviewed = "2026-08-23"
[[template]]
id = "fresh_one"
action = "thank"
tone = "friendly"
last_reviewed = "2026-11-10"
[template.variants]
en = ["Thanks, {name|friend}. We'll pass it on today.", "Thank you, {name|truly}. The team reads it this week.", "Noted, {name|thanks}. We'll reply here tomorrow."]
"#;
    let (guide, _) = Guide::builtin().with_user_text(user).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap();
    let list = stale(&guide, now, chrono::Duration::days(STALE_AFTER_DAYS));
    let ids: Vec<(&str, Option<i64>)> =
        list.iter().map(|s| (s.template.as_str(), s.days)).collect();
    // 2026-08-23 → 2026-11-21 is exactly 90 days: due.
    assert_eq!(
        ids,
        vec![("acknowledge", Some(112)), ("resolution", Some(90))]
    );
    let later = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
    assert_eq!(
        stale(&guide, later, chrono::Duration::days(STALE_AFTER_DAYS)).len(),
        guide.templates().len()
    );
}

fn calma() -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (common::calma_in(dir.path()), dir)
}

#[test]
fn cli_check_prints_a_summary_for_a_valid_guide() {
    let (mut c, dir) = calma();
    let file = dir.path().join("guide.toml");
    std::fs::write(&file, BUILTIN_GUIDE).unwrap();
    c.args(["templates", "check"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "valid: 11 templates (0 new, 11 overriding built-ins), 144 variants in en, es, ru, nl",
        ))
        .stderr(predicate::str::is_empty());
}

#[test]
fn cli_check_exits_2_naming_template_and_line() {
    let (mut c, dir) = calma();
    let file = dir.path().join("guide.toml");
    std::fs::write(
        &file,
        "[[template]]\nid = \"resolution\"\n[template.variants]\nen = [\n  \"Done, {name|there}. We fixed it today.\",\n  \"Hi {firstname}, we fixed it today.\",\n]\n",
    )
    .unwrap();
    c.args(["templates", "check"])
        .arg(&file)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "line 6: template resolution: variants.en variant 2: unknown placeholder {firstname}",
        ))
        .stderr(predicate::str::contains("invalid guide (1 error)"));
}

#[test]
fn cli_check_exits_2_on_a_missing_file() {
    let (mut c, dir) = calma();
    c.args(["templates", "check"])
        .arg(dir.path().join("nope.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.toml"));
}
