//! The Rust client tree (the reference the JS client is tested against) merging an arbitrary
//! join and diffs: no panic; a merge either applies or reports an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zero_live::client::ClientTree;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.split('\n');
    let Some(Ok(join)) = parts.next().map(serde_json::from_str::<serde_json::Value>) else {
        return;
    };
    let mut tree = ClientTree::default();
    if tree.apply_join(0, &join).is_err() {
        return;
    }
    for (revision, part) in parts.take(8).enumerate() {
        let Ok(diff) = serde_json::from_str::<serde_json::Value>(part) else { continue };
        let _ = tree.apply_diff_at(revision as u64 + 1, &diff);
    }
    let _ = tree.to_html();
});
