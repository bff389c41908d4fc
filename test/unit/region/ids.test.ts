import { type IdPrefix, newId, objectTypeOfId } from "../../../backend/region/ids";

describe("ids", () => {
  it("names a task object's event type by its prefix (a VM task's progress is the VM's, not a machine's)", () => {
    const cases: [IdPrefix, string][] = [
      ["vm", "vm"],
      ["mch", "machine"],
      ["img", "image"],
      ["snp", "snapshot"],
      ["bkp", "backup"],
      ["net", "network"],
      ["sg", "security-group"],
      ["pip", "public-ip-pool"],
    ];
    for (const [prefix, type] of cases) expect(objectTypeOfId(newId(prefix))).toBe(type);
  });

  it("refuses an id of no object kind", () => {
    expect(() => objectTypeOfId(newId("tsk"))).toThrow(/no event object type/);
    expect(() => objectTypeOfId("garbage")).toThrow(/no event object type/);
  });
});
