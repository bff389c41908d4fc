import type { RefusalCode } from "./types";

/** Codes of thrown allocator errors. Refusal codes appear when `commit` is asked to put a VM where it
 * does not fit; the others mean the caller handed over inconsistent state or an unknown id. */
export type AllocatorErrorCode =
  | RefusalCode
  | "INVALID_STATE"
  | "UNKNOWN_HOST"
  | "UNKNOWN_VM"
  | "DUPLICATE_VM";

/** Thrown (never returned) by the allocator: a refusal to place is a normal result, this is a misuse. */
export class AllocatorError extends Error {
  readonly code: AllocatorErrorCode;
  readonly retryable: boolean;

  constructor(code: AllocatorErrorCode, message: string, retryable = false) {
    super(message);
    this.name = "AllocatorError";
    this.code = code;
    this.retryable = retryable;
  }
}
