//! Variant rotation and usage: which variant of a situation to offer so that no author and no
//! thread reads the same line twice, least used first; usage counts per template; the
//! templates nobody has reviewed for too long.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::guide::{Guide, Part, Template};
use crate::domain::Lang;

/// Templates not reviewed for this many days are stale.
pub const STALE_AFTER_DAYS: i64 = 90;

/// One variant of one situation: what the composer shows and the store records.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VariantRef {
    pub template: String,
    pub part: Part,
    /// The language of the variant (may differ from the one asked for when the template
    /// lacks it; see [`Template::resolve_lang`]).
    pub lang: Lang,
    /// Index into [`Template::texts`].
    pub index: usize,
}

impl VariantRef {
    /// The variant's text in `guide`, if the guide still has it.
    pub fn text<'g>(&self, guide: &'g Guide) -> Option<&'g str> {
        guide
            .get(&self.template)?
            .texts(self.part, self.lang)
            .get(self.index)
            .map(String::as_str)
    }
}

/// One use of a variant: a reply sent with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRecord {
    pub template: String,
    pub part: Part,
    pub variant: usize,
    pub lang: Lang,
    /// Who received it ([`crate::domain::AuthorRef::key`] with the platform, as the store keys
    /// authors); `None` when unknown.
    pub author_key: Option<String>,
    /// The thread it was posted in; `None` when unknown.
    pub thread_key: Option<String>,
    pub at: DateTime<Utc>,
}

/// Past uses of variants, as the store reads them back. A plain value: rotation reads it,
/// never writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageLog {
    records: Vec<UsageRecord>,
}

impl UsageLog {
    pub fn new() -> UsageLog {
        UsageLog::default()
    }

    pub fn push(&mut self, record: UsageRecord) {
        self.records.push(record);
    }

    /// Records that `variant` was sent to `author_key` in `thread_key` at `at`.
    pub fn record(
        &mut self,
        variant: &VariantRef,
        author_key: Option<&str>,
        thread_key: Option<&str>,
        at: DateTime<Utc>,
    ) {
        self.push(UsageRecord {
            template: variant.template.clone(),
            part: variant.part,
            variant: variant.index,
            lang: variant.lang,
            author_key: author_key.map(str::to_string),
            thread_key: thread_key.map(str::to_string),
            at,
        });
    }

    pub fn records(&self) -> &[UsageRecord] {
        &self.records
    }

    /// How often a template was used (all parts, languages and variants).
    pub fn template_uses(&self, template: &str) -> usize {
        self.records
            .iter()
            .filter(|r| r.template == template)
            .count()
    }

    /// How often one variant was used.
    pub fn variant_uses(&self, v: &VariantRef) -> usize {
        self.records.iter().filter(|r| is_variant(r, v)).count()
    }

    /// Uses per template id, for the guide's usage column.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in &self.records {
            *m.entry(r.template.clone()).or_insert(0) += 1;
        }
        m
    }
}

fn is_variant(r: &UsageRecord, v: &VariantRef) -> bool {
    r.template == v.template && r.part == v.part && r.lang == v.lang && r.variant == v.index
}

/// Why no variant could be offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoVariant {
    /// The template has no text for this part in any language.
    NoText { template: String, part: Part },
    /// Every variant already went to this author or into this thread. `oldest` is the one
    /// they saw longest ago, if the operator chooses to reuse it rather than write anew.
    AllUsed { oldest: VariantRef },
}

/// Picks the public reply variant of `template` for a comment in `lang` by `author_key` in
/// `thread_key`. See [`pick`].
pub fn pick_variant(
    template: &Template,
    lang: Lang,
    log: &UsageLog,
    author_key: Option<&str>,
    thread_key: Option<&str>,
) -> Result<VariantRef, NoVariant> {
    pick(template, Part::Public, lang, log, author_key, thread_key)
}

/// Picks a variant of one part of `template`: never one already sent to this author or in
/// this thread (a variant index counts as the same line in every language, since variants
/// are translations of each other), then the least used in this language, then the one
/// unused longest, then the lowest index, so the same log always gives the same answer.
pub fn pick(
    template: &Template,
    part: Part,
    lang: Lang,
    log: &UsageLog,
    author_key: Option<&str>,
    thread_key: Option<&str>,
) -> Result<VariantRef, NoVariant> {
    let Some(lang) = template.resolve_lang(part, lang) else {
        return Err(NoVariant::NoText {
            template: template.id.clone(),
            part,
        });
    };
    let refs: Vec<VariantRef> = (0..template.texts(part, lang).len())
        .map(|index| VariantRef {
            template: template.id.clone(),
            part,
            lang,
            index,
        })
        .collect();
    let mine = |r: &UsageRecord| {
        r.template == template.id
            && r.part == part
            && (same_key(&r.author_key, author_key) || same_key(&r.thread_key, thread_key))
    };
    let seen_here = |v: &VariantRef| {
        log.records
            .iter()
            .filter(|r| mine(r) && r.variant == v.index)
            .map(|r| r.at)
            .max()
    };
    let last_use = |v: &VariantRef| {
        log.records
            .iter()
            .filter(|r| is_variant(r, v))
            .map(|r| r.at)
            .max()
    };
    let fresh = refs
        .iter()
        .filter(|v| seen_here(v).is_none())
        .min_by_key(|v| (log.variant_uses(v), last_use(v), v.index));
    match fresh {
        Some(v) => Ok(v.clone()),
        None => {
            let oldest = refs
                .iter()
                .min_by_key(|v| (seen_here(v), log.variant_uses(v), v.index))
                .expect("resolve_lang found variants")
                .clone();
            Err(NoVariant::AllUsed { oldest })
        }
    }
}

fn same_key(recorded: &Option<String>, now: Option<&str>) -> bool {
    match (recorded.as_deref(), now) {
        (Some(a), Some(b)) => !a.is_empty() && a == b,
        _ => false,
    }
}

/// A template due for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub template: String,
    pub last_reviewed: Option<chrono::NaiveDate>,
    /// Days since the review; `None` when it was never reviewed.
    pub days: Option<i64>,
}

/// Templates whose last review is more than `max_age` before `now` (or never happened),
/// longest-unreviewed first.
pub fn stale(guide: &Guide, now: DateTime<Utc>, max_age: chrono::Duration) -> Vec<Stale> {
    let today = now.date_naive();
    let mut out: Vec<Stale> = guide
        .templates()
        .iter()
        .filter_map(|t| {
            let days = t.last_reviewed.map(|d| (today - d).num_days());
            let is_stale = days.is_none_or(|d| d >= max_age.num_days());
            is_stale.then(|| Stale {
                template: t.id.clone(),
                last_reviewed: t.last_reviewed,
                days,
            })
        })
        .collect();
    out.sort_by_key(|s| {
        (
            std::cmp::Reverse(s.days.unwrap_or(i64::MAX)),
            s.template.clone(),
        )
    });
    out
}
