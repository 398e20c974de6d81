// The escalation chain on the team page: which level is alerted how long after an incident opened,
// who each level reaches now, and what is wrong with that (nobody on duty at a level). Admins change
// the minutes, add or remove a level and save with the version they saw; the API checks the chain
// and its messages appear next to the field they are about.

import { api } from "./api.js";
import { fill, h } from "./dom.js";
import { has, language, t } from "./i18n.js";
import { mayAct } from "./me.js";
import { errorBox, keepingFocus, loadingLine, notice } from "./ui.js";

const MAX_LEVELS = 5;

/** The API's details by step: { "2": { after_minutes: "..." } }, and anything else under "chain". */
function chainErrors(error) {
  const found = { steps: {}, chain: [] };
  for (const detail of (error && error.details) || []) {
    if (!detail || typeof detail.field !== "string") continue;
    const match = /^body\.steps\.(\d+)\.(level|after_minutes)$/.exec(detail.field);
    const lead = detail.type && has(`fieldError.${detail.type}`) ? `${t(`fieldError.${detail.type}`)} – ` : "";
    const message = `${lead}${detail.message || error.message}`;
    if (match) {
      const row = (found.steps[match[1]] ||= {});
      row[match[2]] = row[match[2]] ? `${row[match[2]]}; ${message}` : message;
    } else if (detail.field.startsWith("body")) {
      found.chain.push(message);
    }
  }
  return found;
}

function names(people) {
  return people.length ? people.map((p) => p.name).join(", ") : t("chain.nobody");
}

export function createChainCard(ctx) {
  let chain = null;
  let loadError = null;
  // The admin's edit: rows of { level, minutes (as typed) }, kept across refreshes until saved.
  let draft = null;
  let errors = { steps: {}, chain: [] };
  let outcome = null;
  let open = false;
  let busy = false;

  const heading = h("h2", { id: "chain-title" });
  const intro = h("p", { class: "muted" });
  const body = h("div", { class: "chain__body" });
  const element = h("section", { class: "card chain", "aria-labelledby": "chain-title" }, heading, intro, body);

  function fromChain() {
    return chain.steps.map((step) => ({ level: step.level, minutes: String(step.after_minutes) }));
  }

  function warningText(item) {
    return language() === "en" ? item.warning_en || item.en || item.warning || item.de : item.warning || item.de;
  }

  function stepLabel(level, minutes) {
    return minutes === 0 ? t("chain.stepNow", { level }) : t("chain.stepAfter", { level, minutes });
  }

  function levelItem(entry) {
    const warning = entry.warning ? warningText(entry) : null;
    return h(
      "li",
      { class: `chain__level${warning ? " chain__level--warn" : ""}`, "data-level": String(entry.level) },
      h("h3", { class: "chain__step", text: stepLabel(entry.level, entry.after_minutes) }),
      h(
        "dl",
        { class: "chain__facts" },
        h("dt", { text: t("chain.onDuty") }),
        h("dd", { class: "chain__on-duty", text: names(entry.on_duty) }),
        h("dt", { text: t("chain.reached") }),
        h("dd", { class: "chain__reached", text: names(entry.reached) }),
      ),
      warning ? h("p", { class: "notice notice--warn chain__warning", text: warning }) : null,
    );
  }

  function minutesField(row, index) {
    const id = `chain-minutes-${index}`;
    const error = (errors.steps[String(index)] || {}).after_minutes || (errors.steps[String(index)] || {}).level || "";
    const input = h("input", {
      id,
      type: "number",
      min: "0",
      max: "1440",
      step: "1",
      inputmode: "numeric",
      value: row.minutes,
      disabled: busy,
      readonly: index === 0, // level 1 is alerted at once
      "aria-describedby": `${id}-error`,
      "aria-invalid": error ? "true" : null,
      "data-focus-key": id,
    });
    input.addEventListener("input", () => (row.minutes = input.value));
    const remove =
      index === 0
        ? null
        : h("button", {
            type: "button",
            class: "btn btn--ghost chain__remove",
            disabled: busy,
            "data-focus-key": `chain-remove-${index}`,
            text: t("chain.remove", { level: row.level }),
          });
    remove?.addEventListener("click", () => {
      draft.splice(index, 1);
      errors = { steps: {}, chain: [] };
      outcome = null;
      render();
    });
    return h(
      "div",
      { class: "field chain__row", "data-step": String(index) },
      h("label", { for: id, text: t("chain.minutesOf", { level: row.level }) }),
      h("div", { class: "chain__inputs" }, input, remove),
      h("p", { id: `${id}-error`, class: "field-error", text: error }),
    );
  }

  function editor() {
    if (!draft) draft = fromChain();
    const add = h("button", {
      type: "button",
      class: "btn btn--ghost",
      disabled: busy || draft.length >= MAX_LEVELS,
      "data-focus-key": "chain-add",
      text: t("chain.add"),
    });
    add.addEventListener("click", () => {
      const last = draft[draft.length - 1];
      const minutes = Number(last.minutes);
      draft.push({ level: last.level + 1, minutes: String(Number.isFinite(minutes) ? minutes + 15 : 15) });
      outcome = null;
      render();
    });
    const form = h(
      "form",
      { class: "chain__form", novalidate: true },
      draft.map(minutesField),
      errors.chain.length ? h("p", { class: "field-error", text: errors.chain.join("; ") }) : null,
      h(
        "div",
        { class: "chain__buttons" },
        add,
        h("button", { type: "submit", class: "btn btn--secondary", disabled: busy, "data-focus-key": "chain-save", text: t("chain.save") }),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save();
    });
    const details = h(
      "details",
      { class: "chain__edit", open },
      h("summary", { text: t("chain.edit") }),
      form,
    );
    details.addEventListener("toggle", () => (open = details.open));
    return details;
  }

  async function save() {
    const steps = draft.map((row) => {
      const text = String(row.minutes).trim();
      // Whole numbers go as numbers; anything else as typed, so that the API's message says what is wrong.
      return { level: row.level, after_minutes: /^\d+$/.test(text) ? Number(text) : text };
    });
    busy = true;
    errors = { steps: {}, chain: [] };
    outcome = null;
    render();
    try {
      chain = await api("/escalation", { method: "PUT", body: { steps, version: chain.version } });
      draft = null;
      outcome = { kind: "success", text: t("chain.saved") };
      ctx.announce(t("chain.saved"));
    } catch (error) {
      if (error.status === 409) {
        draft = null;
        outcome = { kind: "warn", text: t("chain.stale") };
        busy = false;
        await load();
      } else if (error.status !== 401 && error.name !== "AbortError") {
        errors = chainErrors(error);
        if (!Object.keys(errors.steps).length && !errors.chain.length) outcome = { error };
      }
    } finally {
      busy = false;
      render();
    }
    const target = element.querySelector("[aria-invalid='true']") || element.querySelector(".chain__message");
    target?.focus();
  }

  function render() {
    heading.textContent = t("chain.title");
    intro.textContent = t("chain.intro");
    keepingFocus(body, () => {
      if (loadError && !chain) return fill(body, errorBox(loadError));
      if (!chain) return fill(body, loadingLine());
      const levelWarnings = new Set(chain.levels.filter((l) => l.warning).map((l) => l.level));
      const others = (chain.warnings || []).filter((w) => !(w.code !== "beyond_chain" && levelWarnings.has(w.level)));
      const message = outcome && (outcome.error ? errorBox(outcome.error) : notice(outcome.kind, outcome.text));
      return fill(
        body,
        h("ol", { class: "chain__levels", "aria-label": t("chain.title") }, chain.levels.map(levelItem)),
        others.length
          ? h("ul", { class: "chain__warnings" }, others.map((w) => h("li", { class: "notice notice--warn", text: warningText(w) })))
          : null,
        mayAct("admin") ? editor() : null,
        h("div", { class: "chain__message person__message", role: "status", "aria-live": "polite", tabindex: "-1" }, message),
      );
    });
  }

  async function load() {
    try {
      chain = await api("/escalation");
      loadError = null;
    } catch (error) {
      if (error.name === "AbortError" || error.status === 401) return;
      loadError = error;
    }
    if (!busy) render();
  }

  return {
    element,
    render,
    load,
    get busy() {
      return busy;
    },
  };
}
