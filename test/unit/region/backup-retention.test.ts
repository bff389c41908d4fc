import { backupsToPrune, type RetainedBackup } from "../../../backend/region/backup-retention";

const now = new Date("2026-12-03T12:00:00Z");
const day = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
const ready = (id: string, ageDays: number): RetainedBackup => ({
  id,
  status: "Ready",
  completedAt: day(ageDays),
  createdAt: day(ageDays),
});

describe("backup retention", () => {
  const five = [ready("b1", 10), ready("b2", 8), ready("b3", 5), ready("b4", 2), ready("b5", 0.5)];

  test("no policy keeps everything", () => {
    expect(backupsToPrune(five, { keepLast: null, keepDays: null }, now)).toEqual([]);
  });

  test("keepLast N keeps the newest N", () => {
    expect(backupsToPrune(five, { keepLast: 2, keepDays: null }, now).sort()).toEqual(["b1", "b2", "b3"]);
    expect(backupsToPrune(five, { keepLast: 5, keepDays: null }, now)).toEqual([]);
  });

  test("keepDays keeps those younger than D days; the newest always stays", () => {
    expect(backupsToPrune(five, { keepLast: null, keepDays: 3 }, now).sort()).toEqual(["b1", "b2", "b3"]);
    const old = [ready("a", 30), ready("b", 20)];
    expect(backupsToPrune(old, { keepLast: null, keepDays: 1 }, now)).toEqual(["a"]);
  });

  test("either rule keeps a backup", () => {
    expect(backupsToPrune(five, { keepLast: 1, keepDays: 6 }, now).sort()).toEqual(["b1", "b2"]);
  });

  test("never the only one, never one in progress, deleting or failed", () => {
    expect(backupsToPrune([ready("only", 100)], { keepLast: 1, keepDays: 1 }, now)).toEqual([]);
    const mixed: RetainedBackup[] = [
      { id: "run", status: "Running", completedAt: null, createdAt: day(40) },
      { id: "pend", status: "Pending", completedAt: null, createdAt: day(40) },
      { id: "fail", status: "Failed", completedAt: null, createdAt: day(40) },
      ready("old", 40),
      ready("new", 0),
    ];
    expect(backupsToPrune(mixed, { keepLast: 1, keepDays: null }, now)).toEqual(["old"]);
  });
});
