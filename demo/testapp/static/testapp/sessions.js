// The "Your sessions" card of the demo page: GET /sessions/ lists the user's sessions (the
// current one marked), DELETE /sessions/<sid>/ ends one. Needs DJWTO_SESSION_RECORDS = True.
//
// Self-contained: it reads the same config as demo.js and, in JSON mode, the access token that
// demo.js keeps in sessionStorage; in the cookie modes the browser sends the access cookie and
// every DELETE carries the csrftoken cookie back as X-CSRFToken.
"use strict";

(function () {
  const CONFIG = JSON.parse(document.getElementById("djwto-config").textContent);
  const COOKIE_MODE = CONFIG.mode !== "JSON";
  const STORAGE_KEY = "djwto-demo-tokens"; // demo.js's
  const $ = (id) => document.getElementById(id);

  function cookie(name) {
    for (const part of document.cookie ? document.cookie.split("; ") : []) {
      const eq = part.indexOf("=");
      if (part.slice(0, eq) === name) return part.slice(eq + 1);
    }
    return null;
  }

  function accessToken() {
    try {
      return (JSON.parse(sessionStorage.getItem(STORAGE_KEY)) || {}).access || null;
    } catch (err) {
      return null;
    }
  }

  async function call(method, path) {
    const headers = { Accept: "application/json" };
    if (COOKIE_MODE) {
      const csrf = cookie(CONFIG.csrfCookieName);
      if (csrf && method !== "GET") headers["X-CSRFToken"] = csrf;
    } else if (accessToken()) {
      headers.Authorization = "Bearer " + accessToken();
    }
    const response = await fetch(path, { method, headers, credentials: "same-origin" });
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    return { status: response.status, data };
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "never";
  }

  function render(sessions) {
    const list = $("sessions-list");
    list.innerHTML = "";
    for (const session of sessions) {
      const item = document.createElement("li");
      item.dataset.sid = session.sid;
      item.dataset.current = String(session.current);
      if (session.current) item.className = "current";
      const text = document.createElement("div");
      const agent = document.createElement("div");
      agent.className = "agent";
      agent.textContent = session.user_agent || "unknown device";
      const times = document.createElement("div");
      times.className = "times";
      times.textContent =
        "logged in " + when(session.created_at) + " · last rotated " + when(session.last_refresh_at);
      text.append(agent, times);
      item.append(text);
      if (session.current) {
        const mark = document.createElement("span");
        mark.className = "this-device";
        mark.textContent = "this browser";
        item.append(mark);
      }
      const revoke = document.createElement("button");
      revoke.className = "danger";
      revoke.dataset.revoke = session.sid;
      revoke.textContent = session.current ? "Log out here" : "Revoke";
      revoke.addEventListener("click", () => revokeSession(session.sid));
      item.append(revoke);
      list.append(item);
    }
  }

  function status(text) {
    $("sessions-status").textContent = text;
  }

  async function showSessions() {
    const result = await call("GET", "/sessions/");
    $("sessions-card").dataset.status = String(result.status);
    if (result.status !== 200) {
      render([]);
      status(result.status + " " + ((result.data && result.data.code) || "error"));
      return;
    }
    status(result.data.sessions.length ? "" : "No active session.");
    render(result.data.sessions);
    $("sessions-card").dataset.count = String(result.data.sessions.length);
  }

  async function revokeSession(sid) {
    const result = await call("DELETE", "/sessions/" + encodeURIComponent(sid) + "/");
    if (result.status !== 200) {
      status("revoke: " + result.status + " " + ((result.data && result.data.code) || "error"));
      return;
    }
    await showSessions();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("btn-sessions").addEventListener("click", showSessions);
  });
})();
