//! Drafting a reply from the guide: pick the variant rotation allows for this author and
//! thread, fill its placeholders, and say what is still missing before it can be sent.

use super::guide::{Guide, Part};
use super::placeholder::{Values, render};
use super::rotation::{NoVariant, UsageLog, VariantRef, pick};
use crate::domain::Lang;

/// A reply drafted from a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    pub variant: VariantRef,
    /// Placeholders with neither value nor fallback: the send guard refuses the draft until
    /// the operator fills them.
    pub missing: Vec<String>,
    /// Every variant had already reached this author or thread; the one they saw longest ago
    /// was taken.
    pub reused: bool,
}

/// Who a reply goes to: the language to write in, the author and the thread (the keys the
/// usage log records, so rotation never repeats a line to them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient<'a> {
    pub lang: Lang,
    pub author_key: Option<&'a str>,
    pub thread_key: Option<&'a str>,
}

/// Drafts the `part` of template `id` for `to`.
pub fn draft(
    guide: &Guide,
    id: &str,
    part: Part,
    to: Recipient<'_>,
    log: &UsageLog,
    values: &Values,
) -> Result<Draft, String> {
    let Recipient {
        lang,
        author_key,
        thread_key,
    } = to;
    let template = guide.get(id).ok_or_else(|| {
        let ids: Vec<&str> = guide.templates().iter().map(|t| t.id.as_str()).collect();
        format!("no template {id:?}; the guide has {}", ids.join(", "))
    })?;
    let (variant, reused) = match pick(template, part, lang, log, author_key, thread_key) {
        Ok(v) => (v, false),
        Err(NoVariant::AllUsed { oldest }) => (oldest, true),
        Err(NoVariant::NoText { .. }) => {
            return Err(format!("template {id:?} has no {} text", part.as_str()));
        }
    };
    let text = variant
        .text(guide)
        .ok_or_else(|| format!("template {id:?} lost its variant"))?;
    let rendered = render(text, values);
    Ok(Draft {
        text: rendered.text,
        variant,
        missing: rendered.missing,
        reused,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_rotate_and_fill_placeholders() {
        let guide = Guide::builtin();
        let values = Values::new().with("name", "Ana");
        let mut log = UsageLog::new();
        let to = |t| Recipient {
            lang: Lang::Es,
            author_key: Some("x:ana"),
            thread_key: Some(t),
        };
        let a = draft(
            &guide,
            "acknowledge",
            Part::Public,
            to("x:t1"),
            &log,
            &values,
        )
        .unwrap();
        assert!(!a.text.contains('{'), "{}", a.text);
        log.record(&a.variant, Some("x:ana"), Some("x:t1"), chrono::Utc::now());
        let b = draft(
            &guide,
            "acknowledge",
            Part::Public,
            to("x:t2"),
            &log,
            &values,
        )
        .unwrap();
        assert_ne!(
            a.variant.index, b.variant.index,
            "never the same line twice"
        );
        assert!(draft(&guide, "nope", Part::Public, to("x:t3"), &log, &values).is_err());
    }
}
