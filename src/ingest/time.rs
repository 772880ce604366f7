//! Timestamps in every shape exports use: RFC 3339 with or without fractions, `+0000` offsets
//! without a colon, Twitter's `Sat May 13 17:20:09 +0000 2023`, epoch seconds or milliseconds
//! (numbers, floats or strings), and naive times, taken as UTC or in a given time zone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Epoch values at or above this are milliseconds (this is 2286 in seconds, 1973 in ms).
const MS_THRESHOLD: f64 = 1.0e11;

/// Parses a timestamp string. Naive times are read in `tz` (UTC when `None`).
pub fn parse_timestamp(s: &str, tz: Option<Tz>) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty timestamp".into());
    }
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let v: f64 = t
            .parse()
            .map_err(|_| format!("unreadable timestamp {t:?}"))?;
        return from_epoch(v).ok_or_else(|| format!("epoch value out of range: {t}"));
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    // Offsets without a colon (`+0000`), a space instead of `T`, Twitter's v1.1 shape, RFC 2822.
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%a %b %d %H:%M:%S %z %Y",
    ] {
        if let Ok(d) = DateTime::parse_from_str(t, f) {
            return Ok(d.with_timezone(&Utc));
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return Ok(d.with_timezone(&Utc));
    }
    let t_no_z = t.strip_suffix(" UTC").unwrap_or(t);
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t_no_z, f) {
            return naive_in(n, tz);
        }
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t_no_z, f) {
            return naive_in(d.and_hms_opt(0, 0, 0).expect("midnight exists"), tz);
        }
    }
    Err(format!("unreadable timestamp {t:?}"))
}

/// Reads epoch seconds, or milliseconds when the value is too large to be seconds.
pub fn from_epoch(v: f64) -> Option<DateTime<Utc>> {
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    let ms = if v >= MS_THRESHOLD { v } else { v * 1000.0 };
    if ms > 1.0e15 {
        return None;
    }
    DateTime::from_timestamp_millis(ms.round() as i64)
}

/// Reads a JSON value holding a timestamp: a string in any shape above, or an epoch number.
pub fn parse_json_timestamp(
    v: &serde_json::Value,
    tz: Option<Tz>,
) -> Result<Option<DateTime<Utc>>, String> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
        serde_json::Value::String(s) => parse_timestamp(s, tz).map(Some),
        serde_json::Value::Number(n) => n
            .as_f64()
            .and_then(from_epoch)
            .map(Some)
            .ok_or_else(|| format!("epoch value out of range: {n}")),
        other => Err(format!("timestamp is not a string or number: {other}")),
    }
}

fn naive_in(n: NaiveDateTime, tz: Option<Tz>) -> Result<DateTime<Utc>, String> {
    match tz {
        None => Ok(Utc.from_utc_datetime(&n)),
        Some(tz) => tz
            .from_local_datetime(&n)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| format!("{n} does not exist in {tz}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_shape_seen_in_exports() {
        let want = utc("2023-05-13T17:20:09Z");
        for s in [
            "2023-05-13T17:20:09Z",
            "2023-05-13T17:20:09.000Z",
            "2023-05-13T17:20:09+0000",
            "2023-05-13T19:20:09+02:00",
            "2023-05-13T17:20:09.000000+00:00",
            "Sat May 13 17:20:09 +0000 2023",
        ] {
            assert_eq!(parse_timestamp(s, None).unwrap(), want, "{s}");
        }
        assert_eq!(parse_timestamp("1683998409", None).unwrap(), want);
        assert_eq!(parse_timestamp("1683998409000", None).unwrap(), want);
        assert_eq!(parse_timestamp("1683998409.0", None).unwrap(), want);
        assert_eq!(parse_timestamp("2023-05-13 17:20:09", None).unwrap(), want);
        assert_eq!(parse_timestamp("2023-05-13T17:20:09", None).unwrap(), want);
    }

    #[test]
    fn naive_times_follow_the_given_zone() {
        let madrid: Tz = "Europe/Madrid".parse().unwrap();
        assert_eq!(
            parse_timestamp("2023-05-13 19:20:09", Some(madrid)).unwrap(),
            utc("2023-05-13T17:20:09Z")
        );
        // An explicit offset wins over the zone.
        assert_eq!(
            parse_timestamp("2023-05-13T17:20:09Z", Some(madrid)).unwrap(),
            utc("2023-05-13T17:20:09Z")
        );
    }

    #[test]
    fn json_numbers_are_epochs() {
        let want = utc("2023-05-13T17:20:09Z");
        let v = serde_json::json!(1683998409.0);
        assert_eq!(parse_json_timestamp(&v, None).unwrap(), Some(want));
        let v = serde_json::json!(1683998409000u64);
        assert_eq!(parse_json_timestamp(&v, None).unwrap(), Some(want));
        assert_eq!(
            parse_json_timestamp(&serde_json::Value::Null, None).unwrap(),
            None
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for s in [
            "yesterday",
            "2023-13-45",
            "-5",
            "1.2.3.4",
            "99999999999999999999",
            "",
            "1.2.3",
        ] {
            assert!(parse_timestamp(s, None).is_err(), "{s}");
        }
    }
}
