/**
 * One VM: its status, placement and addresses, its serial console (an xterm.js terminal on
 * the console WebSocket) and its events live. A VM the key may not see is the API's 404,
 * shown as the API said it.
 */
import { useEffect, useState } from "preact/hooks";
import type { Event } from "../../../sdk/schema/tenant";
import type { Vm } from "../../../sdk/schema/vm";
import { api } from "../api";
import { ProblemBox } from "../components/problem";
import { SerialConsole } from "../components/serial-console";
import { mib } from "../format";
import { onEvent } from "../live";
import { useLoad } from "../use-load";
import { EventList } from "./events";

export function VmPage({ id }: { id: string }) {
  const vm = useLoad(() => api<Vm>(`/vms/${id}`), [id]);
  const history = useLoad(() => api<{ items: Event[] }>(`/events?object=${id}&order=desc&limit=50`), [id]);
  const [live, setLive] = useState<Event[]>([]);
  useEffect(() => {
    setLive([]);
    return onEvent((e) => {
      if (e.objectId !== id) return;
      setLive((l) => [e, ...l]);
      vm.reload();
    });
  }, [id, vm.reload]);
  const v = vm.data;
  const seen = new Set(live.map((e) => e.id));
  const events = [...live, ...(history.data?.items ?? []).filter((e) => !seen.has(e.id))];
  return (
    <main id="main" aria-labelledby="page-title">
      <p>
        <a href="/vms">← VMs</a>
      </p>
      <h1 id="page-title">{v ? v.name : id}</h1>
      <ProblemBox error={vm.error} />
      {v && (
        <>
          <p class="lead">
            <span class={`status s-${v.status}`} id="vm-status" data-status={v.status}>
              {v.status}
            </span>
            {v.statusReason ? <span class="muted"> {v.statusReason}</span> : null} · power{" "}
            <strong>{v.powerState}</strong>
            {v.ip ? ` · ${v.ip}` : ""}
            {v.fqdn ? <span class="muted"> · {v.fqdn}</span> : null}
          </p>
          <section aria-labelledby="h-console">
            <h2 id="h-console">Serial console</h2>
            <SerialConsole vmId={v.id} vmName={v.name} />
          </section>
          <div class="grid2">
            <section aria-labelledby="h-vm">
              <h2 id="h-vm">Details</h2>
              <dl class="kv">
                <dt>Id</dt>
                <dd>
                  <code>{v.id}</code>
                </dd>
                <dt>Size</dt>
                <dd>
                  {v.cores} cores · {mib(v.memoryMiB)} · {v.diskGiB} GiB
                </dd>
                <dt>Image</dt>
                <dd>{v.image}</dd>
                <dt>Host</dt>
                <dd>{v.hostId ?? "—"}</dd>
                <dt>Region</dt>
                <dd>{v.regionId ?? "—"}</dd>
                <dt>Addresses</dt>
                <dd>
                  {[...v.nics.map((n) => n.ipv4), v.publicIpv4, v.nics.length ? null : v.ip]
                    .filter(Boolean)
                    .join(", ") || "—"}
                </dd>
                <dt>Pool</dt>
                <dd>{v.poolId}</dd>
              </dl>
            </section>
            <section aria-labelledby="h-events">
              <h2 id="h-events">Events</h2>
              <ProblemBox error={history.error} />
              <EventList events={events} />
            </section>
          </div>
        </>
      )}
    </main>
  );
}
