//! The event loop: owns the terminal and the [`App`], `select!`s over crossterm's event stream,
//! a tick, the store worker's answers and outside notices (the `--watch` ingest), and carries
//! out the effects `update` returns. The terminal is restored on quit, on error and on panic
//! (ratatui's hook is installed before raw mode is entered); Ctrl-Z suspends and resumes.

use std::sync::mpsc as std_mpsc;
use std::time::Duration as StdDuration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use super::app::{Action, App, Effect, Request, update};
use super::view;
use super::worker::{ClockFn, Worker};
use crate::replies::osc52;

/// Everything the loop needs besides the app.
pub struct Wiring {
    pub worker: Worker,
    pub clock: ClockFn,
    /// Outside notices (a watched file was ingested); the sender side lives with whoever
    /// produces them.
    pub notices: Option<mpsc::UnboundedReceiver<String>>,
}

/// Takes over the terminal, runs the inbox until quit, and gives the terminal back.
pub async fn run(mut app: App, wiring: Wiring) -> anyhow::Result<()> {
    let (resp_tx, mut resp_rx) = mpsc::unbounded_channel();
    let (store_tx, store_thread) = wiring.worker.spawn(move |r| resp_tx.send(r).is_ok())?;
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(
        &mut terminal,
        &mut app,
        &store_tx,
        &mut resp_rx,
        wiring.notices,
        &wiring.clock,
    )
    .await;
    ratatui::restore();
    drop(store_tx);
    let _ = store_thread.join();
    result
}

/// Carries out the effects (and those of the actions they lead to, such as the editor's
/// result); returns true when the app should stop.
fn carry_out(
    app: &mut App,
    effects: Vec<Effect>,
    store: &std_mpsc::Sender<Request>,
    terminal: &mut DefaultTerminal,
) -> anyhow::Result<bool> {
    let mut pending = effects;
    while !pending.is_empty() {
        let mut next = vec![];
        for e in pending {
            match e {
                Effect::Store(r) => {
                    if store.send(r).is_err() {
                        anyhow::bail!("the store worker stopped");
                    }
                }
                Effect::Quit => return Ok(true),
                Effect::Suspend => suspend(terminal)?,
                Effect::Clipboard(text) => {
                    use std::io::Write;
                    let mut out = std::io::stdout();
                    out.write_all(osc52(&text).as_bytes())?;
                    out.flush()?;
                }
                Effect::Edit(text) => match edit(terminal, &text) {
                    Ok(t) => next.extend(update(app, Action::Edited(t))),
                    Err(e) => next.extend(update(app, Action::Notice(format!("editor: {e}")))),
                },
            }
        }
        pending = next;
    }
    Ok(false)
}

/// Runs `$VISUAL` / `$EDITOR` (else `vi`) on `text` in a temporary file, with the terminal
/// given back to it, and returns what was saved.
fn edit(terminal: &mut DefaultTerminal, text: &str) -> anyhow::Result<String> {
    let path = std::env::temp_dir().join(format!("calma-draft-{}.txt", std::process::id()));
    std::fs::write(&path, text)?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    ratatui::try_restore()?;
    // `$EDITOR` may carry arguments (`code -w`): split on white space like a shell would.
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(words)
        .arg(&path)
        .status();
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    terminal.clear()?;
    let read = status.map_err(anyhow::Error::from).and_then(|status| {
        if !status.success() {
            anyhow::bail!("{program} exited with {status}; the draft is unchanged");
        }
        Ok(std::fs::read_to_string(&path)?)
    });
    let _ = std::fs::remove_file(&path);
    read
}

/// Gives the terminal back to the shell, stops the process group like Ctrl-Z would, and takes
/// the terminal again when the shell continues it.
fn suspend(terminal: &mut DefaultTerminal) -> anyhow::Result<()> {
    ratatui::try_restore()?;
    #[cfg(unix)]
    {
        // SIGTSTP to our process group (`kill 0`): the shell sees the job stop, `fg` continues it.
        let _ = std::process::Command::new("kill")
            .args(["-TSTP", "0"])
            .status();
    }
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    terminal.clear()?;
    Ok(())
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    store: &std_mpsc::Sender<Request>,
    responses: &mut mpsc::UnboundedReceiver<super::app::Response>,
    mut notices: Option<mpsc::UnboundedReceiver<String>>,
    clock: &ClockFn,
) -> anyhow::Result<()> {
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    let fx = app.start();
    terminal.draw(|f| view::draw(f, app))?;
    if carry_out(app, fx, store, terminal)? {
        return Ok(());
    }
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(StdDuration::from_secs(1));
    loop {
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => app.action_for_key(k),
                Some(Ok(Event::Resize(w, h))) => Some(Action::Resize(w, h)),
                Some(Ok(Event::Paste(s))) if app.mode == super::app::Mode::Composer => {
                    app.paste(&s);
                    None
                }
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            r = responses.recv() => match r {
                Some(r) => Some(Action::Loaded(r)),
                None => anyhow::bail!("the store worker stopped"),
            },
            Some(n) = async {
                match notices.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => Some(Action::Notice(n)),
            _ = tick.tick() => {
                // Another process may have written: a cheap `data_version` poll each second
                // (a change reloads the screen).
                if store.send(Request::Poll).is_err() {
                    anyhow::bail!("the store worker stopped");
                }
                Some(Action::Tick(clock()))
            }
        };
        let Some(action) = action else {
            continue;
        };
        let fx = update(app, action);
        if carry_out(app, fx, store, terminal)? || app.quit {
            return Ok(());
        }
        terminal.draw(|f| view::draw(f, app))?;
    }
}
