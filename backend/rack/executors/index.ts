/** The explicit list of what this rack can do (kinds not listed are answered UNSUPPORTED). */
import type { Executor } from "../executor";
import type { ExecutorDeps } from "./deps";
import { healthExecutor } from "./health";
import { powerExecutor } from "./power";
import { vmExecutors } from "./vm";

export function defaultExecutors(deps: ExecutorDeps): Executor[] {
  return [powerExecutor(deps), healthExecutor(deps), ...vmExecutors(deps)];
}
