// The building blocks of the reply-draft card: what the API accepts, labels, and the read-only parts of
// a draft (advice, checks, approvals, versions, the outcome of an action). No requests, no state.

import { h, safeUrl } from "./dom.js";
import { formatDateTime, has, language, t } from "./i18n.js";
import { errorBox, notice, statusChip } from "./ui.js";

// chalicelib/domain/models.py DraftKind and DraftChannel (a browser test keeps them equal).
export const KINDS = ["reply", "private_message", "holding_statement", "press_statement"];
export const CHANNELS = [
  "x",
  "bluesky",
  "mastodon",
  "facebook",
  "instagram",
  "linkedin",
  "youtube",
  "reddit",
  "google_reviews",
  "trustpilot",
  "email",
  "sms",
  "website",
  "press",
];
export const LANGUAGES = ["de", "en"];
export const ADDRESSES = ["Sie", "Du"];
// Kinds that answer one mention (chalicelib/services/drafts.py NEEDS_MENTION).
export const NEEDS_MENTION = ["reply", "private_message"];
// The kinds of draft that go the recommended way (a public reply without a mention is a statement).
const RECOMMENDED_KINDS = {
  public_reply: ["reply", "holding_statement"],
  private_message: ["private_message"],
  press_statement: ["press_statement", "holding_statement"],
  phone: [],
};

export function label(prefix, value) {
  return has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : String(value ?? t("none"));
}

/** A {de, en} pair of the API (`message`/`message_en`, `reason`/`reason_en`) in the current language. */
export function inLanguage(german, english) {
  return language() === "en" && english ? english : german || english || "";
}

export function shorten(text, length = 70) {
  const plain = String(text || "").replace(/\s+/g, " ").trim();
  return plain.length > length ? `${plain.slice(0, length - 1)}…` : plain;
}

export function handleOf(mention) {
  return (mention && mention.author && mention.author.handle) || t("mentions.unknownAuthor");
}

/** How many approvals a draft of this incident needs (SEV1: two different people). */
export function approvalsNeeded(incident) {
  return incident && incident.severity === "SEV1" ? 2 : 1;
}

/**
 * Field-level messages of a 400 for the draft routes: { field: text }. The API's own message for the
 * field says what is wrong ("press statements are formal: Sie"), so it is shown as it is.
 */
export function bodyFieldErrors(error) {
  const found = {};
  for (const detail of (error && error.details) || []) {
    if (!detail || typeof detail.field !== "string" || !detail.field.startsWith("body.")) continue;
    const name = detail.field.slice("body.".length).split(".")[0];
    const lead = detail.type && has(`fieldError.${detail.type}`) ? `${t(`fieldError.${detail.type}`)} – ` : "";
    found[name] = `${lead}${detail.message || error.message}`;
  }
  return found;
}

/** Checks as a list: errors red, warnings amber, each in the current language. */
export function checkList(checks) {
  return h(
    "ul",
    { class: "draft-checks" },
    checks.map((check) =>
      h(
        "li",
        { class: `draft-check draft-check--${check.severity}`, "data-code": check.code },
        h("span", { class: `badge badge--check-${check.severity}`, text: label("checkSeverity", check.severity) }),
        " ",
        h("span", { class: "draft-check__text", text: inLanguage(check.message, check.message_en) }),
      ),
    ),
  );
}

export function checksBlock(detail) {
  const checks = detail.checks || [];
  const errors = checks.some((check) => check.severity === "error");
  return [
    h("h3", { class: "draft-subtitle", text: t("drafts.checks") }),
    checks.length ? checkList(checks) : h("p", { class: "draft-checks__none", text: t("drafts.noChecks") }),
    errors ? h("p", { class: "draft-checks__blocking small", text: t("drafts.errorsBlock") }) : null,
  ];
}

/** The drafts of the incident as buttons; `onPick(draftId)` opens one. */
export function draftList(items, selectedId, onPick) {
  return h(
    "ul",
    { class: "draft-list", "aria-label": t("drafts.list") },
    items.map((item) => {
      const chosen = item.draft_id === selectedId;
      const button = h(
        "button",
        {
          type: "button",
          class: `draft-list__item${chosen ? " draft-list__item--chosen" : ""}`,
          "aria-pressed": chosen ? "true" : "false",
          "data-draft-id": item.draft_id,
          "data-focus-key": `draft-pick-${item.draft_id}`,
        },
        h("span", { class: "draft-list__what", text: `${label("draftKind", item.kind)} · ${label("draftChannel", item.channel)}` }),
        statusChip(item.status),
        h("span", { class: "draft-list__who muted small", text: t("drafts.by", { actor: item.created_by, time: formatDateTime(item.created_at) }) }),
      );
      button.addEventListener("click", () => onPick(item.draft_id));
      return h("li", {}, button);
    }),
  );
}

export function editorTitle(detail) {
  return [
    h(
      "h3",
      { class: "draft-editor__title" },
      `${label("draftKind", detail.kind)} · ${label("draftChannel", detail.channel)} · ${detail.language.toUpperCase()} · ${detail.address}`,
    ),
    h(
      "span",
      { class: "draft-editor__state" },
      statusChip(detail.status),
      h("span", { class: "muted small", text: ` ${t("drafts.version", { version: detail.version })}` }),
    ),
  ];
}

/** Whom the draft answers, from the incident's top mentions (the id if it is no longer among them). */
export function answeringLine(detail, mentions) {
  if (!detail.mention_id) return null;
  const mention = mentions.find((m) => m.mention_id === detail.mention_id);
  return [
    h("span", { class: "muted", text: `${t("drafts.answers")} ` }),
    mention
      ? [h("strong", { text: handleOf(mention) }), h("span", { text: `: „${shorten(mention.text, 140)}“` })]
      : h("span", { class: "mono", text: detail.mention_id }),
  ];
}

/** Where to answer, and why, in plain words; a note when the draft goes another way. */
export function recommendationBlock(detail) {
  const rec = detail.recommendation;
  if (!rec) return null;
  const matches = (RECOMMENDED_KINDS[rec.channel] || []).includes(detail.kind);
  return [
    h(
      "p",
      { class: "draft-recommendation__what" },
      h("span", { class: "muted", text: `${t("drafts.recommended")} ` }),
      h("strong", { text: label("recChannel", rec.channel) }),
    ),
    h("p", { class: "draft-recommendation__why", text: inLanguage(rec.reason, rec.reason_en) }),
    matches ? null : h("p", { class: "draft-recommendation__other small", text: t("drafts.otherWay") }),
  ];
}

/** How far the four eyes are: "Braucht zwei Freigaben (1 von 2)", who approved, who rejected. */
export function approvalParts(detail, incident) {
  const needed = approvalsNeeded(incident);
  const names = (detail.approvals || []).map((approval) => approval.by);
  const parts = [];
  if (detail.status === "draft") {
    const key = needed === 2 ? "drafts.needsTwo" : "drafts.needsOne";
    parts.push(h("strong", { text: t(key, { count: Math.min(names.length, needed), needed }) }));
  } else if (detail.status === "approved") {
    parts.push(h("strong", { text: t("drafts.approvalsComplete", { count: names.length, needed }) }));
  }
  if (names.length) parts.push(" ", h("span", { text: t("drafts.approvedBy", { names: names.join(", ") }) }));
  if (detail.status === "rejected") {
    const note = detail.rejection_note ? `: ${detail.rejection_note}` : "";
    parts.push(h("span", { text: `${t("drafts.rejectedBy", { actor: detail.rejected_by, time: formatDateTime(detail.rejected_at) })}${note}` }));
  }
  return parts;
}

export function publishedNotice(detail) {
  if (detail.status !== "published") return null;
  const link = safeUrl(detail.published_url);
  return h(
    "p",
    { class: "notice notice--success" },
    t("drafts.publishedBy", { actor: detail.published_by, time: formatDateTime(detail.published_at) }),
    link ? [" ", h("a", { href: link, rel: "noopener noreferrer", target: "_blank", text: link })] : null,
  );
}

/** Every version, newest first: who did what when; a version's text behind its own toggle. */
export function versionHistory(detail, openVersions) {
  const versions = [...(detail.versions || [])].reverse();
  return [
    h("h3", { class: "draft-subtitle", text: t("drafts.history", { count: versions.length }) }),
    h(
      "ul",
      { class: "draft-history__list" },
      versions.map((entry) => {
        const key = `${detail.draft_id}@${entry.version}`;
        let text = null;
        if (entry.change === "created" || entry.change === "edited") {
          text = h(
            "details",
            { class: "draft-version__toggle", open: openVersions.has(key) },
            h("summary", { text: t("drafts.versionText") }),
            h("p", { class: "draft-version__text", text: entry.text }),
          );
          text.addEventListener("toggle", () => (text.open ? openVersions.add(key) : openVersions.delete(key)));
        }
        return h(
          "li",
          { class: `draft-version draft-version--${entry.change}` },
          h(
            "p",
            { class: "draft-version__head" },
            h("strong", { text: t("drafts.version", { version: entry.version }) }),
            ` · ${label("draftChange", entry.change)} · `,
            h("span", { text: t("drafts.versionBy", { actor: entry.edited_by, time: formatDateTime(entry.edited_at) }) }),
          ),
          entry.note ? h("p", { class: "draft-version__note small", text: entry.note }) : null,
          text,
        );
      }),
    ),
  ];
}

/** The result of an action on a draft; the API's refusals in plain words. */
export function outcomeNode(outcome) {
  if (!outcome) return null;
  if (!outcome.error) return notice(outcome.kind, t(outcome.key, outcome.params || {}));
  const error = outcome.error;
  if (error.code === "four_eyes") return notice("warn", t("drafts.fourEyes"));
  if (error.code === "draft_has_errors") {
    const blocking = (error.details || []).filter((item) => item && item.message);
    return h("div", { class: "notice notice--warn draft-blocked" }, h("p", { text: t("drafts.hasErrors") }), checkList(blocking));
  }
  if (error.status === 409 && error.code === "conflict") return notice("warn", t("drafts.stale"));
  return errorBox(error);
}
