/**
 * The region's event stream (GET /api/v1/events/stream), one connection for the whole console.
 * Read with fetch, not EventSource: EventSource cannot send the Authorization header. After a
 * drop it reconnects with Last-Event-ID, so no event is missed between the two connections.
 */
import type { Event } from "../../sdk/schema/tenant";
import { SseParser } from "../../sdk/sse";
import { storedKey } from "./session";

type Listener = (e: Event) => void;
type State = "connecting" | "live" | "retrying" | "off";

const listeners = new Set<Listener>();
const stateListeners = new Set<(s: State) => void>();
let controller: AbortController | undefined;
let lastId: string | undefined;
let state: State = "off";

function setState(s: State) {
  state = s;
  for (const l of stateListeners) l(s);
}

async function run(ac: AbortController): Promise<void> {
  while (!ac.signal.aborted) {
    const key = storedKey();
    if (!key) return;
    setState("connecting");
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: "text/event-stream" };
      if (lastId !== undefined) headers["last-event-id"] = lastId;
      const res = await fetch("/api/v1/events/stream", { headers, signal: ac.signal });
      // A key the region no longer accepts will not work on a retry either.
      if (res.status === 401 || res.status === 403) {
        setState("off");
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      setState("live");
      const parser = new SseParser();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const m of parser.push(decoder.decode(value, { stream: true }))) {
          if (m.event !== "event") continue;
          lastId = m.id;
          const e = JSON.parse(m.data) as Event;
          for (const l of listeners) l(e);
        }
      }
    } catch {
      if (ac.signal.aborted) return;
    }
    setState("retrying");
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export function startLive(): void {
  if (controller) return;
  controller = new AbortController();
  void run(controller);
}

export function stopLive(): void {
  controller?.abort();
  controller = undefined;
  lastId = undefined;
  setState("off");
}

export function onEvent(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function onLiveState(l: (s: State) => void): () => void {
  stateListeners.add(l);
  l(state);
  return () => stateListeners.delete(l);
}
