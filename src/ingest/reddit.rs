//! Reddit API comment listings: `GET /comments/{article}` (`[post listing, comment listing]`),
//! a single `Listing` (a user's or subreddit's comments), or a bare `t1` thing.
//!
//! Replies are nested `Listing`s under `replies` (or an empty string) and become comments of
//! their own. `parent_id` is `t1_…` for a reply and `t3_…` (the submission) for a top-level
//! comment; `link_id` is the submission, the thread. `created_utc` is an epoch float, `edited`
//! is `false` or the edit time. `[deleted]` authors have no author; `[removed]` and `[deleted]`
//! bodies are kept. `more` stubs hold no comment and are skipped (their count is logged).
//! Records are numbered in depth-first order of the comments in the file.

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::support::{
    Doc, Out, Recovered, TimeField, bad_json, detect_json, finish, lenient_str, non_empty,
    parse_doc, parse_raw, read_text, recover, split_array, time_field,
};
use super::{Detection, ReadError, ReadOptions, Reader, Sink};
use crate::domain::{Comment, Platform};

/// Reads Reddit comment listings.
pub struct RedditReader;

type S<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
struct Thing<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    kind: S<'a>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ListingData<'a> {
    #[serde(default, borrow)]
    children: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct More {
    #[serde(default)]
    count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "R: Deserialize<'de> + Default"))]
struct T1<'a, R> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    body: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    author: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    author_fullname: S<'a>,
    #[serde(default, borrow, deserialize_with = "time_field")]
    created_utc: TimeField<'a>,
    #[serde(default, borrow, deserialize_with = "time_field")]
    edited: TimeField<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    parent_id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    link_id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    permalink: S<'a>,
    #[serde(default)]
    replies: R,
}

/// `t1_abc` → `abc`.
fn bare(fullname: &str) -> &str {
    fullname
        .split_once('_')
        .filter(|(k, _)| k.len() == 2 && k.starts_with('t'))
        .map_or(fullname, |(_, id)| id)
}

impl<R> T1<'_, R> {
    fn to_comment(&self, opts: &ReadOptions) -> Result<Comment, String> {
        let id = non_empty(self.id.as_deref().map(bare)).ok_or("missing id")?;
        let body = self.body.as_deref().ok_or("missing body")?;
        let mut c = Comment::new(Platform::Reddit, id, body);
        c.created_at = self
            .created_utc
            .parse(opts)
            .map_err(|e| format!("created_utc: {e}"))?;
        c.edited_at = self
            .edited
            .parse(opts)
            .map_err(|e| format!("edited: {e}"))?;
        c.thread_id = non_empty(self.link_id.as_deref().map(bare));
        c.parent_id = self
            .parent_id
            .as_deref()
            .filter(|p| p.starts_with("t1_"))
            .map(|p| bare(p).to_owned());
        if let Some(a) = non_empty(self.author.as_deref()).filter(|a| a != "[deleted]") {
            c.author.handle = Some(a);
            c.author.id = non_empty(self.author_fullname.as_deref());
        }
        c.url = self.permalink.as_deref().map(|p| {
            if p.starts_with("http") {
                p.to_owned()
            } else {
                format!("https://www.reddit.com{p}")
            }
        });
        Ok(c)
    }
}

/// A thing read in one typed pass over the whole file (the fast path): every nesting level is
/// parsed once. Anything unusual (keys out of order, odd types, duplicates) is an error, and the
/// careful walk over raw values then reads the file instead.
enum Fast<'a> {
    Listing(Vec<Fast<'a>>),
    More(u64),
    Comment(Box<T1<'a, Replies<'a>>>),
    Other,
}

/// The `replies` of a comment: a thing, or `""`/`null` (none).
#[derive(Default)]
struct Replies<'a>(Option<Fast<'a>>);

#[derive(Deserialize)]
struct FastListing<'a> {
    #[serde(default, borrow)]
    children: Vec<Fast<'a>>,
}

struct FastVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for FastVisitor<'a> {
    type Value = Fast<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Reddit thing")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut kind: Option<&'de str> = None;
        let mut thing: Option<Fast<'a>> = None;
        while let Some(key) = m.next_key::<&'de str>()? {
            match key {
                "kind" if kind.is_none() => kind = Some(m.next_value()?),
                "data" if thing.is_none() => {
                    let k = kind.ok_or_else(|| de::Error::custom("`data` before `kind`"))?;
                    thing = Some(match k {
                        "Listing" => Fast::Listing(m.next_value::<FastListing>()?.children),
                        "more" => Fast::More(m.next_value::<More>()?.count.unwrap_or(0)),
                        "t1" => Fast::Comment(Box::new(m.next_value()?)),
                        _ => {
                            m.next_value::<IgnoredAny>()?;
                            Fast::Other
                        }
                    });
                }
                "kind" | "data" => return Err(de::Error::custom("duplicate key")),
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (thing, kind) {
            (Some(t), _) => Ok(t),
            (None, Some("t1")) => Err(de::Error::custom("a comment without data")),
            (None, _) => Ok(Fast::Other),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Fast<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FastVisitor(PhantomData))
    }
}

struct RepliesVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for RepliesVisitor<'a> {
    type Value = Replies<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a listing of replies or an empty string")
    }
    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
        FastVisitor(PhantomData)
            .visit_map(m)
            .map(|t| Replies(Some(t)))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Replies(None))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Replies(None))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Replies(None))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Replies(None))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Replies(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Replies(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Replies(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
        while s.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Replies(None))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Replies<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RepliesVisitor(PhantomData))
    }
}

/// The whole file in the fast path: the `[post listing, comment listing]` pair or one thing.
enum FastDoc<'a> {
    Many(Vec<Fast<'a>>),
    One(Fast<'a>),
}

/// The comments of a typed tree, depth first; `None` when one of them is not a usable comment
/// (the careful walk then reports it as a bad record with its raw JSON).
fn fast_comments(
    things: &[Fast<'_>],
    opts: &ReadOptions,
    comments: &mut Vec<Comment>,
    collapsed: &mut u64,
) -> Option<()> {
    for t in things {
        match t {
            Fast::Listing(children) => fast_comments(children, opts, comments, collapsed)?,
            Fast::More(n) => *collapsed += n,
            Fast::Comment(t1) => {
                comments.push(t1.to_comment(opts).ok()?);
                if let Some(r) = &t1.replies.0 {
                    fast_comments(std::slice::from_ref(r), opts, comments, collapsed)?;
                }
            }
            Fast::Other => {}
        }
    }
    Some(())
}

/// One typed pass over a well-formed file: its comments and the count collapsed under `more`.
fn read_fast(doc: &str, opts: &ReadOptions) -> Option<(Vec<Comment>, u64)> {
    let t = doc.trim_start();
    let parsed = if t.starts_with('[') {
        FastDoc::Many(serde_json::from_str(doc).ok()?)
    } else if t.starts_with('{') {
        FastDoc::One(serde_json::from_str(doc).ok()?)
    } else {
        return None;
    };
    let things = match &parsed {
        FastDoc::Many(v) => v.as_slice(),
        FastDoc::One(t) => std::slice::from_ref(t),
    };
    let mut comments = Vec::new();
    let mut collapsed = 0;
    fast_comments(things, opts, &mut comments, &mut collapsed)?;
    Some((comments, collapsed))
}

/// Walks a listing or a thing, depth first.
struct Walk<'d, 'o, 's, 'x> {
    doc: &'d str,
    opts: &'o ReadOptions,
    out: &'x mut Out<'s, 'o>,
    collapsed: u64,
}

impl Walk<'_, '_, '_, '_> {
    /// The elements of a cut-off list of children: the whole ones read, the cut one rejected.
    fn recovered(&mut self, r: Recovered<'_>) -> Result<(), ReadError> {
        for raw in r.complete {
            self.thing(raw)?;
        }
        match r.cut {
            Some(cut) => self.cut(cut),
            None => Ok(()),
        }
    }

    /// A record the file ends inside of.
    fn cut(&mut self, raw: &str) -> Result<(), ReadError> {
        let n = self.out.next_record();
        Ok(self
            .out
            .send(bad_json(self.doc, n, raw, "file ends inside this record"))?)
    }

    fn listing(&mut self, raw: &str) -> Result<(), ReadError> {
        let data: ListingData = match parse_raw(raw) {
            Ok(d) => d,
            Err(_) => return Ok(()),
        };
        for child in data.children {
            self.thing(child.get())?;
        }
        Ok(())
    }

    fn thing(&mut self, raw: &str) -> Result<(), ReadError> {
        let thing: Thing = match parse_raw(raw) {
            Ok(t) => t,
            Err(e) => {
                let n = self.out.next_record();
                return Ok(self.out.send(bad_json(self.doc, n, raw, e))?);
            }
        };
        let data = thing.data.map_or("{}", RawValue::get);
        match thing.kind.as_deref() {
            Some("Listing") => self.listing(data),
            Some("more") => {
                self.collapsed += parse_raw::<More>(data)
                    .ok()
                    .and_then(|m| m.count)
                    .unwrap_or(0);
                Ok(())
            }
            Some("t1") => self.comment(raw, data),
            // The submission (`t3`) and the other kinds are not comments.
            Some(_) => Ok(()),
            // Without its kind nobody can tell what it was: kept, not skipped.
            None if thing.data.is_some() => {
                let n = self.out.next_record();
                Ok(self.out.send(bad_json(
                    self.doc,
                    n,
                    raw,
                    "a Reddit thing without its \"kind\"",
                ))?)
            }
            None => Ok(()),
        }
    }

    fn comment(&mut self, raw: &str, data: &str) -> Result<(), ReadError> {
        let n = self.out.next_record();
        let t1: T1<Option<&RawValue>> = match parse_raw(data) {
            Ok(t) => t,
            Err(e) => return Ok(self.out.send(bad_json(self.doc, n, raw, e))?),
        };
        match t1.to_comment(self.opts) {
            Ok(c) => self.out.send(finish(c, self.opts))?,
            Err(e) => self.out.send(bad_json(self.doc, n, raw, e))?,
        }
        if let Some(r) = t1.replies.filter(|r| r.get().starts_with('{')) {
            self.thing(r.get())?;
        }
        Ok(())
    }
}

fn log_collapsed(collapsed: u64) {
    if collapsed > 0 {
        tracing::info!(
            collapsed,
            "reddit: comments collapsed under `more` stubs are not in the file"
        );
    }
}

impl Reader for RedditReader {
    fn name(&self) -> &'static str {
        "reddit"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        detect_json(
            head,
            &["\"kind\""],
            &["\"t1\"", "\"t3\"", "\"Listing\""],
            &[],
            85,
            "Reddit things (\"kind\": \"Listing\", \"t1\" or \"t3\")",
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
        if let Some((comments, collapsed)) = read_fast(&doc, opts) {
            for c in comments {
                out.next_record();
                out.send(finish(c, opts))?;
            }
            log_collapsed(collapsed);
            return Ok(());
        }
        let mut walk = Walk {
            doc: &doc,
            opts,
            out: &mut out,
            collapsed: 0,
        };
        match parse_doc(&doc) {
            Ok(Doc::Array(list)) => {
                for l in list {
                    walk.thing(l.get())?;
                }
            }
            Ok(Doc::Object(_)) => walk.thing(&doc)?,
            Err(e) if doc.trim_start().starts_with('[') => {
                // `[post listing, comment listing]` cut off or broken: the whole listings are
                // read, and the top-level comments of the one the file ends in that are whole.
                let r = split_array(&doc, doc.len() - doc.trim_start().len());
                for raw in r.complete {
                    walk.thing(raw)?;
                }
                if let Some(cut) = r.cut {
                    match recover(cut, &["children"], &e) {
                        Ok(inner) => walk.recovered(inner)?,
                        Err(_) => walk.cut(cut)?,
                    }
                }
            }
            Err(e) => {
                // One listing cut off: the top-level comments that are whole are still read.
                walk.recovered(recover(&doc, &["children"], &e)?)?;
            }
        }
        log_collapsed(walk.collapsed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::support::collect;

    #[test]
    fn a_thing_that_lost_its_kind_is_kept_as_a_bad_record_not_skipped() {
        let doc = r#"[{"kind":"Listing","data":{"children":[{"kind":"t3","data":{"id":"p1"}}]}},
          {"kind":"Listing","data":{"children":[
            {"kind":"t1","data":{"id":"c1","body":"first","link_id":"t3_p1","parent_id":"t3_p1","created_utc":1700000000}},
            {"data":{"id":"c2","body":"second","link_id":"t3_p1","parent_id":"t3_p1","created_utc":1700000100}}]}}]"#;
        let (good, bad) = collect(&RedditReader, doc.as_bytes(), &ReadOptions::default());
        let ids: Vec<&str> = good.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(ids, ["c1"]);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].reason.contains("kind"), "{}", bad[0].reason);
        assert!(String::from_utf8_lossy(&bad[0].raw).contains(r#""id":"c2""#));
    }

    #[test]
    fn reply_trees_edits_deleted_authors_and_more_stubs() {
        let doc = r#"[{"kind":"Listing","data":{"children":[{"kind":"t3","data":{"id":"p1","name":"t3_p1","title":"Nubo"}}]}},
          {"kind":"Listing","data":{"children":[
            {"kind":"t1","data":{"id":"c1","author":"ana","body":"Late again","created_utc":1700000000.0,
              "edited":1700000600.0,"parent_id":"t3_p1","link_id":"t3_p1","permalink":"/r/x/comments/p1/_/c1/",
              "replies":{"kind":"Listing","data":{"children":[
                {"kind":"t1","data":{"id":"c2","author":"[deleted]","body":"[removed]","created_utc":1700000100,
                  "edited":false,"parent_id":"t1_c1","link_id":"t3_p1","replies":""}},
                {"kind":"more","data":{"count":3,"children":["c3"]}}]}}}}]}}]"#;
        let (cs, bad) = collect(&RedditReader, doc.as_bytes(), &ReadOptions::default());
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].parent_id, None);
        assert_eq!(cs[0].thread_id.as_deref(), Some("p1"));
        assert!(cs[0].edited_at.is_some());
        assert_eq!(cs[1].parent_id.as_deref(), Some("c1"));
        assert!(cs[1].author.is_empty());
        assert_eq!(cs[1].text, "[removed]");
        assert_eq!(cs[1].edited_at, None);
    }

    #[test]
    fn a_cut_comment_listing_keeps_its_whole_comments() {
        // Found by tests/readers_fuzz.rs: a `[post, comments]` file cut inside the comment
        // listing recovered the first `children` array (the post's), and every comment was
        // lost without a word.
        let doc = r#"[{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "p1"}}]}}, {"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {"id": "c1", "body": "hola", "link_id": "t3_p1", "parent_id": "t3_p1", "created_utc": 1709201000.0}}, {"kind": "t1", "data": {"id": "c2", "body": "cut he"#;
        let (cs, bad) = collect(&RedditReader, doc.as_bytes(), &ReadOptions::default());
        let ids: Vec<&str> = cs.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(ids, ["c1"]);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].reason.contains("ends inside"), "{}", bad[0].reason);
        assert!(
            bad[0]
                .raw
                .starts_with(br#"{"kind": "t1", "data": {"id": "c2""#)
        );
    }
}
