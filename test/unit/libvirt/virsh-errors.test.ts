import {
  INPUT_FILE,
  LibvirtError,
  classifyVirshMessage,
  virsh,
  virshErrorText,
} from "../../../backend/libvirt/virsh";

// Messages captured from virsh 9.0.0 (Debian bookworm) during development.
const CASES: [string, string, boolean][] = [
  ["error: failed to get domain 'nonexist'", "NOT_FOUND", false],
  [
    "error: failed to get vol 'x'\nerror: Storage volume not found: no storage vol with matching path 'x'",
    "NOT_FOUND",
    false,
  ],
  [
    "error: failed to get pool 'p'\nerror: Storage pool not found: no storage pool with matching name 'p'",
    "NOT_FOUND",
    false,
  ],
  [
    "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory",
    "UNREACHABLE",
    true,
  ],
  [
    "error: failed to connect to the hypervisor\nerror: unable to connect to server at '127.0.0.1:1': Connection refused",
    "UNREACHABLE",
    true,
  ],
  [
    "error: Failed to define pool lvx\nerror: operation failed: pool 'lvx' already exists with uuid a27",
    "CONFLICT",
    false,
  ],
  [
    "error: Failed to create vol base.qcow2\nerror: storage volume 'base.qcow2' exists already",
    "CONFLICT",
    false,
  ],
  ["error: Requested operation is not valid: storage pool 'lvx' is already active", "CONFLICT", false],
  [
    "error: Failed to destroy domain 'a'\nerror: Requested operation is not valid: domain is not running",
    "CONFLICT",
    false,
  ],
  ["error: cannot refresh pool: asynchronous jobs running.", "CONFLICT", true],
  ["error: Timed out during operation: cannot acquire state change lock", "TIMEOUT", true],
  [
    "error: Failed to start domain 'x'\nerror: Cannot get interface MTU on 'nobr0': No such device",
    "FAILED",
    false,
  ],
  ["error: invalid argument: cannot set memory higher than max memory", "FAILED", false],
];

describe("classifyVirshMessage", () => {
  test.each(CASES)("%s → %s", (msg, code, retryable) => {
    expect(classifyVirshMessage(msg)).toEqual({ code, retryable });
  });

  test("error text drops the error: prefixes and joins lines", () => {
    expect(virshErrorText("error: failed to get pool 'p'\nerror: Storage pool not found\n")).toBe(
      "failed to get pool 'p': Storage pool not found",
    );
  });
});

describe("virsh runner (test:///default, no daemon)", () => {
  test("returns stdout", async () => {
    const out = await virsh("test:///default", ["list", "--all", "--name"], { timeoutMs: 10_000 });
    expect(out.split("\n").map((s) => s.trim())).toContain("test");
  });

  test("a missing domain is a typed NOT_FOUND", async () => {
    const err = await virsh("test:///default", ["dominfo", "--", "no-such-domain"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect((err as LibvirtError).code).toBe("NOT_FOUND");
    expect((err as LibvirtError).retryable).toBe(false);
  });

  test("a socket that does not exist is UNREACHABLE", async () => {
    const err = await virsh("qemu+unix:///system?socket=/nonexistent/fibrix.sock", ["version"]).catch(
      (e: unknown) => e,
    );
    expect((err as LibvirtError).code).toBe("UNREACHABLE");
    expect((err as LibvirtError).retryable).toBe(true);
  });

  test("a call past its deadline is killed and reported as a retryable TIMEOUT", async () => {
    const err = await virsh("test:///default", ["list"], { timeoutMs: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TIMEOUT", retryable: true });
  });

  test("input reaches virsh as a file (define INPUT_FILE)", async () => {
    const xml =
      "<domain type='test'><name>fromstdin</name><memory>8192</memory><os><type>hvm</type></os></domain>";
    const out = await virsh("test:///default", ["define", INPUT_FILE], { input: xml });
    expect(out).toContain("Domain 'fromstdin' defined");
  });
});
