//! FNV-1a, the one hash calma keeps: stored comment hashes, text fingerprints, pack versions
//! and the classifier's cache keys all use it, so a value computed in one place matches one
//! computed in another.

/// Where an FNV-1a hash starts.
pub(crate) const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// One byte more of an FNV-1a hash.
#[inline(always)]
pub(crate) const fn step(h: u64, byte: u8) -> u64 {
    (h ^ byte as u64).wrapping_mul(0x0100_0000_01b3)
}

/// FNV-1a of `bytes` continued from `h` ([`OFFSET`] for a fresh hash).
pub(crate) fn hash(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| step(h, b))
}
