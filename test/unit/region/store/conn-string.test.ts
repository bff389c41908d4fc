import { DatabaseUrlError, hostKey, parseDatabaseUrl } from "../../../../backend/region/store/conn-string";

describe("multi-host connection strings (libpq syntax)", () => {
  test("three hosts with ports, user, password, database and target_session_attrs", () => {
    const p = parseDatabaseUrl(
      "postgres://u:p@h1:5433,h2:5434,h3:5435/fibrix?target_session_attrs=read-write",
    );
    expect(p.hosts).toEqual([
      { host: "h1", port: 5433 },
      { host: "h2", port: 5434 },
      { host: "h3", port: 5435 },
    ]);
    expect(p.targetSessionAttrs).toBe("read-write");
    // target_session_attrs is ours to honour: node-postgres would pass it to the server as an option.
    expect(p.urlFor(p.hosts[1]!)).toBe("postgres://u:p@h2:5434/fibrix");
  });

  test("one host, default port, other parameters kept, attrs default any", () => {
    const p = parseDatabaseUrl("postgresql://postgres@127.0.0.1/db?application_name=fibrix&sslmode=disable");
    expect(p.hosts).toEqual([{ host: "127.0.0.1", port: 5432 }]);
    expect(p.targetSessionAttrs).toBe("any");
    expect(p.urlFor(p.hosts[0]!)).toBe(
      "postgresql://postgres@127.0.0.1:5432/db?application_name=fibrix&sslmode=disable",
    );
  });

  test("IPv6 hosts in brackets, hosts without a port, no user, no database", () => {
    const p = parseDatabaseUrl("postgres://[::1]:6000,[fe80::2],db3?target_session_attrs=primary");
    expect(p.hosts.map(hostKey)).toEqual(["[::1]:6000", "[fe80::2]:5432", "db3:5432"]);
    expect(p.targetSessionAttrs).toBe("primary");
    expect(p.urlFor(p.hosts[0]!)).toBe("postgres://[::1]:6000");
  });

  test("a password with URL escapes stays as written", () => {
    const p = parseDatabaseUrl("postgres://u:p%40ss@a:1,b:2/d");
    expect(p.urlFor(p.hosts[1]!)).toBe("postgres://u:p%40ss@b:2/d");
  });

  test.each([
    ["mysql://a/b", /must be a postgres:\/\/ URL/],
    ["postgres:///db", /names no host/],
    ["postgres://a:1,,b:2/db", /bad host ""/],
    ["postgres://a:99999/db", /bad port/],
    ["postgres://a:0/db", /bad port/],
    ["postgres://a:x/db", /bad host "a:x"/],
    [
      "postgres://a/db?target_session_attrs=standby",
      /target_session_attrs must be one of any, read-write, primary/,
    ],
  ])("%s is refused with its reason", (url, reason) => {
    expect(() => parseDatabaseUrl(url)).toThrow(DatabaseUrlError);
    expect(() => parseDatabaseUrl(url)).toThrow(reason);
  });
});
