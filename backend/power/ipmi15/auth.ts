/**
 * IPMI v1.5 authentication types and the session header auth code (spec 13.6, 13.7 / v2.0 22.17).
 *
 * MD2/MD5 auth code = H(password16 + sessionId + IPMI message data + sessionSeq + password16),
 * session id and sequence number as 4 bytes LS-first, password zero-padded to 16 bytes.
 * STRAIGHT (straight password / key) = the 16-byte padded password itself. NONE = no auth
 * code field at all in the session header.
 */

import { createHash } from "node:crypto";
import { ConfigurationError } from "../errors";
import { u32le } from "./byte-reader";
import { md2 } from "./md2";

export const AuthType = {
  NONE: 0,
  MD2: 1,
  MD5: 2,
  STRAIGHT: 4,
  OEM: 5,
} as const;
export type AuthType = (typeof AuthType)[keyof typeof AuthType];

export const AUTH_CODE_LENGTH = 16;
export const PASSWORD_LENGTH = 16;

/** Names used in settings and on the command line ("password" is ipmitool's name for STRAIGHT). */
export const AUTH_TYPE_NAMES: Readonly<Record<string, AuthType>> = {
  none: AuthType.NONE,
  md2: AuthType.MD2,
  md5: AuthType.MD5,
  password: AuthType.STRAIGHT,
  straight: AuthType.STRAIGHT,
  oem: AuthType.OEM,
};

export function isAuthType(v: number): v is AuthType {
  return v === 0 || v === 1 || v === 2 || v === 4 || v === 5;
}

export function authTypeName(t: number): string {
  switch (t) {
    case AuthType.NONE:
      return "none";
    case AuthType.MD2:
      return "md2";
    case AuthType.MD5:
      return "md5";
    case AuthType.STRAIGHT:
      return "password";
    case AuthType.OEM:
      return "oem";
    default:
      return `unknown(${t})`;
  }
}

/** Bit in the Get Channel Authentication Capabilities "auth type support" byte (22.13). */
export function authTypeBit(t: AuthType): number {
  return 1 << t;
}

/** The 16-byte password field: UTF-8 bytes, zero padded; longer passwords are a settings error. */
export function padPassword(password: string | Uint8Array): Buffer {
  const raw = typeof password === "string" ? Buffer.from(password, "utf8") : Buffer.from(password);
  if (raw.length > PASSWORD_LENGTH) {
    throw new ConfigurationError(`IPMI v1.5 passwords are at most ${PASSWORD_LENGTH} bytes`, "password");
  }
  const out = Buffer.alloc(PASSWORD_LENGTH);
  raw.copy(out);
  return out;
}

/**
 * The auth code for one session header. `payload` is the whole IPMI message (rsAddr through
 * the second checksum). Returns undefined for NONE (no auth code field on the wire).
 */
export function authCode(
  type: AuthType,
  password: string | Uint8Array,
  sessionId: number,
  payload: Uint8Array,
  seq: number,
): Buffer | undefined {
  switch (type) {
    case AuthType.NONE:
      return undefined;
    case AuthType.STRAIGHT:
      return padPassword(password);
    case AuthType.MD5:
    case AuthType.MD2: {
      const pw = padPassword(password);
      const input = Buffer.concat([pw, u32le(sessionId), payload, u32le(seq), pw]);
      return type === AuthType.MD5 ? createHash("md5").update(input).digest() : md2(input);
    }
    default:
      throw new ConfigurationError(`authentication type ${authTypeName(type)} is not supported`, "authType");
  }
}
