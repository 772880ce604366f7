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
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::support::{
    Doc, Out, TimeField, bad_json, detect_json, finish, lenient_str, non_empty, parse_doc,
    parse_raw, read_text, recover, time_field,
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
struct T1<'a> {
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
    #[serde(default, borrow)]
    replies: Option<&'a RawValue>,
}

/// `t1_abc` → `abc`.
fn bare(fullname: &str) -> &str {
    fullname
        .split_once('_')
        .filter(|(k, _)| k.len() == 2 && k.starts_with('t'))
        .map_or(fullname, |(_, id)| id)
}

impl T1<'_> {
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

/// Walks a listing or a thing, depth first.
struct Walk<'d, 'o, 's, 'x> {
    doc: &'d str,
    opts: &'o ReadOptions,
    out: &'x mut Out<'s, 'o>,
    collapsed: u64,
}

impl Walk<'_, '_, '_, '_> {
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
            // The submission (`t3`) and anything else are not comments.
            _ => Ok(()),
        }
    }

    fn comment(&mut self, raw: &str, data: &str) -> Result<(), ReadError> {
        let n = self.out.next_record();
        let t1: T1 = match parse_raw(data) {
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
            Err(e) => {
                // Cut off: the top-level comments that are complete are still read.
                let r = recover(&doc, &["children"], &e)?;
                let complete: Vec<&str> = r.complete;
                let cut = r.cut;
                for raw in complete {
                    walk.thing(raw)?;
                }
                if let Some(cut) = cut {
                    let n = walk.out.next_record();
                    walk.out
                        .send(bad_json(&doc, n, cut, "file ends inside this record"))?;
                }
            }
        }
        if walk.collapsed > 0 {
            tracing::info!(
                collapsed = walk.collapsed,
                "reddit: comments collapsed under `more` stubs are not in the file"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::support::collect;

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
}
