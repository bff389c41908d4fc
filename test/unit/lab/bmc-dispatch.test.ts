import { LabBmc } from "../../../backend/lab/bmc/bmc";
import { PRIV_ADMIN, PRIV_USER } from "../../../backend/lab/bmc/session-table";
import { AuthType } from "../../../backend/power/ipmi15/auth";
import {
  decodeActivateSessionResponse,
  decodeGetSessionChallengeResponse,
  encodeActivateSessionRequest,
  encodeGetChannelAuthCapabilitiesRequest,
  encodeGetSessionChallengeRequest,
} from "../../../backend/power/ipmi15/commands/app";
import {
  type DecodedLanResponse,
  type SessionHeader,
  decodeLanResponse,
  encodeLanRequest,
  makeRequest,
  verifyAuthCode,
} from "../../../backend/power/ipmi15/lan-message";
import { encodePresencePing, decodePresencePong } from "../../../backend/power/ipmi15/rmcp";

/** A minimal console speaking to LabBmc.handle directly (no sockets): pure dispatch tests. */
class Console {
  rqSeq = 1;
  header: SessionHeader = { authType: AuthType.NONE, sequence: 0, sessionId: 0 };
  inbound = 0;
  constructor(
    readonly bmc: LabBmc,
    readonly user: string,
    readonly password: string,
    readonly authType: AuthType = AuthType.MD5,
  ) {}

  async raw(
    netFn: number,
    cmd: number,
    data: number[] | Buffer,
    header = this.header,
    password = this.password,
  ) {
    const pkt = encodeLanRequest(
      header,
      makeRequest(netFn, cmd, Buffer.from(data), this.rqSeq++ & 0x3f),
      password,
    );
    const reply = await this.bmc.handle(pkt);
    return reply ? decodeLanResponse(reply) : undefined;
  }

  async send(
    netFn: number,
    cmd: number,
    data: number[] | Buffer = [],
  ): Promise<DecodedLanResponse | undefined> {
    const h = this.header.sessionId === 0 ? this.header : { ...this.header, sequence: this.inbound++ };
    return this.raw(netFn, cmd, data, h);
  }

  async open(maxPrivilege: number = PRIV_ADMIN): Promise<number> {
    const ch = await this.raw(
      6,
      0x39,
      encodeGetSessionChallengeRequest({ authType: this.authType, username: this.user }),
    );
    if (ch?.message.completionCode !== 0) return ch?.message.completionCode ?? -1;
    const c = decodeGetSessionChallengeResponse(ch.message.data);
    const act = await this.raw(
      6,
      0x3a,
      encodeActivateSessionRequest({
        authType: this.authType,
        maxPrivilege: maxPrivilege as 4,
        challenge: c.challenge,
        initialOutboundSequence: 100,
      }),
      { authType: this.authType, sequence: 0, sessionId: c.temporarySessionId },
    );
    if (!act) return -1;
    if (act.message.completionCode !== 0) return act.message.completionCode;
    expect(verifyAuthCode(act, this.password)).toBe(true);
    expect(act.session.sequence).toBe(100);
    const a = decodeActivateSessionResponse(act.message.data);
    this.header = { authType: this.authType, sequence: 0, sessionId: a.sessionId };
    this.inbound = a.initialInboundSequence;
    return 0;
  }
}

function lab() {
  const clock = { now: 1_700_000_000_000 };
  const bmc = new LabBmc({
    name: "t",
    users: [
      { name: "admin", password: "secret", maxPrivilege: PRIV_ADMIN },
      { name: "ro", password: "ro-pass", maxPrivilege: PRIV_USER },
    ],
    allowedAuthTypes: [2, 4],
    clock: () => clock.now,
    timings: { onDelayMs: 300 },
  });
  return { bmc, clock };
}

describe("LabBmc dispatch (IPMI v1.5 LAN, no sockets)", () => {
  test("pre-session: auth capabilities answer; other commands get 0xD5; presence ping gets a pong", async () => {
    const { bmc } = lab();
    const c = new Console(bmc, "admin", "secret");
    const caps = await c.raw(
      6,
      0x38,
      encodeGetChannelAuthCapabilitiesRequest({ channel: 0x0e, privilege: 4, ipmi20Extended: false }),
    );
    expect(caps?.message.completionCode).toBe(0);
    expect(caps?.message.data[1]).toBe(0x14); // MD5 + straight
    expect((await c.raw(0, 0x01, []))?.message.completionCode).toBe(0xd5);
    const pong = await bmc.handle(encodePresencePing(9));
    expect(decodePresencePong(pong!)).toMatchObject({ messageTag: 9, ipmiSupported: true });
  });

  test("session: responses are signed with the user's password and numbered from the initial outbound", async () => {
    const { bmc, clock } = lab();
    const c = new Console(bmc, "admin", "secret");
    expect(await c.open()).toBe(0);
    expect((await c.send(6, 0x3b, [4]))?.message.data[0]).toBe(4); // Set Session Privilege: admin
    const on = await c.send(0, 0x02, [1]);
    expect(on?.message.completionCode).toBe(0);
    expect(verifyAuthCode(on!, "secret")).toBe(true);
    expect(on?.session.sequence).toBe(102);
    clock.now += 300;
    const st = await c.send(0, 0x01);
    expect(st!.message.data[0]! & 1).toBe(1);
    expect(bmc.power.state).toBe("on");
  });

  test("wrong password: Activate Session is dropped silently and counted", async () => {
    const { bmc } = lab();
    const c = new Console(bmc, "admin", "not-it");
    expect(await c.open()).toBe(-1);
    expect(bmc.stats.authFailures).toBe(1);
    expect(bmc.sessions.sessionCount).toBe(0);
  });

  test("a forged or replayed in-session packet is dropped", async () => {
    const { bmc } = lab();
    const c = new Console(bmc, "admin", "secret");
    await c.open();
    const forged = await c.raw(0, 0x02, [1], { ...c.header, sequence: c.inbound }, "other");
    expect(forged).toBeUndefined();
    c.inbound--; // replay the same sequence number as an accepted packet
    expect(await c.send(6, 0x01)).toBeDefined();
    c.inbound--;
    expect(await c.send(6, 0x01)).toBeUndefined();
    expect(bmc.stats.sequenceRejects).toBe(1);
    expect(bmc.stats.authFailures).toBe(1);
  });

  test("completion codes: 0xD4 privilege, 0xC1 unknown command, 0xCC bad control, 0xC7 length, 0xD5 cycle when off", async () => {
    const { bmc } = lab();
    const ro = new Console(bmc, "ro", "ro-pass");
    expect(await ro.open(4)).toBe(0x86); // user-level account asking for admin
    expect(await ro.open(2)).toBe(0);
    expect((await ro.send(0, 0x02, [1]))?.message.completionCode).toBe(0xd4);
    expect((await ro.send(0, 0x01))?.message.completionCode).toBe(0);
    const admin = new Console(bmc, "admin", "secret");
    await admin.open();
    await admin.send(6, 0x3b, [4]);
    expect((await admin.send(0, 0x77))?.message.completionCode).toBe(0xc1);
    expect((await admin.send(0, 0x02, [9]))?.message.completionCode).toBe(0xcc);
    expect((await admin.send(0, 0x02, []))?.message.completionCode).toBe(0xc7);
    expect((await admin.send(0, 0x02, [2]))?.message.completionCode).toBe(0xd5);
    expect((await admin.send(4, 0x2d, [0xee]))?.message.completionCode).toBe(0xcb);
    expect(
      (
        await ro.raw(6, 0x39, encodeGetSessionChallengeRequest({ authType: 2, username: "eve" }), {
          authType: 0,
          sequence: 0,
          sessionId: 0,
        })
      )?.message.completionCode,
    ).toBe(0x81);
  });

  test("a retransmitted Activate Session (answer lost) gets the same answer, not a second session", async () => {
    const { bmc } = lab();
    const ch = decodeLanResponse(
      (await bmc.handle(
        encodeLanRequest(
          { authType: 0, sequence: 0, sessionId: 0 },
          makeRequest(6, 0x39, encodeGetSessionChallengeRequest({ authType: 2, username: "admin" }), 1),
          "",
        ),
      ))!,
    );
    const c = decodeGetSessionChallengeResponse(ch.message.data);
    const activate = encodeLanRequest(
      { authType: 2, sequence: 0, sessionId: c.temporarySessionId },
      makeRequest(
        6,
        0x3a,
        encodeActivateSessionRequest({
          authType: 2,
          maxPrivilege: 4,
          challenge: c.challenge,
          initialOutboundSequence: 5,
        }),
        2,
      ),
      "secret",
    );
    const first = await bmc.handle(activate);
    const again = await bmc.handle(activate);
    expect(again).toEqual(first);
    expect(bmc.sessions.sessionCount).toBe(1);
    expect(bmc.stats.repeatedActivations).toBe(1);
    const tampered = Buffer.from(activate);
    tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 1;
    expect(await bmc.handle(tampered)).toBeUndefined();
  });

  test("close session ends it; later packets on that id are dropped", async () => {
    const { bmc } = lab();
    const c = new Console(bmc, "admin", "secret");
    await c.open();
    const id = Buffer.alloc(4);
    id.writeUInt32LE(c.header.sessionId);
    expect((await c.send(6, 0x3c, id))?.message.completionCode).toBe(0);
    expect(await c.send(6, 0x01)).toBeUndefined();
    expect(bmc.stats.unknownSession).toBe(1);
  });
});
