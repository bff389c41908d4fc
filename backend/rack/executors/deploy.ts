/**
 * Deployment: PXE the machine into the deploy environment, which streams the image from the
 * rack onto its disk and reports; then make the disk the persistent boot device, power cycle,
 * and wait for the installed system to report from its own disk (its address is the result's
 * `ip`). A VM host also gets its libvirt URI (qemu+ssh to that address).
 */
import { BootError } from "../boot/boot-error";
import type { BootServices } from "../boot/services";
import { type Executor, TaskError } from "../executor";
import {
  type BootExecutorOptions,
  bootPayload,
  DEFAULT_REPORT_TIMEOUT_MS,
  ensureOff,
  ifSupported,
  pxeBoot,
  waitingProgress,
} from "./commission";
import type { ExecutorDeps } from "./deps";

export interface DeployExecutorOptions extends BootExecutorOptions {
  /** Image deployed to a VM host that names none (default "fibrix-kvm-host"). */
  vmHostImage?: string;
  /** How long the installed system may take to report after the reboot (default: reportTimeoutMs). */
  bootTimeoutMs?: number;
}

export function deployExecutor(
  deps: ExecutorDeps,
  boot: BootServices,
  opts: DeployExecutorOptions = {},
): Executor {
  return {
    kind: "deploy",
    async run(ctx) {
      const p = bootPayload(ctx);
      const payload = ctx.task.payload as { deploy?: { image?: string } | null; vmHost?: boolean };
      const image =
        payload.deploy?.image ?? (payload.vmHost ? (opts.vmHostImage ?? "fibrix-kvm-host") : undefined);
      if (!image) throw new TaskError("BAD_PAYLOAD", "deploy task names no image");
      const timeoutMs = opts.reportTimeoutMs ?? DEFAULT_REPORT_TIMEOUT_MS;
      const tickMs = opts.progressEveryMs ?? 15_000;
      const driver = deps.power(p.power);
      const pending = boot.expect({ machineId: p.machineId, mode: "deploy", macs: p.macs, image });
      try {
        await pxeBoot(driver);
        await ctx.progress(`powered on into the deploy environment (image ${image})`);
        const written = await pending.wait("deploy", {
          signal: ctx.signal,
          timeoutMs,
          tickMs,
          onTick: waitingProgress(ctx, "image to be written"),
        });
        if (written.error) throw new BootError("BOOT_BAD_REPORT", `deploy environment: ${written.error}`);
        await ctx.progress(
          `image ${image} written to ${written.disk ?? "disk"} (${written.bytes ?? "?"} bytes)`,
        );
        await ensureOff(driver);
        await ifSupported(driver.setBootDevice("disk", { persistent: true }));
        await driver.on();
        // A driver that cannot see the power state (Wake-on-LAN) may have woken a machine that
        // was still powering itself off: wake it again while waiting (harmless once it runs).
        const blind = (await driver.status()) === "unknown";
        const progress = waitingProgress(ctx, "deployed system to boot from its disk");
        const booted = await pending.wait("booted", {
          signal: ctx.signal,
          timeoutMs: opts.bootTimeoutMs ?? timeoutMs,
          tickMs,
          onTick: async (ms) => {
            if (blind && !pending.has("booted")) await driver.on();
            await progress(ms);
          },
        });
        const ip = booted.ip || written.ip || undefined;
        return {
          ...(ip ? { ip } : {}),
          ...(booted.message ? { message: booted.message } : {}),
          ...(payload.vmHost && ip
            ? { vmHostConfig: { uri: `qemu+ssh://root@${ip}/system`, storagePool: "default" } }
            : {}),
        };
      } catch (e) {
        await ensureOff(driver).catch(() => undefined);
        throw e;
      } finally {
        pending.close();
        await driver.close();
      }
    },
  };
}
