//! `calma classify`, `calma rules check` and `calma eval` as a user runs them: output shapes,
//! exit codes, and messages for bad records and bad packs.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn calma(dir: &tempfile::TempDir) -> Command {
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let mut cmd = Command::cargo_bin("calma").unwrap();
    cmd.env("CALMA_CONFIG", &config)
        .env("CALMA_DB", dir.path().join("never.db"))
        .env("XDG_DATA_HOME", dir.path())
        .env("HOME", dir.path());
    cmd
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const LABELLED: &str = "id,text,label,lang,source\n\
1,\"You are a pathetic idiot, nobody cares\",troll,en,ours\n\
2,\"@AcmeSupport my parcel still hasn't arrived, nobody answers\",complaint,en,ours\n\
3,\"Me merezco un descuento, quiero mi dinero\",oportunista,es,ours\n\
4,\"Happy birthday, have a great day!\",other,en,ours\n\
5,\"Me merezco un descuento, quiero mi dinero\",oportunista,es,ours\n";

#[test]
fn classify_prints_one_json_object_per_record_and_never_touches_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "labelled.csv", LABELLED);
    let out = calma(&dir)
        .args(["classify", "--explain"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["id"], "1");
    assert_eq!(lines[0]["tag"], "troll");
    assert!(
        lines[0]["flags"]
            .as_array()
            .unwrap()
            .contains(&"insult".into())
    );
    assert_eq!(lines[0]["lang"], "en");
    assert!(lines[0]["sentiment"].is_number());
    assert!(lines[0]["scores"]["troll"].as_f64().unwrap() >= 1.0);
    let idiot = lines[0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["spans"].as_array().unwrap())
        .any(|s| s["text"] == "idiot");
    assert!(idiot, "{}", lines[0]);
    assert_eq!(lines[1]["tag"], "complaint");
    assert_eq!(lines[2]["tag"], "oportunista");
    // The same text again, in one file: seen as a duplicate.
    assert!(
        lines[4]["flags"]
            .as_array()
            .unwrap()
            .contains(&"bot_like".into())
    );
    assert!(!dir.path().join("never.db").exists());
}

#[test]
fn classify_reads_stdin_and_writes_csv_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    calma(&dir)
        .args(["classify", "--output", "csv", "-"])
        .write_stdin(LABELLED)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "id,tag,flags,sentiment,lang,rules\n",
        ))
        .stdout(predicate::str::contains("1,troll,"));
    calma(&dir)
        .args(["classify", "--output", "table", "-"])
        .write_stdin(LABELLED)
        .assert()
        .success()
        .stdout(predicate::str::contains("oportunista"));
}

#[test]
fn bad_records_are_reported_and_exit_3_unreadable_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "mixed.ndjson",
        "{\"id\":\"a\",\"text\":\"broken again, still waiting\"}\n{not json\n",
    );
    calma(&dir)
        .arg("classify")
        .arg(&file)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("\"id\":\"a\""))
        .stderr(predicate::str::contains("mixed.ndjson").and(predicate::str::contains("record 2")));
    calma(&dir)
        .args(["classify", "/no/such/file.csv"])
        .assert()
        .code(2);
}

#[test]
fn a_user_pack_extends_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let pack = write(
        &dir,
        "mine.toml",
        "[[rule]]\nid = \"mine.mascot\"\ndescription = \"Talk about our mascot\"\nlang = \"en\"\nany = [\"mascot\"]\nflags = [\"urgent\"]\n",
    );
    let input = write(&dir, "in.csv", "id,text\nx,the mascot is here\n");
    calma(&dir)
        .args(["classify", "--rules"])
        .arg(&pack)
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("mine.mascot").and(predicate::str::contains("+user-")));
}

#[test]
fn rules_check_names_rule_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        &dir,
        "good.toml",
        "[[rule]]\nid = \"a.b\"\ndescription = \"d\"\nany = [\"x\"]\nflags = [\"spam\"]\n",
    );
    calma(&dir)
        .args(["rules", "check"])
        .arg(&good)
        .assert()
        .success()
        .stdout(predicate::str::contains("ok, 1 rules"));
    let bad = write(
        &dir,
        "bad.toml",
        "[[rule]]\nid = \"a.b\"\ndescription = \"d\"\nany = [\"x\"]\nflags = [\"spam\"]\n\n[[rule]]\nid = \"c.d\"\ndescription = \"e\"\nany = [\"y\"]\ntag = \"nonsense\"\n",
    );
    calma(&dir)
        .args(["rules", "check"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("bad.toml:8: rule c.d")
                .and(predicate::str::contains("nonsense")),
        );
}

#[test]
fn eval_prints_scores_and_a_confusion_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "labelled.csv", LABELLED);
    calma(&dir)
        .args(["eval", "--labels"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("macro-F1").and(predicate::str::contains("confusion")));
    let out = calma(&dir)
        .args(["eval", "--json", "--labels"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["n"], 5);
    assert_eq!(v["confusion"].as_array().unwrap().len(), 5);
}

#[test]
fn reclassify_backtests_the_stored_comments() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "comments.csv",
        "id,platform,author,text\n\
         t1,youtube,ana,\"You are a pathetic idiot, nobody cares\"\n\
         t2,youtube,bob,\"Lovely video, thanks! Please bring back the old mascot\"\n\
         t3,youtube,cai,\"my parcel still hasn't arrived and nobody answers the phone\"\n",
    );
    calma(&dir)
        .env("CALMA_NOW", "2026-11-20T12:00:00Z")
        .arg("ingest")
        .arg(&file)
        .assert()
        .success();
    // Ingest classified with the default packs: the same packs change nothing.
    calma(&dir)
        .args(["reclassify", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 verdicts change"));
    // A new rule is backtested before it is written.
    let pack = write(
        &dir,
        "mascot.toml",
        "[[rule]]\nid = \"mine.mascot\"\ndescription = \"Ideas about our mascot\"\nlang = \"en\"\nany = [\"mascot\"]\ntag = \"constructive\"\nweight = 5.0\n",
    );
    calma(&dir)
        .args(["reclassify", "--dry-run", "--rules"])
        .arg(&pack)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("other -> constructive")
                .and(predicate::str::contains("dry run: nothing written")),
        );
    calma(&dir)
        .args(["reclassify", "--rules"])
        .arg(&pack)
        .assert()
        .success()
        .stdout(predicate::str::contains("written:"));
    calma(&dir)
        .args(["reclassify", "--dry-run", "--rules"])
        .arg(&pack)
        .assert()
        .success()
        .stdout(predicate::str::contains("0 verdicts change"));
    calma(&dir)
        .args(["list", "--tag", "constructive", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("old mascot"));
}
