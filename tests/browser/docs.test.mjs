// The documentation site `zerogen docs` builds, served as static files, in chromium: pages
// render with no console errors, search finds a heading, and the theme toggles and is kept; the
// status page shows the gate's verdict per ledger row. Screenshots of the pages go to
// screenshots/ in the cargo target folder (CI keeps them as artefacts).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize, extname } from "node:path";
import { chromium } from "playwright-core";
import { collectErrors, launchChromium } from "./support.mjs";

const root = new URL("../../", import.meta.url).pathname;
const meta = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }));
const targetDir = process.env.CARGO_TARGET_DIR ?? meta.target_directory;
const TYPES = { ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".json": "application/json", ".xml": "application/xml" };

let site;
let server;
let browser;
let base;

before(async () => {
  site = mkdtempSync(join(tmpdir(), "zl-site-"));
  // The gate's verdict for the status page (exit 1 with findings: its JSON is still the report).
  let report;
  try {
    report = execFileSync(join(targetDir, "debug/zerogate"), ["check", "--root", root, "--format", "json", "-q"]);
  } catch (e) {
    report = e.stdout;
  }
  const reportFile = join(site, "..", `${site.split("/").pop()}-gate.json`);
  writeFileSync(reportFile, report);
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "--root", root, "docs", "--out", site, "--gate-report", reportFile]);
  rmSync(reportFile);
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^\/+/, "");
    const file = join(site, path || "index.html");
    if (!file.startsWith(site) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  server?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

test("the_home_a_reference_page_and_the_sitemap_render_without_errors", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${base}/index.html`);
  assert.match(await page.title(), /0x0 Live/);
  await page.click("nav.side a[href='reference/client.html']");
  await page.waitForURL(`${base}/reference/client.html`);
  assert.equal(await page.textContent("main h1"), "The browser client");
  assert.equal(await page.getAttribute("nav.side a[aria-current=page]", "href"), "../reference/client.html");
  assert.ok(await page.$("main h2#hooks"), "headings have their anchors");
  await page.goto(`${base}/status.html`);
  assert.equal(await page.textContent("main h1"), "Surface status");
  assert.equal(await page.textContent("tr#client\\.hooks td.status-experimental"), "experimental");
  assert.match(await page.textContent("#gate-summary"), /The gate's report: (no findings|\d+ findings?)\./);
  assert.equal(await page.locator("tr#client\\.hooks td[class^='gate-']").count(), 1, "a verdict per row");
  await page.click("tr#client\\.hooks a");
  await page.waitForURL(`${base}/reference/client.html#hooks`);
  const sitemap = await (await fetch(`${base}/sitemap.xml`)).text();
  assert.match(sitemap, /<loc>reference\/client\.html<\/loc>/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the_diagnostics_page_shows_every_code_in_the_browser", async () => {
  // The codes of the registry, from the page's Markdown source (`## Z0101 tsv-syntax`).
  const source = readFileSync(join(root, "docs/reference/diagnostics.md"), "utf8");
  const codes = [...source.matchAll(/^## (Z\d{4}) ([a-z-]+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.ok(codes.length > 50, `codes found: ${codes.length}`);
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${base}/reference/diagnostics.html`);
  // What a reader sees: the text of every heading of the rendered page, in order, and each
  // one visible (markup quoted by a help line must not swallow the rest of the page).
  const headings = await page.locator("main h2").allInnerTexts();
  const shown = headings.map((h) => h.trim()).filter((h) => /^Z\d{4} /.test(h));
  assert.deepEqual(shown, codes);
  for (const code of [codes[0], codes[codes.length - 1]]) {
    assert.ok(await page.locator("main h2", { hasText: code }).isVisible(), `${code} is visible`);
  }
  assert.equal(await page.locator("main script, main style").count(), 0, "no quoted markup runs");
  assert.deepEqual(errors, []);
  await page.close();
});

test("search_finds_a_heading_and_the_theme_toggles_and_is_kept", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${base}/reference/app.html`);
  await page.fill("#search", "hooks");
  await page.waitForSelector("#results:not([hidden]) a[href$='reference/client.html#hooks']");
  const before = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.click("#theme");
  const theme = await page.getAttribute("html", "data-theme");
  assert.ok(theme === "dark" || theme === "light", String(theme));
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), before);
  await page.reload();
  assert.equal(await page.getAttribute("html", "data-theme"), theme, "kept across pages");
  assert.deepEqual(errors, []);
  await page.close();
});

test("component_examples_render_in_their_frames_with_the_components_stylesheet", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${base}/reference/components.html`);
  const frames = await page.$$("figure.component-example iframe");
  assert.ok(frames.length >= 12, `one frame per core component, got ${frames.length}`);
  const button = await (await page.$("#button-example iframe")).contentFrame();
  await button.waitForSelector("button.btn.btn-primary");
  // The components' stylesheet reached the frame: a primary button is not the browser's grey.
  const background = await button.$eval("button.btn-primary", (b) => getComputedStyle(b).backgroundColor);
  assert.notEqual(background, "rgb(239, 239, 239)", background);
  assert.notEqual(background, "rgba(0, 0, 0, 0)", background);
  const modal = await (await page.$("#modal-example iframe")).contentFrame();
  assert.ok(await modal.isVisible("[role=dialog] h2"), "the preview shows a modal open");
  const input = await (await page.$("#input-example iframe")).contentFrame();
  assert.equal(await input.textContent(".field-error"), "must be a full address");
  await page.locator("#tabs-example").screenshot({ path: join(targetDir, "screenshots", "docs-component-tabs.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("screenshots_of_the_home_the_tutorial_a_reference_page_and_the_status_page", async () => {
  const dir = join(targetDir, "screenshots");
  mkdirSync(dir, { recursive: true });
  for (const theme of ["light", "dark"]) {
    const context = await browser.newContext({ colorScheme: theme, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    for (const [name, path] of [["home", "index.html"], ["tutorial", "guide/tutorial.html"], ["reference", "reference/live.html"], ["status", "status.html"]]) {
      await page.goto(`${base}/${path}`);
      await page.waitForSelector("main h1");
      const file = join(dir, `docs-${name}-${theme}.png`);
      await page.screenshot({ path: file, fullPage: false });
      assert.ok(readFileSync(file).length > 1000, file);
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
});
