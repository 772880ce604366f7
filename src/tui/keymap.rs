//! The normal-mode keymap: every bindable command, its default keys (mutt/aerc/vim habits), the
//! per-key overrides read from `keys.toml`, conflict detection, and the help text generated from
//! the live map.
//!
//! Only normal mode is bound here: while the operator types (composer, prompts, search, the
//! command line) keys go to the text, never to a command.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A command a key can stand for in normal mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Open,
    Back,
    NextQueue,
    PrevQueue,
    Search,
    Limit,
    Mark,
    ApplyMarked,
    Reply,
    Acknowledge,
    Private,
    Resolve,
    Verify,
    FollowUp,
    Ignore,
    Hide,
    Mute,
    Block,
    Report,
    Retag,
    Undo,
    Stats,
    Crisis,
    Help,
    CommandLine,
    Quit,
    Suspend,
}

impl Command {
    pub const ALL: [Command; 33] = [
        Command::Down,
        Command::Up,
        Command::Top,
        Command::Bottom,
        Command::PageDown,
        Command::PageUp,
        Command::Open,
        Command::Back,
        Command::NextQueue,
        Command::PrevQueue,
        Command::Search,
        Command::Limit,
        Command::Mark,
        Command::ApplyMarked,
        Command::Reply,
        Command::Acknowledge,
        Command::Private,
        Command::Resolve,
        Command::Verify,
        Command::FollowUp,
        Command::Ignore,
        Command::Hide,
        Command::Mute,
        Command::Block,
        Command::Report,
        Command::Retag,
        Command::Undo,
        Command::Stats,
        Command::Crisis,
        Command::Help,
        Command::CommandLine,
        Command::Quit,
        Command::Suspend,
    ];

    /// The name used in `keys.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Down => "down",
            Command::Up => "up",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::PageDown => "page_down",
            Command::PageUp => "page_up",
            Command::Open => "open",
            Command::Back => "back",
            Command::NextQueue => "next_queue",
            Command::PrevQueue => "prev_queue",
            Command::Search => "search",
            Command::Limit => "limit",
            Command::Mark => "mark",
            Command::ApplyMarked => "apply_marked",
            Command::Reply => "reply",
            Command::Acknowledge => "acknowledge",
            Command::Private => "private",
            Command::Resolve => "resolve",
            Command::Verify => "verify",
            Command::FollowUp => "follow_up",
            Command::Ignore => "ignore",
            Command::Hide => "hide",
            Command::Mute => "mute",
            Command::Block => "block",
            Command::Report => "report",
            Command::Retag => "retag",
            Command::Undo => "undo",
            Command::Stats => "stats",
            Command::Crisis => "crisis",
            Command::Help => "help",
            Command::CommandLine => "command_line",
            Command::Quit => "quit",
            Command::Suspend => "suspend",
        }
    }

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Command::Down => "next case",
            Command::Up => "previous case",
            Command::Top => "first (most urgent) case",
            Command::Bottom => "last case",
            Command::PageDown => "page down",
            Command::PageUp => "page up",
            Command::Open => "open the case",
            Command::Back => "back to the queue / clear",
            Command::NextQueue => "next queue",
            Command::PrevQueue => "previous queue",
            Command::Search => "search all comments",
            Command::Limit => "limit the queue to rows matching a pattern",
            Command::Mark => "mark / unmark the case",
            Command::ApplyMarked => "apply the next action to every marked case",
            Command::Reply => "write a reply (composer)",
            Command::Acknowledge => "acknowledge in public",
            Command::Private => "move to private (asks channel and contact)",
            Command::Resolve => "resolve (asks what was done)",
            Command::Verify => "verify: the customer confirmed the fix",
            Command::FollowUp => "set the follow-up date",
            Command::Ignore => "ignore (asks a reason)",
            Command::Hide => "hide (asks a reason)",
            Command::Mute => "mute the author (asks a reason)",
            Command::Block => "block the author (asks a reason, confirms)",
            Command::Report => "report to the platform (asks a reason, confirms)",
            Command::Retag => "retag (pick a tag)",
            Command::Undo => "undo your last action on the case",
            Command::Stats => "figures: backlog, response times, steps, tag mix",
            Command::Crisis => "crisis queue: open cases since the radar's alert, worst first",
            Command::Help => "this help",
            Command::CommandLine => "command line (:q, :act, :queue, :delete, :stats, :crisis)",
            Command::Quit => "quit",
            Command::Suspend => "suspend to the shell",
        }
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            Command::Down => &["j", "Down"],
            Command::Up => &["k", "Up"],
            Command::Top => &["g", "Home"],
            Command::Bottom => &["G", "End"],
            Command::PageDown => &["PgDn", "C-d"],
            Command::PageUp => &["PgUp", "C-u"],
            Command::Open => &["Enter"],
            Command::Back => &["Esc"],
            Command::NextQueue => &["Tab"],
            Command::PrevQueue => &["BackTab"],
            Command::Search => &["/"],
            Command::Limit => &["l"],
            Command::Mark => &["t"],
            Command::ApplyMarked => &[";"],
            Command::Reply => &["r"],
            Command::Acknowledge => &["a"],
            Command::Private => &["p"],
            Command::Resolve => &["x"],
            Command::Verify => &["v"],
            Command::FollowUp => &["f"],
            Command::Ignore => &["i"],
            Command::Hide => &["h"],
            Command::Mute => &["m"],
            Command::Block => &["b"],
            Command::Report => &["!"],
            Command::Retag => &["T"],
            Command::Undo => &["u"],
            Command::Stats => &["S"],
            Command::Crisis => &["C"],
            Command::Help => &["?"],
            Command::CommandLine => &[":"],
            Command::Quit => &["q"],
            Command::Suspend => &["C-z"],
        }
    }

    pub fn from_name(s: &str) -> Option<Command> {
        let k = s.trim().to_ascii_lowercase().replace('-', "_");
        Command::ALL.into_iter().find(|c| c.name() == k)
    }
}

/// One key with its modifiers, as written in `keys.toml` (`a`, `A`, `C-d`, `Enter`, `PgDn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    /// Reads a key name: a single character, `C-x`/`Ctrl-x`, `M-x`/`Alt-x`, or a named key.
    pub fn parse(s: &str) -> Result<Key, String> {
        let raw = s.trim().trim_start_matches('<').trim_end_matches('>');
        if raw.is_empty() {
            return Err("an empty key".into());
        }
        let (mut ctrl, mut alt) = (false, false);
        let mut rest = raw;
        loop {
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = ["c-", "ctrl-", "ctrl+", "c+"]
                .iter()
                .find_map(|p| lower.starts_with(p).then(|| &rest[p.len()..]))
            {
                ctrl = true;
                rest = r;
            } else if let Some(r) = ["m-", "alt-", "alt+", "a-", "m+"]
                .iter()
                .find_map(|p| lower.starts_with(p).then(|| &rest[p.len()..]))
            {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" | "cr" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "s-tab" | "shift-tab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
                "backspace" | "bs" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().unwrap_or(1))
                }
                _ => return Err(format!("unknown key {s:?}")),
            },
        };
        Ok(Key { code, ctrl, alt })
    }

    /// The key a terminal event stands for (shift is part of the character itself).
    pub fn from_event(e: &KeyEvent) -> Key {
        Key {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("C-")?;
        }
        if self.alt {
            f.write_str("M-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Delete"),
            KeyCode::Insert => f.write_str("Insert"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// What can be wrong with a `keys.toml`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("keys.toml: {0}")]
    Toml(String),
    #[error("keys.toml: unknown command {0:?}")]
    UnknownCommand(String),
    #[error("keys.toml: {command}: {reason}")]
    BadKey { command: String, reason: String },
    #[error("keys.toml: key {key} is bound to both {first} and {second}")]
    Conflict {
        key: String,
        first: &'static str,
        second: &'static str,
    },
}

/// The live normal-mode keymap.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_key: HashMap<Key, Command>,
    by_command: BTreeMap<Command, Vec<Key>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    keys: BTreeMap<String, OneOrMany>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Default for Keymap {
    fn default() -> Self {
        let by_command: BTreeMap<Command, Vec<Key>> = Command::ALL
            .into_iter()
            .map(|c| {
                let keys = c
                    .defaults()
                    .iter()
                    .map(|k| Key::parse(k).unwrap_or_else(|e| panic!("default key: {e}")))
                    .collect();
                (c, keys)
            })
            .collect();
        Keymap::build(by_command).unwrap_or_else(|e| panic!("default keymap: {e}"))
    }
}

impl Keymap {
    /// The defaults with the overrides of a `keys.toml` text: each command named there gets
    /// exactly the keys given (a string or a list); the others keep their defaults.
    pub fn from_toml(text: &str) -> Result<Keymap, KeymapError> {
        let file: KeysFile = toml::from_str(text).map_err(|e| KeymapError::Toml(e.to_string()))?;
        let mut map = Keymap::default().by_command;
        for (name, keys) in file.keys {
            let cmd = Command::from_name(&name).ok_or(KeymapError::UnknownCommand(name.clone()))?;
            let list = match keys {
                OneOrMany::One(k) => vec![k],
                OneOrMany::Many(v) => v,
            };
            let parsed = list
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|reason| KeymapError::BadKey {
                    command: name.clone(),
                    reason,
                })?;
            map.insert(cmd, parsed);
        }
        Keymap::build(map)
    }

    fn build(by_command: BTreeMap<Command, Vec<Key>>) -> Result<Keymap, KeymapError> {
        let mut by_key: HashMap<Key, Command> = HashMap::new();
        for (&cmd, keys) in &by_command {
            for &k in keys {
                if let Some(prev) = by_key.insert(k, cmd)
                    && prev != cmd
                {
                    return Err(KeymapError::Conflict {
                        key: k.to_string(),
                        first: prev.name(),
                        second: cmd.name(),
                    });
                }
            }
        }
        Ok(Keymap { by_key, by_command })
    }

    /// The command a key press stands for in normal mode.
    pub fn lookup(&self, e: &KeyEvent) -> Option<Command> {
        self.by_key.get(&Key::from_event(e)).copied()
    }

    /// The keys bound to a command, in the order given.
    pub fn keys(&self, c: Command) -> &[Key] {
        self.by_command.get(&c).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key of a command as shown in hints (`a`), or `-` when unbound.
    pub fn hint(&self, c: Command) -> String {
        self.keys(c)
            .first()
            .map_or_else(|| "-".into(), Key::to_string)
    }

    /// The help screen: one line per command with its live keys.
    pub fn help_lines(&self) -> Vec<(String, &'static str)> {
        Command::ALL
            .into_iter()
            .map(|c| {
                let keys: Vec<String> = self.keys(c).iter().map(Key::to_string).collect();
                let keys = if keys.is_empty() {
                    "(unbound)".to_string()
                } else {
                    keys.join(" ")
                };
                (keys, c.describe())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_follow_mutt_and_vim() {
        let k = Keymap::default();
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Command::Down)
        );
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Command::Bottom)
        );
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('!'), KeyModifiers::SHIFT)),
            Some(Command::Report)
        );
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('z'), KeyModifiers::CONTROL)),
            Some(Command::Suspend)
        );
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('d'), KeyModifiers::NONE)),
            None,
            "no delete key"
        );
    }

    #[test]
    fn an_override_rebinds_one_command_and_keeps_the_rest() {
        let k = Keymap::from_toml("[keys]\nacknowledge = \"A\"\n").unwrap();
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('A'), KeyModifiers::SHIFT)),
            Some(Command::Acknowledge)
        );
        assert_eq!(k.lookup(&ev(KeyCode::Char('a'), KeyModifiers::NONE)), None);
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('p'), KeyModifiers::NONE)),
            Some(Command::Private)
        );
        assert_eq!(k.hint(Command::Acknowledge), "A");
    }

    #[test]
    fn lists_and_named_keys_parse() {
        let k = Keymap::from_toml("[keys]\ndown = [\"n\", \"C-n\", \"<Down>\"]\nquit = \"F10\"\n")
            .unwrap();
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Command::Down)
        );
        assert_eq!(
            k.lookup(&ev(KeyCode::F(10), KeyModifiers::NONE)),
            Some(Command::Quit)
        );
        assert_eq!(k.lookup(&ev(KeyCode::Char('j'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn a_conflict_names_both_commands() {
        let err = Keymap::from_toml("[keys]\nacknowledge = \"x\"\n").unwrap_err();
        assert_eq!(
            err,
            KeymapError::Conflict {
                key: "x".into(),
                first: "acknowledge",
                second: "resolve"
            }
        );
        assert!(err.to_string().contains("acknowledge") && err.to_string().contains("resolve"));
    }

    #[test]
    fn unknown_commands_and_keys_are_errors() {
        assert_eq!(
            Keymap::from_toml("[keys]\ndelete = \"d\"\n").unwrap_err(),
            KeymapError::UnknownCommand("delete".into())
        );
        assert!(matches!(
            Keymap::from_toml("[keys]\nhide = \"Hyper-x\"\n").unwrap_err(),
            KeymapError::BadKey { .. }
        ));
        assert!(matches!(
            Keymap::from_toml("[colours]\n").unwrap_err(),
            KeymapError::Toml(_)
        ));
    }

    #[test]
    fn help_is_generated_from_the_live_map() {
        let k = Keymap::from_toml("[keys]\nhide = \"H\"\n").unwrap();
        let help = k.help_lines();
        assert!(help.contains(&("H".to_string(), Command::Hide.describe())));
        assert_eq!(help.len(), Command::ALL.len());
    }
}
