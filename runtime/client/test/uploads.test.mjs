// The client's side of uploads (runtime/client/uploads.js): what it refuses before sending,
// the binary frame of a chunk (byte for byte the layout the server decodes, the same vector as
// runtime/zero-live/src/uploads/frame.rs), and the window of chunks awaiting acknowledgement.
// Run: node --test runtime/client/test/
import { test } from "node:test";
import assert from "node:assert/strict";
import { accepts, precheck, chunkFrame, sendFile, putFile } from "../uploads.js";

/** The frame the server's test decodes: ref 42, entry avatar:3, offset 65536, last, 4 bytes. */
const VECTOR = "01000000000000002a086176617461723a33000000000001000001" + "89504e47";

test("accept_lists_match_extensions_types_and_families_as_the_server_does", () => {
  assert.ok(accepts(".png,.jpeg", "cat.PNG", ""));
  assert.ok(accepts(".jpeg", "cat.jpg", ""), "jpg and jpeg are one type");
  assert.ok(accepts("image/*", "cat", "image/webp"));
  assert.ok(accepts("text/plain", "notes", "text/plain"));
  assert.ok(!accepts(".png", "cat.gif", "image/gif"));
  assert.ok(!accepts(".png", ".png", ""), "a dot file has no extension");
  assert.ok(!accepts("image/*", "x", "imagefoo"));
  assert.ok(accepts("", "anything.bin", ""));
});

test("a_precheck_finds_too_many_too_large_and_not_accepted_before_any_byte", () => {
  const limits = { accept: ".png", maxEntries: 2, maxSize: 100 };
  const file = (name, size, type = "") => ({ name, size, type });
  assert.deepEqual(precheck(limits, [file("a.png", 10)]), []);
  assert.deepEqual(precheck(limits, [file("a.png", 1), file("b.png", 1), file("c.png", 1)]), [{ code: "too_many" }]);
  assert.deepEqual(precheck(limits, [file("a.png", 101), file("b.gif", 1)]), [
    { code: "too_large", name: "a.png" },
    { code: "not_accepted", name: "b.gif" },
  ]);
  assert.deepEqual(precheck({}, [file("any", 1e12)]), [], "no limits given, none applied");
});

test("a_chunk_frame_is_the_layout_the_server_decodes", () => {
  const frame = chunkFrame(42, "avatar:3", 65536, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), true);
  assert.equal(Buffer.from(frame).toString("hex"), VECTOR);
  const notLast = chunkFrame(1, "a:0", 0, new Uint8Array(0), false);
  assert.equal(notLast.length, 19 + 3);
  assert.equal(notLast[18 + 3], 0);
});

test("a_file_goes_in_order_with_at_most_the_window_unacknowledged", async () => {
  const bytes = new Uint8Array(10_000).map((_, i) => i % 251);
  const file = new Blob([bytes]);
  const sent = [];
  let open = 0;
  let most = 0;
  const send = async (chunk) => {
    sent.push(chunk);
    open += 1;
    most = Math.max(most, open);
    await new Promise((r) => setTimeout(r, 2));
    open -= 1;
    return { status: "ok", response: { offset: chunk.offset + chunk.bytes.length } };
  };
  const acked = await sendFile({ send, entry: "f:0", file, chunk: 1024, window: 3 });
  assert.equal(acked, 10_000);
  assert.equal(sent.length, 10);
  assert.ok(most <= 3 && most > 1, `in flight at most: ${most}`);
  assert.deepEqual(sent.map((c) => c.offset), [...Array(10).keys()].map((i) => i * 1024));
  assert.deepEqual(sent.map((c) => c.last), [...Array(9).fill(false), true]);
  const whole = Buffer.concat(sent.map((c) => Buffer.from(c.bytes)));
  assert.ok(whole.equals(Buffer.from(bytes)), "every byte, once, in order");
});

test("a_refused_chunk_stops_the_file_and_an_empty_file_sends_one_last_chunk", async () => {
  const file = new Blob([new Uint8Array(5000)]);
  const sent = [];
  const send = async (chunk) => {
    sent.push(chunk.offset);
    return chunk.offset === 1024 ? { code: "content_mismatch", reason: "no" } : { response: {} };
  };
  await assert.rejects(sendFile({ send, entry: "f:0", file, chunk: 1024, window: 1 }), { code: "content_mismatch" });
  assert.deepEqual(sent, [0, 1024], "nothing after the refusal");
  const empty = [];
  const acked = await sendFile({
    send: async (c) => (empty.push(c), { response: { offset: 0 } }),
    entry: "f:1",
    file: new Blob([]),
    chunk: 1024,
    window: 4,
  });
  assert.equal(acked, 0);
  assert.deepEqual(empty.map((c) => [c.offset, c.bytes.length, c.last]), [[0, 0, true]]);
});

/** A stand-in for XMLHttpRequest that answers `status` after reporting `steps` of progress. */
function fakeXhr(status, steps, { fail = false } = {}) {
  const seen = {};
  const make = () => {
    const request = {
      upload: {},
      open(method, url) {
        Object.assign(seen, { method, url });
      },
      send(body) {
        seen.body = body;
        queueMicrotask(() => {
          for (const loaded of steps) request.upload.onprogress({ loaded });
          if (fail) request.onerror();
          else {
            request.status = status;
            request.onload();
          }
        });
      },
    };
    return request;
  };
  return { make, seen };
}

test("a_file_put_to_its_url_reports_progress_and_resolves_on_a_2xx", async () => {
  const { make, seen } = fakeXhr(201, [10, 20]);
  const sent = [];
  const file = { size: 20 };
  const status = await putFile({ url: "/files/x?sig=1", method: "PUT", file, progress: (n) => sent.push(n), xhr: make });
  assert.equal(status, 201);
  assert.deepEqual(seen, { method: "PUT", url: "/files/x?sig=1", body: file });
  assert.deepEqual(sent, [10, 20]);
});

test("a_put_the_store_refuses_or_cannot_take_rejects", async () => {
  await assert.rejects(
    putFile({ url: "/u", file: {}, xhr: fakeXhr(403, []).make }),
    (e) => e.status === 403 && /403/.test(e.message),
  );
  await assert.rejects(putFile({ url: "/u", file: {}, xhr: fakeXhr(0, [], { fail: true }).make }), /could not be reached/);
});
