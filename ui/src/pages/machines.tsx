/**
 * All machines in one virtualised table: the first page (200) shows at once, the rest streams
 * in by pages of 5 000; filtering and sorting run in the browser over what is loaded, and the
 * filter is the URL's query. Live: a machine's event re-reads that machine only.
 */
import { MACHINE_STATUSES } from "../../../sdk/schema/machine-statuses";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Machine } from "../../../sdk/schema/machine";
import type { Pool } from "../../../sdk/schema/pool";
import type { Rack } from "../../../sdk/schema/rack";
import { api, listAll } from "../api";
import { ProblemBox } from "../components/problem";
import { VirtualRows } from "../components/virtual-rows";
import { mib } from "../format";
import { onEvent } from "../live";
import {
  applyFilter,
  filterFromQuery,
  filterToQuery,
  type MachineFilter,
  type SortKey,
} from "../machine-filter";
import { navigate, useLocation } from "../router";

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: "hostname", label: "Hostname" },
  { key: "status", label: "Status" },
  { key: "power", label: "Power" },
  { key: "rack", label: "Rack" },
  { key: "pool", label: "Pool" },
  { key: "cores", label: "Cores" },
  { key: "memory", label: "Memory" },
  { key: "ip", label: "IP" },
];
const ROW = 36;

export function Machines() {
  const { query } = useLocation();
  const filter = filterFromQuery(query);
  const [machines, setMachines] = useState<Machine[] | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [racks, setRacks] = useState<Map<string, string>>(new Map());
  const [pools, setPools] = useState<Map<string, string>>(new Map());
  const [text, setText] = useState(filter.q);
  const byId = useRef(new Map<string, number>());

  useEffect(() => {
    let live = true;
    listAll<Machine>("/machines", (sofar) => live && setMachines([...sofar]))
      .then(() => live && setLoading(false))
      .catch((e) => {
        if (live) {
          setError(e);
          setLoading(false);
        }
      });
    listAll<Rack>("/racks")
      .then((r) => live && setRacks(new Map(r.map((x) => [x.id, x.name]))))
      .catch(setError);
    listAll<Pool>("/pools")
      .then((p) => live && setPools(new Map(p.map((x) => [x.id, x.name]))))
      .catch(setError);
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    byId.current = new Map((machines ?? []).map((m, i) => [m.id, i]));
  }, [machines]);

  useEffect(() => {
    const pending = new Set<string>();
    let t: ReturnType<typeof setTimeout> | undefined;
    const flush = async () => {
      const ids = [...pending];
      pending.clear();
      const fresh = await Promise.all(ids.map((id) => api<Machine>(`/machines/${id}`).catch(() => null)));
      setMachines((list) => {
        if (!list) return list;
        const next = [...list];
        ids.forEach((id, k) => {
          const i = byId.current.get(id);
          const m = fresh[k];
          if (m && i !== undefined) next[i] = m;
          else if (m) next.push(m);
          else if (i !== undefined) next.splice(i, 1);
        });
        return next;
      });
    };
    const off = onEvent((e) => {
      if (e.objectType !== "machine") return;
      pending.add(e.objectId);
      clearTimeout(t);
      t = setTimeout(() => void flush(), 100);
    });
    return () => {
      off();
      clearTimeout(t);
    };
  }, []);

  const set = (patch: Partial<MachineFilter>) =>
    navigate(`/machines${filterToQuery({ ...filter, ...patch })}`, { replace: true });
  // Typing updates the URL after a short pause; the rows follow at once.
  useEffect(() => {
    if (text === filter.q) return;
    const t = setTimeout(() => set({ q: text }), 150);
    return () => clearTimeout(t);
  });
  const effective = { ...filter, q: text };
  const key = filterToQuery(effective);
  const shown = useMemo(() => applyFilter(machines ?? [], effective), [machines, key]);
  const tags = useMemo(() => [...new Set((machines ?? []).flatMap((m) => m.tags))].sort(), [machines]);
  const sortBy = (k: SortKey) =>
    set({ sort: k, dir: filter.sort === k && filter.dir === "asc" ? "desc" : "asc" });

  const select = (
    id: string,
    label: string,
    value: string,
    options: [string, string][],
    field: keyof MachineFilter,
  ) => (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => set({ [field]: (e.currentTarget as HTMLSelectElement).value })}
      >
        <option value="">any</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <main id="main" aria-labelledby="page-title">
      <h1 id="page-title">Machines</h1>
      <ProblemBox error={error} />
      {error && !machines ? null : (
        <>
          <form class="filters" aria-label="filter machines" onSubmit={(e) => e.preventDefault()}>
            <div class="field grow">
              <label for="f-q">Search</label>
              <input
                id="f-q"
                type="search"
                placeholder="hostname, id, IP, MAC, tag"
                value={text}
                onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
              />
            </div>
            {select(
              "f-status",
              "Status",
              filter.status,
              MACHINE_STATUSES.map((s) => [s, s]),
              "status",
            )}
            {select(
              "f-rack",
              "Rack",
              filter.rack,
              [...racks].map(([id, n]) => [id, n]),
              "rack",
            )}
            {select(
              "f-pool",
              "Pool",
              filter.pool,
              [["none", "(no pool)"], ...[...pools].map(([id, n]): [string, string] => [id, n])],
              "pool",
            )}
            {select(
              "f-tag",
              "Tag",
              filter.tag,
              tags.map((t) => [t, t]),
              "tag",
            )}
          </form>
          <p
            class="count"
            aria-live="polite"
            id="machine-count"
            data-shown={shown.length}
            data-total={machines?.length ?? 0}
            data-loading={loading ? "1" : "0"}
          >
            {shown.length} of {machines?.length ?? 0} machines{loading ? " (loading…)" : ""}
          </p>
          <VirtualRows
            items={shown}
            rowHeight={ROW}
            label="machines"
            header={
              <tr class="vrow vhead">
                {COLUMNS.map((c) => (
                  <th
                    scope="col"
                    key={c.key}
                    class={`c-${c.key}`}
                    aria-sort={
                      filter.sort === c.key ? (filter.dir === "asc" ? "ascending" : "descending") : "none"
                    }
                  >
                    <button type="button" onClick={() => sortBy(c.key)}>
                      {c.label}
                      {filter.sort === c.key ? (filter.dir === "asc" ? " ▲" : " ▼") : ""}
                    </button>
                  </th>
                ))}
              </tr>
            }
            row={(m, i) => (
              <tr
                class="vrow"
                key={m.id}
                aria-rowindex={i + 2}
                data-machine={m.hostname}
                data-status={m.status}
              >
                <th scope="row" class="c-hostname">
                  <a href={`/machines/${m.id}`}>{m.hostname}</a>
                </th>
                <td class="c-status">
                  <span class={`status s-${m.status}`}>{m.status}</span>
                </td>
                <td class="c-power">{m.powerState}</td>
                <td class="c-rack">{racks.get(m.rackId) ?? m.rackId}</td>
                <td class="c-pool">{m.poolId ? (pools.get(m.poolId) ?? m.poolId) : "—"}</td>
                <td class="c-cores">{m.inventory?.cores ?? "—"}</td>
                <td class="c-memory">{m.inventory ? mib(m.inventory.memoryMiB) : "—"}</td>
                <td class="c-ip">{m.ip ?? "—"}</td>
              </tr>
            )}
          />
        </>
      )}
    </main>
  );
}
