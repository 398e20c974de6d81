// The incident lifecycle as the API enforces it (chalicelib/domain/lifecycle.py TRANSITIONS; a browser
// test keeps the two equal), and what the desk suggests doing next. Pure: no DOM, no requests.

export const STATUSES = ["open", "acknowledged", "responding", "monitoring", "resolved", "reviewed"];

export const TRANSITIONS = {
  open: ["acknowledged", "responding", "resolved"],
  acknowledged: ["responding", "monitoring", "resolved"],
  responding: ["monitoring", "resolved"],
  monitoring: ["responding", "resolved"],
  resolved: ["reviewed", "open"],
  reviewed: ["open"],
};

// Forward steps first, reopening last: the order of the buttons.
const BUTTON_ORDER = ["acknowledged", "responding", "monitoring", "resolved", "reviewed", "open"];

// The step the desk recommends in each status (null: the checklist or nothing comes first).
const RECOMMENDED = {
  open: "acknowledged",
  acknowledged: "responding",
  responding: "monitoring",
  monitoring: "resolved",
  resolved: "reviewed",
  reviewed: null,
};

export function isActive(status) {
  return status !== "resolved" && status !== "reviewed";
}

/** The statuses an incident may move to now, in button order. */
export function allowedSteps(status) {
  const allowed = TRANSITIONS[status] || [];
  return BUTTON_ORDER.filter((step) => allowed.includes(step));
}

/** When a checklist item is due (ms since epoch): the API's `due_at`, else `due_minutes` after detection. */
export function dueAt(incident, item) {
  const given = Date.parse(item.due_at || "");
  if (!Number.isNaN(given)) return given;
  const detected = Date.parse(incident.detected_at || incident.opened_at || "");
  return Number.isNaN(detected) ? null : detected + Number(item.due_minutes || 0) * 60_000;
}

/** Open items whose time is up, while the incident is still being handled. */
export function isOverdue(incident, item, now = Date.now()) {
  if (item.done || !isActive(incident.status)) return false;
  const due = dueAt(incident, item);
  return due !== null && due < now;
}

export function overdueItems(incident, now = Date.now()) {
  return (incident.checklist || []).filter((item) => isOverdue(incident, item, now));
}

/**
 * What to do next: { status, step, task }. `step` is the recommended status change (or null);
 * `task` the first open checklist item once someone has taken the incident on (or null). While a
 * checklist item is open during the response, the item comes first and no status change is pushed.
 */
export function nextStep(incident) {
  const status = incident.status;
  const openItems = (incident.checklist || []).filter((item) => !item.done);
  const task = status === "acknowledged" || status === "responding" || status === "monitoring" ? openItems[0] || null : null;
  let step = RECOMMENDED[status] ?? null;
  if (status === "responding" && task) step = null;
  return { status, step, task };
}
