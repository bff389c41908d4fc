/**
 * The rack's side of the rack protocol (sdk/schema/rack-agent.ts): a thin client on the SDK's
 * HTTP layer, so the region's restarts and hiccups are retried with the same bounded backoff.
 */
import type { AxiosInstance } from "axios";
import { createHttp } from "../../sdk/http";
import type { HealthReport, Heartbeat, RackConfig, Task, TaskResult } from "../../sdk/schema/rack-agent";

export class RegionClient {
  private readonly http: AxiosInstance;

  constructor(endpoint: string, token: string) {
    this.http = createHttp({ endpoint, apiKey: token, timeoutMs: 40_000, retries: 6 });
  }

  async heartbeat(body: Heartbeat): Promise<RackConfig> {
    return (await this.http.post<RackConfig>("/rack-agent/heartbeat", body)).data;
  }

  async claim(max: number, waitMs: number, signal?: AbortSignal): Promise<Task[]> {
    const res = await this.http.post<{ tasks: Task[] }>(
      "/rack-agent/tasks/claim",
      { max, waitMs },
      signal ? { signal } : {},
    );
    return res.data.tasks;
  }

  async result(taskId: string, body: TaskResult): Promise<void> {
    // The same report may be sent twice after a lost answer; the region then says 409, which is fine.
    await this.http.post(`/rack-agent/tasks/${encodeURIComponent(taskId)}/result`, body, {
      headers: { "Idempotency-Key": `result-${taskId}` }, // marks the POST safe to retry
      validateStatus: (s) => (s >= 200 && s < 300) || s === 409,
    });
  }

  async health(machineId: string, report: HealthReport): Promise<void> {
    await this.http.post(`/rack-agent/machines/${encodeURIComponent(machineId)}/health`, report);
  }
}
