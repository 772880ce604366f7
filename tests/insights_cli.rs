//! `calma stats`, `calma topics` and `calma export topics` as scripts use them.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// Three complaints about the battery (retagged by hand: no classifier runs here) and a
    /// question about opening hours.
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        let f = env.dir.path().join("in.ndjson");
        let lines = [
            ("c1", "x", "The battery drains overnight, this is a joke"),
            (
                "c2",
                "instagram",
                "My battery drains in two hours since the update",
            ),
            ("c3", "x", "Battery drain again?! Fix it"),
            ("c4", "facebook", "What are your opening hours on Sunday?"),
        ];
        let body: String = lines
            .iter()
            .enumerate()
            .map(|(i, (id, p, text))| {
                format!(
                    "{}\n",
                    serde_json::json!({"id": id, "platform": p, "author": format!("user{i}"),
                        "lang": "en", "created_at": "2026-11-19T09:00:00Z", "text": text})
                )
            })
            .collect();
        std::fs::write(&f, body).unwrap();
        env.calma().arg("ingest").arg(&f).assert().code(0);
        // The classifier may already call them complaints; a retag makes sure.
        for id in ["1", "2", "3"] {
            let out = env
                .calma()
                .args(["act", id, "retag", "--to", "complaint"])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() || err.contains("already tagged complaint"),
                "{err}"
            );
        }
        let complaints = env.json(&["list", "--tag", "complaint", "--json"]);
        assert_eq!(complaints.as_array().unwrap().len(), 3, "{complaints:#}");
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
fn export_topics_writes_briefs_as_json_and_csv() {
    let env = Env::new();
    let briefs = env.json(&["export", "topics"]);
    let briefs = briefs.as_array().unwrap();
    assert_eq!(briefs.len(), 1, "{briefs:#?}");
    let b = &briefs[0];
    assert_eq!(b["count"], 3);
    assert_eq!(b["trend"], "new");
    assert!(b["title"].as_str().unwrap().contains("battery"), "{b}");
    assert_eq!(b["examples"].as_array().unwrap().len(), 3);
    assert_eq!(b["platforms"], serde_json::json!(["x", "instagram"]));
    assert_eq!(
        b["format"], "post",
        "one question in three is a report, not an FAQ"
    );
    let out = env
        .calma()
        .args(["export", "topics", "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().contains("examples"), "{csv}");
    let row = lines.next().unwrap();
    assert!(row.contains(" | ") && row.contains("x;instagram"), "{csv}");
    env.calma()
        .arg("topics")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("battery").and(predicate::str::contains("#3")));
}

#[test]
fn stats_print_a_table_and_json_and_refuse_a_bad_duration() {
    let env = Env::new();
    let s = env.json(&["stats", "--json", "--since", "7d"]);
    assert_eq!(s["first_response"]["answered"], 0);
    assert_eq!(s["waiting_past_target"], 4);
    let queues = s["queues"].as_array().unwrap();
    assert_eq!(queues[0], serde_json::json!(["first_response", 4]));
    assert_eq!(queues[1], serde_json::json!(["complaints", 3]));
    env.calma()
        .arg("stats")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Needs reply").and(predicate::str::contains("complaint")));
    env.calma()
        .args(["stats", "--since", "7y"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown unit"));
}

#[test]
fn show_says_who_from_the_community_already_answered() {
    let env = Env {
        dir: tempfile::tempdir().unwrap(),
    };
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/canonical");
    env.calma().arg("ingest").arg(&fixtures).assert().code(0);
    let id_of = |external: &str| {
        env.json(&["list", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["external_id"] == external)
            .map(|r| r["id"].to_string())
            .unwrap_or_else(|| panic!("{external} is not listed"))
    };
    // A customer's late order in the Reddit megathread; a regular answered with a workaround.
    let case = id_of("t1_o33vs0h");
    let shown = env.json(&["show", &case, "--json"]);
    assert_eq!(
        shown["answered_by_community"]["author"], "priya_fixes_things",
        "{shown:#}"
    );
    env.calma()
        .args(["show", &case])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "answered by the community: priya_fixes_things",
        ));
    // Nobody answered the troll for us.
    let shown = env.json(&["show", &id_of("t1_o1i8bzk"), "--json"]);
    assert!(shown["answered_by_community"].is_null(), "{shown:#}");
}
