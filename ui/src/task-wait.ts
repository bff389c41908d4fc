/**
 * Waits for a rack task the console started (GET /api/v1/tasks/:id) to end. A power or sensor
 * request only changes a machine's events when its outcome changes a state, so the page needs
 * the task's own end to show fresh readings and the rack's error. Bounded: a rack that never
 * answers leaves the task "running", and the page says so instead of waiting forever.
 */
import { api } from "./api";

export interface TaskEnd {
  status: string;
  error: { code: string; message: string } | null;
}

const ENDED = new Set(["done", "failed", "cancelled"]);

export async function waitForTask(taskId: string, timeoutMs = 120_000, everyMs = 500): Promise<TaskEnd> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const t = await api<TaskEnd>(`/tasks/${encodeURIComponent(taskId)}`);
    if (ENDED.has(t.status) || Date.now() >= until) return t;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
