// The market service API (/api/v1) from the browser: the session cookie goes along, state-
// changing calls carry the session's CSRF token, and every refusal becomes an ApiError with a
// readable message, the API's stable code and its details (field paths of refused input).
//
//   import { api, ApiError } from "../lib/api.js";
//   const me = await api.get("/auth/me");
//   const asset = await api.post("/assets", { json: body });
//   const stored = await api.post(`/grid/elements/${id}/forecast`, { text: csv, contentType: "text/csv" });
//   const doc = await api.post(`/participants/${id}/documents`, { form: formData });
//   const all = await api.all("/assets", { fsp_id: 3 });      // every page, following next_after
//   const users = await api.items(`/participants/${id}/users`); // a list answered in one piece

export const API_ROOT = "/api/v1";
const CSRF_KEY = "flexmarket.csrf";

/** The CSRF token of this browser's session (returned at sign-in, sign-up and impersonation). */
export function csrfToken() {
  try {
    return localStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

export function setCsrfToken(token) {
  try {
    if (token) localStorage.setItem(CSRF_KEY, token);
    else localStorage.removeItem(CSRF_KEY);
  } catch {
    // storage unavailable: state-changing calls will be refused with a readable message
  }
}

/** A refused API call. `code` is the API's stable code (or "network", "http-<status>");
 * `problems` lists refused fields: [{loc, message, type}]. */
export class ApiError extends Error {
  constructor(message, { status = null, code = null, details = {}, cause = null } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details ?? {};
    this.problems = (this.details.errors ?? []).map((e) => ({ loc: e.loc ?? "", message: readableProblem(e), type: e.type }));
  }
}

// Pydantic's messages are precise but technical; these read better for the common cases.
const PROBLEM_TEXT = {
  missing: () => "is required",
  string_pattern_mismatch: () => "is not in the expected format",
  string_too_long: (e) => e.msg.replace(/^String should/, "should"),
  string_too_short: () => "is required",
  int_type: () => "must be a whole number",
  int_parsing: () => "must be a whole number",
  extra_forbidden: () => "is not a field the API knows",
  enum: (e) => e.msg.replace(/^Input should/, "should"),
  literal_error: (e) => e.msg.replace(/^Input should/, "should"),
  greater_than_equal: (e) => e.msg.replace(/^Input should/, "should"),
  less_than_equal: (e) => e.msg.replace(/^Input should/, "should"),
  value_error: (e) => e.msg.replace(/^Value error, /, ""),
};

function readableProblem(error) {
  const make = PROBLEM_TEXT[error.type];
  return make ? make(error) : String(error.msg ?? "is not acceptable");
}

// What to do next, for refusals people meet without having done anything wrong.
const HINTS = {
  authentication_required: " Your session may have ended: sign in again.",
  csrf_failed: " Sign in again to renew this browser's session.",
  chain_unavailable: " Try again once the chain is reachable.",
};

function describe(status, body, path) {
  if (body && typeof body.message === "string") {
    const fields = (body.details?.errors ?? []).length > 1 ? ` (and ${body.details.errors.length - 1} more)` : "";
    return `The server refused: ${body.message}${fields} (${body.code}).${HINTS[body.code] ?? ""}`;
  }
  if (status === 404) return `The server does not offer ${API_ROOT}${path} (HTTP 404).`;
  if (status >= 500) return `The server failed to answer ${API_ROOT}${path} (HTTP ${status}); try again later.`;
  return `The server refused the request to ${API_ROOT}${path} (HTTP ${status}).`;
}

function queryString(query) {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === "") continue;
    params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** One API call. Exactly one of `json`, `text` (with `contentType`) or `form` is the body. */
export async function request(method, path, { query = null, json, text, contentType, form } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (text !== undefined) {
    headers["Content-Type"] = contentType;
    body = text;
  } else if (form !== undefined) {
    body = form; // the browser sets multipart/form-data with its boundary
  }
  if (method !== "GET") {
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
  }
  let reply;
  try {
    reply = await fetch(`${API_ROOT}${path}${queryString(query)}`, { method, headers, body, credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(`The server could not be reached (${API_ROOT}${path}).`, { code: "network", cause: error });
  }
  let parsed = null;
  if ((reply.headers.get("Content-Type") ?? "").includes("json")) {
    try {
      parsed = await reply.json();
    } catch {
      parsed = null;
    }
  }
  if (!reply.ok) {
    throw new ApiError(describe(reply.status, parsed, path), {
      status: reply.status,
      code: parsed?.code ?? `http-${reply.status}`,
      details: parsed?.details,
    });
  }
  return parsed;
}

export const api = {
  get: (path, query) => request("GET", path, { query }),
  post: (path, options = {}) => request("POST", path, options),
  put: (path, options = {}) => request("PUT", path, options),
  patch: (path, options = {}) => request("PATCH", path, options),
  delete: (path, options = {}) => request("DELETE", path, options),
  /** The items of a list the API answers in one piece (no paging parameters). */
  async items(path, query) {
    return (await request("GET", path, { query })).items;
  },
  /** Every item of a paged list (follows next_after; pages of 1000). */
  async all(path, query = {}) {
    const items = [];
    let after = null;
    for (;;) {
      const page = await request("GET", path, { query: { ...query, limit: 1000, after } });
      items.push(...page.items);
      if (page.next_after === null || page.next_after === undefined) return items;
      after = page.next_after;
    }
  },
};
