/**
 * Tenant networks on a REMOTE VM host, reached as qemu+ssh://root@HOST:PORT/system (issue 11,
 * deliverable 3). The "remote host" is a network namespace of the test's own running the
 * test's OWN OpenSSH daemon (`/usr/sbin/sshd -D -f <own config>`: own host key, own
 * authorized_keys, ListenAddress inside the namespace), joined to this machine by one veth pair.
 * The rack's executors (host.networks, vm.network) get HostNetwork/TenantNic payloads shaped
 * as the region sends them and build a VXLAN network and a VM's nftables rules there through
 * sshShell (OpenSSH's client, strict host keys, one master connection), then prune them away;
 * the namespace is inspected with iproute2 and nft directly.
 *
 * libvirt's own qemu+ssh transport reaches the same host: virsh runs the test's ssh wrapper
 * (the URI's `command`, with this test's identity and known_hosts) and, on the far side, the
 * URI's `netcat` (a socat one-liner) to the `socket` of the run's private libvirtd
 * (test/helpers/libvirtd.ts), as libvirt's remote driver builds that command line
 * (libvirt src/rpc/virnetclient.c virNetClientSSHHelperCommand: `'NETCAT' $ARG -U SOCKET`).
 * The executors' libvirt calls (domain lists, the VM's domain) go that way.
 *
 * Also: a wrong host key, an unknown host, a refused key, a port nobody listens on, a host that
 * never answers and a missing ssh client each give their typed task error. Traffic goes only to the test's namespace (10.254.0.0/16 and
 * 10.255.1.0/24 exist nowhere else).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import { defaultDeps, type ExecutorDeps } from "../../../backend/rack/executors/deps";
import { toTaskFailure } from "../../../backend/rack/task-failure";
import type { HostShell } from "../../../backend/rack/tenant-net/host-shell";
import { tapName } from "../../../backend/rack/tenant-net/names";
import type { SshShellOptions } from "../../../backend/rack/tenant-net/ssh-shell";
import { schemaErrors } from "../../../sdk/model/input-check";
import type { VmHostConfig } from "../../../sdk/schema/machine";
import { HostNetwork, TenantNic } from "../../../sdk/schema/tenant-network-payload";
import { acquireLibvirtd, virshSys } from "../../helpers/libvirtd";
import { netnsUnavailable } from "../../helpers/netns";
import { taskRunner } from "../../helpers/rack-executors";
import { own } from "../../helpers/run-dirs";

const skipReason = netnsUnavailable();
if (skipReason) console.log(`tenant-net over ssh skipped: ${skipReason}`);
const maybe = skipReason ? describe.skip : describe;

const NS = `fxsh-${process.pid}`;
const VETH = `fxsh${process.pid % 1_000_000}`;
// A /30 of the test's own between this machine and the "VM host".
const NET3 = `10.254.${(process.pid >> 6) % 256}`;
const LOCAL = `${NET3}.${(process.pid % 64) * 4 + 1}`;
const REMOTE = `${NET3}.${(process.pid % 64) * 4 + 2}`;
const PORT = 2222;
const PREFIX = `fxsh${process.pid}-`;

const net: HostNetwork = {
  networkId: "net_00000000000000c5",
  segment: { kind: "vxlan", vni: 0xc5 },
  peers: ["10.255.1.2"],
  mtu: 1450,
};
const nic: TenantNic = {
  networkId: net.networkId,
  segment: net.segment,
  mac: "52:54:00:0c:05:01",
  ipv4: "10.31.0.2",
  prefixLength: 24,
  gateway: null,
  dns: [],
  ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, sources: ["10.31.0.0/24"] }],
};
const VM_ID = "vm_00000000000000c5";

let work = "";
let sshd: ChildProcess | undefined;
let sshdLog = "";
let libvirtSocket = "";
let host: VmHostConfig;
const opened: ExecutorDeps[] = [];

const inNs = (cmd: string, args: string[], input?: string) =>
  execFileSync("ip", ["netns", "exec", NS, cmd, ...args], {
    encoding: "utf8",
    ...(input !== undefined ? { input } : {}),
  });
const links = (): string[] =>
  (
    JSON.parse(execFileSync("ip", ["-n", NS, "-j", "link", "show"], { encoding: "utf8" })) as {
      ifname: string;
    }[]
  )
    .map((l) => l.ifname)
    .sort();
const ruleset = () => inNs("nft", ["list", "ruleset"]);
const pubKey = (file: string) =>
  readFileSync(`${file}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
const fingerprint = (file: string) =>
  execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${file}.pub`], { encoding: "utf8" }).split(
    " ",
  )[1]!;
/** sshd's own log lines of accepted logins with this key (one per ssh connection). */
const loginsWith = (key: string) =>
  sshdLog.split("\n").filter((l) => l.includes("Accepted publickey") && l.includes(fingerprint(key))).length;

function keygen(file: string): string {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "fibrix-test", "-f", file]);
  return file;
}

/** The rack's deps with these ssh options (each its own master directory: no shared login). */
function depsWith(ssh: Partial<SshShellOptions>, name: string): ExecutorDeps {
  const d = defaultDeps(PREFIX, {
    ssh: {
      identityFile: join(work, "rack_key"),
      knownHostsFile: join(work, "known_hosts"),
      controlDir: join(work, `ctl-${name}`),
      ...ssh,
    },
  });
  opened.push(d);
  return d;
}

/** One task on the real executors of `deps` (test/helpers/rack-executors.ts). */
function runTask(deps: ExecutorDeps, kind: string, payload: Record<string, unknown>) {
  return taskRunner(deps)(kind, payload);
}

async function failureOf(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; retryable: boolean }> {
  try {
    await p;
  } catch (e) {
    return toTaskFailure(e);
  }
  throw new Error("expected a failure");
}

/** Until something listens on REMOTE:port inside the namespace (`ss` there). */
async function waitListening(port: number): Promise<void> {
  const until = Date.now() + 15_000;
  while (!inNs("ss", ["-Htln"]).includes(`${REMOTE}:${port}`)) {
    if (Date.now() > until) throw new Error(`nothing listens on ${REMOTE}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

maybe("tenant networks on a remote VM host over ssh", () => {
  let deps: ExecutorDeps;
  let runs = 0;
  let shellMs = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "fibrix-ssh-host-"));
    chmodSync(work, 0o755);
    for (const k of ["host_key", "other_host_key", "rack_key", "libvirt_key", "stranger_key"])
      keygen(join(work, k));
    writeFileSync(
      join(work, "authorized_keys"),
      `${pubKey(join(work, "rack_key"))}\n${pubKey(join(work, "libvirt_key"))}\n`,
    );
    // known_hosts as the operator writes them: [host]:port for a port other than 22.
    writeFileSync(join(work, "known_hosts"), `[${REMOTE}]:${PORT} ${pubKey(join(work, "host_key"))}\n`);
    writeFileSync(
      join(work, "wrong_known_hosts"),
      `[${REMOTE}]:${PORT} ${pubKey(join(work, "other_host_key"))}\n`,
    );
    writeFileSync(join(work, "empty_known_hosts"), "");

    try {
      execFileSync("ip", ["netns", "del", NS], { stdio: "ignore" });
    } catch {}
    execFileSync("ip", ["netns", "add", NS]);
    own("netns", NS);
    execFileSync("ip", ["-n", NS, "link", "set", "lo", "up"]);
    // The management link: this end here, the host's eth0 in the namespace (gone with it).
    execFileSync("ip", ["link", "add", VETH, "type", "veth", "peer", "name", "eth0", "netns", NS]);
    execFileSync("ip", ["addr", "add", `${LOCAL}/30`, "dev", VETH]);
    execFileSync("ip", ["link", "set", VETH, "up"]);
    execFileSync("ip", ["-n", NS, "addr", "add", `${REMOTE}/30`, "dev", "eth0"]);
    execFileSync("ip", ["-n", NS, "link", "set", "eth0", "up"]);
    // The host's fabric and uplink (veth pairs inside it; this kernel has no dummy links).
    for (const dev of ["fab0", "up0"])
      execFileSync("ip", ["-n", NS, "link", "add", dev, "type", "veth", "peer", "name", `${dev}p`]);
    execFileSync("ip", ["-n", NS, "addr", "add", "10.255.1.1/24", "dev", "fab0"]);
    execFileSync("ip", ["-n", NS, "link", "set", "fab0", "up"]);

    // The host's sshd (Debian's openssh-server). Its privilege separation directory is made by
    // its systemd unit (RuntimeDirectory=sshd) on a real host; here nothing made it.
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    writeFileSync(
      join(work, "sshd_config"),
      [
        `ListenAddress ${REMOTE}:${PORT}`,
        `HostKey ${join(work, "host_key")}`,
        `AuthorizedKeysFile ${join(work, "authorized_keys")}`,
        `PidFile ${join(work, "sshd.pid")}`,
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        // The test's files live under /tmp (mode 1777), which StrictModes refuses.
        "StrictModes no",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    sshd = spawn("ip", ["netns", "exec", NS, "/usr/sbin/sshd", "-D", "-e", "-f", join(work, "sshd_config")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    own("pid", sshd.pid!);
    sshd.stderr!.on("data", (b: Buffer) => {
      sshdLog += b.toString();
    });
    const listening = Date.now();
    while (!sshdLog.includes("Server listening on")) {
      if (sshd.exitCode !== null) throw new Error(`sshd exited: ${sshdLog}`);
      if (Date.now() - listening > 30_000) throw new Error(`sshd did not listen in 30 s: ${sshdLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // libvirt's side: virsh's ssh (the URI's `command`) with this test's identity and
    // known_hosts; on the host, `netcat` bridges to the run's libvirtd socket.
    const lv = await acquireLibvirtd();
    libvirtSocket = new URL(lv.uri).searchParams.get("socket")!;
    writeFileSync(
      join(work, "libvirt-ssh"),
      `#!/bin/sh\nexec ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null -o UserKnownHostsFile=${join(work, "known_hosts")} -o IdentitiesOnly=yes -i ${join(work, "libvirt_key")} "$@"\n`,
      { mode: 0o755 },
    );
    // libvirt calls it as `NETCAT [-q0] -U SOCKET` (after probing `NETCAT -q`): the last word is the socket.
    writeFileSync(
      join(work, "nc-unix"),
      `#!/bin/sh\nfor a; do s=$a; done\nexec socat - "UNIX-CONNECT:$s"\n`,
      { mode: 0o755 },
    );
    const q = new URLSearchParams({
      socket: libvirtSocket,
      command: join(work, "libvirt-ssh"),
      netcat: join(work, "nc-unix"),
      no_tty: "1",
    });
    host = {
      uri: `qemu+ssh://root@${REMOTE}:${PORT}/system?${q.toString()}`,
      fabric: { underlayDevice: "fab0", underlayAddress: "10.255.1.1", uplinkDevice: "up0" },
    };
    const real = depsWith({}, "rack");
    // Counts the commands the executors send (the shell itself is the real one).
    deps = {
      ...real,
      hostShell: (h): HostShell => {
        const s = real.hostShell(h);
        return {
          where: s.where,
          run: async (cmd, input) => {
            runs++;
            const t = Date.now();
            try {
              return await s.run(cmd, input);
            } finally {
              shellMs += Date.now() - t;
            }
          },
        };
      },
    };
  }, 900_000);

  afterAll(async () => {
    await virshSys(["undefine", `${PREFIX}${VM_ID}`]).catch(() => {});
    for (const d of opened) await d.closeHostShells();
    if (sshd?.pid) {
      // The per-connection sshd processes (children of the listener) go with it.
      let children: string[] = [];
      try {
        children = execFileSync("pgrep", ["-P", String(sshd.pid)], { encoding: "utf8" })
          .trim()
          .split("\n");
      } catch {}
      for (const pid of [sshd.pid, ...children.filter(Boolean).map(Number)]) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {}
      }
    }
    try {
      execFileSync("ip", ["netns", "del", NS], { stdio: "ignore" });
    } catch {}
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("libvirt reaches the VM host over qemu+ssh through the test's sshd", async () => {
    const vm = new VirshVmHost({ uri: host.uri, pool: "default" });
    // A domain defined over ssh is the run's libvirtd's (read through its local socket).
    await vm.defineDomain(
      `<domain type='qemu'><name>${PREFIX}${VM_ID}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>` +
        `<os><type arch='x86_64'>hvm</type></os><devices><interface type='bridge'><mac address='${nic.mac}'/>` +
        `<source bridge='fxbc5'/><target dev='${tapName(nic.mac)}'/><model type='virtio'/></interface></devices></domain>`,
    );
    expect(await virshSys(["list", "--all", "--name"])).toContain(`${PREFIX}${VM_ID}`);
    const d = await vm.getDomain(`${PREFIX}${VM_ID}`);
    expect(d.interfaces).toEqual(
      expect.arrayContaining([expect.objectContaining({ mac: nic.mac, bridge: "fxbc5" })]),
    );
    expect(loginsWith(join(work, "libvirt_key"))).toBeGreaterThan(0);
  });

  it("host.networks builds the network on the remote host, over one ssh login", async () => {
    expect(schemaErrors(Type.Array(HostNetwork), [net], { unknown: () => false })).toEqual([]);
    const before = loginsWith(join(work, "rack_key"));
    const t0 = Date.now();
    const r = await runTask(deps, "host.networks", {
      machineId: "mch_00000000000000c5",
      host,
      networks: [net],
    });
    const ms = Date.now() - t0;
    expect(r.commands).toBeGreaterThan(0);
    expect(links()).toEqual(expect.arrayContaining(["fxbc5", "fxvc5"]));
    const vx = (
      JSON.parse(
        execFileSync("ip", ["-n", NS, "-d", "-j", "link", "show", "fxvc5"], { encoding: "utf8" }),
      ) as {
        master?: string;
        linkinfo: { info_kind: string; info_data: { id: number; local: string } };
      }[]
    )[0]!;
    expect(vx).toMatchObject({
      master: "fxbc5",
      linkinfo: { info_kind: "vxlan", info_data: { id: 0xc5, local: "10.255.1.1" } },
    });
    // Built there, not on the rack's own stack.
    const here = execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" });
    expect(here).not.toContain('"fxvc5"');
    const logins = loginsWith(join(work, "rack_key")) - before;
    expect(logins).toBe(1);
    console.log(
      `host.networks over ssh: ${runs} commands in ${shellMs} ms over ${logins} ssh login (the task: ${ms} ms, libvirt's domain list included)`,
    );
    // Again: nothing to change, and still the same master connection.
    runs = 0;
    shellMs = 0;
    const t1 = Date.now();
    expect(
      (await runTask(deps, "host.networks", { machineId: "mch_00000000000000c5", host, networks: [net] }))
        .commands,
    ).toBe(0);
    console.log(
      `host.networks again (no change): ${runs} commands in ${shellMs} ms through the master (the task: ${Date.now() - t1} ms)`,
    );
    expect(loginsWith(join(work, "rack_key")) - before).toBe(1);
  });

  it("vm.network writes the VM's nft rules on the remote host (nft -f - over ssh's stdin)", async () => {
    expect(schemaErrors(Type.Array(TenantNic), [nic], { unknown: () => false })).toEqual([]);
    const r = await runTask(deps, "vm.network", { vmId: VM_ID, host, nics: [nic], networks: [net] });
    expect(r).toMatchObject({ rulesRemoved: false });
    const rules = ruleset();
    expect(rules).toContain("table bridge fibrix");
    expect(rules).toContain(`sg_${tapName(nic.mac)}`);
    expect(rules).toMatch(/tcp dport 22/);
  });

  it("after the VM is gone, host.networks prunes links and rules down to nothing", async () => {
    await virshSys(["undefine", `${PREFIX}${VM_ID}`]);
    const r = await runTask(deps, "host.networks", { machineId: "mch_00000000000000c5", host, networks: [] });
    expect(r).toMatchObject({ kept: [], rulesRemoved: true });
    expect(ruleset().trim()).toBe("");
    expect(links()).toEqual(["eth0", "fab0", "fab0p", "lo", "up0", "up0p"]);
  });

  it("a wrong host key, an unknown host, a refused key, a closed port, a mute host and no ssh client give their typed errors", async () => {
    const payload = { machineId: "mch_00000000000000c5", host, networks: [] };
    const before = loginsWith(join(work, "stranger_key"));
    const mismatch = await failureOf(
      runTask(
        depsWith({ knownHostsFile: join(work, "wrong_known_hosts") }, "wrong"),
        "host.networks",
        payload,
      ),
    );
    expect(mismatch).toMatchObject({ code: "HOST_SSH_HOST_KEY_MISMATCH", retryable: false });
    expect(mismatch.message).toContain(`ssh root@${REMOTE}:${PORT}`);
    const unknown = await failureOf(
      runTask(
        depsWith({ knownHostsFile: join(work, "empty_known_hosts") }, "unknown"),
        "host.networks",
        payload,
      ),
    );
    expect(unknown).toMatchObject({ code: "HOST_SSH_HOST_KEY_UNKNOWN", retryable: false });
    // Strict checking never added the key it did not know.
    expect(readFileSync(join(work, "empty_known_hosts"), "utf8")).toBe("");
    const refused = await failureOf(
      runTask(depsWith({ identityFile: join(work, "stranger_key") }, "stranger"), "host.networks", payload),
    );
    expect(refused).toMatchObject({ code: "HOST_SSH_AUTH_REFUSED", retryable: false });
    expect(loginsWith(join(work, "stranger_key"))).toBe(before);
    // Nobody listens on the next port: the libvirt side would fail first, so ask the shell.
    const closed = depsWith({}, "closed").hostShell({ uri: `qemu+ssh://root@${REMOTE}:${PORT + 1}/system` });
    const unreachable = await failureOf(closed.run(["ip", "link", "show"]));
    expect(unreachable).toMatchObject({ code: "HOST_SSH_UNREACHABLE", retryable: true });
    // A host that accepts the connection and never says a word: our bound, not a hang.
    const silent = spawn(
      "ip",
      ["netns", "exec", NS, "socat", `TCP-LISTEN:${PORT + 2},bind=${REMOTE},reuseaddr`, "SYSTEM:sleep 30"],
      // Its own process group: the `sleep` it forks for the connection goes with it.
      { stdio: "ignore", detached: true },
    );
    own("pid", silent.pid!);
    let timeout: Awaited<ReturnType<typeof failureOf>>;
    try {
      await waitListening(PORT + 2);
      const mute = depsWith({ timeoutMs: 1_500 }, "silent").hostShell({
        uri: `qemu+ssh://root@${REMOTE}:${PORT + 2}/system`,
      });
      timeout = await failureOf(mute.run(["ip", "link", "show"]));
    } finally {
      process.kill(-silent.pid!, "SIGKILL");
    }
    expect(timeout).toMatchObject({ code: "HOST_SSH_TIMEOUT", retryable: true });
    // No ssh client on this rack.
    const noSsh = depsWith({ sshBinary: join(work, "no-such-ssh") }, "nossh").hostShell(host);
    const unavailable = await failureOf(noSsh.run(["ip", "link", "show"]));
    expect(unavailable).toMatchObject({ code: "HOST_SSH_UNAVAILABLE", retryable: false });
    // A command that ran and failed is the command's failure, not the connection's.
    const ran = await failureOf(deps.hostShell(host).run(["ip", "link", "show", "dev", "fxnosuch0"]));
    expect(ran.code).toBe("HOST_NET_FAILED");
    console.log(
      `typed failures: ${[mismatch, unknown, refused, unreachable, timeout, unavailable, ran].map((f) => f.code).join(", ")}`,
    );
  });
});
