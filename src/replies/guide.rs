//! The communication guide: situations (templates) with reply variants per language, read from
//! TOML. The default guide ships in the binary; a user file extends it and overrides it per
//! situation id; `check_guide` validates a file and names the template and line of each problem.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::lint;
use super::placeholder::{self, PRIVATE_PLACEHOLDERS, PUBLIC_PLACEHOLDERS};
use crate::domain::{Lang, Platform, Tag};

/// The default guide, embedded in the binary.
pub const BUILTIN_GUIDE: &str = include_str!("guide.toml");

/// The languages every situation should be written in.
pub const GUIDE_LANGS: [Lang; 4] = [Lang::En, Lang::Es, Lang::Ru, Lang::Nl];

/// Fewer variants than this and rotation repeats itself too soon (a warning).
pub const MIN_VARIANTS: usize = 3;

/// The BIFF quality a situation leans on most, as the guide declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tone {
    Brief,
    Informative,
    Friendly,
    Firm,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Brief => "brief",
            Tone::Informative => "informative",
            Tone::Friendly => "friendly",
            Tone::Firm => "firm",
        }
    }
}

impl FromStr for Tone {
    type Err = String;
    fn from_str(s: &str) -> Result<Tone, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "brief" => Ok(Tone::Brief),
            "informative" => Ok(Tone::Informative),
            "friendly" => Ok(Tone::Friendly),
            "firm" => Ok(Tone::Firm),
            _ => Err(format!(
                "unknown tone {s:?} (brief, informative, friendly, firm)"
            )),
        }
    }
}

impl fmt::Display for Tone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which text of a situation: the public reply, or the private message (DM or e-mail) that
/// follows it when the conversation moves to a private channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Part {
    #[default]
    Public,
    Private,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Public => "public",
            Part::Private => "private",
        }
    }
}

/// One situation of the guide with its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Stable id (`acknowledge`, `move_to_private`, …): what users override and logs record.
    pub id: String,
    /// A human title for the picker.
    pub title: String,
    /// The workflow action the reply belongs to (`acknowledge`, `private`, `resolve`, …).
    pub action: String,
    pub tone: Tone,
    /// When a person last reread the variants; `None` means never (always stale).
    pub last_reviewed: Option<NaiveDate>,
    /// The comment tags it suits, for suggestions; empty means any.
    pub tags: Vec<Tag>,
    /// Public reply variants per language.
    pub variants: BTreeMap<Lang, Vec<String>>,
    /// Private message (DM / e-mail) variants per language; may be empty.
    pub private: BTreeMap<Lang, Vec<String>>,
}

impl Template {
    /// The variants of one part in one language (empty when there are none).
    pub fn texts(&self, part: Part, lang: Lang) -> &[String] {
        let map = match part {
            Part::Public => &self.variants,
            Part::Private => &self.private,
        };
        map.get(&lang).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The language to answer in: `lang` when the part has variants in it, else English,
    /// else the first language it has. `None` when the part has no text at all.
    pub fn resolve_lang(&self, part: Part, lang: Lang) -> Option<Lang> {
        [lang, Lang::En]
            .into_iter()
            .chain(GUIDE_LANGS)
            .chain(Lang::ALL)
            .find(|l| !self.texts(part, *l).is_empty())
    }

    /// Whether it has a private message to go with the public reply.
    pub fn has_private(&self) -> bool {
        self.private.values().any(|v| !v.is_empty())
    }
}

/// The whole guide: situations in file order (built-ins first, then the user's new ones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guide {
    templates: Vec<Template>,
}

static BUILTIN: LazyLock<Guide> = LazyLock::new(|| match layer(&Guide::default(), BUILTIN_GUIDE) {
    Ok(checked) => checked.guide,
    Err(errors) => panic!(
        "the built-in guide is invalid: {}",
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    ),
});

impl Guide {
    /// The default guide shipped in the binary.
    pub fn builtin() -> Guide {
        BUILTIN.clone()
    }

    /// The built-in guide extended and overridden by the user's file at `path`.
    pub fn load_with_user(path: &Path) -> Result<Guide, GuideLoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| GuideLoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        Guide::builtin()
            .with_user_text(&text)
            .map(|(guide, _)| guide)
            .map_err(|errors| GuideLoadError::Invalid {
                path: path.to_owned(),
                errors,
            })
    }

    /// This guide extended and overridden by the guide text `text`; on success also returns
    /// the warnings found.
    pub fn with_user_text(&self, text: &str) -> Result<(Guide, Vec<GuideError>), Vec<GuideError>> {
        layer(self, text).map(|c| (c.guide, c.summary.warnings))
    }

    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Situations whose reply belongs to the workflow action `action`.
    pub fn for_action<'a>(&'a self, action: &'a str) -> impl Iterator<Item = &'a Template> + 'a {
        self.templates.iter().filter(move |t| t.action == action)
    }

    /// Situations suited to a comment tagged `tag` (those declaring no tags suit any).
    pub fn for_tag(&self, tag: Tag) -> impl Iterator<Item = &Template> + '_ {
        self.templates
            .iter()
            .filter(move |t| t.tags.is_empty() || t.tags.contains(&tag))
    }
}

/// How bad a finding in a guide file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding in a guide file, with the line and the template it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideError {
    pub severity: Severity,
    /// 1-based line in the file.
    pub line: usize,
    /// The situation id, when the finding belongs to one.
    pub template: Option<String>,
    pub message: String,
}

impl fmt::Display for GuideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        write!(f, "line {}", self.line)?;
        if let Some(t) = &self.template {
            write!(f, ": template {t}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What a valid guide file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideSummary {
    /// Situation ids in the file, in order.
    pub templates: Vec<String>,
    /// Those that replace or amend a built-in situation.
    pub overridden: Vec<String>,
    /// Those the built-in guide does not have.
    pub added: Vec<String>,
    /// Variants written in the file (public and private).
    pub variants: usize,
    /// Languages the file writes in.
    pub languages: Vec<Lang>,
    pub warnings: Vec<GuideError>,
}

/// Why a user guide could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum GuideLoadError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {}", path.display(), errors.iter().filter(|e| e.severity == Severity::Error).map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        path: PathBuf,
        errors: Vec<GuideError>,
    },
}

/// Validates guide text as a user file layered on the built-in guide: situations that amend a
/// built-in one may leave out what they keep; new ones need an action and a tone. `Err` holds
/// every finding (errors and warnings) when there is at least one error.
pub fn check_guide(text: &str) -> Result<GuideSummary, Vec<GuideError>> {
    layer(&BUILTIN, text).map(|c| c.summary)
}

struct Checked {
    guide: Guide,
    summary: GuideSummary,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuide {
    #[serde(default)]
    template: Vec<Spanned<RawTemplate>>,
}

type RawTexts = BTreeMap<String, Spanned<Vec<Spanned<String>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: Spanned<String>,
    title: Option<String>,
    action: Option<Spanned<String>>,
    tone: Option<Spanned<String>>,
    last_reviewed: Option<Spanned<toml::Value>>,
    tags: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    variants: RawTexts,
    #[serde(default)]
    private: RawTexts,
}

/// Collects findings while one file is read.
struct Findings<'a> {
    text: &'a str,
    list: Vec<GuideError>,
}

impl Findings<'_> {
    fn line(&self, at: usize) -> usize {
        let at = at.min(self.text.len());
        self.text.as_bytes()[..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn push(&mut self, severity: Severity, at: usize, template: &str, message: String) {
        let line = self.line(at);
        self.list.push(GuideError {
            severity,
            line,
            template: (!template.is_empty()).then(|| template.to_string()),
            message,
        });
    }

    fn error(&mut self, at: usize, template: &str, message: String) {
        self.push(Severity::Error, at, template, message);
    }

    fn warn(&mut self, at: usize, template: &str, message: String) {
        self.push(Severity::Warning, at, template, message);
    }
}

fn layer(base: &Guide, text: &str) -> Result<Checked, Vec<GuideError>> {
    let mut f = Findings {
        text,
        list: Vec::new(),
    };
    let raw: RawGuide = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            f.error(at, "", e.message().trim().to_string());
            return Err(f.list);
        }
    };
    let mut guide = base.clone();
    let mut summary = GuideSummary {
        templates: Vec::new(),
        overridden: Vec::new(),
        added: Vec::new(),
        variants: 0,
        languages: Vec::new(),
        warnings: Vec::new(),
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for raw_t in raw.template {
        let at = raw_t.span().start;
        let raw_t = raw_t.into_inner();
        let id = raw_t.id.get_ref().trim().to_string();
        let id_at = raw_t.id.span().start;
        if !is_identifier(&id) {
            f.error(
                id_at,
                &id,
                "an id is lower-case letters, digits and _ (like move_to_private)".into(),
            );
            continue;
        }
        if let Some(first) = seen.get(&id) {
            let first = f.line(*first);
            f.error(
                id_at,
                &id,
                format!("duplicate id (first defined on line {first})"),
            );
            continue;
        }
        seen.insert(id.clone(), id_at);
        let existing = guide.get(&id).cloned();
        let template = read_template(&mut f, &raw_t, &id, at, existing.as_ref(), &mut summary);
        summary.templates.push(id.clone());
        let Some(template) = template else { continue };
        match guide.templates.iter_mut().find(|t| t.id == id) {
            Some(slot) => {
                summary.overridden.push(id);
                *slot = template;
            }
            None => {
                summary.added.push(id);
                guide.templates.push(template);
            }
        }
    }
    summary.languages.sort();
    summary.languages.dedup();
    f.list.sort_by_key(|e| e.line);
    if f.list.iter().any(|e| e.severity == Severity::Error) {
        return Err(f.list);
    }
    summary.warnings = f.list;
    Ok(Checked { guide, summary })
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Reads one situation, amending `existing` when the id is already in the guide. Returns
/// `None` after an error that leaves nothing usable.
fn read_template(
    f: &mut Findings,
    raw: &RawTemplate,
    id: &str,
    at: usize,
    existing: Option<&Template>,
    summary: &mut GuideSummary,
) -> Option<Template> {
    let errors_before = f
        .list
        .iter()
        .filter(|e| e.severity == Severity::Error)
        .count();
    let action = match (&raw.action, existing) {
        (Some(a), _) => {
            let v = a.get_ref().trim();
            if !is_identifier(v) {
                f.error(
                    a.span().start,
                    id,
                    format!(
                        "action {v:?} should be a workflow action name like resolve or private"
                    ),
                );
            }
            v.to_string()
        }
        (None, Some(t)) => t.action.clone(),
        (None, None) => {
            f.error(
                at,
                id,
                "needs an action (the workflow step it belongs to)".into(),
            );
            String::new()
        }
    };
    let tone = match (&raw.tone, existing) {
        (Some(t), _) => t.get_ref().parse::<Tone>().unwrap_or_else(|e| {
            f.error(t.span().start, id, e);
            Tone::Friendly
        }),
        (None, Some(t)) => t.tone,
        (None, None) => {
            f.error(
                at,
                id,
                "needs a tone (brief, informative, friendly or firm)".into(),
            );
            Tone::Friendly
        }
    };
    let last_reviewed = match (&raw.last_reviewed, existing) {
        (Some(v), _) => read_date(f, v, id),
        (None, Some(t)) => t.last_reviewed,
        (None, None) => {
            f.warn(
                at,
                id,
                "no last_reviewed date: it will be listed as stale until someone reviews it".into(),
            );
            None
        }
    };
    let tags = match (&raw.tags, existing) {
        (Some(list), _) => list
            .get_ref()
            .iter()
            .filter_map(|t| match t.parse::<Tag>() {
                Ok(tag) => Some(tag),
                Err(e) => {
                    f.error(list.span().start, id, e);
                    None
                }
            })
            .collect(),
        (None, Some(t)) => t.tags.clone(),
        (None, None) => Vec::new(),
    };
    let mut variants = existing.map(|t| t.variants.clone()).unwrap_or_default();
    read_texts(f, &raw.variants, id, Part::Public, &mut variants, summary);
    let mut private = existing.map(|t| t.private.clone()).unwrap_or_default();
    read_texts(f, &raw.private, id, Part::Private, &mut private, summary);

    if variants.values().all(Vec::is_empty) {
        f.error(
            at,
            id,
            "has no variants: add [template.variants] with en = [\"…\"]".into(),
        );
        return None;
    }
    for lang in GUIDE_LANGS {
        if variants.get(&lang).is_none_or(Vec::is_empty) {
            f.warn(
                at,
                id,
                format!("no variants in {lang}: {lang} comments will get another language"),
            );
        }
    }
    let errors_after = f
        .list
        .iter()
        .filter(|e| e.severity == Severity::Error)
        .count();
    (errors_after == errors_before).then(|| Template {
        id: id.to_string(),
        title: raw
            .title
            .clone()
            .or_else(|| existing.map(|t| t.title.clone()))
            .unwrap_or_else(|| id.replace('_', " ")),
        action,
        tone,
        last_reviewed,
        tags,
        variants,
        private,
    })
}

fn read_date(f: &mut Findings, v: &Spanned<toml::Value>, id: &str) -> Option<NaiveDate> {
    let text = match v.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        other => other.to_string(),
    };
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            f.error(
                v.span().start,
                id,
                format!("last_reviewed {text:?} is not a date like 2026-01-31"),
            );
            None
        }
    }
}

/// Reads `[template.variants]` or `[template.private]` into `into`, one language at a time
/// (a language the file lists replaces that language's variants).
fn read_texts(
    f: &mut Findings,
    raw: &RawTexts,
    id: &str,
    part: Part,
    into: &mut BTreeMap<Lang, Vec<String>>,
    summary: &mut GuideSummary,
) {
    let allowed: &[&str] = match part {
        Part::Public => &PUBLIC_PLACEHOLDERS,
        Part::Private => &PRIVATE_PLACEHOLDERS,
    };
    let section = match part {
        Part::Public => "variants",
        Part::Private => "private",
    };
    for (key, list) in raw {
        let Some(lang) = GUIDE_LANGS.into_iter().find(|l| l.as_str() == key.trim()) else {
            f.error(
                list.span().start,
                id,
                format!("unknown language {key:?} in {section} (en, es, ru, nl)"),
            );
            continue;
        };
        summary.languages.push(lang);
        let texts = list.get_ref();
        if texts.is_empty() {
            f.error(
                list.span().start,
                id,
                format!("{section}.{key} has no variants"),
            );
            continue;
        }
        if part == Part::Public && texts.len() < MIN_VARIANTS {
            f.warn(
                list.span().start,
                id,
                format!(
                    "only {} variant(s) in {key}: rotation repeats sooner (aim for {MIN_VARIANTS})",
                    texts.len()
                ),
            );
        }
        let mut out: Vec<String> = Vec::with_capacity(texts.len());
        for (i, t) in texts.iter().enumerate() {
            let at = t.span().start;
            let s = t.get_ref().trim();
            let label = format!("{section}.{key} variant {}", i + 1);
            if s.is_empty() {
                f.error(at, id, format!("{label} is empty"));
                continue;
            }
            check_text(f, s, at, id, &label, allowed, part, lang);
            if let Some(j) = out.iter().position(|o| o == s) {
                f.warn(at, id, format!("{label} repeats variant {}", j + 1));
            }
            out.push(s.to_string());
            summary.variants += 1;
        }
        into.insert(lang, out);
    }
}

#[allow(clippy::too_many_arguments)]
fn check_text(
    f: &mut Findings,
    s: &str,
    at: usize,
    id: &str,
    label: &str,
    allowed: &[&str],
    part: Part,
    lang: Lang,
) {
    let found = placeholder::placeholders(s);
    for p in &found {
        if allowed.contains(&p.name.as_str()) {
            continue;
        }
        if placeholder::is_known(&p.name) {
            f.warn(
                at,
                id,
                format!(
                    "{label}: {{{}}} belongs in the private message, not in public",
                    p.name
                ),
            );
        } else {
            f.error(
                at,
                id,
                format!(
                    "{label}: unknown placeholder {{{}}} (known: {})",
                    p.name,
                    allowed
                        .iter()
                        .map(|n| format!("{{{n}}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            );
        }
    }
    let stray = s.char_indices().find(|(i, c)| {
        (*c == '{' || *c == '}') && !found.iter().any(|p| *i >= p.span.0 && *i < p.span.1)
    });
    if let Some((i, c)) = stray {
        f.error(
            at,
            id,
            format!("{label}: stray {c:?} at character {} (placeholders look like {{name}} or {{name|there}})", s[..i].chars().count() + 1),
        );
    }
    let platform = match part {
        Part::Public => Platform::Facebook,
        Part::Private => Platform::Email,
    };
    for w in lint::lint(s, lang, platform) {
        f.warn(at, id, format!("{label}: {}: {}", w.rule, w.message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_count_from_one() {
        let f = Findings {
            text: "a\nb\nc",
            list: Vec::new(),
        };
        assert_eq!(f.line(0), 1);
        assert_eq!(f.line(2), 2);
        assert_eq!(f.line(4), 3);
        assert_eq!(f.line(99), 3);
    }
}
