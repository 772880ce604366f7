//! Instagram Graph API comments: pages of `GET /{media}/comments` (`data` + `paging`), single IG
//! Comment objects with nested `replies.data`, and single replies.
//!
//! The author is `username` (or `from{id, username}` in newer versions). `user{id}` is only
//! returned for comments made by the account that owns the token, i.e. the brand itself.
//! `media{id}` is the post (the thread); nested replies become their own comments.

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
use crate::domain::{Comment, Platform};

/// Reads Instagram Graph API comment responses.
pub struct InstagramReader;

type S<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
struct IgComment<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    text: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    username: S<'a>,
    #[serde(default, borrow)]
    from: Option<IgUser<'a>>,
    #[serde(default, borrow)]
    user: Option<IgUser<'a>>,
    #[serde(default, borrow, deserialize_with = "time_field")]
    timestamp: TimeField<'a>,
    #[serde(default)]
    hidden: Option<bool>,
    #[serde(default, borrow)]
    media: Option<IgUser<'a>>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    parent_id: S<'a>,
    #[serde(default, borrow)]
    replies: Option<IgPage<'a>>,
}

#[derive(Deserialize)]
struct IgUser<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    username: S<'a>,
}

#[derive(Deserialize)]
struct IgPage<'a> {
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Clone, Default)]
struct Ctx {
    thread: Option<String>,
    parent: Option<String>,
}

impl IgComment<'_> {
    fn to_comment(&self, ctx: &Ctx, opts: &ReadOptions) -> Result<Comment, String> {
        let id = non_empty(self.id.as_deref()).ok_or("missing id")?;
        let text = self.text.as_deref().ok_or("missing text")?;
        let created_at = self
            .timestamp
            .parse(opts)
            .map_err(|e| format!("timestamp: {e}"))?;
        let mut c = Comment::new(Platform::Instagram, id, text);
        c.created_at = created_at;
        c.thread_id = self
            .media
            .as_ref()
            .and_then(|m| non_empty(m.id.as_deref()))
            .or_else(|| ctx.thread.clone());
        c.parent_id = non_empty(self.parent_id.as_deref()).or_else(|| ctx.parent.clone());
        let from = self.from.as_ref();
        c.author.handle = non_empty(self.username.as_deref())
            .or_else(|| from.and_then(|f| non_empty(f.username.as_deref())))
            .map(|h| h.trim_start_matches('@').to_owned());
        c.author.id = from
            .and_then(|f| non_empty(f.id.as_deref()))
            .or_else(|| self.user.as_ref().and_then(|u| non_empty(u.id.as_deref())));
        c.is_brand = self.user.is_some();
        c.hidden = self.hidden.unwrap_or(false);
        Ok(c)
    }
}

fn read_element(
    doc: &str,
    raw: &str,
    record: u64,
    ctx: &Ctx,
    opts: &ReadOptions,
    out: &mut Out<'_, '_>,
) -> Result<(), ReadError> {
    let ig: IgComment = match parse_raw(raw) {
        Ok(c) => c,
        Err(e) => return Ok(out.send(bad_json(doc, record, raw, e))?),
    };
    match ig.to_comment(ctx, opts) {
        Ok(c) => {
            let child = Ctx {
                thread: c.thread_id.clone(),
                parent: Some(c.external_id.clone()),
            };
            out.send(finish(c, opts))?;
            if let Some(list) = ig.replies.and_then(|p| p.data) {
                for r in raw_elements(list).unwrap_or_default() {
                    read_element(doc, r.get(), record, &child, opts, out)?;
                }
            }
        }
        Err(e) => out.send(bad_json(doc, record, raw, e))?,
    }
    Ok(())
}

#[derive(Deserialize)]
struct Paging<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    next: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    previous: S<'a>,
}

/// What a page's own URL (`paging.next`) says of its items: `/{media}/comments` gives their
/// post, `/{comment}/replies` their parent.
fn context_from_paging(paging: Option<&RawValue>) -> Ctx {
    let Some(p) = paging.and_then(|p| parse_raw::<Paging>(p.get()).ok()) else {
        return Ctx::default();
    };
    let Some(url) = p.next.or(p.previous) else {
        return Ctx::default();
    };
    let path = url.split('?').next().unwrap_or("");
    let mut segs = path.rsplit('/');
    let (edge, owner) = (segs.next(), segs.next().and_then(|s| non_empty(Some(s))));
    match edge {
        Some("comments") => Ctx {
            thread: owner,
            parent: None,
        },
        Some("replies") => Ctx {
            thread: None,
            parent: owner,
        },
        _ => Ctx::default(),
    }
}

/// Keys that make an object one comment rather than a page or an `?ids=` lookup.
const COMMENT_KEYS: [&str; 5] = ["id", "text", "timestamp", "username", "media"];

impl Reader for InstagramReader {
    fn name(&self) -> &'static str {
        "instagram"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        detect_json(
            head,
            &["\"timestamp\"", "\"text\""],
            &[
                "\"username\"",
                "\"paging\"",
                "\"media\"",
                "\"replies\"",
                "\"like_count\"",
            ],
            &["\"created_time\"", "\"snippet\"", "\"author_id\""],
            80,
            "IG Comment keys (\"timestamp\" and \"text\" with \"username\", \"media\", \
             \"replies\" or \"paging\")",
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
        if let Some(env) = envelope(&doc) {
            let ctx = context_from_paging(env.paging);
            for raw in env.data.unwrap_or_default() {
                let n = out.next_record();
                read_element(&doc, raw.get(), n, &ctx, opts, &mut out)?;
            }
            return Ok(());
        }
        let mut ctx = Ctx::default();
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
            Doc::Object(entries) => match parsed.get("data") {
                None if !entries
                    .iter()
                    .any(|(k, _)| COMMENT_KEYS.contains(&k.as_str())) =>
                {
                    // `?ids=a,b`: an object keyed by comment id.
                    entries.iter().map(|(_, v)| *v).collect()
                }
                Some(data) => {
                    ctx = context_from_paging(parsed.get("paging"));
                    raw_elements(data).map_err(|e| ReadError::Format(format!("`data`: {e}")))?
                }
                None => {
                    let n = out.next_record();
                    return read_element(&doc, doc.trim(), n, &ctx, opts, &mut out);
                }
            },
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
    fn nested_replies_become_children_of_the_comment() {
        let doc = r#"{"id":"1","text":"Hola @nubo","username":"ana","timestamp":"2024-03-01T10:00:00+0000",
          "media":{"id":"M1"},"replies":{"data":[
            {"id":"2","text":"Gracias!","timestamp":"2024-03-01T10:05:00+0000","username":"nubo","user":{"id":"17841"}}]}}"#;
        let (cs, bad) = collect(&InstagramReader, doc.as_bytes(), &ReadOptions::default());
        assert!(bad.is_empty());
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].author.handle.as_deref(), Some("ana"));
        assert_eq!(cs[1].parent_id.as_deref(), Some("1"));
        assert_eq!(cs[1].thread_id.as_deref(), Some("M1"));
        assert!(cs[1].is_brand && !cs[0].is_brand);
    }

    #[test]
    fn the_page_url_names_the_post_or_the_parent() {
        let page = |edge: &str| {
            format!(
                r#"{{"data":[{{"id":"9","text":"hi","timestamp":"2024-03-01T10:00:00+0000"}}],
                "paging":{{"next":"https://graph.facebook.com/v19.0/42/{edge}?after=x"}}}}"#
            )
        };
        let (cs, _) = collect(
            &InstagramReader,
            page("comments").as_bytes(),
            &ReadOptions::default(),
        );
        assert_eq!(cs[0].thread_id.as_deref(), Some("42"));
        let (cs, _) = collect(
            &InstagramReader,
            page("replies").as_bytes(),
            &ReadOptions::default(),
        );
        assert_eq!(cs[0].parent_id.as_deref(), Some("42"));
    }
}
