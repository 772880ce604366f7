//! YouTube Data API v3 comment responses: `commentThreads.list` (threads with their top-level
//! comment and, with `part=replies`, some `replies.comments`), `comments.list` (replies by
//! `parentId`), and single thread or comment objects.
//!
//! The text is `textOriginal` (plain); `textDisplay` is HTML and only used, turned into text,
//! when the original is not returned. `updatedAt` after `publishedAt` means edited. A reply by
//! the channel that owns the video is the brand's own.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::support::{
    Doc, Out, TimeField, bad_json, detect_json, envelope, finish, html_to_text, lenient_str,
    non_empty, parse_doc, parse_raw, raw_elements, read_text, recover, refuse_error, time_field,
};
use super::{Detection, ReadError, ReadOptions, Reader, Sink};
use crate::domain::{Comment, Platform};

/// Reads YouTube Data API comment responses.
pub struct YoutubeReader;

type S<'a> = Option<Cow<'a, str>>;

/// A `youtube#commentThread` or a `youtube#comment`: both have `id` and `snippet`. Read in
/// one pass, the thread's top-level comment and replies included.
#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    kind: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    id: S<'a>,
    #[serde(default, borrow)]
    snippet: Option<Snippet<'a>>,
    #[serde(default, borrow)]
    replies: Option<Replies<'a>>,
}

#[derive(Deserialize)]
struct Replies<'a> {
    #[serde(default, borrow)]
    comments: Vec<Resource<'a>>,
}

/// The snippet of a thread (`videoId`, `channelId`, `topLevelComment`) or of a comment.
#[derive(Deserialize)]
struct Snippet<'a> {
    #[serde(default, borrow, rename = "topLevelComment")]
    top: Option<Box<Resource<'a>>>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    #[serde(rename = "authorDisplayName")]
    author_name: S<'a>,
    #[serde(default, borrow, rename = "authorChannelId")]
    author_channel: Option<ChannelId<'a>>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    #[serde(rename = "videoId")]
    video_id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    #[serde(rename = "channelId")]
    channel_id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    #[serde(rename = "textOriginal")]
    text_original: S<'a>,
    /// Kept raw: only decoded when `textOriginal` is missing.
    #[serde(default, borrow, rename = "textDisplay")]
    text_display: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    #[serde(rename = "parentId")]
    parent_id: S<'a>,
    #[serde(default, borrow, deserialize_with = "time_field")]
    #[serde(rename = "publishedAt")]
    published_at: TimeField<'a>,
    #[serde(default, borrow, deserialize_with = "time_field")]
    #[serde(rename = "updatedAt")]
    updated_at: TimeField<'a>,
    #[serde(
        default,
        rename = "moderationStatus",
        borrow,
        deserialize_with = "lenient_str"
    )]
    moderation: S<'a>,
}

#[derive(Deserialize)]
struct ChannelId<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    value: S<'a>,
}

/// What a comment inherits from its thread.
#[derive(Clone, Default)]
struct Ctx {
    video: Option<String>,
    /// The channel that owns the video: its replies are the brand's.
    channel: Option<String>,
    parent: Option<String>,
}

fn to_comment(
    id: Option<&str>,
    s: Option<&Snippet>,
    ctx: &Ctx,
    opts: &ReadOptions,
) -> Result<Comment, String> {
    let id = non_empty(id).ok_or("missing id")?;
    let s = s.ok_or("missing snippet")?;
    let text = match (&s.text_original, &s.text_display) {
        (Some(t), _) => t.to_string(),
        (None, Some(html)) => html_to_text(
            &serde_json::from_str::<String>(html.get())
                .map_err(|_| "textDisplay is not a string".to_owned())?,
        ),
        (None, None) => return Err("missing textOriginal".into()),
    };
    let published = s
        .published_at
        .parse(opts)
        .map_err(|e| format!("publishedAt: {e}"))?;
    let updated = s
        .updated_at
        .parse(opts)
        .map_err(|e| format!("updatedAt: {e}"))?;
    let mut c = Comment::new(Platform::Youtube, id, text);
    c.created_at = published;
    c.edited_at = match (published, updated) {
        (Some(p), Some(u)) if u > p => Some(u),
        _ => None,
    };
    c.thread_id = non_empty(s.video_id.as_deref()).or_else(|| ctx.video.clone());
    c.parent_id = non_empty(s.parent_id.as_deref()).or_else(|| ctx.parent.clone());
    let name = non_empty(s.author_name.as_deref());
    match name {
        Some(n) if n.starts_with('@') => c.author.handle = Some(n[1..].to_owned()),
        other => c.author.name = other,
    }
    c.author.id = s
        .author_channel
        .as_ref()
        .and_then(|a| non_empty(a.value.as_deref()));
    let owner = non_empty(s.channel_id.as_deref()).or_else(|| ctx.channel.clone());
    c.is_brand = c.author.id.is_some() && c.author.id == owner;
    c.url = c
        .thread_id
        .as_ref()
        .map(|v| format!("https://www.youtube.com/watch?v={v}&lc={}", c.external_id));
    c.hidden = matches!(
        s.moderation.as_deref(),
        Some("heldForReview" | "rejected" | "likelySpam")
    );
    Ok(c)
}

/// The comments of one list element: a thread's top-level comment and replies, or a single
/// comment; an error for each part that cannot be read.
fn element_comments(res: &Resource, opts: &ReadOptions) -> Vec<Result<Comment, String>> {
    let Some(snippet) = &res.snippet else {
        return vec![Err("missing snippet".into())];
    };
    let Some(top) = &snippet.top else {
        return vec![if res.kind.as_deref() == Some("youtube#commentThread") {
            Err("missing topLevelComment".to_owned())
        } else {
            to_comment(res.id.as_deref(), Some(snippet), &Ctx::default(), opts)
        }];
    };
    let mut ctx = Ctx {
        video: non_empty(snippet.video_id.as_deref()),
        channel: non_empty(snippet.channel_id.as_deref()),
        parent: None,
    };
    let top_id = top.id.as_deref().or(res.id.as_deref());
    let first = to_comment(top_id, top.snippet.as_ref(), &ctx, opts);
    if let Ok(c) = &first {
        ctx.parent = Some(c.external_id.clone());
    }
    let mut all = vec![first];
    for r in res.replies.iter().flat_map(|r| &r.comments) {
        all.push(
            to_comment(r.id.as_deref(), r.snippet.as_ref(), &ctx, opts)
                .map_err(|e| format!("reply: {e}")),
        );
    }
    all
}

fn read_element(
    doc: &str,
    raw: &str,
    record: u64,
    opts: &ReadOptions,
    out: &mut Out<'_, '_>,
) -> Result<(), ReadError> {
    let res: Resource = match parse_raw(raw) {
        Ok(r) => r,
        Err(e) => return Ok(out.send(bad_json(doc, record, raw, e))?),
    };
    for c in element_comments(&res, opts) {
        match c {
            Ok(c) => out.send(finish(c, opts))?,
            Err(e) => out.send(bad_json(doc, record, raw, e))?,
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    items: Vec<Resource<'a>>,
}

/// One pass over a clean page: every element parsed straight into its comments. `None` when
/// anything is amiss, and the careful path then finds the bad records with their raw text.
fn read_clean_page(doc: &str, opts: &ReadOptions) -> Option<Vec<Comment>> {
    if !doc.trim_start().starts_with('{') {
        return None;
    }
    let page: Page = serde_json::from_str(doc).ok()?;
    let mut all = Vec::with_capacity(page.items.len());
    for res in &page.items {
        for c in element_comments(res, opts) {
            all.push(c.ok()?);
        }
    }
    Some(all)
}

impl Reader for YoutubeReader {
    fn name(&self) -> &'static str {
        "youtube"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        detect_json(
            head,
            &["\"snippet\""],
            &[
                "\"youtube#comment",
                "\"textOriginal\"",
                "\"topLevelComment\"",
            ],
            &[],
            85,
            "YouTube Data API comment keys (\"snippet\" with \"youtube#comment…\", \
             \"textOriginal\" or \"topLevelComment\")",
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
        if let Some(comments) = read_clean_page(&doc, opts) {
            for c in comments {
                out.send(finish(c, opts))?;
            }
            return Ok(());
        }
        if let Some(env) = envelope(&doc) {
            for raw in env.data.unwrap_or_default() {
                let n = out.next_record();
                read_element(&doc, raw.get(), n, opts, &mut out)?;
            }
            return Ok(());
        }
        let parsed = match parse_doc(&doc) {
            Ok(d) => d,
            Err(e) => {
                let r = recover(&doc, &["items"], &e)?;
                for raw in r.complete {
                    let n = out.next_record();
                    read_element(&doc, raw, n, opts, &mut out)?;
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
            Doc::Object(_) => match parsed.get("items") {
                Some(items) => {
                    raw_elements(items).map_err(|e| ReadError::Format(format!("`items`: {e}")))?
                }
                None => {
                    let n = out.next_record();
                    return read_element(&doc, doc.trim(), n, opts, &mut out);
                }
            },
        };
        for raw in elements {
            let n = out.next_record();
            read_element(&doc, raw.get(), n, opts, &mut out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::support::collect;

    #[test]
    fn threads_with_replies_edits_and_owner_answers() {
        let doc = r#"{"kind":"youtube#commentThreadListResponse","items":[{"kind":"youtube#commentThread","id":"T1",
          "snippet":{"videoId":"V1","channelId":"UCnubo","topLevelComment":{"kind":"youtube#comment","id":"T1",
            "snippet":{"authorDisplayName":"@ana","authorChannelId":{"value":"UCana"},"videoId":"V1",
              "textDisplay":"it&#39;s &lt;b&gt;","textOriginal":"it's <b>",
              "publishedAt":"2024-03-01T10:00:00Z","updatedAt":"2024-03-01T12:00:00Z"}}},
          "replies":{"comments":[{"kind":"youtube#comment","id":"T1.R1","snippet":{"authorDisplayName":"Nubo",
            "authorChannelId":{"value":"UCnubo"},"textOriginal":"Thanks","parentId":"T1",
            "publishedAt":"2024-03-01T13:00:00Z","updatedAt":"2024-03-01T13:00:00Z"}}]}}]}"#;
        let (cs, bad) = collect(&YoutubeReader, doc.as_bytes(), &ReadOptions::default());
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].text, "it's <b>");
        assert_eq!(cs[0].author.handle.as_deref(), Some("ana"));
        assert!(cs[0].edited_at.is_some());
        assert_eq!(cs[1].parent_id.as_deref(), Some("T1"));
        assert_eq!(cs[1].thread_id.as_deref(), Some("V1"));
        assert!(cs[1].is_brand);
        assert_eq!(cs[1].edited_at, None);
    }
}
