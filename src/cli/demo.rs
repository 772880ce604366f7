//! `calma demo [--db PATH]`: a fresh database from the bundled fixtures (embedded in the
//! binary), with the fixtures' week moved so that it ends a few minutes ago, a few cases already
//! worked (acknowledged, moved to private, resolved with follow-ups due), then the inbox.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use clap::Args;

use super::Ctx;

use crate::domain::{Comment, Tag};
use crate::ingest::pipeline::{self, Request as IngestRequest};
use crate::ingest::{Item, ReadOptions};
use crate::store::{NewReply, Queue, Store};
use crate::workflow::{Action, Channel, SlaConfig, State};

/// The fixtures, in the order the ingest reads them (later versions last).
pub const FIXTURES: [(&str, &str); 4] = [
    (
        "reviews_and_forums.csv",
        include_str!("../../fixtures/canonical/reviews_and_forums.csv"),
    ),
    (
        "social.json",
        include_str!("../../fixtures/canonical/social.json"),
    ),
    (
        "video_and_x.ndjson",
        include_str!("../../fixtures/canonical/video_and_x.ndjson"),
    ),
    (
        "zz_edits.ndjson",
        include_str!("../../fixtures/canonical/zz_edits.ndjson"),
    ),
];

/// The fixtures' "now": their newest comment is a little before it.
pub const FIXTURES_NOW: &str = "2026-11-20T12:00:00Z";

/// The operator the demo's own actions are recorded under.
pub const DEMO_OPERATOR: &str = "demo";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Only build the database and print its path; do not open the inbox
    #[arg(long)]
    pub no_inbox: bool,
}

/// Reads every fixture and moves its times by `shift`.
pub fn shifted_fixtures(
    opts: &ReadOptions,
    shift: Duration,
) -> anyhow::Result<Vec<(String, Vec<Comment>)>> {
    let mut out = vec![];
    for (name, text) in FIXTURES {
        let mut comments = vec![];
        let mut sink = |item: Item| {
            if let Item::Comment(mut c) = item {
                c.created_at = c.created_at.map(|t| t + shift);
                c.edited_at = c.edited_at.map(|t| t + shift);
                comments.push(*c);
            }
            Ok(())
        };
        crate::ingest::read_from(Path::new(name), text.as_bytes(), None, opts, &mut sink)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        out.push((name.to_string(), comments));
    }
    Ok(out)
}

/// One comment as a canonical NDJSON record.
fn canonical_record(c: &Comment) -> serde_json::Value {
    serde_json::json!({
        "id": c.external_id,
        "platform": c.platform.as_str(),
        "thread_id": c.thread_id,
        "parent_id": c.parent_id,
        "author": c.author.name,
        "handle": c.author.handle,
        "author_id": c.author.id,
        "created_at": c.created_at,
        "edited_at": c.edited_at,
        "text": c.text,
        "lang": c.lang,
        "rating": c.rating,
        "is_brand": c.is_brand,
        "url": c.url,
    })
}

/// Builds the demo database at `db` for the clock `now`; returns how many comments it holds.
pub async fn build(
    db: &Path,
    opts: ReadOptions,
    sla: &SlaConfig,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let fixtures_now: DateTime<Utc> = FIXTURES_NOW.parse()?;
    let shift = (now - Duration::minutes(4)) - fixtures_now;
    let dir = scratch_dir()?;
    let mut paths = vec![];
    for (name, comments) in shifted_fixtures(&opts, shift)? {
        let path = dir.join(format!("{name}.ndjson"));
        let mut text = String::new();
        for c in &comments {
            text.push_str(&canonical_record(c).to_string());
            text.push('\n');
        }
        std::fs::write(&path, text).with_context(|| path.display().to_string())?;
        paths.push(path);
    }
    let req = IngestRequest {
        paths,
        format: Some("ndjson".into()),
        opts,
        commit_every: pipeline::COMMIT_EVERY,
        now,
        sla: sla.clone(),
    };
    let res = pipeline::run(
        db,
        req,
        Arc::new(crate::classify::Classifier::builtin()),
        Arc::new(|_| {}),
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    res?;
    let store = Store::open(db)?;
    work_some_cases(&store, sla, now)?;
    Ok(store.comment_count()?)
}

fn scratch_dir() -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("calma-demo-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    Ok(dir)
}

/// A few cases already on their way: complaints acknowledged, moved to private, resolved long
/// enough ago that their follow-ups are due; an oportunista under investigation.
fn work_some_cases(store: &Store, sla: &SlaConfig, now: DateTime<Utc>) -> anyhow::Result<()> {
    let complaints = store.queue_page(Queue::Complaints, None, 200, now)?;
    let old: Vec<(i64, State)> = complaints
        .iter()
        .filter(|r| r.tag == Tag::Complaint && matches!(r.state, State::New | State::Acknowledged))
        .filter(|r| {
            r.created_at
                .is_some_and(|t| t < now - Duration::days(4) - Duration::hours(9))
        })
        .map(|r| (r.comment_id, r.state))
        .take(4)
        .collect();
    let back = now - Duration::days(4) - Duration::hours(6);
    for (i, (id, state)) in old.iter().enumerate() {
        let t0 = back + Duration::minutes(10 * i as i64);
        if *state == State::New {
            store.act(
                *id,
                &Action::Acknowledge,
                DEMO_OPERATOR,
                t0 - Duration::hours(2),
                sla,
                Some(&NewReply::text(
                    "We're sorry about this; we're looking into it now.",
                )),
            )?;
        }
        store.act(
            *id,
            &Action::MoveToPrivate {
                channel: Channel::Dm,
                contact: "DM thread".into(),
            },
            DEMO_OPERATOR,
            t0 - Duration::hours(1),
            sla,
            None,
        )?;
        store.act(
            *id,
            &Action::Resolve {
                note: "refund issued".into(),
                follow_up_at: None,
            },
            DEMO_OPERATOR,
            t0,
            sla,
            None,
        )?;
    }
    let recent: Vec<i64> = complaints
        .iter()
        .filter(|r| {
            r.tag == Tag::Complaint
                && r.state == State::New
                && !old.iter().any(|(id, _)| *id == r.comment_id)
        })
        .map(|r| r.comment_id)
        .take(3)
        .collect();
    for (i, id) in recent.iter().enumerate() {
        let t = now - Duration::minutes(90 - 20 * i as i64);
        store.act(
            *id,
            &Action::Acknowledge,
            DEMO_OPERATOR,
            t,
            sla,
            Some(&NewReply::text("Sorry to hear that — we're on it.")),
        )?;
        if i == 0 {
            store.act(
                *id,
                &Action::MoveToPrivate {
                    channel: Channel::Email,
                    contact: "support ticket".into(),
                },
                DEMO_OPERATOR,
                t + Duration::minutes(10),
                sla,
                None,
            )?;
        }
    }
    if let Some(r) = store
        .queue_page(Queue::Oportunistas, None, 1, now)?
        .into_iter()
        .find(|r| r.state == State::New)
    {
        store.act(
            r.comment_id,
            &Action::Investigate,
            DEMO_OPERATOR,
            now - Duration::hours(3),
            sla,
            None,
        )?;
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: DemoArgs, db_given: bool) -> anyhow::Result<u8> {
    let db = if db_given {
        if std::fs::metadata(&ctx.db).is_ok_and(|m| m.len() > 0) {
            anyhow::bail!(
                "{} already exists: the demo builds a fresh database (give a new path)",
                ctx.db.display()
            );
        }
        ctx.db.clone()
    } else {
        scratch_dir()?.join("calma-demo.db")
    };
    let opts = super::ingest::read_options(ctx, None, &[])?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let n = rt.block_on(build(&db, opts, &ctx.config.sla, ctx.now))?;
    drop(rt);
    if args.no_inbox {
        println!("{}", db.display());
        eprintln!("demo database: {n} comments");
        return Ok(super::EXIT_OK);
    }
    let keymap = super::inbox::load_keymap(ctx.beside_config("keys.toml").as_deref())?;
    let demo_ctx = Ctx {
        db: db.clone(),
        config: ctx.config.clone(),
        operator: ctx.operator.clone(),
        now: ctx.now,
        config_path: ctx.config_path.clone(),
    };
    let code = super::inbox::open_inbox(&demo_ctx, keymap, None)?;
    if !db_given && let Some(dir) = db.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(code)
}
