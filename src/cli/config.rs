//! The configuration file (`--config`, else `config.toml` in the platform config directory):
//! who the brand is on each platform, the time zone for naive timestamps, the operator's name.
//! Every section is optional; a missing file means the defaults.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::domain::Platform;
use crate::ingest::BrandIds;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The operator recorded in the audit log when `--operator` is not given.
    pub operator: Option<String>,
    /// IANA time zone for timestamps written without one (default UTC).
    pub timezone: Option<String>,
    pub brand: BrandConfig,
    /// `[sla]`: response-time targets (see `calma::workflow::SlaConfig`).
    pub sla: crate::workflow::SlaConfig,
    /// `[radar]`: the crisis radar's window, sensitivity and cooldown (see
    /// `calma::insights::RadarConfig`).
    pub radar: crate::insights::RadarConfig,
}

/// `[brand]`: identities that are "us". `any = ["@AcmeHelp"]` counts on every platform;
/// `facebook = ["1234567890"]` on one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BrandConfig {
    pub any: Vec<String>,
    #[serde(flatten)]
    pub per_platform: HashMap<String, Vec<String>>,
}

impl Config {
    /// Reads the file at `path`; when `path` is `None`, the default file if it exists.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let (path, required) = match path {
            Some(p) => (p.to_owned(), true),
            None => match default_config_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(e) => return Err(e).with_context(|| format!("{}", path.display())),
        };
        toml::from_str(&text).with_context(|| format!("{}", path.display()))
    }

    pub fn brand_ids(&self) -> anyhow::Result<BrandIds> {
        let mut ids = BrandIds {
            any: self.brand.any.clone(),
            ..Default::default()
        };
        for (k, v) in &self.brand.per_platform {
            let p: Platform = k.parse().map_err(|e| anyhow::anyhow!("[brand] {k}: {e}"))?;
            ids.per_platform
                .entry(p)
                .or_default()
                .extend(v.iter().cloned());
        }
        Ok(ids)
    }

    pub fn tz(&self) -> anyhow::Result<Option<chrono_tz::Tz>> {
        self.timezone
            .as_deref()
            .map(|t| {
                t.parse()
                    .map_err(|_| anyhow::anyhow!("unknown time zone {t:?} in the config file"))
            })
            .transpose()
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "calma")
}

/// `config.toml` in the platform config directory.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The platform data directory, where the default database and the log live.
pub fn data_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.data_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from(".calma"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brand_sections_per_platform() {
        let c: Config = toml::from_str(
            "timezone = \"Europe/Madrid\"\n[brand]\nany = [\"@acme\"]\nfacebook = [\"123\"]\n",
        )
        .unwrap();
        let b = c.brand_ids().unwrap();
        assert_eq!(b.any, ["@acme"]);
        assert_eq!(b.per_platform[&Platform::Facebook], ["123"]);
        assert!(c.tz().unwrap().is_some());
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Config>("colour = 1").is_err());
    }
}
