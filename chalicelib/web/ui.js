// Shared building blocks: badges, error boxes, mention cards and alert rows.

import { h, safeUrl } from "./dom.js";
import { formatDateTime, formatNumber, formatScore, has, language, t } from "./i18n.js";

const SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"];

/** The brand as people know it ("Müller Haushaltsgeräte GmbH"), not its id. */
export function brandName(incident) {
  return incident.brand_name || incident.brand || t("none");
}

/** Why the incident fired, as plain sentences in the current language (German when no English is known). */
export function plainReasons(incident) {
  const german = incident.reasons || [];
  const english = incident.reasons_en || [];
  const reasons = language() === "en" && english.length === german.length ? english : german;
  return reasons.map((reason) => String(reason).replace(/(\d) %/g, "$1\u00a0%")); // "17 %" stays on one line
}

/** The statistics behind the reasons, for those who check: [{ label, text }], only where there are some. */
export function reasonStatistics(incident) {
  const reasons = plainReasons(incident);
  return (incident.reason_details || [])
    .map((detail, index) => ({
      label: has(`signal.${detail && detail.signal}`) ? t(`signal.${detail.signal}`) : reasons[index],
      text: detail && (detail[language()] || detail.de),
    }))
    .filter((item) => item.text);
}

/** The plain reasons as a list; the statistics only behind a toggle (kept open across refreshes via `state`). */
export function reasonsBlock(incident, { statistics = false, state = null, extraClass = "" } = {}) {
  const reasons = plainReasons(incident);
  if (!reasons.length) return null;
  const list = h("ul", { class: `reasons ${extraClass}`.trim() }, reasons.map((reason) => h("li", { text: reason })));
  const stats = statistics ? reasonStatistics(incident) : [];
  if (!stats.length) return list;
  const toggle = h(
    "details",
    { class: "reason-stats", open: Boolean(state && state.open) },
    h("summary", { text: t("incident.statistics") }),
    h(
      "ul",
      { class: "reason-stats__list" },
      stats.map((item) => h("li", {}, h("span", { class: "reason-stats__label", text: `${item.label}: ` }), item.text)),
    ),
  );
  if (state) toggle.addEventListener("toggle", () => (state.open = toggle.open));
  return [list, toggle];
}

export function severityBadge(severity) {
  const known = SEVERITIES.includes(severity) ? severity.toLowerCase() : "unknown";
  return h("span", { class: `badge badge--${known}`, text: severity || "?" });
}

export function statusChip(status) {
  const label = has(`status.${status}`) ? t(`status.${status}`) : status;
  return h("span", { class: `chip chip--${status}` }, h("span", { class: "chip__dot", "aria-hidden": "true" }), label);
}

export function sentimentBadge(sentiment, score) {
  const known = ["negative", "neutral", "positive"].includes(sentiment) ? sentiment : "neutral";
  const label = has(`sentiment.${sentiment}`) ? t(`sentiment.${sentiment}`) : sentiment || t("none");
  return h("span", {
    class: `badge badge--${known}`,
    title: t("sentiment.label", { sentiment: label, score: formatScore(score) }),
    text: label,
  });
}

export function errorHeading(error) {
  const code = error && error.code;
  if (code === "network") return t("error.network");
  if (code && has(`error.${code}`)) return t(`error.${code}`);
  return t("error.generic", { status: (error && error.status) || "?" });
}

/** The error from the API (code, message, details) as a readable block. */
export function errorBox(error) {
  const heading = errorHeading(error);
  const message = error && error.code !== "network" ? error.message : "";
  const details = (error && error.details) || [];
  return h(
    "div",
    { class: "error-box" },
    h("p", { class: "error-box__title" }, h("strong", { text: heading })),
    message ? h("p", { class: "error-box__message", text: message }) : null,
    details.length
      ? h("ul", { class: "error-box__details" }, details.map((item) => h("li", { text: describeDetail(item) })))
      : null,
  );
}

function describeDetail(item) {
  if (item === null || typeof item !== "object") return String(item);
  if (item.field && item.message) return `${item.field}: ${item.message}`;
  return Object.entries(item)
    .map(([name, value]) => `${name}: ${typeof value === "object" ? JSON.stringify(value) : value}`)
    .join(", ");
}

export function loadingLine() {
  return h("p", { class: "muted loading", text: t("loading") });
}

export function emptyLine(key) {
  return h("p", { class: "empty", text: t(key) });
}

function chips(labelKey, values, modifier) {
  if (!values || !values.length) return null;
  return h(
    "div",
    { class: "chips" },
    h("span", { class: "chips__label", text: `${t(labelKey)}:` }),
    h("ul", { class: "chips__list" }, values.map((value) => h("li", { class: `tag tag--${modifier}`, text: value }))),
  );
}

export function mentionCard(mention) {
  const author = mention.author || {};
  const link = safeUrl(mention.url);
  return h(
    "article",
    { class: `mention mention--${mention.sentiment || "neutral"}` },
    h(
      "header",
      { class: "mention__head" },
      sentimentBadge(mention.sentiment, mention.sentiment_score),
      h("span", { class: "mention__platform", text: mention.platform }),
      h("span", { class: "mention__author", text: author.handle || t("mentions.unknownAuthor") }),
      author.is_media ? h("span", { class: "badge badge--media", text: t("mentions.media") }) : null,
      h("span", { class: "muted", text: t("mentions.followers", { count: formatNumber(author.followers ?? 0) }) }),
      h("time", { class: "mention__time muted", datetime: mention.published_at, text: formatDateTime(mention.published_at) }),
    ),
    h("p", { class: "mention__text", lang: mention.lang || null, text: mention.text }),
    h(
      "footer",
      { class: "mention__meta" },
      h("span", { class: "meta-item", text: t("mentions.reach", { reach: formatNumber(mention.reach ?? 0) }) }),
      h("span", { class: "meta-item", text: t("mentions.lang", { lang: (mention.lang || "?").toUpperCase() }) }),
      chips("mentions.risk", mention.risk_terms, "risk"),
      chips("mentions.topics", mention.topics, "topic"),
      link ? h("a", { class: "mention__link", href: link, rel: "noopener noreferrer", target: "_blank", text: t("mentions.open") }) : null,
    ),
  );
}

function channelLabel(channel) {
  return has(`channel.${channel}`) ? t(`channel.${channel}`) : channel;
}

/** A table of alert deliveries; `compact` (inside an incident) drops severity, subject and incident. */
export function alertsTable(items, { compact = false } = {}) {
  const head = compact
    ? ["alerts.created", "alerts.event", "alerts.channel", "alerts.recipient", "alerts.status", "alerts.attempts"]
    : [
        "alerts.created",
        "alerts.severity",
        "alerts.event",
        "alerts.channel",
        "alerts.recipient",
        "alerts.status",
        "alerts.attempts",
        "alerts.subject",
        "alerts.incident",
      ];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table" },
      h("thead", {}, h("tr", {}, head.map((key) => h("th", { scope: "col", text: t(key) })))),
      h("tbody", {}, items.map((alert) => alertRow(alert, compact))),
    ),
  );
}

function alertRow(alert, compact) {
  const cells = [
    h("td", { "data-label": t("alerts.created") }, h("time", { datetime: alert.created_at, text: formatDateTime(alert.created_at) })),
    compact ? null : h("td", { "data-label": t("alerts.severity") }, severityBadge(alert.severity)),
    h("td", { "data-label": t("alerts.event"), text: has(`event.${alert.event_type}`) ? t(`event.${alert.event_type}`) : alert.event_type }),
    h("td", { "data-label": t("alerts.channel"), text: channelLabel(alert.channel) }),
    h("td", { "data-label": t("alerts.recipient"), class: "mono", text: alert.recipient }),
    h(
      "td",
      { "data-label": t("alerts.status"), class: "status-cell" },
      statusChip(alert.status),
      alert.delivered_at ? h("div", { class: "muted small", text: t("alerts.deliveredAt", { time: formatDateTime(alert.delivered_at) }) }) : null,
      alert.last_error ? h("div", { class: "error-text small", text: t("alerts.lastError", { error: alert.last_error }) }) : null,
    ),
    h("td", { "data-label": t("alerts.attempts"), class: "num", text: formatNumber(alert.attempts ?? 0) }),
    compact
      ? null
      : h(
      "td",
      { "data-label": t("alerts.subject"), class: "subject" },
      h("span", { text: alert.subject || t("none") }),
      alert.body
        ? h("details", { class: "alert-body" }, h("summary", { text: t("alerts.body") }), h("pre", { text: alert.body }))
        : null,
    ),
  ];
  if (!compact) {
    cells.push(
      h(
        "td",
        { "data-label": t("alerts.incident") },
        alert.incident_id
          ? h("a", { href: `#/incidents/${encodeURIComponent(alert.incident_id)}`, class: "mono", text: alert.incident_id })
          : t("none"),
      ),
    );
  }
  return h("tr", { class: `alert-row alert-row--${alert.status}` }, cells);
}

/** A "Mehr laden" button that calls `load` and disables itself while loading. */
export function moreButton(nextToken, load) {
  if (!nextToken) return null;
  const button = h("button", { type: "button", class: "btn btn--secondary more", text: t("more") });
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await load(nextToken);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
  return h("div", { class: "more-wrap" }, button);
}

/** A {de, en} text from the API in the current language (German when the other is missing). */
export function localized(text) {
  if (!text || typeof text !== "object") return text ? String(text) : "";
  return text[language()] || text.de || text.en || "";
}

/** A phone link for an E.164 number; anything else stays plain text. */
export function phoneLink(phone, label = phone) {
  if (typeof phone !== "string" || !/^\+[1-9]\d{6,14}$/.test(phone)) return phone ? h("span", { class: "mono", text: phone }) : null;
  return h("a", { class: "phone mono", href: `tel:${phone}`, text: label });
}

export function mailLink(email) {
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email)) return null;
  return h("a", { class: "mail", href: `mailto:${email}`, text: email });
}

/**
 * Field-level messages of a 400 from the API: { fieldName: text } for details like
 * {"field": "body.escalation_level", "message": ..., "type": ...}. Validation details (with a type)
 * say what is wrong themselves; a domain rule's detail is terse, so its error message is used.
 */
export function fieldErrors(error) {
  const found = {};
  for (const detail of (error && error.details) || []) {
    if (!detail || typeof detail.field !== "string" || !detail.field.startsWith("body.")) continue;
    const name = detail.field.slice("body.".length).split(".")[0];
    const message = detail.type ? detail.message : error.message || detail.message;
    const lead = detail.type && has(`fieldError.${detail.type}`) ? `${t(`fieldError.${detail.type}`)} – ` : "";
    found[name] = `${lead}${message}`;
  }
  return found;
}

/** A short message in a section: success (green), warning (amber) or an API error. */
export function notice(kind, content) {
  if (kind === "error") return errorBox(content);
  return h("p", { class: `notice notice--${kind}`, text: content });
}

/**
 * Run `change` (which re-renders `root`) and give the focus back to the control that had it,
 * found again by its data-focus-key, with the caret where it was.
 */
export function keepingFocus(root, change) {
  const active = document.activeElement;
  const holder = active && root.contains(active) ? active.closest("[data-focus-key]") : null;
  const key = holder ? holder.dataset.focusKey : null;
  const caret = active && "selectionStart" in active && typeof active.selectionStart === "number"
    ? [active.selectionStart, active.selectionEnd]
    : null;
  change();
  if (!key || (document.activeElement && root.contains(document.activeElement) && document.activeElement !== document.body)) return;
  const again = root.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  if (!again) return;
  again.focus({ preventScroll: true });
  if (caret && "setSelectionRange" in again) {
    try {
      again.setSelectionRange(caret[0], caret[1]);
    } catch {
      // Not every input supports a selection (checkbox); the focus is what matters.
    }
  }
}

/** The stamp of an exercise: big and unmistakable, on every page that shows a drill's incident. */
export function drillBadge(item) {
  if (!item || !item.drill_id) return null;
  return h("span", { class: "badge badge--drill", title: t("drill.badgeTitle", { id: item.drill_id }), text: t("drill.badge") });
}

/** The incident page's two tabs: the desk ("Krisenarbeit") and the review ("Nachbereitung"). */
export function incidentTabs(incidentId, active) {
  const base = `#/incidents/${encodeURIComponent(incidentId)}`;
  const tab = (name, href, key) =>
    h("li", {}, h("a", { href, class: "tabs__link", "aria-current": name === active ? "page" : null, "data-tab": name, text: t(key) }));
  return h(
    "nav",
    { class: "tabs", "aria-label": t("tabs.label") },
    h("ul", { class: "tabs__list" }, tab("desk", base, "tabs.desk"), tab("review", `${base}/review`, "tabs.review")),
  );
}
