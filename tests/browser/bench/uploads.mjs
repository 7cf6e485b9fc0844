// Upload throughput in chromium: one file chosen in a page's file input (Playwright's
// setInputFiles, as a user picks it), timed until the page shows the entry done, then cleared.
// Each target is `name|url|selector` (the selector appears once the page's socket is up) and
// has a page of its own; targets take turns, `--rounds` times. Prints JSON:
// {"targets": {name: {"mb_s": [...]}}}. Run by `zero-bench uploads`.
import { parseArgs } from "node:util";
import { statSync } from "node:fs";
import { chromium } from "playwright-core";
import { launchChromium } from "../support.mjs";

const { values } = parseArgs({
  options: {
    file: { type: "string" },
    rounds: { type: "string", default: "3" },
    target: { type: "string", multiple: true },
  },
});
const size = statSync(values.file).size;
const browser = await launchChromium(chromium);
try {
  const targets = [];
  for (const spec of values.target ?? []) {
    const [name, url, ready] = spec.split("|");
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector(ready, { timeout: 15_000 });
    targets.push({ name, page, mb_s: [] });
  }
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const target of targets) {
      const { page } = target;
      const started = performance.now();
      await page.setInputFiles("input[type=file]", values.file);
      await page.waitForFunction(
        () => document.querySelector("#entries .state")?.textContent === "done",
        null,
        { timeout: 300_000, polling: 10 },
      );
      const seconds = (performance.now() - started) / 1000;
      target.mb_s.push(size / 1e6 / seconds);
      await page.click("#clear");
      await page.waitForFunction(() => document.querySelectorAll("#entries li").length === 0);
    }
  }
  const out = {};
  for (const { name, mb_s } of targets) out[name] = { mb_s };
  console.log(JSON.stringify({ targets: out }));
} finally {
  await browser.close();
}
