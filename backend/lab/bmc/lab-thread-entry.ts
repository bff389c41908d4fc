/** Worker-thread side of lab-thread.ts: start the BMCs, answer requests, close on "stop". */

import { parentPort, workerData } from "node:worker_threads";
import type { LabThreadMessage, LabThreadOptions, LabThreadRequest } from "./lab-thread";
import { startLabBmcs } from "./server";

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (m: LabThreadMessage) => port.postMessage(m);
  let lab: Awaited<ReturnType<typeof startLabBmcs>>;
  try {
    lab = await startLabBmcs(workerData as LabThreadOptions);
  } catch (e) {
    post({ type: "failed", message: (e as Error).message });
    return;
  }
  port.on("message", (m: LabThreadRequest | { type: "stop" }) => {
    if (m.type === "stop") {
      void lab.close().then(() => port.close());
      return;
    }
    if (m.type === "chassis") {
      const value = m.indexes.map((i) => lab.bmcs[i]?.bmc.chassis(m.action) ?? false);
      post({ type: "reply", id: m.id, value });
    } else if (m.type === "states") {
      post({ type: "reply", id: m.id, value: lab.bmcs.map((b) => b.bmc.power.state) });
    } else {
      post({ type: "reply", id: m.id, value: lab.totals() });
    }
  });
  post({ type: "ready", endpoints: lab.bmcs.map((b) => ({ host: b.host, port: b.port })) });
}

void main();
