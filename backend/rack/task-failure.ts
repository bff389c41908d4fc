/**
 * Any error an executor throws → the `error` of its task result (code, message, retryable).
 * Pure. Typed errors keep their own code: TaskError, PowerError (POWER_AUTHENTICATION,
 * POWER_TIMEOUT, …), ImageError; libvirt's generic codes (NOT_FOUND, UNREACHABLE, …) are
 * prefixed LIBVIRT_ so the operator sees where they came from; anything else is RACK_INTERNAL.
 */
import { ComposeError } from "../libvirt/compose";
import { LibvirtError } from "../libvirt/virsh";
import { PowerError } from "../power/errors";
import { TaskError } from "./executor";

export interface TaskFailure {
  code: string;
  message: string;
  retryable: boolean;
}

/** The region's limits (sdk/schema/rack-agent.ts TaskResult). */
const MAX_CODE = 64;
const MAX_MESSAGE = 4096;
const CODE_RE = /^[A-Z][A-Z0-9_]*$/;

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return typeof e === "string" ? e : (JSON.stringify(e) ?? String(e));
}

function fields(e: unknown): { code?: unknown; retryable?: unknown } {
  return typeof e === "object" && e !== null ? (e as { code?: unknown; retryable?: unknown }) : {};
}

function classify(e: unknown): { code: string; retryable: boolean } {
  if (e instanceof TaskError || e instanceof PowerError) return { code: e.code, retryable: e.retryable };
  if (e instanceof LibvirtError) return { code: `LIBVIRT_${e.code}`, retryable: e.retryable };
  if (e instanceof ComposeError) {
    const fromLibvirt = e.cause instanceof LibvirtError || e.code === "FAILED";
    return { code: fromLibvirt ? `LIBVIRT_${e.code}` : e.code, retryable: e.retryable };
  }
  const { code, retryable } = fields(e);
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return { code: `RACK_${code}`, retryable: false };
  if (typeof code === "string" && CODE_RE.test(code)) return { code, retryable: retryable === true };
  return { code: "RACK_INTERNAL", retryable: false };
}

export function toTaskFailure(e: unknown): TaskFailure {
  const { code, retryable } = classify(e);
  return {
    code: code.slice(0, MAX_CODE),
    message: messageOf(e).slice(0, MAX_MESSAGE),
    retryable,
  };
}
