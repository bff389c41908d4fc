/**
 * The pure half of the ssh HostShell: a libvirt URI's ssh target (user/host/port as libvirt's
 * remote driver takes them, src/remote/remote_driver.c doRemoteOpen), the ssh argv (quoting
 * for the remote shell, strict host keys, a master socket), ssh's failure messages → typed codes
 * (the texts are OpenSSH 9.2's, sshconnect.c / sshconnect2.c / ssh.c, as printed here), and the
 * registry in deps.ts choosing the shell from the URI.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskError } from "../../../../backend/rack/executor";
import { hostShells } from "../../../../backend/rack/executors/deps";
import { toTaskFailure } from "../../../../backend/rack/task-failure";
import {
  describeTarget,
  isRemoteUri,
  SshError,
  shellQuote,
  sshArgv,
  sshExitArgv,
  sshFailure,
  sshTargetOf,
} from "../../../../backend/rack/tenant-net/ssh-command";

const opts = { controlDir: "/var/lib/fibrix-rack/ssh", knownHostsFile: "/etc/fibrix/known_hosts" };

describe("ssh target of a libvirt URI", () => {
  it("takes user, host and port as libvirt does", () => {
    expect(sshTargetOf("qemu+ssh://root@10.20.0.5/system")).toEqual({ user: "root", host: "10.20.0.5" });
    expect(sshTargetOf("qemu+ssh://admin@pe860-3.rack1:2222/system?no_tty=1")).toEqual({
      user: "admin",
      host: "pe860-3.rack1",
      port: 2222,
    });
    expect(sshTargetOf("qemu+ssh://[fd00::5]:22/system")).toEqual({ host: "fd00::5", port: 22 });
    expect(sshTargetOf("qemu+libssh2://r%40x@h/system")).toEqual({ user: "r@x", host: "h" });
    // No server: libvirt's default.
    expect(sshTargetOf("qemu+ssh:///system")).toEqual({ host: "localhost" });
    expect(sshTargetOf("qemu+ssh://root@h/system?keyfile=/k/id_h&socket=/run/x")).toEqual({
      user: "root",
      host: "h",
      keyFile: "/k/id_h",
    });
  });

  it("is undefined for local and non-ssh URIs", () => {
    for (const u of [
      "qemu:///system",
      "qemu:///system?socket=/tmp/x/libvirt-sock",
      "qemu+unix:///system",
      "qemu+tcp://h/system",
      "qemu+tls://h/system",
      "test:///default",
      "not a uri",
    ])
      expect(sshTargetOf(u)).toBeUndefined();
    expect(isRemoteUri("qemu+tcp://h/system")).toBe(true);
    expect(isRemoteUri("qemu+tls://h/system")).toBe(true);
    expect(isRemoteUri("qemu:///system")).toBe(false);
  });

  it("describes itself for messages", () => {
    expect(describeTarget({ user: "root", host: "h", port: 2222 })).toBe("ssh root@h:2222");
    expect(describeTarget({ host: "fd00::5" })).toBe("ssh [fd00::5]");
  });
});

describe("ssh argv", () => {
  it("quotes each word once for the remote shell", () => {
    expect(shellQuote("fxba1")).toBe("fxba1");
    expect(shellQuote("10.0.0.0/24")).toBe("10.0.0.0/24");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("$(reboot)")).toBe("'$(reboot)'");
    expect(shellQuote("")).toBe("''");
    // What sh makes of the quoted line is the argv we meant.
    const words = ["printf", "%s|", "a b", "it's", "$(x)", "*", "", "; true"];
    const line = words.map(shellQuote).join(" ");
    expect(execFileSync("sh", ["-c", line], { encoding: "utf8" })).toBe("a b|it's|$(x)|*||; true|");
  });

  it("checks host keys strictly against the operator's file, in batch mode, over a master socket", () => {
    const argv = sshArgv(
      { user: "root", host: "10.20.0.5", port: 2222, keyFile: "/k/h" },
      { ...opts, identityFile: "/k/rack" },
      ["nft", "-f", "-"],
    );
    const o = argv.flatMap((a, i) => (argv[i - 1] === "-o" ? [a] : []));
    expect(o).toEqual(
      expect.arrayContaining([
        "BatchMode=yes",
        "StrictHostKeyChecking=yes",
        "UpdateHostKeys=no",
        "UserKnownHostsFile=/etc/fibrix/known_hosts",
        "GlobalKnownHostsFile=/dev/null",
        "IdentitiesOnly=yes",
        "ControlMaster=auto",
        "ControlPath=/var/lib/fibrix-rack/ssh/%C",
        "ControlPersist=60",
        "ConnectTimeout=10",
      ]),
    );
    expect(o.some((x) => /accept-new|StrictHostKeyChecking=no/.test(x))).toBe(false);
    expect(argv[0]).toBe("-T");
    // The URI's key first, then the rack's.
    expect(argv.filter((_, i) => argv[i - 1] === "-i")).toEqual(["/k/h", "/k/rack"]);
    expect(argv.slice(-7)).toEqual(["-p", "2222", "-l", "root", "--", "10.20.0.5", "nft -f -"]);
  });

  it("leaves identity and known_hosts to ssh's defaults when the operator gives none", () => {
    const argv = sshArgv({ host: "h" }, { controlDir: "/c" }, ["ip", "-j", "link", "show"]);
    expect(argv.join(" ")).not.toMatch(/UserKnownHostsFile|IdentitiesOnly| -i /);
    expect(argv.join(" ")).toContain("StrictHostKeyChecking=yes");
    expect(argv.slice(-3)).toEqual(["--", "h", "ip -j link show"]);
  });

  it("stops a master with the same options", () => {
    const argv = sshExitArgv({ user: "root", host: "h" }, opts);
    expect(argv.slice(-6)).toEqual(["-O", "exit", "-l", "root", "--", "h"]);
    expect(argv).toContain("ControlPath=/var/lib/fibrix-rack/ssh/%C");
  });
});

describe("ssh failures", () => {
  const W = "ssh root@h";
  const cases: [string, string, boolean][] = [
    [
      [
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
        "Host key for 10.254.77.2 has changed and you have requested strict checking.",
        "Host key verification failed.",
      ].join("\n"),
      "HOST_SSH_HOST_KEY_MISMATCH",
      false,
    ],
    [
      "No ED25519 host key is known for 10.254.77.2 and you have requested strict checking.\nHost key verification failed.",
      "HOST_SSH_HOST_KEY_UNKNOWN",
      false,
    ],
    ["root@10.254.77.2: Permission denied (publickey).", "HOST_SSH_AUTH_REFUSED", false],
    ["ssh: connect to host 10.254.77.2 port 2200: Connection refused", "HOST_SSH_UNREACHABLE", true],
    ["ssh: connect to host 10.1.1.1 port 22: Connection timed out", "HOST_SSH_UNREACHABLE", true],
    ["ssh: Could not resolve hostname pe860-9: Name or service not known", "HOST_SSH_UNREACHABLE", true],
    ["kex_exchange_identification: read: Connection reset by peer", "HOST_SSH_UNREACHABLE", true],
    ["ssh: something new", "HOST_SSH_FAILED", true],
  ];
  it.each(cases)("%s → %s", (stderr, code, retryable) => {
    const e = sshFailure(W, 255, stderr);
    expect(e).toBeInstanceOf(SshError);
    expect(e).toBeInstanceOf(TaskError);
    expect(e).toMatchObject({ code, retryable });
    expect(e!.message.startsWith(`${W}: `)).toBe(true);
    // The task result carries the code as is.
    expect(toTaskFailure(e)).toMatchObject({ code, retryable });
  });

  it("names the verdict line, not the banner", () => {
    expect(sshFailure(W, 255, cases[0]![0])!.message).toBe(
      `${W}: Host key for 10.254.77.2 has changed and you have requested strict checking.`,
    );
  });

  it("is the command's failure when ssh ran it", () => {
    expect(sshFailure(W, 1, "Error: No such file or directory")).toBeUndefined();
    expect(sshFailure(W, 2, "Permission denied (publickey)")).toBeUndefined();
    // The remote command exited 255 itself.
    expect(sshFailure(W, 255, "")).toBeUndefined();
    expect(sshFailure(W, 255, "RTNETLINK answers: File exists")).toBeUndefined();
  });
});

describe("host shell registry", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fx-ssh-unit-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("chooses ssh for qemu+ssh hosts (one shell per host), the local stack otherwise", () => {
    const shells = hostShells({ controlDir: join(dir, "ctl") });
    const a = shells.shell({ uri: "qemu+ssh://root@10.20.0.5:2222/system" });
    expect(a.where).toBe("ssh root@10.20.0.5:2222");
    expect(shells.shell({ uri: "qemu+ssh://root@10.20.0.5:2222/system?socket=/x" })).toBe(a);
    expect(shells.shell({ uri: "qemu+ssh://root@10.20.0.6/system", netns: "h1" }).where).toBe(
      "ssh root@10.20.0.6 netns h1",
    );
    expect(shells.shell({ uri: "qemu:///system", netns: "h1" }).where).toBe("netns h1");
    expect(shells.shell({ uri: "qemu:///system" }).where).toBe("this host");
    expect(() => shells.shell({ uri: "qemu+tls://10.20.0.7/system" })).toThrow(
      expect.objectContaining({ code: "HOST_NET_UNSUPPORTED" }),
    );
  });
});

describe("ssh master directory", () => {
  it("is refused when it is not a directory of the rack's user (a link planted in /tmp)", () => {
    const dir = mkdtempSync(join(tmpdir(), "fx-ssh-ctl-"));
    try {
      symlinkSync("/", join(dir, "ctl"));
      expect(() =>
        hostShells({ controlDir: join(dir, "ctl") }).shell({ uri: "qemu+ssh://h/system" }),
      ).toThrow(expect.objectContaining({ code: "HOST_SSH_UNAVAILABLE" }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
