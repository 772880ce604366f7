//! The inbox state and its one `update` function: a UI [`Action`] changes the [`App`] and returns
//! the [`Effect`]s the loop must carry out (store requests, quit, suspend). Nothing here does
//! I/O or reads the clock; store answers come back as [`Action::Loaded`].

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Style};
use ratatui_textarea::TextArea;

use super::api::{CaseView, Queue, QueueRow};
use super::composer::{self, Origin, Picker};
use super::keymap::{Command, Keymap};
use super::layout;
use crate::domain::{Lang, Platform, Tag};
use crate::insights::{Alert, Stats, crisis_banner};
use crate::replies::{Guide, LintWarning, Part, Values, lint, send_guard};
use crate::store::NewReply;
use crate::workflow::{self as wf, ActionKind, Channel, DeleteCode, Rung, SlaConfig};

/// What the loop feeds into [`update`]: a command from the keymap, typing, answers from the
/// store worker, the clock.
#[derive(Debug)]
pub enum Action {
    /// A normal-mode command.
    Cmd(Command),
    /// A key typed into whatever text is being edited (prompt, composer, command line), or a
    /// move in a picker.
    Type(KeyEvent),
    /// Enter in a prompt, `y` in a confirmation, send in the composer.
    Submit,
    /// Esc while typing or confirming.
    Cancel,
    Resize(u16, u16),
    /// The clock ticked.
    Tick(DateTime<Utc>),
    /// The store worker answered.
    Loaded(Response),
    /// Something outside the app happened (a watched file was ingested).
    Notice(String),
    /// `$EDITOR` gave back the draft.
    Edited(String),
}

/// What the loop does on behalf of [`update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Store(Request),
    Quit,
    Suspend,
    /// Open `$EDITOR` on this text; its result comes back as [`Action::Edited`].
    Edit(String),
    /// Put this text on the clipboard (OSC 52 to the terminal).
    Clipboard(String),
}

/// Which end of the list a page extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageDir {
    /// The first page of the queue.
    First,
    /// The last page of the queue.
    Last,
    /// Rows after the last loaded one.
    Next,
    /// Rows before the first loaded one.
    Prev,
    /// Reload from an anchor after a change.
    Refresh,
}

/// A request to the store worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Page {
        generation: u64,
        queue: Queue,
        dir: PageDir,
        /// Keyset anchor: rows strictly after it (or before it, for `Prev` and `Last`).
        anchor: Option<QueueRow>,
        limit: usize,
    },
    Counts,
    Case {
        generation: u64,
        id: i64,
    },
    Act {
        ids: Vec<i64>,
        action: wf::Action,
        reply: Option<NewReply>,
    },
    /// Draft template `template` for case `id` (rotation, the case's values, `values` on top).
    Draft {
        id: i64,
        template: String,
        part: Part,
        values: Values,
    },
    SaveDraft {
        id: i64,
        text: String,
        template: Option<String>,
    },
    LoadDraft {
        id: i64,
    },
    Undo {
        id: i64,
    },
    Search {
        generation: u64,
        text: String,
    },
    /// Has another process written to the database since the last poll?
    Poll,
    /// The figures of the stats screen.
    Stats,
    /// Run the crisis radar over what arrived and return the alerts that stand.
    Radar,
    /// The crisis queue of the latest standing alert.
    Crisis {
        generation: u64,
    },
}

/// The store worker's answer to a [`Request`].
#[derive(Debug, Clone)]
pub enum Response {
    Page {
        generation: u64,
        dir: PageDir,
        limit: usize,
        rows: Vec<QueueRow>,
    },
    Counts(Vec<(Queue, u64)>),
    Case {
        generation: u64,
        view: Box<CaseView>,
    },
    /// One line per case acted on: what happened, or why it was refused.
    Acted {
        action: ActionKind,
        results: Vec<(i64, Result<String, String>)>,
    },
    Undone {
        id: i64,
        result: Result<String, String>,
    },
    Search {
        generation: u64,
        text: String,
        rows: Vec<QueueRow>,
    },
    /// The answer to a poll: whether another process wrote to the database (then what is on
    /// screen is reloaded).
    Polled {
        changed: bool,
    },
    /// A template drafted for case `id`: the text and where it came from.
    Drafted {
        id: i64,
        result: Result<(String, Origin), String>,
    },
    /// The saved draft of case `id` (text, template), if any.
    DraftLoaded {
        id: i64,
        draft: Option<(String, Option<String>)>,
    },
    DraftSaved,
    Stats(Box<Stats>),
    /// The radar's alerts that stand (raised in the last day): the banner.
    Alerts(Vec<Alert>),
    Crisis {
        generation: u64,
        title: String,
        rows: Vec<QueueRow>,
    },
    /// A read failed: shown in the status line.
    Failed(String),
}

/// What the bottom line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Channel,
    Contact(Channel),
    Resolution,
    FollowUpDate,
    Reason(Rung),
    Search,
    Limit,
    CommandLine,
    /// A value for a placeholder the case could not fill.
    Placeholder(String),
}

impl Ask {
    fn label(&self) -> String {
        match self {
            Ask::Channel => "Private channel (dm, email, phone): ".into(),
            Ask::Contact(c) => format!("Contact on {}: ", c.as_str()),
            Ask::Resolution => "What was done: ".into(),
            Ask::FollowUpDate => "Follow-up date (YYYY-MM-DD or +Nd): ".into(),
            Ask::Reason(r) => format!("Reason to {}: ", r.as_str()),
            Ask::Search => "Search: ".into(),
            Ask::Limit => "Limit to (empty for all): ".into(),
            Ask::CommandLine => ":".into(),
            Ask::Placeholder(n) => format!("Value for {{{n}}}: "),
        }
    }
}

/// The modes: normal mode is the only one where single keys are commands.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Help,
    Prompt {
        ask: Ask,
        input: String,
        targets: Vec<i64>,
    },
    Confirm {
        question: String,
        action: wf::Action,
        targets: Vec<i64>,
    },
    Retag {
        selected: usize,
        targets: Vec<i64>,
    },
    Composer,
    /// Choosing a template for the composer.
    Picker(Picker),
    /// The final look before sending: `y` send, `n` back, `e` edit.
    Review,
    /// The stats screen (any key goes back).
    Stats,
}

impl Mode {
    /// Keys go to text (or a picker), never to commands.
    pub fn is_typing(&self) -> bool {
        !matches!(self, Mode::Normal)
    }

    /// The composer is on screen: typing, picking a template, filling a placeholder or
    /// reviewing.
    pub fn is_composing(&self) -> bool {
        matches!(
            self,
            Mode::Composer
                | Mode::Picker(_)
                | Mode::Review
                | Mode::Prompt {
                    ask: Ask::Placeholder(_),
                    ..
                }
        )
    }
}

/// The actions whose public answer the composer can record, in cycling order.
pub const REPLY_ACTIONS: [ActionKind; 5] = [
    ActionKind::Acknowledge,
    ActionKind::Apologise,
    ActionKind::FirmReply,
    ActionKind::Thank,
    ActionKind::ToldWhenDone,
];

/// The rows the queue pane shows: a window onto the queue, extended a page at a time.
#[derive(Debug, Clone, Default)]
pub struct QueueList {
    pub rows: Vec<QueueRow>,
    pub selected: usize,
    /// The first row drawn.
    pub top: usize,
    /// The queue's first row is loaded.
    pub at_start: bool,
    /// The queue's last row is loaded.
    pub at_end: bool,
    /// A page request is on its way.
    pub loading: bool,
    /// The last row fetched (kept even when a limit filtered it out: the next page starts
    /// after it).
    last_raw: Option<QueueRow>,
    first_raw: Option<QueueRow>,
}

impl QueueList {
    pub fn current(&self) -> Option<&QueueRow> {
        self.rows.get(self.selected)
    }
}

/// Search results, or the crisis queue, replace the queue pane until Esc.
#[derive(Debug, Clone)]
pub struct SearchView {
    /// The pane's title: `search: text` or the crisis it ranks.
    pub title: String,
    /// The crisis queue: replies start from the holding statement.
    pub crisis: bool,
    pub text: String,
    pub rows: Vec<QueueRow>,
    pub selected: usize,
    pub top: usize,
}

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// The whole state of the inbox.
pub struct App {
    pub keymap: Keymap,
    pub sla: SlaConfig,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub queue: Queue,
    pub counts: Vec<(Queue, u64)>,
    pub list: QueueList,
    pub search: Option<SearchView>,
    pub limit: Option<String>,
    pub marked: BTreeSet<i64>,
    pub case: Option<CaseView>,
    /// The case pane has the focus (at 80 columns it takes over the screen).
    pub case_open: bool,
    pub case_scroll: u16,
    pub mode: Mode,
    pub composer: TextArea<'static>,
    /// Which action the composer's text is sent with.
    pub reply_action: ActionKind,
    /// The case the composer's draft is for.
    pub composer_for: Option<i64>,
    /// The template the composer's text was drafted from.
    pub origin: Option<Origin>,
    /// The reply guide the picker offers.
    pub guide: Guide,
    /// Typed since the last save: the next tick saves the draft.
    pub draft_dirty: bool,
    /// The composer holds the private message of a move to private: channel and contact.
    pub private: Option<(Channel, String)>,
    /// The BIFF lint of the composer's text, kept current as it changes.
    pub lint: Vec<LintWarning>,
    /// The text of the reply on its way to the store: copied to the clipboard once stored.
    sending: Option<String>,
    pub status: Option<Status>,
    /// `;` was pressed: the next action goes to every marked case.
    pub bulk: bool,
    pub quit: bool,
    generation: u64,
    case_generation: u64,
    search_generation: u64,
    /// The id whose case view was asked for last.
    pub case_wanted: Option<i64>,
    /// The cases of the operator's last action in this session: what `u` takes back.
    pub last_acted: Vec<i64>,
    /// The stats screen's figures, once the worker has them.
    pub stats: Option<Box<Stats>>,
    /// The crisis radar's standing alerts.
    pub alerts: Vec<Alert>,
    /// Who from the community already answered the open case helpfully: (name, comment id).
    pub answered_by: Option<(String, i64)>,
}

impl App {
    pub fn new(keymap: Keymap, sla: SlaConfig, now: DateTime<Utc>, size: (u16, u16)) -> App {
        App {
            keymap,
            sla,
            now,
            size,
            queue: Queue::FirstResponse,
            counts: Vec::new(),
            list: QueueList::default(),
            search: None,
            limit: None,
            marked: BTreeSet::new(),
            case: None,
            case_open: false,
            case_scroll: 0,
            mode: Mode::Normal,
            composer: TextArea::default(),
            reply_action: ActionKind::Acknowledge,
            composer_for: None,
            origin: None,
            guide: Guide::builtin(),
            draft_dirty: false,
            sending: None,
            lint: Vec::new(),
            private: None,
            status: None,
            bulk: false,
            quit: false,
            generation: 0,
            case_generation: 0,
            search_generation: 0,
            case_wanted: None,
            last_acted: Vec::new(),
            stats: None,
            alerts: Vec::new(),
            answered_by: None,
        }
    }

    /// The crisis banner while the radar's alerts stand.
    pub fn banner(&self) -> Option<String> {
        crisis_banner(&self.alerts)
    }

    /// The requests that fill the first screen.
    pub fn start(&mut self) -> Vec<Effect> {
        // Rows first: they make the first useful frame; the counts follow.
        let mut fx = self.load_first();
        fx.push(Effect::Store(Request::Counts));
        fx.push(Effect::Store(Request::Radar));
        fx
    }

    /// Turns a key press into an action for the current mode (`None`: the key means nothing
    /// here).
    pub fn action_for_key(&self, k: KeyEvent) -> Option<Action> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match &self.mode {
            Mode::Normal => self.keymap.lookup(&k).map(Action::Cmd),
            Mode::Help | Mode::Stats => Some(Action::Cancel),
            Mode::Confirm { .. } => match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Submit),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::Cancel),
                _ => None,
            },
            Mode::Prompt { .. } | Mode::Retag { .. } => match k.code {
                KeyCode::Enter => Some(Action::Submit),
                KeyCode::Esc => Some(Action::Cancel),
                _ => Some(Action::Type(k)),
            },
            Mode::Picker(_) => match k.code {
                KeyCode::Enter => Some(Action::Submit),
                KeyCode::Esc => Some(Action::Cancel),
                _ => Some(Action::Type(k)),
            },
            Mode::Review => match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Submit),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::Cancel),
                KeyCode::Char('e') => Some(Action::Type(k)),
                _ => None,
            },
            Mode::Composer => match k.code {
                KeyCode::Esc => Some(Action::Cancel),
                KeyCode::Char('s') if ctrl => Some(Action::Submit),
                KeyCode::Enter if k.modifiers.contains(KeyModifiers::ALT) => Some(Action::Submit),
                _ => Some(Action::Type(k)),
            },
        }
    }

    /// Rows the queue pane has room for.
    pub fn page_rows(&self) -> usize {
        layout::queue_rows(self.size, !self.alerts.is_empty()).max(1)
    }

    fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    fn load_first(&mut self) -> Vec<Effect> {
        let generation = self.next_generation();
        self.list.loading = true;
        vec![Effect::Store(Request::Page {
            generation,
            queue: self.queue,
            dir: PageDir::First,
            anchor: None,
            limit: self.page_rows() * 2,
        })]
    }

    fn load_last(&mut self) -> Vec<Effect> {
        let generation = self.next_generation();
        self.list.loading = true;
        vec![Effect::Store(Request::Page {
            generation,
            queue: self.queue,
            dir: PageDir::Last,
            anchor: None,
            limit: self.page_rows() * 2,
        })]
    }

    fn load_more(&mut self, dir: PageDir) -> Vec<Effect> {
        if self.list.loading || self.search.is_some() {
            return vec![];
        }
        let anchor = match dir {
            PageDir::Next if !self.list.at_end => self.list.last_raw.clone(),
            PageDir::Prev if !self.list.at_start => self.list.first_raw.clone(),
            _ => return vec![],
        };
        let Some(anchor) = anchor else {
            return vec![];
        };
        self.list.loading = true;
        vec![Effect::Store(Request::Page {
            generation: self.generation,
            queue: self.queue,
            dir,
            anchor: Some(anchor),
            limit: self.page_rows(),
        })]
    }

    /// Reloads the visible window in place (after an action, or when the data changed).
    pub fn refresh(&mut self) -> Vec<Effect> {
        let generation = self.next_generation();
        let anchor = if self.list.top > 0 {
            self.list.rows.get(self.list.top - 1).cloned()
        } else if self.list.at_start {
            None
        } else {
            self.list.first_raw.clone()
        };
        self.list.loading = true;
        let mut fx = vec![Effect::Store(Request::Page {
            generation,
            queue: self.queue,
            dir: PageDir::Refresh,
            anchor,
            limit: self.page_rows() * 2,
        })];
        if let Some(id) = self.case.as_ref().map(|c| c.case.comment_id) {
            fx.extend(self.request_case(id));
        }
        fx.push(Effect::Store(Request::Counts));
        fx
    }

    fn request_case(&mut self, id: i64) -> Vec<Effect> {
        self.case_generation += 1;
        self.case_wanted = Some(id);
        vec![Effect::Store(Request::Case {
            generation: self.case_generation,
            id,
        })]
    }

    /// The case pane shows beside the queue when the screen is wide enough.
    pub fn split(&self) -> bool {
        layout::is_wide(self.size)
    }

    fn selected_row(&self) -> Option<&QueueRow> {
        match &self.search {
            Some(s) => s.rows.get(s.selected),
            None => self.list.current(),
        }
    }

    /// After the cursor moved: load the case it points at when the case pane is visible.
    fn follow_selection(&mut self) -> Vec<Effect> {
        self.case_scroll = 0;
        let id = self.selected_row().map(|r| r.comment_id);
        match id {
            Some(id) if self.split() || self.case_open => {
                if self.case_wanted == Some(id) {
                    vec![]
                } else {
                    self.request_case(id)
                }
            }
            Some(_) => vec![],
            None => {
                self.case = None;
                self.case_wanted = None;
                vec![]
            }
        }
    }

    /// The cases an action applies to: the marked ones after `;`, else the open or selected one.
    fn targets(&mut self) -> Result<Vec<i64>, String> {
        if std::mem::take(&mut self.bulk) {
            if self.marked.is_empty() {
                return Err("no marked cases (t marks one)".into());
            }
            return Ok(self.marked.iter().copied().collect());
        }
        if self.case_open
            && let Some(c) = &self.case
        {
            return Ok(vec![c.case.comment_id]);
        }
        self.selected_row()
            .map(|r| vec![r.comment_id])
            .ok_or_else(|| "no case selected".into())
    }

    /// The composer's text as it would be sent.
    pub fn composer_text(&self) -> String {
        self.composer.lines().join("\n")
    }

    /// Replaces the composer's text (a template drafted, a draft restored, the editor's result).
    pub fn set_composer_text(&mut self, text: &str) {
        self.composer = TextArea::from(text.split('\n'));
        self.composer
            .move_cursor(ratatui_textarea::CursorMove::Bottom);
        self.composer.move_cursor(ratatui_textarea::CursorMove::End);
        self.composer
            .set_search_style(Style::new().fg(Color::Black).bg(Color::Yellow));
        self.relint();
    }

    /// The language and platform the composer's reply is for: the template's language, else
    /// the comment's; the platform of the case (`Lang::Other` checks every language's words).
    pub fn composer_target(&self) -> (Lang, Platform) {
        let id = self.composer_for;
        let case = self.case.as_ref().filter(|c| Some(c.case.comment_id) == id);
        let lang = self
            .origin
            .as_ref()
            .map(|o| o.lang)
            .or_else(|| case.map(|c| composer::case_lang(&c.comment)))
            .unwrap_or(Lang::Other);
        let platform = case
            .map(|c| c.comment.platform)
            .or_else(|| {
                self.list
                    .rows
                    .iter()
                    .find(|r| Some(r.comment_id) == id)
                    .map(|r| r.platform)
            })
            .unwrap_or(Platform::Web);
        (lang, platform)
    }

    /// Re-lints the composer's text and highlights the words each warning points at.
    fn relint(&mut self) {
        let text = self.composer_text();
        let (lang, platform) = self.composer_target();
        self.lint = lint(&text, lang, platform);
        let words: Vec<String> = self
            .lint
            .iter()
            .filter_map(|w| w.span)
            .filter_map(|(a, b)| text.get(a..b))
            .filter(|w| !w.contains('\n') && !w.trim().is_empty())
            .map(regex::escape)
            .collect();
        // The pattern is built from escaped literals: it always compiles.
        let _ = self.composer.set_search_pattern(words.join("|"));
    }

    /// Text pasted into the composer (bracketed paste).
    pub fn paste(&mut self, text: &str) {
        if self.mode == Mode::Composer && self.composer.insert_str(text) {
            self.draft_dirty = true;
            self.relint();
        }
    }

    /// The tag of the case the composer writes to, for the picker's suggestions.
    fn composer_tag(&self) -> Tag {
        let id = self.composer_for;
        if let Some(c) = self.case.as_ref().filter(|c| Some(c.case.comment_id) == id) {
            return c.comment.tag;
        }
        self.list
            .rows
            .iter()
            .find(|r| Some(r.comment_id) == id)
            .map(|r| r.tag)
            .unwrap_or(Tag::Other)
    }

    fn open_picker(&mut self) {
        let mut matches =
            composer::pick_order(&self.guide, self.reply_action, self.composer_tag(), "");
        if self.in_crisis()
            && let Some(i) = matches
                .iter()
                .position(|id| id == composer::HOLDING_STATEMENT)
        {
            let holding = matches.remove(i);
            matches.insert(0, holding);
        }
        self.mode = Mode::Picker(Picker {
            query: String::new(),
            selected: 0,
            matches,
        });
    }

    /// Asks for the first placeholder the text still holds, or goes back to the composer.
    fn ask_next_placeholder(&mut self) {
        match composer::unfilled(&self.composer_text()).into_iter().next() {
            Some(name) => self.ask(Ask::Placeholder(name), vec![]),
            None => self.mode = Mode::Composer,
        }
    }

    fn save_draft_now(&mut self) -> Vec<Effect> {
        let Some(id) = self.composer_for else {
            return vec![];
        };
        self.draft_dirty = false;
        vec![Effect::Store(Request::SaveDraft {
            id,
            text: self.composer_text(),
            template: self.origin.as_ref().map(|o| o.template.clone()),
        })]
    }

    /// The stats screen: figures come from the worker (they read the whole database).
    fn open_stats(&mut self) -> Vec<Effect> {
        self.mode = Mode::Stats;
        vec![Effect::Store(Request::Stats)]
    }

    /// The crisis queue replaces the queue pane: the open cases since the latest alert.
    fn open_crisis(&mut self) -> Vec<Effect> {
        self.search_generation += 1;
        vec![Effect::Store(Request::Crisis {
            generation: self.search_generation,
        })]
    }

    /// The crisis queue is on screen.
    pub fn in_crisis(&self) -> bool {
        self.search.as_ref().is_some_and(|s| s.crisis)
    }

    /// The guide's template for moving to private that has a private message.
    fn private_template(&self) -> Option<String> {
        self.guide
            .for_action(ActionKind::MoveToPrivate.as_str())
            .find(|t| t.has_private())
            .map(|t| t.id.clone())
    }

    /// After the channel and contact prompts: the composer opens on the private message (DM
    /// or e-mail) drafted for case `id`; sending it records the move to private with it.
    fn open_private(
        &mut self,
        id: i64,
        template: String,
        channel: Channel,
        contact: &str,
    ) -> Vec<Effect> {
        self.composer = TextArea::default();
        self.composer_for = Some(id);
        self.origin = None;
        self.lint.clear();
        self.reply_action = ActionKind::MoveToPrivate;
        self.private = Some((channel, contact.to_string()));
        self.mode = Mode::Composer;
        if !self.split() {
            self.case_open = true;
        }
        let mut values = Values::new();
        values.set("channel", composer::channel_words(channel));
        values.set("contact", contact);
        let mut fx = vec![];
        if self.case_wanted != Some(id) {
            fx = self.request_case(id);
        }
        fx.push(Effect::Store(Request::Draft {
            id,
            template,
            part: Part::Private,
            values,
        }));
        fx
    }

    /// The workflow action the composer's reply is sent with.
    fn reply_workflow_action(&self) -> wf::Action {
        if let Some((channel, contact)) = &self.private {
            return wf::Action::MoveToPrivate {
                channel: *channel,
                contact: contact.clone(),
            };
        }
        match self.reply_action {
            ActionKind::Apologise => wf::Action::Apologise,
            ActionKind::FirmReply => wf::Action::FirmReply,
            ActionKind::Thank => wf::Action::Thank,
            ActionKind::ToldWhenDone => wf::Action::ToldWhenDone,
            _ => wf::Action::Acknowledge,
        }
    }

    fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }

    fn ask(&mut self, ask: Ask, targets: Vec<i64>) {
        self.mode = Mode::Prompt {
            ask,
            input: String::new(),
            targets,
        };
    }

    fn act(&mut self, targets: Vec<i64>, action: wf::Action) -> Vec<Effect> {
        if action.needs_confirmation() {
            let what = match &action {
                wf::Action::Delete { code } => format!("delete ({})", code.as_str()),
                a => a.kind().as_str().to_string(),
            };
            let question = if targets.len() == 1 {
                format!("Really {what} #{}? (y/n)", targets[0])
            } else {
                format!("Really {what} {} cases? (y/n)", targets.len())
            };
            self.mode = Mode::Confirm {
                question,
                action,
                targets,
            };
            return vec![];
        }
        self.mode = Mode::Normal;
        vec![Effect::Store(Request::Act {
            ids: targets,
            action,
            reply: None,
        })]
    }

    /// Why `kind` cannot apply to the one open case, known before asking the operator for its
    /// details (a channel, a resolution, a reason): the prompt would be typed for nothing.
    fn refused_before_asking(&self, kind: ActionKind, targets: &[i64]) -> Option<String> {
        let [id] = targets else { return None };
        let view = self.case.as_ref().filter(|v| v.case.comment_id == *id)?;
        if view.allowed.contains(&kind) {
            return None;
        }
        let from: Vec<&str> = view.allowed.iter().map(|a| a.as_str()).collect();
        Some(format!(
            "#{id}: {} is not a step from {}; from here: {}",
            kind.as_str(),
            view.case.state.as_str(),
            from.join(", ")
        ))
    }

    /// Starts the action an [`ActionKind`] names: directly when it needs nothing more, else by
    /// asking for what it needs.
    fn start_action(&mut self, kind: ActionKind, extra: Option<&str>) -> Vec<Effect> {
        let targets = match self.targets() {
            Ok(t) => t,
            Err(e) => {
                self.error(e);
                return vec![];
            }
        };
        let extra = extra.map(str::trim).filter(|s| !s.is_empty());
        let simple = |a: wf::Action| Some(a);
        let direct = match kind {
            ActionKind::Acknowledge => simple(wf::Action::Acknowledge),
            ActionKind::Apologise => simple(wf::Action::Apologise),
            ActionKind::Verify => simple(wf::Action::Verify),
            ActionKind::Close => simple(wf::Action::Close),
            ActionKind::Investigate => simple(wf::Action::Investigate),
            ActionKind::FirmReply => simple(wf::Action::FirmReply),
            ActionKind::Thank => simple(wf::Action::Thank),
            ActionKind::LogImprovement => simple(wf::Action::LogImprovement),
            ActionKind::ToldWhenDone => simple(wf::Action::ToldWhenDone),
            _ => None,
        };
        if let Some(a) = direct {
            return self.act(targets, a);
        }
        if let Some(why) = self.refused_before_asking(kind, &targets) {
            self.error(why);
            return vec![];
        }
        match kind {
            ActionKind::MoveToPrivate => self.ask(Ask::Channel, targets),
            ActionKind::Resolve => match extra {
                Some(note) => return self.act(targets, self.resolve_action(note)),
                None => self.ask(Ask::Resolution, targets),
            },
            ActionKind::SetFollowUp => match extra {
                Some(d) => return self.submit_follow_up(d, targets),
                None => self.ask(Ask::FollowUpDate, targets),
            },
            ActionKind::Reopen => match extra {
                Some(r) => {
                    return self.act(
                        targets,
                        wf::Action::Reopen {
                            reason: r.to_string(),
                        },
                    );
                }
                None => self.error(":act reopen <reason>"),
            },
            ActionKind::Delete => match extra.map(str::parse::<DeleteCode>) {
                Some(Ok(code)) => return self.act(targets, wf::Action::Delete { code }),
                Some(Err(e)) => self.error(e),
                None => self.error(":delete <illegal|hate|doxxing>"),
            },
            ActionKind::Retag => match extra.map(str::parse::<Tag>) {
                Some(Ok(to)) => return self.act(targets, wf::Action::Retag { to }),
                Some(Err(e)) => self.error(e),
                None => {
                    self.mode = Mode::Retag {
                        selected: 0,
                        targets,
                    }
                }
            },
            ActionKind::CustomerReplied => {
                self.error("customer_replied comes from the customer, not from the inbox")
            }
            k => {
                if let Some(rung) = k.rung() {
                    match extra {
                        Some(r) => return self.act(targets, wf::Action::ladder(rung, r)),
                        None => self.ask(Ask::Reason(rung), targets),
                    }
                }
            }
        }
        vec![]
    }

    fn resolve_action(&self, note: &str) -> wf::Action {
        wf::Action::Resolve {
            note: note.to_string(),
            follow_up_at: Some(self.sla.follow_up_after(self.now)),
        }
    }

    fn submit_follow_up(&mut self, text: &str, targets: Vec<i64>) -> Vec<Effect> {
        match parse_date(text, self.now) {
            Ok(at) => self.act(targets, wf::Action::SetFollowUp { at }),
            Err(e) => {
                self.mode = Mode::Normal;
                self.error(e);
                vec![]
            }
        }
    }

    fn command(&mut self, c: Command) -> Vec<Effect> {
        // A message stays until the next key.
        self.status = None;
        if self.bulk && action_kind_of(c).is_none() && c != Command::ApplyMarked {
            self.bulk = false;
        }
        match c {
            Command::Down => self.move_by(1),
            Command::Up => self.move_by(-1),
            Command::PageDown => self.move_by(self.page_rows() as i64),
            Command::PageUp => self.move_by(-(self.page_rows() as i64)),
            Command::Top => self.top(),
            Command::Bottom => self.bottom(),
            Command::Open => {
                let Some(id) = self.selected_row().map(|r| r.comment_id) else {
                    return vec![];
                };
                self.case_open = true;
                self.case_scroll = 0;
                if self.case_wanted == Some(id) {
                    vec![]
                } else {
                    self.request_case(id)
                }
            }
            Command::Back => {
                if self.case_open {
                    self.case_open = false;
                } else if self.search.is_some() {
                    self.search = None;
                    return self.follow_selection();
                } else if self.limit.is_some() {
                    self.limit = None;
                    return self.load_first();
                } else {
                    self.status = None;
                }
                vec![]
            }
            Command::NextQueue | Command::PrevQueue => {
                let i = Queue::ALL
                    .iter()
                    .position(|q| *q == self.queue)
                    .unwrap_or(0);
                let n = Queue::ALL.len();
                let j = if c == Command::NextQueue {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.switch_queue(Queue::ALL[j])
            }
            Command::Search => {
                self.ask(Ask::Search, vec![]);
                vec![]
            }
            Command::Limit => {
                self.ask(Ask::Limit, vec![]);
                vec![]
            }
            Command::Mark => {
                if let Some(id) = self.selected_row().map(|r| r.comment_id)
                    && !self.marked.remove(&id)
                {
                    self.marked.insert(id);
                }
                self.move_by(1)
            }
            Command::ApplyMarked => {
                if self.marked.is_empty() {
                    self.error("no marked cases (t marks one)");
                } else {
                    self.bulk = true;
                    self.info(format!(
                        "apply to {} marked: press an action key",
                        self.marked.len()
                    ));
                }
                vec![]
            }
            Command::Reply => {
                let open_id = if self.case_open {
                    self.case.as_ref().map(|c| c.case.comment_id)
                } else {
                    None
                };
                let Some(id) = open_id.or_else(|| self.selected_row().map(|r| r.comment_id)) else {
                    self.error("no case selected");
                    return vec![];
                };
                let mut fx = vec![];
                if self.case_wanted != Some(id) {
                    fx = self.request_case(id);
                }
                if !self.split() {
                    self.case_open = true;
                }
                // A draft belongs to its case: another case starts a fresh one.
                if self.composer_for != Some(id) {
                    self.composer = TextArea::default();
                    self.reply_action = ActionKind::Acknowledge;
                    self.composer_for = Some(id);
                    self.origin = None;
                    self.private = None;
                    self.draft_dirty = false;
                    self.lint.clear();
                    // A draft saved earlier (this session or before a quit or a crash).
                    fx.push(Effect::Store(Request::LoadDraft { id }));
                }
                if self.composer_text().trim().is_empty() {
                    self.open_picker();
                } else {
                    self.mode = Mode::Composer;
                }
                fx
            }
            Command::Undo => match self.undo_targets() {
                Ok(t) => t
                    .into_iter()
                    .map(|id| Effect::Store(Request::Undo { id }))
                    .collect(),
                Err(e) => {
                    self.error(e);
                    vec![]
                }
            },
            Command::Help => {
                self.mode = Mode::Help;
                vec![]
            }
            Command::Stats => self.open_stats(),
            Command::Crisis => self.open_crisis(),
            Command::CommandLine => {
                self.ask(Ask::CommandLine, vec![]);
                vec![]
            }
            Command::Quit => {
                if self.case_open {
                    self.case_open = false;
                    return vec![];
                }
                self.quit = true;
                vec![Effect::Quit]
            }
            Command::Suspend => vec![Effect::Suspend],
            other => match action_kind_of(other) {
                Some(kind) => self.start_action(kind, None),
                None => vec![],
            },
        }
    }

    /// `u` takes back the last action of this session (even when its case left the queue);
    /// with nothing done yet, the last action on the selected case.
    fn undo_targets(&mut self) -> Result<Vec<i64>, String> {
        if self.bulk || self.last_acted.is_empty() {
            return self.targets();
        }
        Ok(std::mem::take(&mut self.last_acted))
    }

    fn switch_queue(&mut self, q: Queue) -> Vec<Effect> {
        self.queue = q;
        self.search = None;
        self.list = QueueList::default();
        self.case_open = false;
        self.load_first()
    }

    fn move_by(&mut self, delta: i64) -> Vec<Effect> {
        let page = self.page_rows();
        if let Some(s) = &mut self.search {
            let last = s.rows.len().saturating_sub(1) as i64;
            s.selected = (s.selected as i64 + delta).clamp(0, last.max(0)) as usize;
            s.top = scroll_top(s.top, s.selected, page);
            return self.follow_selection();
        }
        if self.list.rows.is_empty() {
            return vec![];
        }
        let last = self.list.rows.len() as i64 - 1;
        let want = self.list.selected as i64 + delta;
        self.list.selected = want.clamp(0, last) as usize;
        self.list.top = scroll_top(self.list.top, self.list.selected, page);
        let mut fx = self.follow_selection();
        if self.list.selected + page >= self.list.rows.len() && !self.list.at_end {
            fx.extend(self.load_more(PageDir::Next));
        } else if self.list.selected < page && !self.list.at_start {
            fx.extend(self.load_more(PageDir::Prev));
        }
        fx
    }

    fn top(&mut self) -> Vec<Effect> {
        if let Some(s) = &mut self.search {
            s.selected = 0;
            s.top = 0;
            return self.follow_selection();
        }
        if self.list.at_start {
            self.list.selected = 0;
            self.list.top = 0;
            self.follow_selection()
        } else {
            self.load_first()
        }
    }

    fn bottom(&mut self) -> Vec<Effect> {
        let page = self.page_rows();
        if let Some(s) = &mut self.search {
            s.selected = s.rows.len().saturating_sub(1);
            s.top = scroll_top(s.top, s.selected, page);
            return self.follow_selection();
        }
        if self.list.at_end {
            self.list.selected = self.list.rows.len().saturating_sub(1);
            self.list.top = scroll_top(self.list.top, self.list.selected, self.page_rows());
            self.follow_selection()
        } else {
            self.load_last()
        }
    }

    fn matches_limit(&self, r: &QueueRow) -> bool {
        let Some(pat) = &self.limit else {
            return true;
        };
        let pat = pat.to_lowercase();
        pat.split_whitespace().all(|w| {
            r.text.to_lowercase().contains(w)
                || r.author.to_lowercase().contains(w)
                || r.tag.as_str() == w
                || r.platform.as_str() == w
                || r.state.as_str() == w
        })
    }

    fn loaded_page(&mut self, dir: PageDir, limit: usize, rows: Vec<QueueRow>) -> Vec<Effect> {
        let page = self.page_rows();
        let full = rows.len() >= limit;
        let first_raw = rows.first().cloned();
        let last_raw = rows.last().cloned();
        let keep: Vec<QueueRow> = rows.into_iter().filter(|r| self.matches_limit(r)).collect();
        let kept = keep.len();
        let l = &mut self.list;
        l.loading = false;
        let prev_id = l.current().map(|r| r.comment_id);
        match dir {
            PageDir::First | PageDir::Refresh | PageDir::Last => {
                let offset = l.selected.saturating_sub(l.top);
                l.rows = keep;
                l.first_raw = first_raw;
                l.last_raw = last_raw;
                match dir {
                    PageDir::First => {
                        l.at_start = true;
                        l.at_end = !full;
                        l.selected = 0;
                        l.top = 0;
                    }
                    PageDir::Last => {
                        l.at_end = true;
                        l.at_start = !full;
                        l.selected = l.rows.len().saturating_sub(1);
                        l.top = l.rows.len().saturating_sub(page);
                    }
                    _ => {
                        // The reload started after the row above the screen: the queue's start
                        // is loaded only when nothing was above it.
                        l.at_end = !full;
                        l.at_start = l.at_start && l.top == 0;
                        l.top = 0;
                        // The cursor stays on its case when the case is still in the queue.
                        l.selected = prev_id
                            .and_then(|id| l.rows.iter().position(|r| r.comment_id == id))
                            .unwrap_or_else(|| offset.min(l.rows.len().saturating_sub(1)));
                    }
                }
            }
            PageDir::Next => {
                l.at_end = !full;
                if last_raw.is_some() {
                    l.last_raw = last_raw;
                }
                l.rows.extend(keep);
                let max = page * 4;
                if l.rows.len() > max {
                    let drop = l.rows.len() - max;
                    l.rows.drain(..drop);
                    l.selected = l.selected.saturating_sub(drop);
                    l.top = l.top.saturating_sub(drop);
                    l.at_start = false;
                    l.first_raw = l.rows.first().cloned();
                }
            }
            PageDir::Prev => {
                l.at_start = !full;
                if first_raw.is_some() {
                    l.first_raw = first_raw;
                }
                l.selected += kept;
                l.top += kept;
                let mut rows = keep;
                rows.append(&mut l.rows);
                l.rows = rows;
                let max = page * 4;
                if l.rows.len() > max {
                    l.rows.truncate(max);
                    l.at_end = false;
                    l.last_raw = l.rows.last().cloned();
                    l.selected = l.selected.min(max - 1);
                }
            }
        }
        let l = &mut self.list;
        l.top = scroll_top(l.top.min(l.selected), l.selected, page);
        let mut fx = vec![];
        // A limit can filter a whole page out: keep reading until something shows or the
        // queue ends.
        if kept == 0 && full && matches!(dir, PageDir::Next | PageDir::First | PageDir::Refresh) {
            fx.extend(self.load_more(PageDir::Next));
        }
        // An open case stays on screen through a reload, even when it left the queue: the
        // operator is still working on it.
        let keep_open_case = dir == PageDir::Refresh && self.case_open;
        if !keep_open_case
            && (self.list.current().map(|r| r.comment_id) != prev_id || dir != PageDir::Next)
        {
            fx.extend(self.follow_selection());
        }
        fx
    }

    fn loaded(&mut self, r: Response) -> Vec<Effect> {
        match r {
            Response::Page {
                generation,
                dir,
                limit,
                rows,
            } => {
                if generation != self.generation {
                    return vec![];
                }
                self.loaded_page(dir, limit, rows)
            }
            Response::Counts(c) => {
                self.counts = c;
                vec![]
            }
            Response::Polled { changed } => {
                if !changed || self.list.loading {
                    return vec![];
                }
                let mut fx = self.refresh();
                fx.push(Effect::Store(Request::Radar));
                fx
            }
            Response::Stats(s) => {
                self.stats = Some(s);
                vec![]
            }
            Response::Alerts(alerts) => {
                let rows_before = self.page_rows();
                self.alerts = alerts;
                if self.page_rows() != rows_before {
                    self.list.top = scroll_top(self.list.top, self.list.selected, self.page_rows());
                }
                vec![]
            }
            Response::Crisis {
                generation,
                title,
                rows,
            } => {
                if generation == self.search_generation {
                    if rows.is_empty() {
                        self.info(format!("{title}: no open case"));
                    }
                    self.search = Some(SearchView {
                        title,
                        crisis: true,
                        text: String::new(),
                        rows,
                        selected: 0,
                        top: 0,
                    });
                    return self.follow_selection();
                }
                vec![]
            }
            Response::Case { generation, view } => {
                if generation == self.case_generation {
                    self.answered_by =
                        crate::insights::community_answer(&view.comment, &view.thread);
                    self.case = Some(*view);
                    if self.composer_for.is_some() {
                        self.relint();
                    }
                }
                vec![]
            }
            Response::Acted { action, results } => {
                let ok: Vec<&String> = results
                    .iter()
                    .filter_map(|(_, r)| r.as_ref().ok())
                    .collect();
                let failed: Vec<String> = results
                    .iter()
                    .filter_map(|(id, r)| r.as_ref().err().map(|e| format!("#{id}: {e}")))
                    .collect();
                if failed.is_empty() {
                    if ok.len() == 1 {
                        self.info(ok[0].clone());
                    } else {
                        self.info(format!("{} on {} cases", action.as_str(), ok.len()));
                    }
                    for (id, _) in &results {
                        self.marked.remove(id);
                    }
                    self.last_acted = results.iter().map(|(id, _)| *id).collect();
                    let mut fx = vec![];
                    if self.mode == Mode::Review || self.mode == Mode::Composer {
                        self.mode = Mode::Normal;
                        self.composer = TextArea::default();
                        self.composer_for = None;
                        self.origin = None;
                        self.private = None;
                        self.draft_dirty = false;
                        self.lint.clear();
                        if let Some(text) = self.sending.take() {
                            fx.push(Effect::Clipboard(text));
                            self.info(format!("{} · reply copied to the clipboard", ok[0]));
                        }
                    }
                    fx.extend(self.refresh());
                    return fx;
                } else {
                    let prefix = if ok.is_empty() {
                        String::new()
                    } else {
                        format!("{} done; ", ok.len())
                    };
                    self.last_acted = results
                        .iter()
                        .filter(|(_, r)| r.is_ok())
                        .map(|(id, _)| *id)
                        .collect();
                    self.sending = None;
                    if self.mode == Mode::Review {
                        self.mode = Mode::Composer;
                    }
                    self.error(format!("{prefix}refused: {}", failed.join("; ")));
                }
                self.refresh()
            }
            Response::Undone { id, result } => {
                match result {
                    Ok(s) => self.info(format!("#{id}: undone, {s}")),
                    Err(e) => self.error(format!("#{id}: {e}")),
                }
                self.refresh()
            }
            Response::Search {
                generation,
                text,
                rows,
            } => {
                if generation == self.search_generation {
                    self.info(format!(
                        "{} found for {text:?} (Esc: back to the queue)",
                        rows.len()
                    ));
                    self.search = Some(SearchView {
                        title: format!("search: {text}"),
                        crisis: false,
                        text,
                        rows,
                        selected: 0,
                        top: 0,
                    });
                    return self.follow_selection();
                }
                vec![]
            }
            Response::Drafted { id, result } => {
                if self.composer_for != Some(id) {
                    return vec![];
                }
                match result {
                    Ok((text, origin)) => {
                        if let Some(k) = self
                            .guide
                            .get(&origin.template)
                            .and_then(|t| t.action.parse::<ActionKind>().ok())
                            .filter(|k| REPLY_ACTIONS.contains(k))
                        {
                            self.reply_action = k;
                        }
                        self.info(format!(
                            "{} (variant {}, {})",
                            origin.template,
                            origin.variant + 1,
                            origin.lang.as_str()
                        ));
                        self.origin = Some(origin);
                        self.set_composer_text(&text);
                        if self.mode == Mode::Composer {
                            self.ask_next_placeholder();
                        }
                        self.save_draft_now()
                    }
                    Err(e) => {
                        self.error(e);
                        vec![]
                    }
                }
            }
            Response::DraftLoaded { id, draft } => {
                if let Some((text, template)) = draft
                    && self.composer_for == Some(id)
                    && self.composer_text().trim().is_empty()
                {
                    self.set_composer_text(&text);
                    self.origin = None;
                    let _ = template;
                    if matches!(self.mode, Mode::Picker(_)) {
                        self.mode = Mode::Composer;
                    }
                    self.info("draft restored");
                }
                vec![]
            }
            Response::DraftSaved => vec![],
            Response::Failed(e) => {
                self.list.loading = false;
                self.error(e);
                vec![]
            }
        }
    }

    fn typed(&mut self, k: KeyEvent) -> Vec<Effect> {
        match &mut self.mode {
            Mode::Prompt { input, .. } => {
                match k.code {
                    KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                        input.clear()
                    }
                    KeyCode::Char(c) => input.push(c),
                    KeyCode::Backspace => {
                        input.pop();
                    }
                    _ => {}
                }
                vec![]
            }
            Mode::Retag { selected, .. } => {
                let n = Tag::ALL.len();
                match k.code {
                    KeyCode::Char('j') | KeyCode::Down => *selected = (*selected + 1) % n,
                    KeyCode::Char('k') | KeyCode::Up => *selected = (*selected + n - 1) % n,
                    KeyCode::Char(c) => {
                        if let Some(i) = Tag::ALL.iter().position(|t| t.as_str().starts_with(c)) {
                            *selected = i;
                        }
                    }
                    _ => {}
                }
                vec![]
            }
            Mode::Picker(p) => {
                match k.code {
                    KeyCode::Down => {
                        p.selected = (p.selected + 1).min(p.matches.len().saturating_sub(1))
                    }
                    KeyCode::Up => p.selected = p.selected.saturating_sub(1),
                    KeyCode::Char(c) => p.query.push(c),
                    KeyCode::Backspace => {
                        p.query.pop();
                    }
                    _ => return vec![],
                }
                if matches!(k.code, KeyCode::Char(_) | KeyCode::Backspace) {
                    let (q, action) = (p.query.clone(), self.reply_action);
                    let matches =
                        composer::pick_order(&self.guide, action, self.composer_tag(), &q);
                    if let Mode::Picker(p) = &mut self.mode {
                        p.matches = matches;
                        p.selected = 0;
                    }
                }
                vec![]
            }
            Mode::Review if k.code == KeyCode::Char('e') => {
                vec![Effect::Edit(self.composer_text())]
            }
            Mode::Composer
                if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('e') =>
            {
                vec![Effect::Edit(self.composer_text())]
            }
            Mode::Composer
                if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('t') =>
            {
                self.open_picker();
                vec![]
            }
            Mode::Composer => {
                if k.code == KeyCode::Tab && self.private.is_some() {
                    self.info("a move to private: the message goes with that action");
                } else if k.code == KeyCode::Tab {
                    let i = REPLY_ACTIONS
                        .iter()
                        .position(|a| *a == self.reply_action)
                        .unwrap_or(0);
                    self.reply_action = REPLY_ACTIONS[(i + 1) % REPLY_ACTIONS.len()];
                } else if self.composer.input(k) {
                    self.draft_dirty = true;
                    self.relint();
                }
                vec![]
            }
            _ => vec![],
        }
    }

    fn submit(&mut self) -> Vec<Effect> {
        let mode = std::mem::replace(&mut self.mode, Mode::Normal);
        match mode {
            Mode::Prompt {
                ask,
                input,
                targets,
            } => self.answer(ask, input.trim(), targets),
            Mode::Confirm {
                action, targets, ..
            } => vec![Effect::Store(Request::Act {
                ids: targets,
                action,
                reply: None,
            })],
            Mode::Retag { selected, targets } => self.act(
                targets,
                wf::Action::Retag {
                    to: Tag::ALL[selected % Tag::ALL.len()],
                },
            ),
            Mode::Picker(p) => {
                let Some(template) = p.matches.get(p.selected).cloned() else {
                    self.mode = Mode::Picker(p);
                    self.error("no template matches");
                    return vec![];
                };
                let Some(id) = self.composer_for else {
                    self.error("no case selected");
                    return vec![];
                };
                self.mode = Mode::Composer;
                vec![Effect::Store(Request::Draft {
                    id,
                    template,
                    part: Part::Public,
                    values: Values::new(),
                })]
            }
            Mode::Composer => {
                self.mode = Mode::Composer;
                if let Err(problems) = send_guard(&self.composer_text()) {
                    let why: Vec<String> = problems.iter().map(ToString::to_string).collect();
                    self.error(format!("cannot send: {}", why.join("; ")));
                    return vec![];
                }
                self.mode = Mode::Review;
                vec![]
            }
            Mode::Review => {
                let text = self.composer_text();
                let Some(id) = self.composer_for else {
                    self.error("no case selected");
                    return vec![];
                };
                self.mode = Mode::Review;
                self.sending = Some(text.clone());
                vec![Effect::Store(Request::Act {
                    ids: vec![id],
                    action: self.reply_workflow_action(),
                    reply: Some(composer::new_reply(
                        text,
                        self.origin.as_ref(),
                        self.private.as_ref().map(|(c, _)| c.as_str()),
                    )),
                })]
            }
            m @ (Mode::Normal | Mode::Help | Mode::Stats) => {
                self.mode = m;
                vec![]
            }
        }
    }

    fn answer(&mut self, ask: Ask, input: &str, targets: Vec<i64>) -> Vec<Effect> {
        match ask {
            Ask::Channel => match input.parse::<Channel>() {
                Ok(c) => {
                    self.ask(Ask::Contact(c), targets);
                    vec![]
                }
                Err(e) => {
                    self.error(e);
                    vec![]
                }
            },
            Ask::Contact(channel) => match self.private_template() {
                Some(template) if targets.len() == 1 && channel != Channel::Phone => {
                    self.open_private(targets[0], template, channel, input)
                }
                _ => self.act(
                    targets,
                    wf::Action::MoveToPrivate {
                        channel,
                        contact: input.to_string(),
                    },
                ),
            },
            Ask::Resolution => self.act(targets, self.resolve_action(input)),
            Ask::FollowUpDate => self.submit_follow_up(input, targets),
            Ask::Reason(rung) => self.act(targets, wf::Action::ladder(rung, input)),
            Ask::Search => {
                if input.is_empty() {
                    self.search = None;
                    return self.follow_selection();
                }
                self.search_generation += 1;
                vec![Effect::Store(Request::Search {
                    generation: self.search_generation,
                    text: input.to_string(),
                })]
            }
            Ask::Limit => {
                self.limit = (!input.is_empty()).then(|| input.to_string());
                self.search = None;
                self.list = QueueList::default();
                self.load_first()
            }
            Ask::CommandLine => self.run_command_line(input),
            Ask::Placeholder(name) => {
                if input.is_empty() {
                    self.error(format!(
                        "{{{name}}} needs a value (Esc leaves it in the text)"
                    ));
                    self.ask(Ask::Placeholder(name), targets);
                    return vec![];
                }
                let text = composer::fill(&self.composer_text(), &name, input);
                self.set_composer_text(&text);
                self.ask_next_placeholder();
                self.save_draft_now()
            }
        }
    }

    /// `:q`, `:act <action> [detail]`, `:queue <name>`, `:delete <code>`, `:search <text>`,
    /// `:limit <pattern>`, `:stats`, `:crisis`, `:help`.
    fn run_command_line(&mut self, line: &str) -> Vec<Effect> {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match verb {
            "" => vec![],
            "q" | "quit" => {
                self.quit = true;
                vec![Effect::Quit]
            }
            "help" => {
                self.mode = Mode::Help;
                vec![]
            }
            "act" => {
                let (name, detail) = rest.split_once(' ').unwrap_or((rest, ""));
                match name.parse::<ActionKind>() {
                    Ok(k) => self.start_action(k, Some(detail)),
                    Err(e) => {
                        self.error(e);
                        vec![]
                    }
                }
            }
            "delete" => self.start_action(ActionKind::Delete, Some(rest)),
            "queue" => match rest.parse::<Queue>() {
                Ok(q) => self.switch_queue(q),
                Err(e) => {
                    self.error(e);
                    vec![]
                }
            },
            "search" => self.answer(Ask::Search, rest, vec![]),
            "limit" => self.answer(Ask::Limit, rest, vec![]),
            "stats" => self.open_stats(),
            "crisis" => self.open_crisis(),
            other => {
                self.error(format!(
                    "unknown command :{other} (q, act, queue, delete, search, limit, stats, \
                     crisis, help)"
                ));
                vec![]
            }
        }
    }
}

/// The workflow action a normal-mode command starts, if any.
pub fn action_kind_of(c: Command) -> Option<ActionKind> {
    Some(match c {
        Command::Acknowledge => ActionKind::Acknowledge,
        Command::Private => ActionKind::MoveToPrivate,
        Command::Resolve => ActionKind::Resolve,
        Command::Verify => ActionKind::Verify,
        Command::FollowUp => ActionKind::SetFollowUp,
        Command::Ignore => ActionKind::Ignore,
        Command::Hide => ActionKind::Hide,
        Command::Mute => ActionKind::Mute,
        Command::Block => ActionKind::Block,
        Command::Report => ActionKind::Report,
        Command::Retag => ActionKind::Retag,
        _ => return None,
    })
}

/// The command bound to a workflow action, for the case pane's list of allowed actions.
pub fn command_of(k: ActionKind) -> Option<Command> {
    Command::ALL
        .into_iter()
        .find(|c| action_kind_of(*c) == Some(k))
}

/// Keeps the cursor on screen: the first row to draw.
fn scroll_top(top: usize, selected: usize, page: usize) -> usize {
    if selected < top {
        selected
    } else if selected >= top + page {
        selected + 1 - page
    } else {
        top
    }
}

/// `2026-11-23`, `+3d`, `+12h` or `now`, read against `now` (dates mean 09:00 UTC that day).
pub fn parse_date(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(rel) = s.strip_prefix('+') {
        let (n, unit) = rel.split_at(rel.len().saturating_sub(1));
        let n: i64 = n.parse().map_err(|_| format!("{s:?}: write +3d or +12h"))?;
        return match unit {
            "d" => Ok(now + Duration::days(n)),
            "h" => Ok(now + Duration::hours(n)),
            _ => Err(format!("{s:?}: write +3d or +12h")),
        };
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d))
        .ok_or_else(|| format!("{s:?} is not a date (YYYY-MM-DD, +3d, +12h)"))
}

/// Applies one action to the app and returns what the loop must do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Cmd(c) => app.command(c),
        Action::Type(k) => app.typed(k),
        Action::Submit => app.submit(),
        Action::Cancel => {
            app.bulk = false;
            match std::mem::replace(&mut app.mode, Mode::Normal) {
                Mode::Composer => {
                    app.info("reply kept as a draft (r reopens it)");
                    app.save_draft_now()
                }
                Mode::Picker(_) => {
                    // No template: a free-text reply.
                    app.mode = Mode::Composer;
                    vec![]
                }
                Mode::Review => {
                    app.mode = Mode::Composer;
                    vec![]
                }
                Mode::Prompt {
                    ask: Ask::Placeholder(_),
                    ..
                } => {
                    app.mode = Mode::Composer;
                    vec![]
                }
                _ => vec![],
            }
        }
        Action::Resize(w, h) => {
            app.size = (w, h);
            let page = app.page_rows();
            app.list.top = scroll_top(app.list.top, app.list.selected, page);
            let mut fx = vec![];
            if app.list.rows.len() < page && !app.list.at_end {
                fx.extend(app.load_more(PageDir::Next));
            }
            fx.extend(app.follow_selection());
            fx
        }
        Action::Tick(now) => {
            app.now = now;
            // Drafts are saved at most once a tick while typing.
            if app.draft_dirty {
                app.save_draft_now()
            } else {
                vec![]
            }
        }
        Action::Edited(text) => {
            app.set_composer_text(text.trim_end_matches('\n'));
            app.draft_dirty = true;
            app.info("draft updated from the editor");
            vec![]
        }
        Action::Loaded(r) => app.loaded(r),
        Action::Notice(n) => {
            app.info(n);
            app.refresh()
        }
    }
}

/// The text before the cursor in the status line for a prompt.
pub fn prompt_label(a: &Ask) -> String {
    a.label()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-20T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn dates_read_absolute_and_relative() {
        assert_eq!(
            parse_date("+3d", now()).unwrap(),
            "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_date("2026-11-25", now()).unwrap(),
            "2026-11-25T09:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(parse_date("soon", now()).is_err());
    }

    #[test]
    fn scrolling_keeps_the_cursor_on_screen() {
        assert_eq!(scroll_top(0, 5, 10), 0);
        assert_eq!(scroll_top(0, 12, 10), 3);
        assert_eq!(scroll_top(8, 2, 10), 2);
    }
}
