/**
 * Power status of 20 ipmi_sim BMCs through one shared socket, timed against FreeIPMI's
 * `ipmipower --stat` on the same BMCs (the speed anchor of design.md). Prints the figures.
 */

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Ipmi15Client } from "../../../backend/power/ipmi15/client";
import { UdpLanTransport } from "../../../backend/power/ipmi15/transport";
import { type IpmiSimFleet, startIpmiSims } from "../../helpers/ipmi-sim";

const N = 20;
let fleet: IpmiSimFleet;

beforeAll(async () => {
  fleet = await startIpmiSims({ count: N });
});

afterAll(async () => {
  await fleet.stop();
});

test(`status of ${N} BMCs: fresh sessions, reused sessions, and ipmipower`, async () => {
  const transport = new UdpLanTransport();
  const clients = fleet.bmcs.map(
    (b) =>
      new Ipmi15Client({
        host: b.host,
        port: b.port,
        username: "admin",
        password: "pass",
        timeoutMs: 2000,
        transport,
      }),
  );
  try {
    const t0 = performance.now();
    const first = await Promise.all(clients.map((c) => c.chassisStatus()));
    const fresh = performance.now() - t0;
    const t1 = performance.now();
    const second = await Promise.all(clients.map((c) => c.chassisStatus()));
    const reused = performance.now() - t1;
    expect(first.every((s) => s.powerOn === false)).toBe(true);
    expect(second).toHaveLength(N);

    const hosts = fleet.bmcs.map((b) => `${b.host}:${b.port}`).join(",");
    const t2 = performance.now();
    const { stdout } = await promisify(execFile)(
      "ipmipower",
      ["-D", "LAN", "-a", "MD5", "-u", "admin", "-p", "pass", "-h", hosts, "--stat"],
      {
        timeout: 30_000,
      },
    );
    const anchor = performance.now() - t2;
    expect(
      stdout
        .trim()
        .split("\n")
        .filter((l) => /: off$/.test(l)),
    ).toHaveLength(N);

    console.log(
      `[power fleet] ${N} BMCs status: fibrix fresh sessions ${fresh.toFixed(0)} ms, reused sessions ` +
        `${reused.toFixed(0)} ms; ipmipower --stat ${anchor.toFixed(0)} ms (ratio fresh/ipmipower ` +
        `${(fresh / anchor).toFixed(2)}); datagrams sent ${transport.stats.sent}, retransmits ${transport.stats.retransmits}`,
    );
    expect(fresh).toBeLessThan(5000);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await transport.close();
  }
});
