/**
 * The VM executors' tenant-network branches, against a recording HostShell and a scripted VM
 * host: a payload without `nics` never reaches the host's network stack (behaves as before);
 * with `nics`, a host without a fabric is BAD_PAYLOAD before anything is touched; a retried
 * create of an existing domain re-applies its networks and rules. Pure (no I/O).
 */
import pino from "pino";
import type { DomainSummary, VirshVmHost } from "../../../../backend/libvirt/vm-host";
import type { Executor } from "../../../../backend/rack/executor";
import { defaultDeps, type ExecutorDeps } from "../../../../backend/rack/executors/deps";
import { rulesToRestore } from "../../../../backend/rack/executors/host-reconcile";
import { defaultExecutors } from "../../../../backend/rack/executors/index";
import { applyVmRules } from "../../../../backend/rack/tenant-net/apply";
import type { Command, HostShell } from "../../../../backend/rack/tenant-net/host-shell";
import type { TenantNic } from "../../../../sdk/schema/tenant-network-payload";

const nic: TenantNic = {
  networkId: "net_00000000000000a1",
  segment: { kind: "vxlan", vni: 0xa1 },
  mac: "52:54:00:0a:00:01",
  ipv4: "10.10.0.2",
  prefixLength: 24,
  gateway: null,
  dns: [],
  ingress: [],
};
const network = { networkId: nic.networkId, segment: nic.segment, peers: ["10.255.0.2"], mtu: 1450 };
const fabric = { underlayDevice: "fab0", underlayAddress: "10.255.0.1" };
const domain: DomainSummary = {
  name: "fx-vm_00000000000000a1",
  uuid: "u",
  state: "running",
  vcpus: 1,
  maxVcpus: 1,
  memoryMiB: 128,
  maxMemoryMiB: 128,
  disks: [],
  interfaces: [{ type: "bridge", bridge: "fxba1", mac: nic.mac }],
};

function setup(host: Partial<VirshVmHost>) {
  const ran: { cmd: Command; input?: string }[] = [];
  const shell: HostShell = {
    where: "test",
    async run(cmd, input) {
      ran.push({ cmd, ...(input !== undefined ? { input } : {}) });
      if (cmd[0] === "nft" && cmd[1] === "-j") return '{"nftables": []}';
      if (cmd[0] === "ip" || cmd[0] === "bridge") return cmd.includes("-j") ? "[]" : "";
      return "";
    },
  };
  const deps: ExecutorDeps = {
    ...defaultDeps("fx-"),
    vmHost: () => ({ uri: "qemu:///system", pool: "p", ...host }) as unknown as VirshVmHost,
    hostShell: () => shell,
  };
  const byKind = new Map(defaultExecutors(deps).map((e) => [e.kind, e]));
  const run = (kind: string, payload: Record<string, unknown>) =>
    (byKind.get(kind as Executor["kind"]) as Executor).run({
      task: { id: "t", kind: kind as Executor["kind"], objectId: "o", attempt: 1, leaseUntil: "", payload },
      log: pino({ level: "silent" }),
      config: () => undefined,
      progress: async () => {},
      signal: new AbortController().signal,
      claimedSince: () => new Set(),
    });
  return { ran, run };
}

const base = {
  vmId: "vm_00000000000000a1",
  image: "img",
  cores: 1,
  memoryMiB: 128,
  diskGiB: 1,
  sshKeys: [],
};

describe("VM executors and tenant networks", () => {
  it("a vm.create without nics never touches the host's network stack", async () => {
    const { ran, run } = setup({
      getDomain: async () => ({ ...domain, interfaces: [] }),
      domainAddresses: async () => [
        {
          interface: "vnet0",
          mac: "52:54:00:00:00:09",
          protocol: "ipv4" as const,
          address: "192.168.1.9",
          prefix: 24,
        },
      ],
    } as Partial<VirshVmHost>);
    const r = await run("vm.create", { ...base, host: { uri: "qemu:///system", bridge: "br0", fabric } });
    expect(r).toEqual({ domain: "fx-vm_00000000000000a1", ip: "192.168.1.9", existed: true });
    // The region's form of the same: empty nics and networks, on a host with no fabric.
    const empty = await run("vm.create", {
      ...base,
      nics: [],
      networks: [],
      host: { uri: "qemu:///system", bridge: "br0" },
    });
    expect(empty).toEqual(r);
    expect(ran).toEqual([]);
  });

  it("vm.create with nics on a host without a fabric is BAD_PAYLOAD before anything is touched", async () => {
    const touched = jest.fn(async () => {
      throw new Error("touched");
    });
    const { ran, run } = setup({ getDomain: touched, createVolume: touched } as Partial<VirshVmHost>);
    await expect(
      run("vm.create", { ...base, host: { uri: "qemu:///system" }, nics: [nic], networks: [network] }),
    ).rejects.toMatchObject({ code: "BAD_PAYLOAD", message: expect.stringContaining("host.fabric") });
    expect(touched).not.toHaveBeenCalled();
    expect(ran).toEqual([]);
  });

  it("vm.create with a NIC on a network the host is not told to carry is BAD_PAYLOAD", async () => {
    const { ran, run } = setup({ getDomain: async () => domain } as Partial<VirshVmHost>);
    await expect(
      run("vm.create", { ...base, host: { uri: "qemu:///system", fabric }, nics: [nic], networks: [] }),
    ).rejects.toMatchObject({ code: "BAD_PAYLOAD", message: expect.stringContaining("not in networks") });
    expect(ran).toEqual([]);
  });

  it("a retried vm.create of an existing domain re-applies its networks and rules, and answers the payload's address", async () => {
    const { ran, run } = setup({ getDomain: async () => domain } as Partial<VirshVmHost>);
    const r = await run("vm.create", {
      ...base,
      host: { uri: "qemu:///system", fabric, netns: "h1" },
      nics: [nic],
      networks: [network],
    });
    expect(r).toEqual({
      domain: "fx-vm_00000000000000a1",
      ip: "10.10.0.2",
      existed: true,
      addresses: ["10.10.0.2"],
    });
    const lines = ran.map((x) => x.cmd.join(" "));
    expect(lines).toContain("ip link add fxba1 mtu 1450 type bridge nf_call_iptables 1");
    expect(lines).toContain("bridge fdb append 00:00:00:00:00:00 dev fxva1 dst 10.255.0.2");
    const nft = ran.find((x) => x.cmd.join(" ") === "nft -f -");
    expect(nft?.input).toContain("add chain bridge fibrix out_fxt5254000a0001");
  });

  it("a vm.delete of a VM without tenant NICs and without networks never touches the network stack", async () => {
    const { ran, run } = setup({
      getDomain: async () => ({
        ...domain,
        interfaces: [{ type: "bridge", bridge: "br0", mac: "52:54:00:00:00:09" }],
      }),
      destroyDomain: async () => {},
      undefineDomain: async () => {},
      listVolumes: async () => [],
    } as Partial<VirshVmHost>);
    const r = await run("vm.delete", { vmId: base.vmId, host: { uri: "qemu:///system" } });
    expect(r).toEqual({ domainRemoved: true, volumesRemoved: [] });
    expect(ran).toEqual([]);
  });

  it("a vm.delete with networks prunes the host to them", async () => {
    const { ran, run } = setup({
      getDomain: async () => domain,
      destroyDomain: async () => {},
      undefineDomain: async () => {},
      listVolumes: async () => [],
      listDomains: async () => [],
    } as Partial<VirshVmHost>);
    const r = await run("vm.delete", {
      vmId: base.vmId,
      host: { uri: "qemu:///system", fabric },
      networks: [],
    });
    expect(r).toMatchObject({ domainRemoved: true, network: { commands: 0, kept: [], rulesRemoved: false } });
    expect(ran.map((x) => x.cmd.join(" "))).toEqual([
      "nft -j list ruleset",
      "ip -j -d link show",
      "bridge -j fdb show",
      // Routing read back (route-state.ts): nothing of ours, nothing to remove.
      "ip -j -d link show",
      "ip -j -4 addr show",
      "ip -j -4 rule show",
      "ip -j -4 route show table all",
    ]);
  });

  it("vm.network needs nics; host.networks needs networks", async () => {
    const { run } = setup({ getDomain: async () => domain } as Partial<VirshVmHost>);
    await expect(
      run("vm.network", { vmId: base.vmId, host: { uri: "qemu:///system", fabric } }),
    ).rejects.toMatchObject({
      code: "BAD_PAYLOAD",
    });
    await expect(
      run("host.networks", { machineId: "mch_1", host: { uri: "qemu:///system", fabric } }),
    ).rejects.toMatchObject({ code: "BAD_PAYLOAD" });
  });

  it("vm.network on a host with an uplink gives the uplink the public address its NAT now serves", async () => {
    // What nft holds once the rules are written (read back, as route-plan.ts expects).
    const natted = JSON.stringify({
      nftables: [
        { table: { family: "ip", name: "fibrix_nat" } },
        {
          map: {
            family: "ip",
            table: "fibrix_nat",
            name: "dnat_vm",
            elem: [["192.0.2.10", { jump: { target: "dnat_fxt5254000a0001" } }]],
          },
        },
      ],
    });
    const ran: string[] = [];
    const shell: HostShell = {
      where: "test",
      async run(cmd) {
        const line = cmd.join(" ");
        ran.push(line);
        if (line === "nft -j list ruleset") return ran.includes("nft -f -") ? natted : '{"nftables": []}';
        if (line === "ip -j -d link show") return '[{"ifname": "up0", "mtu": 1500, "flags": ["UP"]}]';
        if (line.startsWith("sysctl -n net.ipv4.conf.up0.forwarding")) return "0\n";
        if (cmd[0] === "ip" && cmd.includes("-j")) return "[]";
        return "";
      },
    };
    const deps: ExecutorDeps = {
      ...defaultDeps("fx-"),
      vmHost: () =>
        ({ uri: "qemu:///system", pool: "p", getDomain: async () => domain }) as unknown as VirshVmHost,
      hostShell: () => shell,
    };
    const ex = defaultExecutors(deps).find((e) => e.kind === "vm.network")!;
    await ex.run({
      task: {
        id: "t",
        kind: "vm.network",
        objectId: "o",
        attempt: 1,
        leaseUntil: "",
        payload: {
          vmId: base.vmId,
          host: { uri: "qemu:///system", fabric: { ...fabric, uplinkDevice: "up0" } },
          nics: [{ ...nic, publicIpv4: "192.0.2.10" }],
        },
      },
      log: pino({ level: "silent" }),
      config: () => undefined,
      progress: async () => {},
      signal: new AbortController().signal,
      claimedSince: () => new Set(),
    });
    const after = ran.slice(ran.indexOf("nft -f -") + 1);
    expect(after).toEqual([
      "nft -j list ruleset",
      "ip -j -d link show",
      "ip -j -4 addr show",
      "ip -j -4 rule show",
      "ip -j -4 route show table all",
      "sysctl -n net.ipv4.conf.up0.forwarding",
      "ip addr add 192.0.2.10/32 dev up0 label up0:fx",
      "sysctl -q -w net.ipv4.conf.up0.forwarding=1",
    ]);
  });

  it("reaches a qemu+ssh VM host over ssh, and refuses one no shell reaches instead of building on the rack", () => {
    expect(defaultDeps().hostShell({ uri: "qemu+ssh://root@10.0.0.5/system" }).where).toBe(
      "ssh root@10.0.0.5",
    );
    expect(() => defaultDeps().hostShell({ uri: "qemu+tls://10.0.0.5/system" })).toThrow(/qemu\+ssh/);
    expect(defaultDeps().hostShell({ uri: "qemu:///system", netns: "h1" }).where).toBe("netns h1");
  });
});

describe("br_netfilter before any security group", () => {
  const scripted = (loaded: () => boolean) => {
    const ran: string[] = [];
    const shell: HostShell = {
      where: "test",
      async run(cmd) {
        const line = cmd.join(" ");
        ran.push(line);
        if (cmd[0] === "sysctl" && !loaded()) throw new Error("no such key");
        if (line === "nft -j list ruleset") return '{"nftables": []}';
        return "";
      },
    };
    return { ran, shell };
  };

  it("loads it when missing, then writes the rules", async () => {
    let modprobed = false;
    const { ran, shell } = scripted(() => modprobed);
    const wrapped: HostShell = {
      where: shell.where,
      run: async (cmd, input) => {
        if (cmd[0] === "modprobe") modprobed = true;
        return shell.run(cmd, input);
      },
    };
    await applyVmRules(wrapped, [nic]);
    expect(ran).toEqual([
      "sysctl -n net.bridge.bridge-nf-call-iptables",
      "modprobe br_netfilter",
      "sysctl -n net.bridge.bridge-nf-call-iptables",
      "nft -j list ruleset",
      "nft -f -",
    ]);
  });

  it("fails closed when it cannot be had: no rule is written, the task fails", async () => {
    const { ran, shell } = scripted(() => false);
    await expect(applyVmRules(shell, [nic])).rejects.toMatchObject({
      code: "HOST_NET_FAILED",
      message: expect.stringContaining("security groups cannot be enforced"),
    });
    expect(ran).not.toContain("nft -f -");
  });
});

describe("host.reconcile writes the rules of the VMs the host keeps again", () => {
  const other = { ...nic, mac: "52:54:00:0a:00:02", ipv4: "10.10.0.3" };
  const vmNics = [
    { vmId: base.vmId, nics: [nic] },
    { vmId: "vm_00000000000000a2", nics: [other] },
    { vmId: "vm_00000000000000a3", nics: [] },
  ];
  const expected = (ids: string[]) =>
    ids.map((id) => ({ id, tenant: "ten_1", vcpus: 1, memoryMiB: 128, powerState: "on" }));
  const reconcile = (payload: Record<string, unknown>) => {
    // A1's domain, as we define them (prefixed, with our metadata); A2's is not on the host.
    const ours = { ...domain, meta: { id: base.vmId, tenant: "ten_1" } };
    const s = setup({ listDomains: async () => [ours], listVolumes: async () => [] } as Partial<VirshVmHost>);
    return { ...s, result: s.run("host.reconcile", { host: { uri: "qemu:///system", fabric }, ...payload }) };
  };
  const rulesWritten = (ran: { cmd: Command; input?: string }[]) =>
    ran.filter((x) => x.cmd.join(" ") === "nft -f -" && x.input?.includes("add chain bridge fibrix out_"));

  it("picks the settled VMs with tenant NICs whose domain is on the host (pure)", () => {
    const all = new Set(vmNics.map((v) => v.vmId));
    expect(rulesToRestore(vmNics, all, new Set(), new Set()).map((v) => v.vmId)).toEqual([
      base.vmId,
      "vm_00000000000000a2",
    ]);
    expect(
      rulesToRestore(vmNics, all, new Set(["vm_00000000000000a2"]), new Set()).map((v) => v.vmId),
    ).toEqual([base.vmId]);
    expect(rulesToRestore(vmNics, all, new Set(), new Set([base.vmId])).map((v) => v.vmId)).toEqual([
      "vm_00000000000000a2",
    ]);
    expect(rulesToRestore(vmNics, new Set([base.vmId]), new Set(), new Set()).map((v) => v.vmId)).toEqual([
      base.vmId,
    ]);
    expect(rulesToRestore([], all, new Set(), new Set())).toEqual([]);
  });

  it("re-applies the rules of a kept VM, not of one whose domain is missing", async () => {
    const { ran, result } = reconcile({
      vms: expected([base.vmId, "vm_00000000000000a2"]),
      networks: [network],
      vmNics: vmNics.slice(0, 2),
    });
    const r = await result;
    expect(r).toMatchObject({
      unreachable: false,
      diff: { missingDomains: [{ id: "vm_00000000000000a2" }] },
      network: { rulesApplied: [base.vmId] },
    });
    const written = rulesWritten(ran);
    expect(written).toHaveLength(1);
    expect(written[0]!.input).toContain("out_fxt5254000a0001");
  });

  it("leaves a VM being worked on to its own task; without vmNics it writes no rules", async () => {
    const busy = reconcile({ vms: expected([]), busy: [base.vmId], networks: [network], vmNics });
    expect(await busy.result).toMatchObject({ network: { rulesApplied: [] } });
    expect(rulesWritten(busy.ran)).toEqual([]);
    const none = reconcile({ vms: expected([base.vmId]), networks: [network] });
    expect(await none.result).toMatchObject({ network: { rulesApplied: [] } });
    expect(rulesWritten(none.ran)).toEqual([]);
  });

  it("refuses malformed vmNics as BAD_PAYLOAD before anything is touched", async () => {
    const { ran, result } = reconcile({ vms: [], networks: [], vmNics: [{ vmId: base.vmId, nics: "eth0" }] });
    await expect(result).rejects.toMatchObject({
      code: "BAD_PAYLOAD",
      message: expect.stringContaining("vmNics"),
    });
    expect(ran).toEqual([]);
  });
});
