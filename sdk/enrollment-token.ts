/**
 * A rack enrollment token: `fbr_<secret>` or, when the region speaks TLS, `fbr_<secret>.<pin>`,
 * the pin being the base64url SHA-256 of the region's certificate. The rack agent sends only
 * the secret as its bearer key and trusts exactly the pinned certificate, so a token alone is
 * enough to enrol a rack against a region with a self-signed certificate. The region stores
 * the SHA-256 of the secret only.
 */
import { fingerprintFromBase64url, fingerprintToBase64url } from "./tls-trust";

export interface EnrollmentToken {
  /** What the rack sends as `Authorization: Bearer`. */
  bearer: string;
  /** The region certificate's SHA-256 fingerprint (canonical colon hex), when the token carries one. */
  fingerprint?: string;
}

export function formatEnrollmentToken(secret: string, fingerprint?: string): string {
  return fingerprint === undefined ? secret : `${secret}.${fingerprintToBase64url(fingerprint)}`;
}

/** Splits a token; throws on a malformed pin (a truncated copy-paste must not silently drop it). */
export function parseEnrollmentToken(token: string): EnrollmentToken {
  const dot = token.indexOf(".");
  if (dot < 0) return { bearer: token };
  const pin = token.slice(dot + 1);
  try {
    return { bearer: token.slice(0, dot), fingerprint: fingerprintFromBase64url(pin) };
  } catch {
    throw new Error(
      "the enrollment token's certificate pin (after the '.') is malformed: copy the whole token",
    );
  }
}
