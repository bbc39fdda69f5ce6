// Switchboard admin console: plain JavaScript, no build step, no external asset. It speaks the admin
// API of the listener that served it (same origin), with the admin token as a bearer token:
//   GET  /admin/api/mounts                      the mounts table
//   POST /admin/api/mounts/enable|disable       {"route": "/x"}
//   PUT  /admin/api/mounts/plugin?route=/x      the .wasm bytes (hot swap)
//   GET  /admin/api/failures?limit=N            recent plugin failures
//   GET  /admin/api/events                      the PBX event bus (server-sent events)
// The event stream is read with fetch and a stream reader, not EventSource, which cannot send the
// Authorization header. Every element the tests drive has an id or data attributes.
"use strict";

const TOKEN_KEY = "switchboard.adminToken";
const REFRESH_MS = 3000;
const MAX_EVENTS = 200;
const RECONNECT_MS = 2000;

const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  rows: new Map(), // route -> { tr, cells }
  timer: null,
  refreshing: false,
  events: null, // AbortController of the event stream
  lastEventId: null,
  paused: false,
};

/** An answer of the admin API that is not a success, in the host's error shape. */
class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Calls the admin API; resolves to the JSON answer, rejects with an ApiError. */
async function api(method, path, body, contentType) {
  const headers = { Authorization: "Bearer " + state.token };
  if (contentType) headers["Content-Type"] = contentType;
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, "unreachable", "the server did not answer: " + e.message);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(
      response.status,
      error.code || "http_" + response.status,
      error.message || text || response.statusText,
      response.headers.get("Retry-After"),
    );
  }
  return data;
}

// ---- messages -------------------------------------------------------------------------------

function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    logout("The server refused the token (" + error.message + "). Log in again.");
    return;
  }
  const code = error.code || "error";
  let message = error.message || String(error);
  if (error.retryAfter) message += " (retry after " + error.retryAfter + " s)";
  $("error-code").textContent = code;
  $("error-message").textContent = message;
  $("error").dataset.code = code;
  $("error").hidden = false;
}

function clearError() {
  $("error").hidden = true;
  delete $("error").dataset.code;
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = false;
}

// ---- login ------------------------------------------------------------------------------------

async function login(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!token) return;
  state.token = token;
  $("login-submit").disabled = true;
  try {
    await api("GET", "/admin/api/mounts");
  } catch (e) {
    state.token = null;
    $("login-error").textContent =
      e.status === 401 ? "Wrong token." : e.code + ": " + e.message + (e.retryAfter ? " (retry after " + e.retryAfter + " s)" : "");
    $("login-error").dataset.code = e.code;
    $("login-error").hidden = false;
    return;
  } finally {
    $("login-submit").disabled = false;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  start();
}

function logout(why) {
  stop();
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("console").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").hidden = !why;
  $("login-error").textContent = why || "";
  clearError();
}

function start() {
  $("login").hidden = true;
  $("login-error").hidden = true;
  $("console").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = location.host;
  refresh();
  state.timer = setInterval(refresh, REFRESH_MS);
  connectEvents();
}

function stop() {
  clearInterval(state.timer);
  state.timer = null;
  if (state.events) state.events.abort();
  state.events = null;
  for (const { tr } of state.rows.values()) tr.remove();
  state.rows.clear();
}

// ---- mounts -----------------------------------------------------------------------------------

async function refresh() {
  if (state.refreshing || !state.token) return;
  state.refreshing = true;
  try {
    const [mounts, failures] = await Promise.all([api("GET", "/admin/api/mounts"), api("GET", "/admin/api/failures?limit=100")]);
    renderMounts(mounts);
    renderFailures(failures.failures || []);
  } catch (e) {
    showError(e);
  } finally {
    state.refreshing = false;
  }
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.dataset[k.slice(5).replace(/-(.)/g, (_, c) => c.toUpperCase())] = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function renderMounts(answer) {
  const mounts = answer.mounts || [];
  $("persisted").textContent = answer.persisted
    ? "Changes are written to " + answer.config + " and survive a restart."
    : "Changes live in memory only: this server runs without a configuration file (they are lost on restart).";
  $("persisted").dataset.persisted = String(!!answer.persisted);
  const seen = new Set();
  const body = $("mounts-body");
  mounts.forEach((mount, i) => {
    seen.add(mount.route);
    let row = state.rows.get(mount.route);
    if (!row) {
      row = newRow(mount.route);
      state.rows.set(mount.route, row);
    }
    // The server's order; a row already in place is not moved (moving it would take the focus
    // from a control the admin is using).
    if (body.children[i] !== row.tr) body.insertBefore(row.tr, body.children[i] || null);
    updateRow(row, mount);
  });
  for (const [route, row] of state.rows) {
    if (!seen.has(route)) {
      row.tr.remove();
      state.rows.delete(route);
    }
  }
  $("mounts-empty").hidden = mounts.length > 0;
}

/** A row for `route`; its action controls are made once, so a refresh never replaces a control
 *  the admin is using. */
function newRow(route) {
  const tr = el("tr", { "data-route": route });
  const cells = {};
  for (const name of ["route", "plugin", "state", "grants", "counters", "actions"]) {
    cells[name] = el("td", { class: name });
    tr.append(cells[name]);
  }
  cells.route.append(el("code", {}, route));

  const toggle = el("button", { type: "button", class: "toggle" });
  toggle.addEventListener("click", () => setEnabled(route, toggle.dataset.action === "enable", row));
  const file = el("input", { type: "file", accept: ".wasm,application/wasm", "data-action": "swap", "data-route": route });
  file.addEventListener("change", () => hotSwap(route, file, row));
  const fresh = el("input", { type: "checkbox", "data-action": "fresh" });
  cells.actions.append(
    el("div", { class: "actions" },
      toggle,
      el("label", {}, "Hot swap (.wasm): ", file),
      el("label", { title: "Start the new plugin with an empty private database instead of adopting the route's" }, fresh, " fresh data"),
    ),
  );
  const row = { tr, cells, toggle, file, fresh, busy: false };
  return row;
}

function updateRow(row, mount) {
  const { tr, cells, toggle } = row;
  const enabled = !!mount.enabled;
  tr.dataset.state = enabled ? "enabled" : "disabled";
  tr.dataset.health = mount.health || "";
  tr.dataset.plugin = mount.plugin || "";
  tr.dataset.version = mount.version || "";

  cells.plugin.replaceChildren(
    el("div", {}, el("strong", { class: "plugin-name" }, mount.plugin || "?")),
    el("div", { class: "muted mono", title: mount.version || "" }, "sha256 " + (mount.version || "").slice(0, 12)),
    el("div", { class: "muted" }, mount.source || ""),
    el("div", { class: "muted" }, "listeners: " + (mount.listeners || []).join(", ")),
  );
  cells.state.replaceChildren(
    el("div", { class: "state" }, enabled ? "enabled" : "disabled"),
    el("div", { class: "health" }, mount.health || ""),
    mount.event_handler ? el("div", { class: "muted" }, "event handler") : null,
  );

  const grants = mount.grants || [];
  const list = el("ul", { class: "grants" });
  for (const g of grants) {
    const granted = !!g.granted;
    const text = (g.grant || "?") + " (" + (g.interface || "?") + ")" + (granted ? "" : " — requested, not granted");
    list.append(el("li", { "data-grant": g.grant || "", "data-requested": String(g.requested !== false), "data-granted": String(granted) }, text));
  }
  cells.grants.replaceChildren(grants.length ? list : el("span", { class: "muted" }, "none requested"));

  const c = mount.counters || {};
  cells.counters.replaceChildren(
    el("div", { class: "mono" },
      "requests " + (c.requests ?? "–") + " · in flight " + (c.in_flight ?? "–") + " · 5xx " + (c.errors_5xx ?? "–")),
    el("div", { class: "mono muted" },
      "traps " + (c.traps ?? "–") + " · timeouts " + (c.timeouts ?? "–") + " · warm " + (c.idle_instances ?? "–")),
  );

  toggle.dataset.action = enabled ? "disable" : "enable";
  toggle.textContent = enabled ? "Disable" : "Enable";
  toggle.className = enabled ? "toggle danger" : "toggle";
}

function setBusy(row, busy) {
  row.busy = busy;
  row.toggle.disabled = busy;
  row.file.disabled = busy;
  row.tr.dataset.busy = String(busy);
}

async function setEnabled(route, enable, row) {
  if (row.busy) return;
  setBusy(row, true);
  clearError();
  try {
    const answer = await api("POST", "/admin/api/mounts/" + (enable ? "enable" : "disable"), JSON.stringify({ route }), "application/json");
    if (answer && answer.mount) updateRow(row, answer.mount);
    notice((enable ? "Enabled " : "Disabled ") + route + ".");
  } catch (e) {
    showError(e);
  } finally {
    setBusy(row, false);
  }
  refresh();
}

async function hotSwap(route, input, row) {
  const file = input.files && input.files[0];
  if (!file || row.busy) return;
  setBusy(row, true);
  clearError();
  notice("Uploading " + file.name + " to " + route + "…");
  try {
    const query = "?route=" + encodeURIComponent(route) + (row.fresh.checked ? "&data=fresh" : "");
    const answer = await api("PUT", "/admin/api/mounts/plugin" + query, file, "application/wasm");
    if (answer && answer.mount) updateRow(row, answer.mount);
    const version = answer && answer.mount && answer.mount.version ? answer.mount.version.slice(0, 12) : "?";
    notice("Hot-swapped " + route + " to " + file.name + " (sha256 " + version + ").");
  } catch (e) {
    $("notice").hidden = true;
    showError(e);
  } finally {
    input.value = "";
    setBusy(row, false);
  }
  refresh();
}

// ---- failures ---------------------------------------------------------------------------------

function time(at) {
  const date = new Date(at);
  return isNaN(date) ? at : date.toLocaleTimeString();
}

function renderFailures(failures) {
  const rows = failures.map((f) =>
    el("tr", { "data-kind": f.kind, "data-route": f.route, "data-plugin": f.plugin, "data-request-id": f.request_id || "" },
      el("td", { title: f.at }, time(f.at)),
      el("td", { class: "kind" }, f.kind),
      el("td", {}, el("code", {}, f.route)),
      el("td", {}, f.plugin),
      el("td", { class: "message" }, f.message),
      el("td", { class: "mono muted" }, f.request_id || ""),
    ),
  );
  $("failures-body").replaceChildren(...rows);
  $("failures-empty").hidden = failures.length > 0;
}

// ---- the PBX event bus ------------------------------------------------------------------------

function setEventsState(text) {
  $("events-state").dataset.state = text;
  $("events-state").textContent = text;
}

async function connectEvents() {
  const controller = new AbortController();
  state.events = controller;
  setEventsState("connecting");
  try {
    const headers = { Authorization: "Bearer " + state.token, Accept: "text/event-stream" };
    if (state.lastEventId != null) headers["Last-Event-ID"] = state.lastEventId;
    const response = await fetch("/admin/api/events", { headers, signal: controller.signal, cache: "no-store" });
    if (!response.ok) {
      let error = {};
      try {
        error = (await response.json()).error || {};
      } catch (_) {}
      throw new ApiError(response.status, error.code || "http_" + response.status, error.message || response.statusText);
    }
    setEventsState("live");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
        handleMessage(block);
      }
    }
  } catch (e) {
    if (controller.signal.aborted) return;
    if (e instanceof ApiError) {
      showError(e);
      if (e.status === 401) return;
    }
  }
  if (controller.signal.aborted || state.events !== controller) return;
  setEventsState("reconnecting");
  setTimeout(() => {
    if (state.events === controller && state.token) connectEvents();
  }, RECONNECT_MS);
}

/** One server-sent event block: `id:` and `data:` lines; comment lines (`:`) are heartbeats. */
function handleMessage(block) {
  let id = null;
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return;
  let event;
  try {
    event = JSON.parse(data.join("\n"));
  } catch (_) {
    return;
  }
  const previous = state.lastEventId == null ? null : Number(state.lastEventId);
  if (id != null) state.lastEventId = id;
  if (state.paused) return;
  showEvent(event, previous);
}

function showEvent(event, previous) {
  const fields = Object.entries(event.fields || {})
    .map(([k, v]) => k + "=" + (Array.isArray(v) ? v.join("|") : v))
    .join(" ");
  const li = el("li", { value: String(event.seq), "data-seq": String(event.seq), "data-name": event.name, title: event.timestamp },
    el("span", { class: "muted" }, time(event.timestamp) + " "),
    el("span", { class: "name" }, event.name),
    " " + fields,
  );
  if (previous != null && event.seq > previous + 1) li.dataset.gap = String(event.seq - previous - 1);
  const list = $("events");
  list.prepend(li);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
}

// ---- wiring -----------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", () => logout(""));
  $("error-close").addEventListener("click", clearError);
  $("mounts-refresh").addEventListener("click", refresh);
  $("events-pause").addEventListener("click", () => {
    state.paused = !state.paused;
    $("events-pause").textContent = state.paused ? "Resume" : "Pause";
  });
  $("events-clear").addEventListener("click", () => $("events").replaceChildren());
  if (state.token) start();
  else $("login").hidden = false;
});
