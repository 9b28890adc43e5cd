/*
 * The relaydesk agent desk: sign in, see who waits (with their handover brief), take the
 * cases the server offers (or pick a waiting one), reply, transfer with an internal note,
 * resolve or hand back. Plain browser JavaScript, no build step.
 *
 * Data comes from the agent API (relaydesk/api/agent.py); live changes arrive on the desk
 * websocket, whose frames are {type: "message" | "message_status" | "conversation_status" |
 * "queue_changed" | "agent_presence" | "offer" | "offer_withdrawn" | "nudge", ...payload}.
 * The REST answers are the truth: a frame only tells the desk what to re-read, except
 * messages, which are appended by seq (never shown twice), delivery statuses, which only
 * move a message forward (queued, sent, delivered, read; or failed), and offers and nudges,
 * which carry their countdowns.
 *
 * Channels: each conversation and message says its channel (WhatsApp, SMS, e-mail...). A
 * reply the channel will not carry now (WhatsApp's 24 hours) answers 409 outside_window
 * with the approved templates to send instead. The contact panel shows how we know the
 * customer, their timeline across channels, suggested matches (send a code, merge) and
 * merges (undo).
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
  const CHANNEL_LABEL = {
    webchat: "Webchat",
    whatsapp: "WhatsApp",
    messenger: "Messenger",
    instagram: "Instagram",
    telegram: "Telegram",
    sms: "SMS",
    email: "E-mail",
  };
  const channelLabel = (channel) => CHANNEL_LABEL[channel] || capitalise(words(channel)) || "Unknown channel";
  const channelBadge = (channel, testid, extra = {}) =>
    el("span", {
      class: `channel channel-${channel || "unknown"}`,
      "data-testid": testid,
      "data-channel": channel || "",
      text: channelLabel(channel),
      ...extra,
    });
  const IDENTITY_LABEL = {
    phone: "Phone",
    email: "E-mail",
    messenger: "Messenger",
    instagram: "Instagram",
    telegram: "Telegram",
    web_visitor: "Web chat visitor",
  };
  const VERIFIED_LABEL = {
    provider: "Vouched for by the provider",
    code: "Proven with a one-time code",
    agent: "Linked by an agent",
  };
  const MERGE_METHOD = { agent: "by an agent", code: "the customer proved it with a code" };
  const dayTime = (iso) =>
    parseTime(iso).toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  const fileSize = (bytes) => {
    const n = Number(bytes);
    if (!Number.isFinite(n) || n < 0) return "";
    if (n < 1024 * 1024) return `${Math.max(1, Math.round(n / 1024))} KB`;
    return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  };
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
    offers: new Map(), // conversation_id -> offer made to me: {frame, deadline, total, createdAt, node}
    offersGone: new Map(), // conversation_id -> when its card went (a slower queue read must not bring it back)
    nudges: new Map(), // conversation_id -> when it goes back to the queue (ms) unless I reply
    presence: "online", // mine, as the server last said
    teamsSeen: new Set(), // team keys seen in queues and frames: transfer targets
    statuses: new Map(), // seq -> {delivery, delivery_error} heard before the message itself
    shownChannel: null, // the open conversation's channel the transcript's badges compare with
  };

  try {
    state.token = window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    state.token = null;
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message, field, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
      this.details = details || null; // more to act on: the templates an outside_window offers
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
        error.details || null,
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
  /** Says something to screen readers without showing it (delivery failures and the like). */
  const announce = (text) => {
    const node = $("announce");
    node.textContent = "";
    window.setTimeout(() => {
      node.textContent = text;
    }, 50);
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
    for (const team of agent.teams) state.teamsSeen.add(team);
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
    const readAt = Date.now();
    try {
      const [queue, mine] = await Promise.all([api("GET", "/api/agent/queue"), api("GET", "/api/agent/conversations")]);
      state.queue = queue.cases || [];
      state.queueAt = Date.now();
      for (const item of state.queue) {
        const known = state.briefs.get(item.conversation_id) || {};
        state.briefs.set(item.conversation_id, { ...known, brief: item.brief, reasons: item.reasons });
        if (item.team) state.teamsSeen.add(item.team);
      }
      state.mine = mine.conversations || [];
      for (const item of state.mine) if (item.team) state.teamsSeen.add(item.team);
      syncOffers(readAt);
      renderQueue();
      renderMine();
      if (state.detail) renderHead();
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
      const offered = offeredState(item);
      const button = el(
        "button",
        {
          type: "button",
          class: "case",
          "data-testid": "desk-case",
          "data-conversation-id": item.conversation_id,
          "data-priority": item.priority || "normal",
          "data-offered": offered,
          "aria-current": item.conversation_id === state.selected ? "true" : null,
        },
        [
          el("div", { class: "case-top" }, [
            el("span", { class: "case-name", text: customerName(item.conversation_id, brief.customer && brief.customer.name) }),
            el("span", { class: "case-wait", "data-waiting": String(item.waiting_s), text: duration(item.waiting_s) }),
          ]),
          el("div", { class: "case-summary", text: summary }),
          el("div", { class: "case-tags" }, [
            offered === "me"
              ? el("span", { class: "offer-mark offer-mark-me", "data-testid": "desk-case-offered", text: "Offered to you" })
              : offered === "other"
                ? el("span", { class: "offer-mark", "data-testid": "desk-case-offered", text: "Offered to a colleague" })
                : null,
            channelBadge(item.channel, "desk-case-channel"),
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
    renderTitle();
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
            state.nudges.has(item.conversation_id)
              ? el("span", { class: "reply-due", "data-testid": "desk-mine-nudge", text: "reply now" })
              : null,
            state.unread.has(item.conversation_id) ? el("span", { class: "unread", text: "new" }) : null,
          ]),
          summary ? el("div", { class: "case-summary", text: summary }) : null,
          el("div", { class: "case-tags" }, [
            channelBadge(item.channel, "desk-case-channel"),
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

  /** "me", "other" or null: is this waiting case being offered, and to whom? */
  const offeredState = (item) => {
    if (item.offered_to_me || state.offers.has(item.conversation_id)) return "me";
    return item.offered ? "other" : null;
  };

  const renderTitle = () => {
    const base = "Agent desk · relaydesk";
    const waiting = state.queue.length ? `(${state.queue.length}) ` : "";
    document.title = state.offers.size ? `New case offered · ${waiting}${base}` : `${waiting}${base}`;
  };

  // ---------------------------------------------------------------- offers

  /** Seconds left on an offer, or null when the desk does not know (read from the queue). */
  const offerSecondsLeft = (offer) =>
    offer.deadline === null ? null : Math.max(0, Math.ceil((offer.deadline - Date.now()) / 1000));

  /** An offer for me: from the socket (with its countdown) or from a queue read (without). */
  const addOffer = (frame, { fromQueue = false } = {}) => {
    const id = frame.conversation_id;
    if (!id) return;
    const known = state.offers.get(id);
    const expires = Number(frame.expires_in_s);
    const offer = known || { id, node: null, busy: false };
    offer.frame = { ...(known ? known.frame : {}), ...frame };
    offer.createdAt = Date.now();
    if (!fromQueue || !known) {
      offer.total = !fromQueue && Number.isFinite(expires) && expires > 0 ? expires : null;
      offer.deadline = offer.total === null ? null : Date.now() + offer.total * 1000;
    }
    if (frame.team) state.teamsSeen.add(frame.team);
    state.offers.set(id, offer);
    state.offersGone.delete(id);
    renderOffer(offer);
    renderTitle();
    loadOfferDetail(offer);
    if (state.detail && state.detail.conversation_id === id) renderHead();
  };

  const removeOffer = (id, { taken = false } = {}) => {
    const offer = state.offers.get(id);
    state.offersGone.set(id, Date.now());
    // Until the next queue read: no longer offered to me (and gone from the queue if I took it).
    const before = state.queue.length;
    state.queue = taken
      ? state.queue.filter((item) => item.conversation_id !== id)
      : state.queue.map((item) =>
          item.conversation_id === id && item.offered_to_me ? { ...item, offered_to_me: false, offered: false } : item,
        );
    if (offer) {
      state.offers.delete(id);
      if (offer.node) offer.node.remove();
    }
    if (offer || state.queue.length !== before) {
      renderQueue();
      if (state.detail && state.detail.conversation_id === id) renderHead();
    }
  };

  /** A queue read is the truth about offers of my teams, as of when it was asked. */
  const syncOffers = (readAt) => {
    const mineNow = new Map(state.queue.filter((item) => item.offered_to_me).map((item) => [item.conversation_id, item]));
    for (const [id, item] of mineNow) {
      const gone = state.offersGone.get(id);
      if (state.offers.has(id) || (gone !== undefined && gone >= readAt)) continue;
      addOffer(item, { fromQueue: true });
    }
    for (const offer of [...state.offers.values()]) {
      if (offer.createdAt >= readAt || offer.busy) continue; // offered after the read began
      // A case offered to me from another team (overflow) is not in my queue: the socket
      // and the countdown settle that one.
      if (!state.agent.teams.includes(offer.frame.team)) continue;
      if (!mineNow.has(offer.id)) removeOffer(offer.id);
    }
  };

  /** The offer says little about the customer: read the case for their name and brief. */
  const loadOfferDetail = async (offer) => {
    if (offer.detailAsked) return;
    offer.detailAsked = true;
    try {
      const after = Number(offer.frame.last_seq) || 0;
      const detail = await api("GET", `/api/agent/conversations/${encodeURIComponent(offer.id)}?after=${after}`);
      state.briefs.set(offer.id, { brief: detail.brief, reasons: detail.reasons, contact: detail.contact });
      if (state.offers.get(offer.id) === offer) renderOffer(offer);
    } catch {
      /* not readable before accepting (a case from another team): the card shows what the offer said */
    }
  };

  const renderOffer = (offer) => {
    const id = offer.id;
    const frame = offer.frame;
    const known = state.briefs.get(id) || {};
    const brief = known.brief || frame.brief || {};
    const titleId = `offer-title-${id}`;
    const timer = el("span", {
      class: "offer-timer",
      role: "timer",
      "aria-live": "off",
      "aria-label": "Time left to accept",
      "data-testid": "desk-offer-countdown",
    });
    const bar = el("span", { class: "offer-bar-fill" });
    const accept = el("button", {
      type: "button",
      class: "btn btn-primary btn-sm",
      "data-testid": "desk-offer-accept",
      "aria-describedby": titleId,
      text: "Accept",
    });
    const decline = el("button", {
      type: "button",
      class: "btn btn-secondary btn-sm",
      "data-testid": "desk-offer-decline",
      "aria-describedby": titleId,
      text: "Decline",
    });
    accept.disabled = decline.disabled = offer.busy;
    accept.addEventListener("click", () => acceptOffer(offer, accept, decline));
    decline.addEventListener("click", () => declineOffer(offer, accept, decline));
    const node = el(
      "article",
      {
        class: "offer",
        "data-testid": "desk-offer",
        "data-conversation-id": id,
        "data-priority": frame.priority || brief.priority || "normal",
        "aria-labelledby": titleId,
      },
      [
        el("div", { class: "offer-top" }, [
          el("span", { class: "offer-kicker", text: "New case for you" }),
          timer,
        ]),
        el("div", { class: "offer-bar", "aria-hidden": "true" }, [bar]),
        el("h3", { class: "offer-name", id: titleId, "data-testid": "desk-offer-customer", text: customerName(id, brief.customer && brief.customer.name) }),
        el("p", { class: "offer-summary", "data-testid": "desk-offer-summary", text: brief.summary || "No summary yet." }),
        el("div", { class: "case-tags" }, [
          priorityPill(frame.priority || brief.priority),
          el("span", { class: "tag", "data-testid": "desk-offer-team", text: capitalise(frame.team || brief.team || "general") }),
          frame.channel ? channelBadge(frame.channel, "desk-offer-channel") : null,
          frame.lang ? el("span", { class: "tag", text: frame.lang.toUpperCase() }) : null,
        ]),
        el("div", { class: "offer-actions" }, [decline, accept]),
      ],
    );
    offer.timer = timer;
    offer.bar = bar;
    if (offer.node && offer.node.isConnected) offer.node.replaceWith(node);
    else $("offers").append(node);
    offer.node = node;
    tickOffer(offer);
  };

  const tickOffer = (offer) => {
    const left = offerSecondsLeft(offer);
    if (left === null) {
      offer.timer.textContent = "Offered to you";
      offer.timer.dataset.seconds = "";
      offer.bar.style.width = "100%";
      return;
    }
    offer.timer.textContent = `${left} s`;
    offer.timer.dataset.seconds = String(left);
    offer.timer.setAttribute("aria-label", `${left} seconds left to accept`);
    offer.node.dataset.urgent = String(left <= 10);
    const fraction = offer.total ? Math.max(0, (offer.deadline - Date.now()) / (offer.total * 1000)) : 1;
    offer.bar.style.width = `${Math.round(fraction * 100)}%`;
    if (left === 0 && !offer.busy) {
      removeOffer(offer.id);
      showBanner("An offer ran out before you answered; it goes to the next agent.", "info");
      scheduleRefresh(0);
    }
  };

  /** Answer an offer: `act` calls the server; a 403/404/409 means it is gone anyway. */
  const answerOffer = (offer, buttons, act) => {
    const id = offer.id;
    offer.busy = true;
    for (const button of buttons) button.disabled = true;
    hideBanner();
    (async () => {
      try {
        await act(id);
      } catch (error) {
        if (error.status === 409 || error.status === 403 || error.status === 404) removeOffer(id);
        showBanner(explain(error));
      } finally {
        offer.busy = false;
        for (const button of buttons) button.disabled = false;
        scheduleRefresh(0);
      }
    })();
  };

  const acceptOffer = (offer, ...buttons) =>
    answerOffer(offer, buttons, async (id) => {
      const detail = await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/accept`);
      removeOffer(id, { taken: true });
      state.selected = id;
      state.unread.delete(id);
      showConversation(detail);
      renderQueue();
      renderMine();
      $("reply").focus();
    });

  const declineOffer = (offer, ...buttons) =>
    answerOffer(offer, buttons, async (id) => {
      await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/decline`);
      removeOffer(id);
      showBanner("Declined: the case goes to the next available agent.", "info");
    });

  // ---------------------------------------------------------------- nudges

  /** Seconds until the open case goes back to the queue, or null without a nudge. */
  const nudgeSecondsLeft = (id) => {
    const deadline = state.nudges.get(id);
    return deadline === undefined ? null : Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
  };

  const clearNudge = (id) => {
    if (!state.nudges.delete(id)) return;
    renderNudge();
    renderMine();
  };

  const renderNudge = () => {
    const id = state.selected;
    const left = id && isMine() ? nudgeSecondsLeft(id) : null;
    $("nudge").hidden = left === null;
    if (left !== null) {
      $("nudge-seconds").textContent = `${left} s`;
      $("nudge-seconds").dataset.seconds = String(left);
    }
  };

  const tickNudges = () => {
    for (const id of [...state.nudges.keys()]) {
      if (nudgeSecondsLeft(id) > 0) continue;
      // The server puts it back in the queue now: read what changed.
      state.nudges.delete(id);
      renderMine();
      scheduleRefresh(0);
      if (id === state.selected) window.setTimeout(catchUp, 1500);
    }
    renderNudge();
  };

  // Countdowns (offers, nudges) move on their own between frames.
  window.setInterval(() => {
    for (const offer of [...state.offers.values()]) if (offer.node) tickOffer(offer);
    tickNudges();
  }, 250);

  // ---------------------------------------------------------------- presence

  const PRESENCE_LABEL = { online: "Online", away: "Away", offline: "Offline" };

  const setPresence = (presence) => {
    if (!PRESENCE_LABEL[presence]) return;
    state.presence = presence;
    $("presence").value = presence;
    $("presence-wrap").dataset.presence = presence;
    if (presence === "online") $("presence-notice").hidden = true;
  };

  const presenceNotice = (text) => {
    $("presence-notice-text").textContent = text;
    $("presence-notice").hidden = false;
  };

  $("presence").addEventListener("change", async () => {
    const wanted = $("presence").value;
    const before = state.presence;
    const select = $("presence");
    select.disabled = true;
    try {
      await api("POST", "/api/agent/presence", { presence: wanted });
      setPresence(wanted);
      if (wanted === "offline" && state.mine.length) {
        showBanner("You're offline: your open cases went back to the queue, in front, with their notes.", "info");
      } else if (wanted === "away") {
        showBanner("You're away: you keep your cases but get no new offers.", "info");
      }
    } catch (error) {
      setPresence(before);
      showBanner(`Your status did not change: ${explain(error)}`);
    } finally {
      select.disabled = false;
      scheduleRefresh(0);
    }
  });

  $("presence-notice-online").addEventListener("click", async () => {
    const button = $("presence-notice-online");
    button.disabled = true;
    try {
      await api("POST", "/api/agent/presence", { presence: "online" });
      setPresence("online");
    } catch (error) {
      showBanner(`Your status did not change: ${explain(error)}`);
    } finally {
      button.disabled = false;
    }
  });
  $("presence-notice-close").addEventListener("click", () => {
    $("presence-notice").hidden = true;
  });

  const onPresence = (frame) => {
    if (!state.agent || frame.agent_id !== state.agent.id) return; // a teammate's: not shown
    setPresence(frame.presence);
    if (frame.presence === "away" && frame.why === "missed_offers") {
      presenceNotice("You were set to Away because two offers in a row went unanswered. You keep your open cases, but get no new offers until you are back online.");
    } else if (frame.presence === "offline" && frame.why === "disconnected") {
      presenceNotice("You were set to Offline after your desk lost its connection; your open cases went back to the queue.");
    }
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
      state.statuses.clear();
      $("transcript").replaceChildren();
      $("reply").value = "";
      onReplyInput();
      closeTransfer();
      closeWindow();
      $("note-input").value = "";
      noteError("");
      resetContact();
    }
    $("no-selection").hidden = true;
    $("conv").hidden = false;
    for (const message of detail.messages || []) {
      if (state.messages.has(message.seq)) applyDelivery(message.seq, message);
      else addMessage(message);
    }
    renderHead();
    renderBrief(detail);
    renderNotes();
    showContact(detail);
    scrollTranscript(true);
    // Known before typing: the channel will not carry a free-form reply now.
    const window_ = detail.reply_window;
    if (changed && window_ && !window_.allowed && isMine()) {
      showWindow(detail.conversation_id, { message: window_.reason, details: window_ }, false);
    }
  };

  const isMine = () => state.detail && state.detail.status === "assigned" && state.detail.agent_id === state.agent.id;

  const renderHead = () => {
    const d = state.detail;
    if ((d.channel || null) !== state.shownChannel) syncMessageChannels();
    $("conv-name").textContent = customerName(d.conversation_id, d.contact && d.contact.name);
    const meta = $("conv-meta");
    meta.replaceChildren(
      el("span", { class: `pill status-${d.status}`, "data-testid": "desk-conv-status", text: STATUS_LABEL[d.status] || d.status }),
      priorityPill(d.priority),
      channelBadge(d.channel, "desk-conv-channel", { title: `The customer writes on ${channelLabel(d.channel)}` }),
      el("span", { class: "tag", text: capitalise(d.team || "no team") }),
      d.lang ? el("span", { class: "tag", text: d.lang.toUpperCase() }) : null,
      el("span", { class: "muted small mono", text: d.conversation_id.slice(0, 8) }),
    );
    const waiting = WAITING.has(d.status);
    const mine = isMine();
    const offeredToMe = state.offers.has(d.conversation_id);
    const queued = state.queue.find((item) => item.conversation_id === d.conversation_id);
    const offeredToOther = !offeredToMe && queued && queued.offered && !queued.offered_to_me;
    const transferredAway = waiting && d.transferredTo && !state.agent.teams.includes(d.team);
    $("accept").hidden = !waiting || transferredAway;
    $("resolve").hidden = !mine;
    $("handback").hidden = !mine;
    $("transfer").hidden = !mine;
    if (!mine) closeTransfer();
    if (!mine && windowFor === d.conversation_id) closeWindow();
    $("reply").disabled = !mine;
    $("send").disabled = !mine || !$("reply").value.trim();
    $("note-form").hidden = !(mine || (waiting && !transferredAway));
    renderNudge();
    const note = $("composer-note");
    let text = "";
    if (transferredAway) text = `Transferred to ${capitalise(d.team)}: it waits in their queue, with your note.`;
    else if (waiting && offeredToMe) text = "Offered to you: accept it to reply. The customer has been told a person is coming.";
    else if (waiting && offeredToOther) text = "Offered to a colleague right now; if they pass, you can accept it.";
    else if (waiting) text = "Accept the case to reply. The customer has been told a person is coming.";
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

  // ---------------------------------------------------------------- delivery, channels, attachments

  const DELIVERY = {
    queued: { icon: null, label: "Queued", hint: "Waiting to be sent to the provider" },
    sent: { icon: "✓", label: "Sent", hint: "The provider took it" },
    delivered: { icon: "✓✓", label: "Delivered", hint: "It reached the customer's device" },
    read: { icon: "✓✓", label: "Read", hint: "The customer has read it" },
  };
  const DELIVERY_RANK = { queued: 0, sent: 1, delivered: 2, read: 3 };

  /** The server's rule: a message only moves forward (a late "delivered" never undoes
   * "read"); "failed" stands unless the provider says later that it arrived after all. */
  const moves = (current, incoming) => {
    if (!incoming) return false;
    if (incoming === "failed") return current !== "delivered" && current !== "read";
    if (!current || current === "failed") return true;
    return (DELIVERY_RANK[incoming] ?? -1) > (DELIVERY_RANK[current] ?? -1);
  };

  /** The delivery line under one of our messages: ticks and a word, or why it failed. */
  const renderDelivery = (box, message) => {
    const status = message.delivery;
    box.dataset.delivery = status || "";
    box.hidden = !status;
    if (!status) {
      box.replaceChildren();
      return;
    }
    if (status === "failed") {
      box.replaceChildren(
        el("span", { class: "tick tick-failed", "aria-hidden": "true", text: "⚠" }),
        el("span", {
          class: "delivery-error",
          "data-testid": "desk-delivery-error",
          text: `Not delivered: ${message.delivery_error || "the provider gave no reason"}`,
        }),
      );
      return;
    }
    const shown = DELIVERY[status] || { icon: null, label: capitalise(words(status)), hint: "" };
    box.replaceChildren(
      shown.icon
        ? el("span", { class: "tick", "aria-hidden": "true", text: shown.icon })
        : el("span", { class: "tick-clock", "aria-hidden": "true" }),
      el("span", { class: "delivery-label", title: shown.hint || null, text: shown.label }),
    );
  };

  const deliveryBox = (message) => {
    const box = el("div", { class: "msg-status", "data-testid": "desk-delivery", "aria-live": "off" });
    renderDelivery(box, message);
    return box;
  };

  const attachmentsNode = (attachments) => {
    if (!attachments || !attachments.length) return null;
    return el(
      "ul",
      { class: "attachments", "aria-label": "Attachments", "data-testid": "desk-attachments" },
      attachments.map((a) =>
        el("li", { class: "attachment", "data-testid": "desk-attachment", "data-kind": a.kind || "file" }, [
          el("span", { class: "attachment-kind", text: capitalise(words(a.kind || "file")) }),
          el("span", { class: "attachment-name", text: a.filename || a.mime_type || "no file name" }),
          a.size !== null && a.size !== undefined ? el("span", { class: "attachment-size", text: fileSize(a.size) }) : null,
        ]),
      ),
    );
  };

  /** A message's own channel, shown when it is not the conversation's (they moved). */
  const messageChannel = (message) => {
    const current = state.detail && state.detail.channel;
    return channelBadge(message.channel, "desk-message-channel", {
      title: `${message.sender === "customer" ? "Written" : "Sent"} on ${channelLabel(message.channel)}`,
      hidden: !message.channel || message.channel === current,
    });
  };

  /** The conversation moved to another channel: badge the messages of the others. */
  const syncMessageChannels = () => {
    const current = state.detail && state.detail.channel;
    state.shownChannel = current || null;
    for (const badge of $("transcript").querySelectorAll("[data-testid=desk-message-channel]")) {
      badge.hidden = !badge.dataset.channel || badge.dataset.channel === current;
    }
  };

  const messageNode = (message, pending) => {
    const node = el("div", {
      class: "msg",
      "data-testid": "desk-message",
      "data-sender": message.sender,
      "data-seq": pending ? null : message.seq,
      "data-state": pending ? "sending" : null,
      "data-channel": message.channel || null,
      "data-delivery": message.delivery || null,
    });
    const ours = message.sender !== "customer" && !pending;
    if (message.sender === "system") {
      node.append(el("div", { class: "bubble", text: message.text }));
      const foot = el("div", { class: "msg-foot" }, [message.channel ? messageChannel(message) : null, deliveryBox(message)]);
      node.append(foot);
      return node;
    }
    node.append(
      el("div", { class: "msg-head" }, [
        el("span", { class: "msg-who", text: senderName(message) }),
        message.channel ? messageChannel(message) : null,
        el("time", { datetime: message.created_at || "", text: pending ? "sending…" : clock(message.created_at) }),
      ]),
      el("div", { class: "bubble", text: message.text }),
    );
    const files = attachmentsNode(message.attachments);
    if (files) node.append(files);
    if (ours) node.append(el("div", { class: "msg-foot" }, [deliveryBox(message)]));
    if (message.masked && message.masked.length) {
      node.append(el("div", { class: "masked-note", text: `Hidden for safety: ${message.masked.map(words).join(", ")}` }));
    }
    return node;
  };

  const addMessage = (message) => {
    if (typeof message.seq !== "number" || state.messages.has(message.seq)) return;
    const heard = state.statuses.get(message.seq);
    if (heard) {
      state.statuses.delete(message.seq);
      if (moves(message.delivery, heard.delivery)) message = { ...message, ...heard };
    }
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
    timelineAppend(message);
  };

  /** A delivery status for a message of the open conversation (from a frame or a re-read). */
  const applyDelivery = (seq, update) => {
    const known = state.messages.get(seq);
    if (!known) {
      const heard = state.statuses.get(seq);
      if (!heard || moves(heard.delivery, update.delivery)) {
        state.statuses.set(seq, { delivery: update.delivery, delivery_error: update.delivery_error || null });
      }
      return;
    }
    const error = update.delivery_error || null;
    if (!moves(known.delivery, update.delivery)) return;
    if (known.delivery === update.delivery && (known.delivery_error || null) === error) return;
    known.delivery = update.delivery;
    known.delivery_error = update.delivery === "failed" ? error : null;
    const node = state.nodes.get(seq);
    const box = node && node.querySelector(".msg-status");
    if (box) renderDelivery(box, known);
    if (node) node.dataset.delivery = known.delivery;
    // Read and failed are worth hearing (which message, and why); queued, sent and delivered
    // would only chatter, so the status lines themselves stay out of the transcript's log.
    const text = String(known.text || "");
    const excerpt = text.length > 60 ? `${text.slice(0, 57)}…` : text;
    if (known.delivery === "failed") {
      announce(`Not delivered: “${excerpt}”. ${capitalise(error || "the provider gave no reason")}.`);
    } else if (known.delivery === "read" && known.sender === "agent") {
      announce(`The customer read “${excerpt}”.`);
    }
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
          ["Channel", channelLabel(brief.channel || detail.channel)],
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
        removeOffer(id, { taken: true });
        if (state.selected === id) showConversation(detail);
        $("reply").focus();
      } catch (error) {
        if (error.status === 409) removeOffer(id);
        throw error;
      } finally {
        scheduleRefresh(0);
      }
    }),
  );

  const finish = (button, path, status, message) =>
    act(button, async () => {
      const id = state.selected;
      await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/${path}`);
      clearNudge(id);
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

  // ---------------------------------------------------------------- transfer

  const OTHER_TEAM = "__other__";
  let directory = null; // GET /api/agent/directory, read when the form opens; null: not (yet) read
  let directoryRead = 0; // the latest read: an older answer arriving late is dropped

  /** Fallback transfer targets (no directory): my teams first, then every team seen in queues and frames. */
  const transferTeams = () => {
    const teams = [...state.agent.teams];
    for (const team of state.teamsSeen) if (!teams.includes(team)) teams.push(team);
    return teams;
  };

  const teamLabel = (key) => {
    const known = directory && directory.teams.find((team) => team.key === key);
    return known ? known.name : capitalise(key);
  };

  const transferError = (text) => {
    $("transfer-error").textContent = text || "";
    $("transfer-error").hidden = !text;
  };

  /** Colleagues in the chosen team who are online and have room (never me). */
  const fillTransferAgents = () => {
    const select = $("transfer-agent");
    const team = $("transfer-team").value;
    const before = select.value;
    select.replaceChildren(el("option", { value: "", text: "Anyone in the team" }));
    const people = (directory ? directory.agents : []).filter(
      (agent) =>
        agent.id !== state.agent.id &&
        agent.presence === "online" &&
        agent.load < agent.capacity &&
        agent.teams.includes(team),
    );
    for (const agent of people) {
      select.append(el("option", { value: agent.id, text: `${agent.name} (${agent.load}/${agent.capacity})` }));
    }
    select.value = people.some((agent) => String(agent.id) === before) ? before : "";
    select.disabled = !directory || people.length === 0;
  };

  const onTransferTeam = () => {
    const other = $("transfer-team").value === OTHER_TEAM;
    $("transfer-other-field").hidden = !other;
    fillTransferAgents();
    if (other) $("transfer-other").focus();
  };

  /** Fills the team select: every team from the directory, or the fallback list with free text. */
  const fillTransferTeams = () => {
    const current = state.detail && state.detail.team;
    const select = $("transfer-team");
    const before = select.disabled ? "" : select.value;
    let teams;
    if (directory) {
      const all = directory.teams.map((team) => team.key);
      teams = [...state.agent.teams.filter((team) => all.includes(team)), ...all.filter((team) => !state.agent.teams.includes(team))];
    } else {
      teams = transferTeams();
    }
    select.replaceChildren();
    let chosen = null;
    for (const team of teams) {
      select.append(el("option", { value: team, text: team === current ? `${teamLabel(team)} (current team)` : teamLabel(team) }));
      if (chosen === null && team !== current) chosen = team;
    }
    if (!directory) select.append(el("option", { value: OTHER_TEAM, text: "Another team…" }));
    select.disabled = false;
    select.value = before && teams.includes(before) ? before : chosen || (directory ? teams[0] || "" : OTHER_TEAM);
    onTransferTeam();
  };

  /** Reads the directory, then refills both selects; on failure, the fallback team list. */
  const loadDirectory = async () => {
    const read = ++directoryRead;
    try {
      const answer = await api("GET", "/api/agent/directory");
      if (read !== directoryRead) return;
      directory = answer && Array.isArray(answer.teams) && Array.isArray(answer.agents) ? answer : null;
    } catch {
      if (read !== directoryRead) return;
      directory = null;
    }
    if (!$("transfer-form").hidden) fillTransferTeams();
  };

  const openTransfer = () => {
    const select = $("transfer-team");
    select.replaceChildren(el("option", { value: "", text: "Loading teams…" }));
    select.disabled = true;
    $("transfer-agent").replaceChildren(el("option", { value: "", text: "Anyone in the team" }));
    $("transfer-agent").disabled = true;
    $("transfer-other-field").hidden = true;
    $("transfer-other").value = "";
    transferError("");
    $("transfer-form").hidden = false;
    $("transfer").setAttribute("aria-expanded", "true");
    directory = null;
    loadDirectory().then(() => {
      if (!$("transfer-form").hidden && !$("transfer-form").contains(document.activeElement)) select.focus();
    });
  };

  const closeTransfer = () => {
    directoryRead += 1; // a read still under way no longer matters
    $("transfer-form").hidden = true;
    $("transfer").setAttribute("aria-expanded", "false");
    $("transfer-note").value = "";
    transferError("");
  };

  $("transfer").addEventListener("click", () => {
    if ($("transfer-form").hidden) openTransfer();
    else closeTransfer();
  });
  $("transfer-cancel").addEventListener("click", () => {
    closeTransfer();
    $("transfer").focus();
  });
  $("transfer-team").addEventListener("change", () => {
    transferError("");
    onTransferTeam();
  });
  $("transfer-agent").addEventListener("change", () => transferError(""));
  for (const field of ["transfer-note", "transfer-other"]) $(field).addEventListener("input", () => transferError(""));

  $("transfer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = state.selected;
    if (!id || !isMine()) return;
    const picked = $("transfer-team").value;
    const team = (picked === OTHER_TEAM ? $("transfer-other").value : picked).trim().toLowerCase();
    const chosenId = picked === OTHER_TEAM || $("transfer-agent").disabled ? "" : $("transfer-agent").value;
    const person = chosenId && directory ? directory.agents.find((agent) => String(agent.id) === chosenId) : null;
    const note = $("transfer-note").value.trim();
    if (!team) {
      transferError("Pick the team to transfer to, or type its key.");
      $(picked === OTHER_TEAM ? "transfer-other" : "transfer-team").focus();
      return;
    }
    if (!note) {
      transferError("Write a note for the next agent: what you found, and what is left to do.");
      $("transfer-note").focus();
      return;
    }
    const button = $("transfer-submit");
    button.disabled = true;
    transferError("");
    try {
      const body = { note, team };
      if (person) body.agent_id = person.id;
      await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/transfer`, body);
      const where = person ? `${person.name} (${teamLabel(team)})` : teamLabel(team);
      state.teamsSeen.add(team);
      state.nudges.delete(id);
      closeTransfer();
      if (state.selected === id && state.detail) {
        const notes = [
          ...(state.detail.notes || []),
          { author: state.agent.name, kind: "transfer", body: note, at: new Date().toISOString() },
        ];
        state.detail = { ...state.detail, status: "queued", team, agent_id: null, transferredTo: team, notes };
        renderHead();
        renderNotes();
        reloadNotes(id);
      }
      showBanner(`Transferred to ${where}, with your note. The customer has been told.`, "info");
    } catch (error) {
      transferError(explain(error));
      if (person && error.status === 409) loadDirectory(); // their presence or load changed: fresh list
    } finally {
      button.disabled = false;
      scheduleRefresh(0);
    }
  });

  // ---------------------------------------------------------------- internal notes

  const NOTE_KIND = { transfer: "Transfer note", note: "Note" };

  const renderNotes = () => {
    const d = state.detail;
    $("notes").hidden = !d;
    if (!d) return;
    const notes = d.notes || [];
    $("notes-list").replaceChildren(
      ...notes.map((n) =>
        el("li", { class: "note", "data-testid": "desk-note", "data-kind": n.kind || "note" }, [
          el("div", { class: "note-head" }, [
            el("strong", { class: "note-author", text: n.author || "Agent" }),
            el("span", { class: `note-kind note-kind-${n.kind || "note"}`, text: NOTE_KIND[n.kind] || capitalise(words(n.kind)) }),
            n.at ? el("time", { datetime: n.at, text: clock(n.at) }) : null,
          ]),
          el("p", { class: "note-body", text: n.body }),
        ]),
      ),
    );
    $("notes-empty").hidden = notes.length > 0;
  };

  /** Notes have no live event: re-read them (the transcript stays as it is). */
  const reloadNotes = async (id) => {
    let after = 0;
    for (const seq of state.messages.keys()) after = Math.max(after, seq);
    try {
      const detail = await api("GET", `/api/agent/conversations/${encodeURIComponent(id)}?after=${after}`);
      if (state.selected !== id || !state.detail) return;
      state.detail = { ...state.detail, notes: detail.notes || [] };
      for (const message of detail.messages || []) addMessage(message);
      renderNotes();
    } catch {
      /* no longer visible to me (transferred to another team): the local copy stays */
    }
  };

  const noteError = (text) => {
    $("note-error").textContent = text || "";
    $("note-error").hidden = !text;
  };

  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = state.selected;
    const body = $("note-input").value.trim();
    if (!id) return;
    if (!body) {
      noteError("Write the note first.");
      $("note-input").focus();
      return;
    }
    const button = $("note-add");
    button.disabled = true;
    noteError("");
    try {
      await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/notes`, { body });
      if (state.selected === id) {
        $("note-input").value = "";
        state.detail = {
          ...state.detail,
          notes: [...(state.detail.notes || []), { author: state.agent.name, kind: "note", body, at: new Date().toISOString() }],
        };
        renderNotes();
        reloadNotes(id); // the stored note (masked where it held card numbers and the like)
      }
    } catch (error) {
      noteError(`The note was not saved: ${explain(error)}`);
    } finally {
      button.disabled = false;
    }
  });
  $("note-input").addEventListener("input", () => noteError(""));
  $("note-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("note-form").requestSubmit();
    }
  });

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
      clearNudge(id); // the first reply went out: no longer due back in the queue
      if (state.selected === id) addMessage(message);
    } catch (error) {
      pending.remove();
      if (!$("reply").value) {
        $("reply").value = text; // nothing typed since: give the reply back to edit or resend
        onReplyInput();
      }
      if (error.code === "outside_window") {
        if (state.selected === id) showWindow(id, error);
      } else {
        showBanner(`The reply was not sent: ${explain(error)}`);
      }
    }
  });

  // ---------------------------------------------------------------- outside the window: templates

  let windowFor = null; // the conversation the panel speaks of
  let windowTemplates = []; // [{name, lang, text, params}] the server offered

  const templateError = (text) => {
    $("template-error").textContent = text || "";
    $("template-error").hidden = !text;
  };

  const closeWindow = () => {
    windowFor = null;
    windowTemplates = [];
    $("window-panel").hidden = true;
    templateError("");
  };

  // One name may be approved in several languages: a template is its name and language.
  const templateKey = (t) => `${t.name}|${t.lang || ""}`;
  const currentTemplate = () =>
    windowTemplates.find((t) => templateKey(t) === $("template-name").value) || windowTemplates[0] || null;
  const templateInputs = () => [...$("template-params").querySelectorAll("input")];

  /** The template's text, each {{n}} showing the value typed for it (or itself while empty). */
  const renderTemplatePreview = () => {
    const template = currentTemplate();
    if (!template) return;
    const values = templateInputs().map((input) => input.value.trim());
    const text = String(template.text || "");
    const parts = [];
    const placeholder = /\{\{(\d+)\}\}/g;
    let last = 0;
    let found;
    while ((found = placeholder.exec(text))) {
      parts.push(document.createTextNode(text.slice(last, found.index)));
      const value = values[Number(found[1]) - 1];
      parts.push(el("mark", { class: value ? "param-filled" : "param-empty", text: value || found[0] }));
      last = placeholder.lastIndex;
    }
    parts.push(document.createTextNode(text.slice(last)));
    $("template-text").replaceChildren(...parts);
  };

  /** One input per parameter of the chosen template (values kept when switching). */
  const renderTemplateParams = () => {
    const template = currentTemplate();
    if (!template) return;
    const before = templateInputs().map((input) => input.value);
    const count = Math.max(0, Number(template.params) || 0);
    const fields = [];
    for (let n = 1; n <= count; n += 1) {
      const id = `template-param-${n}`;
      const input = el("input", {
        id,
        type: "text",
        maxlength: 320,
        autocomplete: "off",
        "data-testid": "desk-template-param",
        "data-param": n,
        "aria-describedby": "template-text",
      });
      input.value = before[n - 1] || "";
      input.addEventListener("input", () => {
        templateError("");
        renderTemplatePreview();
      });
      fields.push(el("div", { class: "field" }, [el("label", { for: id, text: `Value for {{${n}}}` }), input]));
    }
    $("template-params").replaceChildren(...fields);
    $("template-params").hidden = count === 0;
    renderTemplatePreview();
  };

  /** A reply answered 409 outside_window: say why, and offer the approved templates. */
  const showWindow = (id, error, focus = true) => {
    windowFor = id;
    const details = error.details || {};
    windowTemplates = Array.isArray(details.templates) ? details.templates : [];
    const channel = channelLabel(state.detail && state.detail.channel);
    const reason = capitalise(String(error.message || "the channel will not carry a reply now"));
    $("window-title").textContent = `Outside the ${channel} reply window`;
    $("window-reason").textContent = /[.!?]$/.test(reason) ? reason : `${reason}.`;
    const offered = windowTemplates.length > 0;
    $("template-form").hidden = !offered;
    $("template-none").hidden = offered;
    $("template-none").textContent = details.template_required
      ? `No approved ${channel} template is set up here, so nothing can go out until the customer writes again.`
      : "Send your reply once the customer writes again.";
    templateError("");
    if (offered) {
      const select = $("template-name");
      const before = select.value;
      select.replaceChildren(
        ...windowTemplates.map((t) => el("option", { value: templateKey(t), text: t.lang ? `${t.name} (${t.lang})` : t.name })),
      );
      select.value = windowTemplates.some((t) => templateKey(t) === before) ? before : templateKey(windowTemplates[0]);
      $("template-params").replaceChildren();
      renderTemplateParams();
    }
    const stick = nearBottom();
    $("window-panel").hidden = false;
    if (stick) scrollTranscript(true); // the transcript got shorter: keep its latest in view
    const first = offered ? templateInputs()[0] || $("template-send") : $("window-close");
    if (focus) first.focus();
  };

  $("template-name").addEventListener("change", () => {
    templateError("");
    renderTemplateParams();
  });
  $("window-close").addEventListener("click", () => {
    closeWindow();
    $("reply").focus();
  });
  $("window-panel").addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closeWindow();
      $("reply").focus();
    }
  });

  $("template-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = windowFor;
    const template = currentTemplate();
    if (!id || id !== state.selected || !template) return;
    if (!isMine()) {
      templateError("This conversation is no longer yours.");
      return;
    }
    const inputs = templateInputs();
    const params = inputs.map((input) => input.value.trim());
    const empty = params.findIndex((value) => !value);
    if (empty >= 0) {
      templateError(`Fill in {{${empty + 1}}}: the template needs every value.`);
      inputs[empty].focus();
      return;
    }
    const button = $("template-send");
    button.disabled = true;
    templateError("");
    try {
      const message = await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/template`, {
        name: template.name,
        lang: template.lang,
        params,
      });
      clearNudge(id);
      if (state.selected === id) {
        addMessage(message);
        scrollTranscript(true);
      }
      if (windowFor === id) closeWindow();
      showBanner(`Template “${template.name}” sent. Once the customer answers, you can reply freely again.`, "info");
      $("reply").focus();
    } catch (error) {
      templateError(`The template was not sent: ${explain(error)}`);
    } finally {
      button.disabled = false;
    }
  });

  // ---------------------------------------------------------------- the contact

  const TIMELINE_PAGE = 50;
  const contact = {
    id: null, // the open conversation's contact
    view: null, // GET /contacts/{id}: name, identities, merges
    identities: [], // from the conversation's detail, until the contact view is read
    suggestions: [], // other contacts owning a number or address the customer typed
    read: 0, // the latest contact read: an older answer arriving late is dropped
    confirming: null, // "contactId kind value" of the suggestion whose merge awaits a yes
  };
  const timeline = { open: false, contactId: null, items: [], nodes: new Map(), before: null, read: 0 };
  let contactTimer = 0;

  const lastSeq = () => {
    let after = 0;
    for (const seq of state.messages.keys()) after = Math.max(after, seq);
    return after;
  };

  const contactError = (text) => {
    $("contact-error").textContent = text || "";
    $("contact-error").hidden = !text;
  };
  const contactStatus = (text) => {
    $("contact-status").textContent = text || "";
  };

  const resetContact = () => {
    window.clearTimeout(contactTimer);
    contact.read += 1;
    contact.id = null;
    contact.view = null;
    contact.identities = [];
    contact.suggestions = [];
    contact.confirming = null;
    contactError("");
    contactStatus("");
    closeTimeline();
    $("contact").hidden = true;
  };

  /** The conversation's detail names the contact and what the customer typed. */
  const showContact = (detail) => {
    if (detail.contact_id === undefined || detail.contact_id === null) return;
    const changed = contact.id !== detail.contact_id;
    contact.id = detail.contact_id;
    if (detail.identities) contact.identities = detail.identities;
    if (detail.suggestions) contact.suggestions = detail.suggestions;
    if (changed) {
      contact.view = null;
      contact.confirming = null;
    }
    $("contact").hidden = false;
    renderContact();
    loadContactView();
    if (changed && timeline.open) loadTimeline();
  };

  const loadContactView = async () => {
    const id = contact.id;
    const read = ++contact.read;
    try {
      const view = await api("GET", `/api/agent/contacts/${encodeURIComponent(id)}`);
      if (read !== contact.read || id !== contact.id) return;
      contact.view = view;
      if (Array.isArray(view.identities)) contact.identities = view.identities;
      contactError("");
      renderContact();
    } catch (error) {
      if (read !== contact.read || error.status === 401) return;
      contactError(`Could not read this contact: ${explain(error)}`);
    }
  };

  /** What the customer types (a number, a code) can change the contact: read it again. */
  const scheduleContactRefresh = (delay = 400) => {
    window.clearTimeout(contactTimer);
    contactTimer = window.setTimeout(refreshContact, delay);
  };

  const refreshContact = async () => {
    const id = state.selected;
    if (!id || !state.detail) return;
    try {
      const detail = await api("GET", `/api/agent/conversations/${encodeURIComponent(id)}?after=${lastSeq()}`);
      if (state.selected !== id || !state.detail) return;
      for (const message of detail.messages || []) addMessage(message);
      state.detail = {
        ...state.detail,
        contact_id: detail.contact_id,
        identities: detail.identities,
        suggestions: detail.suggestions,
        contact: detail.contact,
      };
      showContact(detail);
    } catch (error) {
      if (state.selected === id && error.status !== 401 && error.status !== 403) {
        contactError(`Could not read this contact again: ${explain(error)}`);
      }
    }
  };

  const identityValue = (identity) =>
    identity.kind === "web_visitor" ? `visitor ${String(identity.value).slice(0, 8)}` : identity.value;

  const renderContact = () => {
    const view = contact.view;
    const name = (view && view.name) || (state.detail && state.detail.contact && state.detail.contact.name);
    $("contact-name").replaceChildren(
      ...[
        el("strong", { text: name || "No name given" }),
        el("span", { class: "muted small", text: ` · contact #${contact.id}` }),
        view && view.tier && view.tier !== "standard" ? el("span", { class: `tier tier-${view.tier}`, text: view.tier.toUpperCase() }) : null,
      ].filter(Boolean),
    );
    $("identities").replaceChildren(
      ...(contact.identities.length
        ? contact.identities.map((identity) =>
            el(
              "li",
              {
                class: "identity",
                "data-testid": "desk-identity",
                "data-kind": identity.kind,
                "data-verified": identity.verified_by || "none",
              },
              [
                el("span", { class: "identity-kind", text: IDENTITY_LABEL[identity.kind] || capitalise(words(identity.kind)) }),
                el("span", { class: "identity-value", text: identityValue(identity) }),
                el("span", {
                  class: `identity-proof proof-${identity.verified_by || "none"}`,
                  text: VERIFIED_LABEL[identity.verified_by] || "Not verified",
                }),
              ],
            ),
          )
        : [el("li", { class: "muted small", text: "No phone, address or account yet." })]),
    );
    renderSuggestions();
    renderMerges();
  };

  const suggestionKey = (s) => `${s.contact_id} ${s.kind} ${s.value}`;

  const renderSuggestions = () => {
    const list = contact.suggestions || [];
    $("suggestions").hidden = list.length === 0;
    if (contact.confirming && !list.some((s) => suggestionKey(s) === contact.confirming)) contact.confirming = null;
    $("suggestions-list").replaceChildren(...list.map((s, index) => suggestionItem(s, index)));
  };

  const suggestionItem = (s, index) => {
    const titleId = `suggestion-title-${index}`;
    const who = s.name ? `${s.name} (contact #${s.contact_id})` : `contact #${s.contact_id}`;
    const how = `${IDENTITY_LABEL[s.kind] || capitalise(words(s.kind))} ${s.value}`;
    const count = Number(s.conversations) || 0;
    const confirming = contact.confirming === suggestionKey(s);
    const send = el("button", {
      type: "button",
      class: "btn btn-secondary btn-sm",
      "data-testid": "desk-suggestion-verify",
      "aria-describedby": titleId,
      text: "Send code",
    });
    const merge = el("button", {
      type: "button",
      class: "btn btn-secondary btn-sm",
      "data-testid": "desk-suggestion-merge",
      "aria-describedby": titleId,
      "aria-expanded": String(confirming),
      text: "Merge into this contact…",
    });
    send.addEventListener("click", () => verifySuggestion(s, send));
    merge.addEventListener("click", () => {
      contact.confirming = confirming ? null : suggestionKey(s);
      renderSuggestions();
      const yes = $("suggestions-list").querySelector("[data-testid=desk-merge-yes]");
      if (yes) yes.focus();
    });
    let confirmBox = null;
    if (confirming) {
      const questionId = `suggestion-confirm-${index}`;
      const yes = el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "desk-merge-yes", text: "Merge" });
      const no = el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "desk-merge-cancel", text: "Cancel" });
      yes.addEventListener("click", () => mergeSuggestion(s, who, yes, no));
      no.addEventListener("click", () => {
        contact.confirming = null;
        renderSuggestions();
        const again = $("suggestions-list").querySelectorAll("[data-testid=desk-suggestion-merge]")[index];
        if (again) again.focus();
      });
      confirmBox = el("div", { class: "confirm", role: "group", "aria-labelledby": questionId, "data-testid": "desk-merge-confirm" }, [
        el("p", {
          id: questionId,
          text: `Merge ${who} into this contact? Their ${count === 1 ? "conversation" : `${count} conversations`} and how we know them (${how}) move here, and the desk shows one customer. You can undo it.`,
        }),
        el("div", { class: "confirm-actions" }, [no, yes]),
      ]);
    }
    return el("li", { class: "suggestion", "data-testid": "desk-suggestion", "data-contact-id": s.contact_id }, [
      el("p", { class: "suggestion-title", id: titleId }, [
        el("strong", { text: s.name || `Contact #${s.contact_id}` }),
        el("span", { class: "suggestion-how", text: how }),
      ]),
      el("p", {
        class: "muted small",
        text: `${count === 1 ? "1 conversation" : `${count} conversations`}${s.last_seen ? ` · last wrote ${dayTime(s.last_seen)}` : ""}`,
      }),
      el("div", { class: "suggestion-actions" }, [send, merge]),
      confirmBox,
    ]);
  };

  const renderMerges = () => {
    const merges = (contact.view && contact.view.merges) || [];
    $("merges").hidden = merges.length === 0;
    $("merges-list").replaceChildren(
      ...merges.map((m) => {
        const textId = `merge-text-${m.id}`;
        const into = m.target_contact_id === contact.id;
        const undo = m.undoable
          ? el("button", {
              type: "button",
              class: "btn btn-secondary btn-sm",
              "data-testid": "desk-merge-undo",
              "aria-describedby": textId,
              text: "Undo merge",
            })
          : null;
        if (undo) undo.addEventListener("click", () => undoMerge(m, undo));
        return el("li", { class: "merge", "data-testid": "desk-merge", "data-merge-id": m.id, "data-undone": String(Boolean(m.undone_at)) }, [
          el("p", { id: textId, class: "merge-text" }, [
            document.createTextNode(
              into ? `Contact #${m.source_contact_id} merged into this one` : `This contact was merged into contact #${m.target_contact_id}`,
            ),
            el("span", {
              class: "muted small merge-when",
              text: ` · ${MERGE_METHOD[m.method] || words(m.method)} · ${dayTime(m.created_at)}${m.undone_at ? ` · undone ${dayTime(m.undone_at)}` : ""}`,
            }),
          ]),
          undo,
        ]);
      }),
    );
  };

  const verifySuggestion = async (s, button) => {
    const id = state.selected;
    button.disabled = true;
    contactError("");
    contactStatus("");
    try {
      const answer = await api("POST", `/api/agent/conversations/${encodeURIComponent(id)}/verify`, {
        kind: s.kind,
        value: s.value,
      });
      if (state.selected !== id) return;
      contactStatus(
        answer.sent_on
          ? `Code sent by ${channelLabel(answer.sent_on)} to ${answer.value}. Ask the customer to type the 6 digits in this chat; it works until ${clock(answer.expires_at)}.`
          : `No code could go to ${answer.value} right now (nothing reaches it on its channel, or it had too many codes this hour). The customer is told a code was sent either way, so no one can probe who our customers are.`,
      );
    } catch (error) {
      if (state.selected === id) contactError(`The code was not sent: ${explain(error)}`);
    } finally {
      button.disabled = false;
    }
  };

  const mergeSuggestion = async (s, who, ...buttons) => {
    const id = state.selected;
    const target = contact.id;
    for (const button of buttons) button.disabled = true;
    contactError("");
    contactStatus("");
    try {
      await api("POST", "/api/agent/contacts/merge", { source_contact_id: s.contact_id, target_contact_id: target });
      if (state.selected !== id) return;
      contact.confirming = null;
      contactStatus(`Merged ${who} into this contact. Undo it under Merges if it was a mistake.`);
      await afterContactChange(id);
    } catch (error) {
      if (state.selected === id) {
        const why = explain(error).replace(/[.!]?$/, ".");
        contactError(
          error.status === 403
            ? `Not merged: ${why} Send a code instead: when the customer types it back here, the two are linked.`
            : `Not merged: ${why}`,
        );
      }
      for (const button of buttons) button.disabled = false;
    }
  };

  const undoMerge = async (m, button) => {
    const id = state.selected;
    button.disabled = true;
    contactError("");
    contactStatus("");
    try {
      await api("POST", `/api/agent/merges/${encodeURIComponent(m.id)}/undo`);
      if (state.selected !== id) return;
      contactStatus(`Merge undone: contact #${m.source_contact_id} is a customer of its own again.`);
      await afterContactChange(id);
    } catch (error) {
      if (state.selected === id) contactError(`The merge was not undone: ${explain(error)}`);
      button.disabled = false;
    }
  };

  /** After a merge or an undo: who the contact is, its identities and timeline, afresh. */
  const afterContactChange = async (id) => {
    await refreshContact();
    if (state.selected === id && timeline.open) loadTimeline();
    $("contact-title").focus();
  };

  // The timeline: every message of the contact on every channel, oldest first.

  const timelineKey = (m) => `${m.conversation_id}:${m.seq}`;

  const timelineWho = (m) => {
    if (m.sender === "customer") return (contact.view && contact.view.name) || "Customer";
    if (m.sender === "agent") return m.agent_name || "Agent";
    if (m.sender === "bot") return "Bot";
    return "Notice";
  };

  const timelineItem = (m) => {
    const elsewhere = m.conversation_id !== state.selected;
    const node = el(
      "li",
      {
        class: "tl-item",
        "data-testid": "desk-timeline-item",
        "data-channel": m.channel || "",
        "data-sender": m.sender,
        "data-current": String(!elsewhere),
      },
      [
        el("div", { class: "tl-head" }, [
          channelBadge(m.channel, "desk-timeline-channel"),
          el("span", { class: "tl-who", text: timelineWho(m) }),
          el("time", { datetime: m.created_at || "", text: dayTime(m.created_at) }),
        ]),
        el("p", { class: "tl-text", text: m.text }),
        attachmentsNode(m.attachments),
        m.sender !== "customer" && m.delivery ? deliveryBox(m) : null,
        elsewhere ? el("span", { class: "tl-case", text: "Another conversation" }) : null,
      ],
    );
    timeline.nodes.set(timelineKey(m), node);
    return node;
  };

  const renderTimeline = () => {
    timeline.nodes.clear();
    $("timeline-list").replaceChildren(...timeline.items.map(timelineItem));
    $("timeline-empty").hidden = timeline.items.length > 0;
    $("timeline-older").hidden = !timeline.before;
  };

  const openTimeline = () => {
    timeline.open = true;
    $("timeline").hidden = false;
    $("timeline-toggle").setAttribute("aria-expanded", "true");
    $("timeline-toggle").textContent = "Hide timeline";
    loadTimeline();
  };

  const closeTimeline = () => {
    timeline.open = false;
    timeline.read += 1;
    timeline.items = [];
    timeline.nodes.clear();
    timeline.before = null;
    $("timeline").hidden = true;
    $("timeline-list").replaceChildren();
    $("timeline-toggle").setAttribute("aria-expanded", "false");
    $("timeline-toggle").textContent = "Show timeline";
  };

  const loadTimeline = async () => {
    const id = contact.id;
    const read = ++timeline.read;
    timeline.contactId = id;
    $("timeline-list").setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", `/api/agent/contacts/${encodeURIComponent(id)}/timeline?limit=${TIMELINE_PAGE}`);
      if (read !== timeline.read || !timeline.open) return;
      timeline.items = page.messages || [];
      timeline.before = page.before || null;
      renderTimeline();
      const list = $("timeline-list");
      list.scrollTop = list.scrollHeight;
    } catch (error) {
      if (read !== timeline.read) return;
      contactError(`Could not read the timeline: ${explain(error)}`);
    } finally {
      if (read === timeline.read) $("timeline-list").removeAttribute("aria-busy");
    }
  };

  $("timeline-older").addEventListener("click", async () => {
    const button = $("timeline-older");
    const read = timeline.read;
    const id = timeline.contactId;
    if (!timeline.before) return;
    button.disabled = true;
    try {
      const page = await api(
        "GET",
        `/api/agent/contacts/${encodeURIComponent(id)}/timeline?limit=${TIMELINE_PAGE}&before=${encodeURIComponent(timeline.before)}`,
      );
      if (read !== timeline.read) return;
      const known = new Set(timeline.items.map(timelineKey));
      const older = (page.messages || []).filter((m) => !known.has(timelineKey(m)));
      const list = $("timeline-list");
      const fromBottom = list.scrollHeight - list.scrollTop;
      timeline.items = [...older, ...timeline.items];
      timeline.before = page.before || null;
      renderTimeline();
      list.scrollTop = list.scrollHeight - fromBottom; // the agent stays where they were reading
      if (button.hidden) list.focus();
    } catch (error) {
      if (read === timeline.read) contactError(`Could not read older messages: ${explain(error)}`);
    } finally {
      button.disabled = false;
    }
  });

  $("timeline-toggle").addEventListener("click", () => {
    if (timeline.open) closeTimeline();
    else openTimeline();
  });

  /** A live message of the open conversation joins the open timeline. */
  const timelineAppend = (m) => {
    if (!timeline.open || timeline.contactId !== contact.id || m.conversation_id !== state.selected) return;
    if (timeline.nodes.has(timelineKey(m))) return;
    const list = $("timeline-list");
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    timeline.items.push(m);
    list.append(timelineItem(m));
    $("timeline-empty").hidden = true;
    if (stick) list.scrollTop = list.scrollHeight;
  };

  const timelineStatus = (frame) => {
    const node = timeline.nodes.get(`${frame.conversation_id}:${frame.seq}`);
    if (!node) return;
    const item = timeline.items.find((m) => m.conversation_id === frame.conversation_id && m.seq === frame.seq);
    if (!item || !moves(item.delivery, frame.delivery)) return;
    item.delivery = frame.delivery;
    item.delivery_error = frame.delivery === "failed" ? frame.delivery_error || null : null;
    const box = node.querySelector(".msg-status");
    if (box) renderDelivery(box, item);
    else if (item.sender !== "customer") node.append(deliveryBox(item));
  };

  // ---------------------------------------------------------------- live updates

  /** A live message of the open conversation. */
  const onOpenMessage = (frame) => {
    if (frame.sender === "customer" && frame.channel && state.detail && frame.channel !== state.detail.channel) {
      // The customer wrote from another channel: replies go there now.
      state.detail = { ...state.detail, channel: frame.channel };
      const mine = state.mine.find((c) => c.conversation_id === frame.conversation_id);
      if (mine) mine.channel = frame.channel;
      renderHead();
      renderMine();
      announce(`The customer now writes on ${channelLabel(frame.channel)}; your replies go there.`);
    }
    const isNew = !state.messages.has(frame.seq);
    addMessage(frame);
    if (!isNew) return;
    if (frame.sender === "customer" && windowFor === frame.conversation_id) {
      closeWindow();
      showBanner("The customer wrote again: you can reply freely now.", "info");
    }
    if (frame.sender === "customer" || frame.sender === "system") scheduleContactRefresh();
  };

  const onFrame = (frame) => {
    switch (frame.type) {
      case "ready":
        break;
      case "message":
        if (frame.conversation_id === state.selected) {
          onOpenMessage(frame);
        } else if (frame.sender === "customer" && state.mine.some((c) => c.conversation_id === frame.conversation_id)) {
          state.unread.add(frame.conversation_id);
          renderMine();
        }
        break;
      case "message_status":
        timelineStatus(frame);
        if (frame.conversation_id === state.selected) applyDelivery(frame.seq, frame);
        break;
      case "conversation_status":
        if (frame.team) state.teamsSeen.add(frame.team);
        // An offer card lives while the case is offered; any other status ends it.
        if (frame.status !== "offered") removeOffer(frame.conversation_id);
        if (frame.status !== "assigned" || frame.agent_id !== state.agent.id) clearNudge(frame.conversation_id);
        if (state.detail && frame.conversation_id === state.selected) {
          const before = state.detail;
          state.detail = { ...state.detail, ...frame };
          if (frame.status === "assigned") delete state.detail.transferredTo;
          if (WAITING.has(before.status) && frame.status === "assigned" && frame.agent_id !== state.agent.id) {
            showBanner("Another agent accepted this conversation.", "info");
          }
          renderHead();
        }
        scheduleRefresh();
        break;
      case "queue_changed":
        if (frame.team) state.teamsSeen.add(frame.team);
        scheduleRefresh();
        break;
      case "offer":
        addOffer(frame);
        scheduleRefresh();
        break;
      case "offer_withdrawn":
        removeOffer(frame.conversation_id);
        scheduleRefresh();
        break;
      case "nudge": {
        const seconds = Number(frame.requeue_in_s);
        state.nudges.set(frame.conversation_id, Date.now() + (Number.isFinite(seconds) ? seconds : 60) * 1000);
        renderNudge();
        renderMine();
        if (frame.conversation_id !== state.selected) {
          showBanner(
            `You haven't replied to ${customerName(frame.conversation_id)} yet; the case goes back to the queue in ${nudgeSecondsLeft(frame.conversation_id)} s.`,
            "info",
          );
        }
        break;
      }
      case "agent_presence":
        onPresence(frame);
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
          setConnection("online", "Connected");
          setPresence("online"); // an open desk socket makes the agent online
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
        setConnection("offline", "Disconnected · reconnecting");
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
    const after = Math.max(0, lastSeq() - 50); // the latest ones again: their delivery may have moved
    try {
      const detail = await api("GET", `/api/agent/conversations/${encodeURIComponent(id)}?after=${after}`);
      if (state.selected === id) {
        state.detail = { ...state.detail, ...detail, messages: undefined };
        for (const message of detail.messages || []) {
          if (state.messages.has(message.seq)) applyDelivery(message.seq, message);
          else addMessage(message);
        }
        renderHead();
        showContact(detail);
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
