//! Figures from the store: response times, backlog, spike detection, recurring complaint topics.
