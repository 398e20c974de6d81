// The timeline of an incident, newest entries last, with status updates (notes without a status
// change) written on top of it.

import { fill, h } from "./dom.js";
import { formatDateTime, has, t } from "./i18n.js";
import { emptyLine, fieldErrors, severityBadge } from "./ui.js";

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

/** The timeline with a form for status updates (notes without a status change) on top. */
export function createTimeline(desk) {
  const title = h("h2", { id: "timeline-title", class: "card__title" });
  const label = h("label", { for: "update-text" });
  const hint = h("p", { id: "update-hint", class: "muted small" });
  const input = h("textarea", {
    id: "update-text",
    name: "update",
    rows: "2",
    maxlength: "1000",
    "aria-describedby": "update-hint update-error",
    "data-focus-key": "update-text",
  });
  const fieldError = h("p", { id: "update-error", class: "field-error", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn--secondary", "data-desk-action": true, "data-focus-key": "update-save" });
  const form = h("form", { class: "update-form", novalidate: true }, h("div", { class: "field" }, label, input, hint, fieldError), submit);
  const list = h("div");
  const element = h(
    "section",
    { class: "card", id: "timeline", "aria-labelledby": "timeline-title" },
    title,
    form,
    desk.messageFor("update"),
    list,
  );

  function showFieldError(text) {
    fieldError.textContent = text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      showFieldError(t("desk.required"));
      input.focus();
      return;
    }
    showFieldError("");
    const result = await desk.run("update", "/notes", { body: { text }, success: "update.saved" });
    if (result.ok) input.value = "";
    else showFieldError((result.error && fieldErrors(result.error).text) || "");
    desk.focusMessage("update");
  });

  function update() {
    title.textContent = t("incident.timeline");
    label.textContent = t("update.label");
    hint.textContent = t("update.hint");
    submit.textContent = t("update.submit");
    submit.disabled = desk.state.busy;
    const incident = desk.state.incident;
    if (incident) fill(list, timelineList(incident.timeline));
  }

  return { element, update };
}
