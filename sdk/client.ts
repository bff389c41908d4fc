/**
 * `FibrixClient`: the typed client of a region's REST API, used by the CLI and both providers.
 * One sub-client per resource (sdk/resources/*.ts). Creates always carry an Idempotency-Key,
 * so a retried create never makes a second object.
 *
 *   const fibrix = new FibrixClient({ endpoint: "http://127.0.0.1:5240", apiKey });
 *   const m = await fibrix.machines.create({ hostname: "pe860-01", rackId, macs, power });
 *   await fibrix.machines.waitForStatus(m.id, "Ready", { onProgress: (x) => console.log(x.status) });
 */
import type { AxiosInstance } from "axios";
import { ValidationError } from "./errors";
import { createHttp, type HttpOptions } from "./http";
import { ApiKeysClient } from "./resources/api-keys";
import { BackupsClient } from "./resources/backups";
import { SnapshotsClient } from "./resources/snapshots";
import { EventsClient } from "./resources/events";
import { FabricsClient } from "./resources/fabrics";
import { ImagesClient } from "./resources/images";
import { MachinesClient } from "./resources/machines";
import { NetworksClient } from "./resources/networks";
import { PoolsClient } from "./resources/pools";
import { QuotasClient } from "./resources/quotas";
import { PublicIpPoolsClient } from "./resources/public-ip-pools";
import { RacksClient } from "./resources/racks";
import { RegionsClient } from "./resources/regions";
import { SecurityGroupsClient } from "./resources/security-groups";
import { TenantsClient } from "./resources/tenants";
import { UsageClient } from "./resources/usage";
import { VmsClient } from "./resources/vms";

export type ClientOptions = HttpOptions;

export class FibrixClient {
  /** The underlying axios instance (base URL `${endpoint}/api/v1`), for endpoints without a helper. */
  readonly http: AxiosInstance;
  readonly regions: RegionsClient;
  readonly fabrics: FabricsClient;
  readonly racks: RacksClient;
  readonly pools: PoolsClient;
  readonly machines: MachinesClient;
  readonly vms: VmsClient;
  readonly networks: NetworksClient;
  readonly securityGroups: SecurityGroupsClient;
  readonly publicIpPools: PublicIpPoolsClient;
  readonly images: ImagesClient;
  readonly tenants: TenantsClient;
  readonly apiKeys: ApiKeysClient;
  readonly events: EventsClient;
  readonly snapshots: SnapshotsClient;
  readonly backups: BackupsClient;
  readonly quotas: QuotasClient;
  readonly usage: UsageClient;

  constructor(opts: ClientOptions) {
    this.http = createHttp(opts);
    this.regions = new RegionsClient(this.http, "/regions");
    this.fabrics = new FabricsClient(this.http, "/fabrics");
    this.racks = new RacksClient(this.http, "/racks");
    this.pools = new PoolsClient(this.http, "/pools");
    this.machines = new MachinesClient(this.http, "/machines");
    this.vms = new VmsClient(this.http, "/vms");
    this.networks = new NetworksClient(this.http, "/networks");
    this.securityGroups = new SecurityGroupsClient(this.http, "/security-groups");
    this.publicIpPools = new PublicIpPoolsClient(this.http, "/public-ip-pools");
    this.images = new ImagesClient(this.http, "/images");
    this.tenants = new TenantsClient(this.http, "/tenants");
    this.apiKeys = new ApiKeysClient(this.http, "/apikeys");
    this.events = new EventsClient(this.http);
    this.snapshots = new SnapshotsClient(this.http, "/snapshots");
    this.backups = new BackupsClient(this.http, "/backups");
    this.quotas = new QuotasClient(this.http, "/quotas");
    this.usage = new UsageClient(this.http);
  }

  /**
   * From FIBRIX_ENDPOINT and FIBRIX_API_KEY (`overrides` win, e.g. CLI flags). Throws a
   * ValidationError naming what to set when either is missing.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ClientOptions> = {}): FibrixClient {
    const endpoint = overrides.endpoint ?? env.FIBRIX_ENDPOINT;
    const apiKey = overrides.apiKey ?? env.FIBRIX_API_KEY;
    const missing = [
      ...(endpoint
        ? []
        : [{ field: "FIBRIX_ENDPOINT", reason: "is not set (the region URL, e.g. http://127.0.0.1:5240)" }]),
      ...(apiKey ? [] : [{ field: "FIBRIX_API_KEY", reason: "is not set (an API key, fbx_…)" }]),
    ];
    if (missing.length > 0 || !endpoint || !apiKey) {
      throw new ValidationError(
        `no region to talk to: set ${missing.map((m) => m.field).join(" and ")} (or pass ${missing
          .map((m) => (m.field === "FIBRIX_ENDPOINT" ? "endpoint" : "apiKey"))
          .join(" and ")})`,
        missing,
      );
    }
    return new FibrixClient({ ...overrides, endpoint, apiKey });
  }
}
