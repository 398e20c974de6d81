// One incident as a response desk: the next step first, then reasons, the situational picture (chart,
// the effect of published statements, who talks about what), checklist, facts, reply drafts, crisis
// roles, who is on duty, the timeline with status updates, top mentions, alert deliveries and key data.
// The review ("Nachbereitung") is the second tab (review.js). Opened with an alert's link instead of a key, it shows what the link allows: the incident,
// and acknowledging it; everything else asks to sign in.

import { createAccess } from "./access.js";
import { api, query } from "./api.js";
import { createChecklist } from "./checklist.js";
import { createNextStep } from "./desk.js";
import { fill, h } from "./dom.js";
import { createDrafts } from "./drafts.js";
import { createCrm } from "./crm.js";
import { createFacts } from "./facts.js";
import { formatDateTime, formatDuration, t } from "./i18n.js";
import { REFRESH_MS, reactionLine } from "./incidents.js";
import { overdueItems } from "./lifecycle.js";
import { createDuty, createRoles } from "./roles.js";
import { createSituation } from "./situation.js";
import { createTimeline } from "./timeline.js";
import {
  alertsTable,
  brandName,
  drillBadge,
  emptyLine,
  errorBox,
  incidentTabs,
  keepingFocus,
  loadingLine,
  mentionCard,
  notice,
  reasonsBlock,
  severityBadge,
  statusChip,
} from "./ui.js";

// On a phone, what to do next comes first, and the picture of the situation after the desk work; on a
// wide screen the chart sits right below the reasons and the desk work beside the story. Drafts need
// room to write: on a wide screen they sit in the main column, beside the facts, with the effect of
// published statements below them.
const LAYOUTS = {
  key: {
    narrow: [
      "next", "reasons", "checklist", "facts", "drafts", "roles", "duty", "timeline",
      "situation", "statements", "picture", "mentions", "crm", "alerts", "keyData",
    ],
    main: ["next", "reasons", "situation", "checklist", "drafts", "statements", "timeline", "picture", "mentions", "alerts"],
    side: ["facts", "roles", "duty", "crm", "keyData"],
  },
  // A link opens this incident only: no team, alerts, drafts, playbooks or review to read.
  link: {
    narrow: ["access", "next", "reasons", "checklist", "facts", "timeline", "situation", "statements", "picture", "mentions", "keyData"],
    main: ["access", "next", "reasons", "situation", "checklist", "statements", "timeline", "picture", "mentions"],
    side: ["facts", "keyData"],
  },
};
// What a link may do besides reading the incident (chalicelib/api/incidents.py, `link=True`).
const LINK_ACTIONS = ["/acknowledge"];

function card(id) {
  const title = h("h2", { id: `${id}-title`, class: "card__title" });
  const body = h("div");
  const element = h("section", { class: "card", id, "aria-labelledby": `${id}-title` }, title, body);
  return { element, title, body };
}

function keyFact(labelKey, value, extra) {
  return [h("dt", { text: t(labelKey) }), h("dd", {}, value, extra ? h("span", { class: "muted small", text: ` ${extra}` }) : null)];
}

function timeValue(value) {
  return value ? h("time", { datetime: value, text: formatDateTime(value) }) : t("none");
}

function keyData(incident) {
  const timers = incident.timers || {};
  return h(
    "dl",
    { class: "facts" },
    keyFact("incident.brand", brandName(incident)),
    keyFact("incident.topic", incident.topic || t("none")),
    keyFact("incident.openedAt", timeValue(incident.opened_at)),
    keyFact("incident.detectedAt", timeValue(incident.detected_at)),
    keyFact(
      "incident.acknowledgedAt",
      timeValue(incident.acknowledged_at),
      incident.acknowledged_by ? t("incident.by", { actor: incident.acknowledged_by }) : null,
    ),
    keyFact(
      "incident.resolvedAt",
      timeValue(incident.resolved_at),
      incident.resolved_by ? t("incident.by", { actor: incident.resolved_by }) : null,
    ),
    keyFact("incident.ttd", formatDuration(timers.time_to_detect_s)),
    keyFact("incident.tta", formatDuration(timers.time_to_acknowledge_s)),
    keyFact("incident.ttr", formatDuration(timers.time_to_resolve_s)),
  );
}

export function createIncidentView(ctx, incidentId, { link = null } = {}) {
  const state = {
    incident: null,
    alerts: null,
    alertsError: null,
    users: null,
    onDuty: [],
    usersError: null,
    playbooks: null,
    playbooksError: null,
    drafts: null,
    draftsError: null,
    busy: false,
  };
  const layouts = link ? LAYOUTS.link : LAYOUTS.key;
  const call = (path, options = {}) => api(path, { ...options, link });
  let inFlight = null;
  let timer = null;
  let signature = null;
  let playbooksRequested = false;
  let outcome = null; // the result of the last action: { section, kind, key, params } or { section, error }
  const statistics = { open: false }; // the statistics toggle stays as the user left it across refreshes
  const narrow = window.matchMedia("(max-width: 900px)");
  const messages = new Map();

  const heading = h("h1", { tabindex: "-1", class: "detail-title" });
  const backLink = h("a", { href: "#/incidents", class: "back-link" });
  const headMeta = h("div", { class: "detail-head__meta" });
  const tabs = h("div");
  const main = h("div", { class: "detail-main" });
  const side = h("div", { class: "detail-side" });
  const element = h(
    "section",
    { class: "view-incident" },
    backLink,
    h("header", { class: "detail-head" }, heading, headMeta),
    tabs,
    h("div", { class: "detail-grid" }, main, side),
  );

  function signInNotice() {
    const go = h("button", { type: "button", class: "link-button", text: t("link.toSignIn") });
    go.addEventListener("click", () => ctx.offerSignIn());
    return h("p", { class: "notice notice--info notice--sign-in" }, h("strong", { text: t("link.signInForMore") }), " ", go);
  }

  function renderOutcome() {
    for (const [section, el] of messages) {
      if (!outcome || outcome.section !== section) {
        fill(el);
      } else if (outcome.error) {
        fill(el, errorBox(outcome.error));
      } else if (outcome.kind === "signIn") {
        fill(el, signInNotice());
      } else if (outcome.link) {
        const go = h("a", { href: outcome.link.href, text: t(outcome.link.key) });
        fill(el, h("p", { class: `notice notice--${outcome.kind}` }, t(outcome.key, outcome.params || {}), " ", go));
      } else {
        fill(el, notice(outcome.kind, t(outcome.key, outcome.params || {})));
      }
    }
  }

  function syncBusy() {
    for (const control of element.querySelectorAll("[data-desk-action]")) control.disabled = state.busy;
  }

  const desk = {
    state,
    incidentId,
    link: Boolean(link),
    /** The API as this page may use it: with the key, or with the alert's link. */
    api: call,
    reload: () => load({ force: true }),
    /** The message area of one section (persistent, so a refresh keeps what it says). */
    messageFor(section, className = "section-message") {
      const el = h("div", { class: className, role: "status", "aria-live": "polite", tabindex: "-1" });
      messages.set(section, el);
      return el;
    },
    say(section, kind, key, params = {}) {
      outcome = { section, kind, key, params };
      renderOutcome();
    },
    focusMessage(section) {
      const el = messages.get(section);
      if (el && el.childNodes.length) el.focus();
    },
    focusSection(name) {
      const target = sections[name] && sections[name].element;
      if (!target || target.hidden) return;
      target.scrollIntoView({ block: "start" });
      (sections[name].heading || target).focus({ preventScroll: true });
    },
    /**
     * Send one desk change. Status routes answer with the summary (merged, then the detail is
     * reloaded), desk routes with the full detail. A 409 means someone else was faster: say so and
     * show what is true now (unless `explainConflict(error)` knows better and returns the outcome).
     */
    async run(section, path, { method = "POST", body = {}, success, params = {}, summary = false, explainConflict = null } = {}) {
      if (link && !LINK_ACTIONS.includes(path)) {
        outcome = { section, kind: "signIn" };
        render(); // puts ticked boxes back: nothing was sent
        return { ok: false, error: null };
      }
      inFlight?.abort(); // a refresh started before this change must not overwrite its result
      state.busy = true;
      outcome = null;
      renderOutcome();
      syncBusy();
      try {
        const result = await call(`/incidents/${encodeURIComponent(incidentId)}${path}`, { method, body });
        state.busy = false;
        state.incident = summary ? { ...state.incident, ...result } : result;
        outcome = { section, kind: "success", key: success, params };
        render();
        if (summary) await load({ force: true });
        return { ok: true, result };
      } catch (error) {
        state.busy = false;
        if (error.name === "AbortError" || error.status === 401) {
          render();
          return { ok: false, error };
        }
        if (error.status === 409) {
          const explained = explainConflict ? await explainConflict(error) : null;
          outcome = explained ? { section, ...explained } : { section, kind: "warn", key: "desk.stale" };
          await load({ force: true });
        } else {
          outcome = { section, error };
          render(); // puts ticked boxes and chosen values back to what is saved
        }
        return { ok: false, error };
      }
    },
  };

  const situation = createSituation({ call, incidentId, incident: () => state.incident });
  const reasons = card("reasons");
  const mentions = card("mentions");
  const alerts = card("alerts");
  const keyDataCard = card("key-data");
  const sections = {
    access: createAccess(ctx),
    next: createNextStep(desk),
    reasons: {
      element: reasons.element,
      update() {
        const block = reasonsBlock(state.incident, { statistics: true, state: statistics, extraClass: "reasons--block" });
        reasons.element.hidden = !block;
        reasons.title.textContent = t("incident.reasons");
        if (block) fill(reasons.body, h("div", { class: "reasons-card" }, block));
      },
    },
    situation: situation.chart,
    statements: situation.statements,
    picture: situation.picture,
    checklist: createChecklist(desk),
    facts: createFacts(desk),
    crm: createCrm(desk),
    drafts: createDrafts(desk),
    roles: createRoles(desk),
    duty: createDuty(desk),
    timeline: createTimeline(desk),
    mentions: {
      element: mentions.element,
      update() {
        const items = state.incident.top_mentions || [];
        mentions.title.textContent = t("incident.mentions");
        fill(mentions.body, items.length ? h("div", { class: "mention-list" }, items.map(mentionCard)) : emptyLine("incident.mentionsEmpty"));
      },
    },
    alerts: {
      element: alerts.element,
      update() {
        alerts.title.textContent = t("incident.alerts");
        if (state.alertsError) fill(alerts.body, errorBox(state.alertsError));
        else if (!state.alerts) fill(alerts.body, loadingLine());
        else fill(alerts.body, state.alerts.length ? alertsTable(state.alerts, { compact: true }) : emptyLine("incident.alertsEmpty"));
      },
    },
    keyData: {
      element: keyDataCard.element,
      update() {
        keyDataCard.title.textContent = t("incident.facts");
        fill(keyDataCard.body, keyData(state.incident));
      },
    },
  };

  /** Put the sections into the columns for this screen; nodes only move when the order changes. */
  function layout() {
    const place = (column, names) => {
      const wanted = names.map((name) => sections[name].element);
      const same = column.children.length === wanted.length && wanted.every((el, i) => column.children[i] === el);
      if (!same) fill(column, wanted);
    };
    if (narrow.matches) {
      place(main, layouts.narrow);
      place(side, []);
    } else {
      place(main, layouts.main);
      place(side, layouts.side);
    }
    side.hidden = narrow.matches;
  }

  function render() {
    keepingFocus(element, () => {
      fill(backLink, h("span", { "aria-hidden": "true", text: "← " }), t("incident.back"));
      backLink.hidden = Boolean(link); // the list needs a key
      fill(tabs, link ? null : incidentTabs(incidentId, "desk")); // the review needs a key
      const incident = state.incident;
      if (!incident) {
        heading.textContent = t("loading");
        fill(headMeta);
        sections.next.update();
        for (const [name, section] of Object.entries(sections)) section.element.hidden = name !== "next" && name !== "access";
        sections.access.update();
      } else {
        heading.textContent = incident.title || incident.incident_id;
        fill(headMeta, drillBadge(incident), severityBadge(incident.severity), statusChip(incident.status), reactionLine(incident));
        for (const section of Object.values(sections)) {
          section.element.hidden = false;
          section.update();
        }
      }
      renderOutcome();
      layout();
    });
    ctx.tick();
  }

  async function loadPlaybooks() {
    playbooksRequested = true;
    try {
      const page = await api("/playbooks");
      state.playbooks = page.items || [];
      state.playbooksError = null;
    } catch (error) {
      state.playbooksError = error;
    }
    if (!state.busy) render();
  }

  async function load({ force = false } = {}) {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    const { signal } = controller;
    const id = encodeURIComponent(incidentId);
    const skipped = Promise.resolve(null); // what a link may not read
    const [detail, deliveries, team, drafts] = await Promise.allSettled([
      call(`/incidents/${id}`, { signal }),
      link ? skipped : api(`/alerts${query({ incident_id: incidentId, limit: 50 })}`, { signal }),
      link ? skipped : api("/users", { signal }),
      link ? skipped : api(`/incidents/${id}/drafts${query({ limit: 25 })}`, { signal }),
    ]);
    if (inFlight === controller) inFlight = null;
    if (signal.aborted) return;
    if (detail.status === "rejected") {
      ctx.showError(detail.reason);
      if (force) render();
      return;
    }
    ctx.clearError();
    state.incident = detail.value;
    state.alerts = deliveries.status === "fulfilled" && deliveries.value ? deliveries.value.items : null;
    state.alertsError = deliveries.status === "rejected" ? deliveries.reason : null;
    const people = team.status === "fulfilled" ? team.value : null;
    state.users = people ? people.items : state.users;
    state.onDuty = people ? people.on_duty || [] : state.onDuty;
    state.usersError = team.status === "rejected" ? team.reason : null;
    if (drafts.status === "fulfilled" && drafts.value) state.drafts = drafts.value.items || [];
    state.draftsError = drafts.status === "rejected" ? drafts.reason : null;
    if (state.incident.playbook && !playbooksRequested && !link) loadPlaybooks();
    // Re-render only what changed (or an item became overdue): a refresh must not disturb someone typing.
    const overdue = overdueItems(state.incident).map((item) => item.item_id);
    const fresh = JSON.stringify([detail.value, state.alerts, people, state.drafts, overdue]);
    if (!force && fresh === signature) return;
    signature = fresh;
    render();
  }

  function relayout() {
    keepingFocus(element, layout);
  }

  return {
    element,
    heading,
    render,
    start() {
      render();
      load();
      narrow.addEventListener("change", relayout);
      timer = window.setInterval(() => {
        if (!inFlight && !state.busy) load();
      }, REFRESH_MS);
    },
    destroy() {
      window.clearInterval(timer);
      narrow.removeEventListener("change", relayout);
      inFlight?.abort();
      for (const section of Object.values(sections)) section.destroy?.();
    },
  };
}
