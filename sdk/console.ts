/**
 * The serial console of a VM over WebSocket (`GET /api/v1/vms/:id/console`): the wire contract
 * shared by the region, the rack, the SDK and the CLI. Frames are binary, the console's raw
 * bytes in both directions (text frames from the client are sent on as their UTF-8 bytes).
 * Everything that can go wrong before the console is connected is an HTTP problem+json answer
 * to the upgrade request (404 another tenant's or no VM, 409 not running / no console socket /
 * already in use, 503 rack offline, 504 the rack did not connect in time); what ends a session
 * afterwards is a close code below, with a reason in words.
 */

export const CONSOLE_CLOSE = {
  /** The client closed (or typed the escape). */
  NORMAL: 1000,
  /** The region is shutting down. */
  GOING_AWAY: 1001,
  /** The VM's console ended on its host (the VM stopped, rebooted into nothing, or was destroyed). */
  CONSOLE_ENDED: 4000,
  /** No byte either way for the idle timeout. */
  IDLE: 4001,
  /** The session reached its maximum length. */
  MAX_DURATION: 4002,
  /** The rack's side went away (its agent stopped, was killed, or lost the region). */
  RACK_LOST: 4003,
  /** The region could not carry the session any further. */
  INTERNAL: 1011,
} as const;

export type ConsoleCloseCode = (typeof CONSOLE_CLOSE)[keyof typeof CONSOLE_CLOSE];

/** Ctrl-] (0x1d), the escape of telnet and `virsh console`: ends a terminal session. */
export const CONSOLE_ESCAPE = 0x1d;

/** The WebSocket URL of a VM's console under a region endpoint (http → ws, https → wss). */
export function consoleUrl(endpoint: string, vmId: string): string {
  const base = endpoint.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  return `${base.replace(/^http/i, "ws")}/api/v1/vms/${encodeURIComponent(vmId)}/console`;
}

/**
 * Browsers cannot set headers on a WebSocket: they send the key inside Sec-WebSocket-Protocol
 * instead (never in the URL, which proxies and access logs keep), as
 * `[CONSOLE_PROTOCOL, BEARER_PROTOCOL_PREFIX + base64url(key)]` — the pattern of the Kubernetes
 * API server (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/authentication/request/
 * websocket/protocol.go, `base64url.bearer.authorization.k8s.io.<token>`), with our own names.
 * The region authenticates the token exactly as an `Authorization: Bearer` header and answers
 * with CONSOLE_PROTOCOL only, so the key is never echoed.
 */
export const CONSOLE_PROTOCOL = "console.fibrix-metal.v1";
export const BEARER_PROTOCOL_PREFIX = "base64url.bearer.fibrix-metal.";

/** base64url without padding of the UTF-8 bytes of `s` (browser and Node alike). */
function base64url(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The subprotocols a browser offers to open a console with `apiKey`. */
export function consoleProtocols(apiKey: string): string[] {
  return [CONSOLE_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${base64url(apiKey)}`];
}
