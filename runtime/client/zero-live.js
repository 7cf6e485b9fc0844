// The 0x0 Live browser client: turns the server-rendered page into a live one. Loaded as a
// module by the page (`<script type="module" src=".../zero-live.js">`); no inline script.
//
// It joins the session named by the page's `data-zl-session` over one WebSocket (protocol v2,
// the compact encoding; see docs/reference/live.md), keeps the rendered tree (`tree.js`), and
// patches the DOM with morphdom, keyed by element ids. Events: `z-click`, `z-submit`, `z-change`,
// `z-input`, `z-keydown`/`z-keyup` (with `z-key`), `z-blur`/`z-focus`, `z-window-*`, with values
// from `z-value-*` attributes and form fields, `z-debounce`/`z-throttle` and `data-confirm`; live
// links (`<a z-patch>`) and back/forward patch the view, `<a z-navigate>` moves to another live
// view over the same socket; `z-target` names the component an event is for. Hooks
// (`z-hook`, registered with `zeroLive.hook`), JS commands (the JSON `zero_live_core::Js`
// builds, in a binding attribute or pushed by the server), server pushes (`handleEvent`), the
// flash group (`#zl-flash`, carried across redirects by a signed cookie). Connection life:
// heartbeat, reconnect with exponential backoff and jitter, `zl-disconnected` on the root while
// not joined, a rejoin (full render) when a revision is missed, and form recovery after a rejoin.

import { Tree, MergeError } from "./tree.js";
import morphdom from "./vendor/morphdom.js";
import { KIND, FIELDS } from "./protocol.js";
import { precheck, sendFile, putFile, chunkFrame, MESSAGES } from "./uploads.js";

const SUBPROTOCOL = "0x0-live.v2";
const KINDS = Object.values(KIND);
const HEARTBEAT_MS = 30_000;
// A page reloads itself for a refused rejoin at most once in this long (`#refused`).
const RELOAD_EVERY_MS = 60_000;
const FLASH_COOKIE = "zl_flash";
/** How long a flash toast stays (an error longer); it waits while hovered or focused. */
const FLASH_MS = { info: 5_000, error: 10_000 };

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

/** Whether a binding's value is a JS command list rather than an event name. */
const isCommands = (binding) => binding.trimStart().startsWith("[");

/** What `focus_first` may focus. */
const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Attributes whose value a browser loads or follows: no script URL goes in. */
const URL_ATTRS = new Set(["href", "src", "action", "formaction", "xlink:href", "poster", "data"]);

/**
 * Whether a JS command may set attribute `name` to `value`: a well-formed name that is not an
 * event handler (`onclick`), and no `javascript:`, `vbscript:` or `data:` URL in a URL
 * attribute. `value` is null for a removal.
 */
const attributeAllowed = (name, value) =>
  /^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(name) &&
  !/^on/i.test(name) &&
  name.toLowerCase() !== "srcdoc" &&
  (value === null || !URL_ATTRS.has(name.toLowerCase()) || !/^\s*(javascript|vbscript|data):/i.test(value.replace(/[\u0000-\u001f]/g, "")));

/** The `z-target` an event of `el` carries: its own or its closest ancestor's. */
const targetOf = (el) => el.closest("[z-target]")?.getAttribute("z-target") ?? undefined;

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
    this.everJoined = false;
    this.hooks = new Map();
    this.mounted = new Map();
    this.updated = new Set();
    this.handlers = new Map();
    // What JS commands changed on an element (hidden, classes), kept across patches.
    this.sticky = new WeakMap();
    // Elements `push_focus` remembered, for `pop_focus`.
    this.focusStack = [];
    // The edge children `z-viewport-top` / `-bottom` watch (or watched), and for whom.
    this.edges = new WeakMap();
    // Elements a render dropped that stay while their `z-remove` transitions run.
    this.leaving = new WeakSet();
    // Elements whose `z-mounted` ran.
    this.entered = new WeakSet();
    // Whether the first join's page-loading events went out.
    this.loadingInitial = false;
    this.view = location.pathname;
    this.#listen();
  }

  /** Registers hook `name`: elements with `z-hook="name"` (and an id) get its callbacks. */
  hook(name, definition) {
    this.hooks.set(name, definition);
    this.#runHooks();
  }

  log(...args) {
    if (this.debug) console.debug("[zero-live]", ...args);
  }

  /**
   * Tells the page a live load started or ended, for a progress bar: `zero-live:page-loading-
   * start` and `zero-live:page-loading-stop` on `window`, `detail.kind` one of `initial` (the
   * first join), `navigate` and `patch`.
   */
  #loading(phase, kind) {
    window.dispatchEvent(new CustomEvent(`zero-live:page-loading-${phase}`, { detail: { kind } }));
  }

  connect() {
    // The flash the page was served with goes away by itself too (once).
    const served = document.getElementById("zl-flash");
    if (served && !served.dataset.expiring) {
      served.dataset.expiring = "1";
      this.#expire(served);
    }
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

  /** Sends an upload chunk as a binary frame; the reply comes as any request's. */
  #sendChunk({ entry, offset, bytes, last }, onReply) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    const ref = ++this.ref;
    this.pending.set(ref, onReply);
    this.ws.send(chunkFrame(ref, entry, offset, bytes, last));
    return true;
  }

  /**
   * Resolves with the reply to what `send(settle)` sent, or with null when it could not be
   * sent or the socket closed before the reply came: an upload's requests never wait for ever.
   */
  #awaited(send) {
    return new Promise((resolve) => {
      this.unanswered ??= new Set();
      const settle = (reply) => {
        this.unanswered.delete(settle);
        resolve(reply);
      };
      if (send(settle)) this.unanswered.add(settle);
      else resolve(null);
    });
  }

  /** Resolves once the page has joined again after the socket closed. */
  #rejoined() {
    return new Promise((resolve) => (this.rejoins ??= []).push(resolve));
  }

  #join() {
    this.pending.clear();
    const url = location.pathname + location.search;
    const rejoin = this.everJoined;
    // Forms with an id and z-change keep what the user typed while the socket was down; the
    // view gets it back as a change once joined.
    const recover = rejoin
      ? [...this.root.querySelectorAll("form[id][z-change]")].map((form) => [form.id, serialize(form)])
      : [];
    // A rejoin says the last revision it merged, so the server can count reconnects.
    const join = { topic: `lv:${location.pathname}`, session: this.session, csrf: this.csrf, url };
    if (rejoin) join.revision = this.tree.revision;
    const first = !rejoin && !this.loadingInitial;
    if (first) {
      this.loadingInitial = true;
      this.#loading("start", "initial");
    }
    this.#send(KIND.JOIN, join, (reply) => {
      if (first) this.#loading("stop", "initial");
      if (reply.kind !== KIND.REPLY || reply.payload.status !== "ok") {
        this.log("join refused", reply.payload);
        this.#refused(reply.payload.code);
        return;
      }
      this.view = location.pathname;
      this.joined = true;
      this.everJoined = true;
      this.attempts = 0;
      clearInterval(this.heartbeat);
      // The server says how often (`[heartbeat] interval_secs`); 30 s from an older server.
      const every = reply.payload.heartbeat_ms > 0 ? reply.payload.heartbeat_ms : HEARTBEAT_MS;
      this.heartbeat = setInterval(() => this.#send(KIND.HEARTBEAT, {}), every);
      this.#mountTree(
        reply.payload,
        () => {
          this.root.classList.remove("zl-disconnected");
          this.root.classList.add("zl-connected");
          document.getElementById("zl-banner")?.remove();
          if (rejoin) this.#eachHook((hook) => hook.reconnected?.());
          // Uploads cut off by the drop go on (see #upload).
          for (const resume of this.rejoins?.splice(0) ?? []) resume();
          for (const [id, value] of recover) {
            const form = document.getElementById(id);
            if (form?.hasAttribute("z-change")) this.#push(form, form.getAttribute("z-change"), value);
          }
        },
        new Set(recover.map(([id]) => id)),
      );
    });
  }

  /**
   * A join the server refused: a page whose token no longer verifies (expired, or signed by a
   * server that restarted with another key) reloads for a fresh one, and a view whose mount
   * refused (`not_found`, `bad_request`: the row went away since the page loaded) reloads to
   * show the server's error page, at most once a minute.
   */
  #refused(code) {
    if (!/^(token_|csrf_|no_route|not_found$|bad_request$)/.test(code ?? "")) return;
    // The same token will never join (or the view is gone, and the page says why): load the
    // page. A page that reloaded itself within the last minute says so instead, with a button
    // to load it now, and keeps trying with backoff: the first refusal past the minute reloads.
    const last = Number(sessionStorage.getItem("zl-reloaded") ?? 0);
    if (Date.now() - last < RELOAD_EVERY_MS) {
      this.#banner();
      return;
    }
    this.dead = true;
    this.#reload();
  }

  /** Reloads the page, noting when (a refusal within a minute of it shows the banner). */
  #reload() {
    sessionStorage.setItem("zl-reloaded", String(Date.now()));
    location.reload();
  }

  /** The banner of a page that cannot rejoin and may not reload yet (`#refused`). */
  #banner() {
    if (document.getElementById("zl-banner")) return;
    const banner = document.createElement("div");
    banner.id = "zl-banner";
    banner.className = "zl-banner";
    banner.setAttribute("role", "alert");
    banner.append("This page lost its connection to the server and keeps trying. ");
    const reload = document.createElement("button");
    reload.type = "button";
    reload.textContent = "Reload now";
    reload.addEventListener("click", () => {
      this.#reload();
    });
    banner.append(reload);
    document.body.prepend(banner);
  }

  /**
   * Replaces the tree with a full render (a join's or a navigate's reply) and patches, then
   * calls `done`. A big stream's rows follow the reply as `parts` diffs: they are merged into
   * the tree first, and the page is patched once, with all of them.
   */
  #mountTree(payload, done = () => {}, keepForms = new Set()) {
    this.tree = new Tree();
    this.tree.join(payload.rev ?? 0, payload.rendered);
    const finish = () => {
      this.#patch(keepForms);
      this.#meta(payload);
      done();
    };
    if (payload.parts > 0) this.parts = { left: payload.parts, finish };
    else finish();
  }

  /** Applies the title and flash a message carries. */
  #meta(payload) {
    if (payload.title) document.title = payload.title;
    if (payload.flash) this.#flash(payload.flash);
  }

  /** Shows the flash messages (replacing the group's); a click on one dismisses it. */
  #flash(messages) {
    let group = document.getElementById("zl-flash");
    if (!group) {
      group = document.createElement("div");
      group.id = "zl-flash";
      group.setAttribute("aria-live", "polite");
      this.root.before(group);
    }
    group.replaceChildren(
      ...Object.entries(messages).map(([kind, text]) => {
        const p = document.createElement("p");
        p.className = `zl-flash zl-flash-${kind}`;
        p.dataset.kind = kind;
        p.setAttribute("role", kind === "error" ? "alert" : "status");
        p.textContent = text;
        return p;
      }),
    );
    this.#expire(group);
  }

  /** Removes each toast of `group` after its time, later while the pointer or focus is on it. */
  #expire(group) {
    for (const toast of group.querySelectorAll(".zl-flash")) {
      const wait = toast.dataset.kind === "error" ? FLASH_MS.error : FLASH_MS.info;
      const later = () => {
        if (!toast.isConnected) return;
        if (toast.matches(":hover, :focus-within")) setTimeout(later, 1_000);
        else toast.remove();
      };
      setTimeout(later, wait);
    }
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
      // Only http(s), and another site only when the server marked it as allowed: a redirect
      // never runs script (`javascript:`) nor leaves the site by mistake.
      const target = new URL(payload.to, location.href);
      const foreign = target.origin !== location.origin;
      if (!/^https?:$/.test(target.protocol) || (foreign && payload.external !== true)) {
        this.log("redirect refused", payload.to);
        return;
      }
      if (payload.live) {
        this.#goto(payload.to, true);
        return;
      }
      if (payload.flash_token) {
        // Over HTTPS, `Secure` like the server's cookies (see the runtime's `cookies` module).
        const secure = location.protocol === "https:" ? "; secure" : "";
        document.cookie = `${FLASH_COOKIE}=${payload.flash_token}; path=/; max-age=60; samesite=lax${secure}`;
      }
      // The page is leaving: a reconnect now would only redirect again and abort this load.
      this.dead = true;
      location.assign(payload.to);
      return;
    }
    if (kind === KIND.PATCH) {
      if (new URL(payload.to, location.href).origin !== location.origin) return;
      history[payload.replace ? "replaceState" : "pushState"]({}, "", payload.to);
      return;
    }
    if (kind === KIND.DIFF && this.parts) {
      // A part of the full render just received: merged, shown with the last one.
      try {
        this.tree.apply(payload.rev, payload.diff);
      } catch (e) {
        if (!(e instanceof MergeError)) throw e;
        this.log(e.message);
        this.parts = null;
        this.ws?.close();
        return;
      }
      if (--this.parts.left === 0) {
        const { finish } = this.parts;
        this.parts = null;
        finish();
      }
      return;
    }
    if (kind === KIND.DIFF) {
      this.#apply(payload.rev, payload.diff);
      this.#meta(payload);
      return;
    }
    if (kind === KIND.PUSH) {
      for (const callback of this.handlers.get(payload.event) ?? []) callback(payload.payload ?? null);
      window.dispatchEvent(new CustomEvent(`zl:${payload.event}`, { detail: payload.payload ?? null }));
      return;
    }
    if (kind === KIND.EXEC) {
      this.exec(payload.ops, this.root);
      return;
    }
    if (kind === KIND.ERROR && ref == null && payload.code === "rate_limited") {
      // The server dropped frames unread and says so once, without a ref. Replies come in
      // order, so every request still waiting was sent at or after the first dropped frame:
      // each is settled with this error (a disabled button is released) rather than waiting
      // for ever; a late reply to one that was not dropped finds nothing waiting.
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const settle of waiting) settle(message);
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

  /** Renders the tree into the page; fields of the `keepForms` ids keep their values. */
  #patch(keepForms = new Set()) {
    const next = this.root.cloneNode(false);
    next.innerHTML = this.tree.html();
    morphdom(this.root, next, {
      childrenOnly: true,
      // `z-remove`: an element the render drops runs its commands first and stays on the page
      // for the longest transition among them (a leave animation), then goes.
      onBeforeNodeDiscarded: (node) => {
        if (node.nodeType !== 1 || !node.hasAttribute("z-remove")) return true;
        if (this.leaving.has(node)) return false;
        let ops;
        try {
          ops = JSON.parse(node.getAttribute("z-remove"));
        } catch {
          return true;
        }
        if (!Array.isArray(ops)) return true;
        this.leaving.add(node);
        this.exec(ops, node);
        const times = ops.filter(([name]) => name === "transition").map(([, args]) => Number(args?.time) || 200);
        setTimeout(() => {
          this.leaving.delete(node);
          node.remove();
        }, Math.max(0, ...times));
        return false;
      },
      onBeforeElUpdated: (from, to) => {
        // Keep what the user is typing: the focused field's value and selection stay, and so
        // do the fields of a form being recovered after a rejoin.
        const keep = from === document.activeElement || (from.form && keepForms.has(from.form.id));
        // A textarea's rendered text is its default value: it follows the server's render even
        // while the user's value is kept, so that a later render that resets the field (the
        // same text as before the user typed) is seen as a change and clears it.
        const rendered = to.tagName === "TEXTAREA" ? to.defaultValue : null;
        if (keep && "value" in from && "value" in to) {
          to.value = from.value;
          if ("checked" in from) to.checked = from.checked;
        }
        if (rendered !== null && from.defaultValue !== rendered) {
          from.defaultValue = rendered;
          if (!keep) from.value = rendered;
        }
        // `z-update="ignore"`: the element is the client's (a hook's) once rendered.
        if (from.getAttribute("z-update") === "ignore" && from.id) return false;
        this.#keepSticky(from, to);
        // An upload's preview keeps the picture the page made of the chosen file.
        if (from.hasAttribute("z-upload-preview") && from.getAttribute("src")) {
          to.setAttribute("src", from.getAttribute("src"));
        }
        if (from.isEqualNode(to)) return false;
        if (this.mounted.has(from)) this.updated.add(from);
        return true;
      },
    });
    this.#runHooks();
    this.#previews();
  }

  /**
   * `z-upload-preview="ENTRY"`: an image shows the chosen file of that upload entry. The
   * object URL of an entry the page no longer shows (saved, cancelled) is let go.
   */
  #previews() {
    if (!this.previews?.size) return;
    const shown = new Set();
    for (const img of this.root.querySelectorAll("img[z-upload-preview]")) {
      const entry = img.getAttribute("z-upload-preview");
      shown.add(entry);
      const url = this.previews.get(entry);
      if (url && !img.getAttribute("src")) img.src = url;
    }
    for (const [entry, url] of this.previews) {
      if (shown.has(entry)) continue;
      URL.revokeObjectURL(url);
      this.previews.delete(entry);
    }
  }

  /**
   * Shows what is wrong with an upload's files (`[z-upload-errors=NAME]`, which the page makes
   * an alert) and marks its input invalid; no errors clears both.
   */
  #uploadErrors(input, errors) {
    const name = input.getAttribute("z-upload");
    const text = errors.map((e) => (e.name ? `${e.name}: ` : "") + (MESSAGES[e.code] ?? e.code)).join(" ");
    for (const el of this.root.querySelectorAll("[z-upload-errors]")) {
      if (el.getAttribute("z-upload-errors") === name) el.textContent = text;
    }
    if (errors.length) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  /** A `z-upload` input's files were chosen: checked here first, sent now if it auto-uploads. */
  #chosen(input) {
    const limit = (v) => (v === undefined || v === "" ? Infinity : Number(v));
    const errors = precheck(
      { accept: input.accept, maxEntries: limit(input.dataset.maxEntries), maxSize: limit(input.dataset.maxSize) },
      [...input.files],
    );
    this.#uploadErrors(input, errors);
    if (errors.length) {
      // Nothing is sent: the user picks again.
      input.value = "";
      return;
    }
    if (input.hasAttribute("data-auto-upload")) this.#upload(input);
  }

  /** Sends one message and resolves with its answer (null if the socket is or goes down). */
  #ask(kind, payload) {
    return this.#awaited((settle) => this.#send(kind, payload, settle));
  }

  /**
   * Sends a `z-upload` input's files: the server checks them (`upload_start`) and answers with
   * an entry for each, then each file goes in acknowledged chunks. Resolves true when every
   * file arrived. A file of a resumable upload (its entry has a `resume` token) cut off by a
   * lost connection goes on once the page joined again, from the bytes the server has.
   */
  async #upload(input) {
    const files = [...input.files];
    if (files.length === 0) return true;
    input.value = "";
    const upload = input.getAttribute("z-upload");
    const entries = files.map((f, i) => ({ ref: String(i), name: f.name, size: f.size, type: f.type }));
    const started = await this.#ask(KIND.UPLOAD_START, { upload, entries });
    if (!started) return false;
    if (started.kind !== KIND.REPLY) {
      this.log("upload refused", started.payload);
      return false;
    }
    this.#answered(started.payload);
    const answer = started.payload.response ?? {};
    if (answer.error) {
      this.#uploadErrors(input, [{ code: answer.error }]);
      return false;
    }
    this.#uploadErrors(input, []);
    this.previews ??= new Map();
    const send = async (chunk) => {
      const reply = await this.#awaited((settle) => this.#sendChunk(chunk, settle));
      if (!reply) throw Object.assign(new Error("the socket closed"), { closed: true });
      if (reply.kind === KIND.REPLY) this.#answered(reply.payload);
      return reply.payload;
    };
    const sent = files.map(async (file, i) => {
      let entry = answer.entries?.[String(i)];
      if (!entry || entry.error) return false;
      if (entry.external) return this.#putExternal(input, entry, file);
      for (;;) {
        // A preview per entry: the page of a rejoin let go of the last one.
        if (file.type.startsWith("image/") && !this.previews.has(entry.entry)) {
          this.previews.set(entry.entry, URL.createObjectURL(file));
          this.#previews();
        }
        try {
          const { chunk, window, offset } = entry;
          await sendFile({ send, entry: entry.entry, file, chunk, window, offset: offset ?? 0 });
          return true;
        } catch (e) {
          if (!e.closed || !entry.resume) {
            this.log("upload stopped", entry.entry, e.code ?? e.message);
            return false;
          }
        }
        // Cut off: offered again with its token once the page joined again (the view mounted
        // anew), and sent on from the offset the server answers.
        await this.#rejoined();
        const offer = { ref: "0", name: file.name, size: file.size, type: file.type, resume: entry.resume };
        const again = await this.#ask(KIND.UPLOAD_START, { upload, entries: [offer] });
        if (!again) continue;
        if (again.kind !== KIND.REPLY) return false;
        this.#answered(again.payload);
        const next = again.payload.response?.entries?.["0"];
        if (!next || next.error) {
          this.#uploadErrors(input, [{ code: next?.error ?? again.payload.response?.error }]);
          return false;
        }
        this.log("upload resumed", next.entry, next.offset);
        entry = next;
      }
    });
    return (await Promise.all(sent)).every(Boolean);
  }

  /**
   * Sends a file of an external upload straight to the store at the URL its entry carries,
   * telling the server how far it got (at most every tenth of the file) and when the store took
   * it whole: the server then checks it and answers whether the entry is done.
   */
  async #putExternal(input, entry, file) {
    const report = async (received, last) => {
      const reply = await this.#ask(KIND.UPLOAD_PROGRESS, { entry: entry.entry, received, last });
      if (reply?.kind === KIND.REPLY) this.#answered(reply.payload);
      return reply;
    };
    let reported = 0;
    const progress = (sent) => {
      if (sent < file.size && sent - reported >= file.size / 10) {
        reported = sent;
        report(sent, false);
      }
    };
    try {
      await putFile({ ...entry.external, file, progress });
    } catch (e) {
      this.log("upload stopped", entry.entry, e.message);
      this.#uploadErrors(input, [{ code: "failed", name: file.name }]);
      return false;
    }
    const done = await report(file.size, true);
    return done?.kind === KIND.REPLY && done.payload.response?.done === true;
  }

  /** Merges a reply's render and its title and flash. */
  #answered(payload) {
    if (payload.rendered !== undefined) this.#apply(payload.rev, payload.rendered);
    this.#meta(payload);
  }

  /**
   * `z-viewport-top` and `z-viewport-bottom` (infinite scroll over a stream): the binding of a
   * container runs when its first (top) or last (bottom) child comes into view, once per such
   * child. After a render the edge children are looked at again: rows appended give a new last
   * child to watch, so each page of rows asks for the next once it is seen.
   */
  #watchViewport() {
    this.viewport ??= new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        this.viewport.unobserve(entry.target);
        const watched = this.edges.get(entry.target);
        if (!watched || !watched.container.isConnected) continue;
        const binding = watched.container.getAttribute(watched.binding);
        if (binding) this.#bind(watched.container, binding, valuesOf(watched.container));
      }
    });
    for (const container of this.root.querySelectorAll("[z-viewport-top], [z-viewport-bottom]")) {
      for (const [binding, child] of [
        ["z-viewport-top", container.firstElementChild],
        ["z-viewport-bottom", container.lastElementChild],
      ]) {
        if (!container.hasAttribute(binding) || !child || this.edges.has(child)) continue;
        this.edges.set(child, { container, binding });
        this.viewport.observe(child);
      }
    }
  }

  /** Re-applies what JS commands changed on `from` to its next version `to`. */
  #keepSticky(from, to) {
    const state = this.sticky.get(from);
    if (!state) return;
    if (state.hidden !== undefined) to.hidden = state.hidden;
    for (const name of state.added) to.classList.add(name);
    for (const name of state.removed) to.classList.remove(name);
    for (const [name, value] of state.attrs) {
      if (value === null) to.removeAttribute(name);
      else to.setAttribute(name, value);
    }
    // Attributes the browser owns (`ignore_attrs`): as they are now, whatever the server says.
    for (const name of state.ignored) {
      if (from.hasAttribute(name)) to.setAttribute(name, from.getAttribute(name));
      else to.removeAttribute(name);
    }
  }

  #stick(el) {
    let state = this.sticky.get(el);
    if (!state) {
      state = { hidden: undefined, added: new Set(), removed: new Set(), attrs: new Map(), ignored: new Set() };
      this.sticky.set(el, state);
    }
    return state;
  }

  /** Calls `f` with every mounted hook. */
  #eachHook(f) {
    for (const hook of this.mounted.values()) f(hook);
  }

  /**
   * Runs hook callbacks after a patch: destroyed, updated, then mounted for new elements. Hooks
   * mount once the view is live (joined), so `pushEvent` in `mounted` reaches the server.
   */
  #runHooks() {
    if (!this.joined) return;
    // `z-mounted`: commands (or an event) run once for each element, when it enters the page.
    for (const el of this.root.querySelectorAll("[z-mounted]")) {
      if (this.entered.has(el)) continue;
      this.entered.add(el);
      this.#bind(el, el.getAttribute("z-mounted"), valuesOf(el));
    }
    this.#watchViewport();
    for (const [el, hook] of this.mounted) {
      if (!el.isConnected || el.getAttribute("z-hook") !== hook.name) {
        this.mounted.delete(el);
        this.updated.delete(el);
        hook.destroyed?.();
      }
    }
    for (const el of this.updated) this.mounted.get(el)?.updated?.();
    this.updated.clear();
    for (const el of this.root.querySelectorAll("[z-hook]")) {
      const name = el.getAttribute("z-hook");
      const definition = this.hooks.get(name);
      if (!definition || this.mounted.has(el)) continue;
      if (!el.id) console.error(`[zero-live] z-hook="${name}" needs an id to keep its element across patches`);
      const hook = Object.assign(Object.create(definition), {
        el,
        name,
        liveSocket: this,
        pushEvent: (event, value, onReply) => this.#push(el, event, value, onReply),
        handleEvent: (event, callback) => {
          if (!this.handlers.has(event)) this.handlers.set(event, new Set());
          this.handlers.get(event).add(callback);
          (hook.subscriptions ??= []).push([event, callback]);
        },
      });
      const destroyed = hook.destroyed;
      // A destroyed hook stops receiving the events it subscribed to.
      hook.destroyed = function () {
        for (const [event, callback] of hook.subscriptions ?? []) hook.liveSocket.handlers.get(event)?.delete(callback);
        destroyed?.call(this);
      };
      this.mounted.set(el, hook);
      hook.mounted?.();
    }
  }

  /** Runs JS commands (`[[name, args], ...]`) for `el`, in order. */
  exec(ops, el, depth = 0) {
    const all = (to) => (to ? document.querySelectorAll(to) : [el]);
    for (const [name, args = {}] of ops) {
      switch (name) {
        case "set_attr":
        case "remove_attr":
        case "toggle_attr":
          for (const target of all(args.to)) {
            const attr = String(args.name ?? "");
            let value;
            if (name === "set_attr") value = String(args.value ?? "");
            else if (name === "remove_attr") value = null;
            else if (Array.isArray(args.values) && args.values.length === 2) {
              const [first, second] = args.values.map(String);
              value = target.getAttribute(attr) === first ? second : first;
            } else value = target.hasAttribute(attr) ? null : "";
            if (!attributeAllowed(attr, value)) {
              console.warn("[zero-live] a JS command may not set", attr);
              continue;
            }
            if (value === null) target.removeAttribute(attr);
            else target.setAttribute(attr, value);
            this.#stick(target).attrs.set(attr, value);
          }
          break;
        case "ignore_attrs":
          for (const target of all(args.to)) {
            const state = this.#stick(target);
            for (const attr of String(args.names ?? "").split(/\s+/).filter(Boolean)) state.ignored.add(attr);
          }
          break;
        case "transition": {
          const names = String(args.names ?? "").split(/\s+/).filter(Boolean);
          const targets = [...all(args.to)];
          for (const target of targets) {
            target.classList.add(...names);
            for (const cls of names) this.#stick(target).added.add(cls);
          }
          setTimeout(() => {
            for (const target of targets) {
              const state = this.#stick(target);
              for (const cls of names) {
                state.added.delete(cls);
                target.classList.remove(cls);
              }
            }
          }, Number(args.time) > 0 ? Number(args.time) : 200);
          break;
        }
        case "focus_first":
          all(args.to)[0]?.querySelector(FOCUSABLE)?.focus();
          break;
        case "push_focus":
          this.focusStack.push(args.to ? all(args.to)[0] : el);
          break;
        case "pop_focus": {
          const target = this.focusStack.pop();
          if (target?.isConnected) target.focus();
          break;
        }
        case "exec":
          // Commands that run commands: a loop stops at eight levels.
          if (depth >= 8) break;
          for (const target of all(args.to)) {
            const stored = target.getAttribute(String(args.attr ?? ""));
            if (stored && isCommands(stored)) this.exec(JSON.parse(stored), target, depth + 1);
          }
          break;
        case "show":
        case "hide":
        case "toggle":
          for (const target of all(args.to)) {
            const hidden = name === "toggle" ? !target.hidden : name === "hide";
            target.hidden = hidden;
            this.#stick(target).hidden = hidden;
          }
          break;
        case "add_class":
        case "remove_class":
          for (const target of all(args.to)) {
            const state = this.#stick(target);
            for (const cls of String(args.names ?? "").split(/\s+/).filter(Boolean)) {
              const add = name === "add_class";
              target.classList.toggle(cls, add);
              (add ? state.added : state.removed).add(cls);
              (add ? state.removed : state.added).delete(cls);
            }
          }
          break;
        case "focus":
          all(args.to)[0]?.focus();
          break;
        case "dispatch":
          for (const target of all(args.to)) {
            target.dispatchEvent(new CustomEvent(args.event, { detail: args.detail ?? null, bubbles: true }));
          }
          break;
        case "push":
          this.#push(el, args.event, args.value);
          break;
        case "patch":
          this.#navigate(args.href, true);
          break;
        case "navigate":
          this.#goto(args.href, true);
          break;
        default:
          this.log("unknown JS command", name);
      }
    }
  }

  #push(el, event, value, onReply, submitting = false) {
    el.classList.add("zl-loading");
    // `z-disable-with="Saving..."`: the element, or a submitted form's buttons, is disabled
    // and shows that text until the reply arrives. A form's change or input (a validation
    // round trip) leaves its buttons alone.
    const restore = [];
    const form = el.tagName === "FORM";
    for (const button of form ? (submitting ? el.querySelectorAll("[z-disable-with]") : []) : [el]) {
      const text = button.getAttribute("z-disable-with");
      if (text === null) continue;
      restore.push([button, button.textContent, button.disabled]);
      button.textContent = text;
      button.disabled = true;
    }
    const done = () => {
      el.classList.remove("zl-loading");
      for (const [button, text, disabled] of restore) {
        button.textContent = text;
        button.disabled = disabled;
      }
    };
    const sent = this.#send(KIND.EVENT, { event, value, target: targetOf(el) }, (reply) => {
      done();
      if (reply.kind === KIND.REPLY) {
        if (reply.payload.rendered !== undefined) this.#apply(reply.payload.rev, reply.payload.rendered);
        this.#meta(reply.payload);
      } else if (reply.kind === KIND.ERROR) {
        this.log("event refused", reply.payload);
      }
      onReply?.(reply.payload);
    });
    if (!sent) done();
  }

  /** Runs a binding: JS commands run here, an event name goes to the view. */
  #bind(el, binding, value) {
    if (isCommands(binding)) {
      try {
        this.exec(JSON.parse(binding), el);
      } catch (e) {
        console.error("[zero-live] bad JS commands", binding, e);
      }
      return;
    }
    this.#trigger(el, binding, value);
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
      const link = e.target.closest("a[z-patch], a[z-navigate]");
      if (link && this.root.contains(link) && !e.metaKey && !e.ctrlKey && !e.shiftKey) {
        e.preventDefault();
        if (link.hasAttribute("z-patch")) this.#navigate(link.getAttribute("href"), true);
        else this.#goto(link.getAttribute("href"), true);
        return;
      }
      const el = e.target.closest("[z-click]");
      if (!el || !this.root.contains(el)) return;
      if (!this.#confirmed(el)) {
        e.preventDefault();
        return;
      }
      const value = valuesOf(el);
      this.#bind(el, el.getAttribute("z-click"), Object.keys(value).length ? value : undefined);
    });
    document.addEventListener("click", (e) => {
      // A flash message goes away when clicked.
      const flash = e.target.closest?.("#zl-flash .zl-flash");
      if (flash) flash.remove();
      // `z-click-away`: a click outside the element (a menu, a modal).
      for (const el of this.root.querySelectorAll("[z-click-away]")) {
        if (!el.contains(e.target) && el.checkVisibility?.() !== false) {
          this.#bind(el, el.getAttribute("z-click-away"), valuesOf(el));
        }
      }
    });
    this.root.addEventListener("submit", (e) => {
      const form = e.target.closest("form[z-submit]");
      if (!form) return;
      e.preventDefault();
      if (!this.#confirmed(form)) return;
      // A change still waiting out the form's debounce is dropped: the submit carries every
      // field, and a late change would undo what the submit did (a reset form refilled).
      clearTimeout(this.timers?.get(form));
      const binding = form.getAttribute("z-submit");
      const submit = () => {
        if (isCommands(binding)) this.#bind(form, binding);
        else this.#push(form, binding, serialize(form), undefined, true);
      };
      // Files chosen for an upload that waits for the submit are sent first.
      const waiting = [...form.querySelectorAll("input[type=file][z-upload]")].filter(
        (input) => input.files.length > 0 && !input.hasAttribute("data-auto-upload"),
      );
      if (waiting.length === 0) return submit();
      Promise.all(waiting.map((input) => this.#upload(input))).then(submit);
    });
    this.root.addEventListener("change", (e) => {
      if (e.target.matches?.("input[type=file][z-upload]")) this.#chosen(e.target);
    });
    // `z-drop-target="NAME"`: files dropped on the element are chosen for upload NAME.
    this.root.addEventListener("dragover", (e) => {
      const target = e.target.closest?.("[z-drop-target]");
      if (!target) return;
      e.preventDefault();
      target.classList.add("zl-drag-over");
    });
    this.root.addEventListener("dragleave", (e) => {
      e.target.closest?.("[z-drop-target]")?.classList.remove("zl-drag-over");
    });
    this.root.addEventListener("drop", (e) => {
      const target = e.target.closest?.("[z-drop-target]");
      if (!target) return;
      e.preventDefault();
      target.classList.remove("zl-drag-over");
      const name = target.getAttribute("z-drop-target");
      const input = [...this.root.querySelectorAll("input[type=file][z-upload]")].find(
        (i) => i.getAttribute("z-upload") === name,
      );
      if (!input || !e.dataTransfer?.files.length) return;
      const chosen = new DataTransfer();
      for (const file of e.dataTransfer.files) chosen.items.add(file);
      input.files = chosen.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    for (const [dom, binding] of [["change", "z-change"], ["input", "z-input"]]) {
      this.root.addEventListener(dom, (e) => {
        const el = e.target.closest(`[${binding}]`);
        if (!el) return;
        // A form's change names the field the user edited (`_target`), so the view can show
        // errors for touched fields only.
        const value =
          el.tagName === "FORM"
            ? { ...serialize(el), ...(e.target.name ? { _target: e.target.name } : {}) }
            : { ...valuesOf(el), value: e.target.value };
        this.#bind(el, el.getAttribute(binding), value);
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
        if (el && el === e.target) this.#bind(el, el.getAttribute(binding), { ...valuesOf(el), value: el.value });
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
          else this.#bind(el, el.getAttribute(binding), valuesOf(el));
        }
      });
    }
    window.addEventListener("popstate", () => {
      const to = location.pathname + location.search;
      if (location.pathname === this.view) this.#navigate(to, false);
      else this.#goto(to, false);
    });
  }

  /** A key event for `el`, filtered by its `z-key`. */
  #key(el, binding, e) {
    const wanted = el.getAttribute("z-key");
    if (wanted !== null && wanted !== e.key) return;
    const value = { ...valuesOf(el), key: e.key };
    if ("value" in el) value.value = el.value;
    this.#bind(el, el.getAttribute(binding), value);
  }

  /** A live patch: the same view, new params; a link to another view navigates. */
  #navigate(href, push) {
    const url = new URL(href, location.href);
    if (url.origin !== location.origin || url.pathname !== this.view) {
      this.#goto(href, push);
      return;
    }
    const to = url.pathname + url.search;
    if (push) history.pushState({}, "", to);
    this.#loading("start", "patch");
    const sent = this.#send(KIND.PARAMS, { url: to }, (reply) => {
      this.#loading("stop", "patch");
      if (reply.kind !== KIND.REPLY) return;
      if (reply.payload.rendered !== undefined) this.#apply(reply.payload.rev, reply.payload.rendered);
      this.#meta(reply.payload);
    });
    // Not sent (the socket is down): the rejoin renders the new params; the load is over.
    if (!sent) this.#loading("stop", "patch");
  }

  /** Moves to the live view at `href` over the socket (one round trip); anything else loads. */
  #goto(href, push) {
    const url = new URL(href, location.href);
    const to = url.pathname + url.search;
    const live = url.origin === location.origin && this.joined;
    if (live) this.#loading("start", "navigate");
    const sent =
      live &&
      this.#send(KIND.NAVIGATE, { url: to }, (reply) => {
        this.#loading("stop", "navigate");
        if (reply.kind !== KIND.REPLY || reply.payload.status !== "ok") {
          location.assign(url.href);
          return;
        }
        if (push) history.pushState({}, "", to);
        this.view = url.pathname;
        // The page now shows this view: after a lost connection it rejoins it, with its token.
        if (reply.payload.session) {
          this.session = reply.payload.session;
          this.root.dataset.zlSession = reply.payload.session;
        }
        this.#mountTree(reply.payload);
      });
    if (!sent) location.assign(url.href);
  }

  #closed(ws) {
    if (ws !== this.ws) return;
    clearInterval(this.heartbeat);
    // A full render cut off in its parts is asked for again by the rejoin.
    this.parts = null;
    if (this.joined) this.#eachHook((hook) => hook.disconnected?.());
    this.joined = false;
    // Replies to upload requests that will never come resolve with null.
    for (const settle of [...(this.unanswered ?? [])]) settle(null);
    this.root.classList.remove("zl-connected");
    this.root.classList.add("zl-disconnected");
    if (this.dead) return;
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
