/**
 * The API key of a browser's WebSocket, carried in Sec-WebSocket-Protocol (sdk/console.ts
 * consoleProtocols): read it the way the Kubernetes API server does
 * (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/authentication/request/websocket/
 * protocol.go): only on a WebSocket upgrade, at most one token, base64url without padding,
 * valid UTF-8, and at least one other subprotocol for the server to answer with (the token is
 * never echoed). The result is an `Authorization` value, so the one authentication step
 * (auth-guard.ts: key lookup, failure limits, events) decides as for the header. Pure.
 */
import { BEARER_PROTOCOL_PREFIX } from "../../sdk/console";
import { UnauthorizedError } from "../../sdk/errors";

export interface ProtocolBearer {
  /** `Bearer <key>`, for AuthGuard.authenticate. */
  authorization: string;
  /** The offered subprotocols without the token, to put back in the request's header. */
  protocols: string[];
}

function isUpgrade(headers: Record<string, string | string[] | undefined>): boolean {
  const upgrade = headers.upgrade;
  return typeof upgrade === "string" && upgrade.toLowerCase() === "websocket";
}

/** Every subprotocol offered (the header may repeat: RFC 6455 §11.3.4). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return values
    .flatMap((v) => v.split(","))
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/**
 * The key a WebSocket upgrade carries as a subprotocol; null when it carries none (or is not
 * an upgrade). A malformed token is a 401 naming what is wrong.
 */
export function bearerFromProtocols(
  headers: Record<string, string | string[] | undefined>,
): ProtocolBearer | null {
  if (!isUpgrade(headers)) return null;
  const offered = offeredProtocols(headers["sec-websocket-protocol"]);
  const tokens = offered.filter((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (tokens.length === 0) return null;
  if (tokens.length > 1) throw new UnauthorizedError("more than one API key in Sec-WebSocket-Protocol");
  const encoded = tokens[0]!.slice(BEARER_PROTOCOL_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded) || encoded.length % 4 === 1) {
    throw new UnauthorizedError("the API key in Sec-WebSocket-Protocol is not base64url without padding");
  }
  let key: string;
  try {
    key = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(encoded, "base64url"));
  } catch {
    throw new UnauthorizedError("the API key in Sec-WebSocket-Protocol is not UTF-8");
  }
  if (!/^\S+$/.test(key)) throw new UnauthorizedError("the API key in Sec-WebSocket-Protocol is malformed");
  const protocols = offered.filter((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (protocols.length === 0) {
    throw new UnauthorizedError(
      "an API key in Sec-WebSocket-Protocol needs another subprotocol beside it (the one the region answers with)",
    );
  }
  return { authorization: `Bearer ${key}`, protocols };
}

/**
 * The subprotocol the region answers a WebSocket with (ws `handleProtocols`): the first offered
 * that is not a key, or none. A key is never echoed back.
 */
export function answerProtocol(offered: Iterable<string>): string | false {
  for (const p of offered) if (!p.startsWith(BEARER_PROTOCOL_PREFIX)) return p;
  return false;
}
