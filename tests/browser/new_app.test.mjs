// An app made by `zerogen new app`, built and served, in chromium: live patch and navigate links,
// the flash, the theme toggle, the modal with the keyboard, and axe-core finding no accessibility
// violations. Run: node --test tests/browser/ (after `cargo build -p zerogen`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { TINY_PNG, collectErrors, freePort, launchChromium, serving } from "./support.mjs";

const root = new URL("../../", import.meta.url).pathname;
const meta = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }));
const targetDir = process.env.CARGO_TARGET_DIR ?? meta.target_directory;
const axe = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");

let dir;
let server;
let browser;
let base;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "zl-new-app-"));
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "new", "app", "demo", "--zero-live-path", root], { cwd: dir });
  const app = join(dir, "demo");
  // A resource, so the pages of `zerogen resource` are tested in the browser too.
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "resource", "Post", "posts", "title:string:unique", "body:text", "published:boolean"], { cwd: app });
  // And pages that are not live.
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "resource", "Memo", "memos", "title:string", "body:text:optional", "--html"], { cwd: app });
  // And an upload field, with the app's file store.
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "resource", "Photo", "photos", "caption:string", "image:upload"], { cwd: app });
  // Accounts with passwords, with the shortest sudo window the table allows, so a stale login
  // can be seen.
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "auth", "--password"], { cwd: app });
  // And organizations, so their page is tested in the browser too.
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "scope", "org"], { cwd: app });
  // And a live package beside it, mounted at /kb, so a package's pages are tested in the
  // browser too (its migration's version chosen apart from the app's, made this second).
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "package", "kb", "--zero-live-path", root, "--timestamp", "20250101000000"], { cwd: dir });
  execFileSync(join(targetDir, "debug/zerogen"), ["-q", "mount", "../kb", "--at", "/kb"], { cwd: app });
  const security = join(app, "spec/security.toml");
  writeFileSync(security, readFileSync(security, "utf8").replace(/sudo_window_secs = \d+/, "sudo_window_secs = 60"));
  execFileSync("cargo", ["build", "-q"], { cwd: app, env: { ...process.env, CARGO_TARGET_DIR: targetDir }, stdio: "inherit" });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // No APP_URL: a development build's mailed links follow the port it serves on.
  const env = { ...process.env, PORT: String(port) };
  delete env.APP_URL;
  server = spawn(join(targetDir, "debug/demo"), [], { cwd: app, env, stdio: "ignore" });
  await serving(`${base}/health`, 200);
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(path, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(base + path);
  // A live page connects; a page that is not live has no live root.
  if ((await page.locator("[data-zl-root]").count()) > 0) {
    await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  }
  return { page, errors, context };
}

test("the_generated_app_patches_navigates_and_shows_a_flash_without_reloading", async () => {
  const { page, errors, context } = await open("/");
  await page.evaluate(() => (window.__sameDocument = true));
  await page.click("#step-5");
  await page.waitForFunction(() => document.querySelector(".subtitle").textContent.includes("Steps of 5"));
  assert.equal(new URL(page.url()).search, "?step=5");
  await page.click("#inc");
  await page.waitForFunction(() => document.querySelector("#tally").textContent === "5");
  await page.click("nav[aria-label=Main] a[href='/about']");
  await page.waitForSelector("dl.list");
  assert.equal(await page.title(), "About");
  assert.equal(await page.getAttribute("nav[aria-label=Main] a[href='/about']", "aria-current"), "page");
  await page.click("#back-home");
  await page.waitForSelector("#tally");
  // The reset dialog: opened by JS commands, the flash after the server resets.
  await page.click("#open-reset");
  await page.click("#reset-confirm");
  await page.waitForFunction(() => document.querySelector("#zl-flash [data-kind=info]")?.textContent === "The tally is back to zero.");
  assert.equal(await page.isHidden("#reset-dialog"), true);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the_dashboard_shows_sessions_by_view_and_events_live_every_second", async () => {
  const dash = await open("/dev/dashboard");
  const home = await open("/");
  const figure = (id) => dash.page.$eval(`#${id} dd`, (dd) => dd.textContent.trim());
  // The first tick after both joined: two sessions, each on its view, and a window of a second.
  await dash.page.waitForFunction(() => /^2 of /.test(document.querySelector("#zd-sessions dd").textContent.trim()), null, { timeout: 5_000 });
  await dash.page.waitForFunction(() => document.querySelector("#zd-window").textContent.startsWith("the last "));
  const views = await dash.page.$$eval("#zd-views tbody tr", (rows) => rows.map((r) => [r.querySelector("th").textContent.trim(), r.querySelector("td").textContent.trim()]));
  assert.deepEqual(views.filter(([, sessions]) => sessions !== "0").map(([view]) => view).sort(), ["demo::web::live::home::Home", "zero_dashboard::web::live::dashboard::Dashboard"]);
  // Clicks on the home page show as events per second and in the home view's row, the busiest.
  for (let i = 0; i < 20; i++) await home.page.click("#inc");
  await home.page.waitForFunction(() => document.querySelector("#tally").textContent === "20");
  await dash.page.waitForFunction(() => {
    const top = document.querySelector("#zd-views tbody tr");
    return top.querySelector("th").textContent.includes("home::Home") && Number(top.querySelectorAll("td")[1].textContent) > 0;
  }, null, { timeout: 5_000 });
  assert.match(await figure("zd-p99"), /^[0-9.]+ (µs|ms)$/);
  assert.match(await figure("zd-memory"), /^[0-9.]+ MiB$/);
  // The page loads counted as requests, and the dashboard's own topic among the PubSub topics.
  assert.ok(Number(await dash.page.$eval("#zd-http tbody tr:nth-child(2) td:last-child", (td) => td.textContent)) >= 2);
  assert.ok((await dash.page.$$eval("#zd-topics tbody th", (ths) => ths.map((th) => th.textContent))).includes("zero_dashboard:tick"));
  // The home page leaves: its session goes from the next tick.
  await home.context.close();
  await dash.page.waitForFunction(() => /^1 of /.test(document.querySelector("#zd-sessions dd").textContent.trim()), null, { timeout: 5_000 });
  assert.deepEqual(dash.errors, []);
  await dash.context.close();
});

test("the_modal_opens_traps_focus_and_closes_with_the_keyboard", async () => {
  const { page, errors, context } = await open("/");
  await page.focus("#open-reset");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#reset-dialog:not([hidden])");
  assert.equal(await page.evaluate(() => document.activeElement.id), "reset-cancel");
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Tab");
    assert.ok(await page.evaluate(() => document.querySelector("#reset-dialog").contains(document.activeElement)), `tab ${i}`);
  }
  await page.keyboard.press("Shift+Tab");
  assert.ok(await page.evaluate(() => document.querySelector("#reset-dialog").contains(document.activeElement)));
  await page.keyboard.press("Escape");
  await page.waitForSelector("#reset-dialog[hidden]", { state: "attached" });
  assert.equal(await page.textContent("#tally"), "0", "closing does not reset");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the_theme_toggle_switches_and_remembers_light_dark_and_system", async () => {
  const { page, errors, context } = await open("/about");
  await page.click("[data-theme-choice=dark]");
  assert.equal(await page.getAttribute("html", "data-theme"), "dark");
  assert.equal(await page.getAttribute("[data-theme-choice=dark]", "aria-pressed"), "true");
  // A server render does not undo the toggle's state.
  await page.click("#back-home");
  await page.waitForSelector("#tally");
  await page.click("#inc");
  await page.waitForFunction(() => document.querySelector("#tally").textContent === "1");
  assert.equal(await page.getAttribute("[data-theme-choice=dark]", "aria-pressed"), "true");
  await page.reload();
  await page.waitForSelector("[data-zl-root].zl-connected");
  assert.equal(await page.getAttribute("html", "data-theme"), "dark", "remembered");
  await page.click("[data-theme-choice=system]");
  assert.equal(await page.getAttribute("html", "data-theme"), null);
  assert.deepEqual(errors, []);
  await context.close();
});

test("tabs_pagination_and_dropdown_work_with_mouse_and_keyboard", async () => {
  const { page, errors, context } = await open("/components");
  await page.evaluate(() => (window.__sameDocument = true));
  // Tabs: arrow keys move and select; the URL keeps the selection.
  await page.focus("#tab-overview");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.querySelector("#tab-details").getAttribute("aria-selected") === "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-details");
  assert.equal(await page.isHidden("#panel-overview"), true);
  assert.match(page.url(), /tab=details/);
  await page.keyboard.press("Home");
  await page.waitForFunction(() => document.querySelector("#tab-overview").getAttribute("aria-selected") === "true");
  // Pagination: next, then a numbered page, each a live patch.
  await page.click(".pagination a[rel=next]");
  await page.waitForFunction(() => document.querySelector("#page").textContent === "Page 2 of 12");
  await page.click(".pagination a:text-is('4')");
  await page.waitForFunction(() => document.querySelector("#page").textContent === "Page 4 of 12");
  assert.equal(await page.getAttribute(".pagination [aria-current=page]", "href"), "/components?tab=overview&page=4");
  // Dropdown: a click opens it, Escape and a click elsewhere close it.
  await page.click("#more button");
  assert.equal(await page.isVisible("#more-menu"), true);
  await page.keyboard.press("Escape");
  assert.equal(await page.isHidden("#more-menu"), true);
  await page.click("#more button");
  await page.click("#page");
  assert.equal(await page.isHidden("#more-menu"), true);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the_table_removes_rows_shows_its_empty_state_and_the_flash_dismisses", async () => {
  const { page, errors, context } = await open("/components");
  await page.evaluate(() => (window.__sameDocument = true));
  // Row actions: each Remove is an event; the last one leaves the empty state.
  for (const name of ["modal", "button", "table"]) {
    await page.click(`#row-${name} button`);
    await page.waitForSelector(`#row-${name}`, { state: "detached" });
  }
  await page.waitForSelector(".table-empty td:has-text('No components listed.')");
  await page.click(".table-empty button:text-is('Restore')");
  await page.waitForSelector("#row-modal");
  assert.equal(await page.locator("#catalog tbody tr[id^=row-]").count(), 3);
  // The in-page flash hides itself without a round trip.
  assert.equal(await page.isVisible("#gallery-note"), true);
  await page.click("#gallery-note .flash-close");
  assert.equal(await page.isHidden("#gallery-note"), true);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the_signup_form_shows_errors_live_and_subscribes_once_valid", async () => {
  const { page, errors, context } = await open("/components");
  await page.evaluate(() => (window.__sameDocument = true));
  await page.fill("#signup_email", "nobody");
  await page.waitForSelector("#signup_email-errors .field-error:text('is not an email address')");
  assert.equal(await page.getAttribute("#signup_email", "aria-invalid"), "true");
  // The invalid field is drawn in the error colour, the others in the border colour.
  const border = (selector) => page.$eval(selector, (el) => getComputedStyle(el).borderTopColor);
  const errorColor = await page.$eval("#signup_email-errors .field-error", (el) => getComputedStyle(el).color);
  assert.equal(await border("#signup_email"), errorColor, "an invalid input has a red border");
  assert.notEqual(await border("#signup_name"), errorColor, "a valid input does not");
  assert.equal(await page.locator("#signup_name-errors .field-error").count(), 0, "untouched fields stay quiet");
  await page.fill("#signup_name", "Ada");
  await page.fill("#signup_email", "ada@example.com");
  await page.waitForSelector("#signup_email-errors .field-error", { state: "detached" });
  assert.notEqual(await border("#signup_email"), errorColor, "a corrected input loses the red border");
  await page.selectOption("#signup_plan", "pro");
  await page.check("input[name='signup[contact]'][value=none]");
  await page.selectOption("#signup_topics", ["news", "jobs"]);
  // Submitting without the terms shows that error and subscribes nobody.
  await page.click("#signup button[type=submit]");
  await page.waitForSelector("#signup_terms-errors .field-error:text('must be accepted')");
  // The server's render keeps both topics chosen (a multiple select posts a list).
  const chosen = await page.$$eval("#signup_topics option", (os) => os.filter((o) => o.selected).map((o) => o.value));
  assert.deepEqual(chosen, ["news", "jobs"]);
  assert.equal(await page.locator("#signup_topics-errors .field-error").count(), 0);
  await page.check("#signup_terms");
  await page.click("#signup button[type=submit]");
  await page.waitForSelector("#zl-flash :text('Subscribed Ada.')");
  await page.waitForFunction(() => document.querySelector("#signup_name").value === "");
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a_resource_is_created_edited_and_deleted_live_and_a_second_tab_follows", async () => {
  const first = await open("/posts/new");
  const second = await open("/posts");
  const { page } = first;
  // Invalid input shows errors as the user types; nothing is saved.
  await page.fill("#post_title", "x");
  await page.fill("#post_title", "");
  await page.waitForSelector("#post_title-errors .field-error:text(\"can't be blank\")");
  await page.click("#post-form button[type=submit]");
  await page.waitForSelector("#post_body-errors .field-error");
  assert.equal(await second.page.locator("#posts tbody tr[id^=post-]").count(), 0);
  // Fixed and saved: the show page, a flash, and the row in the other tab without a reload.
  await second.page.evaluate(() => (window.__sameDocument = true));
  await page.fill("#post_title", "Hello");
  await page.fill("#post_body", "World");
  await page.check("#post_published");
  await page.click("#post-form button[type=submit]");
  await page.waitForSelector("#zl-flash :text('Post created.')");
  await page.waitForSelector("dd:text('Hello')");
  await second.page.waitForSelector("#posts tbody tr[id^=post-] td:text('Hello')");
  // Edit in the page's modal: Escape closes it; a blank title is refused inside it; saving
  // closes it and updates the page and the other tab.
  await page.click("#post-edit");
  await page.waitForSelector("#post-editor:not([hidden])");
  assert.equal(await page.evaluate(() => document.activeElement.id), "post_title", "the first field has focus");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#post-editor", { state: "hidden" });
  await page.click("#post-edit");
  await page.waitForSelector("#post-editor:not([hidden])");
  await page.fill("#post-editor #post_title", "");
  await page.click("#post-edit-form button[type=submit]");
  await page.waitForSelector("#post-editor #post_title-errors .field-error");
  assert.equal(await page.isVisible("#post-editor"), true, "refused values stay in the modal");
  await page.fill("#post-editor #post_title", "Hello modal");
  await page.click("#post-edit-form button[type=submit]");
  await page.waitForSelector("#post-editor", { state: "hidden" });
  await page.waitForSelector("dd:text('Hello modal')");
  await page.waitForSelector("#zl-flash :text('Post updated.')");
  await second.page.waitForSelector("#posts td:text('Hello modal')");
  // Edit from the index; the other tab follows.
  await page.click("a:text('Back to posts')");
  await page.waitForSelector("#posts td:text('Hello modal')");
  await page.click("#posts a:text('Edit')");
  await page.waitForSelector("#post-form #post_title");
  assert.equal(await page.inputValue("#post_title"), "Hello modal");
  await page.fill("#post_title", "Hello again");
  await page.click("#post-form button[type=submit]");
  await page.waitForSelector("#zl-flash :text('Post updated.')");
  await second.page.waitForSelector("#posts td:text('Hello again')");
  // Back returns to the form's page, forward to the post.
  await page.goBack();
  await page.waitForSelector("#post_title");
  await page.goForward();
  await page.waitForSelector("dd:text('Hello again')");
  // Delete asks first; dismissing keeps the row, accepting deletes it in both tabs.
  await page.click("a:text('Back to posts')");
  await page.waitForSelector("#posts td:text('Hello again')");
  page.once("dialog", (d) => d.dismiss());
  await page.click("#posts button:text('Delete')");
  assert.equal(await page.locator("#posts tbody tr[id^=post-]").count(), 1);
  page.once("dialog", (d) => d.accept());
  await page.click("#posts button:text('Delete')");
  await page.waitForSelector("#zl-flash :text('Post deleted.')");
  await page.waitForSelector(".table-empty td:text('No posts yet.')");
  await second.page.waitForSelector("#posts .table-empty");
  assert.equal(await second.page.evaluate(() => window.__sameDocument), true, "the second tab never reloaded");
  assert.deepEqual(first.errors, []);
  assert.deepEqual(second.errors, []);
  await first.context.close();
  await second.context.close();
});

test("an_upload_field_refuses_a_renamed_executable_then_previews_sends_keeps_and_shows_a_photo", async () => {
  const { page, errors, context } = await open("/photos/new");
  // An executable named .png: refused by its first bytes, and the save waits for a good file.
  const elf = Buffer.alloc(4096);
  Buffer.from("7f454c46020101", "hex").copy(elf);
  await page.setInputFiles("#photo_image", { name: "tool.png", mimeType: "image/png", buffer: elf });
  await page.waitForSelector("#photo_image-entries [data-code=content_mismatch]");
  await page.fill("#photo_caption", "A cat");
  await page.click("#photo-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#photo_image-errors").textContent.includes("could not be uploaded"));
  assert.equal(new URL(page.url()).pathname, "/photos/new", "nothing saved");
  await page.click("#photo_image-entries button[aria-label='Cancel tool.png']");
  await page.waitForFunction(() => document.querySelectorAll("#photo_image-entries li").length === 0);
  // A photo: previewed from the browser's copy, sent, then kept when the form is saved.
  await page.setInputFiles("#photo_image", { name: "cat.png", mimeType: "image/png", buffer: Buffer.from(TINY_PNG, "base64") });
  await page.waitForFunction(() => document.querySelector("#photo_image-entries img")?.src.startsWith("blob:"));
  await page.waitForFunction(() => document.querySelector("#photo_image-entries progress")?.value === 100);
  await page.click("#photo-form button[type=submit]");
  await page.waitForURL(/\/photos\/\d+$/);
  // The page shows it through a link signed for an hour.
  await page.waitForFunction(() => {
    const img = document.querySelector("#photo-image img");
    return img?.complete && img.naturalWidth === 1;
  });
  const href = await page.getAttribute("#photo-image", "href");
  assert.match(href, /^\/files\/photos\/image\/[0-9a-f]{32}\.png\?expires=\d+&sig=[0-9a-f]{64}$/);
  const read = await page.request.get(base + href);
  assert.equal(read.status(), 200);
  assert.equal(read.headers()["content-type"], "image/png");
  assert.deepEqual(Buffer.from(await read.body()), Buffer.from(TINY_PNG, "base64"));
  assert.equal((await page.request.get(base + href.split("?")[0])).status(), 403, "unsigned");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a_mounted_package_refuses_a_blank_entry_adds_one_live_and_a_second_tab_follows", async () => {
  const first = await open("/kb");
  const second = await open("/kb");
  const { page } = first;
  await second.page.evaluate(() => (window.__sameDocument = true));
  // The package's styles are loaded with the app's.
  const border = await page.evaluate(() => getComputedStyle(document.querySelector(".kb-package")).maxWidth);
  assert.equal(border, "640px");
  // A blank entry is refused on its field, and nothing is listed.
  await page.click("#entry-form button[type=submit]");
  await page.waitForSelector("#entry_body-errors p");
  assert.equal(await page.getAttribute("#entry_body", "aria-invalid"), "true");
  assert.equal(await second.page.locator("#kb-entries li").count(), 0);
  // Added: listed here and in the other tab, the form emptied, a flash.
  await page.fill("#entry_body", "Ask before you deploy");
  await page.click("#entry-form button[type=submit]");
  await page.waitForSelector("#zl-flash :text('Entry added.')");
  await page.waitForSelector("#kb-entries li:has-text('Ask before you deploy')");
  assert.equal(await page.inputValue("#entry_body"), "");
  await second.page.waitForSelector("#kb-entries li:has-text('Ask before you deploy')");
  // Its page, under the mount, over the same socket; the crumbs lead back.
  await page.click("#kb-entries a:text('Open')");
  await page.waitForSelector("h1:text('Entry 1')");
  assert.equal(new URL(page.url()).pathname, "/kb/1");
  await page.click(".kb-crumbs a:text('Home')");
  await page.waitForSelector("#tally");
  assert.equal(await second.page.evaluate(() => window.__sameDocument), true, "the second tab never reloaded");
  assert.deepEqual(first.errors, []);
  assert.deepEqual(second.errors, []);
  await first.context.close();
  await second.context.close();
});

test("axe_core_finds_no_accessibility_violations_on_the_generated_pages_in_light_and_dark", async () => {
  const pages = ["/", "/about", "/components?tab=details&page=6", "/posts", "/posts/new", "/memos", "/memos/new", "/photos/new", "/users/register", "/users/log-in", "/dev/mailbox", "/kb", "/dev/dashboard", "/no/such/page"];
  // Each page in each scheme is kept as a screenshot (target/screenshots/new-app/SCHEME/).
  const shots = join(targetDir, "screenshots", "new-app");
  for (const scheme of ["light", "dark"]) {
    mkdirSync(join(shots, scheme), { recursive: true });
    for (const path of pages) {
      // axe is injected by the test, so this context lets it past the page's CSP.
      const { page, context } = await open(path, { bypassCSP: true, colorScheme: scheme });
      // The theme follows the system's scheme: the tokens of this one are in force.
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, scheme === "dark" ? "rgb(13, 17, 23)" : "rgb(255, 255, 255)", `${scheme} ${path}`);
      await page.evaluate(axe);
      // Colour contrast included: every text colour of the theme, on every page, in both schemes.
      const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
      const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      assert.deepEqual(violations, [], `${scheme} ${path}`);
      const name = path.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "") || "home";
      await page.screenshot({ path: join(shots, scheme, `${name}.png`), fullPage: true });
      // The page says its title once: one heading of the first level, and no second-level
      // heading repeating it.
      const headings = await page.$$eval("h1, h2", (hs) => hs.map((h) => `${h.tagName} ${h.textContent.trim()}`));
      const first = headings.filter((h) => h.startsWith("H1 "));
      assert.equal(first.length, 1, `${path}: ${headings.join(" | ")}`);
      assert.ok(!headings.includes(`H2 ${first[0].slice(3)}`), `${path}: ${headings.join(" | ")}`);
      await context.close();
    }
  }
});

test("a_flash_toast_stays_clear_of_the_header_and_goes_away_by_itself_but_not_while_hovered", async () => {
  const context = await browser.newContext();
  await context.clock.install();
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(`${base}/`);
  await page.waitForSelector("[data-zl-root].zl-connected");
  await page.click("#open-reset");
  await page.click("#reset-confirm");
  const toast = "#zl-flash [data-kind=info]";
  await page.waitForSelector(toast);
  const box = await page.locator(toast).boundingBox();
  const header = await page.locator(".app-header").boundingBox();
  assert.ok(box.y > header.y + header.height, `the toast (${box.y}) is below the header's controls`);
  await page.hover(toast);
  await context.clock.runFor(6_000);
  assert.equal(await page.locator(toast).count(), 1, "hovered past its 5 s: it stays");
  await page.mouse.move(1, 1);
  await context.clock.runFor(1_500);
  await page.waitForSelector(toast, { state: "detached" });
  assert.deepEqual(errors, []);
  await context.close();
});

test("an_unknown_path_shows_page_not_found_in_the_layout_with_the_favicon", async () => {
  const { page, errors, context } = await open("/no/such/page");
  const response = await page.goto(`${base}/no/such/page`);
  assert.equal(response.status(), 404);
  assert.equal(await page.title(), "Page not found");
  assert.equal(await page.textContent("h1"), "Page not found");
  assert.equal(await page.locator(".app-header nav a").count() > 0, true, "the app's navigation");
  const icon = await page.getAttribute("link[rel=icon]", "href");
  const fetched = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return [r.status, r.headers.get("content-type")];
  }, icon);
  assert.deepEqual(fetched, [200, "image/svg+xml"]);
  await page.click("#not-found-home");
  await page.waitForURL(`${base}/`);
  // The page's own 404, twice (opened, then fetched for its status), is the only one.
  assert.deepEqual(errors, [`404 ${base}/no/such/page`, `404 ${base}/no/such/page`]);
  await context.close();
});

test("pages_that_are_not_live_post_forms_show_errors_and_flashes_and_delete", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(`${base}/memos`);
  await page.waitForSelector("#memos :text('No memos yet.')");
  assert.equal(await page.locator("[data-zl-root]").count(), 0, "not live");
  await page.click("a:text('New memo')");
  await page.waitForURL(`${base}/memos/new`);
  // An empty title: the form comes back (422) with the error on its field, the body kept.
  await page.fill("#memo_body", "kept");
  await page.click("#memo-form button[type=submit]");
  await page.waitForSelector("#memo_title-errors .field-error");
  assert.equal(await page.inputValue("#memo_body"), "kept");
  await page.fill("#memo_title", "Groceries");
  await page.click("#memo-form button[type=submit]");
  await page.waitForURL(/\/memos\/\d+$/);
  await page.waitForSelector(".zl-flash-info:text('Memo created.')");
  await page.waitForSelector("dd:text('Groceries')");
  // Back, the row is listed; delete it with its button.
  await page.goto(`${base}/memos`);
  await page.click("tr[id^=memo-] button:text('Delete')");
  await page.waitForSelector(".zl-flash-info:text('Memo deleted.')");
  await page.waitForSelector("#memos :text('No memos yet.')");
  assert.deepEqual(errors, [`422 ${base}/memos`], "only the refused form's answer");
  await context.close();
});

/** The last link `useMailedLink` followed (links are mailed after the page answers). */
let lastLink = null;

/** Opens the newest login link of the dev mailbox in `page`, once a new one has arrived, and
 * confirms it. */
async function useMailedLink(page) {
  let link = null;
  for (let i = 0; i < 100 && (link === null || link === lastLink); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    await page.goto(`${base}/dev/mailbox`);
    const newest = page.locator("article:first-of-type a[href*='/users/log-in/']");
    link = (await newest.count()) > 0 ? await newest.getAttribute("href") : null;
  }
  assert.ok(link && link !== lastLink, "a new link was mailed");
  lastLink = link;
  await page.goto(link);
  await page.waitForSelector("#confirm-form");
  await page.click("#confirm-form button[type=submit]");
}

/** Asks for a login link for `email` on the login page `page` is on. */
async function askForLink(page, email) {
  await page.waitForSelector("[data-zl-root].zl-connected");
  await page.fill("#user_email", email);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#link-sent");
}

/** Logs in with the password form of the login page `page` is on. */
async function logInWithPassword(page, email, password) {
  if (email !== null) await page.fill("#login_email", email);
  await page.fill("#login_password", password);
  await page.click("#password-login-form button[type=submit]");
}

const PASSWORD = "correct horse battery";

test("accounts_register_by_mailed_link_set_a_password_need_a_recent_login_and_log_out_everywhere", async () => {
  // axe is injected into the settings page, so this context lets it past the page's CSP.
  const laptop = await open("/users/register", { bypassCSP: true });
  const { page } = laptop;
  // Registration: an invalid address is refused as typed; a valid one gets a link. The
  // validation round trips leave the submit button as it is (z-disable-with is for submits).
  await page.evaluate(() => {
    const button = document.querySelector("#registration-form button[type=submit]");
    window.__buttonChanges = [];
    new MutationObserver((changes) => window.__buttonChanges.push(...changes.map((c) => c.type))).observe(button, {
      attributes: true,
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  // A visitor's account menu offers the way in.
  assert.equal(await page.textContent(".account-menu a[href='/users/log-in']"), "Log in");
  assert.equal(await page.locator(".account-menu .account-email").count(), 0);
  await page.fill("#user_email", "ann");
  await page.waitForSelector("#user_email-errors .field-error");
  assert.deepEqual(await page.evaluate(() => window.__buttonChanges), [], "validation does not touch the button");
  await page.fill("#user_email", "ann@example.com");
  await page.click("#registration-form button[type=submit]");
  await page.waitForSelector("#registered");
  await useMailedLink(page);
  await page.waitForSelector("#zl-flash :text('Welcome back!')");
  // A protected live page.
  await page.goto(`${base}/users/settings`);
  await page.waitForSelector("[data-zl-root].zl-connected");
  assert.equal(await page.textContent("#current-email"), "ann@example.com");
  // Signed in, the account menu shows who, on every page (and axe checks it below).
  assert.equal(await page.textContent(".account-menu .account-email"), "ann@example.com");
  assert.equal(await page.locator(".account-menu a[href='/users/log-in']").count(), 0);
  await page.evaluate(axe);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  assert.deepEqual(result.violations.map((v) => v.id), [], "/users/settings");
  // A password, set in the settings (the login is fresh).
  await page.fill("#password", PASSWORD);
  await page.fill("#password_confirmation", PASSWORD);
  await page.click("#password-form button[type=submit]");
  await page.waitForSelector("#zl-flash :text('Password updated.')");
  // A second browser logs in with it and logs out everywhere: the laptop's live page loses its
  // session without a reload of its own and lands on the login page.
  const phone = await open("/users/log-in");
  await logInWithPassword(phone.page, "ann@example.com", "not the password");
  await phone.page.waitForSelector("#zl-flash :text('Invalid email or password.')");
  await logInWithPassword(phone.page, "ann@example.com", PASSWORD);
  await phone.page.waitForURL(`${base}/`);
  await phone.page.goto(`${base}/users/settings`);
  await phone.page.waitForSelector("[data-zl-root].zl-connected");
  await phone.page.click("#log-out-everywhere");
  await phone.page.waitForURL(/\/users\/log-in/);
  await page.waitForURL(/\/users\/log-in\?return_to=\/users\/settings/, { timeout: 15_000 });
  await page.waitForSelector("#zl-flash :text('You must log in to access this page.')");
  // Logged in again, and then the login grows stale: the settings ask for a fresh one and
  // come back after it.
  await askForLink(page, "ann@example.com");
  const loggedInAt = Date.now();
  await useMailedLink(page);
  await page.waitForURL(`${base}/users/settings`);
  await page.waitForSelector("#current-email");
  // Past the 60-second window (bounded: one minute of this test's time).
  await new Promise((r) => setTimeout(r, Math.max(0, 62_000 - (Date.now() - loggedInAt))));
  await page.goto(`${base}/users/settings`);
  await page.waitForURL(/\/users\/log-in\?return_to=\/users\/settings/);
  await page.waitForSelector("#zl-flash :text('You must log in again to access this page.')");
  assert.equal(await page.inputValue("#user_email"), "ann@example.com", "the address is known");
  assert.equal(await page.inputValue("#login_email"), "ann@example.com");
  // This time with the password, and back to the settings.
  await logInWithPassword(page, null, PASSWORD);
  await page.waitForURL(`${base}/users/settings`);
  await page.waitForSelector("#current-email");
  assert.deepEqual(laptop.errors, []);
  assert.deepEqual(phone.errors, []);
  await laptop.context.close();
  await phone.context.close();
});

test("organizations_are_created_switched_and_their_members_managed_in_the_browser_in_light_and_dark", async () => {
  const { page, errors, context } = await open("/users/register", { bypassCSP: true });
  await page.fill("#user_email", "olga@example.com");
  await page.click("#registration-form button[type=submit]");
  await page.waitForSelector("#registered");
  await useMailedLink(page);
  await page.waitForSelector("#zl-flash :text('Welcome back!')");
  // The account menu links to the organizations.
  await page.click(".account-menu a[href='/orgs']");
  await page.waitForSelector("[data-zl-root].zl-connected");
  await page.waitForSelector("#no-orgs");
  // A name is required, as typed; then two organizations.
  await page.fill("#org_name", " ");
  await page.click("#new-org-form button[type=submit]");
  await page.waitForSelector("#org_name-errors .field-error");
  for (const name of ["Acme", "Beta"]) {
    await page.fill("#org_name", name);
    await page.click("#new-org-form button[type=submit]");
    await page.waitForSelector(`#orgs td:text-is('${name}')`);
  }
  // The first is current; the other is a switch away (a form post, then the page again).
  const rows = page.locator("#orgs tbody tr");
  assert.equal(await rows.count(), 2);
  assert.equal(await rows.nth(0).locator(".current").count(), 1);
  await rows.nth(1).locator("button[type=submit]").click();
  await page.waitForSelector("#zl-flash :text('Switched.')");
  await page.waitForSelector("[data-zl-root].zl-connected");
  assert.equal(await page.locator("#orgs tbody tr").nth(1).locator(".current").count(), 1);
  // Members: she is the owner; an address with no account is refused on its field.
  assert.equal(await page.textContent("#members tbody td"), "olga@example.com");
  await page.fill("#member_email", "nobody@example.com");
  await page.click("#member-form button[type=submit]");
  await page.waitForSelector("#member_email-errors :text('no account has that email')");
  // axe, in both schemes.
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(axe);
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
    const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    assert.deepEqual(violations, [], `${scheme} /orgs`);
    mkdirSync(join(targetDir, "screenshots", "new-app", scheme), { recursive: true });
    await page.screenshot({ path: join(targetDir, "screenshots", "new-app", scheme, "orgs.png"), fullPage: true });
  }
  assert.deepEqual(errors, []);
  await context.close();
});
