// The review of an incident ("Nachbereitung", #/incidents/<id>/review): how fast the team was, how the
// mood recovered, what each statement did, the checklist as it was done, a drill's score, and the
// team's own notes (summary, lessons, action items), written here by those who may and downloaded as
// Markdown or PDF with the same sign-in as every other call.

import { api, download } from "./api.js";
import { fill, h } from "./dom.js";
import { statementCard } from "./feedback.js";
import { formatDateTime, language, t } from "./i18n.js";
import { mayAct } from "./me.js";
import { createReviewForm, reviewFieldErrors } from "./review-form.js";
import { checklistBlock, figuresTable, notesReadOnly, scoreBlock, text, timelineBlock, volumeFacts, writtenLine } from "./review-parts.js";
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
