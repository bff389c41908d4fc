/**
 * The one text form of a long operation's byte progress, as a rack reports it in a task's
 * progress message (`copy 1048576/10737418240 bytes`) and as the region and the CLI read it
 * back. Pure.
 */
export interface ByteProgress {
  phase: string;
  done: number;
  total: number;
}

const RE = /^([a-z][a-z-]{0,31}) (\d{1,20})\/(\d{1,20}) bytes(?:\b|$)/;

export function formatByteProgress(p: ByteProgress): string {
  return `${p.phase} ${Math.max(0, Math.floor(p.done))}/${Math.max(0, Math.floor(p.total))} bytes`;
}

export function parseByteProgress(message: string): ByteProgress | null {
  const m = RE.exec(message);
  if (!m) return null;
  const done = Number(m[2]);
  const total = Number(m[3]);
  if (!Number.isSafeInteger(done) || !Number.isSafeInteger(total)) return null;
  return { phase: m[1]!, done, total };
}

const MiB = 1024 * 1024;

/** `1.5 / 10.0 GiB (15 %)`-style line for a terminal. */
export function describeBytes(p: { done: number; total: number }): string {
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
  return `${(p.done / MiB).toFixed(1)}/${(p.total / MiB).toFixed(1)} MiB (${pct} %)`;
}

/** MiB per second, for a finished copy of `bytes` in `ms`. */
export function mibPerSecond(bytes: number, ms: number): number {
  return ms > 0 ? bytes / MiB / (ms / 1000) : 0;
}
