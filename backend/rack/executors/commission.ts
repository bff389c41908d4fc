/**
 * Commissioning (like MAAS): set the next boot to PXE (once), power the machine on (or cycle it),
 * wait for the ephemeral environment's report through the rack's boot server, power off, and
 * return the CommissioningReport (inventory + hardware tests) that the region stores.
 *
 * Machines without a BMC (Wake-on-LAN) can only be powered on: their firmware boots from the
 * network first (as MAAS requires of them), the rack's iPXE script sends them to their disk when
 * there is nothing to do, and the ephemeral environment powers itself off when it is done.
 */
import type { CommissioningReport } from "../../../sdk/schema/rack-agent";
import type { PowerDriver } from "../../power/driver";
import { UnsupportedError } from "../../power/errors";
import { toCommissioningReport } from "../boot/env-report";
import type { BootServices } from "../boot/services";
import { type Executor, type ExecutorContext, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";

export interface BootExecutorOptions {
  /** How long to wait for the environment's report (default 20 min: TCG labs are slow, PE860s POST slowly). */
  reportTimeoutMs?: number;
  /** Progress message period while waiting (keeps the task's lease; default 15 s). */
  progressEveryMs?: number;
}

export const DEFAULT_REPORT_TIMEOUT_MS = 20 * 60_000;

interface BootPayload {
  machineId: string;
  macs: string[];
  power: unknown;
}

export function bootPayload(ctx: ExecutorContext): BootPayload {
  const p = ctx.task.payload as Partial<BootPayload>;
  if (typeof p.machineId !== "string" || !Array.isArray(p.macs) || p.macs.length === 0 || !p.power) {
    throw new TaskError("BAD_PAYLOAD", `${ctx.task.kind} task needs machineId, macs and power`);
  }
  return p as BootPayload;
}

/** Runs a power step the driver may not have (Wake-on-LAN: no boot device, no power off). */
export async function ifSupported(step: Promise<void>): Promise<boolean> {
  try {
    await step;
    return true;
  } catch (e) {
    if (e instanceof UnsupportedError) return false;
    throw e;
  }
}

/** PXE once, then on (or cycle when already on, so the new boot device takes effect). */
export async function pxeBoot(driver: PowerDriver, persistent = false): Promise<void> {
  await ifSupported(driver.setBootDevice("pxe", { persistent }));
  if ((await driver.status()) === "on") await driver.cycle();
  else await driver.on();
}

/**
 * Power off, tolerating a machine that already powered itself off, and a driver that cannot
 * power off (the ephemeral environment powers itself off).
 */
export async function ensureOff(driver: PowerDriver): Promise<void> {
  if ((await driver.status()) !== "off") await ifSupported(driver.off());
}

export function waitingProgress(ctx: ExecutorContext, what: string) {
  return (ms: number) => ctx.progress(`waiting for the ${what} (${Math.round(ms / 1000)} s)`);
}

export function commissionExecutor(
  deps: ExecutorDeps,
  boot: BootServices,
  opts: BootExecutorOptions = {},
): Executor {
  return {
    kind: "commission",
    async run(ctx) {
      const p = bootPayload(ctx);
      const driver = deps.power(p.power);
      const pending = boot.expect({ machineId: p.machineId, mode: "commission", macs: p.macs });
      try {
        await pxeBoot(driver);
        await ctx.progress("powered on into the commissioning environment");
        const raw = await pending.wait("commission", {
          signal: ctx.signal,
          timeoutMs: opts.reportTimeoutMs ?? DEFAULT_REPORT_TIMEOUT_MS,
          tickMs: opts.progressEveryMs ?? 15_000,
          onTick: waitingProgress(ctx, "commissioning report"),
        });
        const report: CommissioningReport = toCommissioningReport(raw);
        await ensureOff(driver);
        return report as unknown as Record<string, unknown>;
      } catch (e) {
        // Leave the machine off after a failure (MAAS does the same), but report the first error.
        await ensureOff(driver).catch(() => undefined);
        throw e;
      } finally {
        pending.close();
        await driver.close();
      }
    },
  };
}
