// The thin typed client: openapi-fetch checks every path, path/query parameter and request
// body against the generated schema (schema.d.ts). The API's OpenAPI document does not
// describe response bodies yet, so those are typed by hand in models.ts.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type ErrorBody = components["schemas"]["Error"];

const TOKEN_KEY = "launchbay.token";

export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set(token: string | null) {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  },
};

/** What an answer without the API's own error body means to a person: a proxy's 502/503/504 while
 * the API restarts or is down, a crash's bare 500. */
export function statusWords(status: number): string {
  if (status === 502 || status === 503 || status === 504)
    return `Launchbay's API is not answering right now (HTTP ${status}). Try again in a moment.`;
  if (status >= 500) return `Launchbay's API failed on this request (HTTP ${status}). Try again; if it keeps failing, tell whoever runs Launchbay.`;
  return `The request failed (HTTP ${status}).`;
}

/** No answer at all: the server is down or the network is. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("Cannot reach Launchbay's API: no answer from the server. Check your connection, then try again.", { cause });
    this.name = "NetworkError";
  }
}

/** An API answer that was not 2xx, with the API's field errors by field name. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
  readonly fields: Record<string, string>;
  /** A 429's (or 503's) Retry-After in seconds from now; null without one. */
  readonly retryAfter: number | null;
  /** What a refusal names, by id (a 409's organizations, say); empty when it names nothing. */
  readonly resources: { type: string; id: string; name: string }[];

  constructor(status: number, body: unknown, retryAfter: string | null = null) {
    const err = (body as Partial<ErrorBody> | undefined)?.error;
    super(err?.message ?? statusWords(status));
    this.status = status;
    this.code = err?.code ?? "http_" + status;
    this.field = err?.field ?? null;
    const fields: Record<string, string> = {};
    for (const f of err?.fields ?? []) fields[f.field] ??= f.message;
    if (this.field && !fields[this.field]) fields[this.field] = this.message;
    this.fields = fields;
    this.retryAfter = parseRetryAfter(retryAfter);
    this.resources = err?.resources ?? [];
  }

  /** The message for one form field ("health_check.path" also matches "health_check"). */
  forField(name: string): string | undefined {
    return this.fields[name] ?? Object.entries(this.fields).find(([k]) => k.startsWith(name + "."))?.[1];
  }
}

/** Retry-After is either a number of seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

const origin = typeof location !== "undefined" && location.origin !== "null" ? location.origin : "http://localhost";

export const api = createClient<paths>({
  baseUrl: origin,
  // fetch's own "Failed to fetch" (a TypeError) says nothing to a person; a cancelled read stays as it is
  fetch: (req) => globalThis.fetch(req).catch((e: unknown) => {
    throw e instanceof Error && e.name === "AbortError" ? e : new NetworkError(e);
  }),
});

/** Told when the API answers 401 to a signed-in request (the session expired or was ended
 * elsewhere): the signed-in frame (Layout) sends the person to sign in, remembering the page. */
const sessionEndedListeners = new Set<() => void>();
export function onSessionEnded(fn: () => void): () => void {
  sessionEndedListeners.add(fn);
  return () => { sessionEndedListeners.delete(fn); };
}

api.use({
  onRequest({ request }) {
    const token = session.token;
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
});

type Result = { data?: unknown; error?: unknown; response: Response };

/** The body of a 2xx answer as T, or an ApiError. A 401 ends the session. */
export async function unwrap<T>(call: Promise<Result>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    if (response.status === 401 && session.token) {
      session.set(null);
      sessionEndedListeners.forEach((fn) => fn());
    }
    throw new ApiError(response.status, error, response.headers.get("Retry-After"));
  }
  return data as T;
}
