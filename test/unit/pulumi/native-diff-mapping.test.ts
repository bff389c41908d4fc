/**
 * The native plugin's Diff as the engine reads it (proto/pulumi/provider.proto DiffResponse,
 * provider_plugin.go `decodeDetailedDiff`): changes, replaces, stables, deleteBeforeReplace and
 * a detailed diff whose kinds say ADD / DELETE / UPDATE and *_REPLACE, on the resources' own
 * diff rules (planDiff), plus DiffConfig and ignoreChanges.
 */
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { planDiff } from "../../../provider/pulumi/diff-plan";
import { diffAnswer, diffKind, diffResponse } from "../../../provider/pulumi/native/diff-mapping";
import { diffSettings } from "../../../provider/pulumi/native/provider-settings";
import { ignoring } from "../../../provider/pulumi/native/provider-service";
import { resourceOf } from "../../../provider/pulumi/native/resources";
import { UNKNOWN } from "../../../provider/pulumi/schema-check";

const machine = resourceOf("fibrix:index:Machine")!;
const vm = resourceOf("fibrix:index:VirtualMachine")!;

const oldMachine = {
  hostname: "pe860-01",
  rackId: "rck_0000000000000001",
  macs: ["52:54:00:00:00:01"],
  power: { type: "ipmi", address: "10.0.0.21", user: "root", password: "calvin" },
  tags: [],
  description: "",
  fqdn: "pe860-01.girona.fibrix.example",
  regionId: "rgn_0000000000000001",
  createdAt: "2026-01-01T00:00:00.000Z",
  status: "Ready",
  __provider: "exports.handler = …",
};

test("kinds", () => {
  expect(diffKind(undefined, "x", false)).toBe("ADD");
  expect(diffKind(null, "x", true)).toBe("ADD_REPLACE");
  expect(diffKind("x", undefined, false)).toBe("DELETE");
  expect(diffKind("x", null, true)).toBe("DELETE_REPLACE");
  expect(diffKind("x", "y", false)).toBe("UPDATE");
  expect(diffKind("x", "y", true)).toBe("UPDATE_REPLACE");
});

test("no change: DIFF_NONE, an empty detailed diff, the stable outputs listed", () => {
  const news = {
    hostname: "pe860-01",
    rackId: oldMachine.rackId,
    macs: oldMachine.macs,
    power: oldMachine.power,
  };
  const a = diffAnswer(planDiff(oldMachine, news, machine.rules), oldMachine, news, [
    "fqdn",
    "createdAt",
    "hostname",
  ]);
  expect(a).toEqual({
    changes: "DIFF_NONE",
    replaces: [],
    stables: ["fqdn", "createdAt", "hostname"],
    deleteBeforeReplace: false,
    diffs: [],
    detailedDiff: {},
  });
});

test("an update in place: UPDATE and ADD entries, no replaces", () => {
  const news = { ...oldMachine, tags: ["girona"], poolId: "pool_0000000000000001" };
  const a = diffAnswer(planDiff(oldMachine, news, machine.rules), oldMachine, news, ["fqdn"]);
  expect(a.changes).toBe("DIFF_SOME");
  expect(a.replaces).toEqual([]);
  expect(a.detailedDiff).toEqual({
    tags: { kind: "UPDATE", inputDiff: false },
    poolId: { kind: "ADD", inputDiff: false },
  });
  expect(a.stables).toEqual(["fqdn"]);
});

test("a replacement: *_REPLACE kinds, delete-before-replace on a unique hostname, no stables", () => {
  const news = { ...oldMachine, macs: ["52:54:00:00:00:02"] };
  const a = diffAnswer(planDiff(oldMachine, news, machine.rules), oldMachine, news, ["fqdn"]);
  expect(a).toMatchObject({
    changes: "DIFF_SOME",
    replaces: ["macs"],
    deleteBeforeReplace: true,
    stables: [],
    detailedDiff: { macs: { kind: "UPDATE_REPLACE", inputDiff: false } },
  });
});

test("a smaller disk replaces a VM (the model's replace reason), a bigger one does not", () => {
  const old = {
    name: "web-1",
    poolId: "pool_0000000000000001",
    image: "tiny",
    cores: 1,
    memoryMiB: 128,
    diskGiB: 10,
  };
  const smaller = diffAnswer(
    planDiff(old, { ...old, diskGiB: 5 }, vm.rules),
    old,
    { ...old, diskGiB: 5 },
    [],
  );
  expect(smaller.detailedDiff.diskGiB).toEqual({ kind: "UPDATE_REPLACE", inputDiff: false });
  const bigger = diffAnswer(
    planDiff(old, { ...old, diskGiB: 20 }, vm.rules),
    old,
    { ...old, diskGiB: 20 },
    [],
  );
  expect(bigger.detailedDiff.diskGiB).toEqual({ kind: "UPDATE", inputDiff: false });
});

test("an unknown (preview) value is a change and is never stable", () => {
  const news = { ...oldMachine, hostname: UNKNOWN };
  const a = diffAnswer(planDiff(oldMachine, news, machine.rules), oldMachine, news, ["hostname", "fqdn"]);
  expect(a.replaces).toEqual(["hostname"]);
  expect(a.deleteBeforeReplace).toBe(true);
  expect(a.stables).toEqual([]);
});

test("the proto message carries every field, hasDetailedDiff set", () => {
  const news = { ...oldMachine, macs: ["52:54:00:00:00:02"], tags: ["x"] };
  const res = diffResponse(diffAnswer(planDiff(oldMachine, news, machine.rules), oldMachine, news, []));
  expect(res.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
  expect(res.getReplacesList()).toEqual(["macs"]);
  expect(res.getDeletebeforereplace()).toBe(true);
  expect(res.getHasdetaileddiff()).toBe(true);
  expect(res.getDiffsList().sort()).toEqual(["macs", "tags"]);
  const dd = res.getDetaileddiffMap();
  expect(dd.get("macs")!.getKind()).toBe(provproto.PropertyDiff.Kind.UPDATE_REPLACE);
  expect(dd.get("tags")!.getKind()).toBe(provproto.PropertyDiff.Kind.UPDATE);
  expect(dd.get("tags")!.getInputdiff()).toBe(false);
  const none = diffResponse(
    diffAnswer(planDiff(oldMachine, oldMachine, machine.rules), oldMachine, oldMachine, []),
  );
  expect(none.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_NONE);
});

test("DiffConfig: a new endpoint or key is a change, never a replacement", () => {
  const olds = { endpoint: "http://a:5240", apiKey: "fbx_1", version: "0.1.0" };
  expect(diffSettings(olds, { ...olds })).toMatchObject({ changes: "DIFF_NONE", replaces: [] });
  expect(diffSettings(olds, { ...olds, endpoint: "http://b:5240" })).toMatchObject({
    changes: "DIFF_SOME",
    replaces: [],
    detailedDiff: { endpoint: { kind: "UPDATE", inputDiff: true } },
  });
  // The dynamic provider's default provider had no settings at all (a stack moving over).
  expect(diffSettings({}, { endpoint: "http://b:5240" })).toMatchObject({
    replaces: [],
    detailedDiff: { endpoint: { kind: "ADD" } },
  });
});

test("ignoreChanges puts the old outputs back, top level and nested", () => {
  const news = { ...oldMachine, description: "new", power: { ...oldMachine.power, address: "10.0.0.99" } };
  const ignored = ignoring(news, oldMachine, ["description", "power.address"]);
  expect(ignored.description).toBe("");
  expect((ignored.power as { address: string }).address).toBe("10.0.0.21");
  expect(planDiff(oldMachine, ignored, machine.rules).changes).toBe(false);
  expect(
    ignoring(news, { ...oldMachine, description: undefined }, ["description"]).description,
  ).toBeUndefined();
});
