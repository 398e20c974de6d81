// The incidents list: filters, "Mehr laden", auto-refresh every 10 s and the running reaction timer.

import { api, query } from "./api.js";
import { fill, h } from "./dom.js";
import { formatDateTime, formatTime, t } from "./i18n.js";
import { STATUSES, isActive } from "./lifecycle.js";
import { brandName, drillBadge, emptyLine, loadingLine, moreButton, reasonsBlock, severityBadge, statusChip } from "./ui.js";

export const REFRESH_MS = 10_000;
const PAGE_SIZE = 25;
const MAX_LIMIT = 100;

// Filters survive navigation to a detail and back (for this page load).
const filters = { status: "", severity: "", brand: "" };

/** The line under an incident that says how long it has waited, or how fast the team reacted. */
export function reactionLine(incident) {
  if (incident.status === "open" && !incident.acknowledged_at) {
    return h("p", { class: "timer timer--urgent", "data-since": incident.opened_at || incident.detected_at });
  }
  const timers = incident.timers || {};
  const closed = incident.status === "resolved" || incident.status === "reviewed";
  if (closed && timers.time_to_resolve_s != null) {
    return h("p", { class: "timer", "data-duration": timers.time_to_resolve_s, "data-template": "incidents.resolvedAfter" });
  }
  if (timers.time_to_acknowledge_s != null) {
    return h("p", { class: "timer", "data-duration": timers.time_to_acknowledge_s, "data-template": "incidents.ackedAfter" });
  }
  return null;
}

function select(id, labelKey, options, value, onChange) {
  const control = h(
    "select",
    { id, name: id },
    options.map(([optionValue, label]) => h("option", { value: optionValue, selected: optionValue === value, text: label })),
  );
  control.addEventListener("change", () => onChange(control.value));
  return h("div", { class: "field field--inline" }, h("label", { for: id, text: t(labelKey) }), control);
}

function incidentItem(incident) {
  const href = `#/incidents/${encodeURIComponent(incident.incident_id)}`;
  const severity = (incident.severity || "").toLowerCase();
  const stamp = drillBadge(incident); // an exercise: "ÜBUNG" before the title
  return h(
    "li",
    {
      class: `incident incident--${severity} incident--${incident.status}${isActive(incident.status) ? "" : " incident--closed"}${incident.drill_id ? " incident--drill" : ""}`,
      "data-incident-id": incident.incident_id,
    },
    h("div", { class: "incident__sev" }, severityBadge(incident.severity)),
    h(
      "div",
      { class: "incident__main" },
      h("h2", { class: "incident__title" }, stamp, stamp ? " " : null, h("a", { href, text: incident.title || incident.incident_id })),
      h(
        "p",
        { class: "incident__meta muted" },
        h("span", { class: "incident__brand", text: brandName(incident) }),
        incident.topic ? h("span", { text: incident.topic }) : null,
        h("span", {}, `${t("incidents.opened")} `, h("time", { datetime: incident.opened_at, text: formatDateTime(incident.opened_at) })),
      ),
      reasonsBlock(incident),
    ),
    h("div", { class: "incident__state" }, statusChip(incident.status), reactionLine(incident)),
  );
}

export function createIncidentsView(ctx) {
  let items = [];
  let nextToken = null;
  let loadedAt = null;
  let loaded = false;
  let knownIds = null;
  let inFlight = null;
  let timer = null;

  const heading = h("h1", { tabindex: "-1" });
  const refreshInfo = h("p", { class: "refresh-info muted" });
  const filterBar = h("form", { class: "filters", role: "search" });
  const region = h("div", { class: "list-region" });
  const element = h(
    "section",
    { class: "view-incidents" },
    h("div", { class: "view-head" }, heading, refreshInfo),
    filterBar,
    region,
  );

  filterBar.addEventListener("submit", (event) => {
    event.preventDefault();
    filters.brand = filterBar.elements.namedItem("filter-brand").value.trim();
    reload();
  });

  function renderFilters() {
    const brand = h("input", { id: "filter-brand", name: "filter-brand", type: "search", value: filters.brand, autocomplete: "off" });
    fill(
      filterBar,
      select(
        "filter-status",
        "filter.status",
        [["", t("filter.all")], ...STATUSES.map((s) => [s, t(`status.${s}`)])],
        filters.status,
        (value) => {
          filters.status = value;
          reload();
        },
      ),
      select(
        "filter-severity",
        "filter.severity",
        [["", t("filter.all")], ...["SEV1", "SEV2", "SEV3", "SEV4"].map((s) => [s, s])],
        filters.severity,
        (value) => {
          filters.severity = value;
          reload();
        },
      ),
      h("div", { class: "field field--inline" }, h("label", { for: "filter-brand", text: t("filter.brand") }), brand),
      h("button", { type: "submit", class: "btn btn--secondary", text: t("filter.apply") }),
    );
  }

  function renderList() {
    const focusedHref = region.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    if (!loaded) {
      fill(region, loadingLine());
      return;
    }
    fill(
      region,
      items.length
        ? h("ol", { class: "incident-list", "aria-label": t("incidents.title") }, items.map(incidentItem))
        : emptyLine("incidents.empty"),
      moreButton(nextToken, loadMore),
    );
    if (focusedHref) region.querySelector(`a[href="${CSS.escape(focusedHref)}"]`)?.focus();
    ctx.tick();
  }

  function renderRefreshInfo() {
    fill(
      refreshInfo,
      loadedAt ? h("span", { text: t("refresh.updated", { time: formatTime(loadedAt) }) }) : null,
      h("span", { text: t("refresh.auto") }),
    );
  }

  function render() {
    heading.textContent = t("incidents.title");
    renderFilters();
    renderRefreshInfo();
    renderList();
  }

  function announceChanges(fresh) {
    const waiting = fresh.filter((incident) => incident.status === "open" && !incident.acknowledged_at);
    ctx.setBadgeCount(waiting.length);
    const ids = new Set(fresh.map((incident) => incident.incident_id));
    if (knownIds) {
      const added = fresh.filter((incident) => !knownIds.has(incident.incident_id));
      if (added.length) ctx.announce(added.map((incident) => t("refresh.new", { title: incident.title })).join(" "));
    } else {
      ctx.announce(t("refresh.announce", { open: waiting.length, total: fresh.length }));
    }
    knownIds = ids;
  }

  async function fetchPage(limit, token) {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    const params = { status: filters.status, severity: filters.severity, brand: filters.brand, limit, next_token: token };
    try {
      return await api(`/incidents${query(params)}`, { signal: controller.signal });
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  }

  async function load({ token = null, refresh = false } = {}) {
    const limit = refresh ? Math.min(MAX_LIMIT, Math.max(PAGE_SIZE, items.length)) : PAGE_SIZE;
    try {
      const page = await fetchPage(limit, token);
      const fresh = token ? [...items, ...page.items] : page.items;
      announceChanges(fresh);
      items = fresh;
      nextToken = page.next_token || null;
      loadedAt = new Date();
      loaded = true;
      ctx.clearError();
      renderRefreshInfo();
      renderList();
    } catch (error) {
      ctx.showError(error);
    }
  }

  function reload() {
    items = [];
    nextToken = null;
    loaded = false;
    knownIds = null;
    renderList();
    return load();
  }

  function loadMore(token) {
    return load({ token });
  }

  return {
    element,
    heading,
    render,
    start() {
      render();
      reload();
      timer = window.setInterval(() => {
        if (!inFlight && loaded) load({ refresh: true });
      }, REFRESH_MS);
    },
    destroy() {
      window.clearInterval(timer);
      inFlight?.abort();
      ctx.setBadgeCount(0);
    },
  };
}
