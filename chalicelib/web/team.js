// The crisis team (#/team): who is who, how to reach them, who is on duty. People switch their own duty
// on and off; admins also change access roles and escalation levels. The API decides who may do what
// and says why not; its messages appear next to the control they are about.

import { api } from "./api.js";
import { fill, h } from "./dom.js";
import { createChainCard } from "./escalation.js";
import { t } from "./i18n.js";
import { mayAct } from "./me.js";
import { REFRESH_MS } from "./incidents.js";
import { errorBox, fieldErrors, keepingFocus, loadingLine, mailLink, notice, phoneLink } from "./ui.js";

const ACCESS_ROLES = ["viewer", "responder", "approver", "admin"];

function accessLabel(role) {
  return ACCESS_ROLES.includes(role) ? t(`role.${role}`) : role;
}

export function createTeamView(ctx) {
  let users = null;
  let onDuty = [];
  let signature = null;
  let inFlight = null;
  let timer = null;
  const people = new Map(); // user id -> { duty, edit, errors, open, draft, busy }: survives re-rendering

  const heading = h("h1", { tabindex: "-1" });
  const intro = h("p", { class: "muted view-intro" });
  const summary = h("p", { class: "team-summary" });
  const region = h("div", { class: "list-region" });
  const chainCard = createChainCard(ctx);
  const element = h(
    "section",
    { class: "view-team" },
    h("div", { class: "view-head" }, heading, summary),
    intro,
    region,
    chainCard.element,
  );

  function person(userId) {
    if (!people.has(userId)) {
      people.set(userId, { duty: null, edit: null, errors: {}, open: false, draft: {}, busy: false, pending: null });
    }
    return people.get(userId);
  }

  function outcomeNode(outcome) {
    if (!outcome) return null;
    if (outcome.error) return errorBox(outcome.error);
    return notice(outcome.kind, t(outcome.key, outcome.params || {}));
  }

  async function save(user, changes, where) {
    const entry = person(user.user_id);
    entry.busy = true;
    entry.duty = null;
    entry.edit = null;
    entry.errors = {};
    render();
    try {
      const saved = await api(`/users/${encodeURIComponent(user.user_id)}`, {
        method: "PUT",
        body: { ...changes, version: user.version },
      });
      entry.busy = false;
      users = users.map((u) => (u.user_id === saved.user_id ? saved : u));
      return { ok: true, saved };
    } catch (error) {
      entry.busy = false;
      if (error.status === 409) {
        entry[where] = { kind: "warn", key: "desk.staleUser" };
        await load({ force: true });
      } else if (error.status !== 401 && error.name !== "AbortError") {
        entry.errors = fieldErrors(error);
        // A message about one field goes to that field; anything else (403, 500) to the control itself.
        if (!Object.keys(entry.errors).length || where === "duty") entry[where] = { error };
      }
      return { ok: false, error };
    } finally {
      render();
    }
  }

  async function toggleDuty(user, on) {
    const entry = person(user.user_id);
    entry.pending = on; // the switch shows what was asked for while the API answers
    const result = await save(user, { on_duty: on }, "duty");
    entry.pending = null;
    render();
    if (!result.ok) return;
    const key = on ? "team.dutyOn" : "team.dutyOff";
    person(user.user_id).duty = { kind: "success", key, params: { name: user.name } };
    await load({ force: true }); // the on-duty order comes from the API
    ctx.announce(t(key, { name: user.name }));
  }

  async function submitEdit(user, form) {
    const entry = person(user.user_id);
    const role = form.elements.namedItem("role").value;
    const levelText = form.elements.namedItem("escalation_level").value.trim();
    const changes = {};
    if (role !== user.role) changes.role = role;
    // Whole numbers go as numbers; anything else as typed, so that the API's message says what is wrong.
    const level = /^\d+$/.test(levelText) ? Number(levelText) : levelText;
    if (level !== user.escalation_level) changes.escalation_level = level;
    if (!Object.keys(changes).length) {
      entry.edit = { kind: "info", key: "roles.unchanged" };
      render();
      return;
    }
    const result = await save(user, changes, "edit");
    if (result.ok) {
      entry.draft = {};
      entry.edit = { kind: "success", key: "team.saved" };
      await load({ force: true });
    }
    // The form was drawn anew: find the message or the first field in error in the new one.
    const card = region.querySelector(`[data-user-id="${CSS.escape(user.user_id)}"]`);
    const target = card && (card.querySelector("[aria-invalid='true']") || card.querySelector(".person__edit .person__message"));
    target?.focus();
  }

  function dutySwitch(user, entry) {
    const id = `duty-${user.user_id}`;
    const box = h("input", {
      type: "checkbox",
      role: "switch",
      id,
      checked: entry.pending ?? user.on_duty,
      disabled: entry.busy,
      "aria-busy": entry.busy ? "true" : null,
      "aria-describedby": `${id}-msg`,
      "data-focus-key": id,
    });
    box.addEventListener("change", () => toggleDuty(user, box.checked));
    return h(
      "div",
      { class: "person__duty" },
      h("div", { class: "switch" }, box, h("label", { for: id, text: t("team.onDuty") })),
      h("div", { id: `${id}-msg`, class: "person__message", role: "status", "aria-live": "polite" }, outcomeNode(entry.duty)),
    );
  }

  function editField(user, entry, name, labelKey, control) {
    const id = `${name}-${user.user_id}`;
    const error = entry.errors[name];
    control.id = id;
    control.name = name;
    control.dataset.focusKey = id;
    control.setAttribute("aria-describedby", `${id}-error`);
    if (error) control.setAttribute("aria-invalid", "true");
    control.addEventListener("input", () => (entry.draft[name] = control.value));
    return h(
      "div",
      { class: "field" },
      h("label", { for: id, text: t(labelKey) }),
      control,
      h("p", { id: `${id}-error`, class: "field-error", text: error || "" }),
    );
  }

  function editor(user, entry) {
    const roleValue = entry.draft.role ?? user.role;
    const role = h(
      "select",
      {},
      ACCESS_ROLES.map((value) => h("option", { value, selected: value === roleValue, text: accessLabel(value) })),
    );
    const level = h("input", {
      type: "number",
      min: "1",
      max: "5",
      step: "1",
      inputmode: "numeric",
      value: entry.draft.escalation_level ?? String(user.escalation_level),
    });
    const form = h(
      "form",
      { class: "person__form", novalidate: true },
      editField(user, entry, "role", "team.role", role),
      editField(user, entry, "escalation_level", "team.level", level),
      h("button", { type: "submit", class: "btn btn--secondary", disabled: entry.busy, "data-focus-key": `save-${user.user_id}`, text: t("team.save") }),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitEdit(user, form);
    });
    const details = h(
      "details",
      { class: "person__edit", open: entry.open },
      h("summary", { text: t("team.edit") }),
      form,
      h("div", { id: `edit-msg-${user.user_id}`, class: "person__message", role: "status", "aria-live": "polite", tabindex: "-1" }, outcomeNode(entry.edit)),
    );
    details.addEventListener("toggle", () => (entry.open = details.open));
    return details;
  }

  function personCard(user) {
    const entry = person(user.user_id);
    return h(
      "li",
      { class: `person${user.on_duty ? " person--on-duty" : ""}`, "data-user-id": user.user_id },
      h(
        "div",
        { class: "person__head" },
        h("h2", { class: "person__name", text: user.name }),
        h("span", { class: `badge ${user.on_duty ? "badge--duty" : "badge--off"}`, text: t(user.on_duty ? "team.onDuty" : "team.offDuty") }),
      ),
      user.function ? h("p", { class: "person__function muted", text: user.function }) : null,
      h(
        "dl",
        { class: "person__facts" },
        h("dt", { text: t("team.level") }),
        h("dd", { text: t("duty.level", { level: user.escalation_level }) }),
        h("dt", { text: t("team.role") }),
        h("dd", { text: accessLabel(user.role) }),
        user.phone ? [h("dt", { text: t("team.phone") }), h("dd", {}, phoneLink(user.phone))] : null,
        user.email ? [h("dt", { text: t("team.email") }), h("dd", {}, mailLink(user.email))] : null,
      ),
      dutySwitch(user, entry),
      mayAct("admin") ? editor(user, entry) : null, // admins only: others would only be told no
    );
  }

  function render() {
    heading.textContent = t("team.title");
    intro.textContent = `${t("team.intro")} ${t("team.self")}`;
    summary.textContent = users ? t("team.count", { count: onDuty.length, total: users.length }) : "";
    keepingFocus(region, () => {
      if (!users) return fill(region, loadingLine());
      if (!users.length) return fill(region, h("p", { class: "empty", text: t("team.empty") }));
      // On duty first, by escalation level (the API's order); then everyone else by name.
      const rank = new Map(onDuty.map((id, index) => [id, index]));
      const ordered = [...users].sort(
        (a, b) => (rank.get(a.user_id) ?? 1e6) - (rank.get(b.user_id) ?? 1e6) || a.name.localeCompare(b.name),
      );
      return fill(region, h("ul", { class: "people", "aria-label": t("team.title") }, ordered.map(personCard)));
    });
    chainCard.render();
  }

  async function load({ force = false } = {}) {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    try {
      const page = await api("/users", { signal: controller.signal });
      const fresh = JSON.stringify(page);
      users = page.items || [];
      onDuty = page.on_duty || [];
      ctx.clearError();
      if (force || fresh !== signature) {
        signature = fresh;
        render();
      }
      if (!chainCard.busy) chainCard.load(); // who each level reaches follows who is on duty
    } catch (error) {
      ctx.showError(error);
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  }

  return {
    element,
    heading,
    render,
    start() {
      render();
      load();
      timer = window.setInterval(() => {
        const busy = [...people.values()].some((entry) => entry.busy);
        if (!inFlight && !busy) load();
      }, REFRESH_MS);
    },
    destroy() {
      window.clearInterval(timer);
      inFlight?.abort();
    },
  };
}
