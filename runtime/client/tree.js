// The client's copy of a live view: the statics cache and the tree of dynamics, merged from the
// server's full and change forms and rendered to HTML. Mirrors `zero_live::client::ClientTree`
// (the Rust tests prove the server's diffs against that one; the Node tests prove this one
// against the same cases). See docs/reference/live.md#diffs for the wire forms.

/** A merge that cannot apply: the caller rejoins for a full render. */
export class MergeError extends Error {}

const fail = (what) => {
  throw new MergeError(`cannot merge: ${what}`);
};

const isChange = (value) =>
  value !== null && typeof value === "object" && !Array.isArray(value) && !("f" in value);

export class Tree {
  constructor() {
    this.statics = new Map();
    this.root = null;
    this.revision = 0;
  }

  /** Replaces the tree with the full render of a join's reply at `revision`. */
  join(revision, value) {
    this.root = this.#full(value);
    this.revision = revision;
  }

  /** Merges the change of `revision`; a gap or a bad change throws and leaves the tree as it was. */
  apply(revision, value) {
    if (revision !== this.revision + 1) {
      fail(`revision gap: have ${this.revision}, got ${revision}; rejoin for a full render`);
    }
    if (this.root === null) fail("no tree to merge into");
    const saved = structuredClone(this.root);
    try {
      this.root = this.#merge(this.root, value);
      this.revision = revision;
    } catch (e) {
      this.root = saved;
      throw e;
    }
  }

  /** The HTML of the tree. */
  html() {
    const out = [];
    if (this.root !== null) this.#render(this.root, out);
    return out.join("");
  }

  #learn(object) {
    const f = object.f;
    if (typeof f !== "string") fail("`f` missing");
    if ("s" in object) {
      if (!Array.isArray(object.s) || !object.s.every((s) => typeof s === "string")) {
        fail("`s` is not a list of text");
      }
      this.statics.set(f, object.s);
    } else if (!this.statics.has(f)) {
      fail(`statics of ${f} were never sent`);
    }
    return f;
  }

  #row(value) {
    if (!Array.isArray(value)) fail("row is not an array");
    return value.map((v) => this.#full(v));
  }

  #full(value) {
    if (typeof value === "string") return { t: "text", text: value };
    if (value === null) return { t: "empty" };
    if (typeof value !== "object" || Array.isArray(value)) fail(`unexpected ${JSON.stringify(value)}`);
    const f = this.#learn(value);
    if ("d" in value) {
      if (!Array.isArray(value.d)) fail("`d` is not an array");
      return { t: "block", f, d: value.d.map((v) => this.#full(v)) };
    }
    if (!Array.isArray(value.r)) fail("`r` is not an array");
    const rows = value.r.map((r) => this.#row(r));
    const keyed = Array.isArray(value.k);
    const keys = keyed ? value.k.map(String) : rows.map((_, i) => String(i));
    if (keys.length !== rows.length) fail("keys and rows differ in number");
    if ("x" in value) {
      const list = { t: "list", f, keys: [], rows: [], stream: true };
      applyStream(list, keys, rows, value.x);
      return list;
    }
    return { t: "list", f, keys, rows, stream: false };
  }

  #merge(node, change) {
    if (!isChange(change)) return this.#full(change);
    if (node.t === "block") {
      for (const [index, c] of Object.entries(change)) {
        const i = Number(index);
        if (!Number.isInteger(i) || i < 0 || i >= node.d.length) fail(`no position ${index}`);
        node.d[i] = this.#merge(node.d[i], c);
      }
      return node;
    }
    if (node.t === "list" && node.stream) {
      if (!("x" in change)) fail("a stream change without `x`");
      const keys = (change.k ?? []).map(String);
      const rows = (change.r ?? []).map((r) => this.#row(r));
      if (keys.length !== rows.length) fail("keys and rows differ in number");
      applyStream(node, keys, rows, change.x);
      return node;
    }
    if (node.t === "list") {
      const byKey = new Map(node.keys.map((k, i) => [k, node.rows[i]]));
      const order = change.o ? change.o.map(String) : node.keys;
      const rows = order.map((key) => {
        let row;
        if (change.i && key in change.i) row = this.#row(change.i[key]);
        else if (byKey.has(key)) row = byKey.get(key);
        else fail(`no row ${key}`);
        if (change.u && key in change.u) {
          row = this.#merge({ t: "block", f: "", d: row }, change.u[key]).d;
        }
        return row;
      });
      return { ...node, keys: order, rows };
    }
    return fail("a change for a node that has none");
  }

  #render(node, out) {
    switch (node.t) {
      case "text":
        out.push(node.text);
        break;
      case "empty":
        break;
      case "block":
        this.#interleave(node.f, node.d, out);
        break;
      case "list":
        for (const row of node.rows) this.#interleave(node.f, row, out);
        break;
    }
  }

  #interleave(f, dynamics, out) {
    const statics = this.statics.get(f) ?? fail(`statics of ${f}`);
    if (statics.length !== dynamics.length + 1) {
      fail(`${f} has ${statics.length} statics for ${dynamics.length} dynamics`);
    }
    dynamics.forEach((d, i) => {
      out.push(statics[i]);
      this.#render(d, out);
    });
    out.push(statics[statics.length - 1]);
  }
}

/** Applies one render's stream operations: reset, deletes, inserts (updates in place), limit. */
function applyStream(list, keys, rows, x) {
  if (x === null || typeof x !== "object") fail("`x` is not an object");
  if (x.reset === true) {
    list.keys = [];
    list.rows = [];
  }
  for (const key of x.d ?? []) {
    const i = list.keys.indexOf(String(key));
    if (i >= 0) {
      list.keys.splice(i, 1);
      list.rows.splice(i, 1);
    }
  }
  const at = x.at ?? keys.map(() => -1);
  if (at.length !== keys.length) fail("`at` and rows differ in number");
  keys.forEach((key, n) => {
    const existing = list.keys.indexOf(key);
    if (existing >= 0) {
      list.rows[existing] = rows[n];
      return;
    }
    const len = list.keys.length;
    const index = at[n] < 0 ? Math.max(len + at[n] + 1, 0) : Math.min(at[n], len);
    list.keys.splice(index, 0, key);
    list.rows.splice(index, 0, rows[n]);
  });
  if (Number.isInteger(x.limit)) {
    const abs = Math.abs(x.limit);
    if (list.keys.length > abs) {
      if (x.limit >= 0) {
        list.keys.length = abs;
        list.rows.length = abs;
      } else {
        list.keys.splice(0, list.keys.length - abs);
        list.rows.splice(0, list.rows.length - abs);
      }
    }
  }
}
