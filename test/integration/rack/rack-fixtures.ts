/** Region fixtures shared by the rack agent's integration tests (real region, real API). */
import { http, type TestRegion } from "../../helpers/region";

/** A region and a rack on 10.`octet`.0.0/24 (one rack per subnet in a region). */
export async function makeRack(
  r: Pick<TestRegion, "api">,
  name: string,
  octet = 20,
): Promise<{ id: string; enrollmentToken: string }> {
  const region = await http(r.api, "POST", "/regions", {
    body: { name: `${name}-region`, dnsDomain: `${name}.fibrix.example` },
  });
  if (region.status !== 201) throw new Error(`region: ${JSON.stringify(region.body)}`);
  const rack = await http(r.api, "POST", "/racks", {
    body: {
      name,
      regionId: region.body.id,
      subnet: `10.${octet}.0.0/24`,
      dhcpRange: { start: `10.${octet}.0.100`, end: `10.${octet}.0.200` },
    },
  });
  if (rack.status !== 201) throw new Error(`rack: ${JSON.stringify(rack.body)}`);
  return rack.body;
}

export async function enlistIpmi(
  r: TestRegion,
  rackId: string,
  hostname: string,
  mac: string,
  port: number,
  password = "calvin",
): Promise<string> {
  const res = await http(r.api, "POST", "/machines", {
    body: {
      hostname,
      rackId,
      macs: [mac],
      power: { type: "ipmi", address: "127.0.0.1", port, user: "root", password },
      commission: false,
    },
  });
  if (res.status !== 201) throw new Error(`enlist: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** The task once it is done or failed (GET /tasks/:id). */
export function waitTask(r: TestRegion, id: string, ms = 60_000) {
  return until(
    async () => (await http(r.api, "GET", `/tasks/${id}`)).body,
    (t) => ["done", "failed"].includes(t.status),
    ms,
  );
}
