//! Google Business Profile reviews: `accounts.locations.reviews.list` responses (`reviews` +
//! `nextPageToken`), single review objects, and the Takeout `reviews.json` of a location, which
//! holds the same objects.
//!
//! `starRating` (`ONE`..`FIVE`) becomes the rating; a review without `comment` (stars only) is
//! kept with empty text. `updateTime` after `createTime` means edited. Google's automatic
//! translation (`(Translated by Google) …\n\n(Original)\n…`) is cut back to the original.
//! `reviewReply` is the brand's own answer: a comment of its own, `<review id>/reply`, whose
//! parent is the review.

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

/// Reads Google Business Profile review responses.
pub struct GoogleReviewsReader;

type S<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
struct Review<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str", rename = "reviewId")]
    review_id: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    name: S<'a>,
    #[serde(default, borrow)]
    reviewer: Option<Reviewer<'a>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "lenient_str",
        rename = "starRating"
    )]
    star_rating: S<'a>,
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    comment: S<'a>,
    #[serde(
        default,
        borrow,
        deserialize_with = "time_field",
        rename = "createTime"
    )]
    create_time: TimeField<'a>,
    #[serde(
        default,
        borrow,
        deserialize_with = "time_field",
        rename = "updateTime"
    )]
    update_time: TimeField<'a>,
    #[serde(default, borrow, rename = "reviewReply")]
    reply: Option<Reply<'a>>,
}

#[derive(Deserialize)]
struct Reviewer<'a> {
    #[serde(
        default,
        borrow,
        deserialize_with = "lenient_str",
        rename = "displayName"
    )]
    display_name: S<'a>,
}

#[derive(Deserialize)]
struct Reply<'a> {
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    comment: S<'a>,
    #[serde(
        default,
        borrow,
        deserialize_with = "time_field",
        rename = "updateTime"
    )]
    update_time: TimeField<'a>,
}

/// The star rating of `ONE`..`FIVE` (or a digit).
fn stars(s: &str) -> Option<u8> {
    Some(match s.trim() {
        "ONE" | "1" => 1,
        "TWO" | "2" => 2,
        "THREE" | "3" => 3,
        "FOUR" | "4" => 4,
        "FIVE" | "5" => 5,
        _ => return None,
    })
}

/// The reviewer's own words when Google added a translation, in either order it writes them.
pub fn original_text(s: &str) -> &str {
    const TRANSLATED: &str = "(Translated by Google)";
    const ORIGINAL: &str = "(Original)";
    if s.trim_start().starts_with(TRANSLATED) {
        if let Some(i) = s.find(ORIGINAL) {
            return s[i + ORIGINAL.len()..].trim();
        }
    } else if let Some(i) = s.find(TRANSLATED) {
        return s[..i].trim();
    }
    s
}

impl Review<'_> {
    fn id(&self) -> Option<String> {
        non_empty(self.review_id.as_deref()).or_else(|| {
            self.name
                .as_deref()
                .and_then(|n| n.rsplit('/').next())
                .and_then(|s| non_empty(Some(s)))
        })
    }

    fn to_comments(&self, opts: &ReadOptions) -> Result<(Comment, Option<Comment>), String> {
        let id = self.id().ok_or("missing reviewId")?;
        let created = self
            .create_time
            .parse(opts)
            .map_err(|e| format!("createTime: {e}"))?;
        let updated = self
            .update_time
            .parse(opts)
            .map_err(|e| format!("updateTime: {e}"))?;
        let text = self.comment.as_deref().map(original_text).unwrap_or("");
        let mut c = Comment::new(Platform::Google, id.clone(), text);
        c.created_at = created.or(updated);
        c.edited_at = match (created, updated) {
            (Some(a), Some(b)) if b > a => Some(b),
            _ => None,
        };
        c.thread_id = Some(id.clone());
        c.rating = self.star_rating.as_deref().and_then(stars);
        c.author.name = self
            .reviewer
            .as_ref()
            .and_then(|r| non_empty(r.display_name.as_deref()));
        let reply = match &self.reply {
            Some(r) => {
                let at = r
                    .update_time
                    .parse(opts)
                    .map_err(|e| format!("reviewReply.updateTime: {e}"))?;
                let mut a = Comment::new(
                    Platform::Google,
                    format!("{id}/reply"),
                    r.comment.as_deref().unwrap_or(""),
                );
                a.created_at = at;
                a.parent_id = Some(id.clone());
                a.thread_id = Some(id);
                a.is_brand = true;
                Some(a)
            }
            None => None,
        };
        Ok((c, reply))
    }
}

fn read_element(
    doc: &str,
    raw: &str,
    record: u64,
    opts: &ReadOptions,
    out: &mut Out<'_, '_>,
) -> Result<(), ReadError> {
    let res = parse_raw::<Review>(raw).and_then(|r| r.to_comments(opts));
    match res {
        Ok((review, reply)) => {
            out.send(finish(review, opts))?;
            if let Some(r) = reply {
                out.send(finish(r, opts))?;
            }
        }
        Err(e) => out.send(bad_json(doc, record, raw, e))?,
    }
    Ok(())
}

impl Reader for GoogleReviewsReader {
    fn name(&self) -> &'static str {
        "google-reviews"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        detect_json(
            head,
            &[],
            &["\"starRating\"", "\"reviewId\"", "\"reviewReply\""],
            &[],
            85,
            "Business Profile review keys (\"starRating\", \"reviewId\" or \"reviewReply\")",
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
            for raw in env.data.unwrap_or_default() {
                let n = out.next_record();
                read_element(&doc, raw.get(), n, opts, &mut out)?;
            }
            return Ok(());
        }
        let parsed = match parse_doc(&doc) {
            Ok(d) => d,
            Err(e) => {
                let r = recover(&doc, &["reviews"], &e)?;
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
            Doc::Object(_) => match parsed.get("reviews") {
                Some(list) => {
                    raw_elements(list).map_err(|e| ReadError::Format(format!("`reviews`: {e}")))?
                }
                // A page with no reviews has no `reviews` key at all.
                None if parsed.get("reviewId").is_none() && parsed.get("name").is_none() => {
                    Vec::new()
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

    #[test]
    fn translations_keep_the_original() {
        assert_eq!(
            original_text("(Translated by Google) Tasty\n\n(Original)\nВкусно"),
            "Вкусно"
        );
        assert_eq!(
            original_text("Muy rico\n\n(Translated by Google)\nVery tasty"),
            "Muy rico"
        );
        assert_eq!(original_text("Plain"), "Plain");
    }

    #[test]
    fn stars_only_reviews_and_replies() {
        let doc = r#"{"reviews":[{"reviewId":"R1","reviewer":{"displayName":"Ana"},"starRating":"TWO",
          "createTime":"2024-01-01T00:00:00Z","updateTime":"2024-01-02T00:00:00Z",
          "reviewReply":{"comment":"Sorry!","updateTime":"2024-01-03T00:00:00Z"}}]}"#;
        let (cs, bad) = crate::ingest::support::collect(
            &GoogleReviewsReader,
            doc.as_bytes(),
            &ReadOptions::default(),
        );
        assert!(bad.is_empty());
        assert_eq!(cs[0].text, "");
        assert_eq!(cs[0].rating, Some(2));
        assert!(cs[0].edited_at.is_some());
        assert_eq!(cs[1].external_id, "R1/reply");
        assert_eq!(cs[1].parent_id.as_deref(), Some("R1"));
        assert!(cs[1].is_brand);
    }
}
