/**
 * `fibrix backups list|show|delete|restore` and `fibrix vms backup VM`: backups of VM disks.
 * A backup or a restore shows a progress line per change (phase, MiB done/total, %) and ends
 * with its throughput in MiB/s; progress goes to stderr with --json, so stdout stays JSON.
 */
import type { Command } from "commander";
import { describeBytes, mibPerSecond, parseByteProgress } from "../../sdk/byte-progress";
import type { FibrixClient } from "../../sdk/client";
import type { BackupFilters } from "../../sdk/resources/backups";
import { type Backup, BackupStatus } from "../../sdk/schema/backup";
import { WaitFailedError, WaitTimeoutError } from "../../sdk/waiters";
import { positiveInt } from "../context";
import type { CliIo } from "../io";
import type { Column } from "../table";
import { enumValues, listingCommand, withContext } from "./listing";

const MiB = 1024 * 1024;

const COLUMNS: readonly Column<Backup>[] = [
  { header: "id", value: (b) => b.id },
  { header: "vm", value: (b) => b.vmName },
  { header: "status", value: (b) => b.status },
  { header: "consistency", value: (b) => b.consistency },
  { header: "MiB", value: (b) => (b.sizeBytes === null ? null : (b.sizeBytes / MiB).toFixed(1)) },
  { header: "disk GiB", value: (b) => b.diskGiB },
  { header: "MiB/s", value: (b) => b.throughputMiBps },
  { header: "created", value: (b) => b.createdAt },
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Creates a backup of `vmId` and, unless `wait` is false, shows its progress until Ready. */
export async function runBackup(
  client: FibrixClient,
  say: (line: string) => void,
  vmId: string,
  o: { keepLast?: number; keepDays?: number; wait: boolean; timeoutMs: number },
): Promise<Backup> {
  const retention = {
    ...(o.keepLast !== undefined ? { keepLast: o.keepLast } : {}),
    ...(o.keepDays !== undefined ? { keepDays: o.keepDays } : {}),
  };
  const started = Date.now();
  let b = await client.backups.create({ vmId, ...(Object.keys(retention).length > 0 ? { retention } : {}) });
  say(`backup ${b.id} of ${b.vmName}: ${b.status}`);
  if (!o.wait) return b;
  b = await client.backups.waitForStatus(b.id, "Ready", {
    timeoutMs: o.timeoutMs,
    intervalMs: 500,
    onProgress: (x, ms) => {
      if (x.status === "Running")
        say(
          `  [${seconds(ms).padStart(7)}] ${x.progress.phase.padEnd(8)} ${describeBytes({ done: x.progress.bytesDone, total: x.progress.bytesTotal })}`,
        );
    },
  });
  const disk = b.virtualSizeBytes ?? 0;
  say(
    `backup ${b.id} Ready (${b.consistency}): ${disk / MiB} MiB of disk → ${((b.sizeBytes ?? 0) / MiB).toFixed(1)} MiB file, ${seconds(Date.now() - started)}, ${b.throughputMiBps ?? mibPerSecond(disk, Date.now() - started).toFixed(1)} MiB/s`,
  );
  return b;
}

interface RestoreFlags {
  name: string;
  pool: string;
  cores: number;
  memory: number;
  disk?: number;
  power: "on" | "off";
  tenant?: string;
  wait: boolean;
  timeout: number;
}

export function backupsCommand(io: CliIo): Command {
  const group = listingCommand<Backup, BackupFilters>(
    {
      name: "backups",
      alias: "backup",
      description: "backups of VM disks (restore one into a new VM)",
      columns: COLUMNS,
      filters: [
        { flags: "--vm <id>", description: "only of this VM", key: "vm" },
        {
          flags: "--status <status>",
          description: "only in this status",
          key: "status",
          choices: enumValues(BackupStatus),
        },
      ],
      list: (c, f) => c.backups.list(f),
      listAll: (c, f) => c.backups.listAll(f),
      get: (c, id) => c.backups.get(id),
    },
    io,
  );
  group
    .command("delete")
    .description("remove a backup's files from the backup store, then the backup")
    .argument("<id>", "backup id")
    .option("--no-wait", "return once the deletion is queued")
    .action(
      withContext(io, async (ctx, id: string, o: { wait: boolean }) => {
        await ctx.client.backups.delete(id);
        if (o.wait) await ctx.client.backups.waitForDeletion(id, { timeoutMs: 600_000 });
        if (!ctx.json) ctx.io.out(`deleted ${id}\n`);
      }),
    );
  group
    .command("restore")
    .description("create a new VM whose disk is the backup's (placed like any VM)")
    .argument("<id>", "backup id")
    .requiredOption("--name <name>", "the new VM's name")
    .requiredOption("--pool <id>", "pool to place it in")
    .option("--cores <n>", "vCPUs", positiveInt("--cores"), 1)
    .option("--memory <MiB>", "memory in MiB", positiveInt("--memory"), 512)
    .option("--disk <GiB>", "disk size (default and minimum: the backup's)", positiveInt("--disk"))
    .option("--power <state>", "on or off after the restore", "on")
    .option("--tenant <id>", "operators: the tenant the VM is for (default: the backup's)")
    .option("--no-wait", "return once the VM is queued")
    .option("--timeout <seconds>", "how long to wait", positiveInt("--timeout"), 3600)
    .action(
      withContext(io, async (ctx, id: string, o: RestoreFlags) => {
        const say = (l: string) => (ctx.json ? ctx.io.err : ctx.io.out)(`${l}\n`);
        const b = await ctx.client.backups.get(id);
        const started = Date.now();
        const vm = await ctx.client.vms.create(
          {
            name: o.name,
            poolId: o.pool,
            image: b.image,
            cores: o.cores,
            memoryMiB: o.memory,
            diskGiB: o.disk ?? b.diskGiB,
            powerState: o.power === "off" ? "off" : "on",
            restoreFrom: b.id,
          },
          { tenant: o.tenant ?? b.tenantId },
        );
        say(`restoring ${b.id} (${b.vmName}) into VM ${vm.id} (${vm.name})`);
        if (!o.wait) return ctx.printOne(vm);
        // The rack's progress lines are the VM's events: `verify|restore done/total bytes`, then the figures.
        let after: number | undefined;
        const deadline = Date.now() + o.timeout * 1000;
        let done = vm;
        for (;;) {
          for (const e of await ctx.client.events.list({
            object: vm.id,
            ...(after !== undefined ? { after } : {}),
          })) {
            after = e.id;
            const p = parseByteProgress(e.reason ?? "");
            if (p)
              say(
                `  [${seconds(Date.now() - started).padStart(7)}] ${p.phase.padEnd(8)} ${describeBytes(p)}`,
              );
            else if (/^restored /.test(e.reason ?? "")) say(`  ${e.reason}`);
          }
          if (["Running", "Stopped"].includes(done.status)) break;
          if (done.status === "Failed")
            throw new WaitFailedError(`VM ${vm.id} is Failed (${done.statusReason})`, done.status);
          if (Date.now() > deadline)
            throw new WaitTimeoutError(
              `VM ${vm.id} is still ${done.status} after ${o.timeout} s`,
              done.status,
            );
          await new Promise((r) => setTimeout(r, 500));
          done = await ctx.client.vms.get(vm.id);
        }
        say(`VM ${done.id} ${done.status} after ${seconds(Date.now() - started)}`);
        ctx.printOne(done);
      }),
    );
  return group;
}

/** `fibrix vms backup VM`: added to the vms group. */
export function addVmBackupCommand(vms: Command, io: CliIo): void {
  vms
    .command("backup")
    .description("back up a VM's disk to its rack's backup store, showing progress and throughput")
    .argument("<vm>", "VM id")
    .option("--keep-last <n>", "retention: keep the VM's newest N backups", positiveInt("--keep-last"))
    .option(
      "--keep-days <d>",
      "retention: keep the VM's backups younger than D days",
      positiveInt("--keep-days"),
    )
    .option("--no-wait", "return once the backup is queued")
    .option("--timeout <seconds>", "how long to wait", positiveInt("--timeout"), 6 * 3600)
    .action(
      withContext(
        io,
        async (
          ctx,
          vmId: string,
          o: { keepLast?: number; keepDays?: number; wait: boolean; timeout: number },
        ) => {
          const say = (l: string) => (ctx.json ? ctx.io.err : ctx.io.out)(`${l}\n`);
          const b = await runBackup(ctx.client, say, vmId, { ...o, timeoutMs: o.timeout * 1000 });
          if (ctx.json) ctx.printOne(b);
        },
      ),
    );
}
