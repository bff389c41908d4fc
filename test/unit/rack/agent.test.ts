/**
 * The agent's loop against a fake region on 127.0.0.1, for what a real region cannot be made
 * to show on demand: bounded concurrency, one task at a time per object, keep-alive progress,
 * a lost lease, a stop in the middle of a task, and a region that answers 503 for a while.
 * (The same loop against the real region, BMCs and libvirtd: test/integration/rack/.)
 */
import pino from "pino";
import { RackAgent, type RackAgentOptions } from "../../../backend/rack/agent";
import { type Executor, type ExecutorContext, TaskError } from "../../../backend/rack/executor";
import { AuthenticationError } from "../../../backend/power/errors";
import { FakeRegion, TOKEN, until } from "./fake-region";

let region: FakeRegion;
let agent: RackAgent | undefined;

beforeEach(async () => {
  region = await FakeRegion.start();
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await region.close();
});

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new Error("aborted"));
    });
  });

function start(executors: Executor[], more: Partial<RackAgentOptions> = {}): Promise<void> {
  agent = new RackAgent({
    region: region.url,
    token: TOKEN,
    claimWaitMs: 100,
    log: pino({ level: "silent" }),
    executors,
    client: { retries: 2, backoff: { baseMs: 5, capMs: 20 }, timeoutMs: 2_000 },
    ...more,
  });
  return agent.start();
}

const finished = (ids: string[]) => () =>
  ids.every((id) => ["done", "failed"].includes(region.tasks.get(id)!.status));

test("heartbeats at the region's interval and hands every config to onConfig", async () => {
  region.heartbeatIntervalMs = 50;
  const configs: string[] = [];
  await start([], { onConfig: (c) => void configs.push(c.rackId) });
  expect(agent!.config?.rackId).toBe("rck_fake");
  await until(() => configs.length >= 4);
  expect(new Set(configs)).toEqual(new Set(["rck_fake"]));
  expect(region.seen.find((s) => s.path === "/heartbeat")!.body).toMatchObject({
    version: expect.any(String),
  });
});

test("runs at most `concurrency` tasks at once, and all of them", async () => {
  let now = 0;
  let peak = 0;
  const slow: Executor = {
    kind: "power",
    async run() {
      peak = Math.max(peak, ++now);
      await sleep(40);
      now--;
      return { ok: 1 };
    },
  };
  const ids = Array.from({ length: 20 }, (_, i) => region.enqueue("power", `m${i}`));
  await start([slow], { concurrency: 4 });
  await until(finished(ids));
  expect(peak).toBe(4);
  expect(ids.map((id) => region.tasks.get(id)!.results[0])).toEqual(
    ids.map(() => ({ ok: true, result: { ok: 1 } })),
  );
  // Never claimed more than it could hold.
  expect(
    Math.max(...region.seen.filter((s) => s.path === "/tasks/claim").map((s) => Number(s.body.max))),
  ).toBe(4);
});

test("never two tasks for the same object at once; they run in claim order", async () => {
  const log: string[] = [];
  const exec: Executor = {
    kind: "vm.update",
    async run({ task }) {
      log.push(`start ${task.payload.n}`);
      await sleep(30);
      log.push(`end ${task.payload.n}`);
      return {};
    },
  };
  const ids = [1, 2, 3].map((n) => region.enqueue("vm.update", "vm1", { n }));
  const other = region.enqueue("vm.update", "vm2", { n: 9 });
  await start([exec]);
  await until(finished([...ids, other]));
  const mine = log.filter((l) => !l.endsWith("9"));
  expect(mine).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  // The other object's task did not wait behind them.
  expect(log.indexOf("start 9")).toBeLessThan(log.indexOf("end 1"));
});

test("claimedSince: the objects of tasks claimed after this one (a host reconcile spares them)", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const seen: string[][] = [];
  const vm: Executor = {
    kind: "vm.create",
    async run() {
      return {};
    },
  };
  const reconcile: Executor = {
    kind: "host.reconcile",
    async run({ claimedSince }) {
      await gate; // VM work is claimed while this one runs
      seen.push([...claimedSince()].sort());
      return {};
    },
  };
  const before = region.enqueue("vm.create", "vm_before", {});
  await start([vm, reconcile]);
  await until(finished([before]));
  const r = region.enqueue("host.reconcile", "mch_host", {});
  await until(() => agent!.stats().held > 0);
  const after = region.enqueue("vm.create", "vm_after", {});
  await until(finished([after]));
  release();
  await until(finished([r]));
  // The VM built before the reconcile was claimed is the region's to list; the later one is spared.
  expect(seen).toEqual([["vm_after"]]);
});

test("an unknown kind is UNSUPPORTED; an executor's typed error keeps its code", async () => {
  const bmc: Executor = {
    kind: "power",
    run: async () => {
      throw new AuthenticationError("incorrect password: 127.0.0.1:623");
    },
  };
  const bad: Executor = {
    kind: "health",
    run: async () => {
      throw new TaskError("BAD_PAYLOAD", "no power", false);
    },
  };
  const a = region.enqueue("power", "m1");
  const b = region.enqueue("health", "m2");
  const c = region.enqueue("commission", "m3");
  await start([bmc, bad]);
  await until(finished([a, b, c]));
  expect(region.tasks.get(a)!.results).toEqual([
    {
      ok: false,
      error: { code: "POWER_AUTHENTICATION", message: "incorrect password: 127.0.0.1:623", retryable: false },
    },
  ]);
  expect(region.tasks.get(b)!.results[0]).toMatchObject({ ok: false, error: { code: "BAD_PAYLOAD" } });
  expect(region.tasks.get(c)!.results[0]).toMatchObject({
    ok: false,
    error: { code: "UNSUPPORTED", retryable: false },
  });
  await until(() => agent!.stats().failed === 3);
  expect(agent!.stats().done).toBe(0);
});

test("a long task keeps its lease with progress, and so does one waiting behind it", async () => {
  const exec: Executor = {
    kind: "vm.create",
    async run(ctx: ExecutorContext) {
      await ctx.progress("composing");
      await sleep(350);
      return { domain: "d" };
    },
  };
  const first = region.enqueue("vm.create", "vm1");
  const second = region.enqueue("vm.create", "vm1");
  await start([exec], { keepAliveMs: 50 });
  await until(finished([first, second]));
  const p1 = region.tasks.get(first)!.progress;
  const p2 = region.tasks.get(second)!.progress;
  expect(p1[0]).toBe("composing");
  expect(p1.filter((p) => p.startsWith("running")).length).toBeGreaterThanOrEqual(4);
  expect(p2.filter((p) => p.startsWith("waiting")).length).toBeGreaterThanOrEqual(4);
});

test("a lost lease (409 on progress) aborts the executor, and nothing is reported", async () => {
  let aborted = false;
  const exec: Executor = {
    kind: "power",
    async run({ signal }) {
      await sleep(5_000, signal).catch((e) => {
        aborted = signal.aborted;
        throw e;
      });
      return {};
    },
  };
  const id = region.enqueue("power", "m1");
  await start([exec], { keepAliveMs: 50 });
  await until(() => region.tasks.get(id)!.status === "running");
  // The watchdog re-queued it (say the rack was partitioned for a minute).
  region.requeue(id);
  region.tasks.get(id)!.status = "failed"; // and another attempt settled it meanwhile
  await until(() => aborted);
  await until(() => agent!.stats().abandoned === 1);
  expect(region.tasks.get(id)!.results).toEqual([]);
});

test("stop() aborts running work without reporting it, so the region can hand it out again", async () => {
  let started = 0;
  const exec: Executor = {
    kind: "vm.create",
    async run({ signal }) {
      started++;
      await sleep(10_000, signal);
      return {};
    },
  };
  const id = region.enqueue("vm.create", "vm1");
  const queuedBehind = region.enqueue("vm.create", "vm1");
  await start([exec]);
  await until(() => started === 1);
  const t0 = Date.now();
  await agent!.stop();
  expect(Date.now() - t0).toBeLessThan(2_000);
  expect(started).toBe(1); // the one waiting behind never started
  expect(region.tasks.get(id)!.results).toEqual([]);
  expect(region.tasks.get(queuedBehind)!.results).toEqual([]);
  expect(region.tasks.get(id)!.status).toBe("running"); // its lease will expire in the region
  expect(agent!.stats()).toMatchObject({ abandoned: 2, done: 0, failed: 0 });
});

test("a work that finishes while stopping is still reported", async () => {
  const exec: Executor = {
    kind: "power",
    async run() {
      await sleep(200); // ignores the abort: BMC exchanges finish on their own
      return { powerState: "on" };
    },
  };
  const id = region.enqueue("power", "m1");
  await start([exec]);
  await until(() => region.tasks.get(id)!.status === "running");
  await agent!.stop();
  expect(region.tasks.get(id)!.results).toEqual([{ ok: true, result: { powerState: "on" } }]);
});

test("rides out a region that answers 503 for a while (restart), then completes the work", async () => {
  const exec: Executor = { kind: "power", run: async () => ({ powerState: "off" }) };
  let down = true;
  region.intercept = (s) =>
    down && s.path !== "/heartbeat" ? { status: 503, body: { detail: "restarting" } } : undefined;
  const id = region.enqueue("power", "m1");
  await start([exec]);
  await until(() => region.count(/claim/) >= 6);
  expect(region.tasks.get(id)!.status).toBe("queued");
  down = false;
  await until(finished([id]));
  expect(region.tasks.get(id)!.results).toEqual([{ ok: true, result: { powerState: "off" } }]);
});

test("a task handed out again while still held here is not run twice", async () => {
  let runs = 0;
  const exec: Executor = {
    kind: "power",
    async run() {
      runs++;
      await sleep(200);
      return {};
    },
  };
  const id = region.enqueue("power", "m1");
  await start([exec]);
  await until(() => runs === 1);
  region.requeue(id); // the region thinks the lease expired and hands it out again
  await until(() => region.tasks.get(id)!.status === "done", 3_000);
  expect(runs).toBe(1);
  expect(region.tasks.get(id)!.results).toHaveLength(1);
});

test("a failing onConfig hook does not stop the heartbeats", async () => {
  region.heartbeatIntervalMs = 30;
  let calls = 0;
  await start([], {
    onConfig: () => {
      calls++;
      throw new Error("dnsmasq would not reload");
    },
  });
  await until(() => calls >= 3);
  expect(agent!.stats().lastHeartbeatError).toBeUndefined();
});

test("a refused token: start() still returns, the error is kept, and claims back off", async () => {
  agent = new RackAgent({
    region: region.url,
    token: "fbr_revoked",
    claimWaitMs: 100,
    log: pino({ level: "silent" }),
    executors: [],
    client: { retries: 2, backoff: { baseMs: 5, capMs: 20 }, timeoutMs: 2_000 },
  });
  await agent.start();
  expect(agent.config).toBeUndefined();
  expect(agent.stats().lastHeartbeatError).toMatch(/HTTP 401/);
  await new Promise((r) => setTimeout(r, 400));
  // One refused claim, then a pause of seconds, not a tight loop.
  expect(region.count(/claim/)).toBe(1);
});
