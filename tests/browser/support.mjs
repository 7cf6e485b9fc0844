// Shared by the browser tests and the client benchmark.
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";

/** A 1x1 PNG that decodes (bytes after its end are ignored by decoders), in base64. */
export const TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

/** A free TCP port on 127.0.0.1. */
export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * Collects what goes wrong on `page`: uncaught errors, console errors and failed requests
 * (checked by URL: the browser's own /favicon.ico probe is not ours). Returns the live list.
 */
export function collectErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`${r.status()} ${r.url()}`);
  });
  return errors;
}

/** Debian's chromium, headless, as the tests and benchmarks drive it. */
export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** The counter example's binary: ZL_COUNTER, or the workspace's target/debug/counter. */
export function counterBinary() {
  if (process.env.ZL_COUNTER) return process.env.ZL_COUNTER;
  const root = new URL("../../", import.meta.url).pathname;
  const meta = JSON.parse(
    execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }),
  );
  return `${meta.target_directory}/debug/counter`;
}

/** Waits until `url` answers 200, polling every 50 ms; throws after `tries` attempts. */
export async function serving(url, tries = 100) {
  for (let i = 0; i < tries; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer`);
}
