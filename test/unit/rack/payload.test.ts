/** Task payload readers: a malformed payload is BAD_PAYLOAD before anything is touched. */
import { TaskError } from "../../../backend/rack/executor";
import {
  hostConfig,
  optPowerState,
  optStr,
  posInt,
  str,
  strList,
} from "../../../backend/rack/executors/payload";
import { parseCapacity } from "../../../backend/rack/vm-disk";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TaskError ? e.code : "OTHER";
  }
  return undefined;
}

test("well-formed fields are read", () => {
  const p = { vmId: "vm1", cores: 2, powerState: "off", sshKeys: ["a"], host: { uri: "qemu:///system" } };
  expect(str(p, "vmId", "k")).toBe("vm1");
  expect(posInt(p, "cores", "k")).toBe(2);
  expect(optPowerState(p, "k")).toBe("off");
  expect(strList(p, "sshKeys", "k")).toEqual(["a"]);
  expect(strList(p, "none", "k")).toEqual([]);
  expect(optStr(p, "none", "k")).toBeUndefined();
  expect(hostConfig(p, "k")).toEqual({ uri: "qemu:///system" });
  expect(hostConfig({ host: { uri: "u", storagePool: "p", bridge: "br0" } }, "k")).toEqual({
    uri: "u",
    storagePool: "p",
    bridge: "br0",
  });
});

test("malformed fields are BAD_PAYLOAD", () => {
  expect(code(() => str({ vmId: "" }, "vmId", "k"))).toBe("BAD_PAYLOAD");
  expect(code(() => str({}, "vmId", "k"))).toBe("BAD_PAYLOAD");
  expect(code(() => posInt({ cores: 0 }, "cores", "k"))).toBe("BAD_PAYLOAD");
  expect(code(() => posInt({ cores: 1.5 }, "cores", "k"))).toBe("BAD_PAYLOAD");
  expect(code(() => posInt({ cores: "2" }, "cores", "k"))).toBe("BAD_PAYLOAD");
  expect(code(() => optPowerState({ powerState: "reboot" }, "k"))).toBe("BAD_PAYLOAD");
  expect(code(() => strList({ sshKeys: [1] }, "sshKeys", "k"))).toBe("BAD_PAYLOAD");
  expect(code(() => hostConfig({}, "k"))).toBe("BAD_PAYLOAD");
  expect(code(() => hostConfig({ host: { storagePool: "p" } }, "k"))).toBe("BAD_PAYLOAD");
});

test("virsh vol-info capacity", () => {
  const out =
    "Name:           d.qcow2\nType:           file\nCapacity:       2147483648 bytes\nAllocation:     200704 bytes\n";
  expect(parseCapacity(out)).toBe(2147483648);
  expect(parseCapacity("garbage")).toBeUndefined();
});
