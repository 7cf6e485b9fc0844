//! The browser client suite: `tests/browser/bench/client.mjs` (Node, Playwright driving Debian's
//! chromium, esbuild) measures click-to-paint on the counter's `/clicks` page and the client
//! asset's size minified and gzipped, next to `phoenix_live_view` + `phoenix` bundled the same
//! way in the same run; this module runs it against the release counter and records the rows.

use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use zerogen::term::Printer;

use crate::{Measure, report};

/// What the client suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] = &[
    "runtime/client/zero-live.js",
    "runtime/client/tree.js",
    "runtime/client/uploads.js",
    "runtime/client/vendor",
    "generated/js/protocol.js",
    "runtime/zero-live/src",
    "examples/counter/src",
    "examples/counter/templates",
    "tests/browser/bench/client.mjs",
    "tests/browser/package-lock.json",
    "bench/zero-bench/src/client.rs",
];

pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    if cfg!(debug_assertions) {
        bail!("run the client suite with --release");
    }
    let root =
        zerogen::find_root(&std::env::current_dir()?).context("run from inside the repository")?;
    let counter = crate::live::build_counter(&root)?;
    let clicks = if quick { "40" } else { "200" };
    let output = Command::new("node")
        .arg(root.join("tests/browser/bench/client.mjs"))
        .args(["--clicks", clicks])
        .env("ZL_COUNTER", &counter)
        .current_dir(root.join("tests/browser"))
        .output()
        .context("running node (install Node and `npm ci` in tests/browser)")?;
    if !output.status.success() {
        bail!("client.mjs failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let result: Value = serde_json::from_slice(&output.stdout).context("client.mjs output")?;
    report(printer, "client", SOURCES, &measures(&result)?)
}

/// The evidence rows of one run's output.
fn measures(result: &Value) -> Result<Vec<Measure>> {
    let get = |key: &str| {
        result
            .get(key)
            .and_then(Value::as_f64)
            .with_context(|| format!("client.mjs gave no `{key}`"))
    };
    let versions = result.get("phoenix_versions").context("client.mjs gave no versions")?;
    let phoenix = format!(
        "phoenix_live_view_{}+phoenix_{}",
        versions["phoenix_live_view"].as_str().unwrap_or("?"),
        versions["phoenix"].as_str().unwrap_or("?")
    );
    let measure = Measure::new;
    let ours = get("client_gzip_bytes")?;
    let theirs = get("phoenix_gzip_bytes")?;
    Ok(vec![
        measure("counter", "zero_live", "clicks", get("clicks")?, "count", None),
        measure(
            "counter",
            "zero_live",
            "click_to_dom_p50",
            get("click_to_dom_p50_ms")?,
            "ms",
            Some("client.counter.click_to_dom_p50"),
        ),
        measure(
            "counter",
            "zero_live",
            "click_to_paint_p50",
            get("click_to_paint_p50_ms")?,
            "ms",
            Some("client.counter.click_to_paint_p50"),
        ),
        measure(
            "counter",
            "zero_live",
            "click_to_paint_p95",
            get("click_to_paint_p95_ms")?,
            "ms",
            None,
        ),
        measure("asset", "zero_live", "min_bytes", get("client_min_bytes")?, "bytes", None),
        measure("asset", "zero_live", "gzip_bytes", ours, "bytes", Some("client.asset.gzip_bytes")),
        measure("asset", &phoenix, "phoenix_min_bytes", get("phoenix_min_bytes")?, "bytes", None),
        measure("asset", &phoenix, "phoenix_gzip_bytes", theirs, "bytes", None),
        measure(
            "asset",
            "zero_live",
            "gzip_vs_phoenix",
            ours / theirs,
            "ratio",
            Some("client.asset.gzip_vs_phoenix"),
        ),
    ])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::measures;

    #[test]
    fn a_run_becomes_rows_with_budgets_and_a_ratio_and_a_missing_figure_is_an_error() {
        let run = json!({
            "clicks": 200, "click_to_dom_p50_ms": 1.5, "click_to_paint_p50_ms": 9.0,
            "click_to_paint_p95_ms": 16.0, "client_min_bytes": 20000, "client_gzip_bytes": 8000,
            "phoenix_min_bytes": 147000, "phoenix_gzip_bytes": 40000,
            "phoenix_versions": {"phoenix": "1.8.16", "phoenix_live_view": "1.2.12"}
        });
        let rows = measures(&run).unwrap();
        let ratio = rows.iter().find(|m| m.metric == "gzip_vs_phoenix").unwrap();
        assert_eq!(
            (ratio.value, ratio.budget.as_deref()),
            (0.2, Some("client.asset.gzip_vs_phoenix"))
        );
        assert!(rows.iter().any(|m| m.subject == "phoenix_live_view_1.2.12+phoenix_1.8.16"));
        let mut ids: Vec<String> =
            rows.iter().map(|m| format!("{}.{}", m.case, m.metric)).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rows.len(), "row ids are unique");
        let mut broken = run.clone();
        broken.as_object_mut().unwrap().remove("click_to_paint_p50_ms");
        let error = measures(&broken).err().unwrap().to_string();
        assert!(error.contains("click_to_paint_p50_ms"), "{error}");
    }
}
