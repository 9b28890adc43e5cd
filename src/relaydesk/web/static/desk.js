/*
 * The relaydesk agent desk: sign in, see who waits (with their handover brief), accept,
 * reply, resolve or hand back. Plain browser JavaScript, no build step.
 *
 * Data comes from the agent API (relaydesk/api/agent.py); live changes arrive on the desk
 * websocket, whose frames are {type: "message" | "conversation_status" | "queue_changed" |
 * "agent_presence", ...payload}. The REST answers are the truth: a frame only tells the desk
 * what to re-read, except messages, which are appended by seq (never shown twice).
 */
(() => {
  "use strict";

  const TOKEN_KEY = "relaydesk.desk.token";
  const MAX_CHARS = 4000;
  const WAITING = new Set(["handover_pending", "queued", "offered"]);
  const STATUS_LABEL = {
    bot: "With the bot",
    handover_pending: "Handing over",
    queued: "Waiting",
    offered: "Offered",
    assigned: "Assigned",
    resolved: "Resolved",
    abandoned: "Abandoned",
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child);
    }
    return node;
  };
  const words = (code) => String(code || "").replace(/_/g, " ");
  const capitalise = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : text);
  const newClientId = () =>
    window.crypto && window.crypto.randomUUID
      ? window.crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
  const parseTime = (iso) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso || "") ? iso : `${iso}Z`);
  const clock = (iso) => parseTime(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const duration = (seconds) => {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
    return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  };

  // ---------------------------------------------------------------- state

  const state = {
    token: null,
    agent: null,
    queue: [], // waiting cases, as served
    queueAt: 0, // when the queue was read (waiting_s counts from here)
    mine: [],
    briefs: new Map(), // conversation_id -> {brief, reasons, contact}: for list labels
    unread: new Set(), // conversation ids with customer messages not seen
    selected: null, // conversation id
    detail: null, // the selected conversation (summary + contact + brief)
    messages: new Map(), // seq -> message, of the selected conversation
    nodes: new Map(), // seq -> element
  };

  try {
    state.token = window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    state.token = null;
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  const api = async (method, path, body) => {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      throw new ApiError(0, "network", "The server cannot be reached. Check the connection and try again.");
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      const failure = new ApiError(
        response.status,
        error.code || "http_error",
        error.message || `The server answered ${response.status}.`,
        error.field || null,
      );
      if (response.status === 401 && path !== "/api/agent/login") signedOut("Your session ended. Please sign in again.");
      throw failure;
    }
    return data;
  };

  // ---------------------------------------------------------------- banner

  let bannerTimer = 0;
  const showBanner = (message, kind = "error") => {
    window.clearTimeout(bannerTimer);
    $("banner-text").textContent = message;
    $("banner").dataset.kind = kind;
    $("banner").hidden = false;
    if (kind !== "error") bannerTimer = window.setTimeout(hideBanner, 5000);
  };
  const hideBanner = () => {
    $("banner").hidden = true;
  };
  const explain = (error) => {
    if (!(error instanceof ApiError)) return String(error && error.message ? error.message : error);
    return capitalise(error.message);
  };

  // ---------------------------------------------------------------- sign in / out

  const showLogin = (message) => {
    $("app").hidden = true;
    $("login-view").hidden = false;
    const err = $("login-error");
    err.textContent = message || "";
    err.hidden = !message;
    $("login-email").focus();
  };

  const signedOut = (message) => {
    state.token = null;
    state.agent = null;
    try {
      window.sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* nothing stored */
    }
    socket.stop();
    showLogin(message);
  };

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = $("login-email").value.trim();
    const password = $("login-password").value;
    const button = event.submitter || $("login-form").querySelector("button[type=submit]");
    if (!email || !password) {
      showLogin("Enter your email and password.");
      return;
    }
    button.disabled = true;
    try {
      const data = await api("POST", "/api/agent/login", { email, password });
      state.token = data.token;
      try {
        window.sessionStorage.setItem(TOKEN_KEY, data.token);
      } catch {
        /* the cookie still signs us in on this page */
      }
      $("login-password").value = "";
      startDesk(data.agent);
    } catch (error) {
      showLogin(error.status === 401 ? "Wrong email or password." : explain(error));
    } finally {
      button.disabled = false;
    }
  });

  $("logout").addEventListener("click", async () => {
    try {
      await api("POST", "/api/agent/logout");
    } catch {
      /* signed out locally either way */
    }
    signedOut("");
  });

  $("banner-close").addEventListener("click", hideBanner);

  // ---------------------------------------------------------------- the desk

  const startDesk = (agent) => {
    state.agent = agent;
    $("login-view").hidden = true;
    $("app").hidden = false;
    $("agent-name").textContent = agent.name;
    $("agent-teams").textContent = agent.teams.map(capitalise).join(" · ");
    $("agent-avatar").textContent = (agent.name || "?").charAt(0).toUpperCase();
    refreshLists();
    socket.start();
  };

  let refreshTimer = 0;
  /** Re-reads queue and "mine"; bursts of frames collapse into one read. */
  const scheduleRefresh = (delay = 150) => {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(refreshLists, delay);
  };

  const refreshLists = async () => {
    try {
      const [queue, mine] = await Promise.all([api("GET", "/api/agent/queue"), api("GET", "/api/agent/conversations")]);
      state.queue = queue.cases || [];
      state.queueAt = Date.now();
      for (const item of state.queue) {
        state.briefs.set(item.conversation_id, { brief: item.brief, reasons: item.reasons });
      }
      state.mine = mine.conversations || [];
      renderQueue();
      renderMine();
      loadMissingBriefs();
    } catch (error) {
      if (error.status !== 401) showBanner(`Could not load the queue: ${explain(error)}`);
    }
  };

  /** "Mine" lists bare summaries: read each case once for its customer and brief. */
  const loadMissingBriefs = async () => {
    for (const item of state.mine) {
      if (state.briefs.has(item.conversation_id)) continue;
      state.briefs.set(item.conversation_id, { brief: null, reasons: [] });
      try {
        const detail = await api("GET", `/api/agent/conversations/${encodeURIComponent(item.conversation_id)}?after=${item.last_seq}`);
        state.briefs.set(item.conversation_id, { brief: detail.brief, reasons: detail.reasons, contact: detail.contact });
        renderMine();
      } catch {
        state.briefs.delete(item.conversation_id);
      }
    }
  };

  const priorityPill = (priority) =>
    el("span", { class: `pill priority-${priority || "normal"}`, "data-testid": "desk-priority", text: priority || "normal" });

  const customerName = (id, fallback) => {
    const known = state.briefs.get(id) || {};
    const fromBrief = known.brief && known.brief.customer && known.brief.customer.name;
    return (known.contact && known.contact.name) || fromBrief || fallback || "Web visitor";
  };

  const renderQueue = () => {
    const list = $("queue");
    list.replaceChildren();
    for (const item of state.queue) {
      const brief = item.brief || {};
      const summary = brief.summary || "No summary";
      const button = el(
        "button",
        {
          type: "button",
          class: "case",
          "data-testid": "desk-case",
          "data-conversation-id": item.conversation_id,
          "data-priority": item.priority || "normal",
          "aria-current": item.conversation_id === state.selected ? "true" : null,
        },
        [
          el("div", { class: "case-top" }, [
            el("span", { class: "case-name", text: customerName(item.conversation_id, brief.customer && brief.customer.name) }),
            el("span", { class: "case-wait", "data-waiting": String(item.waiting_s), text: duration(item.waiting_s) }),
          ]),
          el("div", { class: "case-summary", text: summary }),
          el("div", { class: "case-tags" }, [
            priorityPill(item.priority),
            el("span", { class: "tag", text: capitalise(item.team || "general") }),
            el("span", { class: "tag", text: `#${item.position} in line` }),
            ...(item.reasons || []).slice(0, 2).map((r) => el("span", { class: "chip chip-sm", text: words(r) })),
          ]),
        ],
      );
      button.addEventListener("click", () => select(item.conversation_id));
      list.append(el("li", {}, [button]));
    }
    $("queue-empty").hidden = state.queue.length > 0;
    $("queue-count").textContent = String(state.queue.length);
    document.title = state.queue.length ? `(${state.queue.length}) Agent desk · relaydesk` : "Agent desk · relaydesk";
  };

  const renderMine = () => {
    const list = $("mine");
    list.replaceChildren();
    for (const item of state.mine) {
      const known = state.briefs.get(item.conversation_id) || {};
      const summary = (known.brief && known.brief.summary) || "";
      const button = el(
        "button",
        {
          type: "button",
          class: "case",
          "data-testid": "desk-mine-case",
          "data-conversation-id": item.conversation_id,
          "data-priority": item.priority || "normal",
          "aria-current": item.conversation_id === state.selected ? "true" : null,
        },
        [
          el("div", { class: "case-top" }, [
            el("span", { class: "case-name", text: customerName(item.conversation_id) }),
            state.unread.has(item.conversation_id) ? el("span", { class: "unread", text: "new" }) : null,
          ]),
          summary ? el("div", { class: "case-summary", text: summary }) : null,
          el("div", { class: "case-tags" }, [
            priorityPill(item.priority),
            el("span", { class: "tag", text: capitalise(item.team || "general") }),
          ]),
        ],
      );
      button.addEventListener("click", () => select(item.conversation_id));
      list.append(el("li", {}, [button]));
    }
    $("mine-empty").hidden = state.mine.length > 0;
    $("mine-count").textContent = String(state.mine.length);
  };

  // Waiting times move every second without asking the server.
  window.setInterval(() => {
    const passed = (Date.now() - state.queueAt) / 1000;
    for (const node of document.querySelectorAll(".case-wait[data-waiting]")) {
      node.textContent = duration(Number(node.dataset.waiting) + passed);
    }
  }, 1000);

  // ---------------------------------------------------------------- one conversation

  const select = async (conversationId) => {
    state.selected = conversationId;
    state.unread.delete(conversationId);
    renderQueue();
    renderMine();
    try {
      const detail = await api("GET", `/api/agent/conversations/${encodeURIComponent(conversationId)}`);
      if (state.selected !== conversationId) return;
      showConversation(detail);
    } catch (error) {
      if (state.selected !== conversationId) return;
      showBanner(explain(error));
    }
  };

  const showConversation = (detail) => {
    const changed = !state.detail || state.detail.conversation_id !== detail.conversation_id;
    state.detail = detail;
    state.briefs.set(detail.conversation_id, { brief: detail.brief, reasons: detail.reasons, contact: detail.contact });
    if (changed) {
      state.messages.clear();
      state.nodes.clear();
      $("transcript").replaceChildren();
      $("reply").value = "";
      onReplyInput();
    }
    $("no-selection").hidden = true;
    $("conv").hidden = false;
    for (const message of detail.messages || []) addMessage(message);
    renderHead();
    renderBrief(detail);
    scrollTranscript(true);
  };

  const isMine = () => state.detail && state.detail.status === "assigned" && state.detail.agent_id === state.agent.id;

  const renderHead = () => {
    const d = state.detail;
    $("conv-name").textContent = customerName(d.conversation_id, d.contact && d.contact.name);
    const meta = $("conv-meta");
    meta.replaceChildren(
      el("span", { class: `pill status-${d.status}`, "data-testid": "desk-conv-status", text: STATUS_LABEL[d.status] || d.status }),
      priorityPill(d.priority),
      el("span", { class: "tag", text: capitalise(d.team || "no team") }),
      el("span", { class: "tag", text: capitalise(d.channel || "") }),
      d.lang ? el("span", { class: "tag", text: d.lang.toUpperCase() }) : null,
      el("span", { class: "muted small mono", text: d.conversation_id.slice(0, 8) }),
    );
    const waiting = WAITING.has(d.status);
    const mine = isMine();
    $("accept").hidden = !waiting;
    $("resolve").hidden = !mine;
    $("handback").hidden = !mine;
    $("reply").disabled = !mine;
    $("send").disabled = !mine || !$("reply").value.trim();
    const note = $("composer-note");
    let text = "";
    if (waiting) text = "Accept the case to reply. The customer has been told a person is coming.";
    else if (d.status === "assigned" && !mine) text = "Another agent has this conversation.";
    else if (d.status === "resolved") text = "Resolved. If the customer writes again, the bot picks it up.";
    else if (d.status === "bot") text = "Handed back: the bot is answering this customer.";
    else if (d.status === "abandoned") text = "The customer left before anyone answered.";
    note.textContent = text;
    note.hidden = !text;
  };

  const senderName = (message) => {
    if (message.sender === "customer") return customerName(state.selected, state.detail && state.detail.contact && state.detail.contact.name);
    if (message.sender === "bot") return "Bot";
    if (message.sender === "agent") {
      if (state.agent && message.agent_id === state.agent.id) return "You";
      return message.agent_name || (message.agent_id ? `Agent #${message.agent_id}` : "Agent");
    }
    return "";
  };

  const messageNode = (message, pending) => {
    const node = el("div", {
      class: "msg",
      "data-testid": "desk-message",
      "data-sender": message.sender,
      "data-seq": pending ? null : message.seq,
      "data-state": pending ? "sending" : null,
    });
    if (message.sender === "system") {
      node.append(el("div", { class: "bubble", text: message.text }));
      return node;
    }
    node.append(
      el("div", { class: "msg-head" }, [
        el("span", { class: "msg-who", text: senderName(message) }),
        el("time", { datetime: message.created_at || "", text: pending ? "sending…" : clock(message.created_at) }),
      ]),
      el("div", { class: "bubble", text: message.text }),
    );
    if (message.masked && message.masked.length) {
      node.append(el("div", { class: "masked-note", text: `Hidden for safety: ${message.masked.map(words).join(", ")}` }));
    }
    return node;
  };

  const addMessage = (message) => {
    if (typeof message.seq !== "number" || state.messages.has(message.seq)) return;
    const stick = nearBottom();
    state.messages.set(message.seq, message);
    const node = messageNode(message, false);
    let before = null;
    for (const [seq, other] of state.nodes) {
      if (seq > message.seq && (!before || seq < Number(before.dataset.seq))) before = other;
    }
    const transcript = $("transcript");
    transcript.insertBefore(node, before || transcript.querySelector(".msg[data-state=sending]"));
    state.nodes.set(message.seq, node);
    if (message.client_id) {
      const pending = transcript.querySelector(`.msg[data-client-id="${CSS.escape(message.client_id)}"]`);
      if (pending) pending.remove();
    }
    scrollTranscript(stick);
  };

  const nearBottom = () => {
    const t = $("transcript");
    return t.scrollHeight - t.scrollTop - t.clientHeight < 100;
  };
  const scrollTranscript = (force) => {
    const t = $("transcript");
    if (force) t.scrollTop = t.scrollHeight;
  };

  // ---------------------------------------------------------------- the brief

  const section = (title, ...children) =>
    el("section", { class: "brief-section" }, [el("h3", { text: title }), ...children]);

  const keyValues = (pairs, extraClass = "") => {
    const dl = el("dl", { class: `kv ${extraClass}` });
    for (const [key, value] of pairs) {
      if (value === null || value === undefined || value === "") continue;
      dl.append(el("dt", { text: key }), el("dd", {}, [value instanceof Node ? value : document.createTextNode(String(value))]));
    }
    return dl;
  };

  /** Backend facts are free-form JSON: drawn as nested key/value lists, a few levels deep. */
  const factsNode = (value, depth = 0) => {
    if (value === null || value === undefined || value === "") return document.createTextNode("—");
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v !== "object" || v === null)) return document.createTextNode(value.join(", "));
      const ul = el("ul", { class: "facts-list" });
      for (const item of value) ul.append(el("li", {}, [factsNode(item, depth + 1)]));
      return ul;
    }
    if (typeof value === "object") {
      if (depth > 3) return document.createTextNode(JSON.stringify(value));
      const entries = Object.entries(value);
      if (depth === 0) {
        // One block per backend record ("order", "payment"...), each with its own title.
        return el(
          "div",
          { class: "facts" },
          entries.map(([k, v]) =>
            el("div", { class: "facts-block" }, [
              el("h4", { text: capitalise(words(k)) }),
              v !== null && typeof v === "object" && !Array.isArray(v)
                ? keyValues(Object.entries(v).map(([k2, v2]) => [words(k2), factsNode(v2, depth + 2)]))
                : factsNode(v, depth + 1),
            ]),
          ),
        );
      }
      return keyValues(entries.map(([k, v]) => [words(k), factsNode(v, depth + 1)]), "kv-nested");
    }
    if (typeof value === "boolean") return document.createTextNode(value ? "yes" : "no");
    // Backend codes ("charged_but_failed") read as words.
    if (typeof value === "string" && /^[a-z]+(_[a-z]+)+$/.test(value)) return document.createTextNode(words(value));
    return document.createTextNode(String(value));
  };

  const copyable = (text) => {
    const button = el("button", { type: "button", class: "copy", title: "Copy", "aria-label": `Copy ${text}`, text: text });
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text);
        button.dataset.copied = "true";
        window.setTimeout(() => delete button.dataset.copied, 1200);
      } catch {
        /* clipboard not allowed: the value is visible anyway */
      }
    });
    return button;
  };

  const renderBrief = (detail) => {
    const panel = $("brief");
    panel.replaceChildren();
    const brief = detail.brief;
    panel.append(el("div", { class: "brief-title" }, [el("h2", { text: "Handover brief" })]));
    if (!brief) {
      panel.append(el("p", { class: "muted", text: "This conversation has no handover brief: the bot has not handed it over." }));
      return;
    }
    panel.append(el("p", { class: "summary", "data-testid": "desk-brief-summary", text: brief.summary || "—" }));

    const reasons = brief.reasons && brief.reasons.length ? brief.reasons : detail.reasons || [];
    panel.append(
      el("div", { class: "brief-badges" }, [
        priorityPill(brief.priority || detail.priority),
        el("span", { class: "tag", text: capitalise(brief.team || detail.team || "general") }),
        ...reasons.map((r) => el("span", { class: "chip", "data-testid": "desk-reason", text: words(r) })),
      ]),
    );

    const entities = Object.entries(brief.entities || {});
    panel.append(
      section(
        "Already given",
        entities.length
          ? keyValues(entities.map(([k, v]) => [capitalise(words(k)), copyable(String(v))]), "kv-entities")
          : el("p", { class: "muted small", text: "No order, payment or account details yet." }),
      ),
    );

    const customer = brief.customer || {};
    const tier = customer.tier || (detail.contact && detail.contact.tier);
    panel.append(
      section(
        "Customer",
        keyValues([
          ["Name", customer.name || (detail.contact && detail.contact.name) || "Not given"],
          ["Tier", tier ? el("span", { class: `tier tier-${tier}`, text: tier.toUpperCase() }) : null],
          ["Language", customer.lang === "id" ? "Bahasa Indonesia" : customer.lang === "en" ? "English" : customer.lang],
          ["Channel", capitalise(brief.channel || detail.channel)],
          ["Intent", brief.intent ? words(brief.intent) : null],
          ["Topic", brief.topic],
          ["Frustration", brief.sentiment ? frustrationMeter(brief.sentiment.frustration) : null],
          ["Turns", brief.turns],
        ]),
      ),
    );

    const tried = brief.bot_tried || [];
    panel.append(
      section(
        "What the bot tried",
        tried.length
          ? el("ol", { class: "tried" }, tried.map((t) => el("li", { text: t })))
          : el("p", { class: "muted small", text: "Nothing yet: the customer asked for a person straight away." }),
      ),
    );

    if (brief.facts && Object.keys(brief.facts).length) {
      panel.append(section("What the shop's systems say", factsNode(brief.facts)));
    }

    const signals = (brief.signals || []).filter((s) => s.score > 0 || (s.evidence && s.evidence.length));
    panel.append(
      section(
        "Why it was handed over",
        el("p", { class: "policy small", "data-testid": "desk-policy" }, [
          document.createTextNode("Rule "),
          el("code", { text: brief.rule || "—" }),
          document.createTextNode(" of policy "),
          el("code", { text: brief.policy_version || "—" }),
        ]),
        signals.length
          ? el(
              "ul",
              { class: "signals" },
              signals.map((s) =>
                el("li", { class: "signal", "data-fired": String(s.score >= 0.5) }, [
                  el("div", { class: "signal-head" }, [
                    el("span", { class: "signal-name", text: words(s.name) }),
                    el("span", { class: "signal-score", text: Number(s.score).toFixed(2) }),
                  ]),
                  el("div", { class: "bar", role: "img", "aria-label": `score ${Number(s.score).toFixed(2)}` }, [
                    el("span", { style: `width:${Math.round(Math.min(1, Math.max(0, s.score)) * 100)}%` }),
                  ]),
                  s.evidence && s.evidence.length
                    ? el("div", { class: "evidence" }, s.evidence.map((e) => el("q", { text: e })))
                    : null,
                ]),
              ),
            )
          : el("p", { class: "muted small", text: "No signal scored above zero." }),
      ),
    );
  };

  const frustrationMeter = (value) => {
    const v = Math.max(0, Math.min(1, Number(value) || 0));
    const level = v >= 0.7 ? "high" : v >= 0.4 ? "medium" : "low";
    return el("span", { class: `meter meter-${level}` }, [
      el("span", { class: "bar bar-inline" }, [el("span", { style: `width:${Math.round(v * 100)}%` })]),
      el("span", { class: "small", text: `${level} (${v.toFixed(2)})` }),
    ]);
  };

  // ---------------------------------------------------------------- actions

  const act = async (button, fn) => {
    button.disabled = true;
    hideBanner();
    try {
      await fn();
    } catch (error) {
      showBanner(explain(error));
    } finally {
      button.disabled = false;
    }
  };

  $("accept").addEventListener("click", () =>
    act($("accept"), async () => {
      const id = state.selected;
      try {
        const detail = await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/accept`);
        if (state.selected === id) showConversation(detail);
        $("reply").focus();
      } finally {
        scheduleRefresh(0);
      }
    }),
  );

  const finish = (button, path, status, message) =>
    act(button, async () => {
      const id = state.selected;
      await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/${path}`);
      if (state.selected === id && state.detail) {
        state.detail = { ...state.detail, status, agent_id: null };
        renderHead();
      }
      showBanner(message, "info");
      scheduleRefresh(0);
    });

  $("resolve").addEventListener("click", () => finish($("resolve"), "resolve", "resolved", "Resolved. Nice work."));
  $("handback").addEventListener("click", () =>
    finish($("handback"), "hand-back", "bot", "Handed back: the bot answers this customer again."),
  );

  const onReplyInput = () => {
    const length = $("reply").value.length;
    $("reply-counter").textContent = length > MAX_CHARS * 0.8 ? `${length} / ${MAX_CHARS}` : "";
    $("send").disabled = !isMine() || !$("reply").value.trim();
  };
  $("reply").addEventListener("input", onReplyInput);
  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text || !isMine()) return;
    const id = state.selected;
    const clientId = newClientId();
    const pending = messageNode({ sender: "agent", agent_id: state.agent.id, text }, true);
    pending.dataset.clientId = clientId;
    $("transcript").append(pending);
    scrollTranscript(true);
    $("reply").value = "";
    onReplyInput();
    try {
      const message = await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/messages`, {
        text,
        client_id: clientId,
      });
      pending.remove();
      if (state.selected === id) addMessage(message);
    } catch (error) {
      pending.remove();
      if (!$("reply").value) {
        $("reply").value = text; // nothing typed since: give the reply back to edit or resend
        onReplyInput();
      }
      showBanner(`The reply was not sent: ${explain(error)}`);
    }
  });

  // ---------------------------------------------------------------- live updates

  const onFrame = (frame) => {
    switch (frame.type) {
      case "ready":
        break;
      case "message":
        if (frame.conversation_id === state.selected) addMessage(frame);
        else if (frame.sender === "customer" && state.mine.some((c) => c.conversation_id === frame.conversation_id)) {
          state.unread.add(frame.conversation_id);
          renderMine();
        }
        break;
      case "conversation_status":
        if (state.detail && frame.conversation_id === state.selected) {
          const before = state.detail;
          state.detail = { ...state.detail, ...frame };
          if (WAITING.has(before.status) && frame.status === "assigned" && frame.agent_id !== state.agent.id) {
            showBanner("Another agent accepted this conversation.", "info");
          }
          renderHead();
        }
        scheduleRefresh();
        break;
      case "queue_changed":
        scheduleRefresh();
        break;
      case "error":
        if (frame.code === "unauthorized") signedOut("Your session ended. Please sign in again.");
        break;
      default:
        break;
    }
  };

  const setConnection = (status, text) => {
    $("connection").dataset.state = status;
    $("connection-text").textContent = text;
  };

  /** The desk websocket: while it is open the agent is online. Reconnects with backoff. */
  const socket = (() => {
    let ws = null;
    let attempts = 0;
    let timer = 0;
    let ping = 0;
    let running = false;

    const open = () => {
      window.clearTimeout(timer);
      if (!running || ws || !state.token) return;
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      const current = new WebSocket(`${scheme}://${window.location.host}/api/agent/ws?token=${encodeURIComponent(state.token)}`);
      ws = current;
      setConnection("connecting", attempts ? "Reconnecting…" : "Connecting…");
      current.addEventListener("message", (event) => {
        if (ws !== current) return;
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return;
        }
        if (frame.type === "ready") {
          const resumed = attempts > 0;
          attempts = 0;
          setConnection("online", "Online");
          window.clearInterval(ping);
          ping = window.setInterval(() => current.readyState === 1 && current.send('{"type":"ping"}'), 25000);
          if (resumed) catchUp();
        }
        onFrame(frame);
      });
      current.addEventListener("close", (event) => {
        if (ws !== current) return;
        ws = null;
        window.clearInterval(ping);
        if (!running) return;
        if (event.code === 4401) {
          signedOut("Your session ended. Please sign in again.");
          return;
        }
        attempts += 1;
        const ceiling = Math.min(30000, 500 * 2 ** Math.min(attempts, 8));
        setConnection("offline", "Offline · reconnecting");
        timer = window.setTimeout(open, ceiling / 2 + Math.random() * (ceiling / 2));
      });
    };

    return {
      start() {
        running = true;
        open();
      },
      stop() {
        running = false;
        window.clearTimeout(timer);
        window.clearInterval(ping);
        if (ws) {
          const closing = ws;
          ws = null;
          closing.close();
        }
      },
      nudge() {
        if (running && !ws) {
          attempts = Math.max(attempts, 1);
          open();
        }
      },
    };
  })();

  /** After a gap in the socket: re-read lists and whatever the open conversation missed. */
  const catchUp = async () => {
    scheduleRefresh(0);
    const id = state.selected;
    if (!id) return;
    let after = 0;
    for (const seq of state.messages.keys()) after = Math.max(after, seq);
    try {
      const detail = await api("GET", `/api/agent/conversations/${encodeURIComponent(id)}?after=${after}`);
      if (state.selected === id) {
        state.detail = { ...state.detail, ...detail, messages: undefined };
        for (const message of detail.messages || []) addMessage(message);
        renderHead();
      }
    } catch {
      /* no longer visible to us (resolved by someone else): the lists say so */
    }
  };

  window.addEventListener("online", () => socket.nudge());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") socket.nudge();
  });

  // ---------------------------------------------------------------- start

  const boot = async () => {
    if (!state.token) {
      showLogin("");
      return;
    }
    try {
      startDesk(await api("GET", "/api/agent/me"));
    } catch (error) {
      if (error.status !== 401) showLogin(explain(error));
    }
  };

  boot();
})();
