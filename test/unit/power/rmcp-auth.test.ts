import fc from "fast-check";
import { ConfigurationError, ProtocolError } from "../../../backend/power/errors";
import { AuthType, authCode, padPassword } from "../../../backend/power/ipmi15/auth";
import { decodeLanRequest } from "../../../backend/power/ipmi15/lan-message";
import { md2 } from "../../../backend/power/ipmi15/md2";
import {
  ASF_IANA,
  decodePresencePing,
  decodePresencePong,
  encodePresencePing,
  encodePresencePong,
} from "../../../backend/power/ipmi15/rmcp";
import { IPMITOOL_MD5 } from "./fixtures/ipmitool-capture";

const hex = (s: string) => Buffer.from(s, "hex");

describe("RMCP / ASF presence ping (spec 13.2)", () => {
  test("ping matches ipmitool's bytes; ipmi_sim's pong decodes", () => {
    expect(encodePresencePing(0).toString("hex")).toBe(IPMITOOL_MD5.presencePing);
    expect(decodePresencePing(hex(IPMITOOL_MD5.presencePing))).toEqual({ messageTag: 0 });
    expect(decodePresencePong(hex(IPMITOOL_MD5.presencePong))).toEqual({
      messageTag: 0,
      iana: ASF_IANA,
      oemDefined: 0,
      ipmiSupported: true,
      asfVersion: 1,
      supportedInteractions: 0,
    });
  });

  test("pong round trip (property) and truncations throw ProtocolError", () => {
    fc.assert(
      fc.property(
        fc.record({
          messageTag: fc.integer({ min: 0, max: 255 }),
          iana: fc.integer({ min: 0, max: 0xffffffff }),
          oemDefined: fc.integer({ min: 0, max: 0xffffffff }),
          ipmiSupported: fc.boolean(),
          asfVersion: fc.integer({ min: 0, max: 15 }),
          supportedInteractions: fc.integer({ min: 0, max: 255 }),
        }),
        (p) => {
          const b = encodePresencePong(p);
          expect(decodePresencePong(b)).toEqual(p);
          for (let n = 0; n < b.length - 6; n++)
            expect(() => decodePresencePong(b.subarray(0, n))).toThrow(ProtocolError);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("auth codes (spec 13.7 / 22.17)", () => {
  test("MD5 reproduces ipmitool's Activate Session auth code", () => {
    const d = decodeLanRequest(hex(IPMITOOL_MD5.activateSessionRequest));
    const code = authCode(AuthType.MD5, "pass", d.session.sessionId, d.messageBytes, d.session.sequence);
    expect(code?.toString("hex")).toBe("41d31a7cfe8e9dbdf9a9481d7cf49c44");
  });

  test("STRAIGHT is the 16-byte padded password; NONE has no auth code", () => {
    expect(authCode(AuthType.STRAIGHT, "pass", 1, Buffer.alloc(3), 2)?.toString("hex")).toBe(
      `70617373${"00".repeat(12)}`,
    );
    expect(authCode(AuthType.NONE, "pass", 1, Buffer.alloc(3), 2)).toBeUndefined();
  });

  test("MD2 matches RFC 1319 test vectors", () => {
    expect(md2(Buffer.from("")).toString("hex")).toBe("8350e5a3e24c153df2275c9f80692773");
    expect(md2(Buffer.from("abc")).toString("hex")).toBe("da853b0d3f88d99b30283a69e6ded6bb");
    expect(md2(Buffer.from("message digest")).toString("hex")).toBe("ab4f496bfb2a530b219ff33031fe06b0");
    expect(md2(Buffer.from("abcdefghijklmnopqrstuvwxyz")).toString("hex")).toBe(
      "4e8ddff3650292ab5a4108c3aa47940b",
    );
  });

  test("passwords longer than 16 bytes are a configuration error; OEM is unsupported", () => {
    expect(padPassword("x".repeat(16)).length).toBe(16);
    expect(() => padPassword("x".repeat(17))).toThrow(ConfigurationError);
    expect(() => authCode(AuthType.OEM, "p", 0, Buffer.alloc(0), 0)).toThrow(ConfigurationError);
  });
});
