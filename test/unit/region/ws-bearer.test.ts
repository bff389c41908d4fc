/**
 * The API key of a browser's WebSocket in Sec-WebSocket-Protocol, read as the Kubernetes API
 * server reads its own (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/authentication/
 * request/websocket/protocol.go): every rule of that reader, with our names.
 */
import fc from "fast-check";
import { answerProtocol, bearerFromProtocols, offeredProtocols } from "../../../backend/region/ws-bearer";
import { BEARER_PROTOCOL_PREFIX, CONSOLE_PROTOCOL, consoleProtocols } from "../../../sdk/console";

const upgrade = (protocol: string | string[] | undefined) => ({
  upgrade: "websocket",
  connection: "Upgrade",
  "sec-websocket-protocol": protocol,
});

test("what a browser offers (consoleProtocols) gives back the key as a Bearer value and the console protocol", () => {
  const key = "fbx_AbC-_09xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxy";
  const offered = consoleProtocols(key);
  expect(offered[0]).toBe(CONSOLE_PROTOCOL);
  expect(offered[1]).toBe(`${BEARER_PROTOCOL_PREFIX}${Buffer.from(key).toString("base64url")}`);
  expect(offered[1]).not.toMatch(/=/);
  expect(bearerFromProtocols(upgrade(offered.join(", ")))).toEqual({
    authorization: `Bearer ${key}`,
    protocols: [CONSOLE_PROTOCOL],
  });
});

test("any key without spaces survives the round trip, whatever its bytes", () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 80, unit: "grapheme" }), (raw) => {
      const key = raw.replace(/\s/g, "x");
      const got = bearerFromProtocols(upgrade(consoleProtocols(key).join(",")));
      expect(got?.authorization).toBe(`Bearer ${key}`);
    }),
  );
});

test("the header may repeat (RFC 6455 §11.3.4): the values are one list", () => {
  const [proto, token] = consoleProtocols("fbx_k");
  expect(offeredProtocols([`${token}`, ` ${proto} , other`])).toEqual([token, proto, "other"]);
  expect(bearerFromProtocols(upgrade([token!, `${proto}, other`]))?.protocols).toEqual([proto, "other"]);
});

test("no token, or not a WebSocket upgrade: nothing to read (the header path decides)", () => {
  expect(bearerFromProtocols(upgrade(CONSOLE_PROTOCOL))).toBeNull();
  expect(bearerFromProtocols(upgrade(undefined))).toBeNull();
  const token = consoleProtocols("fbx_k").join(",");
  expect(bearerFromProtocols({ "sec-websocket-protocol": token })).toBeNull();
  expect(bearerFromProtocols({ upgrade: "h2c", "sec-websocket-protocol": token })).toBeNull();
  expect(bearerFromProtocols({ upgrade: "WebSocket", "sec-websocket-protocol": token })).not.toBeNull();
});

test("refusals are 401s that say what is wrong", () => {
  const two = [CONSOLE_PROTOCOL, consoleProtocols("fbx_a")[1], consoleProtocols("fbx_b")[1]].join(",");
  const cases: [string, RegExp][] = [
    [two, /more than one API key/],
    [`${CONSOLE_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}Zm9v=`, /base64url without padding/],
    [`${CONSOLE_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}a+b/`, /base64url without padding/],
    [`${CONSOLE_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}`, /base64url without padding/],
    [`${CONSOLE_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}A`, /base64url without padding/],
    [
      `${CONSOLE_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${Buffer.from([0xff, 0xfe]).toString("base64url")}`,
      /not UTF-8/,
    ],
    [
      `${CONSOLE_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${Buffer.from("a b").toString("base64url")}`,
      /malformed/,
    ],
    [consoleProtocols("fbx_k")[1]!, /needs another subprotocol/],
  ];
  for (const [header, reason] of cases) {
    expect(() => bearerFromProtocols(upgrade(header))).toThrow(
      expect.objectContaining({ status: 401, code: "UNAUTHORIZED", message: expect.stringMatching(reason) }),
    );
  }
});

test("the answered subprotocol is never a key", () => {
  const [proto, token] = consoleProtocols("fbx_secret");
  expect(answerProtocol([token!, proto!])).toBe(proto);
  expect(answerProtocol(new Set([token!]))).toBe(false);
  expect(answerProtocol([])).toBe(false);
});
