/**
 * What a benchmark must undo if the process is stopped early (a region child process, a lab
 * thread): benches register it while it runs; SIGINT, SIGTERM or a bench's own overall time
 * limit run everything registered, then exit. Nothing started by a bench outlives it.
 */

type Cleanup = () => unknown;

const cleanups = new Set<Cleanup>();
let installed = false;

/** Registers `fn` until the returned function is called (call it once the thing is stopped). */
export function onAbort(fn: Cleanup): () => void {
  install();
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

/** Runs every registered cleanup (each at most 5 s), then exits with `code`. */
export async function abort(code: number, why?: string): Promise<never> {
  if (why) process.stderr.write(`${why}\n`);
  const all = [...cleanups];
  cleanups.clear();
  await Promise.all(
    all.map((fn) =>
      Promise.race([
        Promise.resolve()
          .then(fn)
          .catch(() => undefined),
        new Promise((r) => setTimeout(r, 5000).unref()),
      ]),
    ),
  );
  process.exit(code);
}

/** An overall bound on a whole run: past `ms`, clean up and exit 1. Returns a cancel function. */
export function timeLimit(ms: number, what: string): () => void {
  const t = setTimeout(
    () => void abort(1, `${what}: overall time limit (${Math.round(ms / 1000)} s) reached`),
    ms,
  );
  t.unref();
  return () => clearTimeout(t);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once("SIGINT", () => void abort(130));
  process.once("SIGTERM", () => void abort(143));
}
