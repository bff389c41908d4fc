/**
 * Every call of the console: the region's own REST API under /api/v1, with the signed-in key
 * as a Bearer token. A failure becomes an ApiError carrying the problem+json answer, whose
 * `detail` the pages show as it is.
 */
import { storedKey } from "./session";

export interface Problem {
  code?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; reason: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
}

export interface List<T> {
  items: T[];
  nextCursor: string | null;
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; key?: string; ifMatch?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const key = init.key ?? storedKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.ifMatch !== undefined) headers["if-match"] = `"${init.ifMatch}"`;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: init.method ?? "GET",
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch (e) {
    throw new ApiError(0, { title: "Unreachable", detail: `cannot reach the region: ${String(e)}` });
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const problem =
      typeof data === "object" && data !== null
        ? (data as Problem)
        : { detail: `HTTP ${res.status} ${text.slice(0, 200)}` };
    throw new ApiError(res.status, problem);
  }
  return data as T;
}

/** Every page of a list, handing each page over as it arrives (the first rows show at once). */
export async function listAll<T extends { id: string }>(
  path: string,
  onPage?: (sofar: T[]) => void,
  first = 200,
  rest = 5000,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes("?") ? "&" : "?";
  do {
    const limit: number = out.length === 0 ? first : rest;
    const page: List<T> = await api<List<T>>(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
    onPage?.(out);
  } while (cursor);
  return out;
}

export interface WhoAmI {
  kind: "admin" | "tenant";
  keyId: string;
  name: string;
  tenantId: string | null;
}
