import {
  allowedActions,
  BUSY_STATES,
  type LifecycleAction,
  OPERATOR_ACTIONS,
  RACK_RESULTS,
  STATUSES,
  transition,
} from "../../../sdk/model/machine-lifecycle";
import type { MachineStatus } from "../../../sdk/schema/machine";

const ACTIONS: LifecycleAction[] = [...OPERATOR_ACTIONS, ...RACK_RESULTS];

test("the design's main path is legal, step by step", () => {
  const path: [LifecycleAction, MachineStatus][] = [
    ["commission", "Commissioning"],
    ["commissioned", "Ready"],
    ["allocate", "Allocated"],
    ["deploy", "Deploying"],
    ["deployed", "Deployed"],
    ["release", "Releasing"],
    ["released", "Ready"],
  ];
  let s: MachineStatus = "New";
  for (const [a, to] of path) {
    const r = transition(s, a);
    expect(r).toEqual({ ok: true, from: s, to });
    s = to;
  }
});

test.each(STATUSES.flatMap((s) => ACTIONS.map((a) => [s, a] as const)))(
  "%s + %s: either a known state, or refused with the allowed list",
  (s, a) => {
    const r = transition(s, a);
    if (r.ok) {
      expect(STATUSES).toContain(r.to);
      expect(allowedActions(s)).toContain(a);
    } else {
      expect(r.allowed).toEqual(allowedActions(s));
      expect(r.allowed).not.toContain(a);
    }
  },
);

test("every state is reachable from New and every state can leave (no dead end)", () => {
  const seen = new Set<MachineStatus>(["New"]);
  const queue: MachineStatus[] = ["New"];
  while (queue.length) {
    const s = queue.shift()!;
    for (const a of ACTIONS) {
      const r = transition(s, a, "Deployed");
      if (r.ok && !seen.has(r.to)) {
        seen.add(r.to);
        queue.push(r.to);
      }
    }
  }
  expect([...seen].sort()).toEqual([...STATUSES].sort());
  for (const s of STATUSES) expect(allowedActions(s).length).toBeGreaterThan(0);
});

test("failures and timeouts lead to the matching Failed state; busy states time out", () => {
  expect(transition("Commissioning", "commission-failed")).toMatchObject({
    ok: true,
    to: "FailedCommissioning",
  });
  expect(transition("Deploying", "deploy-failed")).toMatchObject({ ok: true, to: "FailedDeployment" });
  expect(transition("Releasing", "release-failed")).toMatchObject({ ok: true, to: "FailedReleasing" });
  for (const s of BUSY_STATES) expect(transition(s, "timeout").ok).toBe(true);
  for (const s of STATUSES.filter((x) => !BUSY_STATES.includes(x)))
    expect(transition(s, "timeout").ok).toBe(false);
});

test("rescue returns to the state it was entered from", () => {
  expect(transition("Broken", "rescue")).toMatchObject({ ok: true, to: "Rescue" });
  expect(transition("Rescue", "exit-rescue", "Broken")).toMatchObject({ ok: true, to: "Broken" });
  expect(transition("Rescue", "exit-rescue")).toMatchObject({ ok: true, to: "Deployed" });
});

test("an allocated machine is released straight to Ready; a deployed one goes through Releasing", () => {
  expect(transition("Allocated", "release")).toMatchObject({ ok: true, to: "Ready" });
  expect(transition("Deployed", "release")).toMatchObject({ ok: true, to: "Releasing" });
  expect(transition("New", "deploy")).toMatchObject({ ok: false, allowed: ["commission", "mark-broken"] });
});
