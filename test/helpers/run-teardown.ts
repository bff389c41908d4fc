/** jest globalTeardown: stops the daemons the run started (by their pids) and removes its directory. */
import { removeRun } from "./run-dirs";

export default async function teardown(): Promise<void> {
  const dir = process.env.FIBRIX_TEST_RUN_DIR;
  if (dir) await removeRun(dir);
}
