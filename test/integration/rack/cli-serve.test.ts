/**
 * `fibrix rack serve` in-process against a real region: the token from a file, the agent
 * online, a power task run through it, and a clean stop on SIGTERM (here: the io's stop).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { rackCommand } from "../../../cli/commands/rack";
import type { CliIo } from "../../../cli/io";
import { http, startTestRegion, type TestRegion } from "../../helpers/region";
import { enlistIpmi, makeRack, until, waitTask } from "./rack-fixtures";

let r: TestRegion;
let lab: LabBmcs;
const dir = mkdtempSync(join(tmpdir(), "fibrix-rack-cli-"));

function captureIo(env: NodeJS.ProcessEnv = {}) {
  let out = "";
  let stop: ((signal: string) => void) | undefined;
  const io: CliIo = {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      out += s;
    },
    env,
    onStop(listener) {
      stop = listener;
      return () => {
        stop = undefined;
      };
    },
  };
  return { io, output: () => out, stop: (s: string) => stop?.(s) };
}

beforeAll(async () => {
  r = await startTestRegion();
  lab = await startLabBmcs({ count: 1, basePort: 0, user: "root", password: "calvin" });
});
afterAll(async () => {
  await lab?.close();
  await r?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("serve: comes online with the token from a file, runs work, stops on the signal", async () => {
  const rack = await makeRack(r, "rack-cli");
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, `${rack.enrollmentToken}\n`, { mode: 0o600 });
  const c = captureIo();
  const argv = [
    "node",
    "rack",
    "serve",
    "--region",
    r.url,
    "--token-file",
    tokenFile,
    "--log-level",
    "silent",
  ];
  const running = rackCommand(c.io).parseAsync(argv);
  await until(
    async () => c.output(),
    (o) => o.includes("rack agent running"),
    15_000,
  );
  expect(c.output()).toContain(`rack agent running for rack ${rack.id}`);
  expect((await http(r.api, "GET", `/racks/${rack.id}`)).body.status).toBe("Online");

  const id = await enlistIpmi(r, rack.id, "pe860-cli", "52:54:00:34:00:01", lab.bmcs[0]!.port);
  const t = await waitTask(
    r,
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "on" } })).body.taskId,
  );
  expect(t).toMatchObject({ status: "done", result: { powerState: "on" } });

  c.stop("SIGTERM");
  await running;
  expect(c.output()).toMatch(/SIGTERM: stopping\nstopped \(1 done, 0 failed, 0 left to the region\)\n$/);
});

test("serve without a token is a usage error (nothing started); the env variable is a token", async () => {
  const c = captureIo();
  await expect(
    rackCommand(c.io).parseAsync(["node", "rack", "serve", "--region", r.url]),
  ).rejects.toMatchObject({ code: "VALIDATION", message: expect.stringMatching(/FIBRIX_RACK_TOKEN/) });
  await expect(
    rackCommand(c.io).parseAsync(["node", "rack", "serve", "--region", "ftp://x", "--token", "t"]),
  ).rejects.toMatchObject({ message: expect.stringMatching(/--region must be http\(s\) URLs/) });

  const rack = await makeRack(r, "rack-cli-env", 21);
  const e = captureIo({ FIBRIX_RACK_TOKEN: rack.enrollmentToken });
  const running = rackCommand(e.io).parseAsync([
    "node",
    "rack",
    "serve",
    "--region",
    r.url,
    "--log-level",
    "silent",
  ]);
  await until(
    async () => e.output(),
    (o) => o.includes("rack agent running"),
    15_000,
  );
  expect(e.output()).toContain(rack.id);
  e.stop("SIGINT");
  await running;
  expect(e.output()).toContain("SIGINT: stopping");
});
