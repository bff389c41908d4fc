/** `fibrix images list|show|create|delete` (also `image …`): the base image catalogue. */
import { type Command, Option } from "commander";
import type { Image, ImageFormat, ImageOs } from "../../sdk/schema/image";
import type { CliIo } from "../io";
import type { Column } from "../table";
import { listingCommand, withContext } from "./listing";

const OSES: readonly ImageOs[] = ["ubuntu", "debian", "centos", "windows", "other"];
const FORMATS: readonly ImageFormat[] = ["qcow2", "raw"];

const COLUMNS: readonly Column<Image>[] = [
  { header: "id", value: (i) => i.id },
  { header: "name", value: (i) => i.name },
  { header: "os", value: (i) => i.os },
  { header: "format", value: (i) => i.format },
  { header: "status", value: (i) => i.status },
  {
    header: "hosts ready",
    value: (i) => `${i.hosts.filter((h) => h.status === "ready").length}/${i.hosts.length}`,
  },
  { header: "path", value: (i) => i.source.path, max: 50 },
];

interface CreateFlags {
  name: string;
  os: ImageOs;
  format: ImageFormat;
  path: string;
  description?: string;
  wait?: boolean;
}

export function imagesCommand(io: CliIo): Command {
  const group = listingCommand<Image, Record<never, never>>(
    {
      name: "images",
      alias: "image",
      description: "base images VMs are created from",
      columns: COLUMNS,
      list: (c, f) => c.images.list(f),
      listAll: (c, f) => c.images.listAll(f),
      get: (c, id) => c.images.get(id),
    },
    io,
  );
  group
    .command("create")
    .description("register a base image; every VM host imports it from the path on its rack")
    .requiredOption("--name <name>", "image name VMs will use, e.g. ubuntu-24.04")
    .addOption(new Option("--os <os>", "operating system").choices(OSES).makeOptionMandatory())
    .addOption(new Option("--format <format>", "file format").choices(FORMATS).default("qcow2"))
    .requiredOption("--path <path>", "absolute path of the image file on the rack controllers")
    .option("--description <text>", "free text")
    .option("--wait", "wait until every VM host has imported it")
    .action(
      withContext(io, async (ctx, o: CreateFlags) => {
        let img = await ctx.client.images.create({
          name: o.name,
          os: o.os,
          format: o.format,
          source: { path: o.path },
          ...(o.description !== undefined ? { description: o.description } : {}),
        });
        if (o.wait) img = await ctx.client.images.waitForStatus(img.id, "ready", { timeoutMs: 60 * 60_000 });
        ctx.printList([img], COLUMNS);
      }),
    );
  group
    .command("delete")
    .description("remove an image from the catalogue (refused while VMs use it)")
    .argument("<id>", "image id")
    .action(
      withContext(io, async (ctx, id: string) => {
        await ctx.client.images.delete(id);
        if (!ctx.json) ctx.io.out(`deleted ${id}\n`);
      }),
    );
  return group;
}
