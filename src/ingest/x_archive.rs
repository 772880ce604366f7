//! The `tweets.js` of an X (Twitter) archive: a JavaScript assignment
//! (`window.YTD.tweets.part0 = [ {"tweet": {…}}, … ]`) whose array is JSON. Older archives name
//! it `tweet.js` / `window.YTD.tweet.part0`, and their elements may be tweets without wrapper.
//!
//! Every tweet in an archive is the archive owner's: the brand's own. Ids and counts are strings,
//! `created_at` is the v1.1 shape, text is `full_text` with `&amp;`/`&lt;`/`&gt;` escaped.
//! Edited tweets are separate entries linked by `edit_info`: they become versions of one comment
//! under the first tweet's id, oldest first. The thread is the root of the reply chain as far as
//! the archive holds it.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::support::{
    Out, Pending, Threads, TimeField, Version, bad_json, contains, decode_entities, emit_versions,
    iso_lang, lenient_str, non_empty, parse_raw, read_text, split_array, time_field,
};
use super::{Detection, ReadError, ReadOptions, Reader, Sink, looks_like_text};
use crate::domain::{Comment, Platform};

/// Reads `tweets.js` from X archives.
pub struct XArchiveReader;

type S<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(borrow)]
    tweet: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Tweet<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id_str: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    full_text: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    text: S<'a>,
    #[serde(default, borrow, deserialize_with = "time_field")]
    created_at: TimeField<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    lang: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    in_reply_to_status_id_str: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    in_reply_to_status_id: S<'a>,
    #[serde(default, borrow)]
    edit_info: Option<EditInfo<'a>>,
}

#[derive(Deserialize, Default)]
struct EditInfo<'a> {
    #[serde(default, borrow)]
    initial: Option<EditControl<'a>>,
    #[serde(default, borrow)]
    edit: Option<EditOf<'a>>,
}

#[derive(Deserialize, Default)]
struct EditControl<'a> {
    #[serde(default, borrow, rename = "editTweetIds")]
    edit_tweet_ids: Vec<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct EditOf<'a> {
    #[serde(default, borrow, rename = "initialTweetId")]
    initial_tweet_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "editControlInitial")]
    control: Option<EditControl<'a>>,
}

/// The owner's handle when exactly one X identity of the brand is configured.
fn owner_handle(opts: &ReadOptions) -> Option<String> {
    let mut ids = opts
        .brand
        .per_platform
        .get(&Platform::X)
        .into_iter()
        .flatten()
        .chain(opts.brand.any.iter());
    let first = ids.next()?;
    ids.next()
        .is_none()
        .then(|| first.trim_start_matches('@').to_owned())
}

impl Tweet<'_> {
    fn own_id(&self) -> Option<String> {
        non_empty(self.id_str.as_deref()).or_else(|| non_empty(self.id.as_deref()))
    }

    fn parent(&self) -> Option<String> {
        non_empty(self.in_reply_to_status_id_str.as_deref())
            .or_else(|| non_empty(self.in_reply_to_status_id.as_deref()))
    }

    fn to_version(&self, opts: &ReadOptions, owner: Option<&str>) -> Result<Version, String> {
        let own_id = self.own_id().ok_or("missing id_str")?;
        let text = self
            .full_text
            .as_deref()
            .or(self.text.as_deref())
            .ok_or("missing full_text")?;
        let mut c = Comment::new(Platform::X, own_id.clone(), decode_entities(text));
        c.created_at = self
            .created_at
            .parse(opts)
            .map_err(|e| format!("created_at: {e}"))?;
        c.lang = iso_lang(self.lang.as_deref());
        c.parent_id = self.parent();
        c.author.handle = owner.map(str::to_owned);
        c.is_brand = true;
        c.url = Some(format!(
            "https://x.com/{}/status/{own_id}",
            owner.unwrap_or("i")
        ));
        let info = self.edit_info.as_ref();
        let edit = info.and_then(|i| i.edit.as_ref());
        let history: &[Cow<str>] = info
            .and_then(|i| i.initial.as_ref())
            .or_else(|| edit.and_then(|e| e.control.as_ref()))
            .map_or(&[], |c| c.edit_tweet_ids.as_slice());
        let group = edit
            .and_then(|e| non_empty(e.initial_tweet_id.as_deref()))
            .or_else(|| history.first().map(|h| h.to_string()))
            .unwrap_or_else(|| own_id.clone());
        let rank = history.iter().position(|h| *h == own_id);
        Ok(Version {
            group,
            own_id,
            rank,
            comment: c,
        })
    }
}

/// An element of the archive as most archives write it: `{"tweet": {…}}`.
#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    tweet: Tweet<'a>,
}

/// One pass over a clean archive: every element parsed straight into a version. `None` when
/// anything is amiss (or the archive is empty), and the careful path then finds the bad
/// records with their raw text.
fn read_clean(doc: &str, opts: &ReadOptions, owner: Option<&str>) -> Option<Vec<Pending>> {
    let list: Vec<Wrapped> = serde_json::from_str(doc).ok()?;
    list.iter()
        .map(|w| {
            w.tweet
                .to_version(opts, owner)
                .ok()
                .map(|v| Pending::Version(Box::new(v)))
        })
        .collect()
}

/// The JSON array of a `tweets.js`: everything after the first `=`, without a final `;`.
fn json_part(doc: &str) -> &str {
    let t = doc.trim_start();
    let body = if t.starts_with("window.") || t.starts_with("var ") {
        t.split_once('=').map_or(t, |(_, rest)| rest)
    } else {
        t
    };
    let body = body.trim();
    body.strip_suffix(';').unwrap_or(body).trim_end()
}

impl Reader for XArchiveReader {
    fn name(&self) -> &'static str {
        "x-archive"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        if !looks_like_text(head) {
            return Detection::No("not text".into());
        }
        let js = contains(head, b"window.YTD.tweet");
        let keys = contains(head, b"\"full_text\"") && contains(head, b"\"id_str\"");
        match (js, keys) {
            (true, _) => Detection::Yes(90),
            (false, true) if !contains(head, b"\"platform\"") => Detection::Yes(70),
            _ => Detection::No(
                "no `window.YTD.tweets` assignment nor \"full_text\" with \"id_str\"".into(),
            ),
        }
    }

    fn read(
        &self,
        input: &mut dyn BufRead,
        opts: &ReadOptions,
        sink: &mut Sink<'_>,
    ) -> Result<(), ReadError> {
        let text = read_text(input)?;
        let doc = json_part(&text);
        if !doc.starts_with('[') {
            return Err(ReadError::Format(
                "expected a JSON array after `window.YTD.tweets.part0 =`".into(),
            ));
        }
        let owner = owner_handle(opts);
        let mut threads = Threads::default();
        let mut pending = read_clean(doc, opts, owner.as_deref()).unwrap_or_default();
        let (elements, cut): (Vec<&str>, Option<&str>) = if !pending.is_empty() {
            (Vec::new(), None)
        } else {
            match serde_json::from_str::<Vec<&RawValue>>(doc) {
                Ok(list) => (list.into_iter().map(RawValue::get).collect(), None),
                Err(_) => {
                    let r = split_array(doc, 0);
                    (r.complete, r.cut)
                }
            }
        };
        for p in &pending {
            if let Pending::Version(v) = p
                && let Some(parent) = &v.comment.parent_id
            {
                threads.link(&v.own_id, parent);
            }
        }
        for (i, raw) in elements.iter().enumerate() {
            let record = i as u64 + 1;
            let tweet_raw = match parse_raw::<Wrapper>(raw) {
                Ok(Wrapper { tweet: Some(t) }) => t.get(),
                _ => raw,
            };
            let v =
                parse_raw::<Tweet>(tweet_raw).and_then(|t| t.to_version(opts, owner.as_deref()));
            match v {
                Ok(v) => {
                    if let Some(p) = &v.comment.parent_id {
                        threads.link(&v.own_id, p);
                    }
                    pending.push(Pending::Version(Box::new(v)));
                }
                Err(e) => pending.push(Pending::Item(bad_json(&text, record, raw, e))),
            }
        }
        if let Some(cut) = cut {
            let record = elements.len() as u64 + 1;
            pending.push(Pending::Item(bad_json(
                &text,
                record,
                cut,
                "file ends inside this record",
            )));
        }
        for p in &mut pending {
            if let Pending::Version(v) = p {
                v.comment.thread_id = Some(if v.comment.parent_id.is_some() {
                    threads.root(&v.own_id)
                } else {
                    v.group.clone()
                });
            }
        }
        let mut out = Out::new(sink);
        emit_versions(pending, opts, &mut out)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::support::collect;

    #[test]
    fn edits_become_versions_oldest_first() {
        let doc = r#"window.YTD.tweets.part0 = [
          {"tweet":{"id_str":"2","full_text":"Fixed: 10 &amp; 20","created_at":"Sat May 13 17:25:00 +0000 2023",
            "edit_info":{"edit":{"initialTweetId":"1","editControlInitial":{"editTweetIds":["1","2"]}}}}},
          {"tweet":{"id_str":"3","full_text":"@ana thanks","created_at":"Sat May 13 18:00:00 +0000 2023",
            "in_reply_to_status_id_str":"9"}},
          {"tweet":{"id_str":"1","full_text":"Typo: 10 &amp; 2O","created_at":"Sat May 13 17:20:09 +0000 2023",
            "edit_info":{"initial":{"editTweetIds":["1","2"]}}}}
        ];"#;
        let (cs, bad) = collect(&XArchiveReader, doc.as_bytes(), &ReadOptions::default());
        assert!(bad.is_empty());
        assert_eq!(cs.len(), 3);
        assert_eq!(cs[0].external_id, "1");
        assert_eq!(cs[0].text, "Typo: 10 & 2O");
        assert_eq!(cs[0].edited_at, None);
        assert_eq!(cs[1].external_id, "1");
        assert_eq!(cs[1].text, "Fixed: 10 & 20");
        assert_eq!(cs[1].created_at, cs[0].created_at);
        assert!(cs[1].edited_at > cs[1].created_at);
        assert_eq!(cs[2].parent_id.as_deref(), Some("9"));
        assert_eq!(cs[2].thread_id.as_deref(), Some("9"));
        assert!(cs.iter().all(|c| c.is_brand));
    }
}
