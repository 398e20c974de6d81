// What a published statement did: the hour before against the hour after (mentions per hour, negative
// share, reach) and the API's plain sentence about it. Used on the incident page and in the review.

import { h, safeUrl } from "./dom.js";
import { formatClock, formatDateTime, formatNumber, formatPercent, language, t } from "./i18n.js";
import { statementLabel } from "./series.js";

function feedbackText(feedback) {
  return (language() === "en" ? feedback.text_en : feedback.text_de) || feedback.text_de || "";
}

function verdict(feedback) {
  if (!feedback.complete) return { key: "feedback.running", modifier: "running" };
  if (feedback.slowed === true) return { key: "feedback.slowed", modifier: "slowed" };
  if (feedback.slowed === false) return { key: "feedback.notSlowed", modifier: "not-slowed" };
  return { key: "feedback.unknown", modifier: "running" };
}

function figureRow(labelKey, before, after, format) {
  return h(
    "tr",
    {},
    h("th", { scope: "row", text: t(labelKey) }),
    h("td", { class: "num", text: format(before) }),
    h("td", { class: "num", text: format(after) }),
  );
}

function perHour(value) {
  return value === null || value === undefined ? t("none") : formatNumber(Math.round(value * 10) / 10);
}

function share(value) {
  return value === null || value === undefined ? t("none") : formatPercent(value);
}

function figures(feedback) {
  const before = feedback.before || {};
  const after = feedback.after || {};
  const minutes = feedback.minutes || 60;
  return h(
    "table",
    { class: "feedback__figures" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("td"),
        h("th", { scope: "col", text: t("feedback.before", { minutes }) }),
        h("th", { scope: "col", text: t("feedback.after", { minutes }) }),
      ),
    ),
    h(
      "tbody",
      {},
      figureRow("feedback.perHour", before.per_hour, after.per_hour, perHour),
      figureRow("feedback.negative", before.negative_share, after.negative_share, share),
      figureRow("feedback.reach", before.reach, after.reach, formatNumber),
    ),
  );
}

/** One published statement with its effect: what was said, where, by whom, and what followed. */
export function statementCard(statement, { headingLevel = "h3" } = {}) {
  const feedback = statement.feedback || null;
  const link = safeUrl(statement.url);
  const state = feedback ? verdict(feedback) : null;
  const endsAt = feedback && !feedback.complete ? Date.parse(statement.published_at) + (feedback.minutes || 60) * 60_000 : null;
  return h(
    "article",
    { class: `statement${state ? ` statement--${state.modifier}` : ""}`, "data-draft-id": statement.draft_id },
    h(
      "header",
      { class: "statement__head" },
      h(headingLevel, { class: "statement__title", text: statementLabel(statement) }),
      state ? h("span", { class: `badge badge--feedback badge--${state.modifier}`, text: t(state.key) }) : null,
    ),
    h(
      "p",
      { class: "statement__meta muted small" },
      h("time", { datetime: statement.published_at, text: formatDateTime(statement.published_at) }),
      statement.published_by ? ` · ${t("incident.by", { actor: statement.published_by })}` : "",
      link ? [" · ", h("a", { href: link, rel: "noopener noreferrer", target: "_blank", text: t("feedback.open") })] : null,
    ),
    statement.text ? h("blockquote", { class: "statement__text", text: statement.text }) : null,
    feedback ? h("p", { class: "statement__feedback", text: feedbackText(feedback) }) : h("p", { class: "muted", text: t("feedback.none") }),
    feedback && endsAt ? h("p", { class: "muted small", text: t("feedback.until", { time: formatClock(new Date(endsAt)) }) }) : null,
    feedback ? figures(feedback) : null,
  );
}
