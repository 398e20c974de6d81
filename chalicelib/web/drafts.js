// Reply drafts on the incident page: write one from the incident's crisis playbook and its verified
// facts, edit it, see where to answer and what the checks found, have it approved by four eyes and
// publish it. The API decides who may do what (four eyes, roles, SEV1: two approvers) and says why not.

import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { createDraftForm } from "./draft-form.js";
import {
  answeringLine,
  approvalParts,
  bodyFieldErrors,
  checksBlock,
  draftList,
  editorTitle,
  outcomeNode,
  publishedNotice,
  recommendationBlock,
  versionHistory,
} from "./draft-parts.js";
import { mayAct } from "./me.js";
import { errorBox, keepingFocus } from "./ui.js";

function listItem(detail) {
  const { versions, ...item } = detail;
  return item;
}

export function createDrafts(desk) {
  const ui = {
    selectedId: null,
    detail: null, // the open draft with its versions
    dirty: false, // the text field differs from the saved text
    busy: false,
    loading: null, // the draft id being fetched
    outcome: null, // { kind, key, params } or { error }
    openVersions: new Set(), // versions whose text is shown
  };
  const topMentions = () => (desk.state.incident && desk.state.incident.top_mentions) || [];
  const form = createDraftForm({ topMentions, hasDrafts: () => Boolean((desk.state.drafts || []).length), create });

  const title = h("h2", { id: "drafts-title", class: "card__title" });
  const explain = h("p", { class: "card__explain" });
  const listRegion = h("div", { class: "draft-list-region" });

  // The editor of the open draft; its inputs stay the same elements across refreshes.
  const head = h("div", { class: "draft-editor__head" });
  const answering = h("div", { class: "draft-answering" });
  const recommendation = h("div", { class: "draft-recommendation" });
  const textLabel = h("label", { for: "draft-text" });
  const textArea = h("textarea", {
    id: "draft-text",
    name: "text",
    rows: "8",
    maxlength: "5000",
    "aria-describedby": "draft-text-count draft-text-error",
    "data-focus-key": "draft-text",
  });
  const textCount = h("p", { id: "draft-text-count", class: "muted small" });
  const textError = h("p", { id: "draft-text-error", class: "field-error", "aria-live": "polite" });
  const checks = h("div", { class: "draft-checks-region" });
  const approvals = h("p", { class: "draft-approvals", id: "draft-approvals" });
  const published = h("div", { class: "draft-published" });
  const noteLabel = h("label", { for: "draft-note" });
  const noteInput = h("input", { id: "draft-note", name: "note", type: "text", maxlength: "2000", "data-focus-key": "draft-note" });
  const noteField = h("div", { class: "field draft-note" }, noteLabel, noteInput);
  const buttons = h("div", { class: "button-row draft-buttons", role: "group" });
  const urlLabel = h("label", { for: "draft-url" });
  const urlInput = h("input", {
    id: "draft-url",
    name: "url",
    type: "url",
    inputmode: "url",
    maxlength: "2048",
    placeholder: "https://",
    "aria-describedby": "draft-url-error",
    "data-focus-key": "draft-url",
  });
  const urlError = h("p", { id: "draft-url-error", class: "field-error", "aria-live": "polite" });
  const publishButton = h("button", { type: "button", id: "draft-publish", class: "btn btn--primary", "data-focus-key": "draft-publish" });
  const publishRow = h(
    "div",
    { class: "draft-publish" },
    h("div", { class: "field" }, urlLabel, urlInput, urlError),
    h("div", { class: "button-row" }, publishButton),
  );
  const message = h("div", { class: "section-message draft-message", role: "status", "aria-live": "polite", tabindex: "-1" });
  const history = h("div", { class: "draft-history" });
  const editor = h(
    "div",
    { class: "draft-editor", id: "draft-editor" },
    head,
    answering,
    recommendation,
    h("div", { class: "field draft-text" }, textLabel, textArea, textCount, textError),
    checks,
    approvals,
    published,
    noteField,
    buttons,
    publishRow,
    message,
    history,
  );
  const element = h(
    "section",
    { class: "card card--drafts", id: "drafts", "aria-labelledby": "drafts-title" },
    title,
    explain,
    listRegion,
    form.element,
    editor,
  );

  textArea.addEventListener("input", () => {
    ui.dirty = ui.detail ? textArea.value !== ui.detail.text : false;
    textCount.textContent = t("drafts.count", { count: textArea.value.length });
  });
  publishButton.addEventListener("click", publish);

  function setDetail(detail, { keepText = false } = {}) {
    const sameDraft = ui.detail && ui.detail.draft_id === detail.draft_id;
    ui.selectedId = detail.draft_id;
    ui.detail = detail;
    if (!keepText || !sameDraft) textArea.value = detail.text;
    ui.dirty = textArea.value !== detail.text;
    const others = (desk.state.drafts || []).filter((d) => d.draft_id !== detail.draft_id);
    const known = (desk.state.drafts || []).some((d) => d.draft_id === detail.draft_id);
    desk.state.drafts = known
      ? desk.state.drafts.map((d) => (d.draft_id === detail.draft_id ? listItem(detail) : d))
      : [listItem(detail), ...others];
  }

  async function open(draftId, { keepText = false, quiet = false } = {}) {
    ui.loading = draftId;
    try {
      const detail = await desk.api(`/drafts/${encodeURIComponent(draftId)}`);
      if (ui.loading !== draftId) return; // another draft was chosen meanwhile
      setDetail(detail, { keepText });
      if (!quiet) ui.outcome = null;
    } catch (error) {
      if (error.name !== "AbortError" && error.status !== 401) ui.outcome = { error };
    } finally {
      if (ui.loading === draftId) ui.loading = null;
      render();
    }
  }

  /** Send one change; every draft route answers with the draft in full. Resolves with the error or null. */
  async function perform(request, success, { keepText = false } = {}) {
    ui.busy = true;
    ui.outcome = null;
    render();
    try {
      setDetail(await request());
      ui.outcome = { kind: "success", key: success };
      return null;
    } catch (error) {
      if (error.name === "AbortError" || error.status === 401) return error;
      ui.outcome = { error };
      if (error.status === 409 && error.code !== "draft_has_errors" && ui.detail) {
        // Someone else was faster: show what is true now, and keep what was typed.
        await open(ui.detail.draft_id, { keepText, quiet: true });
      }
      return error;
    } finally {
      ui.busy = false;
      render();
    }
  }

  async function create(body) {
    const path = `/incidents/${encodeURIComponent(desk.incidentId)}/drafts`;
    const error = await perform(() => desk.api(path, { method: "POST", body }), "drafts.created");
    if (!error) {
      textArea.focus(); // read from the top: the caret at the start
      textArea.setSelectionRange(0, 0);
      textArea.scrollTop = 0;
      return { ok: true };
    }
    ui.outcome = null; // the form says what went wrong, next to its fields
    render();
    const errors = bodyFieldErrors(error);
    const known = Object.keys(errors).some((name) => form.fields.includes(name));
    return { ok: false, errors, outcome: known ? { kind: "warn", key: "drafts.fixFields" } : { error } };
  }

  /** Unsaved text is neither approved nor published: say so instead of acting on the old text. */
  function unsaved() {
    if (!ui.dirty) return false;
    ui.outcome = { kind: "warn", key: "drafts.saveFirst" };
    render();
    return true;
  }

  async function save() {
    textError.textContent = "";
    const text = textArea.value;
    if (!text.trim()) {
      textError.textContent = t("desk.required");
      textArea.focus();
      return;
    }
    if (text === ui.detail.text) {
      ui.outcome = { kind: "info", key: "drafts.unchanged" };
      render();
    } else {
      const body = { text, version: ui.detail.version };
      const error = await perform(() => desk.api(draftPath(), { method: "PUT", body }), "drafts.saved", { keepText: true });
      textError.textContent = (error && bodyFieldErrors(error).text) || "";
    }
    focusMessage();
  }

  async function decide(action) {
    if (!unsaved()) {
      const note = noteInput.value.trim();
      const body = { version: ui.detail.version, ...(note ? { note } : {}) };
      const done = action === "approve" ? "drafts.approvedDone" : "drafts.rejectedDone";
      if (!(await perform(() => desk.api(draftPath(`/${action}`), { method: "POST", body }), done))) noteInput.value = "";
    }
    focusMessage();
  }

  async function publish() {
    urlError.textContent = "";
    if (!unsaved()) {
      const url = urlInput.value.trim();
      const body = { version: ui.detail.version, ...(url ? { url } : {}) };
      const error = await perform(() => desk.api(draftPath("/publish"), { method: "POST", body }), "drafts.publishedDone");
      if (error) urlError.textContent = bodyFieldErrors(error).url || "";
      else {
        urlInput.value = "";
        await desk.reload(); // the timeline records the statement
      }
    }
    focusMessage();
  }

  function draftPath(suffix = "") {
    return `/drafts/${encodeURIComponent(ui.detail.draft_id)}${suffix}`;
  }

  function focusMessage() {
    if (message.childNodes.length) message.focus();
  }

  function pick(draftId) {
    if (ui.dirty && draftId !== ui.selectedId && !window.confirm(t("drafts.discard"))) return;
    ui.outcome = null;
    open(draftId);
  }

  function actionButton(id, key, handler, primary = false) {
    const button = h("button", {
      type: "button",
      id,
      class: `btn ${primary ? "btn--primary" : "btn--secondary"}`,
      disabled: ui.busy,
      "data-focus-key": id,
      text: t(key),
    });
    button.addEventListener("click", handler);
    return button;
  }

  function renderList() {
    const items = desk.state.drafts || [];
    if (desk.state.draftsError) fill(listRegion, errorBox(desk.state.draftsError));
    else if (!items.length) fill(listRegion, h("p", { class: "empty", text: t("drafts.empty") }));
    else fill(listRegion, draftList(items, ui.selectedId, pick));
  }

  function renderEditor() {
    const detail = ui.detail;
    editor.hidden = !detail;
    if (!detail) return;
    const status = detail.status;
    // Approving and rejecting need the role approver: below it, the buttons are not offered at all.
    const deciding = (status === "draft" || status === "approved") && mayAct("approver");
    fill(head, editorTitle(detail));
    fill(answering, answeringLine(detail, topMentions()));
    answering.hidden = !detail.mention_id;
    fill(recommendation, recommendationBlock(detail));
    textLabel.textContent = t("drafts.text");
    textArea.readOnly = status === "published";
    textCount.textContent = t("drafts.count", { count: textArea.value.length });
    fill(checks, checksBlock(detail));
    const parts = approvalParts(detail, desk.state.incident);
    fill(approvals, parts);
    approvals.hidden = !parts.length;
    fill(published, publishedNotice(detail));
    published.hidden = status !== "published";
    noteLabel.textContent = t("drafts.note");
    noteField.hidden = !deciding;
    fill(
      buttons,
      status === "published" ? null : actionButton("draft-save", "drafts.save", save, ui.dirty),
      status === "draft" && deciding ? actionButton("draft-approve", "drafts.approve", () => decide("approve"), !ui.dirty) : null,
      deciding ? actionButton("draft-reject", "drafts.reject", () => decide("reject")) : null,
    );
    buttons.setAttribute("aria-label", t("drafts.actions"));
    urlLabel.textContent = t("drafts.url");
    publishButton.textContent = t("drafts.publish");
    publishButton.disabled = ui.busy;
    publishRow.hidden = status !== "approved";
    fill(message, outcomeNode(ui.outcome));
    fill(history, versionHistory(detail, ui.openVersions));
  }

  function render() {
    keepingFocus(element, () => {
      renderList();
      form.render();
      renderEditor();
    });
  }

  /** Follow the list: open the newest draft at first, and a newer version of the open one. */
  function follow() {
    const items = desk.state.drafts || [];
    if (ui.loading || ui.busy) return;
    if (!ui.selectedId && items.length) {
      open(items[0].draft_id);
      return;
    }
    const listed = items.find((item) => item.draft_id === ui.selectedId);
    if (listed && ui.detail && listed.version !== ui.detail.version) open(listed.draft_id, { keepText: ui.dirty, quiet: true });
  }

  function update() {
    title.textContent = t("drafts.title");
    explain.textContent = t("drafts.explain");
    element.hidden = !desk.state.incident || desk.link; // a link may not read drafts
    if (element.hidden) return;
    render();
    follow();
  }

  return { element, update, heading: title };
}
