// The situational picture of one incident ("Lagebild"): the chart of mentions, expected volume and
// negative share with the incident's moments and statements, a plain sentence above it and a table
// behind it; the effect of each published statement; and who is talking about what (authors, media,
// risk terms, hashtags, languages). Each card loads its own data and keeps the last good answer.

import { fill, h } from "./dom.js";
import { createChart } from "./chart.js";
import { statementCard } from "./feedback.js";
import { formatClock, formatDateTime, formatDayMonth, formatNumber, formatPercent, language, t } from "./i18n.js";
import { MIN_VOLUME_FOR_SHARE, chartLines, summarySentence, tableRows } from "./series.js";
import { errorBox, loadingLine } from "./ui.js";

const REFRESH_MS = 60_000;
const RESOLUTIONS = ["5m", "1h"];

function card(id, extraClass = "") {
  const title = h("h2", { id: `${id}-title`, class: "card__title" });
  const body = h("div");
  const element = h("section", { class: `card ${extraClass}`.trim(), id, "aria-labelledby": `${id}-title` }, title, body);
  return { element, title, body };
}

function bucketTime(row) {
  const from = new Date(row.start * 1000);
  return `${formatDayMonth(from)} ${formatClock(from)}–${formatClock(new Date(row.end * 1000))}`;
}

/** The table that says what the chart shows, for screen readers and for anyone who wants numbers. */
function valuesTable(series) {
  const rows = tableRows(series);
  return h(
    "div",
    { class: "chart-table" },
    h(
      "table",
      { class: "chart-values" },
      h("caption", { class: "visually-hidden", text: t("chart.tableCaption") }),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["chart.colTime", "chart.colVolume", "chart.colExpected", "chart.colNegative", "chart.colEvents"].map((key) =>
            h("th", { scope: "col", text: t(key) }),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            { class: row.lines.length ? "chart-table__marked" : null },
            h("td", { text: bucketTime(row) }),
            h("td", { class: "num", text: formatNumber(row.volume) }),
            h("td", { class: "num", text: row.expected === null || row.expected === undefined ? t("none") : formatNumber(Math.round(row.expected * 10) / 10) }),
            h("td", { class: "num", text: row.negativeShare === null || row.negativeShare === undefined ? t("none") : formatPercent(row.negativeShare) }),
            h("td", { text: row.lines.map((line) => `${line.number} ${line.label}`).join("; ") }),
          ),
        ),
      ),
    ),
  );
}

/** The numbered moments and statements under the chart, with their times. */
function linesKey(series) {
  const lines = chartLines(series);
  if (!lines.length) return null;
  return h(
    "ol",
    { class: "chart-lines", "aria-label": t("chart.linesLabel") },
    lines.map((line) =>
      h(
        "li",
        { class: `chart-lines__item${line.statement ? " chart-lines__item--statement" : ""}` },
        h("span", { class: "chart-lines__number", "aria-hidden": "true", text: line.number }),
        h("time", { datetime: new Date(line.at * 1000).toISOString(), text: `${formatDayMonth(new Date(line.at * 1000))} ${formatClock(new Date(line.at * 1000))}` }),
        h("span", { text: line.label }),
      ),
    ),
  );
}

/**
 * The three cards of the situational picture for one incident: { chart, statements, picture }, each a
 * page section ({ element, update }), plus `destroy()`. `call` is the API as the page may use it (with
 * the key or an alert's link); `incident()` the incident as last loaded.
 */
export function createSituation({ call, incidentId, incident, withPicture = true }) {
  const state = {
    resolution: "5m",
    series: null,
    seriesError: null,
    picture: null,
    pictureError: null,
    loadedFor: null, // the incident's updated_at when the data was asked for
    busy: false,
  };
  const id = encodeURIComponent(incidentId);
  let timer = null;
  let controller = null;
  let drawn = null;

  // ---- Lagebild ------------------------------------------------------------------------------
  const chartCard = card("lagebild", "card--chart");
  const toggleLabel = h("span", { class: "segmented__label", id: "resolution-label" });
  const toggleButtons = RESOLUTIONS.map((resolution) => {
    const button = h("button", { type: "button", class: "segmented__button", "data-resolution": resolution });
    button.addEventListener("click", () => {
      if (state.resolution === resolution) return;
      state.resolution = resolution;
      loadSeries();
    });
    return button;
  });
  const toggle = h("div", { class: "segmented", role: "group", "aria-labelledby": "resolution-label" }, toggleLabel, toggleButtons);
  const summary = h("p", { class: "chart-summary", id: "chart-summary" });
  const host = h("div", { class: "chart-host", role: "img", "aria-describedby": "chart-summary chart-hint" });
  const hint = h("p", { class: "chart-hint muted small", id: "chart-hint" });
  const key = h("div", { class: "chart-key" });
  const tableSummary = h("summary");
  const tableRegion = h("div");
  const table = h("details", { class: "chart-details" }, tableSummary, tableRegion);
  const status = h("div", { class: "chart-status" });
  fill(chartCard.body, h("div", { class: "chart-toolbar" }, summary, toggle), status, host, key, hint, table);
  const chart = createChart(host);

  function updateChart() {
    chartCard.title.textContent = t("situation.title");
    toggleLabel.textContent = t("chart.resolution");
    for (const button of toggleButtons) {
      const resolution = button.dataset.resolution;
      button.textContent = t(`chart.res.${resolution}`);
      button.setAttribute("aria-pressed", String(resolution === state.resolution));
      button.disabled = state.busy;
    }
    tableSummary.textContent = t("chart.table");
    hint.textContent = t("chart.hint", { min: MIN_VOLUME_FOR_SHARE });
    const series = state.series;
    if (state.seriesError && !series) fill(status, errorBox(state.seriesError));
    else if (!series) fill(status, loadingLine());
    else fill(status, state.seriesError ? errorBox(state.seriesError) : null);
    if (!series) {
      summary.textContent = "";
      host.hidden = true;
      return;
    }
    host.hidden = false;
    const sentence = summarySentence(series);
    summary.textContent = sentence;
    host.setAttribute("aria-label", t("chart.label", { summary: sentence }));
    fill(key, linesKey(series));
    const signature = JSON.stringify([series, language()]);
    if (signature !== drawn) {
      drawn = signature;
      fill(tableRegion, valuesTable(series));
      chart.draw(series).catch((error) => {
        drawn = null;
        fill(status, errorBox({ code: "chart", status: 0, message: String(error.message || error), details: [] }));
      });
    }
  }

  // ---- statements and their effect ------------------------------------------------------------
  const statementsCard = card("statements");
  function updateStatements() {
    statementsCard.title.textContent = t("feedback.title");
    const statements = (state.series && state.series.statements) || [];
    statementsCard.element.hidden = !statements.length;
    fill(
      statementsCard.body,
      h("p", { class: "card__explain", text: t("feedback.explain") }),
      h("div", { class: "statement-list" }, statements.map((statement) => statementCard(statement))),
    );
  }

  // ---- who talks about what -------------------------------------------------------------------
  const pictureCard = card("picture");
  function updatePicture() {
    pictureCard.title.textContent = t("picture.title");
    if (state.pictureError && !state.picture) return fill(pictureCard.body, errorBox(state.pictureError));
    if (!state.picture) return fill(pictureCard.body, loadingLine());
    return fill(pictureCard.body, pictureBody(state.picture));
  }

  // ---- loading ----------------------------------------------------------------------------------
  async function loadSeries() {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    state.busy = true;
    updateChart();
    try {
      state.series = await call(`/incidents/${id}/series?resolution=${state.resolution}`, { signal });
      state.seriesError = null;
    } catch (error) {
      if (error.name === "AbortError") return;
      if (error.status !== 401) state.seriesError = error;
    }
    state.busy = false;
    updateChart();
    updateStatements();
  }

  async function loadPicture() {
    try {
      state.picture = await call(`/incidents/${id}/picture`);
      state.pictureError = null;
    } catch (error) {
      if (error.status !== 401) state.pictureError = error;
    }
    updatePicture();
  }

  function refresh() {
    const current = incident();
    state.loadedFor = current ? current.updated_at : null;
    loadSeries();
    if (withPicture) loadPicture();
  }

  /** Ask again when the incident changed (a statement published, resolved) and every minute while it runs. */
  function maybeRefresh() {
    const current = incident();
    if (!current) return;
    if (state.loadedFor === null || current.updated_at !== state.loadedFor) refresh();
    if (!timer) {
      timer = window.setInterval(() => {
        const now = incident();
        if (now && (now.status !== "resolved" && now.status !== "reviewed") && !state.busy) refresh();
      }, REFRESH_MS);
    }
  }

  return {
    chart: {
      element: chartCard.element,
      update() {
        maybeRefresh();
        updateChart();
      },
      destroy() {
        window.clearInterval(timer);
        controller?.abort();
        chart.destroy();
      },
    },
    statements: { element: statementsCard.element, update: updateStatements },
    picture: { element: pictureCard.element, update: updatePicture },
  };
}

// ---- the picture's lists ------------------------------------------------------------------------

function languageName(code) {
  try {
    const names = new Intl.DisplayNames([language() === "en" ? "en-GB" : "de-DE"], { type: "language" });
    return names.of(code) || code;
  } catch {
    return code;
  }
}

function voices(titleKey, items, emptyKey) {
  return h(
    "div",
    { class: "picture__block" },
    h("h3", { class: "picture__title", text: t(titleKey) }),
    items.length
      ? h(
          "ol",
          { class: "voices" },
          items.map((author) =>
            h(
              "li",
              { class: "voices__item" },
              h("span", { class: "voices__handle", text: author.handle }),
              h(
                "span",
                { class: "voices__figures muted small" },
                t("picture.voice", {
                  reach: formatNumber(author.reach ?? 0),
                  followers: formatNumber(author.followers ?? 0),
                  mentions: formatNumber(author.mentions ?? 0),
                }),
              ),
            ),
          ),
        )
      : h("p", { class: "muted small", text: t(emptyKey) }),
  );
}

function counts(titleKey, items, labelOf, modifier) {
  return h(
    "div",
    { class: "picture__block" },
    h("h3", { class: "picture__title", text: t(titleKey) }),
    items.length
      ? h(
          "ul",
          { class: "counts" },
          items.map((item) =>
            h("li", { class: `tag tag--${modifier} counts__item` }, h("span", { text: labelOf(item) }), h("span", { class: "counts__n", text: formatNumber(item.count) })),
          ),
        )
      : h("p", { class: "muted small", text: t("picture.none") }),
  );
}

function shareBar(value) {
  const fillBar = h("span", { class: "langs__fill" });
  fillBar.style.width = `${Math.round(Math.min(1, Math.max(0, value || 0)) * 100)}%`; // CSSOM: allowed by the CSP
  return h("span", { class: "langs__bar", "aria-hidden": "true" }, fillBar);
}

function languages(items) {
  return h(
    "div",
    { class: "picture__block" },
    h("h3", { class: "picture__title", text: t("picture.languages") }),
    items.length
      ? h(
          "ul",
          { class: "langs" },
          items.map((item) =>
            h(
              "li",
              { class: "langs__item" },
              h("span", { class: "langs__name", text: languageName(item.lang) }),
              shareBar(item.share),
              h("span", { class: "langs__share", text: `${formatPercent(item.share)} (${formatNumber(item.count)})` }),
            ),
          ),
        )
      : h("p", { class: "muted small", text: t("picture.none") }),
  );
}

function pictureBody(picture) {
  return [
    h(
      "p",
      { class: "card__explain" },
      t("picture.explain", { count: formatNumber(picture.mentions ?? 0), since: formatDateTime(picture.since) }),
      picture.sampled ? ` ${t("picture.sampled")}` : "",
    ),
    h(
      "div",
      { class: "picture" },
      voices("picture.authors", picture.top_authors || [], "picture.noAuthors"),
      voices("picture.media", picture.top_media || [], "picture.noMedia"),
      counts("picture.terms", picture.risk_terms || [], (item) => item.term, "risk"),
      counts("picture.hashtags", picture.hashtags || [], (item) => item.tag, "topic"),
      languages(picture.languages || []),
    ),
  ];
}
