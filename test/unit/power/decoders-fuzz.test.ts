/** Every decoder of untrusted bytes either decodes or throws ProtocolError: never anything else. */

import fc from "fast-check";
import { ProtocolError } from "../../../backend/power/errors";
import * as app from "../../../backend/power/ipmi15/commands/app";
import * as chassis from "../../../backend/power/ipmi15/commands/chassis";
import * as sdr from "../../../backend/power/ipmi15/commands/sdr";
import * as sel from "../../../backend/power/ipmi15/commands/sel";
import * as lan from "../../../backend/power/ipmi15/lan-message";
import * as rmcp from "../../../backend/power/ipmi15/rmcp";
import { IPMITOOL_MD5 } from "./fixtures/ipmitool-capture";

type Decoder = (b: Uint8Array) => unknown;

const decoders: Array<[string, Decoder]> = [];
for (const [modName, mod] of Object.entries({ app, chassis, sdr, sel, lan, rmcp })) {
  for (const [name, fn] of Object.entries(mod)) {
    if (name.startsWith("decode") && typeof fn === "function")
      decoders.push([`${modName}.${name}`, fn as Decoder]);
  }
}

function mustBeProtocolError(name: string, b: Uint8Array): void {
  try {
    for (const [, d] of decoders.filter(([n]) => n === name)) d(b);
  } catch (e) {
    if (!(e instanceof ProtocolError))
      throw new Error(`${name} threw ${String(e)} for ${Buffer.from(b).toString("hex")}`);
  }
}

test("there are decoders to fuzz", () => {
  expect(decoders.length).toBeGreaterThan(40);
});

test("2000 random byte strings into every decoder → only ProtocolError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      for (const [name] of decoders) mustBeProtocolError(name, b);
    }),
    { numRuns: 2000 },
  );
});

test("truncated and bit-flipped real datagrams → decode or ProtocolError", () => {
  const samples = Object.values(IPMITOOL_MD5).map((h) => Buffer.from(h, "hex"));
  fc.assert(
    fc.property(
      fc.constantFrom(...samples),
      fc.nat(),
      fc.integer({ min: 0, max: 7 }),
      fc.boolean(),
      (s, pos, bit, truncate) => {
        const b = Buffer.from(s);
        const at = pos % b.length;
        if (!truncate) b[at]! ^= 1 << bit;
        const m = truncate ? b.subarray(0, at) : b;
        for (const name of [
          "lan.decodeLanRequest",
          "lan.decodeLanResponse",
          "rmcp.decodePresencePong",
          "rmcp.decodeRmcpHeader",
        ]) {
          mustBeProtocolError(name, m);
        }
      },
    ),
    { numRuns: 2000 },
  );
});
