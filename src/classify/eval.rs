//! Evaluation against labelled data: precision, recall and F1 per tag, macro-F1 and a confusion
//! matrix (rows: the label, columns: calma's tag). Used by `calma eval`.

use serde::Serialize;

use crate::domain::Tag;

/// Scores of one tag.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TagScore {
    pub tag: Tag,
    /// How many items carry this label.
    pub support: u32,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// The evaluation of a labelled set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub n: u32,
    pub accuracy: f64,
    /// Mean F1 over the tags that occur as labels.
    pub macro_f1: f64,
    pub tags: Vec<TagScore>,
    /// `confusion[label][predicted]`, both in the order of [`Tag::ALL`].
    pub confusion: [[u32; 5]; 5],
}

fn idx(t: Tag) -> usize {
    Tag::ALL.iter().position(|x| *x == t).unwrap_or(4)
}

/// Builds the report from (label, prediction) pairs.
pub fn evaluate(pairs: impl IntoIterator<Item = (Tag, Tag)>) -> Report {
    let mut m = [[0u32; 5]; 5];
    let mut n = 0;
    for (label, pred) in pairs {
        m[idx(label)][idx(pred)] += 1;
        n += 1;
    }
    let ratio = |a: u32, b: u32| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let mut tags = Vec::new();
    for t in Tag::ALL {
        let i = idx(t);
        let tp = m[i][i];
        let support: u32 = m[i].iter().sum();
        let predicted: u32 = m.iter().map(|row| row[i]).sum();
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        tags.push(TagScore {
            tag: t,
            support,
            precision,
            recall,
            f1,
        });
    }
    let present: Vec<f64> = tags
        .iter()
        .filter(|s| s.support > 0)
        .map(|s| s.f1)
        .collect();
    let macro_f1 = if present.is_empty() {
        0.0
    } else {
        present.iter().sum::<f64>() / present.len() as f64
    };
    let correct: u32 = (0..5).map(|i| m[i][i]).sum();
    Report {
        n,
        accuracy: ratio(correct, n),
        macro_f1,
        tags,
        confusion: m,
    }
}

impl Report {
    /// The report as a plain-text table.
    pub fn to_table(&self) -> String {
        let mut s = format!(
            "{:<14}{:>8}{:>10}{:>8}{:>8}\n",
            "tag", "support", "precision", "recall", "F1"
        );
        for t in &self.tags {
            s += &format!(
                "{:<14}{:>8}{:>10.3}{:>8.3}{:>8.3}\n",
                t.tag.as_str(),
                t.support,
                t.precision,
                t.recall,
                t.f1
            );
        }
        s += &format!(
            "n {}  accuracy {:.3}  macro-F1 {:.3}\n\nconfusion (rows: label, columns: calma)\n{:<14}",
            self.n, self.accuracy, self.macro_f1, ""
        );
        for t in Tag::ALL {
            s += &format!("{:>13}", t.as_str());
        }
        s.push('\n');
        for t in Tag::ALL {
            s += &format!("{:<14}", t.as_str());
            for v in self.confusion[idx(t)] {
                s += &format!("{v:>13}");
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_confusion_follow_the_pairs() {
        let r = evaluate([
            (Tag::Troll, Tag::Troll),
            (Tag::Troll, Tag::Other),
            (Tag::Complaint, Tag::Complaint),
            (Tag::Other, Tag::Troll),
        ]);
        assert_eq!(r.n, 4);
        let troll = r.tags[0];
        assert_eq!(troll.support, 2);
        assert!((troll.precision - 0.5).abs() < 1e-9);
        assert!((troll.recall - 0.5).abs() < 1e-9);
        assert_eq!(r.confusion[0][4], 1);
        assert_eq!(r.confusion[4][0], 1);
        assert!((r.accuracy - 0.5).abs() < 1e-9);
        // Tags absent from the labels do not drag macro-F1 down.
        assert!((r.macro_f1 - (0.5 + 1.0 + 0.0) / 3.0).abs() < 1e-9);
        assert!(r.to_table().contains("macro-F1 0.500"));
    }
}
