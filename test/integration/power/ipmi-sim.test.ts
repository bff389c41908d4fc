/**
 * Our IPMI v1.5 LAN client against OpenIPMI's ipmi_sim (an independent BMC implementation):
 * MD5 and straight-password sessions, power, boot device, device id, sensors, SEL, failures.
 */

import { AuthenticationError, PowerTimeoutError } from "../../../backend/power/errors";
import { ACTIVATE_SESSION } from "../../../backend/power/ipmi15/commands/app";
import { Ipmi15Client, type Ipmi15ClientOptions } from "../../../backend/power/ipmi15/client";
import { Ipmi15ClientPool } from "../../../backend/power/ipmi15/client-pool";
import {
  type LanExchange,
  type LanTransport,
  UdpLanTransport,
} from "../../../backend/power/ipmi15/transport";
import { createPowerDriver } from "../../../backend/power/registry";
import { toThresholds } from "../../../backend/rack/health-report";
import type { SensorThresholds } from "../../../sdk/schema/machine";
import { SIM_SENSORS, type IpmiSimBmc, type IpmiSimFleet, startIpmiSims } from "../../helpers/ipmi-sim";
import { FREEIPMI_PRECISION, ipmiSensors } from "../../helpers/ipmi-sensors";

/** Counts exchanges per command on top of the real transport (to see session reuse). */
class CountingTransport implements LanTransport {
  counts = new Map<number, number>();
  constructor(readonly inner: UdpLanTransport) {}
  request(x: LanExchange) {
    this.counts.set(x.cmd + (x.netFn << 8), (this.counts.get(x.cmd + (x.netFn << 8)) ?? 0) + 1);
    return this.inner.request(x);
  }
  ping(...a: Parameters<LanTransport["ping"]>) {
    return this.inner.ping(...a);
  }
  activations(): number {
    return this.counts.get(ACTIVATE_SESSION.cmd + (ACTIVATE_SESSION.netFn << 8)) ?? 0;
  }
}

let fleet: IpmiSimFleet;
let bmc: IpmiSimBmc;
let transport: UdpLanTransport;
const clients: Ipmi15Client[] = [];

function client(o: Partial<Ipmi15ClientOptions> = {}, t: LanTransport = transport): Ipmi15Client {
  const c = new Ipmi15Client({
    host: bmc.host,
    port: bmc.port,
    username: "admin",
    password: "pass",
    timeoutMs: 1000,
    transport: t,
    ...o,
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  fleet = await startIpmiSims({ count: 1, sensors: true });
  bmc = fleet.bmcs[0]!;
  transport = new UdpLanTransport();
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await transport.close();
  await fleet.stop();
});

describe.each([
  ["md5", "MD5"],
  ["password", "straight password"],
])("IPMI v1.5 session with %s auth", (authType) => {
  test("device id, power on / status / off, as seen in the BMC's chassis state", async () => {
    const c = client({ authType });
    expect(await c.deviceId()).toMatchObject({ manufacturerId: 0x1291, productId: 0xf02, firmwareMajor: 9 });
    await c.chassisControl("on");
    expect(bmc.power()).toBe("1");
    expect((await c.chassisStatus()).powerOn).toBe(true);
    await c.chassisControl("off");
    expect(bmc.power()).toBe("0");
    expect((await c.chassisStatus()).powerOn).toBe(false);
  });
});

test("boot device PXE then disk, asserted in the chassis state file", async () => {
  const c = client();
  await c.setBootDevice("pxe", { persistent: true });
  expect(bmc.boot()).toBe("pxe");
  expect((await c.getBootDevice()).device).toBe("pxe");
  await c.setBootDevice("disk");
  expect(bmc.boot()).toBe("default");
  expect((await c.getBootDevice()).device).toBe("disk");
  expect(bmc.calls()).toEqual(expect.arrayContaining(["set boot pxe", "set boot default"]));
});

test("ASF presence ping", async () => {
  expect(await client().ping()).toMatchObject({ ipmiSupported: true, iana: 4542 });
});

test("sensors: SDR walk, readings converted, thresholds classified", async () => {
  const s = await client().sensors();
  const byNumber = new Map(s.map((x) => [x.number, x]));
  for (const want of [SIM_SENSORS.cpuTemp, SIM_SENSORS.volts12, SIM_SENSORS.fan1]) {
    expect(byNumber.get(want.number)).toMatchObject({
      name: want.name,
      value: want.value,
      unit: want.unit,
      status: want.status,
      kind: "threshold",
    });
  }
  expect(byNumber.get(SIM_SENSORS.cpuTemp.number)?.thresholds).toEqual({
    lnc: 5,
    lc: 2,
    lnr: 0,
    unc: 75,
    uc: 85,
    unr: 95,
  });
  expect(byNumber.get(SIM_SENSORS.volts12.number)?.thresholds?.uc).toBe(13.2);
  expect(byNumber.get(SIM_SENSORS.intrusion.number)).toMatchObject({ kind: "discrete", status: "ok" });
});

test("thresholds: ours equal FreeIPMI's ipmi-sensors on the same ipmi_sim (Get Sensor Thresholds)", async () => {
  const ours = new Map((await client().sensors()).map((s) => [s.name, s]));
  const theirs = await ipmiSensors({ host: bmc.host, port: bmc.port, user: "admin", password: "pass" });
  expect([...theirs.keys()].sort()).toEqual([...ours.keys()].sort());
  let compared = 0;
  for (const [name, f] of theirs) {
    const mine = toThresholds(ours.get(name)!.thresholds) ?? {};
    expect([name, Object.keys(mine).sort()]).toEqual([name, Object.keys(f.thresholds).sort()]);
    for (const [k, v] of Object.entries(f.thresholds) as [keyof SensorThresholds, number][]) {
      expect(Math.abs(mine[k]! - v)).toBeLessThanOrEqual(FREEIPMI_PRECISION);
      compared++;
    }
  }
  expect(compared).toBe(18); // three threshold sensors × six thresholds each
});

test("SEL: the fixture's threshold event", async () => {
  const events = await client().sel();
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({
    sensorType: "Temperature",
    sensorNumber: 1,
    asserted: true,
    description: "Temperature #1: Upper Critical going high (asserted)",
  });
});

test("wrong password → AuthenticationError (MD5 and straight)", async () => {
  for (const authType of ["md5", "password"]) {
    const e = await client({ password: "wrong", authType, timeoutMs: 400 })
      .deviceId()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).retryable).toBe(false);
  }
});

test("unknown user and auth type not offered → AuthenticationError", async () => {
  await expect(client({ username: "nobody" }).deviceId()).rejects.toThrow(/invalid user name/);
  await expect(client({ authType: "none" }).deviceId()).rejects.toBeInstanceOf(AuthenticationError);
});

test("dead port → PowerTimeoutError within the configured 500 ms", async () => {
  const c = new Ipmi15Client({
    host: "127.0.0.1",
    port: 9,
    username: "admin",
    password: "pass",
    timeoutMs: 500,
    transport,
  });
  clients.push(c);
  const t0 = performance.now();
  const e = await c.chassisStatus().catch((x: unknown) => x);
  const ms = performance.now() - t0;
  expect(e).toBeInstanceOf(PowerTimeoutError);
  expect(ms).toBeGreaterThanOrEqual(490);
  expect(ms).toBeLessThan(800);
});

test("one session is reused; a BMC restart is survived by re-opening it", async () => {
  const counting = new CountingTransport(transport);
  const c = client({ timeoutMs: 500 }, counting);
  await c.chassisStatus();
  await c.deviceId();
  await c.chassisStatus();
  expect(counting.activations()).toBe(1);
  await bmc.restart(); // every session on the BMC is gone
  expect((await c.deviceId()).productId).toBe(0xf02);
  expect(counting.activations()).toBe(2);
});

test("ipmi power driver from the registry: on, cycle, off with confirmation", async () => {
  const d = createPowerDriver(
    "ipmi",
    { address: bmc.host, port: bmc.port, user: "admin", password: "pass", timeoutMs: 1000 },
    { ipmiTransport: transport },
  );
  try {
    await d.on();
    expect(bmc.power()).toBe("1");
    expect(await d.status()).toBe("on");
    await d.cycle();
    expect(await d.status()).toBe("on");
    await d.off();
    expect(bmc.power()).toBe("0");
    await d.setBootDevice("pxe");
    expect(bmc.boot()).toBe("pxe");
    expect((await d.sensors?.())?.length).toBe(4);
  } finally {
    await d.close();
  }
});

test("keep-alive sends Get Device ID while idle; minimum interval spaces exchanges", async () => {
  const counting = new CountingTransport(transport);
  const c = client({ keepAliveMs: 150, minIntervalMs: 40 }, counting);
  await c.chassisStatus();
  const deviceIds = () => counting.counts.get(0x0601) ?? 0;
  const before = deviceIds();
  await new Promise((r) => setTimeout(r, 600));
  expect(deviceIds()).toBeGreaterThanOrEqual(before + 2);
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) await c.chassisStatus();
  expect(performance.now() - t0).toBeGreaterThanOrEqual(4 * 40 - 5);
  expect(counting.activations()).toBe(1);
});

test("a client pool keeps one session per BMC across driver instances", async () => {
  const counting = new CountingTransport(transport);
  const pool = new Ipmi15ClientPool(counting);
  const params = { address: bmc.host, port: bmc.port, user: "admin", password: "pass" };
  try {
    for (let i = 0; i < 3; i++) {
      const d = createPowerDriver("ipmi", params, { ipmiPool: pool });
      expect(["on", "off"]).toContain(await d.status());
      await d.close(); // does not close the pooled session
    }
    expect(pool.size).toBe(1);
    expect(counting.activations()).toBe(1);
    createPowerDriver("ipmi", { ...params, password: "other" }, { ipmiPool: pool });
    expect(pool.size).toBe(2);
  } finally {
    await pool.close();
  }
});
