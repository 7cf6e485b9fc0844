// Uploads in a real browser: the counter example's /photos page (three photos at most, PNG,
// JPEG or GIF, 1 MB each, sent as soon as chosen) with real files through Playwright's
// setInputFiles and a synthetic drop. Run after `cargo build -p counter`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TINY_PNG, collectErrors, counterBinary, freePort, launchChromium, serving } from "./support.mjs";
import { chromium } from "playwright-core";

let server;
let browser;
let base;
let policyFile;

/** The repository's security policy with room for a 48 MB file (the restart test's). */
function policy() {
  const spec = new URL("../../spec/security.toml", import.meta.url);
  const text = readFileSync(spec, "utf8").replace(/^max_upload_bytes = \d+$/m, "max_upload_bytes = 67108864");
  const path = join(mkdtempSync(join(tmpdir(), "zl-uploads-")), "security.toml");
  writeFileSync(path, text);
  return path;
}

/** Starts the counter on `port`, with a key that outlives a restart (its pages rejoin). */
function start(port) {
  policyFile ??= policy();
  const env = {
    ...process.env,
    PORT: String(port),
    SECRET_KEY_BASE: "uploads-tests-secret-key-of-at-least-32-bytes",
    SECURITY_TOML: policyFile,
  };
  return spawn(counterBinary(), [], { env, stdio: "ignore" });
}

const port = () => Number(new URL(base).port);

before(async () => {
  base = `http://127.0.0.1:${await freePort()}`;
  server = start(port());
  await serving(`${base}/photos`);
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  server?.kill();
});


/** A PNG of `size` bytes: the signature, then filler. */
function png(size) {
  const bytes = Buffer.alloc(size, 7);
  Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").copy(bytes);
  return bytes;
}

async function photosPage() {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${base}/photos`);
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  return { page, errors };
}

const states = (page) => page.$$eval("#entries li", (lis) => lis.map((li) => li.querySelector(".state").textContent));

test("a_chosen_photo_is_sent_in_chunks_previewed_and_saved_whole", async () => {
  const { page, errors } = await photosPage();
  // 200 kB: four chunks of 64 KiB, acknowledged as they arrive.
  const body = png(200_000);
  await page.setInputFiles("#photos-input", { name: "cat.png", mimeType: "image/png", buffer: body });
  await page.waitForFunction(() => document.querySelector("#entries .state")?.textContent === "done");
  assert.equal(await page.$eval("#entries progress", (p) => p.value), 100);
  const preview = await page.$eval("#entries img", (img) => img.src);
  assert.match(preview, /^blob:/, "the preview is the chosen file");
  await page.click("#save");
  await page.waitForFunction(() => document.querySelectorAll("#saved li").length === 1);
  assert.equal(await page.textContent("#saved li"), "cat.png (image/png, 200000 bytes)");
  // The saved photo is in the app's store, read through its signed link.
  const link = await page.$eval("#saved a", (a) => a.href);
  assert.match(link, /\/stored\/photos\/[0-9a-f]{32}\.png\?expires=\d+&sig=[0-9a-f]{64}$/);
  const read = (url) =>
    page.evaluate(async (u) => {
      const r = await fetch(u);
      return [r.status, r.headers.get("content-type"), (await r.arrayBuffer()).byteLength];
    }, url);
  assert.deepEqual(await read(link), [200, "image/png", 200_000]);
  // Asked outside the page, which counts every refusal as an error.
  assert.equal((await fetch(link.replace(/sig=./, "sig=x"))).status, 403, "a forged link is refused");
  assert.equal(await page.$$eval("#entries li", (l) => l.length), 0, "saved entries leave the list");
  assert.deepEqual(errors, []);
  await page.close();
});

test("errors_the_page_can_know_are_shown_before_any_byte_is_sent", async () => {
  const { page, errors } = await photosPage();
  const sent = [];
  page.on("websocket", (ws) => ws.on("framesent", (f) => sent.push(String(f.payload))));
  await page.setInputFiles("#photos-input", { name: "big.png", mimeType: "image/png", buffer: png(1_200_000) });
  await page.waitForFunction(() => document.querySelector("#client-errors").textContent !== "");
  assert.match(await page.textContent("#client-errors"), /big\.png: The file is too large\./);
  assert.equal(await page.getAttribute("#photos-input", "aria-invalid"), "true");
  await page.setInputFiles("#photos-input", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hi") });
  await page.waitForFunction(() => /not accepted/.test(document.querySelector("#client-errors").textContent));
  const four = [1, 2, 3, 4].map((n) => ({ name: `${n}.png`, mimeType: "image/png", buffer: png(100) }));
  await page.setInputFiles("#photos-input", four);
  await page.waitForFunction(() => document.querySelector("#client-errors").textContent === "Too many files.");
  assert.equal(sent.filter((f) => f.includes("big.png") || f.includes("notes.txt") || f.includes("4.png")).length, 0);
  assert.equal(await page.$$eval("#entries li", (l) => l.length), 0);
  // A good choice clears the errors.
  await page.setInputFiles("#photos-input", { name: "ok.png", mimeType: "image/png", buffer: png(100) });
  await page.waitForFunction(() => document.querySelector("#entries .state")?.textContent === "done");
  assert.equal(await page.textContent("#client-errors"), "");
  assert.equal(await page.getAttribute("#photos-input", "aria-invalid"), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a_renamed_executable_is_refused_by_its_bytes_and_cannot_be_saved", async () => {
  const { page } = await photosPage();
  const elf = Buffer.alloc(4096);
  Buffer.from("7f454c46", "hex").copy(elf);
  await page.setInputFiles("#photos-input", { name: "cat.png", mimeType: "image/png", buffer: elf });
  await page.waitForFunction(() => document.querySelector("#entries .state")?.textContent === "refused");
  assert.equal(await page.getAttribute("#entries .error", "data-code"), "content_mismatch");
  await page.click("#save");
  await page.waitForTimeout(200);
  assert.equal(await page.$$eval("#saved li", (l) => l.length), 0, "nothing refused is kept");
  // The socket is still up: a cancel takes the entry away.
  await page.click("#entries button");
  await page.waitForFunction(() => document.querySelectorAll("#entries li").length === 0);
  await page.close();
});

test("a_dropped_photo_is_uploaded_and_a_cancel_takes_an_entry_away_without_breaking_the_socket", async () => {
  const { page, errors } = await photosPage();
  // A drop carries files in a DataTransfer, as a drag from the desktop does.
  await page.evaluate((tiny) => {
    const bytes = new Uint8Array(1000);
    bytes.set(Uint8Array.from(atob(tiny), (c) => c.charCodeAt(0)));
    const data = new DataTransfer();
    data.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
    const drop = document.getElementById("drop");
    drop.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
    drop.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  }, TINY_PNG);
  await page.waitForFunction(() => document.querySelector("#entries .name")?.textContent === "dropped.png");
  await page.waitForFunction(() => document.querySelector("#entries .state")?.textContent === "done");
  // A second photo is cancelled; chunks still in flight are refused without closing anything.
  const slow = Buffer.concat([Buffer.from(TINY_PNG, "base64"), Buffer.alloc(900_000)]);
  await page.setInputFiles("#photos-input", { name: "slow.png", mimeType: "image/png", buffer: slow });
  await page.waitForFunction(() => document.querySelectorAll("#entries li").length === 2);
  await page.waitForFunction(() => document.querySelector("#entries li:nth-child(2) img")?.src.startsWith("blob:"));
  const [kept, cancelled] = await page.$$eval("#entries img", (imgs) => imgs.map((i) => i.src));
  await page.click("#entries li:nth-child(2) button");
  await page.waitForFunction(() => document.querySelectorAll("#entries li").length === 1);
  assert.deepEqual(await states(page), ["done"]);
  // The cancelled entry's preview is let go; the one still shown is not.
  // Loaded as an image (the policy lets images come from blob: URLs, not fetches).
  const loads = (src) =>
    page.evaluate(
      (url) =>
        new Promise((resolve) => {
          const img = new Image();
          img.onload = () => resolve("loads");
          img.onerror = () => resolve("revoked");
          img.src = url;
        }),
      src,
    );
  assert.equal(await loads(cancelled), "revoked");
  assert.equal(await loads(kept), "loads");
  // The socket survived the chunks that were in flight.
  await page.click("#save");
  await page.waitForFunction(() => document.querySelectorAll("#saved li").length === 1);
  assert.match(await page.textContent("#saved li"), /^dropped\.png \(image\/png, 1000 bytes\)$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the_photos_page_with_entries_and_errors_has_no_accessibility_violations_and_works_by_keyboard", async () => {
  const axe = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
  // axe is injected by the test, so this context lets it past the page's CSP.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${base}/photos`);
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  // The input is reached by the keyboard, and a choice made there uploads like a click's.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "photos-input");
  await page.setInputFiles("#photos-input", { name: "ok.png", mimeType: "image/png", buffer: png(100) });
  await page.waitForFunction(() => document.querySelector("#entries .state")?.textContent === "done");
  const elf = Buffer.alloc(4096);
  Buffer.from("7f454c46", "hex").copy(elf);
  await page.setInputFiles("#photos-input", { name: "bad.png", mimeType: "image/png", buffer: elf });
  await page.waitForFunction(() => document.querySelectorAll("#entries .error").length === 1);
  await page.evaluate(axe);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(violations, []);
  await context.close();
});

test("a_large_upload_cut_off_by_a_server_restart_goes_on_from_the_bytes_received", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const log = [];
  page.on("console", (m) => {
    if (m.type() === "debug") log.push(m.text());
  });
  await page.goto(`${base}/files`);
  await page.evaluate(() => localStorage.setItem("zl-debug", "1"));
  await page.reload();
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  // 48 MB: long enough to stop the server partway through.
  const size = 48 * 1024 * 1024;
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) body.writeUInt32BE(i, i);
  await page.setInputFiles("#file-input", { name: "data.bin", mimeType: "application/octet-stream", buffer: body });
  await page.waitForFunction(() => Number(document.querySelector("#entries progress")?.value) >= 10, null, {
    timeout: 30_000,
  });
  const stopped = new Promise((resolve) => server.once("exit", resolve));
  server.kill();
  await stopped;
  await page.waitForSelector("[data-zl-root].zl-disconnected", { timeout: 10_000 });
  server = start(port());
  await serving(`${base}/files`);
  await page.waitForFunction(() => document.querySelector("#entries .state")?.textContent === "done", null, {
    timeout: 60_000,
  });
  const resumed = log.find((line) => line.includes("upload resumed"));
  assert.ok(resumed, `the client resumed: ${log.filter((l) => l.includes("upload")).join(" | ")}`);
  const offset = Number(resumed.trim().split(/\s+/).pop());
  assert.ok(offset >= size / 10 && offset < size, `went on from byte ${offset}, not from 0`);
  await page.click("#clear");
  await page.waitForFunction((n) => document.querySelector("#kept")?.textContent === String(n), size);
  // The restart's errors are the socket's and the page's requests while the server was down.
  assert.deepEqual(
    errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|net::/.test(e)),
    [],
  );
  await page.evaluate(() => localStorage.removeItem("zl-debug"));
  await page.close();
});

/** A PDF of `size` bytes: its header, then filler. */
function pdf(size) {
  const bytes = Buffer.alloc(size, 0x20);
  Buffer.from("%PDF-1.7\n").copy(bytes);
  return bytes;
}

test("an_external_upload_goes_straight_to_the_store_is_checked_there_and_saved", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const frames = [];
  page.on("websocket", (ws) => ws.on("framesent", (f) => frames.push(f.payload)));
  const puts = [];
  page.on("request", (r) => r.method() === "PUT" && puts.push(r.url()));
  await page.goto(`${base}/attachments`);
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  const body = pdf(1_500_000);
  await page.setInputFiles("#files-input", { name: "report.pdf", mimeType: "application/pdf", buffer: body });
  await page.waitForFunction(() => document.querySelector("#entries .state")?.textContent === "done");
  assert.equal(await page.$eval("#entries progress", (p) => p.value), 100);
  assert.equal(puts.length, 1, "one PUT to the store");
  assert.match(puts[0], /\/stored\/attachments\/incoming\/[0-9a-f]{32}\.pdf\?expires=\d+&size=1500000&sig=/);
  assert.ok(frames.every((f) => typeof f === "string"), "no chunk crossed the socket");
  // Reports (compact kind 15, `upload_progress`): any on the way (loopback is quick), then the last.
  const reports = frames.filter((f) => f.startsWith("[15,"));
  assert.ok(reports.length >= 1, frames.join("\n"));
  assert.match(reports.at(-1), /,1500000,true\]$/);
  await page.click("#save");
  await page.waitForSelector("#saved a");
  const href = await page.$eval("#saved a", (a) => a.getAttribute("href"));
  assert.match(href, /^\/stored\/attachments\/[0-9a-f]{32}\.pdf\?/);
  const saved = await page.evaluate(async (url) => {
    const r = await fetch(url);
    return { status: r.status, size: (await r.arrayBuffer()).byteLength };
  }, href);
  assert.deepEqual(saved, { status: 200, size: body.length });
  // The URL the file went up with takes nothing more (asked outside the page, which counts
  // every refusal as an error).
  assert.equal((await fetch(puts[0], { method: "PUT", body: "x" })).status, 409);
  assert.deepEqual(errors, []);
  await page.close();
});

test("an_external_upload_that_is_not_what_its_name_says_is_refused_after_it_reached_the_store", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${base}/attachments`);
  await page.waitForSelector("[data-zl-root].zl-connected", { timeout: 10_000 });
  // An ELF executable named as a PDF.
  const elf = Buffer.alloc(4096, 0);
  Buffer.from("7f454c46020101", "hex").copy(elf);
  await page.setInputFiles("#files-input", { name: "invoice.pdf", mimeType: "application/pdf", buffer: elf });
  await page.waitForFunction(() => document.querySelector("#entries .state")?.textContent === "refused");
  assert.equal(await page.$eval("#entries .error", (e) => e.dataset.code), "content_mismatch");
  await page.click("#save");
  await page.waitForTimeout(300);
  assert.equal(await page.$$eval("#saved a", (a) => a.length), 0, "nothing refused is saved");
  // Too large for the page: refused before any byte leaves.
  let puts = 0;
  page.on("request", (r) => r.method() === "PUT" && puts++);
  await page.setInputFiles("#files-input", { name: "big.pdf", mimeType: "application/pdf", buffer: pdf(2_000_001) });
  await page.waitForFunction(() => document.querySelector("#client-errors")?.textContent.includes("too large"));
  assert.equal(puts, 0);
  assert.deepEqual(errors, []);
  await page.close();
});
