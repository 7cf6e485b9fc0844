//! Suite `templates`: the rosetta-rs template benchmarks, big-table (100 x 100 `usize` cells)
//! and teams, rendered by 0x0 Live (disconnected HTML and live tree), sailfish and askama in
//! the same process, each into a reused buffer, interleaved so machine noise hits all alike.

use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use sailfish::TemplateSimple;
use zero_live_core::Template as _;
use zero_template_app::{BigTable, Team, Teams};
use zerogen::term::Printer;

use crate::{Measure, median, report, round};

#[derive(TemplateSimple)]
#[template(path = "big_table.stpl")]
struct SailfishBigTable<'a> {
    table: &'a [Vec<usize>],
}

#[derive(TemplateSimple)]
#[template(path = "teams.stpl")]
struct SailfishTeams<'a> {
    year: u16,
    teams: &'a [Team],
}

#[derive(askama::Template)]
#[template(path = "big_table.html")]
struct AskamaBigTable<'a> {
    table: &'a [Vec<usize>],
}

#[derive(askama::Template)]
#[template(path = "teams.html")]
struct AskamaTeams<'a> {
    year: u16,
    teams: &'a [Team],
}

/// Renders one subject's output into the given buffer.
type RenderFn = Box<dyn FnMut(&mut String)>;

/// One case: a render function per subject.
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) subjects: Vec<(&'static str, RenderFn)>,
}

pub(crate) fn big_table_data(size: usize) -> Vec<Vec<usize>> {
    (0..size).map(|_| (0..size).collect()).collect()
}

pub(crate) fn teams_data() -> Teams {
    let team = |name: &str, score: u8| Team { name: name.to_owned(), score };
    Teams {
        year: 2015,
        teams: vec![
            team("Jiangsu", 43),
            team("Beijing", 27),
            team("Guangzhou", 22),
            team("Shandong", 12),
        ],
    }
}

/// The cases; every subject of a case must render the same HTML (checked before measuring).
pub(crate) fn cases() -> Vec<Case> {
    let table = std::rc::Rc::new(BigTable { table: big_table_data(100) });
    let teams = std::rc::Rc::new(teams_data());
    let (t1, t2, t3, t4) = (table.clone(), table.clone(), table.clone(), table);
    let (m1, m2, m3, m4) = (teams.clone(), teams.clone(), teams.clone(), teams);
    vec![
        Case {
            name: "big_table",
            subjects: vec![
                ("zero_html", Box::new(move |out: &mut String| t1.render_html(out))),
                (
                    "zero_live",
                    Box::new(move |_: &mut String| drop(std::hint::black_box(t2.render_live()))),
                ),
                (
                    "sailfish",
                    Box::new(move |out: &mut String| {
                        let mut buf = sailfish::runtime::Buffer::from(std::mem::take(out));
                        let _ = SailfishBigTable { table: &t3.table }.render_once_to(&mut buf);
                        *out = buf.into_string();
                    }),
                ),
                (
                    "askama",
                    Box::new(move |out: &mut String| {
                        let _ = askama::Template::render_into(
                            &AskamaBigTable { table: &t4.table },
                            out,
                        );
                    }),
                ),
            ],
        },
        Case {
            name: "teams",
            subjects: vec![
                ("zero_html", Box::new(move |out: &mut String| m1.render_html(out))),
                (
                    "zero_live",
                    Box::new(move |_: &mut String| drop(std::hint::black_box(m2.render_live()))),
                ),
                (
                    "sailfish",
                    Box::new(move |out: &mut String| {
                        let mut buf = sailfish::runtime::Buffer::from(std::mem::take(out));
                        let _ = SailfishTeams { year: m3.year, teams: &m3.teams }
                            .render_once_to(&mut buf);
                        *out = buf.into_string();
                    }),
                ),
                (
                    "askama",
                    Box::new(move |out: &mut String| {
                        let _ = askama::Template::render_into(
                            &AskamaTeams { year: m4.year, teams: &m4.teams },
                            out,
                        );
                    }),
                ),
            ],
        },
    ]
}

/// The nanoseconds per render of each subject of `case`: the median sample and the fastest.
pub(crate) fn measure(case: &mut Case, samples: usize) -> Result<Vec<(&'static str, f64, f64)>> {
    let mut out = String::with_capacity(256 * 1024);
    // Calibrate: enough iterations per sample for about 2 ms with the slowest subject.
    let mut iterations = 1usize;
    loop {
        let start = Instant::now();
        for (_, render) in &mut case.subjects {
            for _ in 0..iterations {
                out.clear();
                render(&mut out);
            }
        }
        if start.elapsed().as_micros() > 2_000 * case.subjects.len() as u128 || iterations > 1 << 20
        {
            break;
        }
        iterations *= 2;
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(samples); case.subjects.len()];
    for round in 0..samples {
        // Rotate the order each round so no subject always runs first, and reverse it every
        // other round so no subject always runs after the same one (whose caches and allocator
        // state it inherits).
        let n = case.subjects.len();
        for k in 0..n {
            let k = if round % 2 == 0 { k } else { n - 1 - k };
            let i = (round / 2 + k) % n;
            let render = &mut case.subjects[i].1;
            let start = Instant::now();
            for _ in 0..iterations {
                out.clear();
                render(&mut out);
            }
            times[i].push(start.elapsed().as_nanos() as f64 / iterations as f64);
        }
    }
    let fastest = |t: &Vec<f64>| t.iter().copied().fold(f64::INFINITY, f64::min);
    Ok(case
        .subjects
        .iter()
        .zip(times)
        .map(|((name, _), t)| {
            let min = fastest(&t);
            (*name, crate::median(t), min)
        })
        .collect())
}

/// Renders `subject`'s `case` `iterations` times into one reused buffer: the body whose
/// instructions [`instructions`] counts.
pub(crate) fn render_loop(case: &str, subject: &str, iterations: usize) -> Result<()> {
    let mut case = cases()
        .into_iter()
        .find(|c| c.name == case)
        .with_context(|| format!("no template case `{case}`"))?;
    let (_, render) = case
        .subjects
        .iter_mut()
        .find(|(name, _)| *name == subject)
        .with_context(|| format!("no subject `{subject}`"))?;
    let mut out = String::new();
    for _ in 0..iterations {
        out.clear();
        render(&mut out);
        std::hint::black_box(&out);
    }
    Ok(())
}

/// Renders per callgrind run beyond the first.
const COUNTED_RENDERS: usize = 100;

/// Instructions one render of `subject`'s `case` executes, counted by callgrind: a run of
/// 1 + N renders minus a run of 1 (process start, data and the buffer's first growth cancel
/// out), over N. The count is the same run after run whatever the machine's neighbours do,
/// which wall-clock medians on a shared 2-core VM are not.
pub(crate) fn instructions(case: &str, subject: &str) -> Result<f64> {
    let exe = std::env::current_exe().context("locating zero-bench")?;
    let count = |renders: usize| -> Result<u64> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("callgrind.out");
        let status = std::process::Command::new("valgrind")
            .args(["--tool=callgrind", "--quiet"])
            .arg(format!("--callgrind-out-file={}", file.display()))
            .arg(&exe)
            .args(["__render", case, subject, &renders.to_string()])
            .stdout(std::process::Stdio::null())
            .status()
            .context("running valgrind (install it: apt-get install valgrind)")?;
        if !status.success() {
            bail!("callgrind of {case} {subject} failed: {status}");
        }
        callgrind_total(&std::fs::read_to_string(&file)?)
    };
    let (one, many) = (count(1)?, count(1 + COUNTED_RENDERS)?);
    if many <= one {
        bail!("{case} {subject}: {many} instructions for more renders than {one}");
    }
    Ok((many - one) as f64 / COUNTED_RENDERS as f64)
}

/// The instructions (`Ir`) a callgrind output file counts: its `totals:` line (or `summary:`).
pub(crate) fn callgrind_total(text: &str) -> Result<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("the callgrind output has no totals line")
}

/// The HTML without debug annotations (present when the template app is built in debug).
fn without_annotations(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(" data-z-loc=\"") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 13..];
        rest = after.find('"').map_or("", |j| &after[j + 1..]);
    }
    out.push_str(rest);
    out.trim_end().to_owned()
}

/// Every subject renders the same HTML (the live tree is compared through `to_html`).
pub(crate) fn check_outputs() -> Result<()> {
    let table = BigTable { table: big_table_data(10) };
    let teams = teams_data();
    let mut expected = String::new();
    table.render_html(&mut expected);
    let pairs = [
        (table.render_live().to_html(), "zero_live big_table"),
        (SailfishBigTable { table: &table.table }.render_once()?, "sailfish big_table"),
        (askama::Template::render(&AskamaBigTable { table: &table.table })?, "askama big_table"),
    ];
    for (html, who) in pairs {
        if without_annotations(&html) != without_annotations(&expected) {
            bail!("{who} renders differently:\n{html}\nexpected:\n{expected}");
        }
    }
    let mut expected = String::new();
    teams.render_html(&mut expected);
    let pairs = [
        (teams.render_live().to_html(), "zero_live teams"),
        (SailfishTeams { year: teams.year, teams: &teams.teams }.render_once()?, "sailfish teams"),
        (
            askama::Template::render(&AskamaTeams { year: teams.year, teams: &teams.teams })?,
            "askama teams",
        ),
    ];
    for (html, who) in pairs {
        if without_annotations(&html) != without_annotations(&expected) {
            bail!("{who} renders differently:\n{html}\nexpected:\n{expected}");
        }
    }
    Ok(())
}

/// Writes 1,000 templates (the e2e app's and the ok_ corpus, repeated with distinct contents)
/// under `dir`, unformatted: indentation stripped, spaces doubled inside tags.
pub(crate) fn write_fmt_corpus(root: &std::path::Path, dir: &std::path::Path) -> Result<usize> {
    let mut sources = Vec::new();
    for folder in ["tests/template-app/templates", "tests/inputs/templates"] {
        for path in zerogen::templates::find(&[root.join(folder)])? {
            if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("err_")) {
                continue;
            }
            sources.push(std::fs::read_to_string(&path)?);
        }
    }
    if sources.is_empty() {
        bail!("no templates found under {}", root.display());
    }
    for i in 0..1000 {
        let source = &sources[i % sources.len()];
        let messy: String = source
            .lines()
            .map(|l| l.trim_start().replace("\" ", "\"  "))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(
            dir.join(format!("t{i:04}.html.0x0")),
            format!("<!-- copy {i} -->\n{messy}\n"),
        )?;
    }
    Ok(1000)
}

/// What the templates suite measures.
pub(crate) const SOURCES: &[&str] = &[
    "generator/zero-template/src",
    "generator/zerogen/src/templates.rs",
    "runtime/zero-live-core/src",
    "tests/template-app/src",
    "tests/template-app/templates",
    "bench/zero-bench/src/templates.rs",
    "bench/zero-bench/templates",
];

/// `zerogen fmt --check` over 1,000 unformatted templates, in process (reading, formatting,
/// diffing), `runs` times: the wall times in ms.
pub(crate) fn fmt_corpus_walls(root: &std::path::Path, runs: usize) -> Result<Vec<f64>> {
    let quiet = Printer::new(true);
    let mut walls = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir()?;
        let n = write_fmt_corpus(root, dir.path())?;
        let start = Instant::now();
        let ok = zerogen::templates::run_fmt(
            &quiet,
            dir.path(),
            &[dir.path().to_path_buf()],
            true,
            &Default::default(),
        )?;
        walls.push(start.elapsed().as_secs_f64() * 1000.0);
        if ok || n != 1000 {
            bail!("the fmt corpus should need formatting");
        }
    }
    Ok(walls)
}

/// Each subject's instructions per render of `case` under callgrind, and ours over sailfish's
/// (budgeted, like the medians).
fn instruction_measures(case: &str) -> Result<Vec<Measure>> {
    let mut counts = Vec::new();
    for subject in ["zero_html", "zero_live", "sailfish", "askama"] {
        counts.push((subject, instructions(case, subject)?));
    }
    Ok(instruction_rows(case, &counts))
}

/// The rows of a case's instruction counts: one per subject, and each of ours (and askama's)
/// over sailfish's.
fn instruction_rows(case: &str, counts: &[(&'static str, f64)]) -> Vec<Measure> {
    let of = |name: &str| counts.iter().find(|(n, _)| *n == name).map_or(f64::NAN, |c| c.1);
    let mut measures: Vec<Measure> = counts
        .iter()
        .map(|(subject, count)| Measure {
            case: case.to_owned(),
            subject: (*subject).to_owned(),
            metric: format!("{subject}_instructions"),
            value: round(*count),
            unit: "count",
            budget: None,
        })
        .collect();
    for (subject, metric, budgeted) in [
        ("zero_html", "html_vs_sailfish_instructions", true),
        ("zero_live", "live_vs_sailfish_instructions", true),
        ("askama", "askama_vs_sailfish_instructions", false),
    ] {
        measures.push(Measure {
            case: case.to_owned(),
            subject: subject.to_owned(),
            metric: metric.to_owned(),
            value: round(of(subject) / of("sailfish")),
            unit: "ratio",
            budget: budgeted.then(|| format!("templates.{case}.{metric}")),
        });
    }
    measures
}

pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    if cfg!(debug_assertions) {
        bail!("run the templates suite with --release");
    }
    check_outputs()?;
    let samples = if quick { 15 } else { 101 };
    let mut measures = Vec::new();
    for mut case in cases() {
        let times = measure(&mut case, samples)?;
        let of = |name: &str| times.iter().find(|(n, ..)| *n == name).map_or(f64::NAN, |t| t.1);
        let fastest =
            |name: &str| times.iter().find(|(n, ..)| *n == name).map_or(f64::NAN, |t| t.2);
        let sailfish = of("sailfish");
        for (subject, median, min) in &times {
            for (metric, value) in [("median", median), ("fastest", min)] {
                measures.push(Measure {
                    case: case.name.to_owned(),
                    subject: (*subject).to_owned(),
                    metric: format!("{subject}_{metric}"),
                    value: round(*value),
                    unit: "ns",
                    budget: None,
                });
            }
        }
        // The fastest samples: the render's own cost, without the noise of a shared machine
        // (which the medians carry); not budgeted.
        measures.push(Measure {
            case: case.name.to_owned(),
            subject: "zero_html".to_owned(),
            metric: "html_vs_sailfish_fastest".to_owned(),
            value: round(fastest("zero_html") / fastest("sailfish")),
            unit: "ratio",
            budget: None,
        });
        for (subject, metric, budgeted) in [
            ("zero_html", "html_vs_sailfish", true),
            ("zero_live", "live_vs_sailfish", true),
            ("askama", "askama_vs_sailfish", false),
        ] {
            measures.push(Measure {
                case: case.name.to_owned(),
                subject: subject.to_owned(),
                metric: metric.to_owned(),
                value: round(of(subject) / sailfish),
                unit: "ratio",
                budget: budgeted.then(|| format!("templates.{}.{metric}", case.name)),
            });
        }
        measures.extend(instruction_measures(case.name)?);
    }
    let root =
        zerogen::find_root(&std::env::current_dir()?).context("run from inside the repository")?;
    let walls = fmt_corpus_walls(&root, if quick { 3 } else { 11 })?;
    measures.push(Measure {
        case: "fmt_1000".to_owned(),
        subject: "zerogen".to_owned(),
        metric: "wall".to_owned(),
        value: round(median(walls)),
        unit: "ms",
        budget: Some("templates.fmt_1000.wall".to_owned()),
    });
    report(printer, "templates", SOURCES, &measures)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_subject_renders_the_same_html() {
        super::check_outputs().unwrap();
    }

    #[test]
    fn the_fmt_measure_formats_a_messy_corpus() {
        let root = zerogen::find_root(&std::env::current_dir().unwrap()).unwrap();
        let walls = super::fmt_corpus_walls(&root, 1).unwrap();
        assert_eq!(walls.len(), 1);
        assert!(walls[0] > 0.0);
    }

    #[test]
    fn every_subject_is_measured() {
        for mut case in super::cases() {
            let times = super::measure(&mut case, 3).unwrap();
            for subject in ["zero_html", "zero_live", "sailfish", "askama"] {
                let (_, median, fastest) =
                    times.iter().find(|(n, ..)| *n == subject).copied().unwrap();
                assert!(median > 0.0 && fastest > 0.0 && fastest <= median, "{subject}");
            }
        }
    }

    #[test]
    fn callgrind_totals_are_read_and_ratios_are_over_sailfish() {
        let out =
            "version: 1\ncreator: callgrind-3.22.0\nevents: Ir\nfn=(1) main\n3 7\ntotals: 123456\n";
        assert_eq!(super::callgrind_total(out).unwrap(), 123_456);
        assert_eq!(super::callgrind_total("summary: 42\n").unwrap(), 42);
        assert!(super::callgrind_total("events: Ir\n").is_err(), "no totals");
        assert!(super::callgrind_total("totals: many\n").is_err(), "not a number");
        let rows = super::instruction_rows(
            "teams",
            &[
                ("zero_html", 900.0),
                ("zero_live", 2000.0),
                ("sailfish", 1000.0),
                ("askama", 1500.0),
            ],
        );
        let find = |metric: &str| rows.iter().find(|m| m.metric == metric).unwrap();
        assert_eq!(find("html_vs_sailfish_instructions").value, 0.9);
        assert_eq!(
            find("live_vs_sailfish_instructions").budget.as_deref(),
            Some("templates.teams.live_vs_sailfish_instructions")
        );
        assert_eq!(find("askama_vs_sailfish_instructions").budget, None);
        assert_eq!(
            (find("sailfish_instructions").value, find("sailfish_instructions").unit),
            (1000.0, "count")
        );
    }

    #[test]
    fn a_render_loop_names_a_known_case_and_subject() {
        super::render_loop("teams", "sailfish", 3).unwrap();
        assert!(super::render_loop("teams", "jinja", 1).is_err());
        assert!(super::render_loop("nope", "sailfish", 1).is_err());
    }

    #[test]
    fn annotations_are_stripped_for_the_comparison() {
        assert_eq!(
            super::without_annotations("<a data-z-loc=\"x:1\" id=\"y\">b</a>\n"),
            "<a id=\"y\">b</a>"
        );
    }
}
