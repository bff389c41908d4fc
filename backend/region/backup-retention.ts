/**
 * Which of a VM's backups retention prunes. Pure. A backup is kept when it is among the newest
 * `keepLast` ready ones, or younger than `keepDays` (either rule keeps it; with neither set,
 * everything is kept). Never pruned: the newest ready backup (a VM always keeps one), and any
 * backup not ready (in progress, deleting or failed: those are the operator's to remove).
 */
export interface RetainedBackup {
  id: string;
  status: string;
  /** When it finished (ISO); ready backups have it. */
  completedAt: string | null;
  createdAt: string;
}

export interface Retention {
  keepLast: number | null;
  keepDays: number | null;
}

const DAY_MS = 86_400_000;

export function backupsToPrune(backups: readonly RetainedBackup[], policy: Retention, now: Date): string[] {
  if (policy.keepLast === null && policy.keepDays === null) return [];
  const ready = backups
    .filter((b) => b.status === "Ready")
    .sort(
      (a, b) =>
        (b.completedAt ?? b.createdAt).localeCompare(a.completedAt ?? a.createdAt) ||
        b.id.localeCompare(a.id),
    );
  const prune: string[] = [];
  ready.forEach((b, i) => {
    if (i === 0) return; // the newest ready one always stays
    const byCount = policy.keepLast !== null && i < policy.keepLast;
    const age = now.getTime() - Date.parse(b.completedAt ?? b.createdAt);
    const byAge = policy.keepDays !== null && age < policy.keepDays * DAY_MS;
    if (!byCount && !byAge) prune.push(b.id);
  });
  return prune;
}
