import { FibrixError } from "../sdk/errors";

/** The command line itself is wrong or incomplete (exit code 2); nothing was sent. */
export class UsageError extends FibrixError {
  constructor(detail: string) {
    super("VALIDATION", detail);
  }
}
