import {
  type LabUser,
  PRIV_ADMIN,
  PRIV_OPERATOR,
  PRIV_USER,
  SEQUENCE_WINDOW_AHEAD,
  SessionTable,
} from "../../../backend/lab/bmc/session-table";
import { seededRandom } from "../../../backend/lab/bmc/sensors";

const users: LabUser[] = [
  { name: "admin", password: "secret", maxPrivilege: PRIV_ADMIN },
  { name: "viewer", password: "view", maxPrivilege: PRIV_USER, authTypes: [2] },
];

function table(extra: Partial<ConstructorParameters<typeof SessionTable>[0]> = {}) {
  const clock = { now: 0 };
  const rand = seededRandom(42);
  const random = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const t = new SessionTable({ users, allowedAuthTypes: [2, 4], clock: () => clock.now, random, ...extra });
  return { t, clock };
}

function open(t: SessionTable, user = "admin", priv = PRIV_ADMIN, authType = 2) {
  const c = t.challenge(authType, user);
  if (!c.ok) throw new Error(c.reason);
  const a = t.activate(c.temporaryId, {
    authType,
    maxPrivilege: priv,
    challenge: c.challenge,
    initialOutbound: 7,
  });
  if (!a.ok) throw new Error(a.reason);
  return a.session;
}

describe("SessionTable (IPMI v1.5 sessions, spec 22.16–22.19)", () => {
  test("challenge: unknown user 0x81, null user 0x82, auth type not offered 0xCC", () => {
    const { t } = table();
    expect(t.challenge(2, "mallory")).toMatchObject({ ok: false, completionCode: 0x81 });
    expect(t.challenge(2, "")).toMatchObject({ ok: false, completionCode: 0x82 });
    expect(t.challenge(0, "admin")).toMatchObject({ ok: false, completionCode: 0xcc });
    expect(t.challenge(4, "viewer")).toMatchObject({ ok: false, completionCode: 0xcc }); // per-user list
    expect(t.authTypeMask).toBe(0b10100);
  });

  test("activate: wrong challenge 0x85, replayed challenge 0x85, privilege over limit 0x86", () => {
    const { t } = table();
    const c = t.challenge(2, "viewer");
    if (!c.ok) throw new Error("challenge");
    const bad = Buffer.from(c.challenge);
    bad[0] = bad[0]! ^ 1;
    expect(
      t.activate(c.temporaryId, { authType: 2, maxPrivilege: 2, challenge: bad, initialOutbound: 1 }),
    ).toMatchObject({ ok: false, completionCode: 0x85 });
    // The challenge was consumed by the failed attempt.
    expect(
      t.activate(c.temporaryId, { authType: 2, maxPrivilege: 2, challenge: c.challenge, initialOutbound: 1 }),
    ).toMatchObject({ ok: false, completionCode: 0x85 });
    const c2 = t.challenge(2, "viewer");
    if (!c2.ok) throw new Error("challenge");
    expect(
      t.activate(c2.temporaryId, {
        authType: 2,
        maxPrivilege: PRIV_OPERATOR,
        challenge: c2.challenge,
        initialOutbound: 1,
      }),
    ).toMatchObject({ ok: false, completionCode: 0x86 });
  });

  test("sessions start at User, may rise to their maximum (0x81 beyond), never to Callback (0x80)", () => {
    const { t } = table();
    const s = open(t, "admin", PRIV_OPERATOR);
    expect(s.privilege).toBe(PRIV_USER);
    expect(t.setPrivilege(s, PRIV_OPERATOR)).toEqual({ ok: true, privilege: PRIV_OPERATOR });
    expect(t.setPrivilege(s, PRIV_ADMIN)).toEqual({ ok: false, completionCode: 0x81 });
    expect(t.setPrivilege(s, 1)).toEqual({ ok: false, completionCode: 0x80 });
    expect(t.setPrivilege(s, 0)).toEqual({ ok: true, privilege: PRIV_OPERATOR });
  });

  test("max sessions: the fifth activation gets 0x81; closing frees a slot", () => {
    const { t } = table({ maxSessions: 4 });
    const ss = [open(t), open(t), open(t), open(t)];
    const c = t.challenge(2, "admin");
    if (!c.ok) throw new Error("challenge");
    expect(
      t.activate(c.temporaryId, { authType: 2, maxPrivilege: 4, challenge: c.challenge, initialOutbound: 1 }),
    ).toMatchObject({ ok: false, completionCode: 0x81 });
    expect(t.close(ss[0]!, ss[0]!.id)).toEqual({ ok: true });
    expect(t.close(ss[1]!, 12345)).toEqual({ ok: false, completionCode: 0xd4 }); // at User level
    expect(t.sessionCount).toBe(3);
    open(t);
    expect(t.sessionCount).toBe(4);
  });

  test("inbound sequence window: first number accepted, repeats and far jumps refused", () => {
    const { t } = table();
    const s = open(t);
    const first = s.highestInbound;
    expect(t.acceptInbound(s, first)).toBe(true);
    expect(t.acceptInbound(s, first)).toBe(false); // replay
    expect(t.acceptInbound(s, first + 1)).toBe(true);
    expect(t.acceptInbound(s, first + 3)).toBe(true);
    expect(t.acceptInbound(s, first + 2)).toBe(true); // late but inside the window, not seen
    expect(t.acceptInbound(s, first + 2)).toBe(false);
    expect(t.acceptInbound(s, first + 3 + SEQUENCE_WINDOW_AHEAD + 1)).toBe(false);
    expect(t.acceptInbound(s, first - 20)).toBe(false);
    // wrap-around at 2^32
    s.highestInbound = 0xffffffff;
    s.seenMask = 1;
    expect(t.acceptInbound(s, 0x00000002)).toBe(true);
  });

  test("outbound numbers start at the console's initial value and skip 0", () => {
    const { t } = table();
    const s = open(t);
    expect(t.nextOutbound(s)).toBe(7);
    expect(t.nextOutbound(s)).toBe(8);
    s.outbound = 0xffffffff;
    expect(t.nextOutbound(s)).toBe(0xffffffff);
    expect(t.nextOutbound(s)).toBe(1);
  });

  test("idle sessions and stale challenges expire; pending challenges are bounded", () => {
    const { t, clock } = table({ idleTimeoutMs: 1000, challengeTtlMs: 500, maxPendingChallenges: 3 });
    const s = open(t);
    clock.now += 999;
    expect(t.lookup(s.id)).toBe(s);
    t.acceptInbound(s, s.highestInbound);
    clock.now += 1001;
    expect(t.lookup(s.id)).toBeUndefined();
    for (let i = 0; i < 10; i++) t.challenge(2, "admin");
    expect(t.pendingCount).toBe(3);
    const c = t.challenge(2, "admin");
    if (!c.ok) throw new Error("challenge");
    clock.now += 501;
    expect(t.pendingChallenge(c.temporaryId)).toBeUndefined();
  });
});
