//! Parsing speed of each platform reader: a large synthetic response (20,000 comments, built in
//! memory in the shape of the real one, with the fields real responses carry) read into
//! comments. Criterion reports comments per second of CPU time of the reading thread (Linux
//! `schedstat`; wall time elsewhere), so that a busy shared machine does not distort the
//! figure; the target is at least 300,000/s per reader on one core.

use std::fmt::Write;
use std::hint::black_box;

use calma::ingest::{Item, ReadOptions, Reader, reader_by_name};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 20_000;

fn text(i: usize) -> String {
    format!(
        "Comment {i}: my Nubo order arrived late again \u{1F621} & the tracking link \
         doesn't work, can someone help? \"urgent\" \\ thanks"
    )
}

fn facebook() -> String {
    let mut s = String::from("{\"data\":[");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        let (c, reply) = if i % 4 == 3 {
            (i - 1, format!("&reply_comment_id={i}"))
        } else {
            (i, String::new())
        };
        write!(
            s,
            r#"{{"comment_count":0,"created_time":"2024-03-04T09:12:44+0000","like_count":{},"from":{{"name":"User {i}","id":"{}"}},"message":{},"permalink_url":"https://www.facebook.com/100200300400/posts/900800700600/?comment_id={c}{reply}","is_hidden":false,"can_hide":true}}"#,
            i % 7,
            4_000_000 + i,
            serde_json::to_string(&text(i)).unwrap()
        )
        .unwrap();
    }
    s.push_str(r#"],"paging":{"cursors":{"before":"a","after":"b"},"next":"https://graph.facebook.com/v19.0/1_2/comments?after=b"}}"#);
    s
}

fn instagram() -> String {
    let mut s = String::from("{\"data\":[");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"timestamp":"2024-03-10T18:00:00+0000","text":{},"id":"{}","username":"user_{i}","like_count":{},"hidden":false}}"#,
            serde_json::to_string(&text(i)).unwrap(),
            17_850_000_000_000_000u64 + i as u64,
            i % 5
        )
        .unwrap();
    }
    s.push_str(r#"],"paging":{"cursors":{"after":"x"},"next":"https://graph.facebook.com/v19.0/1790/comments?after=x"}}"#);
    s
}

fn youtube() -> String {
    let mut s = String::from(
        r#"{"kind":"youtube#commentThreadListResponse","etag":"e","nextPageToken":"QURT","pageInfo":{"totalResults":20000,"resultsPerPage":20000},"items":["#,
    );
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        let t = serde_json::to_string(&text(i)).unwrap();
        write!(
            s,
            r#"{{"kind":"youtube#commentThread","etag":"e{i}","id":"Ugz{i}","snippet":{{"channelId":"UCnubo","videoId":"nUb0vId3o01","topLevelComment":{{"kind":"youtube#comment","etag":"f{i}","id":"Ugz{i}","snippet":{{"authorDisplayName":"@user{i}","authorProfileImageUrl":"https://yt3.ggpht.com/a/x=s48-c-k-c0xffffffff-no-rj-mo","authorChannelUrl":"http://www.youtube.com/channel/UC{i}","authorChannelId":{{"value":"UC{i}"}},"videoId":"nUb0vId3o01","textDisplay":{t},"textOriginal":{t},"canRate":true,"viewerRating":"none","likeCount":{},"publishedAt":"2024-03-01T10:00:00Z","updatedAt":"2024-03-01T10:00:00Z"}}}},"canReply":true,"totalReplyCount":0,"isPublic":true}}}}"#,
            i % 9
        )
        .unwrap();
    }
    s.push_str("]}");
    s
}

fn x_api() -> String {
    let mut s = String::from("{\"data\":[");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"id":"{}","text":{},"author_id":"{}","created_at":"2024-03-06T10:00:00.000Z","conversation_id":"1770000000000000001","in_reply_to_user_id":"2002","lang":"en","referenced_tweets":[{{"type":"replied_to","id":"1770000000000000001"}}],"edit_history_tweet_ids":["{}"],"public_metrics":{{"retweet_count":0,"reply_count":1,"like_count":2,"quote_count":0}}}}"#,
            1_770_000_000_000_000_010u64 + i as u64,
            serde_json::to_string(&text(i)).unwrap(),
            2000 + i % 1000,
            1_770_000_000_000_000_010u64 + i as u64,
        )
        .unwrap();
    }
    s.push_str(r#"],"includes":{"users":["#);
    for u in 0..1000 {
        if u > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"id":"{}","name":"User {u}","username":"user{u}"}}"#,
            2000 + u
        )
        .unwrap();
    }
    s.push_str(r#"]},"meta":{"result_count":20000}}"#);
    s
}

fn x_archive() -> String {
    let mut s = String::from("window.YTD.tweets.part0 = [");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        let id = 1_760_000_000_000_000_000u64 + i as u64;
        write!(
            s,
            r#"{{"tweet":{{"edit_info":{{"initial":{{"editTweetIds":["{id}"],"editableUntil":"2024-03-01T10:30:00.000Z","editsRemaining":"5","isEditEligible":false}}}},"retweeted":false,"source":"<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>","entities":{{"hashtags":[],"symbols":[],"user_mentions":[],"urls":[]}},"display_text_range":["0","120"],"favorite_count":"0","id_str":"{id}","in_reply_to_status_id_str":"{}","truncated":false,"retweet_count":"0","id":"{id}","created_at":"Mon Mar 04 10:20:00 +0000 2024","favorited":false,"full_text":{},"lang":"en"}}}}"#,
            id - 1,
            serde_json::to_string(&text(i).replace('&', "&amp;")).unwrap()
        )
        .unwrap();
    }
    s.push(']');
    s
}

fn reddit() -> String {
    fn t1(i: usize, parent: &str, replies: &str) -> String {
        let t = serde_json::to_string(&text(i)).unwrap();
        format!(
            r#"{{"kind":"t1","data":{{"subreddit_id":"t5_2qh1i","approved_at_utc":null,"author_is_blocked":false,"edited":false,"author_flair_text":null,"id":"k{i}","name":"t1_k{i}","author":"user{i}","author_fullname":"t2_{i}","body":{t},"body_html":{t},"created":1709201000.0,"created_utc":1709201000.0,"parent_id":"{parent}","link_id":"t3_1b2nubo","permalink":"/r/NuboTech/comments/1b2nubo/x/k{i}/","score":3,"ups":3,"downs":0,"depth":0,"distinguished":null,"stickied":false,"subreddit":"NuboTech","gilded":0,"controversiality":0,"replies":{replies}}}}}"#
        )
    }
    let mut s = String::from(
        r#"[{"kind":"Listing","data":{"children":[{"kind":"t3","data":{"id":"1b2nubo","name":"t3_1b2nubo","title":"x"}}]}},{"kind":"Listing","data":{"children":["#,
    );
    // Top-level comments each with one reply: N comments in all.
    for i in (0..N).step_by(2) {
        if i > 0 {
            s.push(',');
        }
        let reply = t1(i + 1, &format!("t1_k{i}"), "\"\"");
        let replies = format!(r#"{{"kind":"Listing","data":{{"children":[{reply}]}}}}"#);
        s.push_str(&t1(i, "t3_1b2nubo", &replies));
    }
    s.push_str("]}}]");
    s
}

fn google() -> String {
    let mut s = String::from("{\"reviews\":[");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"reviewId":"AbFv{i}","reviewer":{{"profilePhotoUrl":"https://lh3.googleusercontent.com/a/x","displayName":"User {i}"}},"starRating":"FOUR","comment":{},"createTime":"2024-02-10T17:00:00.123Z","updateTime":"2024-02-10T17:00:00.123Z","name":"accounts/1/locations/2/reviews/AbFv{i}"}}"#,
            serde_json::to_string(&text(i)).unwrap()
        )
        .unwrap();
    }
    s.push_str(r#"],"averageRating":4.1,"totalReviewCount":20000}"#);
    s
}

fn twcs() -> String {
    let mut s = String::from(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n",
    );
    for i in 0..N {
        writeln!(
            s,
            "{},{},True,Mon Mar 04 08:00:00 +0000 2024,\"{}\",{},{}",
            500_000 + i,
            800_000 + i,
            text(i).replace('"', "\"\""),
            500_001 + i,
            if i > 0 {
                (499_999 + i).to_string()
            } else {
                String::new()
            }
        )
        .unwrap();
    }
    s
}

fn takeout() -> String {
    let mut s = String::from(
        "Comment ID,Channel ID,Comment create timestamp,Price,Post ID,Video ID,Comment text\n",
    );
    for i in 0..N {
        let cell = serde_json::to_string(&serde_json::json!({ "text": text(i) })).unwrap();
        writeln!(
            s,
            "Ugx{i},UCnubo,2024-08-17T20:04:52.096899+00:00,0,,nUb0vId3o01,\"{}\"",
            cell.replace('"', "\"\"")
        )
        .unwrap();
    }
    s
}

/// Time this thread spent on a CPU, in nanoseconds; wall time when the kernel does not say.
struct CpuTime {
    wall: std::time::Instant,
}

fn on_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        on_cpu_ns().unwrap_or_else(|| self.wall.elapsed().as_nanos() as u64)
    }
    fn end(&self, i: u64) -> u64 {
        self.start().saturating_sub(i)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
        values.iter_mut().for_each(|v| *v /= 1e6);
        "ms (cpu)"
    }
    fn scale_throughputs(&self, _typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let per_iter = match t {
            Throughput::Elements(n) | Throughput::Bytes(n) | Throughput::BytesDecimal(n) => *n,
            _ => 1,
        } as f64;
        values
            .iter_mut()
            .for_each(|v| *v = per_iter * 1e9 / *v / 1e3);
        "Kelem/s (cpu)"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn count(r: &dyn Reader, input: &[u8]) -> usize {
    let mut n = 0;
    let mut cur = input;
    r.read(&mut cur, &ReadOptions::default(), &mut |i| {
        if let Item::Comment(c) = i {
            black_box(&c);
            n += 1;
        }
        Ok(())
    })
    .expect("the synthetic input reads");
    n
}

fn bench(c: &mut Criterion<CpuTime>) {
    let inputs: [(&str, String); 9] = [
        ("facebook", facebook()),
        ("instagram", instagram()),
        ("youtube", youtube()),
        ("x-api", x_api()),
        ("x-archive", x_archive()),
        ("reddit", reddit()),
        ("google-reviews", google()),
        ("twcs", twcs()),
        ("takeout-youtube", takeout()),
    ];
    let mut g = c.benchmark_group("readers");
    g.sample_size(20);
    for (name, input) in &inputs {
        let r = reader_by_name(name).expect("a known reader");
        let n = count(&*r, input.as_bytes());
        assert_eq!(n, N, "{name} reads every synthetic comment");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(*name, |b| {
            b.iter(|| count(&*r, black_box(input.as_bytes())))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime { wall: std::time::Instant::now() });
    targets = bench
}
criterion_main!(benches);
