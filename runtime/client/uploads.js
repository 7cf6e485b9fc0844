// Uploads over the live socket: what the page checks before any byte is sent, and how a file
// travels in acknowledged chunks. The server checks everything again (runtime/zero-live/src/
// uploads): these checks only spare the user a wait for an answer known in advance.

/** The extension of `name`, lower case, without the dot ("" without one). */
function extension(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : "";
}

/** The name the server's type check uses for an extension (`jpeg` is `jpg`). */
function canonical(ext) {
  return { jpeg: "jpg", jpe: "jpg", tiff: "tif" }[ext] ?? ext;
}

/** Whether a file matches an `accept` attribute's items (`.ext`, `type/sub`, `type/*`). */
export function accepts(accept, name, type) {
  const items = accept
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 0) return true;
  const ext = canonical(extension(name));
  const mime = (type || "").toLowerCase();
  return items.some((item) => {
    if (item.startsWith(".")) return ext !== "" && ext === canonical(item.slice(1));
    if (item.endsWith("/*")) return mime.split("/")[0] === item.slice(0, -2) && mime.includes("/");
    return mime === item;
  });
}

/**
 * What is wrong with `files` for an input whose `accept`, `data-max-entries` and
 * `data-max-size` say what the upload takes: `{code, name?}` items, empty when nothing is.
 * The codes are the server's (`too_many`, `too_large`, `not_accepted`).
 */
export function precheck({ accept = "", maxEntries = Infinity, maxSize = Infinity }, files) {
  if (files.length > maxEntries) return [{ code: "too_many" }];
  const errors = [];
  for (const file of files) {
    if (file.size > maxSize) errors.push({ code: "too_large", name: file.name });
    else if (!accepts(accept, file.name, file.type)) errors.push({ code: "not_accepted", name: file.name });
  }
  return errors;
}

/** What people read for each code. */
export const MESSAGES = {
  too_many: "Too many files.",
  too_large: "The file is too large.",
  not_accepted: "This type of file is not accepted.",
  content_mismatch: "The file's content does not match its type.",
  incomplete: "The file did not arrive whole.",
  quota_exceeded: "You have uploaded as much as you may at once.",
  rejected: "The file was rejected.",
  failed: "The server could not store the file.",
};

/**
 * The binary frame of an upload chunk: type 1, the request's ref, the entry reference, the
 * offset, whether it is the last, then the bytes (layout: runtime/zero-live/src/uploads/
 * frame.rs). Nothing is base64: the bytes go as they are.
 */
export function chunkFrame(ref, entry, offset, bytes, last) {
  const name = new TextEncoder().encode(entry);
  const frame = new Uint8Array(19 + name.length + bytes.length);
  const view = new DataView(frame.buffer);
  frame[0] = 1;
  view.setBigUint64(1, BigInt(ref));
  frame[9] = name.length;
  frame.set(name, 10);
  view.setBigUint64(10 + name.length, BigInt(offset));
  frame[18 + name.length] = last ? 1 : 0;
  frame.set(bytes, 19 + name.length);
  return frame;
}

/**
 * How much of a file is read at once: chunks are cut from it, so reads stay few (sending each
 * chunk as a Blob of the file, which the browser reads itself, measured slower).
 */
const BLOCK = 1 << 20;

/**
 * Sends `file` as entry `entry` in chunks of `chunk` bytes, at most `window` of them awaiting
 * their acknowledgement, from byte `offset`. `send({entry, offset, bytes, last})` sends one
 * chunk and resolves with its reply's payload (or rejects when the socket is gone);
 * `cancelled()` stops the transfer between chunks. Resolves with the bytes acknowledged;
 * rejects with the refusal.
 */
export async function sendFile({ send, entry, file, chunk, window, offset = 0, cancelled = () => false }) {
  let next = offset;
  let acked = offset;
  const inFlight = new Set();
  let failure = null;
  let block = null;
  let blockAt = 0;
  const read = async (at, end) => {
    if (!block || at < blockAt || end > blockAt + block.length) {
      blockAt = at;
      const until = Math.min(file.size, at + Math.max(BLOCK, end - at));
      block = new Uint8Array(await file.slice(at, until).arrayBuffer());
    }
    return block.subarray(at - blockAt, end - blockAt);
  };
  do {
    if (failure || cancelled()) break;
    const end = Math.min(next + chunk, file.size);
    // Each chunk is read before the next, so they leave in order; only the replies overlap.
    const bytes = await read(next, end);
    const p = send({ entry, offset: next, bytes, last: end >= file.size })
      .then((reply) => {
        if (reply.code) throw Object.assign(new Error(reply.reason), { code: reply.code });
        acked = Math.max(acked, reply.response?.offset ?? end);
      })
      .catch((e) => {
        failure ??= e;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    next = end;
    if (inFlight.size >= window) await Promise.race(inFlight);
  } while (next < file.size);
  await Promise.all(inFlight);
  if (failure) throw failure;
  return acked;
}

/**
 * Sends `file` straight to a store (an external upload's `{url, method}`), calling
 * `progress(bytesSent)` as it goes. Resolves once the store answered 2xx; rejects with the
 * status otherwise, or when the request fails. `xhr` makes the request (a test hands its own).
 */
export function putFile({ url, method = "PUT", file, progress = () => {}, xhr = () => new XMLHttpRequest() }) {
  return new Promise((resolve, reject) => {
    const request = xhr();
    request.open(method, url);
    request.upload.onprogress = (e) => progress(e.loaded);
    request.onload = () =>
      request.status >= 200 && request.status < 300
        ? resolve(request.status)
        : reject(Object.assign(new Error(`the store answered ${request.status}`), { status: request.status }));
    request.onerror = () => reject(new Error("the store could not be reached"));
    request.onabort = () => reject(new Error("the upload was stopped"));
    request.send(file);
  });
}
