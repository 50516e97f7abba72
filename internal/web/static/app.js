// shiplog's one script: local times, ticking durations, sign-in from a
// link, live release status, and the log viewer (virtual rows fetched in
// pages through the log index, live lines over Server-Sent Events).
// Every text from the server goes into the page as text, never as HTML.
"use strict";

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // toneOf colours terraform's colourless output by what a line says
  // (a class only: the text stays text): diagnostics anywhere; the change
  // markers (+ ~ - -/+ <=) only in the output of a phase that plans or
  // applies (action), where terraform indents them under a resource, so
  // that init's "- Installing …" or a script's "- item" stay plain.
  const DIAGNOSTICS = [[/^[\s│╷]*Error:/, "t-err"], [/^[\s│╷]*Warning:/, "t-warn"]];
  const CHANGES = [
    [/^\s*[-+]\/[-+] /, "t-del"], [/^\s+\+ /, "t-add"], [/^\s+~ /, "t-chg"], [/^\s+- /, "t-del"], [/^\s*<= /, "t-chg"],
    [/^(Apply complete!|No changes\.)/, "t-add"], [/^Plan: /, "t-plan"],
  ];
  const CHANGE_ACTIONS = new Set(["plan", "apply", "destroy-plan"]);
  function toneOf(text, action) {
    for (const [re, cls] of DIAGNOSTICS) if (re.test(text)) return cls;
    if (!CHANGE_ACTIONS.has(action)) return "";
    for (const [re, cls] of CHANGES) if (re.test(text)) return cls;
    return "";
  }

  // ANSI escape sequences: SGR (ESC [ … m) becomes classes on spans of the
  // text; every other sequence (cursor moves, OSC hyperlinks and titles)
  // is dropped. What is left is the text search and copy see.
  const ESCAPES = /\x1b\[([0-9;:]*)m|\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

  // sgrRuns splits a line into [text, classes] runs; null when it holds
  // no escape at all.
  function sgrRuns(text) {
    if (text.indexOf("\x1b") < 0) return null;
    const out = [];
    const st = { fg: -1, bg: -1, bold: false, dim: false, it: false, ul: false };
    let at = 0;
    ESCAPES.lastIndex = 0;
    for (let m = ESCAPES.exec(text); m; m = ESCAPES.exec(text)) {
      if (m.index > at) out.push([text.slice(at, m.index), sgrClass(st)]);
      at = ESCAPES.lastIndex;
      if (m[1] !== undefined) applySGR(st, m[1]);
    }
    if (at < text.length) out.push([text.slice(at), sgrClass(st)]);
    return out;
  }

  // plainText is a line without its escape sequences.
  function plainText(text) {
    return text.indexOf("\x1b") < 0 ? text : text.replace(ESCAPES, "");
  }

  function applySGR(st, params) {
    const ps = params === "" ? [0] : params.split(/[;:]/).map((x) => Number(x) || 0);
    for (let i = 0; i < ps.length; i++) {
      const n = ps[i];
      if (n === 0) Object.assign(st, { fg: -1, bg: -1, bold: false, dim: false, it: false, ul: false });
      else if (n === 1) st.bold = true;
      else if (n === 2) st.dim = true;
      else if (n === 3) st.it = true;
      else if (n === 4) st.ul = true;
      else if (n === 22) { st.bold = false; st.dim = false; }
      else if (n === 23) st.it = false;
      else if (n === 24) st.ul = false;
      else if (n >= 30 && n <= 37) st.fg = n - 30;
      else if (n >= 90 && n <= 97) st.fg = n - 90 + 8;
      else if (n === 39) st.fg = -1;
      else if (n >= 40 && n <= 47) st.bg = n - 40;
      else if (n >= 100 && n <= 107) st.bg = n - 100 + 8;
      else if (n === 49) st.bg = -1;
      else if (n === 38 || n === 48) {
        // 256 colours: the first 16 are the named ones; 24-bit and the
        // rest of the cube are left in the default colour
        if (ps[i + 1] === 5) {
          const c = ps[i + 2];
          if (c < 16) { if (n === 38) st.fg = c; else st.bg = c; }
          i += 2;
        } else if (ps[i + 1] === 2) i += 4;
      }
    }
  }

  function sgrClass(st) {
    const c = [];
    if (st.fg >= 0) c.push("a-f" + st.fg);
    if (st.bg >= 0) c.push("a-b" + st.bg);
    if (st.bold) c.push("a-bold");
    if (st.dim) c.push("a-dim");
    if (st.it) c.push("a-it");
    if (st.ul) c.push("a-ul");
    return c.join(" ");
  }

  // setParam keeps a view's state in its address (empty value: removed).
  function setParam(name, value) {
    const u = new URL(location.href);
    if (value) u.searchParams.set(name, value); else u.searchParams.delete(name);
    history.replaceState(null, "", u);
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  function localTime(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function humanDuration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + pad(s % 60) + "s";
    return Math.floor(s / 3600) + "h " + pad(Math.floor(s / 60) % 60) + "m";
  }

  // Times: shown in local time, UTC kept in the title.
  function localTimes() {
    for (const t of $$("time[datetime]")) {
      const d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) t.textContent = localTime(d);
    }
  }

  // Durations of running things tick.
  function tick() {
    for (const e of $$(".elapsed[data-since]")) {
      const d = new Date(e.dataset.since);
      if (!isNaN(d)) e.textContent = humanDuration(Date.now() - d.getTime());
    }
  }

  function bars() {
    for (const b of $$(".bar[data-width]")) b.style.width = b.dataset.width + "%";
  }

  function filters() {
    for (const input of $$("input.filter[data-filter]")) {
      input.addEventListener("input", () => {
        const q = input.value.toLowerCase();
        for (const row of $$(input.dataset.filter)) row.hidden = q !== "" && !row.textContent.toLowerCase().includes(q);
      });
    }
    for (const b of $$("button[data-details]")) {
      b.addEventListener("click", () => { for (const d of $$("details.change")) d.open = b.dataset.details === "open"; });
    }
    // a link to one change (#c<phase>-<seq>) opens it
    const openTarget = () => {
      const d = /^#c/.test(location.hash) && document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (d && d.tagName === "DETAILS") { d.open = true; d.scrollIntoView(); }
    };
    openTarget();
    window.addEventListener("hashchange", openTarget);
  }

  // /login#token=…: the fragment never reaches the server; post it and
  // take it out of the address bar and history.
  function loginFromFragment() {
    const form = $("#login-form");
    if (!form) return;
    const m = /^#token=(.+)$/.exec(location.hash);
    if (!m) {
      // a deep link (#L150000) opened while signed out: the fragment never
      // reached the server, so it goes back with the destination
      const next = $("input[name=next]", form);
      if (next && location.hash.length > 1) next.value = next.value.split("#")[0] + location.hash;
      return;
    }
    history.replaceState(null, "", location.pathname + location.search);
    $("#token", form).value = decodeURIComponent(m[1]);
    form.submit();
  }

  // A running release's page follows it through one EventSource on its
  // log stream: a phase starting or a system line (status moves) and the
  // stream's end re-fetch the page's server-rendered parts in place.
  function liveRelease() {
    const el = $("#release[data-live]");
    if (!el) return;
    let timer = 0, phase = null;
    const refresh = async () => {
      timer = 0;
      try {
        const r = await fetch(location.href, { credentials: "same-origin" });
        if (!r.ok) return;
        const fresh = $("#release", new DOMParser().parseFromString(await r.text(), "text/html"));
        const cur = $("#release");
        if (fresh && cur) { cur.replaceWith(document.importNode(fresh, true)); localTimes(); bars(); counts(); }
      } catch (e) { /* the next event tries again */ }
    };
    const soon = () => { if (!timer) timer = setTimeout(refresh, 300); };
    const es = new EventSource("/api/v1/releases/" + el.dataset.release + "/logs/stream?cursor=" + (el.dataset.lastSeq || "0"));
    window.shiplogRelease = es;
    // lines since the page was rendered, by phase: the phases' line
    // counts grow with them (the page's data-last-seq is where its own
    // counts stop)
    let since = [];
    let countFrame = 0;
    const counts = () => {
      countFrame = 0;
      const rel = $("#release");
      if (!rel) return;
      const base = Number(rel.dataset.lastSeq) || 0;
      since = since.filter((x) => x.seq > base);
      const more = {};
      for (const x of since) more[x.phase] = (more[x.phase] || 0) + 1;
      for (const td of $$("td.lines[data-phase]", rel)) {
        const n = (Number(td.dataset.lines) || 0) + (more[td.dataset.phase] || 0);
        if (!n) continue;
        let a = $("a", td);
        if (!a) {
          a = document.createElement("a");
          a.href = "/releases/" + el.dataset.release + "/logs?phase=" + encodeURIComponent(td.dataset.phase);
          td.replaceChildren(a);
        }
        const text = n + " lines";
        if (a.textContent !== text) a.textContent = text;
      }
    };
    es.addEventListener("log", (ev) => {
      const e = JSON.parse(ev.data);
      since.push({ seq: e.seq, phase: e.phase });
      if (!countFrame) countFrame = setTimeout(counts, 50); // a timer: it also runs in a background tab
      if (e.stream === "system" || e.phase !== phase) soon();
      phase = e.phase;
    });
    es.addEventListener("end", () => { es.close(); clearTimeout(timer); refresh(); });
  }

  // Lists with releases still going refresh their rows from the server.
  function liveRows() {
    const refresh = async () => {
      const body = $("table.releases tbody");
      if (!body || !$("tr.active", body)) return;
      if (!document.hidden) {
        try {
          const r = await fetch(location.href, { credentials: "same-origin" });
          if (r.ok) {
            const doc = new DOMParser().parseFromString(await r.text(), "text/html");
            const fresh = $("table.releases tbody", doc);
            if (fresh) { body.replaceWith(document.importNode(fresh, true)); localTimes(); }
          }
        } catch (e) { /* the next round tries again */ }
      }
      setTimeout(refresh, 5000);
    };
    setTimeout(refresh, 5000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    localTimes();
    tick();
    setInterval(tick, 1000);
    bars();
    filters();
    loginFromFragment();
    liveRelease();
    liveRows();
    const log = $("#log");
    if (log) window.shiplogViewer = new LogViewer(log);
  });

  // ---- the log viewer --------------------------------------------------

  const PAGE = 500;      // lines per fetched page
  const KEEP_PAGES = 20; // pages kept in memory
  const MARGIN = 100;    // rows rendered above and below the visible ones
  const MAX_PX = 1.5e7;  // tallest scroll height used (browsers cap element heights)
  const CUT = 10000;     // longest line text shown

  class LogViewer {
    constructor(el) {
      this.el = el;
      this.canvas = $("#canvas", el);
      this.rowsEl = $("#rows", el);
      this.id = el.dataset.release;
      this.phase = el.dataset.phase;
      this.all = el.dataset.all === "1";
      this.runs = JSON.parse(el.dataset.runs || "[]");
      this.lines = Number(el.dataset.lines) || 0;
      this.lastSeq = Number(el.dataset.lastSeq) || 0;
      this.rowH = 18;
      this.pages = new Map();   // page number → array of entries
      this.loading = new Map(); // page number → promise
      this.aborts = new Map();  // page number → AbortController of its fetch
      this.generation = 0;      // bumped when the view moves to another phase
      this.sel = null;          // {a, b} lines highlighted from the URL
      this.matches = [];        // line numbers matching the search
      this.matchAt = -1;
      this.query = "";
      this.follow = true;
      this.newLines = 0;
      this.reconnects = 0;
      this.waiters = [];        // {n, resolve}: jump() promises
      this.rendered = { from: 0, to: 0 };
      // auto: no phase chosen on a running release, so the view moves on
      // to each phase as it starts; order and actions from the dropdown
      this.auto = el.dataset.auto === "1";
      this.order = [];
      this.actions = {};
      for (const o of $$("#phase option")) if (o.value) { this.order.push(o.value); this.actions[o.value] = o.dataset.action || ""; }
      this.held = null;         // {phase, entries}: a later phase's lines held while not following
      this.seenPhases = new Set();
      this.seedFromPage();
      this.fit();
      this.measure();
      this.sizeCanvas();
      this.bind();
      const h = this.parseHash();
      this.setFollow(!!el.dataset.live);
      if (h) this.select(h, true); else this.scrollToEnd();
      this.render();
      if (el.dataset.live) this.connect();
      const q = new URLSearchParams(location.search).get("q");
      if (q) this.search(q);
      else if (this.onlyOn()) $("#search-status").textContent = "type a search to show only its lines";
      // when the first lines were painted, from the navigation's start (ms)
      requestAnimationFrame(() => requestAnimationFrame(() => { this.firstPaint = performance.now(); }));
    }

    // The lines the server put in the page go into the cache.
    seedFromPage() {
      for (const row of $$(".ln", this.rowsEl)) {
        const text = row.dataset.raw !== undefined ? row.dataset.raw : $(".tx", row).textContent;
        const e = { seq: Number(row.dataset.seq), time: row.dataset.t, stream: row.dataset.s, phase: row.dataset.p, text };
        this.put(this.lineOf(e.seq), e);
      }
    }

    // fit makes the log fill the screen below its toolbar, however many
    // rows the toolbar wraps into (a phone's 390 px).
    fit() {
      const top = this.el.getBoundingClientRect().top + window.scrollY;
      const h = Math.max(240, Math.floor(window.innerHeight - top - 12));
      if (this.el.style.height !== h + "px") this.el.style.height = h + "px";
    }

    measure() {
      const probe = document.createElement("div");
      probe.className = "ln";
      probe.textContent = "0";
      this.rowsEl.appendChild(probe);
      this.rowH = probe.getBoundingClientRect().height || 18;
      probe.remove();
    }

    // Line number (from 1) of a seq in the shown log; 0 if not in it.
    lineOf(seq, runs) {
      let before = 0;
      for (const [a, b] of runs || this.runs) {
        if (seq >= a && seq <= b) return before + seq - a + 1;
        before += b - a + 1;
      }
      return 0;
    }

    // Seq of line n; 0 if there is none.
    seqOf(n) {
      for (const [a, b] of this.runs) {
        const size = b - a + 1;
        if (n > size) n -= size; else if (n >= 1) return a + n - 1;
      }
      return 0;
    }

    put(n, e) {
      if (n < 1) return;
      const p = Math.floor((n - 1) / PAGE);
      let arr = this.pages.get(p);
      if (!arr) { arr = new Array(PAGE); this.pages.set(p, arr); }
      arr[(n - 1) % PAGE] = e;
    }

    entry(n) {
      const arr = this.pages.get(Math.floor((n - 1) / PAGE));
      return arr ? arr[(n - 1) % PAGE] : undefined;
    }

    complete(p) {
      const arr = this.pages.get(p);
      if (!arr) return false;
      const want = Math.min(PAGE, this.lines - p * PAGE);
      let have = 0;
      for (let i = 0; i < want; i++) if (arr[i]) have++;
      return have >= want;
    }

    // fetchPage reads page p (lines p*PAGE+1…) through the API.
    fetchPage(p) {
      if (this.base) return Promise.resolve(); // only matching lines: all in memory
      if (this.loading.has(p) || this.complete(p)) return this.loading.get(p) || Promise.resolve();
      const first = this.seqOf(p * PAGE + 1);
      if (!first) return Promise.resolve();
      const q = new URLSearchParams({ cursor: String(first - 1), limit: String(PAGE) });
      if (!this.all) q.set("phase", this.phase);
      const ctrl = new AbortController();
      const gen = this.generation;
      const pr = fetch("/api/v1/releases/" + this.id + "/logs?" + q, { credentials: "same-origin", signal: ctrl.signal })
        .then((r) => r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)))
        .then((page) => {
          if (gen !== this.generation) return; // another phase is shown now
          for (const e of page.entries) this.put(this.lineOf(e.seq), e);
          this.touch(p);
          this.schedule();
        })
        .catch(() => { /* aborted, or shown as empty rows: scrolling asks again */ })
        .finally(() => { if (this.loading.get(p) === pr) { this.loading.delete(p); this.aborts.delete(p); } });
      this.loading.set(p, pr);
      this.aborts.set(p, ctrl);
      return pr;
    }

    // abortStale cancels the page fetches no longer near the rows shown
    // (a scrollbar dragged end to end would otherwise queue hundreds).
    abortStale(lo, hi) {
      if (this.keepStale) return; // set by the benchmark for its baseline
      for (const [p, ctrl] of this.aborts) {
        if (p < lo - 1 || p > hi + 1) { ctrl.abort(); this.aborts.delete(p); this.loading.delete(p); this.aborted = (this.aborted || 0) + 1; }
      }
    }

    // touch keeps page p recent and forgets the least recent beyond KEEP_PAGES.
    touch(p) {
      const arr = this.pages.get(p);
      if (!arr) return;
      this.pages.delete(p);
      this.pages.set(p, arr);
      const visible = Math.floor((this.rendered.from - 1) / PAGE);
      for (const k of this.pages.keys()) {
        if (this.pages.size <= KEEP_PAGES) break;
        if (k !== visible && k !== visible + 1 && k !== p) this.pages.delete(k);
      }
    }

    scale() {
      const total = this.lines * this.rowH;
      return total > MAX_PX ? MAX_PX / total : 1;
    }

    // Geometry: the first visible line (float, from 0) for a scroll offset.
    topLine() {
      const ch = this.el.clientHeight;
      const height = this.canvas.offsetHeight;
      const maxScroll = Math.max(1, height - ch);
      const maxLine = Math.max(0, this.lines - ch / this.rowH);
      return Math.min(maxLine, (this.el.scrollTop / maxScroll) * maxLine);
    }

    scrollToLine(n, where) {
      const ch = this.el.clientHeight;
      const maxLine = Math.max(0, this.lines - ch / this.rowH);
      const target = Math.max(0, Math.min(maxLine, n - 1 - (where || 0) * ch / this.rowH));
      const maxScroll = Math.max(0, this.canvas.offsetHeight - ch);
      this.setScroll(maxLine > 0 ? (target / maxLine) * maxScroll : 0);
    }

    scrollToEnd() { this.setScroll(this.el.scrollHeight); }

    // setScroll moves the log. Following only ever moves it to the end,
    // and the other moves turn following off first, so the scroll handler
    // tells the reader's moves by position alone (a flag for our own
    // moves swallowed a reader's scroll coalesced with one of them).
    setScroll(top) { this.el.scrollTop = top; }

    schedule() {
      if (this.frame) return;
      this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
    }

    sizeCanvas() {
      this.canvas.style.height = Math.max(this.lines * this.rowH * this.scale(), 1) + "px";
    }

    render() {
      this.sizeCanvas();
      if (this.lines === 0) { this.rowsEl.replaceChildren(); this.rendered = { from: 0, to: 0 }; return; }
      const top = this.topLine();
      const visible = Math.ceil(this.el.clientHeight / this.rowH) + 1;
      const first = Math.floor(top) + 1;
      const from = Math.max(1, first - MARGIN);
      const to = Math.min(this.lines, first + visible + MARGIN);
      this.rowsEl.style.top = (this.el.scrollTop - (top - (from - 1)) * this.rowH) + "px";
      const lo = Math.floor((from - 1) / PAGE), hi = Math.floor((to - 1) / PAGE);
      this.abortStale(lo, hi);
      for (let p = lo; p <= hi; p++) {
        if (!this.complete(p)) this.fetchPage(p); else this.touch(p);
      }
      const frag = document.createDocumentFragment();
      for (let n = from; n <= to; n++) frag.appendChild(this.row(n));
      this.rowsEl.replaceChildren(frag);
      if (this.el.classList.contains("wrap")) this.placeWrapped(first, from, to);
      this.rendered = { from, to };
      this.settleWaiters();
    }

    // placeWrapped: rows may wrap, so only the rendered window is
    // measured. The first visible line goes where uniform rows would put
    // it; at the end of the log the last row's bottom meets the bottom.
    placeWrapped(first, from, to) {
      const base = parseFloat(this.rowsEl.style.top) || 0;
      const atEnd = to === this.lines && this.el.scrollTop + this.el.clientHeight >= this.canvas.offsetHeight - 2;
      if (atEnd) {
        this.rowsEl.style.top = Math.max(0, this.el.scrollTop + this.el.clientHeight - this.rowsEl.offsetHeight) + "px";
        return;
      }
      const el = this.rowsEl.children[first - from];
      if (el) this.rowsEl.style.top = (base - (el.offsetTop - (first - from) * this.rowH)) + "px";
    }

    row(n) {
      const e = this.entry(n);
      const div = document.createElement("div");
      div.className = "ln";
      div.dataset.n = n;
      const a = document.createElement("a");
      a.className = "num";
      a.tabIndex = -1; // the log itself takes focus: tabbing through 300 links would scroll it
      const ln = this.base && e ? this.baseLine(e.seq) : n; // the line's number in the whole phase
      a.href = "#L" + ln;
      a.textContent = ln;
      div.appendChild(a);
      if (this.sel && n >= this.sel.a && n <= this.sel.b) div.classList.add("hl");
      if (!e) { div.classList.add("loading"); return div; }
      div.dataset.p = e.phase;
      if (e.stream === "stderr") div.classList.add("stderr");
      if (e.stream === "system") div.classList.add("sys");
      if (this.matches.length && this.matches[this.matchAt] === n) div.classList.add("current");
      const ts = document.createElement("span");
      ts.className = "ts";
      ts.textContent = e.time ? localTime(new Date(e.time)) : "";
      div.appendChild(ts);
      if (e.stream === "stderr") {
        const w = document.createElement("span");
        w.className = "sr";
        w.textContent = "stderr: ";
        div.appendChild(w);
      }
      const tx = document.createElement("span");
      const cut = e.text.length > CUT ? e.text.slice(0, CUT) : e.text;
      const runs = sgrRuns(cut);
      const tone = runs ? "" : toneOf(cut, this.actions[e.phase]);
      tx.className = tone ? "tx " + tone : "tx";
      this.fillText(tx, runs || [[cut, ""]]);
      div.appendChild(tx);
      if (e.text.length > CUT) {
        const raw = document.createElement("a");
        raw.href = $("#raw").href;
        raw.className = "cut";
        raw.textContent = "… line cut at " + CUT + " characters: view raw";
        div.appendChild(raw);
      }
      return div;
    }

    // fillText puts runs of [text, classes] into el (a span for each
    // coloured run), search matches marked across runs.
    fillText(el, runs) {
      const q = this.query.toLowerCase();
      const ranges = [];
      if (q) {
        const low = runs.map((r) => r[0]).join("").toLowerCase();
        for (let i = low.indexOf(q); i >= 0; i = low.indexOf(q, i + q.length)) ranges.push([i, i + q.length]);
      }
      let off = 0;
      for (const [text, cls] of runs) {
        let into = el;
        if (cls) { into = document.createElement("span"); into.className = cls; el.appendChild(into); }
        let at = 0;
        for (const [a, b] of ranges) {
          const s0 = Math.max(a - off, at), e0 = Math.min(b - off, text.length);
          if (e0 <= s0) continue;
          if (s0 > at) into.appendChild(document.createTextNode(text.slice(at, s0)));
          const m = document.createElement("mark");
          m.textContent = text.slice(s0, e0);
          into.appendChild(m);
          at = e0;
        }
        if (at < text.length) into.appendChild(document.createTextNode(text.slice(at)));
        off += text.length;
      }
    }

    parseHash() {
      const m = /^#L(\d+)(?:-L?(\d+))?$/.exec(location.hash);
      if (!m) return null;
      const a = Number(m[1]);
      const b = m[2] ? Number(m[2]) : a;
      return { a: Math.min(a, b), b: Math.max(a, b) };
    }

    select(sel, scroll) {
      this.sel = sel;
      this.setFollow(false);
      if (scroll) this.scrollToLine(sel.a, 1 / 3);
      this.schedule();
    }

    // jump shows line n; the promise settles once it is on screen with its text.
    jump(n) {
      location.hash = "#L" + n;
      return this.whenShown(n);
    }

    whenShown(n) {
      return new Promise((resolve) => { this.waiters.push({ n, resolve }); this.schedule(); });
    }

    settleWaiters() {
      this.waiters = this.waiters.filter((w) => {
        if (w.n >= this.rendered.from && w.n <= this.rendered.to && this.entry(w.n)) {
          requestAnimationFrame(() => w.resolve(performance.now()));
          return false;
        }
        return true;
      });
    }

    setFollow(on) {
      this.follow = on;
      $("#follow").checked = on;
      if (on) { this.newLines = 0; $("#newlines").hidden = true; if (this.held) this.releaseHeld(); }
    }

    bind() {
      this.el.addEventListener("scroll", () => {
        const atEnd = this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - 2 * this.rowH;
        if (this.follow && !atEnd) this.setFollow(false);
        else if (!this.follow && atEnd && (this.newLines > 0 || this.held)) this.setFollow(true);
        this.schedule();
      }, { passive: true });
      window.addEventListener("resize", () => { this.fit(); this.schedule(); });
      window.addEventListener("hashchange", () => { const h = this.parseHash(); if (h) this.select(h, true); });
      this.rowsEl.addEventListener("click", (ev) => {
        const a = ev.target.closest("a.num");
        if (!a) return;
        ev.preventDefault();
        const n = Number(a.textContent);
        if (this.base) { // only matching lines: open the line in its context
          const u = new URL(location.href);
          u.searchParams.delete("only");
          u.hash = "#L" + n;
          location.assign(u);
          return;
        }
        const sel = ev.shiftKey && this.sel ? { a: Math.min(this.sel.a, n), b: Math.max(this.sel.a, n) } : { a: n, b: n };
        history.replaceState(null, "", "#L" + sel.a + (sel.b !== sel.a ? "-L" + sel.b : ""));
        this.select(sel, false);
      });
      $("#follow").addEventListener("change", (ev) => { this.setFollow(ev.target.checked); if (this.follow) { this.scrollToEnd(); this.schedule(); } });
      $("#newlines").addEventListener("click", () => { this.setFollow(true); this.scrollToEnd(); this.schedule(); });
      $("#timestamps").addEventListener("change", (ev) => {
        this.el.classList.toggle("show-ts", ev.target.checked);
        setParam("timestamps", ev.target.checked ? "1" : "");
      });
      $("#wrap").addEventListener("change", (ev) => {
        this.el.classList.toggle("wrap", ev.target.checked);
        setParam("wrap", ev.target.checked ? "1" : "");
        this.schedule();
      });
      $("#only").addEventListener("change", (ev) => {
        setParam("only", ev.target.checked ? "1" : "");
        this.search($("#q").value);
      });
      $("#phase").addEventListener("change", (ev) => {
        const q = new URLSearchParams(location.search);
        q.set("phase", ev.target.value);
        q.delete("q");
        location.assign("?" + q);
      });
      $("#search-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.search($("#q").value); });
      $("#next-match").addEventListener("click", () => this.nextMatch(1));
      $("#copy-link").addEventListener("click", async () => {
        const b = $("#copy-link");
        try { await navigator.clipboard.writeText(location.href); b.textContent = "Copied"; } catch (e) { b.textContent = "Copy failed"; }
        setTimeout(() => { b.textContent = "Copy link"; }, 1500);
      });
      $("#prev-match").addEventListener("click", () => this.nextMatch(-1));
      document.addEventListener("keydown", (ev) => {
        if (ev.target.closest("input, select, textarea")) return;
        if (ev.key === "/") { ev.preventDefault(); $("#q").focus(); }
        else if (ev.key === "n") this.nextMatch(1);
        else if (ev.key === "N") this.nextMatch(-1);
        else if (ev.key === "End") { this.setFollow(true); this.scrollToEnd(); }
      });
      document.addEventListener("visibilitychange", () => {
        if (!this.el.dataset.live) return;
        clearTimeout(this.hiddenTimer);
        if (document.hidden) this.hiddenTimer = setTimeout(() => this.disconnect("Paused"), 60000);
        else if (!this.es) this.connect();
      });
    }

    // search asks the server for matching lines and jumps to the first at
    // or after the top of the screen; the promise settles when it shows.
    async search(q) {
      this.query = q;
      setParam("q", q);
      this.matches = [];
      this.matchAt = -1;
      const status = $("#search-status");
      const only = this.onlyOn() && !!q;
      if (!q) { this.unfilter(); status.textContent = ""; this.schedule(); return; }
      status.textContent = "searching…";
      const params = new URLSearchParams({ q, limit: "10000" });
      if (!this.all) params.set("phase", this.phase);
      if (only) params.set("lines", "true");
      const r = await fetch("/api/v1/releases/" + this.id + "/logs/search?" + params, { credentials: "same-origin" });
      if (!r.ok) { status.textContent = "search failed (HTTP " + r.status + ")"; return; }
      const res = await r.json();
      if (only) this.filter(res.entries || []); else this.unfilter();
      this.matches = res.matches.map((m) => this.lineOf(m.seq)).filter((n) => n > 0);
      this.total = res.total;
      if (!this.matches.length) { status.textContent = "no match"; this.schedule(); return; }
      const top = this.topLine() + 1;
      let i = this.matches.findIndex((n) => n >= top);
      return this.showMatch(i < 0 ? 0 : i);
    }

    onlyOn() { return $("#only").checked; }

    // filter shows only the given lines (a search's matches, from the
    // server); base keeps the whole phase's runs to number them and to
    // come back to.
    filter(entries) {
      if (!this.base) this.base = { runs: this.runs, lines: this.lines };
      this.runs = [];
      for (const e of entries) this.addRun(e.seq);
      this.lines = entries.length;
      this.pages = new Map();
      for (const e of entries) this.put(this.lineOf(e.seq), e);
      this.render(); // the filtered rows are in before the class says so
      this.el.classList.add("only");
    }

    unfilter() {
      if (!this.base) return;
      this.runs = this.base.runs;
      this.lines = this.base.lines;
      this.base = null;
      this.pages = new Map();
      this.render();
      this.el.classList.remove("only");
    }

    addRun(seq, runs) {
      runs = runs || this.runs;
      const last = runs[runs.length - 1];
      if (last && last[1] + 1 === seq) last[1] = seq; else runs.push([seq, seq]);
    }

    // baseLine is a seq's line number in the whole phase while filtered.
    baseLine(seq) { return this.lineOf(seq, this.base.runs); }

    showMatch(i) {
      this.matchAt = i;
      const n = this.matches[i];
      $("#search-status").textContent = (i + 1) + " of " + this.total + (this.total > this.matches.length ? " (first " + this.matches.length + " listed)" : "");
      this.setFollow(false);
      this.scrollToLine(n, 1 / 3);
      return this.whenShown(n);
    }

    nextMatch(step) {
      if (!this.matches.length) return;
      this.showMatch((this.matchAt + step + this.matches.length) % this.matches.length);
    }

    chip(state, text) {
      const c = $("#chip");
      c.dataset.state = state;
      c.textContent = text;
    }

    // connect follows the release's log from the last line seen; the
    // browser itself reconnects with Last-Event-ID after a drop.
    connect() {
      const es = new EventSource("/api/v1/releases/" + this.id + "/logs/stream?cursor=" + this.lastSeq);
      this.es = es;
      es.onopen = () => { this.reconnects = 0; this.chip("live", "Live"); };
      es.onerror = () => {
        if (es.readyState === EventSource.CONNECTING) { this.reconnects++; this.chip("reconnecting", "Reconnecting (" + this.reconnects + ")"); }
        else this.disconnect("Disconnected");
      };
      es.addEventListener("log", (ev) => this.onLine(JSON.parse(ev.data)));
      es.addEventListener("end", (ev) => {
        this.disconnect("Ended");
        this.refreshPhases().then(() => { this.ended = true; this.el.dispatchEvent(new CustomEvent("ended")); });
        const st = JSON.parse(ev.data).status;
        const badge = $(".logbar .status");
        if (badge && st) {
          badge.className = "status st-" + st.toLowerCase();
          badge.dataset.status = st;
          badge.lastChild.textContent = st.toLowerCase().replace(/_/g, " ");
        }
        delete this.el.dataset.live;
      });
    }

    disconnect(word) {
      if (this.es) { this.es.close(); this.es = null; }
      this.chip(word === "Ended" ? "ended" : "paused", word);
    }

    onLine(e) {
      if (e.seq <= this.lastSeq) return;
      this.lastSeq = e.seq;
      // a phase starting or ending (shiplog's own lines say so): the
      // dropdown's statuses are read again
      if (e.stream === "system" || !this.seenPhases.has(e.phase)) { this.seenPhases.add(e.phase); this.refreshPhasesSoon(); }
      if (!this.all && e.phase !== this.phase) {
        if (!this.later(e.phase)) return; // another phase: the dropdown tells
        if (!this.follow) { this.hold(e); return; }
        this.switchPhase(e.phase);
      }
      if (this.base) {
        this.addRun(e.seq, this.base.runs);
        this.base.lines++;
        if (!plainText(e.text).toLowerCase().includes(this.query.toLowerCase())) return;
      }
      this.addRun(e.seq);
      this.lines++;
      const none = $("#nolines");
      if (none) none.remove();
      this.put(this.lines, e);
      if (this.follow) this.scrollToEndSoon(); else { this.newLines++; const b = $("#newlines"); b.hidden = false; b.textContent = this.newLines + " new lines — latest (End)"; }
      this.schedule();
    }

    // later: in auto mode, is phase one that comes after the one shown?
    later(phase) {
      if (!this.auto || !phase) return false;
      const cur = this.held ? this.held.phase : this.phase;
      return phase === cur || this.order.indexOf(phase) > this.order.indexOf(cur);
    }

    // hold keeps a later phase's lines while the reader is scrolled up in
    // the one shown; following again (End, the button, scrolling to the
    // end) moves to it with every line.
    hold(e) {
      if (!this.held || this.held.phase !== e.phase) this.held = { phase: e.phase, entries: [] };
      this.held.entries.push(e);
      const b = $("#newlines");
      b.hidden = false;
      b.textContent = this.held.phase + " started: " + this.held.entries.length + " new lines — latest (End)";
    }

    // switchPhase shows another phase's log, empty until its lines come.
    switchPhase(name) {
      this.generation++;
      for (const ctrl of this.aborts.values()) ctrl.abort();
      this.aborts.clear();
      this.loading.clear();
      if (this.base) { this.base = null; this.el.classList.remove("only"); }
      this.phase = name;
      this.el.dataset.phase = name;
      this.runs = [];
      this.lines = 0;
      this.pages = new Map();
      this.sel = null;
      this.matches = [];
      this.matchAt = -1;
      $("#search-status").textContent = "";
      $("#phase").value = name;
      for (const a of [$("#raw"), $("#download")]) {
        const u = new URL(a.href);
        u.searchParams.set("phase", name);
        a.href = u.pathname + u.search;
      }
      this.el.dispatchEvent(new CustomEvent("phasechange", { detail: name }));
    }

    releaseHeld() {
      const h = this.held;
      if (!h) return;
      this.held = null;
      this.switchPhase(h.phase);
      for (const e of h.entries) {
        this.addRun(e.seq);
        this.lines++;
        this.put(this.lines, e);
      }
      this.scrollToEndSoon();
    }

    refreshPhasesSoon() {
      if (!this.phaseTimer) this.phaseTimer = setTimeout(() => this.refreshPhases(), 300);
    }

    // refreshPhases reads the page again for the dropdown's labels (each
    // phase's status and time) and the release's status badge.
    async refreshPhases() {
      clearTimeout(this.phaseTimer);
      this.phaseTimer = 0;
      try {
        const q = new URLSearchParams({ phase: this.all ? "" : this.phase });
        const r = await fetch("/releases/" + this.id + "/logs?" + q, { credentials: "same-origin" });
        if (!r.ok) return;
        const doc = new DOMParser().parseFromString(await r.text(), "text/html");
        for (const o of $$("#phase option", doc)) {
          const mine = $$("#phase option").find((x) => x.value === o.value);
          if (mine && mine.textContent !== o.textContent) mine.textContent = o.textContent;
        }
        const fresh = $(".logbar .status", doc), cur = $(".logbar .status");
        if (fresh && cur && !this.ended) cur.replaceWith(document.importNode(fresh, true));
      } catch (e) { /* the next phase change tries again */ }
    }

    scrollToEndSoon() {
      if (this.endFrame) return;
      this.endFrame = requestAnimationFrame(() => {
        this.endFrame = 0;
        this.sizeCanvas();
        // the reader may have scrolled away since this was asked: stay there
        if (this.follow) this.scrollToEnd();
        this.render();
      });
    }
  }
})();
