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
use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;
use std::path::Path;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::support::{
    Out, Pending, TimeField, Version, bad_json, contains, decode_entities, emit_versions, finish,
    iso_lang, lenient_str, parse_raw, read_text, split_array, time_field,
};
use super::{Detection, Item, ReadError, ReadOptions, Reader, Sink, Stop, looks_like_text};
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
    edit_tweet_ids: EditIds<'a>,
}

/// `editTweetIds`, oldest first. Most tweets were never edited and list only themselves, so
/// the first id is kept apart and only longer histories take a list.
#[derive(Default)]
struct EditIds<'a> {
    first: Option<Cow<'a, str>>,
    more: Vec<Cow<'a, str>>,
}

impl EditIds<'_> {
    fn iter(&self) -> impl Iterator<Item = &str> {
        self.first
            .as_deref()
            .into_iter()
            .chain(self.more.iter().map(|m| &**m))
    }
}

/// One id of `editTweetIds`, a string or a number.
#[derive(Deserialize)]
struct EditId<'a>(#[serde(borrow, deserialize_with = "lenient_str")] Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for EditIds<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Ids;
        impl<'de> Visitor<'de> for Ids {
            type Value = EditIds<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of tweet ids")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut ids = EditIds::default();
                while let Some(EditId(id)) = seq.next_element()? {
                    match (id, &ids.first) {
                        (None, _) => {}
                        (Some(id), None) => ids.first = Some(id),
                        (Some(id), Some(_)) => ids.more.push(id),
                    }
                }
                Ok(ids)
            }
        }
        d.deserialize_seq(Ids)
    }
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
    fn parent(&self) -> Option<&str> {
        trimmed(self.in_reply_to_status_id_str.as_deref())
            .or_else(|| trimmed(self.in_reply_to_status_id.as_deref()))
    }

    fn into_parsed(mut self, opts: &ReadOptions, owner: Option<&str>) -> Result<Parsed, String> {
        let own_id = trimmed(self.id_str.as_deref())
            .or_else(|| trimmed(self.id.as_deref()))
            .ok_or("missing id_str")?;
        let text = self.full_text.take().or_else(|| self.text.take());
        let text = decoded(text.ok_or("missing full_text")?);
        let mut c = Comment::new(Platform::X, own_id, text);
        c.created_at = self
            .created_at
            .parse(opts)
            .map_err(|e| format!("created_at: {e}"))?;
        c.lang = iso_lang(self.lang.as_deref());
        c.parent_id = self.parent().map(str::to_owned);
        c.author.handle = owner.map(str::to_owned);
        c.is_brand = true;
        c.url = Some(status_url(owner.unwrap_or("i"), own_id));
        let info = self.edit_info.as_ref();
        let edit = info.and_then(|i| i.edit.as_ref());
        let history = info
            .and_then(|i| i.initial.as_ref())
            .or_else(|| edit.and_then(|e| e.control.as_ref()))
            .map(|c| &c.edit_tweet_ids);
        let group = edit
            .and_then(|e| trimmed(e.initial_tweet_id.as_deref()))
            .or_else(|| history.and_then(|h| h.iter().next()))
            .filter(|g| *g != own_id)
            .map(str::to_owned);
        let rank = history.and_then(|h| h.iter().position(|h| h == own_id));
        Ok(Parsed {
            comment: c,
            group,
            rank,
        })
    }
}

/// A tweet of the archive: its comment, under its own id, and its place in an edit history.
struct Parsed {
    comment: Comment,
    /// The id of the first version, when that is another tweet.
    group: Option<String>,
    /// Position in the edit history, when the archive gives one.
    rank: Option<usize>,
}

impl Parsed {
    fn own_id(&self) -> &str {
        &self.comment.external_id
    }

    /// The post this tweet is a version of: the first version's id, or its own.
    fn group(&self) -> &str {
        self.group.as_deref().unwrap_or(self.own_id())
    }

    /// A later version of an edited post.
    fn is_edit(&self) -> bool {
        self.group.is_some() || self.rank.is_some_and(|r| r > 0)
    }

    fn into_pending(self) -> Pending {
        let own_id = self.comment.external_id.clone();
        Pending::Version(Box::new(Version {
            group: self.group.unwrap_or_else(|| own_id.clone()),
            own_id,
            rank: self.rank,
            comment: self.comment,
        }))
    }
}

/// A record of the archive, in file order: a tweet or a record that could not be read.
type Record = Result<Parsed, Item>;

/// The text with its entities decoded, reusing the parser's own copy when it made one.
fn decoded(text: Cow<'_, str>) -> String {
    match decode_entities(&text) {
        Cow::Owned(decoded) => decoded,
        Cow::Borrowed(_) => text.into_owned(),
    }
}

/// A non-empty, trimmed string, borrowed.
fn trimmed(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|t| !t.is_empty())
}

/// `https://x.com/{owner}/status/{id}`, built without the formatting machinery.
fn status_url(owner: &str, id: &str) -> String {
    const HOST: &str = "https://x.com/";
    const STATUS: &str = "/status/";
    let mut url = String::with_capacity(HOST.len() + owner.len() + STATUS.len() + id.len());
    url.push_str(HOST);
    url.push_str(owner);
    url.push_str(STATUS);
    url.push_str(id);
    url
}

/// An element of the archive as most archives write it: `{"tweet": {…}}`.
#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    tweet: Tweet<'a>,
}

/// The whole array of a clean archive, each element turned into a version as soon as it is
/// parsed: one typed pass, no intermediate list of tweets.
struct CleanArchive<'o> {
    opts: &'o ReadOptions,
    owner: Option<&'o str>,
}

impl<'de> Visitor<'de> for CleanArchive<'_> {
    type Value = Vec<Record>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of {\"tweet\": {…}} objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(w) = seq.next_element::<Wrapped>()? {
            let p = w
                .tweet
                .into_parsed(self.opts, self.owner)
                .map_err(de::Error::custom)?;
            out.push(Ok(p));
        }
        Ok(out)
    }
}

/// One pass over a clean archive: every element parsed straight into a tweet. `None` when
/// anything is amiss (or the archive is empty), and the careful path then finds the bad
/// records with their raw text.
fn read_clean(doc: &str, opts: &ReadOptions, owner: Option<&str>) -> Option<Vec<Record>> {
    let mut de = serde_json::Deserializer::from_str(doc);
    let list = de.deserialize_seq(CleanArchive { opts, owner }).ok()?;
    de.end().ok()?;
    (!list.is_empty()).then_some(list)
}

/// Sets the thread of every tweet: the root of its reply chain as far as the archive holds it
/// (the first link known for a tweet wins; a loop ends where it closes), or its own post when
/// it answers nothing. Chains are followed over indices, each link resolved once.
fn assign_threads(records: &mut [Record]) {
    let tweets = || records.iter().filter_map(|r| r.as_ref().ok());
    // The links: child id → parent id, the first one per child.
    let mut node_of: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    let mut parent_ids: Vec<&str> = Vec::with_capacity(records.len());
    for t in tweets() {
        if let Some(p) = t.comment.parent_id.as_deref()
            && p != t.own_id()
        {
            node_of.entry(t.own_id()).or_insert_with(|| {
                parent_ids.push(p);
                parent_ids.len() - 1
            });
        }
    }
    let up: Vec<Option<usize>> = parent_ids.iter().map(|p| node_of.get(p).copied()).collect();
    let mut root: Vec<Option<&str>> = vec![None; parent_ids.len()];
    let mut on_path = vec![false; parent_ids.len()];
    let mut path = Vec::new();
    for start in 0..parent_ids.len() {
        let mut cur = start;
        let found = loop {
            if let Some(r) = root[cur] {
                break r;
            }
            match up[cur] {
                Some(next) if !on_path[next] => {
                    on_path[cur] = true;
                    path.push(cur);
                    cur = next;
                }
                // The chain leaves the archive, or closes a loop.
                _ => break parent_ids[cur],
            }
        };
        root[cur] = Some(found);
        for n in path.drain(..) {
            root[n] = Some(found);
            on_path[n] = false;
        }
    }
    let threads: Vec<String> = tweets()
        .map(|t| {
            let node = t
                .comment
                .parent_id
                .as_ref()
                .and_then(|_| node_of.get(t.own_id()));
            match node {
                Some(&n) => root[n].unwrap_or(parent_ids[n]).to_owned(),
                None => t
                    .comment
                    .parent_id
                    .as_deref()
                    .unwrap_or(t.group())
                    .to_owned(),
            }
        })
        .collect();
    let slots = records.iter_mut().filter_map(|r| r.as_mut().ok());
    for (t, thread) in slots.zip(threads) {
        t.comment.thread_id = Some(thread);
    }
}

/// Emits the records in file order. When a post was edited, its versions go out together,
/// oldest first, under the first version's id ([`emit_versions`]).
fn emit(records: Vec<Record>, opts: &ReadOptions, out: &mut Out<'_, '_>) -> Result<(), Stop> {
    if records
        .iter()
        .any(|r| r.as_ref().is_ok_and(Parsed::is_edit))
    {
        let pending = records
            .into_iter()
            .map(|r| r.map_or_else(Pending::Item, Parsed::into_pending))
            .collect();
        return emit_versions(pending, opts, out);
    }
    for r in records {
        out.send(r.map_or_else(|bad| bad, |t| finish(t.comment, opts)))?;
    }
    Ok(())
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

/// Element by element, for an archive the one-pass read refused: every readable tweet becomes a
/// version, every other record a bad one with its raw text, a cut-off end included.
fn read_careful(text: &str, doc: &str, opts: &ReadOptions, owner: Option<&str>) -> Vec<Record> {
    let (elements, cut): (Vec<&str>, Option<&str>) =
        match serde_json::from_str::<Vec<&RawValue>>(doc) {
            Ok(list) => (list.into_iter().map(RawValue::get).collect(), None),
            Err(_) => {
                let r = split_array(doc, 0);
                (r.complete, r.cut)
            }
        };
    let mut records = Vec::with_capacity(elements.len() + 1);
    for (i, raw) in elements.iter().enumerate() {
        let record = i as u64 + 1;
        let tweet_raw = match parse_raw::<Wrapper>(raw) {
            Ok(Wrapper { tweet: Some(t) }) => t.get(),
            _ => raw,
        };
        let parsed = parse_raw::<Tweet>(tweet_raw).and_then(|t| t.into_parsed(opts, owner));
        records.push(parsed.map_err(|e| bad_json(text, record, raw, e)));
    }
    if let Some(cut) = cut {
        let record = elements.len() as u64 + 1;
        records.push(Err(bad_json(
            text,
            record,
            cut,
            "file ends inside this record",
        )));
    }
    records
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
        let mut records = match read_clean(doc, opts, owner.as_deref()) {
            Some(list) => list,
            None => read_careful(&text, doc, opts, owner.as_deref()),
        };
        assign_threads(&mut records);
        emit(records, opts, &mut Out::new(sink))?;
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

    #[test]
    fn a_self_thread_belongs_to_the_post_it_started_from() {
        // 3 answers 2 answers 1 answers 0 (not in the archive); listed out of order.
        let doc = r#"window.YTD.tweets.part0 = [
          {"tweet":{"id_str":"3","full_text":"3/3","created_at":"Sat May 13 17:23:00 +0000 2023","in_reply_to_status_id_str":"2"}},
          {"tweet":{"id_str":"1","full_text":"1/3","created_at":"Sat May 13 17:21:00 +0000 2023","in_reply_to_status_id_str":"0"}},
          {"tweet":{"id_str":"2","full_text":"2/3","created_at":"Sat May 13 17:22:00 +0000 2023","in_reply_to_status_id":1}},
          {"tweet":{"id_str":"7","full_text":"standalone","created_at":"Sat May 13 18:00:00 +0000 2023"}},
          {"tweet":{"id_str":"8","full_text":"me","created_at":"Sat May 13 18:01:00 +0000 2023","in_reply_to_status_id_str":"8"}}
        ]"#;
        let (cs, bad) = collect(&XArchiveReader, doc.as_bytes(), &ReadOptions::default());
        assert!(bad.is_empty());
        let thread = |id: &str| {
            let c = cs.iter().find(|c| c.external_id == id).expect("read");
            c.thread_id.clone()
        };
        assert_eq!(thread("1").as_deref(), Some("0"));
        assert_eq!(
            thread("2").as_deref(),
            Some("0"),
            "a numeric parent id links too"
        );
        assert_eq!(thread("3").as_deref(), Some("0"));
        assert_eq!(thread("7").as_deref(), Some("7"));
        // A tweet naming itself as its parent is a thread of its own, not a loop.
        assert_eq!(thread("8").as_deref(), Some("8"));
    }

    #[test]
    fn a_reply_loop_ends_and_a_bad_record_keeps_the_rest() {
        let doc = r#"window.YTD.tweets.part0 = [
          {"tweet":{"id_str":"a","full_text":"x","created_at":"Sat May 13 17:20:00 +0000 2023","in_reply_to_status_id_str":"b"}},
          {"tweet":{"id_str":"b","full_text":"y","created_at":"Sat May 13 17:21:00 +0000 2023","in_reply_to_status_id_str":"a"}},
          {"tweet":{"id_str":"c","created_at":"Sat May 13 17:22:00 +0000 2023"}},
          {"id_str":"d","full_text":"bare &lt;3","created_at":"Sat May 13 17:23:00 +0000 2023","in_reply_to_status_id_str":"b"}
        ];"#;
        let (cs, bad) = collect(&XArchiveReader, doc.as_bytes(), &ReadOptions::default());
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].record, 3);
        assert!(bad[0].reason.contains("full_text"), "{}", bad[0].reason);
        assert_eq!(cs.len(), 3);
        let roots: Vec<_> = cs.iter().map(|c| c.thread_id.clone().unwrap()).collect();
        assert!(roots.iter().all(|r| r == &roots[0]), "{roots:?}");
        assert_eq!(cs[2].text, "bare <3");
    }
}
