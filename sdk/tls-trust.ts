/**
 * How a client trusts a region's TLS certificate: the system's CAs (the default), a CA bundle
 * (PEM text or the path of a PEM file), or a SHA-256 pin of the region's own certificate (a
 * region with a self-signed certificate prints it on start; rack enrollment tokens carry it).
 * Used by the SDK (and so the CLI and both providers) and by the rack agent.
 *
 * A pin is checked on every new connection as soon as its handshake completes, at the same
 * point where Node rejects an unverified chain (`onConnectSecure` in lib/_tls_wrap.js), so no
 * request byte (API key, task payload) is sent to a peer whose certificate does not match.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import { isIP } from "node:net";
import tls from "node:tls";
import { FibrixError, ValidationError } from "./errors";

export interface TlsTrustOptions {
  /** PEM text of the CA certificate(s) to trust instead of the system's, or a PEM file's path (FIBRIX_CA_BUNDLE). */
  caBundle?: string;
  /**
   * SHA-256 fingerprint of the region's certificate, hex with or without colons, as
   * `openssl x509 -noout -fingerprint -sha256` prints it (FIBRIX_TLS_FINGERPRINT).
   */
  fingerprint?: string;
  /** Allow plain http:// to a non-loopback region (FIBRIX_INSECURE_HTTP=1): keys would cross in clear. */
  insecureHttp?: boolean;
}

/** The oldest protocol either side speaks (TLS 1.0 and 1.1 are deprecated by RFC 8996). */
export const TLS_MIN_VERSION = "TLSv1.2" as const;

/** A TLS failure: untrusted or mismatching certificate, or a peer that does not speak TLS. Never retried. */
export class TlsError extends FibrixError {
  constructor(detail: string) {
    super("TLS_UNTRUSTED", detail);
  }
}

/** Canonical form of a SHA-256 fingerprint: upper-case hex pairs joined by colons (Node's `fingerprint256`). */
export function normalizeFingerprint(input: string, field = "fingerprint"): string {
  const hex = input
    .trim()
    .replace(/^sha256(\s+fingerprint)?\s*[=:]\s*/i, "")
    .replace(/[:\s]/g, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw ValidationError.field(field, "must be a SHA-256 fingerprint: 64 hex digits, colons optional");
  }
  return hex.toUpperCase().replace(/(..)(?!$)/g, "$1:");
}

/** The SHA-256 fingerprint of a PEM certificate (the first one in the text), canonical form. */
export function fingerprintOfPem(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** Compact form for enrollment tokens: base64url of the 32 bytes (43 characters). */
export function fingerprintToBase64url(fp: string): string {
  return Buffer.from(normalizeFingerprint(fp).replace(/:/g, ""), "hex").toString("base64url");
}

export function fingerprintFromBase64url(b64: string): string {
  const bytes = Buffer.from(b64, "base64url");
  if (bytes.length !== 32) throw new Error("a certificate pin must be 32 bytes (SHA-256)");
  return normalizeFingerprint(bytes.toString("hex"));
}

/** PEM text from `caBundle`: the text itself when it holds a certificate, else the file it names. */
export function readCaBundle(caBundle: string, field = "caBundle"): string {
  let pem = caBundle;
  if (!caBundle.includes("-----BEGIN CERTIFICATE-----")) {
    try {
      pem = readFileSync(caBundle, "utf8");
    } catch (e) {
      throw ValidationError.field(
        field,
        `is neither PEM text nor a readable file (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw ValidationError.field(field, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  return pem;
}

/**
 * The trust options in force: those given, else those of the environment
 * (FIBRIX_CA_BUNDLE, FIBRIX_TLS_FINGERPRINT, FIBRIX_INSECURE_HTTP=1), as curl reads
 * CURL_CA_BUNDLE. Given options replace the environment's as a whole.
 */
export function resolveTrust(opts: TlsTrustOptions, env: NodeJS.ProcessEnv = process.env): TlsTrustOptions {
  const given = opts.caBundle !== undefined || opts.fingerprint !== undefined;
  const out: TlsTrustOptions = given
    ? {
        ...(opts.caBundle !== undefined ? { caBundle: opts.caBundle } : {}),
        ...(opts.fingerprint !== undefined ? { fingerprint: opts.fingerprint } : {}),
      }
    : {
        ...(env.FIBRIX_CA_BUNDLE ? { caBundle: env.FIBRIX_CA_BUNDLE } : {}),
        ...(env.FIBRIX_TLS_FINGERPRINT ? { fingerprint: env.FIBRIX_TLS_FINGERPRINT } : {}),
      };
  const insecure = opts.insecureHttp ?? env.FIBRIX_INSECURE_HTTP === "1";
  if (insecure) out.insecureHttp = true;
  if (out.caBundle !== undefined && out.fingerprint !== undefined) {
    throw new ValidationError("pass either a CA bundle or a certificate fingerprint, not both", [
      { field: "caBundle", reason: "cannot be combined with fingerprint" },
    ]);
  }
  return out;
}

/** Whether a host name or address is this machine's loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (h === "::1" || /^(0{0,4}:){7}0{0,3}1$/.test(h)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? mapped[1]!.startsWith("127.") : false;
}

/**
 * Refuses plain http:// to anything but loopback (API keys and BMC passwords would cross the
 * network in clear) unless `insecureHttp`. `field` names the setting in the error.
 */
export function checkTransport(url: string, insecureHttp: boolean | undefined, field = "endpoint"): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw ValidationError.field(field, `must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (u.protocol === "http:" && !insecureHttp && !isLoopbackHost(u.hostname)) {
    throw ValidationError.field(
      field,
      `refusing plain http:// to ${u.hostname}: secrets would cross the network in clear; use https:// (or allow it explicitly with FIBRIX_INSECURE_HTTP=1)`,
    );
  }
}

/** The error a pinned connection is destroyed with; `code` lets classifiers recognise it. */
export class PinMismatchError extends Error {
  readonly code = "FIBRIX_TLS_PIN_MISMATCH";
  constructor(
    readonly expected: string,
    readonly actual: string | undefined,
  ) {
    super(
      `the region's certificate does not match the pinned fingerprint (expected ${expected}, got ${actual ?? "no certificate"})`,
    );
    this.name = "PinMismatchError";
  }
}

/**
 * An https.Agent that trusts exactly one certificate, by its SHA-256 fingerprint: the chain is
 * not checked (a pinned self-signed certificate has none), the fingerprint is.
 */
export class PinnedAgent extends https.Agent {
  readonly fingerprint: string;
  constructor(fingerprint: string, opts: https.AgentOptions = {}) {
    super({ keepAlive: true, ...opts, minVersion: TLS_MIN_VERSION });
    this.fingerprint = normalizeFingerprint(fingerprint);
  }

  override createConnection(options: tls.ConnectionOptions): tls.TLSSocket {
    const socket = tls.connect({ ...options, rejectUnauthorized: false });
    socket.once("secureConnect", () => {
      const actual = socket.getPeerCertificate()?.fingerprint256 || undefined;
      if (actual !== this.fingerprint) socket.destroy(new PinMismatchError(this.fingerprint, actual));
    });
    return socket;
  }
}

/** The agent for `trust`: a pin, a CA bundle, or undefined (the system's CAs, Node's default agent). */
export function httpsAgentFor(
  trust: TlsTrustOptions,
  opts: https.AgentOptions = {},
): https.Agent | undefined {
  if (trust.fingerprint !== undefined) return new PinnedAgent(trust.fingerprint, opts);
  if (trust.caBundle !== undefined) {
    return new https.Agent({
      keepAlive: true,
      ...opts,
      ca: readCaBundle(trust.caBundle),
      minVersion: TLS_MIN_VERSION,
    });
  }
  return undefined;
}

/** OpenSSL's and Node's codes for a certificate the client does not trust (plus our pin mismatch). */
const UNTRUSTED = new Set([
  "FIBRIX_TLS_PIN_MISMATCH",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_UNSUPPORTED_PROTOCOL",
  "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
]);

/**
 * The TlsError for a failed request whose cause (or its `cause`) is a TLS trust failure;
 * undefined for anything else. `where` names the peer in the message.
 */
export function tlsErrorOf(e: unknown, where: string): TlsError | undefined {
  for (let x: unknown = e, depth = 0; x && depth < 3; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (code === "EPROTO") {
      // e.g. "wrong version number": the peer answered in plain HTTP, not TLS.
      return new TlsError(
        `${where}: TLS handshake failed (${(x as Error).message.split("\n")[0]}): does the region speak https:// on this port?`,
      );
    }
    if (typeof code === "string" && UNTRUSTED.has(code)) {
      const hint =
        code === "FIBRIX_TLS_PIN_MISMATCH"
          ? ""
          : "; trust it with a CA bundle (caBundle, FIBRIX_CA_BUNDLE) or its SHA-256 fingerprint (fingerprint, FIBRIX_TLS_FINGERPRINT)";
      return new TlsError(`${where}: TLS: ${(x as Error).message} (${code})${hint}`);
    }
  }
  return undefined;
}
