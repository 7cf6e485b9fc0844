// The browser client's frame codec against the wire fixtures the Rust decoder is held to
// (tests/fixtures/wire-v2), and its JS-command detection. The client's modules are laid out as
// the runtime serves them (the generated protocol.js beside zero-live.js) in a temp folder.
// Run: node --test runtime/client/test/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../../", import.meta.url).pathname;
let dir;
let client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "zl-codec-"));
  cpSync(join(root, "runtime/client"), dir, { recursive: true, filter: (p) => !p.includes("/test") });
  cpSync(join(root, "generated/js/protocol.js"), join(dir, "protocol.js"));
  client = await import(join(dir, "zero-live.js"));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = (version) =>
  readFileSync(join(root, `tests/fixtures/wire-${version}/valid.jsonl`), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));

test("every_server_frame_of_the_fixtures_decodes_to_its_v1_twin", () => {
  const v1 = fixtures("v1");
  const v2 = fixtures("v2");
  let checked = 0;
  for (const [n, line] of v2.entries()) {
    if (line.side !== "client") continue;
    const { kind, ref, payload } = client.decode(JSON.stringify(line.frame));
    const { v, kind: twinKind, ref: twinRef, ...twin } = v1[n].frame;
    assert.equal(kind, twinKind, `line ${n + 1}`);
    assert.equal(ref ?? undefined, twinRef, `line ${n + 1}`);
    assert.deepEqual(payload, twin, `line ${n + 1}`);
    checked += 1;
  }
  assert.ok(checked >= 15, `${checked} frames`);
});

test("frames_the_client_sends_match_the_fixtures_byte_for_byte", () => {
  const v1 = fixtures("v1");
  const v2 = fixtures("v2");
  let checked = 0;
  for (const [n, line] of v1.entries()) {
    if (line.side !== "server") continue;
    const { v, kind, ref, ...payload } = line.frame;
    const encoded = client.encode(kind, ref, payload);
    assert.deepEqual(JSON.parse(encoded), v2[n].frame, `line ${n + 1}`);
    checked += 1;
  }
  assert.ok(checked >= 8, `${checked} frames`);
});

test("frames_that_are_not_live_messages_are_refused", () => {
  for (const bad of ['{"v":1}', "[99,1]", '"text"', "[]"]) {
    assert.throws(() => client.decode(bad), /not a live frame/, bad);
  }
  assert.throws(() => client.decode("not json"), SyntaxError);
});
