//! Drafting a reply: placeholders and their fallbacks, the send guard, variant rotation, the
//! BIFF lint in each language, and the OSC 52 clipboard sequence.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use calma::domain::{Lang, Platform};
use calma::replies::{
    Biff, Guide, LintWarning, NoVariant, Part, Problem, UsageLog, Values, VariantRef,
    length_budget, lint, osc52, pick, pick_variant, render, send_guard,
};

// ---------------------------------------------------------------- rendering and the guard

#[test]
fn render_fills_values_and_falls_back() {
    let text = "Hi {name|there}, your {issue} is fixed; we'll write by {channel|DM} {eta|today}.";
    let all = Values::new()
        .with("name", "Ana")
        .with("issue", "refund")
        .with("channel", "e-mail")
        .with("eta", "tomorrow");
    let r = render(text, &all);
    assert_eq!(
        r.text,
        "Hi Ana, your refund is fixed; we'll write by e-mail tomorrow."
    );
    assert!(r.missing.is_empty() && r.fallbacks.is_empty());

    let none = render(text, &Values::new());
    assert_eq!(
        none.text,
        "Hi there, your {issue} is fixed; we'll write by DM today."
    );
    assert_eq!(none.missing, vec!["issue"]);
    assert_eq!(none.fallbacks, vec!["name", "channel", "eta"]);
}

#[test]
fn a_blank_value_counts_as_missing_and_each_gap_is_named_once() {
    let v = Values::new().with("name", "   ").with("ticket", "");
    let r = render("{name|Hola}, ref {ticket}; again {ticket}, {agent}", &v);
    assert_eq!(r.text, "Hola, ref {ticket}; again {ticket}, {agent}");
    assert_eq!(r.missing, vec!["ticket", "agent"]);
}

#[test]
fn text_without_placeholders_and_plain_braces_render_unchanged() {
    let text = "Prices { from 5 } are in € — see {}.";
    assert_eq!(render(text, &Values::new()).text, text);
}

#[test]
fn send_guard_refuses_leftover_placeholders() {
    let r = render("Hi {name|there}, ticket {ticket}.", &Values::new());
    let problems = send_guard(&r.text).unwrap_err();
    assert_eq!(
        problems,
        vec![Problem::Placeholder {
            text: "{ticket}".into(),
            span: (17, 25)
        }]
    );
    assert!(problems[0].to_string().contains("{ticket}"));
    for foreign in [
        "Hi {{ contact.first_name }}, thanks.",
        "Hi {%customer.firstName%}, thanks.",
        "Hallo #{ticket.customer}, dank je.",
        "Hola %name%, gracias.",
    ] {
        assert!(
            matches!(
                send_guard(foreign).unwrap_err()[..],
                [Problem::Placeholder { .. }]
            ),
            "{foreign}"
        );
    }
}

#[test]
fn send_guard_refuses_a_greeting_to_nobody_in_each_language() {
    for text in [
        "Hi , we fixed it.",
        "Dear , thanks for writing.",
        "Hola , ya está resuelto.",
        "Здравствуйте , всё исправили.",
        "Hoi , het is opgelost.",
        "Beste , bedankt voor je bericht.",
    ] {
        let problems = send_guard(text).unwrap_err();
        assert!(
            matches!(problems[..], [Problem::EmptyName { .. }]),
            "{text}: {problems:?}"
        );
    }
    // Named, or greeted without a name at all: fine.
    for text in [
        "Hi Ana, we fixed it.",
        "Hi, we fixed it.",
        "¡Hola! Ya está.",
        "Здравствуйте, всё исправили.",
    ] {
        assert_eq!(send_guard(text), Ok(()), "{text}");
    }
}

#[test]
fn send_guard_refuses_empty_text() {
    assert_eq!(send_guard(""), Err(vec![Problem::Empty]));
    assert_eq!(send_guard(" \n\t "), Err(vec![Problem::Empty]));
}

#[test]
fn send_guard_lists_every_problem_in_text_order() {
    let problems = send_guard("Hi , order {order} ships {eta}.").unwrap_err();
    assert_eq!(problems.len(), 3);
    assert!(matches!(problems[0], Problem::EmptyName { .. }));
    assert!(matches!(&problems[2], Problem::Placeholder { text, .. } if text == "{eta}"));
}

#[test]
fn osc52_copies_text_to_the_clipboard() {
    assert_eq!(
        osc52("Hi Ana, fixed."),
        "\x1b]52;c;SGkgQW5hLCBmaXhlZC4=\x07"
    );
    assert_eq!(osc52("Привет"), "\x1b]52;c;0J/RgNC40LLQtdGC\x07");
}

// ---------------------------------------------------------------- rotation

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap() + Duration::minutes(minute)
}

fn ack() -> calma::replies::Template {
    Guide::builtin().get("acknowledge").unwrap().clone()
}

#[test]
fn rotation_starts_with_the_first_variant_and_moves_to_the_least_used() {
    let t = ack();
    let mut log = UsageLog::new();
    let first = pick_variant(&t, Lang::Es, &log, Some("fb:ana"), Some("post-1")).unwrap();
    assert_eq!((first.lang, first.index), (Lang::Es, 0));
    log.record(&first, Some("fb:ana"), Some("post-1"), at(0));
    // Someone else, elsewhere: the least used Spanish variant.
    let second = pick_variant(&t, Lang::Es, &log, Some("fb:bo"), Some("post-2")).unwrap();
    assert_eq!(second.index, 1);
    log.record(&second, Some("fb:bo"), Some("post-2"), at(1));
    let third = pick_variant(&t, Lang::Es, &log, Some("fb:cy"), Some("post-3")).unwrap();
    assert_eq!(third.index, 2);
    log.record(&third, Some("fb:cy"), Some("post-3"), at(2));
    // All used once: the one used longest ago comes back, for a new author and thread.
    let fourth = pick_variant(&t, Lang::Es, &log, Some("fb:di"), Some("post-4")).unwrap();
    assert_eq!(fourth.index, 0);
    assert_eq!(log.variant_uses(&fourth), 1);
    assert_eq!(log.template_uses("acknowledge"), 3);
    assert_eq!(log.counts().get("acknowledge"), Some(&3));
}

#[test]
fn rotation_never_repeats_to_an_author_nor_in_a_thread() {
    let t = ack();
    let mut log = UsageLog::new();
    // Variant 0 is the least used overall, but Ana already got it, in another thread.
    log.record(
        &VariantRef {
            template: "acknowledge".into(),
            part: Part::Public,
            lang: Lang::En,
            index: 0,
        },
        Some("x:ana"),
        Some("t1"),
        at(0),
    );
    for (i, author) in ["x:b", "x:c", "x:d"].iter().enumerate() {
        let v = VariantRef {
            template: "acknowledge".into(),
            part: Part::Public,
            lang: Lang::En,
            index: 1 + i % 2,
        };
        log.record(&v, Some(author), Some("elsewhere"), at(1 + i as i64));
    }
    let for_ana = pick_variant(&t, Lang::En, &log, Some("x:ana"), Some("t9")).unwrap();
    assert_ne!(for_ana.index, 0);
    // In thread t1, even to someone new, variant 0 is out too.
    let in_t1 = pick_variant(&t, Lang::En, &log, Some("x:new"), Some("t1")).unwrap();
    assert_ne!(in_t1.index, 0);
    // A translation is the same line: Ana gets no Spanish variant 0 either.
    let es = pick_variant(&t, Lang::Es, &log, Some("x:ana"), None).unwrap();
    assert_ne!(es.index, 0);
}

#[test]
fn rotation_says_so_when_every_variant_was_used_for_this_author() {
    let t = ack();
    let mut log = UsageLog::new();
    for (i, minute) in [(2, 0), (0, 5), (1, 9)] {
        let v = VariantRef {
            template: "acknowledge".into(),
            part: Part::Public,
            lang: Lang::Nl,
            index: i,
        };
        log.record(&v, Some("ig:sanne"), None, at(minute));
    }
    match pick_variant(&t, Lang::Nl, &log, Some("ig:sanne"), None) {
        Err(NoVariant::AllUsed { oldest }) => assert_eq!(oldest.index, 2),
        other => panic!("expected AllUsed, got {other:?}"),
    }
    // Unknown author and thread: no constraint, so rotation continues.
    assert!(pick_variant(&t, Lang::Nl, &log, None, None).is_ok());
}

#[test]
fn rotation_falls_back_to_english_and_handles_private_messages() {
    let guide = Guide::builtin();
    let t = guide.get("move_to_private").unwrap();
    let log = UsageLog::new();
    let v = pick_variant(t, Lang::Other, &log, None, None).unwrap();
    assert_eq!(v.lang, Lang::En);
    let dm = pick(t, Part::Private, Lang::Ru, &log, Some("a"), Some("b")).unwrap();
    assert_eq!((dm.part, dm.lang), (Part::Private, Lang::Ru));
    assert!(dm.text(&guide).unwrap().contains("{contact"));
    let ack = guide.get("acknowledge").unwrap();
    assert_eq!(
        pick(ack, Part::Private, Lang::En, &log, None, None),
        Err(NoVariant::NoText {
            template: "acknowledge".into(),
            part: Part::Private
        })
    );
}

proptest! {
    /// Whatever history the log holds, a picked variant was never sent to this author nor in
    /// this thread, and the same log always gives the same pick.
    #[test]
    fn rotation_never_repeats_per_author_or_thread(
        history in proptest::collection::vec((0usize..3, 0u8..4, 0u8..4, 0u8..4), 0..30),
        author in 0u8..4,
        thread in 0u8..4,
        lang in 0usize..4,
    ) {
        let t = ack();
        let langs = [Lang::En, Lang::Es, Lang::Ru, Lang::Nl];
        let mut log = UsageLog::new();
        for (i, (index, a, th, l)) in history.iter().enumerate() {
            let v = VariantRef {
                template: "acknowledge".into(),
                part: Part::Public,
                lang: langs[*l as usize],
                index: *index,
            };
            log.record(&v, Some(&format!("a{a}")), Some(&format!("t{th}")), at(i as i64));
        }
        let a = format!("a{author}");
        let th = format!("t{thread}");
        let first = pick_variant(&t, langs[lang], &log, Some(&a), Some(&th));
        let again = pick_variant(&t, langs[lang], &log, Some(&a), Some(&th));
        prop_assert_eq!(&first, &again);
        let used: Vec<usize> = log
            .records()
            .iter()
            .filter(|r| r.author_key.as_deref() == Some(a.as_str())
                || r.thread_key.as_deref() == Some(th.as_str()))
            .map(|r| r.variant)
            .collect();
        match first {
            Ok(v) => prop_assert!(!used.contains(&v.index)),
            Err(NoVariant::AllUsed { .. }) => {
                prop_assert!((0..3).all(|i| used.contains(&i)))
            }
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }

    /// The lint and the guard never panic, whatever the operator types.
    #[test]
    fn lint_and_guard_accept_any_text(text in "\\PC{0,200}", lang in 0usize..5) {
        let _ = lint(&text, Lang::ALL[lang], Platform::X);
        let _ = send_guard(&text);
        let _ = render(&text, &Values::new().with("name", "Ana"));
    }
}

// ---------------------------------------------------------------- BIFF lint

fn codes(ws: &[LintWarning]) -> Vec<&'static str> {
    ws.iter().map(|w| w.code).collect()
}

/// The warnings with `code`, asserting there is at least one.
fn with_code<'a>(ws: &'a [LintWarning], code: &str) -> Vec<&'a LintWarning> {
    let found: Vec<&LintWarning> = ws.iter().filter(|w| w.code == code).collect();
    assert!(!found.is_empty(), "no {code} in {:?}", codes(ws));
    found
}

const CLEAN: [(Lang, &str); 4] = [
    (
        Lang::En,
        "Hi Ana, we're sorry about the delay. We've sent you a DM and will replace the order today.",
    ),
    (
        Lang::Es,
        "Hola Ana, sentimos el retraso. Te hemos escrito por mensaje privado y cambiamos el pedido hoy.",
    ),
    (
        Lang::Ru,
        "Анна, извините за задержку. Мы написали вам в личные сообщения и заменим заказ сегодня.",
    ),
    (
        Lang::Nl,
        "Hoi Anna, sorry voor de vertraging. We hebben je een DM gestuurd en vervangen de bestelling vandaag.",
    ),
];

#[test]
fn a_good_reply_passes_in_every_language() {
    for (lang, text) in CLEAN {
        let ws = lint(text, lang, Platform::X);
        assert!(ws.is_empty(), "{lang}: {ws:?}");
    }
}

#[test]
fn brief_budget_depends_on_the_platform() {
    let long = format!("{} We'll reply by DM today.", "We hear you. ".repeat(22));
    assert!(long.chars().count() > 280 && long.chars().count() < 400);
    let on_x = lint(&long, Lang::En, Platform::X);
    let w = with_code(&on_x, "brief.length");
    assert_eq!(w[0].rule, Biff::Brief);
    assert!(w[0].message.contains("under 280"), "{}", w[0].message);
    assert!(codes(&lint(&long, Lang::En, Platform::Facebook)).is_empty());
    assert!(length_budget(Platform::Email) > length_budget(Platform::Facebook));
    // Characters, not bytes: 250 Cyrillic letters fit on X.
    let ru = format!("{} Напишем сегодня.", "ж".repeat(250));
    assert!(!codes(&lint(&ru, Lang::Ru, Platform::X)).contains(&"brief.length"));
}

#[test]
fn informative_wants_a_next_step_in_each_language() {
    let vague = [
        (
            Lang::En,
            "We understand how you feel and value you as a customer.",
        ),
        (
            Lang::Es,
            "Entendemos cómo te sientes y te valoramos como cliente.",
        ),
        (
            Lang::Ru,
            "Мы понимаем ваши чувства и ценим вас как клиента.",
        ),
        (
            Lang::Nl,
            "We begrijpen hoe je je voelt en waarderen je als klant.",
        ),
    ];
    for (lang, text) in vague {
        let ws = lint(text, lang, Platform::Facebook);
        let w = with_code(&ws, "informative.next_step");
        assert_eq!(w[0].rule, Biff::Informative, "{lang}");
    }
    let concrete = [
        (Lang::En, "We understand. We'll call you tomorrow."),
        (Lang::Es, "Lo entendemos. Te llamamos mañana."),
        (Lang::Ru, "Мы понимаем. Позвоним вам завтра."),
        (Lang::Nl, "We begrijpen het. We bellen je morgen."),
        (Lang::En, "We understand. Expect news {eta|soon}."),
    ];
    for (lang, text) in concrete {
        let ws = lint(text, lang, Platform::Facebook);
        assert!(!codes(&ws).contains(&"informative.next_step"), "{text}");
    }
}

#[test]
fn friendly_flags_blame_and_sarcasm_in_each_language() {
    let cases = [
        (
            Lang::En,
            "Calm down. As I already said, we'll refund it today.",
            vec!["Calm down", "As I already said"],
        ),
        (
            Lang::En,
            "You should have read the page; we'll fix it today.",
            vec!["You should have"],
        ),
        (
            Lang::En,
            "Obviously we'll refund it today.",
            vec!["Obviously"],
        ),
        (
            Lang::Es,
            "Cálmate, como ya te dije lo revisamos hoy.",
            vec!["Cálmate", "como ya te dije"],
        ),
        (
            Lang::Es,
            "Deberías haber leído las condiciones; te escribimos hoy.",
            vec!["Deberías haber"],
        ),
        (
            Lang::Ru,
            "Успокойтесь, как я уже говорил, мы проверим заказ сегодня.",
            vec!["Успокойтесь", "как я уже говорил"],
        ),
        (
            Lang::Ru,
            "Вам следовало написать раньше, проверим сегодня.",
            vec!["Вам следовало"],
        ),
        (
            Lang::Nl,
            "Rustig aan, zoals we al zeiden sturen we het vandaag.",
            vec!["Rustig aan", "zoals we al zeiden"],
        ),
        (
            Lang::Nl,
            "Je had moeten bellen; we sturen het vandaag.",
            vec!["Je had moeten"],
        ),
    ];
    for (lang, text, expected) in cases {
        let ws = lint(text, lang, Platform::Facebook);
        let blamed: Vec<&str> = with_code(&ws, "friendly.blame")
            .iter()
            .map(|w| {
                let (s, e) = w.span.unwrap();
                &text[s..e]
            })
            .collect();
        assert_eq!(blamed, expected, "{lang}: {text}");
    }
    // The same words in another language's list do not fire.
    let ws = lint(
        "Calm down is the name of our tea; we ship it today.",
        Lang::Nl,
        Platform::Facebook,
    );
    assert!(!codes(&ws).contains(&"friendly.blame"));
}

#[test]
fn friendly_flags_shouting_and_exclamations() {
    for (lang, text, word) in [
        (
            Lang::En,
            "We will NEVER share your data. We reply today.",
            "NEVER",
        ),
        (
            Lang::Es,
            "Lo revisamos HOY MISMO por mensaje privado.",
            "MISMO",
        ),
        (
            Lang::Ru,
            "Мы НИКОГДА не передаём данные. Ответим сегодня.",
            "НИКОГДА",
        ),
        (
            Lang::Nl,
            "We delen NOOIT je gegevens. We reageren vandaag.",
            "NOOIT",
        ),
    ] {
        let ws = lint(text, lang, Platform::Facebook);
        let w = with_code(&ws, "friendly.shouting");
        let (s, e) = w[0].span.unwrap();
        assert_eq!(&text[s..e], word, "{lang}");
    }
    assert!(
        !codes(&lint(
            "We follow the GDPR and reply by DM today.",
            Lang::En,
            Platform::X
        ))
        .contains(&"friendly.shouting")
    );
    let ws = lint("Thanks!! We'll ship it today!", Lang::En, Platform::X);
    assert!(
        with_code(&ws, "friendly.exclamations")[0]
            .message
            .starts_with("3 ")
    );
    let ws = lint("¡Gracias! Lo enviamos hoy.", Lang::Es, Platform::X);
    assert!(!codes(&ws).contains(&"friendly.exclamations"));
}

#[test]
fn firm_flags_over_apologising_in_each_language() {
    for (lang, text) in [
        (
            Lang::En,
            "Sorry for the delay, we apologise. We'll ship it today.",
        ),
        (
            Lang::Es,
            "Perdón por el retraso, lo sentimos. Lo enviamos hoy.",
        ),
        (
            Lang::Ru,
            "Извините за задержку, нам очень жаль. Отправим сегодня.",
        ),
        (
            Lang::Nl,
            "Sorry voor de vertraging, onze excuses. We sturen het vandaag.",
        ),
    ] {
        let ws = lint(text, lang, Platform::Facebook);
        let w = with_code(&ws, "firm.apologies");
        assert_eq!(w[0].rule, Biff::Firm);
        assert!(
            w[0].message.starts_with("2 apologies"),
            "{lang}: {}",
            w[0].message
        );
    }
}

#[test]
fn firm_flags_grovelling_in_each_language() {
    for (lang, text) in [
        (Lang::En, "Sorry sorry! We'll ship it today."),
        (Lang::En, "We beg you to stay; we'll ship it today."),
        (Lang::Es, "Mil disculpas. Lo enviamos hoy."),
        (Lang::Ru, "Умоляем понять нас, отправим сегодня."),
        (Lang::Nl, "We smeken je om begrip, we sturen het vandaag."),
    ] {
        let ws = lint(text, lang, Platform::Facebook);
        assert_eq!(
            with_code(&ws, "firm.grovelling")[0].rule,
            Biff::Firm,
            "{text}"
        );
    }
}

#[test]
fn firm_wants_a_clear_close_in_each_language() {
    for (lang, text, tail) in [
        (
            Lang::En,
            "We'll ship a new one today. Hope this helps?",
            "Hope this helps",
        ),
        (
            Lang::En,
            "We've sent a DM today. Sorry again.",
            "Sorry again",
        ),
        (
            Lang::Es,
            "Te lo enviamos hoy. Espero que te sirva.",
            "Espero que te sirva",
        ),
        (Lang::Es, "Te escribimos hoy por privado. Perdón.", "Perdón"),
        (
            Lang::Ru,
            "Отправим замену сегодня. Надеюсь, это поможет.",
            "Надеюсь, это поможет",
        ),
        (
            Lang::Nl,
            "We sturen vandaag een nieuwe. Hopelijk helpt dit.",
            "Hopelijk helpt dit",
        ),
        (
            Lang::Nl,
            "We sturen vandaag een nieuwe. Excuses.",
            "Excuses",
        ),
        (Lang::En, "We'll look into it today...", "..."),
    ] {
        let ws = lint(text, lang, Platform::Facebook);
        let w = with_code(&ws, "firm.close");
        let (s, e) = w[0].span.unwrap();
        assert_eq!(&text[s..e], tail, "{lang}: {text}");
    }
    // One sentence that apologises and gives the fix is a clear close.
    let ws = lint(
        "Sorry about that, we'll send a new one today.",
        Lang::En,
        Platform::X,
    );
    assert!(codes(&ws).is_empty(), "{ws:?}");
}

#[test]
fn other_languages_get_every_word_list() {
    let ws = lint(
        "Calm down, cálmate. We reply today.",
        Lang::Other,
        Platform::X,
    );
    assert_eq!(with_code(&ws, "friendly.blame").len(), 2);
}

#[test]
fn every_warning_explains_itself_in_one_line() {
    let text = "CALM DOWN!! Sorry, sorry, as I already said it's fine... maybe";
    let ws = lint(text, Lang::En, Platform::X);
    assert!(ws.len() >= 4, "{ws:?}");
    for w in &ws {
        assert!(!w.message.is_empty() && !w.message.contains('\n'), "{w:?}");
        if let Some((s, e)) = w.span {
            assert!(s < e && e <= text.len());
        }
    }
    for rule in [Biff::Brief, Biff::Informative, Biff::Friendly, Biff::Firm] {
        assert!(!rule.to_string().is_empty());
    }
}
