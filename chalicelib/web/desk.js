// "Nächster Schritt": what to do now, the lifecycle buttons (only the allowed steps) and the note
// that goes with a status change. The first thing on the incident page, on a phone too.

import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { allowedSteps, nextStep, overdueItems } from "./lifecycle.js";
import { dueLine, playbookRoleLabel, tickItem } from "./checklist.js";
import { localized } from "./ui.js";

const LEAD = {
  open: "next.open",
  acknowledged: "next.acknowledged",
  responding: "next.responding",
  monitoring: "next.monitoring",
  resolved: "next.resolved",
  reviewed: "next.reviewed",
};

export function createNextStep(desk) {
  const title = h("h2", { id: "next-title", class: "card__title card__title--next" });
  const lead = h("p", { class: "next-step__lead" });
  const task = h("div", { class: "next-step__task" });
  const alarm = h("div", { class: "next-step__alarm" });
  const noteLabel = h("label", { for: "incident-note" });
  const note = h("textarea", {
    id: "incident-note",
    name: "note",
    rows: "2",
    maxlength: "2000",
    "aria-describedby": "incident-note-hint",
    "data-focus-key": "status-note",
  });
  const noteHint = h("p", { id: "incident-note-hint", class: "muted small" });
  const buttons = h("div", { class: "button-row next-step__buttons", role: "group" });
  const noteField = h("div", { class: "field next-step__note" }, noteLabel, note, noteHint);
  const message = desk.messageFor("status", "action-message");
  const element = h("section", { class: "card card--next", id: "next-step", "aria-labelledby": "next-title" });

  async function changeStatus(step) {
    const incident = desk.state.incident;
    const text = note.value.trim();
    const withNote = text ? { note: text } : {};
    // Acknowledging stays on its own idempotent route: two people acknowledging at once is no conflict.
    const result =
      step === "acknowledged"
        ? await desk.run("status", "/acknowledge", { body: withNote, summary: true, success: "stepDone.acknowledged" })
        : await desk.run("status", "/status", {
            body: { status: step, ...withNote, version: incident.version },
            summary: true,
            success: `stepDone.${step}`,
            explainConflict: step === "reviewed" ? reviewMissing : null,
          });
    if (result.ok) note.value = "";
    desk.focusMessage("status");
  }

  /** A refused "Nachbereitet" because no review was written yet: say so, and where to write it. */
  function reviewMissing(error) {
    if (error.code !== "review_missing") return null;
    return { kind: "warn", key: "next.reviewFirst", link: { href: reviewHref(), key: "next.toReview" } };
  }

  function reviewHref() {
    return `#/incidents/${encodeURIComponent(desk.incidentId)}/review`;
  }

  function stepButton(step, primary) {
    const button = h("button", {
      type: "button",
      class: `btn ${primary ? "btn--primary btn--large" : "btn--secondary"}`,
      id: step === "acknowledged" ? "acknowledge" : `step-${step}`,
      "data-step": step,
      "data-desk-action": true,
      "data-focus-key": `step-${step}`,
      disabled: desk.state.busy,
      text: t(`step.${step}`),
    });
    button.addEventListener("click", () => changeStatus(step));
    return button;
  }

  function taskBox(incident, item, primary) {
    const done = h("button", {
      type: "button",
      class: `btn ${primary ? "btn--primary btn--large" : "btn--secondary"}`,
      id: "next-task-done",
      "aria-describedby": "next-task-text",
      "data-desk-action": true,
      "data-focus-key": "next-task-done",
      disabled: desk.state.busy,
      text: t("next.taskDone"),
    });
    done.addEventListener("click", async () => {
      await tickItem(desk, item, true, "status");
      desk.focusMessage("status");
    });
    return h(
      "div",
      { class: "next-task" },
      h("p", { class: "next-task__eyebrow" }, t("next.task"), " · ", playbookRoleLabel(item.role)),
      h("p", { class: "next-task__text", id: "next-task-text", text: localized(item.text) }),
      dueLine(incident, item),
      h("div", { class: "button-row" }, done),
    );
  }

  function alarmLine(incident) {
    const overdue = overdueItems(incident);
    if (!overdue.length) return null;
    const jump = h("button", { type: "button", class: "link-button", text: t("next.toChecklist") });
    jump.addEventListener("click", () => desk.focusSection("checklist"));
    const text = overdue.length === 1 ? t("next.overdueOne") : t("next.overdue", { count: overdue.length });
    return h("p", { class: "next-step__overdue", role: "note" }, h("strong", { text }), " ", jump);
  }

  function update() {
    title.textContent = t("next.title");
    noteLabel.textContent = t("incident.note");
    noteHint.textContent = t("incident.noteHint");
    const incident = desk.state.incident;
    if (!incident) {
      fill(lead, t("loading"));
      fill(element, title, lead);
      return;
    }
    const { step, task: item } = nextStep(incident);
    const leadKey = incident.status === "responding" && !item && incident.checklist ? "next.respondingDone" : LEAD[incident.status];
    const toReview = incident.status === "resolved" && !desk.link ? h("a", { href: reviewHref(), class: "next-step__review", text: t("next.toReview") }) : null;
    fill(lead, leadKey ? t(leadKey) : "", toReview ? " " : null, toReview);
    fill(alarm, alarmLine(incident));
    fill(task, item ? taskBox(incident, item, !step) : null);
    const steps = allowedSteps(incident.status);
    fill(
      buttons,
      steps.filter((s) => s === step).map((s) => stepButton(s, true)),
      steps.filter((s) => s !== step).map((s) => stepButton(s, false)),
    );
    buttons.setAttribute("aria-label", t("next.other"));
    // The recommended action comes right after the lead: a status change, or else the checklist item.
    const order = step ? [noteField, buttons, message, task] : [task, noteField, buttons, message];
    const wanted = [title, lead, alarm, ...order];
    const children = [...element.children];
    if (children.length !== wanted.length || wanted.some((child, index) => children[index] !== child)) {
      fill(element, wanted);
    }
  }

  return { element, update };
}
