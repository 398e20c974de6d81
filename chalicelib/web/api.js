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

async function send(path, { method = "GET", body, signal, key = getKey(), link = null, accept = "application/json" } = {}) {
  const authorization = link ? `Link ${link}` : `Bearer ${key ?? ""}`;
  const headers = { Accept: accept, Authorization: authorization };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    // Relative to the page, so the app works at "/" locally and under an API Gateway stage ("/api/").
    return await fetch(path.replace(/^\//, ""), {
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
}

async function failure(response, { link, reportUnauthorized }) {
  const data = await readBody(response);
  const problem = (data && data.error) || {};
  const error = new ApiError(
    response.status,
    problem.code || `http_${response.status}`,
    problem.message || response.statusText,
    problem.details,
  );
  if (response.status === 401 && reportUnauthorized) onUnauthorized(error, { link: Boolean(link) });
  return error;
}

/**
 * Call the API with the key, or with `link` (an alert's token) instead. Resolves with the parsed JSON;
 * rejects with ApiError (status 0 for network errors) or with the AbortError of `signal`. A 401 also
 * triggers the unauthorized handler, which learns whether a link was refused.
 */
export async function api(path, { method = "GET", body, signal, key = getKey(), link = null, reportUnauthorized = true } = {}) {
  const response = await send(path, { method, body, signal, key, link });
  if (!response.ok) throw await failure(response, { link, reportUnauthorized });
  return readBody(response);
}

/** The file name a download was sent with (Content-Disposition), reduced to a safe plain name. */
export function dispositionName(header) {
  if (!header) return null;
  const encoded = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;\s]+)/.exec(header);
  let name = null;
  try {
    name = encoded ? decodeURIComponent(encoded[1].trim()) : null;
  } catch {
    name = null;
  }
  name = name || (plain && (plain[1] ?? plain[2])) || null;
  if (!name) return null;
  const safe = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "_").replace(/^\.+/, "").trim();
  return safe || null;
}

/**
 * Fetch a file from the API with the same authorization as every call and save it under the name the
 * API gave it (a Blob, an object URL and a link with a download attribute). Resolves with { name, size,
 * nextToken } (the token of the next part, when the API split a long export: X-Next-Token).
 */
export async function download(path, { key = getKey(), link = null, fallbackName = "download" } = {}) {
  const response = await send(path, { key, link, accept: "*/*" });
  if (!response.ok) throw await failure(response, { link, reportUnauthorized: true });
  const blob = await response.blob();
  const name = dispositionName(response.headers.get("Content-Disposition")) || fallbackName;
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The browser reads the Blob when the download starts; give it a moment before letting go.
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
  return { name, size: blob.size, nextToken: response.headers.get("X-Next-Token") || null };
}
