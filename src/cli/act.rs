//! `calma act` (one workflow step from the command line, with the same rules as the inbox) and
//! `calma remind` (follow-ups due and clock breaches, for cron).

use clap::Args;

use super::{Ctx, EXIT_OK, EXIT_USAGE};
use crate::domain::{Lang, Tag};
use crate::replies::{self, Guide, Part, Values};
use crate::store::{NewReply, Store, StoreError};
use crate::workflow::{self, Action, ActionKind, Channel, DeleteCode};

#[derive(Debug, Args)]
pub struct ActArgs {
    /// The case's comment id (as `calma list` prints it)
    pub id: i64,

    /// acknowledge, apologise, private, resolve, follow-up, verify, reopen, close, investigate,
    /// firm-reply, thank, log, told-when-done, ignore, hide, mute, block, report, delete, retag
    pub action: String,

    /// The reply to record with the step (for resolve: what was done)
    #[arg(long, conflicts_with = "template")]
    pub text: Option<String>,

    /// Draft the reply from this template of the communication guide
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,

    /// Why (required for reopen and the troll ladder; the code for delete: illegal, hate,
    /// doxxing)
    #[arg(long, value_name = "R")]
    pub reason: Option<String>,

    /// The private channel: dm, email or phone
    #[arg(long, value_name = "C")]
    pub channel: Option<Channel>,

    /// Where the customer is reached in private (a handle, an address, a number)
    #[arg(long, value_name = "WHO")]
    pub contact: Option<String>,

    /// The new tag, for retag
    #[arg(long, value_name = "TAG")]
    pub to: Option<Tag>,

    /// The follow-up date (RFC 3339), for follow-up
    #[arg(long, value_name = "TIME")]
    pub at: Option<chrono::DateTime<chrono::Utc>>,

    /// Values for the template's placeholders, as name=value (repeatable)
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub values: Vec<String>,

    /// Print the new case as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RemindArgs {
    /// Print the reminders as JSON
    #[arg(long)]
    pub json: bool,
}

fn need(v: &Option<String>, what: &str, action: ActionKind) -> anyhow::Result<String> {
    v.clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| anyhow::anyhow!("{} needs {what}", action.as_str()))
}

/// Builds the workflow action from the verb and its flags.
fn build_action(ctx: &Ctx, kind: ActionKind, a: &ActArgs) -> anyhow::Result<Action> {
    Ok(match kind {
        ActionKind::Acknowledge => Action::Acknowledge,
        ActionKind::Apologise => Action::Apologise,
        ActionKind::MoveToPrivate => Action::MoveToPrivate {
            channel: a.channel.unwrap_or(Channel::Dm),
            contact: need(&a.contact, "--contact", kind)?,
        },
        ActionKind::Resolve => Action::Resolve {
            note: need(
                &a.text.clone().or(a.reason.clone()),
                "--text (what was done)",
                kind,
            )?,
            follow_up_at: Some(ctx.config.sla.follow_up_after(ctx.now)),
        },
        ActionKind::SetFollowUp => Action::SetFollowUp {
            at: a
                .at
                .ok_or_else(|| anyhow::anyhow!("follow-up needs --at TIME"))?,
        },
        ActionKind::Verify => Action::Verify,
        ActionKind::Reopen => Action::Reopen {
            reason: need(&a.reason, "--reason", kind)?,
        },
        ActionKind::Close => Action::Close,
        ActionKind::Investigate => Action::Investigate,
        ActionKind::FirmReply => Action::FirmReply,
        ActionKind::Thank => Action::Thank,
        ActionKind::LogImprovement => Action::LogImprovement,
        ActionKind::ToldWhenDone => Action::ToldWhenDone,
        ActionKind::Ignore
        | ActionKind::Hide
        | ActionKind::Mute
        | ActionKind::Block
        | ActionKind::Report => {
            let reason = need(&a.reason, "--reason", kind)?;
            let rung = kind.rung().expect("ladder actions have a rung");
            Action::ladder(rung, reason)
        }
        ActionKind::Delete => Action::Delete {
            code: need(&a.reason, "--reason (illegal, hate or doxxing)", kind)?
                .parse::<DeleteCode>()
                .map_err(|e| anyhow::anyhow!(e))?,
        },
        ActionKind::Retag => Action::Retag {
            to: a
                .to
                .ok_or_else(|| anyhow::anyhow!("retag needs --to TAG"))?,
        },
        ActionKind::CustomerReplied => {
            anyhow::bail!("customer_replied is recorded by ingest, not by an operator")
        }
    })
}

/// The guide: the built-in one, extended by `guide.toml` beside the configuration when present.
pub fn load_guide(ctx: &Ctx) -> anyhow::Result<Guide> {
    match ctx.beside_config("guide.toml").filter(|p| p.exists()) {
        Some(p) => Guide::load_with_user(&p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display())),
        None => Ok(Guide::builtin()),
    }
}

/// Drafts the reply from a template for this case's author, thread and language.
fn template_reply(
    ctx: &Ctx,
    store: &Store,
    id: i64,
    name: &str,
    a: &ActArgs,
) -> anyhow::Result<NewReply> {
    let guide = load_guide(ctx)?;
    let c = store.comment(id)?;
    let lang = Lang::from_code(c.lang.as_deref().unwrap_or("en"));
    let mut values = Values::new();
    if let Some(n) = c.author.name.as_deref().or(c.author.handle.as_deref()) {
        values.set("name", n.split_whitespace().next().unwrap_or(n));
    }
    values.set("agent", &ctx.operator);
    if let Some(ch) = a.channel {
        values.set("channel", channel_words(ch));
    }
    if let Some(contact) = &a.contact {
        values.set("contact", contact);
    }
    for kv in &a.values {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--set takes name=value, not {kv:?}"))?;
        values.set(k.trim(), v.trim());
    }
    let author_key = c
        .author
        .key()
        .map(|k| format!("{}:{k}", c.platform.as_str()));
    let thread_key = c
        .thread_id
        .as_ref()
        .map(|t| format!("{}:{t}", c.platform.as_str()));
    let log = store.usage_log()?;
    let part = Part::Public;
    let to = replies::Recipient {
        lang,
        author_key: author_key.as_deref(),
        thread_key: thread_key.as_deref(),
    };
    let d =
        replies::draft(&guide, name, part, to, &log, &values).map_err(|e| anyhow::anyhow!(e))?;
    if !d.missing.is_empty() {
        anyhow::bail!(
            "template {name:?} needs {} (give them with --set name=value)",
            d.missing.join(", ")
        );
    }
    Ok(NewReply {
        text: d.text,
        template: Some(name.to_owned()),
        part: Some(part.as_str().to_owned()),
        variant: Some(d.variant.index as u32),
        lang: Some(d.variant.lang.as_str().to_owned()),
        channel: a.channel.map(|c| c.as_str().to_owned()),
    })
}

/// How a channel reads inside a sentence.
fn channel_words(c: Channel) -> &'static str {
    match c {
        Channel::Dm => "a direct message",
        Channel::Email => "e-mail",
        Channel::Phone => "phone",
    }
}

pub fn act(ctx: &Ctx, a: ActArgs) -> anyhow::Result<u8> {
    let kind: ActionKind = match a.action.parse() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("calma: {e}");
            return Ok(EXIT_USAGE);
        }
    };
    let action = match build_action(ctx, kind, &a) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("calma: {e}");
            return Ok(EXIT_USAGE);
        }
    };
    let store = Store::open(&ctx.db)?;
    let reply = match (&a.template, &a.text) {
        (Some(t), _) => Some(template_reply(ctx, &store, a.id, t, &a)?),
        (None, Some(t)) if kind != ActionKind::Resolve => Some(NewReply::text(t)),
        _ => None,
    };
    if let Some(r) = &reply
        && let Err(problems) = replies::send_guard(&r.text)
    {
        for p in problems {
            eprintln!("calma: the reply cannot be sent: {p}");
        }
        return Ok(EXIT_USAGE);
    }
    match store.act(
        a.id,
        &action,
        &ctx.operator,
        ctx.now,
        &ctx.config.sla,
        reply.as_ref(),
    ) {
        Ok(t) => {
            if a.json {
                println!("{}", serde_json::to_string_pretty(&t.case)?);
            } else {
                println!(
                    "#{}: {} → {} ({})",
                    a.id,
                    t.event.from,
                    t.event.to,
                    kind.as_str()
                );
                if let Some(r) = &reply {
                    println!("reply recorded in the outbox:\n{}", r.text);
                }
            }
            Ok(EXIT_OK)
        }
        Err(StoreError::Workflow(e)) => {
            eprintln!("calma: #{}: {e}", a.id);
            Ok(EXIT_USAGE)
        }
        Err(StoreError::NotFound(m)) => {
            eprintln!("calma: {m}");
            Ok(EXIT_USAGE)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn remind(ctx: &Ctx, a: RemindArgs) -> anyhow::Result<u8> {
    let store = Store::open(&ctx.db)?;
    let due = store.due_cases(ctx.now)?;
    let list = workflow::reminders(due.iter().map(|(c, p)| (c, *p)), &ctx.config.sla, ctx.now);
    let alerts = crate::insights::radar_update(&store, &ctx.config.radar, ctx.now)?;
    if a.json {
        let out = serde_json::json!({ "reminders": list, "alerts": alerts });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if list.is_empty() && alerts.is_empty() {
        println!("nothing due");
    } else {
        for al in &alerts {
            println!("crisis radar: {}", al.message);
        }
        for r in &list {
            println!("#{} {}", r.comment_id, r.message);
        }
    }
    Ok(EXIT_OK)
}
