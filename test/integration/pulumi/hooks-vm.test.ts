/**
 * The VirtualMachine hooks against a real region whose VM host is a real libvirtd + QEMU (TCG),
 * driven by the real rack agent: a VM is really built, resized, seen drifting, imported and
 * torn down; refusals (unknown pool, bigger than any host, negative cores) make nothing, and a
 * VM whose build fails is deleted before the error is raised.
 */
import { setProgressSink } from "../../../provider/pulumi/progress";
import { configureProvider } from "../../../provider/pulumi/provider-config";
import { virtualMachineHooks as vmHooks } from "../../../provider/pulumi/virtual-machine";
import { leftovers, virshSys } from "../../helpers/libvirtd";
import { registerImage } from "../../helpers/region";
import { adminConfig, http, type PulumiLab, startPulumiLab } from "./lab-fixture";

let lab: PulumiLab;
const progress: string[] = [];

beforeAll(async () => {
  lab = await startPulumiLab(`fxv${process.pid}-`, { vms: true });
  configureProvider(adminConfig(lab.r));
  setProgressSink((m) => progress.push(m));
}, 120_000);
afterAll(async () => {
  for (const id of made) {
    await http(lab.r.api, "DELETE", `/vms/${id}`).catch(() => undefined);
  }
  for (const id of made) {
    for (let i = 0; i < 240 && (await http(lab.r.api, "GET", `/vms/${id}`)).status !== 404; i++) {
      await new Promise((res) => setTimeout(res, 250));
    }
  }
  configureProvider(undefined);
  await lab?.stop();
});

/** VMs the tests made: deleted in afterAll if a failed test left them (teardown even on failure). */
const made: string[] = [];

const vmCount = async () => (await http(lab.r.api, "GET", "/vms?limit=1000")).body.items.length;

test("create → read → drift → update in place → import → delete, really on libvirt", async () => {
  const inputs = {
    name: "web-1",
    tenantId: lab.tenantId,
    poolId: lab.vmPoolId,
    image: "tiny",
    cores: 1,
    memoryMiB: 128,
    diskGiB: 1,
    timeoutSeconds: 120,
    createKeySeed: "shop/prod/VirtualMachine/web-1",
  };
  expect((await vmHooks.check({}, inputs)).failures).toBeUndefined();
  const { id, outs } = await vmHooks.create(inputs);
  made.push(id);
  expect(outs).toMatchObject({ status: "Running", hostId: lab.hostId, fqdn: "web-1.girona.fibrix.example" });
  expect(await virshSys(["domstate", `${lab.prefix}${id}`])).toMatch(/running/);
  expect(progress.join("\n")).toMatch(/VirtualMachine web-1: Creating/);
  // A retried create (same resource, same body) is the same VM.
  expect((await vmHooks.create(inputs)).id).toBe(id);
  expect(await vmCount()).toBe(1);

  // Drift: powered off out of band.
  const oob = await http(lab.r.api, "PATCH", `/vms/${id}`, { body: { powerState: "off" } });
  expect(oob.status).toBe(200);
  const drifted = await (async () => {
    for (let i = 0; i < 240; i++) {
      const r = await vmHooks.read(id, outs);
      if (r.props.status === "Stopped") return r;
      await new Promise((res) => setTimeout(res, 250));
    }
    throw new Error("never Stopped");
  })();
  expect(drifted.props.powerState).toBe("off");
  expect(drifted.inputs.powerState).toBe("off");
  expect(await vmHooks.diff(id, drifted.props, { ...inputs, powerState: "on" })).toMatchObject({
    changes: true,
    replaces: [],
  });

  // In place: more cores, back on.
  const news = { ...inputs, cores: 2, memoryMiB: 256, powerState: "on" as const };
  const up = await vmHooks.update(id, drifted.props, news);
  expect(up.outs).toMatchObject({ status: "Running", cores: 2, memoryMiB: 256, powerState: "on" });

  // A smaller disk or another image replaces it (delete first: the name is unique per tenant).
  expect(await vmHooks.diff(id, { ...up.outs, diskGiB: 5 }, news)).toMatchObject({
    replaces: ["diskGiB"],
    deleteBeforeReplace: true,
  });
  expect(await vmHooks.diff(id, up.outs, { ...news, image: "ubuntu-24.04" })).toMatchObject({
    replaces: ["image"],
  });

  // Import by id.
  const imported = await vmHooks.read(id, undefined);
  expect(imported.inputs).toMatchObject({
    name: "web-1",
    poolId: lab.vmPoolId,
    image: "tiny",
    cores: 2,
    tenantId: lab.tenantId,
  });

  await vmHooks.delete(id, up.outs);
  expect((await http(lab.r.api, "GET", `/vms/${id}`)).status).toBe(404);
  const left = (await leftovers(lab.prefix, lab.libvirtPool)).filter((n) => n.includes(id));
  expect(left).toEqual([]);
}, 240_000);

test("refusals make nothing: unknown pool, bigger than any host; negative cores fail at check", async () => {
  const base = {
    name: "big-1",
    tenantId: lab.tenantId,
    poolId: lab.vmPoolId,
    image: "tiny",
    cores: 1,
    memoryMiB: 128,
    diskGiB: 1,
  };
  expect((await vmHooks.check({}, { ...base, cores: -2 })).failures).toEqual([
    { property: "cores", reason: "must be >= 1" },
  ]);
  const before = await vmCount();
  await expect(vmHooks.create({ ...base, poolId: "pool_0000000000000000" })).rejects.toThrow(
    /VALIDATION: .*poolId: pool pool_0000000000000000 does not exist/,
  );
  await expect(vmHooks.create({ ...base, cores: 64, memoryMiB: 262144 })).rejects.toThrow(/NO_CAPACITY/);
  expect(await vmCount()).toBe(before);
});

test("a VM whose build fails on the host is deleted, and the error carries the host's reason", async () => {
  // Registered, but its file does not exist: the host's import fails, and so does the build.
  await registerImage(lab.r.api, "no-such-image", { path: "/nonexistent/no-such-image.qcow2" });
  const before = await vmCount();
  const onHost = async () =>
    (await leftovers(lab.prefix, lab.libvirtPool)).filter((n) => !n.startsWith(`${lab.prefix}pool`));
  const leftBefore = await onHost();
  await expect(
    vmHooks.create({
      name: "broken-1",
      tenantId: lab.tenantId,
      poolId: lab.vmPoolId,
      image: "no-such-image",
      cores: 1,
      memoryMiB: 128,
      diskGiB: 1,
      timeoutSeconds: 120,
    }),
  ).rejects.toThrow(/create VirtualMachine broken-1: .*Failed.*deleted it/);
  expect(await vmCount()).toBe(before);
  // Nothing of the failed VM stays on the host (what other tests left is not its doing).
  expect((await onHost()).filter((n) => !leftBefore.includes(n))).toEqual([]);
}, 180_000);
