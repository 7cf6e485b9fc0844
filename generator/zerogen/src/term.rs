//! The one output layer of the CLIs: every line a command prints goes through [`Printer`].
//!
//! Results go to stdout, status and progress to stderr, so `--json` output stays parseable.

use std::io::Write;

/// Prints results and status lines; the only place the CLIs write to the terminal.
#[derive(Debug, Default)]
pub struct Printer {
    quiet: bool,
}

impl Printer {
    /// A printer; `quiet` drops status lines (results are always printed).
    pub fn new(quiet: bool) -> Printer {
        Printer { quiet }
    }

    /// Writes a result (a report, JSON, a diff) to stdout as is.
    pub fn result(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') && !text.is_empty() {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    /// A status line on stderr in cargo's style: a right-aligned verb and a message.
    pub fn status(&self, verb: &str, message: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{verb:>12} {message}");
        }
    }

    /// An error line on stderr, printed even when quiet.
    pub fn error(&self, message: &str) {
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    }
}
