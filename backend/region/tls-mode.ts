/**
 * How the region's API listens, from `region serve`'s flags and its listen address (pure):
 * HTTPS with the operator's certificate, HTTPS with a self-signed certificate the region makes
 * on first start (the default off loopback), or plain HTTP, which is allowed on loopback only
 * unless asked for with --insecure-http (API keys and decrypted BMC passwords would cross the
 * network in clear).
 */
import { isLoopbackHost } from "../../sdk/tls-trust";

export type TlsMode =
  | { kind: "files"; certFile: string; keyFile: string }
  | { kind: "self-signed" }
  | { kind: "plain" };

export interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsSelfSigned?: boolean;
  insecureHttp?: boolean;
}

export class TlsModeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsModeError";
  }
}

export function tlsModeOf(flags: TlsFlags, listenHost: string): TlsMode {
  const { tlsCert, tlsKey, tlsSelfSigned, insecureHttp } = flags;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new TlsModeError("--tls-cert and --tls-key go together: pass both (PEM files) or neither");
  }
  const asked = [tlsCert !== undefined, tlsSelfSigned === true, insecureHttp === true].filter(Boolean);
  if (asked.length > 1) {
    throw new TlsModeError("pass one of --tls-cert/--tls-key, --tls-self-signed or --insecure-http");
  }
  if (tlsCert !== undefined && tlsKey !== undefined)
    return { kind: "files", certFile: tlsCert, keyFile: tlsKey };
  if (tlsSelfSigned) return { kind: "self-signed" };
  if (insecureHttp || isLoopbackHost(listenHost)) return { kind: "plain" };
  return { kind: "self-signed" };
}
