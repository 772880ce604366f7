//! Plain domain values shared by every module: comments, authors, platforms, tags, flags,
//! languages and classifications. No I/O lives here.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a comment was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Facebook,
    Instagram,
    Youtube,
    X,
    Reddit,
    Google,
    Tiktok,
    Linkedin,
    Email,
    /// A website, forum or anything calma has no dedicated name for.
    Web,
}

impl Platform {
    pub const ALL: [Platform; 10] = [
        Platform::Facebook,
        Platform::Instagram,
        Platform::Youtube,
        Platform::X,
        Platform::Reddit,
        Platform::Google,
        Platform::Tiktok,
        Platform::Linkedin,
        Platform::Email,
        Platform::Web,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Youtube => "youtube",
            Platform::X => "x",
            Platform::Reddit => "reddit",
            Platform::Google => "google",
            Platform::Tiktok => "tiktok",
            Platform::Linkedin => "linkedin",
            Platform::Email => "email",
            Platform::Web => "web",
        }
    }

    /// Reads a platform name as people and exports write it ("Twitter", "YT", "google_reviews"…).
    /// Unknown names become [`Platform::Web`] rather than failing a record.
    pub fn from_loose(s: &str) -> Platform {
        s.parse().unwrap_or(Platform::Web)
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k: String = s
            .trim()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        Ok(match k.as_str() {
            "facebook" | "fb" | "meta" | "messenger" => Platform::Facebook,
            "instagram" | "ig" | "insta" => Platform::Instagram,
            "youtube" | "yt" => Platform::Youtube,
            "x" | "twitter" | "tweet" | "tweets" | "xcom" => Platform::X,
            "reddit" => Platform::Reddit,
            "google"
            | "googlereviews"
            | "googlebusiness"
            | "googlebusinessprofile"
            | "gbp"
            | "googlemaps"
            | "reviews" => Platform::Google,
            "tiktok" => Platform::Tiktok,
            "linkedin" => Platform::Linkedin,
            "email" | "mail" => Platform::Email,
            "web" | "website" | "forum" | "blog" | "other" | "" => Platform::Web,
            _ => return Err(format!("unknown platform {s:?}")),
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who wrote a comment, as the platform names them. Every part may be missing: Facebook hides
/// authors from apps without the right permission, deleted Reddit accounts show `[deleted]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuthorRef {
    /// The platform's stable id for the account, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The handle (`@name`, username).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl AuthorRef {
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.handle.is_none() && self.name.is_none()
    }

    /// The key that identifies the author on one platform: id, else handle, else name.
    pub fn key(&self) -> Option<&str> {
        self.id
            .as_deref()
            .or(self.handle.as_deref())
            .or(self.name.as_deref())
    }

    /// What to show a person: display name, else handle, else id.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.handle.as_deref())
            .or(self.id.as_deref())
            .unwrap_or("(unknown)")
    }
}

/// One comment as a reader produced it: the domain value at the ingest edge. Nothing
/// platform-shaped travels further than this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub platform: Platform,
    /// The platform's id for the comment; unique per platform.
    pub external_id: String,
    /// The post, video or conversation the comment belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The comment this one answers (an external id on the same platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "AuthorRef::is_empty")]
    pub author: AuthorRef,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the text was last edited, when the platform says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The language the record declares (ISO 639-1), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// A star rating (1–5) for reviews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    /// Written by the brand itself (a Page reply, a review reply, an outbound tweet): stored in
    /// the thread as our answer, never opens a case.
    #[serde(default)]
    pub is_brand: bool,
    /// Hidden on the platform already.
    #[serde(default)]
    pub hidden: bool,
}

impl Comment {
    pub fn new(
        platform: Platform,
        external_id: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Comment {
            platform,
            external_id: external_id.into(),
            thread_id: None,
            parent_id: None,
            author: AuthorRef::default(),
            text: text.into(),
            created_at: None,
            edited_at: None,
            url: None,
            lang: None,
            rating: None,
            is_brand: false,
            hidden: false,
        }
    }
}

/// What kind of comment it is: the classifier's verdict, correctable by the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    Troll,
    Complaint,
    Constructive,
    Oportunista,
    Other,
}

impl Tag {
    pub const ALL: [Tag; 5] = [
        Tag::Troll,
        Tag::Complaint,
        Tag::Constructive,
        Tag::Oportunista,
        Tag::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Troll => "troll",
            Tag::Complaint => "complaint",
            Tag::Constructive => "constructive",
            Tag::Oportunista => "oportunista",
            Tag::Other => "other",
        }
    }
}

impl FromStr for Tag {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "troll" => Ok(Tag::Troll),
            "complaint" | "legitimate_complaint" => Ok(Tag::Complaint),
            "constructive" => Ok(Tag::Constructive),
            "oportunista" | "opportunist" => Ok(Tag::Oportunista),
            "other" => Ok(Tag::Other),
            _ => Err(format!(
                "unknown tag {s:?} (troll, complaint, constructive, oportunista, other)"
            )),
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Properties of a comment independent of its tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Hate,
    Threat,
    Insult,
    Profanity,
    Spam,
    BotLike,
    AsksCompensation,
    Misinformation,
    Illegal,
    Urgent,
}

impl Flag {
    pub const ALL: [Flag; 10] = [
        Flag::Hate,
        Flag::Threat,
        Flag::Insult,
        Flag::Profanity,
        Flag::Spam,
        Flag::BotLike,
        Flag::AsksCompensation,
        Flag::Misinformation,
        Flag::Illegal,
        Flag::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Hate => "hate",
            Flag::Threat => "threat",
            Flag::Insult => "insult",
            Flag::Profanity => "profanity",
            Flag::Spam => "spam",
            Flag::BotLike => "bot_like",
            Flag::AsksCompensation => "asks_compensation",
            Flag::Misinformation => "misinformation",
            Flag::Illegal => "illegal",
            Flag::Urgent => "urgent",
        }
    }

    /// The bit of this flag in a [`Flags`] set.
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl FromStr for Flag {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase().replace('-', "_");
        Flag::ALL
            .into_iter()
            .find(|f| f.as_str() == k)
            .ok_or_else(|| format!("unknown flag {s:?}"))
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Flag`]s, stored as a bitmask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags(pub u16);

impl Flags {
    pub fn contains(self, f: Flag) -> bool {
        self.0 & f.bit() != 0
    }
    pub fn insert(&mut self, f: Flag) {
        self.0 |= f.bit();
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Flag> for Flags {
    fn from_iter<I: IntoIterator<Item = Flag>>(iter: I) -> Self {
        let mut s = Flags::default();
        for f in iter {
            s.insert(f);
        }
        s
    }
}

impl Serialize for Flags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Flags {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Flag>::deserialize(d)?.into_iter().collect())
    }
}

/// The languages calma has rule packs for; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Es,
    Ru,
    Nl,
    Other,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Es, Lang::Ru, Lang::Nl, Lang::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Ru => "ru",
            Lang::Nl => "nl",
            Lang::Other => "other",
        }
    }

    /// Reads an ISO 639-1/-3 code or an English language name; unknown ones are `Other`.
    pub fn from_code(s: &str) -> Lang {
        let k = s.trim().to_ascii_lowercase();
        let k = k.split(['-', '_']).next().unwrap_or("");
        match k {
            "en" | "eng" | "english" => Lang::En,
            "es" | "spa" | "spanish" | "español" | "espanol" => Lang::Es,
            "ru" | "rus" | "russian" => Lang::Ru,
            "nl" | "nld" | "dut" | "dutch" | "nederlands" => Lang::Nl,
            _ => Lang::Other,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule that fired, with the byte spans of the original text it matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHit {
    /// The rule's id, shared with the compiled rule.
    pub rule: Arc<str>,
    #[serde(default, skip_serializing_if = "Spans::is_empty")]
    pub spans: Spans,
}

/// The byte spans `(start, end)` of one rule hit. Up to [`Spans::INLINE`] of them (most
/// rules' hits) are kept in place, so a verdict's hits allocate nothing and share no counter;
/// more are a stretch of one buffer that every such hit of a verdict shares, so a verdict
/// allocates its spans at most once. Reads as a slice; serialises, compares and prints as one.
#[derive(Clone)]
pub struct Spans(SpansRepr);

#[derive(Clone)]
enum SpansRepr {
    Inline(u8, [(usize, usize); Spans::INLINE]),
    Shared(Arc<[(usize, usize)]>, usize, usize),
}

impl Default for Spans {
    fn default() -> Spans {
        Spans(SpansRepr::Inline(0, [(0, 0); Spans::INLINE]))
    }
}

impl Spans {
    /// The most spans kept in place.
    pub const INLINE: usize = 2;

    /// The spans `all[range]`: kept in place when there are at most [`Spans::INLINE`], else
    /// sharing `all`. Panics, as slicing does, when `range` is not within `all`.
    pub fn shared(all: &Arc<[(usize, usize)]>, range: std::ops::Range<usize>) -> Spans {
        let spans = &all[range.clone()];
        if spans.len() <= Spans::INLINE {
            return Spans::new(spans);
        }
        Spans(SpansRepr::Shared(Arc::clone(all), range.start, range.end))
    }

    /// A copy of `spans`: in place when there are at most [`Spans::INLINE`], else in a
    /// buffer of their own.
    pub fn new(spans: &[(usize, usize)]) -> Spans {
        if spans.len() > Spans::INLINE {
            return Spans(SpansRepr::Shared(spans.into(), 0, spans.len()));
        }
        // Element by element: a copy of a length known only now is a `memcpy` call, which
        // costs more than the two moves.
        let inline = match *spans {
            [a] => [a, (0, 0)],
            [a, b] => [a, b],
            _ => [(0, 0); Spans::INLINE],
        };
        Spans(SpansRepr::Inline(spans.len() as u8, inline))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::ops::Deref for Spans {
    type Target = [(usize, usize)];
    fn deref(&self) -> &[(usize, usize)] {
        match &self.0 {
            SpansRepr::Inline(n, spans) => &spans[..usize::from(*n)],
            SpansRepr::Shared(all, start, end) => &all[*start..*end],
        }
    }
}

impl From<Vec<(usize, usize)>> for Spans {
    fn from(v: Vec<(usize, usize)>) -> Spans {
        // A shared buffer copies the vector's contents either way.
        Spans::new(&v)
    }
}

impl<'a> IntoIterator for &'a Spans {
    type Item = &'a (usize, usize);
    type IntoIter = std::slice::Iter<'a, (usize, usize)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for Spans {
    fn eq(&self, other: &Spans) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Spans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Spans {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Spans {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<(usize, usize)>::deserialize(d)?.into())
    }
}

/// The classifier's verdict on one comment, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub tag: Tag,
    pub flags: Flags,
    /// From -1 (very negative) to 1 (very positive).
    pub sentiment: f32,
    pub lang: Lang,
    /// Score per tag, in the order of [`Tag::ALL`].
    #[serde(default)]
    pub scores: Scores,
    #[serde(default)]
    pub rules: Vec<RuleHit>,
    /// The version of the rule packs that produced it.
    #[serde(default)]
    pub pack_version: Arc<str>,
}

impl Classification {
    /// The verdict for a comment nothing has classified yet.
    pub fn unclassified(lang: Lang) -> Self {
        Classification {
            tag: Tag::Other,
            flags: Flags::default(),
            sentiment: 0.0,
            lang,
            scores: Scores::default(),
            rules: Vec::new(),
            pack_version: Arc::default(),
        }
    }
}

/// A verdict's scores, `(tag, score)` pairs with room for one per tag: kept in place, so a
/// verdict allocates nothing for them. Reads as a slice of `(tag, score)` pairs; serialises,
/// compares and prints as one.
#[derive(Clone, Copy)]
pub struct Scores {
    len: u8,
    pairs: [(Tag, f32); Tag::ALL.len()],
}

impl Default for Scores {
    fn default() -> Scores {
        Scores {
            len: 0,
            pairs: [(Tag::Other, 0.0); Tag::ALL.len()],
        }
    }
}

impl Scores {
    /// The scores `pairs`; `None` when there are more than [`Tag::ALL`] has tags.
    pub fn new(pairs: &[(Tag, f32)]) -> Option<Scores> {
        let mut s = Scores::default();
        s.pairs.get_mut(..pairs.len())?.copy_from_slice(pairs);
        s.len = pairs.len() as u8;
        Some(s)
    }

    /// `scores[i]` for the tag `Tag::ALL[i]`, every tag.
    pub fn of_all(scores: [f32; Tag::ALL.len()]) -> Scores {
        let mut s = Scores::default();
        for (pair, (tag, score)) in s.pairs.iter_mut().zip(Tag::ALL.into_iter().zip(scores)) {
            *pair = (tag, score);
        }
        s.len = Tag::ALL.len() as u8;
        s
    }
}

impl std::ops::Deref for Scores {
    type Target = [(Tag, f32)];
    fn deref(&self) -> &[(Tag, f32)] {
        &self.pairs[..usize::from(self.len)]
    }
}

impl PartialEq for Scores {
    fn eq(&self, other: &Scores) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Scores {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Scores {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(Tag, f32)>::deserialize(d)?;
        Scores::new(&pairs).ok_or_else(|| {
            serde::de::Error::invalid_length(pairs.len(), &"at most one score per tag")
        })
    }
}

/// What the store knows of an author when a new comment of theirs arrives: the history the
/// classifier weighs (an opportunist asks again, a troll trolls again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorHistory {
    /// Comments stored before this one.
    pub comments: u32,
    /// Earlier comments flagged `asks_compensation`.
    pub asked_compensation: u32,
    /// Earlier comments tagged `troll`.
    pub trolled: u32,
    /// Earlier comments (any author, any thread) with exactly the same normalised text.
    pub same_text: u32,
    /// The author is muted or blocked.
    pub muted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_read_write_and_print_as_a_list_of_pairs() {
        let s = Scores::of_all([1.5, 0.0, 0.25, 0.0, -1.0]);
        assert_eq!(s.len(), Tag::ALL.len());
        assert_eq!(s[2], (Tag::Constructive, 0.25));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"[["troll",1.5],["complaint",0.0],["constructive",0.25],["oportunista",0.0],["other",-1.0]]"#
        );
        assert_eq!(serde_json::from_str::<Scores>(&json).unwrap(), s);
        let as_vec: Vec<(Tag, f32)> = s.to_vec();
        assert_eq!(format!("{s:?}"), format!("{as_vec:?}"));
        // Fewer than every tag, as stored verdicts may have; none, as an unclassified one.
        let two: Scores = serde_json::from_str(r#"[["troll",1.0],["other",0.5]]"#).unwrap();
        assert_eq!(*two, [(Tag::Troll, 1.0), (Tag::Other, 0.5)]);
        assert!(serde_json::from_str::<Scores>("[]").unwrap().is_empty());
        assert_eq!(Scores::default(), serde_json::from_str("[]").unwrap());
        // More pairs than tags is an error, not a panic.
        let six = r#"[["troll",1],["troll",1],["troll",1],["troll",1],["troll",1],["troll",1]]"#;
        let err = serde_json::from_str::<Scores>(six).unwrap_err().to_string();
        assert!(err.contains("at most one score per tag"), "{err}");
    }

    #[test]
    fn platform_names_are_read_loosely() {
        assert_eq!(Platform::from_loose("Twitter"), Platform::X);
        assert_eq!(Platform::from_loose("google_reviews"), Platform::Google);
        assert_eq!(Platform::from_loose("YT"), Platform::Youtube);
        assert_eq!(Platform::from_loose("myspace"), Platform::Web);
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>().unwrap(), p);
        }
    }

    #[test]
    fn flags_round_trip_through_json() {
        let f: Flags = [Flag::Spam, Flag::Hate].into_iter().collect();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"["hate","spam"]"#);
        let back: Flags = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        for fl in Flag::ALL {
            assert_eq!(fl.as_str().parse::<Flag>().unwrap(), fl);
        }
    }

    #[test]
    fn rule_hits_serialise_and_print_as_with_owned_lists() {
        let v = vec![(0, 4), (10, 250)];
        let s: Spans = v.clone().into();
        assert_eq!(&*s, &v[..]);
        assert_eq!(format!("{s:?}"), format!("{v:?}"));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            serde_json::to_string(&v).unwrap()
        );
        let all: Arc<[(usize, usize)]> = vec![(1, 2), (3, 4), (5, 6)].into();
        let hit = RuleHit {
            rule: "a.b".into(),
            spans: Spans::shared(&all, 1..3),
        };
        assert_eq!(hit.spans, Spans::from(vec![(3, 4), (5, 6)]));
        let json = serde_json::to_string(&hit).unwrap();
        assert_eq!(json, r#"{"rule":"a.b","spans":[[3,4],[5,6]]}"#);
        assert_eq!(serde_json::from_str::<RuleHit>(&json).unwrap(), hit);
        let bare = RuleHit {
            rule: "a.c".into(),
            spans: Spans::shared(&all, 2..2),
        };
        assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"rule":"a.c"}"#);
        let read: RuleHit = serde_json::from_str(r#"{"rule":"a.c"}"#).unwrap();
        assert_eq!(read, bare);
        assert_eq!(format!("{read:?}"), r#"RuleHit { rule: "a.c", spans: [] }"#);
        // More spans than fit in place: shared, or in a buffer of their own; the same either
        // way.
        let many = Spans::shared(&all, 0..3);
        assert_eq!(&*many, &all[..]);
        assert_eq!(many, Spans::new(&all));
        assert_eq!(many, Spans::from(all.to_vec()));
        assert_eq!(serde_json::to_string(&many).unwrap(), "[[1,2],[3,4],[5,6]]");
    }

    #[test]
    fn lang_codes() {
        assert_eq!(Lang::from_code("es-MX"), Lang::Es);
        assert_eq!(Lang::from_code("RU"), Lang::Ru);
        assert_eq!(Lang::from_code("fr"), Lang::Other);
    }

    #[test]
    fn author_key_prefers_the_stable_id() {
        let a = AuthorRef {
            id: Some("42".into()),
            handle: Some("ana".into()),
            name: Some("Ana".into()),
        };
        assert_eq!(a.key(), Some("42"));
        assert_eq!(a.label(), "Ana");
        assert!(AuthorRef::default().is_empty());
    }
}
