/**
 * The region's DNS server against the real `dig` (bind9-dnsutils), over UDP and TCP on
 * loopback only. Every server a test starts is closed in afterAll.
 */
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { promisify } from "node:util";
import { decode, encode } from "dns-packet";
import pino from "pino";
import { RCODE, rcodeOf } from "../../../backend/region/dns/resolve";
import { type DnsServer, DnsServerError, startDnsServer } from "../../../backend/region/dns/server";
import { FrameReader, frame } from "../../../backend/region/dns/tcp-framing";
import { buildZoneSet, type ZoneSet, type ZoneSetInput } from "../../../backend/region/dns/zone";
import { GIRONA } from "../../unit/dns/zone-fixture";

const run = promisify(execFile);
const ZONE = "girona.fibrix.example";

/** GIRONA plus two round-robin names: `rr` (20 A, ≈ 0.8 kB) and `huge` (60 A, ≈ 2.3 kB) answers. */
function withBigNames(input: ZoneSetInput): ZoneSetInput {
  const [first, ...rest] = input.zones;
  if (!first) throw new Error("fixture has no zone");
  const rr = Array.from({ length: 20 }, (_, i) => ({ name: "rr", ipv4: `198.18.0.${i + 1}` }));
  const huge = Array.from({ length: 60 }, (_, i) => ({ name: "huge", ipv4: `198.18.1.${i + 1}` }));
  return { zones: [{ ...first, hosts: [...first.hosts, ...rr, ...huge] }, ...rest] };
}

interface Dig {
  status: string;
  flags: string[];
  answers: string[];
  authority: string[];
  additional: string[];
  raw: string;
}

/** Runs the real dig and splits its output into sections (`+noall +comments` keeps the header lines). */
async function dig(port: number, args: string[], server = "127.0.0.1"): Promise<Dig> {
  const { stdout } = await run(
    "dig",
    [
      `@${server}`,
      "-p",
      String(port),
      "+tries=1",
      "+time=2",
      "+noall",
      "+comments",
      "+answer",
      "+authority",
      "+additional",
      ...args,
    ],
    { timeout: 10_000 },
  );
  const section = (title: string): string[] => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(stdout);
    return m?.[1]
      ? m[1]
          .split("\n")
          .filter((l) => l.trim() !== "" && !l.startsWith(";"))
          .map((l) => l.trim().split(/\s+/).join(" "))
      : [];
  };
  return {
    status: /status: (\w+)/.exec(stdout)?.[1] ?? "none",
    flags: (/;; flags: ([a-z ]*);/.exec(stdout)?.[1] ?? "").trim().split(" "),
    answers: section("ANSWER"),
    authority: section("AUTHORITY"),
    additional: section("ADDITIONAL"),
    raw: stdout,
  };
}

const rdata = (lines: string[]): string[] => lines.map((l) => l.split(/\s+/).slice(4).join(" "));

describe("DNS server with dig", () => {
  let current: ZoneSet = buildZoneSet(withBigNames(GIRONA));
  let server: DnsServer;
  let server6: DnsServer | undefined;

  beforeAll(async () => {
    server = await startDnsServer({
      host: "127.0.0.1",
      port: 0,
      getZones: () => current,
      logger: pino({ level: "silent" }),
      tcpIdleTimeoutMs: 500,
    });
  });

  afterAll(async () => {
    await server.close();
    await server6?.close();
  });

  it("binds UDP and TCP on the same ephemeral port", async () => {
    expect(server.port).toBeGreaterThan(0);
    const udp = await dig(server.port, ["web-1.girona.fibrix.example", "A"]);
    const tcp = await dig(server.port, ["+tcp", "web-1.girona.fibrix.example", "A"]);
    expect(udp.status).toBe("NOERROR");
    expect(tcp.status).toBe("NOERROR");
  });

  it.each([["+notcp"], ["+tcp"]])("answers A, AAAA, SOA, NS over %s", async (transport) => {
    const a = await dig(server.port, [transport, "web-1.girona.fibrix.example", "A"]);
    expect(a.status).toBe("NOERROR");
    expect(a.flags).toEqual(expect.arrayContaining(["qr", "aa"]));
    expect(a.flags).not.toContain("ra");
    expect(a.answers).toEqual(["web-1.girona.fibrix.example. 120 IN A 192.0.2.10"]);

    const aaaa = await dig(server.port, [transport, "web-1.girona.fibrix.example", "AAAA"]);
    expect(rdata(aaaa.answers)).toEqual(["2001:db8:0:1::10"]);

    const soa = await dig(server.port, [transport, ZONE, "SOA"]);
    expect(rdata(soa.answers)).toEqual([
      "ns1.girona.fibrix.example. hostmaster.girona.fibrix.example. 2024061501 3600 600 604800 120",
    ]);

    const ns = await dig(server.port, [transport, ZONE, "NS"]);
    expect(rdata(ns.answers).sort()).toEqual(["ns1.girona.fibrix.example.", "ns2.fibrix.example."]);
    expect(ns.additional).toEqual(
      expect.arrayContaining([
        "ns1.girona.fibrix.example. 120 IN A 192.0.2.53",
        "ns1.girona.fibrix.example. 120 IN AAAA 2001:db8:0:1::53",
        "ns2.fibrix.example. 120 IN A 198.51.100.53",
      ]),
    );
  });

  it.each([["+notcp"], ["+tcp"]])("answers PTR for dig -x (IPv4 and IPv6) over %s", async (transport) => {
    const v4 = await dig(server.port, [transport, "-x", "192.0.2.10"]);
    expect(v4.status).toBe("NOERROR");
    expect(v4.answers).toEqual(["10.2.0.192.in-addr.arpa. 120 IN PTR web-1.girona.fibrix.example."]);
    const v6 = await dig(server.port, [transport, "-x", "2001:db8:0:1::20"]);
    expect(rdata(v6.answers)).toEqual(["v6only.girona.fibrix.example."]);
    const rack = await dig(server.port, [transport, "-x", "203.0.113.21"]);
    expect(rdata(rack.answers)).toEqual(["pe860-01.rack2.girona.fibrix.example."]);
  });

  it("says NXDOMAIN with the SOA, and NODATA with the SOA", async () => {
    const nx = await dig(server.port, ["missing.girona.fibrix.example", "A"]);
    expect(nx.status).toBe("NXDOMAIN");
    expect(nx.flags).toContain("aa");
    expect(nx.answers).toEqual([]);
    expect(nx.authority[0]).toMatch(
      /^girona\.fibrix\.example\.\s+120\s+IN\s+SOA\s+ns1\.girona\.fibrix\.example\./,
    );
    const nodata = await dig(server.port, ["web-2.girona.fibrix.example", "AAAA"]);
    expect(nodata.status).toBe("NOERROR");
    expect(nodata.answers).toEqual([]);
    expect(nodata.authority[0]).toMatch(/\sSOA\s/);
  });

  it("refuses names outside its zones", async () => {
    const r = await dig(server.port, ["www.example.com", "A"]);
    expect(r.status).toBe("REFUSED");
    expect(r.flags).not.toContain("aa");
    expect((await dig(server.port, ["+tcp", "fibrix.example", "SOA"])).status).toBe("REFUSED");
  });

  it("echoes the question's case", async () => {
    const r = await dig(server.port, ["WEB-1.Girona.Fibrix.Example", "A"]);
    expect(r.answers).toEqual(["WEB-1.Girona.Fibrix.Example. 120 IN A 192.0.2.10"]);
  });

  it("truncates a big answer over UDP without EDNS and gives it whole over TCP", async () => {
    const udp = await dig(server.port, ["+noedns", "+ignore", "rr.girona.fibrix.example", "A"]);
    expect(udp.flags).toContain("tc");
    expect(udp.answers).toEqual([]);
    // dig's default: on TC it retries over TCP by itself
    const retried = await dig(server.port, ["+noedns", "rr.girona.fibrix.example", "A"]);
    expect(retried.answers).toHaveLength(20);
    const tcp = await dig(server.port, ["+tcp", "rr.girona.fibrix.example", "A"]);
    expect(tcp.flags).not.toContain("tc");
    expect(tcp.answers).toHaveLength(20);
  });

  it("honours the EDNS UDP size, up to its 1232-byte ceiling", async () => {
    const fits = await dig(server.port, ["+bufsize=1232", "+ignore", "rr.girona.fibrix.example", "A"]);
    expect(fits.flags).not.toContain("tc");
    expect(fits.answers).toHaveLength(20);
    const small = await dig(server.port, ["+bufsize=600", "+ignore", "rr.girona.fibrix.example", "A"]);
    expect(small.flags).toContain("tc");
    const huge = await dig(server.port, ["+bufsize=4096", "+ignore", "huge.girona.fibrix.example", "A"]);
    expect(huge.flags).toContain("tc");
    const hugeTcp = await dig(server.port, ["+tcp", "huge.girona.fibrix.example", "A"]);
    expect(hugeTcp.answers).toHaveLength(60);
  });

  it("sees a zone snapshot swapped at run time on the next query", async () => {
    const before = await dig(server.port, ["web-1.girona.fibrix.example", "A"]);
    expect(rdata(before.answers)).toEqual(["192.0.2.10"]);
    const previous = current;
    const [first, ...rest] = GIRONA.zones;
    if (!first) throw new Error("fixture has no zone");
    current = buildZoneSet({
      zones: [
        { ...first, serial: first.serial + 1, hosts: [{ name: "web-1", ipv4: "192.0.2.200" }] },
        ...rest,
      ],
    });
    try {
      expect(rdata((await dig(server.port, ["web-1.girona.fibrix.example", "A"])).answers)).toEqual([
        "192.0.2.200",
      ]);
      expect((await dig(server.port, ["+tcp", "web-2.girona.fibrix.example", "A"])).status).toBe("NXDOMAIN");
      expect(rdata((await dig(server.port, ["-x", "192.0.2.200"])).answers)).toEqual([
        "web-1.girona.fibrix.example.",
      ]);
      expect((await dig(server.port, [ZONE, "SOA"])).answers[0]).toContain(" 2024061502 ");
    } finally {
      current = previous;
    }
    expect(rdata((await dig(server.port, ["web-1.girona.fibrix.example", "A"])).answers)).toEqual([
      "192.0.2.10",
    ]);
  });

  it("answers several pipelined queries on one TCP connection, then closes it when idle", async () => {
    const names = ["web-1", "web-2", "missing", "rr"].map((n) => `${n}.girona.fibrix.example`);
    const socket = connect({ host: "127.0.0.1", port: server.port });
    const reader = new FrameReader();
    const replies: ReturnType<typeof decode>[] = [];
    const closed = new Promise<number>((resolve) => {
      let lastReply = 0;
      socket.on("data", (chunk: Buffer) => {
        for (const m of reader.push(chunk)) replies.push(decode(m));
        lastReply = Date.now();
      });
      socket.on("close", () => resolve(Date.now() - lastReply));
    });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    // all four in one write: the server must split the stream itself
    socket.write(
      Buffer.concat(
        names.map((name, i) =>
          frame(encode({ type: "query", id: 100 + i, questions: [{ name, type: "A" }] })),
        ),
      ),
    );
    const idleFor = await closed;
    expect(replies.map((r) => r.id)).toEqual([100, 101, 102, 103]);
    expect(replies.map((r) => rcodeOf(r.flags))).toEqual([
      RCODE.NOERROR,
      RCODE.NOERROR,
      RCODE.NXDOMAIN,
      RCODE.NOERROR,
    ]);
    expect(replies[3]?.answers).toHaveLength(20);
    // closed by the server's 500 ms idle timer, not by us
    expect(idleFor).toBeGreaterThanOrEqual(400);
    expect(idleFor).toBeLessThan(5000);
  });

  it("keeps answering after 2 000 random and mangled datagrams (seeded)", async () => {
    let seed = 0x5eed;
    // mulberry32: small, seedable, good enough to pick bytes
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const valid = encode({
      type: "query",
      id: 1,
      questions: [{ name: "web-1.girona.fibrix.example", type: "A" }],
      additionals: [
        {
          type: "OPT",
          name: ".",
          udpPayloadSize: 1232,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ],
    });
    const datagram = (i: number): Buffer => {
      const kind = i % 3;
      if (kind === 0)
        return Buffer.from(
          Array.from({ length: Math.floor(random() * 600) }, () => Math.floor(random() * 256)),
        );
      const b = Buffer.from(valid);
      const edits = 1 + Math.floor(random() * 6);
      // kind 1 mangles anywhere; kind 2 keeps the header intact so the decoder has to work harder
      for (let e = 0; e < edits; e++) {
        const at = kind === 1 ? Math.floor(random() * b.length) : 12 + Math.floor(random() * (b.length - 12));
        b[at] = Math.floor(random() * 256);
      }
      if (kind === 2) b[2] = (b[2] ?? 0) & 0x7f; // QR=0: a query, so it must be answered or get FORMERR
      return b.subarray(0, Math.max(12, Math.floor(random() * (b.length + 1))));
    };

    const client = createSocket("udp4");
    await new Promise<void>((resolve) => client.bind(0, "127.0.0.1", () => resolve()));
    const responses: Buffer[] = [];
    client.on("message", (m) => responses.push(m));
    const sentIds = new Set<number>();
    const deadline = Date.now() + 30_000;
    try {
      for (let i = 0; i < 2000 && Date.now() < deadline; i += 50) {
        // batches of 50, each awaited, so the loopback socket buffer never overflows
        await Promise.all(
          Array.from({ length: 50 }, (_, j) => {
            const d = datagram(i + j);
            if (d.length >= 2) sentIds.add(d.readUInt16BE(0));
            return new Promise<void>((resolve) => client.send(d, server.port, "127.0.0.1", () => resolve()));
          }),
        );
        await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await new Promise<void>((resolve) => client.close(() => resolve()));
    }
    // roughly two thirds are queries (QR=0, ≥ 12 bytes) and each of those gets an answer or FORMERR
    expect(responses.length).toBeGreaterThan(1000);
    for (const m of responses) {
      const p = decode(m);
      expect(p.type).toBe("response");
      expect(sentIds.has(p.id ?? -1)).toBe(true);
      expect(m.length).toBeLessThanOrEqual(1232);
    }
    const after = await dig(server.port, ["web-1.girona.fibrix.example", "A"]);
    expect(rdata(after.answers)).toEqual(["192.0.2.10"]);
    expect((await dig(server.port, ["+tcp", "-x", "192.0.2.11"])).status).toBe("NOERROR");
  });

  it("serves on ::1 too", async () => {
    server6 = await startDnsServer({ host: "::1", port: 0, getZones: () => current });
    const r = await dig(server6.port, ["web-1.girona.fibrix.example", "AAAA"], "::1");
    expect(rdata(r.answers)).toEqual(["2001:db8:0:1::10"]);
    expect((await dig(server6.port, ["+tcp", "-x", "192.0.2.10"], "::1")).status).toBe("NOERROR");
  });

  it("fails with a typed, retryable error when its port is taken", async () => {
    const err = await startDnsServer({ host: "127.0.0.1", port: server.port, getZones: () => current }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DnsServerError);
    expect(err).toMatchObject({ code: "DNS_BIND_FAILED", retryable: true });
    // the running server is unharmed
    expect((await dig(server.port, ["web-2.girona.fibrix.example", "A"])).status).toBe("NOERROR");
  });
});
