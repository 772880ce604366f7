//! VADER-style sentiment: lexicon valences adjusted for negation, boosters, capitals, a
//! contrasting "but" and exclamation marks, squashed into [-1, 1]. The lexicons live in the
//! packs (`[lang.xx.sentiment]`); this module only does the arithmetic.

/// One lexicon word found in a text, with what surrounds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cue {
    /// Byte offset in the normalised text.
    pub at: usize,
    /// Valence from the lexicon, -4 to 4.
    pub valence: f32,
    /// A negator stands just before it ("not good").
    pub negated: bool,
    /// A booster stands just before it ("very good").
    pub boosted: bool,
    /// Written in capitals in a text that is not all capitals.
    pub shouted: bool,
}

/// VADER's scalar for negated words.
const NEGATION: f32 = -0.74;
/// VADER's booster increment.
const BOOST: f32 = 0.293;
/// VADER's capitals increment.
const CAPS: f32 = 0.733;
/// VADER's increment per exclamation mark (at most four count).
const EXCLAIM: f32 = 0.292;
/// VADER's normalisation constant.
const ALPHA: f32 = 15.0;

/// The compound score of a text: `cues` in text order, `contrast_at` the position of the first
/// contrast word ("but"), `exclaims` the number of `!`.
pub fn compound(cues: &[Cue], contrast_at: Option<usize>, exclaims: u32) -> f32 {
    if cues.is_empty() {
        return 0.0;
    }
    let mut sum = 0.0f32;
    for c in cues {
        let sign = c.valence.signum();
        let mut v = c.valence;
        if c.boosted {
            v += sign * BOOST;
        }
        if c.shouted {
            v += sign * CAPS;
        }
        if c.negated {
            v *= NEGATION;
        }
        if let Some(b) = contrast_at {
            v *= if c.at < b { 0.5 } else { 1.5 };
        }
        sum += v;
    }
    if sum != 0.0 {
        sum += sum.signum() * EXCLAIM * exclaims.min(4) as f32;
    }
    let score = sum / (sum * sum + ALPHA).sqrt();
    score.clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(at: usize, valence: f32) -> Cue {
        Cue {
            at,
            valence,
            negated: false,
            boosted: false,
            shouted: false,
        }
    }

    #[test]
    fn negation_flips_and_dampens() {
        let good = compound(&[cue(0, 1.9)], None, 0);
        let not_good = compound(
            &[Cue {
                negated: true,
                ..cue(4, 1.9)
            }],
            None,
            0,
        );
        assert!(good > 0.3);
        assert!(not_good < 0.0 && not_good.abs() < good);
    }

    #[test]
    fn but_weighs_the_second_clause() {
        // "the food was good but the service was awful"
        let s = compound(&[cue(9, 1.9), cue(35, -2.0)], Some(18), 0);
        assert!(s < 0.0);
    }

    #[test]
    fn boosters_capitals_and_exclamations_intensify() {
        let plain = compound(&[cue(0, -2.0)], None, 0);
        let loud = compound(
            &[Cue {
                boosted: true,
                shouted: true,
                ..cue(0, -2.0)
            }],
            None,
            3,
        );
        assert!(loud < plain);
        assert!((-1.0..=1.0).contains(&loud));
        assert_eq!(compound(&[], None, 5), 0.0);
    }
}
