/** Waiters on a fake clock: progress once per change, fail fast, time out naming the last state. */
import { ConflictError, NotFoundError, TimeoutError } from "../../../sdk/errors";
import { waitFor, waitForDeletion, waitForStatus } from "../../../sdk/waiters";

/** A clock that advances only when the waiter sleeps. */
function fakeClock() {
  let t = 0;
  const sleep = async (ms: number) => {
    t += ms;
  };
  return { now: () => t, sleep, slept: () => t };
}

test("waitFor reports each change once and returns the object that satisfied it", async () => {
  const seq = ["New", "Commissioning", "Commissioning", "Ready"];
  const seen: [string, number][] = [];
  let i = 0;
  const clock = fakeClock();
  const got = await waitFor(
    async () => seq[Math.min(i++, seq.length - 1)]!,
    (s) => s === "Ready",
    { ...clock, intervalMs: 500, onProgress: (s, ms) => seen.push([s, ms]) },
  );
  expect(got).toBe("Ready");
  expect(seen).toEqual([
    ["New", 0],
    ["Commissioning", 500],
    ["Ready", 1500],
  ]);
});

test("waitFor times out with the last state seen, never sleeping past the deadline", async () => {
  const clock = fakeClock();
  const err = await waitFor(
    async () => ({ status: "Commissioning" }),
    () => false,
    { ...clock, timeoutMs: 2500, intervalMs: 1000 },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TimeoutError);
  expect(err).toMatchObject({ code: "TIMEOUT", lastSeen: "Commissioning" });
  expect((err as Error).message).toMatch(/last status seen: Commissioning/);
  expect(clock.slept()).toBe(2500);
});

test("failWhen ends the wait at once with a CONFLICT", async () => {
  let polls = 0;
  await expect(
    waitFor(
      async () => {
        polls++;
        return "FailedCommissioning";
      },
      () => false,
      { ...fakeClock(), failWhen: (s) => `is ${s}` },
    ),
  ).rejects.toMatchObject({ code: "CONFLICT", message: "is FailedCommissioning" });
  expect(polls).toBe(1);
});

test("waitForStatus: wanted states win over failOn; failures name the status and its reason", async () => {
  const m = { status: "Broken" as const, statusReason: "fan 2 dead" };
  await expect(
    waitForStatus("machine m1", async () => m, ["Ready"], { ...fakeClock() }, ["Broken"]),
  ).rejects.toThrow(new ConflictError("machine m1 is Broken (fan 2 dead)"));
  await expect(
    waitForStatus("machine m1", async () => m, "Broken", { ...fakeClock() }, ["Broken"]),
  ).resolves.toBe(m);
  await expect(
    waitForStatus("machine m1", async () => m, "Ready", { ...fakeClock(), failOn: [], timeoutMs: 10 }, [
      "Broken",
    ]),
  ).rejects.toMatchObject({
    code: "TIMEOUT",
    message: expect.stringMatching(/did not reach Ready.*Broken \(fan 2 dead\)/),
  });
});

test("waitForDeletion resolves on NotFound and passes other errors through", async () => {
  let n = 0;
  await waitForDeletion(
    async () => {
      if (++n < 3) return { status: "Deleting" };
      throw new NotFoundError("vm v1 not found");
    },
    { ...fakeClock() },
  );
  expect(n).toBe(3);
  await expect(
    waitForDeletion(async () => Promise.reject(new ConflictError("nope")), { ...fakeClock() }),
  ).rejects.toMatchObject({ code: "CONFLICT" });
});

test("an aborted wait stops polling", async () => {
  const ac = new AbortController();
  let polls = 0;
  const p = waitFor(
    async () => {
      if (++polls === 2) ac.abort(new Error("user stopped"));
      return "x";
    },
    () => false,
    { signal: ac.signal, intervalMs: 1 },
  );
  await expect(p).rejects.toThrow("user stopped");
  expect(polls).toBe(2);
});
