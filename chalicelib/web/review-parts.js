// The parts of the review page that only show what the API computed: the figures with German
// durations, a drill's score against the playbook's targets, the checklist as it was done, the
// timeline and the notes for those who read them. Pure rendering: no requests, no state.

import { h } from "./dom.js";
import { formatDateTime, formatMinutes, formatNumber, formatPercent, has, language, t } from "./i18n.js";
import { drillBadge, emptyLine } from "./ui.js";

/** A { text_de, text_en } from the API in the current language. */
export function text(value) {
  if (!value || typeof value !== "object") return value || "";
  return (language() === "en" ? value.text_en : value.text_de) || value.text_de || "";
}

function when(value) {
  return value ? h("time", { datetime: value, text: formatDateTime(value) }) : t("review.notYet");
}

/** Each step with when it happened and how long it took to get there. */
export function figuresTable(figures) {
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

export function volumeFacts(figures) {
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

export function scoreBlock(drill) {
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

export function checklistBlock(items) {
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

export function timelineBlock(events) {
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
export function notesReadOnly(notes) {
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

export function writtenLine(notes) {
  if (!notes) return null;
  const written = t("review.writtenBy", { actor: notes.written_by, time: formatDateTime(notes.written_at) });
  const updated =
    notes.updated_at && notes.updated_at !== notes.written_at ? ` ${t("review.updatedBy", { actor: notes.updated_by, time: formatDateTime(notes.updated_at) })}` : "";
  return h("p", { class: "muted small review-written" }, written, updated);
}
