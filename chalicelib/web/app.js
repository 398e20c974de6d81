// Krisenradar shell: sign-in, language, hash routing, the shared error banner and live region.

import { api, clearKey, getKey, setKey, setUnauthorizedHandler } from "./api.js";
import { fill, h } from "./dom.js";
import { createAlertsView, createMentionsView } from "./feeds.js";
import { formatDuration, language, secondsSince, setLanguage, t, translateStatic } from "./i18n.js";
import { createIncidentView } from "./incident.js";
import { createIncidentsView } from "./incidents.js";
import { createTeamView } from "./team.js";
import { errorBox, errorHeading } from "./ui.js";

const $ = (id) => document.getElementById(id);
const els = {
  nav: $("mainnav"),
  login: $("login"),
  loginForm: $("login-form"),
  loginMessage: $("login-message"),
  keyInput: $("api-key"),
  view: $("view"),
  banner: $("error-banner"),
  announcer: $("announcer"),
  langToggle: $("lang-toggle"),
  logout: $("logout"),
};

let current = null;
let lastError = null;
let waitingCount = 0;

const ctx = {
  showError(error) {
    if (!error || error.name === "AbortError" || error.status === 401) return;
    lastError = error;
    renderBanner();
  },
  clearError() {
    lastError = null;
    renderBanner();
  },
  announce(text) {
    // Clearing first makes screen readers announce a repeated message again.
    els.announcer.textContent = "";
    window.setTimeout(() => {
      els.announcer.textContent = text;
    }, 50);
  },
  setBadgeCount(count) {
    waitingCount = count;
    document.title = count ? `(${count}) ${t("app.title")}` : t("app.title");
  },
  tick,
};

function renderBanner() {
  if (!lastError) {
    els.banner.hidden = true;
    fill(els.banner);
    return;
  }
  const dismiss = h("button", { type: "button", class: "btn btn--ghost banner__close", text: "×", "aria-label": t("error.dismiss") });
  dismiss.addEventListener("click", () => ctx.clearError());
  fill(els.banner, errorBox(lastError), dismiss);
  els.banner.hidden = false;
}

/** Update every running timer on the page (incidents waiting for acknowledgement, overdue checklist items). */
function tick() {
  for (const el of els.view.querySelectorAll("[data-since]")) {
    const template = el.dataset.template || "incidents.openUnacked";
    el.textContent = t(template, { duration: formatDuration(secondsSince(el.dataset.since)) });
  }
  for (const el of els.view.querySelectorAll("[data-duration]")) {
    el.textContent = t(el.dataset.template, { duration: formatDuration(Number(el.dataset.duration)) });
  }
}

function parseRoute() {
  const parts = window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "incidents" && parts[1]) return { name: "incidents", id: decodeURIComponent(parts[1]) };
  if (["incidents", "alerts", "mentions", "team"].includes(parts[0])) return { name: parts[0] };
  return null;
}

function createView(route) {
  if (route.name === "incidents" && route.id) return createIncidentView(ctx, route.id);
  if (route.name === "alerts") return createAlertsView(ctx);
  if (route.name === "mentions") return createMentionsView(ctx);
  if (route.name === "team") return createTeamView(ctx);
  return createIncidentsView(ctx);
}

function route({ focus = true } = {}) {
  if (!getKey()) return showLogin();
  const target = parseRoute();
  if (!target) {
    window.location.replace("#/incidents");
    return undefined;
  }
  current?.destroy();
  ctx.clearError();
  for (const link of els.nav.querySelectorAll("a[data-route]")) {
    if (link.dataset.route === target.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  current = createView(target);
  fill(els.view, current.element);
  current.start();
  if (focus) current.heading.focus();
  return undefined;
}

function showApp() {
  els.login.hidden = true;
  els.view.hidden = false;
  els.nav.hidden = false;
  els.logout.hidden = false;
}

function showLogin(messageKey = null) {
  current?.destroy();
  current = null;
  fill(els.view);
  ctx.clearError();
  ctx.setBadgeCount(0);
  els.view.hidden = true;
  els.nav.hidden = true;
  els.logout.hidden = true;
  els.login.hidden = false;
  els.loginMessage.textContent = messageKey ? t(messageKey) : "";
  els.loginMessage.classList.toggle("form-message--error", Boolean(messageKey));
  els.keyInput.value = "";
  els.keyInput.focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = els.keyInput.value.trim();
  els.loginMessage.classList.add("form-message--error");
  if (!key) {
    els.loginMessage.textContent = t("login.empty");
    els.keyInput.focus();
    return;
  }
  els.loginMessage.classList.remove("form-message--error");
  els.loginMessage.textContent = t("login.checking");
  try {
    await api("/incidents?limit=1", { key, reportUnauthorized: false });
  } catch (error) {
    els.loginMessage.classList.add("form-message--error");
    const reason = error.status === 401 ? t("login.invalid") : errorHeading(error);
    els.loginMessage.textContent = error.message && error.code !== "network" ? `${reason} (${error.message})` : reason;
    els.keyInput.select();
    return;
  }
  setKey(key);
  els.keyInput.value = "";
  els.loginMessage.textContent = "";
  showApp();
  if (!parseRoute()) window.location.hash = "#/incidents";
  else route();
}

function signOut() {
  clearKey();
  showLogin();
}

function applyLanguage(lang) {
  setLanguage(lang);
  translateStatic();
  els.langToggle.setAttribute("lang", language() === "de" ? "en" : "de");
  ctx.setBadgeCount(waitingCount);
  renderBanner();
  current?.render();
}

function init() {
  applyLanguage(language());
  setUnauthorizedHandler(() => {
    clearKey();
    showLogin("login.expired");
  });
  els.loginForm.addEventListener("submit", signIn);
  els.logout.addEventListener("click", signOut);
  els.langToggle.addEventListener("click", () => applyLanguage(language() === "de" ? "en" : "de"));
  window.addEventListener("hashchange", () => route());
  window.setInterval(tick, 1000);
  if (getKey()) {
    showApp();
    route({ focus: false });
  } else {
    showLogin();
  }
}

init();
