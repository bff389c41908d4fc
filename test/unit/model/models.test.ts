/**
 * The resource models (sdk/model/): their annotations agree with their schemas, their rules
 * name fields the API knows, and a machine in any state is brought to removal by steps the
 * lifecycle table allows, whatever the rack answers (exhaustive over states and outcomes).
 */
import { MODELS, type ResourceModel, fieldsWith, KNOWN } from "../../../sdk/model";
import { IN_USE_STATES, removalStep, STATUSES, transition } from "../../../sdk/model/machine-lifecycle";
import { machineModel } from "../../../sdk/model/machine";
import { virtualMachineModel } from "../../../sdk/model/virtual-machine";
import type { MachineStatus } from "../../../sdk/schema/machine";

const models = Object.values(MODELS);
const keys = (s: { properties?: Record<string, unknown> }) => Object.keys(s.properties ?? {});
/** Fields of the output schema, allowing for RackCreated's intersection. */
function outputKeys(m: ResourceModel): string[] {
  const o = m.output as {
    properties?: Record<string, unknown>;
    allOf?: { properties?: Record<string, unknown> }[];
  };
  return [...keys(o), ...(o.allOf ?? []).flatMap(keys)];
}

test.each(models.map((m) => [m.name, m] as const))("%s: annotations name real fields", (_n, m) => {
  const known = new Set([...keys(m.create), ...outputKeys(m)]);
  for (const name of Object.keys(m.fields)) {
    // Provider-side inputs (a VM's tenantId) are outputs of the API.
    expect([name, known.has(name.split(".")[0]!)]).toEqual([name, true]);
  }
  for (const u of m.unique) expect(keys(m.create)).toContain(u);
});

test.each(models.map((m) => [m.name, m] as const))(
  "%s: a create field the update schema lacks replaces, unless it is create-only; nothing updatable replaces",
  (_n, m) => {
    const update = keys(m.update);
    const replace = fieldsWith(m, "replaceOnChange");
    const createOnly = fieldsWith(m, "createOnly");
    for (const f of keys(m.create)) {
      const expected = !update.includes(f) && !createOnly.includes(f);
      expect([f, replace.includes(f)]).toEqual([f, expected]);
    }
  },
);

test("a machine in any status reaches removal in at most 6 allowed steps, for every rack outcome", () => {
  // Each step's possible results: the operator action's own target, then any rack result.
  const outcomes = (s: MachineStatus): MachineStatus[] => {
    const step = removalStep(s);
    if (step.kind === "delete") return [];
    if (step.kind === "wait") return [...step.until];
    const r = transition(s, step.action, "Deployed");
    expect([s, step.action, r.ok]).toEqual([s, step.action, true]);
    if (!r.ok) return [];
    // Releasing ends Ready or FailedReleasing; rescue may return to Deployed, Broken or FailedDeployment.
    if (r.to === "Releasing") return ["Ready", "FailedReleasing"];
    if (step.action === "exit-rescue") return ["Deployed", "Broken", "FailedDeployment"];
    return [r.to];
  };
  const stepsFrom = (s: MachineStatus, depth: number): number => {
    if (depth > 6) throw new Error(`no way out from ${s}`);
    const next = outcomes(s);
    return next.length === 0 ? 0 : 1 + Math.max(...next.map((n) => stepsFrom(n, depth + 1)));
  };
  for (const s of STATUSES) {
    const n = stepsFrom(s, 0);
    expect([s, n <= 6, IN_USE_STATES.includes(s) === n > 0]).toEqual([s, true, true]);
  }
  // The cases terraform destroy got wrong (it sent release, which the table forbids there).
  expect(removalStep("Deploying")).toEqual({ kind: "action", action: "abort" });
  expect(removalStep("Rescue")).toEqual({ kind: "action", action: "exit-rescue" });
  expect(removalStep("Deployed")).toEqual({ kind: "action", action: "release" });
  expect(removalStep("Releasing")).toEqual({ kind: "wait", until: ["Ready", "FailedReleasing"] });
  expect(removalStep("Ready")).toEqual({ kind: "delete" });
});

test("machine rules: power by the driver's own settings, vmHost needs a pool; the API's password may be stored", () => {
  const base = { hostname: "pe860-01", rackId: "rck_0000000000000001", macs: ["52:54:00:00:00:01"] };
  const rules = (d: Record<string, unknown>, passwordStored = false) =>
    machineModel.rules!(d, { ...KNOWN, passwordStored });
  expect(rules({ ...base, power: { type: "ipmi", address: "10.0.0.1", user: "root" } })).toEqual([
    { field: "/power/password", reason: "is required" },
  ]);
  expect(rules({ ...base, power: { type: "ipmi", address: "10.0.0.1", user: "root" } }, true)).toEqual([]);
  expect(rules({ ...base, power: { type: "ipmi", address: "1", password: "x".repeat(17) } })).toEqual([
    { field: "/power/password", reason: "must be at most 16 bytes" },
  ]);
  expect(rules({ ...base, power: { type: "manual" }, vmHost: true })).toEqual([
    { field: "/poolId", reason: "is required when vmHost is true (the pool the host joins)" },
  ]);
  // A declaration that create could never reach is refused by the providers only.
  const declared = { ...base, power: { type: "manual" }, commission: false, vmHost: true, poolId: "pol_1" };
  expect(rules(declared)).toEqual([]);
  expect(machineModel.declarationRules!(declared, KNOWN).map((e) => e.field)).toEqual(["/commission"]);
});

test("a smaller disk is a replacement reason; growing is not", () => {
  expect(virtualMachineModel.replaceReasons!({ diskGiB: 40 }, { diskGiB: 20 })).toEqual([
    { field: "/diskGiB", reason: "cannot shrink a disk (40 → 20 GiB); replace the VM" },
  ]);
  expect(virtualMachineModel.replaceReasons!({ diskGiB: 40 }, { diskGiB: 80 })).toEqual([]);
  expect(virtualMachineModel.replaceReasons!({ diskGiB: 40 }, {})).toEqual([]);
});

test("every registered power driver is declared, in the same order, with the same settings", () => {
  // The API schema is built from the declarations; the registry pairs them with factories.
  const { POWER_DECLARATIONS } = require("../../../backend/power/declared");
  const { POWER_DRIVERS } = require("../../../backend/power/registry");
  expect(POWER_DRIVERS.map((d: { name: string; settings: unknown }) => [d.name, d.settings])).toEqual(
    POWER_DECLARATIONS.map((d: { name: string; settings: unknown }) => [d.name, d.settings]),
  );
});
