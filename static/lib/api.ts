/**
 * Fetch helpers for the hopwatch API. Tracks the store load status reported by
 * the `X-CoreScope-Load-Status` header so the shell can show a banner.
 *
 * @module
 */

/** An API failure with the server's message. */
export class ApiError extends Error {
  /** HTTP status (0 for network errors). */
  status: number;
  /** Creates an error for `status` with `message`. */
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type LoadListener = (status: string) => void;
const loadListeners: LoadListener[] = [];
let lastLoad = "";

/** Registers a listener for load-status changes (`ready`, `loading; progress=N`). */
export function onLoadStatus(fn: LoadListener): void {
  loadListeners.push(fn);
}

/** Reports a load status (from a header or /api/healthz). */
export function setLoadStatus(s: string): void {
  if (s === lastLoad) return;
  lastLoad = s;
  for (const fn of loadListeners) fn(s);
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, `Cannot reach the server (${(e as Error).message})`);
  }
  const load = res.headers.get("X-CoreScope-Load-Status");
  if (load) setLoadStatus(load);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const msg = body && typeof body === "object" && "error" in body
      ? String((body as { error: unknown }).error)
      : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, `${path}: ${msg}`);
  }
  return body as T;
}

/** GET `path` and parse JSON. */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { signal, headers: { Accept: "application/json" } });
}

/** POST a JSON body to `path` and parse the JSON answer. */
export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>(path, {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
}

/** GET `path`, returning `null` instead of throwing (for optional endpoints). */
export async function tryJson<T>(path: string, signal?: AbortSignal): Promise<T | null> {
  try {
    return await getJson<T>(path, signal);
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    return null;
  }
}

/** Builds a query string from defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "" && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? "?" + s : "";
}

const cache = new Map<string, { t: number; p: Promise<unknown> }>();

/** GET with a small in-memory cache (`ttlMs`), for config and node lists. */
export function cached<T>(path: string, ttlMs = 30_000): Promise<T> {
  const hit = cache.get(path);
  if (hit && Date.now() - hit.t < ttlMs) return hit.p as Promise<T>;
  const p = getJson<T>(path);
  cache.set(path, { t: Date.now(), p });
  p.catch(() => cache.delete(path));
  return p;
}

let specPaths: Promise<RegExp[] | null> | null = null;

/**
 * Whether the server implements `path` (e.g. `/api/resolve-hops`), from the
 * OpenAPI document at `/api/spec`; true when the spec is unavailable. Lets
 * pages skip optional endpoints instead of logging 404s.
 */
export async function supports(path: string): Promise<boolean> {
  specPaths ??= fetch("/api/spec").then(async (r) => {
    if (!r.ok) return null;
    const spec = await r.json();
    return Object.keys(spec?.paths ?? {}).map((p) =>
      new RegExp("^" + p.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "$")
    );
  }).catch(() => null);
  const res = await specPaths;
  return res === null || res.some((re) => re.test(path));
}
