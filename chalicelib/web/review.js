// The review of an incident ("Nachbereitung", #/incidents/<id>/review): how fast the team was, how the
// mood recovered, what each statement did, the checklist as it was done, a drill's score, and the
// team's own notes (summary, lessons, action items), written here by those who may and downloaded as
// Markdown or PDF with the same sign-in as every other call.

import { api, download } from "./api.js";
import { fill, h } from "./dom.js";
import { statementCard } from "./feedback.js";
import { formatDateTime, formatMinutes, formatNumber, formatPercent, has, language, t } from "./i18n.js";
import { mayAct } from "./me.js";
import { createReviewForm, reviewFieldErrors } from "./review-form.js";
import { createSituation } from "./situation.js";
import { drillBadge, emptyLine, errorBox, incidentTabs, loadingLine, localized, notice, severityBadge, statusChip } from "./ui.js";

const FORMATS = {
  markdown: { key: "review.downloadMarkdown", extension: "md" },
  pdf: { key: "review.downloadPdf", extension: "pdf" },
};

function card(id, extraClass = "") {
  const title = h("h2", { id: `${id}-title`, class: "card__title" });
  const body = h("div");
  const element = h("section", { class: `card ${extraClass}`.trim(), id, "aria-labelledby": `${id}-title` }, title, body);
  return { element, title, body };
}

function text(value) {
  if (!value || typeof value !== "object") return value || "";
  return (language() === "en" ? value.text_en : value.text_de) || value.text_de || "";
}

function when(value) {
  return value ? h("time", { datetime: value, text: formatDateTime(value) }) : t("review.notYet");
}

/** Each step with when it happened and how long it took to get there. */
function figuresTable(figures) {
  const rows = [
    ["review.firstSignal", figures.first_signal_at, null],
    ["review.detected", figures.detected_at, figures.time_to_detect_minutes],
    ["review.acknowledged", figures.acknowledged_at, figures.time_to_acknowledge_minutes],
    ["review.firstResponse", figures.first_response_at, figures.time_to_first_response_minutes],
    ["review.resolved", figures.resolved_at, figures.time_to_resolve_minutes],
  ];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table review-figures" },
      h("thead", {}, h("tr", {}, ["review.step", "review.when", "review.took"].map((key) => h("th", { scope: "col", text: t(key) })))),
      h(
        "tbody",
        {},
        rows.map(([key, at, minutes]) =>
          h(
            "tr",
            {},
            h("th", { scope: "row", "data-label": t("review.step"), text: t(key) }),
            h("td", { "data-label": t("review.when") }, when(at)),
            h("td", { "data-label": t("review.took"), class: "num", text: minutes === null || minutes === undefined ? t("none") : formatMinutes(minutes) }),
          ),
        ),
      ),
    ),
  );
}

function volumeFacts(figures) {
  const peak = figures.peak;
  const item = (labelKey, value) => [h("dt", { text: t(labelKey) }), h("dd", { text: value })];
  return h(
    "dl",
    { class: "facts review-volume" },
    item("review.mentions", formatNumber(figures.mentions ?? 0)),
    item("review.negative", figures.negative_share === null || figures.negative_share === undefined ? t("none") : formatPercent(figures.negative_share)),
    item("review.reach", formatNumber(figures.reach ?? 0)),
    item("review.peak", peak ? t("review.peakAt", { volume: formatNumber(peak.volume), time: formatDateTime(peak.start) }) : t("none")),
  );
}

function scoreBlock(drill) {
  const score = drill.score || {};
  const targets = score.targets || [];
  return [
    h("p", { class: "drill-banner__lead" }, drillBadge({ drill_id: drill.drill_id }), " ", t("review.drillLead", { id: drill.drill_id })),
    score.text_de ? h("p", { class: "drill-banner__score", text: text(score) }) : null,
    targets.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "table review-targets" },
            h("thead", {}, h("tr", {}, ["review.target", "review.targetMinutes", "review.actualMinutes", "review.met"].map((key) => h("th", { scope: "col", text: t(key) })))),
            h(
              "tbody",
              {},
              targets.map((target) =>
                h(
                  "tr",
                  { class: target.met ? "target--met" : "target--missed" },
                  h("th", { scope: "row", "data-label": t("review.target"), text: (language() === "en" ? target.label_en : target.label_de) || target.name }),
                  h("td", { "data-label": t("review.targetMinutes"), class: "num", text: formatMinutes(target.target_minutes) }),
                  h("td", { "data-label": t("review.actualMinutes"), class: "num", text: target.actual_minutes === null || target.actual_minutes === undefined ? t("review.notYet") : formatMinutes(target.actual_minutes) }),
                  h("td", { "data-label": t("review.met"), text: target.met ? t("review.yes") : t("review.no") }),
                ),
              ),
            ),
          ),
        )
      : null,
  ];
}

function checklistBlock(items) {
  if (!items.length) return emptyLine("review.noChecklist");
  return h(
    "ul",
    { class: "review-checklist" },
    items.map((item) => {
      const timing =
        item.on_time === true ? t("review.onTime") : item.on_time === false ? t("review.late", { minutes: formatMinutes(item.due_minutes) }) : "";
      const done = item.done
        ? t("review.doneBy", {
            actor: item.done_by || t("none"),
            after: item.minutes_after_alert === null || item.minutes_after_alert === undefined ? t("none") : formatMinutes(item.minutes_after_alert),
          })
        : t("review.notDone");
      return h(
        "li",
        { class: `review-check review-check--${item.done ? "done" : "open"}${item.on_time === false ? " review-check--late" : ""}` },
        h("span", { class: "review-check__mark", "aria-hidden": "true", text: item.done ? "✓" : "○" }),
        h(
          "div",
          {},
          h("p", { class: "review-check__text", text: text(item) }),
          h("p", { class: "muted small", text: [done, timing].filter(Boolean).join(" · ") }),
        ),
      );
    }),
  );
}

function timelineBlock(events) {
  return h(
    "details",
    { class: "review-timeline" },
    h("summary", { text: t("review.timeline", { count: events.length }) }),
    h(
      "ol",
      { class: "timeline" },
      events.map((event) =>
        h(
          "li",
          { class: `timeline__item timeline__item--${event.kind}` },
          h("time", { class: "timeline__time", datetime: event.at, text: formatDateTime(event.at) }),
          h(
            "div",
            { class: "timeline__body" },
            h("p", { class: "timeline__kind" }, h("strong", { text: has(`kind.${event.kind}`) ? t(`kind.${event.kind}`) : event.kind }), event.actor ? h("span", { class: "muted", text: ` · ${t("incident.by", { actor: event.actor })}` }) : null),
            event.message ? h("p", { class: "timeline__message", text: event.message }) : null,
          ),
        ),
      ),
    ),
  );
}

/** The notes as read by someone who may not edit them. */
function notesReadOnly(notes) {
  if (!notes) return emptyLine("review.noNotes");
  const items = notes.action_items || [];
  return [
    notes.summary ? h("p", { class: "review-notes__summary", text: notes.summary }) : null,
    (notes.lessons || []).length
      ? [h("h3", { class: "review-subtitle", text: t("review.lessons") }), h("ul", { class: "review-notes__lessons" }, notes.lessons.map((lesson) => h("li", { text: lesson })))]
      : null,
    items.length
      ? [
          h("h3", { class: "review-subtitle", text: t("review.actions") }),
          h(
            "ul",
            { class: "review-notes__actions" },
            items.map((item) => h("li", { class: item.done ? "is-done" : null, text: t(item.done ? "review.actionLineDone" : "review.actionLine", { text: item.text, owner: item.owner, due: item.due }) })),
          ),
        ]
      : null,
  ];
}

function writtenLine(notes) {
  if (!notes) return null;
  const written = t("review.writtenBy", { actor: notes.written_by, time: formatDateTime(notes.written_at) });
  const updated =
    notes.updated_at && notes.updated_at !== notes.written_at ? ` ${t("review.updatedBy", { actor: notes.updated_by, time: formatDateTime(notes.updated_at) })}` : "";
  return h("p", { class: "muted small review-written" }, written, updated);
}

export function createReviewView(ctx, incidentId) {
  const state = { review: null, error: null, busy: false, outcome: null, downloads: {}, loading: true };
  const id = encodeURIComponent(incidentId);
  const canEdit = () => mayAct("responder");

  const heading = h("h1", { tabindex: "-1", class: "detail-title" });
  const backLink = h("a", { href: `#/incidents/${id}`, class: "back-link" });
  const headMeta = h("div", { class: "detail-head__meta" });
  const tabs = h("div");
  const status = h("div");
  const drillCard = card("review-drill", "card--drill");
  const downloadsCard = card("review-downloads");
  const figuresCard = card("review-figures");
  const recoveryCard = card("review-recovery");
  const statementsCard = card("review-statements");
  const checklistCard = card("review-checklist");
  const notesCard = card("review-notes");
  const situation = createSituation({ call: api, incidentId, incident: () => state.review && state.review.incident, withPicture: false });
  const downloadMessage = h("div", { class: "section-message", role: "status", "aria-live": "polite" });
  const form = createReviewForm({ onSave: save });
  const formArea = h("div");
  const closeArea = h("div");
  const element = h(
    "section",
    { class: "view-review" },
    backLink,
    h("header", { class: "detail-head" }, heading, headMeta),
    tabs,
    status,
    h(
      "div",
      { class: "review-grid" },
      drillCard.element,
      downloadsCard.element,
      figuresCard.element,
      recoveryCard.element,
      situation.chart.element,
      statementsCard.element,
      checklistCard.element,
      notesCard.element,
    ),
  );

  async function fetchFile(format) {
    const spec = FORMATS[format];
    state.downloads[format] = "busy";
    renderDownloads();
    try {
      const file = await download(`/incidents/${id}/review?format=${format}&lang=${language()}`, {
        fallbackName: `review-${incidentId}.${spec.extension}`,
      });
      state.downloads[format] = null;
      fill(downloadMessage, notice("success", t("review.downloaded", { name: file.name })));
    } catch (error) {
      state.downloads[format] = null;
      if (error.status !== 401) fill(downloadMessage, errorBox(error));
    }
    renderDownloads();
  }

  function renderDownloads() {
    downloadsCard.title.textContent = t("review.downloads");
    const buttons = Object.entries(FORMATS).map(([format, spec]) => {
      const button = h("button", {
        type: "button",
        class: "btn btn--secondary",
        id: `download-${format}`,
        disabled: state.downloads[format] === "busy",
        "aria-busy": state.downloads[format] === "busy" ? "true" : null,
        text: t(spec.key),
      });
      button.addEventListener("click", () => fetchFile(format));
      return button;
    });
    fill(downloadsCard.body, h("p", { class: "card__explain", text: t("review.downloadsExplain") }), h("div", { class: "button-row" }, buttons), downloadMessage);
  }

  async function save(body, rows) {
    const review = state.review;
    form.setBusy(true);
    fill(form.message);
    try {
      state.review = await api(`/incidents/${id}/review`, { method: "PUT", body: { ...body, version: review.version } });
      form.set(state.review.notes);
      form.setBusy(false);
      render();
      fill(form.message, notice("success", t(state.review.incident.status === "resolved" ? "review.savedClose" : "review.saved")));
      form.message.focus();
      ctx.announce(t("review.saved"));
    } catch (error) {
      form.setBusy(false);
      if (error.name === "AbortError" || error.status === 401) return;
      if (error.status === 409) {
        await load();
        fill(form.message, notice("warn", t("review.stale")));
        form.message.focus();
        return;
      }
      const first = form.showErrors(reviewFieldErrors(error), rows);
      if (first) {
        fill(form.message, notice("warn", t("review.fixFields")));
        first.focus();
      } else {
        fill(form.message, errorBox(error));
        form.message.focus();
      }
    }
  }

  async function markReviewed() {
    const review = state.review;
    state.busy = true;
    renderClose();
    try {
      await api(`/incidents/${id}/status`, { method: "POST", body: { status: "reviewed", version: review.version } });
      state.outcome = { kind: "success", key: "stepDone.reviewed" };
      await load();
    } catch (error) {
      if (error.status === 401) return;
      state.outcome = error.status === 409 ? { kind: "warn", key: "review.closeRefused", error } : { error };
      await load();
    } finally {
      state.busy = false;
      renderClose();
    }
  }

  function renderClose() {
    const review = state.review;
    if (!review || !canEdit() || review.incident.status !== "resolved") {
      fill(closeArea, state.outcome ? outcomeNode(state.outcome) : null);
      return;
    }
    const button = h("button", { type: "button", class: "btn btn--primary", id: "review-close", disabled: state.busy || !review.exists, text: t("review.close") });
    button.addEventListener("click", markReviewed);
    fill(
      closeArea,
      h(
        "div",
        { class: "review-close" },
        h("p", { class: "muted small", text: t(review.exists ? "review.closeHint" : "review.closeFirst") }),
        button,
        state.outcome ? outcomeNode(state.outcome) : null,
      ),
    );
  }

  function outcomeNode(outcome) {
    if (outcome.key === "review.closeRefused") return [notice("warn", t(outcome.key)), errorBox(outcome.error)];
    return outcome.error ? errorBox(outcome.error) : notice(outcome.kind, t(outcome.key));
  }

  function renderNotes(review) {
    notesCard.title.textContent = t("review.notes");
    form.render();
    const intro = h("p", { class: "card__explain", text: t(canEdit() ? "review.notesExplain" : "review.notesReadOnly") });
    fill(formArea, canEdit() ? form.element : notesReadOnly(review.notes));
    fill(notesCard.body, intro, writtenLine(review.notes), formArea, closeArea);
    renderClose();
  }

  function render() {
    fill(backLink, h("span", { "aria-hidden": "true", text: "← " }), t("review.back"));
    fill(tabs, incidentTabs(incidentId, "review"));
    const review = state.review;
    for (const section of element.querySelectorAll(".review-grid > .card")) section.hidden = !review;
    if (!review) {
      heading.textContent = t("review.title");
      fill(headMeta);
      fill(status, state.error ? errorBox(state.error) : loadingLine());
      return;
    }
    fill(status);
    const incident = review.incident;
    heading.textContent = t("review.heading", { title: incident.title || incident.incident_id });
    fill(headMeta, drillBadge(incident.drill_id ? incident : review.drill), severityBadge(incident.severity), statusChip(incident.status), h("span", { class: "muted small", text: t("review.generated", { time: formatDateTime(review.generated_at) }) }));

    drillCard.element.hidden = !review.drill;
    if (review.drill) {
      drillCard.title.textContent = t("review.drill");
      fill(drillCard.body, scoreBlock(review.drill));
    }
    renderDownloads();
    figuresCard.title.textContent = t("review.figures");
    fill(figuresCard.body, figuresTable(review.figures || {}), volumeFacts(review.figures || {}));
    recoveryCard.title.textContent = t("review.recovery");
    fill(recoveryCard.body, h("p", { class: "review-recovery", text: text(review.recovery) || t("review.noRecovery") }));
    situation.chart.update();
    statementsCard.title.textContent = t("review.statements");
    const statements = review.statements || [];
    fill(statementsCard.body, statements.length ? h("div", { class: "statement-list" }, statements.map((s) => statementCard(s))) : emptyLine("review.noStatements"));
    checklistCard.title.textContent = t("review.checklist", { title: review.playbook ? localized({ de: review.playbook.title_de, en: review.playbook.title_en }) : "" });
    fill(checklistCard.body, checklistBlock(review.checklist || []), (review.timeline || []).length ? timelineBlock(review.timeline) : null);
    renderNotes(review);
  }

  async function loadPeople() {
    try {
      const page = await api("/users");
      form.setPeople((page.items || []).map((user) => user.name));
    } catch {
      // Only suggestions for the owner field; typing a name works without them.
    }
  }

  async function load() {
    try {
      state.review = await api(`/incidents/${id}/review`);
      state.error = null;
      ctx.clearError();
    } catch (error) {
      if (error.status === 401) return;
      state.error = error;
    }
    render();
  }

  return {
    element,
    heading,
    render,
    async start() {
      render();
      await load();
      if (state.review) form.set(state.review.notes);
      render();
      if (canEdit()) loadPeople();
    },
    destroy() {
      situation.chart.destroy();
    },
  };
}
