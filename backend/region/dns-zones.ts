/**
 * Feeds the region's DNS server: one forward zone per region (machines and VMs that have an
 * address), rebuilt from the store after every DNS-visible change. Rebuilds are coalesced
 * (one in flight, one pending) so a burst of 10 000 creates costs a handful of rebuilds.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { buildZoneSet, type ZoneInput, type ZoneSet } from "./dns/zone";
import type { Database } from "./store/database";

export async function loadZones(db: Kysely<Database>, serial: number, nsAddress?: string): Promise<ZoneSet> {
  const regions = await db.selectFrom("regions").select(["id", "dnsDomain", "dnsTtl"]).execute();
  const machines = await db
    .selectFrom("machines")
    .innerJoin("racks", "racks.id", "machines.rackId")
    .select(["racks.regionId as regionId", "machines.hostname as name", "machines.ip as ip"])
    .where("machines.ip", "is not", null)
    .execute();
  const vms = await db
    .selectFrom("vms")
    .select(["regionId", "name", "ip"])
    .where("ip", "is not", null)
    .where("regionId", "is not", null)
    .execute();
  const zones: ZoneInput[] = regions.map((r) => {
    const ns = `ns1.${r.dnsDomain}`;
    const hosts = [...machines, ...vms]
      .filter((h) => h.regionId === r.id)
      .map((h) => (h.ip!.includes(":") ? { name: h.name, ipv6: h.ip! } : { name: h.name, ipv4: h.ip! }));
    return {
      origin: r.dnsDomain,
      nameservers: [ns],
      serial: serial % 2 ** 32,
      ttl: r.dnsTtl,
      nsAddresses: nsAddress
        ? [{ name: ns, ...(nsAddress.includes(":") ? { ipv6: nsAddress } : { ipv4: nsAddress }) }]
        : [],
      hosts,
    };
  });
  return buildZoneSet({ zones });
}

export class ZoneCache {
  private current: ZoneSet = buildZoneSet({ zones: [] });
  private running: Promise<void> | undefined;
  /** The one rebuild queued behind the running one, shared by every caller meanwhile. */
  private next: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly serial: () => number,
    private readonly log: Logger,
    private readonly nsAddress?: string,
  ) {}

  get(): ZoneSet {
    return this.current;
  }

  /** Rebuilds soon; resolves when a rebuild that started after this call has finished. */
  refresh(): Promise<void> {
    if (this.running) {
      // Callers that ask while a rebuild runs share ONE follow-up: a follow-up per caller
      // re-queued itself for ever (a busy loop once the store failed fast, e.g. on shutdown).
      this.next ??= this.running.then(() => {
        this.next = undefined;
        return this.refresh();
      });
      return this.next;
    }
    this.running = (async () => {
      try {
        this.current = await loadZones(this.db, this.serial(), this.nsAddress);
      } catch (e) {
        // Keep serving the last good snapshot; a bad record must not take DNS down.
        this.log.error({ err: e }, "DNS zone rebuild failed; serving the previous snapshot");
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
