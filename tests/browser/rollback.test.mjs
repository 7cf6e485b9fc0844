// A deploy and its rollback, with pages open in chromium: an app's v1 serves a list and a
// half-typed form; v2 (the same app with another resource: a migration that adds a table)
// replaces it; then v1 comes back on the database v2 migrated, and at last v2's
// `rollback-migration` reverts its migration and v1 starts on the schema it knows. At each
// swap the open pages reconnect without a reload, the typed draft stays in its field and is
// still what the server validates, and no row is lost.
// Run: node --test tests/browser/ (after `cargo build -p zerogen`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { collectErrors, freePort, launchChromium } from "./support.mjs";

const root = new URL("../../", import.meta.url).pathname;
const meta = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }));
const targetDir = process.env.CARGO_TARGET_DIR ?? meta.target_directory;
const zerogen = (args, cwd) => execFileSync(join(targetDir, "debug/zerogen"), ["-q", ...args], { cwd });
const build = (cwd) =>
  execFileSync("cargo", ["build", "-q"], { cwd, env: { ...process.env, CARGO_TARGET_DIR: targetDir }, stdio: "inherit" });

const TOKEN = "rollback-metrics-token-0123456789";
let dir;
let app;
let env;
let base;
let server;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "zl-rollback-"));
  zerogen(["new", "app", "shelf", "--zero-live-path", root], dir);
  app = join(dir, "shelf");
  zerogen(["resource", "Book", "books", "title:string", "note:text"], app);
  build(app);
  copyFileSync(join(targetDir, "debug/shelf"), join(dir, "v1"));
  // v2: one more resource, so one more migration (a table v1 never reads: expand).
  zerogen(["resource", "Shelf", "shelves", "name:string"], app);
  build(app);
  copyFileSync(join(targetDir, "debug/shelf"), join(dir, "v2"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    PORT: String(port),
    DATABASE_URL: `sqlite://${join(dir, "shelf.db")}`,
    METRICS_TOKEN: TOKEN,
  };
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `version` (v1 or v2) with the shared database; resolves once it is ready. */
async function start(version) {
  const child = spawn(join(dir, version), [], { cwd: app, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`${version} exited ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill();
  throw new Error(`${version} did not become ready: ${stderr}`);
}

/** SIGTERM to the running version (it drains and exits), then `next` in its place. */
async function swap(next, pages) {
  const stopped = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await stopped;
  for (const page of pages) {
    await page.waitForSelector("[data-zl-root].zl-disconnected", { timeout: 10_000 });
  }
  server = await start(next);
  for (const page of pages) {
    await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 15_000 });
  }
}

async function run(version, args) {
  return execFileSync(join(dir, version), args, { cwd: app, env, encoding: "utf8" });
}

test("a_deploy_and_its_rollback_keep_open_pages_their_drafts_and_every_row", async () => {
  server = await start("v1");
  const context = await browser.newContext();
  const list = await context.newPage();
  const form = await context.newPage();
  const errors = [...[list, form].map(collectErrors)];
  await list.goto(`${base}/books`);
  await form.goto(`${base}/books/new`);
  for (const page of [list, form]) {
    await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
    await page.evaluate(() => (window.__sameDocument = true));
  }
  // A row saved on v1, and a draft typed but not saved.
  await form.fill("#book_title", "Saved on v1");
  await form.fill("#book_note", "first");
  await form.click("#book-form button[type=submit]");
  await form.waitForSelector("#zl-flash :text('Book created.')");
  await list.waitForSelector("#books td:text('Saved on v1')");
  await form.goto(`${base}/books/new`);
  await form.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  await form.evaluate(() => (window.__sameDocument = true));
  await form.fill("#book_note", "typed before the deploy");
  await form.fill("#book_title", "x");
  await form.fill("#book_title", "");
  await form.waitForSelector("#book_title-errors .field-error");

  // Deploy v2: it migrates (a new table); the pages reconnect with their drafts.
  await swap("v2", [list, form]);
  assert.equal(await form.inputValue("#book_note"), "typed before the deploy");
  assert.equal(await list.locator("#books td:text('Saved on v1')").count(), 1);
  // The new process counted both pages' reconnects (the client says it rejoins).
  const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  assert.match(metrics, /^zero_live_rejoins_total\{outcome="ok"\} 2$/m);
  assert.match(metrics, /^zero_live_rejoins_total\{outcome="refused"\} 0$/m);
  const shelves = await fetch(`${base}/shelves`);
  assert.equal(shelves.status, 200, "v2 serves its new page");

  // Roll the binary back: v1 runs on the schema v2 migrated.
  await swap("v1", [list, form]);
  assert.equal(await form.inputValue("#book_note"), "typed before the deploy");
  assert.equal((await fetch(`${base}/shelves`)).status, 404, "v1 again: no such page");
  // The draft is still the form's: completed, it saves on v1.
  await form.fill("#book_title", "Saved after the rollback");
  await form.click("#book-form button[type=submit]");
  await form.waitForSelector("#zl-flash :text('Book created.')");
  await form.waitForSelector("dd:text('typed before the deploy')");
  await list.waitForSelector("#books td:text('Saved after the rollback')");
  assert.equal(await list.locator("#books td:text('Saved on v1')").count(), 1);
  assert.equal(await form.evaluate(() => window.__sameDocument), true, "the form page never reloaded");
  // The form page has navigated live to the book it saved: it stays open through the last
  // restart and rejoins that page (with the token its navigate sent), without a reload.

  // Only v2 knows how to revert its migration; v1 refuses and reverts nothing.
  const stopped = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await stopped;
  assert.throws(() => execFileSync(join(dir, "v1"), ["rollback-migration"], { cwd: app, env, stdio: "pipe" }), (e) => {
    assert.equal(e.status, 1);
    assert.match(String(e.stderr), /is newer than this build; roll it back with the build that added it/);
    return true;
  });
  // Standard output holds the log (text in a debug build) and the command's own lines.
  const said = (await run("v2", ["rollback-migration"])).split("\n").filter((l) => /^(reverted|nothing)/.test(l));
  assert.equal(said.length, 1, said.join("\n"));
  assert.match(said[0], /^reverted \d+ \(create shelves\)$/);
  await list.waitForSelector("[data-zl-root].zl-disconnected", { timeout: 10_000 });
  await form.waitForSelector("[data-zl-root].zl-disconnected", { timeout: 10_000 });
  server = await start("v1");
  await list.waitForSelector("[data-zl-root].zl-connected", { timeout: 15_000 });
  await form.waitForSelector("[data-zl-root].zl-connected", { timeout: 15_000 });
  await form.waitForSelector("dd:text('typed before the deploy')");
  assert.equal(await form.evaluate(() => window.__sameDocument), true, "the navigated page never reloaded");
  await list.waitForSelector("#books td:text('Saved after the rollback')");
  assert.equal(await list.locator("#books td:text('Saved on v1')").count(), 1);
  assert.equal(await list.evaluate(() => window.__sameDocument), true, "the list page never reloaded");
  // While no server runs, the browser reports the refused socket; nothing else may fail.
  assert.deepEqual(errors.flat().filter((e) => !/WebSocket connection to/.test(e)), []);
  await context.close();
});
