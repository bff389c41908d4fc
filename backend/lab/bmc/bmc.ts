/**
 * One simulated PE860 BMC: datagram in → datagram out (or silence). Transport-free, so the
 * server can run a thousand of these on one event loop and tests can call it directly.
 *
 * Packet handling follows IPMI v1.5 LAN (spec 6.12, 13.6) the way a real BMC does it:
 *   - session id 0: only Get Channel Authentication Capabilities and Get Session Challenge
 *     (others get 0xD5), unauthenticated, auth type NONE, sequence 0;
 *   - a temporary session id from a challenge: only Activate Session, authenticated with the
 *     challenged user's password; a bad auth code is silently dropped (there is no way to sign
 *     an answer for a console that does not know the password);
 *   - an active session id: auth type must be the session's, the sequence number inside the
 *     window, the auth code valid; then the command's privilege is checked (0xD4) and it runs.
 * Responses in a session carry the session's auth type, its outbound sequence number and an
 * auth code computed with the user's password, so FreeIPMI (which checks them) accepts them.
 * Anything that does not decode is dropped and counted, never thrown.
 */

import { randomBytes } from "node:crypto";
import { AuthType } from "../../power/ipmi15/auth";
import {
  ACTIVATE_SESSION,
  CLOSE_SESSION,
  GET_CHANNEL_AUTH_CAPABILITIES,
  GET_DEVICE_ID,
  GET_SESSION_CHALLENGE,
  SET_SESSION_PRIVILEGE,
  decodeActivateSessionRequest,
  decodeCloseSessionRequest,
  decodeGetChannelAuthCapabilitiesRequest,
  decodeGetSessionChallengeRequest,
  decodeSetSessionPrivilegeRequest,
  encodeActivateSessionResponse,
  encodeGetChannelAuthCapabilitiesResponse,
  encodeGetDeviceIdResponse,
  encodeGetSessionChallengeResponse,
  encodeSetSessionPrivilegeResponse,
} from "../../power/ipmi15/commands/app";
import {
  CHASSIS_CONTROL,
  GET_CHASSIS_STATUS,
  GET_SYSTEM_BOOT_OPTIONS,
  SET_SYSTEM_BOOT_OPTIONS,
  decodeChassisControlRequest,
  decodeGetSystemBootOptionsRequest,
  decodeSetSystemBootOptionsRequest,
  encodeGetChassisStatusResponse,
  encodeGetSystemBootOptionsResponse,
} from "../../power/ipmi15/commands/chassis";
import type { CommandId } from "../../power/ipmi15/commands/command";
import {
  GET_SDR,
  GET_SDR_REPOSITORY_INFO,
  GET_SENSOR_READING,
  GET_SENSOR_THRESHOLDS,
  RESERVE_SDR_REPOSITORY,
  decodeGetSdrRequest,
  encodeGetSdrRepositoryInfoResponse,
  encodeGetSdrResponse,
  encodeGetSensorReadingResponse,
  encodeGetSensorThresholdsResponse,
  encodeReserveSdrRepositoryResponse,
} from "../../power/ipmi15/commands/sdr";
import {
  GET_SEL_ENTRY,
  GET_SEL_INFO,
  RESERVE_SEL,
  decodeGetSelEntryRequest,
  encodeGetSelEntryResponse,
  encodeGetSelInfoResponse,
  encodeReserveSelResponse,
} from "../../power/ipmi15/commands/sel";
import {
  BMC_SLAVE_ADDRESS,
  type DecodedLanRequest,
  type IpmiRequest,
  type SessionHeader,
  decodeLanRequest,
  encodeLanResponse,
  makeResponse,
  verifyAuthCode,
} from "../../power/ipmi15/lan-message";
import {
  ASF_IANA,
  RMCP_CLASS_ASF,
  decodePresencePing,
  decodeRmcpHeader,
  encodePresencePong,
} from "../../power/ipmi15/rmcp";
import { BootOptions } from "./boot-options";
import { type MachineBinding, simulatedMachine } from "./machine-binding";
import {
  PE860_DEVICE_ID,
  PE860_SENSORS,
  pe860InitialSel,
  pe860SdrRecords,
  thresholdEventMasks,
} from "./pe860-profile";
import { DEFAULT_POWER_TIMINGS, type PowerAction, PowerStateMachine, type PowerTimings } from "./power-state";
import { SdrRepository } from "./sdr-repository";
import { SystemEventLog } from "./sel";
import { SensorBank } from "./sensors";
import {
  CHASSIS_IDENTIFY,
  CLEAR_SEL,
  GET_CHASSIS_CAPABILITIES,
  GET_SELF_TEST_RESULTS,
  GET_SENSOR_EVENT_ENABLE,
  GET_SENSOR_HYSTERESIS,
  GET_SEL_TIME,
  GET_SYSTEM_GUID,
  SET_SEL_TIME,
  decodeClearSelRequest,
  encodeChassisCapabilities,
  encodeSelTime,
  encodeSelfTestPassed,
  encodeSensorEventEnable,
} from "./server-commands";
import {
  type LabAuthType,
  type LabSession,
  type LabUser,
  PRIV_CALLBACK,
  PRIV_OPERATOR,
  PRIV_USER,
  type Privilege,
  SessionTable,
} from "./session-table";

/** LAN channel number of the PE860 BMC (Get Channel Auth Capabilities answers it for "current"). */
export const LAN_CHANNEL = 1;

export interface LabBmcOptions {
  name: string;
  users: readonly LabUser[];
  allowedAuthTypes: readonly LabAuthType[];
  clock?: () => number;
  random?: (n: number) => Buffer;
  /** Seed of the sensor drift PRNG. */
  seed?: number;
  timings?: Partial<PowerTimings>;
  initialPower?: "on" | "off";
  binding?: MachineBinding;
  maxSessions?: number;
  idleTimeoutMs?: number;
  /** 16 bytes; derived from the name when omitted. */
  guid?: Buffer;
}

export interface LabBmcStats {
  received: number;
  answered: number;
  /** Datagrams that did not decode (bad RMCP, lengths, checksums). */
  malformed: number;
  /** Dropped for a wrong auth code / auth type (wrong password ends up here). */
  authFailures: number;
  /** Dropped for a sequence number outside the window or repeated. */
  sequenceRejects: number;
  /** Dropped for an unknown / expired session id. */
  unknownSession: number;
  /** Non-zero completion codes sent, by code. */
  completionCodes: Record<number, number>;
  /** Exceptions inside the BMC (bugs); the datagram was dropped. */
  internalErrors: number;
  /** Identical Activate Session retransmissions answered from the cache. */
  repeatedActivations: number;
  /** Binding calls (virsh) that failed. */
  bindingErrors: number;
}

/** How many recent Activate Session exchanges are remembered for retransmissions. */
const RECENT_ACTIVATIONS = 16;

type Reply = { cc: number; data?: Uint8Array };
type Handler = (req: IpmiRequest, session: LabSession) => Reply | Promise<Reply>;

interface CommandEntry {
  id: CommandId;
  privilege: Privilege;
  /** Request data length limits: outside them the answer is 0xC7 (request data length invalid). */
  minLength: number;
  maxLength: number;
  handler: Handler;
}

const OK: Reply = { cc: 0x00 };
const cc = (code: number): Reply => ({ cc: code });

/** Decoder failures that are not about length are "invalid data field" (0xCC). */
function decodeOr<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}

const CHASSIS_ACTIONS: readonly PowerAction[] = ["off", "on", "cycle", "reset", "diag", "soft-off"];

export class LabBmc {
  readonly name: string;
  readonly power: PowerStateMachine;
  readonly bootOptions: BootOptions;
  readonly sessions: SessionTable;
  readonly sdr: SdrRepository;
  readonly sel: SystemEventLog;
  readonly sensors: SensorBank;
  readonly binding: MachineBinding;
  readonly stats: LabBmcStats = {
    received: 0,
    answered: 0,
    malformed: 0,
    authFailures: 0,
    sequenceRejects: 0,
    unknownSession: 0,
    completionCodes: {},
    internalErrors: 0,
    repeatedActivations: 0,
    bindingErrors: 0,
  };
  /** Where the last binding error came from (for the CLI and tests). */
  lastBindingError: Error | undefined;
  private readonly clock: () => number;
  private readonly guid: Buffer;
  private readonly commands = new Map<number, CommandEntry>();
  private readonly recentActivations = new Map<number, { request: Buffer; reply: Buffer }>();
  private selTimeOffset = 0;
  private bindingQueue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly hasRealBinding: boolean;

  constructor(o: LabBmcOptions) {
    this.name = o.name;
    this.clock = o.clock ?? Date.now;
    const random = o.random ?? randomBytes;
    const nowSeconds = () => Math.floor(this.clock() / 1000) + this.selTimeOffset;
    this.power = new PowerStateMachine(
      this.clock,
      { ...DEFAULT_POWER_TIMINGS, ...o.timings },
      o.initialPower ?? "off",
    );
    this.bootOptions = new BootOptions(this.power);
    this.sessions = new SessionTable({
      users: o.users,
      allowedAuthTypes: o.allowedAuthTypes,
      clock: this.clock,
      random,
      maxSessions: o.maxSessions,
      idleTimeoutMs: o.idleTimeoutMs,
    });
    this.sdr = new SdrRepository(pe860SdrRecords(), nowSeconds());
    this.sel = new SystemEventLog(nowSeconds);
    for (const ev of pe860InitialSel(nowSeconds())) this.sel.add(ev);
    this.sensors = new SensorBank(PE860_SENSORS, this.clock, o.seed ?? 1, (ev) => this.sel.add(ev));
    this.binding = o.binding ?? simulatedMachine();
    this.hasRealBinding = o.binding !== undefined;
    this.guid = o.guid ?? guidFor(o.name);
    this.registerCommands();
  }

  /** Handle one datagram; resolves to the reply datagram, or undefined to stay silent. */
  async handle(datagram: Uint8Array): Promise<Buffer | undefined> {
    this.stats.received++;
    try {
      const reply = await this.route(datagram);
      if (reply) this.stats.answered++;
      return reply;
    } catch {
      // Defensive: a bug in a handler must cost one answer, not the process. Counted apart
      // from malformed input so tests can insist it never happens.
      this.stats.internalErrors++;
      return undefined;
    } finally {
      this.pump();
    }
  }

  /** Stop timers (server close). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Drive the chassis (tests, the CLI) exactly as Chassis Control would. */
  chassis(action: PowerAction): boolean {
    const r = this.power.apply(action);
    this.pump();
    return r.ok;
  }

  /** Wait until queued binding calls (virsh) have finished. */
  async idle(): Promise<void> {
    await this.bindingQueue;
  }

  private async route(datagram: Uint8Array): Promise<Buffer | undefined> {
    let rmcpClass: number;
    try {
      rmcpClass = decodeRmcpHeader(datagram).messageClass;
    } catch {
      this.stats.malformed++;
      return undefined;
    }
    if (rmcpClass === RMCP_CLASS_ASF) return this.presencePong(datagram);
    let decoded: DecodedLanRequest;
    try {
      decoded = decodeLanRequest(datagram);
    } catch {
      this.stats.malformed++;
      return undefined;
    }
    const { session } = decoded;
    if (session.sessionId === 0) return this.outsideSession(decoded);
    const active = this.sessions.lookup(session.sessionId);
    if (active) return this.inSession(decoded, active);
    if (this.sessions.pendingChallenge(session.sessionId)) {
      const reply = this.activate(decoded);
      if (reply) this.rememberActivation(session.sessionId, datagram, reply);
      return reply;
    }
    // A console that lost our Activate Session answer retransmits the identical datagram;
    // the challenge is spent, so answer it again instead of leaving it to time out.
    const earlier = this.recentActivations.get(session.sessionId);
    if (earlier?.request.equals(datagram)) {
      this.stats.repeatedActivations++;
      return earlier.reply;
    }
    this.stats.unknownSession++;
    return undefined;
  }

  private rememberActivation(temporaryId: number, request: Uint8Array, reply: Buffer): void {
    this.recentActivations.delete(temporaryId);
    this.recentActivations.set(temporaryId, { request: Buffer.from(request), reply });
    if (this.recentActivations.size > RECENT_ACTIVATIONS) {
      const oldest = this.recentActivations.keys().next().value;
      if (oldest !== undefined) this.recentActivations.delete(oldest);
    }
  }

  /** ASF presence ping (13.2.2) → pong announcing IPMI support. */
  private presencePong(datagram: Uint8Array): Buffer | undefined {
    try {
      const ping = decodePresencePing(datagram);
      return encodePresencePong({
        messageTag: ping.messageTag,
        iana: ASF_IANA,
        oemDefined: 0,
        ipmiSupported: true,
        asfVersion: 1,
        supportedInteractions: 0,
      });
    } catch {
      this.stats.malformed++;
      return undefined;
    }
  }

  private respond(header: SessionHeader, req: IpmiRequest, reply: Reply, password: string): Buffer {
    if (reply.cc !== 0)
      this.stats.completionCodes[reply.cc] = (this.stats.completionCodes[reply.cc] ?? 0) + 1;
    return encodeLanResponse(header, makeResponse(req, reply.cc, reply.data), password);
  }

  private outsideSession(d: DecodedLanRequest): Buffer | undefined {
    const { session, message: req } = d;
    // 6.12.6: pre-session messages are unauthenticated with sequence number 0.
    if (session.authType !== AuthType.NONE || session.sequence !== 0) {
      this.stats.authFailures++;
      return undefined;
    }
    const header: SessionHeader = { authType: AuthType.NONE, sequence: 0, sessionId: 0 };
    let reply: Reply;
    if (req.netFn === GET_CHANNEL_AUTH_CAPABILITIES.netFn && req.cmd === GET_CHANNEL_AUTH_CAPABILITIES.cmd) {
      reply = this.channelAuthCapabilities(req);
    } else if (req.netFn === GET_SESSION_CHALLENGE.netFn && req.cmd === GET_SESSION_CHALLENGE.cmd) {
      reply = this.sessionChallenge(req);
    } else if (req.netFn === GET_SYSTEM_GUID.netFn && req.cmd === GET_SYSTEM_GUID.cmd) {
      reply = { cc: 0, data: this.guid };
    } else {
      reply = cc(0xd5); // everything else needs a session
    }
    return this.respond(header, req, reply, "");
  }

  private channelAuthCapabilities(req: IpmiRequest): Reply {
    if (req.data.length !== 2) return cc(0xc7);
    const q = decodeOr(() => decodeGetChannelAuthCapabilitiesRequest(req.data));
    if (!q) return cc(0xcc);
    if (q.channel !== 0x0e && q.channel !== LAN_CHANNEL) return cc(0xcc);
    if (q.privilege > this.sessions.privilegeLimit) return cc(0xcc);
    return {
      cc: 0,
      data: encodeGetChannelAuthCapabilitiesResponse({
        channel: LAN_CHANNEL,
        authTypeMask: this.sessions.authTypeMask,
        ipmi20ExtendedSupported: false, // a v1.5 BMC ignores the v2.0 request bit
        perMessageAuthDisabled: false,
        userLevelAuthDisabled: false,
        nonNullUsernames: true,
        nullUsernames: false,
        anonymousLogin: false,
        extendedCapabilities: 0,
        oemId: 0,
        oemAuxData: 0,
      }),
    };
  }

  private sessionChallenge(req: IpmiRequest): Reply {
    if (req.data.length !== 17) return cc(0xc7);
    const q = decodeOr(() => decodeGetSessionChallengeRequest(req.data));
    if (!q) return cc(0xcc);
    const r = this.sessions.challenge(q.authType, q.username);
    if (!r.ok) return cc(r.completionCode);
    return {
      cc: 0,
      data: encodeGetSessionChallengeResponse({ temporarySessionId: r.temporaryId, challenge: r.challenge }),
    };
  }

  /** Activate Session on a temporary session id (22.17). */
  private activate(d: DecodedLanRequest): Buffer | undefined {
    const { session: h, message: req } = d;
    const pending = this.sessions.pendingChallenge(h.sessionId);
    if (!pending) return undefined;
    if (req.netFn !== ACTIVATE_SESSION.netFn || req.cmd !== ACTIVATE_SESSION.cmd) {
      this.stats.unknownSession++;
      return undefined;
    }
    if (h.authType !== pending.authType || !verifyAuthCode(d, pending.user.password)) {
      this.stats.authFailures++;
      return undefined;
    }
    const password = pending.user.password;
    let q: ReturnType<typeof decodeActivateSessionRequest> | undefined;
    if (req.data.length === 22) q = decodeOr(() => decodeActivateSessionRequest(req.data));
    const initialOutbound = req.data.length >= 22 ? Buffer.from(req.data).readUInt32LE(18) : 0;
    const header: SessionHeader = { authType: h.authType, sequence: initialOutbound, sessionId: h.sessionId };
    if (req.data.length !== 22) return this.respond(header, req, cc(0xc7), password);
    if (!q) return this.respond(header, req, cc(0xcc), password);
    const r = this.sessions.activate(h.sessionId, {
      authType: q.authType,
      maxPrivilege: q.maxPrivilege,
      challenge: q.challenge,
      initialOutbound: q.initialOutboundSequence,
    });
    if (!r.ok) return this.respond(header, req, cc(r.completionCode), password);
    // This answer used the console's initial outbound number; later ones follow it.
    this.sessions.nextOutbound(r.session);
    return this.respond(
      header,
      req,
      {
        cc: 0,
        data: encodeActivateSessionResponse({
          authType: r.session.authType,
          sessionId: r.session.id,
          initialInboundSequence: r.session.highestInbound,
          maxPrivilege: r.session.maxPrivilege,
        }),
      },
      password,
    );
  }

  private async inSession(d: DecodedLanRequest, s: LabSession): Promise<Buffer | undefined> {
    const { session: h, message: req } = d;
    if (h.authType !== s.authType) {
      this.stats.authFailures++;
      return undefined;
    }
    if (!this.sessions.inWindow(s, h.sequence)) {
      this.stats.sequenceRejects++;
      return undefined;
    }
    if (!verifyAuthCode(d, s.user.password)) {
      this.stats.authFailures++;
      return undefined;
    }
    this.sessions.acceptInbound(s, h.sequence);
    const reply = await this.dispatch(req, s);
    const header: SessionHeader = {
      authType: s.authType,
      sequence: this.sessions.nextOutbound(s),
      sessionId: s.id,
    };
    return this.respond(header, req, reply, s.user.password);
  }

  private async dispatch(req: IpmiRequest, s: LabSession): Promise<Reply> {
    if (req.rsAddr !== BMC_SLAVE_ADDRESS || req.rsLun !== 0) return cc(0xc2); // no bridging, LUN 0 only
    const entry = this.commands.get((req.netFn << 8) | req.cmd);
    if (!entry) return cc(0xc1);
    if (s.privilege < entry.privilege) return cc(0xd4);
    if (req.data.length < entry.minLength || req.data.length > entry.maxLength) return cc(0xc7);
    return entry.handler(req, s);
  }

  private register(id: CommandId, privilege: Privilege, length: [number, number], handler: Handler): void {
    this.commands.set((id.netFn << 8) | id.cmd, {
      id,
      privilege,
      minLength: length[0],
      maxLength: length[1],
      handler,
    });
  }

  /** Privilege levels follow the spec's command table (v2.0 appendix G). */
  private registerCommands(): void {
    const none: [number, number] = [0, 0];
    // ---- App
    this.register(GET_DEVICE_ID, PRIV_USER, none, () => ({
      cc: 0,
      data: encodeGetDeviceIdResponse(PE860_DEVICE_ID),
    }));
    this.register(GET_SELF_TEST_RESULTS, PRIV_USER, none, () => ({ cc: 0, data: encodeSelfTestPassed() }));
    this.register(GET_SYSTEM_GUID, PRIV_USER, none, () => ({ cc: 0, data: this.guid }));
    this.register(GET_CHANNEL_AUTH_CAPABILITIES, PRIV_CALLBACK, [2, 2], (req) =>
      this.channelAuthCapabilities(req),
    );
    this.register(GET_SESSION_CHALLENGE, PRIV_CALLBACK, [0, 255], () => cc(0xd5));
    this.register(ACTIVATE_SESSION, PRIV_CALLBACK, [22, 22], (_req, s) => ({
      // Already active (22.17): report the session again.
      cc: 0,
      data: encodeActivateSessionResponse({
        authType: s.authType,
        sessionId: s.id,
        initialInboundSequence: s.highestInbound,
        maxPrivilege: s.maxPrivilege,
      }),
    }));
    this.register(SET_SESSION_PRIVILEGE, PRIV_USER, [1, 1], (req, s) => {
      const q = decodeOr(() => decodeSetSessionPrivilegeRequest(req.data));
      if (!q) return cc(0xcc);
      const r = this.sessions.setPrivilege(s, q.privilege);
      return r.ok ? { cc: 0, data: encodeSetSessionPrivilegeResponse(r.privilege) } : cc(r.completionCode);
    });
    this.register(CLOSE_SESSION, PRIV_CALLBACK, [4, 5], (req, s) => {
      const q = decodeOr(() => decodeCloseSessionRequest(req.data));
      if (!q) return cc(0xcc);
      const r = this.sessions.close(s, q.sessionId);
      return r.ok ? OK : cc(r.completionCode);
    });
    // ---- Chassis
    this.register(GET_CHASSIS_CAPABILITIES, PRIV_USER, none, () => ({
      cc: 0,
      data: encodeChassisCapabilities(BMC_SLAVE_ADDRESS),
    }));
    this.register(GET_CHASSIS_STATUS, PRIV_USER, none, () => this.chassisStatus());
    this.register(CHASSIS_CONTROL, PRIV_OPERATOR, [1, 1], (req) => {
      const q = decodeOr(() => decodeChassisControlRequest(req.data));
      if (!q) return cc(0xcc);
      const r = this.power.apply(CHASSIS_ACTIONS[q.op]!);
      return r.ok ? OK : cc(0xd5);
    });
    this.register(CHASSIS_IDENTIFY, PRIV_OPERATOR, [0, 2], () => OK);
    this.register(SET_SYSTEM_BOOT_OPTIONS, PRIV_OPERATOR, [1, 17], (req) => {
      const q = decodeSetSystemBootOptionsRequest(req.data);
      const r = this.bootOptions.set(q.parameter, q.data);
      return r.ok ? OK : cc(r.completionCode);
    });
    this.register(GET_SYSTEM_BOOT_OPTIONS, PRIV_OPERATOR, [3, 3], (req) => {
      const q = decodeGetSystemBootOptionsRequest(req.data);
      const r = this.bootOptions.get(q.parameter);
      if (!r.ok) return cc(r.completionCode);
      return {
        cc: 0,
        data: encodeGetSystemBootOptionsResponse({
          parameterVersion: 1,
          parameter: q.parameter,
          invalid: false,
          data: r.data,
        }),
      };
    });
    // ---- Sensor/Event
    this.register(GET_SENSOR_READING, PRIV_USER, [1, 1], (req) => {
      const r = this.sensors.read(req.data[0]!);
      if (!r) return cc(0xcb);
      const spec = this.sensors.spec(req.data[0]!)!;
      if (spec.kind === "discrete") {
        // Discrete sensors carry states 7:0 and 14:8 (bit 7 of the last byte reserved, 1b).
        return { cc: 0, data: Buffer.from([0, 0xc0, r.state & 0xff, 0x80 | ((r.state >> 8) & 0x7f)]) };
      }
      return {
        cc: 0,
        data: encodeGetSensorReadingResponse({
          raw: r.raw,
          eventMessagesEnabled: true,
          scanningEnabled: true,
          unavailable: r.unavailable,
          state: r.state,
        }),
      };
    });
    this.register(GET_SENSOR_THRESHOLDS, PRIV_USER, [1, 1], (req) => {
      const spec = this.sensors.spec(req.data[0]!);
      if (!spec) return cc(0xcb);
      if (spec.kind !== "threshold") return cc(0xcd);
      return {
        cc: 0,
        data: encodeGetSensorThresholdsResponse({ readableMask: spec.readable, values: spec.thresholds }),
      };
    });
    this.register(GET_SENSOR_HYSTERESIS, PRIV_USER, [2, 2], (req) => {
      const spec = this.sensors.spec(req.data[0]!);
      if (!spec) return cc(0xcb);
      if (spec.kind !== "threshold") return cc(0xcd);
      return { cc: 0, data: Buffer.from([spec.hysteresis, spec.hysteresis]) };
    });
    this.register(GET_SENSOR_EVENT_ENABLE, PRIV_USER, [1, 1], (req) => {
      const spec = this.sensors.spec(req.data[0]!);
      if (!spec) return cc(0xcb);
      if (spec.kind === "discrete")
        return { cc: 0, data: encodeSensorEventEnable(spec.stateMask, spec.stateMask) };
      const m = thresholdEventMasks(spec.readable);
      // Only the event bits (11:0); bits 14:12 of the SDR masks are reading masks.
      return { cc: 0, data: encodeSensorEventEnable(m.assertion & 0x0fff, m.deassertion & 0x0fff) };
    });
    // ---- Storage: SDR
    this.register(GET_SDR_REPOSITORY_INFO, PRIV_USER, none, () => ({
      cc: 0,
      data: encodeGetSdrRepositoryInfoResponse(this.sdr.info()),
    }));
    this.register(RESERVE_SDR_REPOSITORY, PRIV_USER, none, () => ({
      cc: 0,
      data: encodeReserveSdrRepositoryResponse(this.sdr.reserve()),
    }));
    this.register(GET_SDR, PRIV_USER, [6, 6], (req) => {
      const r = this.sdr.read(decodeGetSdrRequest(req.data));
      return r.ok ? { cc: 0, data: encodeGetSdrResponse(r) } : cc(r.completionCode);
    });
    // ---- Storage: SEL
    this.register(GET_SEL_INFO, PRIV_USER, none, () => ({
      cc: 0,
      data: encodeGetSelInfoResponse(this.sel.info()),
    }));
    this.register(RESERVE_SEL, PRIV_USER, none, () => ({
      cc: 0,
      data: encodeReserveSelResponse(this.sel.reserve()),
    }));
    this.register(GET_SEL_ENTRY, PRIV_USER, [6, 6], (req) => {
      const r = this.sel.read(decodeGetSelEntryRequest(req.data));
      return r.ok ? { cc: 0, data: encodeGetSelEntryResponse(r) } : cc(r.completionCode);
    });
    this.register(CLEAR_SEL, PRIV_OPERATOR, [6, 6], (req) => {
      const q = decodeClearSelRequest(req.data);
      if (!q) return cc(0xcc);
      const r = this.sel.clear(q.reservationId, q.action);
      if (!r.ok) return cc(r.completionCode);
      if (q.action === 0xaa) {
        // Like a real BMC, the first entry of a fresh log says it was cleared (sensor type 10h, offset 02h).
        this.sel.add({ ...pe860InitialSel(0)[0]!, timestamp: undefined });
      }
      return { cc: 0, data: Buffer.from([r.progress]) };
    });
    this.register(GET_SEL_TIME, PRIV_USER, none, () => ({
      cc: 0,
      data: encodeSelTime(Math.floor(this.clock() / 1000) + this.selTimeOffset),
    }));
    this.register(SET_SEL_TIME, PRIV_OPERATOR, [4, 4], (req) => {
      this.selTimeOffset = Buffer.from(req.data).readUInt32LE(0) - Math.floor(this.clock() / 1000);
      return OK;
    });
  }

  private async chassisStatus(): Promise<Reply> {
    if (this.hasRealBinding && !this.power.transition) {
      try {
        const actual = await this.binding.state();
        if (actual) this.power.observeExternal(actual);
      } catch (e) {
        this.bindingFailed(e);
      }
    }
    const intrusion = (this.sensors.read(0x51)?.state ?? 0) & 1;
    let coolingFault = false;
    for (const spec of this.sensors.specs) {
      if (spec.kind === "threshold" && spec.sensorType === 0x04) {
        if (((this.sensors.read(spec.number)?.state ?? 0) & 0x02) !== 0) coolingFault = true;
      }
    }
    return {
      cc: 0,
      data: encodeGetChassisStatusResponse({
        powerOn: this.power.state === "on",
        powerOverload: false,
        interlock: false,
        powerFault: false,
        powerControlFault: false,
        restorePolicy: "always-off",
        lastPowerEvent: {
          acFailed: false,
          overload: false,
          interlock: false,
          fault: false,
          onViaIpmi: this.power.poweredOnViaIpmi,
        },
        intrusion: intrusion !== 0,
        frontPanelLockout: false,
        driveFault: false,
        coolingFault,
        identifyState: "off",
        identifySupported: true,
        frontPanelButtons: undefined,
      }),
    };
  }

  /** Push settled power transitions to the binding and arm a timer for the next one. */
  private pump(): void {
    const effects = this.power.drainEffects();
    if (!this.hasRealBinding || this.closed) return;
    for (const e of effects) {
      this.bindingQueue = this.bindingQueue
        .then(() => {
          if (e.kind === "powered-on") return this.binding.powerOn(e.boot);
          if (e.kind === "powered-off") return this.binding.powerOff(e.soft);
          return this.binding.reset(e.boot);
        })
        .catch((err: unknown) => this.bindingFailed(err));
    }
    const due = this.power.nextDueAt();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (due !== undefined) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, due - this.clock()) + 1);
      this.timer.unref();
    }
  }

  private bindingFailed(e: unknown): void {
    this.stats.bindingErrors++;
    this.lastBindingError = e instanceof Error ? e : new Error(String(e));
  }
}

/** A stable GUID per BMC name (16 bytes), so FreeIPMI's per-host caches stay consistent. */
function guidFor(name: string): Buffer {
  const out = Buffer.alloc(16);
  const raw = Buffer.from(`fibrix-lab:${name}`, "utf8");
  for (let i = 0; i < raw.length; i++) out[i % 16] = (out[i % 16]! * 31 + raw[i]!) & 0xff;
  return out;
}
