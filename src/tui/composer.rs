//! The composer's pure parts: the template picker's fuzzy search and ordering, the values a
//! case fills placeholders with, filling one placeholder the operator typed, and what a reply
//! drafted from a template carries to the store. No I/O: the worker drafts, the app asks.

use crate::domain::{Lang, Tag};
use crate::replies::{Guide, Part, Values, placeholders};
use crate::store::{NewReply, StoredComment};
use crate::workflow::{ActionKind, Channel};

/// Where the composer's text came from, recorded with the reply when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub template: String,
    pub part: Part,
    pub variant: usize,
    pub lang: Lang,
}

/// The template picker: what was typed and which match is highlighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub query: String,
    pub selected: usize,
    /// The ids matching `query`, best first.
    pub matches: Vec<String>,
}

/// How well `query` matches `hay` as a subsequence (case-insensitive): `None` when it does not;
/// higher for letters in a row and for a match at a word start.
pub fn fuzzy_score(query: &str, hay: &str) -> Option<i32> {
    let hay: Vec<char> = hay.to_lowercase().chars().collect();
    let mut score = 0;
    let mut pos = 0;
    let mut prev: Option<usize> = None;
    for q in query.to_lowercase().chars().filter(|c| !c.is_whitespace()) {
        let i = pos + hay[pos..].iter().position(|c| *c == q)?;
        score += 1;
        if prev.is_some_and(|p| p + 1 == i) {
            score += 3;
        }
        if i == 0 || !hay[i - 1].is_alphanumeric() {
            score += 2;
        }
        prev = Some(i);
        pos = i + 1;
    }
    Some(score)
}

/// The template ids matching `query` by id, title or tags, best first; on equal scores the
/// ones for `action`, then those suited to `tag`, then guide order.
pub fn pick_order(guide: &Guide, action: ActionKind, tag: Tag, query: &str) -> Vec<String> {
    let mut scored: Vec<(i32, u8, usize, &str)> = guide
        .templates()
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let tags: Vec<&str> = t.tags.iter().map(|t| t.as_str()).collect();
            let hay = format!("{} {} {}", t.id, t.title, tags.join(" "));
            let score = fuzzy_score(query, &hay)?;
            let rank = if t.action == action.as_str() {
                0
            } else if t.tags.contains(&tag) {
                1
            } else {
                2
            };
            Some((score, rank, i, t.id.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    scored.into_iter().map(|s| s.3.to_string()).collect()
}

/// Order and ticket references in a text: `NB-12345`-like tokens (two or more capitals, a
/// dash, three or more digits).
pub fn references(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| {
            w.split_once('-').is_some_and(|(a, b)| {
                a.len() >= 2
                    && a.chars().all(|c| c.is_ascii_uppercase())
                    && b.len() >= 3
                    && b.chars().all(|c| c.is_ascii_digit())
            })
        })
        .map(str::to_string)
        .collect()
}

/// What a case knows for the placeholders: the author's first name, the operator as agent,
/// and an order / ticket reference when the comment holds one. Nothing else is guessed.
pub fn case_values(comment: &StoredComment, operator: &str) -> Values {
    let mut v = Values::new();
    let a = &comment.author;
    if let Some(n) = a.name.as_deref().or(a.handle.as_deref())
        && let Some(first) = n.split_whitespace().next()
    {
        v.set("name", first.trim_start_matches('@'));
    }
    if !operator.trim().is_empty() {
        v.set("agent", operator);
    }
    if let Some(r) = references(&comment.text).into_iter().next() {
        v.set("order", r.clone());
        v.set("ticket", r);
    }
    v
}

/// The language to answer a case in: the comment's own, else the classifier's guess, else
/// English.
pub fn case_lang(comment: &StoredComment) -> Lang {
    comment
        .lang
        .as_deref()
        .map(Lang::from_code)
        .filter(|l| *l != Lang::Other)
        .unwrap_or(Lang::En)
}

/// The guide's holding statement, first in the picker on the crisis queue.
pub const HOLDING_STATEMENT: &str = "crisis_holding";

/// How a channel reads inside a sentence (`{channel}`).
pub fn channel_words(c: Channel) -> &'static str {
    match c {
        Channel::Dm => "a direct message",
        Channel::Email => "e-mail",
        Channel::Phone => "phone",
    }
}

/// Replaces every `{name}` / `{name|…}` in `text` with `value`.
pub fn fill(text: &str, name: &str, value: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for p in placeholders(text).into_iter().filter(|p| p.name == name) {
        out.push_str(&text[at..p.span.0]);
        out.push_str(value);
        at = p.span.1;
    }
    out.push_str(&text[at..]);
    out
}

/// The placeholders still in `text` with neither value nor fallback, each once, in order.
pub fn unfilled(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for p in placeholders(text) {
        if p.fallback.is_none() && !names.contains(&p.name) {
            names.push(p.name);
        }
    }
    names
}

/// The reply to store: the text with the template, part, variant and language it came from.
pub fn new_reply(text: String, origin: Option<&Origin>, channel: Option<&str>) -> NewReply {
    let mut r = NewReply::text(text);
    if let Some(o) = origin {
        r.template = Some(o.template.clone());
        r.part = Some(o.part.as_str().to_string());
        r.variant = Some(o.variant as u32);
        r.lang = Some(o.lang.as_str().to_string());
    }
    r.channel = channel.map(str::to_string);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_search_matches_subsequences_and_prefers_runs() {
        assert!(fuzzy_score("ack", "acknowledge").is_some());
        assert!(fuzzy_score("akn", "acknowledge").is_some());
        assert!(fuzzy_score("xyz", "acknowledge").is_none());
        assert!(fuzzy_score("ack", "acknowledge") > fuzzy_score("ack", "a cat kit"));
    }

    #[test]
    fn the_picker_puts_the_action_and_tag_templates_first() {
        let g = Guide::builtin();
        let all = pick_order(&g, ActionKind::Acknowledge, Tag::Complaint, "");
        assert_eq!(all.len(), g.templates().len());
        assert_eq!(all[0], "acknowledge");
        let troll = pick_order(&g, ActionKind::FirmReply, Tag::Troll, "troll");
        assert_eq!(troll[0], "troll_last_warning");
        assert!(pick_order(&g, ActionKind::Thank, Tag::Other, "zzzq").is_empty());
    }

    #[test]
    fn references_are_found_and_nothing_else() {
        assert_eq!(
            references("Order NB-48213 (see TK-991, not A-1234 or NB-12)"),
            ["NB-48213", "TK-991"]
        );
    }

    #[test]
    fn filling_replaces_every_occurrence_with_or_without_fallback() {
        let t = "Hi {name|there}, about {issue}: {issue} is logged.";
        assert_eq!(
            fill(t, "issue", "the refund"),
            "Hi {name|there}, about the refund: the refund is logged."
        );
        assert_eq!(unfilled(t), ["issue"]);
        assert!(unfilled("Hi {name|there}").is_empty());
    }
}
