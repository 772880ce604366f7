//! Synthetic comments for benchmarks: a deterministic stream in English, Spanish, Russian and
//! Dutch (80–300 characters, about a quarter Cyrillic), shaped like the real thing — threads,
//! replies, repeat authors, a few rule phrases — so that speed is measured on realistic text.

use std::io::Write;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const EN: &[&str] = &[
    "my order",
    "still has not arrived",
    "the delivery was late again",
    "thank you for the help",
    "the product is broken",
    "I want a refund",
    "customer service never answers",
    "great app",
    "it would be better if",
    "you could add",
    "because the battery",
    "for example yesterday",
    "what a joke",
    "waiting for two weeks",
    "the courier",
    "my package",
    "love this store",
    "charged twice",
    "cancelled without notice",
    "please fix",
    "the screen",
    "nobody replies",
];
const ES: &[&str] = &[
    "mi pedido",
    "todavía no ha llegado",
    "el envío llegó tarde",
    "gracias por la ayuda",
    "el producto está roto",
    "quiero un reembolso",
    "nadie contesta",
    "me encanta la tienda",
    "sería mejor si",
    "podrían añadir",
    "porque la batería",
    "por ejemplo ayer",
    "qué vergüenza",
    "llevo dos semanas esperando",
    "el repartidor",
    "me cobraron dos veces",
    "me merezco un descuento",
];
const RU: &[&str] = &[
    "мой заказ",
    "до сих пор не пришёл",
    "доставка опять опоздала",
    "спасибо за помощь",
    "товар сломан",
    "хочу вернуть деньги",
    "поддержка не отвечает",
    "отличный магазин",
    "было бы лучше если",
    "предлагаю добавить",
    "потому что батарея",
    "например вчера",
    "жду уже две недели",
    "курьер",
    "списали деньги дважды",
    "верните деньги",
];
const NL: &[&str] = &[
    "mijn bestelling",
    "is nog steeds niet aangekomen",
    "de levering was weer te laat",
    "bedankt voor de hulp",
    "het product is kapot",
    "ik wil mijn geld terug",
    "de klantenservice reageert niet",
    "geweldige winkel",
    "het zou beter zijn als",
    "jullie zouden kunnen",
    "omdat de batterij",
    "bijvoorbeeld gisteren",
    "wacht al twee weken",
    "de bezorger",
    "twee keer afgeschreven",
];
const PLATFORMS: &[&str] = &["facebook", "instagram", "youtube", "x", "reddit", "google"];
const EMOJI: &[&str] = &["😡", "🙏", "👍", "😂", "💔", "🔥"];

/// One synthetic comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthComment {
    pub id: String,
    pub platform: &'static str,
    pub author: String,
    pub text: String,
    pub created_at: String,
    pub parent_id: Option<String>,
    pub thread_id: String,
}

/// The `i`-th comment of the stream seeded by `seed`.
pub fn comment(rng: &mut Rng, i: u64) -> SynthComment {
    let lang = match rng.below(100) {
        0..=39 => EN,
        40..=64 => ES,
        65..=89 => RU,
        _ => NL,
    };
    let target = 80 + rng.below(221) as usize;
    let mut text = String::with_capacity(target + 40);
    while text.chars().count() < target {
        let mut phrase = (*rng.pick(lang)).to_owned();
        match rng.below(12) {
            0 => phrase = phrase.to_uppercase(),
            1 => {
                let emoji = rng.pick(EMOJI);
                phrase.push_str(emoji);
            }
            2 => phrase.push('!'),
            3 => phrase.push_str(", "),
            _ => {}
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&phrase);
    }
    let text: String = text.chars().take(300).collect();
    let thread = rng.below(20_000);
    let parent = (rng.below(10) < 4 && i > 0).then(|| format!("s{}", rng.below(i)));
    let secs = 1_763_000_000 + i * 3 + rng.below(120);
    SynthComment {
        id: format!("s{i}"),
        platform: rng.pick::<&str>(PLATFORMS),
        author: format!("user{}", rng.below(50_000)),
        text,
        created_at: chrono::DateTime::from_timestamp(secs as i64, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        parent_id: parent,
        thread_id: format!("t{thread}"),
    }
}

/// The CSV header of [`write_csv`], in column order.
pub const CSV_HEADER: [&str; 7] = [
    "id",
    "platform",
    "author",
    "text",
    "created_at",
    "parent_id",
    "thread_id",
];

/// Writes `n` comments as CSV with a header.
pub fn write_csv(out: impl Write, n: u64, seed: u64) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    let mut rng = Rng::new(seed);
    for i in 0..n {
        let c = comment(&mut rng, i);
        w.write_record([
            c.id.as_str(),
            c.platform,
            &c.author,
            &c.text,
            &c.created_at,
            c.parent_id.as_deref().unwrap_or(""),
            &c.thread_id,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `n` comments as NDJSON.
pub fn write_ndjson(mut out: impl Write, n: u64, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    for i in 0..n {
        let c = comment(&mut rng, i);
        let v = serde_json::json!({
            "id": c.id, "platform": c.platform, "author": c.author, "text": c.text,
            "created_at": c.created_at, "parent_id": c.parent_id, "thread_id": c.thread_id,
        });
        serde_json::to_writer(&mut out, &v)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_deterministic_and_shaped_as_promised() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<SynthComment> = (0..2000).map(|i| comment(&mut a, i)).collect();
        let ys: Vec<SynthComment> = (0..2000).map(|i| comment(&mut b, i)).collect();
        assert_eq!(xs, ys);
        let cyrillic = xs
            .iter()
            .filter(|c| c.text.chars().any(|ch| ('а'..='я').contains(&ch)))
            .count();
        assert!((400..=600).contains(&cyrillic), "{cyrillic} of 2000");
        assert!(
            xs.iter()
                .all(|c| (80..=300).contains(&c.text.chars().count()))
        );
    }
}
