/** The smaller lists: one table each, re-read when an event about their kind of object arrives. */
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import type { Image } from "../../../sdk/schema/image";
import type { Network } from "../../../sdk/schema/network";
import type { Pool } from "../../../sdk/schema/pool";
import type { Rack } from "../../../sdk/schema/rack";
import type { ApiKey, Tenant } from "../../../sdk/schema/tenant";
import type { Vm } from "../../../sdk/schema/vm";
import { listAll } from "../api";
import { ProblemBox } from "../components/problem";
import { ago, mib } from "../format";
import { onEvent } from "../live";
import { useLocation } from "../router";
import { useLoad } from "../use-load";
import { PoolBars } from "./overview";

interface Column<T> {
  label: string;
  value: (row: T) => ComponentChildren;
}

function ListPage<T extends { id: string }>(props: {
  title: string;
  path: string;
  objectType: string;
  columns: Column<T>[];
  filter?: (row: T) => boolean;
  before?: (rows: T[]) => ComponentChildren;
}) {
  const { data, error, reload } = useLoad(() => listAll<T>(props.path), [props.path]);
  useEffect(
    () =>
      onEvent((e) => {
        if (e.objectType === props.objectType) reload();
      }),
    [props.objectType, reload],
  );
  const rows = data ? data.filter(props.filter ?? (() => true)) : [];
  const slug = props.title.toLowerCase().replace(/\W+/g, "-");
  return (
    <main id="main" aria-labelledby="page-title">
      <h1 id="page-title">{props.title}</h1>
      <ProblemBox error={error} />
      {data && props.before?.(rows)}
      {data && (
        <div class="table-wrap">
          <table class="table" id={`table-${slug}`}>
            <caption>
              {rows.length} {props.title.toLowerCase()}
            </caption>
            <thead>
              <tr>
                {props.columns.map((c) => (
                  <th scope="col" key={c.label}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-id={r.id}>
                  {props.columns.map((c) => (
                    <td key={c.label}>{c.value(r)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}

export function Vms() {
  const q = useLocation().query.get("q") ?? "";
  return (
    <ListPage<Vm>
      title="VMs"
      path="/vms"
      objectType="vm"
      filter={(v) => !q || v.id === q || v.name.includes(q)}
      columns={[
        {
          label: "Name",
          value: (v) => (
            <a href={`/vms/${v.id}`}>
              <strong>{v.name}</strong>
            </a>
          ),
        },
        { label: "Status", value: (v) => <span class={`status s-${v.status}`}>{v.status}</span> },
        { label: "Power", value: (v) => v.powerState },
        { label: "Size", value: (v) => `${v.cores} cores · ${mib(v.memoryMiB)} · ${v.diskGiB} GiB` },
        { label: "Image", value: (v) => v.image },
        { label: "Host", value: (v) => v.hostId ?? "—" },
        { label: "Region", value: (v) => v.regionId ?? "—" },
        { label: "Addresses", value: (v) => [v.ip, v.fqdn].filter(Boolean).join(" · ") || "—" },
        {
          label: "Console",
          // The serial console lives on the VM's page (components/serial-console.tsx).
          value: (v) => (
            <a href={`/vms/${v.id}#h-console`} aria-label={`Serial console of ${v.name}`}>
              Console
            </a>
          ),
        },
      ]}
    />
  );
}

export function Pools() {
  return (
    <ListPage<Pool>
      title="Pools"
      path="/pools"
      objectType="pool"
      before={(rows) => <PoolBars pools={rows} />}
      columns={[
        { label: "Name", value: (p) => <strong>{p.name}</strong> },
        { label: "Hosts", value: (p) => p.hosts },
        { label: "Over-commit", value: (p) => `CPU ×${p.cpuOvercommit} · memory ×${p.memoryOvercommit}` },
        { label: "Tenants", value: (p) => p.tenants.join(", ") || "—" },
      ]}
    />
  );
}

export function Networks() {
  return (
    <ListPage<Network>
      title="Networks"
      path="/networks"
      objectType="network"
      columns={[
        { label: "Name", value: (n) => <strong>{n.name}</strong> },
        { label: "Subnet", value: (n) => `${n.cidr} via ${n.gateway}` },
        {
          label: "Segment",
          value: (n) => (n.segment.kind === "vxlan" ? `VXLAN ${n.segment.vni}` : `VLAN ${n.segment.vlanId}`),
        },
        { label: "Addresses", value: (n) => `${n.used} of ${n.capacity} used` },
        { label: "Owner", value: (n) => (n.shared ? "shared" : (n.tenantId ?? "—")) },
      ]}
    />
  );
}

export function Images() {
  return (
    <ListPage<Image>
      title="Images"
      path="/images"
      objectType="image"
      columns={[
        { label: "Name", value: (i) => <strong>{i.name}</strong> },
        { label: "OS", value: (i) => i.os },
        { label: "Format", value: (i) => i.format },
        { label: "Status", value: (i) => <span class={`status s-${i.status}`}>{i.status}</span> },
        { label: "Why", value: (i) => i.statusReason },
        { label: "Source", value: (i) => <code>{i.source.path}</code> },
      ]}
    />
  );
}

export function Racks() {
  return (
    <ListPage<Rack>
      title="Racks"
      path="/racks"
      objectType="rack"
      columns={[
        { label: "Name", value: (r) => <strong>{r.name}</strong> },
        { label: "Status", value: (r) => <span class={`status s-${r.status}`}>{r.status}</span> },
        { label: "Last heartbeat", value: (r) => ago(r.lastHeartbeat) },
        { label: "Region", value: (r) => r.regionId },
        { label: "Subnet", value: (r) => r.subnet },
        { label: "DHCP", value: (r) => `${r.dhcpRange.start} – ${r.dhcpRange.end}` },
      ]}
    />
  );
}

export function Tenants() {
  return (
    <ListPage<Tenant>
      title="Tenants"
      path="/tenants"
      objectType="tenant"
      columns={[
        { label: "Name", value: (t) => <strong>{t.name}</strong> },
        { label: "Id", value: (t) => <code>{t.id}</code> },
        { label: "Description", value: (t) => t.description || "—" },
        { label: "Created", value: (t) => ago(t.createdAt) },
      ]}
    />
  );
}

export function ApiKeys() {
  return (
    <ListPage<ApiKey>
      title="API keys"
      path="/apikeys"
      objectType="apikey"
      columns={[
        { label: "Name", value: (k) => <strong>{k.name}</strong> },
        { label: "Role", value: (k) => k.role },
        { label: "Tenant", value: (k) => k.tenantId ?? "—" },
        { label: "Created", value: (k) => ago(k.createdAt) },
        { label: "Last used", value: (k) => ago(k.lastUsedAt) },
      ]}
    />
  );
}
