import type { PgHost } from "../../../../backend/region/store/conn-string";
import { NoPrimaryError, PrimaryLocator } from "../../../../backend/region/store/primary-locator";

const hosts: PgHost[] = [
  { host: "h1", port: 1 },
  { host: "h2", port: 2 },
  { host: "h3", port: 3 },
];

/** A scripted cluster: each host is down, a replica or the primary; probes are counted. */
function cluster(roles: Record<string, "primary" | "replica" | "down">) {
  const probed: string[] = [];
  const probe = async (h: PgHost) => {
    probed.push(h.host);
    const r = roles[h.host];
    if (r === "down" || r === undefined)
      throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    return r;
  };
  return { probe, probed, roles };
}

describe("finding the primary among the hosts", () => {
  test("tries the hosts in order and keeps the first that is not in recovery", async () => {
    const c = cluster({ h1: "down", h2: "replica", h3: "primary" });
    const l = new PrimaryLocator(hosts, "read-write", c.probe);
    expect(await l.primary()).toEqual(hosts[2]);
    expect(c.probed).toEqual(["h1", "h2", "h3"]);
    // Cached: no more probes until something fails.
    expect(await l.primary()).toEqual(hosts[2]);
    expect(c.probed.length).toBe(3);
    expect(l.known()).toEqual(hosts[2]);
  });

  test("after a failover: invalidate, and the next call finds the new primary", async () => {
    const c = cluster({ h1: "primary", h2: "replica", h3: "replica" });
    const l = new PrimaryLocator(hosts, "read-write", c.probe);
    expect(await l.primary()).toEqual(hosts[0]);
    c.roles.h1 = "down";
    c.roles.h2 = "primary";
    // A failure of another host does not drop the cached one.
    l.invalidate(hosts[2]);
    expect(l.known()).toEqual(hosts[0]);
    l.invalidate(hosts[0]);
    expect(l.known()).toBeUndefined();
    expect(await l.primary()).toEqual(hosts[1]);
  });

  test("no primary anywhere: NoPrimaryError naming every host and why; the next call searches again", async () => {
    const c = cluster({ h1: "down", h2: "replica", h3: "down" });
    const l = new PrimaryLocator(hosts, "read-write", c.probe);
    const e = await l.primary().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoPrimaryError);
    expect((e as NoPrimaryError).code).toBe("NO_PRIMARY");
    expect((e as NoPrimaryError).tried).toEqual([
      "h1:1: connect ECONNREFUSED",
      "h2:2: replica",
      "h3:3: connect ECONNREFUSED",
    ]);
    c.roles.h3 = "primary";
    expect(await l.primary()).toEqual(hosts[2]);
  });

  test("concurrent callers share one search", async () => {
    const c = cluster({ h1: "down", h2: "primary", h3: "replica" });
    const l = new PrimaryLocator(hosts, "read-write", c.probe);
    const all = await Promise.all(Array.from({ length: 20 }, () => l.primary()));
    expect(all.every((h) => h.host === "h2")).toBe(true);
    expect(c.probed).toEqual(["h1", "h2"]);
  });

  test("target_session_attrs=any takes the first reachable host, replica or not", async () => {
    const c = cluster({ h1: "down", h2: "replica", h3: "primary" });
    const l = new PrimaryLocator(hosts, "any", c.probe);
    expect(await l.primary()).toEqual(hosts[1]);
  });

  test("no hosts is a programming error", () => {
    expect(() => new PrimaryLocator([], "any", async () => "primary")).toThrow(/at least one host/);
  });
});
