/**
 * Shared shapes for the command codecs in this folder. Section numbers in this folder refer to
 * the IPMI v2.0 specification (rev. 1.1), which contains IPMI v1.5 LAN. Each command family file exports, per
 * command: its NetFn/cmd, and four pure functions, two per side:
 *   client: encodeXxxRequest(args) → data, decodeXxxResponse(data) → struct
 *   server: decodeXxxRequest(data) → args, encodeXxxResponse(struct) → data
 * "data" never includes the completion code: that lives in IpmiResponse.completionCode, and
 * response data is only decoded when it is 0x00.
 */

import { ProtocolError } from "../../errors";

export interface CommandId {
  readonly name: string;
  readonly netFn: number;
  readonly cmd: number;
}

/** Request-data length check for server-side decoders (lab BMC answers 0xC7 on failure). */
export function expectLength(data: Uint8Array, min: number, what: string, max = min): void {
  if (data.length < min || data.length > max) {
    throw new ProtocolError(
      `${what}: ${data.length} data byte(s), expected ${min === max ? min : `${min}..${max}`}`,
    );
  }
}

/** Two-digit BCD byte (firmware minor revision, 20.1) ⇄ number. */
export function fromBcd(b: number): number {
  return (b >> 4) * 10 + (b & 0x0f);
}

export function toBcd(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 99) throw new RangeError(`BCD value out of range 0..99: ${n}`);
  return ((Math.floor(n / 10) & 0x0f) << 4) | (n % 10);
}

/** Fixed-width, zero-padded ASCII field (user names, 16 bytes). */
export function encodeFixedString(s: string, width: number, what: string): Buffer {
  const raw = Buffer.from(s, "utf8");
  if (raw.length > width) throw new RangeError(`${what} longer than ${width} bytes`);
  const out = Buffer.alloc(width);
  raw.copy(out);
  return out;
}

export function decodeFixedString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(end < 0 ? b : b.subarray(0, end)).toString("utf8");
}
