// Krisenradar shell: sign-in, language, hash routing, the shared error banner and live region.
// An alert's link (#/i/<incident id>/<token>) opens that one incident without a key.

import { api, clearKey, clearLink, getKey, linkFor, setKey, setLink, setUnauthorizedHandler } from "./api.js";
import { fill, h } from "./dom.js";
import { createAlertsView, createMentionsView } from "./feeds.js";
import { formatDuration, language, secondsSince, setLanguage, t, translateStatic } from "./i18n.js";
import { createIncidentView } from "./incident.js";
import { createDrillsView } from "./drills.js";
import { createIncidentsView } from "./incidents.js";
import { clearMe, currentMe, loadMe } from "./me.js";
import { createReportsView } from "./reports.js";
import { createReviewView } from "./review.js";
import { createTeamView } from "./team.js";
import { errorBox, errorHeading } from "./ui.js";

const $ = (id) => document.getElementById(id);
const els = {
  nav: $("mainnav"),
  login: $("login"),
  loginTitle: $("login-title"),
  loginIntro: $("login-intro"),
  loginForm: $("login-form"),
  loginMessage: $("login-message"),
  keyInput: $("api-key"),
  view: $("view"),
  banner: $("error-banner"),
  announcer: $("announcer"),
  langToggle: $("lang-toggle"),
  logout: $("logout"),
  whoami: $("whoami"),
};

let current = null;
let lastError = null;
let waitingCount = 0;
let signedInBy = null; // "key", "link" or null

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
  /** Bring the sign-in form into view (a page opened with a link offers it for anything more). */
  offerSignIn() {
    els.login.hidden = false;
    els.login.scrollIntoView({ block: "start" });
    els.keyInput.focus({ preventScroll: true });
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

/** The signed-in person's name in the header (from GET /me; nothing when unknown or opened by a link). */
function renderWho() {
  const me = signedInBy === "key" ? currentMe() : null;
  els.whoami.hidden = !me;
  els.whoami.textContent = me ? t("app.signedInAs", { name: me.name }) : "";
  if (me) els.whoami.title = t(`role.${me.role}`);
  else els.whoami.removeAttribute("title");
}

function parseRoute() {
  const parts = window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "i" && parts[1] && parts[2]) return { name: "link", id: decodeURIComponent(parts[1]), token: parts[2] };
  if (parts[0] === "incidents" && parts[1] && parts[2] === "review") return { name: "incidents", id: decodeURIComponent(parts[1]), tab: "review" };
  if (parts[0] === "incidents" && parts[1]) return { name: "incidents", id: decodeURIComponent(parts[1]) };
  if (["incidents", "alerts", "mentions", "reports", "drills", "team"].includes(parts[0])) return { name: parts[0] };
  return null;
}

function createView(route, link) {
  if (route.name === "incidents" && route.id && route.tab === "review" && !link) return createReviewView(ctx, route.id);
  if (route.name === "incidents" && route.id) return createIncidentView(ctx, route.id, { link });
  if (route.name === "alerts") return createAlertsView(ctx);
  if (route.name === "mentions") return createMentionsView(ctx);
  if (route.name === "reports") return createReportsView(ctx);
  if (route.name === "drills") return createDrillsView(ctx);
  if (route.name === "team") return createTeamView(ctx);
  return createIncidentsView(ctx);
}

/**
 * An alert's link: keep its token for its incident in this tab, and take it out of the address bar
 * (it is a credential). Someone signed in with a key simply opens the incident.
 */
function openLink(target) {
  const incident = `#/incidents/${encodeURIComponent(target.id)}`;
  if (!getKey() && !setLink(target.id, target.token)) {
    clearLink();
    window.history.replaceState(null, "", "#/");
    showLogin("link.invalid");
    return;
  }
  window.location.replace(incident);
}

function route({ focus = true } = {}) {
  const target = parseRoute();
  if (target && target.name === "link") return openLink(target);
  // Without a key, only the incident of the link this tab was opened with.
  const link = !getKey() && target && target.name === "incidents" && target.id ? linkFor(target.id) : null;
  if (!getKey() && !link) return showLogin();
  if (!target) {
    window.location.replace("#/incidents");
    return undefined;
  }
  if (link) showLinkApp();
  else if (signedInBy !== "key") showApp();
  current?.destroy();
  ctx.clearError();
  for (const link of els.nav.querySelectorAll("a[data-route]")) {
    if (link.dataset.route === target.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  current = createView(target, link);
  fill(els.view, current.element);
  current.start();
  if (focus) current.heading.focus();
  return undefined;
}

function loginTexts() {
  const byLink = signedInBy === "link";
  els.loginIntro.textContent = t(byLink ? "login.introLink" : "login.intro");
  // Below an incident, the form is a section of that page (h2), not a page of its own (h1).
  const tag = byLink ? "H2" : "H1";
  if (els.loginTitle.tagName !== tag) {
    const heading = document.createElement(tag);
    for (const { name, value } of els.loginTitle.attributes) heading.setAttribute(name, value);
    heading.textContent = els.loginTitle.textContent;
    els.loginTitle.replaceWith(heading);
    els.loginTitle = heading;
  }
}

function showApp() {
  signedInBy = "key";
  loginTexts();
  els.login.hidden = true;
  els.view.hidden = false;
  els.nav.hidden = false;
  els.logout.hidden = false;
  renderWho();
}

/** Opened with an alert's link: the incident, and the sign-in form below it for anything more. */
function showLinkApp() {
  signedInBy = "link";
  loginTexts();
  els.loginMessage.textContent = "";
  els.loginMessage.classList.remove("form-message--error");
  els.login.hidden = false;
  els.login.classList.add("login--below");
  els.view.hidden = false;
  els.nav.hidden = true;
  els.logout.hidden = false;
  renderWho();
}

function showLogin(messageKey = null) {
  current?.destroy();
  current = null;
  signedInBy = null;
  loginTexts();
  els.login.classList.remove("login--below");
  fill(els.view);
  ctx.clearError();
  ctx.setBadgeCount(0);
  els.view.hidden = true;
  els.nav.hidden = true;
  els.logout.hidden = true;
  renderWho();
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
  clearLink(); // the key does everything the link did, and more
  clearMe();
  await loadMe(key); // once per sign-in: who this is decides which controls are shown
  els.keyInput.value = "";
  els.loginMessage.textContent = "";
  showApp();
  if (!parseRoute()) window.location.hash = "#/incidents";
  else route();
}

function signOut() {
  clearKey();
  clearMe();
  clearLink();
  showLogin();
}

function applyLanguage(lang) {
  setLanguage(lang);
  translateStatic();
  loginTexts();
  els.langToggle.setAttribute("lang", language() === "de" ? "en" : "de");
  ctx.setBadgeCount(waitingCount);
  renderBanner();
  renderWho();
  current?.render();
}

function init() {
  applyLanguage(language());
  setUnauthorizedHandler((error, { link }) => {
    if (link) {
      clearLink(); // expired, someone else's or altered: the key is the way in now
      showLogin("link.invalid");
      return;
    }
    clearKey();
    clearMe();
    showLogin("login.expired");
  });
  els.loginForm.addEventListener("submit", signIn);
  els.logout.addEventListener("click", signOut);
  els.langToggle.addEventListener("click", () => applyLanguage(language() === "de" ? "en" : "de"));
  window.addEventListener("hashchange", () => route());
  window.setInterval(tick, 1000);
  route({ focus: false });
  // Signed in before this page was loaded, and not asked yet in this tab: ask now, then redraw.
  if (getKey() && !currentMe()) {
    loadMe().then((me) => {
      if (!me) return;
      renderWho();
      current?.render();
    });
  }
}

init();
