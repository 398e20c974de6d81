// Reports (#/reports): incidents in a period (by default the last 90 days, drills not counted) by brand
// and severity, the median times to detect, acknowledge, respond and resolve, the most frequent crisis
// types, and the incidents and mentions as CSV files for Excel.

import { api, download, query } from "./api.js";
import { fill, h } from "./dom.js";
import { addDays, berlinDayStart, berlinToday, formatMinutes, formatNumber, t } from "./i18n.js";
import { errorBox, loadingLine, localized, notice } from "./ui.js";

const DEFAULT_DAYS = 90;
const SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"];
const MEDIANS = ["detect", "acknowledge", "first_response", "resolve"];
// The period survives leaving the page and coming back (for this page load).
const period = { since: null, until: null, brand: null };

function card(id) {
  const title = h("h2", { id: `${id}-title`, class: "card__title" });
  const body = h("div");
  return { element: h("section", { class: "card", id, "aria-labelledby": `${id}-title` }, title, body), title, body };
}

/** The API's since/until for two calendar days in Berlin: from the first day's start to the end of the last. */
export function periodQuery(since, until) {
  return { since: berlinDayStart(since), until: berlinDayStart(addDays(until, 1)) };
}

function brandSeverityTable(summary) {
  const brands = summary.by_brand || [];
  const cells = new Map((summary.by_brand_severity || []).map((row) => [`${row.brand}|${row.severity}`, row.count]));
  const bySeverity = new Map((summary.by_severity || []).map((row) => [row.severity, row.count]));
  const count = (value) => formatNumber(value || 0);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table report-table" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col", text: t("reports.brand") }), SEVERITIES.map((s) => h("th", { scope: "col", class: "num", text: s })), h("th", { scope: "col", class: "num", text: t("reports.total") })),
      ),
      h(
        "tbody",
        {},
        brands.map((brand) =>
          h(
            "tr",
            { "data-brand": brand.brand },
            h("th", { scope: "row", "data-label": t("reports.brand"), text: brand.brand_name || brand.brand }),
            SEVERITIES.map((severity) => h("td", { class: "num", "data-label": severity, text: count(cells.get(`${brand.brand}|${severity}`)) })),
            h("td", { class: "num report-table__total", "data-label": t("reports.total"), text: count(brand.count) }),
          ),
        ),
      ),
      h(
        "tfoot",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "row", "data-label": t("reports.brand"), text: t("reports.allBrands") }),
          SEVERITIES.map((severity) => h("td", { class: "num", "data-label": severity, text: count(bySeverity.get(severity)) })),
          h("td", { class: "num report-table__total", "data-label": t("reports.total"), text: count(summary.incidents) }),
        ),
      ),
    ),
  );
}

function medians(summary) {
  const values = summary.median_minutes || {};
  return h(
    "dl",
    { class: "report-medians" },
    MEDIANS.map((name) => [
      h("dt", { text: t(`reports.median.${name}`) }),
      h("dd", { text: values[name] === null || values[name] === undefined ? t("none") : formatMinutes(values[name]) }),
    ]),
  );
}

function crisisTypes(summary) {
  const types = summary.top_crisis_types || [];
  if (!types.length) return h("p", { class: "empty", text: t("reports.noTypes") });
  return h(
    "ol",
    { class: "report-types" },
    types.map((type) =>
      h("li", {}, h("span", { text: localized({ de: type.title_de, en: type.title_en }) || type.playbook_id }), h("span", { class: "report-types__count", text: formatNumber(type.count) })),
    ),
  );
}

export function createReportsView(ctx) {
  let summary = null;
  let error = null;
  let brands = [];
  let inFlight = null;
  const heading = h("h1", { tabindex: "-1" });
  const intro = h("p", { class: "muted view-intro" });
  const form = h("form", { class: "filters", role: "search", novalidate: true });
  const formMessage = h("p", { class: "form-message form-message--error", role: "status", "aria-live": "polite" });
  const region = h("div", { class: "list-region" });
  const overview = card("report-overview");
  const table = card("report-brands");
  const types = card("report-types");
  const exports = card("report-exports");
  const exportMessage = h("div", { class: "section-message", role: "status", "aria-live": "polite" });
  const element = h("section", { class: "view-reports" }, h("div", { class: "view-head" }, heading), intro, form, formMessage, region, exports.element);

  function ensurePeriod() {
    if (period.since && period.until) return;
    period.until = berlinToday();
    period.since = addDays(period.until, -DEFAULT_DAYS);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const since = form.elements.namedItem("report-since").value;
    const until = form.elements.namedItem("report-until").value;
    if (!since || !until) {
      formMessage.textContent = t("reports.datesRequired");
      form.elements.namedItem(since ? "report-until" : "report-since").focus();
      return;
    }
    if (since > until) {
      formMessage.textContent = t("reports.datesOrder");
      form.elements.namedItem("report-since").focus();
      return;
    }
    formMessage.textContent = "";
    period.since = since;
    period.until = until;
    load();
  });

  function dateField(name, labelKey, value) {
    return h(
      "div",
      { class: "field field--inline" },
      h("label", { for: name, text: t(labelKey) }),
      h("input", { id: name, name, type: "date", value, required: true }),
    );
  }

  function renderForm() {
    fill(
      form,
      dateField("report-since", "reports.since", period.since),
      dateField("report-until", "reports.until", period.until),
      h("button", { type: "submit", class: "btn btn--secondary", text: t("filter.apply") }),
    );
  }

  function renderSummary() {
    if (error && !summary) return fill(region, errorBox(error));
    if (!summary) return fill(region, loadingLine());
    overview.title.textContent = t("reports.overview");
    fill(
      overview.body,
      h(
        "p",
        { class: "report-count" },
        h("strong", { class: "report-count__n", text: formatNumber(summary.incidents) }),
        " ",
        t(summary.incidents === 1 ? "reports.incidentOne" : "reports.incidents"),
      ),
      summary.truncated ? h("p", { class: "notice notice--warn", text: t("reports.truncated") }) : null,
      summary.drills_excluded
        ? h("p", { class: "muted small", text: t(summary.drills_excluded === 1 ? "reports.drillExcluded" : "reports.drillsExcluded", { count: formatNumber(summary.drills_excluded) }) })
        : null,
      h("h3", { class: "review-subtitle", text: t("reports.medians") }),
      medians(summary),
    );
    table.title.textContent = t("reports.byBrand");
    fill(table.body, summary.incidents ? brandSeverityTable(summary) : h("p", { class: "empty", text: t("reports.none") }));
    types.title.textContent = t("reports.types");
    fill(types.body, crisisTypes(summary));
    return fill(region, error ? errorBox(error) : null, h("div", { class: "report-grid" }, overview.element, table.element, types.element));
  }

  /** Save one file; a long mentions export comes in parts, each offered once the one before is saved. */
  async function save(path, fallbackName, button, { part = 1, next = null } = {}) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    fill(exportMessage);
    try {
      const file = await download(path, { fallbackName });
      const saved = notice("success", t("review.downloaded", { name: file.name }));
      if (!file.nextToken || !next) {
        fill(exportMessage, saved);
        return;
      }
      const more = h("button", { type: "button", class: "btn btn--secondary", id: "export-next", text: t("reports.nextPart", { part: part + 1 }) });
      more.addEventListener("click", () => next(file.nextToken, part + 1, more));
      fill(exportMessage, saved, h("p", { class: "notice notice--info" }, t("reports.moreParts"), " "), more);
    } catch (failure) {
      if (failure.status !== 401) fill(exportMessage, errorBox(failure));
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  function brandControl() {
    const known = brands.length ? brands : [];
    if (!period.brand && known.length) period.brand = known[0].brand;
    const control = known.length
      ? h("select", { id: "export-brand", name: "export-brand" }, known.map((b) => h("option", { value: b.brand, selected: b.brand === period.brand, text: b.brand_name || b.brand })))
      : h("input", { id: "export-brand", name: "export-brand", type: "text", value: period.brand || "", autocomplete: "off" });
    control.addEventListener("change", () => (period.brand = control.value.trim()));
    return h("div", { class: "field field--inline" }, h("label", { for: "export-brand", text: t("filter.brand") }), control);
  }

  function renderExports() {
    exports.title.textContent = t("reports.exports");
    const incidentsButton = h("button", { type: "button", class: "btn btn--secondary", id: "export-incidents", text: t("reports.incidentsCsv") });
    incidentsButton.addEventListener("click", () => save(`/reports/incidents.csv${query(periodQuery(period.since, period.until))}`, "incidents.csv", incidentsButton));
    const mentionsButton = h("button", { type: "button", class: "btn btn--secondary", id: "export-mentions", text: t("reports.mentionsCsv") });
    mentionsButton.addEventListener("click", () => {
      const brand = (exports.body.querySelector("#export-brand").value || "").trim();
      if (!brand) {
        fill(exportMessage, notice("warn", t("mentions.brandRequired")));
        return;
      }
      period.brand = brand;
      const range = periodQuery(period.since, period.until);
      const part = (token, number, button) =>
        save(`/reports/mentions.csv${query({ brand, ...range, next_token: token })}`, `mentions-${brand}-${number}.csv`, button, { part: number, next: part });
      save(`/reports/mentions.csv${query({ brand, ...range })}`, `mentions-${brand}.csv`, mentionsButton, { next: part });
    });
    fill(
      exports.body,
      h("p", { class: "card__explain", text: t("reports.exportsExplain") }),
      h("div", { class: "report-exports" }, h("div", { class: "report-exports__row" }, incidentsButton), h("div", { class: "report-exports__row" }, brandControl(), mentionsButton)),
      exportMessage,
    );
  }

  async function load() {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    summary = null;
    error = null;
    renderSummary();
    try {
      summary = await api(`/reports/summary${query(periodQuery(period.since, period.until))}`, { signal: controller.signal });
      const seen = new Map(brands.map((b) => [b.brand, b]));
      for (const brand of summary.by_brand || []) seen.set(brand.brand, brand);
      brands = [...seen.values()];
      ctx.clearError();
    } catch (failure) {
      if (failure.name === "AbortError") return;
      if (failure.status !== 401) error = failure;
    } finally {
      if (inFlight === controller) inFlight = null;
    }
    renderSummary();
    renderExports();
  }

  async function loadBrands() {
    // Brands with incidents at all (not only in the period), for the mentions export.
    try {
      const page = await api(`/incidents${query({ limit: 100 })}`);
      const seen = new Map(brands.map((b) => [b.brand, b]));
      for (const item of page.items || []) if (!seen.has(item.brand)) seen.set(item.brand, { brand: item.brand, brand_name: item.brand_name });
      brands = [...seen.values()];
      renderExports();
    } catch {
      // The export still works with a typed brand.
    }
  }

  return {
    element,
    heading,
    render() {
      ensurePeriod();
      heading.textContent = t("reports.title");
      intro.textContent = t("reports.intro");
      renderForm();
      renderSummary();
      renderExports();
    },
    start() {
      this.render();
      load();
      loadBrands();
    },
    destroy() {
      inFlight?.abort();
    },
  };
}
