import { inNetns } from "../../../../backend/rack/tenant-net/host-shell";

describe("HostShell argv inside a network namespace", () => {
  it("runs on the host as given without a namespace", () => {
    expect(inNetns(["ip", "link", "show"], undefined)).toEqual(["ip", "link", "show"]);
    expect(inNetns(["nft", "-f", "-"], undefined)).toEqual(["nft", "-f", "-"]);
  });

  it("uses -n for ip and bridge, ip netns exec for the others", () => {
    expect(inNetns(["ip", "-j", "link", "show"], "h1")).toEqual(["ip", "-n", "h1", "-j", "link", "show"]);
    expect(inNetns(["bridge", "fdb", "show"], "h1")).toEqual(["bridge", "-n", "h1", "fdb", "show"]);
    expect(inNetns(["nft", "-f", "-"], "h1")).toEqual(["ip", "netns", "exec", "h1", "nft", "-f", "-"]);
    expect(inNetns(["sysctl", "-w", "x=1"], "h1")).toEqual([
      "ip",
      "netns",
      "exec",
      "h1",
      "sysctl",
      "-w",
      "x=1",
    ]);
  });
});
