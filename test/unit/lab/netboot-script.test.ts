import { readBootScript } from "../../../backend/lab/pxe/netboot-machine";
import { ipxeScript } from "../../../backend/rack/boot/ipxe-scripts";

const base = "http://127.0.0.1:8080";

test("an ephemeral script from the rack: mode, report URL, token and image", () => {
  const script = ipxeScript({
    kind: "ephemeral",
    mode: "deploy",
    baseUrl: base,
    machineId: "mch_0123456789abcdef",
    token: "a1b2c3",
    image: "ubuntu-24.04",
    kernelArgs: ["console=ttyS0"],
  });
  expect(readBootScript(script)).toEqual({
    kind: "ephemeral",
    mode: "deploy",
    report: `${base}/report/mch_0123456789abcdef`,
    token: "a1b2c3",
    image: `${base}/images/ubuntu-24.04`,
  });
});

test("local boot, exit and identify scripts boot from the disk", () => {
  expect(readBootScript(ipxeScript({ kind: "local" }))).toEqual({ kind: "local" });
  expect(readBootScript(ipxeScript({ kind: "exit", reason: "unknown MAC" }))).toEqual({ kind: "local" });
  expect(readBootScript("#!ipxe\nkernel http://x/kernel quiet\nboot\n")).toEqual({ kind: "local" });
});
