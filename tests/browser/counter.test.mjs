// The counter example in a real browser: Playwright (playwright-core) driving Debian's chromium,
// against `counter` served on 127.0.0.1. Run: node --test tests/browser/ (after `cargo build -p
// counter`; ZL_COUNTER names the binary, default the workspace's target/debug/counter).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url).pathname;

function counterBinary() {
  if (process.env.ZL_COUNTER) return process.env.ZL_COUNTER;
  const meta = JSON.parse(
    execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }),
  );
  return `${meta.target_directory}/debug/counter`;
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

let server;
let browser;
let base;

async function startServer(port) {
  const child = spawn(counterBinary(), [], { env: { ...process.env, PORT: String(port) }, stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/clicks`);
      if (r.ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error("counter did not start");
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startServer(port);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function livePage(path) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // Failed requests are checked by URL (the browser's own /favicon.ico probe is not ours).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`${r.status()} ${r.url()}`);
  });
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

test("after_a_server_restart_the_page_reconnects_and_works_again", async () => {
  const { page } = await livePage("/clicks");
  const port = Number(new URL(base).port);
  server.kill();
  await page.waitForSelector("[data-zl-root].zl-disconnected", { timeout: 10_000 });
  server = await startServer(port);
  // The old token was signed by the old process: the page reloads into a fresh session.
  await page.reload();
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
