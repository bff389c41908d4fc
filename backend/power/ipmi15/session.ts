/**
 * IPMI v1.5 LAN session (spec 6.12, 22.13–22.19):
 *
 *   closed ─open()→ opening: Get Channel Auth Capabilities → Get Session Challenge →
 *                            Activate Session → Set Session Privilege Level
 *           → active: commands, each with the next session sequence number
 *           ─close()→ closing: Close Session → closed
 *   opening/active ─(timeout, auth failure)→ failed ─open()→ opening
 *
 * `BmcSession` is the protocol-neutral face the client uses, so an IPMI v2.0 RMCP+ session
 * (RAKP, AES-CBC-128, integrity) can be added beside this one later without touching callers.
 */

import { randomBytes } from "node:crypto";
import { PowerError, PowerTimeoutError, powerFailure } from "../errors";
import { AuthType, authTypeName } from "./auth";
import {
  ACTIVATE_SESSION,
  CLOSE_SESSION,
  CURRENT_CHANNEL,
  GET_CHANNEL_AUTH_CAPABILITIES,
  GET_SESSION_CHALLENGE,
  type Privilege,
  SET_SESSION_PRIVILEGE,
  decodeActivateSessionResponse,
  decodeGetChannelAuthCapabilitiesResponse,
  decodeGetSessionChallengeResponse,
  encodeActivateSessionRequest,
  encodeCloseSessionRequest,
  encodeGetChannelAuthCapabilitiesRequest,
  encodeGetSessionChallengeRequest,
  encodeSetSessionPrivilegeRequest,
} from "./commands/app";
import type { CommandId } from "./commands/command";
import { CC_OK, completionCodeError } from "./completion-codes";
import {
  type DecodedLanResponse,
  type IpmiResponse,
  type SessionHeader,
  encodeLanRequest,
  makeRequest,
  verifyAuthCode,
} from "./lan-message";
import type { Endpoint, LanExchange, LanTransport } from "./transport";

/**
 * A time limit of the caller (CallOptions.timeLimitMs) ran out: no time was left for the next
 * exchange, or an exchange cut short to fit in it got no answer in what remained. Says nothing
 * about the session (it stays as it was) nor, during Activate Session, about the password.
 */
export class TimeLimitError extends PowerTimeoutError {}

export type SessionState = "closed" | "opening" | "active" | "closing" | "failed";

/** Allowed transitions; anything else is a bug in this module and throws. */
const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  closed: ["opening"],
  opening: ["active", "failed", "closed"],
  active: ["closing", "failed"],
  closing: ["closed"],
  failed: ["opening", "closed"],
};

export interface BmcSession {
  readonly state: SessionState;
  readonly endpoint: Endpoint;
  /** Milliseconds since the epoch of the last answered request (keep-alive decisions). */
  readonly lastActivity: number;
  /** `until`: Date.now() by which it must be done (else TimeLimitError); absent: no bound. */
  open(until?: number): Promise<void>;
  /** One command inside the session; resolves with the response whatever its completion code. */
  request(command: CommandId, data: Uint8Array, until?: number): Promise<IpmiResponse>;
  close(): Promise<void>;
}

export interface Ipmi15SessionOptions {
  endpoint: Endpoint;
  username: string;
  password: string;
  authType: AuthType;
  privilege: Privilege;
  /** Total time for one exchange, retransmissions included. */
  timeoutMs: number;
  retransmitMs: number;
  /** Minimum pause between two exchanges with this BMC (Ironic: fragile BMCs); default 0. */
  minIntervalMs?: number;
}

export class Ipmi15Session implements BmcSession {
  private current: SessionState = "closed";
  private sessionId = 0;
  private sequence = 0;
  private sessionAuthType: AuthType;
  private perMessageAuthDisabled = false;
  /** Highest session sequence number seen from the BMC; older ones are replays (spec 6.12). */
  private inboundSeq: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastSent = 0;
  lastActivity = 0;

  constructor(
    private readonly transport: LanTransport,
    private readonly options: Ipmi15SessionOptions,
  ) {
    this.sessionAuthType = options.authType;
  }

  get state(): SessionState {
    return this.current;
  }

  get endpoint(): Endpoint {
    return this.options.endpoint;
  }

  private to(next: SessionState): void {
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new Error(`IPMI session: illegal transition ${this.current} → ${next}`);
    }
    this.current = next;
  }

  open(until?: number): Promise<void> {
    return this.serialize(() => this.doOpen(until));
  }

  request(command: CommandId, data: Uint8Array, until?: number): Promise<IpmiResponse> {
    return this.serialize(() => this.doRequest(command, data, until));
  }

  close(): Promise<void> {
    return this.serialize(() => this.doClose());
  }

  /** One exchange at a time per BMC: sequence numbers stay in order and fragile BMCs stay calm. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doOpen(until?: number): Promise<void> {
    if (this.current === "active") return;
    this.to("opening");
    try {
      await this.handshake(until);
      this.to("active");
    } catch (e) {
      this.to("failed");
      throw e;
    }
  }

  private async handshake(until: number | undefined): Promise<void> {
    const o = this.options;
    const where = `${o.endpoint.host}:${o.endpoint.port}`;
    this.sessionId = 0;
    this.sequence = 0;
    this.inboundSeq = undefined;

    // 22.13: which auth types does the channel offer? (sent outside a session: auth NONE)
    const capsReply = await this.outside(
      GET_CHANNEL_AUTH_CAPABILITIES,
      encodeGetChannelAuthCapabilitiesRequest({
        channel: CURRENT_CHANNEL,
        privilege: o.privilege,
        ipmi20Extended: false,
      }),
      { authType: AuthType.NONE, sequence: 0, sessionId: 0 },
      until,
    );
    this.check(capsReply, GET_CHANNEL_AUTH_CAPABILITIES);
    const caps = decodeGetChannelAuthCapabilitiesResponse(capsReply.data);
    if ((caps.authTypeMask & (1 << o.authType)) === 0) {
      throw powerFailure(
        "no-auth-type",
        `${where} offers mask 0x${caps.authTypeMask.toString(16)}, not ${authTypeName(o.authType)}`,
      );
    }
    this.perMessageAuthDisabled = caps.perMessageAuthDisabled;

    // 22.16: challenge for this user and auth type.
    const challengeReply = await this.outside(
      GET_SESSION_CHALLENGE,
      encodeGetSessionChallengeRequest({ authType: o.authType, username: o.username }),
      { authType: AuthType.NONE, sequence: 0, sessionId: 0 },
      until,
    );
    if (challengeReply.completionCode === 0x81) throw powerFailure("invalid-user", `${o.username}@${where}`);
    if (challengeReply.completionCode === 0x82) throw powerFailure("null-user-disabled", where);
    this.check(challengeReply, GET_SESSION_CHALLENGE);
    const challenge = decodeGetSessionChallengeResponse(challengeReply.data);

    // 22.17: the first authenticated message, with the temporary session id and sequence 0.
    // A BMC drops it without a reply when the auth code is wrong (spec 6.12), so a timeout here, after
    // the same BMC answered the challenge, means a wrong password.
    const outbound = randomBytes(4).readUInt32LE(0) || 1;
    let activateReply: IpmiResponse;
    try {
      activateReply = await this.outside(
        ACTIVATE_SESSION,
        encodeActivateSessionRequest({
          authType: o.authType,
          maxPrivilege: o.privilege,
          challenge: challenge.challenge,
          initialOutboundSequence: outbound,
        }),
        { authType: o.authType, sequence: 0, sessionId: challenge.temporarySessionId },
        until,
      );
    } catch (e) {
      // Only a full exchange timeout is evidence; one cut short by the caller's limit is not.
      if (e instanceof PowerTimeoutError && !(e instanceof TimeLimitError))
        throw powerFailure("bad-password", `${o.username}@${where}`);
      throw e;
    }
    if (activateReply.completionCode === 0x81 || activateReply.completionCode === 0x82) {
      throw powerFailure("no-session-slot", where);
    }
    if (activateReply.completionCode === 0x83 || activateReply.completionCode === 0x86) {
      throw powerFailure("privilege-exceeds-limit", `${o.username}@${where}`);
    }
    this.check(activateReply, ACTIVATE_SESSION);
    const activated = decodeActivateSessionResponse(activateReply.data);
    this.sessionId = activated.sessionId;
    this.sessionAuthType = activated.authType;
    // 22.17: the BMC names the sequence number it expects first; 0 is never valid (spec 6.12, session sequence numbers).
    this.sequence = activated.initialInboundSequence || 1;

    // 22.18: sessions start at User level; raise to what we asked for.
    if (o.privilege > 2) {
      const privReply = await this.inside(
        SET_SESSION_PRIVILEGE,
        encodeSetSessionPrivilegeRequest(o.privilege),
        1,
        until,
      );
      if (privReply.completionCode === 0x80 || privReply.completionCode === 0x81) {
        throw powerFailure("privilege-exceeds-limit", `${o.username}@${where}`);
      }
      this.check(privReply, SET_SESSION_PRIVILEGE);
    }
  }

  private async doRequest(command: CommandId, data: Uint8Array, until?: number): Promise<IpmiResponse> {
    if (this.current !== "active") {
      throw new PowerError("POWER_PROTOCOL", `IPMI session is ${this.current}, not active`, true);
    }
    try {
      return await this.inside(command, data, 1, until);
    } catch (e) {
      // A session that stops answering is presumed dead (BMC reset, session timed out there);
      // one whose caller ran out of time is not.
      if (e instanceof PowerTimeoutError && !(e instanceof TimeLimitError)) this.to("failed");
      throw e;
    }
  }

  private async doClose(): Promise<void> {
    if (this.current === "closed") return;
    if (this.current !== "active") {
      this.to("closed");
      return;
    }
    this.to("closing");
    try {
      // Best effort, short: a BMC that does not answer frees the slot on its own timeout.
      await this.inside(CLOSE_SESSION, encodeCloseSessionRequest(this.sessionId), 0.5);
    } catch {
      // ignored: the session is gone from our side either way
    } finally {
      this.to("closed");
      this.sessionId = 0;
    }
  }

  /** Waits out the minimum interval since the previous exchange (exchanges are serialized). */
  private async spacing(): Promise<void> {
    const min = this.options.minIntervalMs ?? 0;
    if (min > 0) {
      const wait = this.lastSent + min - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    this.lastSent = Date.now();
  }

  private check(reply: IpmiResponse, command: CommandId): void {
    if (reply.completionCode !== CC_OK) {
      throw completionCodeError(reply.completionCode, command.netFn, command.cmd, command.name);
    }
  }

  /**
   * Sends one exchange with the session's timeout (scaled), cut to the time left before `until`:
   * TimeLimitError when none is left, or when a cut exchange gets no answer.
   */
  private async exchange(
    x: Omit<LanExchange, "timeoutMs" | "retransmitMs">,
    until: number | undefined,
    timeoutScale = 1,
  ): Promise<DecodedLanResponse> {
    const o = this.options;
    const full = Math.max(1, Math.round(o.timeoutMs * timeoutScale));
    const left = until === undefined ? full : Math.floor(until - Date.now());
    const where = `${o.endpoint.host}:${o.endpoint.port}`;
    if (left < 1) throw new TimeLimitError(`${x.what}: no time left for ${where}`);
    const timeoutMs = Math.min(full, left);
    try {
      return await this.transport.request({ ...x, timeoutMs, retransmitMs: o.retransmitMs });
    } catch (e) {
      if (timeoutMs < full && e instanceof PowerTimeoutError && !(e instanceof TimeLimitError)) {
        throw new TimeLimitError(`${e.message} (the time left)`, { cause: e });
      }
      throw e;
    }
  }

  /** Pre-session (or activation) exchange with a fixed header. */
  private async outside(
    command: CommandId,
    data: Uint8Array,
    header: SessionHeader,
    until?: number,
  ): Promise<IpmiResponse> {
    const o = this.options;
    await this.spacing();
    const reply = await this.exchange(
      {
        endpoint: o.endpoint,
        netFn: command.netFn,
        cmd: command.cmd,
        what: command.name,
        build: (rqSeq) =>
          encodeLanRequest(header, makeRequest(command.netFn, command.cmd, data, rqSeq), o.password),
        accept: (r) => this.acceptReply(r, header.authType),
      },
      until,
    );
    this.lastActivity = Date.now();
    return reply.message;
  }

  /** In-session exchange: every transmission takes the next session sequence number. */
  private async inside(
    command: CommandId,
    data: Uint8Array,
    timeoutScale = 1,
    until?: number,
  ): Promise<IpmiResponse> {
    const o = this.options;
    await this.spacing();
    const reply = await this.exchange(
      {
        endpoint: o.endpoint,
        netFn: command.netFn,
        cmd: command.cmd,
        what: command.name,
        build: (rqSeq) => {
          const sequence = this.sequence;
          this.sequence = (this.sequence + 1) >>> 0 || 1; // wraps past 0, which is never valid (spec 6.12)
          return encodeLanRequest(
            { authType: this.sessionAuthType, sequence, sessionId: this.sessionId },
            makeRequest(command.netFn, command.cmd, data, rqSeq),
            o.password,
          );
        },
        accept: (r) =>
          r.session.sessionId === this.sessionId &&
          this.acceptReply(r, this.sessionAuthType) &&
          this.freshInbound(r.session.sequence),
      },
      until,
      timeoutScale,
    );
    this.lastActivity = Date.now();
    return reply.message;
  }

  /**
   * Rejects replayed replies: a BMC numbers its in-session messages upwards, so an authentic
   * but old datagram (captured and re-sent) carries a number we have already passed. BMCs that
   * send 0 are not checked.
   */
  private freshInbound(seq: number): boolean {
    if (seq === 0) return true;
    if (this.inboundSeq !== undefined) {
      const ahead = (seq - this.inboundSeq) >>> 0;
      if (ahead === 0 || ahead >= 0x80000000) return false;
    }
    this.inboundSeq = seq;
    return true;
  }

  /**
   * Authenticated exchanges take only replies whose auth code proves knowledge of the password.
   * Unauthenticated error replies are tolerated (they can only make us fail, never succeed), and
   * so is everything when the channel disabled per-message authentication (22.13).
   */
  private acceptReply(r: DecodedLanResponse, sentAuth: AuthType): boolean {
    if (sentAuth === AuthType.NONE) return true;
    if (r.session.authType === AuthType.NONE) {
      return r.message.completionCode !== CC_OK || this.perMessageAuthDisabled;
    }
    return verifyAuthCode(r, this.options.password);
  }
}
