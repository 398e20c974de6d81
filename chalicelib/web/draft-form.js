// The form for a new reply draft: kind, channel, language, Sie/Du, and optionally one of the incident's
// top mentions to answer. Built once, so a refresh never takes what someone picked.

import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { ADDRESSES, CHANNELS, KINDS, LANGUAGES, NEEDS_MENTION, handleOf, label, outcomeNode, shorten } from "./draft-parts.js";

const FIELDS = ["mention_id", "kind", "channel", "language", "address"];

/**
 * `topMentions()` gives the incident's top mentions, `hasDrafts()` whether there are drafts (the form is
 * open while there are none, unless someone folded it); `create(body)` sends the draft and resolves
 * with { ok } or { ok: false, errors: {field: text}, outcome }.
 */
export function createDraftForm({ topMentions, hasDrafts, create }) {
  const state = { errors: {}, outcome: null, open: null, busy: false };
  const controls = {
    mention_id: h("select", { id: "draft-mention", name: "mention_id", "data-focus-key": "draft-mention" }),
    kind: h("select", { id: "draft-kind", name: "kind", "data-focus-key": "draft-kind" }),
    channel: h("select", { id: "draft-channel", name: "channel", "data-focus-key": "draft-channel" }),
    language: h("select", { id: "draft-language", name: "language", "data-focus-key": "draft-language" }),
  };
  const labels = {};
  const errors = {};
  const radios = ADDRESSES.map((value) =>
    h("input", {
      type: "radio",
      name: "address",
      id: `draft-address-${value}`,
      value,
      checked: value === "Sie",
      "aria-describedby": "draft-address-error",
      "data-focus-key": `draft-address-${value}`,
    }),
  );
  const radioLabels = ADDRESSES.map((value) => h("label", { for: `draft-address-${value}`, class: "radio__label" }));
  const legend = h("legend");
  errors.address = h("p", { id: "draft-address-error", class: "field-error", "aria-live": "polite" });

  function field(name, wide = false) {
    const control = controls[name];
    labels[name] = h("label", { for: control.id });
    errors[name] = h("p", { id: `${control.id}-error`, class: "field-error", "aria-live": "polite" });
    control.setAttribute("aria-describedby", `${control.id}-error`);
    return h("div", { class: `field${wide ? " draft-form__wide" : ""}` }, labels[name], control, errors[name]);
  }

  const submit = h("button", { type: "submit", class: "btn btn--primary", "data-focus-key": "draft-create" });
  const form = h(
    "form",
    { class: "draft-form", novalidate: true },
    field("mention_id", true),
    field("kind"),
    field("channel"),
    field("language"),
    h(
      "fieldset",
      { class: "field radio-group" },
      legend,
      h("div", { class: "radio-group__options" }, radios.map((radio, i) => h("span", { class: "radio" }, radio, radioLabels[i]))),
      errors.address,
    ),
    h("div", { class: "button-row draft-form__wide" }, submit),
  );
  const summary = h("summary");
  const message = h("div", { class: "section-message", role: "status", "aria-live": "polite", tabindex: "-1" });
  const element = h("details", { class: "draft-new" }, summary, form, message);
  element.addEventListener("toggle", () => (state.open = element.open));

  // Answering a mention: its platform and language are the likely choice.
  controls.mention_id.addEventListener("change", () => {
    const mention = topMentions().find((m) => m.mention_id === controls.mention_id.value);
    if (!mention) return;
    if (CHANNELS.includes(mention.platform)) controls.channel.value = mention.platform;
    if (LANGUAGES.includes(mention.lang)) controls.language.value = mention.lang;
    if (!NEEDS_MENTION.includes(controls.kind.value)) controls.kind.value = "reply";
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      kind: controls.kind.value,
      channel: controls.channel.value,
      language: controls.language.value,
      address: radios.find((radio) => radio.checked)?.value || "Sie",
      ...(controls.mention_id.value ? { mention_id: controls.mention_id.value } : {}),
    };
    state.outcome = null;
    state.errors = NEEDS_MENTION.includes(body.kind) && !body.mention_id ? { mention_id: t("drafts.mentionRequired") } : {};
    if (!Object.keys(state.errors).length) {
      state.busy = true;
      render();
      const result = await create(body);
      state.busy = false;
      if (result.ok) state.open = false;
      else Object.assign(state, { errors: result.errors || {}, outcome: result.outcome || null });
    }
    render();
    if (state.outcome || Object.keys(state.errors).length) (form.querySelector("[aria-invalid='true']") || message).focus();
  });

  function options(select, values, prefix, fallback) {
    const chosen = select.value || fallback;
    fill(select, values.map((value) => h("option", { value, selected: value === chosen, text: label(prefix, value) })));
    select.value = values.includes(chosen) ? chosen : fallback;
  }

  function mentionOptions() {
    const mentions = topMentions();
    const chosen = controls.mention_id.value;
    fill(
      controls.mention_id,
      h("option", { value: "", text: t("drafts.noMention") }),
      mentions.map((m) => h("option", { value: m.mention_id, text: `${handleOf(m)} (${m.platform}): ${shorten(m.text)}` })),
    );
    controls.mention_id.value = mentions.some((m) => m.mention_id === chosen) ? chosen : "";
  }

  function render() {
    summary.textContent = t("drafts.new");
    for (const name of ["mention_id", "kind", "channel", "language"]) labels[name].textContent = t(`drafts.${name === "mention_id" ? "mention" : name}`);
    legend.textContent = t("drafts.address");
    radioLabels.forEach((el, i) => (el.textContent = label("draftAddress", ADDRESSES[i])));
    submit.textContent = t("drafts.create");
    submit.disabled = state.busy;
    mentionOptions();
    options(controls.kind, KINDS, "draftKind", "reply");
    options(controls.channel, CHANNELS, "draftChannel", "x");
    options(controls.language, LANGUAGES, "draftLanguage", "de");
    for (const name of FIELDS) {
      const text = state.errors[name] || "";
      errors[name].textContent = text;
      for (const target of name === "address" ? radios : [controls[name]]) {
        if (text) target.setAttribute("aria-invalid", "true");
        else target.removeAttribute("aria-invalid");
      }
    }
    fill(message, outcomeNode(state.outcome));
    element.open = state.open ?? !hasDrafts();
  }

  return { element, render, fields: FIELDS };
}
