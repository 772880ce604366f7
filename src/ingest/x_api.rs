//! X (Twitter) API v2 responses: `{data, includes, meta}` from search, timelines, mentions and
//! quote lookups, and single tweet objects.
//!
//! The author is joined from `includes.users` by `author_id`; the parent is the `replied_to`
//! entry of `referenced_tweets`; the thread is `conversation_id`, or else the root of the reply
//! chain as far as the response holds it (`data` and `includes.tweets`). Long posts carry their
//! full text in `note_tweet.text`. An edited post lists `edit_history_tweet_ids` (oldest first);
//! older versions found in the response are emitted first, all under the first id.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::support::{
    Doc, Out, Pending, Threads, TimeField, Version, bad_json, decode_entities, detect_json,
    emit_versions, envelope, iso_lang, lenient_str, non_empty, parse_doc, parse_raw, raw_elements,
    read_text, recover, time_field,
};
use super::{Detection, ReadError, ReadOptions, Reader, Sink};
use crate::domain::{AuthorRef, Comment, Platform};

/// Reads X API v2 tweet responses.
pub struct XApiReader;

type S<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
struct Tweet<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    text: S<'a>,
    #[serde(default, borrow)]
    note_tweet: Option<Note<'a>>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    author_id: S<'a>,
    #[serde(default, borrow, deserialize_with = "time_field")]
    created_at: TimeField<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    conversation_id: S<'a>,
    #[serde(default, borrow)]
    referenced_tweets: Vec<Ref<'a>>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    lang: S<'a>,
    #[serde(default)]
    edit_history_tweet_ids: Vec<String>,
}

#[derive(Deserialize)]
struct Note<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    text: S<'a>,
}

#[derive(Deserialize)]
struct Ref<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str", rename = "type")]
    kind: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
}

#[derive(Deserialize, Default)]
struct Includes<'a> {
    #[serde(default, borrow)]
    users: Vec<User<'a>>,
    #[serde(default, borrow)]
    tweets: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct User<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    name: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    username: S<'a>,
}

impl Tweet<'_> {
    fn parent(&self) -> Option<String> {
        self.referenced_tweets
            .iter()
            .find(|r| r.kind.as_deref() == Some("replied_to"))
            .and_then(|r| non_empty(r.id.as_deref()))
    }

    fn to_version(
        &self,
        users: &HashMap<&str, AuthorRef>,
        opts: &ReadOptions,
    ) -> Result<Version, String> {
        let own_id = non_empty(self.id.as_deref()).ok_or("missing id")?;
        let text = self
            .note_tweet
            .as_ref()
            .and_then(|n| n.text.as_deref())
            .or(self.text.as_deref())
            .ok_or("missing text")?;
        let mut c = Comment::new(Platform::X, own_id.clone(), decode_entities(text));
        c.created_at = self
            .created_at
            .parse(opts)
            .map_err(|e| format!("created_at: {e}"))?;
        c.lang = iso_lang(self.lang.as_deref());
        c.parent_id = self.parent();
        c.thread_id = non_empty(self.conversation_id.as_deref());
        if let Some(a) = non_empty(self.author_id.as_deref()) {
            c.author = users.get(a.as_str()).cloned().unwrap_or(AuthorRef {
                id: Some(a),
                ..AuthorRef::default()
            });
        }
        c.url = Some(format!(
            "https://x.com/{}/status/{own_id}",
            c.author.handle.as_deref().unwrap_or("i")
        ));
        let history = &self.edit_history_tweet_ids;
        Ok(Version {
            group: history.first().cloned().unwrap_or_else(|| own_id.clone()),
            rank: history.iter().position(|h| *h == own_id),
            own_id,
            comment: c,
        })
    }
}

/// A tweet of `data`: its raw text (the careful path) or already parsed (one pass over a clean
/// page).
enum Source<'a> {
    Raw(&'a str),
    Parsed(Tweet<'a>),
}

/// Reads the tweets of one response: `data` and the older versions found in
/// `includes.tweets`. Returns `false`, having emitted nothing, when a parsed tweet cannot be
/// read: the caller then reads the page again the careful way, to reject it with its raw text.
fn read_response(
    doc: &str,
    data: Vec<Source>,
    cut: Option<&str>,
    includes: Includes,
    opts: &ReadOptions,
    out: &mut Out<'_, '_>,
) -> Result<bool, ReadError> {
    let users: HashMap<&str, AuthorRef> = includes
        .users
        .iter()
        .filter_map(|u| {
            let id = u.id.as_deref()?;
            Some((
                id,
                AuthorRef {
                    id: Some(id.to_owned()),
                    handle: non_empty(u.username.as_deref()),
                    name: non_empty(u.name.as_deref()),
                },
            ))
        })
        .collect();
    let mut threads = Threads::default();
    let included: Vec<Tweet> = includes
        .tweets
        .iter()
        .filter_map(|r| parse_raw(r.get()).ok())
        .collect();
    for t in &included {
        if let (Some(id), Some(p)) = (non_empty(t.id.as_deref()), t.parent()) {
            threads.link(&id, &p);
        }
    }
    let mut pending = Vec::with_capacity(data.len());
    let mut wanted_versions: Vec<String> = Vec::new();
    let n_data = data.len();
    for (i, src) in data.into_iter().enumerate() {
        let record = i as u64 + 1;
        let (raw, version) = match src {
            Source::Raw(raw) => (
                raw,
                parse_raw::<Tweet>(raw).and_then(|t| t.to_version(&users, opts)),
            ),
            Source::Parsed(t) => match t.to_version(&users, opts) {
                Ok(v) => ("", Ok(v)),
                Err(_) => return Ok(false),
            },
        };
        match version {
            Ok(v) => {
                // The chain is only needed to find threads the response does not name.
                if let (Some(p), None) = (&v.comment.parent_id, &v.comment.thread_id) {
                    threads.link(&v.own_id, p);
                }
                if v.group != v.own_id || v.rank.is_some_and(|r| r > 0) {
                    wanted_versions.push(v.group.clone());
                }
                pending.push(Pending::Version(Box::new(v)));
            }
            Err(e) => pending.push(Pending::Item(bad_json(doc, record, raw, e))),
        }
    }
    if let Some(cut) = cut {
        let record = n_data as u64 + 1;
        pending.push(Pending::Item(bad_json(
            doc,
            record,
            cut,
            "file ends inside this record",
        )));
    }
    // Older versions of edited posts, when the response includes them.
    let seen: std::collections::HashSet<&str> = pending
        .iter()
        .filter_map(|p| match p {
            Pending::Version(v) => Some(v.own_id.as_str()),
            Pending::Item(_) => None,
        })
        .collect();
    let mut older = Vec::new();
    if !wanted_versions.is_empty() {
        let wanted: std::collections::HashSet<&str> =
            wanted_versions.iter().map(String::as_str).collect();
        for t in &included {
            let Ok(v) = t.to_version(&users, opts) else {
                continue;
            };
            if wanted.contains(v.group.as_str()) && !seen.contains(v.own_id.as_str()) {
                older.push(Pending::Version(Box::new(v)));
            }
        }
    }
    pending.extend(older);
    for p in &mut pending {
        if let Pending::Version(v) = p
            && v.comment.thread_id.is_none()
        {
            v.comment.thread_id = Some(if v.comment.parent_id.is_some() {
                threads.root(&v.own_id)
            } else {
                v.group.clone()
            });
        }
    }
    emit_versions(pending, opts, out)?;
    Ok(true)
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    data: Vec<Tweet<'a>>,
    #[serde(default, borrow)]
    includes: Includes<'a>,
}

impl Reader for XApiReader {
    fn name(&self) -> &'static str {
        "x-api"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        detect_json(
            head,
            &["\"text\"", "\"id\""],
            &[
                "\"edit_history_tweet_ids\"",
                "\"conversation_id\"",
                "\"referenced_tweets\"",
                "\"includes\"",
                "\"public_metrics\"",
                "\"possibly_sensitive\"",
            ],
            &[
                "\"full_text\"",
                "\"id_str\"",
                "\"snippet\"",
                "\"created_time\"",
            ],
            75,
            "X API v2 tweet keys (\"text\" and \"id\" with \"edit_history_tweet_ids\", \
             \"conversation_id\", \"referenced_tweets\", \"includes\" or \"public_metrics\")",
        )
    }

    fn read(
        &self,
        input: &mut dyn BufRead,
        opts: &ReadOptions,
        sink: &mut Sink<'_>,
    ) -> Result<(), ReadError> {
        let doc = read_text(input)?;
        let mut out = Out::new(sink);
        if doc.trim_start().starts_with('{')
            && let Ok(page) = serde_json::from_str::<Page>(&doc)
        {
            let data = page.data.into_iter().map(Source::Parsed).collect();
            if read_response(&doc, data, None, page.includes, opts, &mut out)? {
                return Ok(());
            }
        }
        if let Some(env) = envelope(&doc) {
            let includes = env
                .includes
                .and_then(|i| parse_raw(i.get()).ok())
                .unwrap_or_default();
            let data = env.data.unwrap_or_default();
            let data = data.iter().map(|r| Source::Raw(r.get())).collect();
            read_response(&doc, data, None, includes, opts, &mut out)?;
            return Ok(());
        }
        let parsed = match parse_doc(&doc) {
            Ok(d) => d,
            Err(e) => {
                let r = recover(&doc, &["data"], &e)?;
                let data = r.complete.into_iter().map(Source::Raw).collect();
                read_response(&doc, data, r.cut, Includes::default(), opts, &mut out)?;
                return Ok(());
            }
        };
        let includes: Includes = parsed
            .get("includes")
            .and_then(|i| parse_raw(i.get()).ok())
            .unwrap_or_default();
        let data: Vec<&str> = match &parsed {
            Doc::Array(list) => list.iter().map(|r| r.get()).collect(),
            Doc::Object(_) => match parsed.get("data") {
                Some(d) if d.get().starts_with('[') => raw_elements(d)
                    .map_err(|e| ReadError::Format(format!("`data`: {e}")))?
                    .into_iter()
                    .map(RawValue::get)
                    .collect(),
                Some(d) => vec![d.get()],
                None if parsed.get("errors").is_some() && parsed.get("id").is_none() => Vec::new(),
                None => vec![doc.trim()],
            },
        };
        let data = data.into_iter().map(Source::Raw).collect();
        read_response(&doc, data, None, includes, opts, &mut out)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::support::collect;

    #[test]
    fn authors_are_joined_and_threads_followed() {
        let doc = r#"{"data":[
            {"id":"3","text":"@NuboHelp still waiting &amp; angry","author_id":"11","created_at":"2024-03-01T10:00:00.000Z",
             "referenced_tweets":[{"type":"replied_to","id":"2"}]}],
          "includes":{"users":[{"id":"11","name":"Ana","username":"ana"}],
            "tweets":[{"id":"2","text":"hi","author_id":"12","referenced_tweets":[{"type":"replied_to","id":"1"}]}]}}"#;
        let (cs, bad) = collect(&XApiReader, doc.as_bytes(), &ReadOptions::default());
        assert!(bad.is_empty());
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].author.handle.as_deref(), Some("ana"));
        assert_eq!(cs[0].author.name.as_deref(), Some("Ana"));
        assert_eq!(cs[0].parent_id.as_deref(), Some("2"));
        assert_eq!(cs[0].thread_id.as_deref(), Some("1"));
        assert_eq!(cs[0].text, "@NuboHelp still waiting & angry");
    }
}
