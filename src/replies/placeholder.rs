//! Placeholders in reply text: `{name}`, `{name|there}` (a fallback used when the value is
//! missing), rendering them from the values the composer knows, and the send guard that refuses a
//! reply still holding one, greeting nobody ("Hi ,"), or saying nothing.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// The placeholders a guide may use in public replies.
pub const PUBLIC_PLACEHOLDERS: [&str; 7] = [
    "name", "issue", "order", "channel", "eta", "agent", "ticket",
];

/// The placeholders a guide may use in private messages (direct message or e-mail): the public
/// ones plus `{contact}`, where the customer reaches us privately.
pub const PRIVATE_PLACEHOLDERS: [&str; 8] = [
    "name", "issue", "order", "channel", "eta", "agent", "ticket", "contact",
];

/// Whether `name` is a placeholder calma knows (in any part of a template).
pub fn is_known(name: &str) -> bool {
    PRIVATE_PLACEHOLDERS.contains(&name)
}

/// One placeholder found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// `name` in `{name|there}`.
    pub name: String,
    /// `there` in `{name|there}`.
    pub fallback: Option<String>,
    /// Byte range of the whole `{…}` in the text.
    pub span: (usize, usize),
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^{}\n]*))?\}").expect("placeholder regex")
});

/// Template syntax of other tools that must never reach a customer either: `{{ x }}`,
/// `{% x %}`, `#{x}`, `%x%`-style variables.
static FOREIGN_SYNTAX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{[^{}\n]*\}\}|\{%[^%\n]*%\}|#\{[^{}\n]*\}|%[A-Za-z_][A-Za-z0-9_.]*%")
        .expect("foreign placeholder regex")
});

/// Every `{name}` / `{name|fallback}` in `text`, in order.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    PLACEHOLDER
        .captures_iter(text)
        .map(|c| {
            let all = c.get(0).expect("whole match");
            Placeholder {
                name: c[1].to_string(),
                fallback: c.get(2).map(|m| m.as_str().to_string()),
                span: (all.start(), all.end()),
            }
        })
        .collect()
}

/// The values the composer fills placeholders with. A blank value counts as missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(BTreeMap<String, String>);

impl Values {
    pub fn new() -> Values {
        Values::default()
    }

    /// Builder form of [`Values::set`].
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Values {
        self.set(key, value);
        self
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_string(), value.into());
    }

    pub fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }

    /// The value for `key`, trimmed, or `None` when it is missing or blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// A text with its placeholders filled in as far as the values allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Placeholders with neither a value nor a fallback, left in the text as written, each
    /// named once in order of first appearance: what the composer must ask for.
    pub missing: Vec<String>,
    /// Placeholders that had no value and used their fallback (`there` in `{name|there}`).
    pub fallbacks: Vec<String>,
}

/// Fills the placeholders of `text` from `values`: a value when there is one, else the
/// fallback, else the placeholder stays as written and is listed in `missing`.
pub fn render(text: &str, values: &Values) -> Rendered {
    let mut out = String::with_capacity(text.len());
    let mut missing: Vec<String> = Vec::new();
    let mut fallbacks: Vec<String> = Vec::new();
    let mut last = 0;
    for p in placeholders(text) {
        out.push_str(&text[last..p.span.0]);
        match (values.get(&p.name), &p.fallback) {
            (Some(v), _) => out.push_str(v),
            (None, Some(f)) => {
                out.push_str(f);
                push_once(&mut fallbacks, &p.name);
            }
            (None, None) => {
                out.push_str(&text[p.span.0..p.span.1]);
                push_once(&mut missing, &p.name);
            }
        }
        last = p.span.1;
    }
    out.push_str(&text[last..]);
    Rendered {
        text: out,
        missing,
        fallbacks,
    }
}

fn push_once(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

/// Why the send guard refuses a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing but white space.
    Empty,
    /// A placeholder (ours or another tool's syntax) is still in the text.
    Placeholder { text: String, span: (usize, usize) },
    /// A greeting addressed to nobody: "Hi ,", "Hola !", "Beste ,".
    EmptyName { span: (usize, usize) },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => f.write_str("the reply is empty"),
            Problem::Placeholder { text, .. } => {
                write!(f, "{text} is still a placeholder: fill it in or remove it")
            }
            Problem::EmptyName { .. } => {
                f.write_str("the greeting has an empty name: add the name or drop the comma")
            }
        }
    }
}

/// A greeting (en, es, ru, nl) followed by nothing but a punctuation mark: a name went missing.
static EMPTY_GREETING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(hi|hello|hey|dear|thanks|thank you|hola|buenas|buenos días|estimad[oa]|querid[oa]|gracias|привет|здравствуйте|добрый день|уважаем(?:ый|ая)|спасибо|hoi|hallo|beste|dag|bedankt|dank je|dank u)\s+[,.!?;:]",
    )
    .expect("empty greeting regex")
});

/// Refuses a reply that should not reach a customer: empty text, a placeholder left in, or
/// a greeting with an empty name. Lists every problem found, in text order.
pub fn send_guard(text: &str) -> Result<(), Vec<Problem>> {
    if text.trim().is_empty() {
        return Err(vec![Problem::Empty]);
    }
    let mut problems: Vec<(usize, Problem)> = Vec::new();
    for p in placeholders(text) {
        problems.push((
            p.span.0,
            Problem::Placeholder {
                text: text[p.span.0..p.span.1].to_string(),
                span: p.span,
            },
        ));
    }
    for m in FOREIGN_SYNTAX.find_iter(text) {
        // `{{name}}` also holds our `{name}`: report the whole foreign form once.
        problems.retain(|(_, p)| {
            !matches!(p, Problem::Placeholder { span, .. }
                if span.0 >= m.start() && span.1 <= m.end())
        });
        problems.push((
            m.start(),
            Problem::Placeholder {
                text: m.as_str().to_string(),
                span: (m.start(), m.end()),
            },
        ));
    }
    for m in EMPTY_GREETING.find_iter(text) {
        problems.push((
            m.start(),
            Problem::EmptyName {
                span: (m.start(), m.end()),
            },
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    problems.sort_by_key(|(at, _)| *at);
    Err(problems.into_iter().map(|(_, p)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fill_and_fallbacks_cover_gaps() {
        let v = Values::new().with("name", "Ana").with("eta", " ");
        let r = render(
            "Hi {name|there}, fixed by {eta|tomorrow}; ref {ticket}.",
            &v,
        );
        assert_eq!(r.text, "Hi Ana, fixed by tomorrow; ref {ticket}.");
        assert_eq!(r.missing, vec!["ticket"]);
        assert_eq!(r.fallbacks, vec!["eta"]);
    }

    #[test]
    fn foreign_syntax_is_reported_once() {
        let e = send_guard("Hi {{name}}, thanks").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(matches!(&e[0], Problem::Placeholder { text, .. } if text == "{{name}}"));
    }
}
