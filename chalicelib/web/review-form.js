// The editable part of a review: a summary, lessons (one per line, added and removed) and action items
// (what, who, by when, done). The form keeps what was typed until it is saved; the API checks the
// values and its messages stand next to the field they are about.

import { fill, h } from "./dom.js";
import { has, t } from "./i18n.js";
import { fieldErrors } from "./ui.js";

const FILL_IN = new Set(["missing", "string_too_short"]);

/**
 * Messages of a 400/422 by field path below the body ("summary", "lessons.1", "action_items.0.owner");
 * an empty required field says so plainly, anything else leads with what kind of problem it is.
 */
export function reviewFieldErrors(error) {
  const found = {};
  for (const detail of (error && error.details) || []) {
    if (!detail || typeof detail.field !== "string" || !detail.field.startsWith("body.")) continue;
    const path = detail.field.slice("body.".length);
    if (FILL_IN.has(detail.type)) found[path] = t("review.fillIn");
    else if (typeof detail.type === "string" && detail.type.startsWith("date")) found[path] = t("review.dateInvalid");
    else {
      const lead = detail.type && has(`fieldError.${detail.type}`) ? `${t(`fieldError.${detail.type}`)} – ` : "";
      found[path] = `${lead}${detail.message || error.message}`;
    }
  }
  return Object.keys(found).length ? found : fieldErrors(error);
}

let rowIds = 0;

function errorLine(id) {
  return h("p", { id, class: "field-error", "aria-live": "polite" });
}

function lessonRow(form, text = "") {
  const uid = ++rowIds;
  const input = h("input", { id: `lesson-${uid}`, type: "text", maxlength: "1000", value: text, "aria-describedby": `lesson-${uid}-error` });
  const label = h("label", { for: `lesson-${uid}`, class: "visually-hidden" });
  const remove = h("button", { type: "button", class: "btn btn--ghost btn--small" });
  const error = errorLine(`lesson-${uid}-error`);
  const element = h("li", { class: "review-lesson" }, label, h("div", { class: "review-lesson__line" }, input, remove), error);
  const row = { element, input, label, remove, error };
  remove.addEventListener("click", () => form.removeLesson(row));
  return row;
}

function actionRow(form, item = {}) {
  const uid = ++rowIds;
  const field = (name, labelKey, control) => {
    control.id = `action-${uid}-${name}`;
    control.setAttribute("aria-describedby", `action-${uid}-${name}-error`);
    const label = h("label", { for: control.id, "data-label": labelKey });
    return { control, label, error: errorLine(`action-${uid}-${name}-error`) };
  };
  const text = field("text", "review.actionText", h("input", { type: "text", maxlength: "500", value: item.text || "" }));
  const owner = field("owner", "review.actionOwner", h("input", { type: "text", maxlength: "120", value: item.owner || "", list: "review-people" }));
  const due = field("due", "review.actionDue", h("input", { type: "date", value: item.due || "" }));
  const done = h("input", { type: "checkbox", id: `action-${uid}-done`, checked: Boolean(item.done) });
  const doneLabel = h("label", { for: done.id, class: "review-action__done-label" });
  const legend = h("legend");
  const remove = h("button", { type: "button", class: "btn btn--ghost btn--small" });
  const cell = (part, extra = "") => h("div", { class: `field review-action__${extra}` }, part.label, part.control, part.error);
  const element = h(
    "fieldset",
    { class: "review-action" },
    legend,
    cell(text, "text"),
    cell(owner, "owner"),
    cell(due, "due"),
    h("div", { class: "review-action__tools" }, h("span", { class: "review-action__done" }, done, doneLabel), remove),
  );
  const row = { element, legend, remove, fields: { text, owner, due }, done, doneLabel };
  remove.addEventListener("click", () => form.removeAction(row));
  return row;
}

/** The review form. `onSave(body, rows)` sends it; `set(notes)` fills it; `showErrors(map)` marks fields. */
export function createReviewForm({ onSave }) {
  let lessons = [];
  let actions = [];
  const summaryLabel = h("label", { for: "review-summary" });
  const summary = h("textarea", { id: "review-summary", rows: "5", maxlength: "5000", "aria-describedby": "review-summary-hint review-summary-error" });
  const summaryHint = h("p", { id: "review-summary-hint", class: "muted small" });
  const summaryError = errorLine("review-summary-error");
  const lessonsTitle = h("legend");
  const lessonsList = h("ol", { class: "review-lessons" });
  const addLesson = h("button", { type: "button", class: "btn btn--secondary btn--small" });
  const actionsTitle = h("legend");
  const actionsList = h("div", { class: "review-actions" });
  const addAction = h("button", { type: "button", class: "btn btn--secondary btn--small" });
  const people = h("datalist", { id: "review-people" });
  const save = h("button", { type: "submit", class: "btn btn--primary" });
  const message = h("div", { class: "section-message review-form__message", role: "status", "aria-live": "polite", tabindex: "-1" });
  const element = h(
    "form",
    { class: "review-form", novalidate: true },
    h("div", { class: "field" }, summaryLabel, summary, summaryHint, summaryError),
    h("fieldset", { class: "review-group" }, lessonsTitle, lessonsList, addLesson),
    h("fieldset", { class: "review-group" }, actionsTitle, actionsList, addAction, people),
    h("div", { class: "button-row" }, save),
    message,
  );

  const api = {
    element,
    message,
    removeLesson(row) {
      const index = lessons.indexOf(row);
      lessons = lessons.filter((r) => r !== row);
      renderRows();
      (lessons[Math.min(index, lessons.length - 1)]?.input || addLesson).focus();
    },
    removeAction(row) {
      const index = actions.indexOf(row);
      actions = actions.filter((r) => r !== row);
      renderRows();
      (actions[Math.min(index, actions.length - 1)]?.fields.text.control || addAction).focus();
    },
    /** Fill the form with saved notes (or empty, with one line to start). */
    set(notes) {
      summary.value = (notes && notes.summary) || "";
      lessons = ((notes && notes.lessons) || []).map((text) => lessonRow(api, text));
      actions = ((notes && notes.action_items) || []).map((item) => actionRow(api, item));
      if (!lessons.length) lessons.push(lessonRow(api));
      renderRows();
      api.showErrors({});
    },
    setPeople(names) {
      fill(people, names.map((name) => h("option", { value: name })));
    },
    /** The body to send and, per sent lesson and action item, the row it came from. */
    values() {
      const sentLessons = lessons.filter((row) => row.input.value.trim());
      const sentActions = actions.filter((row) => {
        const { text, owner, due } = row.fields;
        return text.control.value.trim() || owner.control.value.trim() || due.control.value || row.done.checked;
      });
      return {
        body: {
          summary: summary.value.trim(),
          lessons: sentLessons.map((row) => row.input.value.trim()),
          action_items: sentActions.map((row) => ({
            text: row.fields.text.control.value.trim(),
            owner: row.fields.owner.control.value.trim(),
            due: row.fields.due.control.value || null,
            done: row.done.checked,
          })),
        },
        rows: { lessons: sentLessons, actions: sentActions },
      };
    },
    /**
     * Mark fields by path ("summary", "lessons.0", "action_items.1.due"; an item's own path marks its text),
     * for the rows that were sent. Returns the first marked control, or null if none of the paths is a field.
     */
    showErrors(errors, rows = { lessons, actions }) {
      const mark = (control, error, text) => {
        error.textContent = text || "";
        if (text) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
      };
      mark(summary, summaryError, null);
      for (const row of lessons) mark(row.input, row.error, null);
      for (const row of actions) for (const part of Object.values(row.fields)) mark(part.control, part.error, null);
      let first = null;
      const apply = (control, error, text) => {
        if (!text) return;
        mark(control, error, text);
        first = first || control;
      };
      apply(summary, summaryError, errors.summary);
      rows.lessons.forEach((row, index) => apply(row.input, row.error, errors[`lessons.${index}`]));
      rows.actions.forEach((row, index) => {
        for (const [name, part] of Object.entries(row.fields)) {
          const whole = name === "text" ? errors[`action_items.${index}`] : null;
          apply(part.control, part.error, errors[`action_items.${index}.${name}`] || whole);
        }
      });
      return first;
    },
    setBusy(busy) {
      save.disabled = busy;
      save.setAttribute("aria-busy", String(busy));
    },
    render() {
      summaryLabel.textContent = t("review.summary");
      summaryHint.textContent = t("review.summaryHint");
      lessonsTitle.textContent = t("review.lessons");
      addLesson.textContent = t("review.addLesson");
      actionsTitle.textContent = t("review.actions");
      addAction.textContent = t("review.addAction");
      save.textContent = t("review.save");
      renderRows();
    },
  };

  function renderRows() {
    lessons.forEach((row, index) => {
      row.label.textContent = t("review.lessonN", { n: index + 1 });
      row.remove.textContent = t("review.remove");
      row.remove.setAttribute("aria-label", t("review.removeLesson", { n: index + 1 }));
    });
    actions.forEach((row, index) => {
      row.legend.textContent = t("review.actionN", { n: index + 1 });
      for (const part of Object.values(row.fields)) part.label.textContent = t(part.label.dataset.label);
      row.doneLabel.textContent = t("review.actionDone");
      row.remove.textContent = t("review.remove");
      row.remove.setAttribute("aria-label", t("review.removeAction", { n: index + 1 }));
    });
    fill(lessonsList, lessons.map((row) => row.element));
    fill(actionsList, actions.length ? actions.map((row) => row.element) : h("p", { class: "muted small", text: t("review.noActions") }));
  }

  addLesson.addEventListener("click", () => {
    const row = lessonRow(api);
    lessons.push(row);
    renderRows();
    row.input.focus();
  });
  addAction.addEventListener("click", () => {
    const row = actionRow(api);
    actions.push(row);
    renderRows();
    row.fields.text.control.focus();
  });
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    const { body, rows } = api.values();
    onSave(body, rows);
  });
  return api;
}
