//! `calma act`, `remind`, `show` and `export` as scripts use them: the same workflow rules as
//! the inbox, one audit event per step, replies in the outbox.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        let f = env.dir.path().join("in.ndjson");
        std::fs::write(
            &f,
            concat!(
                r#"{"id":"c1","platform":"facebook","author":"Ana Ruiz","author_id":"u1","thread_id":"p1","lang":"es","created_at":"2026-11-20T09:00:00Z","text":"Mi pedido NB-100 llegó roto"}"#,
                "\n",
                r#"{"id":"c2","platform":"facebook","author":"Troll","author_id":"u2","thread_id":"p1","created_at":"2026-11-20T09:30:00Z","text":"lol"}"#,
                "\n"
            ),
        )
        .unwrap();
        env.calma().arg("ingest").arg(&f).assert().code(0);
        env
    }

    fn calma(&self) -> Command {
        common::calma_in(self.dir.path())
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut c = self.calma();
        c.args(args);
        common::json_of(c)
    }
}

#[test]
fn a_complaint_is_walked_through_from_the_command_line() {
    let env = Env::new();
    // The classifier tagged the broken order a complaint at ingest.
    assert_eq!(
        env.json(&["show", "1", "--json"])["case"]["kind"],
        "complaint"
    );
    env.calma()
        .args([
            "act",
            "1",
            "acknowledge",
            "--template",
            "acknowledge",
            "--operator",
            "maria",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("new → acknowledged"))
        .stdout(predicate::str::contains("Ana"));
    env.calma()
        .args([
            "act",
            "1",
            "private",
            "--channel",
            "email",
            "--contact",
            "ana@example.com",
        ])
        .assert()
        .code(0);
    env.calma()
        .args(["act", "1", "resolve", "--text", "sent a new one"])
        .assert()
        .code(0);
    let shown = env.json(&["show", "1", "--json"]);
    assert_eq!(shown["case"]["state"], "resolved");
    let actions: Vec<&str> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["acknowledge", "move_to_private", "resolve"]);
    assert_eq!(shown["events"][0]["operator"], "maria");
    let outbox = env.json(&["export", "outbox"]);
    let outbox = outbox.as_array().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["template"], "acknowledge");
    assert_eq!(outbox[0]["lang"], "es");
    let cases = env.json(&["export", "cases"]);
    assert_eq!(cases.as_array().unwrap().len(), 2);
    let audit = env.json(&["export", "audit"]);
    assert_eq!(audit.as_array().unwrap().len(), 3);
}

#[test]
fn refused_steps_explain_what_is_allowed_and_change_nothing() {
    let env = Env::new();
    env.calma()
        .args(["act", "1", "retag", "--to", "complaint"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already tagged complaint"));
    env.calma()
        .args(["act", "1", "hide", "--reason", "too loud"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("#1:"));
    env.calma()
        .args(["act", "1", "verify"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("acknowledge"));
    env.calma().args(["act", "1", "delete"]).assert().code(2);
    env.calma()
        .args(["act", "1", "frobnicate"])
        .assert()
        .code(2);
    env.calma()
        .args(["act", "99", "acknowledge"])
        .assert()
        .code(2);
    let shown = env.json(&["show", "1", "--json"]);
    assert_eq!(shown["case"]["state"], "new");
    assert!(shown["events"].as_array().unwrap().is_empty());
}

#[test]
fn remind_lists_breaches_and_the_troll_ladder_is_recorded() {
    let env = Env::new();
    let due = env.json(&["remind", "--json"]);
    assert_eq!(
        due["alerts"].as_array().map(Vec::len),
        Some(0),
        "two comments are no crisis"
    );
    let ids: Vec<i64> = due["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["comment_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2], "both waited more than the 60-minute target");
    env.calma()
        .args(["act", "2", "retag", "--to", "troll"])
        .assert()
        .code(0);
    env.calma()
        .args(["act", "2", "ignore", "--reason", "no concern voiced"])
        .assert()
        .code(0);
    env.calma()
        .args(["act", "2", "mute", "--reason", "keeps baiting"])
        .assert()
        .code(0);
    let shown = env.json(&["show", "2", "--json"]);
    assert_eq!(shown["case"]["state"], "muted");
    let list = env.json(&["list", "--json", "--overdue"]);
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1]);
}

#[test]
fn the_guide_beside_the_configuration_overrides_the_built_in_one() {
    let env = Env::new();
    let conf = env.dir.path().join("elsewhere");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("config.toml"), "operator = \"maria\"\n").unwrap();
    std::fs::write(
        conf.join("guide.toml"),
        r#"[[template]]
id = "acknowledge"
title = "Acknowledge in the Nubo voice"
action = "acknowledge"
tone = "friendly"
last_reviewed = "2026-11-20"
tags = ["complaint"]

[template.variants]
en = ["Hi {name|there}, Nubo team here: sorry, we'll reply here within the hour."]
es = ["Hola {name|}, aquí el equipo Nubo: perdona, te respondemos aquí en una hora."]
"#,
    )
    .unwrap();
    env.calma()
        .arg("--config")
        .arg(conf.join("config.toml"))
        .args(["act", "1", "acknowledge", "--template", "acknowledge"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("aquí el equipo Nubo"));
    let outbox = env.json(&["export", "outbox"]);
    assert_eq!(outbox[0]["operator"], "maria", "{outbox:#}");
}

#[test]
fn templates_list_counts_what_was_sent_and_flags_stale_templates() {
    let env = Env::new();
    env.calma()
        .args(["act", "1", "acknowledge", "--template", "acknowledge"])
        .assert()
        .code(0);
    let listed = env.json(&["templates", "list", "--json"]);
    let row = |id: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is not listed"))
    };
    assert_eq!(row("acknowledge")["sent"], 1);
    assert_eq!(row("move_to_private")["sent"], 0);
    assert_eq!(row("acknowledge")["stale"], false, "reviewed today");
    // Four months on, nobody has reread the built-in guide.
    env.calma()
        .env("CALMA_NOW", "2027-03-25T12:00:00Z")
        .args(["templates", "list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("STALE: review it"))
        .stdout(predicate::str::contains("not reviewed for 90 days"));
}
