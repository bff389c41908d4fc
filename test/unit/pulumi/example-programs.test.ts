/**
 * Both example programs under Pulumi's mocks: the resources they declare, with which inputs,
 * which outputs they export, and that secrets stay secret. The mock plays the region: it echoes
 * the inputs and adds what the region computes (ids, FQDNs, tokens).
 */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const registered: Registered[] = [];
/** Pulumi's wire form of a secret value (sdk/nodejs/runtime/rpc.ts specialSigKey / specialSecretSig). */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const isWireSecret = (v: any) => v !== null && typeof v === "object" && v[SIG] === SECRET;
const unsecret = (o: Record<string, any>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isWireSecret(v) ? v.value : v]));
const secretInputs = new Map<string, string[]>();
let seq = 0;

pulumi.runtime.setMocks(
  {
    newResource(args) {
      secretInputs.set(
        args.name,
        Object.keys(args.inputs).filter((k) => isWireSecret(args.inputs[k])),
      );
      registered.push({ type: args.type, name: args.name, inputs: unsecret(args.inputs) });
      const id = `${args.type.split(":").pop()!.slice(0, 3).toLowerCase()}_${(++seq).toString(16).padStart(16, "0")}`;
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.endsWith(":VirtualMachine")) {
        state.fqdn = `${args.inputs.name}.region-${seq % 3}.fibrix.example`;
        state.regionId = `rgn_${(seq % 3).toString(16).padStart(16, "0")}`;
        state.status = "Running";
      }
      if (args.type.endsWith(":Rack")) state.enrollmentToken = "fbr_mock_token";
      if (args.type.endsWith(":Region")) state.nameservers = ["ns1.girona.fibrix.example"];
      if (args.type.endsWith(":Machine")) state.fqdn = `${args.inputs.hostname}.girona.fibrix.example`;
      return { id, state };
    },
    call: (args) => args.inputs,
  },
  "fibrix-example",
  "test",
  false,
);

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((res) => o.apply(res));
const isSecret = (o: pulumi.Output<unknown>) => pulumi.isSecret(o);
const ofType = (t: string) => registered.filter((r) => r.type === `fibrix:index:${t}`);

describe("examples/pulumi-customer", () => {
  beforeAll(() => {
    registered.length = 0;
    pulumi.runtime.setAllConfig({ "fibrix-example:poolId": "pool_00000000000000aa" });
  });

  test("three VMs in one anti-affinity group spread over regions; FQDNs exported", async () => {
    const program = await import("../../../examples/pulumi-customer/index");
    const fqdns = await Promise.all(program.fqdns.map(value));
    expect(fqdns).toEqual([
      expect.stringMatching(/^web-a\./),
      expect.stringMatching(/^web-b\./),
      expect.stringMatching(/^web-c\./),
    ]);
    const regions = await Promise.all(program.regions.map(value));
    expect(new Set(regions).size).toBe(3);
    const vms = ofType("VirtualMachine");
    expect(vms.map((v) => v.name)).toEqual(["web-a", "web-b", "web-c"]);
    for (const vm of vms) {
      expect(vm.inputs).toMatchObject({
        poolId: "pool_00000000000000aa",
        image: "ubuntu-24.04",
        cores: 2,
        memoryMiB: 2048,
        diskGiB: 40,
        antiAffinityGroup: "web-tier3",
        spread: "region",
      });
      // Native resources: no serialized provider code in the state, no timeouts workaround
      // (customTimeouts reach the plugin as the engine's `timeout`: native-engine.test.ts).
      expect(vm.inputs.__provider).toBeUndefined();
      expect(vm.inputs.timeouts).toBeUndefined();
    }
  });
});

describe("examples/pulumi-operator", () => {
  beforeAll(() => {
    registered.length = 0;
    pulumi.runtime.setAllConfig(
      {
        "fibrix-example:bmcs": JSON.stringify(["10.20.0.21", "10.20.0.22"]),
        "fibrix-example:bmcPassword": "calvin",
        "fibrix-example:customerTenant": "ten_00000000000000c1",
      },
      ["fibrix-example:bmcPassword"],
    );
  });

  test("a region, a rack in it, a pool, machines from the BMC list, the first a VM host in the pool", async () => {
    const program = await import("../../../examples/pulumi-operator/index");
    const regionId = await value(program.region.id);
    const rackId = await value(program.rack.id);
    const poolId = await value(program.pool.id);
    expect(ofType("Region")[0]!.inputs).toMatchObject({ name: "girona", dnsDomain: "girona.fibrix.example" });
    expect(ofType("Rack")[0]!.inputs).toMatchObject({
      regionId,
      subnet: "10.20.0.0/24",
      gateway: "10.20.0.1",
    });
    expect(ofType("Pool")[0]!.inputs).toMatchObject({ name: "gold", cpuOvercommit: 4 });
    expect(ofType("Quota")[0]!.inputs).toMatchObject({
      tenantId: "ten_00000000000000c1",
      vms: 10,
      cores: 20,
    });

    await Promise.all(program.machines.map((m) => value(m.id)));
    const machines = ofType("Machine").sort((a, b) => a.name.localeCompare(b.name));
    expect(machines.map((m) => m.inputs.power.address)).toEqual(["10.20.0.21", "10.20.0.22"]);
    expect(machines.map((m) => m.inputs.rackId)).toEqual([rackId, rackId]);
    expect(machines[0]!.inputs).toMatchObject({ vmHost: true, poolId, hostname: "pe860-1" });
    expect(machines[1]!.inputs.vmHost).toBeUndefined();
    for (const m of machines) {
      expect(m.inputs.power).toMatchObject({
        type: "ipmi",
        user: "root",
        password: "calvin",
        ipmiVersion: "1.5",
      });
    }

    // Secrets stay secret: the BMC password (in and out) and the rack's enrollment token.
    expect(secretInputs.get("pe860-1")).toEqual(["power"]);
    expect(await isSecret(program.machines[0]!.power)).toBe(true);
    // (the token's secrecy is additionalSecretOutputs, applied by the engine, not by mocks)
    expect(await value(program.rackToken)).toBe("fbr_mock_token");
    expect(await value(program.nameservers)).toEqual(["ns1.girona.fibrix.example"]);
    expect(await value(program.vmHost!)).toBe("pe860-1.girona.fibrix.example");
  });
});
