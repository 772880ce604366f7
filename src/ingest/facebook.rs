//! Facebook Graph API comments: pages of `GET /{post}/comments` (`data` + `paging`), single
//! comment objects, and `?ids=` responses (an object keyed by comment id).
//!
//! Ids, posts and parents come from `id` and `parent` when the request asked for them, else
//! from `permalink_url` (`/posts/{post}/?comment_id=…&reply_comment_id=…`): a reply is
//! recognisable by `reply_comment_id`. `from` is often absent (no Page token). A comment whose
//! `from.id` is the Page that owns the post is the brand's own reply.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::support::{
    Doc, Out, TimeField, bad_json, detect_json, envelope, finish, lenient_str, non_empty,
    parse_doc, parse_raw, raw_elements, read_text, recover, refuse_error, time_field,
};
use super::{Detection, ReadError, ReadOptions, Reader, Sink};
use crate::domain::{AuthorRef, Comment, Platform};

/// Reads Facebook Graph API comment responses.
pub struct FacebookReader;

type S<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
struct FbComment<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    message: S<'a>,
    #[serde(default, borrow, deserialize_with = "time_field")]
    created_time: TimeField<'a>,
    #[serde(default, borrow)]
    from: Option<FbFrom<'a>>,
    #[serde(default, borrow)]
    parent: Option<FbFrom<'a>>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    permalink_url: S<'a>,
    #[serde(default)]
    is_hidden: Option<bool>,
    #[serde(default, borrow)]
    attachment: Option<&'a RawValue>,
    /// Replies, when requested with `fields=comments`.
    #[serde(default, borrow)]
    comments: Option<FbPage<'a>>,
}

#[derive(Deserialize, Default)]
struct FbFrom<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    name: S<'a>,
}

#[derive(Deserialize)]
struct FbPage<'a> {
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

/// What a comment's permalink says: the Page, the post, the comment and the reply.
#[derive(Debug, Default, PartialEq)]
struct Link<'u> {
    page: Option<&'u str>,
    post: Option<&'u str>,
    comment: Option<&'u str>,
    reply: Option<&'u str>,
}

fn query_param<'u>(url: &'u str, key: &str) -> Option<&'u str> {
    let q = url.split_once('?')?.1;
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.split('#').next().unwrap_or(v))
        .filter(|v| !v.is_empty())
}

fn parse_link(url: &str) -> Link<'_> {
    let path = url.split('?').next().unwrap_or(url);
    let path = path.split_once("://").map_or(path, |(_, rest)| {
        rest.split_once('/').map_or("", |(_, p)| p)
    });
    let mut link = Link {
        comment: query_param(url, "comment_id"),
        reply: query_param(url, "reply_comment_id"),
        ..Link::default()
    };
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    let mut prev = None;
    let mut found = false;
    for seg in segs.by_ref() {
        if matches!(seg, "posts" | "videos" | "photos") {
            found = true;
            break;
        }
        prev = Some(seg);
    }
    if found {
        link.page = prev;
        link.post = segs.next();
    } else {
        link.post = query_param(url, "story_fbid").or_else(|| query_param(url, "fbid"));
        link.page = query_param(url, "id");
    }
    link
}

/// Where a comment sits: its thread and, for a nested reply, the comment it answers.
#[derive(Clone, Default)]
struct Ctx {
    thread: Option<String>,
    parent: Option<String>,
    page: Option<String>,
}

impl FbComment<'_> {
    fn to_comment(&self, ctx: &Ctx, opts: &ReadOptions) -> Result<Comment, String> {
        let link = self
            .permalink_url
            .as_deref()
            .map(parse_link)
            .unwrap_or_default();
        let post = link
            .post
            .map(str::to_owned)
            .or_else(|| {
                self.id
                    .as_deref()
                    .and_then(|id| id.split_once('_'))
                    .map(|(p, _)| p.to_owned())
            })
            .or_else(|| ctx.thread.clone());
        let id = match non_empty(self.id.as_deref()) {
            Some(id) => id,
            None => match (&post, link.reply.or(link.comment)) {
                (Some(p), Some(c)) => format!("{p}_{c}"),
                _ => return Err("missing id (no `id` and no comment_id in permalink_url)".into()),
            },
        };
        let text = match (&self.message, &self.attachment) {
            (Some(m), _) => m.to_string(),
            (None, Some(_)) => String::new(),
            (None, None) => return Err("missing message".into()),
        };
        let created_at = self
            .created_time
            .parse(opts)
            .map_err(|e| format!("created_time: {e}"))?;
        let mut c = Comment::new(Platform::Facebook, id, text);
        c.thread_id = post.clone();
        c.parent_id = self
            .parent
            .as_ref()
            .and_then(|p| non_empty(p.id.as_deref()))
            .or_else(|| match (link.reply, link.comment, &post) {
                (Some(_), Some(top), Some(p)) => Some(format!("{p}_{top}")),
                _ => None,
            })
            .or_else(|| ctx.parent.clone());
        if let Some(f) = &self.from {
            c.author = AuthorRef {
                id: non_empty(f.id.as_deref()),
                handle: None,
                name: non_empty(f.name.as_deref()),
            };
        }
        let page = link.page.map(str::to_owned).or_else(|| ctx.page.clone());
        c.is_brand = c.author.id.is_some() && c.author.id == page;
        c.created_at = created_at;
        c.url = non_empty(self.permalink_url.as_deref());
        c.hidden = self.is_hidden.unwrap_or(false);
        Ok(c)
    }
}

/// Reads one element of a comment list (and its nested replies).
fn read_element(
    doc: &str,
    raw: &str,
    record: u64,
    ctx: &Ctx,
    opts: &ReadOptions,
    out: &mut Out<'_, '_>,
) -> Result<(), ReadError> {
    let fc: FbComment = match parse_raw(raw) {
        Ok(c) => c,
        Err(e) => return Ok(out.send(bad_json(doc, record, raw, e))?),
    };
    match fc.to_comment(ctx, opts) {
        Ok(c) => {
            let replies = fc.comments.and_then(|p| p.data);
            let child_ctx = replies.map(|_| Ctx {
                thread: c.thread_id.clone(),
                parent: Some(c.external_id.clone()),
                page: c
                    .url
                    .as_deref()
                    .and_then(|u| parse_link(u).page.map(str::to_owned))
                    .or_else(|| ctx.page.clone()),
            });
            out.send(finish(c, opts))?;
            if let (Some(list), Some(child_ctx)) = (replies, child_ctx) {
                for r in raw_elements(list).unwrap_or_default() {
                    read_element(doc, r.get(), record, &child_ctx, opts, out)?;
                }
            }
        }
        Err(e) => out.send(bad_json(doc, record, raw, e))?,
    }
    Ok(())
}

const COMMENT_KEYS: [&str; 5] = ["message", "created_time", "from", "permalink_url", "parent"];

impl Reader for FacebookReader {
    fn name(&self) -> &'static str {
        "facebook"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        detect_json(
            head,
            &["\"created_time\""],
            &["\"message\"", "\"permalink_url\""],
            &["\"full_text\"", "\"textOriginal\""],
            80,
            "Graph API comment keys (\"created_time\" with \"message\" or \"permalink_url\")",
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
        let ctx = Ctx::default();
        if let Some(env) = envelope(&doc) {
            for raw in env.data.unwrap_or_default() {
                let n = out.next_record();
                read_element(&doc, raw.get(), n, &ctx, opts, &mut out)?;
            }
            return Ok(());
        }
        let parsed = match parse_doc(&doc) {
            Ok(d) => d,
            Err(e) => {
                let r = recover(&doc, &["data"], &e)?;
                for raw in r.complete {
                    let n = out.next_record();
                    read_element(&doc, raw, n, &ctx, opts, &mut out)?;
                }
                if let Some(cut) = r.cut {
                    let n = out.next_record();
                    out.send(bad_json(&doc, n, cut, "file ends inside this record"))?;
                }
                return Ok(());
            }
        };
        refuse_error(&parsed)?;
        let elements: Vec<&RawValue> = match &parsed {
            Doc::Array(list) => list.clone(),
            Doc::Object(entries) => {
                if let Some(data) = parsed.get("data") {
                    raw_elements(data).map_err(|e| ReadError::Format(format!("`data`: {e}")))?
                } else if entries
                    .iter()
                    .any(|(k, _)| COMMENT_KEYS.contains(&k.as_str()))
                {
                    let n = out.next_record();
                    return read_element(&doc, doc.trim(), n, &ctx, opts, &mut out);
                } else {
                    // `?ids=a,b`: an object keyed by comment id.
                    entries.iter().map(|(_, v)| *v).collect()
                }
            }
        };
        for raw in elements {
            let n = out.next_record();
            read_element(&doc, raw.get(), n, &ctx, opts, &mut out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::support::collect;

    #[test]
    fn permalinks_give_post_comment_and_reply() {
        let l = parse_link(
            "https://www.facebook.com/100200300400/posts/555/?comment_id=77&reply_comment_id=88",
        );
        assert_eq!(
            l,
            Link {
                page: Some("100200300400"),
                post: Some("555"),
                comment: Some("77"),
                reply: Some("88")
            }
        );
        let l = parse_link("https://www.facebook.com/permalink.php?story_fbid=9&id=4&comment_id=1");
        assert_eq!(
            (l.page, l.post, l.comment),
            (Some("4"), Some("9"), Some("1"))
        );
    }

    #[test]
    fn replies_without_ids_get_ids_parents_and_threads_from_the_permalink() {
        let doc = r#"{"data":[
          {"created_time":"2024-03-01T10:00:00+0000","message":"Top",
           "permalink_url":"https://www.facebook.com/100200300400/posts/555/?comment_id=77"},
          {"created_time":"2024-03-01T11:00:00+0000","message":"Reply",
           "from":{"id":"100200300400","name":"Nubo"},
           "permalink_url":"https://www.facebook.com/100200300400/posts/555/?comment_id=77&reply_comment_id=88"}
        ],"paging":{"cursors":{"after":"x"}}}"#;
        let (cs, bad) = collect(&FacebookReader, doc.as_bytes(), &ReadOptions::default());
        assert!(bad.is_empty());
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].external_id, "555_77");
        assert_eq!(cs[0].parent_id, None);
        assert!(!cs[0].is_brand);
        assert_eq!(cs[1].external_id, "555_88");
        assert_eq!(cs[1].parent_id.as_deref(), Some("555_77"));
        assert_eq!(cs[1].thread_id.as_deref(), Some("555"));
        assert!(cs[1].is_brand, "the Page answering on its own post");
    }
}
