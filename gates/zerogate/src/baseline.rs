//! Baselines: adopt the gate on a project with old debt. Findings recorded in a baseline are
//! excused; new ones fail (a ratchet); an entry that matches nothing is itself reported.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use zero_diag::{Diagnostic, Location, codes};

/// One excused finding. Line numbers are left out so the entry survives edits that move it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Hash of code, file, row and message.
    pub fingerprint: String,
    /// The finding's code.
    pub code: String,
    /// The finding's file.
    pub file: String,
    /// The ledger row, if any.
    pub row_id: Option<String>,
    /// The finding's message.
    pub message: String,
}

/// The stable fingerprint of a finding: its code, file, row and message, not its position.
pub fn fingerprint(d: &Diagnostic) -> String {
    let mut hasher = Sha256::new();
    for part in [d.code.id, &d.location.file, d.row_id.as_deref().unwrap_or(""), &d.message] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn entry(d: &Diagnostic) -> Entry {
    Entry {
        fingerprint: fingerprint(d),
        code: d.code.id.to_owned(),
        file: d.location.file.clone(),
        row_id: d.row_id.clone(),
        message: d.message.clone(),
    }
}

/// The baseline file for `findings`: one entry per line so diffs stay readable and so an
/// unmatched entry can be pointed at by line.
pub fn write(findings: &[Diagnostic]) -> String {
    let mut entries: Vec<Entry> = findings.iter().map(entry).collect();
    entries.sort();
    let mut out = String::from("{\"version\":1,\"findings\":[\n");
    for (i, e) in entries.iter().enumerate() {
        out.push_str(&serde_json::to_string(e).unwrap_or_default());
        out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    out
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// Removes the findings `text` (the baseline at `path`) excuses; returns how many it excused.
/// Entries that match nothing become `Z0316` findings.
pub fn apply(path: &str, text: &str, findings: &mut Vec<Diagnostic>) -> Result<usize, String> {
    let file: File =
        serde_json::from_str(text).map_err(|e| format!("{path}: not a zerogate baseline: {e}"))?;
    if file.version != 1 {
        return Err(format!(
            "{path}: baseline version {} is not supported (expected 1)",
            file.version
        ));
    }
    let mut budget: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &file.findings {
        *budget.entry(e.fingerprint.as_str()).or_default() += 1;
    }
    let before = findings.len();
    findings.retain(|d| {
        let fp = fingerprint(d);
        match budget.get_mut(fp.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        }
    });
    let excused = before - findings.len();
    let lines: Vec<&str> = text.lines().collect();
    for e in &file.findings {
        let Some(n) = budget.get_mut(e.fingerprint.as_str()) else { continue };
        if *n == 0 {
            continue;
        }
        *n -= 1;
        let line = lines.iter().position(|l| l.contains(&e.fingerprint)).map_or(0, |i| i + 1);
        findings.push(Diagnostic::error(
            codes::BASELINE_STALE,
            Location::span(path, zero_diag::to_u32(line), 1, 1),
            format!(
                "baseline entry {} ({} in {}) matches no finding",
                e.fingerprint, e.code, e.file
            ),
        ));
    }
    zero_diag::sort(findings);
    Ok(excused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(message: &str, line: u32) -> Diagnostic {
        Diagnostic::error(
            codes::SYMBOL_MISSING,
            Location::span("release/a.tsv", line, 3, 1),
            message,
        )
        .with_row("a.b")
    }

    #[test]
    fn baseline_excuses_old_findings_even_when_they_move() {
        let old = vec![finding("x", 3)];
        let text = write(&old);
        let mut now = vec![finding("x", 9), finding("new", 4)];
        let excused = apply("baseline.json", &text, &mut now).unwrap();
        assert_eq!(excused, 1);
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].message, "new");
    }

    #[test]
    fn unmatched_entries_are_reported_at_their_line() {
        let text = write(&[finding("fixed", 3), finding("still", 4)]);
        let mut now = vec![finding("still", 4)];
        apply("baseline.json", &text, &mut now).unwrap();
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].code, codes::BASELINE_STALE);
        let line = text.lines().position(|l| l.contains("fixed")).unwrap() + 1;
        assert_eq!(now[0].location.line as usize, line);
    }

    #[test]
    fn write_is_deterministic_and_malformed_baselines_are_errors() {
        let a = write(&[finding("b", 1), finding("a", 2)]);
        let b = write(&[finding("a", 2), finding("b", 1)]);
        assert_eq!(a, b);
        assert!(apply("b.json", "{}", &mut Vec::new()).is_err());
        assert!(
            apply("b.json", "{\"version\":2,\"findings\":[]}", &mut Vec::new())
                .unwrap_err()
                .contains("version 2")
        );
    }
}
