//! The classifier as the rest of calma uses it: verdicts per rule family and language on
//! comments we wrote ourselves, explanations that point into the original text, author
//! history, determinism, and snapshots of explained verdicts.

use calma::classify::Classifier;
use calma::domain::{AuthorHistory, Classification, Flag, Lang, Tag};
use proptest::prelude::*;

fn c() -> &'static Classifier {
    Classifier::shared()
}

fn verdict(text: &str, lang: &str) -> Classification {
    c().classify(text, Some(lang), &AuthorHistory::default())
}

fn fired(v: &Classification, rule: &str) -> bool {
    v.rules.iter().any(|h| &*h.rule == rule)
}

fn abusive(v: &Classification) -> bool {
    v.tag == Tag::Troll
        || [Flag::Hate, Flag::Threat, Flag::Insult, Flag::Profanity]
            .iter()
            .any(|f| v.flags.contains(*f))
}

/// A verdict as a person reads it: tag, flags, and each rule with the text it matched.
fn explain(text: &str, v: &Classification) -> String {
    let flags: Vec<&str> = v.flags.iter().map(Flag::as_str).collect();
    let mut s = format!(
        "text: {text}\ntag: {}\nlang: {}\nflags: [{}]\nsentiment: {:.2}\n",
        v.tag,
        v.lang,
        flags.join(", "),
        v.sentiment
    );
    for h in &v.rules {
        let spans: Vec<&str> = h.spans.iter().map(|&(a, b)| &text[a..b]).collect();
        s += &format!("- {}: {:?}\n", h.rule, spans);
    }
    s
}

// ---- abuse, per language -------------------------------------------------------------------

#[test]
fn english_insults_threats_and_profanity_are_flagged() {
    let v = verdict("You are a pathetic idiot and nobody cares", "en");
    assert!(v.flags.contains(Flag::Insult));
    assert_eq!(v.tag, Tag::Troll);
    let v = verdict("I will kill you if I see you again", "en");
    assert!(v.flags.contains(Flag::Threat));
    let v = verdict("this update is f*cking useless", "en");
    assert!(v.flags.contains(Flag::Profanity), "{v:?}");
}

#[test]
fn negation_and_quoting_keep_insults_out() {
    let v = verdict("You are not stupid, you just need more time.", "en");
    assert!(!v.flags.contains(Flag::Insult), "{v:?}");
    let v = verdict(
        "He called me \"an idiot\" in the meeting, which was unfair.",
        "en",
    );
    assert!(!v.flags.contains(Flag::Insult), "{v:?}");
}

#[test]
fn a_negator_negates_in_its_own_language_only() {
    // "niet" negates in Dutch; in an English text it is just a word.
    let v = verdict("You are niet stupid, you just need more time.", "en");
    assert!(v.flags.contains(Flag::Insult), "{v:?}");
    let v = verdict("Jij bent niet dom, je hebt alleen meer tijd nodig.", "nl");
    assert!(!v.flags.contains(Flag::Insult), "{v:?}");
    let v = verdict("Jij bent dom en je hebt geen tijd.", "nl");
    assert!(v.flags.contains(Flag::Insult), "{v:?}");
}

#[test]
fn spanish_abuse_and_sexist_commands() {
    let v = verdict("Sois unos sinvergüenzas y unos ladrones", "es");
    assert!(v.flags.contains(Flag::Insult));
    let v = verdict("Las mujeres a fregar, que es lo suyo", "es");
    assert!(v.flags.contains(Flag::Hate), "{v:?}");
    // A word that merely shares a short stem with an insult is not one.
    let v = verdict("Vine con mi perro al parque", "es");
    assert!(!abusive(&v), "{v:?}");
}

#[test]
fn russian_abuse_survives_inflection_and_lookalike_letters() {
    let v = verdict("Ты просто тупой дебил, заткнись", "ru");
    assert!(v.flags.contains(Flag::Insult));
    // Latin letters inside Cyrillic words ("cyкa") and glued insults ("кремлебот").
    assert!(abusive(&verdict("Вот cyки!", "ru")));
    assert!(abusive(&verdict("всему миру, кремлеботина", "ru")));
    let v = verdict("Спасибо, очень полезная статья", "ru");
    assert!(!abusive(&v), "{v:?}");
    assert!(v.sentiment > 0.0);
}

#[test]
fn dutch_hate_against_groups_even_spelled_out() {
    assert!(
        verdict("Immigranten zijn u i t s c h o t.", "nl")
            .flags
            .contains(Flag::Hate)
    );
    assert!(
        verdict("Vrouwen horen in een dierentuin.", "nl")
            .flags
            .contains(Flag::Hate)
    );
    let v = verdict("Ik hou van mijn buren, ook de immigranten.", "nl");
    assert!(!abusive(&v), "{v:?}");
}

// ---- complaints, compensation, constructive, spam -------------------------------------------

#[test]
fn complaints_in_english_and_spanish() {
    let v = verdict(
        "@AcmeSupport my parcel still hasn't arrived and nobody answers the phone",
        "en",
    );
    assert_eq!(v.tag, Tag::Complaint, "{v:?}");
    let v = verdict(
        "Llevamos tres semanas con la farola de la calle rota. ¡Arreglen ya!",
        "es",
    );
    assert_eq!(v.tag, Tag::Complaint, "{v:?}");
    let v = verdict("Happy birthday, have a great day!", "en");
    assert_eq!(v.tag, Tag::Other);
}

#[test]
fn compensation_without_detail_is_opportunist_and_history_makes_it_stronger() {
    let text = "Me merezco un descuento, quiero mi dinero";
    let first = verdict(text, "es");
    assert!(first.flags.contains(Flag::AsksCompensation));
    assert_eq!(first.tag, Tag::Oportunista, "{first:?}");
    let again = c().classify(
        text,
        Some("es"),
        &AuthorHistory {
            asked_compensation: 2,
            same_text: 1,
            ..Default::default()
        },
    );
    let score = |v: &Classification| {
        v.scores
            .iter()
            .find(|(t, _)| *t == Tag::Oportunista)
            .map_or(0.0, |(_, s)| *s)
    };
    assert!(score(&again) > score(&first));
    assert!(fired(&again, "oportunista.asked_before"));
    assert!(again.flags.contains(Flag::BotLike));
    // With an order number it is a customer with a case.
    let v = verdict(
        "Order number 558123 arrived broken, I want a refund please",
        "en",
    );
    assert!(v.flags.contains(Flag::AsksCompensation));
    assert_eq!(v.tag, Tag::Complaint, "{v:?}");
    for (text, lang) in [
        ("Я хочу возврат денег", "ru"),
        ("Ik wil mijn geld terug", "nl"),
        ("How do I get a refund for this?", "en"),
    ] {
        assert!(
            verdict(text, lang).flags.contains(Flag::AsksCompensation),
            "{text}"
        );
    }
}

#[test]
fn constructive_needs_an_argument() {
    let text = "I think the new timetable would be better if the first bus left at six, because \
                many of us start work at seven. For example, the nurses at the hospital cannot \
                get there in time now. Perhaps the council could run a trial for a month and \
                compare the numbers, since the data would show whether it works.";
    let v = verdict(text, "en");
    assert_eq!(v.tag, Tag::Constructive, "{v:?}");
    assert_ne!(verdict("whatever lol", "en").tag, Tag::Constructive);
}

#[test]
fn spam_and_duplicates() {
    let v = verdict(
        "Check out my channel and subscribe!! http://bit.ly/xyz",
        "en",
    );
    assert!(v.flags.contains(Flag::Spam));
    let v = c().classify(
        "Great video, see my profile for the giveaway",
        Some("en"),
        &AuthorHistory {
            same_text: 3,
            ..Default::default()
        },
    );
    assert!(v.flags.contains(Flag::BotLike));
    assert!(
        !verdict("I watched the whole video twice", "en")
            .flags
            .contains(Flag::Spam)
    );
}

// ---- language, explanations, determinism ------------------------------------------------------

#[test]
fn language_comes_from_the_hint_or_the_text() {
    assert_eq!(c().analyse("это просто ужас", None).lang(), Lang::Ru);
    assert_eq!(
        c().analyse("el servicio de la calle es muy malo y no hay luz", None)
            .lang(),
        Lang::Es
    );
    assert_eq!(
        c().analyse("het is niet goed en ik ben er klaar mee", None)
            .lang(),
        Lang::Nl
    );
    assert_eq!(
        c().analyse(
            "the service is not working and this is the third time",
            None
        )
        .lang(),
        Lang::En
    );
    assert_eq!(c().analyse("whatever", Some("es")).lang(), Lang::Es);
}

#[test]
fn verdict_records_pack_version_and_scores_for_every_tag() {
    let v = verdict("broken again", "en");
    assert!(v.pack_version.starts_with("builtin-"));
    assert_eq!(v.scores.len(), Tag::ALL.len());
}

#[test]
fn snapshots_of_explained_verdicts() {
    let cases = [
        (
            "complaint_en",
            "@AcmeSupport my order #A-55812 arrived BROKEN on Monday and I'm still waiting for a reply!!",
            "en",
        ),
        (
            "troll_en",
            "You are a pathetic idiot, nobody cares about your opinion",
            "en",
        ),
        (
            "negated_en",
            "You are not stupid, you just need more time.",
            "en",
        ),
        (
            "oportunista_es",
            "Me merezco un descuento, quiero un reembolso ya",
            "es",
        ),
        ("toxic_ru", "Ты просто тупой дебил, заткнись", "ru"),
        ("hate_nl", "Immigranten zijn u i t s c h o t.", "nl"),
        (
            "spam_en",
            "Check out my channel and subscribe!! http://bit.ly/xyz",
            "en",
        ),
        (
            "nfd_es",
            "Que verguenza de servicio, el pedido llego\u{301} roto",
            "es",
        ),
    ];
    for (name, text, lang) in cases {
        insta::assert_snapshot!(name, explain(text, &verdict(text, lang)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn never_panics_and_is_deterministic(text in any::<String>()) {
        let a = c().classify(&text, None, &AuthorHistory::default());
        let b = c().classify(&text, None, &AuthorHistory::default());
        prop_assert_eq!(&a, &b);
        for h in &a.rules {
            for &(s, e) in &h.spans {
                prop_assert!(s <= e && e <= text.len());
                prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
            }
        }
        prop_assert!((-1.0..=1.0).contains(&a.sentiment));
    }

    #[test]
    fn mixed_scripts_and_obfuscation_never_panic(
        text in "[a-zA-Zа-яА-Яё0-9 !?.*@$\u{301}\u{308}ñÑ😂🤮«»\"'’-]{0,200}",
        lang in prop::sample::select(vec!["en", "es", "ru", "nl", "xx"]),
    ) {
        let a = c().classify(&text, Some(lang), &AuthorHistory::default());
        prop_assert_eq!(a.clone(), c().classify(&text, Some(lang), &AuthorHistory::default()));
        for h in &a.rules {
            for &(s, e) in &h.spans {
                prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e) && s <= e);
            }
        }
    }
}
