/**
 * IPMI v1.5 LAN sessions of one simulated BMC (spec 6.12 "IPMI LAN session", 22.16–22.19).
 * Pure: the clock and the random source are injected; no sockets here.
 *
 *   Get Session Challenge → a pending challenge (temporary session id + 16 random bytes),
 *     bounded in number and in age, so unauthenticated peers cannot grow memory;
 *   Activate Session (authenticated with the temporary id) → an active session with its own id,
 *     a random initial inbound sequence number and the console's initial outbound number;
 *   every later packet → `acceptInbound` checks the sequence number window (6.12.13: the BMC
 *     tracks the highest number received and accepts a limited window around it, rejecting
 *     repeats) and refreshes the idle timer.
 *
 * The auth code of each packet is checked by the BMC with the password this table returns;
 * failures here are the command-specific completion codes of 22.16 and 22.17.
 */

export type Privilege = 1 | 2 | 3 | 4 | 5;
export const PRIV_CALLBACK: Privilege = 1;
export const PRIV_USER: Privilege = 2;
export const PRIV_OPERATOR: Privilege = 3;
export const PRIV_ADMIN: Privilege = 4;

/** Auth type numbers (spec 22.13 table): 0 none, 1 MD2, 2 MD5, 4 straight password. */
export type LabAuthType = 0 | 1 | 2 | 4;

export interface LabUser {
  name: string;
  password: string;
  /** Highest privilege this user may reach (channel limit is applied on top). */
  maxPrivilege: Privilege;
  /** Auth types this user may use; defaults to the BMC's allowed types. */
  authTypes?: readonly LabAuthType[];
}

export interface SessionTableOptions {
  users: readonly LabUser[];
  /** Auth types the channel offers (Get Channel Auth Capabilities). */
  allowedAuthTypes: readonly LabAuthType[];
  channelPrivilegeLimit?: Privilege;
  maxSessions?: number;
  idleTimeoutMs?: number;
  challengeTtlMs?: number;
  maxPendingChallenges?: number;
  clock: () => number;
  random: (n: number) => Buffer;
}

export interface PendingChallenge {
  temporaryId: number;
  challenge: Buffer;
  user: LabUser;
  authType: LabAuthType;
  createdAt: number;
}

export interface LabSession {
  id: number;
  user: LabUser;
  authType: LabAuthType;
  maxPrivilege: Privilege;
  privilege: Privilege;
  /** Highest inbound session sequence number accepted so far. */
  highestInbound: number;
  /** Bit i set ⇔ (highestInbound - i) was received (replay detection). */
  seenMask: number;
  /** Next sequence number the BMC puts on its own packets. */
  outbound: number;
  lastActivity: number;
  openedAt: number;
}

export type ChallengeResult =
  | { ok: true; temporaryId: number; challenge: Buffer }
  | { ok: false; completionCode: number; reason: string };

export type ActivateResult =
  | { ok: true; session: LabSession }
  | { ok: false; completionCode: number; reason: string };

/** How far behind / ahead of the highest received number a packet may be (6.12.13 suggests 8). */
export const SEQUENCE_WINDOW_BEHIND = 8;
export const SEQUENCE_WINDOW_AHEAD = 16;

const CC_INVALID_DATA = 0xcc;

export class SessionTable {
  private readonly users: readonly LabUser[];
  private readonly allowed: ReadonlySet<number>;
  private readonly channelLimit: Privilege;
  private readonly maxSessions: number;
  private readonly idleTimeoutMs: number;
  private readonly challengeTtlMs: number;
  private readonly maxPending: number;
  private readonly clock: () => number;
  private readonly random: (n: number) => Buffer;
  private readonly pending = new Map<number, PendingChallenge>();
  private readonly active = new Map<number, LabSession>();

  constructor(o: SessionTableOptions) {
    this.users = o.users;
    this.allowed = new Set(o.allowedAuthTypes);
    this.channelLimit = o.channelPrivilegeLimit ?? PRIV_ADMIN;
    this.maxSessions = o.maxSessions ?? 4;
    this.idleTimeoutMs = o.idleTimeoutMs ?? 60_000;
    this.challengeTtlMs = o.challengeTtlMs ?? 30_000;
    this.maxPending = o.maxPendingChallenges ?? 32;
    this.clock = o.clock;
    this.random = o.random;
  }

  /** Bitmask for Get Channel Authentication Capabilities byte 2 (bit n ⇔ auth type n). */
  get authTypeMask(): number {
    let m = 0;
    for (const t of this.allowed) m |= 1 << t;
    return m;
  }

  get privilegeLimit(): Privilege {
    return this.channelLimit;
  }

  get sessionCount(): number {
    this.expire();
    return this.active.size;
  }

  get sessions(): readonly LabSession[] {
    this.expire();
    return [...this.active.values()];
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private userAllows(u: LabUser, t: number): boolean {
    return this.allowed.has(t) && (u.authTypes === undefined || u.authTypes.includes(t as LabAuthType));
  }

  /** Get Session Challenge (22.16). */
  challenge(authType: number, userName: string): ChallengeResult {
    this.expire();
    const user = this.users.find((u) => u.name === userName);
    if (!user) {
      return userName === ""
        ? { ok: false, completionCode: 0x82, reason: "null user name not enabled" }
        : { ok: false, completionCode: 0x81, reason: "invalid user name" };
    }
    if (!this.userAllows(user, authType)) {
      return { ok: false, completionCode: CC_INVALID_DATA, reason: `auth type ${authType} not allowed` };
    }
    if (this.pending.size >= this.maxPending) {
      // Evict the oldest: a flood of challenges must not lock out a real console.
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    const temporaryId = this.freshId();
    const challenge = this.random(16);
    this.pending.set(temporaryId, {
      temporaryId,
      challenge,
      user,
      authType: authType as LabAuthType,
      createdAt: this.clock(),
    });
    return { ok: true, temporaryId, challenge };
  }

  /** The pending challenge for a temporary session id (to verify the Activate Session packet). */
  pendingChallenge(temporaryId: number): PendingChallenge | undefined {
    const p = this.pending.get(temporaryId);
    if (p && this.clock() - p.createdAt > this.challengeTtlMs) {
      this.pending.delete(temporaryId);
      return undefined;
    }
    return p;
  }

  /**
   * Activate Session (22.17), after the BMC has verified the packet's auth code with the
   * pending user's password. The challenge is consumed whatever the outcome.
   */
  activate(
    temporaryId: number,
    req: { authType: number; maxPrivilege: number; challenge: Uint8Array; initialOutbound: number },
  ): ActivateResult {
    this.expire();
    const p = this.pendingChallenge(temporaryId);
    if (!p) return { ok: false, completionCode: 0x85, reason: "invalid session id" };
    this.pending.delete(temporaryId);
    if (!Buffer.from(req.challenge).equals(p.challenge)) {
      return { ok: false, completionCode: 0x85, reason: "challenge does not match" };
    }
    if (req.authType !== p.authType || !this.userAllows(p.user, req.authType)) {
      return { ok: false, completionCode: CC_INVALID_DATA, reason: "auth type differs from the challenge" };
    }
    if (req.initialOutbound === 0) {
      return { ok: false, completionCode: 0x84, reason: "initial outbound sequence number is 0" };
    }
    if (req.maxPrivilege < 1 || req.maxPrivilege > 5) {
      return { ok: false, completionCode: CC_INVALID_DATA, reason: "bad privilege level" };
    }
    if (req.maxPrivilege > p.user.maxPrivilege || req.maxPrivilege > this.channelLimit) {
      return { ok: false, completionCode: 0x86, reason: "privilege exceeds user or channel limit" };
    }
    if (this.active.size >= this.maxSessions) {
      return { ok: false, completionCode: 0x81, reason: "no session slot available" };
    }
    const now = this.clock();
    const session: LabSession = {
      id: this.freshId(),
      user: p.user,
      authType: p.authType,
      maxPrivilege: req.maxPrivilege as Privilege,
      // 22.17: a session starts at User level (or lower if that is the maximum).
      privilege: Math.min(PRIV_USER, req.maxPrivilege) as Privilege,
      highestInbound: this.freshSequence(),
      seenMask: 0, // the initial number itself is the first one the console may use
      outbound: req.initialOutbound >>> 0,
      lastActivity: now,
      openedAt: now,
    };
    this.active.set(session.id, session);
    return { ok: true, session };
  }

  /** An active, not idle-expired session. */
  lookup(sessionId: number): LabSession | undefined {
    const s = this.active.get(sessionId);
    if (!s) return undefined;
    if (this.clock() - s.lastActivity > this.idleTimeoutMs) {
      this.active.delete(sessionId);
      return undefined;
    }
    return s;
  }

  /** Would this inbound sequence number be accepted? (Checked before the auth code.) */
  inWindow(s: LabSession, seq: number): boolean {
    const diff = ((seq - s.highestInbound) << 0) | 0; // 32-bit wrap-around difference
    if (diff > SEQUENCE_WINDOW_AHEAD || diff <= -SEQUENCE_WINDOW_BEHIND) return false;
    if (diff <= 0 && (s.seenMask & (1 << -diff)) !== 0) return false; // a repeat
    return true;
  }

  /** Record an authenticated packet: move the window, refresh the idle timer. */
  acceptInbound(s: LabSession, seq: number): boolean {
    if (!this.inWindow(s, seq)) return false;
    const diff = ((seq - s.highestInbound) << 0) | 0;
    if (diff > 0) {
      s.seenMask = diff >= 32 ? 1 : ((s.seenMask << diff) | 1) >>> 0;
      s.highestInbound = seq >>> 0;
    } else {
      s.seenMask = (s.seenMask | (1 << -diff)) >>> 0;
    }
    s.lastActivity = this.clock();
    return true;
  }

  /** Sequence number for the BMC's next packet in this session (never 0, 6.12.12). */
  nextOutbound(s: LabSession): number {
    const v = s.outbound;
    s.outbound = (s.outbound + 1) >>> 0;
    if (s.outbound === 0) s.outbound = 1;
    return v;
  }

  /** Set Session Privilege Level (22.18). 0 = just report the present level. */
  setPrivilege(
    s: LabSession,
    level: number,
  ): { ok: true; privilege: Privilege } | { ok: false; completionCode: number } {
    if (level === 0) return { ok: true, privilege: s.privilege };
    if (level === PRIV_CALLBACK || level > 5) return { ok: false, completionCode: 0x80 };
    if (level > s.maxPrivilege) return { ok: false, completionCode: 0x81 };
    s.privilege = level as Privilege;
    return { ok: true, privilege: s.privilege };
  }

  /** Close Session (22.19). Closing another session needs Administrator. */
  close(by: LabSession, sessionId: number): { ok: true } | { ok: false; completionCode: number } {
    if (sessionId !== by.id && by.privilege < PRIV_ADMIN) return { ok: false, completionCode: 0xd4 };
    if (!this.active.delete(sessionId)) return { ok: false, completionCode: 0x87 };
    return { ok: true };
  }

  closeAll(): void {
    this.active.clear();
    this.pending.clear();
  }

  /** Drop idle sessions and stale challenges. */
  expire(): void {
    const now = this.clock();
    for (const [id, s] of this.active) if (now - s.lastActivity > this.idleTimeoutMs) this.active.delete(id);
    for (const [id, p] of this.pending) if (now - p.createdAt > this.challengeTtlMs) this.pending.delete(id);
  }

  private freshId(): number {
    for (;;) {
      const id = this.random(4).readUInt32LE(0);
      if (id !== 0 && !this.active.has(id) && !this.pending.has(id)) return id;
    }
  }

  private freshSequence(): number {
    for (;;) {
      const v = this.random(4).readUInt32LE(0);
      if (v !== 0) return v;
    }
  }
}
