// Who is signed in (GET /me), asked once per sign-in and kept for the tab's session, so that the page
// shows only what the person may do. Without an answer (a link, an older API, an error) nothing is
// hidden: the API still decides and says why not.

import { api, getKey } from "./api.js";

const ME_STORAGE = "krisenradar.me";
const RANKS = ["viewer", "responder", "approver", "admin"];

let cached = null; // { key, me } for the key it was asked with

function stored() {
  try {
    const value = JSON.parse(window.sessionStorage.getItem(ME_STORAGE) || "null");
    return value && typeof value.key === "string" && value.me && typeof value.me.name === "string" ? value : null;
  } catch {
    return null;
  }
}

/** The signed-in person ({ name, role, user_id, key_id }) for the current key, or null if unknown. */
export function currentMe() {
  const key = getKey();
  if (!key) return null;
  if (!cached) cached = stored();
  return cached && cached.key === key ? cached.me : null;
}

/** Ask GET /me for `key` unless already known; resolves with the person or null (never rejects). */
export async function loadMe(key = getKey()) {
  if (!key) return null;
  if (!cached) cached = stored();
  if (cached?.key === key) return cached.me;
  try {
    const me = await api("/me", { key, reportUnauthorized: false });
    if (!me || typeof me.name !== "string") return null;
    cached = { key, me };
    window.sessionStorage.setItem(ME_STORAGE, JSON.stringify(cached));
    return me;
  } catch {
    return null; // today's behaviour: show everything, the API answers 403 where needed
  }
}

export function clearMe() {
  cached = null;
  window.sessionStorage.removeItem(ME_STORAGE);
}

/**
 * May the signed-in person act with `role`? Unknown person or role: true (the API decides).
 */
export function mayAct(role) {
  const me = currentMe();
  if (!me || !RANKS.includes(me.role)) return true;
  return RANKS.indexOf(me.role) >= RANKS.indexOf(role);
}
