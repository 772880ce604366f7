//! The `calma` binary: everything lives in the library; this only hands over to the CLI.

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so a closed pipe (`calma show 1 | head`) turns every later print
    // into a panic. A command-line tool should stop quietly instead, as `cat` does.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    calma::cli::main()
}
