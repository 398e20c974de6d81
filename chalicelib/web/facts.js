// Facts about the crisis: what the team knows, whether a person has verified it, and who. Reply
// drafts state verified facts only, so "Geprüft" is a person's decision, recorded with their name.

import { fill, h } from "./dom.js";
import { formatDateTime, t } from "./i18n.js";
import { fieldErrors } from "./ui.js";

export function createFacts(desk) {
  const title = h("h2", { id: "facts-title", class: "card__title" });
  const explain = h("p", { class: "card__explain" });
  const list = h("div");
  const label = h("label", { for: "fact-text" });
  const input = h("textarea", {
    id: "fact-text",
    name: "fact",
    rows: "2",
    maxlength: "1000",
    "aria-describedby": "fact-text-error",
    "data-focus-key": "fact-text",
  });
  const fieldError = h("p", { id: "fact-text-error", class: "field-error", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn--secondary", "data-desk-action": true, "data-focus-key": "fact-add" });
  const form = h("form", { class: "fact-form", novalidate: true }, h("div", { class: "field" }, label, input, fieldError), submit);
  const message = desk.messageFor("facts");
  const element = h(
    "section",
    { class: "card card--facts", id: "facts", "aria-labelledby": "facts-title" },
    title,
    explain,
    list,
    form,
    message,
  );
  let errorText = "";

  function showFieldError(text) {
    errorText = text;
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
    const result = await desk.run("facts", "/facts", { body: { text }, success: "facts.added" });
    if (result.ok) {
      input.value = "";
      input.focus(); // the next fact follows quickly on a busy day
      return;
    }
    const byField = result.error ? fieldErrors(result.error) : {};
    if (byField.text) {
      showFieldError(byField.text);
      input.focus();
    }
  });

  function factItem(fact) {
    const textId = `fact-${fact.fact_id}-text`;
    let verify = null;
    if (!fact.verified) {
      verify = h("button", {
        type: "button",
        class: "btn btn--secondary btn--small fact__verify",
        title: t("facts.verifyHint"),
        "aria-describedby": textId,
        "data-desk-action": true,
        "data-focus-key": `verify-${fact.fact_id}`,
        disabled: desk.state.busy,
        text: t("facts.verify"),
      });
      verify.addEventListener("click", async () => {
        await desk.run("facts", `/facts/${encodeURIComponent(fact.fact_id)}/verify`, {
          body: {},
          success: "facts.verifiedDone",
          params: { text: fact.text },
        });
        desk.focusMessage("facts");
      });
    }
    const state = fact.verified
      ? h("span", { class: "badge badge--verified", text: t("facts.verified") })
      : h("span", { class: "badge badge--unverified", text: t("facts.unverified") });
    return h(
      "li",
      { class: `fact fact--${fact.verified ? "verified" : "unverified"}`, "data-fact-id": fact.fact_id },
      h("p", { class: "fact__text", id: textId, text: fact.text }),
      h(
        "div",
        { class: "fact__meta" },
        state,
        fact.verified
          ? h("span", { text: t("facts.verifiedBy", { actor: fact.verified_by, time: formatDateTime(fact.verified_at) }) })
          : null,
        h("span", { class: "muted", text: t("facts.addedBy", { actor: fact.added_by || t("none"), time: formatDateTime(fact.added_at) }) }),
        verify,
      ),
    );
  }

  function update() {
    const incident = desk.state.incident;
    title.textContent = t("facts.title");
    explain.textContent = t("facts.explain");
    label.textContent = t("facts.new");
    submit.textContent = t("facts.add");
    submit.disabled = desk.state.busy;
    fieldError.textContent = errorText;
    if (!incident) return;
    element.hidden = !Array.isArray(incident.facts); // an API without the desk has no facts to show
    if (element.hidden) return;
    const facts = incident.facts;
    const verified = facts.filter((fact) => fact.verified).length;
    fill(
      list,
      facts.length
        ? [
            h("p", { class: "card__count muted small", text: t("facts.count", { verified, total: facts.length }) }),
            h("ul", { class: "fact-list" }, facts.map(factItem)),
          ]
        : h("p", { class: "empty", text: t("facts.empty") }),
    );
  }

  return { element, update };
}
