//! Reply drafts: the composer's text saved as the operator types, one per case (keyed by the
//! comment id), so a quit or a crash loses nothing. Sending the reply clears it.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

use super::{Result, Store, parse_ts, ts};

/// A saved draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    pub comment_id: i64,
    pub text: String,
    /// The template the draft started from, if any.
    pub template: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Saves (or replaces) the draft of case `comment_id`.
    pub fn save_draft(
        &self,
        comment_id: i64,
        text: &str,
        template: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO drafts (comment_id, text, template, updated_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (comment_id) DO UPDATE SET text = excluded.text, \
                 template = excluded.template, updated_at = excluded.updated_at",
            )?
            .execute(rusqlite::params![comment_id, text, template, ts(now)])?;
        Ok(())
    }

    /// The draft of case `comment_id`, if one was saved.
    pub fn draft(&self, comment_id: i64) -> Result<Option<StoredDraft>> {
        let row = self
            .conn()
            .prepare_cached("SELECT text, template, updated_at FROM drafts WHERE comment_id = ?1")?
            .query_row([comment_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()?;
        row.map(|(text, template, at)| {
            Ok(StoredDraft {
                comment_id,
                text,
                template,
                updated_at: parse_ts(&at)?,
            })
        })
        .transpose()
    }

    /// Forgets the draft of case `comment_id` (after it was sent, or emptied).
    pub fn delete_draft(&self, comment_id: i64) -> Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM drafts WHERE comment_id = ?1")?
            .execute([comment_id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Classification, Comment, Lang, Platform};
    use crate::store::IngestWriter;
    use crate::workflow::SlaConfig;

    #[test]
    fn a_draft_is_saved_replaced_read_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).unwrap();
        let now: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
        {
            let mut w = IngestWriter::new(&store, SlaConfig::default()).unwrap();
            let c = Comment::new(Platform::Facebook, "x1", "Where is my order?");
            let mut verdict = |_: &_| Classification::unclassified(Lang::En);
            w.write(&c, 0, &mut verdict, "test", now).unwrap();
            w.finish().unwrap();
        }
        let id = store
            .comment_by_external(Platform::Facebook, "x1")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.draft(id).unwrap(), None);
        store.save_draft(id, "Hi", None, now).unwrap();
        store
            .save_draft(id, "Hi Ana", Some("acknowledge"), now)
            .unwrap();
        let d = store.draft(id).unwrap().unwrap();
        assert_eq!(
            (d.text.as_str(), d.template.as_deref()),
            ("Hi Ana", Some("acknowledge"))
        );
        store.delete_draft(id).unwrap();
        assert_eq!(store.draft(id).unwrap(), None);
    }
}
