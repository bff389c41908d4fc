/**
 * Fuzz both directions of the IPMI v1.5 LAN code over loopback:
 *  1. 10 000 malformed, truncated and random datagrams (seeded PRNG, reproducible) to a lab
 *     BMC, including authenticated in-session packets with random commands and data: the BMC
 *     never crashes or leaks a rejection, counts what it drops, and still serves ipmitool.
 *  2. A fake "BMC" socket that answers our Ipmi15Client with garbage: every failure the client
 *     reports is a typed PowerError.
 */
import { execFile } from "node:child_process";
import { type Socket, createSocket } from "node:dgram";
import { seededRandom } from "../../backend/lab/bmc/sensors";
import { type LabBmcs, startLabBmcs } from "../../backend/lab/bmc/server";
import { PowerError } from "../../backend/power/errors";
import { AuthType } from "../../backend/power/ipmi15/auth";
import { Ipmi15Client } from "../../backend/power/ipmi15/client";
import {
  decodeActivateSessionResponse,
  decodeGetSessionChallengeResponse,
  encodeActivateSessionRequest,
  encodeGetChannelAuthCapabilitiesRequest,
  encodeGetSessionChallengeRequest,
} from "../../backend/power/ipmi15/commands/app";
import {
  type SessionHeader,
  decodeLanRequest,
  decodeLanResponse,
  encodeLanRequest,
  encodeLanResponse,
  makeRequest,
  makeResponse,
} from "../../backend/power/ipmi15/lan-message";
import { encodePresencePing } from "../../backend/power/ipmi15/rmcp";
import { UdpLanTransport } from "../../backend/power/ipmi15/transport";

const SEED = 0x5eed_1ab;
const DATAGRAMS = 10_000;

const rand = seededRandom(SEED);
const int = (n: number) => Math.floor(rand() * n);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(() => process.on("unhandledRejection", onUnhandled));
afterAll(() => process.off("unhandledRejection", onUnhandled));

function bindLoopback(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => resolve(s));
  });
}

/** Mutations of a valid datagram: flips, truncation, extension, length/auth-type tampering. */
function mutate(valid: Buffer): Buffer {
  const b = Buffer.from(valid);
  switch (int(6)) {
    case 0:
      for (let i = 0, n = 1 + int(4); i < n; i++) {
        const at = int(b.length);
        b[at] = b[at]! ^ (1 << int(8));
      }
      return b;
    case 1:
      return b.subarray(0, int(b.length));
    case 2:
      return Buffer.concat([b, bytes(1 + int(40))]);
    case 3:
      b[4] = pick([0, 1, 2, 3, 4, 5, 6, 0xff]); // auth type
      return b;
    case 4:
      if (b.length > 13) b[b[4] === 0 ? 13 : 29] = int(256); // message length byte
      return b;
    default:
      return Buffer.concat([b.subarray(0, 4), bytes(int(200))]);
  }
}

describe("fuzz: lab BMC under malformed traffic", () => {
  let lab: LabBmcs;
  let sock: Socket;
  let replies = 0;
  const waiters = new Map<string, (b: Buffer) => void>();

  beforeAll(async () => {
    lab = await startLabBmcs({
      count: 1,
      basePort: 0,
      user: "admin",
      password: "fuzz-pw",
      timings: { onDelayMs: 10 },
    });
    sock = await bindLoopback();
    sock.on("message", (msg) => {
      replies++;
      try {
        const d = decodeLanResponse(msg);
        const key = `${d.message.cmd}/${d.message.rqSeq}`;
        waiters.get(key)?.(msg);
        waiters.delete(key);
      } catch {
        // pongs and anything else: only counted
      }
    });
  });

  afterAll(async () => {
    sock.close();
    await lab.close();
  });

  const port = () => lab.bmcs[0]!.port;
  const send = (b: Buffer) =>
    new Promise<void>((resolve) => sock.send(b, port(), "127.0.0.1", () => resolve()));

  /** Send one request and wait for its answer (cmd/rqSeq match), or undefined after 500 ms. */
  function exchange(pkt: Buffer, cmd: number, rqSeq: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        waiters.delete(`${cmd}/${rqSeq}`);
        resolve(undefined);
      }, 500);
      waiters.set(`${cmd}/${rqSeq}`, (b) => {
        clearTimeout(t);
        resolve(b);
      });
      void send(pkt);
    });
  }

  async function openSession(): Promise<{ header: SessionHeader; seq: number }> {
    const ch = await exchange(
      encodeLanRequest(
        { authType: AuthType.NONE, sequence: 0, sessionId: 0 },
        makeRequest(
          6,
          0x39,
          encodeGetSessionChallengeRequest({ authType: AuthType.MD5, username: "admin" }),
          1,
        ),
        "",
      ),
      0x39,
      1,
    );
    const c = decodeGetSessionChallengeResponse(decodeLanResponse(ch!).message.data);
    const act = await exchange(
      encodeLanRequest(
        { authType: AuthType.MD5, sequence: 0, sessionId: c.temporarySessionId },
        makeRequest(
          6,
          0x3a,
          encodeActivateSessionRequest({
            authType: AuthType.MD5,
            maxPrivilege: 4,
            challenge: c.challenge,
            initialOutboundSequence: 1,
          }),
          2,
        ),
        "fuzz-pw",
      ),
      0x3a,
      2,
    );
    const a = decodeActivateSessionResponse(decodeLanResponse(act!).message.data);
    const header: SessionHeader = { authType: AuthType.MD5, sequence: 0, sessionId: a.sessionId };
    // Raise to Administrator so random commands reach their handlers instead of 0xD4.
    await exchange(
      encodeLanRequest(
        { ...header, sequence: a.initialInboundSequence },
        makeRequest(6, 0x3b, Buffer.from([4]), 3),
        "fuzz-pw",
      ),
      0x3b,
      3,
    );
    return { header, seq: a.initialInboundSequence + 1 };
  }

  test(`${DATAGRAMS} malformed/random datagrams: no crash, drops counted, ipmitool still works`, async () => {
    const bmc = lab.bmcs[0]!.bmc;
    let session = await openSession();
    const preSession = encodeLanRequest(
      { authType: AuthType.NONE, sequence: 0, sessionId: 0 },
      makeRequest(
        6,
        0x38,
        encodeGetChannelAuthCapabilitiesRequest({ channel: 14, privilege: 4, ipmi20Extended: false }),
        3,
      ),
      "",
    );
    const kinds = { random: 0, mutated: 0, preSessionRandomCmd: 0, inSessionRandomCmd: 0, ping: 0 };
    const deadline = Date.now() + 40_000;
    const baseline = bmc.stats.received;
    for (let i = 0; i < DATAGRAMS && Date.now() < deadline; i++) {
      const k = int(10);
      let pkt: Buffer;
      if (k < 2) {
        kinds.random++;
        pkt = bytes(int(300));
      } else if (k < 5) {
        kinds.mutated++;
        pkt = mutate(
          k === 2
            ? preSession
            : encodeLanRequest(
                { ...session.header, sequence: session.seq },
                makeRequest(0, 1, Buffer.alloc(0), 5),
                "fuzz-pw",
              ),
        );
      } else if (k < 6) {
        kinds.preSessionRandomCmd++;
        pkt = encodeLanRequest(
          { authType: AuthType.NONE, sequence: 0, sessionId: 0 },
          makeRequest(int(64), int(256), bytes(int(40)), int(64), {
            rsAddr: pick([0x20, int(256)]),
            rsLun: int(4),
          }),
          "",
        );
      } else if (k < 9) {
        kinds.inSessionRandomCmd++;
        // Authenticated, in-window: random NetFn (mostly the ones we implement) and data.
        const netFn = pick([0, 4, 6, 10, int(64)]);
        let cmd = int(256);
        if (netFn === 0) cmd = pick([0, 1, 4, 8, 9, cmd]);
        if (netFn === 0 && cmd === 2) cmd = 1; // keep power control out: it would be a valid command
        if (netFn === 6 && cmd === 0x3c) cmd = 0x01; // don't close our own session every time
        pkt = encodeLanRequest(
          { ...session.header, sequence: session.seq++ },
          makeRequest(netFn, cmd, bytes(int(30)), int(64)),
          "fuzz-pw",
        );
      } else {
        kinds.ping++;
        pkt = int(2) ? encodePresencePing(int(256)) : mutate(encodePresencePing(int(256)));
      }
      await send(pkt);
      // Flow control: the BMC shares this event loop; let it drain so the socket buffer never overflows.
      while (i + 1 - (bmc.stats.received - baseline) > 64 && Date.now() < deadline) {
        await new Promise((r) => setImmediate(r));
      }
      if (i % 2000 === 1999 && !bmc.sessions.lookup(session.header.sessionId)) session = await openSession();
    }
    const sent = Object.values(kinds).reduce((a, b) => a + b, 0);
    expect(sent).toBe(DATAGRAMS);
    await new Promise((r) => setTimeout(r, 300));
    expect(unhandled).toEqual([]);
    // Everything was seen (loopback, no loss expected at this rate) and most of it dropped or refused.
    expect(bmc.stats.received).toBeGreaterThan(DATAGRAMS * 0.95);
    expect(bmc.stats.malformed).toBeGreaterThan(1000);
    expect(bmc.stats.internalErrors).toBe(0); // every input was handled, none by the catch-all
    expect(replies).toBeGreaterThan(1000);
    expect(Object.keys(bmc.stats.completionCodes).length).toBeGreaterThan(3);
    if (process.env["FUZZ_VERBOSE"]) console.log(kinds, bmc.stats);

    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        "ipmitool",
        [
          "-I",
          "lan",
          "-H",
          "127.0.0.1",
          "-p",
          String(port()),
          "-U",
          "admin",
          "-P",
          "fuzz-pw",
          "-A",
          "MD5",
          "-R",
          "2",
          "-N",
          "1",
          "mc",
          "info",
        ],
        { timeout: 15_000 },
        (err, stdout) => resolve({ code: err ? 1 : 0, stdout }),
      ),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Manufacturer ID           : 674");
  });
});

describe("fuzz: Ipmi15Client against a BMC that answers garbage", () => {
  let fake: Socket;
  let transport: UdpLanTransport;

  beforeAll(async () => {
    fake = await bindLoopback();
    fake.on("message", (msg, rinfo) => {
      let reply: Buffer | undefined;
      const k = int(8);
      try {
        const req = decodeLanRequest(msg);
        if (k === 0) reply = bytes(int(100));
        else if (k === 1)
          reply = undefined; // silence
        else {
          // A well-framed response to this very request, with random completion code / data /
          // session fields, sometimes truncated or bit-flipped.
          const header: SessionHeader = {
            authType: pick([AuthType.NONE, req.session.authType]),
            sequence: int(2) ? req.session.sequence + 1 : int(0x7fffffff),
            sessionId: int(4) ? req.session.sessionId : int(0x7fffffff),
          };
          const cc = pick([0, 0, 0, 0xc1, 0xcc, 0xd4, 0xd5, 0x81, 0x82, 0x86, int(256)]);
          const valid = encodeLanResponse(header, makeResponse(req.message, cc, bytes(int(40))), "x");
          reply = k === 7 ? mutate(valid) : valid;
        }
      } catch {
        reply = bytes(int(60));
      }
      if (reply) fake.send(reply, rinfo.port, rinfo.address);
    });
    transport = new UdpLanTransport({ bindAddress: "127.0.0.1" });
  });

  afterAll(async () => {
    await transport.close();
    fake.close();
  });

  test("300 operations: each resolves or fails with a PowerError subclass, nothing else", async () => {
    const port = fake.address().port;
    const failures: unknown[] = [];
    const foreign: unknown[] = [];
    let resolved = 0;
    const ops = ["status", "device", "sensors", "sel", "on", "boot"] as const;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 15 }, async () => {
          const c = new Ipmi15Client({
            host: "127.0.0.1",
            port,
            username: "admin",
            password: "pw",
            timeoutMs: 200,
            retransmitMs: 60,
            transport,
          });
          const op = pick(ops);
          try {
            if (op === "status") await c.chassisStatus();
            else if (op === "device") await c.deviceId();
            else if (op === "sensors") await c.sensors();
            else if (op === "sel") await c.sel();
            else if (op === "on") await c.chassisControl("on");
            else await c.getBootDevice();
            resolved++;
          } catch (e) {
            failures.push(e);
            if (!(e instanceof PowerError)) foreign.push(e);
          } finally {
            await c.close().catch((e: unknown) => {
              if (!(e instanceof PowerError)) foreign.push(e);
            });
          }
        }),
      );
    }
    expect(failures.length + resolved).toBe(300);
    expect(failures.length).toBeGreaterThan(100);
    if (process.env["FUZZ_VERBOSE"]) {
      const byClass = new Map<string, number>();
      for (const f of failures) byClass.set((f as Error).name, (byClass.get((f as Error).name) ?? 0) + 1);
      console.log({ resolved, byClass });
    }
    expect(foreign).toEqual([]);
    for (const f of failures as PowerError[]) {
      expect(typeof f.code).toBe("string");
      expect(typeof f.retryable).toBe("boolean");
    }
    expect(unhandled).toEqual([]);
  });
});
