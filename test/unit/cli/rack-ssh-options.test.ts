/**
 * `fibrix rack serve --ssh-identity/--ssh-known-hosts`: the files are checked when the agent
 * starts (a usage error naming the flag, not a failed task later), and the master sockets live
 * in the rack's own DATA/ssh.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sshOptions } from "../../../cli/commands/rack";
import { UsageError } from "../../../cli/usage-error";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fx-rack-ssh-opts-"));
  writeFileSync(join(dir, "id"), "key\n", { mode: 0o600 });
  writeFileSync(join(dir, "known_hosts"), "h ssh-ed25519 AAAA\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the given files, and master sockets in DATA/ssh", () => {
  expect(
    sshOptions({ data: dir, sshIdentity: join(dir, "id"), sshKnownHosts: join(dir, "known_hosts") }),
  ).toEqual({
    controlDir: join(dir, "ssh"),
    identityFile: join(dir, "id"),
    knownHostsFile: join(dir, "known_hosts"),
  });
  expect(sshOptions({ data: dir })).toEqual({ controlDir: join(dir, "ssh") });
});

test("an unreadable file is a usage error naming its flag", () => {
  expect(() => sshOptions({ data: dir, sshKnownHosts: join(dir, "nope") })).toThrow(UsageError);
  expect(() => sshOptions({ data: dir, sshKnownHosts: join(dir, "nope") })).toThrow(/--ssh-known-hosts/);
  expect(() => sshOptions({ data: dir, sshIdentity: join(dir, "nope") })).toThrow(/--ssh-identity/);
});
