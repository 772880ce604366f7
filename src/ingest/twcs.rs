//! The "Customer Support on Twitter" CSV (`tweet_id, author_id, inbound, created_at, text,
//! response_tweet_id, in_response_to_tweet_id`): customers writing to brands and the brands'
//! answers.
//!
//! `inbound=False` rows are the brand's replies. Customers are anonymised to numbers (an id),
//! brands keep their handle. Text is HTML-escaped. The thread is the root of the reply chain
//! as far as the rows read so far tell it, through both `in_response_to_tweet_id` and
//! `response_tweet_id`, so memory holds one link per tweet, not the comments.

use std::io::BufRead;
use std::path::Path;

use super::support::{
    Out, Threads, column_key, decode_entities, first_line, non_empty, read_csv, timestamp,
};
use super::{Detection, ReadError, ReadOptions, Reader, Sink, looks_like_text};
use crate::domain::{Comment, Platform};

/// Reads the TWCS customer-support CSV.
pub struct TwcsReader;

#[derive(Default)]
struct Cols {
    id: Option<usize>,
    author: Option<usize>,
    inbound: Option<usize>,
    created: Option<usize>,
    text: Option<usize>,
    responses: Option<usize>,
    parent: Option<usize>,
}

fn cols(names: &[String]) -> Cols {
    let at = |k: &str| names.iter().position(|n| column_key(n) == k);
    Cols {
        id: at("tweetid"),
        author: at("authorid"),
        inbound: at("inbound"),
        created: at("createdat"),
        text: at("text"),
        responses: at("responsetweetid"),
        parent: at("inresponsetotweetid"),
    }
}

/// `119237.0` (as pandas writes ids) → `119237`.
fn tweet_id(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    non_empty(Some(t))
}

struct Rows {
    cols: Cols,
    /// Reply chains, from both link columns.
    threads: Threads,
}

impl Rows {
    fn row(&mut self, f: &[&str], opts: &ReadOptions) -> Result<Comment, String> {
        let cell = |i: Option<usize>| i.and_then(|i| f.get(i).copied());
        let id = cell(self.cols.id)
            .and_then(tweet_id)
            .ok_or("missing tweet_id")?;
        let text = cell(self.cols.text)
            .filter(|t| !t.trim().is_empty())
            .ok_or("missing text")?;
        let mut c = Comment::new(Platform::X, id.clone(), decode_entities(text));
        if let Some(t) = non_empty(cell(self.cols.created)) {
            c.created_at = Some(timestamp(&t, opts).map_err(|e| format!("created_at: {e}"))?);
        }
        if let Some(a) = non_empty(cell(self.cols.author)) {
            if a.bytes().all(|b| b.is_ascii_digit()) {
                c.author.id = Some(a);
            } else {
                c.author.handle = Some(a.trim_start_matches('@').to_owned());
            }
        }
        c.is_brand =
            cell(self.cols.inbound).is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
        c.parent_id = cell(self.cols.parent).and_then(tweet_id);
        if let Some(p) = &c.parent_id {
            self.threads.link(&id, p);
        }
        for child in cell(self.cols.responses).unwrap_or("").split(',') {
            if let Some(ch) = tweet_id(child) {
                self.threads.link(&ch, &id);
            }
        }
        c.thread_id = Some(self.threads.root(&id));
        c.url = Some(format!(
            "https://x.com/{}/status/{id}",
            c.author.handle.as_deref().unwrap_or("i")
        ));
        Ok(c)
    }
}

impl Reader for TwcsReader {
    fn name(&self) -> &'static str {
        "twcs"
    }

    fn detect(&self, _path: &Path, head: &[u8]) -> Detection {
        if !looks_like_text(head) {
            return Detection::No("not text".into());
        }
        let keys: Vec<String> = first_line(head).split(',').map(column_key).collect();
        let has = |k: &str| keys.iter().any(|c| c == k);
        if has("tweetid") && has("inbound") && has("authorid") && has("text") {
            Detection::Yes(85)
        } else {
            Detection::No("the header has no tweet_id, author_id, inbound and text".into())
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
                let cols = cols(names);
                if cols.id.is_none() || cols.text.is_none() {
                    return Err(ReadError::Format(
                        "the header has no tweet_id and text".into(),
                    ));
                }
                Ok(Rows {
                    cols,
                    threads: Threads::default(),
                })
            },
            |rows, f| rows.row(f, opts),
            opts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::support::collect;

    #[test]
    fn brand_replies_threads_and_entities() {
        let csv = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
                   1,115712,True,Tue Oct 31 22:10:47 +0000 2017,@NuboHelp my order &amp; refund?,2,\n\
                   2,NuboHelp,False,Tue Oct 31 22:15:00 +0000 2017,@115712 Sorry! DM us,3,1.0\n\
                   3,115712,True,Tue Oct 31 22:20:00 +0000 2017,done,,2\n";
        let (cs, bad) = collect(&TwcsReader, csv.as_bytes(), &ReadOptions::default());
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(cs.len(), 3);
        assert_eq!(cs[0].text, "@NuboHelp my order & refund?");
        assert_eq!(cs[0].author.id.as_deref(), Some("115712"));
        assert!(!cs[0].is_brand && cs[1].is_brand);
        assert_eq!(cs[1].author.handle.as_deref(), Some("NuboHelp"));
        assert_eq!(cs[1].parent_id.as_deref(), Some("1"));
        assert!(cs.iter().all(|c| c.thread_id.as_deref() == Some("1")));
    }
}
