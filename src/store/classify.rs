//! Writing verdicts back: `calma reclassify` replaces the stored classification of comments
//! whose verdict changed under new rules, in one transaction, and leaves alone every comment an
//! operator corrected by hand.

use std::collections::HashSet;

use super::{Result, Store};
use crate::domain::Classification;

impl Store {
    /// Comments whose tag an operator corrected: a backtest never overwrites a human.
    pub fn overridden_comments(&self) -> Result<HashSet<i64>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT DISTINCT comment_id FROM classification_overrides")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<HashSet<i64>>>()?;
        Ok(ids)
    }

    /// Replaces the classification of one comment.
    pub fn update_classification(&self, id: i64, v: &Classification) -> Result<()> {
        self.update_classifications(&[(id, v.clone())]).map(|_| ())
    }

    /// Replaces the classification of many comments in one transaction; returns how many rows
    /// changed.
    pub fn update_classifications(&self, verdicts: &[(i64, Classification)]) -> Result<usize> {
        let tx = self.conn().unchecked_transaction()?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare(
                "UPDATE comments SET tag = ?1, flags = ?2, sentiment = ?3, explain = ?4 \
                 WHERE id = ?5",
            )?;
            for (id, v) in verdicts {
                n += stmt.execute(rusqlite::params![
                    v.tag.as_str(),
                    v.flags.0,
                    v.sentiment,
                    super::ingest::explain_json(v),
                    id
                ])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }
}
