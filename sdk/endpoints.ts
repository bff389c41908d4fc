/**
 * Several region URLs (replicas behind no load balancer): `endpoint` may be an array or a comma
 * list ("http://a:5240,http://b:5240", also in FIBRIX_ENDPOINT). Calls stick to one URL while it
 * answers and move to the next one when it cannot be reached or says 503 (no database primary
 * behind it); a pass over the whole list without an answer backs off before the next pass.
 * Pure: the SDK's HTTP layer (http.ts) and the rack's region client use it.
 */

export class EndpointListError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = "EndpointListError";
  }
}

/** The list of base URLs, trimmed, without trailing slashes or duplicates, each http(s). */
export function parseEndpoints(input: string | readonly string[], field = "endpoint"): string[] {
  const parts = (typeof input === "string" ? [input] : input).flatMap((s) => s.split(","));
  const urls: string[] = [];
  for (const raw of parts) {
    const url = raw.trim().replace(/\/+$/, "");
    if (url === "") continue;
    if (!/^https?:\/\/[^/\s,]+(\/\S*)?$/.test(url)) {
      throw new EndpointListError(
        field,
        `must be http(s) URLs (comma-separated for several), got ${JSON.stringify(raw.trim())}`,
      );
    }
    if (!urls.includes(url)) urls.push(url);
  }
  if (urls.length === 0) throw new EndpointListError(field, "names no URL");
  return urls;
}

/**
 * Which URL to use now. `failed(url)` moves on to the next URL, unless another call already
 * moved on from `url` (many calls in flight fail together: one move, not one per call).
 */
export class EndpointRing {
  private index = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new EndpointListError("endpoint", "names no URL");
  }

  get size(): number {
    return this.urls.length;
  }

  current(): string {
    return this.urls[this.index]!;
  }

  /** `url` did not answer: the URL to try next. */
  failed(url: string): string {
    if (this.current() === url) this.index = (this.index + 1) % this.urls.length;
    return this.current();
  }
}

/**
 * Whether the retry after a failure goes out at once (to a URL this pass has not tried yet)
 * or after the usual backoff (the pass is over, or there is only one URL). `hops` counts the
 * immediate moves since the call's last backoff.
 */
export function failoverImmediately(hops: number, size: number): boolean {
  return hops < size - 1;
}
