/*
 * relaydesk web chat widget.
 *
 * Embed with one tag on any site:
 *   <script src="https://support.example.com/widget.js" data-lang="en" data-name="Ana"></script>
 * Optional attributes: data-lang ("en" | "id"; default from the browser), data-name (the
 * visitor's name), data-open ("true" opens the panel at once), data-title, data-color.
 *
 * The script finds the relaydesk server from its own src, draws itself inside an open shadow
 * root (so the host page's CSS cannot reach in, and ours cannot leak out), and speaks the
 * protocol documented in relaydesk/api/webchat.py.
 *
 * Delivery guarantees, client side:
 * - every message the customer writes gets a client_id and sits in a localStorage outbox
 *   until the server acknowledges it; after a reconnect or a page reload it is re-sent with
 *   the same client_id, which the server treats as an idempotency key (never lost, never
 *   doubled);
 * - messages are kept by `seq`: one seq is drawn once, in order, whatever mix of backlog,
 *   live frames, acks and REST polls delivered it.
 */
(() => {
  "use strict";

  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll("script[src]")).find((s) => /\/widget\.js(\?|$)/.test(s.src));
  if (!script || window.RelayDesk) return;

  const ORIGIN = new URL(script.src, window.location.href).origin;
  const WS_ORIGIN = ORIGIN.replace(/^http/, "ws");
  const MAX_CHARS = 4000;
  const FALLBACK_AFTER_FAILURES = 3; // consecutive websocket failures before polling over HTTP
  const POLL_MS = 3000;
  const PING_MS = 25000;
  const PONG_TIMEOUT_MS = 10000;

  // ---------------------------------------------------------------- strings

  const STRINGS = {
    en: {
      title: "Chat with us",
      openChat: "Open chat",
      closeChat: "Close chat",
      person: "Talk to a person",
      personWaiting: "Requested",
      personConnected: "Connected",
      endChat: "End chat",
      endAsk: "End this chat? You'll leave the queue, and no one will reply here.",
      endYes: "Yes, end chat",
      endNo: "Keep waiting",
      ended: "You ended the chat. Write again any time.",
      link: "Link WhatsApp, SMS or e-mail",
      linkLabel: "Your phone number or e-mail address",
      linkHint:
        "We'll send a code to it: by WhatsApp (else SMS) for a phone, by e-mail for an address. Type the code here in the chat.",
      linkPlaceholder: "+62 812… or name@example.com",
      linkSend: "Send code",
      linkSending: "Sending…",
      linkCancel: "Cancel",
      linkEmpty: "Phone number or e-mail: please type one.",
      linkInvalid: "Phone number or e-mail: that is not a phone number or e-mail address we can use.",
      linkTooOften: "You have asked for too many codes in this chat. Please try again later.",
      linkOffline: "We could not reach the server. Check your connection and try again.",
      linkFailed: "The code was not sent: {message}",
      placeholder: "Write a message…",
      inputLabel: "Your message",
      send: "Send message",
      sending: "Sending…",
      notSent: "Not sent",
      retry: "Retry",
      you: "You",
      bot: "Assistant",
      agent: "Support agent",
      messages: "Conversation",
      welcome:
        "Hi! Ask about an order, a delivery or a payment. You can talk to a person at any time.",
      typing: "The assistant is typing",
      counter: "{n} / {max}",
      tooLong: "A message can have at most {max} characters.",
      failed: "Your message was not sent: {message}",
      unread: "{n} unread",
      status: {
        connecting: "Connecting…",
        offline: "Offline: messages are sent when you are back online",
        bot: "Assistant · answers right away",
        waiting: "Waiting for a person",
        assigned: "Connected to an agent",
        assignedNamed: "Connected to {name}",
        resolved: "Resolved · write again any time",
        abandoned: "Closed · write again any time",
      },
    },
    id: {
      title: "Chat dengan kami",
      openChat: "Buka chat",
      closeChat: "Tutup chat",
      person: "Bicara dengan petugas",
      personWaiting: "Sudah diminta",
      personConnected: "Terhubung",
      endChat: "Akhiri chat",
      endAsk: "Akhiri chat ini? Anda akan keluar dari antrean dan tidak ada yang membalas di sini.",
      endYes: "Ya, akhiri",
      endNo: "Tetap menunggu",
      ended: "Anda mengakhiri chat. Silakan tulis lagi kapan saja.",
      link: "Hubungkan WhatsApp, SMS, atau e-mail",
      linkLabel: "Nomor telepon atau alamat e-mail Anda",
      linkHint:
        "Kami kirim kode ke sana: lewat WhatsApp (atau SMS) untuk nomor telepon, lewat e-mail untuk alamat e-mail. Ketik kodenya di chat ini.",
      linkPlaceholder: "+62 812… atau nama@contoh.com",
      linkSend: "Kirim kode",
      linkSending: "Mengirim…",
      linkCancel: "Batal",
      linkEmpty: "Nomor telepon atau e-mail: mohon diisi.",
      linkInvalid: "Nomor telepon atau e-mail: itu bukan nomor telepon atau alamat e-mail yang bisa kami pakai.",
      linkTooOften: "Anda sudah terlalu sering meminta kode di chat ini. Silakan coba lagi nanti.",
      linkOffline: "Server tidak bisa dihubungi. Periksa koneksi Anda lalu coba lagi.",
      linkFailed: "Kode belum terkirim: {message}",
      placeholder: "Tulis pesan…",
      inputLabel: "Pesan Anda",
      send: "Kirim pesan",
      sending: "Mengirim…",
      notSent: "Belum terkirim",
      retry: "Coba lagi",
      you: "Anda",
      bot: "Asisten",
      agent: "Petugas",
      messages: "Percakapan",
      welcome:
        "Halo! Tanyakan soal pesanan, pengiriman, atau pembayaran. Anda bisa bicara dengan petugas kapan saja.",
      typing: "Asisten sedang mengetik",
      counter: "{n} / {max}",
      tooLong: "Pesan maksimal {max} karakter.",
      failed: "Pesan Anda belum terkirim: {message}",
      unread: "{n} belum dibaca",
      status: {
        connecting: "Menghubungkan…",
        offline: "Offline: pesan dikirim saat Anda tersambung lagi",
        bot: "Asisten · langsung menjawab",
        waiting: "Menunggu petugas",
        assigned: "Terhubung dengan petugas",
        assignedNamed: "Terhubung dengan {name}",
        resolved: "Selesai · silakan tulis lagi kapan saja",
        abandoned: "Ditutup · silakan tulis lagi kapan saja",
      },
    },
  };

  const pickLang = () => {
    const wanted = (script.dataset.lang || "").toLowerCase();
    if (STRINGS[wanted]) return wanted;
    const browser = (navigator.language || "en").toLowerCase();
    return browser.startsWith("id") || browser.startsWith("ms") ? "id" : "en";
  };
  const LANG = pickLang();
  const T = STRINGS[LANG];
  const fill = (template, values) =>
    template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? String(values[key]) : ""));

  const WAITING = new Set(["handover_pending", "queued", "offered"]);

  // ---------------------------------------------------------------- storage

  // localStorage can be missing or throw (private modes, sandboxed frames): fall back to memory.
  const memory = new Map();
  const keyFor = (name) => `relaydesk:${ORIGIN}:${name}`;
  const store = {
    get(name, fallback) {
      try {
        const raw = window.localStorage.getItem(keyFor(name));
        return raw === null ? fallback : JSON.parse(raw);
      } catch {
        return memory.has(name) ? memory.get(name) : fallback;
      }
    },
    set(name, value) {
      memory.set(name, value);
      try {
        window.localStorage.setItem(keyFor(name), JSON.stringify(value));
      } catch {
        /* memory copy is enough for this page view */
      }
    },
  };

  const newClientId = () => {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };

  // ---------------------------------------------------------------- styles

  const ACCENT = /^#[0-9a-f]{3,8}$/i.test(script.dataset.color || "") ? script.dataset.color : "#0f766e";

  const CSS = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    .root {
      --accent: ${ACCENT};
      --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --soft: #f1f5f9; --bg: #ffffff;
      --danger: #b91c1c; --warn: #b45309;
      font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
      color: var(--ink);
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
      display: flex; flex-direction: column; align-items: flex-end; gap: 12px;
    }
    button { font: inherit; cursor: pointer; }
    button:focus-visible, textarea:focus-visible, input:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

    .launcher {
      position: relative; width: 56px; height: 56px; border-radius: 50%; border: 0;
      background: var(--accent); color: #fff; display: grid; place-items: center;
      box-shadow: 0 6px 20px rgba(15, 23, 42, .25); transition: transform .15s ease;
    }
    .launcher:hover { transform: translateY(-1px); }
    .launcher svg { width: 26px; height: 26px; }
    .badge {
      position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; padding: 0 6px;
      border-radius: 10px; background: #dc2626; color: #fff; font-size: 12px; font-weight: 600;
      line-height: 20px; text-align: center; box-shadow: 0 0 0 2px #fff;
    }
    .badge[hidden] { display: none; }

    .panel {
      width: 380px; height: min(620px, calc(100vh - 110px)); background: var(--bg);
      border-radius: 16px; overflow: hidden; display: flex; flex-direction: column;
      box-shadow: 0 18px 50px rgba(15, 23, 42, .22), 0 0 0 1px rgba(15, 23, 42, .06);
    }
    .panel[hidden] { display: none; }

    .header { background: var(--accent); color: #fff; padding: 14px 14px 12px 16px; }
    .header-top { display: flex; align-items: center; gap: 8px; }
    .title { font-size: 16px; font-weight: 650; margin: 0; flex: 1; letter-spacing: .01em; }
    .icon-btn {
      width: 32px; height: 32px; border: 0; border-radius: 8px; background: transparent; color: #fff;
      display: grid; place-items: center;
    }
    .icon-btn:hover { background: rgba(255, 255, 255, .16); }
    .icon-btn svg { width: 18px; height: 18px; }
    .header-bottom { display: flex; align-items: center; gap: 10px; margin-top: 8px; }
    .status { flex: 1; display: flex; align-items: center; gap: 7px; font-size: 12.5px; opacity: .95; min-width: 0; }
    .status span:last-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .dot { width: 8px; height: 8px; border-radius: 50%; background: #a7f3d0; flex: none;
      box-shadow: 0 0 0 3px rgba(255,255,255,.15); }
    .status[data-status="waiting"] .dot { background: #fcd34d; }
    .status[data-status="assigned"] .dot { background: #86efac; }
    .status[data-status="connecting"] .dot, .status[data-status="offline"] .dot { background: #cbd5e1; }
    .person {
      flex: none; border: 1px solid rgba(255, 255, 255, .55); background: rgba(255, 255, 255, .12);
      color: #fff; border-radius: 999px; padding: 5px 12px; font-size: 12.5px; font-weight: 600;
      display: inline-flex; align-items: center; gap: 6px;
    }
    .person:hover:not(:disabled) { background: rgba(255, 255, 255, .24); }
    .person:disabled { cursor: default; opacity: .8; }
    .person svg { width: 14px; height: 14px; }
    .end {
      flex: none; border: 0; background: transparent; color: #fff; border-radius: 8px;
      padding: 6px 9px; font-size: 12.5px; font-weight: 600; text-decoration: underline;
      text-underline-offset: 2px; opacity: .92;
    }
    .end:hover { background: rgba(255, 255, 255, .16); opacity: 1; }
    .end[hidden], .confirm[hidden], .ended[hidden] { display: none; }
    .confirm {
      border-top: 1px solid #fde68a; background: #fffbeb; color: #78350f; padding: 10px 14px;
      font-size: 13px; display: flex; flex-direction: column; gap: 8px;
    }
    .confirm p { margin: 0; }
    .confirm-actions { display: flex; justify-content: flex-end; gap: 8px; }
    .confirm-actions button { border-radius: 8px; padding: 6px 12px; font-size: 12.5px; font-weight: 600; }
    .confirm-no { border: 1px solid #e2e8f0; background: #fff; color: var(--ink); }
    .confirm-yes { border: 1px solid var(--danger); background: var(--danger); color: #fff; }
    .confirm-yes:disabled { opacity: .6; cursor: default; }
    .linker[hidden] { display: none; }
    .linker {
      border-top: 1px solid var(--line); background: #f8fafc; padding: 10px 14px;
      font-size: 13px; display: flex; flex-direction: column; gap: 6px;
    }
    .linker label { font-weight: 600; }
    .linker .hint { margin: 0; color: var(--muted); font-size: 12px; }
    .linker input {
      width: 100%; border: 1px solid var(--line); border-radius: 10px; padding: 8px 11px;
      font: inherit; color: inherit; background: #fff;
    }
    .linker input:focus { border-color: var(--accent); outline: none; box-shadow: 0 0 0 3px rgba(15, 118, 110, .15); }
    .linker input[aria-invalid="true"] { border-color: var(--danger); }
    .link-error { margin: 0; color: var(--danger); font-size: 12.5px; }
    .link-error:empty { display: none; }
    .link-actions { display: flex; justify-content: flex-end; gap: 8px; }
    .link-actions button { border-radius: 8px; padding: 6px 12px; font-size: 12.5px; font-weight: 600; }
    .link-cancel { border: 1px solid var(--line); background: #fff; color: var(--ink); }
    .link-send { border: 1px solid var(--accent); background: var(--accent); color: #fff; }
    .link-send:disabled { opacity: .6; cursor: default; }
    .link-open { border: 0; background: none; padding: 0; color: var(--muted); font-size: 11px;
      text-decoration: underline; text-underline-offset: 2px; }
    .link-open:hover, .link-open[aria-expanded="true"] { color: var(--accent); }
    .link-open[hidden] { display: none; }
    .foot-end { display: flex; gap: 10px; margin-left: auto; }
    .ended { color: var(--muted); font-size: 12.5px; text-align: center; margin: 10px 12px 2px; }

    .scroller { flex: 1; overflow-y: auto; padding: 16px 14px 12px; background: #f8fafc; }
    .welcome { color: var(--muted); font-size: 13px; text-align: center; margin: 4px 12px 14px; }
    .list, .pending { display: flex; flex-direction: column; gap: 8px; }
    .pending:not(:empty) { margin-top: 8px; }

    .msg { display: flex; flex-direction: column; max-width: 82%; }
    .msg[data-sender="customer"] { align-self: flex-end; align-items: flex-end; }
    .msg[data-sender="bot"], .msg[data-sender="agent"] { align-self: flex-start; align-items: flex-start; }
    .who { font-size: 11.5px; font-weight: 600; color: var(--muted); margin: 4px 0 3px 4px; }
    .msg[data-sender="agent"] .who { color: var(--accent); }
    .msg[data-sender="bot"] + .msg[data-sender="bot"] .who { display: none; }
    .bubble { padding: 9px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
    .msg[data-sender="customer"] .bubble { background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }
    .msg[data-sender="bot"] .bubble { background: #fff; border: 1px solid var(--line); border-bottom-left-radius: 4px; }
    .msg[data-sender="agent"] .bubble {
      background: #fff; border: 1px solid var(--line); border-left: 3px solid var(--accent);
      border-bottom-left-radius: 4px;
    }
    .meta { font-size: 11px; color: var(--muted); margin: 3px 4px 0; display: flex; gap: 6px; align-items: center; }
    .msg[data-state="sending"] .bubble { opacity: .7; }
    .msg[data-state="failed"] .bubble { background: #fee2e2; color: var(--danger); }
    .msg[data-state="failed"] .meta { color: var(--danger); }
    .link-btn { border: 0; background: none; padding: 0; color: var(--accent); font-size: 11px;
      font-weight: 600; text-decoration: underline; }

    .msg[data-sender="system"] { align-self: center; max-width: 92%; align-items: center; margin: 6px 0; }
    .msg[data-sender="system"] .bubble {
      background: #fffbeb; border: 1px solid #fde68a; color: #78350f; font-size: 13px;
      text-align: center; border-radius: 10px; padding: 8px 12px;
    }
    .msg[data-sender="system"] .meta { display: none; }

    .typing { align-self: flex-start; display: inline-flex; gap: 4px; padding: 11px 13px; margin-top: 8px;
      background: #fff; border: 1px solid var(--line); border-radius: 14px; border-bottom-left-radius: 4px; }
    .typing[hidden] { display: none; }
    .typing i { width: 6px; height: 6px; border-radius: 50%; background: #94a3b8; animation: blink 1.2s infinite; }
    .typing i:nth-child(2) { animation-delay: .2s; } .typing i:nth-child(3) { animation-delay: .4s; }
    @keyframes blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
    @media (prefers-reduced-motion: reduce) { .typing i { animation: none; } }

    .error { margin: 0 0 8px; padding: 7px 10px; border-radius: 8px; background: #fef2f2;
      border: 1px solid #fecaca; color: var(--danger); font-size: 12.5px; }
    .error[hidden] { display: none; }
    .composer { border-top: 1px solid var(--line); padding: 10px 12px 8px; background: #fff; }
    .row { display: flex; align-items: flex-end; gap: 8px; }
    textarea {
      flex: 1; resize: none; border: 1px solid var(--line); border-radius: 12px; padding: 9px 12px;
      font: inherit; color: inherit; max-height: 140px; min-height: 40px; line-height: 1.4; background: #fff;
    }
    textarea:focus { border-color: var(--accent); outline: none; box-shadow: 0 0 0 3px rgba(15, 118, 110, .15); }
    .send { width: 40px; height: 40px; border: 0; border-radius: 12px; background: var(--accent);
      color: #fff; display: grid; place-items: center; flex: none; }
    .send:disabled { background: #cbd5e1; cursor: default; }
    .send svg { width: 18px; height: 18px; }
    .foot { display: flex; justify-content: space-between; font-size: 11px; color: var(--muted); margin-top: 6px; min-height: 14px; }
    .counter[data-level="near"] { color: var(--warn); }
    .counter[data-level="full"] { color: var(--danger); font-weight: 600; }
    .brand { opacity: .8; }
    .brand a { color: inherit; }

    @media (max-width: 480px) {
      .root { right: 12px; bottom: 12px; left: 12px; }
      .panel { width: 100%; height: calc(100vh - 96px); }
    }
  `;

  // ---------------------------------------------------------------- DOM

  const ICONS = {
    chat: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>',
    close: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>',
    down: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M6 9l6 6 6-6"/></svg>',
    person: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/></svg>',
    send: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M5 12h14M13 6l6 6-6 6"/></svg>',
  };

  const el = (tag, attrs = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "html") node.innerHTML = value; // only ever our own constant icons
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };

  const host = el("div", { id: "relaydesk-widget" });
  const shadow = host.attachShadow({ mode: "open" });
  shadow.append(el("style", { text: CSS }));

  const title = script.dataset.title || T.title;
  const ui = {};
  ui.badge = el("span", { class: "badge", hidden: true, "aria-hidden": "true" });
  ui.launcher = el(
    "button",
    {
      class: "launcher",
      type: "button",
      "data-testid": "rd-launcher",
      "aria-label": T.openChat,
      "aria-expanded": "false",
      "aria-controls": "rd-panel",
      html: ICONS.chat,
    },
  );
  ui.launcher.append(ui.badge);
  ui.statusText = el("span", { text: T.status.connecting });
  ui.status = el(
    "div",
    { class: "status", "data-testid": "rd-status", "data-status": "connecting", role: "status" },
    [el("span", { class: "dot", "aria-hidden": "true" }), ui.statusText],
  );
  ui.personLabel = el("span", { text: T.person });
  ui.person = el("button", { class: "person", type: "button", "data-testid": "rd-person", html: ICONS.person });
  ui.person.append(ui.personLabel);
  ui.end = el("button", {
    class: "end",
    type: "button",
    hidden: true,
    "data-testid": "rd-end",
    "aria-controls": "rd-confirm",
    "aria-expanded": "false",
    text: T.endChat,
  });
  ui.endYes = el("button", { class: "confirm-yes", type: "button", "data-testid": "rd-end-confirm", text: T.endYes });
  ui.endNo = el("button", { class: "confirm-no", type: "button", "data-testid": "rd-end-cancel", text: T.endNo });
  ui.confirm = el(
    "div",
    {
      class: "confirm",
      id: "rd-confirm",
      role: "alertdialog",
      "aria-labelledby": "rd-confirm-text",
      hidden: true,
      "data-testid": "rd-end-dialog",
    },
    [el("p", { id: "rd-confirm-text", text: T.endAsk }), el("div", { class: "confirm-actions" }, [ui.endNo, ui.endYes])],
  );
  // Linking another channel: a one-time code sent there, typed back in this chat.
  ui.linkOpen = el("button", {
    class: "link-open",
    type: "button",
    "data-testid": "rd-link",
    "aria-controls": "rd-link-form",
    "aria-expanded": "false",
    text: T.link,
  });
  ui.linkInput = el("input", {
    id: "rd-link-value",
    type: "text",
    maxlength: "320",
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: "false",
    placeholder: T.linkPlaceholder,
    "aria-describedby": "rd-link-hint rd-link-error",
    "data-testid": "rd-link-value",
  });
  ui.linkError = el("p", {
    class: "link-error",
    id: "rd-link-error",
    role: "alert",
    "data-testid": "rd-link-error",
  });
  ui.linkCancel = el("button", { class: "link-cancel", type: "button", "data-testid": "rd-link-cancel", text: T.linkCancel });
  ui.linkSend = el("button", { class: "link-send", type: "submit", "data-testid": "rd-link-send", text: T.linkSend });
  ui.linker = el(
    "form",
    {
      class: "linker",
      id: "rd-link-form",
      "aria-label": T.link,
      hidden: true,
      novalidate: true,
      "data-testid": "rd-link-form",
    },
    [
      el("label", { for: "rd-link-value", text: T.linkLabel }),
      ui.linkInput,
      el("p", { class: "hint", id: "rd-link-hint", text: T.linkHint }),
      ui.linkError,
      el("div", { class: "link-actions" }, [ui.linkCancel, ui.linkSend]),
    ],
  );
  ui.ended = el("p", { class: "ended", role: "status", hidden: true, "data-testid": "rd-ended", text: T.ended });
  ui.close = el("button", {
    class: "icon-btn",
    type: "button",
    "data-testid": "rd-close",
    "aria-label": T.closeChat,
    html: ICONS.down,
  });
  ui.list = el("div", {
    class: "list",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": T.messages,
    "data-testid": "rd-messages",
  });
  ui.pending = el("div", { class: "pending" });
  ui.typing = el("div", { class: "typing", hidden: true, "aria-label": T.typing, role: "img" }, [
    el("i"),
    el("i"),
    el("i"),
  ]);
  ui.scroller = el("div", { class: "scroller" }, [
    el("p", { class: "welcome", text: T.welcome }),
    ui.list,
    ui.pending,
    ui.typing,
    ui.ended,
  ]);
  ui.error = el("div", { class: "error", role: "alert", hidden: true, "data-testid": "rd-error" });
  ui.input = el("textarea", {
    id: "rd-input",
    rows: "1",
    maxlength: String(MAX_CHARS),
    placeholder: T.placeholder,
    "aria-label": T.inputLabel,
    "data-testid": "rd-input",
  });
  ui.send = el("button", {
    class: "send",
    type: "submit",
    "aria-label": T.send,
    "data-testid": "rd-send",
    disabled: true,
    html: ICONS.send,
  });
  ui.counter = el("span", { class: "counter", "data-testid": "rd-counter", "aria-live": "polite" });
  ui.form = el("form", { class: "composer" }, [
    ui.error,
    el("div", { class: "row" }, [ui.input, ui.send]),
    el("div", { class: "foot" }, [
      ui.linkOpen,
      el("span", { class: "foot-end" }, [ui.counter, el("span", { class: "brand", text: "relaydesk" })]),
    ]),
  ]);
  ui.panel = el(
    "section",
    { class: "panel", id: "rd-panel", hidden: true, "aria-label": title, "data-testid": "rd-panel" },
    [
      el("header", { class: "header" }, [
        el("div", { class: "header-top" }, [el("h2", { class: "title", text: title }), ui.end, ui.close]),
        el("div", { class: "header-bottom" }, [ui.status, ui.person]),
      ]),
      ui.scroller,
      ui.confirm,
      ui.linker,
      ui.form,
    ],
  );
  const root = el("div", { class: "root", lang: LANG }, [ui.panel, ui.launcher]);
  shadow.append(root);

  // ---------------------------------------------------------------- state

  const state = {
    token: store.get("token", null),
    conversationId: null,
    status: null,
    agentName: null,
    messages: new Map(), // seq -> message view (server shape)
    nodes: new Map(), // seq -> element
    pending: new Map(), // client_id -> {text, state, node, error}
    outbox: store.get("outbox", []), // [{client_id, text}], in order written
    unread: 0,
    started: false,
    wantPerson: false,
    leaving: false, // the leave request is in flight
    linking: false, // a code request is in flight
    left: false, // this visitor ended the chat while waiting
    open: false,
    connection: "connecting",
  };

  const highestSeq = () => {
    let top = 0;
    for (const seq of state.messages.keys()) if (seq > top) top = seq;
    return top;
  };
  const saveOutbox = () => store.set("outbox", state.outbox);
  const dropFromOutbox = (clientId) => {
    const before = state.outbox.length;
    state.outbox = state.outbox.filter((item) => item.client_id !== clientId);
    if (state.outbox.length !== before) saveOutbox();
  };

  // ---------------------------------------------------------------- rendering

  const parseTime = (iso) => {
    if (!iso) return new Date();
    // SQLite hands back naive UTC timestamps: read them as UTC, not local time.
    return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  };
  const clock = (date) => date.toLocaleTimeString(LANG === "id" ? "id-ID" : [], { hour: "2-digit", minute: "2-digit" });

  const senderLabel = (message) => {
    if (message.sender === "customer") return T.you;
    if (message.sender === "bot") return T.bot;
    if (message.sender === "agent") return message.agent_name || (message.agent && message.agent.name) || T.agent;
    return "";
  };

  const isNearBottom = () =>
    ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 80;
  const scrollToBottom = () => {
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  };

  const messageNode = (message, extra = {}) => {
    const sender = message.sender;
    const node = el("div", {
      class: "msg",
      "data-testid": "rd-message",
      "data-sender": sender,
      "data-seq": message.seq === undefined ? null : message.seq,
      "data-state": extra.state || null,
    });
    if (sender === "bot" || sender === "agent") {
      node.append(el("div", { class: "who", "aria-hidden": "true", text: senderLabel(message) }));
    }
    if (sender === "customer" || sender === "bot" || sender === "agent") {
      node.append(el("span", { class: "sr-only", text: `${senderLabel(message)}: ` }));
    }
    node.append(el("div", { class: "bubble", text: message.text }));
    const meta = el("div", { class: "meta" });
    if (extra.state === "sending") meta.append(el("span", { text: T.sending }));
    else if (extra.state === "failed") {
      meta.append(el("span", { text: T.notSent }));
      const retry = el("button", { type: "button", class: "link-btn", text: T.retry });
      retry.addEventListener("click", () => retryFailed(message.client_id));
      meta.append(retry);
    } else meta.append(el("time", { datetime: message.created_at || "", text: clock(parseTime(message.created_at)) }));
    node.append(meta);
    return node;
  };

  /** Adds (or, for a provisional copy, replaces) one server message; never shows a seq twice. */
  const addMessage = (message, { live = false } = {}) => {
    if (typeof message.seq !== "number") return;
    if (state.conversationId && message.conversation_id && message.conversation_id !== state.conversationId) return;
    const known = state.messages.get(message.seq);
    if (known && !known.provisional) return;
    const stick = isNearBottom() || message.sender === "customer";
    state.messages.set(message.seq, message);
    const node = messageNode(message);
    if (known) {
      state.nodes.get(message.seq).replaceWith(node);
    } else {
      // Insert in seq order: late backlog can arrive after a live frame.
      let before = null;
      for (const [seq, other] of state.nodes) {
        if (seq > message.seq && (!before || seq < Number(before.dataset.seq))) before = other;
      }
      ui.list.insertBefore(node, before);
    }
    state.nodes.set(message.seq, node);
    if (message.client_id) settlePending(message.client_id);
    if (message.sender === "agent" && message.agent_name) state.agentName = message.agent_name;
    if (message.sender !== "customer") {
      ui.typing.hidden = true;
      if (live && !state.open) {
        state.unread += 1;
        renderBadge();
      }
    }
    if (stick) scrollToBottom();
  };

  const renderPending = (clientId) => {
    const item = state.pending.get(clientId);
    if (!item) return;
    const node = messageNode(
      { sender: "customer", text: item.text, client_id: clientId },
      { state: item.state },
    );
    if (item.node) item.node.replaceWith(node);
    else ui.pending.append(node);
    item.node = node;
    scrollToBottom();
  };

  const settlePending = (clientId) => {
    const item = state.pending.get(clientId);
    if (item && item.node) item.node.remove();
    state.pending.delete(clientId);
    dropFromOutbox(clientId);
  };

  const renderBadge = () => {
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
    ui.launcher.setAttribute(
      "aria-label",
      state.unread ? `${T.openChat} (${fill(T.unread, { n: state.unread })})` : T.openChat,
    );
  };

  const renderStatus = () => {
    let key = state.connection === "ok" || state.connection === "rest" ? null : state.connection;
    let text;
    if (!key) {
      const status = state.status || "bot";
      if (WAITING.has(status)) key = "waiting";
      else if (status === "assigned") key = "assigned";
      else if (status === "resolved" || status === "abandoned") key = status;
      else key = "bot";
      text =
        key === "assigned" && state.agentName
          ? fill(T.status.assignedNamed, { name: state.agentName })
          : T.status[key];
    } else {
      text = T.status[key];
    }
    ui.status.dataset.status = key;
    ui.statusText.textContent = text;
    const withPeople = WAITING.has(state.status) || state.status === "assigned";
    ui.person.disabled = withPeople;
    ui.personLabel.textContent = withPeople
      ? state.status === "assigned"
        ? T.personConnected
        : T.personWaiting
      : T.person;
    // While waiting for a person the customer may give up waiting, after a confirmation.
    const canEnd = WAITING.has(state.status) && !state.leaving;
    ui.end.hidden = !canEnd;
    if (!canEnd && !state.leaving) closeConfirm();
    ui.ended.hidden = !(state.left && state.status === "abandoned");
  };

  const setConversation = (conversation) => {
    if (!conversation) return;
    if (state.conversationId && conversation.conversation_id !== state.conversationId) {
      // A different conversation: its seqs start again, so the old transcript goes.
      state.messages.clear();
      state.nodes.clear();
      ui.list.replaceChildren();
    }
    state.conversationId = conversation.conversation_id;
    state.status = conversation.status;
    if (conversation.status !== "abandoned") state.left = false;
    if (conversation.status !== "assigned") state.agentName = null;
    renderStatus();
  };

  const setConnection = (connection) => {
    state.connection = connection;
    renderStatus();
  };

  const showError = (text) => {
    ui.error.textContent = text || "";
    ui.error.hidden = !text;
  };

  // ---------------------------------------------------------------- HTTP

  const api = async (method, path, body) => {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token && path !== "/api/webchat/session") headers.Authorization = `Bearer ${state.token}`;
    const response = await fetch(`${ORIGIN}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      mode: "cors",
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = new Error((data && data.error && data.error.message) || `HTTP ${response.status}`);
      error.status = response.status;
      error.code = data && data.error ? data.error.code : "http_error";
      error.field = data && data.error ? data.error.field : null;
      throw error;
    }
    return data;
  };

  const applyHistory = (data, { live = true } = {}) => {
    if (!data) return;
    setConversation(data.conversation);
    for (const message of data.messages || []) addMessage(message, { live });
  };

  // ---------------------------------------------------------------- session

  let sessionAttempts = 0;
  let sessionInflight = null;
  let sessionRetry = 0;

  /** Starts or resumes the visitor's session; one request at a time, retried with backoff. */
  const startSession = () => {
    if (sessionInflight) return sessionInflight;
    window.clearTimeout(sessionRetry);
    sessionInflight = openSession().finally(() => {
      sessionInflight = null;
    });
    return sessionInflight;
  };

  const openSession = async () => {
    if (!transport.polling) setConnection("connecting");
    const body = { lang: LANG };
    if (state.token) body.token = state.token;
    if (script.dataset.name) body.name = script.dataset.name.slice(0, 200);
    let data;
    try {
      data = await api("POST", "/api/webchat/session", body);
    } catch (error) {
      sessionAttempts += 1;
      setConnection("offline");
      // A 4xx other than 429 will not get better by retrying the same body.
      if (error.status && error.status >= 400 && error.status < 500 && error.status !== 429) {
        showError(error.message);
        if (state.token) {
          state.token = null;
          store.set("token", null);
        }
      }
      sessionRetry = window.setTimeout(startSession, backoff(sessionAttempts));
      return;
    }
    sessionAttempts = 0;
    if (data.token !== state.token) {
      state.token = data.token;
      store.set("token", data.token);
    }
    applyHistory(data, { live: false });
    if (transport.polling) poll();
    else connect();
    if (state.wantPerson) {
      state.wantPerson = false;
      askForPerson();
    }
  };

  // ---------------------------------------------------------------- transport

  const transport = {
    ws: null,
    ready: false,
    attempts: 0, // reconnects since the last good connection (for the backoff)
    failures: 0, // consecutive connections that never reached "ready"
    reconnectTimer: 0,
    pingTimer: 0,
    pongTimer: 0,
    pollTimer: 0,
    polling: false,
    restInflight: false,
    authFailures: 0,
  };

  /** Exponential backoff with "equal jitter": half fixed, half random, capped at 30 s. */
  const backoff = (attempt) => {
    const ceiling = Math.min(30000, 500 * 2 ** Math.min(attempt, 8));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  };

  const connect = () => {
    window.clearTimeout(transport.reconnectTimer);
    if (!state.token || transport.ws) return;
    if (typeof window.WebSocket !== "function") {
      startPolling();
      return;
    }
    const url = `${WS_ORIGIN}/api/webchat/ws?token=${encodeURIComponent(state.token)}&after=${highestSeq()}`;
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      socketClosed(null, 1006);
      return;
    }
    transport.ws = socket;
    transport.ready = false;
    if (!transport.polling) setConnection("connecting");
    socket.addEventListener("message", (event) => {
      if (transport.ws !== socket) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      handleFrame(frame);
    });
    socket.addEventListener("close", (event) => socketClosed(socket, event.code));
  };

  const socketClosed = (socket, code) => {
    if (socket && transport.ws !== socket) return;
    const wasReady = transport.ready;
    transport.ws = null;
    transport.ready = false;
    window.clearInterval(transport.pingTimer);
    window.clearTimeout(transport.pongTimer);
    for (const item of state.pending.values()) if (item.state === "sending") item.inflight = false;
    if (code === 4409) {
      // The chat moved to another conversation (the customer linked another channel):
      // read it afresh, then listen to it.
      transport.attempts = 0;
      window.setTimeout(startSession, 0);
      return;
    }
    if (code === 4401) {
      // The server no longer knows this visitor token: start (or resume) a session anew.
      transport.authFailures += 1;
      if (transport.authFailures <= 3) {
        window.setTimeout(startSession, backoff(transport.authFailures));
        return;
      }
    }
    if (!wasReady) transport.failures += 1;
    transport.attempts += 1;
    if (transport.failures >= FALLBACK_AFTER_FAILURES) startPolling();
    else setConnection(navigator.onLine === false ? "offline" : "connecting");
    transport.reconnectTimer = window.setTimeout(connect, backoff(transport.attempts));
  };

  const send = (frame) => {
    if (!transport.ws || !transport.ready) return false;
    try {
      transport.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  };

  const heartbeat = () => {
    window.clearInterval(transport.pingTimer);
    transport.pingTimer = window.setInterval(() => {
      if (!send({ type: "ping" })) return;
      window.clearTimeout(transport.pongTimer);
      // A socket that cannot answer a ping is dead even if the browser has not noticed.
      transport.pongTimer = window.setTimeout(() => transport.ws && transport.ws.close(), PONG_TIMEOUT_MS);
    }, PING_MS);
  };

  const handleFrame = (frame) => {
    switch (frame.type) {
      case "message":
        addMessage(frame.message, { live: true });
        break;
      case "ready":
        transport.ready = true;
        transport.attempts = 0;
        transport.failures = 0;
        transport.authFailures = 0;
        stopPolling();
        setConnection("ok");
        setConversation(frame.conversation);
        heartbeat();
        flushOutbox();
        break;
      case "ack":
        onAck(frame.client_id, frame.seq);
        break;
      case "status":
        setConversation(frame.conversation);
        break;
      case "error":
        // A refused visitor token is handled by the 4401 close that follows.
        if (frame.code !== "unauthorized") onError(frame);
        break;
      case "pong":
        window.clearTimeout(transport.pongTimer);
        break;
      default:
        break;
    }
  };

  const onAck = (clientId, seq) => {
    const item = state.pending.get(clientId);
    dropFromOutbox(clientId);
    if (!item || typeof seq !== "number") return;
    if (state.messages.has(seq)) {
      settlePending(clientId);
      return;
    }
    // Acknowledged but not echoed yet: show it in its place now; the echo (which may carry
    // masked text) replaces this provisional copy.
    state.pending.delete(clientId);
    if (item.node) item.node.remove();
    addMessage({
      seq,
      sender: "customer",
      text: item.text,
      client_id: clientId,
      conversation_id: state.conversationId,
      created_at: new Date().toISOString(),
      provisional: true,
    });
    if (state.status === "bot" || !state.status) ui.typing.hidden = false;
    window.setTimeout(() => {
      ui.typing.hidden = true;
    }, 8000);
  };

  const onError = (frame) => {
    const pending = frame.client_id ? state.pending.get(frame.client_id) : null;
    if (pending) {
      // The server refused this message for good (too long, empty...): retrying the same
      // text cannot help, so it leaves the outbox and stays on screen as not sent.
      dropFromOutbox(frame.client_id);
      pending.state = "failed";
      renderPending(frame.client_id);
      showError(fill(T.failed, { message: frame.message || frame.code }));
    } else {
      showError(frame.message || frame.code);
    }
  };

  // ---------------------------------------------------------------- REST fallback

  const startPolling = () => {
    if (transport.polling) return;
    transport.polling = true;
    setConnection("rest");
    poll();
  };

  const stopPolling = () => {
    transport.polling = false;
    window.clearTimeout(transport.pollTimer);
  };

  const poll = async () => {
    window.clearTimeout(transport.pollTimer);
    if (!transport.polling || !state.token) return;
    try {
      await flushOutboxRest();
      const data = await api("GET", `/api/webchat/messages?after=${highestSeq()}`);
      applyHistory(data);
      setConnection("rest");
    } catch (error) {
      if (error.status === 401) {
        stopPolling();
        startSession();
        return;
      }
      setConnection("offline");
    }
    if (transport.polling) transport.pollTimer = window.setTimeout(poll, POLL_MS);
  };

  const flushOutboxRest = async () => {
    if (transport.restInflight) return;
    transport.restInflight = true;
    try {
      for (const item of [...state.outbox]) {
        try {
          const result = await api("POST", "/api/webchat/messages", { client_id: item.client_id, text: item.text });
          onAck(result.client_id, result.seq);
        } catch (error) {
          if (error.status && error.status >= 400 && error.status < 500 && error.status !== 429 && error.status !== 401) {
            onError({ client_id: item.client_id, code: error.code, message: error.message });
            continue;
          }
          throw error; // offline or server trouble: keep the outbox, try on the next poll
        }
      }
    } finally {
      transport.restInflight = false;
    }
  };

  // ---------------------------------------------------------------- sending

  const flushOutbox = () => {
    if (transport.ready) {
      for (const item of state.outbox) {
        const pending = state.pending.get(item.client_id);
        if (pending && pending.inflight) continue;
        if (send({ type: "message", client_id: item.client_id, text: item.text }) && pending) {
          pending.inflight = true;
        }
      }
    } else if (transport.polling) {
      poll();
    }
  };

  const queueMessage = (text, clientId = newClientId()) => {
    state.outbox.push({ client_id: clientId, text });
    saveOutbox();
    state.pending.set(clientId, { text, state: "sending", node: null, inflight: false });
    renderPending(clientId);
    if (!state.started) begin();
    else flushOutbox();
  };

  const retryFailed = (clientId) => {
    const item = state.pending.get(clientId);
    if (!item) return;
    settlePending(clientId);
    showError("");
    queueMessage(item.text, newClientId());
  };

  const submit = () => {
    const text = ui.input.value.trim();
    if (!text) return;
    if (text.length > MAX_CHARS) {
      showError(fill(T.tooLong, { max: MAX_CHARS }));
      return;
    }
    showError("");
    ui.input.value = "";
    onInput();
    queueMessage(text);
    ui.input.focus();
  };

  const askForPerson = async () => {
    showError("");
    ui.person.disabled = true;
    if (send({ type: "person" })) return;
    if (!state.token) {
      // No session yet: ask as soon as there is one.
      state.wantPerson = true;
      begin();
      return;
    }
    try {
      applyHistory(await api("POST", "/api/webchat/person"));
    } catch (error) {
      showError(error.message);
      renderStatus();
    }
  };

  // ---------------------------------------------------------------- ending the wait

  const openConfirm = () => {
    closeLink();
    ui.confirm.hidden = false;
    ui.end.setAttribute("aria-expanded", "true");
    ui.endNo.focus();
  };

  const closeConfirm = () => {
    ui.confirm.hidden = true;
    ui.end.setAttribute("aria-expanded", "false");
  };

  const leave = async () => {
    if (!state.token || state.leaving) return;
    state.leaving = true;
    ui.endYes.disabled = ui.endNo.disabled = true;
    showError("");
    try {
      applyHistory(await api("POST", "/api/webchat/leave"));
      state.left = state.status === "abandoned";
      closeConfirm();
      ui.input.focus();
    } catch (error) {
      showError(error.message);
    } finally {
      state.leaving = false;
      ui.endYes.disabled = ui.endNo.disabled = false;
      renderStatus();
    }
  };

  ui.end.addEventListener("click", () => (ui.confirm.hidden ? openConfirm() : closeConfirm()));
  ui.endNo.addEventListener("click", () => {
    closeConfirm();
    ui.end.focus();
  });
  ui.endYes.addEventListener("click", leave);

  // ---------------------------------------------------------------- linking another channel

  /** `invalid`: the value itself is at fault (not, say, asking too often). */
  const setLinkError = (text, { invalid = false } = {}) => {
    ui.linkError.textContent = text || "";
    if (text && invalid) ui.linkInput.setAttribute("aria-invalid", "true");
    else ui.linkInput.removeAttribute("aria-invalid");
  };

  const openLink = () => {
    closeConfirm();
    ui.linker.hidden = false;
    ui.linkOpen.setAttribute("aria-expanded", "true");
    ui.linkInput.focus();
  };

  const closeLink = () => {
    ui.linker.hidden = true;
    ui.linkOpen.setAttribute("aria-expanded", "false");
    setLinkError("");
  };

  /** In words, what went wrong asking for a code: the field for a 422, "too often" for 409. */
  const linkProblem = (error) => {
    if (!error.status) return T.linkOffline;
    if (error.status === 422 && (error.field === "value" || !error.field)) return T.linkInvalid;
    if (error.status === 409 || error.status === 429) return T.linkTooOften;
    return fill(T.linkFailed, { message: error.message });
  };

  const requestCode = async () => {
    if (state.linking) return;
    const value = ui.linkInput.value.trim();
    if (!value) {
      setLinkError(T.linkEmpty, { invalid: true });
      ui.linkInput.focus();
      return;
    }
    state.linking = true;
    ui.linkSend.disabled = true;
    ui.linkSend.textContent = T.linkSending;
    ui.linker.setAttribute("aria-busy", "true");
    setLinkError("");
    try {
      if (!state.token) {
        begin();
        await startSession();
      }
      if (!state.token) throw new Error(T.linkOffline);
      await api("POST", "/api/webchat/verify", { value });
      // The server's own message in the chat says where the code went and what to do.
      ui.linkInput.value = "";
      closeLink();
      ui.input.focus();
      if (transport.polling) poll();
    } catch (error) {
      setLinkError(linkProblem(error), { invalid: error.status === 422 });
      ui.linkInput.focus();
    } finally {
      state.linking = false;
      ui.linkSend.disabled = false;
      ui.linkSend.textContent = T.linkSend;
      ui.linker.removeAttribute("aria-busy");
    }
  };

  ui.linkOpen.addEventListener("click", () => {
    if (ui.linker.hidden) openLink();
    else {
      closeLink();
      ui.linkOpen.focus();
    }
  });
  ui.linkCancel.addEventListener("click", () => {
    closeLink();
    ui.linkOpen.focus();
  });
  ui.linker.addEventListener("submit", (event) => {
    event.preventDefault();
    requestCode();
  });
  ui.linkInput.addEventListener("input", () => {
    if (ui.linkError.textContent) setLinkError("");
  });

  // ---------------------------------------------------------------- composer

  const onInput = () => {
    const length = ui.input.value.length;
    ui.send.disabled = ui.input.value.trim().length === 0;
    ui.counter.textContent = length ? fill(T.counter, { n: length, max: MAX_CHARS }) : "";
    ui.counter.dataset.level = length >= MAX_CHARS ? "full" : length >= MAX_CHARS * 0.9 ? "near" : "ok";
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 140)}px`;
    if (length >= MAX_CHARS) showError(fill(T.tooLong, { max: MAX_CHARS }));
    else if (ui.error.textContent === fill(T.tooLong, { max: MAX_CHARS })) showError("");
  };

  ui.input.addEventListener("input", onInput);
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  ui.person.addEventListener("click", askForPerson);

  // ---------------------------------------------------------------- open / close

  const setOpen = (open) => {
    state.open = open;
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    try {
      window.sessionStorage.setItem(keyFor("open"), open ? "1" : "0");
    } catch {
      /* not remembered across pages */
    }
    if (open) {
      state.unread = 0;
      renderBadge();
      if (!state.started) begin();
      window.requestAnimationFrame(() => {
        scrollToBottom();
        ui.input.focus();
      });
    }
  };

  ui.launcher.addEventListener("click", () => setOpen(!state.open));
  ui.close.addEventListener("click", () => {
    setOpen(false);
    ui.launcher.focus();
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !ui.confirm.hidden) {
      closeConfirm();
      ui.end.focus();
      return;
    }
    if (event.key === "Escape" && !ui.linker.hidden) {
      closeLink();
      ui.linkOpen.focus();
      return;
    }
    if (event.key === "Escape" && state.open) {
      setOpen(false);
      ui.launcher.focus();
    }
  });

  window.addEventListener("online", () => {
    if (!state.started) return;
    transport.attempts = 0;
    if (!transport.ws) connect();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.started && !transport.ws) connect();
  });

  // ---------------------------------------------------------------- start

  const begin = () => {
    if (state.started) return;
    state.started = true;
    // Messages written before a reload and not acknowledged yet: shown, and re-sent with
    // their original client ids once connected.
    for (const item of state.outbox) {
      if (!state.pending.has(item.client_id)) {
        state.pending.set(item.client_id, { text: item.text, state: "sending", node: null, inflight: false });
        renderPending(item.client_id);
      }
    }
    startSession();
  };

  const mount = () => {
    document.body.append(host);
    renderStatus();
    onInput();
    let remembered = null;
    try {
      remembered = window.sessionStorage.getItem(keyFor("open"));
    } catch {
      remembered = null;
    }
    const open = remembered === null ? script.dataset.open === "true" : remembered === "1";
    // A returning visitor resumes at once (their agent may be writing); a new one only
    // becomes a visitor on the server when they open the chat.
    if (state.token || state.outbox.length) begin();
    setOpen(open);
  };

  // A small API for the host page: open the chat, or start it with a message.
  window.RelayDesk = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    prefill: (text) => {
      setOpen(true);
      ui.input.value = String(text).slice(0, MAX_CHARS);
      onInput();
      ui.input.focus();
    },
    send: (text) => {
      setOpen(true);
      const clean = String(text).trim();
      if (clean && clean.length <= MAX_CHARS) queueMessage(clean);
    },
  };

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
