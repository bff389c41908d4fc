/**
 * The pure parts of the provider: input checks against the shared schemas (with preview
 * unknowns), the diff rules of every resource (what updates in place, what replaces, when the
 * old object must go first), create keys, machine lifecycle steps, provider settings.
 */
import fc from "fast-check";
import { canonicalJson, createKey } from "../../../provider/pulumi/create-key";
import { planDiff, sameValue } from "../../../provider/pulumi/diff-plan";
import { driftedProps } from "../../../provider/pulumi/guarded-update";
import { MACHINE_DIFF, machineHooks, targetStatus } from "../../../provider/pulumi/machine";
import { NETWORK_DIFF, PUBLIC_IP_POOL_DIFF, SECURITY_GROUP_DIFF } from "../../../provider/pulumi/network";
import { declaredRuleErrors } from "../../../sdk/model/input-check";
import { deploySteps, machineModel } from "../../../sdk/model/machine";
import { POOL_DIFF } from "../../../provider/pulumi/pool";
import { ProviderConfigError, resolveSettings } from "../../../provider/pulumi/provider-config";
import { RACK_DIFF } from "../../../provider/pulumi/rack";
import { REGION_DIFF } from "../../../provider/pulumi/region";
import { PREVIEW, UNKNOWN, checkAgainst, propertyPath } from "../../../provider/pulumi/schema-check";
import { VM_DIFF, VirtualMachineInputs, settledStatus } from "../../../provider/pulumi/virtual-machine";
import { virtualMachineModel } from "../../../sdk/model/virtual-machine";

/** The machine model's rules as Pulumi reports them (property paths). */
const machineRules = (i: Record<string, unknown>) =>
  declaredRuleErrors(machineModel, i, PREVIEW).map((e) => ({
    property: propertyPath(e.field),
    reason: e.reason,
  }));

const vm = {
  name: "web-1",
  poolId: "pool_00000000000000aa",
  image: "ubuntu-24.04",
  cores: 2,
  memoryMiB: 2048,
  diskGiB: 40,
};

describe("schema checks", () => {
  test("property paths as Pulumi shows them", () => {
    expect(propertyPath("/power/password")).toBe("power.password");
    expect(propertyPath("/macs/0")).toBe("macs[0]");
    expect(propertyPath("/dhcpRange/end")).toBe("dhcpRange.end");
    expect(propertyPath("")).toBe("");
  });

  test("each bad field is named once, with a reason", () => {
    expect(
      checkAgainst(VirtualMachineInputs, {
        ...vm,
        cores: -1,
        memoryMiB: 64,
        image: "Bad Image",
        colour: "red",
      }),
    ).toEqual([
      { property: "colour", reason: "is not a known property" },
      { property: "image", reason: "is not valid (must match ^[a-z0-9][a-z0-9._-]{0,63}$)" },
      { property: "cores", reason: "must be >= 1" },
      { property: "memoryMiB", reason: "must be >= 128" },
    ]);
    const { poolId: _p, ...noPool } = vm;
    expect(checkAgainst(VirtualMachineInputs, noPool)).toEqual([
      { property: "poolId", reason: "is required" },
    ]);
    expect(checkAgainst(VirtualMachineInputs, vm)).toEqual([]);
  });

  test("preview unknowns are not judged, at any depth", () => {
    expect(checkAgainst(VirtualMachineInputs, { ...vm, poolId: UNKNOWN, cores: UNKNOWN })).toEqual([]);
    expect(checkAgainst(VirtualMachineInputs, { ...vm, sshKeys: UNKNOWN })).toEqual([]);
    expect(checkAgainst(VirtualMachineInputs, { ...vm, sshKeys: [UNKNOWN] })).toEqual([]);
    // …but a known bad value next to an unknown still is.
    expect(checkAgainst(VirtualMachineInputs, { ...vm, poolId: UNKNOWN, cores: 0 })).toEqual([
      { property: "cores", reason: "must be >= 1" },
    ]);
  });

  test("machine rules: power parameters by the driver specs, vmHost needs a pool, deploy needs commissioning", async () => {
    const base = { hostname: "pe860-01", rackId: "rck_0000000000000001", macs: ["52:54:00:00:00:01"] };
    expect(machineRules({ ...base, power: { type: "ipmi", address: "10.0.0.1", user: "root" } })).toEqual([
      { property: "power.password", reason: expect.stringMatching(/required/) },
    ]);
    expect(machineRules({ ...base, power: { type: "manual" } })).toEqual([]);
    expect(machineRules({ ...base, power: { type: "manual" }, vmHost: true }).map((f) => f.property)).toEqual(
      ["poolId"],
    );
    expect(
      machineRules({ ...base, power: { type: "manual" }, commission: false, deploy: { image: "x" } }).map(
        (f) => f.property,
      ),
    ).toEqual(["commission"]);
    // An unknown password (a secret from another stack, in preview) is not judged yet.
    expect(
      machineRules({ ...base, power: { type: "ipmi", address: "10.0.0.1", password: UNKNOWN } }),
    ).toEqual([]);
    const checked = await machineHooks.check(
      {},
      { ...base, macs: ["52:54:00:AB:CD:EF"], power: { type: "manual" } },
    );
    expect(checked).toEqual({ inputs: expect.objectContaining({ macs: ["52:54:00:ab:cd:ef"] }) });
  });
});

describe("diff rules (design.md resource table)", () => {
  const cases: [string, typeof REGION_DIFF, string[], string[]][] = [
    ["Region", REGION_DIFF, ["description", "dnsTtl"], ["name", "dnsDomain"]],
    ["Rack", RACK_DIFF, ["dhcpRange", "description"], ["name", "regionId", "fabricId", "subnet", "gateway"]],
    ["Pool", POOL_DIFF, ["description", "cpuOvercommit", "memoryOvercommit", "tenants"], ["name"]],
    [
      "Machine",
      MACHINE_DIFF,
      ["poolId", "tags", "description", "power", "deploy", "vmHost", "vmHostConfig"],
      ["hostname", "rackId", "macs"],
    ],
    [
      "VirtualMachine",
      VM_DIFF,
      ["cores", "memoryMiB", "diskGiB", "description", "powerState"],
      [
        "name",
        "poolId",
        "image",
        "antiAffinityGroup",
        "spread",
        "regionId",
        "userData",
        "sshKeys",
        "tenantId",
        "restoreFrom",
        "networks",
        "publicIp",
      ],
    ],
    [
      "Network",
      NETWORK_DIFF,
      ["dns", "description"],
      ["name", "cidr", "prefixLength", "gateway", "shared", "fabricId", "tenantId"],
    ],
    ["SecurityGroup", SECURITY_GROUP_DIFF, ["description", "rules"], ["name", "tenantId"]],
    ["PublicIpPool", PUBLIC_IP_POOL_DIFF, ["description"], ["name", "regionId", "cidr", "exclude"]],
  ];
  test.each(cases)("%s: in place vs replace", (_name, rules, inPlace, replacing) => {
    expect([...rules.compared].sort()).toEqual([...inPlace, ...replacing].sort());
    expect([...rules.replaceOn].sort()).toEqual([...replacing].sort());
    for (const k of inPlace) {
      const d = planDiff({ [k]: "old", version: 3 }, { [k]: "new" }, rules);
      expect(d).toMatchObject({ changes: true, replaces: [], changed: [k] });
    }
    for (const k of replacing) {
      const d = planDiff({ [k]: "old" }, { [k]: "new" }, rules);
      expect(d).toMatchObject({ changes: true, replaces: [k] });
    }
  });

  test("outputs the program does not set, and create-only knobs, never make a diff", () => {
    const olds = {
      ...vm,
      status: "Running",
      hostId: "mch_0000000000000001",
      fqdn: "web-1.x",
      description: "",
    };
    expect(planDiff(olds, { ...vm, timeoutSeconds: 5 }, VM_DIFF)).toMatchObject({ changes: false });
    expect(planDiff({ hostname: "a" }, { hostname: "a", commission: false }, MACHINE_DIFF).changes).toBe(
      false,
    );
  });

  test("unknown values are changes; an unknown in a replacing field replaces", () => {
    expect(planDiff(vm, { ...vm, cores: UNKNOWN }, VM_DIFF)).toMatchObject({ changes: true, replaces: [] });
    expect(planDiff(vm, { ...vm, poolId: UNKNOWN }, VM_DIFF)).toMatchObject({
      replaces: ["poolId"],
      deleteBeforeReplace: true,
    });
  });

  test("delete before replace only when a unique value would clash", () => {
    expect(planDiff(vm, { ...vm, image: "centos-9" }, VM_DIFF).deleteBeforeReplace).toBe(true);
    expect(planDiff(vm, { ...vm, name: "web-2", image: "centos-9" }, VM_DIFF).deleteBeforeReplace).toBe(
      false,
    );
    const m = { hostname: "pe860-01", rackId: "rck_1", macs: ["52:54:00:00:00:01", "52:54:00:00:00:02"] };
    // New hostname, but one MAC carried over: the old machine must still go first.
    expect(
      planDiff(
        m,
        { ...m, hostname: "pe860-99", macs: ["52:54:00:00:00:02", "52:54:00:00:00:03"] },
        MACHINE_DIFF,
      ),
    ).toMatchObject({ replaces: ["hostname", "macs"], deleteBeforeReplace: true });
    expect(
      planDiff(m, { ...m, hostname: "pe860-99", macs: ["52:54:00:00:00:09"] }, MACHINE_DIFF)
        .deleteBeforeReplace,
    ).toBe(false);
  });

  test("a disk may grow in place; a smaller one replaces", () => {
    expect(planDiff(vm, { ...vm, diskGiB: 80 }, VM_DIFF)).toMatchObject({
      replaces: [],
      changed: ["diskGiB"],
    });
    expect(planDiff(vm, { ...vm, diskGiB: 20 }, VM_DIFF)).toMatchObject({ replaces: ["diskGiB"] });
    expect(virtualMachineModel.replaceReasons!({ diskGiB: 40 }, { diskGiB: UNKNOWN })).toEqual([]);
  });

  test("property: a diff of inputs against themselves is empty; replaces ⊆ changed ⊆ compared", () => {
    const value = fc.oneof(
      fc.integer(),
      fc.string(),
      fc.constant(UNKNOWN),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    const bag = fc.dictionary(fc.constantFrom(...VM_DIFF.compared, "status", "version"), value);
    fc.assert(
      fc.property(bag, bag, (olds, news) => {
        const known = Object.fromEntries(
          Object.entries(news).filter(([, v]) => !JSON.stringify(v).includes(UNKNOWN)),
        );
        expect(planDiff(known, known, VM_DIFF).changes).toBe(false);
        const d = planDiff(olds, news, VM_DIFF);
        expect(d.replaces.every((k) => d.changed.includes(k))).toBe(true);
        expect(d.changed.every((k) => (VM_DIFF.compared as readonly string[]).includes(k))).toBe(true);
        expect(d.changes).toBe(d.changed.length > 0);
        if (d.replaces.length === 0) expect(d.deleteBeforeReplace).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  test("sameValue: key order does not matter, null and absent are the same", () => {
    expect(sameValue({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(sameValue({ a: null }, {})).toBe(true);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
  });

  test("drift: only managed properties the program set count", () => {
    expect(
      driftedProps({ description: "a", cores: 1 }, { description: "b", cores: 1, status: "x" }, [
        "description",
        "cores",
      ]),
    ).toEqual(["description"]);
    expect(driftedProps({ cores: 1 }, { description: "b", cores: 1 }, ["description", "cores"])).toEqual([]);
  });
});

describe("create keys", () => {
  test("stable for the same resource and body, whatever the key order; different otherwise", () => {
    const k = createKey("p/s/Pool/gold", { name: "gold", cpuOvercommit: 2 });
    expect(k).toMatch(/^pulumi_[0-9a-f]{40}$/);
    expect(createKey("p/s/Pool/gold", { cpuOvercommit: 2, name: "gold" })).toBe(k);
    expect(createKey("p/other/Pool/gold", { name: "gold", cpuOvercommit: 2 })).not.toBe(k);
    expect(createKey("p/s/Pool/gold", { name: "gold", cpuOvercommit: 3 })).not.toBe(k);
    expect(createKey("p/s/Pool/gold", { name: "gold", cpuOvercommit: 2 }, 2)).toBe(`${k}-r2`);
  });
  test("canonical JSON drops undefined and sorts keys", () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: "x" }] })).toBe('{"a":[{"c":"x"}],"b":1}');
  });
});

describe("machine lifecycle steps", () => {
  test("what a create waits for", () => {
    expect(targetStatus({})).toBe("Ready");
    expect(targetStatus({ vmHost: true })).toBe("Deployed");
    expect(targetStatus({ deploy: { image: "ubuntu-24.04" } })).toBe("Deployed");
    expect(targetStatus({ commission: false })).toBe("New");
  });
  test("what an update does after its PATCH", () => {
    const d = { image: "ubuntu-24.04" };
    expect(deploySteps("Ready", {}, { deploy: d })).toEqual(["deploy"]);
    expect(deploySteps("Ready", {}, {})).toEqual([]);
    expect(deploySteps("Deployed", { deploy: d }, {})).toEqual(["release"]);
    expect(deploySteps("Deployed", { deploy: d }, { deploy: d })).toEqual([]);
    expect(deploySteps("Deployed", { deploy: d }, { deploy: { image: "centos-9" } })).toEqual([
      "release",
      "deploy",
    ]);
    expect(deploySteps("Deployed", { vmHost: false, deploy: d }, { vmHost: true, deploy: d })).toEqual([
      "release",
      "deploy",
    ]);
    expect(deploySteps("Commissioning", {}, { deploy: d })).toEqual([]);
    expect(deploySteps("Broken", { deploy: d }, {})).toEqual([]);
  });
  test("VMs settle Running, or Stopped when off", () => {
    expect(settledStatus({})).toBe("Running");
    expect(settledStatus({ powerState: "off" })).toBe("Stopped");
  });
});

describe("provider settings", () => {
  const cfg = (o: Record<string, string>) => ({ get: (k: string) => o[k] });
  test("Pulumi config first, then the environment", () => {
    expect(resolveSettings(cfg({ "fibrix:endpoint": "http://a", "fibrix:apiKey": "k1" }), {})).toEqual({
      endpoint: "http://a",
      apiKey: "k1",
    });
    expect(
      resolveSettings(cfg({ "fibrix:endpoint": "http://a" }), {
        FIBRIX_API_KEY: "k2",
        FIBRIX_ENDPOINT: "http://b",
      }),
    ).toEqual({
      endpoint: "http://a",
      apiKey: "k2",
    });
    expect(resolveSettings(undefined, { FIBRIX_API_KEY: "k2", FIBRIX_ENDPOINT: "http://b" }).endpoint).toBe(
      "http://b",
    );
    // An engine that passed no config: Config.get throws; the environment is used.
    const broken = {
      get: () => {
        throw new Error("no config");
      },
    };
    expect(resolveSettings(broken, { FIBRIX_API_KEY: "k", FIBRIX_ENDPOINT: "http://c" }).endpoint).toBe(
      "http://c",
    );
  });
  test("missing settings: a clear, typed, non-retryable error naming both ways to set them", () => {
    const e = (() => {
      try {
        resolveSettings(undefined, {});
      } catch (x) {
        return x as ProviderConfigError;
      }
      throw new Error("no error");
    })();
    expect(e).toBeInstanceOf(ProviderConfigError);
    expect(e).toMatchObject({ code: "PROVIDER_CONFIG", retryable: false, missing: ["endpoint", "apiKey"] });
    expect(e.message).toMatch(/pulumi config set fibrix:endpoint .*FIBRIX_ENDPOINT/);
    expect(e.message).toMatch(/pulumi config set --secret fibrix:apiKey .*FIBRIX_API_KEY/);
  });
});
