/**
 * PATCH with If-Match from the version last read (design.md: PATCH and DELETE honour If-Match),
 * so `pulumi up` never overwrites an edit it has not seen. Versions also move for reasons the
 * program does not manage (a rack coming Online, a health report, a VM's status): when the
 * region answers 412, the object is read again and, if every property this program manages
 * still holds the value last read, the PATCH is retried once against the new version. If one
 * of them changed, the update stops and asks for a refresh.
 */
import { sameValue } from "./diff-plan";

export interface Versioned {
  version: number;
}

export class DriftError extends Error {
  readonly code = "DRIFT";
  readonly retryable = false;
  constructor(what: string, props: string[]) {
    super(
      `${what} was changed outside Pulumi (${props.join(", ")}) since it was last read; run \`pulumi refresh\` and review the change before updating`,
    );
    this.name = "DriftError";
  }
}

/** The managed properties whose live value differs from the one last read. */
export function driftedProps(
  lastRead: Record<string, unknown>,
  liveAsOutputs: Record<string, unknown>,
  managed: readonly string[],
): string[] {
  return managed.filter((k) => lastRead[k] !== undefined && !sameValue(lastRead[k], liveAsOutputs[k]));
}

export async function guardedPatch<T extends Versioned>(opts: {
  what: string;
  lastRead: Record<string, unknown> & Partial<Versioned>;
  managed: readonly string[];
  /** The live object in the shape of the outputs (for comparing with lastRead). */
  asOutputs: (live: T) => Record<string, unknown>;
  get: () => Promise<T>;
  patch: (ifMatch: number | undefined) => Promise<T>;
}): Promise<T> {
  try {
    return await opts.patch(opts.lastRead.version);
  } catch (e) {
    if ((e as { code?: string }).code !== "PRECONDITION_FAILED") throw e;
  }
  const live = await opts.get();
  const drifted = driftedProps(opts.lastRead, opts.asOutputs(live), opts.managed);
  if (drifted.length > 0) throw new DriftError(opts.what, drifted);
  return opts.patch(live.version);
}
