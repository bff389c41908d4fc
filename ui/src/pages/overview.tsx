import { MACHINE_STATUSES } from "../../../sdk/schema/machine-statuses";
import { useEffect, useState } from "preact/hooks";
import type { Event } from "../../../sdk/schema/tenant";
import type { Machine } from "../../../sdk/schema/machine";
import type { Pool } from "../../../sdk/schema/pool";
import type { Rack } from "../../../sdk/schema/rack";
import type { Region } from "../../../sdk/schema/region";
import type { Vm } from "../../../sdk/schema/vm";
import { api, listAll, type WhoAmI } from "../api";
import { Bar } from "../components/bar";
import { ProblemBox } from "../components/problem";
import { ago, mib } from "../format";
import { onEvent } from "../live";
import { useLoad } from "../use-load";
import { EventList } from "./events";

export function PoolBars({ pools }: { pools: Pool[] }) {
  if (pools.length === 0) return <p>No pools.</p>;
  return (
    <div class="cards">
      {pools.map((p) => (
        <section class="card" key={p.id} aria-label={`pool ${p.name}`}>
          <h3>{p.name}</h3>
          <p class="muted">
            {p.hosts} VM host{p.hosts === 1 ? "" : "s"}
            {p.description ? ` · ${p.description}` : ""}
          </p>
          <Bar label="cores" used={p.used.cores} total={p.capacity.cores} unit="" />
          <Bar
            label="memory"
            used={Math.round(p.used.memoryMiB / 1024)}
            total={Math.round(p.capacity.memoryMiB / 1024)}
            unit="GiB"
          />
          <Bar label="disk" used={p.used.diskGiB} total={p.capacity.diskGiB} unit="GiB" />
        </section>
      ))}
    </div>
  );
}

export function Overview({ who }: { who: WhoAmI }) {
  const admin = who.kind === "admin";
  const { data, error, reload } = useLoad(async () => {
    const [regions, racks, machines, pools, vms] = await Promise.all([
      admin ? listAll<Region>("/regions") : Promise.resolve(null),
      admin ? listAll<Rack>("/racks") : Promise.resolve(null),
      admin ? listAll<Machine>("/machines", undefined, 10000, 10000) : Promise.resolve(null),
      listAll<Pool>("/pools"),
      admin ? Promise.resolve(null) : listAll<Vm>("/vms"),
    ]);
    return { regions, racks, machines, pools, vms };
  }, [admin]);
  const recent = useLoad(() => api<{ items: Event[] }>("/events?order=desc&limit=15"), []);
  const [live, setLive] = useState<Event[]>([]);
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | undefined;
    const off = onEvent((e) => {
      setLive((l) => [e, ...l].slice(0, 15));
      // Counts and bars follow the log; one reload for a burst of events.
      clearTimeout(t);
      t = setTimeout(reload, 500);
    });
    return () => {
      off();
      clearTimeout(t);
    };
  }, [reload]);
  const seen = new Set(live.map((e) => e.id));
  const events = [...live, ...(recent.data?.items ?? []).filter((e) => !seen.has(e.id))].slice(0, 15);
  const counts = new Map<string, number>();
  for (const m of data?.machines ?? []) counts.set(m.status, (counts.get(m.status) ?? 0) + 1);
  return (
    <main id="main" aria-labelledby="page-title">
      <h1 id="page-title">Overview</h1>
      <ProblemBox error={error} />
      {data?.regions && (
        <section aria-labelledby="h-regions">
          <h2 id="h-regions">Regions</h2>
          <ul class="chips">
            {data.regions.map((r) => (
              <li key={r.id}>
                <strong>{r.name}</strong> <span class="muted">{r.dnsDomain}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {data?.racks && (
        <section aria-labelledby="h-racks">
          <h2 id="h-racks">
            Racks: {data.racks.filter((r) => r.status === "Online").length} online,{" "}
            {data.racks.filter((r) => r.status !== "Online").length} offline
          </h2>
          <ul class="chips">
            {data.racks.map((r) => (
              <li key={r.id} class={`rack-${r.status}`}>
                <span class={`dot ${r.status}`} aria-hidden="true" />
                <strong>{r.name}</strong> {r.status} · heartbeat {ago(r.lastHeartbeat)}
              </li>
            ))}
          </ul>
        </section>
      )}
      {data?.machines && (
        <section aria-labelledby="h-machines">
          <h2 id="h-machines">Machines: {data.machines.length}</h2>
          <dl class="states">
            {MACHINE_STATUSES.filter((s) => counts.get(s)).map((s) => (
              <div key={s} data-state={s}>
                <dt>
                  <a href={`/machines?status=${s}`}>{s}</a>
                </dt>
                <dd>{counts.get(s)}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      {data?.vms && (
        <section aria-labelledby="h-vms">
          <h2 id="h-vms">Your VMs: {data.vms.length}</h2>
          <p>
            {data.vms.filter((v) => v.powerState === "on").length} running,{" "}
            {data.vms.reduce((a, v) => a + v.cores, 0)} cores,{" "}
            {mib(data.vms.reduce((a, v) => a + v.memoryMiB, 0))}
          </p>
        </section>
      )}
      <section aria-labelledby="h-pools">
        <h2 id="h-pools">Pools</h2>
        {data && <PoolBars pools={data.pools} />}
      </section>
      <section aria-labelledby="h-events">
        <h2 id="h-events">Recent events</h2>
        <ProblemBox error={recent.error} />
        <EventList events={events} />
      </section>
    </main>
  );
}
