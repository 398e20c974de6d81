// The incident as a case in the company's CRM (HubSpot): its ticket, created once on request, and the
// loudest mentions logged on it as notes. Shown when the installation has a CRM (GET /me says so) or
// the incident already has a ticket.

import { fill, h } from "./dom.js";
import { formatDateTime, t } from "./i18n.js";
import { currentMe } from "./me.js";

const MENTIONS_SHOWN = 5;
const EXCERPT = 90;

function excerpt(text) {
  const clean = (text || "").trim();
  return clean.length > EXCERPT ? `${clean.slice(0, EXCERPT - 1)}…` : clean;
}

export function createCrm(desk) {
  const title = h("h2", { id: "crm-title", class: "card__title" });
  const explain = h("p", { class: "card__explain" });
  const body = h("div");
  const message = desk.messageFor("crm");
  const element = h("section", { class: "card card--crm", id: "crm", "aria-labelledby": "crm-title" }, title, explain, body, message);

  async function openTicket() {
    await desk.run("crm", "/crm/ticket", { summary: true, success: "crm.ticketDone" });
    desk.focusMessage("crm");
  }

  async function logMention(mention) {
    await desk.run("crm", "/crm/notes", {
      body: { mention_id: mention.mention_id },
      summary: true,
      success: "crm.noteDone",
      params: { author: mention.author?.handle || t("mentions.unknownAuthor") },
    });
    desk.focusMessage("crm");
  }

  function ticketLine(crm) {
    if (!crm || !crm.ticket_id) {
      const button = h("button", {
        type: "button",
        class: "btn btn--secondary",
        id: "crm-ticket",
        "data-desk-action": true,
        "data-focus-key": "crm-ticket",
        disabled: desk.state.busy,
        text: t("crm.createTicket"),
      });
      button.addEventListener("click", openTicket);
      return h("div", { class: "crm__ticket" }, h("p", { class: "empty", text: t("crm.noTicket") }), button);
    }
    return h("p", {
      class: "crm__ticket",
      "data-ticket-id": crm.ticket_id,
      text: t("crm.ticket", { id: crm.ticket_id, actor: crm.ticket_by || t("none"), time: formatDateTime(crm.ticket_at) }),
    });
  }

  function mentionRow(mention, logged) {
    const author = mention.author?.handle || t("mentions.unknownAuthor");
    const action = logged
      ? h("span", { class: "badge badge--verified", text: t("crm.logged") })
      : h("button", {
          type: "button",
          class: "btn btn--secondary btn--small",
          "data-desk-action": true,
          "data-focus-key": `crm-note-${mention.mention_id}`,
          disabled: desk.state.busy,
          text: t("crm.logNote"),
        });
    if (!logged) action.addEventListener("click", () => logMention(mention));
    return h(
      "li",
      { class: "crm__mention", "data-mention-id": mention.mention_id },
      h("p", { class: "crm__excerpt" }, h("strong", { text: `${author}: ` }), excerpt(mention.text)),
      action,
    );
  }

  function update() {
    const incident = desk.state.incident;
    const me = currentMe();
    title.textContent = t("crm.title");
    explain.textContent = t("crm.explain");
    if (!incident) return;
    element.hidden = desk.link || !(me?.crm || incident.crm);
    if (element.hidden) return;
    const crm = incident.crm;
    const logged = new Set((crm?.notes || []).map((note) => note.mention_id));
    const mentions = (incident.top_mentions || []).slice(0, MENTIONS_SHOWN);
    fill(body, [
      ticketLine(crm),
      crm?.notes?.length ? h("p", { class: "muted small", text: t("crm.notes", { count: crm.notes.length }) }) : null,
      mentions.length ? h("ul", { class: "crm__mentions" }, mentions.map((m) => mentionRow(m, logged.has(m.mention_id)))) : null,
    ]);
  }

  return { element, update };
}
