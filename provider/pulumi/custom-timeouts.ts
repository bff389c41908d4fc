/**
 * The bound of each create, update and delete. The engine sends a resource's customTimeouts
 * as the `timeout` (seconds) of each Create/Update/Delete request; the native plugin hands it
 * to the hooks as the `timeouts` input (native/operations.ts `withEngineTimeout`), which they
 * read here; an explicit `timeoutSeconds` is the fallback, then the resource's default.
 */
import { Type } from "@sinclair/typebox";

export type Operation = "create" | "update" | "delete";
export type TimeoutSeconds = Partial<Record<Operation, number>>;

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
