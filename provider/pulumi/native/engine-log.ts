/**
 * Logs to the engine (pulumirpc.Engine/Log at the address the engine starts the plugin with):
 * what `pulumi up` prints under a resource. The hooks' progress lines (progress.ts
 * `reportProgress`) are sent here, attached to the URN of the operation that printed them.
 * Fire-and-forget: a log that cannot be delivered never fails an operation.
 */
import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import { setProgressSink } from "../progress";
import { currentOperation } from "./operations";

export type Severity = "debug" | "info" | "warning" | "error";

const SEVERITY: Readonly<Record<Severity, engproto.LogSeverity>> = {
  debug: engproto.LogSeverity.DEBUG,
  info: engproto.LogSeverity.INFO,
  warning: engproto.LogSeverity.WARNING,
  error: engproto.LogSeverity.ERROR,
};

export class EngineLog {
  private client: engrpc.EngineClient | undefined;

  /** Where the engine listens; unset until the engine says (argument, Handshake or Attach). */
  connect(address: string): void {
    if (this.client) return;
    this.client = new engrpc.EngineClient(address, grpc.credentials.createInsecure());
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  log(severity: Severity, message: string, urn = currentOperation()?.urn): void {
    if (!this.client) {
      process.stderr.write(`${severity}: ${message}\n`);
      return;
    }
    const req = new engproto.LogRequest();
    req.setSeverity(SEVERITY[severity]);
    req.setMessage(message);
    if (urn) req.setUrn(urn);
    this.client.log(req, () => undefined);
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

/** Makes the hooks' progress lines engine logs (info, on the resource being worked on). */
export function installProgressSink(engine: EngineLog): void {
  setProgressSink((message) => engine.log("info", message));
}
