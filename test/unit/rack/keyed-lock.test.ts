import { KeyedLock } from "../../../backend/rack/keyed-lock";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("one holder per key, in arrival order; other keys run alongside; a failure frees the key", async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const job = (key: string, name: string, ms: number, fail = false) =>
    lock.run(key, async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
  const results = await Promise.allSettled([
    job("a", "a1", 30, true),
    job("a", "a2", 10),
    job("b", "b1", 5),
    job("a", "a3", 1),
  ]);
  expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled", "fulfilled"]);
  const a = log.filter((l) => l.includes(" a"));
  expect(a).toEqual(["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]);
  // b1 did not wait for a1.
  expect(log.indexOf("end b1")).toBeLessThan(log.indexOf("end a1"));
  expect(await lock.run("a", async () => "free")).toBe("free");
});
