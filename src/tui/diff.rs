//! A word diff between two versions of a comment (longest common subsequence over words), for
//! the case pane's version history.

/// One piece of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// Longer texts are shown as a whole replacement (the table is quadratic).
const MAX_WORDS: usize = 600;

/// The words of `old` and `new` as kept, removed and added, in reading order.
pub fn word_diff<'a>(old: &'a str, new: &'a str) -> Vec<Piece<'a>> {
    let a: Vec<&str> = old.split_whitespace().collect();
    let b: Vec<&str> = new.split_whitespace().collect();
    if a.len() > MAX_WORDS || b.len() > MAX_WORDS {
        let mut out: Vec<Piece> = a.into_iter().map(Piece::Removed).collect();
        out.extend(b.into_iter().map(Piece::Added));
        return out;
    }
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0u16; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len() + b.len());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(Piece::Same(a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(Piece::Removed(a[i]));
            i += 1;
        } else {
            out.push(Piece::Added(b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|w| Piece::Removed(w)));
    out.extend(b[j..].iter().map(|w| Piece::Added(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_shows_the_changed_words_only() {
        let d = word_diff("the order never came", "the order came late");
        assert_eq!(
            d,
            vec![
                Piece::Same("the"),
                Piece::Same("order"),
                Piece::Removed("never"),
                Piece::Same("came"),
                Piece::Added("late"),
            ]
        );
    }

    #[test]
    fn identical_texts_have_no_changes() {
        assert!(
            word_diff("a b c", "a  b c")
                .iter()
                .all(|p| matches!(p, Piece::Same(_)))
        );
    }
}
