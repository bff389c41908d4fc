import fc from "fast-check";
import { ProtocolError } from "../../../backend/power/errors";
import { AuthType, authCode } from "../../../backend/power/ipmi15/auth";
import {
  type IpmiRequest,
  type IpmiResponse,
  decodeLanRequest,
  decodeLanResponse,
  encodeLanRequest,
  encodeLanResponse,
  encodeRequestMessage,
  ipmiChecksum,
  makeRequest,
  makeResponse,
  verifyAuthCode,
} from "../../../backend/power/ipmi15/lan-message";
import { IPMITOOL_MD5, IPMITOOL_STRAIGHT } from "./fixtures/ipmitool-capture";

const hex = (s: string) => Buffer.from(s, "hex");

describe("IPMI v1.5 LAN message codec against ipmitool ↔ ipmi_sim captures", () => {
  test("Get Channel Auth Capabilities request decodes and re-encodes byte for byte", () => {
    const d = decodeLanRequest(hex(IPMITOOL_MD5.getChannelAuthCapsRequest));
    expect(d.session).toEqual({ authType: AuthType.NONE, sequence: 0, sessionId: 0, authCode: undefined });
    expect(d.message).toMatchObject({
      rsAddr: 0x20,
      netFn: 0x06,
      rsLun: 0,
      rqAddr: 0x81,
      rqSeq: 1,
      cmd: 0x38,
    });
    expect([...d.message.data]).toEqual([0x0e, 0x04]);
    expect(encodeLanRequest(d.session, d.message, "").toString("hex")).toBe(
      IPMITOOL_MD5.getChannelAuthCapsRequest,
    );
  });

  test("responses decode with completion code and data; re-encode byte for byte", () => {
    const r = decodeLanResponse(hex(IPMITOOL_MD5.getChannelAuthCapsResponse));
    expect(r.message).toMatchObject({
      rqAddr: 0x81,
      netFn: 0x07,
      rsAddr: 0x20,
      rqSeq: 1,
      cmd: 0x38,
      completionCode: 0,
    });
    expect([...r.message.data]).toEqual([0x01, 0x14, 0x04, 0, 0, 0, 0, 0]);
    expect(encodeLanResponse(r.session, r.message, "").toString("hex")).toBe(
      IPMITOOL_MD5.getChannelAuthCapsResponse,
    );
  });

  test("MD5 auth codes of ipmitool's requests and ipmi_sim's responses verify with the password", () => {
    for (const name of [
      "activateSessionRequest",
      "setSessionPrivilegeRequest",
      "getChassisStatusRequest",
      "closeSessionRequest",
    ] as const) {
      const d = decodeLanRequest(hex(IPMITOOL_MD5[name]));
      expect(d.session.authType).toBe(AuthType.MD5);
      expect(verifyAuthCode(d, "pass")).toBe(true);
      expect(verifyAuthCode(d, "wrong")).toBe(false);
      // Our encoder reproduces the exact datagram, auth code included.
      expect(encodeLanRequest(d.session, d.message, "pass").toString("hex")).toBe(IPMITOOL_MD5[name]);
    }
    for (const name of [
      "activateSessionResponse",
      "setSessionPrivilegeResponse",
      "getChassisStatusResponse",
    ] as const) {
      const r = decodeLanResponse(hex(IPMITOOL_MD5[name]));
      expect(verifyAuthCode(r, "pass")).toBe(true);
      expect(encodeLanResponse(r.session, r.message, "pass").toString("hex")).toBe(IPMITOOL_MD5[name]);
    }
  });

  test("straight-password packets carry the padded password", () => {
    const d = decodeLanRequest(hex(IPMITOOL_STRAIGHT.activateSessionRequest));
    expect(d.session.authType).toBe(AuthType.STRAIGHT);
    expect(d.session.authCode?.toString("hex")).toBe(
      `${Buffer.from("pass").toString("hex")}${"00".repeat(12)}`,
    );
    expect(verifyAuthCode(d, "pass")).toBe(true);
    expect(encodeLanRequest(d.session, d.message, "pass").toString("hex")).toBe(
      IPMITOOL_STRAIGHT.activateSessionRequest,
    );
  });

  test("checksums are two's complements of the byte sum", () => {
    expect(ipmiChecksum(Buffer.from([0x20, 0x18]))).toBe(0xc8);
    const msg = encodeRequestMessage(makeRequest(0x06, 0x01, new Uint8Array(0), 5));
    expect(ipmiChecksum(msg, 0, 3)).toBe(0);
    expect(ipmiChecksum(msg, 3)).toBe(0);
  });

  test("corrupted checksums, lengths, classes and truncations are ProtocolErrors", () => {
    const good = hex(IPMITOOL_MD5.getChassisStatusResponse);
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 0xff;
    expect(() => decodeLanResponse(bad)).toThrow(ProtocolError);
    const badHeader = Buffer.from(good);
    badHeader[4 + 1 + 4 + 4 + 16 + 1 + 2]! ^= 1; // chk1
    expect(() => decodeLanResponse(badHeader)).toThrow(/header checksum/);
    for (let n = 0; n < good.length - 1; n++)
      expect(() => decodeLanResponse(good.subarray(0, n))).toThrow(ProtocolError);
    const asf = hex(IPMITOOL_MD5.presencePong);
    expect(() => decodeLanResponse(asf)).toThrow(/not IPMI/);
    const v20 = Buffer.from(hex(IPMITOOL_MD5.getChannelAuthCapsRequest));
    v20[4] = 0x06;
    expect(() => decodeLanRequest(v20)).toThrow(/RMCP\+/);
  });

  test("a legacy pad byte is added at the listed total lengths and accepted on decode", () => {
    // 4 RMCP + 9 session (no auth) + 1 length + 7 message + n data: 56 bytes when n = 35.
    const req = makeRequest(0x06, 0x01, new Uint8Array(35), 3);
    const pkt = encodeLanRequest({ authType: AuthType.NONE, sequence: 0, sessionId: 0 }, req, "");
    expect(pkt.length).toBe(57);
    expect(decodeLanRequest(pkt).message.data.length).toBe(35);
  });

  const request = fc.record({
    rsAddr: fc.integer({ min: 0, max: 255 }),
    netFn: fc.integer({ min: 0, max: 0x3f }),
    rsLun: fc.integer({ min: 0, max: 3 }),
    rqAddr: fc.integer({ min: 0, max: 255 }),
    rqSeq: fc.integer({ min: 0, max: 0x3f }),
    rqLun: fc.integer({ min: 0, max: 3 }),
    cmd: fc.integer({ min: 0, max: 255 }),
    data: fc.uint8Array({ maxLength: 200 }),
  });
  const session = fc.record({
    authType: fc.constantFrom(AuthType.NONE, AuthType.MD2, AuthType.MD5, AuthType.STRAIGHT),
    sequence: fc.integer({ min: 0, max: 0xffffffff }),
    sessionId: fc.integer({ min: 0, max: 0xffffffff }),
  });
  const password = fc.stringMatching(/^[ -~]{0,16}$/);

  test("property: request encode → decode is the identity and the auth code verifies", () => {
    fc.assert(
      fc.property(session, request, password, (s, m: IpmiRequest, pw) => {
        const d = decodeLanRequest(encodeLanRequest(s, m, pw));
        expect({ ...d.message, data: [...d.message.data] }).toEqual({ ...m, data: [...m.data] });
        expect(d.session).toMatchObject(s);
        expect(verifyAuthCode(d, pw)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test("property: response encode → decode is the identity", () => {
    fc.assert(
      fc.property(session, request, fc.integer({ min: 0, max: 255 }), password, (s, q, cc, pw) => {
        const m: IpmiResponse = makeResponse({ ...q, netFn: q.netFn & 0x3e }, cc, q.data);
        const d = decodeLanResponse(encodeLanResponse(s, m, pw));
        expect({ ...d.message, data: [...d.message.data] }).toEqual({ ...m, data: [...m.data] });
        expect(d.session.authCode).toEqual(authCode(s.authType, pw, s.sessionId, d.messageBytes, s.sequence));
      }),
      { numRuns: 300 },
    );
  });

  test("property: any byte string decodes or throws ProtocolError, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        for (const decode of [decodeLanRequest, decodeLanResponse]) {
          try {
            decode(b);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
