// The djwto demo page: plain JavaScript, no build step.
//
// Where the tokens live depends on DJWTO_MODE, which the server renders into the page:
//   JSON         the login answers {"refresh", "access"}; this page keeps them in
//                sessionStorage and sends "Authorization: Bearer ..." headers.
//   ONE-COOKIE   HttpOnly cookies jwt_access / jwt_refresh: JavaScript cannot read them, so the
//                claims come from the protected view /testapp/claims/.
//   TWO-COOKIES  the signature part stays in HttpOnly cookies; the claims are in the readable
//                cookie jwt_access_payload (standard base64 of their JSON).
// In the cookie modes every POST/DELETE sends the csrftoken cookie back as X-CSRFToken.
"use strict";

(function () {
  const CONFIG = JSON.parse(document.getElementById("djwto-config").textContent);
  const MODE = CONFIG.mode;
  const COOKIE_MODE = MODE !== "JSON";
  const P = CONFIG.refreshPath; // e.g. "/api/token/refresh"
  const STORAGE_KEY = "djwto-demo-tokens";

  const ACTIONS = {
    protect: { method: "GET", path: "/testapp/protect/", token: "access" },
    async_protect: { method: "GET", path: "/testapp/async_protect/", token: "access" },
    perms_protect: { method: "GET", path: "/testapp/perms_protect/", token: "access" },
    validate_access: { method: "POST", path: "/validate_access/", token: "access" },
    validate_refresh: { method: "POST", path: P + "/validate_refresh/", token: "refresh" },
    refresh_access: { method: "POST", path: P + "/refresh_access/", token: "refresh", after: "tokens" },
    update_refresh: { method: "POST", path: P + "/update_refresh/", token: "refresh", after: "tokens" },
    logout: { method: "POST", path: P + "/logout/", token: "refresh", after: "logout" },
    logout_all: { method: "POST", path: P + "/logout_all/", token: "refresh", after: "logout" },
    delete_tokens: { method: "DELETE", path: P + "/logout/", token: "refresh", after: "logout" },
    drf_get: { method: "GET", path: "/api/drf/me/", token: "access" },
    drf_post: { method: "POST", path: "/api/drf/me/", token: "access" },
    ninja_get: { method: "GET", path: "/api/ninja/me", token: "access" },
  };

  const $ = (id) => document.getElementById(id);
  let claims = null;
  let seq = 0;

  // --- tokens and cookies ---------------------------------------------------------------------

  function getCookie(name) {
    for (const part of document.cookie ? document.cookie.split("; ") : []) {
      const eq = part.indexOf("=");
      if (part.slice(0, eq) === name) return part.slice(eq + 1);
    }
    return null;
  }

  function utf8(binary) {
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  }

  // base64url (a JWT part) or standard base64 (the payload cookie) -> object
  function decodeBase64Json(text) {
    let b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    return JSON.parse(utf8(atob(b64)));
  }

  function decodeJwtPayload(jwt) {
    return decodeBase64Json(jwt.split(".")[1]);
  }

  function payloadCookieClaims() {
    let value = getCookie("jwt_access_payload");
    if (!value) return null;
    // Django quotes cookie values holding "=" or "/" in double quotes: strip them.
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.includes("%")) value = decodeURIComponent(value);
    try {
      return decodeBase64Json(value);
    } catch (err) {
      console.warn("jwt_access_payload is not base64 JSON", err);
      return null;
    }
  }

  function loadTokens() {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE_KEY)) || {};
    } catch (err) {
      return {};
    }
  }

  function saveTokens(tokens) {
    if (tokens) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
    else sessionStorage.removeItem(STORAGE_KEY);
  }

  // --- HTTP -----------------------------------------------------------------------------------

  async function call(method, path, { token = null, body = undefined, log = true, label = null } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (COOKIE_MODE) {
      const csrf = getCookie(CONFIG.csrfCookieName);
      if (csrf && method !== "GET") headers["X-CSRFToken"] = csrf;
    } else if (token) {
      const value = loadTokens()[token];
      if (value) headers.Authorization = "Bearer " + value;
    }
    let status = 0;
    let data = null;
    try {
      const response = await fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      status = response.status;
      const text = await response.text();
      try {
        data = text ? JSON.parse(text) : null;
      } catch (err) {
        data = { non_json_body: text.slice(0, 500) };
      }
    } catch (err) {
      data = { network_error: String(err) };
    }
    if (log) addLogEntry(label || path, method, path, status, data);
    return { status, data };
  }

  // --- claims and countdown -------------------------------------------------------------------

  async function refreshClaims(response) {
    if (MODE === "JSON") {
      const access = loadTokens().access;
      claims = access ? decodeJwtPayload(access) : null;
      $("claims-source").textContent = "decoded in the browser from the access token held in sessionStorage";
    } else if (MODE === "TWO-COOKIES") {
      claims = payloadCookieClaims();
      $("claims-source").textContent = "read from the jwt_access_payload cookie (the token itself is HttpOnly)";
    } else {
      const result = response || (await call("GET", "/testapp/claims/", { token: "access", log: false }));
      claims = result.status === 200 && result.data ? result.data.claims : null;
      $("claims-source").textContent = "the access cookie is HttpOnly, so these come from GET /testapp/claims/";
    }
    renderSession();
  }

  function renderSession() {
    const status = $("session-status");
    if (claims) {
      const user = claims.user || {};
      status.innerHTML = "";
      status.append("Logged in as ");
      const strong = document.createElement("strong");
      strong.id = "session-user";
      strong.textContent = user.username || claims.sub;
      status.append(strong);
      if (user.email) status.append(" (" + user.email + ")");
      status.className = "status-line ok";
      $("claims").textContent = JSON.stringify(claims, null, 2);
      document.body.classList.add("logged-in");
    } else {
      status.textContent = "Not logged in.";
      status.className = "status-line";
      $("claims").textContent = "{}";
      $("claims-source").textContent = "";
      document.body.classList.remove("logged-in");
    }
    renderStorage();
    tick();
  }

  // What JavaScript can see of the credentials: the point of HttpOnly cookies is what is missing.
  function renderStorage() {
    const list = $("storage");
    list.innerHTML = "";
    const add = (html) => {
      const li = document.createElement("li");
      li.innerHTML = html;
      list.append(li);
    };
    if (MODE === "JSON") {
      const tokens = loadTokens();
      const names = Object.keys(tokens).filter((k) => tokens[k]);
      add("sessionStorage: " + (names.length ? names.map((n) => `<code>${n}</code>`).join(", ") + " token" : "no tokens"));
      add("sent as <code>Authorization: Bearer &hellip;</code>");
    } else {
      const names = document.cookie ? document.cookie.split("; ").map((c) => c.split("=")[0]) : [];
      add("cookies: " + (names.length ? names.map((n) => `<code>${n}</code>`).join(", ") : "none"));
      const hidden = MODE === "ONE-COOKIE" ? "jwt_access, jwt_refresh" : "jwt_access_token, jwt_refresh";
      add(`HttpOnly, so never visible here: <code>${hidden.replace(", ", "</code>, <code>")}</code>`);
    }
  }

  function tick() {
    const box = $("countdown");
    const bar = $("countdown-bar");
    if (!claims || !claims.exp) {
      box.textContent = "–";
      box.className = "countdown";
      bar.style.width = "0%";
      return;
    }
    // The server rejects a token from the second exp on: say "expired" at that same moment.
    const exact = claims.exp - Date.now() / 1000;
    const left = Math.ceil(exact);
    const total = claims.iat ? claims.exp - claims.iat : CONFIG.accessLifetime;
    if (exact <= 0) {
      box.textContent = "expired · use Refresh access";
      box.className = "countdown expired";
      bar.style.width = "0%";
      return;
    }
    const m = Math.floor(left / 60);
    const s = String(left % 60).padStart(2, "0");
    box.textContent = `${m}:${s}`;
    box.className = "countdown" + (left < 30 ? " soon" : "");
    bar.style.width = Math.max(0, Math.min(100, (100 * left) / total)) + "%";
  }

  // --- the call log ---------------------------------------------------------------------------

  // Raw JWTs are long and say little to a reader: the log shows their ends only.
  function shortenTokens(key, value) {
    if (typeof value === "string" && value.length > 60 && value.split(".").length === 3) {
      return `${value.slice(0, 20)}…${value.slice(-10)} (${value.length} chars)`;
    }
    return value;
  }

  function addLogEntry(label, method, path, status, data) {
    seq += 1;
    const entry = document.createElement("div");
    entry.className = "entry " + (status >= 200 && status < 300 ? "ok" : "fail");
    entry.dataset.seq = String(seq);
    entry.dataset.action = label;
    entry.dataset.status = String(status);
    const head = document.createElement("div");
    head.className = "entry-head";
    const pill = document.createElement("span");
    pill.className = "pill";
    pill.textContent = status || "ERR";
    const what = document.createElement("code");
    what.textContent = method + " " + path;
    const time = document.createElement("span");
    time.className = "muted small";
    time.textContent = new Date().toLocaleTimeString();
    head.append(pill, what, time);
    const pre = document.createElement("pre");
    pre.className = "json body";
    pre.textContent = JSON.stringify(data, shortenTokens, 2);
    entry.append(head, pre);
    $("log").prepend(entry);
  }

  // --- actions --------------------------------------------------------------------------------

  async function login(event) {
    event.preventDefault();
    const body = { username: $("username").value, password: $("password").value };
    const result = await call("POST", "/login/", { body, label: "login" });
    if (result.status !== 200) return;
    if (MODE === "JSON") saveTokens({ access: result.data.access, refresh: result.data.refresh });
    await refreshClaims();
  }

  async function runAction(name) {
    const action = ACTIONS[name];
    let body;
    if (MODE === "JSON" && action.token === "refresh" && action.method === "POST") {
      // Also accepted: the refresh token in "Authorization: Bearer"; the body shows the other way.
      body = { refresh: loadTokens().refresh || "" };
    }
    const token = body ? null : action.token;
    const result = await call(action.method, action.path, { token, body, label: name });
    if (result.status !== 200) return;
    if (action.after === "tokens") {
      if (MODE === "JSON") {
        const tokens = loadTokens();
        saveTokens({ access: result.data.access || tokens.access, refresh: result.data.refresh || tokens.refresh });
      }
      await refreshClaims();
    } else if (action.after === "logout") {
      saveTokens(null);
      claims = null;
      renderSession();
    }
  }

  // --- websocket --------------------------------------------------------------------------------

  // JSON mode: the token travels as a subprotocol, ["bearer", token], never in the URL.
  // Cookie modes: the browser sends the access cookie with the handshake.
  let socket = null;

  function wsConnect() {
    if (socket) socket.close();
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/echo/";
    const access = loadTokens().access;
    socket = MODE === "JSON" && access ? new WebSocket(url, ["bearer", access]) : new WebSocket(url);
    $("ws-state").textContent = "connecting";
    socket.onopen = () => ($("ws-state").textContent = "open");
    socket.onmessage = (event) => addLogEntry("ws", "WS", "/ws/echo/", 200, JSON.parse(event.data));
    socket.onclose = (event) => {
      $("ws-state").textContent = "closed (" + event.code + ")";
      if (event.code !== 1000) addLogEntry("ws", "WS", "/ws/echo/", event.code, { closed: event.code });
      socket = null;
    };
  }

  function wsSend(event) {
    event.preventDefault();
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ message: $("ws-message").value }));
  }

  // --- wiring ---------------------------------------------------------------------------------

  const EXPLAIN = {
    JSON: "JSON mode: tokens come back in the response body; this page keeps them in sessionStorage and sends Authorization: Bearer headers.",
    "ONE-COOKIE": "ONE-COOKIE mode: the tokens are HttpOnly cookies; unsafe requests carry X-CSRFToken from the csrftoken cookie.",
    "TWO-COOKIES": "TWO-COOKIES mode: the tokens are HttpOnly cookies and the access claims also sit in the readable jwt_access_payload cookie; unsafe requests carry X-CSRFToken.",
  };

  document.addEventListener("DOMContentLoaded", async () => {
    $("mode-explainer").textContent = EXPLAIN[MODE] || "";
    $("login-form").addEventListener("submit", login);
    for (const link of document.querySelectorAll("[data-user]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        $("username").value = link.dataset.user;
        $("password").value = "pass";
      });
    }
    for (const button of document.querySelectorAll("button[data-action]")) {
      button.addEventListener("click", () => runAction(button.dataset.action));
    }
    $("btn-ws-connect").addEventListener("click", wsConnect);
    $("ws-form").addEventListener("submit", wsSend);
    renderStorage();
    $("btn-clear-log").addEventListener("click", () => ($("log").innerHTML = ""));
    setInterval(tick, 500);
    // Pick up a session that is still there after a reload.
    if (MODE === "JSON" ? loadTokens().access : MODE === "TWO-COOKIES" ? getCookie("jwt_access_payload") : true) {
      await refreshClaims();
    }
    document.body.dataset.ready = "1";
  });
})();
