//! The platform readers on the project's own fixtures (`fixtures/<platform>/`, a fictional
//! retailer "Nubo"): what a community manager would see of each export — counts, authors,
//! times, threads, the brand's own replies, edits — plus detection and malformed input.

use std::path::{Path, PathBuf};

use calma::domain::{Comment, Platform};
use calma::ingest::{
    BadRecord, BrandIds, Detection, FileError, Item, ReadOptions, detect, read_file, read_from,
    readers,
};
use chrono::{DateTime, Utc};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn nubo() -> ReadOptions {
    let mut brand = BrandIds {
        any: vec!["@NuboHelp".into()],
        ..Default::default()
    };
    brand
        .per_platform
        .insert(Platform::Youtube, vec!["UCnubo000000000000000001".into()]);
    brand
        .per_platform
        .insert(Platform::Reddit, vec!["NuboOfficial".into()]);
    ReadOptions {
        brand,
        ..Default::default()
    }
}

struct Read {
    reader: &'static str,
    good: Vec<Comment>,
    bad: Vec<BadRecord>,
}

impl Read {
    fn by_id(&self, id: &str) -> &Comment {
        self.good
            .iter()
            .find(|c| c.external_id == id)
            .unwrap_or_else(|| panic!("no comment {id}"))
    }
}

fn read_with(rel: &str, opts: &ReadOptions) -> Read {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let reader = read_file(&fixture(rel), None, opts, &mut |i| {
        match i {
            Item::Comment(c) => good.push(*c),
            Item::Bad(b) => bad.push(b),
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{rel}: {e}"));
    Read { reader, good, bad }
}

fn read(rel: &str) -> Read {
    read_with(rel, &nubo())
}

fn bytes_with(
    name: &str,
    input: &[u8],
    format: Option<&str>,
) -> Result<(Vec<Comment>, Vec<BadRecord>), FileError> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    read_from(Path::new(name), input, format, &nubo(), &mut |i| {
        match i {
            Item::Comment(c) => good.push(*c),
            Item::Bad(b) => bad.push(b),
        }
        Ok(())
    })?;
    Ok((good, bad))
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

const POST: &str = "900800700600";

#[test]
fn facebook_pages_without_ids_or_authors() {
    let p1 = read("facebook/page_post_comments_p1.json");
    assert_eq!(p1.reader, "facebook");
    assert!(p1.bad.is_empty(), "{:?}", p1.bad);
    assert_eq!(p1.good.len(), 5);
    let top = p1.by_id(&format!("{POST}_1001"));
    assert_eq!(top.platform, Platform::Facebook);
    assert_eq!(top.thread_id.as_deref(), Some(POST));
    assert_eq!(top.parent_id, None);
    assert!(
        top.author.is_empty(),
        "Facebook hides authors without a Page token"
    );
    assert_eq!(top.created_at, at("2024-03-04T09:12:44Z"));
    let answer = p1.by_id(&format!("{POST}_1002"));
    assert_eq!(answer.parent_id.as_deref(), Some(&*format!("{POST}_1001")));
    assert!(answer.is_brand, "the Page answering on its own post");
    assert_eq!(answer.author.name.as_deref(), Some("Nubo"));
    let rtl = p1.by_id(&format!("{POST}_1004"));
    assert_eq!(rtl.text, "الطلب لم يصل بعد، متى سيصل؟");
    assert!(!rtl.is_brand);
    assert!(p1.by_id(&format!("{POST}_1005")).hidden);

    let p2 = read("facebook/page_post_comments_p2.json");
    assert!(p2.bad.is_empty(), "{:?}", p2.bad);
    assert_eq!(p2.good.len(), 4);
    assert!(p2.by_id(&format!("{POST}_1007")).is_brand);
    assert!(!p2.by_id(&format!("{POST}_1006")).is_brand);
    assert_eq!(
        p2.by_id(&format!("{POST}_1009")).text,
        "",
        "a photo-only comment"
    );
}

#[test]
fn facebook_single_objects_and_ids_lookups() {
    let one = read("facebook/comment_object_full.json");
    assert_eq!(one.good.len(), 1);
    let c = &one.good[0];
    assert_eq!(c.external_id, format!("{POST}_1010"));
    assert_eq!(c.author.id.as_deref(), Some("4440001"));
    assert_eq!(c.author.name.as_deref(), Some("Marta Ruiz"));
    assert_eq!(c.parent_id.as_deref(), Some(&*format!("{POST}_1001")));

    let ids = read("facebook/comments_by_ids.json");
    assert_eq!(ids.good.len(), 2);
    assert!(ids.by_id(&format!("{POST}_1012")).is_brand);
    assert_eq!(
        ids.by_id(&format!("{POST}_1012")).parent_id.as_deref(),
        Some(&*format!("{POST}_1011"))
    );
}

#[test]
fn instagram_nested_replies_and_paged_comments() {
    let nested = read("instagram/ig_comment_with_replies.json");
    assert_eq!(nested.reader, "instagram");
    assert_eq!(nested.good.len(), 3);
    let top = nested.by_id("17850000000000006");
    assert_eq!(top.author.handle.as_deref(), Some("marta.r"));
    assert_eq!(top.thread_id.as_deref(), Some("17900011122233344"));
    let ours = nested.by_id("17850000000000007");
    assert_eq!(ours.parent_id.as_deref(), Some("17850000000000006"));
    assert_eq!(ours.thread_id.as_deref(), Some("17900011122233344"));
    assert!(
        ours.is_brand,
        "`user` is only returned for the account's own comments"
    );
    assert!(!nested.by_id("17850000000000008").is_brand);

    let p1 = read("instagram/ig_media_comments_p1.json");
    assert_eq!(p1.good.len(), 3);
    assert_eq!(
        p1.by_id("17850000000000002").author.handle.as_deref(),
        Some("joao_p"),
        "from{{username}} in newer API versions"
    );
    assert!(
        p1.good
            .iter()
            .all(|c| c.thread_id.as_deref() == Some("17900011122233344")),
        "the post comes from the page URL"
    );
    let p2 = read("instagram/ig_media_comments_p2.json");
    assert_eq!(p2.good.len(), 2);
    assert!(p2.by_id("17850000000000004").author.is_empty());
    assert!(p2.by_id("17850000000000005").hidden, "a numeric id is read");

    let ids = read("instagram/ig_comments_by_ids.json");
    assert_eq!(ids.reader, "instagram");
    assert_eq!(ids.good.len(), 2, "an `?ids=` lookup keyed by comment id");
    assert_eq!(
        ids.by_id("17850000000000010").author.handle.as_deref(),
        Some("li.wei")
    );

    let reply = read("instagram/ig_reply.json");
    assert_eq!(
        reply.good[0].parent_id.as_deref(),
        Some("17850000000000001")
    );
}

#[test]
fn youtube_threads_replies_edits_and_owner_answers() {
    let p1 = read("youtube/commentThreads_list_by_video_p1.json");
    assert_eq!(p1.reader, "youtube");
    assert_eq!(p1.good.len(), 5);
    let edited = p1.by_id("UgzNubo0001");
    assert_eq!(
        edited.text,
        "The X2 battery died after 3 weeks. Not happy <b>at all</b>"
    );
    assert_eq!(edited.created_at, at("2024-03-01T10:00:00Z"));
    assert_eq!(edited.edited_at, at("2024-03-01T12:30:00Z"));
    assert_eq!(edited.author.handle.as_deref(), Some("lucia_tech"));
    assert_eq!(edited.thread_id.as_deref(), Some("nUb0vId3o01"));
    assert_eq!(
        edited.url.as_deref(),
        Some("https://www.youtube.com/watch?v=nUb0vId3o01&lc=UgzNubo0001")
    );
    let answer = p1.by_id("UgzNubo0001.AAA1");
    assert_eq!(answer.parent_id.as_deref(), Some("UgzNubo0001"));
    assert!(answer.is_brand);
    assert_eq!(answer.edited_at, None);
    assert_eq!(
        p1.by_id("UgzNubo0002").text,
        "Great review, thanks! 👍 https://nubo.example/x2",
        "textOriginal, not the HTML of textDisplay"
    );

    let p2 = read("youtube/commentThreads_list_by_video_p2.json");
    assert_eq!(p2.good.len(), 2);
    assert_eq!(
        p2.by_id("UgzNubo0006").text,
        "Does it come in green? it's my fav"
    );

    let replies = read("youtube/comments_list_replies_by_parent_p1.json");
    assert_eq!(replies.good.len(), 2);
    assert!(
        replies.by_id("UgzNubo0003.BBB1").is_brand,
        "brand channel from the config"
    );
    assert!(!replies.by_id("UgzNubo0003.BBB2").is_brand);
    assert_eq!(
        replies.by_id("UgzNubo0003.BBB2").parent_id.as_deref(),
        Some("UgzNubo0003")
    );
}

#[test]
fn x_archive_tweets_are_the_brand_s_with_edit_versions() {
    let r = read("x_archive/tweets.js");
    assert_eq!(r.reader, "x-archive");
    assert!(r.bad.is_empty());
    assert_eq!(r.good.len(), 6);
    assert!(
        r.good
            .iter()
            .all(|c| c.is_brand && c.platform == Platform::X)
    );
    assert!(
        r.good
            .iter()
            .all(|c| c.author.handle.as_deref() == Some("NuboHelp")),
        "the archive owner is the one configured identity"
    );
    let versions: Vec<&Comment> = r
        .good
        .iter()
        .filter(|c| c.external_id == "1760000000000000003")
        .collect();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0].text,
        "Spring sale: 20% off all headphnes until Sunday"
    );
    assert_eq!(versions[0].edited_at, None);
    assert_eq!(
        versions[1].text,
        "Spring sale: 20% off <all> headphones until Sunday 🎧"
    );
    assert_eq!(versions[1].created_at, at("2024-03-04T09:00:00Z"));
    assert_eq!(versions[1].edited_at, at("2024-03-04T09:05:00Z"));
    let reply = r.by_id("1760000000000000005");
    assert_eq!(
        reply.text,
        "@ana_g Thanks for waiting! Your replacement ships today & tracking is in your DM 📦"
    );
    assert_eq!(reply.parent_id.as_deref(), Some("1760000000000000001"));
    assert_eq!(reply.thread_id.as_deref(), Some("1760000000000000001"));
    assert_eq!(reply.lang.as_deref(), Some("en"));
}

#[test]
fn x_api_joins_authors_and_follows_conversations() {
    let p1 = read("x_api/search_recent_p1.json");
    assert_eq!(p1.reader, "x-api");
    assert_eq!(p1.good.len(), 4);
    let angry = p1.by_id("1770000000000000010");
    assert_eq!(angry.author.handle.as_deref(), Some("ana_g"));
    assert_eq!(angry.author.name.as_deref(), Some("Ana García"));
    assert_eq!(angry.author.id.as_deref(), Some("2001"));
    assert_eq!(
        angry.text,
        "@NuboHelp 3rd time asking: where is my refund?? >:("
    );
    assert_eq!(angry.parent_id.as_deref(), Some("1770000000000000002"));
    assert_eq!(angry.thread_id.as_deref(), Some("1770000000000000001"));
    assert!(!angry.is_brand);
    assert!(p1.by_id("1770000000000000011").is_brand);
    let edits: Vec<&Comment> = p1
        .good
        .iter()
        .filter(|c| c.external_id == "1770000000000000012")
        .collect();
    assert_eq!(
        edits.len(),
        2,
        "the older version from includes.tweets, then the newest"
    );
    assert!(!edits[0].text.contains("edited"));
    assert!(edits[1].text.contains("Dubai Mall"));
    assert_eq!(edits[1].edited_at, at("2024-03-06T11:05:00Z"));
    assert_eq!(edits[0].thread_id, edits[1].thread_id);

    let p2 = read("x_api/search_recent_p2.json");
    assert_eq!(p2.good.len(), 2);
    assert!(
        p2.by_id("1770000000000000020")
            .text
            .contains("Long version")
    );
    let quote = p2.by_id("1770000000000000021");
    assert_eq!(quote.parent_id, None, "a quote is not a reply");
    assert_eq!(quote.lang, None, "`und` is no language");
    assert_eq!(quote.author.id.as_deref(), Some("2999"));

    let one = read("x_api/tweet_lookup.json");
    assert_eq!(one.good.len(), 1);
    assert_eq!(one.good[0].author.handle.as_deref(), Some("ana_g"));
}

#[test]
fn reddit_reply_trees() {
    let r = read("reddit/comments_listing_nubo.json");
    assert_eq!(r.reader, "reddit");
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(
        r.good.len(),
        7,
        "the submission and `more` stubs are not comments"
    );
    let top = r.by_id("kq1aaa");
    assert_eq!(top.parent_id, None);
    assert_eq!(top.thread_id.as_deref(), Some("1b2nubo"));
    assert_eq!(top.author.handle.as_deref(), Some("ferran_bcn"));
    assert_eq!(top.created_at, at("2024-02-29T10:03:20Z"));
    assert_eq!(top.edited_at, at("2024-02-29T10:13:20Z"));
    let ours = r.by_id("kq1bbb");
    assert_eq!(ours.parent_id.as_deref(), Some("kq1aaa"));
    assert!(ours.is_brand);
    assert_eq!(r.by_id("kq1ccc").parent_id.as_deref(), Some("kq1bbb"));
    let deleted = r.by_id("kq1ddd");
    assert!(deleted.author.is_empty());
    assert_eq!(deleted.text, "[deleted]");
    assert_eq!(r.by_id("kq1ggg").text, "[removed]");
    assert_eq!(
        r.by_id("kq1eee").url.as_deref(),
        Some("https://www.reddit.com/r/NuboTech/comments/1b2nubo/nubo_x2_launch/kq1eee/")
    );
}

#[test]
fn google_reviews_with_stars_translations_and_our_replies() {
    let p1 = read("google_reviews/reviews_list_p1.json");
    assert_eq!(p1.reader, "google-reviews");
    assert_eq!(p1.good.len(), 5, "3 reviews and 2 replies");
    let angry = p1.by_id("AbFvNubo001");
    assert_eq!(angry.rating, Some(1));
    assert_eq!(angry.platform, Platform::Google);
    assert_eq!(angry.author.name.as_deref(), Some("Laura Pérez"));
    assert_eq!(angry.edited_at, at("2024-02-11T09:30:00.456Z"));
    let reply = p1.by_id("AbFvNubo001/reply");
    assert!(reply.is_brand);
    assert_eq!(reply.parent_id.as_deref(), Some("AbFvNubo001"));
    assert_eq!(reply.created_at, at("2024-02-11T12:00:00Z"));
    assert_eq!(
        p1.by_id("AbFvNubo002").text,
        "Geweldige winkel, vriendelijk personeel"
    );
    let stars_only = p1.by_id("AbFvNubo003");
    assert_eq!(stars_only.text, "");
    assert_eq!(stars_only.rating, Some(3));

    let p2 = read("google_reviews/reviews_list_p2.json");
    assert_eq!(p2.good.len(), 2);
    assert!(
        p2.by_id("AbFvNubo004").author.is_empty(),
        "anonymous reviewer"
    );
    assert_eq!(p2.by_id("AbFvNubo005").rating, Some(2));
}

#[test]
fn takeout_csv_columns_by_name_and_json_text() {
    let now = read("takeout_youtube/comments.csv");
    assert_eq!(now.reader, "takeout-youtube");
    assert_eq!(now.good.len(), 3);
    assert_eq!(now.by_id("UgxNuboT002").text, "Timestamps: 01:30");
    assert_eq!(
        now.by_id("UgxNuboT001").created_at,
        at("2024-08-17T20:04:52.096899Z")
    );
    assert_eq!(
        now.by_id("UgxNuboT003").thread_id.as_deref(),
        Some("UgkxPost01")
    );
    assert!(now.good.iter().all(|c| c.platform == Platform::Youtube));

    let old = read("takeout_youtube/comments_older_export.csv");
    assert_eq!(old.good.len(), 2);
    let reply = old.by_id("UgxNuboT011");
    assert_eq!(reply.parent_id.as_deref(), Some("UgzNubo0001"));
    assert_eq!(reply.thread_id.as_deref(), Some("nUb0vId3o01"));
    assert_eq!(old.by_id("UgxNuboT010").parent_id, None);
}

#[test]
fn youtube_spam_collection_is_read_as_youtube() {
    let csv = "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n\
               z12abc,Ana,2013-11-07T06:20:48,\"Check my channel, please\",1\n\
               z12def,Bob,,Nice song,0\n";
    let (good, bad) = bytes_with("Youtube06-Nubo.csv", csv.as_bytes(), None).unwrap();
    assert!(bad.is_empty());
    assert_eq!(good.len(), 2);
    assert_eq!(good[0].platform, Platform::Youtube);
    assert_eq!(good[0].author.name.as_deref(), Some("Ana"));
    assert_eq!(good[0].text, "Check my channel, please");
    assert_eq!(good[1].created_at, None);
}

#[test]
fn twcs_inbound_false_is_the_brand() {
    let r = read("twcs/twcs_nubo.csv");
    assert_eq!(r.reader, "twcs");
    assert_eq!(r.good.len(), 6);
    let first = r.by_id("500001");
    assert_eq!(first.author.id.as_deref(), Some("815001"));
    assert_eq!(
        first.text,
        "@NuboHelp my X2 won't charge & I've tried 3 cables 😩"
    );
    assert!(!first.is_brand);
    let ours = r.by_id("500002");
    assert!(ours.is_brand);
    assert_eq!(ours.author.handle.as_deref(), Some("NuboHelp"));
    assert_eq!(r.by_id("500003").parent_id.as_deref(), Some("500002"));
    assert_eq!(
        r.by_id("500003").text,
        "@NuboHelp the one in the box <sigh>"
    );
    for id in ["500001", "500002", "500003", "500004"] {
        assert_eq!(r.by_id(id).thread_id.as_deref(), Some("500001"), "{id}");
    }
    assert_eq!(r.by_id("500004").created_at, at("2024-03-04T08:25:00Z"));
}

/// Every fixture with the reader that must read it.
const FIXTURES: &[(&str, &str)] = &[
    ("facebook/page_post_comments_p1.json", "facebook"),
    ("facebook/page_post_comments_p2.json", "facebook"),
    ("facebook/comment_object_full.json", "facebook"),
    ("facebook/comments_by_ids.json", "facebook"),
    ("instagram/ig_media_comments_p1.json", "instagram"),
    ("instagram/ig_media_comments_p2.json", "instagram"),
    ("instagram/ig_comment_with_replies.json", "instagram"),
    ("instagram/ig_reply.json", "instagram"),
    ("instagram/ig_comments_by_ids.json", "instagram"),
    ("youtube/commentThreads_list_by_video_p1.json", "youtube"),
    ("youtube/commentThreads_list_by_video_p2.json", "youtube"),
    ("youtube/comments_list_replies_by_parent_p1.json", "youtube"),
    ("x_archive/tweets.js", "x-archive"),
    ("x_api/search_recent_p1.json", "x-api"),
    ("x_api/search_recent_p2.json", "x-api"),
    ("x_api/tweet_lookup.json", "x-api"),
    ("reddit/comments_listing_nubo.json", "reddit"),
    ("google_reviews/reviews_list_p1.json", "google-reviews"),
    ("google_reviews/reviews_list_p2.json", "google-reviews"),
    ("takeout_youtube/comments.csv", "takeout-youtube"),
    (
        "takeout_youtube/comments_older_export.csv",
        "takeout-youtube",
    ),
    ("twcs/twcs_nubo.csv", "twcs"),
];

#[test]
fn detection_picks_the_platform_reader_and_others_say_why_not() {
    for (rel, want) in FIXTURES {
        let path = fixture(rel);
        let head = std::fs::read(&path).unwrap();
        let picked = detect(&path, &head).unwrap();
        assert_eq!(picked.name(), *want, "{rel}");
        for r in readers() {
            if r.name() == *want {
                assert!(matches!(r.detect(&path, &head), Detection::Yes(50..=90)));
                continue;
            }
            if let Detection::Yes(c) = r.detect(&path, &head) {
                assert!(c < 50, "{} also claims {rel} with confidence {c}", r.name());
            }
        }
    }
}

#[test]
fn canonical_files_are_left_to_the_canonical_readers() {
    let platform_readers = [
        "facebook",
        "instagram",
        "youtube",
        "x-archive",
        "x-api",
        "reddit",
        "google-reviews",
        "takeout-youtube",
        "twcs",
    ];
    let samples: [(&str, &[u8], &str); 3] = [
        (
            "c.json",
            br#"[{"id":"1","text":"hola","platform":"instagram","username":"ana","timestamp":"2024-01-01T00:00:00Z"}]"#,
            "json",
        ),
        (
            "c.ndjson",
            b"{\"id\":\"1\",\"text\":\"hi\",\"author_id\":\"7\",\"created_at\":\"2024-01-01T00:00:00Z\"}\n",
            "ndjson",
        ),
        ("c.csv", b"id,text,author\n1,hi,ana\n", "csv"),
    ];
    for (name, bytes, want) in samples {
        let p = Path::new(name);
        assert_eq!(detect(p, bytes).unwrap().name(), want, "{name}");
        for r in readers()
            .iter()
            .filter(|r| platform_readers.contains(&r.name()))
        {
            match r.detect(p, bytes) {
                Detection::No(why) => assert!(!why.is_empty()),
                Detection::Yes(c) => panic!("{} claims {name} ({c})", r.name()),
            }
        }
    }
}

#[test]
fn a_file_nobody_reads_names_every_reader_and_its_reason() {
    let err = bytes_with("notes.txt", b"just some words\nand more\n", None).unwrap_err();
    let msg = err.to_string();
    for name in ["facebook", "youtube", "reddit", "twcs", "takeout-youtube"] {
        assert!(msg.contains(&format!("{name}: ")), "{msg}");
    }
}

#[test]
fn cut_off_json_keeps_the_records_before_the_cut() {
    for (rel, reader) in FIXTURES {
        if rel.ends_with(".csv") {
            continue;
        }
        let bytes = std::fs::read(fixture(rel)).unwrap();
        let (whole, _) = bytes_with(rel, &bytes, Some(reader)).unwrap();
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() * 9 / 10] {
            // Never panics; either keeps records or says the file is unreadable.
            let Ok((good, _bad)) = bytes_with(rel, &bytes[..cut], Some(reader)) else {
                continue;
            };
            assert!(good.len() <= whole.len(), "{rel} cut at {cut}");
            for c in &good {
                assert!(
                    whole.iter().any(|w| w.external_id == c.external_id),
                    "{rel} cut at {cut} invented {}",
                    c.external_id
                );
            }
        }
    }
    let p1 = std::fs::read(fixture("facebook/page_post_comments_p1.json")).unwrap();
    let cut = p1.len() * 3 / 4;
    let (good, bad) = bytes_with("p1.json", &p1[..cut], Some("facebook")).unwrap();
    assert!(good.len() >= 3, "{}", good.len());
    assert_eq!(bad.len(), 1);
    assert!(bad[0].reason.contains("ends inside"), "{}", bad[0].reason);
    assert_eq!(bad[0].record, good.len() as u64 + 1);
}

#[test]
fn bad_records_are_rejected_with_their_number_and_the_rest_is_read() {
    let fb = br#"{"data":[
        {"created_time":"2024-03-04T09:12:44+0000","message":"ok 1","permalink_url":"https://www.facebook.com/1/posts/2/?comment_id=3"},
        {"created_time":"2024-03-04T09:12:44+0000","message":"no id anywhere"},
        {"created_time":"yesterday","message":"bad date","id":"2_5"},
        {"created_time":"2024-03-04T09:12:44+0000","message":["wrong","type"],"id":"2_6"},
        {"created_time":"2024-03-04T09:12:44+0000","message":"ok 2","id":{"nested":1},"permalink_url":"https://www.facebook.com/1/posts/2/?comment_id=7"}
      ]}"#;
    let (good, bad) = bytes_with("fb.json", fb, Some("facebook")).unwrap();
    let ids: Vec<&str> = good.iter().map(|c| c.external_id.as_str()).collect();
    assert_eq!(ids, ["2_3", "2_7"]);
    let recs: Vec<u64> = bad.iter().map(|b| b.record).collect();
    assert_eq!(recs, [2, 3, 4]);
    assert!(bad[0].reason.contains("missing id"), "{}", bad[0].reason);
    assert!(bad[1].reason.contains("created_time"), "{}", bad[1].reason);
    assert!(bad[1].raw.starts_with(b"{\"created_time\":\"yesterday\""));
    assert_eq!(bad[1].line, Some(4));

    let yt = br#"{"items":[{"kind":"youtube#comment","id":"a","snippet":{"textOriginal":"fine","publishedAt":"2024-01-01T00:00:00Z"}},
        {"kind":"youtube#comment","snippet":{"textOriginal":"no id"}},
        {"kind":"youtube#comment","id":"c","snippet":"not an object"},
        42,
        {"kind":"youtube#comment","id":"e","snippet":{"textOriginal":"fine too"}}]}"#;
    let (good, bad) = bytes_with("yt.json", yt, Some("youtube")).unwrap();
    assert_eq!(good.len(), 2);
    assert_eq!(bad.iter().map(|b| b.record).collect::<Vec<_>>(), [2, 3, 4]);

    let reviews =
        br#"{"reviews":[{"reviewId":"r1","starRating":"FIVE","createTime":"2024-01-01T00:00:00Z"},
        {"starRating":"ONE","comment":"who am I"},{"reviewId":"r3","createTime":"soon"}]}"#;
    let (good, bad) = bytes_with("g.json", reviews, Some("google-reviews")).unwrap();
    assert_eq!(good.len(), 1);
    assert_eq!(bad.len(), 2);

    let twcs = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
                1,a,True,Mon Mar 04 08:00:00 +0000 2024,ok,,\n\
                ,b,True,Mon Mar 04 08:00:00 +0000 2024,no id,,\n\
                3,c,True,not a date,bad date,,\n\
                4,d,True\n\
                5,e,False,Mon Mar 04 08:00:00 +0000 2024,ok,,1\n";
    let (good, bad) = bytes_with("t.csv", twcs.as_bytes(), None).unwrap();
    assert_eq!(good.len(), 2);
    assert_eq!(bad.iter().map(|b| b.record).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(bad[1].raw, b"3,c,True,not a date,bad date,,");
    assert_eq!(bad[1].line, Some(4));
}

#[test]
fn broken_json_is_refused_with_a_reason() {
    for (format, input) in [
        ("facebook", &b"{\"paging\": oops}"[..]),
        ("reddit", b"[{\"kind\": \"Listing\", \"data\": nope"),
        ("x-api", b"{\"meta\": {\"result_count\": }"),
        (
            "x-archive",
            b"window.YTD.tweets.part0 = {\"not\": \"an array\"}",
        ),
    ] {
        match bytes_with("broken.json", input, Some(format)) {
            Err(FileError::Unreadable { reason, .. }) => {
                assert!(reason.starts_with(format), "{reason}")
            }
            Ok((good, bad)) => assert!(good.is_empty() && !bad.is_empty(), "{format}"),
            Err(e) => panic!("{format}: {e}"),
        }
    }
}

#[test]
fn api_error_responses_are_refused_with_the_platform_message() {
    let quota = br#"{"error": {"code": 403, "message": "The request cannot be completed because you have exceeded your quota."}}"#;
    match bytes_with("p3.json", quota, Some("youtube")) {
        Err(FileError::Unreadable { reason, .. }) => {
            assert!(reason.contains("API error response"), "{reason}");
            assert!(reason.contains("exceeded your quota"), "{reason}");
        }
        other => panic!("{:?}", other.map(|(g, b)| (g.len(), b.len()))),
    }
}

#[test]
fn no_reader_panics_on_any_fixture() {
    // Every reader forced on every fixture: refusals and rejects, never a panic.
    for (rel, _) in FIXTURES {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        for r in readers() {
            let _ = bytes_with(rel, &bytes, Some(r.name()));
        }
    }
}
