/**
 * Our own Ipmi15Client (backend/power/ipmi15) against the lab BMC: power, boot device,
 * sensors (with an injected fault) and SEL, checked against the lab's state handles.
 */
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { AuthenticationError, PowerError } from "../../../backend/power/errors";
import { Ipmi15Client } from "../../../backend/power/ipmi15/client";
import { UdpLanTransport } from "../../../backend/power/ipmi15/transport";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Ipmi15Client against the lab BMC", () => {
  let lab: LabBmcs;
  let transport: UdpLanTransport;
  const clients: Ipmi15Client[] = [];

  const client = (i: number, o: { password?: string; authType?: string; user?: string } = {}) => {
    const b = lab.bmcs[i]!;
    const c = new Ipmi15Client({
      host: b.host,
      port: b.port,
      username: o.user ?? "admin",
      password: o.password ?? "s3cret",
      authType: o.authType ?? "md5",
      timeoutMs: 1500,
      transport,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    lab = await startLabBmcs({
      count: 3,
      basePort: 0,
      user: "admin",
      password: "s3cret",
      timings: { onDelayMs: 150, offDelayMs: 20, softOffDelayMs: 100 },
    });
    transport = new UdpLanTransport({ bindAddress: "127.0.0.1" });
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await transport.close();
    await lab.close();
  });

  test.each(["md5", "password"])("power on/off/soft and status agree with the lab (%s)", async (authType) => {
    const c = client(0, { authType });
    const { bmc } = lab.bmcs[0]!;
    bmc.chassis("off");
    await sleep(30);
    expect((await c.chassisStatus()).powerOn).toBe(false);
    await c.chassisControl("on");
    await sleep(200);
    expect(bmc.power.state).toBe("on");
    const st = await c.chassisStatus();
    expect(st.powerOn).toBe(true);
    expect(st.lastPowerEvent.onViaIpmi).toBe(true);
    await c.chassisControl("soft");
    await sleep(150);
    expect(bmc.power.state).toBe("off");
    expect((await c.chassisStatus()).powerOn).toBe(false);
    await c.close();
  });

  test("boot device: set PXE once, read it back, consumed by the next power-on", async () => {
    const c = client(1);
    const { bmc } = lab.bmcs[1]!;
    await c.setBootDevice("pxe");
    expect(await c.getBootDevice()).toMatchObject({ device: "pxe", valid: true, persistent: false });
    await c.chassisControl("on");
    await sleep(200);
    expect(bmc.power.boots.at(-1)?.device).toBe("pxe");
    expect((await c.getBootDevice()).valid).toBe(false);
  });

  test("sensors: values match the lab readings; a fan fault reads critical and lands in the SEL", async () => {
    const c = client(2);
    const { bmc } = lab.bmcs[2]!;
    const sensors = await c.sensors();
    expect(sensors.map((s) => s.name).sort()).toEqual(bmc.sensors.specs.map((s) => s.name).sort());
    expect(sensors.every((s) => s.status === "ok")).toBe(true);
    const v12 = sensors.find((s) => s.name === "12V")!;
    expect(v12.value).toBeCloseTo((63 * bmc.sensors.read(0x13)!.raw) / 1000, 2);
    expect(v12.unit).toMatch(/V/);
    const selBefore = (await c.sel()).length;
    expect(selBefore).toBe(bmc.sel.records.length);

    bmc.sensors.inject("FAN 3 RPM", "lower-critical");
    const after = await c.sensors();
    expect(after.find((s) => s.name === "FAN 3 RPM")).toMatchObject({ status: "critical", value: 18 * 75 });
    const sel = await c.sel();
    expect(sel.length).toBe(selBefore + 2); // LNC and LC going low
    expect(sel.at(-1)).toMatchObject({ sensorNumber: 0x32, asserted: true });
    bmc.sensors.inject("FAN 3 RPM", "normal");
  });

  test("wrong password: a typed, non-retryable error; wrong user too", async () => {
    const bad = client(0, { password: "nope" });
    const e1 = await bad.chassisStatus().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(e1).toBeInstanceOf(PowerError);
    const e2 = await client(0, { user: "mallory" })
      .chassisStatus()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(e2).toBeInstanceOf(AuthenticationError);
    expect((e2 as PowerError).retryable).toBe(false);
  });
});
