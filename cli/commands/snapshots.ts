/** `fibrix snapshots list|show|create|revert|delete`: disk-only snapshots of VMs. */
import type { Command } from "commander";
import type { SnapshotFilters } from "../../sdk/resources/snapshots";
import { type VmSnapshot, VmSnapshotStatus } from "../../sdk/schema/snapshot";
import type { CliIo } from "../io";
import type { Column } from "../table";
import { enumValues, listingCommand, withContext } from "./listing";

const COLUMNS: readonly Column<VmSnapshot>[] = [
  { header: "id", value: (s) => s.id },
  { header: "vm", value: (s) => s.vmId },
  { header: "name", value: (s) => s.name },
  { header: "status", value: (s) => s.status },
  { header: "consistency", value: (s) => s.consistency },
  { header: "created", value: (s) => s.createdAt },
];

const WAIT_MS = 600_000;

export function snapshotsCommand(io: CliIo): Command {
  const group = listingCommand<VmSnapshot, SnapshotFilters>(
    {
      name: "snapshots",
      alias: "snapshot",
      description: "disk-only snapshots of VMs (quiesced through the guest agent, else crash-consistent)",
      columns: COLUMNS,
      filters: [
        { flags: "--vm <id>", description: "only of this VM", key: "vm" },
        {
          flags: "--status <status>",
          description: "only in this status",
          key: "status",
          choices: enumValues(VmSnapshotStatus),
        },
      ],
      list: (c, f) => c.snapshots.list(f),
      listAll: (c, f) => c.snapshots.listAll(f),
      get: (c, id) => c.snapshots.get(id),
    },
    io,
  );
  group
    .command("create")
    .description("snapshot a VM's disk (Running or Stopped)")
    .argument("<vm>", "VM id")
    .requiredOption("--name <name>", "snapshot name, unique per VM")
    .option("--description <text>", "free text")
    .option("--no-wait", "return once the snapshot is queued")
    .action(
      withContext(io, async (ctx, vmId: string, o: { name: string; description?: string; wait: boolean }) => {
        let s = await ctx.client.snapshots.create({
          vmId,
          name: o.name,
          ...(o.description ? { description: o.description } : {}),
        });
        if (o.wait)
          s = await ctx.client.snapshots.waitForStatus(s.id, "Ready", {
            timeoutMs: WAIT_MS,
            intervalMs: 500,
          });
        ctx.printList([s], COLUMNS);
      }),
    );
  group
    .command("revert")
    .description("rewind the VM's disk to the snapshot (the VM must be Stopped)")
    .argument("<id>", "snapshot id")
    .option("--no-wait", "return once the revert is queued")
    .action(
      withContext(io, async (ctx, id: string, o: { wait: boolean }) => {
        let s = await ctx.client.snapshots.revert(id);
        if (o.wait)
          s = await ctx.client.snapshots.waitForStatus(s.id, "Ready", {
            timeoutMs: WAIT_MS,
            intervalMs: 500,
          });
        if (ctx.json) ctx.printOne(s);
        else ctx.io.out(`${s.vmId}: ${s.statusReason || s.status}\n`);
      }),
    );
  group
    .command("delete")
    .description("delete a snapshot from the VM's disk")
    .argument("<id>", "snapshot id")
    .option("--no-wait", "return once the deletion is queued")
    .action(
      withContext(io, async (ctx, id: string, o: { wait: boolean }) => {
        await ctx.client.snapshots.delete(id);
        if (o.wait) await ctx.client.snapshots.waitForDeletion(id, { timeoutMs: WAIT_MS, intervalMs: 500 });
        if (!ctx.json) ctx.io.out(`deleted ${id}\n`);
      }),
    );
  return group;
}
