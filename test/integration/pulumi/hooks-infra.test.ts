/**
 * The provider hooks of Region, Rack, Pool and Machine against a real region on loopback, as
 * the engine calls them: check → create → read → update → delete, drift seen by read after an
 * out-of-band PATCH, import by id, idempotent creates, bad inputs refused naming the field,
 * and failed creates that leave nothing behind.
 */
import { machineHooks } from "../../../provider/pulumi/machine";
import { poolHooks } from "../../../provider/pulumi/pool";
import { setProgressSink } from "../../../provider/pulumi/progress";
import { configureProvider } from "../../../provider/pulumi/provider-config";
import { rackHooks } from "../../../provider/pulumi/rack";
import { regionHooks } from "../../../provider/pulumi/region";
import { adminConfig, http, type PulumiLab, startPulumiLab } from "./lab-fixture";

let lab: PulumiLab;
const progress: string[] = [];

beforeAll(async () => {
  lab = await startPulumiLab(`fxp${process.pid}-`, { vms: false });
  configureProvider(adminConfig(lab.r));
  setProgressSink((m) => progress.push(m));
}, 60_000);
afterAll(async () => {
  configureProvider(undefined);
  await lab?.stop();
});

const get = async (path: string) => http(lab.r.api, "GET", path);

describe("Region", () => {
  test("create → read → update in place → delete; name replaces", async () => {
    const inputs = { name: "reus", dnsDomain: "reus.fibrix.example", createKeySeed: "t/s/Region/reus" };
    expect((await regionHooks.check({}, inputs)).failures).toBeUndefined();
    const { id, outs } = await regionHooks.create(inputs);
    expect(outs).toMatchObject({ name: "reus", dnsDomain: "reus.fibrix.example", dnsTtl: 300, version: 1 });
    expect(outs.nameservers.length).toBeGreaterThan(0);

    const read = await regionHooks.read(id, outs);
    expect(read.props).toEqual(outs);

    const news = { ...inputs, description: "Baix Camp", dnsTtl: 60 };
    const d = await regionHooks.diff(id, outs, news);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const up = await regionHooks.update(id, outs, news);
    expect(up.outs).toMatchObject({ description: "Baix Camp", dnsTtl: 60, version: 2 });
    expect((await get(`/regions/${id}`)).body).toMatchObject({ description: "Baix Camp", dnsTtl: 60 });

    // Same DNS domain (unique): the old region must go first. A new name and domain: no clash.
    expect(await regionHooks.diff(id, up.outs, { ...news, name: "reus-2" })).toMatchObject({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: true,
    });
    expect(
      await regionHooks.diff(id, up.outs, { ...news, name: "reus-2", dnsDomain: "reus2.fibrix.example" }),
    ).toMatchObject({ replaces: ["name", "dnsDomain"], deleteBeforeReplace: false });
    await regionHooks.delete(id, up.outs);
    expect((await get(`/regions/${id}`)).status).toBe(404);
  });

  test("delete refuses while the region has racks, with the region's message", async () => {
    const { id, outs } = await regionHooks.create({ name: "lleida", dnsDomain: "lleida.fibrix.example" });
    const rack = await rackHooks.create({
      name: "rack-ll",
      regionId: id,
      subnet: "10.30.0.0/24",
      dhcpRange: { start: "10.30.0.10", end: "10.30.0.20" },
    });
    await expect(regionHooks.delete(id, outs)).rejects.toThrow(
      /CONFLICT: region lleida still has 1 rack\(s\) \(rack-ll\)/,
    );
    expect((await get(`/regions/${id}`)).status).toBe(200);
    await rackHooks.delete(rack.id, rack.outs);
    await regionHooks.delete(id, outs);
    expect((await get(`/regions/${id}`)).status).toBe(404);
  });

  test("bad inputs fail at check naming the field", async () => {
    const r = await regionHooks.check({}, { name: "Bad_Name", dnsDomain: "x", dnsTtl: 1 } as never);
    expect(r.failures).toEqual(
      expect.arrayContaining([
        { property: "name", reason: "is not valid (must be a lower-case DNS label)" },
        { property: "dnsDomain", reason: "is not valid (must be a DNS domain like girona.fibrix.example)" },
        { property: "dnsTtl", reason: "must be >= 5" },
      ]),
    );
  });
});

describe("Rack", () => {
  test("create returns the enrollment token; refresh keeps it; dhcpRange updates in place; subnet replaces", async () => {
    const inputs = {
      name: "rack-2",
      regionId: lab.regionId,
      subnet: "10.22.0.0/24",
      gateway: "10.22.0.1",
      dhcpRange: { start: "10.22.0.100", end: "10.22.0.150" },
    };
    const { id, outs } = await rackHooks.create(inputs);
    expect(outs.enrollmentToken).toMatch(/^fbr_/);
    expect(outs.status).toBe("Pending");
    const read = await rackHooks.read(id, outs);
    expect(read.props.enrollmentToken).toBe(outs.enrollmentToken);

    const news = { ...inputs, dhcpRange: { start: "10.22.0.100", end: "10.22.0.200" } };
    expect(await rackHooks.diff(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    const up = await rackHooks.update(id, outs, news);
    expect(up.outs.dhcpRange).toEqual({ start: "10.22.0.100", end: "10.22.0.200" });
    expect(up.outs.enrollmentToken).toBe(outs.enrollmentToken);
    expect(await rackHooks.diff(id, up.outs, { ...news, subnet: "10.23.0.0/24" })).toMatchObject({
      replaces: ["subnet"],
      deleteBeforeReplace: true, // the name stays: the old rack must go first
    });
    await rackHooks.delete(id, up.outs);
    expect((await get(`/racks/${id}`)).status).toBe(404);
  });

  test("an invalid IP or CIDR fails at check", async () => {
    const r = await rackHooks.check(
      {},
      {
        name: "rack-x",
        regionId: lab.regionId,
        subnet: "10.0.0.0/33",
        gateway: "10.0.0.300",
        dhcpRange: { start: "10.0.0.1", end: "nope" },
      },
    );
    expect(r.failures).toEqual(
      expect.arrayContaining([
        { property: "subnet", reason: "is not valid (must be an IPv4 CIDR like 10.20.0.0/24)" },
        { property: "gateway", reason: "is not valid (must be an IPv4 address)" },
        { property: "dhcpRange.end", reason: "is not valid (must be an IPv4 address)" },
      ]),
    );
  });
});

describe("Pool", () => {
  test("create is idempotent per resource; drift is seen by read; import by id; update; delete", async () => {
    const inputs = { name: "silver", cpuOvercommit: 2, createKeySeed: "proj/dev/Pool/silver" };
    const first = await poolHooks.create(inputs);
    // An engine retry of the same create (same seed and body) gets the same pool back.
    const again = await poolHooks.create(inputs);
    expect(again.id).toBe(first.id);
    const pools = (await get("/pools?limit=1000")).body.items.filter(
      (p: { name: string }) => p.name === "silver",
    );
    expect(pools).toHaveLength(1);

    // Out-of-band change: someone edits the pool through the API.
    const oob = await http(lab.r.api, "PATCH", `/pools/${first.id}`, {
      body: { description: "edited by hand" },
    });
    expect(oob.status).toBe(200);
    const refreshed = await poolHooks.read(first.id, first.outs);
    expect(refreshed.props.description).toBe("edited by hand");
    expect(refreshed.inputs.description).toBe("edited by hand");
    // The program says otherwise: the next diff wants to put it back, in place.
    const program = { ...inputs, description: "" };
    expect(await poolHooks.diff(first.id, refreshed.props, program)).toMatchObject({
      changes: true,
      replaces: [],
      changed: ["description"],
    });
    // An update from the stale state (before refresh) refuses to overwrite the edit.
    await expect(poolHooks.update(first.id, first.outs, { ...inputs, description: "mine" })).rejects.toThrow(
      /changed outside Pulumi \(description\).*pulumi refresh/,
    );
    const up = await poolHooks.update(first.id, refreshed.props, { ...program, memoryOvercommit: 1.5 });
    expect(up.outs).toMatchObject({ description: "", memoryOvercommit: 1.5 });

    // Import: read with nothing but the id gives the inputs a program needs.
    const imported = await poolHooks.read(first.id, undefined);
    expect(imported.inputs).toMatchObject({ name: "silver", cpuOvercommit: 2, memoryOvercommit: 1.5 });
    expect(imported.props.capacity).toEqual({ cores: 0, memoryMiB: 0, diskGiB: 0 });

    await poolHooks.delete(first.id, up.outs);
    expect((await get(`/pools/${first.id}`)).status).toBe(404);
    // After a destroy the same resource is created anew, not replayed from the deleted one.
    const reborn = await poolHooks.create(inputs);
    expect(reborn.id).not.toBe(first.id);
    expect((await get(`/pools/${reborn.id}`)).status).toBe(200);
    await poolHooks.delete(reborn.id, reborn.outs);
  });

  test("delete of a non-empty pool surfaces the region's refusal", async () => {
    const p = await poolHooks.read(lab.vmPoolId, undefined);
    const vmHost = await http(lab.r.api, "POST", "/machines", {
      body: {
        hostname: "kvm-pool-test",
        rackId: lab.bmcRackId,
        macs: ["52:54:00:41:00:01"],
        power: { type: "manual" },
        poolId: lab.vmPoolId,
        commission: false,
      },
    });
    expect(vmHost.status).toBe(201);
    await expect(poolHooks.delete(lab.vmPoolId, p.props)).rejects.toThrow(
      /pool gold is not empty: 1 machine/,
    );
    await http(lab.r.api, "DELETE", `/machines/${vmHost.body.id}`);
  });
});

describe("Machine", () => {
  const power = { type: "ipmi" as const, address: "127.0.0.1", port: 9623, user: "root", password: "calvin" };

  test("create commissions to Ready with progress; update in place; deploy target deploys; delete releases then removes", async () => {
    progress.length = 0;
    const inputs = {
      hostname: "pe860-01",
      rackId: lab.bmcRackId,
      macs: ["52:54:00:AA:00:01"],
      power,
      tags: ["pe860"],
      createKeySeed: "proj/dev/Machine/pe860-01",
      timeoutSeconds: 60,
    };
    const checked = await machineHooks.check({}, inputs);
    expect(checked.failures).toBeUndefined();
    expect(checked.inputs.macs).toEqual(["52:54:00:aa:00:01"]); // normalised like the region
    const { id, outs } = await machineHooks.create(checked.inputs);
    expect(outs).toMatchObject({ status: "Ready", hostname: "pe860-01", macs: ["52:54:00:aa:00:01"] });
    expect(outs.inventory).toMatchObject({ cores: 2, memoryMiB: 8192 });
    expect(outs.power).toEqual(power); // the password stays (secret) in the state, for diffs
    expect(progress.join("\n")).toMatch(/Machine pe860-01: enlisted as mch_\w+, Commissioning/);
    expect(progress.join("\n")).toMatch(/Machine pe860-01: Ready/);
    expect(await machineHooks.diff(id, outs, checked.inputs)).toMatchObject({ changes: false });

    const read = await machineHooks.read(id, outs);
    expect(read.props.power.password).toBe("calvin");
    expect(read.props.status).toBe("Ready");

    // In place: tags and description.
    const news1 = { ...checked.inputs, tags: ["pe860", "girona"], description: "rack 1 slot 3" };
    expect(await machineHooks.diff(id, read.props, news1)).toMatchObject({ changes: true, replaces: [] });
    const up1 = await machineHooks.update(id, read.props, news1);
    expect(up1.outs).toMatchObject({
      tags: ["pe860", "girona"],
      description: "rack 1 slot 3",
      status: "Ready",
    });

    // A deploy target: the machine deploys, in place.
    const news2 = { ...news1, deploy: { image: "ubuntu-24.04" } };
    const up2 = await machineHooks.update(id, up1.outs, news2);
    expect(up2.outs).toMatchObject({
      status: "Deployed",
      ip: "10.20.0.50",
      deploy: { image: "ubuntu-24.04" },
    });

    // MACs or rack replace it, deleting first (a MAC belongs to one machine).
    expect(await machineHooks.diff(id, up2.outs, { ...news2, rackId: lab.kvmRackId })).toMatchObject({
      replaces: ["rackId"],
      deleteBeforeReplace: true,
    });

    await machineHooks.delete(id, up2.outs);
    expect((await get(`/machines/${id}`)).status).toBe(404);
    const events = (await get(`/events?object=${id}`)).body.items.map((e: { to: string | null }) => e.to);
    expect(events).toEqual(expect.arrayContaining(["Releasing", "Ready"]));
  });

  test("create with deploy waits for Deployed", async () => {
    const inputs = {
      hostname: "pe860-02",
      rackId: lab.bmcRackId,
      macs: ["52:54:00:aa:00:02"],
      power,
      deploy: { image: "ubuntu-24.04", userData: "#cloud-config\n" },
      timeoutSeconds: 60,
    };
    const { id, outs } = await machineHooks.create(inputs);
    expect(outs).toMatchObject({
      status: "Deployed",
      deploy: { image: "ubuntu-24.04", userData: "#cloud-config\n" },
    });
    await machineHooks.delete(id, outs);
    expect((await get(`/machines/${id}`)).status).toBe(404);
  });

  test("a machine that fails commissioning is removed and the error says why", async () => {
    const before = (await get("/machines?limit=1000")).body.items.length;
    await expect(
      machineHooks.create({
        hostname: "faulty-1",
        rackId: lab.bmcRackId,
        macs: ["52:54:00:aa:00:03"],
        power,
        timeoutSeconds: 60,
      }),
    ).rejects.toThrow(/create Machine faulty-1: .*FailedCommissioning.*memory: pattern mismatch.*removed it/);
    expect((await get("/machines?limit=1000")).body.items.length).toBe(before);
  });

  test("bad inputs fail at check naming the field: invalid MAC, missing BMC password, vmHost without pool", async () => {
    const r = await machineHooks.check(
      {},
      {
        hostname: "pe860-09",
        rackId: lab.bmcRackId,
        macs: ["52:54:00:zz:00:01"],
        power: { type: "ipmi", address: "127.0.0.1", user: "root" },
        vmHost: true,
      },
    );
    expect(r.failures).toEqual(
      expect.arrayContaining([
        { property: "macs[0]", reason: "is not valid (must be a MAC address like 52:54:00:12:34:56)" },
        { property: "poolId", reason: expect.stringMatching(/required when vmHost/) },
      ]),
    );
    const noPassword = await machineHooks.check(
      {},
      {
        hostname: "pe860-09",
        rackId: lab.bmcRackId,
        macs: ["52:54:00:aa:00:09"],
        power: { type: "ipmi", address: "127.0.0.1", user: "root" },
      },
    );
    expect(noPassword.failures).toEqual([
      { property: "power.password", reason: expect.stringMatching(/required/) },
    ]);
  });

  test("the region's own refusals (an unknown rack) name the field and make nothing", async () => {
    const before = (await get("/machines?limit=1000")).body.items.length;
    await expect(
      machineHooks.create({
        hostname: "pe860-10",
        rackId: "rck_0000000000000000",
        macs: ["52:54:00:aa:00:10"],
        power,
      }),
    ).rejects.toThrow(/VALIDATION: .*rackId: rack rck_0000000000000000 does not exist/);
    expect((await get("/machines?limit=1000")).body.items.length).toBe(before);
  });
});
