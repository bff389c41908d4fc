import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootServices } from "../../../backend/rack/boot/services";
import type { RackConfig } from "../../../sdk/schema/rack-agent";

const images = mkdtempSync(join(tmpdir(), "fibrix-images-"));
writeFileSync(join(images, "tiny"), "x");
afterAll(() => rmSync(images, { recursive: true, force: true }));

const svc = () =>
  new BootServices({
    baseUrl: "http://10.77.0.1:8080/",
    kernelPath: "/k",
    initrdPath: "/i",
    imagesDir: images,
  });
const config: RackConfig = {
  rackId: "r",
  regionId: "g",
  dnsDomain: "d",
  subnet: "10.77.0.0/24",
  gateway: null,
  dhcpRange: { start: "10.77.0.100", end: "10.77.0.200" },
  machines: [
    { id: "m1", hostname: "a", macs: ["52:54:00:00:00:01"], ip: null, status: "Deployed", boot: "local" },
    {
      id: "m2",
      hostname: "b",
      macs: ["52:54:00:00:00:02"],
      ip: null,
      status: "Commissioning",
      boot: "commission",
    },
    { id: "m3", hostname: "c", macs: ["52:54:00:00:00:03"], ip: null, status: "Ready", boot: "none" },
  ],
  heartbeatIntervalMs: 10000,
};

test("without a waiting executor: the config's local boots the disk, anything else exits; no MAC asks again", () => {
  const s = svc();
  s.setConfig(config);
  expect(s.decide("52:54:00:00:00:01").decision).toEqual({ kind: "local" });
  expect(s.decide("52-54-00-00-00-02").decision).toEqual({ kind: "exit", reason: "no task waiting" });
  expect(s.decide("52:54:00:00:00:03").decision).toEqual({ kind: "exit", reason: "nothing to do" });
  expect(s.decide("52:54:00:00:00:09").decision).toEqual({ kind: "exit", reason: "unknown MAC" });
  expect(s.decide("nonsense").decision).toEqual({ kind: "exit", reason: "malformed MAC" });
  expect(s.decide("").decision).toEqual({ kind: "identify", baseUrl: "http://10.77.0.1:8080" });
  expect(s.events.map((e) => e.decision)).toEqual(["local", "exit", "exit", "exit", "exit", "identify"]);
});

test("an expected machine gets the environment with its token, even before the config lists it", async () => {
  const s = svc();
  const changes: number[] = [];
  s.onChange(() => changes.push(1));
  const p = s.expect({ machineId: "m9", mode: "commission", macs: ["52:54:00:00:00:09"] });
  expect(s.pendingHosts()).toEqual([{ mac: "52:54:00:00:00:09", machineId: "m9" }]);
  const d = s.decide("52:54:00:00:00:09");
  expect(d).toEqual({
    machineId: "m9",
    decision: expect.objectContaining({
      kind: "ephemeral",
      mode: "commission",
      token: p.token,
      machineId: "m9",
    }),
  });
  expect(() => s.deliver("m9", "commission", "wrong", { kind: "commission" })).toThrow(
    expect.objectContaining({ code: "BOOT_REPORT_FORBIDDEN" }),
  );
  expect(() => s.deliver("m8", "commission", p.token, { kind: "commission" })).toThrow(
    expect.objectContaining({ code: "BOOT_REPORT_UNEXPECTED" }),
  );
  const waiting = p.wait("commission", { timeoutMs: 5000 });
  s.deliver("m9", "commission", p.token, { kind: "commission", cores: 2 });
  await expect(waiting).resolves.toEqual({ kind: "commission", cores: 2 });
  expect(s.decide("52:54:00:00:00:09").decision).toMatchObject({ kind: "exit" });
  p.close();
  expect(s.pending("m9")).toBeUndefined();
  expect(changes.length).toBe(2);
});

test("deploy: refused without an image on the rack; after the image is written the machine boots local", () => {
  const s = svc();
  expect(() =>
    s.expect({ machineId: "m", mode: "deploy", macs: ["52:54:00:00:00:05"], image: "nope" }),
  ).toThrow(expect.objectContaining({ code: "BOOT_IMAGE_NOT_FOUND" }));
  expect(() =>
    s.expect({ machineId: "m", mode: "deploy", macs: ["52:54:00:00:00:05"], image: "../etc" }),
  ).toThrow(expect.objectContaining({ code: "BOOT_IMAGE_NOT_FOUND" }));
  const p = s.expect({ machineId: "m", mode: "deploy", macs: ["52:54:00:00:00:05"], image: "tiny" });
  expect(s.decide("52:54:00:00:00:05").decision).toMatchObject({
    kind: "ephemeral",
    mode: "deploy",
    image: "tiny",
  });
  s.deliver("m", "deploy", p.token, { kind: "deploy", bytes: 1 });
  expect(s.decide("52:54:00:00:00:05").decision).toEqual({ kind: "local" });
});

test("waiting ends with a typed error on timeout, abort, or a newer task for the same machine", async () => {
  const s = svc();
  const p = s.expect({ machineId: "m", mode: "commission", macs: ["52:54:00:00:00:05"] });
  await expect(p.wait("commission", { timeoutMs: 20 })).rejects.toMatchObject({
    code: "BOOT_REPORT_TIMEOUT",
    retryable: true,
  });
  const ac = new AbortController();
  const aborted = p.wait("commission", { timeoutMs: 5000, signal: ac.signal });
  ac.abort();
  await expect(aborted).rejects.toMatchObject({ code: "BOOT_ABORTED" });
  const old = p.wait("commission", { timeoutMs: 5000 });
  const ticks: number[] = [];
  const q = s.expect({ machineId: "m", mode: "commission", macs: ["52:54:00:00:00:05"] });
  await expect(old).rejects.toMatchObject({ code: "BOOT_SUPERSEDED" });
  const w = q.wait("commission", { timeoutMs: 120, tickMs: 20, onTick: (ms) => void ticks.push(ms) });
  await expect(w).rejects.toMatchObject({ code: "BOOT_REPORT_TIMEOUT" });
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  s.close();
});
