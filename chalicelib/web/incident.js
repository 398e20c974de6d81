// One incident: facts, reasons, timeline, top mentions, its alert deliveries, and the response actions.

import { api, query } from "./api.js";
import { fill, h } from "./dom.js";
import { formatDateTime, formatDuration, has, t } from "./i18n.js";
import { REFRESH_MS, reactionLine } from "./incidents.js";
import {
  alertsTable,
  brandName,
  emptyLine,
  errorBox,
  loadingLine,
  mentionCard,
  reasonsBlock,
  severityBadge,
  statusChip,
} from "./ui.js";

function card(titleKey, body, extraClass = "") {
  const id = `card-${titleKey.replace(/\W/g, "-")}`;
  return h(
    "section",
    { class: `card ${extraClass}`.trim(), "aria-labelledby": id },
    h("h2", { id, class: "card__title", text: t(titleKey) }),
    body,
  );
}

function fact(labelKey, value, extra) {
  return [h("dt", { text: t(labelKey) }), h("dd", {}, value, extra ? h("span", { class: "muted small", text: ` ${extra}` }) : null)];
}

function timeValue(value) {
  return value ? h("time", { datetime: value, text: formatDateTime(value) }) : t("none");
}

function timelineList(events) {
  if (!events || !events.length) return emptyLine("incident.timelineEmpty");
  return h(
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
          h(
            "p",
            { class: "timeline__kind" },
            h("strong", { text: has(`kind.${event.kind}`) ? t(`kind.${event.kind}`) : event.kind }),
            event.severity ? [" ", severityBadge(event.severity)] : null,
            event.actor ? h("span", { class: "muted", text: ` · ${t("incident.by", { actor: event.actor })}` }) : null,
          ),
          event.message ? h("p", { class: "timeline__message", text: event.message }) : null,
        ),
      ),
    ),
  );
}

export function createIncidentView(ctx, incidentId) {
  let incident = null;
  let alerts = null;
  let alertsError = null;
  let inFlight = null;
  let timer = null;
  let busy = false;
  let outcome = null; // the result of the last action: { success: key } or { error }
  const statistics = { open: false }; // the statistics toggle stays as the user left it across refreshes

  const heading = h("h1", { tabindex: "-1", class: "detail-title" });
  const backLink = h("a", { href: "#/incidents", class: "back-link" });
  const headMeta = h("div", { class: "detail-head__meta" });
  const main = h("div", { class: "detail-main" });
  const facts = h("div");

  const noteLabel = h("label", { for: "incident-note" });
  const noteHint = h("p", { id: "incident-note-hint", class: "muted small" });
  const note = h("textarea", { id: "incident-note", name: "note", rows: "3", maxlength: "2000", "aria-describedby": "incident-note-hint" });
  const ackButton = h("button", { type: "button", class: "btn btn--primary", id: "acknowledge" });
  const resolveButton = h("button", { type: "button", class: "btn btn--secondary", id: "resolve" });
  const actionMessage = h("div", { class: "action-message", role: "status", "aria-live": "polite", tabindex: "-1" });
  const actionsTitle = h("h2", { id: "actions-title", class: "card__title" });
  const actions = h(
    "section",
    { class: "card card--actions", "aria-labelledby": "actions-title" },
    actionsTitle,
    h("div", { class: "field" }, noteLabel, note, noteHint),
    h("div", { class: "button-row" }, ackButton, resolveButton),
    actionMessage,
  );
  const side = h("aside", { class: "detail-side" }, actions, facts);
  const element = h(
    "section",
    { class: "view-incident" },
    backLink,
    h("header", { class: "detail-head" }, heading, headMeta),
    h("div", { class: "detail-grid" }, main, side),
  );

  ackButton.addEventListener("click", () => act("acknowledge"));
  resolveButton.addEventListener("click", () => act("resolve"));

  function renderActions() {
    actionsTitle.textContent = t("incident.actions");
    noteLabel.textContent = t("incident.note");
    noteHint.textContent = t("incident.noteHint");
    ackButton.textContent = t("incident.acknowledge");
    resolveButton.textContent = t("incident.resolve");
    const status = incident ? incident.status : null;
    ackButton.disabled = busy || status !== "open";
    resolveButton.disabled = busy || !status || status === "resolved";
    note.disabled = busy || !status || status === "resolved";
  }

  function renderFacts() {
    const timers = incident.timers || {};
    fill(
      facts,
      card(
        "incident.facts",
        h(
          "dl",
          { class: "facts" },
          fact("incident.brand", brandName(incident)),
          fact("incident.topic", incident.topic || t("none")),
          fact("incident.openedAt", timeValue(incident.opened_at)),
          fact("incident.detectedAt", timeValue(incident.detected_at)),
          fact(
            "incident.acknowledgedAt",
            timeValue(incident.acknowledged_at),
            incident.acknowledged_by ? t("incident.by", { actor: incident.acknowledged_by }) : null,
          ),
          fact(
            "incident.resolvedAt",
            timeValue(incident.resolved_at),
            incident.resolved_by ? t("incident.by", { actor: incident.resolved_by }) : null,
          ),
          fact("incident.ttd", formatDuration(timers.time_to_detect_s)),
          fact("incident.tta", formatDuration(timers.time_to_acknowledge_s)),
          fact("incident.ttr", formatDuration(timers.time_to_resolve_s)),
        ),
      ),
    );
  }

  function renderOutcome() {
    if (!outcome) return fill(actionMessage);
    if (outcome.error) return fill(actionMessage, errorBox(outcome.error));
    return fill(actionMessage, h("p", { class: "success", text: t(outcome.success) }));
  }

  function renderAlerts() {
    if (alertsError) return errorBox(alertsError);
    if (!alerts) return loadingLine();
    return alerts.length ? alertsTable(alerts, { compact: true }) : emptyLine("incident.alertsEmpty");
  }

  function render() {
    fill(backLink, h("span", { "aria-hidden": "true", text: "← " }), t("incident.back"));
    renderActions();
    renderOutcome();
    if (!incident) {
      heading.textContent = t("loading");
      fill(headMeta);
      fill(main, loadingLine());
      fill(facts);
      return;
    }
    heading.textContent = incident.title || incident.incident_id;
    fill(headMeta, severityBadge(incident.severity), statusChip(incident.status), reactionLine(incident));
    const reasons = reasonsBlock(incident, { statistics: true, state: statistics, extraClass: "reasons--block" });
    const mentions = incident.top_mentions || [];
    fill(
      main,
      reasons ? card("incident.reasons", h("div", { class: "reasons-card" }, reasons)) : null,
      card("incident.timeline", timelineList(incident.timeline)),
      card(
        "incident.mentions",
        mentions.length ? h("div", { class: "mention-list" }, mentions.map(mentionCard)) : emptyLine("incident.mentionsEmpty"),
      ),
      card("incident.alerts", renderAlerts()),
    );
    renderFacts();
    ctx.tick();
  }

  async function load() {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    const id = encodeURIComponent(incidentId);
    const [detail, deliveries] = await Promise.allSettled([
      api(`/incidents/${id}`, { signal: controller.signal }),
      api(`/alerts${query({ incident_id: incidentId, limit: 50 })}`, { signal: controller.signal }),
    ]);
    if (inFlight === controller) inFlight = null;
    if (controller.signal.aborted) return;
    if (detail.status === "rejected") {
      ctx.showError(detail.reason);
      return;
    }
    ctx.clearError();
    incident = detail.value;
    alerts = deliveries.status === "fulfilled" ? deliveries.value.items : null;
    alertsError = deliveries.status === "rejected" ? deliveries.reason : null;
    render();
  }

  async function act(action) {
    busy = true;
    outcome = null;
    renderActions();
    renderOutcome();
    const text = note.value.trim();
    try {
      const summary = await api(`/incidents/${encodeURIComponent(incidentId)}/${action}`, {
        method: "POST",
        body: text ? { note: text } : {},
      });
      incident = { ...incident, ...summary };
      note.value = "";
      busy = false;
      outcome = { success: action === "acknowledge" ? "incident.acknowledged" : "incident.resolvedDone" };
      render();
      await load();
    } catch (error) {
      busy = false;
      renderActions();
      if (error.status === 401 || error.name === "AbortError") return;
      outcome = { error };
      renderOutcome();
    }
    actionMessage.focus();
  }

  return {
    element,
    heading,
    render,
    start() {
      render();
      load();
      timer = window.setInterval(() => {
        if (!inFlight && !busy) load();
      }, REFRESH_MS);
    },
    destroy() {
      window.clearInterval(timer);
      inFlight?.abort();
    },
  };
}
