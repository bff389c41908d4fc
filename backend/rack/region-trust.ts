/**
 * How the rack agent reaches its region without exposing what crosses the wire (task payloads
 * carry decrypted BMC passwords): over https:// trusting exactly the certificate pinned by its
 * enrollment token (sdk/enrollment-token.ts), or a CA bundle; plain http:// to loopback only,
 * unless insecureHttp. Decided once, before the first request.
 */
import type https from "node:https";
import { parseEnrollmentToken } from "../../sdk/enrollment-token";
import { parseEndpoints } from "../../sdk/endpoints";
import { checkTransport, httpsAgentFor, resolveTrust } from "../../sdk/tls-trust";

export interface RegionTrustOptions {
  /** Trust the region by this CA bundle (PEM text or file) when the token carries no pin. */
  caBundle?: string;
  /** Allow plain http:// to a non-loopback region (payloads then cross in clear). */
  insecureHttp?: boolean;
}

export interface RegionTransport {
  /** The region replicas' URLs, checked, in the order given. */
  urls: string[];
  /** The token's secret: what the rack sends as its bearer key. */
  bearer: string;
  /** The pinned certificate's fingerprint, when the token carries one. */
  fingerprint?: string;
  /** The agent for https:// (undefined: the system's CAs, or plain loopback http). */
  httpsAgent?: https.Agent;
}

/** A region URL, token and trust that cannot be used safely together. */
export class RegionTrustError extends Error {
  readonly code = "REGION_INSECURE";
  constructor(message: string) {
    super(message);
    this.name = "RegionTrustError";
  }
}

export function regionTransport(
  regions: string | readonly string[],
  token: string,
  opts: RegionTrustOptions = {},
): RegionTransport {
  let t: ReturnType<typeof parseEnrollmentToken>;
  try {
    t = parseEnrollmentToken(token);
  } catch (e) {
    throw new RegionTrustError(e instanceof Error ? e.message : String(e));
  }
  let urls: string[];
  try {
    urls = parseEndpoints(regions, "--region");
    for (const url of urls) checkTransport(url, opts.insecureHttp, "--region");
  } catch (e) {
    throw new RegionTrustError(e instanceof Error ? e.message : String(e));
  }
  // One trust for every replica: they share the certificate the token pins.
  const https = urls.every((u) => u.startsWith("https:"));
  if (!https && urls.some((u) => u.startsWith("https:")))
    throw new RegionTrustError(`--region mixes https:// and http:// replicas (${urls.join(", ")})`);
  const region = urls[0]!;
  if (!https) {
    if (t.fingerprint) {
      throw new RegionTrustError(
        `the enrollment token pins the region's TLS certificate (${t.fingerprint}): use https:// for --region, not ${region}`,
      );
    }
    return { urls, bearer: t.bearer };
  }
  // The pin wins: it names exactly the certificate the region had when it made the token.
  const trust = t.fingerprint
    ? { fingerprint: t.fingerprint }
    : resolveTrust(opts.caBundle !== undefined ? { caBundle: opts.caBundle } : {}, {});
  const agent = httpsAgentFor(trust, { keepAlive: true });
  return {
    urls,
    bearer: t.bearer,
    ...(t.fingerprint ? { fingerprint: t.fingerprint } : {}),
    ...(agent ? { httpsAgent: agent } : {}),
  };
}
