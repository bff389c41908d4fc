/**
 * One machine: inventory, power, health (SEL; sensors beside their thresholds), its events live, and the operator's
 * actions. Which action is legal is the API's call: every button asks for confirmation, and a
 * refusal (409 with the allowed actions, a missing deploy target…) is shown as the API said it.
 */
import { useEffect, useState } from "preact/hooks";
import type { Machine, SelEvent, SensorReading } from "../../../sdk/schema/machine";
import type { Event } from "../../../sdk/schema/tenant";
import type { Image } from "../../../sdk/schema/image";
import { api, listAll } from "../api";
import { Confirm } from "../components/confirm";
import { ProblemBox } from "../components/problem";
import { SensorTable } from "../components/sensor-table";
import { ago, mib } from "../format";
import { onEvent } from "../live";
import { waitForTask } from "../task-wait";
import { useLoad } from "../use-load";
import { EventList } from "./events";

interface HealthView {
  health: Machine["health"];
  sensors: SensorReading[];
  sel: SelEvent[];
}

type Pending =
  | { kind: "action"; action: string; label: string }
  | { kind: "power"; action: "on" | "off" | "cycle" | "health"; label: string }
  | { kind: "deploy"; label: string };

const ACTIONS: Pending[] = [
  { kind: "action", action: "commission", label: "Commission" },
  { kind: "deploy", label: "Deploy" },
  { kind: "action", action: "release", label: "Release" },
  { kind: "action", action: "rescue", label: "Rescue" },
  { kind: "action", action: "exit-rescue", label: "Exit rescue" },
  { kind: "action", action: "abort", label: "Abort" },
  { kind: "power", action: "on", label: "Power on" },
  { kind: "power", action: "off", label: "Power off" },
  { kind: "power", action: "cycle", label: "Power cycle" },
  { kind: "power", action: "health", label: "Read sensors" },
];

export function MachinePage({ id }: { id: string }) {
  const machine = useLoad(() => api<Machine>(`/machines/${id}`), [id]);
  const health = useLoad(() => api<HealthView>(`/machines/${id}/health`), [id]);
  const history = useLoad(() => api<{ items: Event[] }>(`/events?object=${id}&order=desc&limit=50`), [id]);
  const [live, setLive] = useState<Event[]>([]);
  const [pending, setPending] = useState<Pending | null>(null);
  const [image, setImage] = useState("");
  const [images, setImages] = useState<Image[]>([]);
  const [done, setDone] = useState<{ text: string; ok: boolean } | null>(null);

  useEffect(() => {
    setLive([]);
    return onEvent((e) => {
      if (e.objectId !== id) return;
      setLive((l) => [e, ...l]);
      machine.reload();
      health.reload();
    });
  }, [id, machine.reload, health.reload]);
  useEffect(() => {
    if (pending?.kind !== "deploy") return;
    listAll<Image>("/images")
      .then(setImages)
      .catch(() => setImages([]));
    setImage(machine.data?.deploy?.image ?? "");
  }, [pending, machine.data]);

  const m = machine.data;
  const run = async (p: Pending) => {
    if (p.kind === "power") {
      const { taskId } = await api<{ taskId: string }>(`/machines/${id}/power`, {
        method: "POST",
        body: { action: p.action },
      });
      setDone({ text: `${p.label}: accepted`, ok: true });
      // The dialog closes now; the outcome follows when the rack has answered.
      void waitForTask(taskId)
        .then((t) => {
          const ok = t.status === "done";
          setDone({
            text: `${p.label}: ${ok ? "done" : t.status}${t.error ? ` (${t.error.message})` : ""}`,
            ok,
          });
        })
        .catch((e) => setDone({ text: `${p.label}: ${String(e)}`, ok: false }))
        .finally(() => {
          machine.reload();
          health.reload();
        });
      return;
    }
    if (p.kind === "deploy") {
      const cur = await api<Machine>(`/machines/${id}`);
      if (cur.deploy?.image !== image) {
        await api(`/machines/${id}`, { method: "PATCH", body: { deploy: { image } }, ifMatch: cur.version });
      }
      await api(`/machines/${id}/actions/deploy`, { method: "POST", body: {} });
    } else {
      await api(`/machines/${id}/actions/${p.action}`, { method: "POST", body: {} });
    }
    setDone({ text: `${p.label}: accepted`, ok: true });
    machine.reload();
  };
  const seen = new Set(live.map((e) => e.id));
  const events = [...live, ...(history.data?.items ?? []).filter((e) => !seen.has(e.id))];

  return (
    <main id="main" aria-labelledby="page-title">
      <p>
        <a href="/machines">← Machines</a>
      </p>
      <h1 id="page-title">{m ? m.hostname : id}</h1>
      <ProblemBox error={machine.error} />
      {m && (
        <>
          <p class="lead">
            <span class={`status s-${m.status}`} id="machine-status" data-status={m.status}>
              {m.status}
            </span>
            {m.statusReason ? <span class="muted"> {m.statusReason}</span> : null} · power{" "}
            <strong id="machine-power">{m.powerState}</strong>
            {m.powerError ? <span class="problem-inline"> ({m.powerError})</span> : null}
            {m.ip ? ` · ${m.ip}` : ""} · <span class="muted">{m.fqdn}</span>
          </p>
          <section aria-labelledby="h-actions">
            <h2 id="h-actions">Actions</h2>
            <div class="buttons wrap">
              {ACTIONS.map((a) => (
                <button
                  type="button"
                  key={a.label}
                  onClick={() => {
                    setDone(null);
                    setPending(a);
                  }}
                >
                  {a.label}
                </button>
              ))}
            </div>
            {done && (
              <p role="status" id="action-outcome" class={done.ok ? "ok" : "problem-inline"}>
                {done.text}
              </p>
            )}
          </section>
          <div class="grid2">
            <section aria-labelledby="h-inv">
              <h2 id="h-inv">Inventory</h2>
              {m.inventory ? (
                <dl class="kv">
                  <dt>CPU</dt>
                  <dd>
                    {m.inventory.cores} cores{m.inventory.cpuModel ? ` · ${m.inventory.cpuModel}` : ""}
                  </dd>
                  <dt>Memory</dt>
                  <dd>{mib(m.inventory.memoryMiB)}</dd>
                  <dt>Disks</dt>
                  <dd>
                    {m.inventory.storage.map((d) => `${d.name} ${Math.round(d.sizeGiB)} GiB`).join(", ") ||
                      "—"}
                  </dd>
                  <dt>NICs</dt>
                  <dd>{m.inventory.nics.map((n) => `${n.name} ${n.mac}`).join(", ") || "—"}</dd>
                </dl>
              ) : (
                <p class="muted">Not commissioned yet.</p>
              )}
              <dl class="kv">
                <dt>Id</dt>
                <dd>
                  <code>{m.id}</code>
                </dd>
                <dt>MACs</dt>
                <dd>{m.macs.join(", ")}</dd>
                <dt>Power</dt>
                <dd>
                  {m.power.type}
                  {m.power.address ? ` ${m.power.address}${m.power.port ? `:${m.power.port}` : ""}` : ""}
                </dd>
                <dt>Tags</dt>
                <dd>{m.tags.join(", ") || "—"}</dd>
                <dt>Deploy target</dt>
                <dd>{m.deploy?.image ?? (m.vmHost ? "VM host" : "—")}</dd>
              </dl>
            </section>
            <section aria-labelledby="h-health">
              <h2 id="h-health">Health</h2>
              <ProblemBox error={health.error} />
              {health.data && (
                <>
                  <p>
                    <span class={`health h-${health.data.health.status}`}>{health.data.health.status}</span> ·
                    checked {ago(health.data.health.checkedAt)}
                    {health.data.health.reasons.length ? ` · ${health.data.health.reasons.join("; ")}` : ""}
                  </p>
                  <table class="table" id="sel">
                    <caption>System event log ({health.data.sel.length})</caption>
                    <thead>
                      <tr>
                        <th scope="col">#</th>
                        <th scope="col">When</th>
                        <th scope="col">Sensor</th>
                        <th scope="col">Event</th>
                        <th scope="col">Severity</th>
                      </tr>
                    </thead>
                    <tbody>
                      {health.data.sel.map((e) => (
                        <tr key={e.id}>
                          <td>{e.id}</td>
                          <td>{e.at ?? "—"}</td>
                          <td>{e.sensor}</td>
                          <td>{e.description}</td>
                          <td>{e.severity}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              )}
            </section>
          </div>
          <section aria-labelledby="h-sensors">
            <h2 id="h-sensors">Sensors and thresholds</h2>
            {health.data && <SensorTable sensors={health.data.sensors} />}
          </section>
        </>
      )}
      <section aria-labelledby="h-ev">
        <h2 id="h-ev">Events</h2>
        <ProblemBox error={history.error} />
        <EventList events={events} />
      </section>
      {pending && (
        <Confirm
          title={`${pending.label} ${m?.hostname ?? id}?`}
          confirmLabel={pending.label}
          onConfirm={() => run(pending)}
          onClose={() => setPending(null)}
        >
          {pending.kind === "deploy" ? (
            <div class="field">
              <label for="deploy-image">Image</label>
              <input
                id="deploy-image"
                class="dialog-input"
                list="deploy-images"
                required
                value={image}
                onInput={(e) => setImage((e.currentTarget as HTMLInputElement).value)}
              />
              <datalist id="deploy-images">
                {images.map((i) => (
                  <option key={i.id} value={i.name} />
                ))}
              </datalist>
            </div>
          ) : (
            <p>
              {pending.kind === "power"
                ? pending.action === "health"
                  ? "The rack reads the BMC's sensors and event log now."
                  : `The rack sends "${pending.action}" to the machine's BMC.`
                : `The region moves the machine out of ${m?.status ?? "its state"} if this action is allowed there.`}
            </p>
          )}
        </Confirm>
      )}
    </main>
  );
}
