// The API client: same origin, Bearer key from sessionStorage, one error shape. Without a key, the
// signed link of an alert (`Authorization: Link <token>`) opens its one incident.

const KEY_STORAGE = "krisenradar.apiKey";
const LINK_STORAGE = "krisenradar.link";
const LINK_TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : details ? [details] : [];
  }
}

let onUnauthorized = () => {};

export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

export function getKey() {
  return window.sessionStorage.getItem(KEY_STORAGE);
}

export function setKey(key) {
  window.sessionStorage.setItem(KEY_STORAGE, key);
}

export function clearKey() {
  window.sessionStorage.removeItem(KEY_STORAGE);
}

/** The token of an alert's link, kept for its one incident: { incidentId, token } or null. */
export function getLink() {
  try {
    const stored = JSON.parse(window.sessionStorage.getItem(LINK_STORAGE) || "null");
    return stored && typeof stored.incidentId === "string" && LINK_TOKEN.test(stored.token || "") ? stored : null;
  } catch {
    return null;
  }
}

/** The token for this incident, or null (a link never opens another incident). */
export function linkFor(incidentId) {
  const link = getLink();
  return link && link.incidentId === incidentId ? link.token : null;
}

/** Keep the link's token for its incident; false if it cannot be a token at all. */
export function setLink(incidentId, token) {
  if (!incidentId || !LINK_TOKEN.test(token || "")) return false;
  window.sessionStorage.setItem(LINK_STORAGE, JSON.stringify({ incidentId, token }));
  return true;
}

export function clearLink() {
  window.sessionStorage.removeItem(LINK_STORAGE);
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Call the API with the key, or with `link` (an alert's token) instead. Resolves with the parsed JSON;
 * rejects with ApiError (status 0 for network errors) or with the AbortError of `signal`. A 401 also
 * triggers the unauthorized handler, which learns whether a link was refused.
 */
export async function api(path, { method = "GET", body, signal, key = getKey(), link = null, reportUnauthorized = true } = {}) {
  const authorization = link ? `Link ${link}` : `Bearer ${key ?? ""}`;
  const headers = { Accept: "application/json", Authorization: authorization };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    // Relative to the page, so the app works at "/" locally and under an API Gateway stage ("/api/").
    response = await fetch(path.replace(/^\//, ""), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "", []);
  }
  const data = await readBody(response);
  if (response.ok) return data;
  const problem = (data && data.error) || {};
  const error = new ApiError(
    response.status,
    problem.code || `http_${response.status}`,
    problem.message || response.statusText,
    problem.details,
  );
  if (response.status === 401 && reportUnauthorized) onUnauthorized(error, { link: Boolean(link) });
  throw error;
}
