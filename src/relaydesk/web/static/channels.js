/* relaydesk channels demo: write as a WhatsApp, Messenger, Instagram, Telegram, SMS or
   e-mail customer. Each message is built as the provider builds it (the same shapes as the
   Python `signed_webhook` builders in relaydesk/channels), signed as the provider signs it
   (WebCrypto), and POSTed to the real /webhooks/<channel> endpoint. What our outbound side
   sends back is recorded by the demo's provider stand-ins; /demo/outbound is polled every
   second and each reply is shown as the customer would see it. No framework, no build. */

"use strict";

(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const encoder = new TextEncoder();

  const LABELS = {
    whatsapp: "WhatsApp",
    messenger: "Messenger",
    instagram: "Instagram",
    telegram: "Telegram",
    sms: "SMS",
    email: "E-mail",
  };
  const KIND_LABELS = {
    send: "Send",
    retry: "Send again (provider retry)",
    tamper: "Tamper signature",
    button: "Button tap",
  };
  const TELEGRAM_MESSAGE_BASE = 900000; // the stand-in answers message_id 900000 + record id
  const POLL_MS = 1000;

  const state = {
    config: null,
    channel: "whatsapp",
    last: {}, // channel -> the last signed request sent on it
    status: {}, // channel -> what its last answer means
    threads: new Map(), // "channel:key" -> {element, customer bubbles}
    unread: new Map(), // channel -> count of replies not seen
    after: 0, // the last /demo/outbound record read
    polling: false,
    polled: false, // the first poll read what was sent before the page opened
    mail: new Map(), // address -> {subject, lastId, refs}: the thread to answer
    callbacks: new Map(), // Telegram callback_query id -> thread key
    logNumber: 0,
  };

  // ------------------------------------------------------------------ small helpers

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function base64(bytes) {
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }

  function randomBytes(n) {
    return crypto.getRandomValues(new Uint8Array(n));
  }

  function randomId(n) {
    // base64url without padding: no "/" or "+" to escape anywhere
    return base64(randomBytes(n)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function nowSeconds() {
    return Math.floor(Date.now() / 1000);
  }

  function clock(date = new Date()) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  /** Increasing across reloads (Telegram update_id and message_id): a reused id would be
      taken for the provider retrying an old update, and stored as nothing. */
  function counter(name) {
    const key = `relaydesk-demo-${name}`;
    let last = 0;
    try {
      last = Number(localStorage.getItem(key)) || 0;
    } catch (_) {
      /* storage off: time alone keeps it increasing */
    }
    const next = Math.max(last + 1, Math.floor(Date.now() / 100) - 17000000000);
    try {
      localStorage.setItem(key, String(next));
    } catch (_) {
      /* ignore */
    }
    return next;
  }

  async function hmac(hash, secret, text) {
    const key = await crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash },
      false,
      ["sign"],
    );
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
  }

  function showBanner(text) {
    const banner = $("#banner");
    banner.textContent = text;
    banner.hidden = !text;
  }

  // ------------------------------------------------------------------ payloads and signatures

  /** JSON as Meta posts it: compact, non-ASCII (and DEL) as lower-case \uXXXX escapes, and "/", "<",
      "%", "@" escaped too (Meta signs that escaped form). Same as whatsapp.meta_json. */
  function metaJson(data) {
    let text = JSON.stringify(data).replace(
      /[\u007f-\uffff]/g,
      (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
    );
    const escapes = [["/", "\\/"], ["<", "\\u003C"], ["%", "\\u0025"], ["@", "\\u0040"]];
    for (const [char, escaped] of escapes) text = text.split(char).join(escaped);
    return text;
  }

  async function metaHeaders(secret, body) {
    const signature = "sha256=" + hex(await hmac("SHA-256", secret, body));
    return { "Content-Type": "application/json", "X-Hub-Signature-256": signature };
  }

  function digits(text) {
    return String(text || "").replace(/\D/g, "");
  }

  /** The customer as the fields name them, and the key their replies are matched by. */
  function identity(channel) {
    const value = (id) => $(`#${id}`).value.trim();
    switch (channel) {
      case "whatsapp": {
        const phone = value("wa-phone");
        return { phone, waId: digits(phone), name: value("wa-name"), key: digits(phone), shown: phone };
      }
      case "messenger":
        return { id: value("ms-psid"), key: value("ms-psid"), shown: `PSID ${value("ms-psid")}` };
      case "instagram":
        return { id: value("ig-igsid"), key: value("ig-igsid"), shown: `IGSID ${value("ig-igsid")}` };
      case "telegram": {
        const id = value("tg-user");
        return { id: Number(id), name: value("tg-name"), key: id, shown: `${value("tg-name")} (id ${id})` };
      }
      case "sms": {
        const phone = value("sms-phone");
        return { phone, key: phone, shown: phone };
      }
      default: {
        const address = value("mail-address");
        return {
          address,
          name: value("mail-name"),
          subject: value("mail-subject"),
          key: address.toLowerCase(),
          shown: address,
        };
      }
    }
  }

  /** WhatsApp Cloud API `messages` webhook: whatsapp.signed_webhook. */
  async function whatsappRequest(who, { text, button, list, replyTo }) {
    const cfg = state.config.whatsapp;
    const message = {};
    if (replyTo) message.context = { from: cfg.display_phone_number || "", id: replyTo };
    Object.assign(message, {
      from: who.waId,
      id: `wamid.${randomId(27)}`,
      timestamp: String(nowSeconds()),
    });
    if (button) {
      message.type = "interactive";
      message.interactive = { type: "button_reply", button_reply: { id: button.id, title: button.title } };
    } else if (list) {
      const row = { id: list.id, title: list.title };
      if (list.description) row.description = list.description;
      message.type = "interactive";
      message.interactive = { type: "list_reply", list_reply: row };
    } else {
      message.type = "text";
      message.text = { body: text };
    }
    const contact = who.name ? { profile: { name: who.name } } : {};
    contact.wa_id = who.waId;
    const metadata = {
      display_phone_number: cfg.display_phone_number || "",
      phone_number_id: cfg.phone_number_id,
    };
    const value = { messaging_product: "whatsapp", metadata, contacts: [contact], messages: [message] };
    const data = {
      object: "whatsapp_business_account",
      entry: [{ id: cfg.business_account_id || "", changes: [{ value, field: "messages" }] }],
    };
    const body = metaJson(data);
    return {
      body,
      headers: await metaHeaders(cfg.app_secret, body),
      signatureHeader: "X-Hub-Signature-256",
      shownText: button ? button.title : list ? list.title : text,
      note: "X-Hub-Signature-256: sha256= + hex HMAC-SHA256(app secret, the exact body bytes).",
    };
  }

  /** Messenger ("page") and Instagram ("instagram") messaging webhooks:
      messenger.signed_webhook. */
  async function metaMessagingRequest(channel, who, { text, quickReply }) {
    const cfg = state.config[channel];
    const account = channel === "instagram" ? cfg.account_id : cfg.page_id;
    const ms = Date.now();
    const message = { mid: `mid.${randomId(24)}`, text };
    if (quickReply) message.quick_reply = { payload: quickReply };
    const event = {
      sender: { id: who.id },
      recipient: { id: account },
      timestamp: ms,
      message,
    };
    const data = {
      object: channel === "instagram" ? "instagram" : "page",
      entry: [{ id: account, time: ms, messaging: [event] }],
    };
    const body = JSON.stringify(data);
    return {
      body,
      headers: await metaHeaders(cfg.app_secret, body),
      signatureHeader: "X-Hub-Signature-256",
      shownText: text,
      note: "X-Hub-Signature-256: sha256= + hex HMAC-SHA256(app secret, the exact body bytes).",
    };
  }

  function telegramHeaders() {
    return {
      "Content-Type": "application/json",
      "X-Telegram-Bot-Api-Secret-Token": state.config.telegram.secret_token,
    };
  }

  function telegramUser(who) {
    return { id: who.id, is_bot: false, first_name: who.name, language_code: "en" };
  }

  /** A Telegram Update with a message: telegram.signed_webhook. */
  function telegramRequest(who, { text }) {
    const user = telegramUser(who);
    const chat = { id: who.id, first_name: who.name, type: "private" };
    const update = {
      update_id: counter("telegram-update"),
      message: { message_id: counter("telegram-message"), from: user, chat, date: nowSeconds(), text },
    };
    return {
      body: JSON.stringify(update),
      headers: telegramHeaders(),
      signatureHeader: "X-Telegram-Bot-Api-Secret-Token",
      shownText: text,
      note: "X-Telegram-Bot-Api-Secret-Token: the secret_token given to setWebhook.",
    };
  }

  /** A press on an inline keyboard button: an Update with a callback_query carrying the
      bot's message as Telegram has it (text and reply_markup). */
  function telegramCallback(who, record, button) {
    const user = telegramUser(who);
    const chat = { id: who.id, first_name: who.name, type: "private" };
    const botId = Number((/\/bot(\d+):/.exec(record.url) || [])[1] || 0);
    const updateId = counter("telegram-update");
    const queryId = `${who.id}${updateId}`;
    const bot = { id: botId, is_bot: true, first_name: "Support", username: "support_bot" };
    const pressedOn = {
      message_id: TELEGRAM_MESSAGE_BASE + record.id,
      from: bot,
      chat,
      date: record.seenAt,
      text: record.body.text || "",
    };
    if (record.body.reply_markup) pressedOn.reply_markup = record.body.reply_markup;
    const update = {
      update_id: updateId,
      callback_query: {
        id: queryId,
        from: user,
        message: pressedOn,
        chat_instance: `${botId}${chat.id}`,
        data: button.callback_data,
      },
    };
    state.callbacks.set(queryId, `telegram:${who.key}`);
    return {
      body: JSON.stringify(update),
      headers: telegramHeaders(),
      signatureHeader: "X-Telegram-Bot-Api-Secret-Token",
      shownText: button.text,
      note: "X-Telegram-Bot-Api-Secret-Token: the secret_token given to setWebhook.",
    };
  }

  // Enough of the country calling codes for ToCountry / FromCountry (Twilio fills them in).
  const REGIONS = {
    1: "US", 7: "RU", 20: "EG", 27: "ZA", 30: "GR", 31: "NL", 32: "BE", 33: "FR", 34: "ES",
    36: "HU", 39: "IT", 40: "RO", 41: "CH", 43: "AT", 44: "GB", 45: "DK", 46: "SE", 47: "NO",
    48: "PL", 49: "DE", 51: "PE", 52: "MX", 54: "AR", 55: "BR", 56: "CL", 57: "CO", 60: "MY",
    61: "AU", 62: "ID", 63: "PH", 64: "NZ", 65: "SG", 66: "TH", 81: "JP", 82: "KR", 84: "VN",
    86: "CN", 90: "TR", 91: "IN", 92: "PK", 234: "NG", 254: "KE", 351: "PT", 353: "IE",
    852: "HK", 880: "BD", 886: "TW", 966: "SA", 971: "AE", 972: "IL",
  };

  function region(phone) {
    const number = digits(phone);
    for (const size of [3, 2, 1]) {
      const found = REGIONS[number.slice(0, size)];
      if (found && phone.startsWith("+")) return found;
    }
    return "";
  }

  /** Python's urllib.parse.quote_plus: only letters, digits and "_.-~" stay as they are. */
  function quotePlus(text) {
    return encodeURIComponent(text)
      .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
      .replace(/%20/g, "+");
  }

  function twilioSigned(url, params) {
    // Twilio: the full URL, then each POST parameter's name and value, sorted by name.
    const names = [...new Set(params.map(([name]) => name))].sort(byCodePoint);
    let signed = url;
    for (const name of names) {
      const values = [...new Set(params.filter(([n]) => n === name).map(([, v]) => v))];
      for (const value of values.sort(byCodePoint)) signed += name + value;
    }
    return signed;
  }

  function byCodePoint(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** A Twilio Messaging webhook (application/x-www-form-urlencoded): sms.signed_webhook. */
  async function smsRequest(who, { text }) {
    const cfg = state.config.sms;
    const sid = "SM" + hex(randomBytes(16));
    const to = cfg.to;
    const params = [
      ["ToCountry", region(to)],
      ["ToState", ""],
      ["SmsMessageSid", sid],
      ["NumMedia", "0"],
      ["ToCity", ""],
      ["FromZip", ""],
      ["SmsSid", sid],
      ["FromState", ""],
      ["SmsStatus", "received"],
      ["FromCity", ""],
      ["Body", text],
      ["FromCountry", region(who.phone)],
      ["To", to],
      ["ToZip", ""],
      ["NumSegments", String([...text].length <= 160 ? 1 : Math.ceil([...text].length / 153))],
      ["MessageSid", sid],
      ["AccountSid", cfg.account_sid],
      ["From", who.phone],
      ["ApiVersion", "2010-04-01"],
    ];
    // Twilio signs the URL it called; the server may name it (behind a proxy it differs).
    const url = cfg.webhook_url || `${location.origin}/webhooks/sms`;
    const signed = twilioSigned(url, params);
    const signature = base64(await hmac("SHA-1", cfg.auth_token, signed));
    return {
      body: params.map(([name, value]) => `${quotePlus(name)}=${quotePlus(value)}`).join("&"),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
      },
      signatureHeader: "X-Twilio-Signature",
      shownText: text,
      note: "X-Twilio-Signature: base64 HMAC-SHA1(auth token, this string):\n" + signed,
    };
  }

  // ------------------------------------------------------------------ e-mail (RFC 5322)

  function encodedWord(text) {
    // RFC 2047, for non-ASCII in a header
    return /^[\x20-\x7e]*$/.test(text) ? text : `=?utf-8?b?${base64(encoder.encode(text))}?=`;
  }

  function mailbox(name, address) {
    if (!name) return address;
    if (!/^[\x20-\x7e]*$/.test(name)) return `${encodedWord(name)} <${address}>`;
    const quoted = /[()<>@,;:\\".[\]]/.test(name) ? `"${name.replace(/["\\]/g, "\\$&")}"` : name;
    return `${quoted} <${address}>`;
  }

  function mailDate(date = new Date()) {
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const pad = (n) => String(n).padStart(2, "0");
    const offset = -date.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    const zone = sign + pad(Math.floor(Math.abs(offset) / 60)) + pad(Math.abs(offset) % 60);
    return (
      `${days[date.getDay()]}, ${pad(date.getDate())} ${months[date.getMonth()]} ` +
      `${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}:` +
      `${pad(date.getSeconds())} ${zone}`
    );
  }

  /** Quoted-printable (RFC 2045) of UTF-8 text, lines of at most 76 characters. */
  function quotedPrintable(text) {
    const out = [];
    for (const line of text.split("\n")) {
      const bytes = encoder.encode(line);
      const tokens = [];
      bytes.forEach((b, i) => {
        const last = i === bytes.length - 1;
        const plain = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
        tokens.push(plain ? String.fromCharCode(b) : "=" + b.toString(16).toUpperCase().padStart(2, "0"));
      });
      let current = "";
      for (const token of tokens) {
        if (current.length + token.length > 75) {
          out.push(current + "=");
          current = "";
        }
        current += token;
      }
      out.push(current);
    }
    return out.join("\r\n");
  }

  function foldIds(name, ids) {
    // one id a line past the first: References grows with the thread
    return `${name}: ` + ids.map((id) => `<${id}>`).join("\r\n ");
  }

  /** A customer's plain-text mail as an MTA hands it on: mail.raw_mail, POSTed with the
      relay's bearer secret (mail.signed_webhook). */
  function emailRequest(who, { text }) {
    const cfg = state.config.email;
    const domain = who.address.split("@").pop() || "example.com";
    const messageId = `${randomId(18)}@${domain}`;
    const thread = state.mail.get(who.key);
    const baseSubject = thread ? thread.subject : who.subject;
    const subject = thread && baseSubject && !/^re:/i.test(baseSubject) ? `Re: ${baseSubject}` : baseSubject;
    const normalized = text.replace(/\r\n?/g, "\n").replace(/\n?$/, "\n");
    const plain = /^[\x20-\x7e\n\t]*$/.test(normalized) && normalized.split("\n").every((l) => l.length <= 78);
    const lines = [
      `From: ${mailbox(who.name, who.address)}`,
      `To: ${mailbox("Support", cfg.address)}`,
    ];
    if (subject) lines.push(`Subject: ${encodedWord(subject)}`);
    lines.push(`Date: ${mailDate()}`, `Message-ID: <${messageId}>`);
    if (thread && thread.lastId) {
      lines.push(`In-Reply-To: <${thread.lastId}>`);
      const refs = [...new Set([...thread.refs, thread.lastId])];
      lines.push(foldIds("References", refs));
    }
    lines.push(
      "MIME-Version: 1.0",
      'Content-Type: text/plain; charset="utf-8"',
      `Content-Transfer-Encoding: ${plain ? "7bit" : "quoted-printable"}`,
      "",
      plain ? normalized.replace(/\n$/, "").split("\n").join("\r\n") : quotedPrintable(normalized.replace(/\n$/, "")),
      "",
    );
    const refs = thread ? [...new Set([...thread.refs, ...(thread.lastId ? [thread.lastId] : [])])] : [];
    state.mail.set(who.key, { subject: baseSubject, lastId: messageId, refs });
    return {
      body: lines.join("\r\n"),
      headers: { "Content-Type": "message/rfc822", Authorization: `Bearer ${cfg.secret}` },
      signatureHeader: "Authorization",
      shownText: text,
      subject,
      note: "Authorization: Bearer <the relay's inbound secret>; the body is the raw RFC 5322 mail.",
    };
  }

  /** Our reply mail as the customer's client reads it: headers, and the text/plain body
      decoded (quoted-printable or base64, UTF-8). */
  function parseMail(raw) {
    const text = String(raw || "").replace(/\r\n/g, "\n");
    const split = text.indexOf("\n\n");
    const head = split >= 0 ? text.slice(0, split) : text;
    let body = split >= 0 ? text.slice(split + 2) : "";
    const headers = {};
    for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const transfer = (headers["content-transfer-encoding"] || "").toLowerCase();
    const charset = (/charset="?([^";]+)"?/i.exec(headers["content-type"] || "") || [])[1] || "utf-8";
    const decoder = new TextDecoder(charset.toLowerCase() === "us-ascii" ? "utf-8" : charset);
    if (transfer === "quoted-printable") {
      const joined = body.replace(/=\n/g, "");
      const bytes = [];
      for (let i = 0; i < joined.length; i++) {
        const match = joined[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3));
        if (match) {
          bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
          i += 2;
        } else {
          bytes.push(...encoder.encode(joined[i]));
        }
      }
      body = decoder.decode(new Uint8Array(bytes));
    } else if (transfer === "base64") {
      const binary = atob(body.replace(/\s+/g, ""));
      body = decoder.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    }
    return { headers, body: body.replace(/\n+$/, ""), subject: decodeWords(headers.subject || "") };
  }

  function decodeWords(value) {
    return value.replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_, charset, kind, data) => {
      try {
        let bytes;
        if (kind.toLowerCase() === "b") {
          bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        } else {
          const text = data.replace(/_/g, " ");
          const list = [];
          for (let i = 0; i < text.length; i++) {
            if (text[i] === "=") {
              list.push(parseInt(text.slice(i + 1, i + 3), 16));
              i += 2;
            } else list.push(text.charCodeAt(i));
          }
          bytes = new Uint8Array(list);
        }
        return new TextDecoder(charset).decode(bytes);
      } catch (_) {
        return data;
      }
    });
  }

  function messageIds(value) {
    return [...String(value || "").matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]);
  }

  // ------------------------------------------------------------------ sending

  async function build(channel, who, what) {
    switch (channel) {
      case "whatsapp":
        return whatsappRequest(who, what);
      case "messenger":
      case "instagram":
        return metaMessagingRequest(channel, who, what);
      case "telegram":
        return what.callback ? telegramCallback(who, what.callback.record, what.callback.button) : telegramRequest(who, what);
      case "sms":
        return smsRequest(who, what);
      default:
        return emailRequest(who, what);
    }
  }

  async function post(request) {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      cache: "no-store",
      credentials: "omit",
    });
    return { status: response.status, statusText: response.statusText, body: await response.text(), type: response.headers.get("content-type") || "" };
  }

  /** A new customer message (typed, or a button tapped): build, sign, post, show. */
  async function sendNew(channel, what) {
    if (!state.config) return;
    if (!crypto.subtle) {
      showBanner("This page signs with WebCrypto, which browsers only offer on https:// or http://127.0.0.1 / localhost. Open it there.");
      return;
    }
    const who = identity(channel);
    const signed = await build(channel, who, what);
    const request = { channel, url: `/webhooks/${channel}`, threadKey: `${channel}:${who.key}`, who, ...signed };
    state.last[channel] = request;
    updateTeachButtons();
    const bubble = addCustomerBubble(request, what);
    const answer = await deliver(request, what.kind || "send");
    setBubbleStatus(bubble, answer);
  }

  async function deliver(request, kind) {
    const entry = addLogEntry(request, kind);
    let answer;
    try {
      answer = await post(request);
    } catch (error) {
      answer = { status: 0, statusText: "network error", body: String(error), type: "" };
    }
    finishLogEntry(entry, answer);
    describeAnswer(kind, request, answer);
    return answer;
  }

  function describeAnswer(kind, request, answer) {
    const label = LABELS[request.channel];
    const status = answer.status || "no answer";
    let text;
    if (kind === "retry") {
      text =
        answer.status === 200
          ? `Provider retry on ${label}: ${status}. The same message id was already stored, so nothing new was stored and no second reply is sent.`
          : `Provider retry on ${label}: ${status} (expected 200).`;
    } else if (kind === "tamper") {
      text =
        answer.status === 401 || answer.status === 403
          ? `Tampered ${request.signatureHeader} on ${label}: ${status}. Refused before reading the body: nothing stored.`
          : `Tampered ${request.signatureHeader} on ${label}: ${status} (expected 401 or 403).`;
    } else {
      text =
        answer.status >= 200 && answer.status < 300
          ? `${label}: ${status}, the webhook took the message. Replies appear in the conversation.`
          : `${label}: ${status}: ${answer.body.slice(0, 300)}`;
    }
    state.status[request.channel] = { text, status: String(answer.status), kind };
    if (request.channel === state.channel) showStatus();
  }

  function showStatus() {
    const line = $("#send-status");
    const shown = state.status[state.channel] || { text: "", status: "", kind: "" };
    line.textContent = shown.text;
    line.dataset.status = shown.status;
    line.dataset.kind = shown.kind;
  }

  async function onSubmit(event) {
    event.preventDefault();
    const box = $("#message-text");
    const text = box.value.trim();
    const fields = document.querySelector(`fieldset[data-for="${state.channel}"]`);
    const invalid = [...fields.querySelectorAll("input")].find((input) => !input.checkValidity());
    if (invalid) {
      invalid.reportValidity();
      invalid.focus();
      return;
    }
    if (!text) {
      box.focus();
      return;
    }
    box.value = "";
    box.focus();
    await sendNew(state.channel, { text, kind: "send" });
  }

  async function sendAgain() {
    const last = state.last[state.channel];
    if (last) await deliver(last, "retry");
  }

  async function tamper() {
    const last = state.last[state.channel];
    if (!last) return;
    const headers = { ...last.headers };
    const name = last.signatureHeader;
    const value = headers[name];
    // one character changed near the end (before base64 padding): as wrong as a forged
    // or stale signature
    const at = value.replace(/=+$/, "").length - 1;
    const char = value[at];
    const swapped = char === "0" ? "1" : char === "A" ? "B" : /[0-9a-f]/.test(char) ? "0" : "A";
    headers[name] = value.slice(0, at) + swapped + value.slice(at + 1);
    await deliver({ ...last, headers, tampered: name }, "tamper");
  }

  // ------------------------------------------------------------------ the log

  function requestText(request) {
    const lines = [`POST ${location.origin}${request.url}`];
    for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
    return lines.join("\n") + "\n\n" + request.body;
  }

  function addLogEntry(request, kind) {
    state.logNumber += 1;
    const status = el("span", { class: "status-badge", "data-testid": "log-status", text: "…" });
    const answer = el("pre", { class: "mono", "data-testid": "log-answer", text: "waiting for the answer…" });
    const answerSummary = el("summary", { text: "Answer" });
    const requestPre = el("pre", { class: "mono", "data-testid": "log-request", text: requestText(request) });
    const entry = el(
      "article",
      {
        class: "log-entry",
        "data-testid": "log-entry",
        "data-kind": kind,
        "data-channel": request.channel,
        "data-status": "pending",
      },
      el(
        "header",
        {},
        status,
        el("strong", { text: ` #${state.logNumber} ${KIND_LABELS[kind]}` }),
        el("span", { class: "muted", text: ` · ${LABELS[request.channel]} · ${clock()}` }),
      ),
      request.tampered ? el("p", { class: "tampered", text: `${request.tampered} altered by one character.` }) : null,
      el(
        "details",
        { class: "log-part" },
        el("summary", { text: `Request: POST ${request.url}` }),
        requestPre,
        el("p", { class: "help", text: request.note }),
      ),
      el("details", { class: "log-part", open: true }, answerSummary, answer),
    );
    const log = $("#log");
    for (const open of log.querySelectorAll("details[open]")) open.open = false;
    entry.querySelector("details").open = true;
    log.prepend(entry);
    return { entry, status, answer, answerSummary };
  }

  function finishLogEntry(parts, answer) {
    parts.entry.dataset.status = String(answer.status);
    parts.status.textContent = String(answer.status || "—");
    parts.status.dataset.tone = answer.status >= 200 && answer.status < 300 ? "ok" : "bad";
    parts.answerSummary.textContent = `Answer: ${answer.status} ${answer.statusText || ""}`.trim();
    const type = answer.type ? `content-type: ${answer.type}\n\n` : "";
    parts.answer.textContent = type + (answer.body || "(empty body)");
  }

  // ------------------------------------------------------------------ conversations

  function thread(channel, key) {
    const id = `${channel}:${key}`;
    let found = state.threads.get(id);
    if (!found) {
      const element = el("div", {
        class: "thread",
        "data-thread": id,
        "data-channel": channel,
        "data-testid": `thread-${channel}`,
        hidden: true,
      });
      $("#threads").append(element);
      found = { element, channel, key };
      state.threads.set(id, found);
      showThread();
    }
    return found;
  }

  function currentThreadId() {
    return `${state.channel}:${identity(state.channel).key}`;
  }

  function showThread() {
    const current = currentThreadId();
    let any = false;
    for (const [id, found] of state.threads) {
      const visible = id === current;
      found.element.hidden = !visible;
      if (visible && found.element.childElementCount) any = true;
    }
    $("#thread-empty").hidden = any;
    const who = identity(state.channel);
    $("#conversation-title").textContent = LABELS[state.channel];
    $("#conversation-sub").textContent = `as ${who.shown || "the customer"} sees it`;
  }

  function scrollToEnd() {
    const box = $("#threads");
    box.scrollTop = box.scrollHeight;
  }

  function addCustomerBubble(request, what) {
    const found = thread(request.channel, request.who.key);
    const meta = el("span", { class: "bubble-meta", text: `${clock()} · sending…` });
    const subject = request.channel === "email" && request.subject ? el("p", { class: "mail-subject", text: request.subject }) : null;
    const bubble = el(
      "div",
      {
        class: "bubble bubble-me",
        "data-testid": "bubble",
        "data-from": "customer",
        "data-kind": what.kind || "send",
        "data-status": "pending",
      },
      subject,
      el("p", { class: "bubble-text", text: request.shownText }),
      meta,
    );
    found.element.append(bubble);
    showThread();
    scrollToEnd();
    return { bubble, meta };
  }

  function setBubbleStatus({ bubble, meta }, answer) {
    bubble.dataset.status = String(answer.status);
    const ok = answer.status >= 200 && answer.status < 300;
    meta.textContent = `${meta.textContent.split(" · ")[0]} · ${ok ? "✓ delivered to the webhook" : "✗ refused"} (${answer.status})`;
    if (!ok) bubble.classList.add("bubble-failed");
  }

  function rawDetails(record) {
    const lines = [`${record.method} ${record.url}`];
    for (const [name, value] of Object.entries(record.headers || {})) lines.push(`${name}: ${value}`);
    const body = typeof record.body === "string" ? record.body : JSON.stringify(record.body, null, 2);
    return el(
      "details",
      { class: "raw" },
      el("summary", { text: `Recorded request #${record.id}` }),
      el("pre", { class: "mono", "data-testid": "raw-request", text: lines.join("\n") + "\n\n" + body }),
    );
  }

  function replyButton(title, onClick, extra = {}) {
    return el("button", { type: "button", class: "reply-button", "data-testid": "reply-button", onclick: onClick, text: title, ...extra });
  }

  /** What the customer's app shows for one recorded send: text, and buttons to tap. */
  function renderReply(channel, record) {
    const body = record.body || {};
    const parts = [];
    const buttons = [];
    let note = null;
    if (channel === "whatsapp") {
      if (body.type === "text") parts.push(el("p", { class: "bubble-text", text: body.text?.body || "" }));
      else if (body.type === "interactive") {
        const interactive = body.interactive || {};
        parts.push(el("p", { class: "bubble-text", text: interactive.body?.text || "" }));
        const action = interactive.action || {};
        const replyTo = `wamid.DEMO${String(record.id).padStart(10, "0")}`;
        if (interactive.type === "button") {
          for (const b of action.buttons || []) {
            const button = b.reply || {};
            buttons.push(replyButton(button.title, () => tap("whatsapp", { button, replyTo })));
          }
        } else if (interactive.type === "list") {
          const rows = [];
          for (const section of action.sections || []) {
            if (section.title) rows.push(el("p", { class: "list-section", text: section.title }));
            for (const row of section.rows || []) {
              rows.push(
                replyButton(row.title, () => tap("whatsapp", { list: row, replyTo }), {
                  title: row.description || undefined,
                }),
              );
            }
          }
          buttons.push(el("details", { class: "wa-list" }, el("summary", { text: `☰ ${action.button || "Options"}` }), ...rows));
        }
      } else if (body.type === "template") {
        const template = body.template || {};
        const params = (template.components || []).flatMap((c) => (c.parameters || []).map((p) => p.text));
        parts.push(el("p", { class: "bubble-text", text: `Template “${template.name}” (${template.language?.code || ""})${params.length ? ": " + params.join(", ") : ""}` }));
        note = "An approved template: the only message allowed outside the 24-hour window.";
      } else {
        parts.push(el("p", { class: "bubble-text", text: `(${body.type || "message"})` }));
      }
    } else if (channel === "messenger" || channel === "instagram") {
      const message = body.message || {};
      parts.push(el("p", { class: "bubble-text", text: message.text || "(attachment)" }));
      for (const reply of message.quick_replies || []) {
        buttons.push(replyButton(reply.title, () => tap(channel, { text: reply.title, quickReply: reply.payload })));
      }
      if (body.tag) note = `Sent with the ${body.tag} tag (outside the 24-hour window).`;
    } else if (channel === "telegram") {
      parts.push(el("p", { class: "bubble-text", text: body.text || "" }));
      for (const row of body.reply_markup?.inline_keyboard || []) {
        for (const button of row) {
          buttons.push(replyButton(button.text, () => tap("telegram", { callback: { record, button } })));
        }
      }
    } else if (channel === "sms") {
      const form = new URLSearchParams(typeof body === "string" ? body : "");
      parts.push(el("p", { class: "bubble-text", text: form.get("Body") || "" }));
      note = `From ${form.get("From") || form.get("MessagingServiceSid") || ""}`;
    } else if (channel === "email") {
      const mail = parseMail(body);
      parts.push(el("p", { class: "mail-subject", text: mail.subject }));
      parts.push(el("p", { class: "mail-from muted small", text: `From ${decodeWords(mail.headers.from || "")}` }));
      parts.push(el("p", { class: "bubble-text", text: mail.body }));
    }
    return { parts, buttons, note };
  }

  function addReply(channel, key, record) {
    const found = thread(channel, key);
    const { parts, buttons, note } = renderReply(channel, record);
    const bubble = el(
      "div",
      { class: "bubble bubble-them", "data-testid": "bubble", "data-from": "business", "data-record": record.id },
      ...parts,
      buttons.length ? el("div", { class: "reply-buttons", role: "group", "aria-label": "Reply options" }, ...buttons) : null,
      note ? el("p", { class: "bubble-note", text: note }) : null,
      el("span", { class: "bubble-meta", text: clock() }),
      rawDetails(record),
    );
    found.element.append(bubble);
    if (`${channel}:${key}` === currentThreadId()) {
      showThread();
      scrollToEnd();
    } else if (state.polled) {
      state.unread.set(channel, (state.unread.get(channel) || 0) + 1);
      updateUnread();
    }
  }

  function addNote(channel, key, text, record) {
    const found = thread(channel, key);
    found.element.append(
      el("div", { class: "thread-note", "data-testid": "thread-note" }, el("span", { text }), rawDetails(record)),
    );
  }

  /** One recorded send to a provider: whose thread it belongs to, by recipient. */
  function takeOutbound(record) {
    record.seenAt = nowSeconds();
    const channel = record.channel;
    const body = record.body || {};
    if (channel === "whatsapp") {
      addReply(channel, digits(body.to), record);
    } else if (channel === "messenger" || channel === "instagram") {
      addReply(channel, String(body.recipient?.id ?? ""), record);
    } else if (channel === "telegram") {
      if (/\/answerCallbackQuery$/.test(record.url)) {
        const threadId = state.callbacks.get(String(body.callback_query_id));
        if (threadId) {
          const key = threadId.slice("telegram:".length);
          addNote("telegram", key, "The bot answered the button press (answerCallbackQuery): the spinner stops.", record);
        }
      } else {
        addReply(channel, String(body.chat_id ?? ""), record);
      }
    } else if (channel === "sms") {
      const to = new URLSearchParams(typeof body === "string" ? body : "").get("To") || "";
      addReply(channel, to, record);
    } else if (channel === "email") {
      const rcpts = ((/RCPT TO (.*)$/.exec(record.url) || [])[1] || "").split(",").map((a) => a.trim().toLowerCase()).filter(Boolean);
      const mail = parseMail(body);
      const to = (/<([^>]+)>/.exec(mail.headers.to || "") || [])[1] || mail.headers.to || "";
      const recipients = rcpts.length ? rcpts : [to.trim().toLowerCase()];
      const messageId = messageIds(mail.headers["message-id"])[0];
      for (const address of new Set(recipients)) {
        // the customer's next mail answers this one, as a mail client's Reply does
        const known = state.mail.get(address);
        if (messageId) {
          const refs = messageIds(mail.headers.references);
          state.mail.set(address, {
            subject: known ? known.subject : mail.subject.replace(/^(re:\s*)+/i, ""),
            lastId: messageId,
            refs,
          });
        }
        addReply(channel, address, record);
      }
    }
  }

  async function poll() {
    if (state.polling) return;
    state.polling = true;
    const badge = $("#poll-state");
    try {
      const response = await fetch(`/demo/outbound?after=${state.after}`, { cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { sent } = await response.json();
      for (const record of sent) {
        if (record.id <= state.after) continue;
        state.after = record.id;
        try {
          takeOutbound(record);
        } catch (error) {
          console.error("could not show outbound record", record, error);
        }
      }
      state.polled = true;
      badge.dataset.state = "online";
      $("#poll-text").textContent = "Watching replies";
    } catch (error) {
      badge.dataset.state = "offline";
      $("#poll-text").textContent = `Replies unavailable (${error.message})`;
    } finally {
      state.polling = false;
    }
  }

  async function tap(channel, what) {
    if (state.channel !== channel) selectChannel(channel);
    await sendNew(channel, { ...what, kind: "button" });
  }

  // ------------------------------------------------------------------ tabs and frame

  const HOW = {
    whatsapp: "Meta's Cloud API webhook, object whatsapp_business_account, signed with X-Hub-Signature-256 over the exact body bytes.",
    messenger: "Messenger's page webhook, object page, signed with X-Hub-Signature-256 (the Messenger app's secret).",
    instagram: "Instagram messaging webhook, object instagram, signed with X-Hub-Signature-256 (the Instagram app's secret).",
    telegram: "A Telegram Update, with the X-Telegram-Bot-Api-Secret-Token header set at setWebhook.",
    sms: "A Twilio form post, signed with X-Twilio-Signature over the URL and the sorted parameters.",
    email: "A raw RFC 5322 mail, as a mail relay posts it, with the relay's bearer secret.",
  };

  const SECRET_NAMES = {
    app_secret: "App secret",
    phone_number_id: "Phone number id",
    page_id: "Page id",
    account_id: "Account id",
    secret_token: "Secret token",
    auth_token: "Auth token",
    account_sid: "Account SID",
    to: "Our number",
    secret: "Relay secret",
    address: "Support address",
    webhook_url: "Signed URL",
  };

  function renderHow() {
    const channel = state.channel;
    const how = $("#how");
    const list = el("dl", { class: "secrets" });
    const cfg = (state.config || {})[channel] || {};
    for (const [name, value] of Object.entries(cfg)) {
      list.append(el("dt", { text: SECRET_NAMES[name] || name }), el("dd", { class: "mono", text: String(value) }));
    }
    how.replaceChildren(
      el("h3", { text: "How it is signed" }),
      el("p", { text: HOW[channel] }),
      state.config ? el("p", { class: "help", text: "The documented demo values:" }) : null,
      state.config ? list : null,
    );
  }

  function selectChannel(channel, focus = false) {
    state.channel = channel;
    document.body.dataset.channel = channel;
    for (const tab of document.querySelectorAll("[role=tab]")) {
      const selected = tab.dataset.channel === channel;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected && focus) tab.focus();
    }
    $("#customer-panel").setAttribute("aria-labelledby", `tab-${channel}`);
    for (const fields of document.querySelectorAll("fieldset.identity")) {
      fields.hidden = fields.dataset.for !== channel;
    }
    renderHow();
    state.unread.delete(channel);
    updateUnread();
    updateTeachButtons();
    showStatus();
    showThread();
    scrollToEnd();
  }

  function updateUnread() {
    for (const tab of document.querySelectorAll("[role=tab]")) {
      const count = state.unread.get(tab.dataset.channel) || 0;
      const badge = tab.querySelector(".unread");
      badge.hidden = !count;
      badge.textContent = count ? ` ${count} new` : "";
    }
  }

  function updateTeachButtons() {
    const has = Boolean(state.last[state.channel]) && Boolean(state.config);
    $("#send-again").disabled = !has;
    $("#tamper").disabled = !has;
  }

  function onTabKey(event) {
    const tabs = [...document.querySelectorAll("[role=tab]")];
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    let next = null;
    if (event.key === "ArrowRight") next = (at + 1) % tabs.length;
    else if (event.key === "ArrowLeft") next = (at - 1 + tabs.length) % tabs.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = tabs.length - 1;
    if (next === null) return;
    event.preventDefault();
    selectChannel(tabs[next].dataset.channel, true);
  }

  async function start() {
    $("#tabs").addEventListener("click", (event) => {
      const tab = event.target.closest("[role=tab]");
      if (tab) selectChannel(tab.dataset.channel);
    });
    $("#tabs").addEventListener("keydown", onTabKey);
    $("#compose").addEventListener("submit", onSubmit);
    $("#message-text").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("#compose").requestSubmit();
      }
    });
    $("#send-again").addEventListener("click", sendAgain);
    $("#tamper").addEventListener("click", tamper);
    $("#log-clear").addEventListener("click", () => {
      $("#log").replaceChildren();
    });
    for (const input of document.querySelectorAll("fieldset.identity input")) {
      input.addEventListener("input", showThread);
    }
    selectChannel("whatsapp");
    try {
      const response = await fetch("/demo/channels/config", { cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      state.config = await response.json();
    } catch (error) {
      showBanner(`Could not load the demo secrets (${error.message}). Is the server running with --demo?`);
      return;
    }
    if (!window.crypto || !crypto.subtle) {
      showBanner("This page signs with WebCrypto, which browsers only offer on https:// or http://127.0.0.1 / localhost. Open it there.");
      return;
    }
    $("#send").disabled = false;
    renderHow();
    updateTeachButtons();
    document.body.dataset.ready = "true";
    await poll();
    setInterval(poll, POLL_MS);
  }

  start();
})();
