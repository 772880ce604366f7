//! What the command-line tests share: `calma` run in a sandbox of its own (database, data and
//! configuration directories under a temporary folder, the clock fixed), and its JSON output
//! read back.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// The clock every command-line test runs at.
pub const NOW: &str = "2026-11-20T12:00:00Z";

/// `calma` with its database, data and configuration directories under `dir`, the clock at
/// [`NOW`], and nothing from the environment of the person running the tests.
pub fn calma_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("calma").unwrap();
    c.env("CALMA_DB", dir.join("calma.db"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("CALMA_NOW", NOW)
        .env_remove("CALMA_CONFIG");
    c
}

/// Runs `cmd`, which must succeed, and reads its standard output as JSON.
pub fn json_of(mut cmd: Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
