//! The spec loaders (TSV tables and the security TOML) on arbitrary text: no panic, and every
//! refusal is a diagnostic with a position.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zero_spec::tables::{Budget, EvidenceRow, LedgerRow, Route};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = zero_spec::tsv::load::<LedgerRow>("release/x.tsv", text);
    let _ = zero_spec::tsv::load::<Budget>("spec/budgets.tsv", text);
    let _ = zero_spec::tsv::load::<EvidenceRow>("release/evidence/x.tsv", text);
    let _ = zero_spec::tsv::load::<Route>("spec/routes.tsv", text);
    let (config, diagnostics) = zero_spec::security::load("spec/security.toml", text);
    assert!(config.is_some() || !diagnostics.is_empty(), "a refusal says why");
});
