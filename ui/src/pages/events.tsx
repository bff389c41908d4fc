import type { Event } from "../../../sdk/schema/tenant";
import { ago } from "../format";

function objectHref(e: Event): string | null {
  if (e.objectType === "machine") return `/machines/${e.objectId}`;
  if (e.objectType === "vm") return `/vms/${e.objectId}`;
  return null;
}

/** Events newest first: what changed, from which state to which, who, why. */
export function EventList({ events }: { events: Event[] }) {
  if (events.length === 0) return <p class="muted">No events yet.</p>;
  return (
    <ol class="events" aria-live="polite">
      {events.map((e) => {
        const href = objectHref(e);
        return (
          <li key={e.id} data-event-id={e.id}>
            <time dateTime={e.at} title={e.at}>
              {ago(e.at)}
            </time>{" "}
            <span class="muted">{e.objectType}</span>{" "}
            {href ? <a href={href}>{e.objectId}</a> : <code>{e.objectId}</code>} <strong>{e.kind}</strong>
            {e.from || e.to ? (
              <span>
                {" "}
                {e.from ?? "—"} → {e.to ?? "—"}
              </span>
            ) : null}
            {e.reason ? <span class="muted"> · {e.reason}</span> : null}{" "}
            <span class="muted">by {e.actor}</span>
          </li>
        );
      })}
    </ol>
  );
}
