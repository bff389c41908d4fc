/** jest globalSetup: the run's directory for its daemons, after clearing what killed runs left. */
import { createRun, reapStaleRuns } from "./run-dirs";

export default async function setup(): Promise<void> {
  for (const dir of await reapStaleRuns())
    process.stderr.write(`test run: removed ${dir}, left by a killed run\n`);
  process.env.FIBRIX_TEST_RUN_DIR = createRun();
}
