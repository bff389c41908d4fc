/** `fibrix lab bmc` (labCommand) end to end: parse, start, answer ipmitool, stop on signal. */
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { type LabCommandIo, domainName, labBmcOptions, labCommand } from "../../../cli/commands/lab";

function freePortRange(n: number): Promise<number> {
  // Ask the OS for a port, then use the range above it; collisions are re-tried by the caller.
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(Math.min(p, 65535 - n)));
    });
  });
}

describe("labBmcOptions (pure)", () => {
  test("ports layout, addresses layout, auth names, usage errors", () => {
    const base = { count: "3", host: "127.0.0.1", user: "u", password: "p", auth: "md5,password" };
    expect(labBmcOptions({ ...base, basePort: "9001" })).toMatchObject({
      count: 3,
      basePort: 9001,
      auths: [2, 4],
    });
    const a = labBmcOptions({ ...base, firstAddress: "127.0.1.254", port: "623" });
    expect(a.addresses).toEqual(["127.0.1.254", "127.0.2.1", "127.0.2.2"]);
    expect(() => labBmcOptions({ ...base })).toThrow(/--base-port/);
    expect(() => labBmcOptions({ ...base, basePort: "9001", auth: "sha1" })).toThrow(/unknown auth/);
    expect(() => labBmcOptions({ ...base, basePort: "9001", libvirtUri: "qemu:///system" })).toThrow(
      /together/,
    );
    expect(() => labBmcOptions({ ...base, firstAddress: "10.0.0.1" })).toThrow();
    expect(domainName("lab-", 0)).toBe("lab-001");
  });
});

describe("fibrix lab bmc", () => {
  test("serves ipmitool until told to stop, prints the table and totals", async () => {
    const out: string[] = [];
    const err: string[] = [];
    let stop: () => void = () => {};
    let exitCode = -1;
    const io: LabCommandIo = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      setExitCode: (c) => {
        exitCode = c;
      },
      waitForStop: () => new Promise<void>((r) => (stop = r)),
    };
    const port = await freePortRange(2);
    const done = labCommand(io).parseAsync(
      [
        "bmc",
        "--count",
        "2",
        "--base-port",
        String(port),
        "--user",
        "admin",
        "--password",
        "pw",
        "--on-delay",
        "50",
      ],
      { from: "user" },
    );
    for (let i = 0; i < 100 && !out.some((l) => l.includes("BMC(s) up")); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(err).toEqual([]);
    expect(out[0]).toMatch(/^BMC\s+ADDRESS\s+POWER\s+MACHINE/);
    expect(out[1]).toContain(`127.0.0.1:${port}`);
    const r = await new Promise<string>((resolve) =>
      execFile(
        "ipmitool",
        [
          "-I",
          "lan",
          "-H",
          "127.0.0.1",
          "-p",
          String(port + 1),
          "-U",
          "admin",
          "-P",
          "pw",
          "chassis",
          "power",
          "on",
        ],
        { timeout: 10_000 },
        (_e, stdout) => resolve(stdout),
      ),
    );
    expect(r).toContain("Up/On");
    stop();
    await done;
    expect(exitCode).toBe(0);
    expect(out.at(-1)).toMatch(/stopped: \d+ datagrams/);
  });

  test("bad usage exits 2 without binding anything", async () => {
    let exitCode = -1;
    const err: string[] = [];
    await labCommand({
      out: () => {},
      err: (l) => err.push(l),
      setExitCode: (c) => {
        exitCode = c;
      },
      waitForStop: async () => {},
    }).parseAsync(["bmc", "--count", "0", "--base-port", "9000", "--user", "a", "--password", "b"], {
      from: "user",
    });
    expect(exitCode).toBe(2);
    expect(err[0]).toMatch(/--count/);
  });
});
