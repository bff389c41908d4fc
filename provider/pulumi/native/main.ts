/**
 * The `pulumi-resource-fibrix` process, as the engine runs it (plugin.go `newPlugin`): started
 * with the engine's address, it serves gRPC on a free port of 127.0.0.1 and writes that port, and
 * nothing else, as the first line of stdout (the engine reads it a byte at a time up to the
 * newline). It ends when the engine closes it (SIGINT to the process group, then SIGKILL after
 * 5 s: plugin.go `Kill`), answering in-flight calls CANCELLED first.
 */
import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { EngineLog, installProgressSink } from "./engine-log";
import { parsePluginArgs } from "./plugin-args";
import { ProviderService } from "./provider-service";
import { setOperationSignalSource } from "../operation-signal";
import { currentOperation } from "./operations";

/** The engine's own limit for provider messages (large schemas and states). */
const MAX_MESSAGE = 400 * 1024 * 1024;

export interface RunningPlugin {
  port: number;
  service: ProviderService;
  stop(): Promise<void>;
}

export async function startPlugin(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningPlugin> {
  const args = parsePluginArgs(argv);
  const engine = new EngineLog();
  if (args.engineAddress) engine.connect(args.engineAddress);
  installProgressSink(engine);
  // The hooks' waits end as soon as the engine cancels their operation.
  setOperationSignalSource(() => currentOperation()?.signal);
  const service = new ProviderService({ engine, timingTrailers: env.FIBRIX_PLUGIN_TIMING === "1" });
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE,
    "grpc.max_send_message_length": MAX_MESSAGE,
  });
  server.addService(provrpc.ResourceProviderService, service.implementation());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      service.ops.cancel();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      engine.close();
    })();
    return stopping;
  };
  return { port, service, stop };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    const plugin = await startPlugin(argv);
    // The handshake line: the port alone.
    process.stdout.write(`${plugin.port}\n`);
    const end = () => {
      void plugin.stop().then(() => process.exit(0));
    };
    process.on("SIGINT", end);
    process.on("SIGTERM", end);
  } catch (e) {
    process.stderr.write(`pulumi-resource-fibrix: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
