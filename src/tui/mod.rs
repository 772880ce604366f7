//! The ratatui inbox: app state, update, view, keymap and theme.
