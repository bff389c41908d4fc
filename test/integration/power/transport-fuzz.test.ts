/**
 * A hostile network between the client and a real BMC: a relay in front of ipmi_sim injects
 * 2000 garbage datagrams from the BMC's own address and port (random bytes, truncated and
 * bit-flipped copies of real replies, stale replies) before each real reply. The client must
 * keep working, count the garbage, and never crash or leave an unhandled rejection.
 */

import { randomBytes } from "node:crypto";
import { type Socket, createSocket } from "node:dgram";
import { Ipmi15Client } from "../../../backend/power/ipmi15/client";
import { UdpLanTransport } from "../../../backend/power/ipmi15/transport";
import { type IpmiSimFleet, startIpmiSims } from "../../helpers/ipmi-sim";

const GARBAGE_TOTAL = 2000;
const GARBAGE_PER_REPLY = 12;

let fleet: IpmiSimFleet;
let front: Socket;
let back: Socket;
let sent = 0;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

function bind(s: Socket): Promise<number> {
  return new Promise((resolve) => s.bind(0, "127.0.0.1", () => resolve(s.address().port)));
}

function garbage(real: Buffer, stale: Buffer[]): Buffer {
  const kind = sent % 4;
  if (kind === 0) return randomBytes(Math.floor(Math.random() * 64));
  if (kind === 1) return real.subarray(0, Math.floor(Math.random() * real.length));
  if (kind === 2) {
    const b = Buffer.from(real);
    const at = Math.floor(Math.random() * b.length);
    b[at]! ^= 1 << Math.floor(Math.random() * 8);
    return b;
  }
  return stale[Math.floor(Math.random() * stale.length)] ?? randomBytes(20);
}

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  fleet = await startIpmiSims({ count: 1 });
  front = createSocket("udp4");
  back = createSocket("udp4");
  await Promise.all([bind(front), bind(back)]);
  const bmc = fleet.bmcs[0]!;
  let client: { address: string; port: number } | undefined;
  const stale: Buffer[] = [];
  front.on("message", (m, r) => {
    client = { address: r.address, port: r.port };
    back.send(m, bmc.port, bmc.host);
  });
  back.on("message", (m) => {
    if (!client) return;
    for (let i = 0; i < GARBAGE_PER_REPLY && sent < GARBAGE_TOTAL; i++, sent++) {
      front.send(garbage(m, stale), client.port, client.address);
    }
    front.send(m, client.port, client.address);
    stale.push(m);
  });
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await new Promise<void>((r) => front.close(() => r()));
  await new Promise<void>((r) => back.close(() => r()));
  await fleet.stop();
});

test("2000 garbage datagrams from the BMC's address: every command still succeeds", async () => {
  const transport = new UdpLanTransport();
  const c = new Ipmi15Client({
    host: "127.0.0.1",
    port: front.address().port,
    username: "admin",
    password: "pass",
    timeoutMs: 2000,
    transport,
  });
  const deadline = Date.now() + 30_000;
  let ok = 0;
  try {
    for (let i = 0; i < 400 && sent < GARBAGE_TOTAL && Date.now() < deadline; i++) {
      if (i % 2 === 0) expect(typeof (await c.chassisStatus()).powerOn).toBe("boolean");
      else expect((await c.deviceId()).manufacturerId).toBe(0x1291);
      ok++;
    }
  } finally {
    await c.close();
    await transport.close();
  }
  expect(sent).toBe(GARBAGE_TOTAL);
  expect(ok).toBeGreaterThan(100);
  const st = transport.stats;
  // Everything that arrived was either a real reply, or dropped as malformed or unmatched.
  expect(st.malformed).toBeGreaterThan(GARBAGE_TOTAL / 4);
  expect(st.unmatched).toBeGreaterThan(0);
  expect(st.malformed + st.unmatched).toBeGreaterThanOrEqual(GARBAGE_TOTAL - 5);
  expect(unhandled).toEqual([]);
});
