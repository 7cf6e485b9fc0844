// The counter example in a real browser: Playwright (playwright-core) driving Debian's chromium,
// against `counter` served on 127.0.0.1. Run: node --test tests/browser/ (after `cargo build -p
// counter`; ZL_COUNTER names the binary, default the workspace's target/debug/counter).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { collectErrors, counterBinary, freePort, launchChromium, serving } from "./support.mjs";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url).pathname;

let server;
let browser;
let base;

// Tokens signed with this key survive a restart of the server with the same key.
const SECRET = "browser-tests-secret-key-of-at-least-32-bytes";

async function startServer(port, secret = SECRET) {
  const env = { ...process.env, PORT: String(port), SECRET_KEY_BASE: secret };
  const child = spawn(counterBinary(), [], { env, stdio: "ignore" });
  try {
    await serving(`http://127.0.0.1:${port}/clicks`);
  } catch (e) {
    child.kill();
    throw e;
  }
  return child;
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startServer(port);
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function livePage(path) {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(base + path);
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  return { page, errors };
}

test("the_page_renders_before_the_socket_joins_and_then_goes_live_under_a_strict_csp", async () => {
  const response = await fetch(base + "/clicks");
  assert.match(response.headers.get("content-security-policy"), /script-src 'self'/);
  const html = await response.text();
  assert.match(html, /<p>Count: 0<\/p>/);
  assert.doesNotMatch(html, /<script>/);
  const { page, errors } = await livePage("/clicks");
  assert.equal(await page.textContent("p"), "Count: 0");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a_click_round_trip_updates_the_page", async () => {
  const { page, errors } = await livePage("/clicks");
  for (let i = 1; i <= 3; i++) {
    await page.click("button[z-click=inc]");
    await page.waitForFunction((n) => document.querySelector("p").textContent === `Count: ${n}`, i);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("a_form_submit_adds_a_keyed_row_and_keeps_the_typed_text_of_a_focused_input", async () => {
  const { page, errors } = await livePage("/");
  await page.fill("form[z-submit=add] input[name=name]", "first");
  await page.click("form[z-submit=add] button");
  await page.waitForSelector("#item-1");
  assert.match(await page.textContent("#item-1"), /first/);
  await page.fill("form[z-submit=add] input[name=name]", "second");
  await page.press("form[z-submit=add] input[name=name]", "Enter");
  await page.waitForSelector("#item-2");
  // Typing, then a server update elsewhere on the page: the field keeps focus and text.
  await page.fill("form[z-submit=add] input[name=name]", "draft");
  await page.focus("form[z-submit=add] input[name=name]");
  await page.evaluate(() => window.zeroLive && document.querySelector("button[z-click=reverse]").click());
  await page.waitForFunction(() => document.querySelector("ul li").id === "item-2");
  assert.equal(await page.inputValue("form[z-submit=add] input[name=name]"), "draft");
  assert.deepEqual(errors, []);
  await page.close();
});

test("an_injected_inline_script_is_blocked_by_the_policy", async () => {
  const { page } = await livePage("/clicks");
  const violations = [];
  page.on("console", (m) => /Content Security Policy/.test(m.text()) && violations.push(m.text()));
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__injected = true";
    document.body.appendChild(s);
  });
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => window.__injected === true), false);
  assert.ok(violations.length >= 1, "the browser reports the blocked script");
  await page.close();
});

/** Stops the server, waits for `page` (if any) to notice, and starts it again with `secret`. */
async function restart(page, secret = SECRET) {
  const port = Number(new URL(base).port);
  const stopped = new Promise((resolve) => server.once("exit", resolve));
  server.kill();
  await stopped;
  await page?.waitForSelector("[data-zl-root].zl-disconnected", { timeout: 10_000 });
  server = await startServer(port, secret);
}

test("after_a_restart_with_a_new_key_the_page_reloads_into_a_fresh_session", async () => {
  const { page } = await livePage("/clicks");
  await page.evaluate(() => (window.__beforeRestart = true));
  await restart(page, "another-secret-key-of-at-least-32-bytes-long");
  // The old token does not verify: the join is refused and the page reloads by itself.
  await page.waitForFunction(() => window.__beforeRestart === undefined, null, { timeout: 15_000 });
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  await page.click("button[z-click=inc]");
  await page.waitForFunction(() => document.querySelector("p").textContent === "Count: 1");
  await page.close();
  // Back to the shared key for the tests that follow.
  await restart(null);
});

test("after_a_restart_the_page_rejoins_and_recovers_typed_form_input", async () => {
  const { page, errors } = await livePage("/");
  await page.evaluate(() => (window.__sameDocument = true));
  await page.fill("#draft input[name=note]", "unsaved words");
  await page.press("#draft input[name=note]", "Tab");
  await page.waitForFunction(() => document.querySelector(".draft").textContent === "Draft: unsaved words");
  await restart(page);
  // The same page (no reload) rejoins; the fresh server learns the draft from the form.
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector(".draft").textContent === "Draft: unsaved words");
  assert.equal(await page.inputValue("#draft input[name=note]"), "unsaved words");
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  assert.ok((await page.evaluate(() => window.hookLog)).includes("reconnected"));
  assert.ok((await page.evaluate(() => window.hookLog)).includes("disconnected"));
  assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket/.test(e)), []);
  await page.close();
});

test("after_a_restart_a_page_reached_by_live_navigation_rejoins_its_view_and_keeps_the_draft", async () => {
  // Loaded as the notes page, then navigated live to the counter: the page's first token is
  // the notes'.
  const { page, errors } = await livePage("/notes");
  await page.evaluate(() => (window.__sameDocument = true));
  await page.click("#back-home");
  await page.waitForSelector("#draft");
  assert.equal(new URL(page.url()).pathname, "/");
  await page.fill("#draft input[name=note]", "words typed after navigating");
  await page.press("#draft input[name=note]", "Tab");
  await page.waitForFunction(() => document.querySelector(".draft").textContent === "Draft: words typed after navigating");
  await restart(page);
  // The page rejoins the counter it shows (with the token the navigate sent), recovers the
  // draft and never reloads.
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector(".draft").textContent === "Draft: words typed after navigating");
  assert.equal(await page.inputValue("#draft input[name=note]"), "words typed after navigating");
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  assert.equal(await page.$("#zl-banner"), null);
  assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket/.test(e)), []);
  await page.close();
});

test("two_restarts_within_a_minute_show_a_banner_that_retries_and_reloads_and_never_give_up", async () => {
  const { page } = await livePage("/clicks");
  await page.evaluate(() => sessionStorage.removeItem("zl-reloaded"));
  await page.evaluate(() => (window.__first = true));
  // A new key: the token is refused and the page reloads itself (its one reload a minute).
  await restart(page, "a-second-secret-key-of-at-least-32-bytes-long");
  await page.waitForFunction(() => window.__first === undefined, null, { timeout: 15_000 });
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  await page.evaluate(() => (window.__second = true));
  // Another new key within the minute: no reload yet, a banner says so, and the page goes on
  // trying.
  await restart(page, "a-third-secret-key-of-at-least-32-bytes-long!");
  const banner = await page.waitForSelector("#zl-banner[role=alert]", { timeout: 15_000 });
  assert.match(await banner.textContent(), /lost its connection to the server and keeps trying/);
  assert.equal(await page.evaluate(() => window.__second), true, "no reload within the minute");
  // Once the minute is over, the next try reloads by itself.
  await page.evaluate(() => sessionStorage.setItem("zl-reloaded", String(Date.now() - 61_000)));
  await page.waitForFunction(() => window.__second === undefined, null, { timeout: 20_000 });
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  assert.equal(await page.$("#zl-banner"), null);
  // And the banner's button reloads at once.
  await page.evaluate(() => (window.__third = true));
  await restart(page, SECRET);
  await page.waitForSelector("#zl-banner button", { timeout: 15_000 });
  await page.click("#zl-banner button");
  await page.waitForFunction(() => window.__third === undefined, null, { timeout: 15_000 });
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  await page.click("button[z-click=inc]");
  await page.waitForFunction(() => document.querySelector("p").textContent === "Count: 1");
  await page.close();
});

const count = (page) => page.$eval("h1", (h) => h.textContent);

test("debounced_input_sends_one_event_for_a_burst_of_typing", async () => {
  const { page, errors } = await livePage("/");
  await page.type("#search", "abc", { delay: 20 });
  await page.waitForFunction(() => /1 searches, last: abc/.test(document.querySelector(".searched").textContent));
  await page.waitForTimeout(400);
  assert.match(await page.textContent(".searched"), /^1 searches, last: abc$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("key_bindings_fire_only_for_their_key", async () => {
  const { page } = await livePage("/");
  await page.focus("#shortcut");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowUp");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: 1");
  await page.waitForTimeout(200);
  assert.equal(await count(page), "Count: 1", "ArrowDown sent nothing");
  await page.close();
});

test("data_confirm_cancels_or_lets_the_event_through", async () => {
  const { page } = await livePage("/");
  page.once("dialog", (d) => d.dismiss());
  await page.click("button[z-click=dec]");
  await page.waitForTimeout(200);
  assert.equal(await count(page), "Count: 0", "dismissed: nothing sent");
  page.once("dialog", (d) => d.accept());
  await page.click("button[z-click=dec]");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: -1");
  await page.close();
});

test("live_patch_links_and_back_forward_update_the_view_without_a_reload", async () => {
  const { page, errors } = await livePage("/");
  await page.evaluate(() => (window.__sameDocument = true));
  await page.click("#start-at-5");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: 5");
  assert.equal(new URL(page.url()).search, "?start=5");
  await page.goBack();
  await page.waitForFunction(() => location.search === "");
  await page.goForward();
  await page.waitForFunction(() => location.search === "?start=5");
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  assert.deepEqual(errors, []);
  await page.close();
});

const log = (page) => page.evaluate(() => window.hookLog);

test("hooks_mount_update_and_destroy_and_talk_to_the_server", async () => {
  const { page, errors } = await livePage("/");
  // mounted pushes `hooked`; the server answers with a render (pinged 1: updated) and a push.
  await page.waitForFunction(() => window.hookLog.includes("ping 0"));
  assert.deepEqual((await log(page)).slice(0, 3), ["mounted 0", "updated 1", "ping 0"]);
  assert.equal(await page.textContent(".pinged"), "Pinged: 1");
  await page.click("#toggle-ticker");
  await page.waitForFunction(() => window.hookLog.includes("destroyed"));
  assert.equal(await page.$("#ticker"), null);
  await page.click("#toggle-ticker");
  await page.waitForFunction(() => window.hookLog.filter((e) => e.startsWith("mounted")).length === 2);
  // The destroyed instance no longer hears pushes: one ping each for the live instance.
  await page.waitForFunction(() => window.hookLog.filter((e) => e.startsWith("ping")).length === 2);
  await page.waitForTimeout(100);
  assert.equal((await log(page)).filter((e) => e.startsWith("ping")).length, 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test("js_commands_run_in_the_browser_and_survive_server_patches", async () => {
  const { page, errors } = await livePage("/");
  const panel = () => page.$eval("#panel", (p) => ({ hidden: p.hidden, cls: p.className }));
  await page.click("#js-show");
  assert.equal((await panel()).hidden, false);
  await page.click("#js-hide");
  assert.equal((await panel()).hidden, true);
  await page.click("#js-toggle");
  assert.equal((await panel()).hidden, false);
  await page.click("#js-add-class");
  assert.equal((await panel()).cls, "panel lit big");
  await page.click("#js-remove-class");
  assert.equal((await panel()).cls, "panel big");
  // A server render does not undo what commands did.
  await page.click("button[z-click=inc]");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: 1");
  assert.deepEqual(await panel(), { hidden: false, cls: "panel big" });
  await page.click("#js-focus");
  assert.equal(await page.evaluate(() => document.activeElement.id), "search");
  await page.click("#js-dispatch");
  assert.ok((await log(page)).includes("poked 1"));
  await page.click("#js-push");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: 2");
  assert.match((await panel()).cls, /pushed/);
  await page.click("#js-toggle");
  assert.equal((await panel()).hidden, true);
  // Commands pushed by the server.
  await page.click("#server-exec");
  await page.waitForFunction(() => !document.querySelector("#panel").hidden);
  assert.match((await panel()).cls, /from-server/);
  await page.evaluate(() => (window.__sameDocument = true));
  await page.click("#js-patch");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: 7");
  assert.equal(new URL(page.url()).search, "?start=7");
  await page.click("#js-navigate");
  await page.waitForSelector("main.notes");
  assert.equal(new URL(page.url()).pathname, "/notes");
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "navigated without a load");
  assert.deepEqual(errors, []);
  await page.close();
});

test("attribute_transition_focus_exec_and_ignore_commands_run_and_survive_server_patches", async () => {
  const { page, errors } = await livePage("/");
  const warnings = [];
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  const attr = (name) => page.$eval("#panel", (p, name) => p.getAttribute(name), name);
  const inc = async (n) => {
    await page.click("button[z-click=inc]");
    await page.waitForFunction((n) => document.querySelector("h1").textContent === `Count: ${n}`, n);
  };
  // Attributes set, toggled between two values and removed; a server patch keeps each.
  await page.click("#js-set-attr");
  assert.equal(await attr("data-mode"), "bright");
  await inc(1);
  assert.equal(await attr("data-mode"), "bright");
  await page.click("#js-toggle-attr");
  assert.equal(await attr("aria-pressed"), "false");
  await page.click("#js-toggle-attr");
  assert.equal(await attr("aria-pressed"), "true");
  await page.click("#js-remove-attr");
  await inc(2);
  assert.equal(await attr("data-mode"), null);
  assert.equal(await attr("aria-pressed"), "true");
  // No event handler and no script URL goes in.
  await page.click("#js-bad-attr");
  assert.equal(await attr("onclick"), null);
  assert.equal(await page.getAttribute("#panel-link", "href"), "/clicks");
  assert.equal(warnings.filter((w) => /may not set/.test(w)).length, 2, warnings.join("\n"));
  // A transition's classes stay for its time, through a patch, then go.
  await page.click("#js-transition");
  assert.match(await page.$eval("#panel", (p) => p.className), /fading/);
  await inc(3);
  assert.match(await page.$eval("#panel", (p) => p.className), /fading/);
  await page.waitForFunction(() => !document.querySelector("#panel").classList.contains("fading"), null, { timeout: 2_000 });
  // A dialog takes focus to its first field and gives it back when it closes.
  await page.click("#js-open-dialog");
  assert.equal(await page.evaluate(() => document.activeElement.id), "dialog-first");
  await page.click("#dialog-close");
  assert.equal(await page.isHidden("#dialog"), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), "js-open-dialog");
  // Commands stored in an attribute run from elsewhere.
  await page.click("#js-exec");
  assert.equal(await page.isHidden("#panel"), false);
  assert.match(await page.$eval("#panel", (p) => p.className), /revealed/);
  // Without ignore_attributes a patch closes the details the user opened; with it, not.
  await page.click("#faq summary");
  assert.equal(await page.getAttribute("#faq", "open"), "");
  await inc(4);
  assert.equal(await page.getAttribute("#faq", "open"), null, "the server's render has no open");
  await page.click("#js-ignore");
  await page.click("#faq summary");
  await inc(5);
  assert.equal(await page.getAttribute("#faq", "open"), "", "kept open");
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test("page_loading_events_frame_each_live_load_and_z_mounted_runs_once_per_element", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.addInitScript(() => {
    window.loads = [];
    for (const phase of ["start", "stop"]) {
      window.addEventListener(`zero-live:page-loading-${phase}`, (e) => window.loads.push(`${phase}:${e.detail.kind}`));
    }
  });
  await page.goto(base + "/");
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  const loads = () => page.evaluate(() => window.loads);
  assert.deepEqual(await loads(), ["start:initial", "stop:initial"]);
  await page.click("#js-patch");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: 7");
  await page.waitForFunction(() => window.loads.length === 4);
  assert.deepEqual((await loads()).slice(2), ["start:patch", "stop:patch"]);
  // A click is not a page load.
  await page.click("button[z-click=inc]");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: 8");
  assert.equal((await loads()).length, 4);
  // A navigation is, and the element the new view brings runs its z-mounted once.
  await page.click("#js-navigate");
  await page.waitForSelector("#entered.entered");
  await page.waitForFunction(() => window.loads.length === 6);
  assert.deepEqual((await loads()).slice(4), ["start:navigate", "stop:navigate"]);
  assert.deepEqual((await page.evaluate(() => window.hookLog)).filter((e) => e === "entered"), ["entered"]);
  // Back and in again: a new element, a second run.
  await page.click("#back-home");
  await page.waitForSelector("#draft");
  await page.click("#js-navigate");
  await page.waitForSelector("#entered.entered");
  assert.deepEqual((await page.evaluate(() => window.hookLog)).filter((e) => e === "entered"), ["entered", "entered"]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("navigate_moves_between_views_over_one_socket_with_back_and_forward", async () => {
  const { page, errors } = await livePage("/");
  await page.evaluate(() => (window.__sameDocument = true));
  const sockets = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  await page.click("#to-notes");
  await page.waitForSelector("main.notes");
  assert.equal(await page.title(), "Notes");
  assert.equal(await page.textContent(".visits"), "Mounted connected: true");
  await page.click("#back-home");
  await page.waitForSelector("main.counter");
  assert.equal(await page.title(), "Counter");
  await page.goBack();
  await page.waitForSelector("main.notes");
  await page.goBack();
  await page.waitForSelector("main.counter");
  await page.goForward();
  await page.waitForSelector("main.notes");
  assert.equal(new URL(page.url()).pathname, "/notes");
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  assert.deepEqual(sockets, [], "no new socket");
  // The notes view works live after navigating.
  await page.click("#home-with-flash");
  await page.waitForSelector("main.counter");
  assert.deepEqual(errors, []);
  await page.close();
});

test("flash_survives_a_navigate_and_a_redirect", async () => {
  const { page, errors } = await livePage("/");
  await page.click("#navigate-with-flash");
  await page.waitForSelector("main.notes");
  assert.equal(await page.textContent("#zl-flash [data-kind=info]"), "Navigated with a flash");
  await page.click("#home-with-flash");
  await page.waitForSelector("main.counter");
  assert.equal(await page.textContent("#zl-flash [data-kind=info]"), "Back from notes");
  // A flash from an event shows on the same page; a click dismisses it.
  await page.fill("form[z-submit=add] input[name=name]", "pen");
  await page.click("form[z-submit=add] button");
  await page.waitForFunction(() => document.querySelector("#zl-flash [data-kind=info]")?.textContent === "Added pen");
  await page.click("#zl-flash [data-kind=info]");
  assert.equal(await page.$("#zl-flash [data-kind=info]"), null);
  // A full-load redirect: the flash rides in a signed cookie and shows once.
  await page.click("#leave-with-flash");
  await page.waitForURL(base + "/clicks");
  await page.waitForSelector("[data-zl-root].zl-connected");
  assert.equal(await page.textContent("#zl-flash [data-kind=info]"), "See you on the clicks page");
  assert.equal((await page.context().cookies()).filter((c) => c.name === "zl_flash").length, 0);
  await page.reload();
  assert.equal(await page.$("#zl-flash [data-kind=info]"), null, "shown once");
  assert.deepEqual(errors, []);
  await page.close();
});

test("z_target_names_the_component_and_z_disable_with_marks_a_pending_submit", async () => {
  const { page, errors } = await livePage("/");
  await page.click("#targeted");
  await page.waitForFunction(() => document.querySelector(".target").textContent === "Target: sidebar");
  // While the add is in flight its button is disabled and relabelled; afterwards restored.
  await page.fill("form[z-submit=add] input[name=name]", "slow");
  const label = await page.evaluate(() => {
    document.querySelector("form[z-submit=add] button").click();
    const b = document.querySelector("form[z-submit=add] button");
    return [b.textContent, b.disabled];
  });
  assert.deepEqual(label, ["Adding...", true]);
  await page.waitForSelector("#item-1");
  assert.deepEqual(
    await page.$eval("form[z-submit=add] button", (b) => [b.textContent, b.disabled]),
    ["Add", false],
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test("a_form_change_names_the_field_the_user_edited", async () => {
  const { page, errors } = await livePage("/");
  const sent = [];
  page.on("websocket", (ws) => ws.on("framesent", (f) => sent.push(String(f.payload))));
  // The socket opened before the listener: reload so the listener sees it.
  await page.reload();
  await page.waitForSelector("[data-zl-root].zl-connected");
  await page.fill("#draft input[name=note]", "abc");
  await page.press("#draft input[name=note]", "Tab");
  await page.waitForFunction(() => document.querySelector(".draft").textContent === "Draft: abc");
  const change = sent.find((f) => f.includes('"draft"'));
  assert.ok(change, sent.join("\n"));
  assert.deepEqual(JSON.parse(change).at(-1), { note: "abc", _target: "note" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("z_remove_runs_its_transition_and_the_row_leaves_after_it", async () => {
  const { page, errors } = await livePage("/");
  await page.fill("input[name=name]", "leaving soon");
  await page.press("input[name=name]", "Enter");
  const row = page.locator("main.counter > ul > li", { hasText: "leaving soon" });
  await row.waitFor();
  const id = await row.getAttribute("id");
  await page.evaluate(() => (window.removals = []));
  await page.evaluate((id) => {
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.removedNodes) if (n.id === id) window.removals.push(performance.now());
    }).observe(document.querySelector(`#${id}`).parentElement, { childList: true });
    window.clickedAt = performance.now();
  }, id);
  await row.locator("button").click();
  // The render that drops it runs the transition: the row stays with its class for its time.
  await page.waitForFunction((id) => document.getElementById(id)?.classList.contains("leaving"), id);
  await page.waitForFunction(() => window.removals.length === 1, null, { timeout: 3_000 });
  const [removedAt, clickedAt] = await page.evaluate(() => [window.removals[0], window.clickedAt]);
  assert.ok(removedAt - clickedAt >= 290, `left after ${removedAt - clickedAt} ms`);
  assert.equal(await page.locator(`#${id}`).count(), 0);
  // A later render does not bring it back.
  await page.click("button[z-click=inc]");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Count: 1");
  assert.equal(await page.locator(`#${id}`).count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("z_viewport_bottom_loads_the_next_rows_of_a_stream_as_the_last_one_comes_into_view", async () => {
  const { page, errors } = await livePage("/feed?n=5");
  const rows = () => page.locator("#feed li").count();
  // Five rows leave the last in view: the next hundred come at once.
  await page.waitForFunction(() => document.querySelectorAll("#feed li").length === 105);
  assert.equal(await page.textContent("h1"), "Feed of 105 entries");
  // The new last row is below the fold: nothing more comes until it is seen.
  await page.waitForTimeout(500);
  assert.equal(await rows(), 105);
  await page.locator("#entry-105").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll("#feed li").length === 205);
  assert.equal(await page.textContent("h1"), "Feed of 205 entries");
  assert.equal(await page.locator("#entry-205").textContent(), "Entry 205");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a_big_stream_joins_in_parts_and_the_page_is_patched_once_whole", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const received = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => received.push(String(f.payload).length)));
  await page.goto(`${base}/feed?n=8000`);
  assert.equal(await page.locator("#feed li").count(), 8000, "the disconnected render");
  // Count the rows at every DOM change while joining: the page never shows a partial feed.
  await page.evaluate(() => {
    window.rowCounts = [];
    new MutationObserver(() => window.rowCounts.push(document.querySelectorAll("#feed li").length))
      .observe(document.querySelector("#feed"), { childList: true });
  });
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 20_000 });
  assert.equal(await page.locator("#feed li").count(), 8000);
  assert.equal(await page.locator("#entry-8000").textContent(), "Entry 8000");
  const counts = await page.evaluate(() => window.rowCounts);
  assert.ok(counts.every((n) => n === 8000), `partial feed shown: ${counts.slice(0, 10)}`);
  assert.ok(received.length > 2, `a reply and its parts: ${received.length} frames`);
  assert.ok(Math.max(...received) < 160 * 1024, `bounded frames: ${Math.max(...received)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the_client_heartbeats_as_often_as_the_join_says_and_a_short_timeout_keeps_the_socket", async () => {
  // `interval_secs = 1, timeout_secs = 2`: a client on a fixed 30 s heartbeat would be cut off
  // after 2 s of silence.
  const { mkdtempSync, writeFileSync, readFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const table = readFileSync(`${root}spec/security.toml`, "utf8")
    .replace("interval_secs = 30", "interval_secs = 1")
    .replace("timeout_secs = 60", "timeout_secs = 2");
  const policy = `${mkdtempSync(`${tmpdir()}/zl-heartbeat-`)}/security.toml`;
  writeFileSync(policy, table);
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), SECRET_KEY_BASE: SECRET, SECURITY_TOML: policy };
  const child = spawn(counterBinary(), [], { env, stdio: "ignore" });
  try {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/clicks`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 50));
    }
    // The compact encoding names a kind by its row in the wire table.
    const kinds = readFileSync(`${root}spec/wire-protocol.tsv`, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#") && !l.startsWith("kind\t"))
      .map((l) => l.split("\t")[0]);
    const heartbeat = kinds.indexOf("heartbeat");
    assert.ok(heartbeat >= 0);
    const page = await browser.newPage();
    let heartbeats = 0;
    let closed = false;
    page.on("websocket", (ws) => {
      ws.on("framesent", (frame) => {
        const message = JSON.parse(String(frame.payload));
        if (Array.isArray(message) && message[0] === heartbeat) heartbeats++;
      });
      ws.on("close", () => (closed = true));
    });
    await page.goto(`http://127.0.0.1:${port}/clicks`);
    await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 4500));
    assert.equal(closed, false, "the socket outlived twice the timeout");
    assert.ok(heartbeats >= 3, `${heartbeats} heartbeats in 4.5 s`);
    await page.click("button[z-click=inc]");
    await page.waitForFunction(() => document.querySelector("p").textContent === "Count: 1");
    await page.close();
  } finally {
    child.kill();
  }
});

/** The message kinds of `spec/wire-protocol.tsv`, in order: a kind's index is its v2 tag. */
function wireKinds() {
  return readFileSync(`${root}spec/wire-protocol.tsv`, "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("kind\t"))
    .map((l) => l.split("\t")[0]);
}

test("the_client_follows_no_redirect_off_the_site_that_the_server_did_not_mark_external", async () => {
  const kinds = wireKinds();
  const redirect = kinds.indexOf("redirect");
  const page = await browser.newPage();
  // Stands between the page and the server, to hand the page what a broken or hostile
  // server could send.
  let toPage;
  await page.routeWebSocket(/\/live\/websocket/, (ws) => {
    ws.connectToServer();
    toPage = (frame) => ws.send(JSON.stringify(frame));
  });
  await page.goto(`${base}/`);
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  await page.evaluate(() => (window.__samePage = true));
  for (const to of ["https://evil.example/", "//evil.example/", "javascript:window.__pwned=1"]) {
    toPage([redirect, null, to, false]);
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.evaluate(() => window.__samePage), true, "still on the page");
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(new URL(page.url()).origin, base);
  // A local redirect is followed.
  toPage([redirect, null, "/clicks", false]);
  await page.waitForURL(`${base}/clicks`, { timeout: 10_000 });
  await page.close();
});

test("a_join_refused_as_not_found_reloads_the_page_and_a_failed_mount_retries_the_socket", async () => {
  const kinds = wireKinds();
  const [join, error] = [kinds.indexOf("join"), kinds.indexOf("error")];
  // `not_found` (the row went away since the page loaded) loads the page again, which shows
  // the server's 404; `mount_failed` (the server failed) keeps the page and reconnects.
  for (const [code, loads] of [["not_found", 2], ["mount_failed", 1]]) {
    const page = await browser.newPage();
    let refuse = true;
    await page.routeWebSocket(/\/live\/websocket/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(message);
        if (refuse && Array.isArray(frame) && frame[0] === join) {
          refuse = false;
          // What the server sends for a mount that refused: the error, then close 1011.
          ws.send(JSON.stringify([error, frame[1], code, "refused by the test"]));
          ws.close({ code: 1011, reason: "mount failed" });
          return;
        }
        server.send(message);
      });
    });
    let documents = 0;
    page.on("request", (request) => {
      if (request.resourceType() === "document") documents += 1;
    });
    await page.goto(`${base}/`);
    await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 15_000 });
    assert.equal(documents, loads, `${code}: page loads`);
    await page.close();
  }
});

test("a_rate_limited_notice_releases_the_buttons_of_events_the_server_dropped", async () => {
  const kinds = wireKinds();
  const [event, error] = [kinds.indexOf("event"), kinds.indexOf("error")];
  const page = await browser.newPage();
  // Stands in for a server that dropped the add unread (throttled) and said so once.
  let toPage;
  await page.routeWebSocket(/\/live\/websocket/, (ws) => {
    const server = ws.connectToServer();
    toPage = (frame) => ws.send(JSON.stringify(frame));
    ws.onMessage((message) => {
      const frame = JSON.parse(message);
      if (Array.isArray(frame) && frame[0] === event && frame[3] === "add") return;
      server.send(message);
    });
  });
  await page.goto(`${base}/`);
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  await page.fill("form[z-submit=add] input[name=name]", "dropped");
  await page.click("form[z-submit=add] button");
  const button = () => page.$eval("form[z-submit=add] button", (b) => [b.textContent, b.disabled]);
  assert.deepEqual(await button(), ["Adding...", true], "pending");
  toPage([error, null, "rate_limited", "too many messages"]);
  await page.waitForFunction(() => !document.querySelector("form[z-submit=add] button").disabled);
  assert.deepEqual(await button(), ["Add", false]);
  await page.close();
});

test("a_page_that_loads_in_parts_shows_each_part_when_its_work_is_done", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  // Every state each part was seen in, in order, as the DOM changed.
  await page.addInitScript(() => {
    window.seen = [];
    const note = () => {
      const now = ["#visits", "#top"].map((s) => document.querySelector(s)?.textContent.trim() ?? "");
      if (JSON.stringify(now) !== JSON.stringify(window.seen.at(-1))) window.seen.push(now);
    };
    document.addEventListener("DOMContentLoaded", () => {
      note();
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  });
  await page.goto(`${base}/report?visits_ms=100&top_ms=600`);
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector("#top").textContent.includes("/pricing"));
  const seen = await page.evaluate(() => window.seen);
  assert.deepEqual(seen[0], ["Loading visits…", "Loading the top page…"], JSON.stringify(seen));
  const visitsFirst = seen.findIndex(([v, t]) => v === "Visits: 1200" && t === "Loading the top page…");
  assert.ok(visitsFirst > 0, `the quick part shows before the slow one: ${JSON.stringify(seen)}`);
  assert.deepEqual(seen.at(-1), ["Visits: 1200", "Top page: /pricing"]);
  // A reload keeps the count on the page while the new one loads (the observer saw it: the
  // loading state may last only a few milliseconds, too short to poll for).
  const before = await page.evaluate(() => window.seen.length);
  await page.click("button[z-click=reload]");
  await page.waitForFunction(() => document.querySelector("#visits").textContent.trim() === "Visits: 1201");
  const reload = (await page.evaluate(() => window.seen)).slice(before);
  assert.ok(
    reload.some(([visits]) => visits.includes("Loading visits…") && visits.includes("Visits: 1200")),
    `loading beside the old count, then the new: ${JSON.stringify(reload)}`,
  );
  assert.deepEqual(errors, []);
  await page.close();
});
