/**
 * `FibrixClient`: the typed client of a region's REST API, used by the CLI and both providers.
 * One generic sub-client per resource (the API is uniform); machines and VMs add their
 * actions and waiters. Creates always carry an Idempotency-Key, so a retried create never
 * makes a second object.
 */
import type { AxiosInstance } from "axios";
import type { Fabric, FabricCreate, FabricUpdate } from "./schema/fabric";
import type {
  Health,
  Machine,
  MachineAction,
  MachineCreate,
  MachineUpdate,
  SelEvent,
  SensorReading,
} from "./schema/machine";
import type { Pool, PoolCreate, PoolUpdate } from "./schema/pool";
import type { Rack, RackCreate, RackCreated, RackUpdate } from "./schema/rack";
import type { Region, RegionCreate, RegionUpdate } from "./schema/region";
import type { ApiKey, ApiKeyCreate, ApiKeyCreated, Event, Tenant, TenantCreate } from "./schema/tenant";
import type { Vm, VmCreate, VmUpdate } from "./schema/vm";
import { ValidationError } from "./errors";
import { createHttp, type HttpOptions } from "./http";
import { newIdempotencyKey } from "./idempotency";
import { type WaitOptions, waitFor, waitForDeletion } from "./waiters";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export type Filters = Record<string, string | number | boolean | undefined>;
export interface CreateOptions {
  idempotencyKey?: string;
  /** Extra query parameters (e.g. `tenant` when an operator creates a VM for a tenant). */
  query?: Filters;
}
export interface UpdateOptions {
  /** The version last read: the update fails (412) if the object changed since. */
  ifMatch?: number;
}

export class ResourceClient<T extends { id: string }, C, U = never, R = T> {
  constructor(
    protected readonly http: AxiosInstance,
    protected readonly path: string,
  ) {}

  async create(body: C, opts: CreateOptions = {}): Promise<R> {
    const res = await this.http.post<R>(this.path, body, {
      headers: { "Idempotency-Key": opts.idempotencyKey ?? newIdempotencyKey() },
      params: opts.query,
    });
    return res.data;
  }

  async get(id: string): Promise<T> {
    return (await this.http.get<T>(`${this.path}/${encodeURIComponent(id)}`)).data;
  }

  async list(filters: Filters = {}): Promise<Page<T>> {
    return (await this.http.get<Page<T>>(this.path, { params: filters })).data;
  }

  /** Every page, following the cursor. */
  async listAll(filters: Filters = {}): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.list({ ...filters, limit: 1000, ...(cursor ? { cursor } : {}) });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  async update(id: string, body: U, opts: UpdateOptions = {}): Promise<T> {
    const headers = opts.ifMatch !== undefined ? { "If-Match": `"${opts.ifMatch}"` } : {};
    return (await this.http.patch<T>(`${this.path}/${encodeURIComponent(id)}`, body, { headers })).data;
  }

  /** Deletes; resolves with the object when the region answers 202 (deletion under way). */
  async delete(id: string, query: Filters = {}): Promise<T | undefined> {
    const res = await this.http.delete<T>(`${this.path}/${encodeURIComponent(id)}`, { params: query });
    return res.status === 202 ? res.data : undefined;
  }

  waitForDeletion(id: string, opts: WaitOptions<unknown> = {}): Promise<void> {
    return waitForDeletion(() => this.get(id), opts);
  }
}

type StatusOf<T> = T extends { status: infer S } ? S : never;

function statusWaiter<T extends { id: string; status: string; statusReason: string }>(
  get: (id: string) => Promise<T>,
) {
  return (
    id: string,
    want: StatusOf<T> | StatusOf<T>[],
    opts: WaitOptions<T> & { failOn?: StatusOf<T>[] } = {},
  ): Promise<T> => {
    const wanted = (Array.isArray(want) ? want : [want]) as string[];
    const failOn = (opts.failOn ?? []) as string[];
    return waitFor(
      () => get(id),
      (x) => wanted.includes(x.status),
      (x) => x.status,
      {
        ...opts,
        failWhen: (x) => (failOn.includes(x.status) ? `${id} is ${x.status}: ${x.statusReason}` : undefined),
      },
    );
  };
}

export class MachinesClient extends ResourceClient<Machine, MachineCreate, MachineUpdate> {
  async action(
    id: string,
    action: MachineAction,
    body: { reason?: string; erase?: boolean } = {},
  ): Promise<Machine> {
    return (await this.http.post<Machine>(`${this.path}/${encodeURIComponent(id)}/actions/${action}`, body))
      .data;
  }
  async power(
    id: string,
    action: string,
    extra: { device?: "pxe" | "disk"; persistent?: boolean } = {},
  ): Promise<string> {
    return (
      await this.http.post<{ taskId: string }>(`${this.path}/${encodeURIComponent(id)}/power`, {
        action,
        ...extra,
      })
    ).data.taskId;
  }
  async health(id: string): Promise<{ health: Health; sensors: SensorReading[]; sel: SelEvent[] }> {
    return (await this.http.get(`${this.path}/${encodeURIComponent(id)}/health`)).data;
  }
  readonly waitForStatus = statusWaiter<Machine>((id) => this.get(id));
}

export class VmsClient extends ResourceClient<Vm, VmCreate, VmUpdate> {
  readonly waitForStatus = statusWaiter<Vm>((id) => this.get(id));
}

export interface ClientOptions extends Omit<HttpOptions, "endpoint" | "apiKey"> {
  endpoint: string;
  apiKey: string;
}

export class FibrixClient {
  readonly http: AxiosInstance;
  readonly regions: ResourceClient<Region, RegionCreate, RegionUpdate>;
  readonly fabrics: ResourceClient<Fabric, FabricCreate, FabricUpdate>;
  readonly racks: ResourceClient<Rack, RackCreate, RackUpdate, RackCreated>;
  readonly pools: ResourceClient<Pool, PoolCreate, PoolUpdate>;
  readonly machines: MachinesClient;
  readonly vms: VmsClient;
  readonly tenants: ResourceClient<Tenant, TenantCreate>;
  readonly apiKeys: ResourceClient<ApiKey, ApiKeyCreate, never, ApiKeyCreated>;

  constructor(opts: ClientOptions) {
    this.http = createHttp(opts);
    this.regions = new ResourceClient(this.http, "/regions");
    this.fabrics = new ResourceClient(this.http, "/fabrics");
    this.racks = new ResourceClient(this.http, "/racks");
    this.pools = new ResourceClient(this.http, "/pools");
    this.machines = new MachinesClient(this.http, "/machines");
    this.vms = new VmsClient(this.http, "/vms");
    this.tenants = new ResourceClient(this.http, "/tenants");
    this.apiKeys = new ResourceClient(this.http, "/apikeys");
  }

  /** FIBRIX_ENDPOINT and FIBRIX_API_KEY, with an error that says what to set. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, extra: Partial<ClientOptions> = {}): FibrixClient {
    const endpoint = extra.endpoint ?? env.FIBRIX_ENDPOINT;
    const apiKey = extra.apiKey ?? env.FIBRIX_API_KEY;
    if (!endpoint) throw ValidationError.field("FIBRIX_ENDPOINT", "is not set (e.g. http://127.0.0.1:5240)");
    if (!apiKey) throw ValidationError.field("FIBRIX_API_KEY", "is not set");
    return new FibrixClient({ ...extra, endpoint, apiKey });
  }

  async events(q: { object?: string; type?: string; after?: number; limit?: number } = {}): Promise<Event[]> {
    return (await this.http.get<{ items: Event[] }>("/events", { params: q })).data.items;
  }
}
