//! `zerogen docs`: the documentation site. Every `docs/**/*.md` page (and `README.md` as the
//! home page) rendered with pulldown-cmark into a static site with stable URLs
//! (`docs/reference/client.md` is `reference/client.html`), a light and dark theme, a search
//! index searched by a small script (no framework), and a sitemap. Internal links are checked:
//! a link to a page or file that does not exist, or to a heading a page does not have, is a
//! diagnostic at the link's `file:line:column`, and no site is written.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use zero_diag::{Diagnostic, Location, codes, to_u32};

/// One page of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePage {
    /// The Markdown file, repository-relative.
    pub source: String,
    /// Its URL in the site, relative to the site root (`reference/client.html`).
    pub url: String,
    /// The first heading.
    pub title: String,
    /// The rendered body.
    pub html: String,
    /// The headings (level, anchor, text), for the search index.
    pub headings: Vec<(u8, String, String)>,
    /// The plain text, for the search index.
    pub text: String,
    /// Every anchor of the page: heading ids and explicit `id="..."` attributes.
    pub anchors: BTreeSet<String>,
}

/// The built site, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The pages, sorted by URL.
    pub pages: Vec<SitePage>,
    /// Files beside the pages' own stylesheet and script (the core components' stylesheet for
    /// the rendered examples), sorted.
    pub assets: Vec<SiteFile>,
}

/// A site file: its path under the output folder and its contents.
pub type SiteFile = (String, String);

/// GitHub's heading slug: lowercase, punctuation other than `-` and `_` dropped, spaces to `-`.
pub fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The site URL of a Markdown source.
fn url_of(source: &str) -> String {
    if source == "README.md" {
        return "index.html".to_owned();
    }
    let inside = source.strip_prefix("docs/").unwrap_or(source);
    format!("{}.html", inside.strip_suffix(".md").unwrap_or(inside))
}

/// The pages' sources: `README.md`, `ARCHITECTURE.md` and `docs/**/*.md`, sorted.
fn sources(root: &Path) -> Vec<String> {
    let top = ["README.md", "ARCHITECTURE.md"].into_iter().filter(|f| root.join(f).is_file());
    let docs =
        crate::generate::files_under(root, "docs").into_iter().filter(|f| f.ends_with(".md"));
    let mut out: Vec<String> = top.map(str::to_owned).chain(docs).collect();
    out.sort();
    out
}

/// A link found in a page, to check once every page is known.
struct Link {
    source: String,
    line: u32,
    column: u32,
    len: u32,
    /// The repository path it points at, and the anchor.
    target: String,
    anchor: Option<String>,
}

/// Renders one page; returns it and the internal links it has.
fn render(source: &str, text: &str) -> (SitePage, Vec<Link>) {
    let dir = Path::new(source).parent().unwrap_or(Path::new("")).to_path_buf();
    let mut links = Vec::new();
    let mut headings = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut plain = String::new();
    let mut heading: Option<(HeadingLevel, usize, String)> = None;
    let mut ids = BTreeSet::new();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match &event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((*level, events.len(), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, at, title)) = heading.take() {
                    let base = slug(&title);
                    let n = seen.entry(base.clone()).or_insert(0);
                    let id = if *n == 0 { base } else { format!("{base}-{n}") };
                    *n += 1;
                    let depth = level as u8;
                    events[at] = Event::Html(CowStr::from(format!("<h{depth} id=\"{id}\">")));
                    headings.push((depth, id, title));
                    events.push(Event::Html(CowStr::from(format!("</h{depth}>"))));
                    continue;
                }
            }
            Event::Html(raw) | Event::InlineHtml(raw) => {
                for part in raw.split("id=\"").skip(1) {
                    if let Some((id, _)) = part.split_once('"') {
                        ids.insert(id.to_owned());
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, title)) = heading.as_mut() {
                    title.push_str(t);
                }
                plain.push_str(t);
                plain.push(' ');
            }
            _ => {}
        }
        if let Event::Start(Tag::Link { dest_url, title, id, link_type }) = &event {
            let href = dest_url.to_string();
            let external = href.contains("://") || href.starts_with("mailto:");
            if !external && !href.is_empty() {
                let (path, anchor) = match href.split_once('#') {
                    Some((p, a)) => (p.to_owned(), Some(a.to_owned())),
                    None => (href.clone(), None),
                };
                let target =
                    if path.is_empty() { source.to_owned() } else { normalize(&dir.join(&path)) };
                let (line, column) = zero_diag::line_col(text, range.start);
                links.push(Link {
                    source: source.to_owned(),
                    line,
                    column,
                    len: to_u32(text[range.clone()].chars().count()),
                    target: target.clone(),
                    anchor: anchor.clone(),
                });
                // A link to a page becomes a link to its HTML, relative to this page.
                if target.ends_with(".md") {
                    let from = url_of(source);
                    let to = url_of(&target);
                    let mut rewritten = relative(&from, &to);
                    if let Some(anchor) = &anchor {
                        rewritten.push('#');
                        rewritten.push_str(anchor);
                    }
                    events.push(Event::Start(Tag::Link {
                        link_type: *link_type,
                        dest_url: CowStr::from(rewritten),
                        title: title.clone(),
                        id: id.clone(),
                    }));
                    continue;
                }
            }
        }
        events.push(event);
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let title = headings.first().map_or_else(|| source.to_owned(), |(_, _, t)| t.clone());
    ids.extend(headings.iter().map(|(_, id, _)| id.clone()));
    let page = SitePage {
        source: source.to_owned(),
        url: url_of(source),
        title,
        html,
        headings,
        text: plain.split_whitespace().collect::<Vec<_>>().join(" "),
        anchors: ids,
    };
    (page, links)
}

/// The links of the HTML a browser gets: every relative `href` of every page's body must name a
/// page of the site (and one of its anchors). A Markdown link to a file that exists in the
/// repository but is no page (a folder, a source file) passes the Markdown check and still
/// breaks in the site; this is the check that sees it.
fn check_html_links(pages: &[SitePage]) -> Vec<Diagnostic> {
    let by_url: BTreeMap<&str, &SitePage> = pages.iter().map(|p| (p.url.as_str(), p)).collect();
    let mut problems = Vec::new();
    for page in pages {
        // Real elements only: markup quoted in text or code is escaped (`&lt;a href=..`).
        let tags =
            page.html.split('<').skip(1).filter_map(|t| t.split_once('>').map(|(tag, _)| tag));
        for tag in tags {
            let Some(part) = tag.split_once(" href=\"").map(|(_, rest)| rest) else { continue };
            let Some((href, _)) = part.split_once('"') else { continue };
            let href = href.replace("&amp;", "&");
            if href.contains("://") || href.starts_with("mailto:") || href.starts_with("data:") {
                continue;
            }
            let (path, anchor) = match href.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (href.as_str(), None),
            };
            let target = if path.is_empty() {
                page.url.clone()
            } else {
                let dir = Path::new(&page.url).parent().unwrap_or(Path::new(""));
                normalize(&dir.join(path))
            };
            let problem = match by_url.get(target.as_str()) {
                None => Some(format!(
                    "the page links to `{href}`, which is not in the site (only pages are)"
                )),
                Some(found) => anchor.filter(|a| !found.anchors.contains(*a)).map(|a| {
                    format!("the page links to `{href}`, but {} has no anchor `#{a}`", found.url)
                }),
            };
            if let Some(message) = problem {
                problems.push(
                    Diagnostic::error(codes::DOC_LINK, Location::file(page.source.clone()), message)
                        .with_help("link to a Markdown page (a folder needs its README.md, a source file its docs page)"),
                );
            }
        }
    }
    problems
}

/// `a/b/../c.md` as `a/c.md`.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// The relative URL from page `from` to page `to` (both site-relative).
fn relative(from: &str, to: &str) -> String {
    let depth = from.matches('/').count();
    format!("{}{to}", "../".repeat(depth))
}

/// What a gate run found, as `zerogate check --format json` writes it: the status page shows
/// each ledger row's findings.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GateReport {
    /// Every finding.
    pub findings: Vec<GateFinding>,
}

/// One finding of a [`GateReport`].
#[derive(Debug, Clone, serde::Deserialize)]
pub struct GateFinding {
    /// Its stable code (`Z0311`).
    pub code: String,
    /// The ledger row it is about, if one.
    pub row_id: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Where.
    pub file: String,
    /// The line (1-based).
    pub line: usize,
}

impl GateReport {
    /// The report in `text` (the JSON of `zerogate check --format json`).
    pub fn parse(text: &str) -> Result<GateReport, String> {
        serde_json::from_str(text)
            .map_err(|e| format!("not a report of `zerogate check --format json`: {e}"))
    }
}

/// Builds the site of the project at `root`, or reports every broken internal link.
pub fn build(root: &Path) -> Result<Site, Vec<Diagnostic>> {
    build_with(root, None)
}

/// [`build`], the status page showing what `gate` found for each ledger row.
pub fn build_with(root: &Path, gate: Option<&GateReport>) -> Result<Site, Vec<Diagnostic>> {
    let mut pages = Vec::new();
    let mut links = Vec::new();
    let mut problems = Vec::new();
    for source in sources(root) {
        match std::fs::read_to_string(root.join(&source)) {
            Ok(text) => {
                let (page, page_links) = render(&source, &text);
                pages.push(page);
                links.extend(page_links);
            }
            Err(e) => problems.push(Diagnostic::error(
                codes::DOC_LINK,
                Location::file(source.clone()),
                format!("cannot read {source}: {e}"),
            )),
        }
    }
    // An app's site also has pages made from its code and tables.
    if crate::app::is_app(root) {
        for (source, text) in app_pages(root) {
            let (page, page_links) = render(&source, &text);
            pages.push(page);
            links.extend(page_links);
        }
    }
    let anchors: BTreeMap<&str, BTreeSet<&str>> = pages
        .iter()
        .map(|p| (p.source.as_str(), p.anchors.iter().map(String::as_str).collect()))
        .collect();
    for link in &links {
        let location = Location {
            file: link.source.clone(),
            line: link.line,
            column: link.column,
            len: link.len,
        };
        let exists = anchors.contains_key(link.target.as_str()) || root.join(&link.target).exists();
        if !exists {
            problems.push(
                Diagnostic::error(
                    codes::DOC_LINK,
                    location,
                    format!("the link points at `{}`, which does not exist", link.target),
                )
                .with_help("fix the path (relative to this page) or remove the link"),
            );
            continue;
        }
        if let (Some(anchor), Some(page)) = (&link.anchor, anchors.get(link.target.as_str()))
            && !page.contains(anchor.as_str())
        {
            problems.push(
                Diagnostic::error(
                    codes::DOC_LINK,
                    location,
                    format!("`{}` has no heading `#{anchor}`", link.target),
                )
                .with_help("link to an existing heading (its GitHub-style slug)"),
            );
        }
    }
    // The HTML check sees what the Markdown check cannot (links to files that are no page);
    // it runs once the Markdown links resolve, so a broken link is reported once, at its line.
    if problems.is_empty() {
        problems.extend(check_html_links(&pages));
    }
    if !problems.is_empty() {
        zero_diag::sort(&mut problems);
        return Err(problems);
    }
    let diagnostics_page = pages.iter().any(|p| p.url == "reference/diagnostics.html");
    if let Some(status) = status_page(root, gate, diagnostics_page) {
        pages.push(status);
    }
    let mut assets = Vec::new();
    if let Some(page) = pages.iter_mut().find(|p| p.source == COMPONENTS_PAGE)
        && let Some(css) = with_examples(root, page)
    {
        assets.push(("assets/components.css".to_owned(), css));
    }
    pages.sort_by(|a, b| a.url.cmp(&b.url));
    Ok(Site { pages, assets })
}

/// The components reference, generated from `spec/components.tsv`.
const COMPONENTS_PAGE: &str = "docs/reference/components.md";

/// Where `tests/core-components` commits each example's render (`NAME.html`).
const RENDERS: &str = "docs/reference/components";

/// Adds to the components reference page, at the end of each component's section, its example
/// rendered (an `<iframe>` of the committed render with the core components' stylesheet, so the
/// page itself runs no app CSS) and the example's source. Returns that stylesheet (the one
/// `zerogen new app` writes, plus what shows a modal or a dropdown list open in place), or
/// `None` when no render exists.
fn with_examples(root: &Path, page: &mut SitePage) -> Option<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(RENDERS))
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".html").map(str::to_owned))
        .collect();
    names.sort();
    let mut added = 0;
    for name in names {
        let Ok(render) = std::fs::read_to_string(root.join(RENDERS).join(format!("{name}.html")))
        else {
            continue;
        };
        // The render's first line is its provenance comment.
        let render = render.split_once('\n').map_or(render.as_str(), |(first, rest)| {
            if first.starts_with("<!--") { rest } else { render.as_str() }
        });
        let heading = format!("<h3 id=\"{name}\">");
        let Some(start) = page.html.find(&heading) else { continue };
        let after = start + heading.len();
        let end = ["<h2", "<h3"]
            .iter()
            .filter_map(|h| page.html[after..].find(h).map(|i| after + i))
            .min()
            .unwrap_or(page.html.len());
        let example = format!("tests/core-components/examples/{name}.html.0x0");
        let source = std::fs::read_to_string(root.join(&example)).unwrap_or_default();
        let document = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <link rel=\"stylesheet\" href=\"../assets/components.css\"></head>\
             <body class=\"preview\">{render}</body></html>"
        );
        let figure = format!(
            "<figure class=\"component-example\" id=\"{name}-example\">\n\
             <iframe title=\"The &lt;.{name}&gt; example, rendered\" srcdoc=\"{}\"></iframe>\n\
             <figcaption>Rendered from <code>{example}</code>:</figcaption>\n\
             <pre><code class=\"language-html\">{}</code></pre>\n</figure>\n",
            escape(&document),
            escape(source.trim_end())
        );
        page.html.insert_str(end, &figure);
        page.anchors.insert(format!("{name}-example"));
        added += 1;
    }
    let css = std::fs::read_to_string(root.join("templates/app/web/assets/app.css.tmpl")).ok()?;
    // The tokens a new app's theme table gives the components.
    let tokens = std::fs::read_to_string(root.join("templates/app/spec/theme.tsv.tmpl"))
        .ok()
        .and_then(|table| crate::app::parse_theme(&table.replace("{{title}}", "0x0 Live")).ok())
        .map(|theme| crate::app::emit_theme(&theme).contents)
        .unwrap_or_default();
    (added > 0).then(|| format!("{tokens}{}{PREVIEW_CSS}", css.replace("{{title}}", "0x0 Live")))
}

/// What the examples' frames add to the core components' stylesheet.
const PREVIEW_CSS: &str = "\n/* The docs' example frames: a modal or a dropdown list shows open, in place. */\n\
body.preview { margin: 0; padding: 1rem; }\n\
body.preview .modal[hidden] { display: grid; position: absolute; }\n\
body.preview .dropdown-menu[hidden] { display: block; }\n";

/// `status.html`: every row of the ledgers in `release/*.tsv` with its status, and links to its
/// docs page (in the site) and evidence; sources and tests are named; with a gate report, each
/// row's findings (codes linked to the diagnostics page when the site has it) and the findings
/// of no row. `None` without ledgers.
fn status_page(root: &Path, gate: Option<&GateReport>, codes_page: bool) -> Option<SitePage> {
    let mut files: Vec<String> = std::fs::read_dir(root.join("release"))
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tsv"))
        .map(|n| format!("release/{n}"))
        .collect();
    files.sort();
    let mut html = String::from("<h1 id=\"surface-status\">Surface status</h1>\n");
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut tables = String::new();
    for file in &files {
        let text = std::fs::read_to_string(root.join(file)).ok()?;
        let ledger: zero_spec::Table<zero_spec::tables::LedgerRow> =
            zero_spec::tsv::load(file, &text);
        if ledger.rows.is_empty() {
            continue;
        }
        let _ = write!(
            tables,
            "<h2 id=\"{}\">{}</h2>\n<table>\n<thead><tr><th>id</th><th>status</th>{}<th>docs</th><th>tests</th><th>evidence</th><th>source</th></tr></thead>\n<tbody>\n",
            slug(file),
            escape(file),
            if gate.is_some() { "<th>gate</th>" } else { "" }
        );
        for row in &ledger.rows {
            let r = &row.value;
            *counts.entry(r.status.as_str()).or_insert(0) += 1;
            let docs = r.docs.as_deref().map_or_else(String::new, |d| {
                let (page, anchor) = d.split_once('#').unwrap_or((d, ""));
                if page.ends_with(".md") {
                    format!(
                        "<a href=\"{}#{}\">{}</a>",
                        escape(&url_of(page)),
                        escape(anchor),
                        escape(d)
                    )
                } else {
                    escape(d)
                }
            });
            let verdict = gate.map_or_else(String::new, |g| {
                let found: Vec<&GateFinding> =
                    g.findings.iter().filter(|f| f.row_id.as_deref() == Some(&r.id)).collect();
                if found.is_empty() {
                    "<td class=\"gate-ok\">ok</td>".to_owned()
                } else {
                    let codes: Vec<String> =
                        found.iter().map(|f| code_link(f, codes_page)).collect();
                    format!("<td class=\"gate-findings\">{}</td>", codes.join(" "))
                }
            });
            let _ = writeln!(
                tables,
                "<tr id=\"{id}\"><td><code>{id}</code></td><td class=\"status-{status}\">{status}</td>{verdict}<td>{docs}</td><td>{tests}</td><td>{evidence}</td><td>{source}</td></tr>",
                id = escape(&r.id),
                status = r.status.as_str(),
                source = escape(r.source.as_deref().unwrap_or("")),
                tests = r.tests.items().len(),
                evidence = escape(&r.evidence.items().join(", ")),
            );
        }
        tables.push_str("</tbody>\n</table>\n");
    }
    let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let _ = writeln!(
        html,
        "<p>Every public surface and where its proof lives: {} (the gate checks each row).</p>",
        summary.join(", ")
    );
    if let Some(gate) = gate {
        let verdict = match gate.findings.len() {
            0 => "no findings".to_owned(),
            1 => "1 finding".to_owned(),
            n => format!("{n} findings"),
        };
        let _ = writeln!(html, "<p id=\"gate-summary\">The gate's report: {verdict}.</p>");
        let loose: Vec<&GateFinding> =
            gate.findings.iter().filter(|f| f.row_id.is_none()).collect();
        if !loose.is_empty() {
            html.push_str("<h2 id=\"findings-of-no-row\">Findings of no row</h2>\n<ul>\n");
            for f in loose {
                let _ = writeln!(
                    html,
                    "<li>{} <code>{}:{}</code>: {}</li>",
                    code_link(f, codes_page),
                    escape(&f.file),
                    f.line,
                    escape(&f.message)
                );
            }
            html.push_str("</ul>\n");
        }
    }
    html.push_str(&tables);
    Some(SitePage {
        source: "release".to_owned(),
        url: "status.html".to_owned(),
        title: "Surface status".to_owned(),
        html,
        headings: vec![(1, "surface-status".to_owned(), "Surface status".to_owned())],
        text: format!("surface status ledger {}", summary.join(" ")),
        anchors: BTreeSet::new(),
    })
}

/// The pages an app's site makes from its tables and code, as Markdown under `docs/app/`: its
/// routes (`spec/routes.tsv`) and its components (`web/components/mod.rs`).
fn app_pages(root: &Path) -> Vec<(String, String)> {
    let mut pages = Vec::new();
    if let Ok(routes) = crate::app::load_routes(root) {
        let mut md = String::from(
            "# Routes\n\n<!-- Made by `zerogen docs` from spec/routes.tsv. -->\n\n\
             Every route of the app, in the order of `spec/routes.tsv` (its line), with the path \
             helper generated for named ones.\n\n\
             | method | path | kind | target | pipeline | helper | line |\n|---|---|---|---|---|---|---|\n",
        );
        for row in &routes.rows {
            let r = &row.value;
            let _ = writeln!(
                md,
                "| {} | `{}` | {} | `{}` | {} | {} | {} |",
                format!("{:?}", r.method).to_uppercase(),
                r.full_path(),
                format!("{:?}", r.kind).to_lowercase(),
                r.target,
                r.pipeline,
                r.name.as_deref().map(|n| format!("`{n}_path`")).unwrap_or_default(),
                row.line
            );
        }
        pages.push(("docs/app/routes.md".to_owned(), md));
    }
    let components = components_code(&root.join("web/components")).and_then(|t| components_md(&t));
    if let Some(md) = components {
        pages.push(("docs/app/components.md".to_owned(), md));
    }
    pages
}

/// The Rust of an app's components: `mod.rs`, then the modules beside it whose components it
/// re-exports (`zerogen component` writes one a component), in name order.
fn components_code(dir: &Path) -> Option<String> {
    let mut code = std::fs::read_to_string(dir.join("mod.rs")).ok()?;
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs") && !p.ends_with("mod.rs"))
        .collect();
    others.sort();
    for file in others {
        code.push('\n');
        code.push_str(&std::fs::read_to_string(file).ok()?);
    }
    Some(code)
}

/// A component as its struct in `web/components/mod.rs` declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredComponent {
    /// The tag: the template's file name (`<.button>`).
    pub tag: String,
    /// The struct's name.
    pub ident: String,
    /// The template, relative to `web/` and without `.html.0x0` (`components/button`).
    pub template: String,
    /// The struct's doc comment.
    pub doc: String,
    /// Its attributes and slots, in field order (`rest` excluded).
    pub fields: Vec<DeclaredField>,
    /// Whether a `rest: Attrs` field passes other attributes to the root element.
    pub rest: bool,
}

/// A field of a [`DeclaredComponent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredField {
    /// The field's name (`inner_block` for the default slot).
    pub name: String,
    /// Its type as written (`Option<&'a str>`).
    pub ty: String,
    /// Its doc comment, on one line.
    pub doc: String,
    /// Whether a template must give it: neither an `Option`, a `bool` nor a `Vec`.
    pub required: bool,
    /// Whether it is a slot (a `Slot` type) rather than an attribute.
    pub slot: bool,
    /// Whether it may be given more than once (a `Vec`).
    pub multiple: bool,
}

/// Each `pub struct` of `code` (a `web/components/mod.rs`) that a `component!` registers, in
/// file order. `None` when the file does not parse.
pub fn declared_components(code: &str) -> Option<Vec<DeclaredComponent>> {
    use quote::ToTokens as _;
    let file = syn::parse_file(code).ok()?;
    let doc_of = |attrs: &[syn::Attribute]| -> String {
        let lines: Vec<String> = attrs
            .iter()
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => {
                        Some(s.value().strip_prefix(' ').unwrap_or(&s.value()).to_owned())
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        lines.join("\n")
    };
    let type_text = |ty: &syn::Type| -> String {
        let text = ty.to_token_stream().to_string();
        let mut out = text.replace(" <", "<").replace("< ", "<").replace(" >", ">");
        out = out.replace("& '", "&'").replace("& ", "&").replace(" ,", ",");
        out
    };
    // `component!(Button<'a>, "components/button")`: the struct and the template.
    let registered: BTreeMap<String, String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(m) if m.mac.path.segments.last()?.ident == "component" => {
                let tokens: Vec<proc_macro2::TokenTree> =
                    m.mac.tokens.clone().into_iter().collect();
                let name = tokens.first()?.to_string();
                let template = tokens.iter().find_map(|t| match t {
                    proc_macro2::TokenTree::Literal(l) => {
                        Some(l.to_string().trim_matches('"').to_owned())
                    }
                    _ => None,
                })?;
                Some((name, template))
            }
            _ => None,
        })
        .collect();
    let mut components = Vec::new();
    for item in &file.items {
        let syn::Item::Struct(st) = item else { continue };
        if !matches!(st.vis, syn::Visibility::Public(_)) {
            continue;
        }
        let Some(template) = registered.get(&st.ident.to_string()) else { continue };
        let mut component = DeclaredComponent {
            tag: template.rsplit('/').next().unwrap_or(template).to_owned(),
            ident: st.ident.to_string(),
            template: template.clone(),
            doc: doc_of(&st.attrs),
            fields: Vec::new(),
            rest: false,
        };
        for field in &st.fields {
            let Some(name) = field.ident.as_ref().map(ToString::to_string) else { continue };
            let ty = type_text(&field.ty);
            if name == "rest" && ty.contains("Attrs") {
                component.rest = true;
                continue;
            }
            let multiple = ty.starts_with("Vec<");
            component.fields.push(DeclaredField {
                doc: doc_of(&field.attrs).replace('\n', " "),
                required: !(ty.starts_with("Option<") || ty == "bool" || multiple),
                slot: ty.contains("Slot"),
                multiple,
                name,
                ty,
            });
        }
        components.push(component);
    }
    Some(components)
}

/// The components page of an app from its `web/components/mod.rs`: each component with its
/// doc comment, attributes (type, required) and slots. `None` when the file does not parse or
/// has no component.
fn components_md(code: &str) -> Option<String> {
    let components = declared_components(code)?;
    let mut md = String::from(
        "# Components\n\n<!-- Made by `zerogen docs` from web/components/mod.rs. -->\n\n\
         The app's components, called in templates as `<.name ...>`: their attributes (a field \
         that is not an `Option`, a `bool` or a list is required, checked when the template \
         compiles), their slots, and whether other attributes pass through.\n",
    );
    for c in &components {
        let _ = write!(
            md,
            "\n## {}\n\n`<.{}>`: `{}` (`web/{}.html.0x0`)\n\n{}\n",
            c.tag, c.tag, c.ident, c.template, c.doc
        );
        let (mut attrs, mut slots) = (Vec::new(), Vec::new());
        for f in &c.fields {
            if f.slot {
                let name = if f.name == "inner_block" {
                    "(inner block)".to_owned()
                } else {
                    format!("<:{}>", f.name)
                };
                slots.push(format!("| `{name}` | {} |", f.doc));
            } else {
                let required = if f.required { "yes" } else { "no" };
                attrs.push(format!("| `{}` | `{}` | {required} | {} |", f.name, f.ty, f.doc));
            }
        }
        if !attrs.is_empty() {
            md.push_str("\n| attribute | type | required | |\n|---|---|---|---|\n");
            md.push_str(&attrs.join("\n"));
            md.push('\n');
        }
        if !slots.is_empty() {
            md.push_str("\n| slot | |\n|---|---|\n");
            md.push_str(&slots.join("\n"));
            md.push('\n');
        }
        if c.rest {
            md.push_str("\nOther attributes are passed to its root element.\n");
        }
    }
    (!components.is_empty()).then_some(md)
}

/// A finding's code, linked to its entry of the diagnostics page when the site has one, its
/// message as the title.
fn code_link(f: &GateFinding, codes_page: bool) -> String {
    let (code, title) = (escape(&f.code), escape(&f.message));
    if codes_page {
        format!("<a href=\"reference/diagnostics.html#{code}\" title=\"{title}\">{code}</a>")
    } else {
        format!("<span title=\"{title}\">{code}</span>")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const CSS: &str = include_str!("site/site.css");
const JS: &str = include_str!("site/site.js");

impl Site {
    /// Every file of the site: pages, stylesheet, script, search index and sitemap, sorted.
    pub fn files(&self, title: &str) -> Vec<SiteFile> {
        let mut files = Vec::new();
        for page in &self.pages {
            files.push((page.url.clone(), self.page_html(page, title)));
        }
        files.push(("assets/site.css".to_owned(), CSS.to_owned()));
        files.push(("assets/site.js".to_owned(), JS.to_owned()));
        files.extend(self.assets.iter().cloned());
        let index: Vec<serde_json::Value> = self
            .pages
            .iter()
            .map(|p| {
                serde_json::json!({
                    "url": p.url,
                    "title": p.title,
                    "headings": p.headings.iter().map(|(_, id, t)| serde_json::json!([id, t])).collect::<Vec<_>>(),
                    "text": p.text.chars().take(4000).collect::<String>(),
                })
            })
            .collect();
        files.push(("search-index.json".to_owned(), serde_json::Value::Array(index).to_string()));
        let mut sitemap = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for page in &self.pages {
            let _ = writeln!(sitemap, "  <url><loc>{}</loc></url>", escape(&page.url));
        }
        sitemap.push_str("</urlset>\n");
        files.push(("sitemap.xml".to_owned(), sitemap));
        files.sort();
        files
    }

    fn page_html(&self, page: &SitePage, title: &str) -> String {
        let up = "../".repeat(page.url.matches('/').count());
        let mut nav = String::new();
        let mut group = "";
        for other in &self.pages {
            let section = other.url.rsplit_once('/').map_or("", |(dir, _)| dir);
            if section != group {
                if !group.is_empty() || nav.is_empty() && !section.is_empty() {
                    let _ = write!(nav, "<h2>{}</h2>", escape(section));
                }
                group = section;
            }
            let current = if other.url == page.url { " aria-current=\"page\"" } else { "" };
            let _ = write!(
                nav,
                "<a href=\"{up}{}\"{current}>{}</a>",
                escape(&other.url),
                escape(&other.title)
            );
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{page_title} · {site}</title>\n\
             <link rel=\"stylesheet\" href=\"{up}assets/site.css\">\n\
             <script type=\"module\" src=\"{up}assets/site.js\"></script>\n</head>\n<body data-root=\"{up}\">\n\
             <header class=\"top\"><a class=\"brand\" href=\"{up}index.html\">{site}</a>\
             <input id=\"search\" type=\"search\" placeholder=\"Search\" aria-label=\"Search the docs\">\
             <button id=\"theme\" type=\"button\" aria-label=\"Switch between light and dark\">Theme</button></header>\n\
             <ul id=\"results\" hidden></ul>\n\
             <div class=\"layout\"><nav class=\"side\" aria-label=\"Pages\">{nav}</nav>\n\
             <main>\n{body}</main></div>\n</body>\n</html>\n",
            page_title = escape(&page.title),
            site = escape(title),
            body = page.html,
        )
    }
}

/// Builds the site of `root` and writes it under `out` (created; existing files replaced). The
/// site's title is the home page's (the first heading of `README.md`).
pub fn write(root: &Path, out: &Path) -> Result<Vec<String>, Vec<Diagnostic>> {
    write_with(root, out, None)
}

/// [`write`], the status page showing what `gate` found.
pub fn write_with(
    root: &Path,
    out: &Path,
    gate: Option<&GateReport>,
) -> Result<Vec<String>, Vec<Diagnostic>> {
    let site = build_with(root, gate)?;
    let title = site
        .pages
        .iter()
        .find(|p| p.url == "index.html")
        .map_or_else(|| "Documentation".to_owned(), |p| p.title.clone());
    let mut written = Vec::new();
    for (path, text) in site.files(&title) {
        let target: PathBuf = out.join(&path);
        let result = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, text));
        if let Err(e) = result {
            return Err(vec![Diagnostic::error(
                codes::DOC_LINK,
                Location::file(path.clone()),
                format!("cannot write {}: {e}", target.display()),
            )]);
        }
        written.push(path);
    }
    Ok(written)
}

/// The content type of a site file, by its extension.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// The file of `dir` a request path names (`/` is `index.html`), if it is one: a path that
/// leaves the folder (`..`), or is not valid percent-encoded UTF-8, names none.
pub fn file_for(dir: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode(path)?;
    let mut file = dir.to_path_buf();
    for part in decoded.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part == "." || part.contains('\\') {
            return None;
        }
        file.push(part);
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

/// `%XX` escapes decoded; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Serves the built site in `dir` on `listener` (bound by the caller, on 127.0.0.1) until
/// `stop` resolves: `GET` and `HEAD` of its files with their content type, `404` for anything
/// else it does not have (a path out of `dir` included), `405` for other methods. On the axum
/// stack apps are served with (tiny_http, which this replaced, is unmaintained).
pub async fn serve(
    listener: tokio::net::TcpListener,
    dir: PathBuf,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let site =
        axum::Router::new().fallback(move |method: axum::http::Method, uri: axum::http::Uri| {
            let dir = dir.clone();
            async move { answer(dir, method, uri).await }
        });
    axum::serve(listener, site).with_graceful_shutdown(stop).await
}

/// The answer to one request for a file of the site in `dir`.
async fn answer(
    dir: PathBuf,
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse as _;
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        let allow = [(header::ALLOW, "GET, HEAD")];
        return (StatusCode::METHOD_NOT_ALLOWED, allow, "method not allowed").into_response();
    }
    let url = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let read = tokio::task::spawn_blocking(move || {
        let file = file_for(&dir, &url)?;
        std::fs::read(&file).ok().map(|bytes| (content_type(&file), bytes))
    });
    match read.await {
        Ok(Some((kind, bytes))) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        dir
    }

    #[test]
    fn links_the_browser_cannot_follow_are_findings() {
        let dir = project(&[
            (
                "README.md",
                "# Home\n\n[Decisions](docs/adr/) and [code](src/lib.rs) and [arch](ARCHITECTURE.md#map).\n",
            ),
            ("ARCHITECTURE.md", "# Architecture\n\n## Map\n"),
            ("docs/adr/0001-x.md", "# One\n"),
            ("src/lib.rs", "//! x\n"),
        ]);
        let problems = build(dir.path()).unwrap_err();
        let messages: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("`docs/adr/`")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("`src/lib.rs`")), "{messages:?}");
        assert!(problems.iter().all(|p| p.location.file == "README.md"));
        // The same links to pages pass, ARCHITECTURE.md being one.
        std::fs::write(
            dir.path().join("README.md"),
            "# Home\n\n[Decisions](docs/adr/0001-x.md) and [arch](ARCHITECTURE.md#map).\n",
        )
        .unwrap();
        let site = build(dir.path()).unwrap();
        assert!(site.pages.iter().any(|p| p.url == "ARCHITECTURE.html"));
        let home = site.pages.iter().find(|p| p.url == "index.html").unwrap();
        assert!(home.html.contains("href=\"ARCHITECTURE.html#map\""), "{}", home.html);
    }

    #[test]
    fn pages_get_stable_urls_heading_ids_and_rewritten_links() {
        let dir = project(&[
            ("README.md", "# Home\n\nSee [the client](docs/reference/client.md#hooks).\n"),
            (
                "docs/reference/client.md",
                "# The client\n\n## Hooks\n\n## Hooks\n\nBack [home](../../README.md).\n",
            ),
            (
                "docs/guide/start.md",
                "# Start\n\n[Client](../reference/client.md) and [here](#start).\n",
            ),
        ]);
        let site = build(dir.path()).unwrap();
        let urls: Vec<&str> = site.pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["guide/start.html", "index.html", "reference/client.html"]);
        let client = &site.pages[2];
        assert_eq!(client.title, "The client");
        assert!(
            client.html.contains("<h2 id=\"hooks\">Hooks</h2>")
                && client.html.contains("<h2 id=\"hooks-1\">")
        );
        assert!(client.html.contains("href=\"../index.html\""), "{}", client.html);
        assert!(site.pages[1].html.contains("href=\"reference/client.html#hooks\""));
        assert!(site.pages[0].html.contains("href=\"../reference/client.html\""));
        let files = site.files("Docs");
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        for expected in
            ["assets/site.css", "assets/site.js", "search-index.json", "sitemap.xml", "index.html"]
        {
            assert!(names.contains(&expected), "{expected}");
        }
        let page = &files.iter().find(|(p, _)| p == "reference/client.html").unwrap().1;
        assert!(
            page.contains("href=\"../assets/site.css\"")
                && page.contains("aria-current=\"page\">The client")
        );
        assert_eq!(site.files("Docs"), files, "deterministic");
    }

    #[test]
    fn broken_links_and_anchors_are_reported_at_the_link() {
        let dir = project(&[
            ("README.md", "# Home\n\n[gone](docs/nope.md) and\n[bad anchor](docs/a.md#missing).\n"),
            (
                "docs/a.md",
                "# A\n\n<a id=\"X1\"></a>[fine](../README.md#home), [file](../src/lib.rs), [out](https://example.com/x), [own](#X1).\n",
            ),
            ("src/lib.rs", ""),
        ]);
        let problems = build(dir.path()).unwrap_err();
        let found: Vec<(String, u32, u32)> = problems
            .iter()
            .map(|d| (d.location.file.clone(), d.location.line, d.location.column))
            .collect();
        assert_eq!(found, [("README.md".to_owned(), 3, 1), ("README.md".to_owned(), 4, 1)]);
        assert!(problems[0].message.contains("`docs/nope.md`, which does not exist"));
        assert!(problems[1].message.contains("has no heading `#missing`"));
        assert!(problems.iter().all(|d| d.code == codes::DOC_LINK));
    }

    #[test]
    fn the_framework_docs_build_with_no_broken_link() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let site = build(&root).unwrap_or_else(|p| panic!("{p:#?}"));
        assert!(site.pages.iter().any(|p| p.url == "reference/client.html"));
        assert!(site.pages.len() >= 20, "{}", site.pages.len());
        let status = site.pages.iter().find(|p| p.url == "status.html").unwrap();
        assert!(status.html.contains("<tr id=\"client.hooks\">"), "a row per ledger entry");
        assert!(
            status.html.contains("href=\"reference/client.html#hooks\""),
            "docs link into the site"
        );
        assert!(status.html.contains(" stable, ") || status.html.contains(" stable"), "counts");
        assert!(!status.html.contains("<th>gate</th>"), "no gate column without a report");
    }

    #[test]
    fn a_gate_report_puts_each_rows_findings_on_the_status_page() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let report = GateReport::parse(
            r#"{"findings": [
                {"code": "Z0311", "row_id": "client.hooks", "message": "stale <evidence>",
                 "file": "release/evidence/client.tsv", "line": 4, "column": 1},
                {"code": "Z0101", "row_id": null, "message": "a short line",
                 "file": "spec/budgets.tsv", "line": 9, "column": 1}
            ], "summary": {"findings": 2}}"#,
        )
        .unwrap();
        let site = build_with(&root, Some(&report)).unwrap();
        let status = &site.pages.iter().find(|p| p.url == "status.html").unwrap().html;
        assert!(status.contains("<th>gate</th>"));
        let row = status.lines().find(|l| l.starts_with("<tr id=\"client.hooks\">")).unwrap();
        assert!(
            row.contains("<td class=\"gate-findings\"><a href=\"reference/diagnostics.html#Z0311\" title=\"stale &lt;evidence&gt;\">Z0311</a></td>"),
            "{row}"
        );
        let other = status.lines().find(|l| l.starts_with("<tr id=\"client.bindings\">"));
        assert!(other.is_none_or(|l| l.contains("<td class=\"gate-ok\">ok</td>")), "{other:?}");
        assert!(status.contains("<p id=\"gate-summary\">The gate's report: 2 findings.</p>"));
        assert!(
            status.contains("<code>spec/budgets.tsv:9</code>: a short line"),
            "a finding of no row"
        );
        for bad in ["", "[]", "{\"findings\": [{\"code\": 1}]}"] {
            assert!(
                GateReport::parse(bad).unwrap_err().contains("zerogate check --format json"),
                "{bad}"
            );
        }
    }

    #[test]
    fn component_sections_get_their_rendered_example_and_its_source() {
        let reference =
            "# Components\n\n### button\n\nA button.\n\n### icon\n\nAn icon.\n\n## Other\n";
        let files = [
            ("README.md", "# Home\n"),
            ("docs/reference/components.md", reference),
            (
                "docs/reference/components/button.html",
                "<!-- provenance -->\n<button class=\"btn\">Save</button>\n",
            ),
            ("tests/core-components/examples/button.html.0x0", "<.button>Save</.button>\n"),
            ("templates/app/web/assets/app.css.tmpl", "/* {{title}} */\n.btn { color: red; }\n"),
        ];
        let dir = project(&files);
        let site = build(dir.path()).unwrap();
        let page = site.pages.iter().find(|p| p.url == "reference/components.html").unwrap();
        let html = &page.html;
        let figure =
            html.find("<figure class=\"component-example\" id=\"button-example\">").unwrap();
        assert!(html.find("<h3 id=\"button\">").unwrap() < figure, "{html}");
        assert!(
            figure < html.find("<h3 id=\"icon\">").unwrap(),
            "at the end of its section: {html}"
        );
        assert!(html.contains("srcdoc=\"&lt;!DOCTYPE html&gt;"), "{html}");
        assert!(
            html.contains("&lt;button class=&quot;btn&quot;&gt;Save&lt;/button&gt;"),
            "the render, escaped into srcdoc: {html}"
        );
        assert!(!html.contains("provenance"), "the provenance line stays in the file");
        assert!(
            html.contains(
                "<code class=\"language-html\">&lt;.button&gt;Save&lt;/.button&gt;</code>"
            ),
            "{html}"
        );
        assert!(page.anchors.contains("button-example"));
        assert!(!html.contains("icon-example"), "no render, no example");
        let (_, css) = site.assets.iter().find(|(p, _)| p == "assets/components.css").unwrap();
        assert!(
            css.starts_with("/* 0x0 Live */\n.btn { color: red; }") && css.contains("body.preview"),
            "{css}"
        );
        assert!(site.files("Home").iter().any(|(p, _)| p == "assets/components.css"));

        // Without renders the page is as generated and no stylesheet is added.
        let dir = project(&files[..2]);
        let site = build(dir.path()).unwrap();
        assert!(site.assets.is_empty());
        let page = site.pages.iter().find(|p| p.url == "reference/components.html").unwrap();
        assert!(!page.html.contains("component-example"));
    }

    #[test]
    fn an_apps_site_gets_its_routes_and_components_pages() {
        let dir = project(&[
            ("README.md", "# Shop\n\nSee [the routes](docs/app/routes.md#routes).\n"),
            (
                "spec/routes.tsv",
                "method\tpath\tkind\ttarget\tpipeline\tscope\tname\n\
                 GET\t/\tlive\tweb::live::home::Home\tbrowser\t/\thome\n\
                 GET\t/status\thttp\tweb::http::status\tapi\t/api\t\n",
            ),
            (
                "web/components/mod.rs",
                "//! Components.\n\
                 /// `<.badge tone=\"info\">New</.badge>`: a small label.\n\
                 pub struct Badge<'a> {\n    /// The colour.\n    pub tone: &'a str,\n    \
                 /// A tooltip.\n    pub hint: Option<&'a str>,\n    /// The text.\n    \
                 pub inner_block: Slot<'a>,\n    /// Passed on.\n    pub rest: Attrs<'a>,\n}\n\
                 zero_live_core::component!(Badge<'a>, \"components/badge\");\n\
                 /// Not a component (no `component!`).\npub struct Helper;\n",
            ),
        ]);
        let site = build(dir.path()).unwrap();
        let page = |url: &str| &site.pages.iter().find(|p| p.url == url).unwrap().html;
        let routes = page("app/routes.html");
        assert!(routes.contains("<td><code>/api/status</code></td>"), "{routes}");
        assert!(routes.contains("<td><code>home_path</code></td>"), "{routes}");
        let components = page("app/components.html");
        assert!(components.contains("<h2 id=\"badge\">badge</h2>"), "{components}");
        assert!(
            components.contains(
                "<td><code>tone</code></td><td><code>&amp;'a str</code></td><td>yes</td>"
            ),
            "{components}"
        );
        assert!(components.contains("<td><code>hint</code></td><td><code>Option&lt;&amp;'a str&gt;</code></td><td>no</td>"), "{components}");
        assert!(components.contains("Other attributes are passed to its root element."));
        assert!(!components.contains("Helper"), "{components}");
        // The framework is not an app: no such pages.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let framework = build(&root).unwrap();
        assert!(!framework.pages.iter().any(|p| p.url.starts_with("app/")));
        assert_eq!(components_md("fn broken( {"), None);
    }

    #[test]
    fn request_paths_name_files_of_the_site_only() {
        let dir = project(&[("index.html", "home"), ("reference/a b.html", "a"), ("x.css", "c")]);
        let root = dir.path();
        assert_eq!(file_for(root, "/"), Some(root.join("index.html")));
        assert_eq!(
            file_for(root, "/reference/a%20b.html?q=1#top"),
            Some(root.join("reference/a b.html"))
        );
        for bad in [
            "/../Cargo.toml",
            "/reference/../../etc/passwd",
            "/%2e%2e/x",
            "/missing.html",
            "/%zz",
            "/%ff",
            "/a\\b",
        ] {
            assert_eq!(file_for(root, bad), None, "{bad}");
        }
    }

    #[test]
    fn the_site_is_served_over_http_with_its_types_and_nothing_else() {
        use std::io::{Read as _, Write as _};
        let dir = project(&[("index.html", "<h1>Home</h1>"), ("assets/site.css", "body{}")]);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = runtime.spawn(serve(listener, dir.path().to_path_buf(), async move {
            let _ = stopped.await;
        }));
        let requests = [
            ("GET / HTTP/1.1", "200", Some("text/html; charset=utf-8"), Some("<h1>Home</h1>")),
            (
                "GET /assets/site.css?v=1 HTTP/1.1",
                "200",
                Some("text/css; charset=utf-8"),
                Some("body{}"),
            ),
            ("HEAD /assets/site.css HTTP/1.1", "200", Some("text/css; charset=utf-8"), None),
            ("GET /../secret HTTP/1.1", "404", None, Some("not found")),
            ("GET /%2e%2e/secret HTTP/1.1", "404", None, Some("not found")),
            ("GET /missing.html HTTP/1.1", "404", None, Some("not found")),
            ("POST / HTTP/1.1", "405", None, Some("method not allowed")),
        ];
        for (line, status, kind, body) in requests {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            write!(stream, "{line}\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            assert!(answer.starts_with(&format!("HTTP/1.1 {status}")), "{line}: {answer}");
            if let Some(kind) = kind {
                assert!(
                    answer.to_lowercase().contains(&format!("content-type: {kind}")),
                    "{answer}"
                );
            }
            match body {
                Some(body) => assert!(answer.ends_with(body), "{line}: {answer}"),
                None => assert!(answer.ends_with("\r\n\r\n"), "HEAD has no body: {answer}"),
            }
        }
        stop.send(()).unwrap();
        runtime.block_on(serving).unwrap().unwrap();
    }
}
