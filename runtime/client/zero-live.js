// The 0x0 Live browser client: turns the server-rendered page into a live one. Loaded as a
// module by the page (`<script type="module" src=".../zero-live.js">`); no inline script.
//
// It joins the session named by the page's `data-zl-session` over one WebSocket (protocol v2,
// the compact encoding; see docs/reference/live.md), keeps the rendered tree (`tree.js`), and
// patches the DOM with morphdom, keyed by element ids. Events: `z-click`, `z-submit`, `z-change`,
// `z-input`, `z-keydown`/`z-keyup` (with `z-key`), `z-blur`/`z-focus`, `z-window-*`, with values
// from `z-value-*` attributes and form fields, `z-debounce`/`z-throttle` and `data-confirm`; live
// links (`<a z-patch>`) and back/forward patch the view. Connection life: heartbeat, reconnect
// with exponential backoff and jitter, `zl-disconnected` on the root while not joined, a rejoin
// (full render) when a revision is missed.

import { Tree, MergeError } from "./tree.js";
import morphdom from "./vendor/morphdom.js";
import { KIND, FIELDS } from "./protocol.js";

const SUBPROTOCOL = "0x0-live.v2";
const KINDS = Object.values(KIND);
const HEARTBEAT_MS = 30_000;

/** Encodes a message of `kind` in the compact encoding: [kind, ref, fields...]. */
export function encode(kind, ref, payload = {}) {
  const items = [KINDS.indexOf(kind), ref ?? null];
  for (const [name] of FIELDS[kind]) items.push(payload[name] ?? null);
  while (items.length > 2 && items[items.length - 1] === null) items.pop();
  return JSON.stringify(items);
}

/** Decodes a compact frame into {kind, ref, payload}; throws on anything else. */
export function decode(text) {
  const items = JSON.parse(text);
  const kind = Array.isArray(items) ? KINDS[items[0]] : undefined;
  if (kind === undefined) throw new Error(`not a live frame: ${text.slice(0, 80)}`);
  const payload = {};
  FIELDS[kind].forEach(([name], i) => {
    const value = items[i + 2];
    if (value !== undefined && value !== null) payload[name] = value;
  });
  return { kind, ref: items[1], payload };
}

/** The values an element sends with its event: its `z-value-*` attributes. */
function valuesOf(el) {
  const value = {};
  for (const attr of el.attributes) {
    if (attr.name.startsWith("z-value-")) value[attr.name.slice("z-value-".length)] = attr.value;
  }
  return value;
}

/** A form's fields as an object (repeated names become arrays). */
function serialize(form) {
  const value = {};
  for (const [name, field] of new FormData(form)) {
    if (typeof field !== "string") continue;
    if (name in value) value[name] = [].concat(value[name], field);
    else value[name] = field;
  }
  return value;
}

export class LiveSocket {
  constructor(root, { debug = false } = {}) {
    this.root = root;
    this.debug = debug;
    this.session = root.dataset.zlSession;
    this.path = root.dataset.zlSocket;
    this.csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
    this.tree = new Tree();
    this.ref = 1;
    this.pending = new Map();
    this.attempts = 0;
    this.ws = null;
    this.heartbeat = null;
    this.joined = false;
    this.#listen();
  }

  log(...args) {
    if (this.debug) console.debug("[zero-live]", ...args);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}${this.path}`, [SUBPROTOCOL]);
    this.ws = ws;
    ws.onopen = () => this.#join();
    ws.onmessage = (e) => this.#receive(e.data);
    ws.onclose = () => this.#closed(ws);
  }

  #send(kind, payload, onReply) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    const ref = ++this.ref;
    if (onReply) this.pending.set(ref, onReply);
    const frame = encode(kind, ref, payload);
    this.log("->", frame);
    this.ws.send(frame);
    return true;
  }

  #join() {
    this.pending.clear();
    const url = location.pathname + location.search;
    this.#send(KIND.JOIN, { topic: `lv:${location.pathname}`, session: this.session, csrf: this.csrf, url }, (reply) => {
      if (reply.kind !== KIND.REPLY || reply.payload.status !== "ok") {
        this.log("join refused", reply.payload);
        return;
      }
      this.tree = new Tree();
      this.tree.join(reply.payload.rev ?? 0, reply.payload.rendered);
      this.joined = true;
      this.attempts = 0;
      this.root.classList.remove("zl-disconnected");
      this.root.classList.add("zl-connected");
      this.#patch();
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.#send(KIND.HEARTBEAT, {}), HEARTBEAT_MS);
    });
  }

  #receive(text) {
    this.log("<-", text);
    let message;
    try {
      message = decode(text);
    } catch (e) {
      this.log(e);
      return;
    }
    const { kind, ref, payload } = message;
    if (kind === KIND.REDIRECT) {
      location.assign(payload.to);
      return;
    }
    if (kind === KIND.PATCH) {
      history[payload.replace ? "replaceState" : "pushState"]({}, "", payload.to);
      return;
    }
    if (kind === KIND.DIFF) {
      this.#apply(payload.rev, payload.diff);
      if (payload.title) document.title = payload.title;
      return;
    }
    const waiting = this.pending.get(ref);
    if (waiting) {
      this.pending.delete(ref);
      waiting(message);
    }
  }

  #apply(rev, change) {
    try {
      this.tree.apply(rev, change);
      this.#patch();
    } catch (e) {
      if (!(e instanceof MergeError)) throw e;
      // A missed or bad revision: rejoin for a full render.
      this.log(e.message);
      this.ws?.close();
    }
  }

  #patch() {
    const next = this.root.cloneNode(false);
    next.innerHTML = this.tree.html();
    morphdom(this.root, next, {
      childrenOnly: true,
      onBeforeElUpdated: (from, to) => {
        // Keep what the user is typing: the focused field's value and selection stay.
        if (from === document.activeElement && "value" in from && "value" in to) {
          to.value = from.value;
        }
        return !from.isEqualNode(to);
      },
    });
  }

  #push(el, event, value) {
    el.classList.add("zl-loading");
    const sent = this.#send(KIND.EVENT, { event, value }, (reply) => {
      el.classList.remove("zl-loading");
      if (reply.kind === KIND.REPLY && reply.payload.rendered !== undefined) {
        this.#apply(reply.payload.rev, reply.payload.rendered);
      } else if (reply.kind === KIND.ERROR) {
        this.log("event refused", reply.payload);
      }
    });
    if (!sent) el.classList.remove("zl-loading");
  }

  /** Sends `event` for `el` now, or as its `z-debounce` / `z-throttle` says. */
  #trigger(el, event, value) {
    const debounce = el.getAttribute("z-debounce");
    const throttle = el.getAttribute("z-throttle");
    const timers = (this.timers ??= new WeakMap());
    if (debounce !== null) {
      clearTimeout(timers.get(el));
      const ms = Number(debounce) || 300;
      timers.set(el, setTimeout(() => this.#push(el, event, value), ms));
      return;
    }
    if (throttle !== null) {
      const now = Date.now();
      const last = timers.get(el) ?? 0;
      if (now - last < (Number(throttle) || 300)) return;
      timers.set(el, now);
    }
    this.#push(el, event, value);
  }

  /** Whether the user confirms an element's `data-confirm` (or there is none). */
  #confirmed(el) {
    const message = el.getAttribute("data-confirm");
    return message === null || window.confirm(message);
  }

  #listen() {
    this.root.addEventListener("click", (e) => {
      const link = e.target.closest("a[z-patch]");
      if (link && this.root.contains(link)) {
        e.preventDefault();
        this.#navigate(link.getAttribute("href"), true);
        return;
      }
      const el = e.target.closest("[z-click]");
      if (!el || !this.root.contains(el)) return;
      if (!this.#confirmed(el)) {
        e.preventDefault();
        return;
      }
      const value = valuesOf(el);
      this.#trigger(el, el.getAttribute("z-click"), Object.keys(value).length ? value : undefined);
    });
    this.root.addEventListener("submit", (e) => {
      const form = e.target.closest("form[z-submit]");
      if (!form) return;
      e.preventDefault();
      if (!this.#confirmed(form)) return;
      this.#push(form, form.getAttribute("z-submit"), serialize(form));
    });
    for (const [dom, binding] of [["change", "z-change"], ["input", "z-input"]]) {
      this.root.addEventListener(dom, (e) => {
        const el = e.target.closest(`[${binding}]`);
        if (!el) return;
        const value = el.tagName === "FORM" ? serialize(el) : { ...valuesOf(el), value: e.target.value };
        this.#trigger(el, el.getAttribute(binding), value);
      });
    }
    const key = (binding) => (e) => {
      const el = e.target.closest?.(`[${binding}]`);
      if (!el || !this.root.contains(el)) return;
      this.#key(el, binding, e);
    };
    this.root.addEventListener("keydown", key("z-keydown"));
    this.root.addEventListener("keyup", key("z-keyup"));
    for (const [dom, binding] of [["focusout", "z-blur"], ["focusin", "z-focus"]]) {
      this.root.addEventListener(dom, (e) => {
        const el = e.target.closest?.(`[${binding}]`);
        if (el && el === e.target) this.#trigger(el, el.getAttribute(binding), { ...valuesOf(el), value: el.value });
      });
    }
    for (const [dom, binding] of [
      ["keydown", "z-window-keydown"],
      ["keyup", "z-window-keyup"],
      ["blur", "z-window-blur"],
      ["focus", "z-window-focus"],
    ]) {
      window.addEventListener(dom, (e) => {
        for (const el of this.root.querySelectorAll(`[${binding}]`)) {
          if (dom.startsWith("key")) this.#key(el, binding, e);
          else this.#trigger(el, el.getAttribute(binding), valuesOf(el));
        }
      });
    }
    window.addEventListener("popstate", () => this.#navigate(location.pathname + location.search, false));
  }

  /** A key event for `el`, filtered by its `z-key`. */
  #key(el, binding, e) {
    const wanted = el.getAttribute("z-key");
    if (wanted !== null && wanted !== e.key) return;
    const value = { ...valuesOf(el), key: e.key };
    if ("value" in el) value.value = el.value;
    this.#trigger(el, el.getAttribute(binding), value);
  }

  /** A live patch: the same view, new params; a link to another view loads it. */
  #navigate(href, push) {
    const url = new URL(href, location.href);
    if (url.origin !== location.origin || url.pathname !== location.pathname) {
      location.assign(url.href);
      return;
    }
    const to = url.pathname + url.search;
    if (push) history.pushState({}, "", to);
    this.#send(KIND.PARAMS, { url: to }, (reply) => {
      if (reply.kind === KIND.REPLY && reply.payload.rendered !== undefined) {
        this.#apply(reply.payload.rev, reply.payload.rendered);
      }
    });
  }

  #closed(ws) {
    if (ws !== this.ws) return;
    clearInterval(this.heartbeat);
    this.joined = false;
    this.root.classList.remove("zl-connected");
    this.root.classList.add("zl-disconnected");
    // Exponential backoff with full jitter, capped at 10 s.
    const delay = Math.random() * Math.min(10_000, 250 * 2 ** this.attempts);
    this.attempts += 1;
    setTimeout(() => this.connect(), delay);
  }
}

const root = typeof document !== "undefined" ? document.querySelector("[data-zl-root]") : null;
if (root) {
  const socket = new LiveSocket(root, { debug: localStorage.getItem("zl-debug") === "1" });
  socket.connect();
  window.zeroLive = socket;
}
