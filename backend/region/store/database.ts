/**
 * Table shapes as kysely sees them (camelCase here; snake_case in SQL via CamelCasePlugin).
 * Timestamps are ISO-8601 text, booleans 0/1 and nested values JSON text, so that SQLite and
 * PostgreSQL hold byte-identical data and one set of queries serves both.
 */
import type { Generated } from "kysely";

interface Versioned {
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface RegionTable extends Versioned {
  id: string;
  name: string;
  dnsDomain: string;
  description: string;
  dnsTtl: number;
}
export interface FabricTable extends Versioned {
  id: string;
  name: string;
  regionId: string;
  description: string;
  /** JSON { first, last } of the VLAN ids tenant networks get, or null (VXLAN). */
  tenantVlans: string | null;
}
export interface RackTable extends Versioned {
  id: string;
  name: string;
  regionId: string;
  fabricId: string | null;
  subnet: string;
  gateway: string | null;
  dhcpStart: string;
  dhcpEnd: string;
  description: string;
  status: string;
  lastHeartbeat: string | null;
  tokenHash: string;
}
export interface PoolTable extends Versioned {
  id: string;
  name: string;
  description: string;
  cpuOvercommit: number;
  memoryOvercommit: number;
}
export interface PoolTenantTable {
  poolId: string;
  tenantId: string;
}
export interface MachineTable extends Versioned {
  id: string;
  hostname: string;
  rackId: string;
  macs: string;
  power: string;
  powerSecret: string | null;
  poolId: string | null;
  tags: string;
  description: string;
  deploy: string | null;
  deploySecret: string | null;
  vmHost: number;
  vmHostConfig: string | null;
  status: string;
  statusReason: string;
  statusChangedAt: string;
  rescueFrom: string | null;
  powerState: string;
  powerError: string | null;
  inventory: string | null;
  health: string;
  ip: string | null;
}
export interface MachineMacTable {
  mac: string;
  machineId: string;
}
export interface VmTable extends Versioned {
  id: string;
  name: string;
  tenantId: string;
  poolId: string;
  hostId: string | null;
  regionId: string | null;
  image: string;
  cores: number;
  memoryMib: number;
  diskGib: number;
  antiAffinityGroup: string | null;
  spread: string | null;
  description: string;
  powerState: string;
  status: string;
  statusReason: string;
  ip: string | null;
  userDataSecret: string | null;
  sshKeys: string;
  lastSeen: string | null;
  /** The backup its disk was restored from; null when cloned from its image. */
  restoreFrom: string | null;
  /** JSON: the tenant networks as asked ([{ networkId, securityGroupIds? }]); [] = the host bridge. */
  networks: string;
  publicIp: number;
}
export interface TenantTable extends Versioned {
  id: string;
  name: string;
  description: string;
}
export interface ApiKeyTable {
  id: string;
  name: string;
  role: string;
  tenantId: string | null;
  hash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface EventTable {
  id: Generated<number>;
  at: string;
  actor: string;
  objectType: string;
  objectId: string;
  kind: string;
  fromState: string | null;
  toState: string | null;
  reason: string;
}
export interface IdempotencyTable {
  principal: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  statusCode: number;
  response: string;
  createdAt: string;
}
export interface SensorTable {
  machineId: string;
  name: string;
  kind: string;
  value: number | null;
  unit: string;
  status: string;
  at: string;
  lowerNonRecoverable: number | null;
  lowerCritical: number | null;
  lowerNonCritical: number | null;
  upperNonCritical: number | null;
  upperCritical: number | null;
  upperNonRecoverable: number | null;
}
export interface SelTable {
  machineId: string;
  selId: number;
  at: string | null;
  sensor: string;
  description: string;
  severity: string;
}

export interface TaskTable {
  id: string;
  rackId: string;
  kind: string;
  objectId: string;
  /** Sealed JSON: payloads carry BMC passwords and user data. */
  payload: string;
  status: string;
  attempt: number;
  maxAttempts: number;
  leaseUntil: string | null;
  result: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ImageTable extends Versioned {
  id: string;
  name: string;
  os: string;
  format: string;
  /** JSON: { path }. */
  source: string;
  description: string;
}
/** One row per (image, VM host): where the host's import stands, and the task doing it. */
export interface ImageHostTable {
  imageId: string;
  machineId: string;
  status: string;
  reason: string;
  taskId: string | null;
  updatedAt: string;
}

/** A tenant network; `vni` is UNIQUE and comes from a counter that never goes back (no reuse). */
export interface NetworkTable extends Versioned {
  id: string;
  name: string;
  /** Null for an operator's shared network. */
  tenantId: string | null;
  shared: number;
  cidr: string;
  gateway: string;
  /** JSON: string[]. */
  dns: string;
  description: string;
  /** VXLAN networks: the VNI. VLAN networks: null, and fabric_id + vlan_id (UNIQUE together). */
  vni: number | null;
  fabricId: string | null;
  vlanId: number | null;
}
export interface SecurityGroupTable extends Versioned {
  id: string;
  name: string;
  tenantId: string;
  description: string;
  /** JSON: SecurityGroupRule[]. */
  rules: string;
}
/** One NIC's address: UNIQUE (network_id, address) and UNIQUE mac, so no race can hand one out twice. */
export interface NicTable {
  vmId: string;
  nicIndex: number;
  networkId: string;
  address: string;
  mac: string;
  createdAt: string;
}
export interface NicGroupTable {
  vmId: string;
  nicIndex: number;
  groupId: string;
}
export interface PublicIpPoolTable extends Versioned {
  id: string;
  name: string;
  regionId: string;
  cidr: string;
  /** JSON: string[]. */
  exclude: string;
  description: string;
}
/** An attached public address: the address is the key (one VM each), and a VM has at most one. */
export interface PublicIpTable {
  address: string;
  poolId: string;
  vmId: string;
  createdAt: string;
}
/** Counters that only go up (VNIs, NIC MACs): a value handed out is never handed out again. */
export interface CounterTable {
  name: string;
  value: number;
}
/** Limits of a tenant (poolId null) or of a tenant in one pool; null = no limit. */
export interface QuotaTable extends Versioned {
  id: string;
  /** `tenantId/poolId`, or `tenantId/*` tenant-wide: unique (a NULL pool would not be). */
  scope: string;
  tenantId: string;
  poolId: string | null;
  vms: number | null;
  cores: number | null;
  memoryMib: number | null;
  diskGib: number | null;
  publicIps: number | null;
  networks: number | null;
  snapshots: number | null;
  description: string;
}
/** One billed state of a VM over [startMs, endMs); endMs null while it lasts. */
export interface UsageIntervalTable {
  id: string;
  vmId: string;
  vmName: string;
  tenantId: string;
  poolId: string;
  state: string;
  cores: number;
  memoryMib: number;
  diskGib: number;
  publicIps: number;
  /** Epoch ms (bigint: PostgreSQL hands it back as a string; Number() it). */
  startMs: number | string;
  endMs: number | string | null;
}
/** A VM's disk snapshot: an internal qcow2 snapshot tagged with the id, on the VM's disk. */
export interface VmSnapshotTable extends Versioned {
  id: string;
  vmId: string;
  tenantId: string;
  name: string;
  description: string;
  /** quiesced | crash, once taken. */
  consistency: string | null;
  status: string;
  statusReason: string;
}
/** A backup of a VM's disk in a rack's backup store; figures from its manifest. */
export interface BackupTable extends Versioned {
  id: string;
  tenantId: string;
  /** The source VM (which may be gone since: backups outlive it). */
  vmId: string;
  vmName: string;
  image: string;
  diskGib: number;
  /** The rack whose backup store holds it. */
  rackId: string;
  status: string;
  statusReason: string;
  consistency: string | null;
  keepLast: number | null;
  keepDays: number | null;
  path: string | null;
  sizeBytes: number | null;
  virtualSizeBytes: number | null;
  sha256: string | null;
  bytesDone: number;
  bytesTotal: number;
  phase: string;
  throughputMibps: number | null;
  completedAt: string | null;
}

export interface Database {
  networks: NetworkTable;
  securityGroups: SecurityGroupTable;
  nics: NicTable;
  nicGroups: NicGroupTable;
  publicIpPools: PublicIpPoolTable;
  publicIps: PublicIpTable;
  counters: CounterTable;
  vmSnapshots: VmSnapshotTable;
  backups: BackupTable;
  images: ImageTable;
  imageHosts: ImageHostTable;
  tasks: TaskTable;
  regions: RegionTable;
  fabrics: FabricTable;
  racks: RackTable;
  pools: PoolTable;
  poolTenants: PoolTenantTable;
  machines: MachineTable;
  machineMacs: MachineMacTable;
  vms: VmTable;
  tenants: TenantTable;
  apiKeys: ApiKeyTable;
  events: EventTable;
  idempotencyKeys: IdempotencyTable;
  machineSensors: SensorTable;
  machineSel: SelTable;
  quotas: QuotaTable;
  usageIntervals: UsageIntervalTable;
}
