//! `zerogate`: the gate engine CI runs. It proves that every row of the surface ledger
//! (`release/*.tsv`) has its source, tests, docs and evidence; that generated files are fresh;
//! that budgets are met and that every spec table is valid.
//!
//! The binary parses arguments and prints; the checks live in [`check`], the formats in
//! [`format`], the ratchet in [`baseline`].

pub mod anchors;
pub mod applayout;
pub mod baseline;
pub mod check;
pub mod evidence;
pub mod format;
pub mod index;
pub mod reach;
pub mod testreport;

/// Why the gate could not run (exit code 2), as opposed to findings (exit code 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateError {
    /// A file could not be read or written.
    Io(String),
    /// The arguments make no sense.
    Usage(String),
}

impl std::fmt::Display for GateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GateError::Io(m) | GateError::Usage(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for GateError {}
