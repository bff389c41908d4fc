import fc from "fast-check";
import { type PowerAction, PowerStateMachine } from "../../../backend/lab/bmc/power-state";

const timings = {
  onDelayMs: 300,
  offDelayMs: 50,
  softOffDelayMs: 2000,
  cycleIntervalMs: 1000,
  resetDelayMs: 100,
};

function machine(initial: "on" | "off" = "off") {
  const clock = { now: 1_000_000 };
  const m = new PowerStateMachine(() => clock.now, timings, initial);
  return { m, step: (ms: number) => (clock.now += ms), clock };
}

describe("PowerStateMachine (chassis control, spec 28.3)", () => {
  test("power on takes onDelayMs; status reads off until then", () => {
    const { m, step } = machine();
    expect(m.apply("on")).toEqual({ ok: true });
    expect(m.state).toBe("off");
    step(299);
    expect(m.state).toBe("off");
    step(1);
    expect(m.state).toBe("on");
    expect(m.boots).toHaveLength(1);
    expect(m.poweredOnViaIpmi).toBe(true);
  });

  test("idempotent: on when on and off when off change nothing and boot nothing", () => {
    const { m, step } = machine("on");
    m.apply("on");
    step(1000);
    expect(m.state).toBe("on");
    expect(m.boots).toHaveLength(0);
    m.apply("off");
    step(50);
    expect(m.state).toBe("off");
    m.apply("off");
    step(1000);
    expect(m.state).toBe("off");
    expect(m.drainEffects().map((e) => e.kind)).toEqual(["powered-off"]);
  });

  test("off cancels a power-up still in flight", () => {
    const { m, step } = machine();
    m.apply("on");
    step(100);
    m.apply("off");
    step(1000);
    expect(m.state).toBe("off");
    expect(m.boots).toHaveLength(0);
  });

  test("cycle: off after offDelay, on again after the interval; refused while off", () => {
    const { m, step } = machine("on");
    expect(m.apply("cycle")).toEqual({ ok: true });
    step(50);
    expect(m.state).toBe("off");
    step(1000 + 299);
    expect(m.state).toBe("off");
    step(1);
    expect(m.state).toBe("on");
    expect(m.drainEffects().map((e) => e.kind)).toEqual(["powered-off", "powered-on"]);
    const off = machine("off");
    expect(off.m.apply("cycle")).toEqual({ ok: false, reason: "not-in-present-state" });
    expect(off.m.apply("reset")).toEqual({ ok: false, reason: "not-in-present-state" });
    expect(off.m.apply("soft-off")).toEqual({ ok: false, reason: "not-in-present-state" });
  });

  test("soft-off waits for the OS; reset boots again without a power change", () => {
    const { m, step } = machine("on");
    m.apply("reset");
    step(100);
    expect(m.state).toBe("on");
    expect(m.boots.map((b) => b.cause)).toEqual(["reset"]);
    m.apply("soft-off");
    step(1999);
    expect(m.state).toBe("on");
    step(1);
    expect(m.state).toBe("off");
    const effects = m.drainEffects();
    expect(effects.map((e) => e.kind)).toEqual(["reset", "powered-off"]);
    expect(effects[1]).toMatchObject({ kind: "powered-off", soft: true });
  });

  test("boot flags: a one-time PXE override is used once, then cleared; persistent stays", () => {
    const { m, step } = machine();
    m.setBootFlags(Buffer.from([0x80, 0x04, 0, 0, 0])); // valid, next boot only, PXE
    expect(m.bootFlags).toMatchObject({ valid: true, persistent: false, device: 1 });
    m.apply("on");
    step(300);
    expect(m.boots.at(-1)?.device).toBe("pxe");
    expect(m.bootFlags.valid).toBe(false);
    m.apply("reset");
    step(100);
    expect(m.boots.at(-1)?.device).toBe("default");

    m.setBootFlags(Buffer.from([0xc0, 0x08, 0, 0, 0])); // valid, persistent, disk
    m.apply("reset");
    step(100);
    m.apply("reset");
    step(100);
    expect(m.boots.slice(-2).map((b) => b.device)).toEqual(["disk", "disk"]);
    expect(m.bootFlags.valid).toBe(true);
  });

  test("property: after any action sequence, a final 'on' then enough time means on; 'off' means off", () => {
    const actions: PowerAction[] = ["off", "on", "cycle", "reset", "soft-off", "diag"];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...actions), fc.integer({ min: 0, max: 3000 })), { maxLength: 30 }),
        fc.constantFrom<"on" | "off">("on", "off"),
        fc.constantFrom<"on" | "off">("on", "off"),
        (steps, initial, final) => {
          const { m, step } = machine(initial);
          for (const [a, dt] of steps) {
            const r = m.apply(a);
            if (!r.ok) expect(m.state).toBe("off");
            step(dt);
            expect(["on", "off"]).toContain(m.state);
          }
          m.apply(final);
          step(10_000);
          expect(m.state).toBe(final);
          // Every powered-on effect is a recorded boot.
          const effects = m.drainEffects();
          const boots = effects.filter((e) => e.kind !== "powered-off").length;
          expect(boots).toBe(m.boots.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
