// Crisis roles on an incident (who leads, who speaks, who checks the law ...) and who is on duty.

import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { errorBox, phoneLink } from "./ui.js";

// chalicelib/domain/models.py CRISIS_ROLES: the keys of PUT /incidents/{id}/roles.
export const CRISIS_ROLES = ["Krisenleitung", "Kommunikation", "Recht", "Kundenservice", "Geschäftsführung"];

/** The people on duty (GET /users `on_duty`, ordered by escalation level) as a list with phone links. */
export function dutyList(users, onDutyIds) {
  const byId = new Map((users || []).map((user) => [user.user_id, user]));
  const people = (onDutyIds || []).map((id) => byId.get(id)).filter(Boolean);
  if (!people.length) return h("p", { class: "empty", text: t("duty.none") });
  return h(
    "ol",
    { class: "duty-list" },
    people.map((user) =>
      h(
        "li",
        { class: "duty", "data-user-id": user.user_id },
        h("span", { class: "duty__level", text: t("duty.level", { level: user.escalation_level }) }),
        h(
          "span",
          { class: "duty__who" },
          h("strong", { class: "duty__name", text: user.name }),
          user.function ? h("span", { class: "duty__function muted", text: user.function }) : null,
        ),
        phoneLink(user.phone),
      ),
    ),
  );
}

export function createDuty(desk) {
  const title = h("h2", { id: "duty-title", class: "card__title" });
  const body = h("div");
  const link = h("a", { href: "#/team", class: "card__link" });
  const element = h("section", { class: "card card--duty", id: "duty", "aria-labelledby": "duty-title" }, title, body, link);

  function update() {
    title.textContent = t("duty.title");
    link.textContent = t("duty.team");
    const { users, onDuty, usersError } = desk.state;
    if (usersError) fill(body, errorBox(usersError));
    else if (users) fill(body, dutyList(users, onDuty));
  }

  return { element, update };
}

export function createRoles(desk) {
  const title = h("h2", { id: "roles-title", class: "card__title" });
  const rows = h("div", { class: "role-rows" });
  const submit = h("button", { type: "submit", class: "btn btn--secondary", "data-desk-action": true, "data-focus-key": "roles-save" });
  const form = h("form", { class: "roles-form", novalidate: true }, rows, h("div", { class: "button-row" }, submit));
  const message = desk.messageFor("roles");
  const element = h("section", { class: "card card--roles", id: "roles", "aria-labelledby": "roles-title" }, title, form, message);
  let drafts = {}; // role -> user id ("" for nobody) picked but not saved yet; survives refreshes

  function current(role) {
    const assignments = (desk.state.incident && desk.state.incident.assignments) || {};
    return assignments[role] || "";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changed = Object.entries(drafts).filter(([role, userId]) => userId !== current(role));
    if (!changed.length) {
      desk.say("roles", "info", "roles.unchanged");
      return;
    }
    const assignments = Object.fromEntries(changed.map(([role, userId]) => [role, userId || null]));
    const result = await desk.run("roles", "/roles", { method: "PUT", body: { assignments }, success: "roles.saved" });
    if (result.ok) drafts = {};
    desk.focusMessage("roles");
  });

  function options(role, users) {
    const chosen = role in drafts ? drafts[role] : current(role);
    const known = new Set(users.map((user) => user.user_id));
    const onDuty = new Set(desk.state.onDuty || []);
    const people = users.map((user) => [user.user_id, onDuty.has(user.user_id) ? t("roles.onDuty", { name: user.name }) : user.name]);
    if (chosen && !known.has(chosen)) people.push([chosen, chosen]); // someone the team list does not know (any more)
    return [["", t("roles.nobody")], ...people].map(([value, text]) => h("option", { value, selected: value === chosen, text }));
  }

  function row(role, index, users) {
    const id = `role-${index}`;
    const select = h("select", { id, name: role, "data-role": role, "data-focus-key": id }, options(role, users));
    select.addEventListener("change", () => {
      drafts[role] = select.value;
      rowElement.classList.toggle("role-row--changed", select.value !== current(role));
    });
    const holder = (users || []).find((user) => user.user_id === current(role));
    const rowElement = h(
      "div",
      { class: `role-row${role in drafts && drafts[role] !== current(role) ? " role-row--changed" : ""}` },
      h("label", { for: id, text: t(`crole.${role}`) }),
      select,
      holder && holder.phone ? h("span", { class: "role-row__call" }, phoneLink(holder.phone, holder.phone)) : null,
    );
    return rowElement;
  }

  function update() {
    title.textContent = t("roles.title");
    submit.textContent = t("roles.save");
    submit.disabled = desk.state.busy;
    const incident = desk.state.incident;
    if (!incident) return;
    element.hidden = !incident.assignments; // an API without the desk has no roles to show
    if (element.hidden) return;
    const users = desk.state.users || [];
    fill(
      rows,
      desk.state.usersError ? h("p", { class: "error-text small", text: t("roles.teamError") }) : null,
      CRISIS_ROLES.map((role, index) => row(role, index, users)),
    );
  }

  return { element, update };
}
