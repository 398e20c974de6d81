// The alerts outbox and the mentions feed.

import { api, query } from "./api.js";
import { fill, h } from "./dom.js";
import { formatTime, t } from "./i18n.js";
import { REFRESH_MS } from "./incidents.js";
import { alertsTable, emptyLine, loadingLine, mentionCard, moreButton } from "./ui.js";

const PERIODS = [1, 6, 24, 72, 168];
const mentionFilters = { brand: "mueller", hours: 24 };

/** A paged list: first page, "Mehr laden" with next_token, and an optional refresh of what is shown. */
function pagedList(ctx, { path, params, limit, renderItems, emptyKey }) {
  let items = [];
  let nextToken = null;
  let loaded = false;
  let inFlight = null;
  const region = h("div", { class: "list-region" });

  function render() {
    if (!loaded) return fill(region, loadingLine());
    return fill(region, items.length ? renderItems(items) : emptyLine(emptyKey), moreButton(nextToken, (token) => load(token)));
  }

  async function load(token = null, size = limit) {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    try {
      const page = await api(`${path}${query({ ...params(), limit: size, next_token: token })}`, { signal: controller.signal });
      items = token ? [...items, ...page.items] : page.items;
      nextToken = page.next_token || null;
      loaded = true;
      ctx.clearError();
      render();
      return true;
    } catch (error) {
      ctx.showError(error);
      return false;
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  }

  return {
    region,
    render,
    get busy() {
      return inFlight !== null;
    },
    reload() {
      items = [];
      nextToken = null;
      loaded = false;
      render();
      return load();
    },
    refresh() {
      return load(null, Math.min(100, Math.max(limit, items.length)));
    },
    abort() {
      inFlight?.abort();
    },
  };
}

export function createAlertsView(ctx) {
  const heading = h("h1", { tabindex: "-1" });
  const refreshInfo = h("p", { class: "refresh-info muted" });
  let timer = null;
  const list = pagedList(ctx, {
    path: "/alerts",
    params: () => ({}),
    limit: 50,
    renderItems: (items) => alertsTable(items),
    emptyKey: "alerts.empty",
  });
  const element = h("section", { class: "view-alerts" }, h("div", { class: "view-head" }, heading, refreshInfo), list.region);

  async function refresh(first) {
    const ok = await (first ? list.reload() : list.refresh());
    if (ok) fill(refreshInfo, h("span", { text: t("refresh.updated", { time: formatTime(new Date()) }) }), h("span", { text: t("refresh.auto") }));
  }

  return {
    element,
    heading,
    render() {
      heading.textContent = t("alerts.title");
      list.render();
    },
    start() {
      this.render();
      refresh(true);
      timer = window.setInterval(() => {
        if (!list.busy) refresh(false);
      }, REFRESH_MS);
    },
    destroy() {
      window.clearInterval(timer);
      list.abort();
    },
  };
}

export function createMentionsView(ctx) {
  const heading = h("h1", { tabindex: "-1" });
  const form = h("form", { class: "filters", role: "search", novalidate: true });
  const formMessage = h("p", { class: "form-message", role: "status", "aria-live": "polite" });
  let window_ = null;
  const list = pagedList(ctx, {
    path: "/mentions",
    params: () => ({ brand: mentionFilters.brand, since: window_.since, until: window_.until }),
    limit: 50,
    renderItems: (items) => h("div", { class: "mention-list" }, items.map(mentionCard)),
    emptyKey: "mentions.empty",
  });
  const element = h("section", { class: "view-mentions" }, h("div", { class: "view-head" }, heading), form, formMessage, list.region);

  function computeWindow() {
    const until = new Date();
    const since = new Date(until.getTime() - mentionFilters.hours * 3600 * 1000);
    window_ = { since: since.toISOString(), until: until.toISOString() };
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const brand = form.elements.namedItem("mentions-brand").value.trim();
    if (!brand) {
      formMessage.textContent = t("mentions.brandRequired");
      form.elements.namedItem("mentions-brand").focus();
      return;
    }
    formMessage.textContent = "";
    mentionFilters.brand = brand;
    mentionFilters.hours = Number(form.elements.namedItem("mentions-period").value) || 24;
    computeWindow();
    list.reload();
  });

  function renderForm() {
    fill(
      form,
      h(
        "div",
        { class: "field field--inline" },
        h("label", { for: "mentions-brand", text: t("filter.brand") }),
        h("input", { id: "mentions-brand", name: "mentions-brand", type: "search", required: true, value: mentionFilters.brand, autocomplete: "off" }),
      ),
      h(
        "div",
        { class: "field field--inline" },
        h("label", { for: "mentions-period", text: t("filter.period") }),
        h(
          "select",
          { id: "mentions-period", name: "mentions-period" },
          PERIODS.map((hours) => h("option", { value: hours, selected: hours === mentionFilters.hours, text: t(`period.${hours}h`) })),
        ),
      ),
      h("button", { type: "submit", class: "btn btn--secondary", text: t("filter.apply") }),
    );
  }

  return {
    element,
    heading,
    render() {
      heading.textContent = t("mentions.title");
      renderForm();
      list.render();
    },
    start() {
      this.render();
      computeWindow();
      list.reload();
    },
    destroy() {
      list.abort();
    },
  };
}
