//! A fixed-size Bloom filter: the ingest writer's memory of which keys the store may already
//! hold. A record whose key the filter has never seen skips the index lookup it would otherwise
//! cost (the common case in a bulk load: most texts and most thread/author pairs are new); a
//! "maybe" is always checked against the store, so answers never change. Memory is fixed; past
//! its capacity the filter answers "maybe" to everything and the writer asks the store as before.

/// Bits in each filter: 2 MiB, about 0.5 % false positives at a million keys.
const BITS_LOG2: u32 = 24;
/// Keys past which the filter stops filtering (about 10 % false positives there).
const CAPACITY: u64 = 3_000_000;

/// Keys (already hashed to 64 bits) the store may hold.
pub(crate) struct Seen {
    bits: Vec<u64>,
    keys: u64,
}

impl Seen {
    pub(crate) fn new() -> Seen {
        Seen {
            bits: vec![0; 1 << (BITS_LOG2 - 6)],
            keys: 0,
        }
    }

    /// Whether the filter has seen too many keys to say anything.
    pub(crate) fn saturated(&self) -> bool {
        self.keys > CAPACITY
    }

    pub(crate) fn insert(&mut self, key: u64) {
        if self.saturated() {
            return;
        }
        self.keys += 1;
        for bit in probes(key) {
            self.bits[(bit >> 6) as usize] |= 1 << (bit & 63);
        }
    }

    /// False only when `key` was certainly never inserted.
    pub(crate) fn may_contain(&self, key: u64) -> bool {
        self.saturated()
            || probes(key).all(|bit| self.bits[(bit >> 6) as usize] & (1 << (bit & 63)) != 0)
    }
}

/// Three bit positions by double hashing over a SplitMix64 finaliser.
fn probes(key: u64) -> impl Iterator<Item = u64> {
    let h1 = mix(key);
    let h2 = mix(h1) | 1;
    let mask = (1u64 << BITS_LOG2) - 1;
    (0..3u64).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) & mask)
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of a (platform, thread, author) triple, as the writer looks a thread case up.
pub(crate) fn thread_key(platform: &str, thread: &str, author_id: i64) -> u64 {
    let mut h = super::stable_hash(platform.as_bytes()) as u64;
    h = mix(h ^ super::stable_hash(thread.as_bytes()) as u64);
    mix(h ^ author_id as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_forgets_a_key_and_rarely_claims_one() {
        let mut s = Seen::new();
        for k in 0..100_000u64 {
            s.insert(k * 7919);
        }
        assert!((0..100_000u64).all(|k| s.may_contain(k * 7919)));
        let false_hits = (0..100_000u64)
            .filter(|k| s.may_contain(k * 7919 + 1))
            .count();
        assert!(false_hits < 100, "{false_hits} false positives");
    }

    #[test]
    fn says_maybe_to_everything_once_full() {
        let mut s = Seen::new();
        assert!(!s.may_contain(42));
        s.keys = CAPACITY + 1;
        assert!(s.may_contain(42));
    }

    #[test]
    fn thread_keys_tell_their_parts_apart() {
        let a = thread_key("x", "t1", 1);
        assert_ne!(a, thread_key("x", "t1", 2));
        assert_ne!(a, thread_key("x", "t2", 1));
        assert_ne!(a, thread_key("reddit", "t1", 1));
        assert_eq!(a, thread_key("x", "t1", 1));
    }
}
