/**
 * Run lab BMCs on their own event loop (a worker thread of this process), so a client under
 * measurement does not share a thread with the BMCs it polls; the benchmark uses this to be
 * fair to FreeIPMI, which runs in its own process. Only serialisable options cross the
 * boundary (no machine bindings, no injected clock). Requires the compiled JS
 * (dist/backend/lab/bmc/lab-thread-entry.js).
 */

import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { PowerAction } from "./power-state";
import type { StartLabBmcsOptions } from "./server";

export type LabThreadOptions = Omit<StartLabBmcsOptions, "binding" | "name" | "clock">;

export type LabThreadRequest =
  | { type: "chassis"; id: number; indexes: number[]; action: PowerAction }
  | { type: "states"; id: number }
  | { type: "totals"; id: number };

export type LabThreadMessage =
  | { type: "ready"; endpoints: { host: string; port: number }[] }
  | { type: "failed"; message: string }
  | { type: "reply"; id: number; value: unknown };

export interface LabThread {
  endpoints: { host: string; port: number }[];
  chassis(indexes: number[], action: PowerAction): Promise<boolean[]>;
  states(): Promise<("on" | "off")[]>;
  totals(): Promise<{ received: number; answered: number; malformed: number; authFailures: number }>;
  /** Closes the sockets and ends the thread. */
  stop(): Promise<void>;
}

export function startLabThread(options: LabThreadOptions, timeoutMs = 60_000): Promise<LabThread> {
  const worker = new Worker(join(__dirname, "lab-thread-entry.js"), { workerData: options });
  let nextId = 1;
  const waiting = new Map<number, (v: unknown) => void>();
  type Unsent = LabThreadRequest extends infer R
    ? R extends LabThreadRequest
      ? Omit<R, "id">
      : never
    : never;
  const ask = <T>(req: Unsent): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, (v) => resolve(v as T));
      worker.postMessage({ ...req, id });
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error("lab thread did not start in time"));
    }, timeoutMs);
    worker.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    worker.on("message", (m: LabThreadMessage) => {
      if (m.type === "failed") {
        clearTimeout(timer);
        void worker.terminate();
        reject(new Error(m.message));
      } else if (m.type === "ready") {
        clearTimeout(timer);
        resolve({
          endpoints: m.endpoints,
          chassis: (indexes, action) => ask({ type: "chassis", indexes, action }),
          states: () => ask({ type: "states" }),
          totals: () => ask({ type: "totals" }),
          stop: async () => {
            worker.postMessage({ type: "stop" });
            await new Promise<void>((r) => {
              const t = setTimeout(() => void worker.terminate().then(() => r()), 5000);
              worker.once("exit", () => {
                clearTimeout(t);
                r();
              });
            });
          },
        });
      } else {
        waiting.get(m.id)?.(m.value);
        waiting.delete(m.id);
      }
    });
  });
}
