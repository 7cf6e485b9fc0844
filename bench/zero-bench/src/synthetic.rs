//! Synthetic projects for the gate suite: a ledger of N rows over N/5 Rust files, with tests
//! and docs pages, shaped like a real crate so parsing costs what it costs in practice.

use std::fmt::Write as _;
use std::path::Path;

const ITEMS_PER_FILE: usize = 5;
const HEADINGS_PER_PAGE: usize = 50;

/// Writes a project with `rows` ledger rows under `root`; its gate is green.
pub(crate) fn project(root: &Path, rows: usize) -> std::io::Result<()> {
    let files = rows.div_ceil(ITEMS_PER_FILE);
    let pages = rows.div_ceil(HEADINGS_PER_PAGE);
    std::fs::create_dir_all(root.join("src"))?;
    std::fs::create_dir_all(root.join("docs"))?;
    std::fs::create_dir_all(root.join("release"))?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"synthetic\"\nversion = \"0.1.0\"\n",
    )?;
    for f in 0..files {
        std::fs::write(root.join(format!("src/m{f:05}.rs")), rust_file(f))?;
    }
    for p in 0..pages {
        let mut page = format!("# Page {p}\n\nIntroduction to this part of the reference.\n\n");
        for h in 0..HEADINGS_PER_PAGE {
            let _ = write!(
                page,
                "## Section {h}\n\nWhat section {h} of page {p} documents, in a few words.\n\n"
            );
        }
        std::fs::write(root.join(format!("docs/p{p:04}.md")), page)?;
    }
    let mut ledger =
        String::from("# synthetic ledger\nid\tkind\tsource\ttests\tdocs\tevidence\tstatus\n");
    for r in 0..rows {
        let (f, k) = (r / ITEMS_PER_FILE, r % ITEMS_PER_FILE);
        let (p, h) = (r / HEADINGS_PER_PAGE, r % HEADINGS_PER_PAGE);
        if r % 100 == 99 {
            let _ = writeln!(ledger, "syn.m{f:05}.i{k}\truntime\t\t\t\t\tplanned");
            continue;
        }
        let symbol =
            if k == ITEMS_PER_FILE - 1 { format!("Widget{f}::draw") } else { format!("item_{k}") };
        let _ = writeln!(
            ledger,
            "syn.m{f:05}.i{k}\truntime\tsrc/m{f:05}.rs#{symbol}\tsrc/m{f:05}.rs#checks_item_{k},src/m{f:05}.rs#rejects_item_{k}\tdocs/p{p:04}.md#section-{h}\t\texperimental"
        );
    }
    std::fs::write(root.join("release/surface.tsv"), ledger)
}

fn rust_file(f: usize) -> String {
    let mut s =
        format!("//! Module {f} of the synthetic crate.\n\nuse std::collections::BTreeMap;\n\n");
    for k in 0..ITEMS_PER_FILE - 1 {
        let _ = write!(
            s,
            "/// Item {k}: sums the values of a map whose keys start with a prefix.\n\
             pub fn item_{k}(map: &BTreeMap<String, u64>, prefix: &str) -> u64 {{\n    \
             map.iter().filter(|(key, _)| key.starts_with(prefix)).map(|(_, v)| *v + {k}).sum()\n}}\n\n"
        );
    }
    let _ = write!(
        s,
        "/// A widget.\n#[derive(Debug, Clone, Default)]\npub struct Widget{f} {{\n    size: u32,\n}}\n\n\
         impl Widget{f} {{\n    /// Draws it.\n    pub fn draw(&self) -> String {{\n        format!(\"widget of size {{}}\", self.size)\n    }}\n}}\n\n\
         #[cfg(test)]\nmod tests {{\n    use super::*;\n\n"
    );
    // Each row's tests call its own item (the gate checks that a test reaches its source).
    for k in 0..ITEMS_PER_FILE {
        let (checks, rejects) = if k == ITEMS_PER_FILE - 1 {
            let draw = format!("assert_eq!(Widget{f}::default().draw(), \"widget of size 0\");");
            (draw.clone(), draw)
        } else {
            (
                format!("assert!(item_{k}(&map, \"a\") >= 1);"),
                format!("assert_eq!(item_{k}(&map, \"z\"), 0);"),
            )
        };
        let _ = write!(
            s,
            "    #[test]\n    fn checks_item_{k}() {{\n        let map = BTreeMap::from([(\"ab\".to_owned(), 1)]);\n        \
             {checks}\n    }}\n\n    \
             #[test]\n    fn rejects_item_{k}() {{\n        let map = BTreeMap::from([(\"ab\".to_owned(), 1)]);\n        \
             {rejects}\n    }}\n\n"
        );
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn synthetic_project_has_a_green_gate_and_the_requested_shape() {
        let dir = tempfile::tempdir().unwrap();
        super::project(dir.path(), 200).unwrap();
        let options =
            zerogate::check::Options { root: dir.path().to_path_buf(), test_reports: Vec::new() };
        let run = zerogate::check::run(&options).unwrap();
        assert!(run.findings.is_empty(), "{:?}", run.findings.first().map(|d| d.headline()));
        assert_eq!(run.rows.len(), 200);
        assert_eq!(run.rows.iter().filter(|r| r.status == "planned").count(), 2);
        assert_eq!(std::fs::read_dir(dir.path().join("src")).unwrap().count(), 40);
    }

    #[test]
    fn a_broken_synthetic_project_has_findings() {
        let dir = tempfile::tempdir().unwrap();
        super::project(dir.path(), 50).unwrap();
        std::fs::remove_file(dir.path().join("src/m00003.rs")).unwrap();
        let options =
            zerogate::check::Options { root: dir.path().to_path_buf(), test_reports: Vec::new() };
        let run = zerogate::check::run(&options).unwrap();
        assert!(run.findings.iter().any(|d| d.code.id == "Z0301"));
    }
}
