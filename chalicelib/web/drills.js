// Drills (#/drills): a crisis exercise plays a scenario for a brand faster than real time; its incident
// carries the stamp "ÜBUNG" everywhere and counts in no report. Approvers start and stop drills; every
// signed-in person sees the list.

import { api, query } from "./api.js";
import { fill, h } from "./dom.js";
import { formatDateTime, has, t } from "./i18n.js";
import { REFRESH_MS } from "./incidents.js";
import { mayAct } from "./me.js";
import { bodyFieldErrors } from "./draft-parts.js";
import { drillBadge, emptyLine, errorBox, loadingLine, localized, notice } from "./ui.js";

const DEFAULT_SPEED = 60;

function statusLabel(status) {
  return has(`drillStatus.${status}`) ? t(`drillStatus.${status}`) : status;
}

/** When and why a drill ended: stopped by someone, its incident resolved, or its twelve hours over. */
function endedLine(drill) {
  if (!drill.ended_at) return t("none");
  const time = formatDateTime(drill.ended_at);
  if (drill.ended_by) return t("drills.atBy", { time, actor: drill.ended_by });
  const reason = has(`drillEnd.${drill.end_reason}`) ? t(`drillEnd.${drill.end_reason}`) : "";
  return reason ? `${time} (${reason})` : time;
}

function errorLine(id) {
  return h("p", { id, class: "field-error", "aria-live": "polite" });
}

export function createDrillsView(ctx) {
  let drills = null;
  let playbooks = null;
  let brands = [];
  let listError = null;
  let timer = null;
  let inFlight = null;
  let busy = false;
  let outcome = null; // after start or stop: { kind, key, params } or { error }
  const draft = { playbook: "", brand: "", speed: String(DEFAULT_SPEED) }; // what is typed, across refreshes

  const heading = h("h1", { tabindex: "-1" });
  const intro = h("p", { class: "muted view-intro" });
  const formCard = h("section", { class: "card drill-start", "aria-labelledby": "drill-start-title" });
  const listRegion = h("div", { class: "list-region" });
  const message = h("div", { class: "section-message", role: "status", "aria-live": "polite", tabindex: "-1" });
  const element = h("section", { class: "view-drills" }, h("div", { class: "view-head" }, heading), intro, formCard, message, listRegion);
  const errors = {};

  function select(name, labelKey, options, value) {
    const control = h(
      "select",
      { id: `drill-${name}`, name, "aria-describedby": `drill-${name}-error`, "aria-invalid": errors[name] ? "true" : null },
      h("option", { value: "", text: t("drills.choose") }),
      options.map(([optionValue, label]) => h("option", { value: optionValue, selected: optionValue === value, text: label })),
    );
    control.addEventListener("change", () => (draft[name] = control.value));
    return h("div", { class: "field" }, h("label", { for: `drill-${name}`, text: t(labelKey) }), control, errorLine(`drill-${name}-error`));
  }

  function renderForm() {
    if (!mayAct("approver")) {
      fill(formCard, h("h2", { id: "drill-start-title", class: "card__title", text: t("drills.start") }), h("p", { class: "muted", text: t("drills.approversOnly") }));
      return;
    }
    const playbookOptions = (playbooks || []).map((p) => [p.id, localized(p.title) || p.id]);
    const brandOptions = brands.map((b) => [b.brand, b.brand_name || b.brand]);
    if (!draft.brand && brandOptions.length === 1) draft.brand = brandOptions[0][0];
    const speed = h("input", {
      id: "drill-speed",
      name: "speed",
      type: "number",
      inputmode: "numeric",
      min: "1",
      step: "1",
      value: draft.speed,
      "aria-describedby": "drill-speed-hint drill-speed-error",
      "aria-invalid": errors.speed ? "true" : null,
    });
    speed.addEventListener("input", () => (draft.speed = speed.value));
    const brandField = brandOptions.length
      ? select("brand", "filter.brand", brandOptions, draft.brand)
      : (() => {
          const input = h("input", { id: "drill-brand", name: "brand", type: "text", value: draft.brand, autocomplete: "off", "aria-describedby": "drill-brand-error", "aria-invalid": errors.brand ? "true" : null });
          input.addEventListener("input", () => (draft.brand = input.value));
          return h("div", { class: "field" }, h("label", { for: "drill-brand", text: t("filter.brand") }), input, errorLine("drill-brand-error"));
        })();
    const submit = h("button", { type: "submit", class: "btn btn--primary", disabled: busy, text: t("drills.startButton") });
    const form = h(
      "form",
      { class: "drill-form", novalidate: true },
      playbooks === null ? loadingLine() : select("playbook", "drills.playbook", playbookOptions, draft.playbook),
      brandField,
      h("div", { class: "field" }, h("label", { for: "drill-speed", text: t("drills.speed") }), speed, h("p", { id: "drill-speed-hint", class: "muted small", text: t("drills.speedHint") }), errorLine("drill-speed-error")),
      h("div", { class: "button-row drill-form__buttons" }, submit),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      start(form);
    });
    fill(formCard, h("h2", { id: "drill-start-title", class: "card__title", text: t("drills.start") }), h("p", { class: "card__explain", text: t("drills.startExplain") }), form);
    for (const [name, text] of Object.entries(errors)) {
      const line = formCard.querySelector(`#drill-${name}-error`);
      if (line) line.textContent = text;
    }
  }

  /** Checks in the page what needs no server: something chosen, a whole number. */
  function validate() {
    const found = {};
    if (!draft.playbook) found.playbook = t("drills.playbookRequired");
    if (!draft.brand.trim()) found.brand = t("drills.brandRequired");
    const speed = Number(draft.speed);
    if (!/^\d+$/.test(draft.speed.trim()) || !Number.isInteger(speed) || speed < 1) found.speed = t("drills.speedInvalid");
    return found;
  }

  function setErrors(found) {
    for (const name of Object.keys(errors)) delete errors[name];
    Object.assign(errors, found);
  }

  async function start(form) {
    setErrors(validate());
    outcome = null;
    fill(message);
    if (Object.keys(errors).length) {
      renderForm();
      formCard.querySelector(`#drill-${Object.keys(errors)[0]}`)?.focus();
      return;
    }
    busy = true;
    renderForm();
    try {
      const drill = await api("/drills", { method: "POST", body: { playbook: draft.playbook, brand: draft.brand.trim(), speed: Number(draft.speed) } });
      busy = false;
      outcome = { kind: "success", key: "drills.started", params: { id: drill.drill_id } };
      draft.playbook = "";
      await loadDrills();
    } catch (error) {
      busy = false;
      if (error.status === 401) return;
      setErrors(bodyFieldErrors(error)); // the API's own words: they name the limits
      if (!Object.keys(errors).length) outcome = { error };
    }
    renderForm();
    renderOutcome();
    const first = Object.keys(errors)[0];
    if (first) formCard.querySelector(`#drill-${first}`)?.focus();
    else message.focus();
  }

  async function stop(drill, button) {
    if (!window.confirm(t("drills.stopConfirm", { id: drill.drill_id }))) return;
    button.disabled = true;
    outcome = null;
    try {
      await api(`/drills/${encodeURIComponent(drill.drill_id)}/stop`, { method: "POST", body: {} });
      outcome = { kind: "success", key: "drills.stopped", params: { id: drill.drill_id } };
    } catch (error) {
      if (error.status === 401) return;
      outcome = { error };
    }
    await loadDrills();
    renderOutcome();
    message.focus();
  }

  function renderOutcome() {
    if (!outcome) return fill(message);
    return fill(message, outcome.error ? errorBox(outcome.error) : notice(outcome.kind, t(outcome.key, outcome.params || {})));
  }

  function playbookTitle(id) {
    const found = (playbooks || []).find((p) => p.id === id);
    return found ? localized(found.title) : id;
  }

  function drillItem(drill) {
    const running = drill.status === "running";
    const stopButton =
      running && mayAct("approver") ? h("button", { type: "button", class: "btn btn--secondary btn--small", text: t("drills.stop"), "aria-label": t("drills.stopLabel", { id: drill.drill_id }) }) : null;
    stopButton?.addEventListener("click", () => stop(drill, stopButton));
    const incident = drill.incident_id
      ? h("a", { href: `#/incidents/${encodeURIComponent(drill.incident_id)}`, class: "mono", text: drill.incident_id })
      : h("span", { class: "muted", text: t(running ? "drills.noIncidentYet" : "drills.noIncident") });
    const fact = (labelKey, ...value) => [h("dt", { text: t(labelKey) }), h("dd", {}, ...value)];
    return h(
      "li",
      { class: `drill drill--${drill.status}`, "data-drill-id": drill.drill_id },
      h(
        "div",
        { class: "drill__head" },
        drillBadge(drill),
        h("h2", { class: "drill__title", text: playbookTitle(drill.playbook) }),
        h("span", { class: `chip chip--drill-${drill.status}` }, h("span", { class: "chip__dot", "aria-hidden": "true" }), statusLabel(drill.status)),
        stopButton,
      ),
      h(
        "dl",
        { class: "drill__facts" },
        fact("drills.id", h("span", { class: "mono", text: drill.drill_id })),
        fact("filter.brand", (brands.find((b) => b.brand === drill.brand) || {}).brand_name || drill.brand),
        fact("drills.speedShort", t("drills.speedValue", { speed: drill.speed })),
        fact("drills.startedAt", t("drills.atBy", { time: formatDateTime(drill.started_at), actor: drill.started_by || t("none") })),
        running ? fact("drills.endsAt", formatDateTime(drill.ends_at)) : fact("drills.endedAt", endedLine(drill)),
        fact("drills.incident", incident),
      ),
    );
  }

  function renderList() {
    if (listError && !drills) return fill(listRegion, errorBox(listError));
    if (!drills) return fill(listRegion, loadingLine());
    return fill(
      listRegion,
      h("h2", { class: "list-title", text: t("drills.list") }),
      drills.length ? h("ol", { class: "drill-list" }, drills.map(drillItem)) : emptyLine("drills.empty"),
    );
  }

  async function loadDrills() {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    try {
      const page = await api(`/drills${query({ limit: 50 })}`, { signal: controller.signal });
      drills = page.items || [];
      listError = null;
      ctx.clearError();
    } catch (error) {
      if (error.name === "AbortError") return;
      if (error.status !== 401) listError = error;
    } finally {
      if (inFlight === controller) inFlight = null;
    }
    renderList();
  }

  async function loadChoices() {
    const [books, incidents] = await Promise.allSettled([api("/playbooks"), api(`/incidents${query({ limit: 100 })}`)]);
    playbooks = books.status === "fulfilled" ? books.value.items || [] : [];
    if (books.status === "rejected" && books.reason.status !== 401) outcome = { error: books.reason };
    if (incidents.status === "fulfilled") {
      const seen = new Map();
      for (const item of incidents.value.items || []) if (!seen.has(item.brand)) seen.set(item.brand, { brand: item.brand, brand_name: item.brand_name });
      brands = [...seen.values()];
    }
    renderForm();
    renderOutcome();
    renderList();
  }

  return {
    element,
    heading,
    render() {
      heading.textContent = t("drills.title");
      intro.textContent = t("drills.intro");
      renderForm();
      renderOutcome();
      renderList();
    },
    start() {
      this.render();
      loadDrills();
      loadChoices(); // playbook titles and brand names for the list too
      timer = window.setInterval(() => {
        if (!inFlight) loadDrills();
      }, REFRESH_MS);
    },
    destroy() {
      window.clearInterval(timer);
      inFlight?.abort();
    },
  };
}
