// Measures the browser client for `zero-bench client` (which records the evidence): the client
// asset's size, minified and gzipped, next to phoenix_live_view + phoenix bundled the same way
// in the same run, and click-to-paint latency in chromium on the counter example's /clicks page
// (200 clicks, Performance API). Prints one JSON object on stdout.
//
//   ZL_COUNTER=target/release/counter node tests/browser/bench/client.mjs [--clicks N]
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from "node:fs";
import { freePort, launchChromium } from "../support.mjs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const here = dirname(new URL(import.meta.url).pathname);
const clicksArg = process.argv.indexOf("--clicks");
const CLICKS = clicksArg > 0 ? Number(process.argv[clicksArg + 1]) : 200;
const WARMUP = 20;

/** Bundles `contents` (an entry module) with esbuild, minified; returns raw and gzip sizes. */
async function bundle(contents, resolveDir) {
  const result = await build({
    stdin: { contents, resolveDir, loader: "js" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    target: "es2022",
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

async function startCounter(port) {
  const binary = process.env.ZL_COUNTER;
  if (!binary) throw new Error("ZL_COUNTER must name the counter binary");
  const child = spawn(binary, [], { env: { ...process.env, PORT: String(port) }, stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/clicks`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill();
  throw new Error("counter did not start");
}

/** Our client as the server serves it: the entry and the modules it imports, bundled. */
async function ourClient(base) {
  const html = await (await fetch(`${base}/clicks`)).text();
  const entry = html.match(/src="(\/assets\/zl-[0-9a-f]+\/)zero-live\.js"/);
  if (!entry) throw new Error("no client script on the page");
  const dir = mkdtempSync(join(tmpdir(), "zl-client-"));
  try {
    for (const file of ["zero-live.js", "tree.js", "protocol.js", "uploads.js", "vendor/morphdom.js"]) {
      const body = await (await fetch(`${base}${entry[1]}${file}`)).text();
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), body);
    }
    return await bundle('import "./zero-live.js";', dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** phoenix_live_view with its phoenix dependency, as an app's app.js bundles them. */
async function phoenixClient() {
  const entry =
    'import { Socket } from "phoenix"; import { LiveSocket } from "phoenix_live_view";\n' +
    'new LiveSocket("/live", Socket).connect();';
  const lock = JSON.parse(readFileSync(join(here, "..", "package-lock.json"), "utf8"));
  const versions = {
    phoenix: lock.packages["node_modules/phoenix"].version,
    phoenix_live_view: lock.packages["node_modules/phoenix_live_view"].version,
  };
  return { ...(await bundle(entry, join(here, ".."))), versions };
}

/** Click-to-paint on /clicks: click, wait for the DOM change, then the frame that paints it. */
async function clickToPaint(base) {
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/clicks`);
    await page.waitForSelector("[data-zl-root].zl-connected");
    return await page.evaluate(
      async ({ clicks, warmup }) => {
        const button = document.querySelector("button[z-click=inc]");
        const text = document.querySelector("p");
        const dom = [];
        const paint = [];
        for (let i = 0; i < clicks + warmup; i++) {
          // A user's click lands anywhere within a frame: start at a random phase of it.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 16));
          const before = text.textContent;
          const start = performance.now();
          const changed = new Promise((resolve) => {
            const observer = new MutationObserver(() => {
              if (text.textContent === before) return;
              observer.disconnect();
              resolve(performance.now());
            });
            observer.observe(text, { childList: true, characterData: true, subtree: true });
          });
          button.click();
          const domAt = await changed;
          // The next animation frame renders the change; its start is the paint time.
          const paintAt = await new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())));
          if (i >= warmup) {
            dom.push(domAt - start);
            paint.push(paintAt - start);
          }
        }
        return { dom, paint };
      },
      { clicks: CLICKS, warmup: WARMUP },
    );
  } finally {
    await browser.close();
  }
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await startCounter(port);
try {
  const ours = await ourClient(base);
  const phoenix = await phoenixClient();
  const { dom, paint } = await clickToPaint(base);
  const result = {
    clicks: paint.length,
    click_to_dom_p50_ms: quantile(dom, 0.5),
    click_to_paint_p50_ms: quantile(paint, 0.5),
    click_to_paint_p95_ms: quantile(paint, 0.95),
    client_min_bytes: ours.minified,
    client_gzip_bytes: ours.gzipped,
    phoenix_min_bytes: phoenix.minified,
    phoenix_gzip_bytes: phoenix.gzipped,
    phoenix_versions: phoenix.versions,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
} finally {
  server.kill();
}
