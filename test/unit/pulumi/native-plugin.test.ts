/**
 * The pure parts of the native plugin: the engine's command line (plugin.go
 * buildPluginArguments), the provider settings (CheckConfig, Configure's args and variables),
 * the create key seed taken from the URN (the same one the dynamic resources derived), the
 * engine timeout handed to the hooks, the timeout backstop and Cancel; and the generated SDK
 * classes under Pulumi's mocks.
 */
import { status } from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { BACKSTOP_GRACE_MS, Operations, withEngineTimeout } from "../../../provider/pulumi/native/operations";
import { parsePluginArgs } from "../../../provider/pulumi/native/plugin-args";
import { checkSettings, settingsSource } from "../../../provider/pulumi/native/provider-settings";
import { createKeySeedOf } from "../../../provider/pulumi/native/provider-service";
import { resourceOf } from "../../../provider/pulumi/native/resources";
import { resolveSettings } from "../../../provider/pulumi/provider-config";
import { UNKNOWN } from "../../../provider/pulumi/schema-check";

describe("the engine's command line", () => {
  test("just the engine address", () => {
    expect(parsePluginArgs(["127.0.0.1:40123"])).toEqual({
      engineAddress: "127.0.0.1:40123",
      logToStderr: false,
      verbose: 0,
    });
  });
  test("with --logflow: --logtostderr -v=N; with tracing: --tracing ENDPOINT; the address last", () => {
    expect(
      parsePluginArgs([
        "--logtostderr",
        "-v=9",
        "--tracing",
        "http://127.0.0.1:9411/api/v2/spans",
        "127.0.0.1:1",
      ]),
    ).toEqual({
      engineAddress: "127.0.0.1:1",
      logToStderr: true,
      verbose: 9,
      tracing: "http://127.0.0.1:9411/api/v2/spans",
    });
    expect(parsePluginArgs(["-logtostderr=false", "--v", "3", "--logflow", "127.0.0.1:2"])).toMatchObject({
      engineAddress: "127.0.0.1:2",
      logToStderr: false,
      verbose: 3,
    });
  });
  test("no address (attached with PULUMI_DEBUG_PROVIDERS: the engine calls Attach)", () => {
    expect(parsePluginArgs([]).engineAddress).toBeUndefined();
  });
});

describe("provider settings", () => {
  test("CheckConfig names the bad property; the engine's own keys pass; unknowns pass", () => {
    expect(
      checkSettings({ endpoint: "https://girona.fibrix.example", apiKey: "fbx_1", version: "0.1.0" }),
    ).toEqual([]);
    expect(checkSettings({ endpoint: UNKNOWN, apiKey: UNKNOWN })).toEqual([]);
    expect(checkSettings({ endpoint: "girona:5240", apiKey: "", region: "x" })).toEqual([
      { property: "endpoint", reason: expect.stringMatching(/http\(s\) URL/) },
      { property: "apiKey", reason: expect.stringMatching(/API key/) },
      { property: "region", reason: expect.stringMatching(/not a fibrix provider setting/) },
    ]);
  });
  test("Configure: args first, then the deprecated variables, then the environment", () => {
    const env = { FIBRIX_ENDPOINT: "http://env:5240", FIBRIX_API_KEY: "fbx_env" };
    expect(resolveSettings(settingsSource({ endpoint: "http://args:5240" }, new Map()), env)).toEqual({
      endpoint: "http://args:5240",
      apiKey: "fbx_env",
    });
    const vars = new Map([
      ["fibrix:config:endpoint", "http://vars:5240"],
      ["fibrix:apiKey", "fbx_vars"],
    ]);
    expect(resolveSettings(settingsSource({}, vars), env)).toEqual({
      endpoint: "http://vars:5240",
      apiKey: "fbx_vars",
    });
    expect(() => resolveSettings(settingsSource({}, new Map()), {})).toThrow(
      /fibrix:endpoint.*FIBRIX_ENDPOINT/,
    );
  });
});

test("the create key seed from the URN is the one the dynamic resources derived (project/stack/Type/name)", () => {
  const m = resourceOf("fibrix:index:Machine")!;
  expect(createKeySeedOf("urn:pulumi:dev::infra::fibrix:index:Machine::pe860-07", m)).toBe(
    "infra/dev/Machine/pe860-07",
  );
  expect(createKeySeedOf("urn:pulumi:prod::infra::my:index:Site$fibrix:index:Machine::pe860-07", m)).toBe(
    "infra/prod/Machine/pe860-07",
  );
});

test("the engine's timeout reaches the hooks as their `timeouts` input (whole seconds, at least one)", () => {
  expect(withEngineTimeout({ a: 1 }, "create", 0)).toEqual({ a: 1 });
  expect(withEngineTimeout({ a: 1 }, "create", 2)).toEqual({ a: 1, timeouts: { create: 2 } });
  expect(withEngineTimeout({ timeouts: { delete: 600 } }, "update", 0.2)).toEqual({
    timeouts: { delete: 600, update: 1 },
  });
});

describe("operations", () => {
  test("the backstop answers DEADLINE_EXCEEDED shortly after the timeout, naming it", async () => {
    const ops = new Operations(50);
    const started = Date.now();
    await expect(
      ops.run("create Machine m", "urn:x", 0.1, () => new Promise((r) => setTimeout(r, 5_000).unref())),
    ).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
      message: /create Machine m: timed out after 0.1 s/,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(BACKSTOP_GRACE_MS).toBeGreaterThan(0);
  });
  test("Cancel answers every running operation CANCELLED at once, and refuses new ones", async () => {
    const ops = new Operations();
    const running = ops.run(
      "delete Machine m",
      "urn:x",
      0,
      () => new Promise((r) => setTimeout(r, 5_000).unref()),
    );
    const started = Date.now();
    ops.cancel();
    await expect(running).rejects.toMatchObject({
      code: status.CANCELLED,
      message: /cancelled by the engine/,
    });
    expect(Date.now() - started).toBeLessThan(500);
    await expect(ops.run("create Machine n", "urn:y", 0, async () => 1)).rejects.toMatchObject({
      code: status.CANCELLED,
    });
  });
  test("an operation's result and errors pass through", async () => {
    const ops = new Operations();
    await expect(ops.run("x", "urn:x", 10, async () => 42)).resolves.toBe(42);
    await expect(
      ops.run("x", "urn:x", 10, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
  });
});

describe("the generated SDK under Pulumi's mocks", () => {
  const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
  beforeAll(() => {
    pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, name: args.name, inputs: args.inputs });
          return { id: `${args.name}-id`, state: { ...args.inputs, status: "Ready" } };
        },
        call: (args) =>
          args.token === "fibrix:index:getRegions" ? { regions: [{ id: "rgn_1", name: "girona" }] } : {},
      },
      "proj",
      "dev",
      false,
    );
  });

  test("resources register on their tokens with their inputs; secrets stay secret", async () => {
    // Loaded after setMocks, as a program's modules are.
    const fibrix = await import("../../../provider/pulumi");
    const m = new fibrix.Machine("pe860-07", {
      hostname: "pe860-07",
      rackId: "rck_0123456789abcdef",
      macs: ["52:54:00:00:00:07"],
      power: { type: "ipmi", address: "10.0.0.27", user: "root", password: "calvin" },
    });
    const status = await new Promise((r) => m.status.apply(r));
    expect(status).toBe("Ready");
    expect(await (m.power as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
    const reg = registered.find((x) => x.name === "pe860-07")!;
    expect(reg.type).toBe("fibrix:index:Machine");
    expect(reg.inputs).toMatchObject({ hostname: "pe860-07", macs: ["52:54:00:00:00:07"] });
    expect(reg.inputs).not.toHaveProperty("createKeySeed");
    expect(() => new fibrix.Machine("bad", {} as never)).toThrow(/missing required property 'hostname'/);
    const regions = await fibrix.getRegions({ name: "girona" });
    expect(regions.regions[0]!.name).toBe("girona");
    expect(fibrix.Machine.isInstance(m)).toBe(true);
    expect(fibrix.Rack.isInstance(m)).toBe(false);
  });
});
