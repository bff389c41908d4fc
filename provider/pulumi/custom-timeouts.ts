/**
 * `customTimeouts` for dynamic resources. The engine sends a resource's customTimeouts to its
 * provider in each Create/Update/Delete request, but the dynamic-provider plugin of
 * @pulumi/pulumi drops them before calling our hooks. So the resource class copies them into an
 * input (`timeouts`, in seconds per operation) that the hooks read; an explicit
 * `timeoutSeconds` is the fallback for operations customTimeouts leaves out.
 *
 * customTimeouts values are Go durations (`time.ParseDuration`: "20m", "1h30m", "90s", "1.5h").
 */
import type * as pulumi from "@pulumi/pulumi";
import { Type } from "@sinclair/typebox";

export type Operation = "create" | "update" | "delete";
export type TimeoutSeconds = Partial<Record<Operation, number>>;

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Seconds in a Go duration string; throws on anything `time.ParseDuration` would refuse. */
export function parseGoDuration(text: string): number {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let seconds = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m)
      throw new Error(`customTimeouts: ${JSON.stringify(text)} is not a duration like "20m" or "1h30m"`);
    seconds += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
    at = re.lastIndex;
  }
  if (text.length === 0) throw new Error("customTimeouts: empty duration");
  return seconds;
}

/** The `timeouts` input of a resource from its options; undefined when none is set. */
export function timeoutsOf(opts: pulumi.CustomResourceOptions | undefined): TimeoutSeconds | undefined {
  const ct = opts?.customTimeouts;
  if (!ct) return undefined;
  const out: TimeoutSeconds = {};
  for (const op of ["create", "update", "delete"] as const) {
    const v = ct[op];
    // Whole seconds, at least one: the waits poll at sub-second periods anyway.
    if (v) out[op] = Math.max(1, Math.ceil(parseGoDuration(v)));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The bound of one operation: customTimeouts, else timeoutSeconds, else the resource's default. */
export function operationTimeoutMs(
  props: { timeouts?: TimeoutSeconds; timeoutSeconds?: number },
  op: Operation,
  defaultSeconds: number,
): number {
  return (props.timeouts?.[op] ?? props.timeoutSeconds ?? defaultSeconds) * 1000;
}

/** The `timeouts` input as the hooks' schema checks it. */
export const TimeoutsInput = Type.Object(
  {
    create: Type.Optional(Type.Integer({ minimum: 1 })),
    update: Type.Optional(Type.Integer({ minimum: 1 })),
    delete: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false, description: "seconds per operation, from customTimeouts" },
);
