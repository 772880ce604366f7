//! YouTube comments as CSV: Google Takeout's `comments.csv` and `live chats.csv`, and the
//! YouTube Spam Collection (`COMMENT_ID, AUTHOR, DATE, CONTENT, CLASS`, collected with the
//! Data API), so that both land on the YouTube platform.
//!
//! Takeout header names drift between export dates (`Comment create timestamp` or
//! `Comment Create Timestamp`, with or without `Parent Comment ID` / `Top-Level Comment ID`):
//! columns are matched by name, never by position. Its `Comment text` cell holds JSON
//! fragments (`{"text":"…"},{"text":"…","videoLink":{…}}`) whose texts are joined.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use super::support::{Out, column_key, first_line, non_empty, read_csv, timestamp};
use super::{Detection, ReadError, ReadOptions, Reader, Sink, looks_like_text};
use crate::domain::{Comment, Platform};

/// Reads YouTube comment CSVs (Takeout, Spam Collection).
pub struct TakeoutYoutubeReader;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Col {
    Id,
    Text,
    Created,
    ChannelId,
    Author,
    Video,
    Post,
    Parent,
    TopLevel,
}

fn col_for(name: &str) -> Option<Col> {
    Some(match column_key(name).as_str() {
        "commentid" | "livechatid" => Col::Id,
        "commenttext" | "livechattext" | "content" => Col::Text,
        "commentcreatetimestamp" | "livechatcreatetimestamp" | "date" | "timestamp" => Col::Created,
        "channelid" => Col::ChannelId,
        "author" => Col::Author,
        "videoid" => Col::Video,
        "postid" => Col::Post,
        "parentcommentid" => Col::Parent,
        "toplevelcommentid" => Col::TopLevel,
        _ => return None,
    })
}

#[derive(Deserialize)]
struct Segment {
    #[serde(default)]
    text: String,
}

/// The text of a Takeout `Comment text` cell: the JSON segments joined, or the cell itself
/// when it is plain text.
pub fn segments_text(cell: &str) -> String {
    let t = cell.trim();
    if t.starts_with('{')
        && let Ok(segs) = serde_json::from_str::<Vec<Segment>>(&format!("[{t}]"))
    {
        return segs.into_iter().map(|s| s.text).collect();
    }
    cell.to_owned()
}

fn columns(names: &[String]) -> Vec<Option<Col>> {
    names.iter().map(|n| col_for(n)).collect()
}

fn row(cols: &[Option<Col>], fields: &[&str], opts: &ReadOptions) -> Result<Comment, String> {
    let get = |want: Col| {
        cols.iter()
            .position(|c| *c == Some(want))
            .and_then(|i| non_empty(fields.get(i).copied()))
    };
    let id = get(Col::Id).ok_or("missing comment id")?;
    let text_at = cols.iter().position(|c| *c == Some(Col::Text));
    let cell = text_at.and_then(|i| fields.get(i)).ok_or("missing text")?;
    if cell.trim().is_empty() {
        return Err("missing text".into());
    }
    let mut c = Comment::new(Platform::Youtube, id, segments_text(cell));
    if let Some(t) = get(Col::Created) {
        c.created_at = Some(timestamp(&t, opts).map_err(|e| format!("timestamp: {e}"))?);
    }
    c.author.id = get(Col::ChannelId);
    c.author.name = get(Col::Author);
    c.thread_id = get(Col::Video).or_else(|| get(Col::Post));
    c.parent_id = get(Col::Parent)
        .or_else(|| get(Col::TopLevel))
        .filter(|p| *p != c.external_id);
    c.url = get(Col::Video)
        .map(|v| format!("https://www.youtube.com/watch?v={v}&lc={}", c.external_id));
    Ok(c)
}

impl Reader for TakeoutYoutubeReader {
    fn name(&self) -> &'static str {
        "takeout-youtube"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        if !looks_like_text(head) {
            return Detection::No("not text".into());
        }
        let line = first_line(head);
        let cols: Vec<Option<Col>> = line
            .split(',')
            .map(|n| col_for(n.trim_matches('"')))
            .collect();
        let has = |c: Col| cols.contains(&Some(c));
        let keys: Vec<String> = line.split(',').map(column_key).collect();
        let takeout = keys.iter().any(|k| k == "commentid" || k == "livechatid")
            && keys
                .iter()
                .any(|k| k == "commenttext" || k == "livechattext");
        let spam = keys.iter().any(|k| k == "commentid")
            && has(Col::Author)
            && keys.iter().any(|k| k == "content");
        if takeout && has(Col::Created) {
            Detection::Yes(85)
        } else if spam {
            Detection::Yes(60)
        } else {
            Detection::No(
                "the header has no `Comment ID`/`Live chat ID` with `Comment text`, nor \
                 COMMENT_ID, AUTHOR and CONTENT"
                    .into(),
            )
        }
    }

    fn read(
        &self,
        input: &mut dyn BufRead,
        opts: &ReadOptions,
        sink: &mut Sink<'_>,
    ) -> Result<(), ReadError> {
        let mut out = Out::new(sink);
        read_csv(
            input,
            &mut out,
            |names| {
                let cols = columns(names);
                if cols.contains(&Some(Col::Id)) && cols.contains(&Some(Col::Text)) {
                    Ok(cols)
                } else {
                    Err(ReadError::Format(format!(
                        "no comment id and text columns in the header ({})",
                        names.join(", ")
                    )))
                }
            },
            |cols, fields| row(cols, fields, opts),
            opts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::support::collect;

    #[test]
    fn json_fragments_are_joined() {
        assert_eq!(
            segments_text(
                r#"{"text":"see "},{"text":"12:01","videoLink":{"externalVideoId":"v"}}"#
            ),
            "see 12:01"
        );
        assert_eq!(segments_text("plain, text"), "plain, text");
    }

    #[test]
    fn headers_are_matched_by_name_in_any_order() {
        let csv = "Video ID,Comment Text,Comment ID,Comment Create Timestamp,Parent Comment ID\n\
                   v1,\"{\"\"text\"\":\"\"hola\"\"}\",c2,2024-01-01T00:00:00+00:00,c1\n";
        let (cs, bad) = collect(
            &TakeoutYoutubeReader,
            csv.as_bytes(),
            &ReadOptions::default(),
        );
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(cs[0].text, "hola");
        assert_eq!(cs[0].parent_id.as_deref(), Some("c1"));
        assert_eq!(cs[0].thread_id.as_deref(), Some("v1"));
    }
}
