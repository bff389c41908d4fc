/**
 * Progress lines of long creates (commissioning, deploys, VM builds) for the person running
 * `pulumi up`. Inside the provider process the engine may not be reachable through
 * `pulumi.log` (it needs PULUMI_NODEJS_ENGINE), so a failure to log never fails the operation.
 */
import * as pulumi from "@pulumi/pulumi";

export type ProgressSink = (message: string) => void;

function pulumiLog(message: string): void {
  try {
    void pulumi.log.info(message).catch(() => undefined);
  } catch {
    /* no engine, no log: the operation goes on */
  }
}

let sink: ProgressSink = pulumiLog;

export function reportProgress(message: string): void {
  try {
    sink(message);
  } catch {
    /* a broken sink must not break a create */
  }
}

/** Tests redirect progress to observe it; returns the previous sink. */
export function setProgressSink(next: ProgressSink): ProgressSink {
  const prev = sink;
  sink = next;
  return prev;
}
