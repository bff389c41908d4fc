/**
 * What the ephemeral environment (and a freshly deployed disk) posts to the rack, and how the
 * rack turns a commissioning post into the region's CommissioningReport (pure). The environment
 * sends raw facts (core count, the firmware memory map, SMBIOS memory devices, block device
 * sectors) and the rack does the arithmetic here, where it is typed and unit-tested, rather than
 * in busybox shell.
 */
import type { Static } from "@sinclair/typebox";
import type { CommissioningReport } from "../../../sdk/schema/rack-agent";
import { BootError } from "./boot-error";
import { hexBytes, installedMemoryMiB } from "./smbios-memory";

/**
 * The report schema, built on first use: TypeBox's value checker costs ~12 MB of resident
 * memory, which a rack without boot services (or before its first report) need not carry.
 */
function reportSchema() {
  const { Type } = require("@sinclair/typebox") as typeof import("@sinclair/typebox");
  const Test = Type.Object({
    name: Type.String({ maxLength: 64 }),
    passed: Type.Boolean(),
    detail: Type.String({ maxLength: 4096 }),
  });
  return Type.Object({
    kind: Type.Union([Type.Literal("commission"), Type.Literal("deploy"), Type.Literal("booted")]),
    /** The address the machine got by DHCP. */
    ip: Type.Optional(Type.String({ maxLength: 64 })),
    cores: Type.Optional(Type.Integer({ minimum: 0, maximum: 4096 })),
    cpuModel: Type.Optional(Type.String({ maxLength: 256 })),
    memTotalKiB: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Sum of "System RAM" ranges of the firmware memory map (/sys/firmware/memmap). */
    e820Bytes: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Raw SMBIOS type-17 structures, hex. */
    dmi17: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 256 })),
    disks: Type.Optional(
      Type.Array(
        Type.Object({ name: Type.String({ maxLength: 32 }), sectors: Type.Integer({ minimum: 0 }) }),
        {
          maxItems: 64,
        },
      ),
    ),
    nics: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ maxLength: 32 }), mac: Type.String({ maxLength: 32 }) }), {
        maxItems: 64,
      }),
    ),
    tests: Type.Optional(Type.Array(Test, { maxItems: 64 })),
    /** Deploy: bytes written to the disk. */
    bytes: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Deploy: the disk the image went to. */
    disk: Type.Optional(Type.String({ maxLength: 32 })),
    /** Booted: what the deployed system says about itself. */
    message: Type.Optional(Type.String({ maxLength: 1024 })),
    /** Set by the environment when its own work failed (e.g. the image download). */
    error: Type.Optional(Type.String({ maxLength: 4096 })),
  });
}

export type EnvReport = Static<ReturnType<typeof reportSchema>>;
export type ReportKind = EnvReport["kind"];

let checker: {
  schema: ReturnType<typeof reportSchema>;
  Value: typeof import("@sinclair/typebox/value").Value;
};

export function parseEnvReport(body: unknown, kind: ReportKind): EnvReport {
  checker ??= {
    schema: reportSchema(),
    Value: (require("@sinclair/typebox/value") as typeof import("@sinclair/typebox/value")).Value,
  };
  const { schema, Value } = checker;
  if (!Value.Check(schema, body)) {
    const first = [...Value.Errors(schema, body)][0];
    throw new BootError(
      "BOOT_BAD_REPORT",
      `malformed ${kind} report: ${first ? `${first.path} ${first.message}` : "not an object"}`,
    );
  }
  if (body.kind !== kind) {
    throw new BootError("BOOT_BAD_REPORT", `a ${body.kind} report was posted to the ${kind} URL`);
  }
  return body;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** Block devices that are not disks of the machine. */
const NOT_A_DISK = /^(loop|ram|sr|fd|zram|nbd|dm-|md)\d*/;

/** Memory in MiB: SMBIOS DIMMs first (what is installed), then the firmware map, then MemTotal. */
export function memoryMiB(r: EnvReport): number {
  const smbios = installedMemoryMiB((r.dmi17 ?? []).map(hexBytes));
  if (smbios !== undefined) return smbios;
  // The firmware map misses the legacy 640K–1M hole and a few reserved pages: round up.
  if (r.e820Bytes) return Math.ceil(r.e820Bytes / MIB);
  return Math.ceil((r.memTotalKiB ?? 0) / 1024);
}

export function toCommissioningReport(r: EnvReport): CommissioningReport {
  if (r.kind !== "commission")
    throw new BootError("BOOT_BAD_REPORT", `not a commissioning report: ${r.kind}`);
  if (!r.cores || r.cores < 1) throw new BootError("BOOT_BAD_REPORT", "the report has no CPU count");
  const storage = (r.disks ?? [])
    .filter((d) => !NOT_A_DISK.test(d.name) && d.sectors > 0)
    .map((d) => ({ name: d.name, sizeGiB: Math.round(((d.sectors * 512) / GIB) * 1000) / 1000 }));
  const nics = (r.nics ?? [])
    .filter(
      (n) =>
        n.name !== "lo" && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(n.mac) && n.mac !== "00:00:00:00:00:00",
    )
    .map((n) => ({ name: n.name, mac: n.mac.toLowerCase() }));
  const tests = [...(r.tests ?? [])];
  if (r.error) tests.push({ name: "environment", passed: false, detail: r.error });
  return {
    inventory: {
      cores: r.cores,
      memoryMiB: memoryMiB(r),
      storage,
      nics,
      ...(r.cpuModel ? { cpuModel: r.cpuModel.trim() } : {}),
    },
    tests,
  };
}
