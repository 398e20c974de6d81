// The first-hour checklist of the incident's crisis playbook: tick items, see what is overdue, and
// switch the playbook. Shown when the incident detail carries `playbook` and `checklist`.

import { fill, h } from "./dom.js";
import { formatClock, formatDateTime, has, t } from "./i18n.js";
import { dueAt, isOverdue, overdueItems } from "./lifecycle.js";
import { localized } from "./ui.js";

// Playbook roles that are also crisis roles of the incident (PUT /incidents/{id}/roles).
const CRISIS_ROLE_OF = {
  krisenleitung: "Krisenleitung",
  kommunikation: "Kommunikation",
  recht: "Recht",
  kundenservice: "Kundenservice",
  geschaeftsfuehrung: "Geschäftsführung",
};

export function playbookRoleLabel(role) {
  return has(`prole.${role}`) ? t(`prole.${role}`) : role || t("none");
}

/** Who holds the crisis role behind a playbook role on this incident, by name (or null). */
function holderName(incident, users, role) {
  const crisisRole = CRISIS_ROLE_OF[role];
  const userId = crisisRole && incident.assignments ? incident.assignments[crisisRole] : null;
  if (!userId) return null;
  const user = (users || []).find((u) => u.user_id === userId);
  return user ? user.name : userId;
}

/** Done by whom, overdue (with a running timer) or due by when. */
export function dueLine(incident, item) {
  if (item.done) {
    const text = t("checklist.doneBy", { actor: item.done_by || t("none"), time: formatDateTime(item.done_at) });
    return h("p", { class: "due due--done", text });
  }
  const due = dueAt(incident, item);
  if (isOverdue(incident, item)) {
    return h(
      "p",
      { class: "due due--overdue" },
      h("span", { class: "badge badge--overdue", text: t("checklist.overdueBadge") }),
      " ",
      h("span", { "data-since": new Date(due).toISOString(), "data-template": "checklist.overdue" }),
    );
  }
  return due === null ? null : h("p", { class: "due", text: t("checklist.due", { time: formatClock(due) }) });
}

export function tickItem(desk, item, done, section = "checklist") {
  return desk.run(section, `/checklist/${encodeURIComponent(item.item_id)}`, {
    body: { done },
    success: done ? "checklist.ticked" : "checklist.unticked",
    params: { text: localized(item.text) },
  });
}

export function createChecklist(desk) {
  const title = h("h2", { id: "checklist-title", class: "card__title", tabindex: "-1" });
  const head = h("div", { class: "checklist-head" });
  const list = h("div");
  const message = desk.messageFor("checklist");
  let draft = null; // the playbook picked in the switch, kept across refreshes until it is applied

  const select = h("select", { id: "playbook-select", name: "playbook", "data-focus-key": "playbook-select" });
  select.addEventListener("change", () => (draft = select.value));
  const selectLabel = h("label", { for: "playbook-select" });
  const apply = h("button", { type: "submit", class: "btn btn--secondary", "data-desk-action": true, "data-focus-key": "playbook-apply" });
  const switchForm = h("form", { class: "playbook-switch__form", novalidate: true }, h("div", { class: "field" }, selectLabel, select), apply);
  const switchSummary = h("summary");
  const switcher = h("details", { class: "playbook-switch" }, switchSummary, switchForm);
  const switchMessage = h("p", { class: "muted small" });
  switchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = select.value;
    const result = await desk.run("checklist", "/playbook", { method: "PUT", body: { playbook_id: chosen }, success: "checklist.changed" });
    if (result.ok) {
      draft = null;
      switcher.open = false;
    }
    desk.focusMessage("checklist");
  });

  const element = h(
    "section",
    { class: "card card--checklist", id: "checklist", "aria-labelledby": "checklist-title" },
    title,
    head,
    list,
    switcher,
    message,
  );

  function itemRow(incident, item) {
    const id = `check-${item.item_id}`;
    const overdue = isOverdue(incident, item);
    const box = h("input", {
      type: "checkbox",
      id,
      checked: Boolean(item.done),
      "aria-describedby": `${id}-meta`,
      "data-desk-action": true,
      "data-focus-key": id,
      disabled: desk.state.busy,
    });
    box.addEventListener("change", () => tickItem(desk, item, box.checked));
    const holder = holderName(incident, desk.state.users, item.role);
    return h(
      "li",
      {
        class: `check-item${item.done ? " check-item--done" : ""}${overdue ? " check-item--overdue" : ""}`,
        "data-item-id": item.item_id,
      },
      box,
      h(
        "div",
        { class: "check-item__body" },
        h("label", { for: id, class: "check-item__text", text: localized(item.text) }),
        h(
          "div",
          { class: "check-item__meta", id: `${id}-meta` },
          h("span", { class: "tag tag--role", text: playbookRoleLabel(item.role) }),
          holder ? h("span", { class: "check-item__holder", text: holder }) : null,
          dueLine(incident, item),
        ),
      ),
    );
  }

  function renderSwitch(incident) {
    switchSummary.textContent = t("checklist.change");
    selectLabel.textContent = t("checklist.choose");
    apply.textContent = t("checklist.apply");
    apply.disabled = desk.state.busy;
    const playbooks = desk.state.playbooks;
    if (!playbooks) {
      switcher.hidden = !desk.state.playbooksError;
      fill(switchForm, switchMessage);
      switchMessage.textContent = desk.state.playbooksError ? t("checklist.noPlaybooks") : "";
      return;
    }
    switcher.hidden = false;
    const current = draft || incident.playbook.id;
    fill(
      select,
      playbooks.map((p) => h("option", { value: p.id, selected: p.id === current, text: localized(p.title) || p.id })),
    );
    fill(switchForm, h("div", { class: "field" }, selectLabel, select), apply);
  }

  function update() {
    const incident = desk.state.incident;
    if (!incident || !Array.isArray(incident.checklist) || !incident.playbook) {
      element.hidden = true;
      return;
    }
    element.hidden = false;
    title.textContent = t("checklist.title");
    const items = incident.checklist;
    const done = items.filter((item) => item.done).length;
    const overdue = overdueItems(incident).length;
    const playbook = incident.playbook;
    fill(
      head,
      h(
        "p",
        { class: "checklist-head__playbook" },
        h("strong", { text: t("checklist.playbook", { title: localized(playbook.title) || playbook.id }) }),
        " ",
        h("span", { class: "muted", text: `(${t(playbook.selected === "manual" ? "checklist.manual" : "checklist.auto")})` }),
      ),
      h(
        "p",
        { class: "checklist-head__progress" },
        h("span", { text: t("checklist.progress", { done, total: items.length }) }),
        overdue ? h("span", { class: "badge badge--overdue", text: t("checklist.overdueCount", { count: overdue }) }) : null,
      ),
    );
    fill(list, h("ol", { class: "checklist" }, items.map((item) => itemRow(incident, item))));
    renderSwitch(incident);
  }

  return { element, update, heading: title };
}
